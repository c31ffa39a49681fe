"""`cthub release`, `publish`, `discard`, `releases`, `diff` and `demo`.

Errors a data manager can fix (no records, budget exhausted, unknown version, failed gates) print one red line and
exit non-zero, never a traceback: a traceback could quote a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

console = Console()
err = Console(stderr=True)

HOME_OPTION = typer.Option(None, "--home", help="Hub folder (default: $CTHUB_HOME, else ./cthub-data).")


@contextmanager
def _friendly() -> Iterator[None]:
    from cthub.config import ConfigError
    from cthub.release.budget import BudgetRefused
    from cthub.release.pipeline import ReleaseError
    from cthub.release.reader import ReleaseNotFound
    from cthub.release.statement import UndeclaredOutput
    from cthub.store import StoreError

    try:
        yield
    except UndeclaredOutput as exc:
        err.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(4) from None
    except BudgetRefused as exc:
        err.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(3) from None
    except (ReleaseError, ReleaseNotFound, StoreError, ConfigError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None


@contextmanager
def _progress_bar() -> Iterator[Any]:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("starting", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield update
        bar.update(task, description="done", completed=bar.tasks[0].total or 1)


def _print_result(res: Any) -> None:
    for table, why in res.skipped.items():
        console.print(f"[yellow]skipped[/] {table}: {why}")
    t = RichTable(title=f"Release {res.version}: {res.status.upper()}")
    for col in ("Gate", "Table", "Result", "Value", "Limit"):
        t.add_column(col)
    for c in res.gates["checks"]:
        t.add_row(c["gate"], c["table"], "[green]pass[/]" if c["passed"] else "[red]FAIL[/]", str(c["value"]),
                  str(c["limit"]))
    console.print(t)
    b = res.privacy.get("budget", {})
    console.print(f"profile: {res.privacy.get('profile')}; unit of privacy: {res.privacy.get('unit')}")
    if res.privacy.get("epsilon") is not None:
        console.print(f"epsilon spent by this release: {res.privacy['epsilon']:.3g} (delta {res.privacy['delta']:g}); "
                      f"hub budget used: {b.get('spent_epsilon_after', 0):.3g} of {b.get('total_epsilon', 0):.3g}")
    else:
        console.print(f"no DP mechanism (classic profile): k={res.privacy.get('k')}, counts below "
                      f"{res.privacy.get('effective_threshold')} withheld")
    console.print(f"release folder:      {res.path}")
    console.print(f"public report:       {res.report}")
    if res.evaluation is not None:
        console.print(f"internal evaluation: {res.evaluation / 'report.html'} (raw-data metrics: admins only, "
                      "never publish)")
    if res.status == "failed":
        console.print("[red]The release failed its gates and was not published;[/] what is published is unchanged. "
                      "Read the report, adjust cthub.yaml, and run `cthub release` again.")
    elif res.status == "draft":
        console.print(f"Draft: review the report, then `cthub publish {res.version}` (or `cthub discard {res.version}`).")
    else:
        console.print("[green]Published.[/] `cthub serve` shows it.")


def release_command(
    home: Optional[Path] = HOME_OPTION,
    config: Optional[Path] = typer.Option(None, "--config", help="Use this cthub.yaml instead of the hub's."),
    draft: bool = typer.Option(False, "--draft", help="Write the release but do not publish it, even if it passes."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for the non-private random steps (tests, demos)."),
    membership: bool = typer.Option(True, "--membership-check/--no-membership-check",
                                    help="Estimate membership-inference risk with a shadow synthesizer (slower; "
                                         "internal evaluation only)."),
    override_reason: Optional[str] = typer.Option(
        None, "--override-reason",
        help="classic profile: release although fewer than k records changed since the last classic release; the "
             "reason is written to the audit log."),
) -> None:
    """Make a release of the profile in cthub.yaml (dp: DP synthetic data and aggregates; classic: k-anonymized
    microdata and threshold aggregates), with its privacy statement; publish it if it passes its gates.

    Example: [bold]cthub release --home ./cthub-data --draft[/bold]
    """
    from cthub.release.pipeline import run_release

    from cthub.config import require_hub

    with _friendly():
        require_hub(home)  # only `cthub init` creates a hub
    with _friendly(), _progress_bar() as update:
        res = run_release(home, config, draft=draft, seed=seed, progress=update, membership_check=membership,
                          override_reason=override_reason)
    _print_result(res)
    if res.status == "failed":
        raise typer.Exit(1)


def publish_command(
    version: str = typer.Argument(..., help="Release version, e.g. 2026.11.22"),
    home: Optional[Path] = HOME_OPTION,
    override_reason: Optional[str] = typer.Option(
        None, "--override-reason",
        help="classic profile: publish although another classic release differs from it by fewer than k persons; "
             "the reason is written to the audit log."),
) -> None:
    """Publish a draft release (it must have passed its gates and its checksums must verify).

    Example: [bold]cthub publish 2026.11.22[/bold]
    """
    from cthub.release.manage import PublishRefused, publish_release

    with _friendly():
        try:
            _, note = publish_release(home, version, override_reason=override_reason)
        except PublishRefused as exc:
            err.print(f"[red]refused:[/] {exc}")
            raise typer.Exit(1) from None
    if note:
        err.print(f"[yellow]note:[/] {note}")
    console.print(f"[green]published[/] {version}")


def discard_command(
    version: str = typer.Argument(..., help="Release version, e.g. 2026.11.22.2"),
    home: Optional[Path] = HOME_OPTION,
) -> None:
    """Withdraw a release: unpublish it and move its folder to releases/_discarded/ (kept for audit).

    Example: [bold]cthub discard 2026.11.22.2[/bold]
    """
    from cthub.release.manage import discard_release

    with _friendly():
        dest, note = discard_release(home, version)
    if note:
        err.print(f"[yellow]note:[/] {note}")
    console.print(f"discarded {version} (moved to {dest}); its privacy spend stays in the ledger")


def releases_command(
    home: Optional[Path] = HOME_OPTION,
    all_: bool = typer.Option(False, "--all", help="Include discarded releases."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List releases with status, date, epsilon, k and records.

    Example: [bold]cthub releases --all[/bold]
    """
    from cthub.release.reader import list_releases

    rows = [r.summary() for r in list_releases(home, include_discarded=all_)]
    if as_json:  # plain JSON on stdout (never wrapped at the terminal's width), for scripts
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print("no releases yet: run `cthub release` (or `cthub demo`)")
        return
    t = RichTable(title="Releases (newest first)")
    for col in ("Version", "Status", "Created", "Epsilon", "k", "Records"):
        if col == "Version":  # `publish`/`diff` need the whole version: never cut or wrapped
            t.add_column(col, no_wrap=True, min_width=max(len(str(r["version"])) for r in rows))
        else:
            t.add_column(col, overflow="fold")
    colors = {"published": "green", "failed": "red", "draft": "yellow", "discarded": "dim"}
    for r in rows:
        eps = "–" if r["epsilon"] is None else f"{r['epsilon']:.3g}"
        recs = ", ".join(f"{k}: {v:,}" for k, v in r["records"].items() if v is not None)
        t.add_row(r["version"], f"[{colors.get(r['status'], 'white')}]{r['status']}[/]", str(r["created"]), eps,
                  str(r["k"]), recs)
    console.print(t)


