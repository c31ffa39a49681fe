"""`transform: age_band`: CTDC's age band (0--8, 9--17, ..., 48+) from an age or a date of birth."""

from __future__ import annotations

from typing import Literal

from cthub.ingest.parsers import band_of_range
from cthub.ingest.transforms._age import AgeRule


class AgeBandRule(AgeRule):
    name = "age_band"
    transform: Literal["age_band"] = "age_band"

    @staticmethod
    def code_of(lo: int, hi: int) -> str | None:
        return band_of_range(lo, hi)
