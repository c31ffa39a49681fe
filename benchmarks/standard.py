"""Standard benchmark: loading the YAML standard, validating tables with `check_frame`, rendering its documents.

    .venv/bin/python benchmarks/standard.py [--repeat 3] [--scale 10]

Anchor: Frictionless (`frictionless.validate`) checking the same file against the datapackage.json we render (the
check a data user would run). The CTDC victim-perpetrator file (21,195 rows) is read from ../shared; `--scale`
stacks it N times for the larger run. Times are the best of `--repeat` runs, in seconds, in this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
VP = REPO.parent / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    if not VP.exists():
        sys.exit(f"the CTDC file is missing: {VP}")

    from frictionless import validate

    from cthub.standard.codebook import render_codebook
    from cthub.standard.datapackage import render_datapackage
    from cthub.standard.dictionary import render_dictionary
    from cthub.standard.loader import PACKAGED, _load, load_standard

    rows: list[tuple[str, str, float, str]] = []
    t, std = best(lambda: _load(PACKAGED), args.repeat)
    rows.append(("load_standard (uncached)", "2 tables, 75 variables", t, ""))
    t, _ = best(load_standard, args.repeat)
    rows.append(("load_standard (cached)", "", t, ""))

    vp = pd.read_csv(VP, dtype="string", keep_default_na=False).replace("", pd.NA)
    big = pd.concat([vp] * args.scale, ignore_index=True)
    for name, frame in (("check_frame VP", vp), (f"check_frame VP x{args.scale}", big)):
        t, problems = best(lambda f=frame: std.check_frame("victim_perpetrator", f), args.repeat)
        rows.append((name, f"{len(frame):,} rows x 16", t, f"{len(frame) / t:,.0f} rows/s, {len(problems)} problems"))
    bad = vp.copy()
    bad.loc[bad.index % 10 == 0, "gender"] = "F"
    t, problems = best(lambda: std.check_frame("victim_perpetrator", bad), args.repeat)
    rows.append(("check_frame VP, 10% bad gender", f"{len(bad):,} rows", t, f"{len(problems)} problems (capped)"))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "victim_perpetrator.csv").write_bytes(VP.read_bytes())
        t, _ = best(lambda: render_codebook(std, out), args.repeat)
        rows.append(("render_codebook", "html + md", t, f"{(out / 'codebook.html').stat().st_size / 1024:.0f} KiB html"))
        t, _ = best(lambda: render_dictionary(std, out), args.repeat)
        rows.append(("render_dictionary", "csv + xlsx", t, ""))
        t, _ = best(
            lambda: render_datapackage(std, out, [{"table": "victim_perpetrator", "path": "victim_perpetrator.csv"}]),
            args.repeat,
        )
        rows.append(("render_datapackage", "json", t, ""))
        t, report = best(lambda: validate(out / "datapackage.json"), 1)
        rows.append(("anchor: frictionless validate VP", f"{len(vp):,} rows x 16", t,
                     f"{len(vp) / t:,.0f} rows/s, valid={report.valid}"))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'input':<22}  {'seconds':>8}  notes")
    print("-" * (width + 60))
    for name, what, secs, note in rows:
        print(f"{name:<{width}}  {what:<22}  {secs:>8.4f}  {note}")
    print(f"\npeak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
