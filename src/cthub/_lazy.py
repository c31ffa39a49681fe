"""Lazy package exports (PEP 562), so `cthub --help` does not import every stage's numerical stack.

A package's `__init__` lists which module defines each public name; the module is imported the first time the name
is used. `from cthub.evaluate import evaluate` works as before, it just happens on demand.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """`__getattr__`, `__dir__` and `__all__` for `package`, given {public name: submodule}."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # next time, a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(importlib.import_module(package).__dict__) | set(where))

    return __getattr__, __dir__, sorted(where)
