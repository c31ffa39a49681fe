"""Private value selection: values only one person holds stay out; the spend and its delta are booked."""

from __future__ import annotations

import pandas as pd
import pytest

from cthub.privacy import Budget
from cthub.privacy.selection import private_domain, selection_threshold


def test_private_domain_drops_unique_values_and_keeps_common_ones() -> None:
    s = pd.Series(["common"] * 500 + ["rare-unique"], dtype="string")
    budget = Budget(1.0)
    chosen, report = private_domain({"v": s}, budget, rho=0.5, delta=1e-9)
    assert chosen["v"] == ["common"]
    assert report["threshold"] > 2 and budget.spent == pytest.approx(0.5)


def test_private_selection_books_its_delta_and_allows_for_a_persons_rows() -> None:
    s = pd.Series(["common"] * 500 + ["rare-unique"] * 3, dtype="string")
    budget = Budget(1.0)
    chosen, report = private_domain({"v": s}, budget, rho=0.5, delta=1e-9, max_rows_per_person=3)
    assert chosen["v"] == ["common"]
    assert budget.spends == [("private value selection (v)", 0.5, 1e-9)] and budget.delta_spent == 1e-9
    # one person's 3 rows can put a value at 3: the threshold moves up by 2 and splits delta over 3 values
    assert report["threshold"] == pytest.approx(selection_threshold(report["sigma"], 1e-9, 3))
    assert selection_threshold(1.0, 1e-9, 3) > selection_threshold(1.0, 1e-9, 1) + 2
