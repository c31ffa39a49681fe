"""`cthub demo`: make the demo hub and its release, then serve the explorer (the only command that does all three,
which is why it lives above the web rather than in `release`)."""

from __future__ import annotations

from pathlib import Path

import typer

from cthub.cli_options import HOME, Handled, console, err, friendly_errors
from cthub.release.cli_output import print_result, progress_bar, release_errors


def demo_command(
    home: Path | None = HOME,
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the explorer when the release is made."),
    seed: int = typer.Option(0, "--seed", help="Seed for the sample data and the non-private random steps."),
    scale: float = typer.Option(1.0, "--scale", min=0.001, help="Size of the sample exports (1.0 = 38,000 records)."),
    port: int = typer.Option(8000, "--port", help="Port for the explorer."),
) -> None:
    """Run the whole hub on sample data: exports -> init -> ingest -> release -> serve the explorer.

    Example: [bold]cthub demo --home ./demo-hub[/bold]   (or [bold]--no-serve --scale 0.1[/bold] for a quick check)
    """
    from cthub.config import hub_home
    from cthub.demo import run_demo
    from cthub.ingest.errors import IngestError

    with friendly_errors(Handled((IngestError,), 2, prefix="ingest failed: "), *release_errors()), \
            progress_bar() as update:
        result = run_demo(home, seed=seed, scale=scale, say=lambda s: err.print(s), progress=update)
    print_result(result.release)
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
    """Add `demo` to the `cthub` app."""
    app.command("demo")(demo_command)
