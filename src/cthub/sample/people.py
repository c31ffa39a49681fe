"""Fake direct identifiers (names, phone numbers, e-mail, addresses) for the raw exports.

Raw contributor files carry identifiers; ingest must drop them. The sample exports therefore need plausible ones,
drawn by region so a Filipino case has a Filipino-sounding name and a +63 phone number. Every phone number uses a
range reserved for fiction or an obviously fake pattern (555 in North America, 0000-1999 line numbers elsewhere),
so none belongs to a real subscriber.
"""

from __future__ import annotations

import numpy as np

from cthub.sample.latent import COUNTRIES

# region -> (female first names, male first names, family names)
_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sea_islands": (
        ("Maria", "Jocelyn", "Rowena", "Siti", "Dewi", "Nurul", "Angelica", "Marites", "Lorna", "Ayu"),
        ("Jose", "Rommel", "Budi", "Agus", "Mark", "Ricardo", "Ahmad", "Joel", "Eko", "Ariel"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Wijaya", "Santoso", "Garcia", "Mendoza", "Hidayat", "Ramos"),
    ),
    "sea_mainland": (
        ("Linh", "Thao", "Sokha", "Srey", "Malee", "Nang", "Mai", "Chanthy", "Aye", "Somchai"),
        ("Minh", "Tuan", "Dara", "Sophal", "Kyaw", "Somsak", "Vanh", "Hung", "Zaw", "Bounmy"),
        ("Nguyen", "Tran", "Le", "Sok", "Chan", "Win", "Phommachanh", "Saelee", "Pham", "Oo"),
    ),
    "south_asia": (
        ("Sita", "Anita", "Fatema", "Priya", "Nasrin", "Kamala", "Shanthi", "Parveen", "Gita", "Roshni"),
        ("Ram", "Mohammad", "Suresh", "Rahim", "Bikash", "Ahmad", "Nuwan", "Arjun", "Karim", "Hari"),
        ("Sharma", "Khan", "Rai", "Hossain", "Perera", "Tamang", "Das", "Begum", "Gurung", "Silva"),
    ),
    "east_europe": (
        ("Olena", "Natalia", "Irina", "Svetlana", "Tatiana", "Oksana", "Aigerim", "Dilnoza", "Mariana", "Yulia"),
        ("Oleksandr", "Sergei", "Dmitri", "Andrii", "Ion", "Nurlan", "Bakhtiyor", "Vasile", "Ivan", "Timur"),
        ("Kovalenko", "Ivanova", "Popescu", "Shevchenko", "Smirnov", "Rusu", "Nazarbekov", "Karimov", "Bondar",
         "Ceban"),
    ),
    "southeast_europe": (
        ("Elena", "Ana", "Maria", "Ioana", "Elira", "Desislava", "Ayse", "Eleni", "Mihaela", "Blerta"),
        ("Andrei", "Georgi", "Arben", "Mehmet", "Nikos", "Florin", "Dimitar", "Besnik", "Mustafa", "Costin"),
        ("Ionescu", "Dimitrov", "Hoxha", "Yilmaz", "Papadopoulos", "Georgiev", "Kaya", "Stan", "Berisha", "Petrov"),
    ),
    "west_europe": (
        ("Sarah", "Laura", "Anna", "Sofia", "Emma", "Giulia", "Lucia", "Julia", "Chloe", "Marta"),
        ("James", "Thomas", "Marco", "Daniel", "Lukas", "Pablo", "Luca", "Pieter", "David", "Javier"),
        ("Smith", "Rossi", "Muller", "Garcia", "de Vries", "Jones", "Bianchi", "Schmidt", "Lopez", "Janssen"),
    ),
    "west_africa": (
        ("Blessing", "Joy", "Aminata", "Fatoumata", "Akosua", "Mariam", "Precious", "Awa", "Esther", "Adjoa"),
        ("Emeka", "Kwame", "Moussa", "Ibrahim", "Chinedu", "Kofi", "Mamadou", "Yaw", "Sani", "Oumar"),
        ("Okafor", "Mensah", "Diallo", "Traore", "Adeyemi", "Boateng", "Ouedraogo", "Ndiaye", "Eze", "Kone"),
    ),
    "east_africa": (
        ("Tigist", "Aster", "Grace", "Faith", "Mercy", "Hiwot", "Sarah", "Naledi", "Akello", "Wanjiru"),
        ("Abebe", "Daniel", "Joseph", "Kiprono", "Musa", "Tesfaye", "Brian", "Okello", "Dawit", "Otieno"),
        ("Bekele", "Mwangi", "Tadesse", "Ochieng", "Kamau", "Girma", "Nakato", "Wekesa", "Haile", "Achieng"),
    ),
    "latin_america": (
        ("Maria", "Guadalupe", "Ana", "Rosa", "Daniela", "Yesenia", "Fernanda", "Marie", "Luz", "Carolina"),
        ("Juan", "Jose", "Luis", "Carlos", "Jean", "Miguel", "Pedro", "Wilson", "Andres", "Marco"),
        ("Hernandez", "Lopez", "Martinez", "Gonzalez", "Pierre", "Rodriguez", "Perez", "Silva", "Ramirez", "Joseph"),
    ),
    "north_america": (
        ("Jessica", "Ashley", "Brittany", "Amanda", "Tiffany", "Kayla", "Destiny", "Emily", "Samantha", "Jasmine"),
        ("Michael", "Christopher", "Joshua", "Tyler", "Brandon", "Justin", "Anthony", "Robert", "Kevin", "Jordan"),
        ("Johnson", "Williams", "Brown", "Davis", "Miller", "Wilson", "Moore", "Taylor", "Thomas", "Jackson"),
    ),
    "middle_east": (
        ("Fatima", "Aisha", "Layla", "Noor", "Rania", "Huda", "Maryam", "Sara", "Yasmin", "Zeinab"),
        ("Ahmed", "Mohammed", "Ali", "Omar", "Khalid", "Hassan", "Yousef", "Tariq", "Samir", "Faisal"),
        ("Al-Harbi", "Haddad", "Al-Sabah", "Khoury", "Al-Mansouri", "Nasser", "Saleh", "Aziz", "Hamdan", "Rahman"),
    ),
    "east_asia": (
        ("Li", "Mei", "Yuki", "Ji-woo", "Hua", "Min-ji", "Xiu", "Aiko", "Seo-yeon", "Lan"),
        ("Wei", "Jun", "Hiroshi", "Min-jun", "Lei", "Takeshi", "Hao", "Ji-hoon", "Kenji", "Tao"),
        ("Wang", "Zhang", "Sato", "Kim", "Liu", "Lee", "Chen", "Park", "Suzuki", "Yang"),
    ),
}

