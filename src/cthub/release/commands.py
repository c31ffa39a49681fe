"""`cthub release`, `publish`, `discard`, `releases` and `diff`.

Errors a data manager can fix (no records, budget exhausted, unknown version, failed gates) print one red line and
exit non-zero, never a traceback: a traceback could quote a record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table as RichTable

from cthub.cli_options import HOME, JSON, Handled, console, err, friendly_errors
from cthub.release.cli_output import print_result, progress_bar, release_errors


@contextmanager
def _friendly() -> Iterator[None]:
    with friendly_errors(*release_errors()):
        yield


def release_command(
    home: Path | None = HOME,
    config: Path | None = typer.Option(None, "--config", help="Use this cthub.yaml instead of the hub's."),
    draft: bool = typer.Option(False, "--draft", help="Write the release but do not publish it, even if it passes."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for the non-private random steps (tests, demos)."),
    membership: bool = typer.Option(True, "--membership-check/--no-membership-check",
                                    help="Estimate membership-inference risk with a shadow synthesizer (slower; "
                                         "internal evaluation only)."),
    override_reason: str | None = typer.Option(
        None, "--override-reason",
        help="classic profile: release although fewer than k records changed since the last classic release; the "
             "reason is written to the audit log."),
) -> None:
    """Make a release of the profile in cthub.yaml (dp: DP synthetic data and aggregates; classic: k-anonymized
    microdata and threshold aggregates), with its privacy statement; publish it if it passes its gates.

    Example: [bold]cthub release --home ./cthub-data --draft[/bold]
    """
    from cthub.config import require_hub
    from cthub.release.pipeline import run_release

    with _friendly():
        require_hub(home)  # only `cthub init` creates a hub
    with _friendly(), progress_bar() as update:
        res = run_release(home, config, draft=draft, seed=seed, progress=update, membership_check=membership,
                          override_reason=override_reason)
    print_result(res)
    if res.status == "failed":
        raise typer.Exit(1)


def publish_command(
    version: str = typer.Argument(..., help="Release version, e.g. 2026.11.22"),
    home: Path | None = HOME,
    override_reason: str | None = typer.Option(
        None, "--override-reason",
        help="classic profile: publish although another classic release differs from it by fewer than k persons; "
             "the reason is written to the audit log."),
) -> None:
    """Publish a draft release (it must have passed its gates and its checksums must verify).

    Example: [bold]cthub publish 2026.11.22[/bold]
    """
    from cthub.release.manage import PublishRefused, publish_release

    with friendly_errors(Handled((PublishRefused,), 1, "refused"), *release_errors()):
        _, note = publish_release(home, version, override_reason=override_reason)
    if note:
        err.print(f"[yellow]note:[/] {note}")
    console.print(f"[green]published[/] {version}")


def discard_command(
    version: str = typer.Argument(..., help="Release version, e.g. 2026.11.22.2"),
    home: Path | None = HOME,
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
    home: Path | None = HOME,
    all_: bool = typer.Option(False, "--all", help="Include discarded releases."),
    as_json: bool = JSON,
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
    home: Path | None = HOME,
    as_json: bool = JSON,
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
        m.add_row(row["table"], row["metric"], _fmt(row["a"]), _fmt(row["b"]), _fmt(row["delta"]))
    console.print(m)


def _fmt(v: object) -> str:
    return "–" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
    app.command("release")(release_command)
    app.command("publish")(publish_command)
    app.command("discard")(discard_command)
    app.command("releases")(releases_command)
    app.command("diff")(diff_command)
