"""Case keys: a keyed pseudonym of (contributor, case ID), so a re-sent case can be recognized and one person can be
withdrawn, while the case ID itself is never stored.

`case_key = HMAC-SHA256(hub key, contributor + "\\x1f" + case ID)` as hex. The hub key is 32 random bytes in
`CTHUB_HOME/.hub-key` (mode 600), made by `cthub init` and kept apart from the web secret: whoever has the store
but not the key cannot test a guessed case ID against it. Back the key up with the hub: without it no re-sent case
matches its stored version and no case can be withdrawn by ID.

A hub made before keys existed gets its key on its first import (with a note in that import's report), as long as
no stored record was keyed yet; once records are keyed, a missing key file is an error that says to restore it,
because a new key would silently turn every re-sent case into a new one.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from cthub.ingest.errors import IngestError

HUB_KEY_FILE = ".hub-key"
KEY_BYTES = 32
SEPARATOR = "\x1f"


class HubKeyError(IngestError):
    """The hub key is missing or unreadable; the message says whether to run `cthub init` or restore a backup."""


def hub_key_path(home: str | os.PathLike[str]) -> Path:
    return Path(home) / HUB_KEY_FILE


def create_hub_key(home: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Make the hub key if there is none (32 bytes from the OS, mode 600); returns its path and whether it is new."""
    path = hub_key_path(home)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path, False
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(KEY_BYTES))
    os.chmod(path, 0o600)  # a umask cannot widen it, but be explicit
    return path, True


def load_hub_key(home: str | os.PathLike[str]) -> bytes:
    """The hub key, or HubKeyError saying what to do (never a value in the message)."""
    path = hub_key_path(home)
    if not path.is_file():
        raise HubKeyError(
            f"no hub key at {path}; a new hub gets one from `cthub init --home {Path(home)}`, an existing hub "
            f"must restore {HUB_KEY_FILE} from its backup (without it no stored case can be matched or withdrawn)"
        )
    data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise HubKeyError(f"the hub key {path} is damaged ({len(data)} bytes, expected {KEY_BYTES}); restore it "
                          "from the hub's backup")
    return data


def case_key(key: bytes, contributor: str, case_id: str) -> str:
    """The pseudonym of one case: HMAC-SHA256 of contributor and case ID under the hub key, as 64 hex digits."""
    return hmac.digest(key, f"{contributor}{SEPARATOR}{case_id}".encode(), "sha256").hex()


def normalize_case_ids(values: pd.Series) -> pd.Series:
    """Case IDs as text, trimmed; empty cells and spreadsheet floats such as 123.0 handled (missing -> pd.NA)."""
    text = values.astype("string").str.strip()
    text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)  # an XLSX number cell read as a float
    return text.where(text.notna() & (text != ""), pd.NA)


def case_keys(key: bytes, contributor: str, case_ids: pd.Series) -> tuple[pd.Series, int]:
    """One key per row: the HMAC of its case ID, or a fresh random key (never matchable) when it has none.

    Returns the keys (aligned with `case_ids`) and how many rows had no case ID. Each distinct ID is hashed once.
    """
    ids = normalize_case_ids(case_ids)
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    hashed = np.array([case_key(key, contributor, str(u)) for u in uniques] + [""], dtype=object)
    out = hashed[codes]
    missing = codes < 0
    n_missing = int(missing.sum())
    if n_missing:
        out[missing] = [secrets.token_hex(KEY_BYTES) for _ in range(n_missing)]
    return pd.Series(out, index=case_ids.index, dtype="string"), n_missing


def random_keys(n: int, index: pd.Index | None = None) -> pd.Series:
    """Fresh random keys for rows of a file whose mapping names no case-ID column."""
    return pd.Series([secrets.token_hex(KEY_BYTES) for _ in range(n)], index=index, dtype="string")


__all__ = ["HUB_KEY_FILE", "HubKeyError", "case_key", "case_keys", "create_hub_key", "hub_key_path",
           "load_hub_key", "normalize_case_ids", "random_keys"]
