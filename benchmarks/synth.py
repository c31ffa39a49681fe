"""Benchmark cthub's DP synthesizers against the anchors: OpenDP's MST and AIM (`opendp.extras.mbi`, Private-PGM),
pac-synth 0.0.8 and SmartNoise MST 1.0.8.

Usage (from the repository root; the anchors take minutes to hours, so run it in the background):
    nohup nice -n 10 .venv/bin/python benchmarks/synth.py --epsilon 0.5,1,4 > benchmarks/out/synth.log 2>&1 &
    .venv/bin/python benchmarks/synth.py --reuse-anchors          # re-run ours, reuse cached anchor outputs

Inputs: the 80,000 x 20 table from `cthub.sample.benchmark_table.make_benchmark_table(80_000, seed=0)`, a 5,000-row
sample of it (`sample5k`, rows drawn with `DataFrame.sample(5000, random_state=0)`) and the real CTDC
Victim-Perpetrator file. Every method gets the same public domain: the standard's codes (years up to the input's
latest), and for multi-valued cells the sets of the standard's atoms (cthub's `prepare_multi`). Each method runs in
its own subprocess (ours in .venv; pac-synth and SmartNoise in benchmarks/.anchors-venv; OpenDP mbi in
benchmarks/.anchors-venv/mbi, whose pins conflict with SmartNoise's) under a wall-time cap (`--cap-minutes`, stated
in the table) and reports its own wall time and peak RSS (ru_maxrss). OpenDP runs in zCDP with the rho our
conversion gives for (epsilon, delta): with every column's keys public it refuses a delta. AIM is not run on the 80k
table (it did not finish in 40 minutes there): on the 5k sample and the VP file. The synthetic output is then
compared with the input on every 1- and 2-way marginal and a fixed random sample of 3-way column triples: mean
absolute count error over the cells either side has, total variation distance, and how many combinations the
synthetic data fabricates (absent from the input) or suppresses (present in the input, absent from the output).
Missing is a value of its own everywhere. Nothing about records is printed: only aggregate figures.

This file is also the worker (`--worker METHOD`), so it imports nothing from cthub at module level: the anchors'
venv has no cthub.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
OURS_PY = REPO / ".venv" / "bin" / "python"
ANCHOR_PY = HERE / ".anchors-venv" / "bin" / "python"
MBI_PY = HERE / ".anchors-venv" / "mbi" / "bin" / "python"
VP = REPO.parent / "shared" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
NA = "<NA>"
DELTA = 1e-6  # as issue 16 measures; the fit refuses to derive delta from the data
ANCHORS = ("pac-synth", "smartnoise-mst", "opendp-mst", "opendp-aim")
MBI = ("opendp-mst", "opendp-aim")
SKIP = {("opendp-aim", "benchmark80k")}  # AIM did not finish on the 80k table in 40 minutes (issue 16)


# ----------------------------------------------------------------------------------------------- workers


def _read(path: str):  # noqa: ANN202 - pandas frame, typed loosely for the anchors' older pandas
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def _max_year(df) -> int | None:  # noqa: ANN001 - pandas frame
    years = [c for c in df.columns if "year" in c.lower()]
    if not years:
        return None
    import pandas as pd

    return int(pd.to_numeric(df[years[0]], errors="coerce").max())


def support_metrics(real_path: Path, syn_path: Path, table: str) -> dict:
    """Impossible records (breaking a structural rule of the standard) and years after the input's latest year."""
    from cthub.standard import load_standard

    real, syn = _read(str(real_path)), _read(str(syn_path))
    std_table = load_standard().table(table)
    out = {"impossible": int(sum(std_table.rule_violations(syn.astype("string")).values()))}
    years = [c for c in real.columns if "year" in c.lower()]
    if years:
        import pandas as pd

        limit = _max_year(real)
        out["late_years"] = int((pd.to_numeric(syn[years[0]], errors="coerce") > limit).sum())
    return out


def _default_delta(n: int) -> float:
    return 1.0 / (n * math.log(n))


