"""The one-command release: deid, synth, aggregates and evaluate on the store's records, written atomically.

`run_release` is what `cthub release` and the web admin area call. In order:
1. read the config and the store's records per configured table (a table with no records is skipped, with a note);
2. plan every DP spend and refuse the release, before any noise is drawn, if the hub's lifetime budget cannot pay;
3. per table: k-anonymize, fit a DP synthesizer and sample, build protected aggregates, evaluate (plus a
   membership-inference check on a shadow synthesizer fitted to half the records; its output is never written);
4. write everything into a hidden temporary folder beside `releases/<version>`, record the DP spends in the
   ledger, checksum, fsync and rename the folder into place (a crash leaves no half release);
5. apply the gates: a release that passes is published (unless `draft`) by replacing `published.json`
   atomically; one that fails stays on disk with status `failed` and changes nothing that is published.
Only one release runs at a time per hub (a lock file), so two admins cannot race for the same version.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

import cthub
from cthub.config import HubConfig, hub_home, load_config
from cthub.release import folder
from cthub.release.budget import BudgetPlan, BudgetRefused, actual_rho, plan_release
from cthub.release.reader import releases_dir

ProgressFn = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)
STEPS_PER_TABLE = 4  # deid, synth, aggregates, evaluate
COUNTRY_COLUMNS = ("citizenship", "CountryOfExploitation")
YEAR_COLUMNS = ("yearOfRegistration", "yearRegister")
MEMBERSHIP_MIN_RECORDS = 200
MEMBERSHIP_MAX_MEMBERS = 5000


class ReleaseError(Exception):
    """A release that cannot be made; the message says what to do."""


@dataclass
class ReleaseResult:
    version: str
    path: Path
    status: str  # published | draft | failed
    gates: dict[str, Any]
    privacy: dict[str, Any]
    tables: dict[str, Any]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def report(self) -> Path:
        return self.path / "report.html"

    @property
    def published(self) -> bool:
        return self.status == "published"


def _noop(_: str, __: int, ___: int) -> None:
    return None


@contextmanager
def release_lock(home: Path) -> Iterator[None]:
    """One release at a time per hub."""
    root = releases_dir(home)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReleaseError(f"another release is running for the hub at {home}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _columns(
    configured: dict[str, list[str]] | None, table: str, std_table: Any, df: pd.DataFrame, with_flags: bool = False
) -> list[str]:
    """The configured columns, else the standard's explore columns (plus, for aggregates, every yes/no flag).

    The dashboards chart whole flag families (means of control, industries, ...) from the aggregates, so those must
    cover every flag; the synthesizer keeps to the explore columns, where a graphical model stays small and accurate.
    """
    cols = (configured or {}).get(table) or std_table.explore_columns or list(df.columns)
    if with_flags and not (configured or {}).get(table):
        cols = list(cols) + [v.name for v in std_table.variables if v.type == "boolean" and v.name not in cols]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ReleaseError(f"{table}: configured columns not in the standard table: {', '.join(missing)}")
    return list(cols)


def _seed(seed: int | None, offset: int) -> int | None:
    return None if seed is None else int(seed) + offset


@dataclass
class _TableOutputs:
    records: int
    kanon: pd.DataFrame | None
    kanon_report: dict[str, Any] | None
    synthetic: pd.DataFrame
    synth_privacy: dict[str, Any]
    aggregates: pd.DataFrame
    aggregates_privacy: dict[str, Any]
    columns: list[str]
    quasi_identifiers: list[str]
    aggregate_columns: list[str]
    notes: list[str] = field(default_factory=list)


def _protect_table(
    name: str, df: pd.DataFrame, config: HubConfig, seed: int | None, step: Callable[[str], None],
    membership_check: bool = True,
) -> tuple[_TableOutputs, Any]:
    """deid, synth and aggregates for one table; returns the outputs and the evaluation."""
    from cthub.aggregates import dp_aggregates, threshold_aggregates
    from cthub.deid import KAnonymityError, anonymize
    from cthub.evaluate import Membership, evaluate_table
    from cthub.standard import load_standard
    from cthub.synth import domain_from_standard, get_synthesizer

    rc = config.release
    std_table = load_standard().table(name)
    qi = [c for c in (rc.deid.quasi_identifiers or std_table.quasi_identifiers) if c in df.columns]
    notes: list[str] = []

    step(f"{name}: k-anonymity (k={rc.deid.k})")
    kanon: pd.DataFrame | None = None
    kanon_report: dict[str, Any] | None = None
    try:
        res = anonymize(df, qi, k=rc.deid.k, max_suppression=rc.deid.max_suppression, l_diversity=rc.deid.l_diversity)
        kanon, kanon_report = res.table, res.report
    except KAnonymityError as exc:
        notes.append(f"k-anonymized microdata not released: {exc}")

    syn_cols = _columns(rc.synth.columns, name, std_table, df)
    step(f"{name}: DP synthetic data ({rc.synth.method}, epsilon={rc.synth.epsilon:g})")
    domain = domain_from_standard(std_table, syn_cols)
    synth_delta = rc.synth_delta
    model = get_synthesizer(rc.synth.method).fit(df[syn_cols], epsilon=rc.synth.epsilon, delta=synth_delta,
                                                  domain=domain)
    n_rows = rc.synth.rows or int(model.privacy.get("noisy_records") or model.privacy.get("records") or len(df))
    synthetic = model.sample(max(n_rows, 1), seed=_seed(seed, 1))

    agg_cols = _columns(rc.aggregates.columns, name, std_table, df, with_flags=True)
    # Flags added for the dashboards count their "yes" only (as the Synthetic Data Showcase treats "0" as absent):
    # the charts need "how many had X", and the "0" combinations would multiply the file for nothing.
    yes_only = [c for c in agg_cols if c not in syn_cols and std_table.variable(c).type == "boolean"]
    agg_df = df[agg_cols].copy()
    if yes_only and not (rc.aggregates.columns or {}).get(name):
        agg_df[yes_only] = agg_df[yes_only].mask(agg_df[yes_only] == "0")
    step(f"{name}: protected aggregates ({rc.aggregates.protection}, length {rc.aggregates.length})")
    if rc.aggregates.protection == "dp":
        aggregates, agg_privacy = dp_aggregates(agg_df, rc.aggregates.length, epsilon=float(rc.aggregates.epsilon or 0),
                                                delta=rc.aggregates_delta,
                                                domain=domain_from_standard(std_table, agg_cols), columns=agg_cols)
        agg_privacy = dict(agg_privacy) | {"protection": "dp"}
    else:
        aggregates = threshold_aggregates(agg_df, rc.aggregates.length, threshold=rc.aggregates.threshold,
                                          resolution=rc.aggregates.resolution, columns=agg_cols)
        agg_privacy = {"protection": "threshold", "threshold": rc.aggregates.threshold,
                       "resolution": rc.aggregates.resolution}

    step(f"{name}: evaluation")
    membership = None
    if membership_check and len(df) >= MEMBERSHIP_MIN_RECORDS:
        # Shadow synthesizer on a random half: the attack needs records it did not see. Never written anywhere.
        rng = np.random.default_rng(_seed(seed, 2))
        order = rng.permutation(len(df))
        half = min(len(df) // 2, MEMBERSHIP_MAX_MEMBERS)
        members, non_members = df.iloc[order[:half]], df.iloc[order[half : 2 * half]]
        shadow = get_synthesizer(rc.synth.method).fit(members[syn_cols], epsilon=rc.synth.epsilon,
                                                      delta=synth_delta, domain=domain)
        membership = Membership(members[syn_cols], non_members[syn_cols], shadow.sample(half, seed=_seed(seed, 3)))
    evaluation = evaluate_table(
        name, df[syn_cols], kanon=kanon, synthetic=synthetic, aggregates=None, quasi_identifiers=qi, k=rc.deid.k,
        privacy={"synthetic": model.privacy, "aggregates": agg_privacy}, max_length=rc.aggregates.length,
        membership=membership, seed=seed or 0,
    )
    # Aggregates are checked against all their columns (they may differ from the synthesized ones).
    from cthub.evaluate.encoding import encode
    from cthub.evaluate.marginals import aggregate_stats

    evaluation.metrics["utility"]["aggregates"] = aggregate_stats(encode({"real": agg_df}, agg_cols), "real",
                                                                  aggregates, rc.deid.k)
    evaluation.metrics["outputs"] = sorted(set(evaluation.metrics["outputs"]) | {"aggregates"})
    out = _TableOutputs(len(df), kanon, kanon_report, synthetic, model.privacy, aggregates, agg_privacy, syn_cols,
                        qi, agg_cols, notes)
    return out, evaluation


def _summary(outputs: dict[str, _TableOutputs], store: Any) -> dict[str, Any]:
    """Headline numbers from the protected outputs only (countries and years as they appear in released data)."""
    countries: set[str] = set()
    years: set[str] = set()
    for out in outputs.values():
        frame = out.kanon if out.kanon is not None else out.synthetic
        for c in COUNTRY_COLUMNS:
            if c in frame.columns:
                countries |= {v for v in frame[c].dropna().unique() if len(str(v)) == 2 and v != "*"}
        for c in YEAR_COLUMNS:
            if c in frame.columns:
                years |= {v for v in frame[c].dropna().unique() if str(v).isdigit()}
    counts = store.record_counts_by_contributor()
    contributors = sorted({str(c) for c in counts["contributor"]}) if len(counts) else []
    return {
        "records": int(sum(o.records for o in outputs.values())),
        "records_by_table": {t: o.records for t, o in outputs.items()},
        "countries": sorted(countries),
        "years": sorted(years),
        "contributors": len(contributors),
        "contributor_ids": contributors,
    }


def _write_data(temp: Path, name: str, out: _TableOutputs) -> dict[str, list[str]]:
    data = temp / "data"
    files: dict[str, list[str]] = {}
    frames = {"synthetic": out.synthetic, "aggregates": out.aggregates}
    if out.kanon is not None:
        frames = {"kanon": out.kanon} | frames
    for kind, frame in frames.items():
        paths = folder.write_table(frame, data, f"{name}_{kind}")
        files[kind] = [p.relative_to(temp).as_posix() for p in paths]
    return files


def _write_docs(temp: Path, outputs: dict[str, _TableOutputs], title: str) -> None:
    from cthub.standard import load_standard
    from cthub.standard.codebook import render_codebook
    from cthub.standard.datapackage import field_descriptor, render_datapackage
    from cthub.standard.dictionary import render_dictionary

    std = load_standard()
    render_codebook(std, temp)
    render_dictionary(std, temp)
    aggregates_schema = {
        "fields": [
            {"name": "selections", "type": "string",
             "description": "Attribute values counted together, as column:value joined by ';' in column order"},
            {"name": "length", "type": "integer", "description": "Number of attributes in the selection"},
            {"name": "count", "type": "integer", "description": "Protected count of records with these values"},
        ],
        "missingValues": [""],
    }
    resources = []
    for name, out in outputs.items():
        table = std.table(name)
        for kind, frame, generalized in (("kanon", out.kanon, True), ("synthetic", out.synthetic, False)):
            if frame is None:
                continue
            schema = {"fields": [field_descriptor(table.variable(c), generalized) for c in frame.columns],
                      "missingValues": ["", "*"] if generalized else [""]}
            resources.append({"path": f"data/{name}_{kind}.csv", "table": name, "schema": schema,
                              "name": f"{name}_{kind}",
                              "title": f"{table.title}: {'k-anonymized' if generalized else 'DP synthetic'} microdata"})
        resources.append({"path": f"data/{name}_aggregates.csv", "schema": aggregates_schema,
                          "name": f"{name}_aggregates", "title": f"{table.title}: protected aggregate counts"})
    render_datapackage(std, temp, resources, title=title)


def run_release(
    home: str | os.PathLike[str] | None = None,
    config: HubConfig | str | os.PathLike[str] | None = None,
    draft: bool = False,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    today: dt.date | None = None,
    membership_check: bool = True,
) -> ReleaseResult:
    """Make a release of the hub's records; publish it if it passes the gates (and `draft` is False).

    `membership_check` fits a second (shadow) synthesizer on half the records for the membership-inference
    estimate; it roughly doubles the synthesis time and can be switched off for quick checks.

    Raises ReleaseError (no records, another release running) and BudgetRefused (over the lifetime budget) before
    anything is written or spent.
    """
    from cthub.evaluate import evaluate_tables
    from cthub.evaluate.gates import check_gates
    from cthub.standard import load_standard
    from cthub.store import Store

    started = time.perf_counter()
    home_path = hub_home(home)
    if isinstance(config, HubConfig):
        cfg = config
    else:
        cfg = load_config(home_path, config)
    rc = cfg.release
    report = progress or _noop
    with release_lock(home_path):
        folder.clean_stale_temps(home_path)
        store = Store.open(home_path)
        frames: dict[str, pd.DataFrame] = {}
        skipped: dict[str, str] = {}
        for table in rc.tables:
            df = store.records(table)
            if len(df) == 0:
                skipped[table] = "no records in the store"
            else:
                frames[table] = df
        if not frames:
            raise ReleaseError(
                f"no records to release in {', '.join(rc.tables)}; import some first (cthub ingest) and check "
                "`cthub status`"
            )
        plan: BudgetPlan = plan_release(rc, {t: len(df) for t, df in frames.items()}, store.ledger_spent_rho())

        total = STEPS_PER_TABLE * len(frames) + 2
        done = 0

        def step(what: str) -> None:
            nonlocal done
            report(what, done, total)
            done += 1

        outputs: dict[str, _TableOutputs] = {}
        evaluations = []
        for i, (table, df) in enumerate(frames.items()):
            out, ev = _protect_table(table, df, cfg, _seed(seed, 100 * i), step, membership_check)
            outputs[table] = out
            evaluations.append(ev)

        # Actual spends must fit what was planned (they can only be smaller); otherwise nothing is written.
        spends = []
        for table, out in outputs.items():
            spends.append((table, f"synth:{rc.synth.method}", out.synth_privacy))
            if out.aggregates_privacy.get("protection") == "dp":
                spends.append((table, "aggregates:dp-marginals", out.aggregates_privacy))
        release_rho = sum(actual_rho(p) for _, _, p in spends)
        if plan.spent_rho + release_rho > plan.total_rho * (1 + 1e-9):
            raise BudgetRefused(
                f"the mechanisms spent rho {release_rho:.4g}, more than the {plan.remaining_rho:.4g} left; "
                "nothing was written or recorded"
            )

        step("writing the release folder")
        taken = {r["version"] for r in store.releases()}
        version = folder.next_version(home_path, today, taken=taken)
        temp = folder.new_temp_folder(home_path, version)
        try:
            tables_meta: dict[str, Any] = {}
            for table, out in outputs.items():
                files = _write_data(temp, table, out)
                tables_meta[table] = {
                    "records": out.records,
                    "columns": {"synthetic": out.columns, "aggregates": out.aggregate_columns},
                    "quasi_identifiers": out.quasi_identifiers,
                    "files": files,
                    "kanon": None if out.kanon is None else {
                        "rows": int(len(out.kanon)), "k": rc.deid.k,
                        "k_achieved": (out.kanon_report or {}).get("k_achieved"),
                        "levels": (out.kanon_report or {}).get("levels"),
                        "suppression": (out.kanon_report or {}).get("suppression"),
                        "information_loss": (out.kanon_report or {}).get("information_loss"),
                    },
                    "synthetic": {"rows": int(len(out.synthetic)), "method": rc.synth.method,
                                  "epsilon": out.synth_privacy.get("epsilon"), "delta": out.synth_privacy.get("delta"),
                                  "rho": actual_rho(out.synth_privacy)},
                    "aggregates": {"rows": int(len(out.aggregates)), **{k: v for k, v in out.aggregates_privacy.items()
                                                                        if not isinstance(v, (list, dict))}},
                    "notes": out.notes,
                }
            release_epsilon = plan.epsilon(release_rho)
            budget = plan.as_dict() | {
                "release_rho": release_rho,
                "release_epsilon": release_epsilon,
                "spent_epsilon_after": plan.epsilon(plan.spent_rho + release_rho),
            }
            privacy = {
                "k": rc.deid.k,
                "epsilon": release_epsilon,
                "delta": rc.budget.delta,
                "threshold": rc.aggregates.threshold if rc.aggregates.protection == "threshold" else None,
                "resolution": rc.aggregates.resolution if rc.aggregates.protection == "threshold" else None,
                "methods": {
                    "deid": {"k": rc.deid.k, "max_suppression": rc.deid.max_suppression},
                    "synth": {"method": rc.synth.method, "epsilon": rc.synth.epsilon, "per_table": {
                        t: {"epsilon": o.synth_privacy.get("epsilon"), "delta": o.synth_privacy.get("delta"),
                            "rho": actual_rho(o.synth_privacy)} for t, o in outputs.items()}},
                    "aggregates": {"protection": rc.aggregates.protection, "length": rc.aggregates.length},
                },
                "budget": budget,
            }
            gate_result = check_gates({e.name: e.metrics for e in evaluations}, rc.gates)
            for table, out in outputs.items():
                if out.kanon is None and rc.gates.min_k is not None:
                    gate_result["checks"].append({"gate": "min_k", "table": table, "value": None, "limit": rc.gates.min_k,
                                                  "passed": False, "explanation": "; ".join(out.notes)})
            gate_result["passed"] = all(c["passed"] for c in gate_result["checks"])
            title = f"{cfg.name}: release {version}"
            evaluate_tables(
                evaluations, temp, gate_result=gate_result,
                privacy={"epsilon": release_epsilon, "delta": rc.budget.delta,
                         "budget_total_epsilon": rc.budget.total_epsilon,
                         "budget_spent_epsilon": budget["spent_epsilon_after"], "budget": budget},
                title=title, context={"hub": cfg.name, "version": version},
            )
            _write_docs(temp, outputs, title)
            status = "failed" if not gate_result["passed"] else ("draft" if draft else "published")
            meta = {
                "version": version,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "hub": cfg.name,
                "cthub_version": cthub.__version__,
                "standard_version": load_standard().version,
                "parameters": rc.model_dump(mode="json") | {"seed": seed, "draft": draft},
                "privacy": privacy,
                "tables": tables_meta,
                "skipped": skipped,
                "summary": _summary(outputs, store),
                "gates": gate_result,
                "terms_of_use": cfg.terms_of_use,
                "citation": cfg.citation.format(name=cfg.name, year=(today or dt.date.today()).year, version=version),
            }
            folder.write_json(temp / "release.json", meta)
            _slow_write_hook()
            # Spends are recorded before the folder appears: a crash in between over-counts, never under-counts.
            for table, mechanism, p in spends:
                store.ledger_add(version, table, mechanism, p.get("epsilon"), p.get("delta"), actual_rho(p))
            step("checksums and rename into place")
            final = folder.finalize(temp, version)
        except BaseException:
            import shutil

            shutil.rmtree(temp, ignore_errors=True)
            raise
        summary = {"epsilon": release_epsilon, "k": rc.deid.k, "gates_passed": gate_result["passed"],
                   "records": meta["summary"]["records_by_table"]}
        store.release_add(version, final, status if status != "published" else "draft", summary)
        if status == "published":
            folder.publish(home_path, version)
            store.release_set_status(version, "published")
        return ReleaseResult(version=version, path=final, status=status, gates=gate_result, privacy=privacy,
                             tables=tables_meta, skipped=skipped, seconds=round(time.perf_counter() - started, 1))


def _slow_write_hook() -> None:
    """Fault-injection point for the crash test: pause mid-write when the test asks (never set in production)."""
    delay = os.environ.get("CTHUB_TEST_PAUSE_BEFORE_RENAME")
    if delay:
        time.sleep(float(delay))
