"""k-anonymity benchmark: cthub vs a greedy local-suppression baseline vs anjana, side by side in one run.

    .venv/bin/python benchmarks/kanon.py [--n 80000] [--seed 0] [--k 11] [--max-suppression 0.05] [--skip-anjana]

Table: `cthub.sample.benchmark_table.make_benchmark_table` (CTDC-shaped; ~86 % of rows in classes < 11 on gender,
ageBroad, citizenship, CountryOfExploitation, yearOfRegistration). Every method runs in its own process (so peak
memory is that process's max RSS and "process s" includes imports and reading the CSV); anjana runs with the
interpreter of benchmarks/.anchors-venv (see anchors-requirements.txt). All outputs are then judged the same way:
k recounted by pycanon (missing as a value of its own), suppressed QI cells (a removed record counts all its QI
cells), records touched, discernibility (sum of class sizes squared, plus n per removed record as in ARX) and the
LM information loss per QI cell (suppressed or removed cell = 1).

Methods:
  cthub            lattice search + local cell suppression (the engine of `cthub kanon`), k only, uniform loss
                   (l_diversity={}, coarsest={}, weights={}: the problem the anchors solve)
  cthub-classic    the classic profile's settings from the standard: the victims allow-list, l=2 on its flags,
                   QI weights and coarsest levels (year <= 5-year period, countries capped); LM loss unweighted
  cthub-recode     the same search with suppression switched off (max_suppression=0)
  greedy@cthub     greedy baseline at the generalization cthub chose: in every class < k, hide the rarest QI value of
                   each record, repeat
  cthub@0 / greedy@0  both with no generalization at all (suppression only)
  anjana           anjana.anonymity.k_anonymity (k, record suppression up to the same share)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ANCHORS_PY = HERE / ".anchors-venv" / "bin" / "python"
MISSING = "NA"  # anjana/pycanon drop NA in group-bys; give missing a value of its own for them


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]).astype("string")


def _maxrss_mb() -> float:
    """Peak resident memory of this process since exec (VmHWM; ru_maxrss would include the forked parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ----------------------------------------------------------------------------------------------------- workers
def _generalize(df: pd.DataFrame, qis: list[str], levels: dict[str, int], hier: dict) -> pd.DataFrame:
    out = df.copy()
    for q in qis:
        lvl = levels[q]
        table = hier[q]
        if lvl == 0:
            continue
        mapping = dict(zip(table["0"], table[str(lvl)], strict=True))
        out[q] = pd.array([mapping.get(MISSING if pd.isna(v) else v, "*") if not (pd.isna(v) and lvl < len(table) - 1)
                           else None for v in df[q]], dtype="string")  # fmt: skip
    return out


def worker(method: str, work: Path) -> None:
    t0 = time.perf_counter()
    cfg = json.loads((work / "config.json").read_text())
    qis, k, supp = cfg["qis"], cfg["k"], cfg["max_suppression"]
    meta: dict = {}
    if method == "anjana":
        from anjana.anonymity import _k_anonymity as ak

        df = pd.read_csv(work / "input.csv", dtype=str, keep_default_na=False, na_values=[""]).fillna(MISSING)
        hier = {q: {int(lv): np.array(vals, dtype=object) for lv, vals in cfg["anjana_hierarchies"][q].items()}
                for q in qis}  # fmt: skip
        t1, c1 = time.perf_counter(), time.process_time()
        out, removed, gen_level = ak.k_anonymity_inner(df, [], qis, k, supp * 100, hier)
        meta["levels"] = {q: int(v) for q, v in gen_level.items()}
        meta["removed"] = int(removed)
        if "index" in out.columns:
            meta["kept_rows"] = [int(i) for i in out["index"]]
            out = out.drop(columns=["index"])
        else:
            meta["kept_rows"] = list(range(len(out)))
        out = out.replace(MISSING, None)
    else:
        from cthub.deid import anonymize
        from cthub.deid.commands import read_table_csv, write_table_csv

        df = read_table_csv(work / "input.csv")
        t1, c1 = time.perf_counter(), time.process_time()
        plain = {"l_diversity": {}, "coarsest": {}, "weights": {}}  # the anchors' problem: k only, uniform loss
        if method == "cthub":
            res = anonymize(df, qis, k=k, max_suppression=supp, **plain)
        elif method == "cthub-recode":
            res = anonymize(df, qis, k=k, max_suppression=0.0, **plain)
        elif method == "cthub@0":
            res = anonymize(df, qis, k=k, max_suppression=1.0, fixed_levels={q: 0 for q in qis}, **plain)
        elif method == "cthub-classic":
            from cthub.standard import load_standard

            res = anonymize(df, qis, k=k, max_suppression=supp, columns=load_standard().table("victims").kanon_columns)
        if method.startswith("cthub"):
            out = res.table
            meta["levels"] = {q: res.report["levels"][q]["level"] for q in qis}
            meta["search"] = res.report["search"]
        else:  # greedy@LEVELS
            levels = cfg["greedy_levels"][method]
            from cthub.deid.baseline import greedy_suppress

            out = greedy_suppress(_generalize(df, qis, levels, cfg["hierarchies"]), qis, k)
            meta["levels"] = levels
        meta["removed"] = 0
        meta["kept_rows"] = None
    meta["seconds"] = time.perf_counter() - t1
    meta["cpu_anon"] = time.process_time() - c1
    meta["seconds_in_process"] = time.perf_counter() - t0
    meta["maxrss_mb"] = _maxrss_mb()
    if method == "anjana":
        out.to_csv(work / f"out_{method}.csv", index=False, na_rep="")
    else:
        write_table_csv(out, work / f"out_{method}.csv")
    (work / f"meta_{method}.json").write_text(json.dumps(meta))


# ------------------------------------------------------------------------------------------------------ parent
def _hierarchies(df: pd.DataFrame, qis: list[str]) -> dict[str, dict[str, list[str]]]:
    """The standard's hierarchies as aligned level columns over the values present (missing as its own value)."""
    from cthub.deid.hierarchy import ValueHierarchy, standard_hierarchies

    std = standard_hierarchies(qis)
    out: dict[str, dict[str, list[str]]] = {}
    for q in qis:
        h = std.get(q) or ValueHierarchy.suppression_only(q)
        values = sorted({MISSING if pd.isna(v) else str(v) for v in df[q].unique()})
        levels: dict[str, list[str]] = {}
        for lv in range(h.depth):
            col = []
            for v in values:
                if lv == h.depth - 1:
                    col.append("*")
                elif v == MISSING or lv == 0:
                    col.append(v)
                else:
                    try:
                        col.append(str(h.generalize(v, lv)))
                    except Exception:  # noqa: BLE001
                        col.append("*")
            levels[str(lv)] = col
        out[q] = levels
    return out


def evaluate(orig: pd.DataFrame, out: pd.DataFrame, qis: list[str], meta: dict) -> dict:
    from pycanon import anonymity

    n, m = len(orig), len(qis)
    kept = meta.get("kept_rows")
    base = orig if kept is None else orig.iloc[kept].reset_index(drop=True)
    removed = n - len(out)
    q = out[qis].astype(object).fillna(MISSING)
    k = int(anonymity.k_anonymity(q.reset_index(drop=True), qis)) if len(out) else 0
    sizes = q.value_counts().to_numpy().astype(np.int64)
    star_cols = [c for c in qis if not (out[c] == "*").all()]
    stars = (out[star_cols].astype(object) == "*").to_numpy()
    loss = float(removed * m)
    for c in qis:
        o = base[c].astype(object).fillna(MISSING)
        g = out[c].astype(object).fillna(MISSING).reset_index(drop=True)
        domain = orig[c].astype(object).fillna(MISSING).nunique()
        covered = o.groupby(g).nunique()
        cell = (g.map(covered) - 1) / max(domain - 1, 1)
        cell[g == "*"] = 1.0
        loss += float(cell.sum())
    return {
        "k": k,
        "cells": int(stars.sum()) + removed * m,
        "touched": int(stars.any(axis=1).sum()) + removed,
        "removed": removed,
        "dm": int((sizes**2).sum()) + removed * n,
        "loss": loss / (n * m),
    }


def _run(method: str, work: Path, python: Path) -> dict:
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "--worker", method, str(work)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(HERE.parent / "src")},
    )  # fmt: skip
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{proc.stderr[-3000:]}")
    meta = json.loads((work / f"meta_{method}.json").read_text())
    meta["wall"] = wall
    meta["cpu"] = cpu
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=80_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=11)
    ap.add_argument("--max-suppression", type=float, default=0.05)
    ap.add_argument("--skip-anjana", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return

    from cthub.sample.benchmark_table import QUASI_IDENTIFIERS, make_benchmark_table

    qis = list(QUASI_IDENTIFIERS)
    df = make_benchmark_table(args.n, args.seed)
    q = df[qis].astype(object).fillna(MISSING)
    cls = q.groupby(qis).size()
    small_share = float(cls[cls < args.k].sum() / len(df))
    with tempfile.TemporaryDirectory(prefix="kanon-bench-") as tmp:
        work = Path(tmp)
        df.to_csv(work / "input.csv", index=False, na_rep="")
        hier = _hierarchies(df, qis)
        cfg = {"qis": qis, "k": args.k, "max_suppression": args.max_suppression, "hierarchies": hier,
               "anjana_hierarchies": hier, "greedy_levels": {}}  # fmt: skip
        (work / "config.json").write_text(json.dumps(cfg))
        runs: dict[str, dict] = {}
        runs["cthub"] = _run("cthub", work, Path(sys.executable))
        runs["cthub-recode"] = _run("cthub-recode", work, Path(sys.executable))
        runs["cthub@0"] = _run("cthub@0", work, Path(sys.executable))
        runs["cthub-classic"] = _run("cthub-classic", work, Path(sys.executable))
        cfg["greedy_levels"] = {"greedy@cthub": runs["cthub"]["levels"], "greedy@0": {q: 0 for q in qis}}
        (work / "config.json").write_text(json.dumps(cfg))
        runs["greedy@cthub"] = _run("greedy@cthub", work, Path(sys.executable))
        runs["greedy@0"] = _run("greedy@0", work, Path(sys.executable))
        if not args.skip_anjana:
            if ANCHORS_PY.exists():
                try:
                    runs["anjana"] = _run("anjana", work, ANCHORS_PY)
                except RuntimeError as exc:
                    print(f"anjana: {exc}", file=sys.stderr)
            else:
                print(f"anjana skipped: {ANCHORS_PY} missing (see benchmarks/anchors-requirements.txt)", file=sys.stderr)
        rows = []
        for name, meta in runs.items():
            ev = evaluate(df, _read(work / f"out_{name}.csv"), qis, meta)
            lv = " ".join(str(meta["levels"][q_]) for q_ in qis)
            rows.append((name, lv, meta, ev))
    print(f"k-anonymity benchmark: n={len(df)}, k={args.k}, suppression limit {args.max_suppression:.0%}, "
          f"QIs={','.join(qis)}; {small_share:.1%} of raw rows in classes < {args.k}; {os.cpu_count()} cores")  # fmt: skip
    head = (f"{'method':<13} {'levels':<10} {'anon s':>7} {'anon cpu':>8} {'proc s':>7} {'proc cpu':>8} "
            f"{'peak MB':>8} {'k':>4} "
            f"{'supp. cells':>11} {'touched':>8} {'removed':>8} {'discernibility':>15} {'LM loss':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for name, lv, meta, ev in rows:
        print(f"{name:<13} {lv:<10} {meta['seconds']:>7.2f} {meta['cpu_anon']:>8.2f} {meta['wall']:>7.2f} "
              f"{meta['cpu']:>8.2f} {meta['maxrss_mb']:>8.0f} {ev['k']:>4} {ev['cells']:>11} "
              f"{ev['touched']:>8} {ev['removed']:>8} {ev['dm']:>15} {ev['loss']:>8.4f}")  # fmt: skip
    print("levels: generalization level per QI in the order above (0 = original). anon: the anonymization call; "
          "proc: the whole process incl. imports and CSV read; s = wall clock, cpu = user+sys seconds.")


if __name__ == "__main__":
    main()
