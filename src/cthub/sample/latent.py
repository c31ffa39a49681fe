"""The hidden case model behind every sample table: who the victims are, before anyone records them.

Each case first draws a *profile* (a typical trafficking situation: women sold into sexual exploitation along
European corridors, domestic workers in the Gulf, men in construction, boys on fishing boats, US hotline cases,
...). The profile then drives everything else (gender, age, citizenship -> country of exploitation corridor, year,
type of exploitation, industry, means of control, abduction, recruiter). Because one hidden variable drives all
columns, the published tables show the correlations analysts look for, and synthesizers have structure to learn.

Figures are calibrated to public CTDC material: the Victim-Perpetrator synthetic file has about 55 % women among
known gender, 7 % minors among known age, forced labour about four times as frequent as sexual exploitation, and
Asia, Europe and Africa as the main regions of origin; the codebooks describe the hotline source as mostly US cases
with sexual exploitation and many unknowns. The numbers below are a fictional but plausible mix, not estimates.

This module only draws integer codes with a numpy Generator (fake data, not DP noise); renderers in
`benchmark_table` and `contributors` turn them into each format's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

YEARS = np.arange(2002, 2025)

AGE_BANDS = ("0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+")
AGE_BAND_RANGES = ((1, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47), (48, 70))
MINOR_BANDS = 2  # bands 0 and 1 are minors

#: ISO 3166-1 alpha-2 codes of every country that appears (index = code used in the latent arrays).
COUNTRIES = (
    "PH", "VN", "UA", "PL", "RU", "MX", "US", "NG", "IT", "KH", "TH", "MY", "SA", "ID", "MM", "LA", "NP", "IN",
    "BD", "CN", "AE", "KW", "QA", "BY", "MD", "RO", "BG", "AL", "GB", "DE", "NL", "ES", "TR", "HT", "DO", "GH",
    "ET", "LB", "KE", "UG", "HN", "GT", "SV", "KZ", "UZ", "LK", "SN", "ML", "CI", "BF", "CO", "VE", "GR", "JO",
    "KG", "AF", "JP", "KR", "BR", "PE",
)  # fmt: skip
CIDX = {c: i for i, c in enumerate(COUNTRIES)}

LABOUR = (
    "Agriculture", "Aquafarming", "Begging", "Construction", "DomesticWork", "Hospitality", "IllicitActivities",
    "Manufacturing", "MiningOrDrilling", "Peddling", "Transportation", "Other",
)  # fmt: skip
SEX = ("Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices")
MEANS = (
    "DebtBondage", "TakesEarnings", "RestrictsFinancialAccess", "Threats", "PsychologicalAbuse", "PhysicalAbuse",
    "SexualAbuse", "FalsePromises", "PsychoactiveSubstances", "RestrictsMovement", "RestrictsMedicalCare",
    "ExcessiveWorkingHours", "UsesChildren", "ThreatOfLawEnforcement", "WithholdsNecessities", "WithholdsDocuments",
)  # fmt: skip
RECRUITER = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")
EXPLOIT = ("labour", "sexual", "other", "sex_and_labour")  # exploitation kinds (index = code)

CASE_MANAGEMENT, HOTLINE = 0, 1


@dataclass(frozen=True)
class Profile:
    """A typical situation; every probability is conditional on the profile."""

    name: str
    weight: float
    hotline: float  # share recorded by a hotline rather than case management
    female: float
    ages: tuple[float, ...]  # over AGE_BANDS
    exploit: tuple[float, float, float, float]  # over EXPLOIT
    labour: dict[str, float]  # industry weights when in forced labour
    sex: dict[str, float]  # sexual exploitation type weights
    means: dict[str, float]  # probability of each means of control (others: 0.04)
    abduction: float
    recruiter: tuple[float, ...]  # over RECRUITER
    corridors: dict[tuple[str, str], float]  # (citizenship, country of exploitation) -> weight
    peak: float  # year around which this profile's cases were registered
    spread: float  # standard deviation of the registration year


# fmt: off
PROFILES: tuple[Profile, ...] = (
    Profile(
        "europe_sexual", 0.07, 0.0, 0.95, (0, 0.02, 0.16, 0.22, 0.2, 0.15, 0.16, 0.05, 0.02), (0.04, 0.9, 0.02, 0.04),
        {"Hospitality": 3, "DomesticWork": 1, "Other": 1},
        {"Prostitution": 8, "PrivateSexualServices": 2, "Pornography": 1},
        {"Threats": 0.6, "PhysicalAbuse": 0.45, "PsychologicalAbuse": 0.5, "TakesEarnings": 0.55, "DebtBondage": 0.3,
         "PsychoactiveSubstances": 0.2, "SexualAbuse": 0.35, "FalsePromises": 0.4, "RestrictsMovement": 0.4},
        0.06, (0.22, 0.45, 0.08, 0.2, 0.05),
        {("UA", "PL"): 3, ("UA", "RU"): 4, ("MD", "RU"): 3, ("MD", "TR"): 2, ("RO", "IT"): 2, ("RO", "ES"): 1.5,
         ("BG", "DE"): 1.2, ("BG", "NL"): 0.8, ("AL", "GB"): 1.2, ("AL", "GR"): 1, ("NG", "IT"): 3, ("NG", "ES"): 0.7,
         ("BY", "RU"): 1.5, ("UA", "TR"): 1, ("MD", "MD"): 0.6, ("UA", "UA"): 1.2, ("KG", "KZ"): 0.3,
         ("UZ", "TR"): 0.5, ("GH", "DE"): 0.3, ("RU", "RU"): 0.6},
        2011, 4.5,
    ),
    Profile(
        "gulf_domestic", 0.09, 0.0, 0.96, (0, 0.01, 0.05, 0.12, 0.16, 0.18, 0.3, 0.14, 0.04), (0.95, 0.02, 0.02, 0.01),
        {"DomesticWork": 12, "Hospitality": 1, "Other": 0.5},
        {"Prostitution": 1},
        {"WithholdsDocuments": 0.6, "ExcessiveWorkingHours": 0.65, "RestrictsMovement": 0.55, "TakesEarnings": 0.45,
         "PsychologicalAbuse": 0.45, "PhysicalAbuse": 0.3, "WithholdsNecessities": 0.35, "FalsePromises": 0.5,
         "SexualAbuse": 0.12, "RestrictsMedicalCare": 0.15},
        0.01, (0.01, 0.25, 0.12, 0.55, 0.07),
        {("PH", "SA"): 4, ("PH", "AE"): 2, ("PH", "KW"): 2, ("PH", "MY"): 2, ("ID", "MY"): 3, ("ID", "SA"): 2,
         ("ET", "LB"): 2, ("ET", "SA"): 2, ("LK", "KW"): 1, ("LK", "JO"): 0.5, ("NP", "KW"): 0.8, ("KE", "SA"): 1,
         ("UG", "SA"): 0.8, ("GH", "LB"): 0.3, ("BD", "SA"): 0.7, ("IN", "AE"): 0.6, ("MM", "MY"): 0.5},
        2017, 4.0,
    ),
    Profile(
        "male_labour", 0.25, 0.0, 0.15, (0, 0.02, 0.07, 0.12, 0.14, 0.15, 0.29, 0.15, 0.06), (0.96, 0.01, 0.02, 0.01),
        {"Construction": 6, "Agriculture": 4, "Manufacturing": 4, "MiningOrDrilling": 1, "Transportation": 1,
         "Hospitality": 1, "Other": 1},
        {"Prostitution": 1},
        {"DebtBondage": 0.45, "TakesEarnings": 0.5, "FalsePromises": 0.55, "WithholdsDocuments": 0.5,
         "ExcessiveWorkingHours": 0.5, "Threats": 0.35, "RestrictsMovement": 0.35, "PhysicalAbuse": 0.2,
         "ThreatOfLawEnforcement": 0.2, "WithholdsNecessities": 0.2},
        0.02, (0.01, 0.35, 0.1, 0.47, 0.07),
        {("UA", "RU"): 8, ("UA", "PL"): 4, ("UZ", "RU"): 2.5, ("KZ", "RU"): 1, ("KG", "RU"): 1.2, ("BY", "RU"): 2,
         ("MD", "RU"): 3, ("RO", "DE"): 2, ("AL", "GB"): 1.2, ("BG", "ES"): 1, ("RO", "GB"): 2, ("BG", "GB"): 1.2,
         ("UA", "UA"): 1.5, ("RO", "IT"): 1, ("MD", "PL"): 1, ("BY", "PL"): 0.8, ("RU", "RU"): 0.8, ("AL", "IT"): 0.6,
         ("BD", "MY"): 1, ("NP", "MY"): 0.8, ("NP", "QA"): 0.8, ("IN", "AE"): 0.8, ("MM", "TH"): 1, ("KH", "TH"): 1.2,
         ("LA", "TH"): 0.6, ("VN", "GB"): 0.5, ("VN", "CN"): 0.4, ("PH", "MY"): 0.4, ("ID", "MY"): 0.6,
         ("BD", "AE"): 0.4, ("AF", "TR"): 0.2, ("CN", "JP"): 0.1, ("KE", "QA"): 0.3},
        2015, 4.5,
    ),
    Profile(
        "fishing", 0.03, 0.0, 0.02, (0, 0.05, 0.16, 0.18, 0.17, 0.14, 0.2, 0.08, 0.02), (0.99, 0.0, 0.01, 0.0),
        {"Aquafarming": 10, "Manufacturing": 1},
        {"Prostitution": 1},
        {"DebtBondage": 0.65, "PhysicalAbuse": 0.5, "RestrictsMovement": 0.7, "ExcessiveWorkingHours": 0.7,
         "WithholdsDocuments": 0.55, "TakesEarnings": 0.45, "Threats": 0.5, "WithholdsNecessities": 0.4},
        0.04, (0.01, 0.3, 0.12, 0.5, 0.07),
        {("KH", "TH"): 4, ("MM", "TH"): 4, ("ID", "MY"): 1.5, ("LA", "TH"): 1, ("MM", "ID"): 1.2, ("KH", "ID"): 0.8,
         ("PH", "ID"): 0.4, ("VN", "ID"): 0.3},
        2015, 2.5,
    ),
    Profile(
        "minor_sexual", 0.025, 0.2, 0.88, (0.08, 0.82, 0.07, 0.02, 0.01, 0, 0, 0, 0), (0.05, 0.88, 0.04, 0.03),
        {"Begging": 2, "DomesticWork": 2, "Hospitality": 1},
        {"Prostitution": 5, "Pornography": 3, "RemoteInteractiveServices": 2},
        {"PsychologicalAbuse": 0.5, "PhysicalAbuse": 0.4, "SexualAbuse": 0.5, "Threats": 0.5,
         "PsychoactiveSubstances": 0.2, "RestrictsMovement": 0.5, "FalsePromises": 0.3},
        0.18, (0.12, 0.25, 0.38, 0.18, 0.07),
        {("KH", "KH"): 2, ("PH", "PH"): 3, ("VN", "CN"): 1.5, ("LA", "TH"): 1.5, ("NP", "IN"): 1.5, ("HT", "DO"): 1,
         ("UA", "UA"): 1, ("MD", "MD"): 0.7, ("NG", "IT"): 1, ("US", "US"): 1.5, ("MX", "MX"): 0.7,
         ("TH", "TH"): 0.6, ("RO", "GB"): 0.4, ("AL", "GB"): 0.4, ("BR", "BR"): 0.3, ("CO", "CO"): 0.3,
         ("IN", "IN"): 0.6, ("BD", "IN"): 0.5},
        2014, 5.0,
    ),
    Profile(
        "minor_labour", 0.015, 0.0, 0.45, (0.2, 0.78, 0.02, 0, 0, 0, 0, 0, 0), (0.88, 0.04, 0.06, 0.02),
        {"Begging": 5, "Agriculture": 3, "DomesticWork": 3, "Peddling": 2, "Aquafarming": 1, "MiningOrDrilling": 1,
         "IllicitActivities": 1},
        {"Prostitution": 1},
        {"PhysicalAbuse": 0.45, "PsychologicalAbuse": 0.45, "ExcessiveWorkingHours": 0.5, "WithholdsNecessities": 0.4,
         "Threats": 0.35, "RestrictsMovement": 0.4, "UsesChildren": 0.15, "TakesEarnings": 0.4},
        0.12, (0.01, 0.2, 0.6, 0.13, 0.06),
        {("HT", "DO"): 2, ("GH", "GH"): 2, ("BF", "CI"): 1.5, ("ML", "CI"): 1, ("SN", "SN"): 1.5, ("AL", "GR"): 0.8,
         ("RO", "RO"): 0.4, ("UG", "KE"): 0.8, ("ET", "ET"): 0.7, ("NP", "IN"): 1, ("BD", "IN"): 0.8,
         ("KH", "TH"): 0.8, ("AF", "AF"): 0.3, ("GT", "MX"): 0.5},
        2016, 4.5,
    ),
    Profile(
        "us_sexual", 0.085, 0.97, 0.9, (0.0, 0.14, 0.2, 0.2, 0.16, 0.11, 0.13, 0.04, 0.02), (0.03, 0.92, 0.02, 0.03),
        {"Hospitality": 3, "Other": 1},
        {"Prostitution": 10, "Pornography": 2, "RemoteInteractiveServices": 2, "PrivateSexualServices": 1},
        {"Threats": 0.45, "PsychologicalAbuse": 0.5, "TakesEarnings": 0.55, "PhysicalAbuse": 0.4,
         "PsychoactiveSubstances": 0.3, "SexualAbuse": 0.3, "RestrictsMovement": 0.25, "FalsePromises": 0.3},
        0.04, (0.35, 0.3, 0.12, 0.15, 0.08),
        {("US", "US"): 12, ("MX", "US"): 2, ("HN", "US"): 0.6, ("GT", "US"): 0.5, ("CN", "US"): 0.8,
         ("KR", "US"): 0.5, ("SV", "US"): 0.3, ("VE", "US"): 0.2, ("MX", "MX"): 0.8, ("CO", "US"): 0.2},
        2019, 3.0,
    ),
    Profile(
        "us_labour", 0.05, 0.95, 0.45, (0, 0.06, 0.08, 0.12, 0.14, 0.14, 0.27, 0.14, 0.05), (0.9, 0.03, 0.04, 0.03),
        {"Agriculture": 4, "DomesticWork": 3, "Hospitality": 3, "Construction": 2, "Peddling": 1,
         "IllicitActivities": 1, "Manufacturing": 1, "Other": 1},
        {"Prostitution": 2, "PrivateSexualServices": 1},
        {"TakesEarnings": 0.5, "ThreatOfLawEnforcement": 0.45, "WithholdsDocuments": 0.4, "DebtBondage": 0.3,
         "ExcessiveWorkingHours": 0.45, "FalsePromises": 0.45, "Threats": 0.4, "PsychologicalAbuse": 0.35},
        0.01, (0.05, 0.25, 0.12, 0.5, 0.08),
        {("MX", "US"): 6, ("GT", "US"): 2, ("HN", "US"): 1.5, ("SV", "US"): 1, ("PH", "US"): 1.5, ("IN", "US"): 0.7,
         ("US", "US"): 2, ("CN", "US"): 0.6, ("PE", "US"): 0.3, ("BR", "US"): 0.2},
        2019, 3.0,
    ),
    Profile(
        "africa_mixed", 0.17, 0.0, 0.65, (0.01, 0.05, 0.15, 0.16, 0.15, 0.13, 0.22, 0.09, 0.04),
        (0.75, 0.15, 0.05, 0.05),
        {"Agriculture": 3, "DomesticWork": 3, "MiningOrDrilling": 2, "Construction": 1, "Peddling": 1, "Other": 1},
        {"Prostitution": 6, "PrivateSexualServices": 1},
        {"DebtBondage": 0.4, "FalsePromises": 0.5, "Threats": 0.4, "PhysicalAbuse": 0.35, "WithholdsDocuments": 0.3,
         "PsychologicalAbuse": 0.35, "TakesEarnings": 0.3, "RestrictsMovement": 0.35},
        0.1, (0.05, 0.35, 0.2, 0.3, 0.1),
        {("NG", "NG"): 3, ("GH", "GH"): 2.5, ("NG", "IT"): 1, ("SN", "ML"): 1, ("ML", "ML"): 0.8, ("ET", "SA"): 0.6,
         ("UG", "KE"): 1, ("KE", "KE"): 1, ("SN", "SN"): 1, ("CI", "CI"): 1, ("BF", "ML"): 0.6, ("ML", "CI"): 1,
         ("BF", "CI"): 1, ("NG", "GH"): 0.8, ("ET", "KE"): 0.6, ("UG", "UG"): 0.8, ("ET", "ET"): 0.8,
         ("GH", "NG"): 0.5, ("SN", "ES"): 0.3},
        2018, 3.5,
    ),
    Profile(
        "forced_marriage_other", 0.05, 0.05, 0.92, (0, 0.1, 0.25, 0.25, 0.15, 0.1, 0.1, 0.04, 0.01),
        (0.05, 0.1, 0.8, 0.05),
        {"DomesticWork": 3, "Agriculture": 1},
        {"Prostitution": 1, "PrivateSexualServices": 2},
        {"FalsePromises": 0.6, "PsychologicalAbuse": 0.5, "RestrictsMovement": 0.55, "SexualAbuse": 0.4,
         "Threats": 0.4, "WithholdsDocuments": 0.3},
        0.2, (0.05, 0.2, 0.4, 0.25, 0.1),
        {("VN", "CN"): 4, ("MM", "CN"): 2.5, ("LA", "CN"): 1.5, ("KH", "CN"): 1.5, ("NP", "IN"): 0.8,
         ("AF", "AF"): 0.5, ("UA", "UA"): 0.3, ("US", "US"): 0.4},
        2016, 4.0,
    ),
)

# fmt: on

# Calibration knobs (see benchmark_table's docstring): the share of long-tail cases (a few cases from many
# countries, mostly exploited at home), a factor on every profile's year spread, and a power < 1 that flattens the
# corridor weights. Together they set how many rows fall in small quasi-identifier classes.
TAIL_SHARE = 0.12
SPREAD_SCALE = 1.7
CORRIDOR_POWER = 0.5


@dataclass(frozen=True)
class Cases:
    """Latent case attributes as integer / boolean numpy arrays of equal length."""

    profile: np.ndarray  # int, index into PROFILES
    source: np.ndarray  # CASE_MANAGEMENT or HOTLINE
    female: np.ndarray  # bool
    age_band: np.ndarray  # int, index into AGE_BANDS
    citizenship: np.ndarray  # int, index into COUNTRIES
    exploitation: np.ndarray  # int, index into COUNTRIES
    year: np.ndarray  # int calendar year
    exploit: np.ndarray  # int, index into EXPLOIT
    labour: np.ndarray  # int, index into LABOUR (meaningful when forced labour)
    sex: np.ndarray  # int, index into SEX (meaningful when sexual exploitation)
    means: np.ndarray  # bool matrix n x len(MEANS)
    abduction: np.ndarray  # bool
    recruiter: np.ndarray  # int, index into RECRUITER

    def __len__(self) -> int:
        return len(self.profile)

    @property
    def forced_labour(self) -> np.ndarray:
        return (self.exploit == 0) | (self.exploit == 3)

    @property
    def sexual(self) -> np.ndarray:
        return (self.exploit == 1) | (self.exploit == 3)

    @property
    def other(self) -> np.ndarray:
        return self.exploit == 2

    @property
    def minor(self) -> np.ndarray:
        return self.age_band < MINOR_BANDS


def _norm(w: ArrayLike) -> np.ndarray:
    weights = np.asarray(w, dtype=float)
    return weights / weights.sum()


def _weights(names: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
    return _norm(np.array([table.get(name, 0.0) for name in names]) + 1e-9)


def _year_probs(peak: float, spread: float) -> np.ndarray:
    # Registrations grow over time overall (CTDC gained sources), so a mild upward trend multiplies each profile's
    # bell around its peak.
    bell = np.exp(-0.5 * ((YEARS - peak) / spread) ** 2)
    trend = np.linspace(0.5, 1.3, len(YEARS))
    return _norm(bell * trend + 1e-3)


# Long-tail countries by how often they appear (Zipf-like weights down this list); the Americas come last, as in
# CTDC's case-management sources.
_TAIL_ORDER = (
    "UA", "NG", "PH", "MD", "ID", "KH", "ET", "RO", "NP", "GH", "BY", "UG", "VN", "BG", "KE", "MM", "AL", "SN",
    "BD", "ML", "UZ", "CI", "LA", "KG", "BF", "IN", "KZ", "RU", "TH", "AF", "LK", "CN", "MY", "TR", "GR", "PL",
    "SA", "AE", "LB", "JO", "KW", "QA", "IT", "ES", "DE", "NL", "GB", "JP", "KR", "HT", "DO", "HN", "GT", "SV",
    "MX", "CO", "VE", "PE", "BR", "US",
)  # fmt: skip
assert sorted(_TAIL_ORDER) == sorted(COUNTRIES)
_TAIL = np.array([CIDX[c] for c in _TAIL_ORDER])
_TAIL_P = _norm(1.0 / np.arange(1, len(_TAIL_ORDER) + 1) ** 0.8)


def draw_cases(n: int, rng: np.random.Generator) -> Cases:
    """Draw `n` latent cases. Deterministic for a given generator state."""
    prof_p = _norm([p.weight for p in PROFILES])
    profile = rng.choice(len(PROFILES), size=n, p=prof_p)
    out = {
        "source": np.zeros(n, np.int8),
        "female": np.zeros(n, bool),
        "age_band": np.zeros(n, np.int8),
        "citizenship": np.zeros(n, np.int16),
        "exploitation": np.zeros(n, np.int16),
        "year": np.zeros(n, np.int16),
        "exploit": np.zeros(n, np.int8),
        "labour": np.zeros(n, np.int8),
        "sex": np.zeros(n, np.int8),
        "means": np.zeros((n, len(MEANS)), bool),
        "abduction": np.zeros(n, bool),
        "recruiter": np.zeros(n, np.int8),
    }
    for k, prof in enumerate(PROFILES):
        idx = np.flatnonzero(profile == k)
        m = len(idx)
        if m == 0:
            continue
        out["source"][idx] = rng.random(m) < prof.hotline
        out["female"][idx] = rng.random(m) < prof.female
        out["age_band"][idx] = rng.choice(len(AGE_BANDS), size=m, p=_norm(prof.ages))
        pairs = list(prof.corridors)
        pick = rng.choice(len(pairs), size=m, p=_norm(np.array(list(prof.corridors.values())) ** CORRIDOR_POWER))
        out["citizenship"][idx] = np.array([CIDX[a] for a, _ in pairs])[pick]
        out["exploitation"][idx] = np.array([CIDX[b] for _, b in pairs])[pick]
        out["year"][idx] = rng.choice(YEARS, size=m, p=_year_probs(prof.peak, prof.spread * SPREAD_SCALE))
        out["exploit"][idx] = rng.choice(len(EXPLOIT), size=m, p=_norm(prof.exploit))
        out["labour"][idx] = rng.choice(len(LABOUR), size=m, p=_weights(LABOUR, prof.labour))
        out["sex"][idx] = rng.choice(len(SEX), size=m, p=_weights(SEX, prof.sex))
        mp = np.array([prof.means.get(name, 0.04) for name in MEANS])
        out["means"][idx] = rng.random((m, len(MEANS))) < mp
        out["abduction"][idx] = rng.random(m) < prof.abduction
        out["recruiter"][idx] = rng.choice(len(RECRUITER), size=m, p=_norm(prof.recruiter))
    # Minors are more often sexually exploited than their profile alone says (CTDC: about a third of minors).
    minor = out["age_band"] < MINOR_BANDS
    flip = minor & (out["exploit"] == 0) & (rng.random(n) < 0.15)
    out["exploit"][flip] = 1
    # The long tail: a few cases from many countries, mostly exploited at home (case management only: the
    # hotline's cases stay in its country).
    tail = (rng.random(n) < TAIL_SHARE) & (out["source"] == CASE_MANAGEMENT)
    t = int(tail.sum())
    tail_c = rng.choice(_TAIL, size=t, p=_TAIL_P)
    out["citizenship"][tail] = tail_c
    home = rng.random(t) < 0.6
    out["exploitation"][tail] = np.where(home, tail_c, rng.choice(_TAIL, size=t, p=_TAIL_P))
    return Cases(profile=profile, **out)


def take(cases: Cases, index: np.ndarray) -> Cases:
    """The cases at `index` (integer positions or a boolean mask)."""
    return Cases(**{f: getattr(cases, f)[index] for f in Cases.__dataclass_fields__})


def draw_source_cases(n: int, rng: np.random.Generator, source: int, first_year: int = 2002) -> Cases:
    """`n` cases recorded by one kind of source from `first_year` on (rejection sampling on `draw_cases`).

    A contributor sees only its own kind of case: a hotline hears the hotline profiles' victims, a case-management
    system the others. Drawing the shared model and keeping matching cases keeps both consistent with the benchmark
    table.
    """
    parts: list[Cases] = []
    have = 0
    while have < n:
        batch = draw_cases(max(2 * (n - have), 1000) * (6 if source == HOTLINE else 2), rng)
        keep = (batch.source == source) & (batch.year >= first_year)
        part = take(batch, np.flatnonzero(keep)[: n - have])
        parts.append(part)
        have += len(part)
    return Cases(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in Cases.__dataclass_fields__})
