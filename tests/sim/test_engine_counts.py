"""Interleavings of tiny models, counted by hand (synthetic models, reviewbot.sim.examples).

Figures: ``none`` = complete interleavings without reduction; ``traces`` = complete runs
of the sleep-set search, which is one per Mazurkiewicz trace; ``por`` = complete runs of
the default search (persistent + sleep sets).
"""

from __future__ import annotations

import pytest

from reviewbot.sim import examples
from reviewbot.sim.compile import Compiled, compile_model
from reviewbot.sim.dsl import Model, ModelError, all_of, await_, lock, step, unlock
from reviewbot.sim.explore import Exploration, Search, explore


def counts(model: Model) -> tuple[int, int, int]:
    comp = compile_model(model)
    none = explore(comp, reduction="none", check=True)
    sleep = explore(comp, reduction="sleep", check=True)
    por = explore(comp, reduction="por", check=True)
    assert none.complete and sleep.complete and por.complete
    assert none.executions == none.complete_runs  # no reduction: no pruned runs
    return none.complete_runs, sleep.complete_runs, por.complete_runs


def test_independent_steps() -> None:
    """Two threads, two steps each, on their own variables.

    Interleavings: choose the 2 positions of thread 0's steps among 4: C(4,2) = 6.
    Every pair of steps from different threads commutes: 1 trace, and the persistent
    sets run one thread to the end first, so the reduced search makes 1 run.
    """
    assert counts(examples.independent(2, 2)) == (6, 1, 1)


def test_independent_three_threads() -> None:
    """Three threads of two independent steps: 6!/(2!2!2!) = 90 interleavings, 1 trace."""
    assert counts(examples.independent(3, 2)) == (90, 1, 1)


def test_dependent_steps() -> None:
    """Two threads, two steps each, all writing x.

    6 interleavings as above; no two steps of different threads commute, so each
    interleaving is its own trace (6) and reduction cannot drop any (6).
    """
    assert counts(examples.dependent(2, 2)) == (6, 6, 6)


def test_read_modify_write() -> None:
    """load/store pairs on one word (A = setattr, B = writeback).

    6 interleavings: AABB ABAB ABBA BAAB BABA BBAA. The two loads commute, nothing
    else does, so ABAB ~ BAAB and ABBA ~ BABA: 4 traces, 4 reduced runs. A run in
    which both loads precede both stores loses a bit.
    """
    assert counts(examples.flags_rmw(atomic=False)) == (6, 4, 4)
    comp = compile_model(examples.flags_rmw(atomic=False))
    assert set(explore(comp).violations) == {"no-lost-bit"}
    comp = compile_model(examples.flags_rmw(atomic=True))
    assert explore(comp).violations == {}


def test_lock() -> None:
    """lock; count++; unlock on each CPU.

    Once one CPU holds the lock the other's lock() is blocked until unlock(), so
    only AAABBB and BBBAAA exist: 2 interleavings, 2 traces (the lock steps conflict),
    2 reduced runs; no lost increment.
    """
    assert counts(examples.lock_pair()) == (2, 2, 2)
    assert explore(compile_model(examples.lock_pair())).violations == {}


def test_wait() -> None:
    """A: a = 1; wait_var_event(flag).  B: b = 1; flag = 1.

    A's wait is last (it needs B's second step), the other three are ordered with
    b = 1 before flag = 1: A1 B1 B2 | B1 A1 B2 | B1 B2 A1 = 3 interleavings. A1 commutes
    with both of B's steps: 1 trace, 1 reduced run.
    """
    assert counts(examples.wait_handoff()) == (3, 1, 1)


def test_abba_deadlock_counts() -> None:
    """one: 1A 1B 1b 1a (lock A, lock B, unlock B, unlock A); two: 2B 2A 2a 2b.

    After 1A: 2B deadlocks at once (1A 2B); or 1B, 1b, and then either 1a 2B... or
    2B 1a... (2A waits for 1a), then two runs to the end: 3 runs. By symmetry 3 after
    2B: 6 interleavings. 1A/2B commute (different locks), as do 1a/2B and 2a/1A:
    3 traces (deadlock, one first, two first), 3 reduced runs.
    """
    none, traces, por = counts(examples.lock_order())
    assert (none, traces, por) == (6, 3, 3)
    assert set(explore(compile_model(examples.lock_order())).violations) == {"no-deadlock"}


