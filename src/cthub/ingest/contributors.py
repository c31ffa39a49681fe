"""Contributors: registering one (with its mapping checked) and withdrawing one of its batches.

`cthub contributor add`/`cthub withdraw` and the admin and contributor web areas call these, so the command line
and the web refuse the same things and leave the same audit entries (counts and ids, never record values).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cthub.config import ConfigError, Contributor, HubConfig, load_config, save_config

if TYPE_CHECKING:
    from cthub.store import Store

# the four sample organizations `cthub demo` and `cthub init --demo` register (their exports: cthub.sample)
DEMO_CONTRIBUTORS = (
    Contributor(id="casesys", name="Case management system (XLSX export)", mapping="builtin:casesys"),
    Contributor(id="hotline", name="Hotline (CSV export)", mapping="builtin:hotline"),
    Contributor(id="htcds-ngo", name="NGO using the HTCDS template", mapping="builtin:htcds"),
    Contributor(id="prosecutions", name="Prosecution case tracking (CSV export)", mapping="builtin:prosecutions",
                tables=["victim_perpetrator"]),
)


def add_contributor(folder: Path, contributor_id: str, name: str, mapping: str) -> HubConfig:
    """Validate and save a new contributor in the hub's cthub.yaml; returns the new configuration. Raises
    ConfigError (bad id, duplicate) or an IngestError (a mapping that does not load: MappingError)."""
    from pydantic import ValidationError

    from cthub.ingest.mapping import load_mapping

    config = load_config(folder)
    load_mapping(mapping, folder)  # refuse a mapping that does not load
    try:
        entry = Contributor(id=contributor_id, name=name, mapping=mapping)
        config = HubConfig.model_validate({**config.model_dump(), "contributors": [
            *[c.model_dump() for c in config.contributors], entry.model_dump()]})
    except ValidationError as exc:
        raise ConfigError("; ".join(e["msg"] for e in exc.errors())) from None
    save_config(config, folder)
    return config


def withdraw_batch(store: Store, batch_id: str, actor: str | None, contributor: str | None = None,
                   **detail: Any) -> int:
    """Delete a batch's records for good (the store file is rewritten without them) and audit it; returns the
    records removed. With `contributor`, a batch of another organization is refused as if it did not exist
    (UnknownBatch), so a contributor cannot learn which batch ids others have. `detail` adds to the audit entry
    (e.g. `via` for the web). Raises StoreError for a batch already withdrawn."""
    from cthub.store import UnknownBatch

    batch = store.batch(batch_id)
    if contributor is not None and batch.contributor != contributor:
        raise UnknownBatch(f"no batch {batch_id!r}; `cthub status` lists the batches")
    removed = store.withdraw(batch.batch_id)
    store.audit(actor, "withdraw", batch.batch_id, {"records": removed, "contributor": batch.contributor, **detail})
    return removed
