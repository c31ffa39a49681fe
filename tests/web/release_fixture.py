"""Write a small published release folder (docs/contracts.md layout) for the web tests and benchmark.

Real protected aggregates (`cthub.aggregates.threshold_aggregates`) over a CTDC-shaped generated table
(`cthub.sample.benchmark_table`). The "synthetic" file is a second independent sample from the same generator: a
stand-in with the right shape, enough to test that the pages show estimates beside protected counts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cthub.aggregates import threshold_aggregates
from cthub.release.folder import write_checksums, write_json, write_published, write_table
from cthub.sample.benchmark_table import make_benchmark_table

COLUMNS = [
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "citizenship",
    "CountryOfExploitation", "isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfLabourAgriculture",
    "typeOfLabourConstruction", "typeOfLabourDomesticWork", "meansOfControlDebtBondage",
    "meansOfControlPhysicalAbuse", "meansOfControlThreats",
]  # fmt: skip
THRESHOLD = 11
RESOLUTION = 10
LENGTH = 3
VERSION = "2026.11.22"


def write_release(home: Path, n: int = 6000, seed: int = 1, version: str = VERSION, publish: bool = True) -> Path:
    """Write release `version` under `home/releases/` and (by default) list it in published.json."""
    real = make_benchmark_table(n=n, seed=seed)[COLUMNS]
    synthetic = make_benchmark_table(n=n, seed=seed + 1000)[COLUMNS]
    agg = threshold_aggregates(real, LENGTH, threshold=THRESHOLD, resolution=RESOLUTION)
    folder = home / "releases" / version
    data = folder / "data"
    write_table(real.head(200), data, "victims_kanon")  # stands in for k-anonymized microdata
    write_table(synthetic, data, "victims_synthetic")
    write_table(agg, data, "victims_aggregates")
    (folder / "codebook.md").write_text("# Codebook\n", encoding="utf-8")
    years = sorted(real["yearOfRegistration"].dropna().unique())
    write_json(folder / "release.json", {
        "version": version,
        "created": dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC).isoformat(),
        "hub": "test hub",
        "cthub_version": "0.1.0",
        "standard_version": "1.0.0",
        "parameters": {"aggregates": {"length": LENGTH}},
        "privacy": {"k": 11, "epsilon": 4.0, "delta": 1e-6, "threshold": THRESHOLD, "resolution": RESOLUTION,
                    "methods": {"microdata": "k-anonymity", "synthetic": "mst", "aggregates": "threshold"}},
        "tables": {"victims": {"records": int(len(real))}},
        "summary": {"records": int(len(real)), "countries": int(real["citizenship"].nunique()),
                    "years": [str(years[0]), str(years[-1])], "contributors": 3},
        "gates": {"passed": True, "checks": []},
        "notes": "Test release.",
    })
    write_checksums(folder)
    if publish:
        write_published(home, [version])
    return folder
