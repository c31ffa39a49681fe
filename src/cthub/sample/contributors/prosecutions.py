"""`prosecutions`: a prosecution services' case-tracking system's CSV export (one row per victim in a case).

It is the sample contributor for the standard's `victim_perpetrator` table: each row describes one victim and the
offender(s) charged in the case, so offender fields list one value per offender ("M, F, M"), which ingest turns
into the standard's multi-valued codes ("Female;Male").

Columns, in order (identifiers marked *; they must never survive ingest):
- `Case reference`*: "PR-<referral year or 0000>-<6 digits>", unique.
- `Referral year`: a year 2005-2022 (the standard groups it into periods) or empty (about 17 %).
- `Victim sex`: `F` | `M` | empty.
- `Victim age`: whole years at referral, or empty (about 17 %).
- `Offence`: `Labour exploitation` | `Sexual exploitation` | `Labour and sexual exploitation` | `Other` | empty.
- `Victim nationality region`, `Region of exploitation`: `Africa` | `Americas` | `Oceania` | `Asia` | `Europe` |
  empty (the standard groups the Americas with Oceania).
- `Offender role`: list of `ROLE_LABELS` values joined by "; " (empty when not recorded).
- `Offender sex`: one `M`/`F` per offender, joined by ", ".
- `Offender age group`: one of `AGE_LABELS` per offender whose age is known, joined by ", ".
- `Offender nationality region`: one region per offender, joined by ", ".
- `Relationship to victim`: one of `RELATION_LABELS` per offender, joined by ", ".
- `Victim paid offender`: one `Y`/`N` per offender, joined by ", ".

The distributions are calibrated to the 1-way marginals of CTDC's victim-perpetrator synthetic release (December
2022) and to a few of its strong 2-way relations, taken as aggregate shares only (no record is copied):
victim sex, offender sex, payment and control-role by sexual exploitation; relationship by minor/adult status;
region of exploitation and offenders' region by the victim's region; recruiter and exploiter roles by forced labour.
`TARGETS` states the resulting shares of the standard codes (over all rows) that tests check.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from cthub.sample.contributors.export import (
    INVALID_AGES,
    UNKNOWN_COUNTRIES,
    plan_dirt,
    with_blank_rows,
    write_csv,
)

COLUMNS = (
    "Case reference", "Referral year", "Victim sex", "Victim age", "Offence", "Victim nationality region",
    "Region of exploitation", "Offender role", "Offender sex", "Offender age group", "Offender nationality region",
    "Relationship to victim", "Victim paid offender",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("Case reference",)

#: standard period -> the years it groups
PERIODS = {"2005-2013": range(2005, 2014), "2014-2018": range(2014, 2019), "2019": range(2019, 2020),
           "2020": range(2020, 2021), "2021-2022": range(2021, 2023)}  # fmt: skip
REGIONS = ("Africa", "Americas/Oceania", "Asia", "Europe")  # standard codes, in this order everywhere below
AGE_LABELS = {"0--29": "Under 30", "30--38": "30-38", "39--47": "39-47", "48+": "48 and over"}
RELATION_LABELS = {"FamilyIntimatePartner": ("Family member", "Intimate partner"),
                   "FriendAcquaintance": ("Friend", "Acquaintance"),
                   "StrangerUnknownOther": ("Stranger", "Other")}  # fmt: skip
ROLE_LABELS = {"IP_Exploiter": ("Exploiter",), "IP_RecruiterBroker": ("Recruiter", "Broker"),
               "IP_TransactionProcess": ("Transporter", "Harbourer", "Seller", "Buyer"),
               "IP_ControlAbuseKidnap": ("Controller", "Abductor")}  # fmt: skip

# -- calibration (shares of all rows; "" = empty cell) ----------------------------------------------------------
YEAR = {"2005-2013": 0.1194, "2014-2018": 0.296, "2019": 0.1131, "2020": 0.0945, "2021-2022": 0.2045, "": 0.1724}
SEXUAL = 0.1309
LABOUR_GIVEN_SEXUAL = {True: 0.125, False: 0.646}
OTHER_WHEN_NEITHER = 0.2  # of rows with neither exploitation type, those written "Other" (the rest empty)
GENDER_GIVEN_SEXUAL = {True: {"Female": 0.826, "Male": 0.015, "": 0.159},
                       False: {"Female": 0.396, "Male": 0.432, "": 0.172}}  # fmt: skip
MAJORITY = {"Adult": 0.7728, "Minor": 0.0572, "": 0.17}
COO = {"Africa": 0.2492, "Americas/Oceania": 0.0131, "Asia": 0.2896, "Europe": 0.2778, "": 0.1703}
#: region of exploitation given the victim's region ("" rows: victim region not recorded)
COE_GIVEN_COO = {
    "Africa": {"Africa": 0.621, "Americas/Oceania": 0.001, "Asia": 0.173, "Europe": 0.010, "": 0.195},
    "Americas/Oceania": {"Africa": 0.018, "Americas/Oceania": 0.473, "Asia": 0.014, "Europe": 0.072, "": 0.423},
    "Asia": {"Africa": 0.037, "Americas/Oceania": 0.0, "Asia": 0.654, "Europe": 0.162, "": 0.147},
    "Europe": {"Africa": 0.005, "Americas/Oceania": 0.0, "Asia": 0.051, "Europe": 0.802, "": 0.142},
    "": {"Africa": 0.202, "Americas/Oceania": 0.020, "Asia": 0.289, "Europe": 0.179, "": 0.310},
}
IP_GENDER_GIVEN_SEXUAL = {True: {"Female": 0.324, "Female;Male": 0.150, "Male": 0.302, "": 0.224},
                          False: {"Female": 0.142, "Female;Male": 0.111, "Male": 0.488, "": 0.259}}  # fmt: skip
IP_AGE = {"0--29": 0.0144, "30--38": 0.0564, "39--47": 0.061, "48+": 0.0168, "30--38;39--47": 0.0008,
          "0--29;39--47": 0.0008, "0--29;30--38": 0.0004, "39--47;48+": 0.0002, "": 0.8492}  # fmt: skip
#: offenders' region(s) given the victim's region
IP_REGION_GIVEN_COO = {
    "Africa": {"Africa": 0.569, "Africa;Asia": 0.063, "Asia": 0.030, "Europe": 0.002, "Americas/Oceania": 0.001,
               "": 0.335},
    "Americas/Oceania": {"Americas/Oceania": 0.372, "Africa": 0.032, "Asia": 0.004, "": 0.592},
    "Asia": {"Asia": 0.637, "Asia;Europe": 0.029, "Europe": 0.024, "Africa": 0.007, "Africa;Asia": 0.001,
             "Americas/Oceania": 0.001, "": 0.301},
    "Europe": {"Europe": 0.644, "Asia": 0.025, "Asia;Europe": 0.010, "Americas/Oceania": 0.001, "": 0.320},
    "": {"Africa": 0.205, "Asia": 0.236, "Europe": 0.115, "Asia;Europe": 0.040, "Africa;Asia": 0.022,
         "Americas/Oceania": 0.023, "Africa;Americas/Oceania": 0.001, "": 0.358},
}
RELATION_GIVEN_MAJORITY = {
    "Adult": {"FamilyIntimatePartner": 0.042, "FamilyIntimatePartner;StrangerUnknownOther": 0.003,
              "FriendAcquaintance": 0.256, "FriendAcquaintance;StrangerUnknownOther": 0.032,
              "StrangerUnknownOther": 0.467, "": 0.200},
    "Minor": {"FamilyIntimatePartner": 0.059, "FamilyIntimatePartner;StrangerUnknownOther": 0.001,
              "FriendAcquaintance": 0.092, "FriendAcquaintance;StrangerUnknownOther": 0.002,
              "StrangerUnknownOther": 0.190, "": 0.656},
    "": {"FamilyIntimatePartner": 0.056, "FamilyIntimatePartner;FriendAcquaintance": 0.002,
         "FamilyIntimatePartner;StrangerUnknownOther": 0.006, "FriendAcquaintance": 0.085,
         "FriendAcquaintance;StrangerUnknownOther": 0.019, "StrangerUnknownOther": 0.123, "": 0.709},
}
PAY_GIVEN_SEXUAL = {True: {"No": 0.559, "No;Yes": 0.001, "Yes": 0.072, "": 0.368},
                    False: {"No": 0.517, "No;Yes": 0.051, "Yes": 0.159, "": 0.273}}  # fmt: skip
EXPLOITER_GIVEN_LABOUR = {True: 0.539, False: 0.320}
RECRUITER_GIVEN_LABOUR = {True: 0.705, False: 0.361}
TRANSACTION = 0.3465
CONTROL_GIVEN_SEXUAL = {True: 0.079, False: 0.101}
#: offenders per case beyond those the listed values need (a case with offenders "M" may list "M, M")
EXTRA_OFFENDERS = (0.75, 0.18, 0.07)

#: Expected shares of each standard code over all ingested rows (multi-valued columns: share of rows whose set
#: contains the code), derived from the tables above; tests check the sample against these.
TARGETS: dict[str, dict[str, float]] = {
    "yearRegister": {k: v for k, v in YEAR.items() if k},
    "gender": {"Female": 0.4524, "Male": 0.3772},
    "majorityStatus": {"Adult": 0.7728, "Minor": 0.0572},
    "isForcedLabour": {"1": 0.5779},
    "isSexualExploit": {"1": 0.1309},
    "UN_COO_Region": {k: v for k, v in COO.items() if k},
    "UN_COE_Region": {"Africa": 0.2015, "Americas/Oceania": 0.010, "Asia": 0.2963, "Europe": 0.3035},
    "IP_Gender": {"Female": 0.2815, "Male": 0.579},
    "IP_ageBroad": {"0--29": 0.016, "30--38": 0.0576, "39--47": 0.0628, "48+": 0.017},
    "IP_citizen_UNRegion": {"Africa": 0.199, "Asia": 0.277, "Europe": 0.2241, "Americas/Oceania": 0.0099},
    "IP_Relation": {"FamilyIntimatePartner": 0.0493, "FriendAcquaintance": 0.2458, "StrangerUnknownOther": 0.4237},
    "IP_PayMoney": {"No": 0.567, "Yes": 0.1925},
    "IP_Exploiter": {"1": 0.4462},
    "IP_RecruiterBroker": {"1": 0.5598},
    "IP_TransactionProcess": {"1": 0.3465},
    "IP_ControlAbuseKidnap": {"1": 0.098},
}


def _draw(dist: dict[str, float], size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` keys of `dist` drawn with its (normalized) probabilities."""
    keys = np.array(list(dist), dtype=object)
    p = np.array(list(dist.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _draw_given(table: dict, given: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from `table[given[row]]`."""
    out = np.empty(len(given), dtype=object)
    for key, dist in table.items():
        rows = np.flatnonzero(given == key)
        if len(rows):
            out[rows] = _draw(dist, len(rows), rng)
    return out


def _listed(codes: str, labels: Mapping[str, str | tuple[str, ...]], offenders: int, rng: np.random.Generator,
            sep: str = ", ") -> str | None:
    """One label per offender, covering every code of a standard multi value ('Female;Male' -> 'M, F, M')."""
    if not codes:
        return None
    parts = codes.split(";")
    chosen = parts + [parts[int(rng.integers(len(parts)))] for _ in range(max(0, offenders - len(parts)))]
    rng.shuffle(chosen)
    out = []
    for c in chosen:
        label = labels[c]
        out.append(label if isinstance(label, str) else label[int(rng.integers(len(label)))])
    return sep.join(out)


def build(n: int, rng: np.random.Generator) -> tuple[list[list], dict]:
    """The export's data rows (blank rows included) and its expected.json entry."""
    period = _draw(YEAR, n, rng)
    year = np.array([PERIODS[p][int(rng.integers(len(PERIODS[p])))] if p else 0 for p in period])
    sexual = rng.random(n) < SEXUAL
    labour = rng.random(n) < np.where(sexual, LABOUR_GIVEN_SEXUAL[True], LABOUR_GIVEN_SEXUAL[False])
    other = rng.random(n) < OTHER_WHEN_NEITHER
    gender = _draw_given({True: GENDER_GIVEN_SEXUAL[True], False: GENDER_GIVEN_SEXUAL[False]}, sexual, rng)
    majority = _draw(MAJORITY, n, rng)
    age = np.where(majority == "Minor", rng.integers(9, 18, size=n), rng.integers(18, 66, size=n))
    coo = _draw(COO, n, rng)
    coe = _draw_given(COE_GIVEN_COO, coo, rng)
    oceania = rng.random(n) < 0.12  # of Americas/Oceania cells, written "Oceania"
    ip_gender = _draw_given({True: IP_GENDER_GIVEN_SEXUAL[True], False: IP_GENDER_GIVEN_SEXUAL[False]}, sexual, rng)
    ip_age = _draw(IP_AGE, n, rng)
    ip_region = _draw_given(IP_REGION_GIVEN_COO, coo, rng)
    relation = _draw_given(RELATION_GIVEN_MAJORITY, majority, rng)
    pay = _draw_given({True: PAY_GIVEN_SEXUAL[True], False: PAY_GIVEN_SEXUAL[False]}, sexual, rng)
    roles = {
        "IP_Exploiter": rng.random(n) < np.where(labour, EXPLOITER_GIVEN_LABOUR[True], EXPLOITER_GIVEN_LABOUR[False]),
        "IP_RecruiterBroker": rng.random(n)
        < np.where(labour, RECRUITER_GIVEN_LABOUR[True], RECRUITER_GIVEN_LABOUR[False]),
        "IP_TransactionProcess": rng.random(n) < TRANSACTION,
        "IP_ControlAbuseKidnap": rng.random(n)
        < np.where(sexual, CONTROL_GIVEN_SEXUAL[True], CONTROL_GIVEN_SEXUAL[False]),
    }
    offenders = 1 + rng.choice(len(EXTRA_OFFENDERS), size=n, p=EXTRA_OFFENDERS)
    plan = plan_dirt(n, rng)

    region_label: dict[str, str | tuple[str, ...]] = {r: r for r in REGIONS}
    region_label["Americas/Oceania"] = ("Americas", "Americas", "Oceania")
    sex_label = {"Female": "F", "Male": "M"}
    pay_label = {"No": "N", "Yes": "Y"}
    counter: dict[int, int] = {}
    records = []
    for i in range(n):
        y = int(year[i])
        counter[y] = counter.get(y, 0) + 1
        k = int(offenders[i])
        offence: str | None
        if sexual[i] and labour[i]:
            offence = "Labour and sexual exploitation"
        elif sexual[i]:
            offence = "Sexual exploitation"
        elif labour[i]:
            offence = "Labour exploitation"
        else:
            offence = "Other" if other[i] else None
        nationality = coo[i] or None
        if nationality == "Americas/Oceania":
            nationality = "Oceania" if oceania[i] else "Americas"
        exploited_in = coe[i] or None
        if exploited_in == "Americas/Oceania":
            exploited_in = "Americas"
        role_list = [labels[int(rng.integers(len(labels)))] for r, labels in ROLE_LABELS.items() if roles[r][i]]
        rng.shuffle(role_list)
        row = [
            f"PR-{y:04d}-{counter[y]:06d}",
            y or None,
            sex_label.get(gender[i]),
            int(age[i]) if majority[i] else None,
            offence,
            nationality,
            exploited_in,
            "; ".join(role_list) or None,
            _listed(ip_gender[i], sex_label, k, rng),
            _listed(ip_age[i], AGE_LABELS, 1, rng),
            _listed(ip_region[i], region_label, k, rng),
            _listed(relation[i], RELATION_LABELS, k, rng),
            _listed(pay[i], pay_label, k, rng),
        ]
        kind = plan.kind(i)
        if kind == "invalid_age":
            row[3] = INVALID_AGES[i % 2]
        elif kind == "future_date":
            row[1] = int(rng.integers(2031, 2036))
        elif kind == "unknown_country":
            row[5] = UNKNOWN_COUNTRIES[i % len(UNKNOWN_COUNTRIES)]
        # every record keeps at least one clean mapped value, so ingest never rejects a row
        dirty = {"invalid_age": 3, "future_date": 1, "unknown_country": 5}.get(kind or "")
        if all(v is None for j, v in enumerate(row[1:], start=1) if j != dirty):
            row[1 if dirty != 1 else 2] = 2016 if dirty != 1 else "F"
        records.append(row)
    return with_blank_rows(records, plan, len(COLUMNS))


def write(path: Path, n: int, rng: np.random.Generator) -> dict:
    """Write the CSV export of `n` victim records; return its expected.json entry."""
    rows, expected = build(n, rng)
    write_csv(path, COLUMNS, rows)
    return {
        "file": path.name,
        "format": "csv",
        "header_rows": 1,
        "columns": list(COLUMNS),
        "identifier_columns": list(IDENTIFIER_COLUMNS),
        "case_id_column": 'Case reference',
        **expected,
    }
