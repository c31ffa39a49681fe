"""Speed of `cthub.evaluate` and of the release pipeline, printed as a table.

    .venv/bin/python benchmarks/evaluate_release.py [--sizes 10000,40000,80000] [--release-records 5000]

Evaluate: real = CTDC-shaped benchmark table (10 explorer columns), synthetic = an independent draw of the same
generator (a stand-in for a synthesizer's output, so the timing is the evaluator's alone), k-anonymized = real.
Release: a temporary hub with that many benchmark records, the full pipeline with the default configuration.
Wall and CPU seconds are both shown: on a shared machine wall time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def _time(fn):  # noqa: ANN001, ANN202
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,40000,80000")
    ap.add_argument("--release-records", type=int, default=5000)
    args = ap.parse_args()
    from cthub.evaluate import Membership, evaluate
    from cthub.sample.benchmark_table import make_benchmark_table
    from cthub.standard import load_standard

    cols = [c for c in load_standard().table("victims").explore_columns]
    table = Table(title="cthub evaluate / release timings")
    for c in ("task", "records", "wall s", "cpu s", "notes"):
        table.add_column(c, justify="right" if c in ("records", "wall s", "cpu s") else "left")
    for n in (int(x) for x in args.sizes.split(",")):
        real = make_benchmark_table(n, seed=1)
        cols_here = [c for c in cols if c in real.columns]
        real = real[cols_here]
        syn = make_benchmark_table(n, seed=2)[cols_here]
        half = n // 2
        mem = Membership(real.iloc[:half], real.iloc[half:], syn.iloc[:half])
        with tempfile.TemporaryDirectory() as d:
            m, wall, cpu = _time(lambda real=real, syn=syn, mem=mem, d=d: evaluate(
                real, kanon=real, synthetic=syn, quasi_identifiers=["gender", "ageBroad", "citizenship"], k=11,
                privacy={"synthetic": {"epsilon": 4.0, "delta": 1e-6}}, out_dir=Path(d), membership=mem))
        t = m["tables"]["table"]
        table.add_row("evaluate (report + metrics)", f"{n:,}", f"{wall:.1f}", f"{cpu:.1f}",
                      f"{len(cols_here)} cols, 3-way combos {t['utility']['synthetic']['by_length']['3']['combinations']:,}")
    if args.release_records:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "release"))
        from conftest import make_hub
        from cthub.release.pipeline import run_release

        with tempfile.TemporaryDirectory() as d:
            home = make_hub(Path(d) / "hub", n=args.release_records)
            res, wall, cpu = _time(lambda: run_release(home, seed=1))
            table.add_row("release pipeline (deid+synth+aggregates+evaluate+write)", f"{args.release_records:,}",
                          f"{wall:.1f}", f"{cpu:.1f}", f"status {res.status}, epsilon {res.privacy['epsilon']:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
