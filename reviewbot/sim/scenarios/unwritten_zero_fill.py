"""Buffered write with a cached UNWRITTEN iomap vs writeback completion vs reclaim
(seed 004, commit d7b64041 "iomap: write iomap validity checks").

What it models. 2048-byte blocks in 4096-byte folios (sub-folio blocks, as in the
XFS reports). The range [0, 8192) is allocated as one unwritten extent. An earlier
write W1 put ``W1`` into [6144, 8192) of folio 1; __iomap_write_begin() zeroed the
other block of that folio because the extent was unwritten, so folio 1 is dirty and
uptodate, and writeback is about to write it.

* CPU0 ``writeback``: iomap_writepages() on folio 1: lock it,
  folio_start_writeback(), submit the bio (both uptodate blocks) and unlock; the bio
  completes (the data is on disk); the ioend completion converts the extent to
  written (xfs_end_ioend() -> xfs_iomap_write_unwritten(), which bumps the data
  fork sequence counter if_seq that xfs_iomap_valid() compares); only then
  folio_end_writeback() (iomap_finish_ioends()).
* CPU1 ``reclaim``: memory reclaim (shrink_folio_list()) evicts folio 1 once it is
  clean, not under writeback and unlocked, or finds nothing to do.
* CPU2 ``write``: W2, a pwrite of [0, 6144): iomap_iter() ->
  xfs_buffered_write_iomap_begin() maps the range (the iomap records the extent type
  and, with the fix, the validity cookie), then iomap_write_iter() loops over the
  folios: folio 0 (fully overwritten), then folio 1, the partial last folio:
  iomap_write_begin() -> __filemap_get_folio(FGP_CREAT) and folio_lock(); with
  ``revalidate=yes`` ->iomap_valid() compares the cookie and, when stale, sets
  IOMAP_F_STALE and the iterator remaps; __iomap_write_begin() fills the block the
  write does not cover ([6144, 8192)): nothing if it is uptodate in the folio, zeroes
  if the iomap says UNWRITTEN (iomap_block_needs_zeroing()), a read from disk if it
  says MAPPED; then the copy and iomap_write_end() (dirty, unlock).

The same shape holds for every iomap buffered-write user whose extents change under
a cached iomap (xfs unwritten conversion, gfs2, zonefs, ext4 with iomap); the
fix is the ->iomap_valid() hook with a per-inode sequence cookie.

Invariant: data already on disk is never overwritten by zero-fill: at the end, the
file's [6144, 8192) (the folio's copy if cached, else the disk) still holds W1.

Shortest counterexample of ``pre-patch``, the commit message's story (the new write
maps an UNWRITTEN range; writeback submits, the IO completes, the extent becomes
written and the iomap is stale; reclaim evicts the written-back folio; the write
reaches folio 1, instantiates a new folio and zeroes the part it has no data for)::

  CPU0           CPU1           CPU2 (write)
  (writeback)    (reclaim)
  -----------    ---------      ------------
                                xfs_buffered_write_iomap_begin(0): [0,
                                    8192), folio1 range unwritten
                                  iter.cookie = 0
  iomap_writepages(): lock folio1, folio_start_writeback(), submit_bio()
    folio1.dirty = false, folio1.writeback = true
  bio done: disk [4096, 8192) = 0, W1
    disk.b2 = 0, disk.b3 = W1
  xfs_end_ioend(): unwritten -> written, if_seq++
    ext1 = written, if_seq = 1
  iomap_finish_ioends(): folio_end_writeback(folio1)
    folio1.writeback = false
                 shrink_folio_list(): evict folio1
                   folio1.present = false
                                iomap_write_iter(): folio0 locked, W2
                                    copied, dirty, unlocked
                                iomap_iter(): next mapping
                                iomap_write_begin(): folio1 new,
                                    folio_lock()
                                __iomap_write_begin(): [6144, 8192) zeroed
                                    (UNWRITTEN)
                                  folio1.b1 = 0
                                copy W2, iomap_write_end(): dirty,
                                    folio_unlock()
                                  folio1.dirty = true
                                <-- data already on disk is never
                                overwritten by zero-fill

With ``revalidate=yes`` the check comes after the folio lock: a folio that reclaim
evicted was released by folio_end_writeback(), which runs after the conversion, so
the cookie has already moved when the new folio is locked. Checking before the folio
lookup (``check-before-lock``) leaves the window the commit message warns about.

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Instr, Model, await_, if_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import declare_folio, folio_end_writeback, folio_unlock, start_writeback

ZERO = "no-zero-over-data"
F = "folio1"


def _writeback() -> list[Instr]:
    return [
        step(
            "iomap_writepages(): lock folio1, folio_start_writeback(), submit_bio()",
            reads=(f"{F}.locked", f"{F}.dirty"),
            writes=(f"{F}.dirty", f"{F}.writeback"),
            guard=lambda s: not s[f"{F}.locked"],
            effect=lambda s: start_writeback(F),
        ),
        step(
            "bio done: disk [4096, 8192) = 0, W1",
            reads=(f"{F}.b0", f"{F}.b1"),
            writes=("disk.b2", "disk.b3"),
            effect=lambda s: {"disk.b2": s[f"{F}.b0"], "disk.b3": s[f"{F}.b1"]},
        ),
        step(
            "xfs_end_ioend(): unwritten -> written, if_seq++",
            reads=("if_seq",),
            writes=("ext1", "if_seq"),
            effect=lambda s: {"ext1": "written", "if_seq": s["if_seq"] + 1},
        ),
        folio_end_writeback(F, "iomap_finish_ioends(): folio_end_writeback(folio1)"),
    ]


def _evictable(s: Any) -> bool:
    return (
        s[f"{F}.present"]
        and not s[f"{F}.dirty"]
        and not s[f"{F}.writeback"]
        and not s[f"{F}.locked"]
    )


def _reclaim() -> list[Instr]:
    state = (f"{F}.present", f"{F}.dirty", f"{F}.writeback", f"{F}.locked")

    def evict(s: Any) -> dict[str, Any]:
        if not _evictable(s):  # the write finished with the folio dirty: nothing to do
            return {"what": "nothing to evict"}
        return {f"{F}.present": False, f"{F}.b0": None, f"{F}.b1": None, "what": "evict folio1"}

    # Reclaim runs whenever folio 1 can be evicted, or gives up once the write is
    # over (it would find a dirty folio and skip it).
    return [
        await_(
            "shrink_folio_list(): {what}",
            lambda s: _evictable(s) or s["write.done"],
            reads=(*state, "write.done"),
            writes=(f"{F}.present", f"{F}.b0", f"{F}.b1"),
            effect=evict,
            show=(f"{F}.present",),
        ),
    ]


def _iomap_begin(pos: int) -> Instr:
    def eff(s: Any) -> dict[str, Any]:
        if pos == 0:
            # one extent record while folio 1's range is still unwritten
            end = 8192 if s["ext1"] == "unwritten" else 4096
            return {
                "iter.end": end,
                "iter.type1": "unwritten" if end == 8192 else None,
                "iter.cookie": s["if_seq"],
            }
        return {"iter.end": 8192, "iter.type1": s["ext1"], "iter.cookie": s["if_seq"]}

    label = (
        f"xfs_buffered_write_iomap_begin({pos}): [{pos}, {{iter.end}}), folio1 range {{iter.type1}}"
    )
    return step(
        label,
        reads=("ext1", "if_seq"),
        writes=("iter.end", "iter.type1", "iter.cookie"),
        effect=eff,
        show=("iter.cookie",),
    )


def _grab_folio() -> Instr:
    def eff(s: Any) -> dict[str, Any]:
        if s[f"{F}.present"]:
            return {f"{F}.locked": True, "how": "cached"}
        return {
            f"{F}.locked": True,
            f"{F}.present": True,
            f"{F}.b0": None,
            f"{F}.b1": None,
            "how": "new",
        }

    return step(
        "iomap_write_begin(): folio1 {how}, folio_lock()",
        reads=(f"{F}.locked", f"{F}.present"),
        writes=(f"{F}.locked", f"{F}.present", f"{F}.b0", f"{F}.b1"),
        guard=lambda s: not s[f"{F}.locked"],
        effect=eff,
        show=(),
    )


def _valid_check(after_lock: bool) -> Instr:
    """->iomap_valid(): on a stale cookie set IOMAP_F_STALE and remap."""
    remap: list[Instr] = [_iomap_begin(4096)]
    if after_lock:
        remap = [
            folio_unlock(F, "IOMAP_F_STALE: folio_unlock(folio1)"),
            _iomap_begin(4096),
            _grab_folio(),
        ]
    return if_(
        lambda s: s["iter.cookie"] != s["if_seq"],
        remap,
        [],
        reads=("iter.cookie", "if_seq"),
        label="xfs_iomap_valid(): if_seq changed?",
    )


def _write(k: Mapping[str, str]) -> list[Instr]:
    reval = k["revalidate"] == "yes"
    after = k["revalidate_at"] == "after_folio_lock"

    def fill(s: Any) -> dict[str, Any]:
        if s[f"{F}.b1"] is not None:
            return {"fill": "uptodate"}
        if s["iter.type1"] == "written":
            return {f"{F}.b1": s["disk.b3"], "fill": "read from disk"}
        return {f"{F}.b1": "0", "fill": "zeroed (UNWRITTEN)"}

    prog: list[Instr] = [
        _iomap_begin(0),
        step("iomap_write_iter(): folio0 locked, W2 copied, dirty, unlocked"),
        if_(
            lambda s: s["iter.end"] <= 4096,
            [_iomap_begin(4096)],
            [],
            reads=("iter.end",),
            label="iomap_iter(): next mapping",
        ),
    ]
    if reval and not after:
        prog.append(_valid_check(after_lock=False))
    prog.append(_grab_folio())
    if reval and after:
        prog.append(_valid_check(after_lock=True))
    prog += [
        step(
            "__iomap_write_begin(): [6144, 8192) {fill}",
            reads=(f"{F}.b1", "iter.type1", "disk.b3"),
            writes=(f"{F}.b1",),
            effect=fill,
            show=(f"{F}.b1",),
        ),
        step(
            "copy W2, iomap_write_end(): dirty, folio_unlock()",
            writes=(f"{F}.b0", f"{F}.dirty", f"{F}.locked", "write.done"),
            effect=lambda s: {
                f"{F}.b0": "W2",
                f"{F}.dirty": True,
                f"{F}.locked": False,
                "write.done": True,
            },
            show=(f"{F}.dirty",),
        ),
    ]
    return prog


def _w1_kept(s: Any) -> bool:
    if s[f"{F}.present"] and s[f"{F}.b1"] is not None:
        return bool(s[f"{F}.b1"] == "W1")
    return bool(s["disk.b3"] == "W1")


def build(k: Mapping[str, str]) -> Model:
    m = Model("unwritten-zero-fill")
    m.var("ext1", "unwritten")  # extent state of folio 1's range [4096, 8192)
    m.var("if_seq", 0)
    m.var("disk.b2", None)
    m.var("disk.b3", None)
    # b0 is [4096, 6144), zeroed by W1's write_begin; b1 is [6144, 8192)
    declare_folio(m, F, present=True, b0="0", b1="W1", dirty=True, writeback=False, locked=False)
    m.var("iter.end", 0)
    m.var("iter.type1", None)
    m.var("iter.cookie", -1)
    m.var("write.done", False)
    m.thread("writeback", _writeback())
    m.thread("reclaim", _reclaim(), locals={"what": ""})
    m.thread("write", _write(k), locals={"how": "", "fill": ""})
    m.at_end(ZERO, "data already on disk is never overwritten by zero-fill", _w1_kept)
    m.sometimes(
        "stale-iomap-new-folio",
        "the write holds a new folio 1 while its iomap still says UNWRITTEN for a "
        "range that is written",
        lambda s: (
            s[f"{F}.locked"]
            and s[f"{F}.b1"] is None
            and s["iter.type1"] == "unwritten"
            and s["ext1"] == "written"
        ),
        reads=(f"{F}.locked", f"{F}.b1", "iter.type1", "ext1"),
    )
    return m


SCENARIO = ScenarioSpec(
    id="unwritten-zero-fill",
    title="write zero-fills from a stale UNWRITTEN iomap",
    summary=(
        "a buffered write keeps an iomap across folios while writeback "
        "completion converts the extent and reclaim evicts the folio"
    ),
    knobs={"revalidate": ("no", "yes"), "revalidate_at": ("after_folio_lock", "before_folio_lock")},
    knob_docs={
        "revalidate": (
            "no: iomap_write_begin() uses the iomap obtained at ->iomap_begin for "
            "every folio of the range; yes: the filesystem stores a sequence "
            "cookie in iomap->validity_cookie and ->iomap_valid() (iomap_valid "
            "page/folio op) compares it, marking the iomap IOMAP_F_STALE so the "
            "iterator remaps"
        ),
        "revalidate_at": (
            "where the check sits when revalidate=yes: after_folio_lock: after "
            "__filemap_get_folio() returned the locked folio (the commit); "
            "before_folio_lock: before the folio is looked up and locked"
        ),
    },
    defaults={"revalidate": "no", "revalidate_at": "after_folio_lock"},
    variants={
        "pre-patch": Variant(
            {"revalidate": "no"},
            {ZERO: "violated", "stale-iomap-new-folio": "holds"},
            "iomap_write_begin() before d7b64041: the stale UNWRITTEN iomap zeroes "
            "a block writeback has already put on disk",
        ),
        "seed-fix": Variant(
            {"revalidate": "yes", "revalidate_at": "after_folio_lock"},
            {ZERO: "holds", "stale-iomap-new-folio": "holds"},
            "->iomap_valid() after the folio is locked: remap, then read the "
            "written block instead of zeroing it",
        ),
        "check-before-lock": Variant(
            {"revalidate": "yes", "revalidate_at": "before_folio_lock"},
            {ZERO: "violated", "stale-iomap-new-folio": "holds"},
            "the same check before the folio is locked: conversion, end of "
            "writeback and reclaim all fit between the check and the lock",
        ),
    },
    build=build,
    limits=(
        "one partially written folio (two blocks) and one racing write; the "
        "extent of folio 1 converts as a whole; delalloc, COW, folio splitting, "
        "per-block dirty tracking and short copies are not modelled; W1 "
        "has already returned and its extent is allocated unwritten"
    ),
)
