"""Commands of cthub.release (placeholder until the stage lands)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `cthub` app."""
