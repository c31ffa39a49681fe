"""What `cthub release` and `cthub demo` print: the progress bar, the gate table and the next step, and which
release errors become one line with which exit code. Shared by the two commands (which live in different
modules) without either importing the other's `commands` module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from cthub.cli_options import Handled, console, err


def release_errors() -> tuple[Handled, ...]:
    """Errors of a release a data manager can fix: refusals (undeclared output 4, budget 3) and errors (2)."""
    from cthub.config import ConfigError
    from cthub.release.budget import BudgetRefused
    from cthub.release.pipeline import ReleaseError
    from cthub.release.reader import ReleaseNotFound
    from cthub.release.statement import UndeclaredOutput
    from cthub.store import StoreError

    return (Handled((UndeclaredOutput,), 4, "refused"), Handled((BudgetRefused,), 3, "refused"),
            Handled((ReleaseError, ReleaseNotFound, StoreError, ConfigError), 2))


@contextmanager
def progress_bar() -> Iterator[Any]:
    """A progress bar on stderr; yields `update(what, done, total)` (the pipeline's progress callback)."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task("starting", total=None)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield update
        bar.update(task, description="done", completed=bar.tasks[0].total or 1)


def print_result(res: Any) -> None:
    """The gates, what the release spent, where its files are, and what to do next."""
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
