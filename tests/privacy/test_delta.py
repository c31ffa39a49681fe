"""The default delta is data-independent: the caller's, or 1/(N ln N) from a public bound N; never from the data."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cthub.aggregates import AggregatesError, dp_aggregates
from cthub.cli import app
from cthub.privacy import DeltaRequired, delta_from_bound, resolve_delta
from cthub.synth import SynthError, get_synthesizer
from tests.synth.conftest import DOMAIN, make_table


def test_no_delta_and_no_bound_is_a_clear_error() -> None:
    with pytest.raises(DeltaRequired, match=r"delta=.*max_records=.*--max-records"):
        resolve_delta(None)
    df = make_table(300)
    with pytest.raises(AggregatesError, match="max-records"):
        dp_aggregates(df, 2, epsilon=1.0, domain=DOMAIN)
    for method in ("mst", "aggregate-seeded"):
        with pytest.raises(SynthError, match="max-records"):
            get_synthesizer(method).fit(df, epsilon=1.0, domain=DOMAIN)


def test_cli_without_delta_says_what_to_pass(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    make_table(300).to_csv(src, index=False)
    res = CliRunner().invoke(app, ["synth", str(src), "--epsilon", "1", "--out", str(tmp_path / "s.csv")])
    assert res.exit_code == 2 and "--max-records" in res.output and not (tmp_path / "s.csv").exists()


def test_delta_from_the_bound_is_1_over_n_ln_n_and_independent_of_the_data() -> None:
    assert delta_from_bound(100_000) == pytest.approx(1 / (100_000 * math.log(100_000)), rel=1e-15)
    assert resolve_delta(1e-7, 100_000) == 1e-7  # the caller's delta wins
    small, large = make_table(300, seed=1), make_table(3000, seed=2)
    deltas = set()
    for df in (small, large, pd.concat([small, small.iloc[:1]], ignore_index=True)):
        _, p = dp_aggregates(df, 2, epsilon=1.0, domain=DOMAIN, max_records=100_000)
        deltas.add(p["delta"])
        for method in ("mst", "aggregate-seeded"):
            deltas.add(get_synthesizer(method).fit(df, epsilon=1.0, domain=DOMAIN, max_records=100_000).privacy["delta"])
    assert deltas == {delta_from_bound(100_000)}  # every domain public: no selection share, one data-independent delta
    with pytest.raises(ValueError, match="max_records"):
        delta_from_bound(2)
