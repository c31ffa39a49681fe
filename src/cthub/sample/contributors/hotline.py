"""`hotline`: a US-style trafficking hotline's CSV export (UTF-8, comma-separated, one header row, one row per call).

Unknowns are written inconsistently, as hotline staff do: any of `UNKNOWN_TOKENS` ("Unknown", "N/A", "", "-").
Columns, in order (identifiers marked *; they must never survive ingest):
- `Call ID`: "HL-<7 digits>", unique.
- `Call Date`: US format MM/DD/YYYY (2008-2024).
- `Caller Type`: "Victim" | "Community Member" | "Family Member" | "Law Enforcement" | "NGO/Service Provider".
- `Trafficking Type`: "Sex Trafficking" | "Labor Trafficking" | "Sex and Labor Trafficking" | "Other" | unknown.
- `Venue/Industry`: for sex trafficking a value of `SEX_VENUE` ("Commercial sex", "Pornography",
  "Remote interactive sexual acts", "Private sexual services"); for labor a value of `INDUSTRY`
  ("Agricultural work", "Fishing", "Begging", "Construction", "Domestic work", "Hotel/Hospitality",
  "Illicit activities", "Factory work", "Mining", "Peddling", "Trucking/Transportation", "Other"); or unknown.
- `Victim Age`: a number of years ("23"), a range of `AGE_RANGES` ("18-24"; the ranges do not line up with CTDC
  bands), "Minor" / "Adult", or unknown.
- `Victim Gender`: "Female" | "Male" | "F" | "M" | "Transgender" | unknown.
- `Citizenship`: mixed spellings: English names, ISO 3166 alpha-3 codes ("USA", "MEX"), common variants
  ("Vietnam", "South Korea", "U.S.") -- see `COUNTRY_SPELLINGS` -- or unknown.
- `State`: the US state when exploited in the US, as a postal code ("TX") or, about 1 in 4, its name ("Texas",
  sometimes lower case "texas"); else empty.
- `Country of Exploitation`: same mixed spellings as `Citizenship`.
- `Means of Control`: multi-select of `MEANS_LABELS` values separated by "; ", or unknown.
- `Recruiter Relationship`: "Intimate Partner" | "Friend/Acquaintance" | "Family Member/Caregiver" | "Employer" |
  unknown.
- `Notes`*: free text; usually names a person and a phone number in a sentence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cthub.sample.contributors.export import (
    INVALID_AGES,
    UNKNOWN_COUNTRIES,
    future_date,
    plan_dirt,
    random_dates,
    with_blank_rows,
    write_csv,
)
from cthub.sample.latent import AGE_BAND_RANGES, COUNTRIES, HOTLINE, LABOUR, MEANS, SEX, draw_source_cases
from cthub.sample.people import full_names, phone_numbers

COLUMNS = (
    "Call ID", "Call Date", "Caller Type", "Trafficking Type", "Venue/Industry", "Victim Age", "Victim Gender",
    "Citizenship", "State", "Country of Exploitation", "Means of Control", "Recruiter Relationship", "Notes",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("Notes",)
UNKNOWN_TOKENS = ("Unknown", "N/A", "", "-")
CALLER_TYPES = ("Victim", "Community Member", "Family Member", "Law Enforcement", "NGO/Service Provider")
TRAFFICKING_TYPES = ("Labor Trafficking", "Sex Trafficking", "Other", "Sex and Labor Trafficking")  # latent order
AGE_RANGES = ((0, 11, "Under 12"), (12, 17, "12-17"), (18, 24, "18-24"), (25, 29, "25-29"), (30, 39, "30-39"),
              (40, 49, "40-49"), (50, 200, "50+"))  # fmt: skip
SEX_VENUE = dict(zip(SEX, ("Commercial sex", "Pornography", "Remote interactive sexual acts",
                           "Private sexual services"), strict=True))  # fmt: skip
INDUSTRY = dict(zip(LABOUR, ("Agricultural work", "Fishing", "Begging", "Construction", "Domestic work",
                             "Hotel/Hospitality", "Illicit activities", "Factory work", "Mining", "Peddling",
                             "Trucking/Transportation", "Other"), strict=True))  # fmt: skip
MEANS_LABELS = dict(zip(MEANS, (
    "Debt bondage", "Withheld earnings", "Restricted financial access", "Threats", "Emotional abuse",
    "Physical abuse", "Sexual abuse", "False promises", "Induced substance abuse", "Restricted movement",
    "Denied medical care", "Excessive working hours", "Used children", "Threats of deportation/law enforcement",
    "Withheld necessities", "Confiscated documents"), strict=True))  # fmt: skip
RECRUITER_LABELS = ("Intimate Partner", "Friend/Acquaintance", "Family Member/Caregiver", "Employer", None)
#: ISO alpha-2 -> the spellings this hotline uses for that country (chosen at random per cell).
COUNTRY_SPELLINGS = {
    "US": ("United States", "USA", "U.S.", "United States of America"), "MX": ("Mexico", "MEX", "Mexico"),
    "VN": ("Vietnam", "VNM"), "KR": ("South Korea", "KOR"), "CN": ("China", "CHN"), "HN": ("Honduras", "HND"),
    "GT": ("Guatemala", "GTM"), "SV": ("El Salvador", "SLV"), "PH": ("Philippines", "PHL"), "IN": ("India", "IND"),
    "VE": ("Venezuela", "VEN"), "CO": ("Colombia", "COL"), "PE": ("Peru", "PER"), "BR": ("Brazil", "BRA"),
    "LA": ("Laos", "LAO"), "RU": ("Russia", "RUS"), "MD": ("Moldova", "MDA"), "GB": ("UK", "GBR"),
}  # fmt: skip
STATES = ("TX", "CA", "FL", "NY", "GA", "OH", "NC", "NV", "IL", "MI", "AZ", "NJ", "VA", "WA", "PA", "TN", "LA",
          "MD", "CO", "MN")  # fmt: skip
STATE_NAMES = dict(zip(STATES, ("Texas", "California", "Florida", "New York", "Georgia", "Ohio", "North Carolina",
    "Nevada", "Illinois", "Michigan", "Arizona", "New Jersey", "Virginia", "Washington", "Pennsylvania", "Tennessee",
    "Louisiana", "Maryland", "Colorado", "Minnesota"), strict=True))  # fmt: skip
STATE_WEIGHTS = np.array([14, 16, 11, 8, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2], float)
MISSING = {"type": 0.05, "venue": 0.25, "age": 0.35, "gender": 0.08, "citizenship": 0.45, "exploitation": 0.03,
           "means": 0.5, "recruiter": 0.3, "notes": 0.15}  # fmt: skip
NOTES = (
    "Caller {name} reported that the victim was recruited through a job offer. Call back at {phone}.",
    "{name} ({phone}) called about a friend who cannot leave her workplace.",
    "Victim goes by {first}. Controller known as {other}, phone {phone}.",
    "Spoke with {name}; safe number is {phone}. Referred to local shelter.",
    "{name} says the employer keeps their passport. Reachable at {phone} after 6pm.",
    "No further details.",
)


def _spell(code: str, pick: int) -> str:
    spellings = COUNTRY_SPELLINGS.get(code)
    if spellings is None:
        import pycountry

        country = pycountry.countries.get(alpha_2=code)
        if country is None:  # the latent cases only draw ISO codes, so this is a bug in the generator's tables
            raise LookupError(f"{code!r} is not an ISO 3166-1 alpha-2 code; fix the sample's country list")
        spellings = (getattr(country, "common_name", None) or country.name, country.alpha_3)
    return spellings[pick % len(spellings)]


def _state(code: str, style: float) -> str:
    if style < 0.75:
        return code
    return STATE_NAMES[code].lower() if style > 0.95 else STATE_NAMES[code]


def _age_text(age: int, style: float) -> str:
    if style < 0.5:
        return str(age)
    if style < 0.88:
        return next(label for lo, hi, label in AGE_RANGES if lo <= age <= hi)
    return "Minor" if age < 18 else "Adult"


def build(n: int, rng: np.random.Generator) -> tuple[list[list], dict]:
    """The export's data rows (blank rows included) and its expected.json entry."""
    cases = draw_source_cases(n, rng, HOTLINE, first_year=2008)
    dates = random_dates(cases.year, rng)
    lo = np.array([r[0] for r in AGE_BAND_RANGES])[cases.age_band]
    hi = np.array([r[1] for r in AGE_BAND_RANGES])[cases.age_band]
    age = rng.integers(lo, hi + 1)
    age_style = rng.random(n)
    miss = {k: rng.random(n) < p for k, p in MISSING.items()}
    unknown = rng.integers(0, len(UNKNOWN_TOKENS), size=(n, len(COLUMNS)))
    spell = rng.integers(0, 4, size=(n, 2))
    gender_style = rng.random(n)
    caller = rng.choice(len(CALLER_TYPES), size=n, p=[0.3, 0.3, 0.15, 0.1, 0.15])
    state = rng.choice(len(STATES), size=n, p=STATE_WEIGHTS / STATE_WEIGHTS.sum())
    state_style = rng.random(n)
    names = full_names(cases.citizenship, cases.female, rng)
    others = full_names(cases.citizenship, ~cases.female, rng)
    phones = phone_numbers(cases.citizenship, rng, style="us")
    note = rng.integers(0, len(NOTES), size=n)
    plan = plan_dirt(n, rng)
    records = []
    for i in range(n):
        u = [UNKNOWN_TOKENS[k] for k in unknown[i]]
        kind = plan.kind(i)
        date = future_date(rng) if kind == "future_date" else dates[i]
        ex = int(cases.exploit[i])
        if ex in (1, 3):
            venue = SEX_VENUE[SEX[cases.sex[i]]]
        elif ex == 0:
            venue = INDUSTRY[LABOUR[cases.labour[i]]]
        else:
            venue = u[4]
        age_text = u[5] if miss["age"][i] else _age_text(int(age[i]), float(age_style[i]))
        if kind == "invalid_age":
            age_text = str(INVALID_AGES[i % 2])
        g = float(gender_style[i])
        gender = ("F" if cases.female[i] else "M") if g < 0.15 else ("Female" if cases.female[i] else "Male")
        if g > 0.995:
            gender = "Transgender"
        coe = COUNTRIES[cases.exploitation[i]]
        citizenship = u[7] if miss["citizenship"][i] else _spell(COUNTRIES[cases.citizenship[i]], int(spell[i, 0]))
        if kind == "unknown_country":
            citizenship = UNKNOWN_COUNTRIES[i % len(UNKNOWN_COUNTRIES)]
        means = [MEANS_LABELS[m] for m, on in zip(MEANS, cases.means[i], strict=True) if on]
        recruiter = RECRUITER_LABELS[cases.recruiter[i]]
        first, family = names[i]
        text = NOTES[note[i]].format(
            name=f"{first} {family}", first=first, other=" ".join(others[i]), phone=phones[i]
        )
        records.append(
            [
                f"HL-{i + 1:07d}",
                date.strftime("%m/%d/%Y"),
                CALLER_TYPES[caller[i]],
                u[3] if miss["type"][i] else TRAFFICKING_TYPES[ex],
                u[4] if miss["venue"][i] else venue,
                age_text,
                u[6] if miss["gender"][i] else gender,
                citizenship,
                _state(STATES[state[i]], float(state_style[i])) if coe == "US" else "",
                u[9] if miss["exploitation"][i] else _spell(coe, int(spell[i, 1])),
                u[10] if miss["means"][i] or not means else "; ".join(means),
                u[11] if miss["recruiter"][i] or recruiter is None else recruiter,
                "" if miss["notes"][i] else text,
            ]
        )
    return with_blank_rows(records, plan, len(COLUMNS))


