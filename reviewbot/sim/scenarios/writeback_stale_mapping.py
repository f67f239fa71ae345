"""Writeback with a cached extent mapping vs truncate + buffered write (seed 002).

What it models. An 8192-byte file whose two pages are dirty in the page cache and
mapped to the physical blocks 10 and 11 (contiguous).

* CPU0 ``writeback``: iomap_writepages() -> write_cache_pages() walking the dirty
  folios in index order; for each it locks the folio, starts writeback and asks
  ->map_blocks (ext2_write_map_blocks() in the seed; xfs_map_blocks(),
  gfs2_map_blocks(), zonefs_write_map_blocks() play the same role) for the block
  under the folio. ->map_blocks reuses the mapping cached in the writepage context
  (wpc->iomap) when the offset lies inside it and, with a validity cookie, when the
  cookie still equals the inode's sequence counter (ext2_imap_valid() comparing
  wpc->iomap.validity_cookie with i_blkseq; xfs_imap_valid() with if_seq); otherwise
  it samples the counter into the cookie and looks the mapping up again
  (ext2_get_blocks(create=0) then ext2_iomap_begin()). Then it submits the bio to
  the block the mapping names and unlocks the folio.
* CPU1 ``truncate+pwrite``: truncate(file, 4096) then pwrite(file, 4096, 4096):
  truncate_setsize() (i_size, then truncate_pagecache() which waits for the folio
  lock and writeback and removes folio 1), ext2_free_blocks() of block 11 (i_blkseq
  bumped under truncate_mutex), then the write allocates a new block for offset 4096
  (ext2_alloc_blocks(): i_blkseq bumped, block 12), instantiates a new dirty folio 1
  and extends i_size again.

Invariant: writeback never writes through a mapping that is no longer the file's:
the block a bio is submitted to is the block the file maps at that offset at that
moment (a freed block may already belong to another file).

Shortest counterexample of ``extent-no-cookie``, the race of the seed's commit
message (write_cache_pages() caches the extent 0..8k, writes page 0, truncate frees
the block, pwrite creates a dirty page, writeback writes it to the stale block)::

  CPU0 (writeback)        CPU1 (truncate+pwrite)
  ----------------        ----------------------
  write_cache_pages(): lock folio0, folio_start_writeback()
  offset inside wpc->iomap? @0
  ext2_get_blocks(0), ext2_iomap_begin(): iomap @0 x2 -> block 10
    wpc.pblk = 10, wpc.len = 2
  submit_bio(folio0 -> block 10), folio_unlock()
                          truncate_setsize(): i_size_write(4096)
                            i_size = 4096
                          truncate_pagecache(): folio1 removed
                          folio1.present = false
                          folio1.dirty = false
                          folio1.data = NULL
                          ext2_free_blocks(block 11), i_blkseq++
                            i_blkseq = 1
                          pwrite(4096): ext2_alloc_blocks() -> block 12,
                              i_blkseq++
                            i_blkseq = 2
                          iomap_write_begin/end(): new folio1 = B, dirty
                          folio1.present = true
                          folio1.dirty = true
                          folio1.data = B
  write_cache_pages(): lock folio1, folio_start_writeback()
  offset inside wpc->iomap? @4096
  submit_bio(folio1 -> block 11), folio_unlock()
  <-- writeback never writes through a mapping that is no longer the file's
  (no write to a freed or reallocated block)

What the model says about the patch in the seed. Its pre-image mapped one block per
->map_blocks call (ext2_iomap_begin(..., i_sb->s_blocksize, ...)): a fresh lookup
under the folio lock that truncate must wait for, so ``pre-patch`` holds; the patch
widens the mapping to every allocated block and adds the i_blkseq cookie, and
``seed-fix`` holds too. The race exists in between (``extent-no-cookie``), which is
what the commit message explains. The cookie must be sampled before the lookup, as
the patch does (step 1 of its comment): sampling it after (``cookie-after-lookup``)
lets a truncate slip between the lookup and the sample and is violated.

Audit against the code. The removed line is ``return ext2_iomap_begin(inode, offset,
inode->i_sb->s_blocksize, IOMAP_WRITE, &wpc->iomap, NULL)``; ext2_iomap_begin()
turns the length into max_blocks (one block here) and sets ``iomap->length = ret <<
blkbits`` with ret <= max_blocks, so the cached mapping covers the one block under
the folio being written. That folio is locked and under writeback, and
truncate_pagecache() waits for both before truncate frees any block, so the cached
block cannot go stale while it is used; the next folio never falls inside it. The
race in the commit message needs the multi-block mapping that the same patch
introduces (ext2_get_blocks(create=0) with a huge maxblocks first): the patch adds the
exposure and closes it in one step. The model folds the patch's two lookups (create=0,
then ext2_iomap_begin(), whose IOMAP_WRITE makes it create=1) into one step: that is
sound because the cookie is sampled before both, and the second call allocates only
when the first block is a hole, which bumps i_blkseq past the cookie. Jan Kara's review
asks for a comment and an assertion that i_blkseq updates are serialised by
truncate_mutex, and drops the needless READ_ONCE()/WRITE_ONCE(); it raises no
ordering problem, and the model finds none.

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Instr, Model, all_of, if_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import PAGE, declare_folio, i_size_set, start_writeback

STALE = "no-stale-block-write"
WPC = ("wpc.off", "wpc.len", "wpc.pblk", "wpc.cookie")


def _extent(s: Any, idx: int, multi: bool) -> tuple[int, int, int | None]:
    """ext2_get_blocks(create=0): (offset, length in blocks, first pblk) from idx."""
    fmap = s["map"]
    first = fmap[idx]
    n = 1
    if multi and first is not None:
        while idx + n < len(fmap) and fmap[idx + n] == first + n:
            n += 1
    return idx, n, first


def _map_blocks(idx: int, k: Mapping[str, str]) -> list[Instr]:
    cookie = k["validity_cookie"] == "yes"
    multi = k["map_extent"] == "multi"
    order_after = k["cookie_order"] == "after_lookup"

    def lookup(s: Any) -> dict[str, Any]:
        off, n, pblk = _extent(s, idx, multi)
        return {"wpc.off": off, "wpc.len": n, "wpc.pblk": pblk}

    look = step(
        f"ext2_get_blocks({idx * PAGE}), ext2_iomap_begin(): iomap @{{wpc.off}} "
        "x{wpc.len} -> block {wpc.pblk}",
        reads=("map",),
        writes=WPC[:3],
        effect=lookup,
        show=("wpc.pblk", "wpc.len"),
    )
    sample = step(
        "wpc->iomap.validity_cookie = i_blkseq ({wpc.cookie})",
        reads=("i_blkseq",),
        writes=("wpc.cookie",),
        effect=lambda s: {"wpc.cookie": s["i_blkseq"]},
        show=(),
    )
    fresh: list[Instr] = [look]
    if cookie:
        fresh = [look, sample] if order_after else [sample, look]

    def valid(s: Any) -> bool:
        inside = s["wpc.len"] > 0 and s["wpc.off"] <= idx < s["wpc.off"] + s["wpc.len"]
        if cookie:
            return inside and s["wpc.cookie"] == s["i_blkseq"]
        return inside

    reads = ("wpc.off", "wpc.len", *(("wpc.cookie", "i_blkseq") if cookie else ()))
    label = ("ext2_imap_valid()" if cookie else "offset inside wpc->iomap?") + f" @{idx * PAGE}"
    return [if_(lambda s: not valid(s), fresh, [], reads=reads, label=label)]


def _write_folio(idx: int, k: Mapping[str, str]) -> list[Instr]:
    f = f"folio{idx}"

    def begin(s: Any) -> dict[str, Any]:
        if s[f"{f}.present"] and s[f"{f}.dirty"]:
            return {f"{f}.locked": True, **start_writeback(f), "go": True}
        return {"go": False}

    def submit(s: Any) -> dict[str, Any]:
        pblk = s["wpc.pblk"] + idx - s["wpc.off"]
        s.check(STALE, s["map"][idx] == pblk)
        disk = dict(s["disk"])
        disk[pblk] = s[f"{f}.data"]
        return {
            "disk": tuple(sorted(disk.items())),
            "blk": pblk,
            f"{f}.locked": False,
            f"{f}.writeback": False,
        }

    return [
        step(
            f"write_cache_pages(): lock {f}, folio_start_writeback()",
            reads=(f"{f}.locked", f"{f}.present", f"{f}.dirty"),
            writes=(f"{f}.locked", f"{f}.dirty", f"{f}.writeback"),
            guard=lambda s: not s[f"{f}.locked"],
            effect=begin,
            show=(),
        ),
        if_(
            lambda s: s["go"],
            [
                *_map_blocks(idx, k),
                step(
                    f"submit_bio({f} -> block {{blk}}), folio_unlock()",
                    reads=("wpc.pblk", "wpc.off", "map", "disk", f"{f}.data"),
                    writes=("disk", f"{f}.locked", f"{f}.writeback"),
                    effect=submit,
                    asserts={STALE: None},
                    show=(),
                ),
            ],
        ),
    ]


def _truncate_pwrite() -> list[Instr]:
    def free11(s: Any) -> dict[str, Any]:
        return {"map": (s["map"][0], None), "i_blkseq": s["i_blkseq"] + 1}

    def alloc(s: Any) -> dict[str, Any]:
        return {"map": (s["map"][0], 12), "i_blkseq": s["i_blkseq"] + 1}

    return [
        i_size_set("truncate_setsize(): i_size_write(4096)", PAGE),
        step(
            "truncate_pagecache(): folio1 removed",
            reads=("folio1.locked", "folio1.writeback"),
            writes=("folio1.present", "folio1.dirty", "folio1.data"),
            guard=all_of(
                (lambda s: not s["folio1.locked"], "folio1.locked"),
                (lambda s: not s["folio1.writeback"], "folio1.writeback"),
            ),
            effect=lambda s: {"folio1.present": False, "folio1.dirty": False, "folio1.data": None},
        ),
        step(
            "ext2_free_blocks(block 11), i_blkseq++",
            reads=("map", "i_blkseq"),
            writes=("map", "i_blkseq"),
            effect=free11,
            show=("i_blkseq",),
        ),
        step(
            "pwrite(4096): ext2_alloc_blocks() -> block 12, i_blkseq++",
            reads=("map", "i_blkseq"),
            writes=("map", "i_blkseq"),
            effect=alloc,
            show=("i_blkseq",),
        ),
        step(
            "iomap_write_begin/end(): new folio1 = B, dirty",
            reads=("folio1.locked",),
            writes=("folio1.present", "folio1.dirty", "folio1.data"),
            guard=lambda s: not s["folio1.locked"],
            effect=lambda s: {"folio1.present": True, "folio1.dirty": True, "folio1.data": "B"},
        ),
        i_size_set("i_size_write(8192)", 2 * PAGE),
    ]


def build(k: Mapping[str, str]) -> Model:
    m = Model("writeback-stale-mapping")
    m.var("i_size", 2 * PAGE)
    m.var("map", (10, 11))  # logical block -> physical block
    m.var("i_blkseq", 0)
    m.var("disk", ())  # (pblk, data) pairs written by writeback
    for i, data in ((0, "A0"), (1, "A1")):
        declare_folio(
            m, f"folio{i}", present=True, dirty=True, writeback=False, locked=False, data=data
        )
    cookie_init: tuple[Any, ...] = (0, 0, None, -1)
    for name, val in zip(WPC, cookie_init, strict=True):
        m.var(name, val)  # struct iomap_writepage_ctx (writeback's own)
    m.thread(
        "writeback", [*_write_folio(0, k), *_write_folio(1, k)], locals={"go": False, "blk": 0}
    )
    m.thread("truncate+pwrite", _truncate_pwrite())
    m.assertion(
        STALE,
        "writeback never writes through a mapping that is no longer the "
        "file's (no write to a freed or reallocated block)",
    )

    # The race's precondition, reachable whatever the knobs: writeback has mapped
    # folio 0 and still has folio 1 to write when truncate + pwrite move its block.
    def moved(s: Any) -> bool:
        return s["wpc.len"] > 0 and s["map"][1] != 11 and s["folio1.dirty"]

    m.sometimes(
        "mapping-moved-under-writeback",
        "truncate + write move folio 1's block while writeback is between folios",
        moved,
        reads=("wpc.len", "map", "folio1.dirty"),
    )
    return m


SCENARIO = ScenarioSpec(
    id="writeback-stale-mapping",
    title="writeback reuses a stale cached block mapping",
    summary=(
        "->map_blocks reuses a cached extent across folios without a validity "
        "cookie; truncate + write reallocate a block under it"
    ),
    knobs={
        "validity_cookie": ("no", "yes"),
        "map_extent": ("multi", "block"),
        "cookie_order": ("before_lookup", "after_lookup"),
    },
    knob_docs={
        "validity_cookie": (
            "no: the cached wpc->iomap is reused whenever the offset lies inside it; "
            "yes: a sequence counter bumped on every block allocation/free (i_blkseq, "
            "xfs if_seq) is stored in iomap.validity_cookie when mapping and "
            "compared again before the cached mapping is reused"
        ),
        "map_extent": (
            "multi: ->map_blocks maps (and caches) every contiguous allocated block "
            "from the offset; block: each call maps exactly one block "
            "(ext2_iomap_begin(..., i_sb->s_blocksize, ...)), so nothing is reused "
            "across folios"
        ),
        "cookie_order": (
            "before_lookup: the counter is sampled into the cookie before the "
            "mapping is looked up (READ_ONCE(i_blkseq) then ext2_get_blocks()); "
            "after_lookup: sampled after the lookup"
        ),
    },
    defaults={"validity_cookie": "no", "map_extent": "multi", "cookie_order": "before_lookup"},
    variants={
        "pre-patch": Variant(
            {"validity_cookie": "no", "map_extent": "block"},
            {STALE: "holds", "mapping-moved-under-writeback": "holds"},
            "the patch's pre-image maps one block per call: no mapping outlives the "
            "folio lock, so there is nothing to go stale",
        ),
        "extent-no-cookie": Variant(
            {"validity_cookie": "no", "map_extent": "multi"},
            {STALE: "violated", "mapping-moved-under-writeback": "holds"},
            "the race in the commit message: a multi-block mapping cached without a cookie",
        ),
        "seed-fix": Variant(
            {"validity_cookie": "yes", "map_extent": "multi", "cookie_order": "before_lookup"},
            {STALE: "holds", "mapping-moved-under-writeback": "holds"},
            "the patch: i_blkseq sampled into validity_cookie, checked by ext2_imap_valid()",
        ),
        "cookie-after-lookup": Variant(
            {"validity_cookie": "yes", "map_extent": "multi", "cookie_order": "after_lookup"},
            {STALE: "violated", "mapping-moved-under-writeback": "holds"},
            "the cookie sampled after the lookup can be newer than the mapping",
        ),
    },
    build=build,
    limits=(
        "two pages, one truncate to one page and one rewrite of the second "
        "page; the allocator gives a different block (reusing the freed one "
        "would hide the race); bio completion is folded into submission; "
        "delalloc, unwritten extents and COW forks are not modelled"
    ),
)
