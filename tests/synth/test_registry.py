"""`cthub.synth.registry`: synthesizers by name with their own parameter models, and the synthetic row count."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from cthub.config import ConfigError, HubConfig
from cthub.synth import registry
from cthub.synth.base import SynthError


def test_registry_names_the_classes_get_synthesizer_builds():
    assert registry.methods()[0] == registry.DEFAULT_METHOD and registry.methods() == list(registry.SYNTHESIZERS)
    for name, entry in registry.SYNTHESIZERS.items():
        cls = entry.load()
        assert type(registry.get_synthesizer(name)) is cls
        assert type(registry.build(name)) is cls


def test_parameter_models_match_the_constructors():
    """Every tuning parameter of a model is a keyword of its class with the same default, so the model can neither
    promise a parameter the class lacks nor change a default behind its back."""
    for name, entry in registry.SYNTHESIZERS.items():
        signature = inspect.signature(entry.load().__init__).parameters
        for field, info in entry.parameters.model_fields.items():
            assert field in signature, f"{name}: {field} is not a parameter of {entry.class_name}"
            assert info.default == signature[field].default, f"{name}.{field}: default differs from the class"


def test_unknown_names_and_parameters_are_refused_with_what_is_known():
    with pytest.raises(SynthError, match="unknown synthesis method 'gan'; choose one of: mst, aggregate-seeded"):
        registry.method("gan")
    with pytest.raises(SynthError, match="max_cells"):
        registry.parameters("mst", {"max_cells": 0})
    with pytest.raises(SynthError, match="nonsense"):
        registry.parameters("aggregate-seeded", {"nonsense": 1})
    assert registry.parameters("mst", {"max_cells": 5000}) == {"max_cells": 5000}  # only what was given
    assert registry.build("mst", {"max_cells": 5000}).max_cells == 5000


def test_the_synthetic_stage_refuses_an_unknown_method_when_planning():
    from cthub.release.stages.synthetic import Synthetic

    ctx = SimpleNamespace(name="victims", config=HubConfig.model_validate({"release": {"synth": {"method": "gan"}}}))
    with pytest.raises(ConfigError, match="release.synth.method: unknown synthesis method 'gan'; choose one of"):
        Synthetic().plan(ctx)


def test_synthetic_rows_is_asked_or_public_never_the_true_count():
    model = SimpleNamespace(default_rows=480, privacy={"noisy_records": 470})
    assert registry.synthetic_rows(model, 100) == 100
    assert registry.synthetic_rows(model, 0) == 0  # `cthub synth --rows 0` writes the header only
    assert registry.synthetic_rows(model, None, public_count=512.7) == 512  # the release's DP count
    assert registry.synthetic_rows(model, None, public_count=-3.0) == 1
    assert registry.synthetic_rows(model) == 480
    assert registry.synthetic_rows(SimpleNamespace(privacy={"noisy_records": 470})) == 470
    with pytest.raises(SynthError, match="give --rows N"):
        registry.synthetic_rows(SimpleNamespace(privacy={}))
