"""Options and error handling every `cthub` command shares, defined once so they read the same everywhere.

A command module takes its options from here (`home: Path | None = HOME`) and wraps the work in
`friendly_errors(...)`, naming which errors a user can fix and the exit code each gives. Those become one red line
on stderr, never a traceback: a traceback could quote a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

console = Console()
err = Console(stderr=True)

HOME_HELP = "Hub folder (default: $CTHUB_HOME, else ./cthub-data)."
HOME = typer.Option(None, "--home", help=HOME_HELP)
# `cthub mapping check` needs no hub: without --home a relative mapping path is looked up in the working folder only
MAPPING_HOME = typer.Option(None, "--home", help="Hub folder, to resolve relative mapping paths (optional: without "
                                                 "it, only the working folder).")
JSON = typer.Option(False, "--json", help="Print JSON on stdout for scripts (whole ids, never a table).")


def say_error(message: object, label: str = "error") -> None:
    """`label: message` on stderr, the label in red. The message is printed as it is (never read as markup, never
    wrapped), so a bracket in it cannot vanish and a test or a script sees it whole."""
    err.print(Text.assemble((f"{label}:", "red"), " ", str(message)), soft_wrap=True)


def fail(message: str, code: int = 1, label: str = "error") -> NoReturn:
    """Print `label: message` on stderr and exit with `code`."""
    say_error(message, label)
    raise typer.Exit(code)


@dataclass(frozen=True)
class Handled:
    """Errors a user can fix, and how a command reports them: `label: message` in red on stderr and exit `code`.
    `prefix` goes before the message (`ingest failed: `); `notice=True` prints the message in yellow on stdout
    instead (e.g. a file already imported: nothing to fix)."""

    errors: tuple[type[BaseException], ...]
    code: int = 1
    label: str = "error"
    notice: bool = False
    prefix: str = ""


@contextmanager
def friendly_errors(*handled: Handled) -> Iterator[None]:
    """Turn the named errors into one line and an exit code; the first `Handled` that matches wins, anything else
    propagates unchanged."""
    try:
        yield
    except Exception as exc:  # re-raised below unless named
        rule = next((h for h in handled if isinstance(exc, h.errors)), None)
        if rule is None:
            raise
        if rule.notice:
            console.print(Text(str(exc), style="yellow"), soft_wrap=True)
        else:
            say_error(f"{rule.prefix}{exc}", rule.label)
        raise typer.Exit(rule.code) from None
