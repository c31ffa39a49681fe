"""The hub's store: one embedded DuckDB file (`CTHUB_HOME/store.duckdb`), and the only package that speaks SQL.

It holds harmonized records (one table per standard table, prefixed `rec_`), import batches, quarantined rows,
the privacy-budget ledger, the releases index, and the web's accounts, tokens and audit log. Each concern is a
module with a mixin; `Store` composes them, so callers keep one front: `from cthub.store import Store`.

- `connection`: opening the file (locks, retries, read-only mode, transactions, compaction, file modes)
- `schema`: the DDL, migrations of older files, record-table introspection
- `records`: record tables and reading current records; `cases`: case-by-case upsert, previews, withdrawing a
  person, superseded versions; `batches`: import batches; `quarantine`: rejected rows
- `ledger`: DP spends; `releases`: the releases index; `accounts`: users and tokens; `audit`: the audit log

The store does not read the standard: callers pass a table's columns (`add_batch(columns=...)`,
`records(table, columns=...)`). Record values never go into the audit log, the batch rows or an error.
"""

from __future__ import annotations

from cthub.store.accounts import USER_FIELDS, Accounts
from cthub.store.audit import Audit
from cthub.store.batches import BATCH_STATUSES, EXPORT_MODES, Batch, Batches
from cthub.store.cases import Cases
from cthub.store.connection import LOCK_WAIT_SECONDS, PRIVATE_FILES, PRIVATE_FOLDERS, STORE_FILE, make_private
from cthub.store.errors import DuplicateBatch, StoreError, StoreLocked, StoreReadOnly, UnknownBatch, UnknownCase
from cthub.store.ledger import Ledger
from cthub.store.quarantine import Quarantine
from cthub.store.records import Records
from cthub.store.releases import RELEASE_STATUSES, Releases
from cthub.store.schema import CASE_COLUMNS, META_COLUMNS, RECORD_PREFIX

__all__ = [
    "BATCH_STATUSES", "CASE_COLUMNS", "EXPORT_MODES", "LOCK_WAIT_SECONDS", "META_COLUMNS", "PRIVATE_FILES",
    "PRIVATE_FOLDERS", "RECORD_PREFIX", "RELEASE_STATUSES", "STORE_FILE", "USER_FIELDS", "Batch", "DuplicateBatch",
    "Store", "StoreError", "StoreLocked", "StoreReadOnly", "UnknownBatch", "UnknownCase", "make_private",
]


class Store(Batches, Cases, Records, Quarantine, Ledger, Releases, Accounts, Audit):
    """The hub's DuckDB file. Create with `Store.open(home)` (or `Store.open(home, read_only=True)` to only read);
    every method opens and closes its own connection."""
