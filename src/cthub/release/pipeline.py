"""The one-command release: a loop over the profile's stages, written atomically, every public file declared.

`run_release` is what `cthub release` and the web admin area call. In order:
1. read the config and the store's records per configured table (a table with no records is skipped, with a note),
   and bound each person's rows (`release.max_rows_per_person`) before any mechanism;
2. ask every stage for its planned DP spends and refuse the release, before any noise is drawn, if the hub's
   lifetime budget cannot pay (classic: refuse when fewer than k records changed since the last classic release);
3. run the profile's stages per table (`cthub.release.stages`: dp = noisy count, synthetic data, aggregates;
   classic = k-anonymized file, threshold aggregates from it); each returns its files with their guarantees;
4. evaluate against the raw records INTERNALLY (`CTHUB_HOME/evaluations/<version>/`, admins only) and apply the
   gates; write the public documents (codebook, dictionary, datapackage, public report) and the privacy statement
   (`privacy.json`); refuse a folder holding any file without a declared guarantee;
5. record the DP spends in the ledger, checksum, fsync and rename the folder into place (a crash leaves no half
   release); publish it if it passed (unless `draft`) by replacing `published.json` atomically.
Only one release runs at a time per hub (a lock file), so two admins cannot race for the same version.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import cthub
from cthub.config import HubConfig, hub_home, load_config
from cthub.privacy import OutOfDomainWarning
from cthub.release import folder
from cthub.release.budget import BudgetPlan, check_made, plan_release
from cthub.release.reader import releases_dir
from cthub.release.stages.base import Output, Spend, TableContext

ProgressFn = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)
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
    evaluation: Path | None = None  # the internal evaluation folder (admins only)

    @property
    def report(self) -> Path:
        """The public report; the internal evaluation (raw-data metrics) is `evaluation / "report.html"`."""
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


# Tables with one row per person: no bound beyond 1 is needed there (a person's case is one row per contributor).
ONE_ROW_PER_PERSON = {"victims"}
PERSON = "_person"


def _seed(seed: int | None, offset: int) -> int | None:
    return None if seed is None else int(seed) + offset


def _read(store: Any, table: str, columns: list[str] | None) -> tuple[pd.DataFrame, pd.Series | None]:
    """Standard columns and, when the store keeps them, each row's person key (internal: never published)."""
    df = store.records(table, with_person=True, columns=columns)
    persons = None
    if PERSON in df.columns:
        persons = df[PERSON].astype("string")
        df = df.drop(columns=[PERSON])
    return df, persons


def _bound(name: str, df: pd.DataFrame, persons: pd.Series | None, rc: Any, seed: int | None
           ) -> tuple[pd.DataFrame, pd.Series | None, int, int]:
    """At most c rows per person (c = 1 where the standard has one row per person); returns the bounded records,
    their person keys, c, and how many rows were sampled away (internal)."""
    from cthub.privacy.contribution import bound_contributions

    c = 1 if name in ONE_ROW_PER_PERSON else int(rc.max_rows_per_person)
    if persons is None:
        return df.reset_index(drop=True), None, 1, 0  # no keys: every row is its own person
    frame = df.assign(**{PERSON: persons.to_numpy()})
    bounded, dropped = bound_contributions(frame, PERSON, c, seed)
    bounded = bounded.reset_index(drop=True)
    return bounded.drop(columns=[PERSON]), bounded[PERSON], c, int(dropped)


def _records_meta(ctx: TableContext) -> dict[str, Any]:
    rec = dict(ctx.results.get("records") or {})
    return {k: v for k, v in rec.items() if k in ("value", "guarantee", "epsilon", "delta", "rho", "sigma",
                                                   "sensitivity", "unit", "note")}