@pytest.mark.parametrize("name", sorted(examples.ALL))
def test_reduction_keeps_verdicts(name: str) -> None:
    comp = compile_model(examples.ALL[name]())
    full = explore(comp, reduction="none")
    for mode in ("sleep", "por"):
        red = explore(comp, reduction=mode, check=True)  # type: ignore[arg-type]
        assert set(red.violations) == set(full.violations)
        assert set(red.witnesses) == set(full.witnesses)
        assert red.complete_runs <= full.complete_runs


def test_waiting_for_a_held_lock_is_not_explored() -> None:
    """A holds L: a1 x = 1; a2 unlock L.  B: b1 y = 1; b2 lock L; b3 x = 2; b4 unlock.
    C: c1 r = y.

    b2 needs a2, so b2 b3 b4 come last; a1 a2 b1 before them in 3 orders (a1 < a2);
    c1 anywhere among the 7: 21 interleavings. Only b1/c1 conflict among the steps
    that can swap: 2 traces, 2 reduced runs. Seeded by A, a plain future of B (it
    writes x later) drags B and then C into the set; cut at B's lock, which only A
    can release, it does not, so fewer states are visited.
    """
    m = Model("held-lock")
    m.var("L", True)
    m.var("x", 0)
    m.var("y", 0)
    m.thread("a", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1}), unlock("L")])
    m.thread(
        "b",
        [
            step("y = 1", writes=("y",), effect=lambda s: {"y": 1}),
            lock("L"),
            step("x = 2", writes=("x",), effect=lambda s: {"x": 2}),
            unlock("L"),
        ],
    )
    m.thread("c", [step("r = y", reads=("y",), effect=lambda s: {"r": s["y"]})], locals={"r": 0})
    assert counts(m) == (21, 2, 2)
    comp = compile_model(m)
    cut = explore(comp, check=True, collect_finals=True)
    plain = Search(comp, collect_finals=True)
    plain.walker.guard_slots = ()  # no guard values known: futures are never cut
    whole = plain.run()
    assert cut.finals == whole.finals and cut.violations == whole.violations == {}
    assert cut.states < whole.states


def test_set_shrinks_once_a_property_is_decided() -> None:
    """a: x = 1.  b: y = 1.  'sometimes x == 1', declared to read x and y.

    2 interleavings, 1 trace. While the property is open both first steps write what
    it reads, so the persistent set at the start holds a and b. Run a first: its
    first state already reaches x == 1, the property is decided, and the set for the
    properties still open is {a}, which is covered: b is not started from the root.
    Without that the search would run b with a asleep and prune it at once (one more
    state, one more execution).
    """
    m = Model("decided-early")
    m.var("x", 0)
    m.var("y", 0)
    m.thread("a", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})])
    m.thread("b", [step("y = 1", writes=("y",), effect=lambda s: {"y": 1})])
    m.sometimes("x-set", "x was set", lambda s: s["x"] == 1, reads=("x", "y"))
    assert counts(m) == (2, 1, 1)
    por = explore(compile_model(m), check=True)
    assert set(por.witnesses) == {"x-set"}
    assert (por.states, por.executions, por.blocked_runs, por.shrunk) == (3, 1, 0, 1)


def _dead_end_model() -> Model:
    """a: z = 1; r = w.   x: w = 1; wait_event(z == 1)."""
    m = Model("dead-end")
    m.var("z", 0)
    m.var("w", 0)
    m.thread(
        "a",
        [
            step("z = 1", writes=("z",), effect=lambda s: {"z": 1}),
            step("r = w", reads=("w",), effect=lambda s: {"r": s["w"]}),
        ],
        locals={"r": 0},
    )
    m.thread(
        "x",
        [
            step("w = 1", writes=("w",), effect=lambda s: {"w": 1}),
            await_("wait z == 1", lambda s: s["z"] == 1, reads=("z",)),
        ],
    )
    return m


