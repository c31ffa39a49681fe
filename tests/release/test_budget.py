"""The lifetime budget counts private value selection's delta, which adds up across releases (unlike rho's).

A release that selects values privately spends part of its delta outside zCDP. Over k releases the hub's guarantee is
(epsilon(sum rho, delta - sum of selection deltas), delta); the ledger summed rho only, so repeated selection could
take the hub past its stated delta without any check noticing.
"""

from __future__ import annotations

import duckdb
import pytest

from cthub.config import ReleaseConfig
from cthub.privacy.accounting import rho_from_epsilon
from cthub.release.budget import BudgetRefused, check_made, plan_release
from cthub.release.stages.base import Spend
from cthub.store import STORE_FILE, Store


def _cfg(total: float = 10.0, delta: float = 1e-6) -> ReleaseConfig:
    cfg = ReleaseConfig()
    cfg.budget.total_epsilon = total
    cfg.budget.delta = delta
    return cfg


def test_selection_deltas_already_spent_shrink_what_is_left() -> None:
    cfg = _cfg()
    plain = plan_release(cfg, [], spent_rho=0.0)
    after = plan_release(cfg, [], spent_rho=0.0, spent_selection_delta=5e-7)
    assert after.total_rho < plain.total_rho
    assert after.total_rho == pytest.approx(rho_from_epsilon(10.0, 5e-7))  # the rest of delta converts the rho


def test_a_release_that_fits_on_rho_alone_is_refused_once_selection_has_spent_delta() -> None:
    cfg = _cfg()
    spend = Spend("victims", "synth:mst", 9.0, 1e-6, 0.0)
    spend.rho = rho_from_epsilon(10.0, 1e-6) * 0.999  # just fits at the full delta
    plan_release(cfg, [spend], spent_rho=0.0)
    with pytest.raises(BudgetRefused):
        plan_release(cfg, [spend], spent_rho=0.0, spent_selection_delta=9e-7)


def test_the_release_is_checked_again_with_what_its_mechanisms_really_selected() -> None:
    cfg = _cfg()
    made = Spend("victims", "synth:mst", 9.0, 1e-6, rho_from_epsilon(10.0, 1e-6) * 0.999, delta_selection=1e-7)
    with pytest.raises(BudgetRefused):
        check_made(cfg, [made], spent_rho=0.0, spent_selection_delta=0.0)
    made.delta_selection = 0.0
    check_made(cfg, [made], spent_rho=0.0, spent_selection_delta=0.0)


def test_selection_that_uses_up_the_delta_is_refused_with_what_to_do() -> None:
    with pytest.raises(BudgetRefused, match="public list of values"):
        plan_release(_cfg(), [], spent_rho=0.0, spent_selection_delta=1e-6)


def test_the_ledger_keeps_selection_deltas_and_an_older_ledger_is_upgraded(tmp_path) -> None:
    store = Store.open(tmp_path)
    store.ledger_add("r1", "victims", "synth:mst", 4.0, 1e-6, 0.1, delta_selection=1e-7)
    store.ledger_add("r2", "victims", "synth:mst", 4.0, 1e-6, 0.1)
    assert store.ledger_spent_selection_delta() == pytest.approx(1e-7)
    assert list(store.ledger()["delta_selection"]) == pytest.approx([1e-7, 0.0])
    con = duckdb.connect(str(tmp_path / STORE_FILE))  # a ledger made before the column existed
    con.execute("ALTER TABLE ledger DROP COLUMN delta_selection")
    con.close()
    again = Store.open(tmp_path)
    assert again.ledger_spent_selection_delta() == 0.0  # old spends selected nothing (public domains)
    assert again.ledger_spent_rho() == pytest.approx(0.2)
