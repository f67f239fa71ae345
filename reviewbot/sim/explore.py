"""Exhaustive stateful search with partial-order reduction.

The search is a depth-first walk over nodes (state, sleep set). At each node it expands
a persistent set (persistent.py; the full enabled set when a successor would close a
cycle) minus the sleep set (Godefroid).
Nodes are memoised, so the walk visits exactly the nodes a stateless search with the
same sets would, once each; ``complete_runs`` counts the complete runs of that
unfolded tree and ``executions`` adds the prefixes it prunes (every enabled thread
asleep, or a cycle closed, including the dead ends below: each is a prefix explored
up to one step past its branch point). With ``reduction="sleep"`` the complete runs
are exactly one per Mazurkiewicz trace; with ``reduction="none"`` they are the
interleavings. Members of a persistent set run lock takers first (see
persistent.PersistentSets.disablers). Symmetric threads: symmetry.py.
When a property is decided inside a node's subtree, the node's set is chosen again
for the properties still open; if that smaller set is already covered (explored from
the node, or asleep there) the rest of the old set is dropped (``shrunk`` counts it).
A successor where every enabled thread would be asleep is a dead end: it is fired but
not entered when its state needs no visit (``looked_ahead`` counts them; see push).
It still counts as a pruned execution: the step was run to find out.

Speed: states are interned (numbered once; nodes are ints), and what depends only on
a state (enabled threads, successors, candidate sets) is computed once and kept.

Soundness: persistent sets keep every reachable deadlock; assertion failures and final
states are deadlock-like, and the monitors make a state property's violation (or a
'sometimes' witness) one too, so no verdict changes (tests/sim/test_engine_hypothesis.py
checks this against brute force). The access sets are trusted: run with ``check=True``.
"""

from __future__ import annotations

import gc
import operator
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from reviewbot.sim.compile import Compiled, State, _mask, _targets
from reviewbot.sim.dsl import ModelError
from reviewbot.sim.engine import Machine
from reviewbot.sim.persistent import PersistentSets, Seen
from reviewbot.sim.symmetry import Canon

Reduction = Literal["por", "sleep", "none"]