def public_domain(df, table: str) -> tuple[dict[str, list[str]], float]:  # noqa: ANN001 - pandas frame
    """The public domain every method gets (codes per column, sets of atoms for multi-valued columns)."""
    try:
        from cthub.tables.codes import prepare_multi
    except ImportError:  # before the move of the encoding code into cthub.tables
        from cthub.aggregates.encoding import prepare_multi
    from cthub.standard import load_standard
    from cthub.synth import domain_from_standard

    domain = domain_from_standard(load_standard().table(table), list(df.columns), max_year=_max_year(df))
    _, dom, _ = prepare_multi(df.astype("string"), list(df.columns), domain, {})
    return {c: [str(v) for v in dom[c]] for c in df.columns}


def _mbi_worker(method: str, df, n: int, rho: float, domain: dict):  # noqa: ANN001, ANN202 - polars-free caller
    """OpenDP's MST / AIM on the same public keys, all of the budget in zCDP (rho)."""
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    frame = pl.from_pandas(df.astype(object).where(df.notna(), None)).with_columns(pl.all().cast(pl.String))
    keys = {c: list(domain[c]) for c in df.columns}
    algorithm = dp.mbi.MST() if method == "opendp-mst" else dp.mbi.AIM()
    t1 = time.perf_counter()
    # At some rho (e.g. epsilon 1 and 0.5 here) OpenDP 0.16's MST fails its own float check by one ulp ("insufficient
    # budget for query: 0.00121779851797644(32 > 17)"): retry with a budget a few parts in 10^9 smaller (it spends less).
    for attempt in range(6):
        budget = rho * (1 - attempt * 1e-9)
        context = dp.Context.compositor(
            data=frame.lazy(), privacy_unit=dp.unit_of(contributions=1), privacy_loss=dp.loss_of(rho=budget)
        )
        query = context.query(rho=budget).select(list(df.columns)).contingency_table(keys=keys, algorithm=algorithm)
        try:
            table = query.release()
            break
        except dp.OpenDPException as exc:
            if "insufficient budget" not in str(exc) or attempt == 5:
                raise
            t1 = time.perf_counter()
    t2 = time.perf_counter()
    out = table.synthesize(rows=n).to_pandas()
    return t1, t2, out


def worker(method: str, src: str, dst: str, epsilon: float, table: str | None, domain_path: str | None = None,
           rho: float | None = None) -> dict:
    """Fit + sample one method; return timings. Writes the synthetic CSV (empty cell = missing) to dst."""
    t0 = time.perf_counter()
    df = _read(src)
    n = len(df)
    info: dict = {}
    if method in ("mst", "aggregate-seeded"):
        from cthub.standard import load_standard
        from cthub.synth import domain_from_standard, get_synthesizer

        # The input's latest year stands in for the release's reference date (public in a release).
        max_year = _max_year(df)
        domain = domain_from_standard(load_standard().table(table), list(df.columns), max_year=max_year) if table else None
        t1 = time.perf_counter()
        model = get_synthesizer(method).fit(df.astype("string"), epsilon=epsilon, delta=DELTA, domain=domain)
        t2 = time.perf_counter()
        out = model.sample(n, seed=0)
        info["privacy_epsilon"] = model.privacy.get("epsilon")
        info["privacy_delta"] = model.privacy.get("delta")
    elif method in MBI:
        domain = json.loads(Path(domain_path).read_text())
        t1, t2, out = _mbi_worker(method, df, n, rho, domain)
    elif method == "pac-synth":
        import pacsynth as ps

        t1 = time.perf_counter()
        dataset = ps.Dataset.from_data_frame(df.fillna(""), sensitive_zeros=list(df.columns))
        params = ps.DpAggregateSeededParametersBuilder().reporting_length(3).epsilon(epsilon).build()
        synth = ps.DpAggregateSeededSynthesizer(params)
        synth.fit(dataset)
        t2 = time.perf_counter()
        out = ps.Dataset.raw_data_to_data_frame(synth.sample())  # pac-synth picks its own row count (no seed)
        out = out.replace("", None)
    elif method == "smartnoise-mst":
        from snsynth import Synthesizer

        filled = df.fillna(NA)
        t1 = time.perf_counter()
        synth = Synthesizer.create("mst", epsilon=epsilon, delta=_default_delta(n))
        synth.fit(filled, categorical_columns=list(df.columns), preprocessor_eps=0.0)
        t2 = time.perf_counter()
        out = synth.sample(n).replace(NA, None)
    else:
        raise SystemExit(f"unknown method {method}")
    t3 = time.perf_counter()
    out = out[list(df.columns)]
    out.to_csv(dst, index=False, na_rep="")
    info.update(
        {
            "method": method,
            "seconds": t3 - t1,
            "fit_seconds": t2 - t1,
            "sample_seconds": t3 - t2,
            "load_seconds": t1 - t0,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            # CPU seconds of the whole worker (load, fit, sample): fairer than wall time on a busy machine.
            "cpu_seconds": (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_SELF)),
            "rows": int(len(out)),
            "input_rows": n,
        }
    )
    return info


