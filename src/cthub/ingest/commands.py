"""`cthub init`, `cthub status`, `cthub ingest`, `cthub withdraw`, `cthub compact` and `cthub contributor add`.

Errors the user can fix (bad file, bad mapping, locked store) print one red line and exit 1, never a traceback:
a traceback could quote a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from cthub.cli_options import HOME, JSON, MAPPING_HOME, Handled, console, fail, friendly_errors, say_error
from cthub.cli_options import err as err_console
from cthub.config import (
    CONFIG_FILE,
    ConfigError,
    HubConfig,
    hub_home,
    load_config,
    require_hub,
    save_config,
)
from cthub.ingest.contributors import DEMO_CONTRIBUTORS, add_contributor

STEPS = ("hashing", "reading", "mapping", "storing", "reporting")


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Known errors become one message and exit code 1 (a file already imported: a note, exit 0)."""
    from cthub.ingest.errors import AlreadyImported, IngestError
    from cthub.store import StoreError

    with friendly_errors(Handled((AlreadyImported,), 0, notice=True), Handled((IngestError, StoreError, ConfigError))):
        yield


_require_hub = require_hub  # only `init` creates a hub


def init(
    home: Path = HOME,
    name: str = typer.Option("cthub", "--name", help="The hub's name, shown on its web pages and releases."),
    demo: bool = typer.Option(False, "--demo", help="Register the four sample contributors (casesys, hotline, "
                                                    "htcds-ngo, prosecutions)."),
) -> None:
    """Create a hub: cthub.yaml, an empty store and the hub key (.hub-key, mode 600: back it up with the hub).

    Example: cthub init --home ./my-hub --name "Regional hub" --demo
    """
    from cthub.ingest.keys import create_hub_key
    from cthub.store import Store

    with _friendly_errors():
        folder = hub_home(home)
        config_file = folder / CONFIG_FILE
        if config_file.exists():
            config = load_config(folder)
            console.print(f"{config_file} already exists; keeping it")
        else:
            config = HubConfig(name=name, contributors=list(DEMO_CONTRIBUTORS) if demo else [])
            save_config(config, folder)
            console.print(f"wrote {config_file}")
        store = Store.open(folder)
        console.print(f"store ready at {store.path}")
        key, made = create_hub_key(folder)
        if made:
            console.print(f"wrote the hub key {key} (it pseudonymizes case IDs; back it up with the hub, never "
                          "share it)")
        if not config.contributors:
            console.print("next: cthub contributor add ID --name NAME --mapping builtin:htcds")
        else:
            console.print("next: cthub ingest --contributor ID FILE")


def status(
    home: Path = HOME,
    limit: int = typer.Option(20, "--limit", help="How many recent batches to list."),
    as_json: bool = JSON,
) -> None:
    """Show contributors, batches, record counts and quarantine size.

    Example: cthub status --home ./my-hub
    Example: cthub status --json | jq -r '.batches[0].batch_id'
    """
    from cthub.store import Store

    with _friendly_errors():
        folder = _require_hub(home)
        config = load_config(folder)
        store = Store.open(folder)
        batches = store.batches()
        counts = store.record_counts_by_contributor()
        if as_json:
            _status_json(folder, config, store, batches, counts, limit)
            return
        c = RichTable(title=f"Hub {config.name} ({folder})")
        for col in ("Contributor", "Name", "Mapping", "Active batches", "Cases", "Records"):
            c.add_column(col)
        known = {x.id for x in config.contributors}
        ids = [x.id for x in config.contributors] + sorted({b.contributor for b in batches} - known)
        for cid in ids:
            conf = next((x for x in config.contributors if x.id == cid), None)
            active = sum(1 for b in batches if b.contributor == cid and b.status == "active")
            mine = counts[counts["contributor"] == cid] if len(counts) else counts
            records = int(mine["records"].sum()) if len(mine) else 0
            cases = int(mine["cases"].sum()) if len(mine) else 0
            c.add_row(cid, conf.name if conf else "(not in cthub.yaml)", conf.mapping if conf else "-", str(active),
                      f"{cases:,}", f"{records:,}")
        console.print(c)
        b = RichTable(title=f"Batches (newest {min(limit, len(batches))} of {len(batches)})")
        for col in ("Batch", "Contributor", "File", "Imported", "Accepted", "Warned", "Rejected", "New", "Updated",
                    "Unchanged", "Status"):
            if col == "Batch":  # `withdraw` needs the whole id: never cut or wrapped
                b.add_column(col, no_wrap=True, min_width=max((len(x.batch_id) for x in batches[:limit]), default=5))
            else:
                b.add_column(col, overflow="fold")
        for x in batches[:limit]:
            cs = x.cases or {}
            b.add_row(x.batch_id, x.contributor, x.file_name or "-", f"{x.imported_at:%Y-%m-%d %H:%M}",
                      f"{x.accepted:,}", f"{x.warned:,}", f"{x.rejected:,}",
                      *(f"{cs[k]:,}" if k in cs else "-" for k in ("new", "updated", "unchanged")),
                      x.status + (" (full)" if x.export == "full" else ""))
        console.print(b)
        totals = store.record_counts()
        t = RichTable(title="Records")
        t.add_column("Table")
        t.add_column("Records", justify="right")
        for table, n in sorted(totals.items()):
            t.add_row(table, f"{n:,}")
        t.add_row("quarantine", f"{store.quarantine_size():,}")
        superseded = store.superseded_count()
        if superseded:
            t.add_row("older versions of updated cases (cthub compact drops them)", f"{superseded:,}")
        console.print(t)


