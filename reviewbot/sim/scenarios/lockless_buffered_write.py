"""Buffered write that skips the inode lock for non-extending writes (seed 003).

What it models. A two-page file (i_size 8192, both pages cached and holding ``O``)
and three syscalls at once:

* CPU0 ``write-A``: pwrite of page 1 (``A`` into [4096, 8192)), not extending when
  it starts. With ``inode_lock=extending_only`` it decides from an unlocked
  i_size_read() whether it extends (bch2_buffered_write() in commit 7e64c86cdc6c,
  the code the seed reverts) and takes inode_lock() only then.
* CPU1 ``write-B``: an extending pwrite of page 2 (``B`` into [8192, 12288)); it
  takes inode_lock() unless ``inode_lock=never``.
* CPU2 ``truncate``: truncate(file, 4096) with inode_lock() held by the VFS
  (do_truncate -> notify_change): truncate_setsize() writes i_size, then
  truncate_pagecache() waits for each folio lock and removes the folios, whose
  blocks are freed (they read back as zeroes).

The locked shape every other buffered ->write_iter has (generic_file_write_iter(),
ext4_buffered_write_iter(), xfs_file_buffered_write() with IOLOCK_EXCL,
btrfs_buffered_write(), netfs_buffered_write_iter()) is ``inode_lock=always``.

Each write, as generic_perform_write() / __bch2_buffered_write() do it: find or
create the folio and lock it, copy the data in, then ``if (end > i_size)
i_size_write(end)`` (knob ``isize_update``: a plain load/compare and a store, as
generic_write_end() does relying on i_rwsem, or one step under inode->i_lock as
bcachefs does), then unlock the folio. Knob ``truncate_excl`` adds bcachefs'
pagecache add/block lock: buffered writers hold it shared (bch2_pagecache_add_get()),
truncate holds it exclusively (bch2_pagecache_block_get()) around its i_size change
and page-cache truncation, and the lockless writer re-checks i_size after taking it
and goes back for inode_lock() if it would now extend.

Invariants: i_size never goes backwards without a truncate (checked on the writers'
i_size stores); no dropped write: at the end, the file's size and the contents of
its pages equal those of running the three syscalls one after another in some order
(the write returned, so its data is either visible or undone by a truncate that came
after it, together with the size).

Shortest counterexample of ``lockless-generic`` (no pagecache lock, generic i_size
update): A believes it does not extend and takes no lock; B extends the file to
12288; the truncate shrinks it to 4096 while A holds its folio; A's i_size update
puts the size back to 8192 and truncate_pagecache() then throws A's page (and B's)
away. The file ends 8192 bytes long with zeroes in page 1: no order of the three
syscalls leaves that (after B, a truncate to 4096 leaves 4096 bytes, and A after
the truncate leaves its data)::

  CPU0           CPU1           CPU2 (truncate)
  (write-A)      (write-B)
  ---------      ---------      ---------------
  vfs_write() -> ->write_iter()
  pos + len > i_size_read()? false
  grab folio1, folio_lock()
  copy A into folio1
    folio1.data = A
                 inode_lock()
                 grab folio2, folio_lock()
                 copy B into folio2
                   folio2.data = B
                 generic_write_end(): 12288 > i_size?
                 i_size_write(12288)
                   i_size = 12288
                 folio_unlock(folio2)
                 inode_unlock()
                                inode_lock()
                                truncate_setsize(): i_size = 4096
                                  i_size = 4096
  generic_write_end(): 8192 > i_size?
  i_size_write(8192)
    i_size = 8192
  folio_unlock(folio1)
  write() returns
                                truncate_pagecache(): folio1 gone, block
                                    freed
                                  folio1.present = false
                                truncate_pagecache(): folio2 gone, block
                                    freed
                                  folio2.present = false
                                inode_unlock()
                                <-- no dropped write: the file ends as some
                                serial order of the writes and the truncate
                                leaves it

What the model says about the seed. The revert (``seed-fix``: inode_lock() around
the whole buffered write) holds. The code it reverts (``pre-patch``: lockless
non-extending writes, but with bcachefs' pagecache add lock and the re-check under
it, and i_size updated under i_lock) also holds in this model: the pagecache lock
excludes truncate, the re-check sends a write that became extending back to the
inode lock, and the i_lock makes the size update atomic. That agrees with the commit
message, whose author could not find the mechanism and suspects a pre-existing bug
elsewhere that the lock had been hiding ("the inode lock actually covers very
little in IO paths"); the model does not claim to reproduce the reported corruption.
It shows which guards a lockless buffered write needs: drop the pagecache lock
(``lockless-no-pagecache-lock``) or the atomic size update (``lockless-generic``)
and writes are dropped; take no inode lock at all (``never``) and two extending
writes race on i_size.

Audit against the reverted code (the ``-`` lines of the seed). bch2_buffered_write()
took inode_lock() only for IOCB_APPEND or ``ki_pos + count > i_size_read()``, then
bch2_pagecache_add_get(), then re-checked the same condition and went to
get_inode_lock (put the add lock, inode_lock(), get the add lock, restart) if the
write had become extending; __bch2_buffered_write() updated i_size under
inode->i_lock with ``BUG_ON(!inode_locked)`` on the extending branch, i.e. the author
asserted that a lockless write never extends. bch2_truncate() and fallocate hold the
pagecache block lock across their i_size change, so under the add lock only
extending writers (which hold inode_lock()) move i_size, and only upwards: the model
reaches no state where the lockless write would extend, so that BUG_ON cannot fire
here either. The lockless path's other guards (all folios of the range locked, the
restart on a short copy) are not modelled; they concern atomicity between writers,
which the reported corruption was not shown to be. So the model neither reproduces
the report nor finds the reverted code wrong; a review of the revert should say
that, not that it fixes a race.

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import permutations
from typing import Any

from reviewbot.sim.dsl import Instr, Model, all_of, if_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import (
    I_RWSEM,
    PAGE,
    declare_folio,
    folio_unlock,
    i_size_set,
    inode_lock,
    inode_unlock,
    size_extend,
)

MONO = "isize-monotonic"
DROPPED = "no-dropped-write"
HOLE = "0"


def _serial_outcomes() -> frozenset[tuple[int, tuple[str, ...]]]:
    """(i_size, visible page contents) after A, B and the truncate in every order."""
    out = set()
    for order in permutations("ABT"):
        size, pages = 2 * PAGE, ["O", "O", HOLE]
        for op in order:
            if op == "A":
                pages[1] = "A"
                size = max(size, 2 * PAGE)
            elif op == "B":
                if size <= PAGE:
                    pages[1] = HOLE
                pages[2] = "B"
                size = max(size, 3 * PAGE)
            else:
                size = PAGE
                pages[1] = pages[2] = HOLE
        out.add((size, tuple(pages[: size // PAGE])))
    return frozenset(out)


OUTCOMES = _serial_outcomes()


def _write_body(idx: int, data: str, k: Mapping[str, str]) -> list[Instr]:
    f = f"folio{idx}"
    end = (idx + 1) * PAGE
    prog: list[Instr] = [
        step(
            f"grab folio{idx}, folio_lock()",
            reads=(f"{f}.locked", f"{f}.present"),
            writes=(f"{f}.locked", f"{f}.present"),
            guard=lambda s: not s[f"{f}.locked"],
            effect=lambda s: {f"{f}.locked": True, f"{f}.present": True},
            show=(),
        ),
        step(
            f"copy {data} into folio{idx}",
            writes=(f"{f}.data",),
            effect=lambda s: {f"{f}.data": data},
        ),
    ]
    if k["isize_update"] == "i_lock":
        prog.append(size_extend(f"spin_lock(i_lock); if (end > i_size) i_size_write({end})", end))
    else:

        def store(s: Any) -> dict[str, Any]:
            s.check(MONO, end >= s["i_size"])
            return {"i_size": end}

        prog.append(
            if_(
                lambda s: end > s["i_size"],
                [
                    step(
                        f"i_size_write({end})",
                        reads=("i_size",),
                        writes=("i_size",),
                        effect=store,
                        asserts={MONO: None},
                    ),
                ],
                [],
                reads=("i_size",),
                label=f"generic_write_end(): {end} > i_size?",
            )
        )
    prog.append(folio_unlock(f, f"folio_unlock(folio{idx})"))
    return prog


# The shared side of the pagecache lock is a count in bcachefs; with one hold per
# writer at a time it is modelled as one bit per writer (pc.add.1, pc.add.2), which
# lets the explorer see that truncate's wait for "no holders" cannot end before the
# writer holding it moves, whatever the other writer does.
WRITERS = (1, 2)


def _add_get(idx: int) -> Instr:
    return step(
        "bch2_pagecache_add_get()",
        reads=("pc.block",),
        writes=(f"pc.add.{idx}",),
        guard=lambda s: not s["pc.block"],
        effect=lambda s: {f"pc.add.{idx}": True},
        show=(),
    )


def _add_put(idx: int) -> Instr:
    return step(
        "bch2_pagecache_add_put()",
        writes=(f"pc.add.{idx}",),
        effect=lambda s: {f"pc.add.{idx}": False},
        show=(),
    )


def _writer(idx: int, data: str, k: Mapping[str, str], *, extending: bool) -> list[Instr]:
    mode = k["inode_lock"]
    pagecache = k["truncate_excl"] == "pagecache_add_lock"
    end = (idx + 1) * PAGE
    body = _write_body(idx, data, k)
    if pagecache:
        body = [_add_get(idx), *body, _add_put(idx)]
    if mode == "never":
        return body
    if mode == "always" or extending:
        # An extending write always finds pos + len > i_size: it takes the lock.
        return [inode_lock(), *body, inode_unlock()]
    # extending_only, a write that is not extending when it starts
    prog: list[Instr] = [
        step(
            "pos + len > i_size_read()? {ext}",
            reads=("i_size",),
            effect=lambda s: {"ext": end > s["i_size"]},
            show=(),
        ),
        if_(lambda s: s["ext"], [inode_lock()]),
    ]
    if pagecache:
        # bch2_buffered_write(): take the add lock, then re-check under it.
        prog += [
            _add_get(idx),
            if_(
                lambda s: not s["ext"] and end > s["i_size"],
                [
                    _add_put(idx),
                    inode_lock("get_inode_lock: inode_lock()"),
                    step("mark locked", effect=lambda s: {"ext": True}, show=()),
                    _add_get(idx),
                ],
                [],
                reads=("i_size",),
                label="re-check pos + len > i_size_read()",
            ),
            *_write_body(idx, data, k),
            _add_put(idx),
        ]
    else:
        prog += _write_body(idx, data, k)
    prog.append(if_(lambda s: s["ext"], [inode_unlock()]))
    return prog


def _truncate(k: Mapping[str, str]) -> list[Instr]:
    pagecache = k["truncate_excl"] == "pagecache_add_lock"
    prog: list[Instr] = [inode_lock()]
    if pagecache:
        prog.append(
            step(
                "bch2_pagecache_block_get()",
                reads=(*(f"pc.add.{i}" for i in WRITERS), "pc.block"),
                writes=("pc.block",),
                guard=all_of(
                    *((lambda s, i=i: not s[f"pc.add.{i}"], f"pc.add.{i}") for i in WRITERS),
                    (lambda s: not s["pc.block"], "pc.block"),
                ),
                effect=lambda s: {"pc.block": True},
                show=(),
            )
        )
    prog.append(i_size_set("truncate_setsize(): i_size = 4096", PAGE))
    for idx in (1, 2):
        f = f"folio{idx}"
        prog.append(
            step(
                f"truncate_pagecache(): folio{idx} gone, block freed",
                reads=(f"{f}.locked",),
                writes=(f"{f}.present", f"{f}.data", f"disk{idx}"),
                guard=lambda s, f=f: not s[f"{f}.locked"],
                effect=lambda s, f=f, idx=idx: {
                    f"{f}.present": False,
                    f"{f}.data": None,
                    f"disk{idx}": HOLE,
                },
                show=(f"{f}.present",),
            )
        )
    if pagecache:
        prog.append(
            step(
                "bch2_pagecache_block_put()",
                writes=("pc.block",),
                effect=lambda s: {"pc.block": False},
                show=(),
            )
        )
    prog.append(inode_unlock())
    return prog


def _content(s: Any) -> tuple[int, tuple[str, ...]]:
    size = s["i_size"]
    pages = []
    for idx in range(size // PAGE):
        if idx == 0:
            pages.append("O")
        elif s[f"folio{idx}.present"] and s[f"folio{idx}.data"] is not None:
            pages.append(s[f"folio{idx}.data"])
        else:
            pages.append(s[f"disk{idx}"])
    return size, tuple(pages)


def build(k: Mapping[str, str]) -> Model:
    m = Model("lockless-buffered-write")
    m.var("i_size", 2 * PAGE)
    m.var(I_RWSEM, False)
    for i in WRITERS:
        m.var(f"pc.add.{i}", False)
    m.var("pc.block", False)
    declare_folio(m, "folio1", present=True, data="O", locked=False)
    declare_folio(m, "folio2", present=False, data=None, locked=False)
    m.var("disk1", "O")
    m.var("disk2", HOLE)
    m.var("a.active", False)  # ghost: write-A's syscall is in progress
    enter = step(
        "vfs_write() -> ->write_iter()",
        writes=("a.active",),
        effect=lambda s: {"a.active": True},
        show=(),
    )
    leave = step(
        "write() returns", writes=("a.active",), effect=lambda s: {"a.active": False}, show=()
    )
    m.thread("write-A", [enter, *_writer(1, "A", k, extending=False), leave], locals={"ext": False})
    m.thread("write-B", _writer(2, "B", k, extending=True))
    m.thread("truncate", _truncate(k))
    m.assertion(MONO, "i_size never goes backwards without a truncate")
    m.at_end(
        DROPPED,
        "no dropped write: the file ends as some serial order of the "
        "writes and the truncate leaves it",
        lambda s: _content(s) in OUTCOMES,
    )
    m.sometimes(
        "truncate-under-write",
        "the truncate shrinks the file while write-A's syscall is in progress",
        lambda s: s["i_size"] == PAGE and s["a.active"],
        reads=("i_size", "a.active"),
    )
    return m


SCENARIO = ScenarioSpec(
    id="lockless-buffered-write",
    title="buffered write skips the inode lock",
    summary=(
        "a buffered write_iter skips inode_lock() for writes it believes do not extend the file"
    ),
    knobs={
        "inode_lock": ("always", "extending_only", "never"),
        "isize_update": ("plain", "i_lock"),
        "truncate_excl": ("none", "pagecache_add_lock"),
    },
    knob_docs={
        "inode_lock": (
            "always: inode_lock() (i_rwsem) is held around the whole buffered write "
            "including the i_size update (generic_file_write_iter, the revert); "
            "extending_only: it is taken only when an unlocked "
            "pos + count > i_size_read() (or IOCB_APPEND) says the write extends; "
            "never: writes do not take it"
        ),
        "isize_update": (
            "plain: if (end > i_size) i_size_write(end) as a separate load/compare "
            "and store (generic_write_end(), relying on i_rwsem); i_lock: the "
            "compare and the store under spin_lock(&inode->i_lock)"
        ),
        "truncate_excl": (
            "none: nothing but the inode lock excludes truncate from a buffered "
            "write; pagecache_add_lock: writers hold a shared page-cache add lock "
            "(bch2_pagecache_add_get(), a filemap invalidate_lock-style lock) that "
            "truncate takes exclusively, and re-check i_size under it"
        ),
    },
    defaults={"inode_lock": "extending_only", "isize_update": "plain", "truncate_excl": "none"},
    variants={
        "pre-patch": Variant(
            {
                "inode_lock": "extending_only",
                "isize_update": "i_lock",
                "truncate_excl": "pagecache_add_lock",
            },
            {MONO: "holds", DROPPED: "holds", "truncate-under-write": "holds"},
            "bcachefs' lockless path as reverted, with its pagecache add lock, "
            "re-check and i_lock: the model finds no dropped write (the author "
            "did not find the mechanism either)",
        ),
        "lockless-generic": Variant(
            {"inode_lock": "extending_only", "isize_update": "plain", "truncate_excl": "none"},
            {MONO: "violated", DROPPED: "violated", "truncate-under-write": "holds"},
            "skipping inode_lock() in a generic write path: truncate drops a write "
            "that re-extended i_size, and the lockless write's plain size update can "
            "land after an extending write's",
        ),
        "lockless-no-pagecache-lock": Variant(
            {"inode_lock": "extending_only", "isize_update": "i_lock", "truncate_excl": "none"},
            {MONO: "holds", DROPPED: "violated", "truncate-under-write": "holds"},
            "an atomic i_size update does not help without truncate exclusion",
        ),
        "never": Variant(
            {"inode_lock": "never", "isize_update": "plain", "truncate_excl": "none"},
            {MONO: "violated", DROPPED: "violated", "truncate-under-write": "holds"},
            "no inode lock at all: two extending writes race on i_size",
        ),
        "seed-fix": Variant(
            {
                "inode_lock": "always",
                "isize_update": "i_lock",
                "truncate_excl": "pagecache_add_lock",
            },
            {MONO: "holds", DROPPED: "holds", "truncate-under-write": "holds"},
            "the revert: inode_lock() around the whole buffered write",
        ),
        "always-generic": Variant(
            {"inode_lock": "always", "isize_update": "plain", "truncate_excl": "none"},
            {MONO: "holds", DROPPED: "holds", "truncate-under-write": "holds"},
            "generic_file_write_iter(): inode_lock() alone suffices",
        ),
    },
    build=build,
    limits=(
        "one non-extending and one extending one-page write and one truncate; "
        "no writeback, mmap, fallocate, direct I/O or short copies (the restart "
        "paths of the lockless code for partial folios and faults are not "
        "modelled); the mechanism of the bcachefs report was never determined, "
        "so the model shows the generic races, not that report"
    ),
)
