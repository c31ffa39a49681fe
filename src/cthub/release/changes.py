"""How many records changed since the last classic release (the classic profile's guard against differencing).

Two k-anonymized releases of D and of D plus one record differ exactly in that record's row and in the threshold
cells it moves: comparing them reveals the person. A classic release is therefore refused when fewer than
`deid.min_changed_records` (default k) records changed since the last published classic release. The comparison
uses fingerprints (a 64-bit hash of each record's standard values), kept with the internal evaluation under
`CTHUB_HOME/evaluations/<version>/`, never in a release folder.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from cthub.release.reader import Release, evaluation_dir, published_versions, releases_dir, version_key

FILE = "fingerprints.json"


def fingerprints(tables: dict[str, tuple[pd.DataFrame, Any]]) -> dict[str, list[str]]:
    """Per table, one 64-bit digest per record (pandas' vectorized row hash over the sorted standard columns, as
    hex), compared as multisets: 38,000 records take well under a second."""
    out: dict[str, list[str]] = {}
    for name, (df, _) in tables.items():
        frame = df[sorted(df.columns)].astype("string").fillna("\x00")
        digests = pd.util.hash_pandas_object(frame, index=False, hash_key=f"cthub-{name}"[:16].ljust(16, "-"))
        out[name] = sorted(f"{int(v):016x}" for v in digests.to_numpy(dtype="uint64"))
    return out


def save_fingerprints(folder: Path, profile: str, prints: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    path.write_text(json.dumps({"profile": profile, "tables": prints}), encoding="utf-8")
    return path


def changed_since_last_classic(home: Path, store: Any, prints: dict[str, list[str]]) -> int | None:
    """Records added, removed or changed since the newest published classic release; None when there is none."""
    for version in sorted(published_versions(home), key=version_key, reverse=True):
        try:
            rel = Release(releases_dir(home) / version)
        except LookupError:
            continue
        if rel.meta.get("profile") != "classic":
            continue
        file = evaluation_dir(home, version) / FILE
        if not file.is_file():
            return 0  # a classic release whose fingerprints are gone: assume nothing changed (the safe side)
        before = json.loads(file.read_text(encoding="utf-8")).get("tables") or {}
        changed = 0
        for name in set(before) | set(prints):
            a, b = Counter(before.get(name) or []), Counter(prints.get(name) or [])
            changed += sum(((a - b) + (b - a)).values())
        return changed
    return None