def _whole_futures(comp: Compiled, *, collect_finals: bool = False) -> Exploration:
    search = Search(comp, check=True, collect_finals=collect_finals)
    search.walker.guard_slots = ()  # no guard values known: futures are never cut
    return search.run()


def test_dead_end_successor_is_not_entered() -> None:
    """The model of _dead_end_model, no properties.

    Interleavings: C(4,2) = 6 orders of the two chains, less x-x-a-a (x cannot pass
    its wait before z = 1): 5. Dependent pairs: z = 1 / the wait, r = w / w = 1, so
    2 traces (r = w before or after w = 1). At the start each first step conflicts
    with the other thread's future, so the persistent set is {a, x}; a runs first
    and its subtree makes both runs. Then x's 'w = 1' leads to a state where a is
    the only enabled thread and is asleep (z = 1 commutes with w = 1): every run from
    there is one already made. That successor is fired but not entered: one state
    fewer than the search that enters it and prunes it. It still counts as one pruned
    execution (3 = 2 complete + 1): the step had to run to show it leads nowhere.
    """
    m = _dead_end_model()
    assert counts(m) == (5, 2, 2)
    comp = compile_model(m)
    por = _whole_futures(comp, collect_finals=True)
    assert (por.executions, por.blocked_runs, por.looked_ahead) == (3, 1, 1)
    full = explore(comp, reduction="none", collect_finals=True)
    assert por.finals == full.finals
    # the start, 'z = 1', then 3 new states on each run; the state after 'w = 1'
    # alone (w == 1, z == 0) would be the 9th
    assert por.states == 8


def test_dead_end_successor_is_entered_when_a_property_reads_its_write() -> None:
    """Same model, with 'always not (w == 1 and z == 0)': that state, reached only by
    x's first step from the start, violates it. The step writes w, which the
    property reads, so the successor is entered (pruned after the check) and the
    violation is found; skipping it would report 'holds'."""
    m = _dead_end_model()
    m.always(
        "order", "w set only after z", lambda s: not (s["w"] == 1 and s["z"] == 0), reads=("w", "z")
    )
    por = _whole_futures(compile_model(m))
    assert set(por.violations) == {"order"}
    assert por.looked_ahead == 0


def _lock_taker_model() -> Model:
    """a: r = y; p = 0; lock(L); unlock(L).   b: lock(L); y = 1; unlock(L).
    t: lock(L); wait p == 0; unlock(L).   p starts at 1 (a holds it)."""
    m = Model("lock-taker")
    m.var("p", 1)
    m.var("L", False)
    m.var("y", 0)
    m.thread(
        "a",
        [
            step("r = y", reads=("y",), effect=lambda s: {"r": s["y"]}),
            step("p = 0", writes=("p",), effect=lambda s: {"p": 0}),
            lock("L"),
            unlock("L"),
        ],
        locals={"r": 0},
    )
    m.thread("b", [lock("L"), step("y = 1", writes=("y",), effect=lambda s: {"y": 1}), unlock("L")])
    m.thread(
        "t", [lock("L"), await_("wait p == 0", lambda s: s["p"] == 0, reads=("p",)), unlock("L")]
    )
    return m


def test_lock_takers_run_first_among_a_persistent_set() -> None:
    """The model of _lock_taker_model, whole futures (no cutting), no properties.

    At the start a's 'r = y' races with b's 'y = 1', and b's and t's lock(L) with
    each other and with a's, so the persistent set is {a, b, t}. In thread order, t
    runs last, asleep on a ('r = y' commutes with lock(L)): t takes L, b is shut out,
    t waits for p, and only the sleeping a could move, a dead end. b and t write what
    the other's guard reads, so they run first: t's branch then has nobody asleep,
    and a's branch sleeps on b and t while a itself can still run. Same 8 traces,
    same final states; 2 dead ends fewer in the whole search (12 -> 10 executions).
    """
    m = _lock_taker_model()
    comp = compile_model(m)
    full = explore(comp, reduction="none", collect_finals=True)
    traces = explore(comp, reduction="sleep").complete_runs
    ordered = _whole_futures(comp, collect_finals=True)
    plain = Search(comp, check=True, collect_finals=True)
    plain.walker.guard_slots = ()
    plain._disablers = lambda info: 0  # type: ignore[method-assign]
    unordered = plain.run()
    assert traces == ordered.complete_runs == unordered.complete_runs == 8
    assert ordered.finals == unordered.finals == full.finals
    assert (ordered.executions, ordered.looked_ahead) == (10, 2)
    assert (unordered.executions, unordered.looked_ahead) == (12, 4)