def _status_json(folder: Path, config: HubConfig, store: Any, batches: list[Any], counts: Any, limit: int) -> None:
    """`status --json`: the same facts as the tables, as one JSON object on stdout."""
    import json

    def _mine(cid: str, col: str) -> int:
        mine = counts[counts["contributor"] == cid] if len(counts) else counts
        return int(mine[col].sum()) if len(mine) else 0

    known = [c.id for c in config.contributors]
    ids = known + sorted({b.contributor for b in batches} - set(known))
    body = {
        "hub": config.name,
        "home": str(folder),
        "contributors": [{"id": cid, "mapping": next((c.mapping for c in config.contributors if c.id == cid), None),
                          "active_batches": sum(1 for b in batches if b.contributor == cid and b.status == "active"),
                          "cases": _mine(cid, "cases"), "records": _mine(cid, "records")} for cid in ids],
        "batches": [{"batch_id": b.batch_id, "contributor": b.contributor, "file": b.file_name,
                     "imported_at": b.imported_at.isoformat(timespec="seconds"), "accepted": b.accepted,
                     "warned": b.warned, "rejected": b.rejected, "status": b.status, "export": b.export,
                     "cases": b.cases or {}} for b in batches[:limit]],
        "records": dict(sorted(store.record_counts().items())),
        "quarantine": store.quarantine_size(),
        "superseded": store.superseded_count(),
    }
    typer.echo(json.dumps(body, indent=2, default=str))


def ingest(
    files: list[Path] = typer.Argument(..., help="CSV or XLSX files to import.", exists=False),
    contributor: str = typer.Option(..., "--contributor", "-c", help="Contributor id (see cthub status)."),
    mapping: str = typer.Option(None, "--mapping", "-m", help="Mapping YAML or builtin:NAME (default: the "
                                                               "contributor's mapping in cthub.yaml)."),
    replace: str = typer.Option(None, "--replace", help="Batch id this file replaces (its records are removed)."),
    check: bool = typer.Option(False, "--check", help="Validate and write the report only; store nothing."),
    full: bool = typer.Option(None, "--full/--incremental", help="Whether the file lists every case of the "
                              "contributor (full: stored cases missing from it are listed) or only new and changed "
                              "ones (default: the mapping's `export:`, else incremental)."),
    remove_missing: bool = typer.Option(False, "--remove-missing", help="With --full: supersede the stored cases "
                                        "the file lacks (they leave the current records)."),
    strict: bool = typer.Option(False, "--strict", help="Refuse a file that lacks any column the mapping reads "
                                "(by default a missing optional column only empties its variable, with a note)."),
    as_json: bool = JSON,
    home: Path = HOME,
) -> None:
    """Import contributor files: map them to the standard, validate, store case by case, and write a validation
    report. Cases already stored (same case ID) are updated when they changed.

    Example: cthub ingest --contributor hotline calls-2024.csv
    Example: cthub ingest --contributor casesys --full --remove-missing casesys-2025-q1.xlsx
    """
    from cthub.ingest.errors import AlreadyImported, IngestError
    from cthub.ingest.report import print_report
    from cthub.ingest.service import ingest_file
    from cthub.store import Store, StoreError

    if replace and len(files) > 1:
        fail("--replace takes one file", 2)
    failures = 0
    summaries: list[dict[str, object]] = []
    with _friendly_errors():
        store = Store.open(_require_hub(home))
    for file in files:
        try:
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                          console=err_console if as_json else console, transient=True,
                          disable=as_json) as bar:
                task = bar.add_task(f"{file.name}: starting", total=len(STEPS))

                rows_seen = [0]

                def step(name: str, rows: int = 0, _task: TaskID = task, _bar: Progress = bar, _file: Path = file,
                         _seen: list[int] = rows_seen) -> None:
                    _seen[0] += rows
                    counted = f" ({_seen[0]:,} rows)" if _seen[0] else ""
                    _bar.update(_task, description=f"{_file.name}: {name}{counted}", completed=STEPS.index(name))

                result = ingest_file(store, contributor, file, mapping, replace=replace, dry_run=check,
                                     progress=step, export=None if full is None else ("full" if full else
                                                                                      "incremental"),
                                     remove_missing=remove_missing, strict=strict)
            if as_json:
                summaries.append(result.summary())
            else:
                print_report(result.summary(), result.problems, console)
        except AlreadyImported as exc:
            if as_json:
                summaries.append({"file": file.name, "already_imported": exc.batch_id})
            else:
                console.print(f"[yellow]{exc}[/]")
        except (IngestError, StoreError, ConfigError) as exc:
            say_error(f"{file.name}: {exc}")
            if as_json:
                summaries.append({"file": file.name, "error": str(exc)})
            failures += 1
    if as_json:
        import json

        typer.echo(json.dumps(summaries, indent=2, default=str))
    if failures:
        raise typer.Exit(1)


