"""config: TOML file, XDG location, explicit --config, strict keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot import config
from reviewbot.errors import UsageError


def test_defaults_when_no_file(tmp_path: Path) -> None:
    cfg = config.load(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert cfg == config.Config()


def test_xdg_location(tmp_path: Path) -> None:
    path = tmp_path / "reviewbot" / "config.toml"
    path.parent.mkdir()
    path.write_text('[rules]\ndisable = ["nonatomic-flags-update"]\nmin_severity = "error"\n')
    cfg = config.load(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert cfg.disabled == ("nonatomic-flags-update",)
    assert cfg.min_severity == "error"
    assert cfg.source == str(path)


def test_home_fallback(tmp_path: Path) -> None:
    assert config.default_path({"HOME": str(tmp_path)}) == (
        tmp_path / ".config" / "reviewbot" / "config.toml"
    )


def test_explicit_file_wins_and_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[rules.severity]\n"nonatomic-flags-update" = "error"\n')
    assert config.load(str(path)).severity == (("nonatomic-flags-update", "error"),)
    with pytest.raises(UsageError, match="does not exist"):
        config.load(str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[rules\n", "invalid TOML"),
        ("[rulez]\n", "unknown section"),
        ("[rules]\ndisabled = []\n", "unknown key"),
        ('[rules]\ndisable = "x"\n', "list of rule ids"),
        ('[rules]\nmin_severity = "loud"\n', "min_severity"),
        ('[rules.severity]\nx = "loud"\n', "severity values"),
    ],
)
def test_bad_config_is_a_usage_error(text: str, error: str) -> None:
    with pytest.raises(UsageError, match=error):
        config.parse(text, "c.toml")
