"""The packaged standard, read through the public API other stages code against (docs/contracts.md)."""

from __future__ import annotations

import pycountry
import pytest

from cthub.standard import Hierarchy, Standard, StandardError, Table, Value, Variable, load_standard

AGE_BANDS = ["0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"]


@pytest.fixture(scope="module")
def std() -> Standard:
    return load_standard()


def test_version_and_tables(std: Standard) -> None:
    assert std.version == "1.0.0"
    assert list(std.tables) == ["victims", "victim_perpetrator"]
    assert isinstance(std.table("victims"), Table)
    with pytest.raises(StandardError, match="no table 'nope'.*victims, victim_perpetrator"):
        std.table("nope")


def test_load_is_cached_and_views_are_copies(std: Standard) -> None:
    assert load_standard() is std
    victims = std.table("victims")
    victims.variables.clear()  # a caller mutating the list must not change the shared standard
    assert len(victims.variables) == len(victims.columns) > 50


def test_victims_columns_follow_ctdc(std: Standard) -> None:
    t = std.table("victims")
    cols = t.columns
    assert cols[:8] == [
        "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit",
        "majorityEntry", "citizenship",
    ]  # fmt: skip
    assert not [c for c in cols if c.endswith("Concatenated")]
    for name in ("isSlaveryAndPractices", "isAbduction", "CountryOfExploitation", "traffickMonths",
                 "recruiterRelationUnknown", "typeOfSexPrivateSexualServices", "meansOfControlNotSpecified"):
        assert name in cols
    assert len([c for c in cols if c.startswith("meansOfControl")]) == 18
    assert len([c for c in cols if c.startswith("typeOfLabour")]) == 13
    assert len([c for c in cols if c.startswith("recruiterRelation")]) == 5
    assert len(cols) == len(set(cols))


def test_variable_fields(std: Standard) -> None:
    t = std.table("victims")
    age = t.variable("ageBroad")
    assert isinstance(age, Variable)
    assert age.codes == AGE_BANDS
    assert all(isinstance(v, Value) for v in age.values)
    assert age.type == "categorical" and age.role == "quasi_identifier"
    assert age.label and age.definition and age.missing
    flag = t.variable("isForcedLabour")
    assert flag.type == "boolean" and sorted(flag.codes) == ["0", "1"] and flag.role == "sensitive"
    assert t.variable("Datasource").codes == ["Case management", "Hotline"]
    assert t.variable("yearOfRegistration").codes[:3] == ["2000", "2001", "2002"]
    assert t.variable("citizenship").type == "country"
    with pytest.raises(StandardError, match="no variable 'agebroad'"):
        t.variable("agebroad")
    with pytest.raises(LookupError):  # callers may treat it like a failed dict lookup
        t.variable("agebroad")


def test_roles_and_explore(std: Standard) -> None:
    t = std.table("victims")
    assert set(t.quasi_identifiers) == {
        "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit",
        "majorityEntry", "citizenship", "CountryOfExploitation",
    }  # fmt: skip
    assert "isSexualExploit" in t.sensitive and "meansOfControlThreats" in t.sensitive
    assert not set(t.quasi_identifiers) & set(t.sensitive)
    assert {"gender", "ageBroad", "citizenship", "isForcedLabour"} <= set(t.explore_columns)
    assert set(t.explore_columns) <= set(t.columns)
    vp = std.table("victim_perpetrator")
    assert vp.quasi_identifiers == ["yearRegister", "gender", "majorityStatus", "UN_COO_Region", "UN_COE_Region"]


def test_every_quasi_identifier_has_a_hierarchy(std: Standard) -> None:
    for t in std.tables.values():
        for name in t.quasi_identifiers:
            h = t.variable(name).hierarchy
            assert isinstance(h, Hierarchy), name
            for code in t.variable(name).codes:
                assert h.generalize(code, 0) == code
                assert h.generalize(code, h.depth - 1) == "*"


def test_age_hierarchy(std: Standard) -> None:
    h = std.table("victims").variable("ageBroad").hierarchy
    assert h is not None
    assert h.levels == ["ageBroad", "majority"] and h.depth == 3
    assert h.labels == ["age band", "minor/adult"]
    assert h.generalize("9--17", 1) == "Minor"
    assert h.generalize("18--20", 1) == "Adult"
    assert h.generalize("48+", 2) == "*"
    assert h.mapping(1)["0--8"] == "Minor"
    assert h.values(1) == ["Minor", "Adult"] and h.values(2) == ["*"]
    with pytest.raises(StandardError, match="level 3 does not exist"):
        h.generalize("48+", 3)
    with pytest.raises(StandardError, match="'50' is not a code"):
        h.generalize("50", 1)


def test_year_hierarchy_five_year_periods(std: Standard) -> None:
    h = std.table("victims").variable("yearOfRegistration").hierarchy
    assert h is not None and h.depth == 3
    assert h.generalize("2019", 1) == "2015-2019"
    assert h.generalize("2020", 1) == "2020-2024"


def test_countries_cover_iso_and_regions(std: Standard) -> None:
    var = std.table("victims").variable("citizenship")
    codes = set(var.codes)
    iso = {c.alpha_2 for c in pycountry.countries}
    assert iso <= codes
    assert codes - iso == {"XK"}
    assert var.labels["PH"] == pycountry.countries.get(alpha_2="PH").name
    h = var.hierarchy
    assert h is not None and h.levels == ["citizenship", "un_subregion", "un_region"]
    assert h.generalize("PH", 1) == "South-eastern Asia" and h.generalize("PH", 2) == "Asia"
    assert h.generalize("NG", 2) == "Africa" and h.generalize("MX", 1) == "Central America"
    regions = {h.generalize(c, 2) for c in codes}
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania", "Antarctica"}
    assert std.table("victims").variable("CountryOfExploitation").codes == var.codes


def test_vp_multi_fields(std: Standard) -> None:
    vp = std.table("victim_perpetrator")
    assert len(vp.columns) == 16
    g = vp.variable("IP_Gender")
    assert g.type == "multi" and g.separator == ";" and g.codes == ["Female", "Male"]
    assert g.label_of("Female;Male") == "Female; Male"
    assert vp.variable("IP_PayMoney").codes == ["No", "Yes"]


def test_as_dict_is_json_ready(std: Standard) -> None:
    import json

    data = json.loads(json.dumps(std.as_dict()))
    assert data["version"] == "1.0.0"
    assert data["tables"]["victims"]["variables"][3]["name"] == "ageBroad"


def test_generated_files_are_current(tmp_path) -> None:
    """countries.yaml, country_un.yaml and year_5.yaml are what `python -m cthub.standard.generate` writes."""
    from cthub.standard import generate
    from cthub.standard.loader import PACKAGED

    for sub in ("codelists", "hierarchies"):
        (tmp_path / sub).mkdir()
    generate.main(tmp_path)
    for rel in ("codelists/countries.yaml", "hierarchies/country_un.yaml", "hierarchies/year_5.yaml"):
        assert (tmp_path / rel).read_text() == (PACKAGED / rel).read_text(), f"run python -m cthub.standard.generate ({rel})"


def test_renderers_are_importable_from_the_package() -> None:
    import cthub.standard as standard

    assert callable(standard.render_codebook) and callable(standard.render_datapackage)
    with pytest.raises(AttributeError):
        standard.render_nothing  # noqa: B018