# ----------------------------------------------------------------------------------------------- metrics


def marginal_metrics(real_path: Path, syn_path: Path, n_triples: int = 300, seed: int = 0) -> dict:
    """MAE / TVD / fabricated / suppressed per combination length (1, 2 all; 3 a fixed sample of triples)."""
    import numpy as np
    import pandas as pd

    real = _read(str(real_path)).fillna(NA)
    syn = _read(str(syn_path)).fillna(NA)
    cols = list(real.columns)
    rc, sc, sizes = {}, {}, {}
    for c in cols:  # shared integer codes per column
        cats = pd.Index(pd.concat([real[c], syn[c]]).unique())
        rc[c] = cats.get_indexer(real[c]).astype(np.int64)
        sc[c] = cats.get_indexer(syn[c]).astype(np.int64)
        sizes[c] = len(cats)
    rng = np.random.default_rng(seed)
    triples = list(itertools.combinations(cols, 3))
    if len(triples) > n_triples:
        triples = [triples[i] for i in sorted(rng.choice(len(triples), n_triples, replace=False))]
    combos = {1: [(c,) for c in cols], 2: list(itertools.combinations(cols, 2)), 3: triples}
    out = {}
    for k, cs in combos.items():
        mae, tvd, fab, sup = [], [], 0, 0
        for combo in cs:
            fr = np.zeros(len(real), dtype=np.int64)
            fs = np.zeros(len(syn), dtype=np.int64)
            for c in combo:
                fr = fr * sizes[c] + rc[c]
                fs = fs * sizes[c] + sc[c]
            ur, cr = np.unique(fr, return_counts=True)
            us, cs_ = np.unique(fs, return_counts=True)
            keys = np.union1d(ur, us)
            a = np.zeros(len(keys))
            b = np.zeros(len(keys))
            a[np.searchsorted(keys, ur)] = cr
            b[np.searchsorted(keys, us)] = cs_
            mae.append(float(np.abs(a - b).mean()))
            tvd.append(0.5 * float(np.abs(a / max(a.sum(), 1) - b / max(b.sum(), 1)).sum()))
            fab += int(((a == 0) & (b > 0)).sum())
            sup += int(((a > 0) & (b == 0)).sum())
        out[str(k)] = {"mae": float(np.mean(mae)), "tvd": float(np.mean(tvd)), "fabricated": fab, "suppressed": sup,
                  "combinations": len(cs)}
    return out


# ----------------------------------------------------------------------------------------------- driver