def _summary(contexts: list[TableContext], config: HubConfig) -> dict[str, Any]:
    """Headline lists from the public outputs only (post-processing); contributors from the hub's configuration."""
    countries: set[str] = set()
    years: set[str] = set()
    for ctx in contexts:
        frame = ctx.results.get("kanon")
        if frame is None:
            frame = ctx.results.get("synthetic")
        if frame is None:
            continue
        for c in COUNTRY_COLUMNS:
            if c in frame.columns:
                countries |= {v for v in frame[c].dropna().unique() if len(str(v)) == 2 and v != "*"}
        for c in YEAR_COLUMNS:
            if c in frame.columns:
                years |= {v for v in frame[c].dropna().unique() if str(v).isdigit()}
    return {
        "records_by_table": {ctx.name: (ctx.results.get("records") or {}).get("value") for ctx in contexts},
        "records_guarantee": {ctx.name: (ctx.results.get("records") or {}).get("guarantee") for ctx in contexts},
        "countries": sorted(countries),
        "years": sorted(years),
        "contributors": len(config.contributors),
    }


def _write_docs(temp: Path, contexts: list[TableContext], title: str, version: str | None = None) -> list[str]:
    """Codebook, dictionary and datapackage.json: generated from the standard and the list of public files.

    The package describes THIS release (its version, terms of use as the licence, the files it holds, CSV and
    Parquet alike, each with its size and SHA-256) because catalogues such as CKAN index a package by those fields;
    every value comes from the configuration, the standard and the public files, so the descriptor stays
    data-independent metadata of declared outputs.
    """
    from cthub.standard import load_standard
    from cthub.standard.codebook import render_codebook
    from cthub.standard.datapackage import field_descriptor, render_datapackage
    from cthub.standard.dictionary import render_dictionary

    std = load_standard()
    paths = list(render_codebook(std, temp)) + list(render_dictionary(std, temp))
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
    holdings = []
    for ctx in contexts:
        table = std.table(ctx.name)
        held = []
        for kind, generalized in (("kanon", True), ("synthetic", False)):
            frame = ctx.results.get(kind)
            if frame is None:
                continue
            schema = {"fields": [field_descriptor(table.variable(c), generalized) for c in frame.columns],
                      "missingValues": ["", "*"] if generalized else [""]}
            what = "k-anonymized microdata" if generalized else "DP synthetic microdata"
            held.append(what)
            for ext in ("csv", "parquet"):
                if ext == "csv" or (temp / "data" / f"{ctx.name}_{kind}.{ext}").is_file():
                    resources.append({"path": f"data/{ctx.name}_{kind}.{ext}", "table": ctx.name, "schema": schema,
                                      "name": f"{ctx.name}_{kind}" + ("" if ext == "csv" else f"_{ext}"),
                                      "title": f"{table.title}: {what}" + ("" if ext == "csv" else " (Parquet)")})
        if ctx.results.get("aggregates") is not None:
            held.append("protected aggregate counts")
            for ext in ("csv", "parquet"):
                if ext == "csv" or (temp / "data" / f"{ctx.name}_aggregates.{ext}").is_file():
                    resources.append({"path": f"data/{ctx.name}_aggregates.{ext}", "schema": aggregates_schema,
                                      "name": f"{ctx.name}_aggregates" + ("" if ext == "csv" else f"_{ext}"),
                                      "title": f"{table.title}: protected aggregate counts"
                                               + ("" if ext == "csv" else " (Parquet)")})
        holdings.append(f"{table.title} ({ctx.name}): {', '.join(held) or 'no public data file'}")
    cfg = contexts[0].config
    profile = cfg.release.profile
    protection = {"dp": "one differential-privacy guarantee per person covers every public number",
                  "classic": "k-anonymized microdata and threshold aggregates counted from it"}.get(profile, profile)
    description = (f"{cfg.name}: release {version or '(draft)'} of protected counter-trafficking case data "
                   f"({profile} profile: {protection}), harmonized to the cthub data standard {std.version}. "
                   f"It holds {'; '.join(holdings)}. privacy.json states the guarantee of each file; codebook.html "
                   f"defines the variables. Terms of use: {cfg.terms_of_use}")
    terms = cfg.terms_of_use
    # the terms restrict use (no re-identification, citation), so no open licence applies: Open Definition's
    # "other-closed", titled as the hub's terms; their text is in the description and `cthub:terms_of_use`
    licenses = [{"name": "other-closed", "title": f"{cfg.name} terms of use"}]
    paths += list(render_datapackage(
        std, temp, resources, title=title, version=version, package_description=description, licenses=licenses,
        extra={"cthub:profile": profile, "cthub:terms_of_use": terms}))
    return [Path(p).relative_to(temp).as_posix() for p in paths]


