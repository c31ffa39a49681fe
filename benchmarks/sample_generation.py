"""How fast the sample generators are: contributor exports, the 80k benchmark table, the 10M-row wide stream.

Targets: exports at scale 1.0 under ~10 s; make_benchmark_table(80_000) under ~3 s; the wide table streamed in
chunks with memory bounded by one chunk. Prints a table; wall time depends on machine load, so CPU time is shown too.

Usage: .venv/bin/python benchmarks/sample_generation.py [--wide-rows 10000000] [--chunk 1000000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wide-rows", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    args = parser.parse_args()

    from cthub.sample.benchmark_table import iter_wide_chunks, make_benchmark_table
    from cthub.sample.contributors import write_sample_exports

    table = Table(title="cthub.sample generation")
    for col in ("task", "rows", "wall s", "cpu s", "target", "peak RSS MB"):
        table.add_column(col, justify="right" if col != "task" else "left")

    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, paths = measure(lambda: write_sample_exports(tmp, seed=0, scale=1.0))
        table.add_row("contributor exports, scale 1.0", "38,000", f"{wall:.2f}", f"{cpu:.2f}", "< 10 s",
                      f"{peak_rss_mb():.0f}")

    wall, cpu, frame = measure(lambda: make_benchmark_table(80_000, seed=0))
    table.add_row("make_benchmark_table", f"{len(frame):,}", f"{wall:.2f}", f"{cpu:.2f}", "< 3 s",
                  f"{peak_rss_mb():.0f}")
    del frame

    def stream() -> int:
        total = 0
        for chunk in iter_wide_chunks(args.wide_rows, chunk=args.chunk, n_columns=30, seed=0):
            total += len(chunk)
        return total

    before = peak_rss_mb()
    wall, cpu, total = measure(stream)
    table.add_row(f"iter_wide_chunks (30 cols, chunk {args.chunk:,})", f"{total:,}", f"{wall:.2f}", f"{cpu:.2f}",
                  "bounded memory", f"{peak_rss_mb():.0f} (was {before:.0f})")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
