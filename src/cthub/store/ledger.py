"""The privacy-budget ledger: every DP spend of every release, so the hub knows what its releases have used up.

zCDP rho is what composes (by addition) and is what the budget is checked against; epsilon and delta are stored
beside it because they are what people read. The delta that private value selection spends is kept apart: it is a
failure probability outside zCDP, so it adds up across releases too and comes off the budget's delta.
"""

from __future__ import annotations

import pandas as pd

from cthub.store.connection import StoreBase
from cthub.store.errors import StoreError
from cthub.store.sql import now, one


class Ledger(StoreBase):
    """Appending spends and summing them."""

    def ledger_add(
        self,
        release: str,
        table: str | None,
        mechanism: str,
        epsilon: float | None,
        delta: float | None,
        rho: float,
        delta_selection: float = 0.0,
    ) -> int:
        """Record one DP spend (zCDP rho is what composes; epsilon/delta are what people read; `delta_selection` is
        the part of delta private value selection spent). Returns its id."""
        if rho < 0 or delta_selection < 0:
            raise StoreError(f"a privacy spend cannot be negative (rho={rho}, delta_selection={delta_selection})")
        with self._transaction() as con:
            next_id = int(one(con.execute("SELECT coalesce(max(id), 0) + 1 FROM ledger")))
            con.execute(
                "INSERT INTO ledger (id, created, release, table_name, mechanism, epsilon, delta, rho, delta_selection) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [next_id, now(), release, table, mechanism, epsilon, delta, float(rho), float(delta_selection)],
            )
        return next_id

    def ledger(self) -> pd.DataFrame:
        """Every spend, oldest first: id, created, release, table_name, mechanism, epsilon, delta, rho,
        delta_selection."""
        with self._connect() as con:
            return con.execute("SELECT * FROM ledger ORDER BY id").fetch_df()

    def ledger_spent_rho(self) -> float:
        """Total zCDP rho spent by all recorded releases (zCDP composes by addition)."""
        with self._connect() as con:
            return float(one(con.execute("SELECT coalesce(sum(rho), 0) FROM ledger")))

    def ledger_spent_selection_delta(self) -> float:
        """Total delta that private value selection has spent over all recorded releases (it adds up)."""
        with self._connect() as con:
            return float(one(con.execute("SELECT coalesce(sum(coalesce(delta_selection, 0)), 0) FROM ledger")))
