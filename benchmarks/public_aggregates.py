"""Which public aggregates should the `dp` profile publish? Direct DP counts or counts from the synthesizer.

    .venv/bin/python benchmarks/public_aggregates.py [--rows 80000] [--epsilon 4] [--factors 1,10]

A dp release publishes synthetic microdata AND aggregates under one total epsilon. Two ways to make the aggregates:
- `direct`: the Showcase's DP marginals (`dp_aggregates`) with half the budget (rho), the synthesizer with the other
  half (the total is the same epsilon);
- `model xF`: the synthesizer (`mst`) gets the whole budget and the aggregates are counted from F x n of its samples
  (post-processing: no further budget), so they agree with the synthetic rows; the release default is x1 with
  counts below 10 left out.
For reference, `direct (all budget)` gives the DP marginals the whole budget (a release with no synthetic data).
Printed per method: wall seconds, peak MB of the process, and by combination length 1-3 the mean absolute error
over every combination that is true or released (unreleased counts as 0) and over the true combinations with a
count of at least 100. Each job runs in its own subprocess, so peak memory is its own. No record is printed.
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

DELTA, LENGTH = 1e-6, 3


def _table(rows: int):  # noqa: ANN202
    from cthub.sample.benchmark_table import make_benchmark_table

    return make_benchmark_table(rows, seed=0)


def _half_epsilon(epsilon: float) -> float:
    from cthub.privacy import epsilon_from_rho, rho_from_epsilon

    return epsilon_from_rho(rho_from_epsilon(epsilon, DELTA) / 2, DELTA)


def job(method: str, rows: int, epsilon: float, factor: int, out: Path) -> None:
    from cthub.aggregates import dp_aggregates
    from cthub.release.stages.aggregates_model import model_aggregates
    from cthub.synth import get_synthesizer

    df = _table(rows)
    cols = list(df.columns)
    start = time.perf_counter()
    if method == "direct":
        frame, _ = dp_aggregates(df, LENGTH, _half_epsilon(epsilon), delta=DELTA, columns=cols)
    elif method == "direct-all":
        frame, _ = dp_aggregates(df, LENGTH, epsilon, delta=DELTA, columns=cols)
    else:
        model = get_synthesizer("mst").fit(df, epsilon=epsilon, delta=DELTA)
        synthetic = model.sample(rows, seed=1)
        floor = 10 if method == "model-floor" else 1
        frame = model_aggregates(model, synthetic, cols, [], LENGTH, factor, seed=2, min_count=floor)
    seconds = time.perf_counter() - start
    out.write_text(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                               "counts": dict(zip(frame["selections"].astype(str), frame["count"].astype(int)))}))


def _errors(released: dict[str, int], truth: dict[str, int]) -> dict[int, tuple[float, float]]:
    out = {}
    for k in range(1, LENGTH + 1):
        keys = {s for s in set(truth) | set(released) if s.count(";") + 1 == k}
        big = [s for s in keys if truth.get(s, 0) >= 100]
        mae = sum(abs(released.get(s, 0) - truth.get(s, 0)) for s in keys) / max(len(keys), 1)
        mae_big = sum(abs(released.get(s, 0) - truth[s]) for s in big) / max(len(big), 1)
        out[k] = (mae, mae_big)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=80_000)
    ap.add_argument("--epsilon", type=float, default=4.0)
    ap.add_argument("--factors", default="1,10")
    ap.add_argument("--job", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        method, factor, out = args.job[0], int(args.job[1]), Path(args.job[2])
        job(method, args.rows, args.epsilon, factor, out)
        return
    from cthub.aggregates import exact_aggregates

    df = _table(args.rows)
    truth_frame = exact_aggregates(df, LENGTH, columns=list(df.columns))
    truth = dict(zip(truth_frame["selections"].astype(str), truth_frame["count"].astype(int)))
    runs = [("direct", 1, "direct (half budget; mst gets the other half)"),
            ("direct-all", 1, "direct (all budget; no synthetic data)")]
    runs += [("model", int(f), f"model x{int(f)} (mst, all budget)") for f in args.factors.split(",")]
    runs += [("model-floor", 1, "model x1, counts below 10 left out (the release default)")]
    print(f"{args.rows:,} x {len(df.columns)} benchmark table, total epsilon {args.epsilon:g}, delta {DELTA:g}, "
          f"length {LENGTH}\n")
    print("| method | wall s | peak MB | MAE 1- / 2- / 3-way (all true or released) | MAE 1- / 2- / 3-way (true >= 100) |")
    print("|---|---:|---:|---|---|")
    for method, factor, label in runs:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.json"
            subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--epsilon", str(args.epsilon),
                            "--job", method, str(factor), str(out)], check=True)
            res = json.loads(out.read_text())
        err = _errors(res["counts"], truth)
        a = " / ".join(f"{err[k][0]:.1f}" for k in err)
        b = " / ".join(f"{err[k][1]:.1f}" for k in err)
        print(f"| {label} | {res['seconds']:.1f} | {res['peak_mb']:.0f} | {a} | {b} |", flush=True)


if __name__ == "__main__":
    main()
