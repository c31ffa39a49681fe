"""Writing aggregate tables in the Synthetic Data Showcase's format (`cthub.tables.selections`): CSV + Parquet side
by side, and a privacy JSON when the counts came from a DP mechanism or a threshold rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def write_aggregates(frame: pd.DataFrame, out: str | Path, privacy: dict[str, Any] | None = None) -> list[Path]:
    """Write OUT.csv and OUT.parquet (and OUT.privacy.json); `out` may be given with or without an extension."""
    out = Path(out)
    if out.suffix in {".csv", ".parquet"}:
        out = out.with_suffix("")
    out.parent.mkdir(parents=True, exist_ok=True)
    csv, parquet = out.with_name(out.name + ".csv"), out.with_name(out.name + ".parquet")
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    written = [csv, parquet]
    if privacy is not None:
        js = out.with_name(out.name + ".privacy.json")
        js.write_text(json.dumps(privacy, indent=2, default=_json_default) + "\n", encoding="utf-8")
        written.append(js)
    return written


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")
