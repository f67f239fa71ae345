"""The engine's own small models (synthetic), shared by its tests and its benchmark.

Each is small enough to count by hand (see tests/sim/test_engine_counts.py) or, for
``folio_writers``, big enough to measure states per second.
"""

from __future__ import annotations

from reviewbot.sim.dsl import Model, await_, if_, lock, step, unlock


def _const(var: str, value: int) -> dict[str, int]:
    return {var: value}


def independent(threads: int = 2, steps: int = 2) -> Model:
    """Every thread writes its own variable ``steps`` times: one Mazurkiewicz trace."""
    m = Model("independent")
    for t in range(threads):
        v = m.var(f"x{t}", 0)
        prog = [
            step(f"x{t} = {k + 1}", writes=(v,), effect=lambda s, v=v, k=k: _const(v, k + 1))
            for k in range(steps)
        ]
        m.thread(f"t{t}", prog)
    return m


def dependent(threads: int = 2, steps: int = 2) -> Model:
    """Every step writes the same variable: every interleaving is its own trace."""
    m = Model("dependent")
    m.var("x", 0)
    for t in range(threads):
        prog = [
            step(f"x = {t}{k}", writes=("x",), effect=lambda s, t=t, k=k: {"x": 10 * t + k})
            for k in range(steps)
        ]
        m.thread(f"t{t}", prog)
    return m


def flags_rmw(atomic: bool = False) -> Model:
    """Two CPUs set different bits of one word by load + store (or atomically)."""
    m = Model("flags-rmw")
    m.var("flags", 0)
    for name, bit in (("setattr", 1), ("writeback", 2)):
        if atomic:
            prog = [
                step(
                    f"set_bit({bit}, &flags)",
                    reads=("flags",),
                    writes=("flags",),
                    effect=lambda s, bit=bit: {"flags": s["flags"] | bit},
                )
            ]
        else:
            prog = [
                step(
                    "old = READ_ONCE(flags)", reads=("flags",), effect=lambda s: {"old": s["flags"]}
                ),
                step(
                    f"WRITE_ONCE(flags, old | {bit})",
                    writes=("flags",),
                    effect=lambda s, bit=bit: {"flags": s["old"] | bit},
                ),
            ]
        m.thread(name, prog, locals={"old": 0})
    m.at_end(
        "no-lost-bit",
        "concurrent flag updates never lose a bit",
        lambda s: s["flags"] == 3,
        reads=("flags",),
    )
    m.sometimes("both-bits", "both bits end up set", lambda s: s["flags"] == 3, reads=("flags",))
    return m


def lock_pair() -> Model:
    """Two CPUs increment a counter under a lock: two runs, no lost update."""
    m = Model("lock-pair")
    m.var("lock", False)
    m.var("count", 0)
    for name in ("a", "b"):
        m.thread(
            name,
            [
                lock("lock", "inode_lock()"),
                step(
                    "count++",
                    reads=("count",),
                    writes=("count",),
                    effect=lambda s: {"count": s["count"] + 1},
                ),
                unlock("lock", "inode_unlock()"),
            ],
        )
    m.at_end("no-lost-update", "both increments land", lambda s: s["count"] == 2, reads=("count",))
    return m


def wait_handoff() -> Model:
    """A waits for B's flag after an unrelated write; B writes, then sets the flag."""
    m = Model("wait-handoff")
    m.var("a", 0)
    m.var("b", 0)
    m.var("flag", False)
    m.thread(
        "waiter",
        [
            step("a = 1", writes=("a",), effect=lambda s: {"a": 1}),
            await_("wait_var_event(flag)", lambda s: s["flag"], reads=("flag",)),
        ],
    )
    m.thread(
        "waker",
        [
            step("b = 1", writes=("b",), effect=lambda s: {"b": 1}),
            step("flag = 1; wake_up_var()", writes=("flag",), effect=lambda s: {"flag": True}),
        ],
    )
    return m


def lock_order() -> Model:
    """ABBA: two locks taken in opposite orders deadlock."""
    m = Model("lock-order")
    m.var("A", False)
    m.var("B", False)
    m.thread("one", [lock("A"), lock("B"), unlock("B"), unlock("A")])
    m.thread("two", [lock("B"), lock("A"), unlock("A"), unlock("B")])
    return m


def vacuous() -> Model:
    """A 'sometimes' that can never happen: the scenario must fail, not pass."""
    m = Model("vacuous")
    m.var("x", 0)
    m.thread("t", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})])
    m.sometimes("x-is-2", "x reaches 2", lambda s: s["x"] == 2, reads=("x",))
    return m


def folio_writers(writers: int = 3, folios: int = 3) -> Model:
    """Writers dirty folios under a lock and grow i_size; writeback cleans them.

    Bigger than the others, for measuring states per second.
    """
    m = Model("folio-writers")
    m.var("inode.lock", False)
    m.var("i_size", 0)
    dirty = m.array("folio{}.dirty", folios, False)
    m.array("folio{}.on_disk", folios, 0)
    for w in range(writers):
        prog = [lock("inode.lock", "inode_lock()")]
        for f in range(folios):
            if (f + w) % 2 == 0:
                prog.append(
                    step(
                        f"folio_mark_dirty(folio{f})",
                        writes=(dirty[f],),
                        effect=lambda s, f=f: {f"folio{f}.dirty": True},
                    )
                )
        prog.append(
            step(
                "i_size_write()",
                reads=("i_size",),
                writes=("i_size",),
                effect=lambda s, w=w: {"i_size": max(s["i_size"], 4096 * (w + 1))},
            )
        )
        prog.append(unlock("inode.lock", "inode_unlock()"))
        m.thread(f"write{w}", prog)
    wb = []
    for f in range(folios):
        wb.append(
            if_(
                lambda s, f=f: s[f"folio{f}.dirty"],
                [
                    step(
                        f"folio_clear_dirty_for_io(folio{f})",
                        writes=(dirty[f],),
                        effect=lambda s, f=f: {f"folio{f}.dirty": False},
                    ),
                    step(
                        f"submit_bio(folio{f})",
                        reads=(f"folio{f}.on_disk",),
                        writes=(f"folio{f}.on_disk",),
                        effect=lambda s, f=f: {f"folio{f}.on_disk": s[f"folio{f}.on_disk"] + 1},
                    ),
                ],
                reads=(dirty[f],),
                label=f"folio_test_dirty(folio{f})",
            )
        )
    m.thread("writeback", wb)
    m.always(
        "isize-bounded",
        "i_size never exceeds what a writer wrote",
        lambda s: s["i_size"] <= 4096 * writers,
        reads=("i_size",),
    )
    return m


ALL = {
    "independent-2x2": lambda: independent(2, 2),
    "independent-3x2": lambda: independent(3, 2),
    "dependent-2x2": lambda: dependent(2, 2),
    "dependent-3x2": lambda: dependent(3, 2),
    "flags-rmw": lambda: flags_rmw(False),
    "flags-atomic": lambda: flags_rmw(True),
    "lock-pair": lock_pair,
    "wait-handoff": wait_handoff,
    "lock-order": lock_order,
    "folio-writers-3x3": lambda: folio_writers(3, 3),
    "folio-writers-4x4": lambda: folio_writers(4, 4),
}