def run_method(
    method: str,
    name: str,
    src: Path,
    epsilon: float,
    table: str | None,
    reuse: bool,
    std_table: str | None = None,
    cap_minutes: float = 40.0,
) -> dict | None:
    anchor = method in ANCHORS
    syn = OUT / f"synth_{name}_{method}_eps{epsilon:g}.csv"
    meta = syn.with_suffix(".json")
    if reuse:
        if syn.exists() and meta.exists():
            print(f"  {method}: reusing {meta.name}", flush=True)
            info = json.loads(meta.read_text())
            if std_table and "timeout_minutes" not in info:
                info["support"] = support_metrics(src, syn, std_table)
            return info
        print(f"  {method}: no cached result in {OUT} (run without --reuse-anchors first); skipped", flush=True)
        return None
    py = MBI_PY if method in MBI else ANCHOR_PY if anchor else OURS_PY
    if not py.exists():
        print(f"  {method}: skipped ({py} missing)", flush=True)
        return None
    cmd = [str(py), str(Path(__file__).resolve()), "--worker", method, "--input", str(src), "--dst", str(syn),
           "--epsilon", str(epsilon)] + (["--table", table] if table else [])
    if method in MBI:
        from cthub.privacy import rho_from_epsilon

        domain_path = OUT / f"domain_{name}_{method}.json"
        domain_path.write_text(json.dumps(public_domain(_read(str(src)), std_table)))
        cmd += ["--domain", str(domain_path), "--rho", repr(rho_from_epsilon(epsilon, DELTA))]
    print(f"  {method}: running (cap {cap_minutes:g} min) ...", flush=True)
    wall0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cap_minutes * 60)
    except subprocess.TimeoutExpired:
        print(f"  {method}: did not finish within the {cap_minutes:g}-minute cap", flush=True)
        info = {"method": method, "timeout_minutes": cap_minutes}
        meta.write_text(json.dumps(info, indent=2))
        syn.write_text("")
        return info
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        print(f"  {method}: FAILED ({' | '.join(tail)})", flush=True)
        return None
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    info["wall_seconds"] = time.perf_counter() - wall0
    info["cap_minutes"] = cap_minutes
    info["metrics"] = marginal_metrics(src, syn)
    if std_table:
        info["support"] = support_metrics(src, syn, std_table)
    meta.write_text(json.dumps(info, indent=2))
    print(f"  {method}: {info['seconds']:.1f} s", flush=True)
    return info


def print_table(title: str, results: dict[str, dict]) -> None:
    print(f"\n### {title}")
    head = ("method", "time s", "cpu s", "fit s", "sample s", "peak MB", "rows", "MAE1", "MAE2", "MAE3", "TVD1", "TVD2",
            "TVD3", "fab2", "fab3", "sup2", "sup3", "impossible", "late years")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for method, r in results.items():
        if "timeout_minutes" in r:
            print(f"| {method} | did not finish within the {r['timeout_minutes']:g}-minute cap |" + " |" * (len(head) - 2))
            continue
        m = r["metrics"]
        cpu = f"{r['cpu_seconds']:.1f}" if "cpu_seconds" in r else "n/a"
        row = [method, f"{r['seconds']:.1f}", cpu, f"{r['fit_seconds']:.1f}", f"{r['sample_seconds']:.1f}",
               f"{r['peak_mb']:.0f}", str(r["rows"])]
        row += [f"{m[k]['mae']:.1f}" for k in ("1", "2", "3")]
        row += [f"{m[k]['tvd']:.4f}" for k in ("1", "2", "3")]
        row += [str(m["2"]["fabricated"]), str(m["3"]["fabricated"]), str(m["2"]["suppressed"]),
                str(m["3"]["suppressed"])]
        support = r.get("support") or {}
        row += [str(support.get("impossible", "n/a")), str(support.get("late_years", "n/a"))]
        print("| " + " | ".join(row) + " |")
    for anchor in ("opendp-mst", "opendp-aim", "pac-synth"):
        a, b = results.get("mst"), results.get(anchor)
        if not a or not b or "metrics" not in a or "metrics" not in b:
            continue
        print(
            f"mst vs {anchor}: time {a['seconds'] / b['seconds']:.3f}x, peak memory {a['peak_mb'] / b['peak_mb']:.2f}x, "
            + ", ".join(f"{k}-way MAE {a['metrics'][k]['mae'] / b['metrics'][k]['mae']:.2f}x" for k in ("1", "2", "3"))
        )


