"""`cthub.config.require_hub` recognizes a hub without importing the store (config is below it)."""

from __future__ import annotations

import pytest

from cthub.config import CONFIG_FILE, STORE_FILE, ConfigError, require_hub


def test_a_folder_the_store_wrote_is_recognized_as_a_hub(tmp_path):
    from cthub.store import Store

    Store.open(tmp_path)  # the file the store really writes, whatever its name (connections are per call)
    assert (tmp_path / STORE_FILE).exists()
    assert require_hub(tmp_path) == tmp_path.resolve()


def test_a_hub_is_a_folder_with_its_config_or_its_store(tmp_path):
    with pytest.raises(ConfigError, match="cthub init --home"):
        require_hub(tmp_path)
    (tmp_path / STORE_FILE).write_bytes(b"")
    assert require_hub(tmp_path) == tmp_path.resolve()
    other = tmp_path / "other"
    other.mkdir()
    (other / CONFIG_FILE).write_text("name: x\n", encoding="utf-8")
    assert require_hub(other) == other.resolve()
