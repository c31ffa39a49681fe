"""Quarantine: the rows a batch rejected, with their reasons, kept so the contributor can fix and resend them.

The `data` column holds the mapped non-identifier values of the row as JSON (identifiers are dropped before
anything is stored); it goes when the batch is withdrawn or replaced.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from cthub.store.connection import StoreBase
from cthub.store.sql import one


def insert_quarantine(con: duckdb.DuckDBPyConnection, batch_id: str, quarantine: pd.DataFrame) -> None:
    """Add a batch's rejected rows (columns `row_number`, `reasons` and optionally `data`)."""
    q = pd.DataFrame(
        {
            "batch_id": batch_id,
            "row_number": quarantine["row_number"].astype("int64"),
            "reasons": quarantine["reasons"].astype("string"),
            "data": quarantine["data"].astype("string")
            if "data" in quarantine
            else pd.Series(pd.NA, index=quarantine.index, dtype="string"),
        }
    )
    con.register("_quarantine", q)
    con.execute("INSERT INTO quarantine SELECT batch_id, row_number, reasons, data FROM _quarantine")
    con.unregister("_quarantine")


class Quarantine(StoreBase):
    """Reading quarantined rows (the web shows a contributor those of their own batches)."""

    def quarantine(self, batch_id: str | None = None) -> pd.DataFrame:
        """Quarantined rows (row number, reasons, JSON of mapped non-identifier values) of a batch, or of all."""
        with self._connect() as con:
            if batch_id is None:
                df = con.execute("SELECT * FROM quarantine ORDER BY batch_id, row_number").fetch_df()
            else:
                df = con.execute("SELECT * FROM quarantine WHERE batch_id = ? ORDER BY row_number",
                                 [batch_id]).fetch_df()
        for c in ("batch_id", "reasons", "data"):
            df[c] = df[c].astype("string")
        return df

    def quarantine_size(self) -> int:
        with self._connect() as con:
            return int(one(con.execute("SELECT count(*) FROM quarantine")))
