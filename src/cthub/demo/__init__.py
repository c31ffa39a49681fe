"""`cthub demo`: the whole hub in one command, on generated sample exports.

Sample exports -> a hub with the four demo contributors (three send victim records, one victim–perpetrator
records) -> ingest all four -> the hotline sends its next export of all its calls (some updated, some new, a few
gone: ingested as a full export, so the store updates the changed cases and lists the missing ones) -> a release
-> (serve). Each step is the same code a real hub runs; the demo only
chooses inputs and a release configuration sized to finish in a few minutes on two cores. Re-running it on the
same folder is safe: files already imported are skipped and a new release version is made.

It sits above every stage and the web (it drives them all, as a data manager would), so no stage imports it; its
command (`demo.commands`) is registered by `cthub.cli`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cthub.config import CONFIG_FILE, HubConfig, hub_home, load_config, save_config

Say = Callable[[str], None]


@dataclass
class DemoResult:
    home: Path
    imported: dict[str, int] = field(default_factory=dict)  # contributor -> records accepted (0 if already there)
    update: dict[str, int] = field(default_factory=dict)  # the second export's case counts (new, updated, ...)
    release: object | None = None  # ReleaseResult


def demo_config(name: str = "cthub demo") -> HubConfig:
    """The demo hub: the four sample contributors and the default (CTDC-like) release parameters."""
    from cthub.ingest.contributors import DEMO_CONTRIBUTORS

    return HubConfig(name=name, contributors=list(DEMO_CONTRIBUTORS))


def run_demo(
    home: str | os.PathLike[str] | None = None,
    seed: int = 0,
    scale: float = 1.0,
    say: Say = print,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoResult:
    """Build the demo hub in `home` and make a release; returns where everything is."""
    from cthub.ingest.errors import AlreadyImported
    from cthub.ingest.service import ingest_file
    from cthub.release.pipeline import run_release
    from cthub.sample.contributors import FILES, UPDATE_CONTRIBUTOR, write_sample_exports, write_update_export
    from cthub.store import Store

    folder = hub_home(home)
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(home=folder)
    exports = folder / "sample-exports"
    say(f"writing sample contributor exports (scale {scale:g}, seed {seed}) to {exports}")
    files = write_sample_exports(exports, seed=seed, scale=scale)
    if (folder / CONFIG_FILE).exists():
        config = load_config(folder)
        say(f"using the existing {folder / CONFIG_FILE}")
    else:
        config = demo_config()
        save_config(config, folder)
        say(f"wrote {folder / CONFIG_FILE} with the demo contributors")
    store = Store.open(folder)
    for contributor in (c.id for c in config.contributors):
        path = files.get(contributor) or exports / FILES.get(contributor, "")
        if not Path(path).is_file():
            say(f"{contributor}: no sample export, skipped")
            continue
        try:
            batch = ingest_file(store, contributor, path)
        except AlreadyImported:
            say(f"{contributor}: {Path(path).name} already imported, skipped")
            result.imported[contributor] = 0
            continue
        accepted = int(getattr(batch, "accepted", 0) or 0)
        result.imported[contributor] = accepted
        say(f"{contributor}: imported {Path(path).name} ({accepted:,} records accepted)")
    if any(c.id == UPDATE_CONTRIBUTOR for c in config.contributors):
        update, _ = write_update_export(exports, seed=seed, scale=scale)
        try:
            batch = ingest_file(store, UPDATE_CONTRIBUTOR, update, export="full")
        except AlreadyImported:
            say(f"{UPDATE_CONTRIBUTOR}: {update.name} already imported, skipped")
        else:
            cases = batch.cases
            missing = sum(int(m["cases"]) for m in cases.get("missing", []))
            result.update = {k: int(cases.get(k, 0)) for k in ("new", "updated", "unchanged")} | {"missing": missing}
            say(f"{UPDATE_CONTRIBUTOR}: second export {update.name}: {cases.get('new', 0):,} new, "
                f"{cases.get('updated', 0):,} updated, {cases.get('unchanged', 0):,} unchanged cases; {missing:,} "
                "stored cases are not in it and are kept (--remove-missing would supersede them)")
    result.release = run_release(folder, config, seed=seed, progress=progress)
    return result