def _two_folio_wait(parts: bool) -> Model:
    """io1: wb1 = 0.   io2: x = 1; wb2 = 0.   waiter: wait wb1 == 0 && wb2 == 0; r = x.
    The waiter's guard is one opaque predicate, or all_of() its two parts."""
    m = Model("two-folio-wait")
    m.var("wb1", 1)
    m.var("wb2", 1)
    m.var("x", 0)
    m.thread("io1", [step("wb1 = 0", writes=("wb1",), effect=lambda s: {"wb1": 0})])
    m.thread(
        "io2",
        [
            step("x = 1", writes=("x",), effect=lambda s: {"x": 1}),
            step("wb2 = 0", writes=("wb2",), effect=lambda s: {"wb2": 0}),
        ],
    )
    guard = (
        all_of((lambda s: s["wb1"] == 0, "wb1"), (lambda s: s["wb2"] == 0, "wb2"))
        if parts
        else (lambda s: s["wb1"] == 0 and s["wb2"] == 0)
    )
    m.thread(
        "waiter",
        [
            await_("wait wb1 == 0 && wb2 == 0", guard, reads=("wb1", "wb2")),
            step("r = x", reads=("x",), effect=lambda s: {"r": s["x"]}),
        ],
        locals={"r": 0},
    )
    return m


@pytest.mark.parametrize(("parts", "states", "executions"), [(False, 7, 2), (True, 6, 1)])
def test_guard_in_parts_keeps_the_set_small(parts: bool, states: int, executions: int) -> None:
    """The model of _two_folio_wait.

    Interleavings: the waiter can only run last, so the 3 orders of io1's step among
    io2's two; 8 states (the start, 5 for io1/io2 prefixes, then the waiter's two
    steps). All three orders are one trace (nothing io1 does touches io2).

    At the start io1's write is what the waiter's guard reads. With one opaque guard
    the explorer cannot tell whether io2's 'wb2 = 0' might wake the waiter before io1
    moves, so io2 joins the set: io2 then runs with io1 asleep and is pruned (7
    states, 2 executions). With the guard in parts, the part 'wb1 == 0' is false and
    only io1 writes wb1: the waiter stays blocked until io1 moves, the set is {io1}
    and the search makes the one run (6 states, 1 execution).
    """
    comp = compile_model(_two_folio_wait(parts))
    full = explore(comp, reduction="none", collect_finals=True)
    assert (full.states, full.complete_runs) == (8, 3)
    assert explore(comp, reduction="sleep").complete_runs == 1
    por = explore(comp, check=True, collect_finals=True)
    assert (por.states, por.complete_runs, por.executions) == (states, 1, executions)
    assert por.finals == full.finals


def test_guard_part_must_read_what_the_step_declares() -> None:
    m = Model("bad-part")
    m.var("a", 0)
    m.var("b", 0)
    m.thread(
        "t",
        [
            await_(
                "wait",
                all_of((lambda s: s["a"] == 0, "a"), (lambda s: s["b"] == 0, "b")),
                reads=("a",),
            )
        ],
    )
    with pytest.raises(ModelError, match="guard part reads b"):
        compile_model(m)


def test_checking_mode_catches_a_part_reading_outside_its_own_reads() -> None:
    """The part declared to read 'a' also reads 'b': the step declares both, but the
    cut trusts each part's own reads, so checking mode must refuse it."""
    m = Model("sneaky-part")
    m.var("a", 0)
    m.var("b", 0)
    m.thread(
        "t",
        [
            await_(
                "wait",
                all_of((lambda s: s["a"] == 0 and s["b"] == 0, "a"), (lambda s: True, "b")),
                reads=("a", "b"),
            )
        ],
    )
    with pytest.raises(ModelError, match="guard part of 'wait' reads b"):
        explore(compile_model(m), check=True)
