"""Protected aggregates against pac-synth, the Synthetic Data Showcase's own library, in one run.

    .venv/bin/python benchmarks/aggregates.py                 # everything (pac-synth fit takes minutes)
    .venv/bin/python benchmarks/aggregates.py --stream-rows 1000000 --skip-pacsynth

Prints one table for the 80,000 x 20 benchmark table at epsilon 4, length 3:
- cthub DP aggregates (`dp_aggregates`, default parameters), cthub threshold aggregates (K=11, R=10), and
  pac-synth 0.0.8's released DP aggregates (`DpAggregateSeededSynthesizer.get_dp_aggregates`, default parameters,
  every column listed as "sensitive zeros" so "0" counts as a value as it does in cthub), fitted in
  benchmarks/.anchors-venv;
- per method: wall time, peak memory (max RSS of the process that ran it), and by combination length: combinations
  released, mean absolute error over the released combinations (|released - true|, true 0 for a fabricated one),
  mean absolute error over every combination that is true or released (an unreleased one counts as 0: the
  error a reader meets who takes a missing row as zero, and not improved by releasing many small counts), the share of released combinations that no record has (fabricated), and the share of true combinations with a
  count >= 100 that were not released (missed);
then the streaming run (threshold aggregates of `iter_wide_chunks`, 10M x 30 at length 3 by default) and the
aggregate-seeded synthesizer's fit + sample time on the 80k table.

Each job runs in its own subprocess so its peak memory is its own. Nothing here prints a record.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANCHOR_PY = HERE / ".anchors-venv" / "bin" / "python"
EPSILON, LENGTH, ROWS = 4.0, 3, 80_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _benchmark_table():  # noqa: ANN202
    from cthub.sample.benchmark_table import make_benchmark_table

    return make_benchmark_table(ROWS, seed=0)


def job_cthub(kind: str, out: Path) -> None:
    """Run one cthub method on the 80k table and dump {selection: count} + time + peak memory."""
    from cthub.aggregates import dp_aggregates, threshold_aggregates

    df = _benchmark_table()
    start = time.perf_counter()
    if kind == "dp":
        frame, privacy = dp_aggregates(df, LENGTH, EPSILON)
        extra = {"epsilon": privacy["epsilon"], "delta": privacy["delta"]}
    else:
        frame, extra = threshold_aggregates(df, LENGTH, threshold=11, resolution=10), {}
    seconds = time.perf_counter() - start
    out.write_text(json.dumps({"seconds": seconds, "peak_rss_mb": _peak_mb(), **extra,
                               "aggregates": dict(zip(frame["selections"], map(int, frame["count"])))}))  # fmt: skip


def job_stream(rows: int, out: Path) -> None:
    """Threshold aggregates of the wide table streamed in chunks (never held whole)."""
    from cthub.aggregates import threshold_aggregates

    try:
        from cthub.sample.benchmark_table import iter_wide_chunks

        chunks = iter_wide_chunks(rows, chunk=250_000, n_columns=30, seed=0)
        source = "cthub.sample.benchmark_table.iter_wide_chunks"
    except ImportError:  # the generator's own module is missing: a plain random fallback of the same shape
        chunks, source = _fallback_chunks(rows), "fallback generator"
    start = time.perf_counter()
    frame = threshold_aggregates(chunks, LENGTH, threshold=11, resolution=10)
    seconds = time.perf_counter() - start
    out.write_text(json.dumps({"seconds": seconds, "peak_rss_mb": _peak_mb(), "released": len(frame),
                               "source": source}))  # fmt: skip


def _fallback_chunks(rows: int, chunk: int = 250_000):  # noqa: ANN202
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    cards = [23, 2, 2, 9, 2, 60, 60] + [2] * 23
    for start in range(0, rows, chunk):
        size = min(chunk, rows - start)
        yield pd.DataFrame({f"c{j}": rng.integers(0, m, size).astype(str) for j, m in enumerate(cards)}).astype("string")


def job_synth(out: Path) -> None:
    from cthub.synth import get_synthesizer

    df = _benchmark_table()
    start = time.perf_counter()
    model = get_synthesizer("aggregate-seeded").fit(df, epsilon=EPSILON)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    sample = model.sample(len(df), seed=0)
    seconds = time.perf_counter() - start
    out.write_text(json.dumps({"fit": fit, "sample": seconds, "rows": len(sample), "peak_rss_mb": _peak_mb()}))


def _run(args: list[str], timeout: float) -> None:
    subprocess.run(args, check=True, timeout=timeout)


def _metrics(released: dict[str, int], truth: dict[str, int]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for k in range(1, LENGTH + 1):
        rel = {s: c for s, c in released.items() if s.count(";") + 1 == k}
        errors = [abs(c - truth.get(s, 0)) for s, c in rel.items()]
        fabricated = sum(1 for s in rel if s not in truth)
        common = [s for s, c in truth.items() if s.count(";") + 1 == k and c >= 100]
        missed = sum(1 for s in common if s not in rel)
        true_k = {s: c for s, c in truth.items() if s.count(";") + 1 == k}
        union = set(true_k) | set(rel)
        l1 = sum(abs(rel.get(s, 0) - true_k.get(s, 0)) for s in union)
        out[k] = {
            "released": len(rel),
            "mae": sum(errors) / len(errors) if errors else float("nan"),
            "mae_all": l1 / len(union) if union else float("nan"),
            "fabricated": fabricated / len(rel) if rel else 0.0,
            "missed": missed / len(common) if common else 0.0,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stream-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-pacsynth", action="store_true")
    parser.add_argument("--skip-stream", action="store_true")
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        if args.job in ("dp", "threshold"):
            job_cthub(args.job, args.out)
        elif args.job == "stream":
            job_stream(args.stream_rows, args.out)
        elif args.job == "synth":
            job_synth(args.out)
        return

    from rich.console import Console
    from rich.table import Table

    from cthub.aggregates import exact_aggregates

    console = Console(width=150)
    me = [sys.executable, str(Path(__file__).resolve())]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        df = _benchmark_table()
        truth_frame = exact_aggregates(df, LENGTH)
        truth = dict(zip(truth_frame["selections"], map(int, truth_frame["count"])))
        for kind in ("dp", "threshold"):
            console.print(f"running cthub {kind} ...")
            _run([*me, "--job", kind, "--out", str(tmpdir / f"{kind}.json")], 1800)
            results[f"cthub {kind}"] = json.loads((tmpdir / f"{kind}.json").read_text())
        if not args.skip_pacsynth:
            if ANCHOR_PY.exists():
                console.print("running pac-synth 0.0.8 (minutes) ...")
                csv = tmpdir / "table.csv"
                df.to_csv(csv, index=False)  # empty cell = missing, as pac-synth reads it
                _run([str(ANCHOR_PY), str(HERE / "_pacsynth_aggregates.py"), str(csv), str(tmpdir / "pac.json"),
                      str(EPSILON), str(LENGTH)], 3600)  # fmt: skip
                results["pac-synth DP"] = json.loads((tmpdir / "pac.json").read_text())
            else:
                console.print(f"[yellow]pac-synth skipped: {ANCHOR_PY} not found[/yellow]")
        stream = synth = None
        if not args.skip_stream:
            console.print(f"streaming {args.stream_rows:,} x 30 at length {LENGTH} (threshold) ...")
            _run([*me, "--job", "stream", "--stream-rows", str(args.stream_rows), "--out", str(tmpdir / "s.json")],
                 7200)  # fmt: skip
            stream = json.loads((tmpdir / "s.json").read_text())
        console.print("aggregate-seeded synthesizer fit + sample ...")
        _run([*me, "--job", "synth", "--out", str(tmpdir / "syn.json")], 1800)
        synth = json.loads((tmpdir / "syn.json").read_text())

    table = Table(title=f"Aggregates, {ROWS:,} x 20 benchmark table, length {LENGTH}, epsilon {EPSILON:g} (DP)")
    for col in ("method", "time s", "peak MB", "len", "released", "MAE released", "MAE all", "fabricated",
                "missed (true>=100)"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, res in results.items():
        m = _metrics(res["aggregates"], truth)
        for k, row in m.items():
            table.add_row(
                name if k == 1 else "", f"{res['seconds']:.1f}" if k == 1 else "",
                f"{res['peak_rss_mb']:.0f}" if k == 1 else "", str(k), f"{row['released']:,}", f"{row['mae']:.1f}", f"{row['mae_all']:.1f}",
                f"{100 * row['fabricated']:.2f}%", f"{100 * row['missed']:.1f}%",
            )  # fmt: skip
    console.print(table)
    if stream:
        console.print(
            f"streaming threshold aggregates: {args.stream_rows:,} x 30, length {LENGTH}: {stream['seconds']:.0f} s, "
            f"peak {stream['peak_rss_mb']:.0f} MB, {stream['released']:,} combinations published ({stream['source']})"
        )
    console.print(
        f"aggregate-seeded synthesizer on {ROWS:,} x 20: fit {synth['fit']:.1f} s, sample {synth['rows']:,} rows "
        f"{synth['sample']:.1f} s, peak {synth['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
