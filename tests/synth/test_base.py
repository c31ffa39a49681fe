"""The interface: registry, model files that never unpickle, domains from the standard."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cthub.synth import SynthError, domain_from_standard, get_synthesizer, load_model, methods
from cthub.synth.base import Model, Synthesizer


def test_registry_knows_methods_and_rejects_others() -> None:
    assert methods()[0] == "mst" and "aggregate-seeded" in methods()
    assert isinstance(get_synthesizer("mst"), Synthesizer)
    with pytest.raises(SynthError, match="choose one of: mst"):
        get_synthesizer("gan")


def test_save_load_roundtrip_samples_identically(table: pd.DataFrame, domain: dict, tmp_path: Path) -> None:
    model = get_synthesizer("mst").fit(table, epsilon=2.0, delta=1e-6, domain=domain)
    path = model.save(tmp_path / "m.npz")
    # The file is plain arrays + one JSON string: it loads with pickling disabled.
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["__meta__"]))
        assert all(data[k].dtype != object for k in data.files)
    assert meta["method"] == "mst"
    again = load_model(path)
    assert isinstance(again, Model)
    assert again.columns == model.columns
    assert again.privacy == model.privacy
    pd.testing.assert_frame_equal(again.sample(500, seed=3), model.sample(500, seed=3))


def test_load_model_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="no model file"):
        load_model(tmp_path / "absent.npz")
    bogus = tmp_path / "bogus.npz"
    with zipfile.ZipFile(bogus, "w") as z:
        z.writestr("x.txt", "hello")
    with pytest.raises(SynthError):
        load_model(bogus)


def test_domain_from_standard() -> None:
    from cthub.standard import load_standard

    std = load_standard()
    victims = std.table("victims")
    dom = domain_from_standard(victims, ["gender", "isForcedLabour", "citizenship"])
    assert dom["isForcedLabour"] == ["0", "1"]
    assert "PH" in dom["citizenship"] and len(dom["citizenship"]) > 200
    vp = std.table("victim_perpetrator")
    multi = [v.name for v in vp.variables if v.type == "multi"]
    assert multi
    dm = domain_from_standard(vp, multi)
    for name in multi:
        atoms = vp.variable(name).codes
        assert set(atoms) <= set(dm[name])  # single atoms are categories
        if len(atoms) >= 2:
            pair = ";".join(sorted(atoms[:2]))
            assert pair in dm[name]  # and so are sets, joined sorted like cells
    # which columns are sets is said by the schema, so callers passing the domain on pass it too
    assert dm.multi == {name: ";" for name in multi}
    assert not domain_from_standard(vp, ["gender", "IP_Exploiter"]).multi
    with pytest.raises(SynthError, match="not in the standard"):
        domain_from_standard(victims, ["no_such_column"])