def print_summary(rows: list[tuple[str, float, dict[str, dict]]], cap_minutes: float) -> None:
    """One compact table of every input, epsilon and method (what the README shows)."""
    print(f"\n### Summary (delta {DELTA:g}; each run under a wall-time cap, minutes)")
    print("| input | method | epsilon | cap min | wall s | CPU s | peak MB | MAE 1- / 2- / 3-way | impossible | late years |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for title, epsilon, results in rows:
        for method, r in results.items():
            if "timeout_minutes" in r:
                print(f"| {title} | {method} | {epsilon:g} | {r['timeout_minutes']:g} | > {r['timeout_minutes'] * 60:.0f} "
                      f"| | | did not finish within the cap | | |")
                continue
            m, support = r["metrics"], r.get("support") or {}
            cpu = f"{r['cpu_seconds']:.1f}" if "cpu_seconds" in r else "n/a"
            maes = " / ".join(f"{m[k]['mae']:.1f}" for k in ("1", "2", "3"))
            cap = f"{r['cap_minutes']:g}" if "cap_minutes" in r else "n/a"
            print(f"| {title} | {method} | {epsilon:g} | {cap} | {r['seconds']:.1f} | {cpu} | {r['peak_mb']:.0f} | {maes} | "
                  f"{support.get('impossible', 'n/a')} | {support.get('late_years', 'n/a')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter,
                                 epilog="Example: nohup .venv/bin/python benchmarks/synth.py > benchmarks/out/synth.log &")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--dst", help=argparse.SUPPRESS)
    ap.add_argument("--table", help=argparse.SUPPRESS)
    ap.add_argument("--domain", help=argparse.SUPPRESS)
    ap.add_argument("--rho", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--epsilon", default="4", help="one epsilon or several, comma-separated (e.g. 0.5,1,4)")
    ap.add_argument("--cap-minutes", type=float, default=40.0, help="wall-time cap of each run (stated in the table)")
    ap.add_argument("--rows", type=int, default=80_000, help="rows of the CTDC-shaped table")
    ap.add_argument("--reuse-anchors", action="store_true", help="reuse cached anchor outputs in benchmarks/out/")
    ap.add_argument("--reuse-all", action="store_true", help="reuse every cached output (only print the tables)")
    ap.add_argument("--methods", default="mst,aggregate-seeded,opendp-mst,opendp-aim,pac-synth,smartnoise-mst")
    ap.add_argument("--inputs", default="benchmark,sample5k,vp")
    args = ap.parse_args()
    if args.worker:
        info = worker(args.worker, args.input, args.dst, float(args.epsilon), args.table, args.domain, args.rho)
        print(json.dumps(info))
        return
    epsilons = [float(e) for e in str(args.epsilon).split(",") if e]
    OUT.mkdir(parents=True, exist_ok=True)
    inputs = []
    wanted = args.inputs.split(",")
    if "benchmark" in wanted or "sample5k" in wanted:
        from cthub.sample.benchmark_table import make_benchmark_table

        path = OUT / f"benchmark_{args.rows}.csv"
        if not path.exists():
            make_benchmark_table(args.rows, seed=0).to_csv(path, index=False, na_rep="")
        if "benchmark" in wanted:
            inputs.append((f"benchmark{args.rows // 1000}k", path, "victims", f"CTDC-shaped {args.rows} x 20"))
        if "sample5k" in wanted:
            small = OUT / f"benchmark_{args.rows}_sample5000.csv"
            if not small.exists():
                _read(str(path)).sample(5000, random_state=0).to_csv(small, index=False, na_rep="")
            inputs.append(("sample5k", small, "victims", f"5,000-row sample of the CTDC-shaped {args.rows} x 20"))
    if "vp" in wanted:
        inputs.append(("vp", VP, "victim_perpetrator", "CTDC Victim-Perpetrator (21,195 x 16)"))
    methods = [m for m in args.methods.split(",") if m]
    summary: list[tuple[str, float, dict[str, dict]]] = []
    for name, path, table, title in inputs:
        for epsilon in epsilons:
            print(f"{title}, epsilon {epsilon:g}", flush=True)
            results = {}
            for method in methods:
                if (method, name) in SKIP:
                    continue
                reuse = args.reuse_all or (args.reuse_anchors and method in ANCHORS)
                r = run_method(method, name, path, epsilon, table if method not in ANCHORS else None,
                               reuse, std_table=table, cap_minutes=args.cap_minutes)
                if r:
                    results[method] = r
            print_table(f"{title}, epsilon {epsilon:g}, delta {DELTA:g}, cap {args.cap_minutes:g} min per run", results)
            summary.append((name, epsilon, results))
            sys.stdout.flush()
    print_summary(summary, args.cap_minutes)


if __name__ == "__main__":
    main()
