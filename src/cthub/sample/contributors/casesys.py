"""`casesys`: an IOM-like case-management system's XLSX export (sheet "Cases", one header row, one row per case).

Columns, in order (identifiers marked *; they must never survive ingest):
- `Case ID`: "CS-<intake year>-<6 digits>", unique.
- `Full name`*: "First Family", about 1 in 10 written "FAMILY, First".
- `Phone`*: "+<calling code> 9xx 555 xxxx" or empty (about 20 %).
- `Date of birth`*: exact date (Excel date) or empty when age is unknown (about 10 %).
- `Intake date`: Excel date (registration; 2002-2024).
- `Sex`: `Female` | `Male` | `Other` (about 0.5 %) | empty.
- `Nationality`, `Country of exploitation`: English country names as IOM writes them (`COUNTRY_NAMES`, e.g.
  "Philippines", "Viet Nam", "Republic of Moldova", "Lao People's Democratic Republic") or empty.
- `Exploitation type`: `Forced labour` | `Sexual exploitation` | `Forced labour and sexual exploitation` |
  `Forced marriage` | `Other` | empty.
- `Industry` (forced labour only): values of `INDUSTRY` ("Agriculture", "Fishing", "Begging", "Construction",
  "Domestic work", "Hospitality", "Illicit activities", "Manufacturing", "Mining", "Street vending",
  "Transportation", "Other") or empty.
- `Sexual exploitation type` (sexual only): values of `SEX_TYPE` ("Prostitution", "Pornography",
  "Remote interactive services", "Private sexual services") or empty.
- `Means of control`: multi-select of `MEANS_LABELS` values, separated by ", " for intakes before 2016 and by "|"
  from 2016 (the system changed its export), or empty when not recorded.
- `Recruiter relationship`: `Intimate partner` | `Friend` | `Family member` | `Other` | `Unknown` | empty.
- `Abducted`: `Y` | `N` | empty.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cthub.sample.contributors.export import (
    INVALID_AGES,
    UNKNOWN_COUNTRIES,
    birth_date,
    future_date,
    join,
    plan_dirt,
    random_dates,
    with_blank_rows,
    write_xlsx,
)
from cthub.sample.latent import AGE_BAND_RANGES, CASE_MANAGEMENT, COUNTRIES, LABOUR, MEANS, draw_source_cases
from cthub.sample.people import full_names, phone_numbers

COLUMNS = (
    "Case ID", "Full name", "Phone", "Date of birth", "Intake date", "Sex", "Nationality", "Country of exploitation",
    "Exploitation type", "Industry", "Sexual exploitation type", "Means of control", "Recruiter relationship",
    "Abducted",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("Full name", "Phone", "Date of birth")
SHEET = "Cases"

#: ISO alpha-2 -> the name this system writes (UN/IOM English short names).
COUNTRY_NAMES = {
    "PH": "Philippines", "VN": "Viet Nam", "UA": "Ukraine", "PL": "Poland", "RU": "Russian Federation",
    "MX": "Mexico", "US": "United States of America", "NG": "Nigeria", "IT": "Italy", "KH": "Cambodia",
    "TH": "Thailand", "MY": "Malaysia", "SA": "Saudi Arabia", "ID": "Indonesia", "MM": "Myanmar",
    "LA": "Lao People's Democratic Republic", "NP": "Nepal", "IN": "India", "BD": "Bangladesh", "CN": "China",
    "AE": "United Arab Emirates", "KW": "Kuwait", "QA": "Qatar", "BY": "Belarus", "MD": "Republic of Moldova",
    "RO": "Romania", "BG": "Bulgaria", "AL": "Albania", "GB": "United Kingdom", "DE": "Germany",
    "NL": "Netherlands", "ES": "Spain", "TR": "Türkiye", "HT": "Haiti", "DO": "Dominican Republic", "GH": "Ghana",
    "ET": "Ethiopia", "LB": "Lebanon", "KE": "Kenya", "UG": "Uganda", "HN": "Honduras", "GT": "Guatemala",
    "SV": "El Salvador", "KZ": "Kazakhstan", "UZ": "Uzbekistan", "LK": "Sri Lanka", "SN": "Senegal", "ML": "Mali",
    "CI": "Côte d'Ivoire", "BF": "Burkina Faso", "CO": "Colombia", "VE": "Venezuela (Bolivarian Republic of)",
    "GR": "Greece", "JO": "Jordan", "KG": "Kyrgyzstan", "AF": "Afghanistan", "JP": "Japan",
    "KR": "Republic of Korea", "BR": "Brazil", "PE": "Peru",
}  # fmt: skip
INDUSTRY = {
    "Agriculture": "Agriculture", "Aquafarming": "Fishing", "Begging": "Begging", "Construction": "Construction",
    "DomesticWork": "Domestic work", "Hospitality": "Hospitality", "IllicitActivities": "Illicit activities",
    "Manufacturing": "Manufacturing", "MiningOrDrilling": "Mining", "Peddling": "Street vending",
    "Transportation": "Transportation", "Other": "Other",
}  # fmt: skip
SEX_TYPE = {
    "Prostitution": "Prostitution", "Pornography": "Pornography",
    "RemoteInteractiveServices": "Remote interactive services", "PrivateSexualServices": "Private sexual services",
}  # fmt: skip
MEANS_LABELS = {
    "DebtBondage": "Debt bondage", "TakesEarnings": "Takes earnings",
    "RestrictsFinancialAccess": "Restricts financial access", "Threats": "Threats",
    "PsychologicalAbuse": "Psychological abuse", "PhysicalAbuse": "Physical abuse", "SexualAbuse": "Sexual abuse",
    "FalsePromises": "False promises", "PsychoactiveSubstances": "Psychoactive substances",
    "RestrictsMovement": "Restricts movement", "RestrictsMedicalCare": "Restricts medical care",
    "ExcessiveWorkingHours": "Excessive working hours", "UsesChildren": "Uses children",
    "ThreatOfLawEnforcement": "Threat of law enforcement", "WithholdsNecessities": "Withholds necessities",
    "WithholdsDocuments": "Withholds documents",
}  # fmt: skip
RECRUITER_LABELS = ("Intimate partner", "Friend", "Family member", "Other", "Unknown")
EXPLOITATION_LABELS = ("Forced labour", "Sexual exploitation", "Other", "Forced labour and sexual exploitation")
MISSING = {"sex": 0.03, "dob": 0.10, "nationality": 0.03, "exploitation_country": 0.04, "exploit": 0.02,
           "detail": 0.08, "means": 0.30, "recruiter": 0.35, "abducted": 0.20, "phone": 0.20}  # fmt: skip


def build(n: int, rng: np.random.Generator) -> tuple[list[list], dict]:
    """The export's data rows (blank rows included) and its expected.json entry."""
    cases = draw_source_cases(n, rng, CASE_MANAGEMENT)
    intake = random_dates(cases.year, rng)
    lo = np.array([r[0] for r in AGE_BAND_RANGES])[cases.age_band]
    hi = np.array([r[1] for r in AGE_BAND_RANGES])[cases.age_band]
    age = rng.integers(lo, hi + 1)
    age_days = rng.integers(0, 365, size=n)
    names = full_names(cases.citizenship, cases.female, rng)
    phones = phone_numbers(cases.citizenship, rng)
    miss = {k: rng.random(n) < p for k, p in MISSING.items()}
    other_sex = rng.random(n) < 0.005
    sep_pipe = cases.year >= 2016
    name_style = rng.random(n) < 0.1
    married = rng.random(n) < 0.6  # "other" exploitation: forced marriage or something else
    plan = plan_dirt(n, rng)
    counter: dict[int, int] = {}
    records = []
    for i in range(n):
        year = int(cases.year[i])
        counter[year] = counter.get(year, 0) + 1
        first, family = names[i]
        kind = plan.kind(i)
        date = intake[i]
        if kind == "future_date":
            date = future_date(rng)
        dob = None if miss["dob"][i] else birth_date(intake[i], int(age[i]), int(age_days[i]))
        if kind == "invalid_age":
            dob = birth_date(date, INVALID_AGES[i % 2], int(age_days[i]))
        nationality = None if miss["nationality"][i] else COUNTRY_NAMES[COUNTRIES[cases.citizenship[i]]]
        exploited_in = (
            None if miss["exploitation_country"][i] else COUNTRY_NAMES[COUNTRIES[cases.exploitation[i]]]
        )
        if kind == "unknown_country":
            exploited_in = UNKNOWN_COUNTRIES[i % len(UNKNOWN_COUNTRIES)]
        ex = int(cases.exploit[i])
        exploitation = None if miss["exploit"][i] else EXPLOITATION_LABELS[ex]
        if exploitation == "Other" and married[i]:
            exploitation = "Forced marriage"
        labour = ex in (0, 3) and exploitation is not None and not miss["detail"][i]
        sexual = ex in (1, 3) and exploitation is not None and not miss["detail"][i]
        means = [MEANS_LABELS[m] for m, on in zip(MEANS, cases.means[i], strict=True) if on]
        records.append(
            [
                f"CS-{year}-{counter[year]:06d}",
                f"{family.upper()}, {first}" if name_style[i] else f"{first} {family}",
                None if miss["phone"][i] else phones[i],
                dob,
                date,
                None if miss["sex"][i] else ("Other" if other_sex[i] else ("Female" if cases.female[i] else "Male")),
                nationality,
                exploited_in,
                exploitation,
                INDUSTRY[LABOUR[cases.labour[i]]] if labour else None,
                list(SEX_TYPE.values())[cases.sex[i]] if sexual else None,
                None if miss["means"][i] else join(means, "|" if sep_pipe[i] else ", "),
                None if miss["recruiter"][i] else RECRUITER_LABELS[cases.recruiter[i]],
                None if miss["abducted"][i] else ("Y" if cases.abduction[i] else "N"),
            ]
        )
    return with_blank_rows(records, plan, len(COLUMNS))


def write(path: Path, n: int, rng: np.random.Generator) -> dict:
    """Write the XLSX export of `n` cases; return its expected.json entry."""
    rows, expected = build(n, rng)
    write_xlsx(path, SHEET, [COLUMNS], rows)
    return {
        "file": path.name,
        "format": "xlsx",
        "sheet": SHEET,
        "header_rows": 1,
        "columns": list(COLUMNS),
        "identifier_columns": list(IDENTIFIER_COLUMNS),
        "case_id_column": 'Case ID',
        **expected,
    }
