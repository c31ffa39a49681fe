"""`transform: majority`: Minor or Adult from an age or a date of birth (missing when a range straddles 18)."""

from __future__ import annotations

from typing import Literal

from cthub.ingest.parsers import majority_of_range
from cthub.ingest.transforms._age import AgeRule


class MajorityRule(AgeRule):
    name = "majority"
    transform: Literal["majority"] = "majority"

    @staticmethod
    def code_of(lo: int, hi: int) -> str | None:
        return majority_of_range(lo, hi)
