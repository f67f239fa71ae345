"""Incomplete search modes for models too big to finish: preemption bounding and PCT.

Both report ``complete=False`` whatever they find, so a property they do not break
is ``inconclusive``, never ``holds``. Violations they find are real (and replayable).

* ``bounded``: every run with at most ``k`` preemptions (switching away from a thread
  that could have continued), as in CHESS; a depth-first search over
  (state, last thread, preemptions used).
* ``pct``: ``walks`` random runs with a probabilistic concurrency-testing scheduler:
  random distinct thread priorities, ``depth - 1`` random change points where the
  running thread drops to the lowest priority; seeded by ``seed`` (random.Random, which
  is stable across processes for a given integer seed).
"""

from __future__ import annotations

import random
import time

from reviewbot.sim.compile import Compiled, State
from reviewbot.sim.explore import Exploration, Search


class _Checker(Search):
    """Reuses the reduced search's property checks on runs chosen elsewhere."""

    def step(self, state: State, path: list[int], seen: set[State]) -> list[int]:
        if state not in seen:
            seen.add(state)
            self.res.states += 1
            self.res.depth = max(self.res.depth, len(path))
            self._on_state(state, path)
        enabled = [t for t in range(self.n) if self.m.enabled(state, t)]
        if not enabled:
            self.res.complete_runs += 1
            self._on_final(state, path)
        return enabled

    def fire(self, state: State, t: int, path: list[int]) -> State:
        ns, fails = self.m.fire(state, t)
        self.res.transitions += 1
        for f in fails:
            self.res.violations.setdefault(f, [*path, t])
        return ns


def bounded(comp: Compiled, k: int, *, budget: int = 2_000_000) -> Exploration:
    t0 = time.perf_counter()
    c = _Checker(comp, reduction="none", budget=budget)
    seen: set[State] = set()
    visited: set[tuple[State, int, int]] = set()
    stack: list[tuple[State, int, int, list[int]]] = [(comp.init, -1, 0, [])]
    while stack:
        if c.res.states > budget:
            c.res.budget_hit = True
            break
        state, last, used, path = stack.pop()
        if (state, last, used) in visited:
            continue
        visited.add((state, last, used))
        enabled = c.step(state, path, seen)
        for t in reversed(enabled):
            cost = used + (1 if last >= 0 and t != last and last in enabled else 0)
            if cost <= k:
                stack.append((c.fire(state, t, path), t, cost, [*path, t]))
    c.res.complete = False
    c.res.executions = c.res.complete_runs
    c.res.seconds = time.perf_counter() - t0
    return c.res


def pct(
    comp: Compiled, *, walks: int = 1000, depth: int = 3, seed: int = 0, max_steps: int = 10_000
) -> Exploration:
    t0 = time.perf_counter()
    c = _Checker(comp, reduction="none")
    rng = random.Random(seed)
    seen: set[State] = set()
    n = c.n
    for _ in range(walks):
        prio = rng.sample(range(depth, depth + n), n)  # distinct, above the change values
        changes = sorted(rng.randrange(1, max(2, 4 * n * 8)) for _ in range(depth - 1))
        state: State = comp.init
        path: list[int] = []
        for i in range(max_steps):
            enabled = c.step(state, path, seen)
            if not enabled:
                break
            t = max(enabled, key=lambda u: prio[u])
            while changes and changes[0] <= i:
                prio[t] = depth - len(changes)  # drops below every initial priority
                changes.pop(0)
            t = max(enabled, key=lambda u: prio[u])
            state = c.fire(state, t, path)
            path = [*path, t]
    c.res.complete = False
    c.res.executions = c.res.complete_runs
    c.res.seconds = time.perf_counter() - t0
    return c.res
