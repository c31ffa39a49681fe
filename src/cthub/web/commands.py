"""`cthub serve` and `cthub site build` (`cthub user`/`token` are in `user_commands`)."""

from __future__ import annotations

from pathlib import Path

import typer

from cthub.cli_options import HOME, Handled, friendly_errors

site_app = typer.Typer(help="Build the public pages as a static site.", no_args_is_help=True)


def serve_command(
    home: Path | None = HOME,
    release: Path | None = typer.Option(None, "--release", help="Serve only this release folder (e.g. a draft)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (one per core is a good start)."),
) -> None:
    """Serve the public explorer, downloads and API.

    Example: cthub serve --home ./cthub-data --port 8000
    """
    from cthub.web.server import serve

    if release is not None and not (release / "release.json").is_file():
        raise typer.BadParameter(f"{release} is not a release folder (no release.json); pass a folder under "
                                 "CTHUB_HOME/releases/", param_hint="--release")
    serve(home, port=port, host=host, release=release, workers=workers)


@site_app.command("build")
def site_build(
    out: Path = typer.Option(..., "--out", help="Folder to write the site into (created; must be empty or new)."),
    home: Path | None = HOME,
    release: Path | None = typer.Option(None, "--release", help="Build the site of this release folder only."),
    with_files: bool = typer.Option(True, "--with-files/--no-files", help="Copy the release files for download."),
) -> None:
    """Write the public pages, their JSON data and the assets as a static site.

    Example: cthub site build --out ./site && python -m http.server -d ./site
    """
    from cthub.web.site import SiteError, build_site

    with friendly_errors(Handled((SiteError,), 1)):
        stats = build_site(out, home=home, release=release, with_files=with_files)
    typer.echo(f"wrote {stats['files']} files ({stats['bytes'] / 1e6:.1f} MB) to {out}")


def register(app: typer.Typer) -> None:
    """Add `serve` and `site` to the `cthub` app."""
    app.command("serve")(serve_command)
    app.add_typer(site_app, name="site")
