"""`htcds-ngo`: an NGO's XLSX filled in the HTCDS v2.0 Excel template ("HTCDS Excel Spreadsheet v2.0.xlsx").

Layout, as in the template: sheet "Sheet1"; row 1 holds the HTCDS field names (`prs_Gender`, ...), row 2 the
template's labels copied verbatim (the template's own labels are misaligned for the mailing-address columns, and
the column after `cas_ReferredPrimaryCaseWorker` has no field name: it stays empty); data start on row 3; column A
numbers the data rows (1, 2, ...; empty on blank rows). Field names are authoritative. After the template's
columns the NGO added its own case number, `cas_CaseID` (label "Case ID"): "NGO-<registration year>-<5 digits>",
unique (HTCDS has no case-number field; ingest keys cases by it).

Values are the HTCDS value *names* from the HTCDS XLSForm lists (`htcds_template.json`), multi-selects joined with
";". Intake registrations run 2012-2024.
- `cas_CaseOwner`*, `cas_ReferringPrimaryCaseWorker`*, `cas_ReferredPrimaryCaseWorker`*: staff names.
- `prs_Salutation`, `prs_FirstName`*, `prs_SecondName`*, `prs_Title`, `prs_Email`* (example.org),
  `prs_HomePhone`*, `prs_MobilePhone`*, `prs_MailingStreet`*, `prs_MailingCity`*, `prs_MailingState`*,
  `prs_MailingPostalCode`*, `prs_MailingCountry` (HTCDS country label): identifiers and contact details.
- `con_Consent`: "TRUE" | "FALSE".
- `prs_Birthdate`*: Excel date or empty (age unknown).
- `prs_Gender`: Feminine | Masculine | TransgenderFeminine | TransgenderMasculine | NonConforming |
  NonSpecifiedUnknown | empty.
- `prs_Citizenship`: ISO 3166-1 alpha-2 code (the XLSForm list's names) or empty.
- `vic_TraffickingStatus`: ActualVictimOfTrafficking | PossibleVictimOfTrafficking.
- `vic_TraffickinStatusDecisionMakingOrg` (sic, the template's spelling): Police | NGO | CourtOrProsecution |
  NonPoliceGovernmentalOrganization | Other.
- `vic_MethodOfRecruitment`: methodofrecruitment names (ThroughFamilyOrFamilyEvents, ...), from the recruiter.
- `vic_LocationOfRecruitment`: free text, the country of citizenship's HTCDS label.
- `vic_MethodsOfControl`: methodsofcontrol names (`MEANS_NAMES`; HTCDS has no "restricts movement": it is Other).
- `vic_TypeOfExploitation`: typeofexploitation names (ForcedLabour, SexualExploitation, ChildLabour for minors in
  forced labour, ForcedBegging, ForcedMarriage, Servitude, Other).
- `vic_ForcedLabourIndustry`: forcedlabourindustry ISIC names (`INDUSTRY_NAMES`, e.g. T_ActivitiesOfHouseholds...
  for domestic work, A_AgricultureForestryAndFishing for agriculture and fishing).
- `vic_TypeOfSexExploitation`: Prostitution | Pornography | RemoteInteractiveServices | PrivateSexualServices.
- `vic_LocationOfExploitation`: free text, the HTCDS country label ("Thailand", "Viet Nam").
- `cas_Status`: Active | FollowUp | Closed | ClosedReferred.
- `cas_IncomingReferralDate`: Excel date: the registration date.
- `cas_ReferringOrganisation`, `cas_ReasonForIncomingReferral`, `cas_IncomingReferralDetails`* (free text),
  `cas_ReferredOrganisation`, `cas_OutgoingReferralDate`, `cas_OutgoingReferralDetails`*,
  `cas_ReasonForCaseClosure`: process fields, partly filled.
"""

from __future__ import annotations

import datetime as dt
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
from cthub.sample.contributors.htcds_template import load_template
from cthub.sample.latent import AGE_BAND_RANGES, CASE_MANAGEMENT, COUNTRIES, LABOUR, MEANS, SEX, draw_source_cases
from cthub.sample.people import full_names, phone_numbers