def _evaluate(ctx: TableContext, membership_check: bool) -> Any:
    """The INTERNAL evaluation of one table against its raw records (admins only; never in the release folder).

    The membership-inference check fits a shadow synthesizer on half the records; its output never leaves this
    process and its figures go only to the internal evaluation, so it publishes nothing and spends no public budget.
    """
    from cthub.evaluate import Membership, evaluate_table
    from cthub.evaluate.marginals import aggregate_stats
    from cthub.synth import domain_from_standard, get_synthesizer
    from cthub.tables.shared import encode

    rc = ctx.config.release
    df = ctx.records
    synthetic = ctx.results.get("synthetic")
    kanon = ctx.results.get("kanon")
    explore = [c for c in (ctx.std_table.explore_columns or df.columns) if c in df.columns]
    eval_cols = [c for c in explore if synthetic is None or c in synthetic.columns]
    membership = None
    if synthetic is not None and membership_check and len(df) >= MEMBERSHIP_MIN_RECORDS:
        rng = np.random.default_rng(_seed(ctx.seed, 2))  # which records are members: not noise, never published
        order = rng.permutation(len(df))
        half = min(len(df) // 2, MEMBERSHIP_MAX_MEMBERS)
        members, non_members = df.iloc[order[:half]], df.iloc[order[half : 2 * half]]
        shadow = get_synthesizer(rc.synth.method).fit(
            members[eval_cols], epsilon=rc.synth.epsilon, delta=rc.synth_delta,
            domain=domain_from_standard(ctx.std_table, eval_cols, max_year=ctx.reference_year),
            max_rows_per_person=ctx.max_rows_per_person)
        membership = Membership(members[eval_cols], non_members[eval_cols], shadow.sample(half, seed=_seed(ctx.seed, 3)))
    qi = ctx.results.get("quasi_identifiers") or [c for c in ctx.std_table.quasi_identifiers if c in df.columns]
    evaluation = evaluate_table(
        ctx.name, df[eval_cols], kanon=kanon, synthetic=None if synthetic is None else synthetic[eval_cols],
        aggregates=None, quasi_identifiers=qi, k=rc.deid.k,
        privacy={"synthetic": ctx.mechanisms.get("synthetic") or {},
                 # the gates hold DP outputs (direct or counted from the synthesizer) to DP's bound, not the rare-count rule
                 "aggregates": {"protection": "dp" if rc.profile == "dp" else "threshold",
                                "source": rc.aggregates_protection}},
        max_length=rc.aggregates.length, membership=membership, seed=ctx.seed or 0,
    )
    aggregates = ctx.results.get("aggregates")
    if aggregates is not None:
        from cthub.release.stages.columns import aggregate_columns, mask_no

        cols, yes_only = aggregate_columns(ctx, available=ctx.results.get("aggregate_columns"))
        from cthub.aggregates import exact_aggregates

        real = mask_no(df[cols], yes_only)
        exact = exact_aggregates(real, rc.aggregates.length, columns=cols)
        evaluation.metrics["utility"]["aggregates"] = aggregate_stats(encode({"real": real}, cols), "real",
                                                                      aggregates, rc.deid.k, exact=exact)
        evaluation.metrics["outputs"] = sorted(set(evaluation.metrics["outputs"]) | {"aggregates"})
    evaluation.metrics["contribution_bound"] = {"max_rows_per_person": ctx.max_rows_per_person,
                                                "rows_sampled_away": ctx.results.get("rows_sampled_away", 0)}
    if ctx.notes:
        evaluation.metrics["notes"] = list(ctx.notes)
    return evaluation


def _classic_gates(contexts: list[TableContext], rc: Any) -> list[dict[str, Any]]:
    checks = []
    for ctx in contexts:
        kanon_report = ctx.results.get("kanon_report")
        if kanon_report is None and rc.gates.min_k is not None:
            checks.append({"gate": "min_k", "table": ctx.name, "value": None, "limit": rc.gates.min_k,
                           "passed": False, "explanation": "; ".join(ctx.notes) or "no k-anonymized file"})
        limit = rc.gates.max_suppressed_share
        if limit is not None and kanon_report is not None:
            from cthub.deid import suppression_failures

            failures = suppression_failures(kanon_report, limit)
            by_column = (kanon_report.get("suppression") or {}).get("by_column") or {}
            worst = max(by_column.values(), default=0.0)
            checks.append({"gate": "max_suppressed_share", "table": ctx.name, "value": round(float(worst), 4),
                           "limit": limit, "passed": not failures,
                           "explanation": "; ".join(failures) or (f"no column of the k-anonymized file is more than "
                                                                  f"{limit:.0%} suppressed")})
    return checks


def run_release(
    home: str | os.PathLike[str] | None = None,
    config: HubConfig | str | os.PathLike[str] | None = None,
    draft: bool = False,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    today: dt.date | None = None,
    membership_check: bool = True,
    override_reason: str | None = None,
    actor: str = "cli",
) -> ReleaseResult:
    """Make a release of the hub's records; publish it if it passes the gates (and `draft` is False).

    `membership_check` fits a shadow synthesizer on half the records for the internal membership-inference
    estimate; it can be switched off for quick checks. `override_reason` lets a classic release through although
    fewer than `deid.min_changed_records` records changed since the last one; the reason goes to the audit log.

    Raises ReleaseError (no records, another release running, too few changes) and BudgetRefused (over the lifetime
    budget) before anything is written or spent; UndeclaredOutput if a stage wrote a file without a guarantee.
    """
    from cthub.evaluate import evaluate_tables
    from cthub.evaluate.gates import check_gates
    from cthub.evaluate.public import render_public_report
    from cthub.release import changes, statement
    from cthub.release.reader import evaluation_dir, list_releases
    from cthub.release.stages import stages_for
    from cthub.standard import load_standard
    from cthub.store import Store

    started = time.perf_counter()
    home_path = hub_home(home)
    cfg = config if isinstance(config, HubConfig) else load_config(home_path, config)
    rc = cfg.release
    report = progress or _noop
    with release_lock(home_path):
        folder.clean_stale_temps(home_path)
        store = Store.open(home_path)
        contexts: list[TableContext] = []
        skipped: dict[str, str] = {}
        reference = (dt.date.fromisoformat(rc.reference_date) if rc.reference_date
                     else today or dt.datetime.now(dt.UTC).date())
        std = load_standard()  # the store takes the standard's columns from its caller
        for i, table in enumerate(rc.tables):
            df, persons = _read(store, table, list(std.table(table).columns) if table in std.tables else None)
            if len(df) == 0:
                skipped[table] = "no records in the store"
                continue
            # the kept rows of a person must be the same in every release (else successive releases together carry
            # more than the bound): without a test seed, the choice is keyed by the hub key
            bound_seed = _seed(seed, 100 * i + 50) if seed is not None else changes.stable_seed(
                home_path, f"row-bound:{table}")
            bounded, keys, c, dropped = _bound(table, df, persons, rc, bound_seed)
            ctx = TableContext(table, bounded, cfg, _seed(seed, 100 * i), c, keys, reference_year=reference.year)
            ctx.results["rows_sampled_away"] = dropped
            contexts.append(ctx)
        if not contexts:
            raise ReleaseError(
                f"no records to release in {', '.join(rc.tables)}; import some first (cthub ingest) and check "
                "`cthub status`"
            )
        stages = stages_for(rc)
        planned = [s for ctx in contexts for stage in stages for s in stage.plan(ctx)]
        spent_selection = store.ledger_spent_selection_delta()
        plan: BudgetPlan = plan_release(rc, planned, store.ledger_spent_rho(), spent_selection)
        fingerprints: dict[str, dict[str, str]] = {}
        if rc.profile == "classic":
            fingerprints = changes.fingerprints({ctx.name: (ctx.records, ctx.persons) for ctx in contexts},
                                                changes.hub_secret(home_path, "fingerprints"))
            needed = rc.deid.min_changed_records if rc.deid.min_changed_records is not None else rc.deid.k
            problems = changes.guard_violations(home_path, fingerprints, needed)
            if problems:
                if not override_reason:
                    raise ReleaseError(
                        f"fewer than {needed} records changed since an earlier classic release ({'; '.join(problems)})"
                        ": comparing the two would reveal the changed persons. Wait for more changes, or give a "
                        "reason (`cthub release --override-reason \"...\"`), which goes to the audit log"
                    )
                store.audit(actor, "release.override", "classic", {"reason": override_reason, "needed": needed,
                                                                                                           "comparisons": len(problems)})

        total = len(stages) * len(contexts) + 3
        done = 0

        def step(what: str) -> None:
            nonlocal done
            report(what, done, total)
            done += 1

        taken = {r["version"] for r in store.releases()}
        version = folder.next_version(home_path, today, taken=taken)
        temp = folder.new_temp_folder(home_path, version)
        try:
            outputs: list[Output] = []
            for ctx in contexts:
                for stage in stages:
                    step(stage.label(ctx))
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", OutOfDomainWarning)
                        outputs += stage.run(ctx, temp)
                    # values outside the standard's lists became missing: the operator sees it in the internal
                    # evaluation (the warning names the column only, never a value)
                    ctx.notes += [f"{stage.name}: {w.message}" for w in caught
                                  if issubclass(w.category, OutOfDomainWarning)]
            spends: list[Spend] = [s for ctx in contexts for s in ctx.spends]
            release_rho = sum(s.rho for s in spends)
            # Actual spends must fit (their rho can only be smaller than planned, but their selection deltas are known
            # only now); otherwise nothing is written or recorded.
            check_made(rc, spends, plan.spent_rho, spent_selection)

            step("internal evaluation against the raw records (admins only)")
            evaluations = [_evaluate(ctx, membership_check) for ctx in contexts]
            gate_result = check_gates({e.name: e.metrics for e in evaluations}, rc.gates)
            if rc.profile == "classic":
                gate_result["checks"] += _classic_gates(contexts, rc)
            gate_result["passed"] = all(c["passed"] for c in gate_result["checks"])

            step("public documents and the privacy statement")
            title = f"{cfg.name}: release {version}"
            docs = _write_docs(temp, contexts, title, version=version)
            outputs += statement.docs_outputs([d for d in docs if d != "datapackage.json"])
            # datapackage.json carries each data file's size and SHA-256: computed from those public files
            outputs += [Output("datapackage.json", "docs", statement.Guarantee("post-processing", {
                "of": [o.path for o in outputs if o.kind in ("synthetic", "aggregates", "kanon")],
                "note": "the standard's schemas, the configuration, and the size and SHA-256 of the files listed"}))
                for d in docs if d == "datapackage.json"]
            release_epsilon = statement.composed_epsilon(spends, rc.budget.delta) if spends else None
            budget = {
                "total_epsilon": rc.budget.total_epsilon, "delta": rc.budget.delta,
                "spent_epsilon_before": plan.epsilon(plan.spent_rho),
                "release_epsilon": release_epsilon, "release_rho": release_rho,
                "spent_epsilon_after": plan.epsilon(plan.spent_rho + release_rho),
            }
            tables_records = {ctx.name: {"records": _records_meta(ctx)} for ctx in contexts}
            unit = statement.unit_statement(rc.profile, int(rc.max_rows_per_person),
                                            any(ctx.persons is not None for ctx in contexts))
            data_files = [o.path for o in outputs if o.kind in ("synthetic", "aggregates", "kanon")]
            derived = statement.Guarantee("post-processing", {"of": data_files, "note": (
                "computed from the public outputs listed, their declared counts and the configuration only")})
            meta_outputs = [Output("release.json", "metadata", derived), Output("report.html", "report", derived),
                            Output("report.json", "report", derived)]
            earlier = [r.version for r in list_releases(home_path, include_discarded=True)
                       if r.status != "failed" and r.meta.get("profile") != "dp"]
            privacy = statement.compose(rc.profile, outputs + meta_outputs, spends, rc.budget.delta, tables_records,
                                        unit, budget, earlier_non_dp=earlier)
            render_public_report(
                temp, privacy,
                synthetic={c.name: c.results["synthetic"] for c in contexts if c.results.get("synthetic") is not None},
                aggregates={c.name: c.results["aggregates"] for c in contexts
                            if c.results.get("aggregates") is not None},
                mechanisms={c.name: dict(c.mechanisms) for c in contexts},
                title=title, context={"hub": cfg.name, "version": version},
            )
            outputs += meta_outputs
            status = "failed" if not gate_result["passed"] else ("draft" if draft else "published")
            tables_meta = {
                ctx.name: {
                    "records": _records_meta(ctx),
                    "columns": {kind: list(ctx.results[kind].columns) for kind in ("synthetic", "kanon")
                                if ctx.results.get(kind) is not None}
                    | ({"aggregates": list(ctx.results["aggregate_columns"])}
                       if ctx.results.get("aggregate_columns") else {}),
                    "files": {o.kind: [x.path for x in outputs if x.table == ctx.name and x.kind == o.kind]
                              for o in outputs if o.table == ctx.name},
                    "quasi_identifiers": ctx.results.get("quasi_identifiers"),
                    "max_rows_per_person": ctx.max_rows_per_person,
                }
                for ctx in contexts
            }
            a = rc.aggregates
            effective = None
            if rc.aggregates_protection == "threshold":
                from cthub.aggregates.threshold import effective_threshold

                effective = effective_threshold(a.threshold, a.resolution)
            meta: dict[str, Any] = {
                "version": version,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "hub": cfg.name,
                "cthub_version": cthub.__version__,
                "standard_version": load_standard().version,
                "profile": rc.profile,
                "reference_date": reference.isoformat(),  # public: no published year lies after it
                "parameters": rc.model_dump(mode="json") | {"seed": seed, "draft": draft},
                "privacy": {
                    "profile": rc.profile, "unit": unit["kind"],
                    "epsilon": release_epsilon, "delta": rc.budget.delta if spends else None,
                    "k": rc.deid.k if rc.profile == "classic" else None,
                    "threshold": a.threshold if effective is not None else None,
                    "resolution": a.resolution if effective is not None else None,
                    "effective_threshold": effective,
                    "aggregates": rc.aggregates_protection,
                    "synthetic": rc.synth.method if rc.profile == "dp" else None,
                    "budget": budget,
                },
                "tables": tables_meta,
                "skipped": skipped,
                "summary": _summary(contexts, cfg),
                "gates": {"passed": bool(gate_result["passed"])},
                "terms_of_use": cfg.terms_of_use,
                "citation": cfg.citation.format(name=cfg.name, year=(today or dt.date.today()).year, version=version),
            }
            folder.write_json(temp / "release.json", meta)
            folder.write_json(temp / statement.PRIVACY_FILE, privacy)
            statement.check_declared(temp, outputs)
            internal = evaluation_dir(home_path, version)
            evaluate_tables(
                evaluations, internal, gate_result=gate_result,
                privacy={"epsilon": release_epsilon, "delta": rc.budget.delta,
                         "budget_total_epsilon": rc.budget.total_epsilon,
                         "budget_spent_epsilon": budget["spent_epsilon_after"], "budget": budget},
                title=f"{cfg.name}: internal evaluation of release {version}",
                context={"hub": cfg.name, "version": version},
            )
            if fingerprints:
                changes.save_fingerprints(internal, rc.profile, fingerprints)
            _slow_write_hook()
            # Spends are recorded before the folder appears: a crash in between over-counts, never under-counts.
            for s in spends:
                store.ledger_add(version, s.table, s.mechanism, s.epsilon, s.delta, s.rho, s.delta_selection)
            step("checksums and rename into place")
            final = folder.finalize(temp, version)
        except BaseException:
            import shutil

            shutil.rmtree(temp, ignore_errors=True)
            raise
        summary = {"epsilon": release_epsilon, "k": meta["privacy"]["k"], "gates_passed": gate_result["passed"],
                   "profile": rc.profile, "records": meta["summary"]["records_by_table"]}
        store.release_add(version, final, status if status != "published" else "draft", summary)
        if status == "published":
            folder.publish(home_path, version)
            store.release_set_status(version, "published")
        return ReleaseResult(version=version, path=final, status=status, gates=gate_result,
                             privacy=meta["privacy"], tables=tables_meta, skipped=skipped,
                             seconds=round(time.perf_counter() - started, 1), evaluation=internal)


def _slow_write_hook() -> None:
    """Fault-injection point for the crash test: pause mid-write when the test asks (never set in production)."""
    delay = os.environ.get("CTHUB_TEST_PAUSE_BEFORE_RENAME")
    if delay:
        time.sleep(float(delay))
