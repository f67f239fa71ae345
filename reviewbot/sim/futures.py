"""What a thread can still do before a given set of threads moves (for stubborn sets).

A thread's *future* is the union of the access masks of the ops it may run. Running
alone, that is every op reachable from its pc. But a thread that will reach a blocked
step (a lock another CPU holds, a wait_var_event() nobody has signalled) cannot get
past it until someone writes what the step's guard reads. When nobody outside the
candidate set can write those variables before the set moves, the future stops there.

Soundness, by induction along any run of threads outside the set: the first op to
run past such a step would need the guard to have flipped, i.e. an earlier write to
its variables, either by the thread itself on the way (excluded: ``path`` writes), or
by another outside thread within its own future (excluded: ``others``). Guards that
read locals are never used to cut (a thread changes its locals on the way).
"""

from __future__ import annotations

from typing import Any

from reviewbot.sim.compile import Compiled, State, _targets
from reviewbot.sim.dsl import ModelError

Checks = tuple[tuple[int, int, bool], ...]  # (thread, pc, blocked) guard outcomes

_WALK_LIMIT = 400  # (pc, path-writes) pairs per thread before giving up on cutting


class _SharedOnly:
    """Guard view over the current shared values; a local read means "cannot tell"."""

    __slots__ = ("index", "vals")

    def __init__(self, index: dict[str, int], vals: State) -> None:
        self.index = index
        self.vals = vals

    def __getitem__(self, name: str) -> Any:
        slot = self.index.get(name)
        if slot is None:
            raise LookupError(name)
        return self.vals[slot]


class FutureWalker:
    def __init__(self, comp: Compiled) -> None:
        self.comp = comp
        guard_mask = 0
        for ops in comp.ops:
            for op in ops:
                if op.step is not None and op.step.guard is not None:
                    guard_mask |= op.reads
        # the shared variables guards read: cut futures depend on their values
        self.guard_slots = tuple(i for i in range(comp.nshared) if guard_mask >> i & 1)
        self.view = _SharedOnly(comp.shared_index, comp.init)
        # memos of futures() and walks: per key, (guard checks, result) entries
        self.memo: dict[tuple[Any, ...], list[tuple[Checks, dict[int, tuple[int, int]]]]] = {}
        self.walks: dict[tuple[int, int, int], list[tuple[Checks, tuple[int, int]]]] = {}
        # per thread and pc, precomputed for _walk: (reads, writes, successor pcs,
        # whether the op is a guarded step)
        self.table = [
            [
                (
                    op.reads,
                    op.writes,
                    _targets(op),
                    op.step is not None and op.step.guard is not None,
                )
                for op in ops
            ]
            for ops in comp.ops
        ]

    def _blocked(self, state: State, t: int, pc: int, cache: dict[tuple[int, int], bool]) -> bool:
        key = (t, pc)
        hit = cache.get(key)
        if hit is None:
            step = self.comp.ops[t][pc].step
            assert step is not None and step.guard is not None
            try:
                view = self.view
                view.vals = state
                hit = not step.guard(view)
            except (LookupError, ModelError):
                hit = False  # reads a local (or something odd): cannot cut here
            cache[key] = hit
        return hit

    def walk(
        self, state: State, t: int, others: int, cache: dict[tuple[int, int], bool]
    ) -> tuple[int, int]:
        """(reads, writes) of what thread ``t`` may run while only threads writing at
        most ``others`` run besides it."""
        return self._walk_checked(state, t, others, cache)[0]

    def _agrees(self, state: State, checks: Checks, cache: dict[tuple[int, int], bool]) -> bool:
        """Whether every recorded guard check (thread, pc, blocked) comes out the same."""
        for t, pc, out in checks:
            hit = cache.get((t, pc))
            if hit is None:
                hit = self._blocked(state, t, pc, cache)
            if hit is not out:
                return False
        return True

    def _walk_checked(
        self, state: State, t: int, others: int, cache: dict[tuple[int, int], bool]
    ) -> tuple[tuple[int, int], tuple[tuple[int, int, bool], ...]]:
        """walk() and the guard checks it depended on.

        A walk depends on the state only through its start pc and the outcomes of the
        guard checks it makes, each of which decides the next. So it is memoised per
        (thread, pc, others) as a list of (checks, result): an entry whose checks all
        come out the same in this state is the result a fresh walk would give."""
        start = state[self.comp.pc_slot[t]]
        if start < 0:
            return (0, 0), ()
        key = (t, start, others)
        entries = self.walks.get(key)
        if entries is None:
            entries = self.walks[key] = []
        for checks, result in entries:
            if self._agrees(state, checks, cache):
                return result, checks
        rec: list[tuple[int, int, bool]] = []
        result = self._walk(state, t, start, others, cache, rec=rec)
        checks = tuple(rec)
        entries.append((checks, result))
        return result, checks

    def _walk(
        self,
        state: State,
        t: int,
        start: int,
        others: int,
        cache: dict[tuple[int, int], bool],
        *,
        rec: list[tuple[int, int, bool]],
    ) -> tuple[int, int]:
        table = self.table[t]
        reads = writes = 0
        todo = [(start, 0)]
        seen: set[tuple[int, int]] = set()
        while todo:
            item = todo.pop()
            pc, path = item
            if pc < 0 or item in seen:
                continue
            seen.add(item)
            if len(seen) > _WALK_LIMIT:
                return self.comp.future[t][start]
            r, w, targets, guarded = table[pc]
            if guarded and not r & (others | path):
                blocked = self._blocked(state, t, pc, cache)
                rec.append((t, pc, blocked))
                if blocked:
                    continue  # stuck here until someone in the set moves
            reads |= r
            writes |= w
            path |= w
            for nxt in targets:
                todo.append((nxt, path))
        return reads, writes

    def futures(
        self, state: State, outside: list[int], cache: dict[tuple[int, int], bool]
    ) -> dict[int, tuple[int, int]]:
        """Cut futures of the ``outside`` threads: the least fixed point, starting
        from "the others write nothing" and growing until it is consistent."""
        # depends on the state through the pcs and the outcomes of the guard checks
        # the walks make: memoised like a walk (see _walk_checked)
        comp = self.comp
        key = (tuple(outside), tuple([state[comp.pc_slot[u]] for u in outside]))
        entries = self.memo.get(key)
        if entries is None:
            entries = self.memo[key] = []
        for checks, result in entries:
            if self._agrees(state, checks, cache):
                return result
        rec: dict[tuple[int, int, bool], None] = {}
        result = self._fixpoint(state, outside, cache, rec)
        entries.append((tuple(rec), result))
        return result

    def _fixpoint(
        self,
        state: State,
        outside: list[int],
        cache: dict[tuple[int, int], bool],
        rec: dict[tuple[int, int, bool], None],
    ) -> dict[int, tuple[int, int]]:
        # chaotic iteration from "nothing": walks only grow as ``others`` grows, so
        # this reaches the same least fixed point as rounds of simultaneous updates
        fut = dict.fromkeys(outside, (0, 0))
        changed = True
        while changed:
            changed = False
            for u in outside:
                others = 0
                for v in outside:
                    if v != u:
                        others |= fut[v][1]
                got, checks = self._walk_checked(state, u, others, cache)
                rec.update(dict.fromkeys(checks))
                if got != fut[u]:
                    fut[u] = got
                    changed = True
        return fut
