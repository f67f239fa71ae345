"""Symmetry reduction, preemption bounding and PCT runs (synthetic models)."""

from __future__ import annotations

import pytest

from reviewbot.sim import examples
from reviewbot.sim.compile import compile_model
from reviewbot.sim.dsl import Model, ModelError, lock, step, unlock
from reviewbot.sim.explore import explore
from reviewbot.sim.modes import bounded, pct
from reviewbot.sim.runner import simulate


def counters(group: str | None, locked: bool, n: int = 3) -> Model:
    """n identical CPUs doing count++ as a load and a store, with or without a lock."""
    m = Model("counters")
    m.var("lock", False)
    m.var("count", 0)
    for i in range(n):
        body = [
            step("r = count", reads=("count",), effect=lambda s: {"r": s["count"]}),
            step("count = r + 1", writes=("count",), effect=lambda s: {"count": s["r"] + 1}),
        ]
        prog = [lock("lock"), *body, unlock("lock")] if locked else body
        m.thread(f"w{i}", prog, locals={"r": 0}, group=group)
    m.at_end("no-lost", "all increments land", lambda s: s["count"] == n, reads=("count",))
    return m


@pytest.mark.parametrize("locked", [True, False])
def test_symmetry_keeps_verdicts_and_shrinks_states(locked: bool) -> None:
    plain = explore(compile_model(counters(None, locked)), check=True)
    sym = explore(compile_model(counters("cpu", locked)), check=True)
    assert set(sym.violations) == set(plain.violations) == (set() if locked else {"no-lost"})
    assert sym.states < plain.states
    res = simulate("counters", {}, counters("cpu", locked))
    bad = next(p for p in res.properties if p.property == "no-lost")
    assert bad.verdict == ("holds" if locked else "violated")
    if not locked:  # the trace comes from the unreduced shortest-run search: replayable
        assert bad.replay.split(":")[2] == "A2BC2B"


def test_symmetry_group_must_be_identical() -> None:
    m = Model("m")
    m.var("x", 0)
    m.thread("a", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})], group="g")
    m.thread("b", [step("x = 2", writes=("x",), effect=lambda s: {"x": 2})], group="g")
    with pytest.raises(ModelError, match="share a symmetry group but differ"):
        compile_model(m)


def test_preemption_bound_is_incomplete_but_finds_shallow_bugs() -> None:
    """The lost bit needs one preemption (A loads, B runs to the end, A stores)."""
    comp = compile_model(examples.flags_rmw())
    assert bounded(comp, 0).violations == {}
    one = bounded(comp, 1)
    assert "no-lost-bit" in one.violations and not one.complete
    res = simulate("f", {}, examples.flags_rmw(atomic=True), mode="bounded", preemptions=5)
    assert {p.verdict for p in res.properties if p.kind != "sometimes"} == {"inconclusive"}


def test_pct_is_seeded_and_incomplete() -> None:
    comp = compile_model(counters(None, locked=False))
    a = pct(comp, walks=50, seed=7)
    b = pct(comp, walks=50, seed=7)
    assert (a.states, a.transitions, a.violations) == (b.states, b.transitions, b.violations)
    assert not a.complete
    assert "no-lost" in pct(comp, walks=200, seed=1).violations
    res = simulate("c", {}, counters(None, locked=True), mode="random", walks=20)
    assert res.verdict == "inconclusive"


def test_abba_with_lock_helpers_under_every_mode() -> None:
    m = Model("abba")
    m.var("A", False)
    m.var("B", False)
    m.thread("one", [lock("A"), lock("B"), unlock("B"), unlock("A")])
    m.thread("two", [lock("B"), lock("A"), unlock("A"), unlock("B")])
    for mode in ("exhaustive", "bounded", "random"):
        res = simulate("abba", {}, m, mode=mode)  # type: ignore[arg-type]
        assert res.verdict == "violated", mode
