"""CTDC-shaped victim tables for benchmarks and tests, already in the standard's codes.

The real CTDC data cannot ship with the project, yet de-identification, synthesis and aggregation must be measured on
something with its shape: 20 categorical columns under CTDC's variable names, a long tail of countries, years
2002-2024, correlated exploitation details and missingness that depends on the source (a hotline rarely learns
citizenship or age). Cells follow docs/contracts.md: `string` dtype, `pd.NA` for missing, booleans "1"/"0", ISO
alpha-2 countries, CTDC age bands.

Calibration: at the default n=80,000 about 86 % of rows sit in equivalence classes smaller than 11 on the
quasi-identifiers (gender, ageBroad, citizenship, CountryOfExploitation, yearOfRegistration), as in CTDC's raw data,
so k=11 anonymization has real work to do. The share falls as n grows (classes fill up).

Randomness is a seeded numpy Generator: this is fake data, not privacy noise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from cthub.sample.latent import (
    AGE_BANDS,
    CASE_MANAGEMENT,
    COUNTRIES,
    HOTLINE,
    LABOUR,
    MEANS,
    RECRUITER,
    SEX,
    Cases,
    draw_cases,
)

DATASOURCES = ("Case management", "Hotline")
GENDERS = ("Male", "Female")  # index = latent `female`
MAJORITY = ("Adult", "Minor")

QUASI_IDENTIFIERS = ("gender", "ageBroad", "citizenship", "CountryOfExploitation", "yearOfRegistration")

#: The 20 columns of `make_benchmark_table`, in order.
BENCHMARK_COLUMNS = (
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship",
    "CountryOfExploitation", "isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfLabourAgriculture",
    "typeOfLabourConstruction", "typeOfLabourDomesticWork", "typeOfSexProstitution", "typeOfSexPornography",
    "meansOfControlDebtBondage", "meansOfControlPhysicalAbuse", "meansOfControlThreats", "isAbduction",
    "recruiterRelationFamily",
)  # fmt: skip

#: Further CTDC columns `make_wide_table` appends, in order, after the benchmark columns.
WIDE_EXTRA_COLUMNS = (
    "typeOfLabourManufacturing", "typeOfLabourAquafarming", "typeOfLabourHospitality", "typeOfLabourBegging",
    "meansOfControlTakesEarnings", "meansOfControlWithholdsDocuments", "meansOfControlRestrictsMovement",
    "meansOfControlFalsePromises", "meansOfControlPsychologicalAbuse", "meansOfControlExcessiveWorkingHours",
    "recruiterRelationFriend", "recruiterRelationIntimatePartner", "recruiterRelationOther",
    "typeOfSexRemoteInteractiveServices", "typeOfSexPrivateSexualServices", "typeOfLabourMiningOrDrilling",
    "typeOfLabourPeddling",
    "meansOfControlSexualAbuse", "meansOfControlPsychoactiveSubstances", "meansOfControlWithholdsNecessities",
    "meansOfControlThreatOfLawEnforcement", "meansOfControlRestrictsMedicalCare", "meansOfControlUsesChildren",
    "meansOfControlRestrictsFinancialAccess", "typeOfLabourTransportation", "typeOfLabourIllicitActivities",
    "typeOfLabourOther",
)  # fmt: skip
ALL_COLUMNS = BENCHMARK_COLUMNS + WIDE_EXTRA_COLUMNS

# Share of missing values by (column group, source). Index 0: case management, 1: hotline.
_MISSING = {
    "gender": (0.03, 0.08),
    "ageBroad": (0.10, 0.35),
    "majority_when_age_missing": (0.4, 0.7),
    "citizenship": (0.03, 0.45),
    "CountryOfExploitation": (0.04, 0.03),
    "exploit": (0.02, 0.05),
    "type_detail": (0.08, 0.25),
    "means": (0.30, 0.50),
    "isAbduction": (0.20, 0.70),
    "recruiter": (0.45, 0.30),
}


def _strings(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Series:
    """Integer codes (-1 = missing) to a `string` Series with pd.NA (an Arrow take: no Python objects per cell)."""
    codes = np.asarray(codes, dtype=np.int32)
    taken = pa.array(labels, type=pa.string()).take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype="string"))


def _missing(cases: Cases, key: str, rng: np.random.Generator) -> np.ndarray:
    p = np.where(cases.source == HOTLINE, _MISSING[key][HOTLINE], _MISSING[key][CASE_MANAGEMENT])
    return rng.random(len(cases)) < p


def _flag(value: np.ndarray, missing: np.ndarray) -> np.ndarray:
    return np.where(missing, -1, value.astype(np.int8))


def render(cases: Cases, rng: np.random.Generator, columns: tuple[str, ...] = ALL_COLUMNS) -> pd.DataFrame:
    """Write latent cases in the standard's codes, with source-dependent missingness.

    Every missingness mask is drawn whether or not its column is asked for, so a column's values do not depend on
    which other columns were requested.
    """
    n = len(cases)
    miss = {key: _missing(cases, key, rng) for key in _MISSING}
    cols: dict[str, np.ndarray] = {}
    cols["yearOfRegistration"] = cases.year - 2002
    cols["Datasource"] = cases.source.astype(np.int8)
    cols["gender"] = _flag(cases.female, miss["gender"])
    age = np.where(miss["ageBroad"], -1, cases.age_band)
    cols["ageBroad"] = age
    cols["majorityStatus"] = np.where(miss["ageBroad"] & miss["majority_when_age_missing"], -1, cases.minor)
    cols["citizenship"] = np.where(miss["citizenship"], -1, cases.citizenship)
    cols["CountryOfExploitation"] = np.where(miss["CountryOfExploitation"], -1, cases.exploitation)
    fl, sx = cases.forced_labour, cases.sexual
    cols["isForcedLabour"] = _flag(fl, miss["exploit"])
    cols["isSexualExploit"] = _flag(sx, miss["exploit"])
    cols["isOtherExploit"] = _flag(cases.other, miss["exploit"])
    # Details are "0" when the kind of exploitation does not apply, missing when the kind (or detail) is unknown.
    labour_missing = miss["exploit"] | (fl & miss["type_detail"])
    for k, name in enumerate(LABOUR):
        cols[f"typeOfLabour{name}"] = _flag(fl & (cases.labour == k), labour_missing)
    sex_missing = miss["exploit"] | (sx & miss["type_detail"])
    for k, name in enumerate(SEX):
        cols[f"typeOfSex{name}"] = _flag(sx & (cases.sex == k), sex_missing)
    for k, name in enumerate(MEANS):
        cols[f"meansOfControl{name}"] = _flag(cases.means[:, k], miss["means"])
    cols["isAbduction"] = _flag(cases.abduction, miss["isAbduction"])
    unknown = (cases.recruiter == RECRUITER.index("Unknown")) | miss["recruiter"]
    for k, name in enumerate(RECRUITER[:-1]):
        cols[f"recruiterRelation{name}"] = _flag(cases.recruiter == k, unknown)

    labels = {
        "yearOfRegistration": tuple(str(y) for y in range(2002, 2025)),
        "Datasource": DATASOURCES,
        "gender": GENDERS,
        "ageBroad": AGE_BANDS,
        "majorityStatus": MAJORITY,
        "citizenship": COUNTRIES,
        "CountryOfExploitation": COUNTRIES,
    }
    frame = pd.DataFrame({c: _strings(np.asarray(cols[c]), labels.get(c, ("0", "1"))) for c in columns})
    frame.index = pd.RangeIndex(n)
    return frame


def make_benchmark_table(n: int = 80_000, seed: int = 0) -> pd.DataFrame:
    """A deterministic CTDC-shaped victims table of `n` rows and the 20 `BENCHMARK_COLUMNS`."""
    # One chunk of the wide table: so the benchmark table is exactly the wide table's first 20 columns.
    return make_wide_table(n, n_columns=len(BENCHMARK_COLUMNS), seed=seed, chunk=max(n, 1))


def _wide_columns(n_columns: int) -> tuple[str, ...]:
    if not len(BENCHMARK_COLUMNS) <= n_columns <= len(ALL_COLUMNS):
        raise ValueError(
            f"n_columns must be between {len(BENCHMARK_COLUMNS)} and {len(ALL_COLUMNS)} "
            f"(the CTDC variables this generator knows), got {n_columns}"
        )
    return ALL_COLUMNS[:n_columns]


def iter_wide_chunks(
    n: int, chunk: int = 1_000_000, n_columns: int = 30, seed: int = 0
) -> Iterator[pd.DataFrame]:
    """Yield `n` rows of the wide table in chunks of at most `chunk` rows, for streaming benchmarks.

    Each chunk has its own child seed, so memory stays at one chunk and the output for a given (n, chunk, seed) is
    always the same. Row indexes continue across chunks.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0 rows, got {n}")
    if chunk <= 0:
        raise ValueError(f"chunk must be a positive number of rows, got {chunk}")
    columns = _wide_columns(n_columns)
    n_chunks = -(-n // chunk) if n > 0 else 0
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n_chunks)):
        size = min(chunk, n - i * chunk)
        rng = np.random.default_rng(child)
        frame = render(draw_cases(size, rng), rng, columns)
        frame.index = pd.RangeIndex(i * chunk, i * chunk + size)
        yield frame


def make_wide_table(n: int, n_columns: int = 30, seed: int = 0, chunk: int = 1_000_000) -> pd.DataFrame:
    """The wide variant in one frame: the benchmark columns followed by further CTDC columns."""
    frames = list(iter_wide_chunks(n, chunk=chunk, n_columns=n_columns, seed=seed))
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype="string") for c in _wide_columns(n_columns)})
    return pd.concat(frames)
