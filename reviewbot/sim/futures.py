"""What a thread can still do before a given set of threads moves (for stubborn sets).

A thread's *future* is the union of the access masks of the ops it may run. Running
alone, that is every op reachable from its pc. But a thread that will reach a blocked
step (a lock another CPU holds, a wait_var_event() nobody has signalled) cannot get
past it until someone writes what the step's guard reads. When nobody outside the
candidate set can write those variables before the set moves, the future stops there.

A guard written as parts (dsl.all_of) is looked at part by part: the step stays
blocked while one part is false and nobody outside writes what that part reads (a
necessary enabling condition, in stubborn-set terms), whatever happens to the others.

Soundness, by induction along any run of threads outside the set: the first op to
run past such a step would need the part to have flipped, i.e. an earlier write to
its variables, either by the thread itself on the way (excluded: ``path`` writes), or
by another outside thread within its own future (excluded: ``others``). Guards that
read locals are never used to cut (a thread changes its locals on the way).
"""

from __future__ import annotations

from typing import Any

from reviewbot.sim.compile import Compiled, State, _targets
from reviewbot.sim.dsl import AllOf, ModelError

Checks = tuple[tuple[int, int, int, bool], ...]  # (thread, pc, part, false) outcomes
Cache = dict[tuple[int, int, int], bool]  # (thread, pc, part) -> part is false now

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
                for part in op.guard_parts:
                    guard_mask |= part
        # the shared variables guards read: cut futures depend on their values
        self.guard_slots = tuple(i for i in range(comp.nshared) if guard_mask >> i & 1)
        self.view = _SharedOnly(comp.shared_index, comp.init)
        # memos of futures() and walks: per key, (guard checks, result) entries
        self.memo: dict[tuple[Any, ...], list[tuple[Checks, dict[int, tuple[int, int]]]]] = {}
        self.walks: dict[tuple[int, int, int], list[tuple[Checks, tuple[int, int]]]] = {}
        # per thread and pc, precomputed for _walk: (reads, writes, successor pcs,
        # read mask of each part of the guard; empty for an op that cannot block)
        self.table = [
            [(op.reads, op.writes, _targets(op), op.guard_parts) for op in ops] for ops in comp.ops
        ]

    def _false(self, state: State, t: int, pc: int, i: int, cache: Cache) -> bool:
        """Whether part ``i`` of the guard of thread ``t``'s op at ``pc`` is false."""
        key = (t, pc, i)
        hit = cache.get(key)
        if hit is None:
            step = self.comp.ops[t][pc].step
            assert step is not None and step.guard is not None
            guard = step.guard
            pred = guard.parts[i][0] if isinstance(guard, AllOf) else guard
            try:
                view = self.view
                view.vals = state
                hit = not pred(view)
            except (LookupError, ModelError):
                hit = False  # reads a local (or something odd): cannot cut here
            cache[key] = hit
        return hit

    def walk(self, state: State, t: int, others: int, cache: Cache) -> tuple[int, int]:
        """(reads, writes) of what thread ``t`` may run while only threads writing at
        most ``others`` run besides it."""
        return self._walk_checked(state, t, others, cache)[0]

    def _agrees(self, state: State, checks: Checks, cache: Cache) -> bool:
        """Whether every recorded guard check (thread, pc, part, false) comes out the same."""
        for t, pc, i, out in checks:
            hit = cache.get((t, pc, i))
            if hit is None:
                hit = self._false(state, t, pc, i, cache)
            if hit is not out:
                return False
        return True

    def _walk_checked(
        self, state: State, t: int, others: int, cache: Cache
    ) -> tuple[tuple[int, int], Checks]:
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
        rec: list[tuple[int, int, int, bool]] = []
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
        cache: Cache,
        *,
        rec: list[tuple[int, int, int, bool]],
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
            r, w, targets, parts = table[pc]
            if parts:
                stuck = False
                for i, mask in enumerate(parts):
                    if mask & (others | path):
                        continue  # this part may change on the way
                    false = self._false(state, t, pc, i, cache)
                    rec.append((t, pc, i, false))
                    if false:
                        stuck = True
                        break
                if stuck:
                    continue  # stuck here until someone in the set moves
            reads |= r
            writes |= w
            path |= w
            for nxt in targets:
                todo.append((nxt, path))
        return reads, writes

    def futures(self, state: State, outside: list[int], cache: Cache) -> dict[int, tuple[int, int]]:
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
        rec: dict[tuple[int, int, int, bool], None] = {}
        result = self._fixpoint(state, outside, cache, rec)
        entries.append((tuple(rec), result))
        return result

    def _fixpoint(
        self,
        state: State,
        outside: list[int],
        cache: Cache,
        rec: dict[tuple[int, int, int, bool], None],
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
