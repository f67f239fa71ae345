"""One test over the whole rule library: schema, ids, explanations, scenarios, examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbot.analyze import default_runner
from reviewbot.rules.examples import marks, run_examples
from reviewbot.rules.loader import LIBRARY, SECTIONS, load_library
from reviewbot.sim.registry import all_scenarios

RULES = load_library()
REQUIRED = {
    "flush-without-wait-before-remote-stat",
    "remote-size-overwrites-local-size",
    "evict-without-waiting-for-io",
    "cached-mapping-without-revalidation",
    "size-update-without-inode-lock",
    "nonatomic-flags-update",
}
STYLES = re.compile(
    r"\b(9p|cifs|smb|afs|ceph|fuse|nfs|netfs|ext2|ext4|xfs|btrfs|bcachefs|iomap|gfs2|zonefs)\b"
)


def test_required_rules_exist_and_every_directory_is_a_rule() -> None:
    ids = {r.id for r in RULES}
    assert ids >= REQUIRED
    dirs = {p.name for p in LIBRARY.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert dirs == ids


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_schema(rule: object) -> None:
    from reviewbot.rules.loader import Rule

    assert isinstance(rule, Rule)
    assert rule.id == Path(rule.directory_path).name
    assert [k for k, _ in rule.explanation] == list(SECTIONS)
    assert all(body.strip() for _, body in rule.explanation)
    assert rule.roles and all(role.test for role in rule.roles)
    assert rule.owned
    assert "{function}" in rule.message


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_scenario_knobs_and_properties_exist(rule: object) -> None:
    from reviewbot.rules.loader import Rule

    assert isinstance(rule, Rule)
    spec = all_scenarios()[rule.scenario]
    for fact in rule.facts:
        assert fact.knob in spec.knobs, fact
        assert fact.default in spec.knobs[fact.knob], fact
    for knob, value in rule.environment:
        assert value in spec.knobs[knob]
    if rule.description is not None:
        for knob, value in rule.description.before + rule.description.after:
            assert value in spec.knobs[knob]
    if rule.properties:
        result = default_runner()(rule.scenario, dict(spec.defaults))
        names = {p.property for p in result.properties}
        assert set(rule.properties) <= names


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples(rule: object) -> None:
    from reviewbot.rules.loader import Rule

    assert isinstance(rule, Rule)
    results = run_examples(rule, default_runner())
    assert results, f"{rule.id} has no examples"
    bad = sum(len(r.expected) for r in results)
    ok = sum(len(r.allowed_not) for r in results)
    assert bad >= 3 and ok >= 3
    for res in results:
        assert set(res.reported) == set(res.expected), res.messages
        assert not set(res.reported) & set(res.allowed_not)
    text = "\n".join(Path(r.path).read_text() for r in results)
    assert len(set(STYLES.findall(text))) >= 4, "examples must span four filesystems' styles"
    assert "Synthetic examples" in text  # they say they are synthetic


def test_annotation_points_at_the_next_code_line() -> None:
    text = "int a;\n/* ruleid: x-y */\n\n/* ok: z-w */\nfoo();\n/* ok: x-y */\nbar();\n"
    assert marks(text, "x-y") == {"ruleid": [5], "ok": [7], "todoruleid": [], "todook": []}
