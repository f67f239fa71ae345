"""Symmetry reduction: one representative per permutation of interchangeable threads.

Threads declared in one ``group`` run the same program with the same locals, so any
two states that differ only by how their blocks (pc + locals) are spread over the
group behave alike. The canonical state sorts those blocks; a sleep set, which names
threads, is permuted along with them.
"""

from __future__ import annotations

from reviewbot.sim.compile import Compiled, State


class Canon:
    def __init__(self, comp: Compiled) -> None:
        self.comp = comp
        # end of each thread's block of slots (pc + locals) in the state tuple
        self.block_end = [*comp.pc_slot[1:], len(comp.init)]
        self.memo: dict[State, tuple[State, int, tuple[tuple[int, int], ...]]] = {}

    def __call__(self, state: State, sleep: int) -> tuple[State, int]:
        """Sort the blocks of interchangeable threads; permute the sleep set."""
        hit = self.memo.get(state)
        if hit is None:
            hit = self.memo[state] = self._compute(state)
        cstate, clear, moves = hit
        if not sleep:
            return cstate, 0
        new_sleep = sleep & clear
        for src, dst in moves:
            if sleep >> src & 1:
                new_sleep |= 1 << dst
        return cstate, new_sleep

    def _compute(self, state: State) -> tuple[State, int, tuple[tuple[int, int], ...]]:
        """The canonical state, the sleep bits it keeps, and where grouped bits go."""
        comp = self.comp
        vals = list(state)
        clear = -1
        moves = []
        for group in comp.groups:
            blocks = []
            for t in group:
                lo = comp.pc_slot[t]
                hi = self.block_end[t]
                blocks.append((repr(state[lo:hi]), t, state[lo:hi]))
            blocks.sort(key=lambda b: b[0])
            for dst, (_r, src, block) in zip(group, blocks, strict=True):
                lo = comp.pc_slot[dst]
                vals[lo : lo + len(block)] = block
                clear &= ~(1 << dst)
                moves.append((src, dst))
        return tuple(vals), clear, tuple(moves)