SHEET = "Sheet1"
CASE_ID_COLUMN = "cas_CaseID"
CASE_ID_LABEL = "Case ID"
IDENTIFIER_COLUMNS = (
    "cas_CaseOwner", "prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Email", "prs_HomePhone",
    "prs_MobilePhone", "prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingPostalCode",
    "cas_ReferringPrimaryCaseWorker", "cas_IncomingReferralDetails", "cas_ReferredPrimaryCaseWorker",
    "cas_OutgoingReferralDetails",
)  # fmt: skip
MEANS_NAMES = dict(zip(MEANS, (
    "DebtBondage", "TakesEarnings", "RestrictsFinancialAccess", "PhysicalThreats", "PsychologicalAbuse",
    "PhysicalAbuse", "SexualAbuse", "FalsePromises", "PsychoactiveSubstance", "Other", "RestrictsMedicalCare",
    "ExcessiveWorkingHours", "ThreatensChildrenFamily", "ThreatsLawEnforcement", "WithholdsNecessities",
    "WithholdsDocuments"), strict=True))  # fmt: skip
INDUSTRY_NAMES = dict(zip(LABOUR, (
    "A_AgricultureForestryAndFishing", "A_AgricultureForestryAndFishing", "S_OtherServiceActivities",
    "F_Construction", "T_ActivitiesOfHouseholdsAsEmployers", "I_AccommodationAndFoodServiceActivities",
    "S_OtherServiceActivities", "C_Manufacturing", "B_MiningAndQuarrying",
    "G_WholesaleAndRetailTradeRepairOfMotorVehicles", "H_TransportationAndStorage", "S_OtherServiceActivities"),
    strict=True))  # fmt: skip
RECRUITMENT = (  # by latent recruiter: IntimatePartner, Friend, Family, Other, Unknown
    ("ThroughFriendsOrSocialEvents", "ThroughOnlineSocialNetworks"),
    ("ThroughFriendsOrSocialEvents", "ThroughOnlineSocialNetworks", "AtWork"),
    ("ThroughFamilyOrFamilyEvents",),
    ("ThroughAnOnlineAdvertisement", "AtAPlaceOfBusiness", "ThroughANewspaperAdvert", "AtWork", "Other"),
    (),
)
STAFF = ("A. Rahman", "J. Okafor", "M. Santos", "L. Nguyen", "K. Petrova", "S. Haddad", "R. Mensah", "T. Kim")
ORGANISATIONS = ("Safe Harbour Shelter", "Regional Anti-Trafficking Taskforce", "Migrant Workers Centre",
                 "Legal Aid Network", "Women's Crisis Line", "Labour Inspectorate")  # fmt: skip
DECISION_ORGS = ("NGO", "Police", "CourtOrProsecution", "NonPoliceGovernmentalOrganization", "Other")
MISSING = {"gender": 0.03, "dob": 0.12, "citizenship": 0.04, "exploitation": 0.04, "exploit": 0.02,
           "detail": 0.08, "means": 0.25, "recruiter": 0.3}  # fmt: skip


def _check_values(template: dict) -> None:
    """Every value written must be in HTCDS's lists: fail loudly if the packaged lists ever change."""
    lists = template["lists"]
    used = {
        "methodsofcontrol": set(MEANS_NAMES.values()),
        "forcedlabourindustry": set(INDUSTRY_NAMES.values()),
        "methodofrecruitment": {v for group in RECRUITMENT for v in group},
        "typeofsexexploitation": set(SEX),
        "traffickingstatusdecisionmakingorg": set(DECISION_ORGS),
        "citizenship": set(COUNTRIES),
    }
    for name, values in used.items():
        missing = values - set(lists[name])
        if missing:
            raise RuntimeError(f"values {sorted(missing)} are not in the HTCDS list {name!r}")


