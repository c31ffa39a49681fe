"""The benchmark tables: shape, codes, calibration and determinism that other stages' benchmarks rely on."""

from __future__ import annotations

import pandas as pd
import pycountry
import pytest

from cthub.sample.benchmark_table import (
    ALL_COLUMNS,
    BENCHMARK_COLUMNS,
    QUASI_IDENTIFIERS,
    iter_wide_chunks,
    make_benchmark_table,
    make_wide_table,
)
from cthub.sample.latent import AGE_BANDS

AGE_CODES = {"0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_benchmark_table()


def values(column: pd.Series) -> set[str]:
    return set(column.dropna().unique())


def small_class_share(df: pd.DataFrame, qis: list[str], k: int = 11) -> float:
    sizes = df[qis].astype(object).fillna("<NA>").value_counts()
    return float(sizes[sizes < k].sum() / len(df))


def test_shape_columns_and_dtypes(table: pd.DataFrame) -> None:
    assert table.shape == (80_000, 20)
    assert tuple(table.columns) == BENCHMARK_COLUMNS
    assert all(isinstance(t, pd.StringDtype) for t in table.dtypes)
    assert table.index.equals(pd.RangeIndex(80_000))


def test_codes_follow_the_contract(table: pd.DataFrame) -> None:
    assert set(AGE_BANDS) == AGE_CODES
    assert values(table["ageBroad"]) <= AGE_CODES
    assert values(table["gender"]) == {"Female", "Male"}
    assert values(table["majorityStatus"]) == {"Adult", "Minor"}
    years = table["yearOfRegistration"].astype(int)
    assert years.min() == 2002 and years.max() == 2024
    for col in ("citizenship", "CountryOfExploitation"):
        codes = values(table[col])
        assert 35 <= len(codes) <= 80
        assert all(pycountry.countries.get(alpha_2=c) is not None for c in codes)
    flags = [c for c in BENCHMARK_COLUMNS if c.startswith(("is", "typeOf", "meansOf", "recruiter"))]
    assert len(flags) == 13
    for col in flags:
        assert values(table[col]) == {"0", "1"}, col
    # Missing is pd.NA, never an empty string or a -99 code.
    assert not table.isin(["", "-99", "Unknown", "nan"]).any().any()


def test_about_86_percent_of_rows_in_small_classes(table: pd.DataFrame) -> None:
    share = small_class_share(table, list(QUASI_IDENTIFIERS))
    assert 0.84 <= share <= 0.88, share
    assert 0.84 <= small_class_share(make_benchmark_table(seed=7), list(QUASI_IDENTIFIERS)) <= 0.88


def test_source_dependent_missingness(table: pd.DataFrame) -> None:
    hot = table["Datasource"] == "Hotline"
    assert 0.05 < hot.mean() < 0.3
    for col in ("citizenship", "ageBroad"):
        assert table.loc[hot, col].isna().mean() > 3 * table.loc[~hot, col].isna().mean(), col
    # Hotline cases are exploited in the US far more often.
    assert (table.loc[hot, "CountryOfExploitation"] == "US").mean() > 0.8


def test_latent_structure_shows_as_correlations(table: pd.DataFrame) -> None:
    sexual = table["isSexualExploit"] == "1"
    minor = table["majorityStatus"] == "Minor"
    adult = table["majorityStatus"] == "Adult"
    assert sexual[minor].mean() > sexual[adult].mean() + 0.1
    female = table["gender"] == "Female"
    assert sexual[female].mean() > 3 * sexual[table["gender"] == "Male"].mean()
    domestic = table["typeOfLabourDomesticWork"] == "1"
    construction = table["typeOfLabourConstruction"] == "1"
    assert female[domestic].mean() > 0.8 and female[construction].mean() < 0.3
    # Details are "0" (not missing) when that kind of exploitation does not apply.
    not_labour = table["isForcedLabour"] == "0"
    assert (table.loc[not_labour, "typeOfLabourAgriculture"] == "0").all()
    # Corridors: Filipinos are exploited in the Gulf and Malaysia, Ukrainians in Russia and Poland.
    ph = table.loc[table["citizenship"] == "PH", "CountryOfExploitation"].value_counts(normalize=True)
    assert ph[["SA", "AE", "KW", "MY"]].sum() > 0.6
    ua = table.loc[table["citizenship"] == "UA", "CountryOfExploitation"].value_counts(normalize=True)
    assert ua[["RU", "PL"]].sum() > 0.5


def test_deterministic_for_a_seed() -> None:
    a, b = make_benchmark_table(5_000, seed=3), make_benchmark_table(5_000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(make_benchmark_table(5_000, seed=4))


def test_wide_table_and_chunks_agree() -> None:
    wide = make_wide_table(25_000, n_columns=30, seed=1, chunk=10_000)
    assert wide.shape == (25_000, 30)
    assert tuple(wide.columns) == ALL_COLUMNS[:30] and tuple(wide.columns[:20]) == BENCHMARK_COLUMNS
    chunks = list(iter_wide_chunks(25_000, chunk=10_000, n_columns=30, seed=1))
    assert [len(c) for c in chunks] == [10_000, 10_000, 5_000]
    assert chunks[2].index[0] == 20_000
    pd.testing.assert_frame_equal(pd.concat(chunks), wide)
    assert make_wide_table(100, n_columns=len(ALL_COLUMNS)).shape == (100, len(ALL_COLUMNS))


def test_wide_table_rejects_unknown_widths() -> None:
    with pytest.raises(ValueError, match="n_columns must be between"):
        make_wide_table(10, n_columns=len(ALL_COLUMNS) + 1)
    with pytest.raises(ValueError, match="chunk must be"):
        next(iter_wide_chunks(10, chunk=0))


def test_empty_table() -> None:
    assert make_benchmark_table(0).shape == (0, 20)
    assert make_wide_table(0).shape == (0, 30)


def test_columns_do_not_depend_on_which_were_requested() -> None:
    narrow = make_wide_table(2_000, n_columns=20, seed=2)
    wide = make_wide_table(2_000, n_columns=30, seed=2)
    pd.testing.assert_frame_equal(narrow, wide[list(narrow.columns)])
    pd.testing.assert_frame_equal(make_benchmark_table(2_000, seed=2), narrow)


def test_values_are_allowed_by_the_standard() -> None:
    from cthub.standard import load_standard

    wide = make_wide_table(5_000, n_columns=len(ALL_COLUMNS), seed=0)
    problems = load_standard().check_frame("victims", wide)
    cell_problems = [p for p in problems if p.row is not None or p.column in wide.columns]
    assert cell_problems == []
    # The only complaints are about standard columns this generator does not make.
    assert {p.column for p in problems}.isdisjoint(wide.columns)


def test_case_management_rows_match_the_vp_marginals(table: pd.DataFrame, vp_csv) -> None:
    """Calibration against the public CTDC Victim-Perpetrator file (aggregate shares only, never rows)."""
    from cthub.standard import load_standard

    vp = pd.read_csv(vp_csv, dtype=str, keep_default_na=False)
    cm = table[table["Datasource"] == "Case management"]

    def share(column: pd.Series, value: str) -> float:
        known = column[column.notna() & (column != "")]
        return float((known == value).mean())

    assert abs(share(cm["gender"], "Female") - share(vp["gender"], "Female")) < 0.05
    assert abs(share(cm["majorityStatus"], "Minor") - share(vp["majorityStatus"], "Minor")) < 0.04
    ratio_vp = (vp["isForcedLabour"] == "1").sum() / (vp["isSexualExploit"] == "1").sum()
    ratio = (cm["isForcedLabour"] == "1").sum() / (cm["isSexualExploit"] == "1").sum()
    assert 3 < ratio < 6 and 3 < ratio_vp < 6
    hierarchy = load_standard().table("victims").variable("citizenship").hierarchy
    regions = {c: hierarchy.generalize(c, 2) for c in cm["citizenship"].dropna().unique()}
    merged = cm["citizenship"].map(regions).replace({"Americas": "Americas/Oceania", "Oceania": "Americas/Oceania"})
    for region in ("Asia", "Europe", "Africa", "Americas/Oceania"):
        assert abs(share(merged, region) - share(vp["UN_COO_Region"], region)) < 0.05, region
