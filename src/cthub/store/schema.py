"""The store's tables: the DDL, the migrations that bring an older file up to date, and record-table introspection.

One place says what the file holds, so opening, upgrading and checking a store (read-only stores refuse an
un-upgraded file rather than writing to it) all agree. Record tables are `rec_<standard table>`; their standard
columns come from the caller (the store does not read the standard), the meta and case columns are the store's.
"""

from __future__ import annotations

import duckdb

from cthub.store.sql import ident

SCHEMA_VERSION = "1"
RECORD_PREFIX = "rec_"
META_COLUMNS = ("batch_id", "contributor", "imported_at", "row_number")
# never returned as standard columns: the case key (a keyed pseudonym of contributor + case ID; the ID itself is
# never stored) and the batch whose newer version of the case replaced this row (NULL: the current version)
CASE_COLUMNS = ("case_key", "superseded_by")
# columns added to `batches` after the first stores were made (when cases were keyed)
LATER_BATCH_COLUMNS = ("export", "cases")
# ledgers made before private value selection's delta was recorded apart (it adds up across releases, unlike rho's
# conversion delta): their spends selected nothing (releases had public domains), so 0 is their true value
LATER_LEDGER_COLUMNS = {"delta_selection": "DOUBLE DEFAULT 0"}

DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR PRIMARY KEY,
    contributor VARCHAR NOT NULL,
    file_name VARCHAR,
    sha256 VARCHAR NOT NULL,
    mapping VARCHAR,
    mapping_version VARCHAR,
    standard_version VARCHAR,
    tables VARCHAR,
    imported_at TIMESTAMP NOT NULL,
    rows_total BIGINT,
    accepted BIGINT,
    warned BIGINT,
    rejected BIGINT,
    status VARCHAR NOT NULL,
    replaces VARCHAR,
    replaced_by VARCHAR,
    withdrawn_at TIMESTAMP,
    report_dir VARCHAR,
    export VARCHAR,
    cases VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id VARCHAR NOT NULL,
    row_number BIGINT,
    reasons VARCHAR,
    data VARCHAR
);
CREATE TABLE IF NOT EXISTS ledger (
    id BIGINT PRIMARY KEY,
    created TIMESTAMP NOT NULL,
    release VARCHAR NOT NULL,
    table_name VARCHAR,
    mechanism VARCHAR NOT NULL,
    epsilon DOUBLE,
    delta DOUBLE,
    rho DOUBLE NOT NULL,
    delta_selection DOUBLE DEFAULT 0
);
CREATE TABLE IF NOT EXISTS releases (
    version VARCHAR PRIMARY KEY,
    path VARCHAR,
    status VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    summary VARCHAR
);
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    contributor VARCHAR,
    display_name VARCHAR,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created TIMESTAMP NOT NULL,
    last_login TIMESTAMP
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    expires TIMESTAMP,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS audit (
    id BIGINT PRIMARY KEY,
    "at" TIMESTAMP NOT NULL,
    actor VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
"""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def record_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The standard tables that have a record table, by name (without the prefix)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_name LIKE 'rec\\_%' "
        "ESCAPE '\\' ORDER BY table_name"
    ).fetchall()
    return [r[0][len(RECORD_PREFIX) :] for r in rows]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A record table's standard columns in table order (meta and case columns left out)."""
    return [c for c in _columns(con, RECORD_PREFIX + table) if c not in META_COLUMNS and c not in CASE_COLUMNS]


def ensure_case_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add the case columns to a record table made before cases were keyed; old rows get fresh random keys
    (each its own case, as every row was then)."""
    name = ident(RECORD_PREFIX + table)
    present = set(_columns(con, RECORD_PREFIX + table))
    if "case_key" not in present:
        con.execute(f"ALTER TABLE {name} ADD COLUMN case_key VARCHAR")
        con.execute(f"UPDATE {name} SET case_key = replace(gen_random_uuid()::VARCHAR, '-', '') || "
                    "replace(gen_random_uuid()::VARCHAR, '-', '') WHERE case_key IS NULL")
    if "superseded_by" not in present:
        con.execute(f"ALTER TABLE {name} ADD COLUMN superseded_by VARCHAR")


def create_and_migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing and upgrade what an older cthub made; safe to run on every read-write open."""
    con.execute(DDL)
    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    for column in LATER_BATCH_COLUMNS:  # stores made before cases were keyed
        con.execute(f"ALTER TABLE batches ADD COLUMN IF NOT EXISTS {column} VARCHAR")
    for column, kind in LATER_LEDGER_COLUMNS.items():
        con.execute(f"ALTER TABLE ledger ADD COLUMN IF NOT EXISTS {column} {kind}")
    for table in record_tables(con):
        ensure_case_columns(con, table)


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What `create_and_migrate` would still change (empty when the file is up to date): a read-only store checks
    this instead of writing."""
    pending: list[str] = []
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    wanted = [line.split()[5] for line in DDL.splitlines() if line.startswith("CREATE TABLE")]
    pending += [f"table {t}" for t in wanted if t not in tables]
    if "batches" in tables:
        have = set(_columns(con, "batches"))
        pending += [f"batches.{c}" for c in LATER_BATCH_COLUMNS if c not in have]
    if "ledger" in tables:
        have = set(_columns(con, "ledger"))
        pending += [f"ledger.{c}" for c in LATER_LEDGER_COLUMNS if c not in have]
    for table in record_tables(con):
        have = set(_columns(con, RECORD_PREFIX + table))
        pending += [f"{RECORD_PREFIX}{table}.{c}" for c in CASE_COLUMNS if c not in have]
    return pending
