"""Role-scoped facts (``role:`` on a fact) and per-role held knobs (``holds:`` on a role):
loader schema, matcher reading, and the sensitivity check leaving held knobs alone."""

from __future__ import annotations

import pytest

from reviewbot.errors import ReviewbotError
from reviewbot.model import ChangedFunction, Fact, FunctionSide
from reviewbot.rules import sensitivity
from reviewbot.rules.context import view
from reviewbot.rules.loader import LIBRARY, get_rule, load_library, parse_rule
from reviewbot.rules.matcher import match, read_side
from reviewbot.sim.registry import all_scenarios

RULE = "evict-without-waiting-for-io"
TEXT = (LIBRARY / RULE / "rule.yaml").read_text()


def _fn(text: str, file: str = "fs/x/super.c") -> ChangedFunction:
    name = text.split("(", maxsplit=1)[0].rsplit(maxsplit=1)[-1]
    side = FunctionSide(
        name=name,
        text=text,
        first_line=1,
        line_kinds=("added",) * (text.count("\n") + 1),
        complete=False,
    )
    return ChangedFunction(file, name, None, side)


EVICT = """static void zz_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	netfs_clear_inode_writeback(inode, NULL);
	clear_inode(inode);
}
"""
KILL = """static void zz_kill_sb(struct super_block *sb)
{
	struct zz_info *zi = sb->s_fs_info;

	kill_anon_super(sb);
	if (zi->busy)
		wait_var_event(&zi->n, !atomic_read(&zi->n));
	zz_destroy(zi);
}
"""


def test_library_rule_scopes_its_facts_and_holds_the_other_halfs_knobs() -> None:
    rule = get_rule(RULE)
    assert {f.name: f.role for f in rule.facts} == {
        "wait_for_io": "evict",
        "wait_at": "evict",
        "sb_wait": "kill-sb",
    }
    holds = {r.name: {(h.knob, h.value) for h in r.holds} for r in rule.roles}
    assert holds == {
        "evict": {("sb_wait", "no")},
        "kill-sb": {("wait_for_io", "no"), ("wait_at", "before_truncate")},
    }
    spec = all_scenarios()[rule.scenario]
    for role in rule.roles:
        for h in role.holds:
            assert h.value in spec.knobs[h.knob] and h.reason
    assert not rule.environment  # nothing is held for every function any more


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (("    role: kill-sb\n", "    role: nowhere\n"), "names role 'nowhere'"),
        (
            (
                '        value: "no"\n        reason: >-\n          the ->kill_sb',
                '        value: "no"\n        xreason: >-\n          the ->kill_sb',
            ),
            "needs a value and a reason",
        ),
        (
            ("    holds:\n      sb_wait:", "    holds: [sb_wait]\n    xholds:\n      sb_wait:"),
            "holds must be a mapping",
        ),
    ],
)
def test_schema_errors(edit: tuple[str, str], error: str) -> None:
    text = TEXT.replace(*edit, 1)
    assert text != TEXT
    with pytest.raises(ReviewbotError, match=error):
        parse_rule(text, RULE, "x.yaml")


def test_a_function_reads_only_its_roles_facts_and_lists_the_held_ones() -> None:
    rule = get_rule(RULE)
    fns = (_fn(EVICT, "fs/x/inode.c"), _fn(KILL))
    peers = {"before": {}, "after": {}}
    hits = {h.fn.name: h for h in match(rule, fns, peers)}
    evict, kill = hits["zz_evict_inode"].after, hits["zz_kill_sb"].after
    assert evict is not None and kill is not None
    assert dict(evict.knobs) == {
        "wait_for_io": "no",
        "wait_at": "before_truncate",  # undecided: the rule's default, assumed
        "sb_wait": "no",
    }
    assert {(f.name, f.basis) for f in evict.facts} == {
        ("wait_for_io", "code"),
        ("wait_at", "default"),
        ("sb_wait", "held"),
    }
    assert dict(kill.knobs) == {"sb_wait": "no", "wait_for_io": "no", "wait_at": "before_truncate"}
    assert {(f.name, f.basis) for f in kill.facts} == {
        ("sb_wait", "code"),
        ("wait_for_io", "held"),
        ("wait_at", "held"),
    }
    (held,) = [f for f in kill.facts if f.name == "wait_for_io"]
    assert not held.assumed and held.text.endswith("(held: wait_for_io=no)")
    assert kill.own == (("sb_wait", "no"),)  # the evict fact is not read from it


def test_facts_without_a_role_are_read_from_every_matched_function() -> None:
    """Another rule (no ``role:`` anywhere) reads exactly what it read before."""
    for rule in load_library():
        if any(f.role for f in rule.facts):
            continue
        assert not any(r.holds for r in rule.roles)
    rule = get_rule(RULE)
    unscoped = parse_rule(
        TEXT.replace("    role: evict\n", "").replace("    role: kill-sb\n", ""), RULE, "x"
    )
    v = view(_fn(EVICT, "fs/x/inode.c"), "after", {})
    assert v is not None
    scoped = read_side(rule, v)
    plain = read_side(unscoped, v)
    # unscoped, the kill-sb fact is read (undecided: its default) on an ->evict_inode,
    # and sb_wait is no longer held but assumed
    (sb,) = [f for f in plain.facts if f.name == "sb_wait"]
    assert sb.assumed and sb.basis == "default"
    (sb,) = [f for f in scoped.facts if f.name == "sb_wait"]
    assert sb.basis == "held" and not sb.assumed


def test_sensitivity_never_varies_a_held_knob() -> None:
    held = Fact("sb_wait", "no", "after", "x (held: sb_wait=no)", basis="held")
    assumed = Fact("sb_wait", "no", "after", "x (assumed: sb_wait=no)", assumed=True)
    calls: list[object] = []

    def judge(kb: object, ka: object) -> str:
        calls.append(ka)
        return "fixes"

    knobs = (("sb_wait", "no"),)
    out = sensitivity.outcomes("evict-vs-async-io", knobs, knobs, (held,), knob_of={}, judge=judge)
    assert out == () and calls == []
    out = sensitivity.outcomes(
        "evict-vs-async-io", knobs, knobs, (assumed,), knob_of={}, judge=judge
    )
    assert [o.value for o in out] == ["yes"]
    # even a held fact wrongly marked assumed is not varied
    both = Fact("sb_wait", "no", "after", "x", assumed=True, basis="held")
    calls.clear()
    assert (
        sensitivity.outcomes("evict-vs-async-io", knobs, knobs, (both,), knob_of={}, judge=judge)
        == ()
    )