def build(n: int, rng: np.random.Generator) -> tuple[list[list], dict]:
    """The export's data rows (without column A; blank rows included) and its expected.json entry."""
    template = load_template()
    _check_values(template)
    fields = [*template["field_names"][1:], CASE_ID_COLUMN]  # column A is the row number
    country_label = template["lists"]["citizenship"]
    cases = draw_source_cases(n, rng, CASE_MANAGEMENT, first_year=2012)
    referral = random_dates(cases.year, rng)
    lo = np.array([r[0] for r in AGE_BAND_RANGES])[cases.age_band]
    hi = np.array([r[1] for r in AGE_BAND_RANGES])[cases.age_band]
    age = rng.integers(lo, hi + 1)
    age_days = rng.integers(0, 365, size=n)
    names = full_names(cases.citizenship, cases.female, rng)
    mobiles = phone_numbers(cases.exploitation, rng)
    homes = phone_numbers(cases.citizenship, rng)
    miss = {k: rng.random(n) < p for k, p in MISSING.items()}
    u = rng.random((n, 12))
    staff = rng.integers(0, len(STAFF), size=(n, 3))
    orgs = rng.integers(0, len(ORGANISATIONS), size=(n, 2))
    recruit_pick = rng.integers(0, 5, size=n)
    plan = plan_dirt(n, rng)
    records = []
    counter: dict[int, int] = {}
    for i in range(n):
        kind = plan.kind(i)
        first, family = names[i]
        counter[int(cases.year[i])] = counter.get(int(cases.year[i]), 0) + 1
        female = bool(cases.female[i])
        date = future_date(rng) if kind == "future_date" else referral[i]
        dob = None if miss["dob"][i] else birth_date(referral[i], int(age[i]), int(age_days[i]))
        if kind == "invalid_age":
            dob = birth_date(date, INVALID_AGES[i % 2], int(age_days[i]))
        gender: str | None = "Feminine" if female else "Masculine"
        if u[i, 0] < 0.006:
            gender = ("TransgenderFeminine", "TransgenderMasculine", "NonConforming")[int(u[i, 1] * 3)]
        if miss["gender"][i]:
            gender = "NonSpecifiedUnknown" if u[i, 1] < 0.5 else None
        cit = COUNTRIES[cases.citizenship[i]]
        coe = COUNTRIES[cases.exploitation[i]]
        location = None if miss["exploitation"][i] else country_label[coe]
        if kind == "unknown_country":
            location = UNKNOWN_COUNTRIES[i % len(UNKNOWN_COUNTRIES)]
        ex = int(cases.exploit[i])
        minor = cases.age_band[i] < 2
        labour_kind = LABOUR[cases.labour[i]]
        types: list[str] = []
        if not miss["exploit"][i]:
            if ex in (0, 3):
                types.append("ForcedLabour")
                if minor:
                    types.append("ChildLabour")
                if labour_kind == "Begging":
                    types.append("ForcedBegging")
            if ex in (1, 3):
                types.append("SexualExploitation")
            if ex == 2:
                types.append(("ForcedMarriage", "ForcedMarriage", "Servitude", "Other")[int(u[i, 2] * 4)])
        detail = bool(types) and not miss["detail"][i]
        industry = INDUSTRY_NAMES[labour_kind] if detail and ex in (0, 3) else None
        sex_type = SEX[cases.sex[i]] if detail and ex in (1, 3) else None
        means = sorted({MEANS_NAMES[m] for m, on in zip(MEANS, cases.means[i], strict=True) if on})
        options = RECRUITMENT[cases.recruiter[i]]
        recruitment = None if miss["recruiter"][i] or not options else options[recruit_pick[i] % len(options)]
        closed = cases.year[i] < 2022 and u[i, 3] < 0.8
        referred_out = closed and u[i, 4] < 0.35
        if closed:
            status = "ClosedReferred" if referred_out else "Closed"
        else:
            status = "FollowUp" if u[i, 5] < 0.3 else "Active"
        mailing = u[i, 6] < 0.25
        referred_in = u[i, 7] < 0.5
        out_date = referral[i] + dt.timedelta(days=int(30 + u[i, 8] * 300)) if referred_out else None
        row = {
            "cas_CaseOwner": STAFF[staff[i, 0]],
            "prs_Salutation": ("Ms" if female else "Mr") if u[i, 9] < 0.6 else None,
            "prs_FirstName": first,
            "prs_SecondName": family,
            "con_Consent": "TRUE" if u[i, 10] < 0.93 else "FALSE",
            "prs_Birthdate": dob,
            "prs_Gender": gender,
            "prs_Citizenship": None if miss["citizenship"][i] else cit,
            "prs_Title": None,
            "prs_Email": f"{first.lower()}.{family.lower().replace(' ', '')}{i % 97}@example.org"
            if u[i, 11] < 0.3
            else None,
            "prs_HomePhone": homes[i] if u[i, 6] < 0.2 else None,
            "prs_MobilePhone": mobiles[i] if u[i, 9] < 0.65 else None,
            "prs_MailingCity": f"{('North', 'East', 'Old', 'New')[i % 4]} Harbour" if mailing else None,
            "prs_MailingCountry": country_label[coe] if mailing else None,
            "prs_MailingState": None,
            "prs_MailingStreet": f"{1 + i % 180} Example Street" if mailing else None,
            "prs_MailingPostalCode": f"{10000 + (i * 37) % 89999}" if mailing else None,
            "vic_TraffickingStatus": "ActualVictimOfTrafficking" if u[i, 2] < 0.85 else "PossibleVictimOfTrafficking",
            "vic_TraffickinStatusDecisionMakingOrg": DECISION_ORGS[int(u[i, 3] * 10) % len(DECISION_ORGS)],
            "vic_MethodOfRecruitment": recruitment,
            "vic_LocationOfRecruitment": None if miss["citizenship"][i] else country_label[cit],
            "vic_MethodsOfControl": None if miss["means"][i] else join(means, ";"),
            "vic_TypeOfExploitation": join(types, ";"),
            "vic_ForcedLabourIndustry": industry,
            "vic_TypeOfSexExploitation": sex_type,
            "vic_LocationOfExploitation": location,
            "cas_Status": status,
            "cas_ReferringOrganisation": ORGANISATIONS[orgs[i, 0]] if referred_in else None,
            "cas_IncomingReferralDate": date,
            "cas_ReferringPrimaryCaseWorker": STAFF[staff[i, 1]] if referred_in else None,
            "cas_ReasonForIncomingReferral": "Additional Services Required" if referred_in else None,
            "cas_IncomingReferralDetails": f"Referred by {STAFF[staff[i, 1]]} after outreach; client {first} "
            f"reachable on {mobiles[i]}."
            if referred_in and u[i, 8] < 0.5
            else None,
            "cas_ReferredOrganisation": ORGANISATIONS[orgs[i, 1]] if referred_out else None,
            "cas_ReferredPrimaryCaseWorker": STAFF[staff[i, 2]] if referred_out else None,
            "cas_OutgoingReferralDate": out_date,
            "cas_OutgoingReferralDetails": (
                f"Transferred for legal support ({first} {family})." if referred_out else None
            ),
            "cas_ReasonForCaseClosure": ("Case resolved" if not referred_out else "Referred") if closed else None,
            CASE_ID_COLUMN: f"NGO-{int(cases.year[i])}-{counter[int(cases.year[i])]:05d}",
        }
        records.append([row.get(f) if f is not None else None for f in fields])
    return with_blank_rows(records, plan, len(fields))


def write(path: Path, n: int, rng: np.random.Generator) -> dict:
    """Write the HTCDS template XLSX of `n` cases; return its expected.json entry."""
    template = load_template()
    rows, expected = build(n, rng)
    numbers: dict[int, int] = {}
    for i, row in enumerate(rows):
        if any(v is not None for v in row):
            numbers[i] = len(numbers) + 1
    write_xlsx(
        path,
        SHEET,
        [[*template["field_names"], CASE_ID_COLUMN], [*template["field_labels"], CASE_ID_LABEL]],
        rows,
        row_label=lambda i: numbers[i],
    )
    return {
        "file": path.name,
        "format": "xlsx",
        "sheet": SHEET,
        "header_rows": 2,
        "field_names_row": 1,
        "columns": [*(f for f in template["field_names"] if f is not None), CASE_ID_COLUMN],
        "identifier_columns": list(IDENTIFIER_COLUMNS),
        "case_id_column": CASE_ID_COLUMN,
        **expected,
    }
