"""Persistent sets: which threads the search must run from a state (and in what order).

A persistent set is a stubborn-set closure grown from one enabled thread over the
threads' *future* access masks (whole, or cut at steps that stay blocked until the set
moves: futures.py), with the still-undecided always/sometimes properties taking part
as monitor transitions (Valmari); the search then runs its members minus the sleep
set. Everything here depends on a state only through its program counters, its
enabled threads, the values guards read and the set of undecided properties, so it is
computed once per such key and kept.
"""

from __future__ import annotations

import operator
from typing import Any

from reviewbot.sim.compile import Compiled, State
from reviewbot.sim.futures import Cache, FutureWalker


class PersistentSets:
    def __init__(self, comp: Compiled, *, por: bool) -> None:
        self.comp = comp
        self.por = por
        self.walker = FutureWalker(comp)
        gs = self.walker.guard_slots
        pick = operator.itemgetter(*gs) if gs else None
        # the values guards read, as a tuple (itemgetter of one slot gives the value)
        self.guard_vals: Any = (
            (lambda st: ()) if pick is None else pick if len(gs) > 1 else (lambda st: (pick(st),))
        )
        self.guarded = [
            [op.step is not None and op.step.guard is not None for op in ops] for ops in comp.ops
        ]
        self.ample_memo: dict[tuple[Any, ...], list[tuple[list[int], int]]] = {}
        self.ample_cut_memo: dict[tuple[Any, ...], list[Any]] = {}
        self.indep_memo: dict[tuple[int, ...], list[int]] = {}
        self.whole_memo: dict[tuple[int, ...], tuple[list[int], list[tuple[int, int]]]] = {}
        # read masks of the undecided always/sometimes properties, and a version
        # number that changes with them (the memo keys carry it)
        self.monitors: list[int] = []
        self.version = 0

    def set_monitors(self, monitors: list[int]) -> None:
        """The read masks of the state properties still undecided."""
        self.monitors = monitors
        self.version += 1

    def choose(
        self,
        state: State,
        enabled: list[int],
        masks: list[tuple[int, int]],
        sleep: int,
        seen: Seen | None = None,
    ) -> list[int]:
        """The persistent set (seeded by one enabled thread, or all enabled) with the
        fewest threads awake: those are the ones the search has to run from here.

        Seeds are tried first with whole futures, then, while that left room to gain,
        with futures cut at steps blocked until the seed moves (see futures.py). The
        closures do not depend on the sleep set, only the choice among them does, so
        they are memoised without it (by program counters, enabled threads, undecided
        properties and, for cut futures, the values guards read), and kept on the
        state's ``Seen`` record while the undecided properties stay the same."""
        if not self.por or len(enabled) == 1:
            return enabled
        if seen is None:
            seen = Seen(state, enabled, masks, tuple([state[s] for s in self.comp.pc_slot]))
        if seen.version != self.version:
            seen.version = self.version
            seen.cut = None
            key = (seen.pcs, tuple(enabled), self.version)
            cands = self.ample_memo.get(key)
            if cands is None:
                live, whole = self.futures_of(seen.pcs)
                cands = self.ample_memo[key] = []
                for seed in enabled:
                    got = self.closure(seen, seed, live, whole)
                    if got is not None:
                        cands.append(got)
            seen.cands = cands
        # cost: threads awake, then size, as one int (size < 256 threads)
        best = enabled
        awake = ~sleep
        best_cost = (seen.en_bits & awake).bit_count() << 8 | len(enabled)
        for amp, bits in seen.cands:
            c = (bits & awake).bit_count() << 8 | len(amp)
            if c < best_cost:
                best, best_cost = amp, c
        if best_cost < 2 << 8 or not self.walker.guard_slots:
            return best
        cut = seen.cut
        if cut is None:
            gvals = self.guard_vals(state)
            gkey = ((seen.pcs, tuple(enabled), self.version), gvals)
            cut = self.ample_cut_memo.get(gkey)
            if cut is None:
                cut = self.ample_cut_memo[gkey] = [False] * len(enabled)
            seen.cut = cut
        guard_cache: Cache = {}
        for i, seed in enumerate(enabled):
            if best_cost < 2 << 8:
                break
            got = cut[i]
            if got is False:
                live, whole = self.futures_of(seen.pcs)
                outside = [u for u in live if u != seed]
                fut = list(whole)
                for u, f in self.walker.futures(state, outside, guard_cache).items():
                    fut[u] = f
                got = cut[i] = self.closure(seen, seed, live, fut)
            if got is not None:
                amp, bits = got
                c = (bits & awake).bit_count() << 8 | len(amp)
                if c < best_cost:
                    best, best_cost = amp, c
        return best

    def futures_of(self, pcs: tuple[int, ...]) -> tuple[list[int], list[tuple[int, int]]]:
        """The live threads and every thread's whole future at these program counters."""
        hit = self.whole_memo.get(pcs)
        if hit is None:
            future = self.comp.future
            live = [u for u, pc in enumerate(pcs) if pc >= 0]
            whole = [future[u][pc] if pc >= 0 else (0, 0) for u, pc in enumerate(pcs)]
            hit = self.whole_memo[pcs] = (live, whole)
        return hit

    def closure(
        self, seen: Seen, seed: int, live: list[int], fut: list[tuple[int, int]]
    ) -> tuple[list[int], int] | None:
        """Enabled members (list, bit set) of the stubborn-set closure grown from
        ``seed``, given each thread's future ``fut``; None once it holds every enabled
        thread.

        Properties over states take part as monitor transitions (Valmari): a monitor
        reads its property's variables and would fire where the property fails (or,
        for 'sometimes', holds). Here every monitor is disabled, since its property is
        checked on arrival and drops out once decided, so a set whose threads write
        a monitor's variables must also hold every thread that may still write them.
        Assertions and final-state checks need nothing: both are deadlock-like
        (an assertion failure is an exit to an error state) and persistent sets keep
        every reachable deadlock. The closure is a least fixed point, so the order in
        which members are visited does not change it.
        """
        masks = seen.masks
        en_bits = seen.en_bits
        monitors = self.monitors
        members = 1 << seed
        mons = 0
        work = [seed]
        while work:
            p = work.pop()
            r, w = masks[p]
            if en_bits >> p & 1:
                # an enabled p conflicts with anything u may still do; writing what
                # an undecided property reads, its monitor joins (and wakes)
                wake = 0
                if w:
                    for j, mr in enumerate(monitors):
                        if w & mr and not mons >> j & 1:
                            mons |= 1 << j
                            wake |= mr
                for u in live:
                    if members >> u & 1:
                        continue
                    fr, fw = fut[u]
                    if fw & (wake | r) or w & (fr | fw):
                        members |= 1 << u
                        work.append(u)
                        if not en_bits & ~members:
                            return None
            else:  # a blocked p can be woken by whatever u may still write to it
                for u in live:
                    if not members >> u & 1 and fut[u][1] & r:
                        members |= 1 << u
                        work.append(u)
                        if not en_bits & ~members:
                            return None
        members &= en_bits
        return [t for t in seen.enabled if members >> t & 1], members

    def indep(self, pcs: tuple[int, ...], masks: list[tuple[int, int]]) -> list[int]:
        """Per thread, the bit set of threads whose next op is independent of its own
        (masks depend on the program counters only)."""
        hit = self.indep_memo.get(pcs)
        if hit is None:
            hit = []
            for r, w in masks:
                row = 0
                for u, (r2, w2) in enumerate(masks):
                    if not (w & (r2 | w2) or w2 & r):
                        row |= 1 << u
                hit.append(row)
            self.indep_memo[pcs] = hit
        return hit

    def disablers(self, info: Seen) -> int:
        """Enabled threads whose next op writes what another enabled thread's guard
        reads (it may disable that thread: takes a lock, ends a wait condition), as a
        bit set. The walk runs them first among a persistent set.

        Why: a sibling fired later sleeps on every earlier sibling independent of it.
        If that later sibling is a lock taker, the threads it shuts out are off in its
        subtree and often only the sleepers can move: every run from there is one
        already made, a sleep-set-blocked prefix. Fired first, it has nobody asleep;
        the siblings after it sleep on it, but the threads it would have shut out are
        still awake there. The order never changes what is found (any order of a
        persistent set is sound with sleep sets), only how many prefixes are pruned
        (on the 45 benchmark models: fewer executions on 10, more on 3 (at most 2 on
        a model of 15 traces, 24 of 67k on the largest), worst executions per trace
        1.17 against 1.21 without it)."""
        bits = 0
        guarded = self.guarded
        for t in info.enabled:
            w = info.masks[t][1]
            if not w:
                continue
            for u in info.enabled:
                if u != t and guarded[u][info.pcs[u]] and info.masks[u][0] & w:
                    bits |= 1 << t
                    break
        return bits


class Seen:
    """What the walk keeps per distinct state: computed once, shared by its nodes."""

    __slots__ = (
        "cands",
        "cut",
        "disablers",
        "en_bits",
        "enabled",
        "fired",
        "indep",
        "masks",
        "pcs",
        "state",
        "version",
    )

    def __init__(
        self,
        state: State,
        enabled: list[int],
        masks: list[tuple[int, int]],
        pcs: tuple[int, ...],
        en_bits: int = -1,
    ) -> None:
        self.state = state
        self.enabled = enabled
        self.masks = masks  # (reads, writes) of each thread's next op
        self.pcs = pcs
        self.fired: list[list[Any] | None] = [None] * len(masks)  # successor by thread
        if en_bits < 0:
            en_bits = 0
            for t in enabled:
                en_bits |= 1 << t
        self.en_bits = en_bits  # ``enabled`` as a bit set
        # persistent-set candidates (see PersistentSets.choose) for undecided-property version
        self.version = -1
        self.cands: list[tuple[list[int], int]] = []
        self.cut: list[Any] | None = None
        # per thread: bit set of the threads whose next op is independent of its own
        self.indep: list[int] | None = None
        self.disablers: int | None = None  # see PersistentSets.disablers
