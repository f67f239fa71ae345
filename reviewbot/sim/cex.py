"""Shortest counterexamples, then fewest preemptions.

A breadth-first search over the unreduced state graph, layer by layer, keeping for each
state and each "last thread to run" the fewest preemptions to get there (a preemption:
switching away from a thread that could have continued). The first layer where a
property fails gives the shortest runs; among those the fewest preemptions wins, then
the earliest found (successors are generated in thread order, so ties are stable).
It only looks for properties the reduced search already found violated (or witnessed),
and stops as soon as it has them all or the state budget runs out.
"""

from __future__ import annotations

from reviewbot.sim.compile import Compiled, State
from reviewbot.sim.engine import Machine

Entry = tuple[int, State | None, int, int]  # (preemptions, parent state, parent last, thread)


def shortest(comp: Compiled, targets: set[str], budget: int) -> dict[str, list[int]]:
    """Schedules (thread indexes) reaching each target property's violation/witness."""
    m = Machine(comp)
    n = len(comp.thread_names)
    props = [p for p in comp.props if p.name in targets]
    found: dict[str, list[int]] = {}
    layers: list[dict[State, dict[int, Entry]]] = [{comp.init: {-1: (0, None, -1, -1)}}]
    seen: set[State] = {comp.init}
    pending: dict[str, tuple[int, int, State, int, int]] = {}  # assert: (pre, layer, st, last, t)

    def trace(depth: int, state: State, last: int) -> list[int]:
        out: list[int] = []
        while depth > 0:
            _pre, parent, plast, t = layers[depth][state][last]
            out.append(t)
            assert parent is not None
            state, last, depth = parent, plast, depth - 1
        return out[::-1]

    while layers[-1] and len(found) < len(props):
        depth = len(layers) - 1
        layer = layers[-1]
        best: dict[str, list[tuple[int, State, int]]] = {}
        for state, entries in layer.items():
            enabled = [t for t in range(n) if m.enabled(state, t)]
            stuck = not enabled and any(not m.finished(state, t) for t in range(n))
            if not enabled and m.bounded(state):
                enabled, stuck = [-1], False  # a loop bound cut this run short
            for p in props:
                if p.name in found:
                    continue
                if p.kind == "always":
                    hit = not m.holds(p.pred, state, None, p.name)
                elif p.kind == "sometimes":
                    hit = m.holds(p.pred, state, None, p.name)
                elif p.kind == "deadlock":
                    hit = stuck
                elif p.kind == "at_end":
                    hit = not enabled and not stuck and not m.holds(p.pred, state, None, p.name)
                else:
                    continue
                if hit:
                    best.setdefault(p.name, []).extend(
                        (pre, state, last) for last, (pre, *_r) in entries.items()
                    )
        for name, (_pre, _d, st, lt, t) in pending.items():
            found[name] = [*trace(depth - 1, st, lt), t]  # asserts fail on the way in
        pending.clear()
        for name, cands in best.items():
            low = min(c[0] for c in cands)
            found[name] = min(trace(depth, st, lt) for pre, st, lt in cands if pre == low)
        if len(found) == len(props) or len(seen) > budget:
            break
        nxt: dict[State, dict[int, Entry]] = {}
        for state, entries in layer.items():
            enabled = [t for t in range(n) if m.enabled(state, t)]
            for t in enabled:
                ns, fails = m.fire(state, t)
                for last, (pre, *_r) in entries.items():
                    cost = pre + (1 if last >= 0 and last != t and last in enabled else 0)
                    for f in fails:
                        if f in targets and f not in found:
                            cur = pending.get(f)
                            if cur is None or cost < cur[0]:
                                pending[f] = (cost, depth, state, last, t)
                    if ns in seen and ns not in nxt:
                        continue
                    slot = nxt.setdefault(ns, {})
                    old = slot.get(t)
                    if old is None or cost < old[0]:
                        slot[t] = (cost, state, last, t)
                seen.add(ns)
        layers.append(nxt)
    for name, (_pre, _d, st, lt, t) in pending.items():
        found.setdefault(name, [*trace(len(layers) - 2, st, lt), t])
    return found
