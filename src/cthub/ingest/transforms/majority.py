"""`transform: majority`: Minor or Adult from an age or a date of birth (missing when a range straddles 18)."""

from __future__ import annotations

from typing import Literal

from cthub.ingest.parsers import majority_of_range
from cthub.ingest.transforms._age import AgeRule


class MajorityRule(AgeRule):
    name = "majority"
    of_range = staticmethod(majority_of_range)
    transform: Literal["majority"] = "majority"
