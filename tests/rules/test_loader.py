"""Rule loader: schema errors name the file and never leak a traceback type."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.errors import ReviewbotError
from reviewbot.rules.loader import LIBRARY, get_rule, load_library, parse_rule

GOOD = (LIBRARY / "nonatomic-flags-update" / "rule.yaml").read_text()


def test_parses_the_library_rule() -> None:
    rule = parse_rule(GOOD, "nonatomic-flags-update", "x.yaml")
    assert rule.scenario == "flags-rmw" and rule.owned[0].knob == "atomic"


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (("id: nonatomic-flags-update", "id: other-id"), "differs from its directory"),
        (("status: stable", "status: beta"), "status"),
        (("severity: warning", "severity: fatal"), "severity"),
        (("extractor: flags.atomic", "extractor: flags.nope"), "unknown extractor"),
        (
            ("  - name: shared-flags-update", "  - name: no-such-role"),
            "unknown or undocumented role",
        ),
        (("  fix: |", "  fixes: |"), "lacks sections: fix"),
        (('["|=" "&=" "^="]', '["|="'), "bad tree-sitter query"),
    ],
)
def test_schema_errors(edit: tuple[str, str], error: str) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(ReviewbotError, match=error) as info:
        parse_rule(text, "nonatomic-flags-update", "x.yaml")
    assert "x.yaml" in info.value.details()


def test_invalid_yaml_and_non_mapping() -> None:
    with pytest.raises(ReviewbotError, match="invalid YAML"):
        parse_rule("id: [", "a-b", "x.yaml")
    with pytest.raises(ReviewbotError, match="mapping"):
        parse_rule("- 1\n", "a-b", "x.yaml")


def test_library_directory_without_rule_yaml(tmp_path: Path) -> None:
    (tmp_path / "lonely-rule").mkdir()
    with pytest.raises(ReviewbotError, match=r"without rule\.yaml"):
        load_library(str(tmp_path))


def test_unknown_rule_lists_known_ids() -> None:
    with pytest.raises(ReviewbotError) as info:
        get_rule("no-such-rule")
    assert "nonatomic-flags-update" in info.value.details()
