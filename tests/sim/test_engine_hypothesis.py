"""Reduced search vs brute force on random small programs (synthetic, generated).

Brute force here is a plain breadth-first walk over every transition of every
reachable state, written independently of the explorer; the reduced searches must
report the same violated properties, the same reachable 'sometimes' states and the
same set of final states. Reduction may never hide a violation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.sim.compile import State, compile_model
from reviewbot.sim.dsl import Instr, Model, all_of, await_, if_, lock, step, unlock, while_
from reviewbot.sim.engine import Machine
from reviewbot.sim.explore import explore

VARS = ("x", "y", "z")

var = st.sampled_from(VARS)
const = st.integers(0, 2)
simple = st.one_of(
    st.tuples(st.just("write"), var, const),
    st.tuples(st.just("rmw"), var),
    st.tuples(st.just("read"), var),
    st.tuples(st.just("await"), var, const),
    st.tuples(st.just("await2"), var, const, var, const),
    st.tuples(st.just("assert"), var, const),
    st.tuples(st.just("poll"), var, const),
)
op = st.one_of(
    simple,
    st.tuples(st.just("locked"), st.sampled_from(("L", "M")), st.lists(simple, max_size=2)),
    st.tuples(
        st.just("if"), var, const, st.lists(simple, max_size=2), st.lists(simple, max_size=1)
    ),
)
program = st.lists(op, min_size=1, max_size=3)


def compile_ops(ops: list[Any]) -> list[Instr]:
    out: list[Instr] = []
    for o in ops:
        kind = o[0]
        if kind == "write":
            _, v, c = o
            out.append(step(f"{v} = {c}", writes=(v,), effect=lambda s, v=v, c=c: {v: c}))
        elif kind == "rmw":
            v = o[1]
            out.append(step(f"r = {v}", reads=(v,), effect=lambda s, v=v: {"r": s[v]}))
            out.append(step(f"{v} = r + 1", writes=(v,), effect=lambda s, v=v: {v: s["r"] + 1}))
        elif kind == "read":
            v = o[1]
            out.append(step(f"r = {v}", reads=(v,), effect=lambda s, v=v: {"r": s[v]}))
        elif kind == "await":
            _, v, c = o
            out.append(await_(f"wait {v} == {c}", lambda s, v=v, c=c: s[v] == c, reads=(v,)))
        elif kind == "await2":  # a guard in parts: the explorer cuts futures per part
            _, v, c, w, d = o
            out.append(
                await_(
                    f"wait {v} == {c} && {w} == {d}",
                    all_of(
                        (lambda s, v=v, c=c: s[v] == c, v),
                        (lambda s, w=w, d=d: s[w] == d, w),
                    ),
                    reads=(v, w),
                )
            )
        elif kind == "poll":  # while (v != c) cpu_relax(); at most twice, then give up
            _, v, c = o
            out.append(
                while_(
                    lambda s, v=v, c=c: s[v] != c,
                    [step("cpu_relax()")],
                    bound=2,
                    reads=(v,),
                    label=f"while ({v} != {c})",
                )
            )
        elif kind == "assert":
            _, v, c = o
            out.append(
                step(
                    f"assert {v} != {c}",
                    reads=(v,),
                    asserts={"step-ok": lambda s, v=v, c=c: s[v] != c},
                )
            )
        elif kind == "locked":
            _, lk, inner = o
            out.append(lock(lk))
            out.extend(compile_ops(inner))
            out.append(unlock(lk))
        else:
            _, v, c, then, other = o
            out.append(
                if_(
                    lambda s, v=v, c=c: s[v] == c,
                    compile_ops(then),
                    compile_ops(other),
                    reads=(v,),
                    label=f"if ({v} == {c})",
                )
            )
    return out


def build(
    progs: list[list[Any]],
    inv: tuple[str, int],
    end: tuple[str, int],
    pair: tuple[str, int, str, int] | None = None,
) -> Model:
    m = Model("random")
    for v in VARS:
        m.var(v, 0)
    m.var("L", False)
    m.var("M", False)
    for i, p in enumerate(progs):
        m.thread(f"t{i}", compile_ops(p), locals={"r": 0})
    iv, ic = inv
    ev, ec = end
    m.always("inv", f"{iv} != {ic + 1}", lambda s: s[iv] != ic + 1, reads=(iv,))
    m.at_end("end", f"{ev} != {ec}", lambda s: s[ev] != ec, reads=(ev,))
    m.sometimes("reach", f"{ev} == {ec}", lambda s: s[ev] == ec, reads=(ev,))
    m.assertion("step-ok", "asserted steps hold")
    if pair is not None:
        # over two variables: independent writes to them give states that tell the
        # writes' orders apart, which a one-variable property cannot
        pv, pc, qv, qc = pair
        m.always(
            "pair",
            f"not ({pv} == {pc} and {qv} == {qc})",
            lambda s: not (s[pv] == pc and s[qv] == qc),
            reads=(pv, qv),
        )
    return m


def brute(model: Model) -> tuple[set[str], set[str], set[State]]:
    comp = compile_model(model)
    m = Machine(comp)
    n = len(comp.thread_names)
    violated: set[str] = set()
    reached: set[str] = set()
    finals: set[State] = set()
    seen = {comp.init}
    todo = [comp.init]
    while todo:
        s = todo.pop()
        for p in comp.props:
            if p.kind == "always" and not p.pred(m.pview_of(s)):
                violated.add(p.name)
            if p.kind == "sometimes" and p.pred(m.pview_of(s)):
                reached.add(p.name)
        enabled = [t for t in range(n) if m.enabled(s, t)]
        if not enabled:
            finals.add(s)
            if m.bounded(s):
                continue  # a loop gave up: not a final state, and the run is incomplete
            stuck = any(not m.finished(s, t) for t in range(n))
            if stuck:
                violated.add("no-deadlock")
            else:
                for p in comp.props:
                    if p.kind == "at_end" and not p.pred(m.pview_of(s)):
                        violated.add(p.name)
        for t in enabled:
            ns, fails = m.fire(s, t)
            violated.update(fails)
            if ns not in seen:
                seen.add(ns)
                todo.append(ns)
    return violated, reached, finals


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    progs=st.lists(program, min_size=2, max_size=3),
    inv=st.tuples(var, const),
    end=st.tuples(var, const),
    pair=st.tuples(var, const, var, const),
)
def test_reduced_search_matches_brute_force(
    progs: list[list[Any]],
    inv: tuple[str, int],
    end: tuple[str, int],
    pair: tuple[str, int, str, int],
) -> None:
    model = build(progs, inv, end, pair)
    violated, reached, finals = brute(model)
    comp = compile_model(model)
    m = Machine(comp)
    states = {}
    for mode in ("none", "sleep", "por"):
        ex = explore(comp, reduction=mode, check=True, collect_finals=True)  # type: ignore[arg-type]
        assert ex.complete == (not any(m.bounded(f) for f in finals))
        assert set(ex.violations) == violated, mode
        assert set(ex.witnesses) == reached, mode
        assert ex.finals == finals, mode
        states[mode] = ex.states
    # each state is counted once; sleep sets prune transitions, never states
    assert states["sleep"] == states["none"]
    assert states["por"] <= states["none"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(twin=program, other=program, inv=st.tuples(var, const), end=st.tuples(var, const))
def test_symmetry_reduction_matches_brute_force(
    twin: list[Any], other: list[Any], inv: tuple[str, int], end: tuple[str, int]
) -> None:
    """Two identical threads declared symmetric, plus a third: same verdicts."""
    plain = build([twin, twin, other], inv, end)
    violated, reached, _finals = brute(plain)
    sym = build([twin, twin, other], inv, end)
    sym.threads[0] = replace(sym.threads[0], group="twins")
    sym.threads[1] = replace(sym.threads[1], group="twins")
    ex = explore(compile_model(sym), check=True)
    assert set(ex.violations) == violated
    assert set(ex.witnesses) == reached
