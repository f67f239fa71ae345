"""Exhaustive stateful search with partial-order reduction.

The search is a depth-first walk over nodes (state, sleep set). At each node it expands
a persistent set (a stubborn-set closure over the threads' *future* access masks,
futures cut at steps that stay blocked until the set moves (futures.py), with the
still-undecided state properties taking part as monitor transitions; the full
enabled set when a successor would close a cycle) minus the sleep set (Godefroid).
Nodes are memoised, so the walk visits exactly the nodes a stateless search with the
same sets would, once each; ``complete_runs`` counts the complete runs of that
unfolded tree and ``executions`` adds the prefixes it prunes (every enabled thread
asleep, or a cycle closed). With ``reduction="sleep"`` the complete runs are exactly
one per Mazurkiewicz trace; with ``reduction="none"`` they are the interleavings.

Soundness: persistent sets keep every reachable deadlock; assertion failures and final
states are deadlock-like, and the monitors make a state property's violation (or a
'sometimes' witness) one too, so no verdict changes (tests/sim/test_engine_hypothesis.py
checks this against brute force). The access sets are trusted: run with ``check=True``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from reviewbot.sim.compile import Compiled, State, _mask
from reviewbot.sim.engine import Machine
from reviewbot.sim.futures import FutureWalker

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
    paths_valid: bool = True  # violations/witnesses hold replayable schedules


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
        self.ample_memo: dict[tuple[Any, ...], list[int]] = {}
        self.ample_cut_memo: dict[tuple[Any, ...], list[int]] = {}
        self.walker = FutureWalker(comp)
        self.all_shared = (1 << comp.nshared) - 1
        self.mon_version = 0
        self.monitors: list[int] = []
        self._update_monitors()
        # end of each thread's block of slots (pc + locals) in the state tuple
        ends = [*comp.pc_slot[1:], len(comp.init)]
        self.block_end = ends
        # with symmetry the walk's own paths mix thread numberings: not replayable
        self.res.paths_valid = not comp.groups

    # -- property checks -------------------------------------------------------------
    def _update_monitors(self) -> None:
        """Read masks of the state properties still undecided (see _ample_compute)."""
        res = self.res
        self.monitors = [
            self.pmask.get(p.name, self.all_shared)
            for p in self.comp.props
            if (p.kind == "always" and p.name not in res.violations)
            or (p.kind == "sometimes" and p.name not in res.witnesses)
        ]
        self.mon_version += 1

    def _on_state(self, state: State, path: list[int]) -> None:
        res = self.res
        decided = False
        for p in self.comp.props:
            if p.kind == "always" and p.name not in res.violations:
                if not self.m.holds(p.pred, state, self.pmask.get(p.name), p.name):
                    res.violations[p.name] = list(path)
                    decided = True
            elif (
                p.kind == "sometimes"
                and p.name not in res.witnesses
                and self.m.holds(p.pred, state, self.pmask.get(p.name), p.name)
            ):
                res.witnesses[p.name] = list(path)
                decided = True
        if decided:
            self._update_monitors()

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
    def _ample(
        self, state: State, enabled: list[int], masks: list[tuple[int, int]], sleep: int
    ) -> list[int]:
        """The persistent set (seeded by one enabled thread, or all enabled) with the
        fewest threads awake: those are the ones the search has to run from here."""
        if self.reduction != "por" or len(enabled) == 1:
            return enabled
        comp = self.comp
        # the choice depends on program counters, enabled and sleep sets, undecided
        # properties, and (only when cut futures were tried) the values guards read
        key = (tuple([state[s] for s in comp.pc_slot]), tuple(enabled), sleep, self.mon_version)
        hit = self.ample_memo.get(key)
        if hit is not None:
            return hit
        gkey = (key, tuple([state[s] for s in self.walker.guard_slots]))
        hit = self.ample_cut_memo.get(gkey)
        if hit is not None:
            return hit
        best, cut = self._ample_compute(state, enabled, masks, sleep)
        if cut:
            self.ample_cut_memo[gkey] = best
        else:
            self.ample_memo[key] = best
        return best

    def _ample_compute(
        self, state: State, enabled: list[int], masks: list[tuple[int, int]], sleep: int
    ) -> tuple[list[int], bool]:
        """Stubborn-set closure from each enabled seed; the cheapest set wins.

        Properties over states take part as monitor transitions (Valmari): a monitor
        reads its property's variables and would fire where the property fails (or,
        for 'sometimes', holds). Here every monitor is disabled, since its property is
        checked on arrival and drops out once decided, so a set whose threads write
        a monitor's variables must also hold every thread that may still write them.
        Assertions and final-state checks need nothing: both are deadlock-like
        (an assertion failure is an exit to an error state) and persistent sets keep
        every reachable deadlock.
        """
        comp = self.comp
        enabled_set = set(enabled)
        live = [u for u in range(self.n) if state[comp.pc_slot[u]] >= 0]
        monitors = self.monitors
        guard_cache: dict[tuple[int, int], bool] = {}
        whole = {u: comp.future[u][state[comp.pc_slot[u]]] for u in live}

        def closure(seed: int, fut: dict[int, tuple[int, int]]) -> set[int] | None:
            """The set grown from ``seed``; None once it holds every enabled thread."""
            members = {seed}
            mons: set[int] = set()
            work = [seed]
            while work:
                p = work.pop()
                r, w = masks[p]
                en = p in enabled_set
                wake = [r] if not en else []
                if en:  # writing what an undecided property reads: its monitor joins
                    for j, mr in enumerate(monitors):
                        if j not in mons and w & mr:
                            mons.add(j)
                            wake.append(mr)
                for u in live:
                    if u in members:
                        continue
                    fr, fw = fut[u]
                    # an enabled p conflicts with anything u may still do; a blocked p
                    # (or a monitor) can be woken by whatever u may still write to it
                    if (en and not _independent(r, w, fr, fw)) or any(fw & x for x in wake):
                        members.add(u)
                        work.append(u)
                        if enabled_set <= members:
                            return None
            return members

        best = enabled

        def cost(threads: list[int]) -> tuple[int, int]:
            return (sum(1 for t in threads if not sleep >> t & 1), len(threads))

        best_cost = cost(best)
        # first with whole futures (cheap); then, if that left room to gain, with
        # futures cut at steps blocked until the seed moves (see futures.py)
        tried_cut = False
        for refine, seed in [(False, t) for t in enabled] + [(True, t) for t in enabled]:
            if refine and (best_cost[0] <= 1 or not self.walker.guard_slots):
                break
            if refine:
                tried_cut = True
                outside = [u for u in live if u != seed]
                fut = {**self.walker.futures(state, outside, guard_cache), seed: whole[seed]}
            else:
                fut = whole
            members = closure(seed, fut)
            if members is None:
                continue
            amp = [t for t in enabled if t in members]
            c = cost(amp)
            if c < best_cost:
                best, best_cost = amp, c
        return best, tried_cut

    # -- symmetry --------------------------------------------------------------------
    def _canon(self, state: State, sleep: int) -> tuple[State, int]:
        """Sort the blocks (pc + locals) of interchangeable threads; permute the sleep set."""
        comp = self.comp
        vals = list(state)
        new_sleep = sleep
        for group in comp.groups:
            blocks = []
            for t in group:
                lo = comp.pc_slot[t]
                hi = self.block_end[t]
                blocks.append((repr(state[lo:hi]), t, state[lo:hi]))
            blocks.sort(key=lambda b: b[0])
            for dst, (_r, _src, block) in zip(group, blocks, strict=True):
                lo = comp.pc_slot[dst]
                vals[lo : lo + len(block)] = block
                new_sleep &= ~(1 << dst)
            for dst, (_r, src, _b) in zip(group, blocks, strict=True):
                if sleep >> src & 1:
                    new_sleep |= 1 << dst
        return tuple(vals), new_sleep

    # -- the walk --------------------------------------------------------------------
    def run(self) -> Exploration:
        t0 = time.perf_counter()
        comp, m, res, n = self.comp, self.m, self.res, self.n
        # node -> (complete runs, all runs) below it; (0, -1) while it is on the stack
        nodes: dict[tuple[State, int], tuple[int, int]] = {}
        # state -> (enabled threads, access masks of each thread's next op)
        seen: dict[State, tuple[list[int], list[tuple[int, int]]]] = {}
        on_stack: dict[State, int] = {}
        path: list[int] = []
        stack: list[list] = []  # [key, state, todo, sleep, done_mask, masks, execs]
        use_sleep = self.reduction != "none"

        canon = self._canon if comp.groups else None
        pc_slot = comp.pc_slot
        # access masks by pc; the two extra entries serve pc == DONE (-1) and BOUND (-2)
        opmasks = [[(op.reads, op.writes) for op in ops] + [(0, 0), (0, 0)] for ops in comp.ops]
        finals_reached = [0]  # final nodes met, reported if the budget stops the walk

        def push(state: State, sleep: int) -> tuple[int, int] | None:
            """Start a node; returns its (complete, all) run counts if known or a leaf."""
            if canon is not None:
                state, sleep = canon(state, sleep)
            key = (state, sleep)
            known = nodes.get(key)
            if known is not None:
                return (0, 1) if known[1] < 0 else known
            info = seen.get(state)
            if info is None:
                res.states += 1
                res.depth = max(res.depth, len(path))
                self._on_state(state, path)
                masks = [opmasks[t][state[pc_slot[t]]] for t in range(n)]
                info = seen[state] = ([t for t in range(n) if m.enabled(state, t)], masks)
            enabled, masks = info
            if not enabled:
                nodes[key] = (1, 1)
                finals_reached[0] += 1
                self._on_final(state, path)
                return (1, 1)
            amp = self._ample(state, enabled, masks, sleep)
            succ = []
            for t in amp:
                if sleep >> t & 1:
                    continue
                ns, fails = m.fire(state, t)
                succ.append((t, ns, fails))
            if len(amp) < len(enabled) and any(
                (canon(s, 0)[0] if canon else s) in on_stack for _, s, _ in succ
            ):
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
        else:  # stopped early: count the final states reached so far
            res.complete_runs = res.executions = finals_reached[0]
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