def withdraw(
    batch_id: str = typer.Argument(None, help="The batch to withdraw (see cthub status)."),
    contributor: str = typer.Option(None, "--contributor", "-c", help="With --case: the contributor whose case it "
                                                                       "is."),
    case: str = typer.Option(None, "--case", help="Withdraw one person: the contributor's case ID, as in its export "
                                                  "('-' reads it from standard input, keeping it out of the shell "
                                                  "history)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    home: Path = HOME,
) -> None:
    """Delete a batch's records, or one person's case, for good (e.g. a data-subject removal request).

    A withdrawn batch stays listed as withdrawn; a withdrawn case leaves no trace but an audit entry with counts.
    Either way the store file is rewritten so the values are gone from its bytes.

    Example: cthub withdraw hotline-20240105120000-a1b2c3 --yes
    Example: echo CS-2019-000123 | cthub withdraw --contributor casesys --case - --yes
    """
    from cthub.ingest.contributors import withdraw_batch
    from cthub.store import Store

    if case is not None or contributor is not None:
        if batch_id is not None or case is None or contributor is None:
            fail("withdraw takes a BATCH_ID, or --contributor and --case together", 2)
        _withdraw_case(contributor, case, yes, home)
        return
    if batch_id is None:
        fail("give the BATCH_ID to withdraw (cthub status lists them), or --contributor X --case ID for one person", 2)
    with _friendly_errors():
        store = Store.open(_require_hub(home))
        batch = store.batch(batch_id)
        if not yes and not typer.confirm(
            f"Delete the {batch.accepted:,} records and {batch.rejected:,} quarantined rows of {batch_id} "
            f"({batch.contributor}, {batch.file_name})? This cannot be undone"
        ):
            raise typer.Exit(1)
        n = withdraw_batch(store, batch_id, None)
        console.print(f"withdrew {batch_id}: {n:,} records deleted and the store file rewritten without them")
        console.print("releases already published still contain protected data derived from them; cut a new release")


def _withdraw_case(contributor: str, case: str, yes: bool, home: Path | None) -> None:
    """One person out of every table; nothing printed or logged names the case."""
    import sys

    from cthub.ingest.cases import withdraw_case
    from cthub.store import Store

    case_id = sys.stdin.readline().strip() if case == "-" else case
    with _friendly_errors():
        store = Store.open(_require_hub(home))
        if not yes and not typer.confirm(
            f"Delete every stored version of this case of {contributor} from every table? This cannot be undone"
        ):
            raise typer.Exit(1)
        removed = withdraw_case(store, contributor, case_id)
        total = sum(removed.values())
        store.audit(None, "withdraw-case", contributor, {"records": removed})
        tables = ", ".join(f"{n:,} in {t}" for t, n in sorted(removed.items()))
        console.print(f"withdrew one case of {contributor}: {total:,} records deleted ({tables}) and the store file "
                      "rewritten without them")
        console.print("releases already published still contain protected data derived from them; cut a new release")


def compact(
    home: Path = HOME,
) -> None:
    """Drop the older versions of updated cases (kept for audit until now) and rewrite the store file without them.

    Example: cthub compact --home ./my-hub
    """
    from cthub.store import Store

    with _friendly_errors():
        store = Store.open(_require_hub(home))
        n = store.purge_superseded()
        store.audit(None, "compact", None, {"superseded_rows": n})
        console.print(f"dropped {n:,} older versions of updated cases; the store file was rewritten")


contributor_app = typer.Typer(help="Manage the hub's contributors (cthub.yaml).", no_args_is_help=True)


@contributor_app.command("add")
def contributor_add(
    contributor_id: str = typer.Argument(..., metavar="ID", help="Short id: lowercase letters, digits, - and _."),
    name: str = typer.Option(..., "--name", help="The organization's name."),
    mapping: str = typer.Option("builtin:htcds", "--mapping", help="Mapping YAML (relative to the hub) or "
                                                                    "builtin:NAME."),
    home: Path = HOME,
) -> None:
    """Register a contributor and the mapping its files use.

    Example: cthub contributor add shelter-a --name "Shelter A" --mapping mappings/shelter-a.yaml
    """
    with _friendly_errors():
        folder = require_hub(home)
        add_contributor(folder, contributor_id, name, mapping)
        console.print(f"added contributor {contributor_id} ({mapping}) to {folder / CONFIG_FILE}")


@contributor_app.command("list")
def contributor_list(
    home: Path = HOME,
) -> None:
    """List contributors and their mappings.

    Example: cthub contributor list
    """
    with _friendly_errors():
        config = load_config(require_hub(home))
        t = RichTable()
        for col in ("Id", "Name", "Mapping"):
            t.add_column(col)
        for c in config.contributors:
            t.add_row(c.id, c.name, c.mapping)
        console.print(t)


mapping_app = typer.Typer(help="Write and try mapping files (how a contributor's export becomes the standard).",
                          no_args_is_help=True)


@mapping_app.command("draft")
def mapping_draft(
    file: Path = typer.Argument(..., help="A contributor's CSV or XLSX export."),
    table: str = typer.Option("victims", "--table", help="The standard table the file fills."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the draft here (default: print it)."),
    name: str = typer.Option(None, "--name", help="The mapping's name (default: from the file name)."),
) -> None:
    """Propose a commented mapping for a file: columns matched to standard variables, values: maps from its
    distinct values, flags from multi-select columns, likely identifiers listed so they are never read.

    Example: cthub mapping draft shelter-export.xlsx --table victims -o mappings/shelter.yaml
    """
    from cthub.ingest.drafting import draft_mapping

    with _friendly_errors():
        text = draft_mapping(file, table_name=table, name=name)
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            console.print(f"wrote {out}; check the lines marked CHECK, then: cthub mapping check {file} {out}")


@mapping_app.command("check")
def mapping_check(
    file: Path = typer.Argument(..., help="A contributor's CSV or XLSX export."),
    mapping: str = typer.Argument(..., help="Mapping YAML or builtin:NAME."),
    as_json: bool = JSON,
    home: Path = MAPPING_HOME,
) -> None:
    """Dry run of a mapping on a file; nothing is stored: per variable the share of rows that get a value and the
    values that do not map (with counts), and what would be quarantined.

    Example: cthub mapping check shelter-export.xlsx mappings/shelter.yaml
    """
    import json

    from cthub.ingest.drafting import check_mapping

    with _friendly_errors():
        res = check_mapping(file, mapping, home=hub_home(home) if home else None)
    if as_json:
        typer.echo(json.dumps(res, indent=2, default=str))
        return
    console.print(f"{res['file']} with mapping {res['mapping']} ({res['table']}): {res['rows']:,} rows, "
                  f"{res['accepted']:,} would be accepted, {res['quarantined']:,} quarantined")
    t = RichTable(title="Variables")
    for col in ("Variable", "Column", "Rows with a value", "Values that do not map (count)"):
        t.add_column(col, overflow="fold")
    for var, info in res["variables"].items():
        bad = "; ".join(f"{u['value']} ({u['count']:,})" for u in info["unmapped"][:5])
        t.add_row(var, str(info["column"] or "missing"), f"{info['share']:.0%}", bad or "-")
    console.print(t)
    for reason, n in res["quarantine_reasons"].items():
        console.print(f"[yellow]quarantined:[/] {n:,} row(s): {reason}")
    for note in res["notes"]:
        console.print(f"[yellow]note:[/] {note}")
    if res["columns_unmapped"]:
        console.print("[yellow]columns nothing reads:[/] " + ", ".join(map(repr, res["columns_unmapped"])))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("init")(init)
    app.command("status")(status)
    app.command("ingest")(ingest)
    app.command("withdraw")(withdraw)
    app.command("compact")(compact)
    app.add_typer(contributor_app, name="contributor")
    app.add_typer(mapping_app, name="mapping")
