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
        self.memo: dict[tuple[Any, ...], dict[int, tuple[int, int]]] = {}
        self.walks: dict[tuple[Any, ...], tuple[int, int]] = {}

    def _blocked(self, state: State, t: int, pc: int, cache: dict[tuple[int, int], bool]) -> bool:
        key = (t, pc)
        hit = cache.get(key)
        if hit is None:
            step = self.comp.ops[t][pc].step
            assert step is not None and step.guard is not None
            try:
                hit = not step.guard(_SharedOnly(self.comp.shared_index, state))
            except (LookupError, ModelError):
                hit = False  # reads a local (or something odd): cannot cut here
            cache[key] = hit
        return hit

    def walk(
        self, state: State, t: int, others: int, cache: dict[tuple[int, int], bool]
    ) -> tuple[int, int]:
        """(reads, writes) of what thread ``t`` may run while only threads writing at
        most ``others`` run besides it."""
        comp = self.comp
        start = state[comp.pc_slot[t]]
        if start < 0:
            return (0, 0)
        key = (t, start, others, tuple([state[i] for i in self.guard_slots]))
        hit = self.walks.get(key)
        if hit is None:
            hit = self.walks[key] = self._walk(state, t, start, others, cache)
        return hit

    def _walk(
        self, state: State, t: int, start: int, others: int, cache: dict[tuple[int, int], bool]
    ) -> tuple[int, int]:
        comp = self.comp
        ops = comp.ops[t]
        reads = writes = 0
        todo = [(start, 0)]
        seen: set[tuple[int, int]] = set()
        while todo:
            pc, path = todo.pop()
            if pc < 0 or (pc, path) in seen:
                continue
            seen.add((pc, path))
            if len(seen) > _WALK_LIMIT:
                return comp.future[t][start]
            op = ops[pc]
            if (
                op.step is not None
                and op.step.guard is not None
                and not op.reads & (others | path)
                and self._blocked(state, t, pc, cache)
            ):
                continue  # stuck here until someone in the set moves
            reads |= op.reads
            writes |= op.writes
            todo.extend((nxt, path | op.writes) for nxt in _targets(op))
        return reads, writes

    def futures(
        self, state: State, outside: list[int], cache: dict[tuple[int, int], bool]
    ) -> dict[int, tuple[int, int]]:
        """Cut futures of the ``outside`` threads: the least fixed point, starting
        from "the others write nothing" and growing until it is consistent."""
        # depends on the state only through pcs and the values guards read
        comp = self.comp
        key = (
            tuple(outside),
            tuple([state[comp.pc_slot[u]] for u in outside]),
            tuple([state[i] for i in self.guard_slots]),
        )
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self._fixpoint(state, outside, cache)
        return hit

    def _fixpoint(
        self, state: State, outside: list[int], cache: dict[tuple[int, int], bool]
    ) -> dict[int, tuple[int, int]]:
        fut = dict.fromkeys(outside, (0, 0))
        while True:
            new = {}
            for u in outside:
                others = 0
                for v in outside:
                    if v != u:
                        others |= fut[v][1]
                new[u] = self.walk(state, u, others, cache)
            if new == fut:
                return fut
            fut = new
