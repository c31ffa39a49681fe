"""Mapping transforms, one module each, and the registry the mapping schema validates `transform:` against.

Adding a transform: a module here with a `Rule` subclass (its `name`, `transform: Literal[name]`, its own checks
and `parser` or `cells`), and one line in `TRANSFORMS` below. The mapping schema (`cthub.ingest.mapping`) then
accepts `transform: NAME`, validates the rule with that class, and the importer (`cthub.ingest.transform`) calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag

from cthub.ingest.transforms.age_band import AgeBandRule
from cthub.ingest.transforms.base import Context, Rule, fold_header, resolve_column
from cthub.ingest.transforms.boolean import BooleanRule
from cthub.ingest.transforms.constant import ConstantRule
from cthub.ingest.transforms.country import CountryRule
from cthub.ingest.transforms.flag import FlagRule
from cthub.ingest.transforms.majority import MajorityRule
from cthub.ingest.transforms.multi import MultiRule
from cthub.ingest.transforms.value import ValueRule
from cthub.ingest.transforms.year import YearRule

TRANSFORMS: dict[str, type[Rule]] = {cls.name: cls for cls in (
    ValueRule, BooleanRule, YearRule, CountryRule, MultiRule, FlagRule, AgeBandRule, MajorityRule, ConstantRule,
)}
# a rule without `transform:` follows the standard variable's type
DEFAULT_BY_TYPE = {"categorical": "value", "boolean": "boolean", "year": "year", "country": "country",
                   "multi": "multi"}
AUTO = Rule.name


def _tag(value: Any) -> str:
    """Which class validates a rule: its `transform:`, `constant` when it has a `constant:`, else `auto`."""
    if isinstance(value, dict):
        if value.get("constant") is not None:
            return ConstantRule.name
        name = value.get("transform")
    else:
        name = getattr(value, "transform", None)
    return AUTO if name is None else str(name)


if TYPE_CHECKING:  # to a type checker every rule is a Rule; pydantic sees the union of the registered classes
    AnyRule = Rule
else:
    AnyRule = Annotated[
        Union[tuple(Annotated[cls, Tag(name)] for name, cls in {AUTO: Rule, **TRANSFORMS}.items())],  # noqa: UP007
        Discriminator(_tag, custom_error_type="unknown_transform",
                      custom_error_message=f"transform must be one of: {', '.join(TRANSFORMS)} (or left out: the "
                                           "variable's type decides)"),
    ]


def transform_of(rule: Rule, var_type: str) -> type[Rule]:
    """The class that applies `rule` to a variable of type `var_type`."""
    return TRANSFORMS[rule.transform or DEFAULT_BY_TYPE.get(var_type, ValueRule.name)]


def declared(rule: Rule) -> type[Rule]:
    """The class of what the rule says itself (`Rule` when it leaves the transform to the variable's type)."""
    return TRANSFORMS.get(rule.transform or "", Rule)


__all__ = ["AUTO", "DEFAULT_BY_TYPE", "TRANSFORMS", "AnyRule", "Context", "Rule", "declared", "fold_header",
           "resolve_column", "transform_of"]
