"""The store package keeps the front it had as one module, and stays a set of small modules with one job each."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import cthub.store
from cthub.store import Store

PACKAGE = Path(cthub.store.__file__).parent
# every public name `cthub.store` offered when it was one module (callers import these)
FRONT = ["STORE_FILE", "RECORD_PREFIX", "META_COLUMNS", "CASE_COLUMNS", "EXPORT_MODES", "BATCH_STATUSES",
         "RELEASE_STATUSES", "USER_FIELDS", "LOCK_WAIT_SECONDS", "PRIVATE_FOLDERS", "PRIVATE_FILES", "make_private",
         "StoreError", "StoreLocked", "DuplicateBatch", "UnknownBatch", "UnknownCase", "Batch", "Store"]
METHODS = ["open", "meta_get", "meta_set", "home", "compact", "find_batch", "add_batch", "preview_cases",
           "set_report_dir", "records", "record_counts", "record_counts_by_contributor", "batches", "batch",
           "quarantine", "quarantine_size", "withdraw", "withdraw_case", "purge_superseded", "superseded_count",
           "ledger_add", "ledger", "ledger_spent_rho", "release_add", "release_set_status", "releases", "user_add",
           "user_get", "users", "user_update", "token_add", "token_get", "token_revoke", "tokens_revoke_user",
           "audit", "audit_log"]


def test_the_front_is_unchanged() -> None:
    assert [n for n in FRONT if not hasattr(cthub.store, n)] == []
    assert [m for m in METHODS if not hasattr(Store, m)] == []
    assert not any(hasattr(Store, name) for name in ("audit_delete", "audit_update"))  # the log stays append-only
    # the calls callers make keep their parameters (new ones are keyword arguments with defaults)
    assert list(inspect.signature(Store.records).parameters)[:4] == ["self", "table", "with_meta", "with_person"]
    add = inspect.signature(Store.add_batch).parameters
    assert all(p.kind is p.KEYWORD_ONLY for n, p in add.items() if n != "self")
    assert [n for n, p in add.items() if n != "self" and p.default is p.empty] == ["contributor", "sha256", "tables"]


def test_each_module_is_small_and_says_why_it_exists() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text))
        assert doc and len(doc) > 60, f"{path.name}: a docstring saying why the module exists"
        assert text.count("\n") <= 250, f"{path.name}: {text.count(chr(10))} lines; split it by concern"


def test_sql_stays_inside_the_store() -> None:
    """No module outside `cthub.store` talks to DuckDB (the contract: the store is the only package with SQL)."""
    src = PACKAGE.parent
    users = []
    for path in src.rglob("*.py"):
        if PACKAGE in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "duckdb" or n.startswith("duckdb.") for n in names):
                users.append(path.relative_to(src).as_posix())
    assert users == []