def diff_command(
    a: str = typer.Argument(..., help="Older release version."),
    b: str = typer.Argument(..., help="Newer release version."),
    home: Optional[Path] = HOME_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Show what changed between two releases: parameters, record counts, files, metrics.

    Example: [bold]cthub diff 2026.11.21 2026.11.22[/bold]
    """
    from cthub.release.diff import diff_releases
    from cthub.release.reader import get_release

    with _friendly():
        d = diff_releases(get_release(home, a), get_release(home, b))
    if as_json:
        console.print_json(json.dumps(d, default=str))
        return
    t = RichTable(title=f"Parameters and privacy: {a} -> {b}")
    for col in ("Name", a, b):
        t.add_column(col)
    for row in d["privacy"] + d["parameters"]:
        t.add_row(row["name"], str(row["a"]), str(row["b"]))
    console.print(t if t.row_count else "parameters: identical")
    r = RichTable(title="Records")
    for col in ("Table", a, b):
        r.add_column(col)
    for row in d["records"]:
        r.add_row(row["table"], str(row["a"]), str(row["b"]))
    console.print(r)
    f = d["files"]
    console.print(f"files: {len(f['added'])} added, {len(f['removed'])} removed, {len(f['changed'])} changed, "
                  f"{len(f['unchanged'])} unchanged")
    for kind in ("added", "removed", "changed"):
        for name in f[kind]:
            console.print(f"  {kind:8} {name}")
    m = RichTable(title="Metrics")
    for col in ("Table", "Metric", a, b, "Change"):
        m.add_column(col)
    for row in d["metrics"]:
        fmt = (lambda v: "–" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v)))
        m.add_row(row["table"], row["metric"], fmt(row["a"]), fmt(row["b"]), fmt(row["delta"]))
    console.print(m)


def demo_command(
    home: Optional[Path] = typer.Option(None, "--home", help="Hub folder for the demo (default: $CTHUB_HOME, "
                                                             "else ./cthub-data)."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the explorer when the release is made."),
    seed: int = typer.Option(0, "--seed", help="Seed for the sample data and the non-private random steps."),
    scale: float = typer.Option(1.0, "--scale", min=0.001, help="Size of the sample exports (1.0 = 38,000 records)."),
    port: int = typer.Option(8000, "--port", help="Port for the explorer."),
) -> None:
    """Run the whole hub on sample data: exports -> init -> ingest -> release -> serve the explorer.

    Example: [bold]cthub demo --home ./demo-hub[/bold]   (or [bold]--no-serve --scale 0.1[/bold] for a quick check)
    """
    from cthub.config import hub_home
    from cthub.ingest.errors import IngestError
    from cthub.release.demo import run_demo

    with _friendly(), _progress_bar() as update:
        try:
            result = run_demo(home, seed=seed, scale=scale, say=lambda s: err.print(s), progress=update)
        except IngestError as exc:
            err.print(f"[red]error:[/] ingest failed: {exc}")
            raise typer.Exit(2) from None
    _print_result(result.release)
    folder = hub_home(home)
    if not serve:
        console.print(f"serve it with: cthub serve --home {folder}")
        return
    try:
        from cthub.web.server import serve as serve_web
    except ImportError:
        console.print(f"the web explorer is not installed; serve it later with: cthub serve --home {folder}")
        return
    console.print(f"serving the explorer on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    serve_web(folder, port=port)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("release")(release_command)
    app.command("publish")(publish_command)
    app.command("discard")(discard_command)
    app.command("releases")(releases_command)
    app.command("diff")(diff_command)
    app.command("demo")(demo_command)
