"""Exhaustive stateful search with partial-order reduction.

The search is a depth-first walk over nodes (state, sleep set). At each node it expands
a persistent set (stubborn-set closure over the threads' *future* access masks; the
full enabled set when a transition is visible to a property or would close a cycle)
minus the sleep set (Godefroid). Nodes are memoised, so the walk visits exactly the
nodes a stateless sleep-set search would, once each; ``executions`` counts the leaves
of that unfolded tree (complete runs, plus runs that end with every enabled thread
asleep, plus runs cut where they close a cycle). With ``reduction="sleep"`` the
complete runs are exactly one per Mazurkiewicz trace; with ``reduction="none"``
``executions`` is the number of interleavings.

Every reachable state is kept unless the persistent sets prune it; pruned states
are never ones a property can tell apart (visibility), so verdicts are exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from reviewbot.sim.compile import Compiled, State, _mask
from reviewbot.sim.engine import Machine

Reduction = Literal["por", "sleep", "none"]


@dataclass
class Exploration:
    states: int = 0
    transitions: int = 0
    executions: int = 0  # leaves of the unfolded search tree
    complete_runs: int = 0  # leaves where no thread is enabled
    blocked_runs: int = 0  # leaves where every enabled thread is asleep
    seconds: float = 0.0
    complete: bool = True  # False: budget exhausted or a loop bound was hit
    budget_hit: bool = False
    bound_hit: bool = False
    violations: dict[str, list[int]] = field(default_factory=dict)  # prop -> schedule
    witnesses: dict[str, list[int]] = field(default_factory=dict)  # sometimes -> schedule
    depth: int = 0
    finals: set[State] = field(default_factory=set)  # terminal states (collect_finals=True)


def _independent(r1: int, w1: int, r2: int, w2: int) -> bool:
    return not (w1 & (r2 | w2) or w2 & r1)


class Search:
    def __init__(
        self,
        comp: Compiled,
        *,
        reduction: Reduction = "por",
        budget: int = 2_000_000,
        check: bool = False,
        collect_finals: bool = False,
    ) -> None:
        self.comp = comp
        self.collect_finals = collect_finals
        self.m = Machine(comp, check=check)
        self.reduction = reduction
        self.budget = budget
        self.n = len(comp.thread_names)
        self.res = Exploration()
        pmask = {}
        for p in comp.props:
            if p.reads is not None:
                pmask[p.name] = _mask(p.reads, comp.shared_index, {}, f"property {p.name}")
        self.pmask = pmask

    # -- property checks -------------------------------------------------------------
    def _on_state(self, state: State, path: list[int]) -> None:
        res = self.res
        for p in self.comp.props:
            if p.kind == "always" and p.name not in res.violations:
                if not self.m.holds(p.pred, state, self.pmask.get(p.name), p.name):
                    res.violations[p.name] = list(path)
            elif (
                p.kind == "sometimes"
                and p.name not in res.witnesses
                and self.m.holds(p.pred, state, self.pmask.get(p.name), p.name)
            ):
                res.witnesses[p.name] = list(path)

    def _on_final(self, state: State, path: list[int]) -> None:
        res = self.res
        if self.collect_finals:
            res.finals.add(state)
        stuck = any(not self.m.finished(state, t) for t in range(self.n))
        if self.m.bounded(state):
            res.bound_hit = True
            res.complete = False
            return
        for p in self.comp.props:
            if p.name in res.violations:
                continue
            if (p.kind == "deadlock" and stuck) or (
                p.kind == "at_end"
                and not stuck
                and not self.m.holds(p.pred, state, self.pmask.get(p.name), p.name)
            ):
                res.violations[p.name] = list(path)

    # -- reduction -------------------------------------------------------------------
    def _ample(self, state: State, enabled: list[int], masks: list[tuple[int, int]]) -> list[int]:
        """Smallest persistent set seeded by one enabled thread (or all enabled)."""
        if self.reduction != "por" or len(enabled) == 1:
            return enabled
        comp = self.comp
        best = enabled
        for seed in enabled:
            if comp.ops[seed][state[comp.pc_slot[seed]]].visible:
                continue
            members = {seed}
            work = [seed]
            ok = True
            while work and ok:
                p = work.pop()
                r, w = masks[p]
                en = p in enabled
                for u in range(self.n):
                    if u in members:
                        continue
                    pc = state[comp.pc_slot[u]]
                    if pc < 0:
                        continue
                    fr, fw = comp.future[u][pc]
                    # an enabled p conflicts with anything u may still do; a blocked p
                    # can be woken by whatever u may still write to its guard's reads
                    if (en and not _independent(r, w, fr, fw)) or (not en and fw & r):
                        members.add(u)
                        work.append(u)
                        if len(members) >= len(best):
                            ok = False
                            break
            if not ok:
                continue
            amp = [t for t in enabled if t in members]
            if any(comp.ops[t][state[comp.pc_slot[t]]].visible for t in amp):
                continue
            if len(amp) < len(best):
                best = amp
        return best

    # -- the walk --------------------------------------------------------------------
    def run(self) -> Exploration:
        t0 = time.perf_counter()
        comp, m, res, n = self.comp, self.m, self.res, self.n
        # node -> (complete runs, all runs) below it; (0, -1) while it is on the stack
        nodes: dict[tuple[State, int], tuple[int, int]] = {}
        seen: set[State] = set()
        on_stack: dict[State, int] = {}
        path: list[int] = []
        stack: list[list] = []  # [key, state, todo, sleep, done_mask, masks, execs]
        use_sleep = self.reduction != "none"

        def push(state: State, sleep: int) -> tuple[int, int] | None:
            """Start a node; returns its (complete, all) run counts if known or a leaf."""
            key = (state, sleep)
            known = nodes.get(key)
            if known is not None:
                return (0, 1) if known[1] < 0 else known
            if state not in seen:
                seen.add(state)
                res.states += 1
                res.depth = max(res.depth, len(path))
                self._on_state(state, path)
            enabled = [t for t in range(n) if m.enabled(state, t)]
            if not enabled:
                nodes[key] = (1, 1)
                self._on_final(state, path)
                return (1, 1)
            masks = []
            for t in range(n):
                pc = state[comp.pc_slot[t]]
                if pc < 0:
                    masks.append((0, 0))
                else:
                    op = comp.ops[t][pc]
                    masks.append((op.reads, op.writes))
            amp = self._ample(state, enabled, masks)
            succ = []
            for t in amp:
                if sleep >> t & 1:
                    continue
                ns, fails = m.fire(state, t)
                succ.append((t, ns, fails))
            if len(amp) < len(enabled) and any(s in on_stack for _, s, _ in succ):
                amp = enabled  # cycle proviso: never postpone a thread around a cycle
                succ = [(t, *m.fire(state, t)) for t in amp if not sleep >> t & 1]
            if not succ:
                nodes[key] = (0, 1)
                return (0, 1)
            nodes[key] = (0, -1)
            on_stack[state] = on_stack.get(state, 0) + 1
            stack.append([key, state, succ, sleep, 0, masks, 0, 0])
            return None

        total = push(comp.init, 0)
        while stack:
            if res.states > self.budget:
                res.complete = False
                res.budget_hit = True
                break
            frame = stack[-1]
            key, state, succ, sleep, done_mask, masks, cruns, runs = frame
            if not succ:
                stack.pop()
                nodes[key] = (cruns, max(runs, 1))
                c = on_stack[state] - 1
                if c:
                    on_stack[state] = c
                else:
                    del on_stack[state]
                if path:
                    path.pop()
                if stack:
                    stack[-1][6] += cruns
                    stack[-1][7] += max(runs, 1)
                else:
                    total = (cruns, max(runs, 1))
                continue
            t, ns, fails = succ.pop(0)
            res.transitions += 1
            for f in fails:
                if f not in res.violations:
                    res.violations[f] = [*path, t]
            child_sleep = 0
            if use_sleep:
                r, w = masks[t]
                z = sleep | done_mask
                u = 0
                while z >> u:
                    if z >> u & 1 and _independent(r, w, *masks[u]):
                        child_sleep |= 1 << u
                    u += 1
                frame[4] = done_mask | (1 << t)
            path.append(t)
            got = push(ns, child_sleep)
            if got is not None:
                path.pop()
                frame[6] += got[0]
                frame[7] += got[1]
        if total is not None:
            res.complete_runs, res.executions = total
            res.blocked_runs = res.executions - res.complete_runs
        res.seconds = time.perf_counter() - t0
        return res


def explore(
    comp: Compiled,
    *,
    reduction: Reduction = "por",
    budget: int = 2_000_000,
    check: bool = False,
    collect_finals: bool = False,
) -> Exploration:
    return Search(
        comp, reduction=reduction, budget=budget, check=check, collect_finals=collect_finals
    ).run()
