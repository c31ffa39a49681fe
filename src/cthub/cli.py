"""The `cthub` command.

Each stage owns its commands in its own `commands` module, which exposes `register(app)`. This file only puts
them together, in the order a data manager meets them, so no stage's options leak into another's module. No other
module imports a `commands` module; options and error handling the commands share are in `cthub.cli_options`.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="cthub",
    help="Counter-trafficking data hub: harmonize case records, protect them, prove and publish safe releases.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    pretty_exceptions_show_locals=False,  # never print record contents in a traceback
)

COMMAND_MODULES = (
    "cthub.ingest.commands",  # init, status, ingest, withdraw
    "cthub.deid.commands",  # kanon
    "cthub.synth.commands",  # synth
    "cthub.aggregates.commands",  # aggregates
    "cthub.evaluate.commands",  # evaluate
    "cthub.release.commands",  # release, publish, discard, releases, diff
    "cthub.demo.commands",  # demo
    "cthub.web.commands",  # serve, site
    "cthub.web.user_commands",  # user, token
    "cthub.standard.commands",  # standard codebook|dictionary|datapackage
    "cthub.sample.commands",  # sample generate
)


@app.callback()
def main() -> None:
    """Counter-trafficking data hub. Start with `cthub demo`, or `cthub init` for a hub of your own."""


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