def write(path: Path, n: int, rng: np.random.Generator) -> dict:
    """Write the CSV export of `n` calls; return its expected.json entry."""
    rows, expected = build(n, rng)
    write_csv(path, COLUMNS, rows)
    return {
        "file": path.name,
        "format": "csv",
        "header_rows": 1,
        "columns": list(COLUMNS),
        "identifier_columns": list(IDENTIFIER_COLUMNS),
        "case_id_column": 'Call ID',
        "unknown_tokens": list(UNKNOWN_TOKENS),
        **expected,
    }


def write_update(path: Path, n: int, rng: np.random.Generator, update_rng: np.random.Generator,
                 changed: float = 0.10, new: float = 0.05, dropped: float = 0.01) -> dict:
    """The hotline's next export of all its calls: the first export's `n` calls (drawn again from `rng`, the same
    generator state that wrote them) with about `changed` of them updated (the trafficking type was corrected after
    follow-up), about `dropped` deleted in the hotline's system (merged duplicates), and about `new` new calls at
    the end. Returns its expected.json-style entry with the counts (`records`, `updated`, `new`, `dropped`)."""
    rows, _ = build(n, rng)
    records = [i for i, row in enumerate(rows) if any(v not in (None, "") for v in row)]
    picks = update_rng.permutation(len(records))
    n_changed, n_dropped = max(1, round(changed * n)), max(1, round(dropped * n))
    change = {records[i] for i in picks[:n_changed]}
    drop = {records[i] for i in picks[n_changed : n_changed + n_dropped]}
    column = COLUMNS.index("Trafficking Type")
    out = []
    for i, row in enumerate(rows):
        if i in drop:
            continue
        if i in change:
            row = list(row)
            options = [t for t in TRAFFICKING_TYPES if t != row[column]]
            row[column] = options[int(update_rng.integers(len(options)))]
        out.append(row)
    n_new = max(20, round(new * n))
    fresh, _ = build(n_new, update_rng)
    number = n
    for row in fresh:
        if any(v not in (None, "") for v in row):
            number += 1
            row[0] = f"HL-{number:07d}"
        out.append(row)
    write_csv(path, COLUMNS, out)
    return {"file": path.name, "format": "csv", "header_rows": 1, "case_id_column": "Call ID",
            "records": len(records) - n_dropped + (number - n), "updated": n_changed, "new": number - n,
            "dropped": n_dropped, "unchanged": len(records) - n_changed - n_dropped}