_REGION_OF = {
    **dict.fromkeys(("PH", "ID", "MY"), "sea_islands"),
    **dict.fromkeys(("VN", "KH", "TH", "LA", "MM"), "sea_mainland"),
    **dict.fromkeys(("IN", "NP", "BD", "LK", "AF"), "south_asia"),
    **dict.fromkeys(("UA", "RU", "BY", "MD", "KZ", "UZ", "KG", "PL"), "east_europe"),
    **dict.fromkeys(("RO", "BG", "AL", "GR", "TR"), "southeast_europe"),
    **dict.fromkeys(("GB", "DE", "NL", "ES", "IT"), "west_europe"),
    **dict.fromkeys(("NG", "GH", "SN", "ML", "CI", "BF"), "west_africa"),
    **dict.fromkeys(("ET", "KE", "UG"), "east_africa"),
    **dict.fromkeys(("MX", "GT", "HN", "SV", "CO", "VE", "PE", "BR", "DO", "HT"), "latin_america"),
    "US": "north_america",
    **dict.fromkeys(("SA", "AE", "KW", "QA", "LB", "JO"), "middle_east"),
    **dict.fromkeys(("CN", "JP", "KR"), "east_asia"),
}

CALLING_CODES = {
    "PH": "63", "VN": "84", "UA": "380", "PL": "48", "RU": "7", "MX": "52", "US": "1", "NG": "234", "IT": "39",
    "KH": "855", "TH": "66", "MY": "60", "SA": "966", "ID": "62", "MM": "95", "LA": "856", "NP": "977", "IN": "91",
    "BD": "880", "CN": "86", "AE": "971", "KW": "965", "QA": "974", "BY": "375", "MD": "373", "RO": "40",
    "BG": "359", "AL": "355", "GB": "44", "DE": "49", "NL": "31", "ES": "34", "TR": "90", "HT": "509", "DO": "1",
    "GH": "233", "ET": "251", "LB": "961", "KE": "254", "UG": "256", "HN": "504", "GT": "502", "SV": "503",
    "KZ": "7", "UZ": "998", "LK": "94", "SN": "221", "ML": "223", "CI": "225", "BF": "226", "CO": "57", "VE": "58",
    "GR": "30", "JO": "962", "KG": "996", "AF": "93", "JP": "81", "KR": "82", "BR": "55", "PE": "51",
}  # fmt: skip
assert set(CALLING_CODES) == set(COUNTRIES) == set(_REGION_OF)


def full_names(country: np.ndarray, female: np.ndarray, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(first name, family name) per case, from the naming region of its citizenship (country indexes)."""
    picks = rng.integers(0, 10, size=(len(country), 2))
    out = []
    for c, f, (i, j) in zip(country.tolist(), female.tolist(), picks.tolist(), strict=True):
        fem, mal, fam = _NAMES[_REGION_OF[COUNTRIES[c]]]
        out.append(((fem if f else mal)[i], fam[j]))
    return out


def phone_numbers(country: np.ndarray, rng: np.random.Generator, style: str = "international") -> list[str]:
    """Fictional phone numbers. `style`: "international" (+63 917 555 0123) or "us" ((555) 012-3456)."""
    digits = rng.integers(0, 10_000, size=(len(country), 2))
    if style == "us":
        return [f"(555) {a % 1000:03d}-{b:04d}" for a, b in digits.tolist()]
    out = []
    for c, (a, b) in zip(country.tolist(), digits.tolist(), strict=True):
        code = CALLING_CODES[COUNTRIES[c]]
        out.append(f"+{code} {900 + a % 100} 555 {b % 2000:04d}")
    return out
