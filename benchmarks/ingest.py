"""Ingest throughput: a generated hotline-like CSV of 1,000,000 rows through `cthub.ingest.ingest_file`.

Targets: under 30 s and under 2 GB peak RSS on 2 cores. Each size runs in a fresh child process so its peak RSS
(resource.getrusage of the child) is its own. Usage: python benchmarks/ingest.py [--rows 1000000 100000 ...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

MAPPING = """
name: bench-hotline
version: "1"
table: victims
identifiers: [Caller name, Phone, Notes]
variables:
  Datasource: {constant: Hotline}
  yearOfRegistration: {from: Call date}
  gender: {from: Sex, values: {F: Female, M: Male, woman: Female, man: Male}}
  ageBroad: {from: Age, transform: age_band}
  majorityStatus: {from: Age, transform: majority}
  citizenship: {from: Nationality}
  CountryOfExploitation: {from: Country of exploitation}
  isForcedLabour: {from: Exploitation, transform: flag, match: [forced labour, labour]}
  isSexualExploit: {from: Exploitation, transform: flag, match: [sexual exploitation]}
  isForcedMarriage: {from: Exploitation, transform: flag, match: [forced marriage]}
  meansOfControlDebtBondage: {from: Control, transform: flag, match: [debt bondage]}
  meansOfControlThreats: {from: Control, transform: flag, match: [threats]}
"""
COUNTRIES = ["Philippines", "Viet Nam", "VN", "PHL", "Ukraine", "Mexico", "United States", "Nigeria", "Thailand",
             "Cambodia", "UK", "Moldova", "Romania", "Atlantis", "", "India", "Nepal", "Brazil"]
EXPLOIT = ["Forced labour", "Sexual exploitation", "Forced labour;Sexual exploitation", "Forced marriage", "", "labour"]
CONTROL = ["debt bondage", "threats", "debt bondage, threats", "", "threats|debt bondage"]


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A hotline-like export, with identifiers and a few bad values, written in chunks."""
    rng = np.random.default_rng(seed)
    chunk = 250_000
    first = True
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        years = rng.integers(2005, 2025, n)
        df = pd.DataFrame({
            "Call ID": np.arange(start, start + n),
            "Caller name": rng.choice(["Ana Cruz", "Minh Tran", "Olena K", ""], n),
            "Phone": rng.choice(["+63 912 555 0101", "+84 90 555 0199", ""], n),
            "Call date": [f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(years, rng.integers(1, 13, n),
                                                                    rng.integers(1, 29, n), strict=True)],
            "Age": rng.choice([*map(str, range(5, 70)), "", "-3", "140"], n),
            "Sex": rng.choice(["F", "M", "Female", "male", "woman", ""], n),
            "Nationality": rng.choice(COUNTRIES, n),
            "Country of exploitation": rng.choice(COUNTRIES, n),
            "Exploitation": rng.choice(EXPLOIT, n),
            "Control": rng.choice(CONTROL, n),
            "Notes": rng.choice(["caller upset", "", "called back later"], n),
        })
        df.to_csv(path, mode="w" if first else "a", header=first, index=False)
        first = False


def _run(csv_path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """Ingest one file in a fresh process; report wall and CPU seconds and this process's peak RSS."""
    from cthub.ingest import ingest_file, parse_mapping
    from cthub.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "hub")
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        result = ingest_file(store, "bench", Path(csv_path), parse_mapping(MAPPING))
        seconds = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
        out.put({"seconds": seconds, "cpu": cpu, "accepted": result.accepted, "warned": result.warned,
                 "rejected": result.rejected, "peak_mb": usage.ru_maxrss / 1024})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time suffers under load;"
          " CPU s is user+sys of the ingest process, all threads)")
    print(f"{'rows':>10} {'file MB':>8} {'wall s':>7} {'CPU s':>6} {'rows/s':>10} {'peak RSS MB':>12} {'accepted':>10} "
          f"{'warned':>8} {'rejected':>9}  target (30 s, 2 GB)")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "hotline.csv"
            make_csv(csv_path, rows)
            size = csv_path.stat().st_size
            q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            p = ctx.Process(target=_run, args=(str(csv_path), q))
            p.start()
            r = q.get()
            p.join()
        ok = "ok" if r["seconds"] < 30 and r["peak_mb"] < 2048 else "MISSED"
        print(f"{rows:>10,} {size / 1e6:>8.1f} {r['seconds']:>7.1f} {r['cpu']:>6.1f} {rows / r['seconds']:>10,.0f} "
              f"{r['peak_mb']:>12,.0f} {r['accepted']:>10,} {r['warned']:>8,} {r['rejected']:>9,}  {ok}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
