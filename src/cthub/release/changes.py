"""How many persons changed between classic releases (the classic profile's guard against differencing).

Two k-anonymized releases of D and of D plus one person differ exactly in that person's rows and in the threshold
cells they move: comparing them reveals the person. A classic release is therefore refused when, for some table,
fewer than `deid.min_changed_records` (default k) persons changed since ANY earlier classic release that is or was
public or may still become so (published, draft or discarded: a draft can be published later, a discarded one was
downloadable while it was out), and the same check runs again when a draft is published.

Fingerprints are per person and keyed by the hub key (`.hub-key`): {keyed digest of the person key: keyed digest of
the person's rows}, so the file is no membership oracle for anyone without the key. They are kept with the internal
evaluation under `CTHUB_HOME/evaluations/<version>/` (mode 600), never in a release folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cthub.release.reader import evaluation_dir, list_releases

FILE = "fingerprints.json"
HUB_KEY_FILE = ".hub-key"


def hub_secret(home: Path, purpose: str) -> bytes | None:
    """A secret derived from the hub key for one purpose, or None for a hub without a key (e.g. made in tests)."""
    path = Path(home) / HUB_KEY_FILE
    if not path.is_file():
        return None
    return hmac.new(path.read_bytes(), purpose.encode(), hashlib.sha256).digest()


def stable_seed(home: Path, purpose: str) -> int | None:
    """A seed that is the same in every release of this hub and unknown without the hub key (for the per-person row
    bound: the rows a person keeps must not change from one release to the next, or successive releases together
    would carry more than the bound)."""
    secret = hub_secret(home, purpose)
    return None if secret is None else int.from_bytes(secret[:8], "big")


def _hash_key(secret: bytes | None, table: str) -> str:
    if secret is None:
        return hashlib.sha256(f"cthub-{table}".encode()).hexdigest()[:16]
    return hmac.new(secret, table.encode(), hashlib.sha256).hexdigest()[:16]


def fingerprints(tables: dict[str, tuple[pd.DataFrame, pd.Series | None]], secret: bytes | None = None
                 ) -> dict[str, dict[str, str]]:
    """Per table {person digest: rows digest}. Without person keys every row is its own person."""
    out: dict[str, dict[str, str]] = {}
    for name, (df, persons) in tables.items():
        key = _hash_key(secret, name)
        frame = df[sorted(df.columns)].astype("string").fillna("\x00")
        rows = pd.util.hash_pandas_object(frame, index=False, hash_key=key).to_numpy(dtype="uint64")
        if persons is None:
            # a row is a person: its digest is its content, numbered among identical rows so duplicates stay apart
            content = pd.Series(rows)
            ids = content.astype(str) + ":" + content.groupby(content).cumcount().astype(str)
        else:
            ids = pd.Series(persons.astype("string").fillna("\x00").to_numpy())
        person_digest = pd.util.hash_pandas_object(pd.DataFrame({"p": ids.astype("string")}), index=False,
                                                   hash_key=key).to_numpy(dtype="uint64")
        # a person's rows, order-free: the sum of their row digests (mod 2^64, numpy's uint64 wraps)
        if len(rows) == 0:
            out[name] = {}
            continue
        order = np.argsort(person_digest, kind="stable")
        p_sorted, h_sorted = person_digest[order], rows[order]
        starts = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
        sums = np.add.reduceat(h_sorted, starts)
        out[name] = {f"{int(p):016x}": f"{int(h):016x}" for p, h in zip(p_sorted[starts], sums)}
    return out


def save_fingerprints(folder: Path, profile: str, prints: dict[str, dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"profile": profile, "tables": prints}, fh)
    os.chmod(path, 0o600)
    return path


def load_fingerprints(home: Path, version: str) -> dict[str, dict[str, str]] | None:
    file = evaluation_dir(home, version) / FILE
    if not file.is_file():
        return None
    tables = json.loads(file.read_text(encoding="utf-8")).get("tables") or {}
    return {t: v for t, v in tables.items() if isinstance(v, dict)}


def changed_persons(before: dict[str, str], after: dict[str, str]) -> int:
    """Persons added, removed, or whose rows changed."""
    return len(before.keys() ^ after.keys()) + sum(1 for p in before.keys() & after.keys() if before[p] != after[p])


def guard_violations(home: Path, prints: dict[str, dict[str, str]], needed: int, exclude: str | None = None
                     ) -> list[str]:
    """One message per (earlier classic release, table) with 0 < changed persons < needed; empty when none.

    Compared with every classic release that is, was or may become public (failed ones never can). A release whose
    fingerprints are gone counts as a violation: without them the change cannot be shown to be large enough.
    """
    problems = []
    for rel in list_releases(home, include_discarded=True):
        if rel.version == exclude or rel.meta.get("profile") != "classic" or rel.status == "failed":
            continue
        before = load_fingerprints(home, rel.version)
        if before is None:
            problems.append(f"release {rel.version} (classic) has no fingerprints to compare with")
            continue
        for table in sorted(set(before) | set(prints)):
            changed = changed_persons(before.get(table) or {}, prints.get(table) or {})
            if 0 < changed < needed:
                problems.append(f"{table}: only {changed} person(s) changed since classic release {rel.version}")
    return problems