@dataclass
class Exploration:
    states: int = 0
    transitions: int = 0
    executions: int = 0  # leaves of the unfolded search tree
    complete_runs: int = 0  # leaves where no thread is enabled
    blocked_runs: int = 0  # leaves where every enabled thread is asleep (dead ends too)
    seconds: float = 0.0
    complete: bool = True  # False: budget exhausted or a loop bound was hit
    budget_hit: bool = False
    bound_hit: bool = False
    violations: dict[str, list[int]] = field(default_factory=dict)  # prop -> schedule
    witnesses: dict[str, list[int]] = field(default_factory=dict)  # sometimes -> schedule
    depth: int = 0
    shrunk: int = 0  # persistent sets cut short once a property was decided
    looked_ahead: int = 0  # successors fired but not entered: dead ends (see push)
    finals: set[State] = field(default_factory=set)  # terminal states (collect_finals=True)
    paths_valid: bool = True  # violations/witnesses hold replayable schedules


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
        if self.n > 255:  # set costs pack a thread count into 8 bits (persistent.py)
            raise ModelError(f"model has {self.n} threads; the explorer handles 255")
        self.res = Exploration()
        pmask = {}
        for p in comp.props:
            if p.reads is not None:
                pmask[p.name] = _mask(p.reads, comp.shared_index, {}, f"property {p.name}")
        self.pmask = pmask
        self.sets = PersistentSets(comp, por=reduction == "por")
        self.walker = self.sets.walker  # tests switch cut futures off through it
        self.all_shared = (1 << comp.nshared) - 1
        self._update_monitors()
        # with symmetry the walk's own paths mix thread numberings: not replayable
        self.res.paths_valid = not comp.groups

    # -- property checks -------------------------------------------------------------
    def _update_monitors(self) -> None:
        """Tell the persistent sets which state properties are still undecided."""
        res = self.res
        self.sets.set_monitors(
            [
                self.pmask.get(p.name, self.all_shared)
                for p in self.comp.props
                if (p.kind == "always" and p.name not in res.violations)
                or (p.kind == "sometimes" and p.name not in res.witnesses)
            ]
        )

    # the persistent-set choices, overridable (benchmarks/bench_sim.py, tests)
    def _ample(
        self,
        state: State,
        enabled: list[int],
        masks: list[tuple[int, int]],
        sleep: int,
        seen: Seen | None = None,
    ) -> list[int]:
        return self.sets.choose(state, enabled, masks, sleep, seen)

    def _indep(self, pcs: tuple[int, ...], masks: list[tuple[int, int]]) -> list[int]:
        return self.sets.indep(pcs, masks)

    def _disablers(self, info: Seen) -> int:
        return self.sets.disablers(info)

    def _on_state(self, state: State, path: list[int]) -> None:
        if not self.sets.monitors:  # every always/sometimes property decided
            return
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

    # -- the walk --------------------------------------------------------------------
    def run(self) -> Exploration:
        # the walk allocates many small tuples and keeps them (memos, visited nodes)
        # but makes no reference cycles: the cyclic collector would only rescan them
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if was_enabled:
                gc.enable()

    def _run(self) -> Exploration:
        t0 = time.perf_counter()
        comp, m, res, n = self.comp, self.m, self.res, self.n
        # states are interned: each gets a number and a Seen record on first visit
        ids: dict[State, int] = {}
        seen: list[Seen] = []
        # node (state number << n | sleep set) -> (complete runs, all runs) below it;
        # (0, -1) while it is on the stack
        nodes: dict[int, tuple[int, int]] = {}
        on_stack: list[int] = []  # per state number: frames on the stack
        path: list[int] = []
        # [node, sid, succ, sleep, done, seen, cruns, runs, undecided-properties version]
        stack: list[list[Any]] = []
        use_sleep = self.reduction != "none"

        canon = Canon(comp) if comp.groups else None
        pc_slot = comp.pc_slot
        pick = operator.itemgetter(*pc_slot)
        # itemgetter of one slot returns the value, not a 1-tuple
        pcs_of = pick if n > 1 else (lambda st: (pick(st),))
        # access masks by pc; the two extra entries serve pc == DONE (-1) and BOUND (-2)
        opmasks = [[(op.reads, op.writes) for op in ops] + [(0, 0), (0, 0)] for ops in comp.ops]
        # guards called directly, unless the Machine has to check their accesses
        guards = [
            [op.step.guard if op.step is not None else None for op in ops] for ops in comp.ops
        ]
        fast_guards = not m.check
        views = m.views
        # per program counters: each thread's access masks, live threads (has a guard?)
        pcs_memo: dict[tuple[int, ...], tuple[list[tuple[int, int]], list[tuple[int, Any]]]] = {}
        finals_reached = [0]  # final nodes met, reported if the budget stops the walk
        # dead ends are not entered (see push) only with persistent sets: the
        # sleep-set search stays the plain reference whose runs count the traces
        look_ahead = self.reduction == "por"
        pushed = [-1]  # the state number push() last dealt with
        # every jump forward (a step that ends its thread never runs again): no run
        # revisits a state, so the cycle proviso has nothing to check
        cyclic = any(
            0 <= nxt <= pc for ops in comp.ops for pc, op in enumerate(ops) for nxt in _targets(op)
        )

        def succ_of(info: Seen, t: int) -> list[Any]:
            """[thread, next state, failed asserts, next state's number or -1]."""
            fired = info.fired[t]
            if fired is None:
                ns, fails = m.fire(info.state, t)
                fired = info.fired[t] = [t, ns, fails, -1]
            return fired

        def push(state: State, sleep: int, sid: int) -> tuple[int, int] | None:
            """Start a node; returns its (complete, all) run counts if known or a leaf,
            (0, 1) for a dead end: a node where every enabled thread is asleep (each
            of its runs starts with a step explored from an earlier sibling, so it
            would be a pruned leaf) whose state needs no visit: visited before, or
            reached by a step that writes nothing an undecided state property reads
            (so they read as at the parent, checked on arrival there). The step's
            assertions were checked when it fired, and the state is not final (a
            thread is enabled). Not entered (``looked_ahead``), it is still counted
            as a pruned run: the step had to be fired to see that it leads nowhere."""
            if canon is not None:
                state, sleep = canon(state, sleep)
                sid = -1
            if sid < 0:  # not known yet (or canonised): look up, numbering it if new
                sid = ids.setdefault(state, len(seen))
            if sid < len(seen):
                pushed[0] = sid
                node = sid << n | sleep
                known = nodes.get(node)
                if known is not None:  # counted as when first met
                    return (0, 1) if known[1] < 0 else known
                info = seen[sid]
                if sleep and look_ahead and info.en_bits and not info.en_bits & ~sleep:
                    res.looked_ahead += 1
                    return (0, 1)
            else:
                pcs = pcs_of(state)
                at_pcs = pcs_memo.get(pcs)
                if at_pcs is None:
                    at_pcs = pcs_memo[pcs] = (
                        [opmasks[t][pc] for t, pc in enumerate(pcs)],
                        [(t, guards[t][pc]) for t, pc in enumerate(pcs) if pc >= 0],
                    )
                masks, runnable = at_pcs
                # only a guard can stop a live thread
                enabled = []
                en_bits = 0
                for t, g in runnable:
                    if g is not None:
                        if fast_guards:
                            view = views[t]
                            view.vals = state
                            try:
                                ok = g(view)
                            except Exception:  # the Machine re-runs it and says whose fault
                                ok = m.enabled(state, t)
                        else:
                            ok = m.enabled(state, t)
                        if not ok:
                            continue
                    enabled.append(t)
                    en_bits |= 1 << t
                if sleep and look_ahead and en_bits and not en_bits & ~sleep:
                    # the parent is on top of the stack, the step that led here last
                    writes = stack[-1][5].masks[path[-1]][1]
                    if not any(writes & mr for mr in self.sets.monitors):
                        del ids[state]
                        pushed[0] = -1
                        res.looked_ahead += 1
                        return (0, 1)
                pushed[0] = sid
                res.states += 1
                res.depth = max(res.depth, len(path))
                self._on_state(state, path)
                info = Seen(state, enabled, masks, pcs, en_bits)
                seen.append(info)
                on_stack.append(0)
                node = sid << n | sleep
            enabled = info.enabled
            if not enabled:
                nodes[node] = (1, 1)
                finals_reached[0] += 1
                self._on_final(state, path)
                return (1, 1)
            amp = self._ample(state, enabled, info.masks, sleep, info)
            succ = [succ_of(info, t) for t in amp if not sleep >> t & 1]
            if cyclic and len(amp) < len(enabled):
                for f in succ:
                    if on_stack_of(f):
                        # cycle proviso: never postpone a thread around a cycle
                        succ = [succ_of(info, t) for t in enabled if not sleep >> t & 1]
                        break
            if not succ:
                nodes[node] = (0, 1)
                return (0, 1)
            nodes[node] = (0, -1)
            on_stack[sid] += 1
            if len(succ) > 1:
                first = info.disablers
                if first is None:
                    first = info.disablers = self._disablers(info)
                if first:
                    # stable: disablers first, each group in the persistent set's order
                    succ.sort(key=lambda f: not first >> f[0] & 1)
            succ.reverse()  # popped from the end
            stack.append([node, sid, succ, sleep, 0, info, 0, 0, self.sets.version])
            return None

        def on_stack_of(fired: list[Any]) -> bool:
            if canon is not None:
                sid = ids.get(canon(fired[1], 0)[0], -1)
            else:
                sid = fired[3]
                if sid < 0:
                    sid = fired[3] = ids.get(fired[1], -1)
            return sid >= 0 and on_stack[sid] > 0

        total = push(comp.init, 0, -1)
        while stack:
            if res.states > self.budget:
                res.complete = False
                res.budget_hit = True
                break
            frame = stack[-1]
            succ = frame[2]
            if not succ:
                stack.pop()
                cruns = frame[6]
                runs = frame[7] or 1
                nodes[frame[0]] = (cruns, runs)
                on_stack[frame[1]] -= 1
                if path:
                    path.pop()
                if stack:
                    stack[-1][6] += cruns
                    stack[-1][7] += runs
                else:
                    total = (cruns, runs)
                continue
            if frame[8] != self.sets.version and frame[4] and self.reduction == "por":
                # a property was decided below this node: if a persistent set for the
                # properties still open is already covered (explored from here, or
                # asleep), the rest of the old set need not run (Valmari's monitors
                # only ever shrink sets; the cycle proviso is checked again)
                frame[8] = self.sets.version
                info = frame[5]
                covered = frame[3] | frame[4]
                amp = self._ample(info.state, info.enabled, info.masks, covered, info)
                if all(covered >> u & 1 for u in amp) and not (
                    cyclic and any(on_stack_of(succ_of(info, u)) for u in amp)
                ):
                    res.shrunk += 1
                    succ.clear()
                    continue
            fired = succ.pop()
            t, ns, fails, nsid = fired
            res.transitions += 1
            for f in fails:
                if f not in res.violations:
                    res.violations[f] = [*path, t]
            child_sleep = 0
            if use_sleep:
                done_mask = frame[4]
                z = frame[3] | done_mask
                if z:
                    info = frame[5]
                    indep = info.indep
                    if indep is None:
                        indep = info.indep = self._indep(info.pcs, info.masks)
                    child_sleep = z & indep[t]
                frame[4] = done_mask | (1 << t)
            path.append(t)
            got = push(ns, child_sleep, nsid)
            if nsid < 0 and canon is None:
                fired[3] = pushed[0]  # known from now on
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
