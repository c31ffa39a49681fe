"""The privacy statement's composition and its refusal of undeclared files, checked against OpenDP's conversion."""

from __future__ import annotations

from pathlib import Path

import pytest

from cthub.privacy import epsilon_from_rho, rho_from_epsilon
from cthub.release.stages.base import Guarantee, Output, Spend
from cthub.release.statement import UndeclaredOutput, check_declared, composed_epsilon


def test_composed_epsilon_adds_rhos_and_takes_selection_deltas_off_the_conversion() -> None:
    delta = 1e-6
    count = Spend("victims", "count", 0.1, delta, rho_from_epsilon(0.1, delta))
    synth = Spend("victims", "synth:mst", 4.0, delta, rho_from_epsilon(4.0, 0.9 * delta), delta_selection=0.1 * delta)
    eps = composed_epsilon([count, synth], delta)
    # the zCDP -> (eps, delta) conversion (OpenDP's) at the delta left after selection, independently recomputed
    import opendp.prelude as dp

    dp.enable_features("contrib")
    gaussian = dp.m.make_gaussian(dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float),
                                  scale=1.0 / (2 * (count.rho + synth.rho)) ** 0.5)  # rho = 1 / (2 scale^2) at d_in 1
    assert gaussian.map(1.0) == pytest.approx(count.rho + synth.rho, rel=1e-9)
    profile = dp.c.make_zCDP_to_approxDP(gaussian).map(1.0)
    assert eps == pytest.approx(profile.epsilon(delta - 0.1 * delta), rel=1e-6)
    assert eps > epsilon_from_rho(count.rho + synth.rho, delta)  # the naive composition understates it
    with pytest.raises(ValueError, match="all of the release's delta"):
        composed_epsilon([Spend("t", "m", 1.0, delta, 0.1, delta_selection=delta)], delta)


def test_an_undeclared_file_or_a_missing_declared_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n")
    declared = [Output("data/a.csv", "synthetic", Guarantee("dp", {"epsilon": 1.0}))]
    check_declared(tmp_path, declared)
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(UndeclaredOutput, match="metrics.json"):
        check_declared(tmp_path, declared)
    (tmp_path / "metrics.json").unlink()
    with pytest.raises(UndeclaredOutput, match="missing"):
        check_declared(tmp_path, declared + [Output("report.html", "report", Guarantee("post-processing"))])
