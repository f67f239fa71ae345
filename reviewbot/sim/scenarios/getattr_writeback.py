"""Remote getattr vs buffered write vs writeback (seed 000).

What it models. A network filesystem with a writeback page cache; the file starts
one page long (4096 bytes on the server, ``i_size == remote_i_size == 4096``).

* CPU0 ``write``: two extending buffered writes, ``A`` into folio 1 and ``B`` into
  folio 2 (netfs_perform_write(): under the folio lock, copy the user data,
  folio_mark_dirty(), then i_size_write() of the new end; the writer holds i_rwsem,
  which matters only when the getattr takes it too, knob ``getattr_lock``). The
  write has returned once i_size is set.
* CPU1 ``getattr``: ->getattr (v9fs_vfs_getattr_dotl() in the seed; cifs_getattr(),
  afs_getattr(), ceph_getattr(), fuse_update_get_attr() and nfs_getattr() play the
  same role): an optional flush of the page cache (knob ``flush``, or the AT_STATX_*
  path taken, knob ``statx``), the attribute RPC (p9_client_getattr_dotl(): the
  server reports its size), then, as a separate step, the processing of the reply
  (v9fs_stat2inode_dotl(): knob ``size_update``), then generic_fillattr().
* CPU2 ``flusher``: background writeback (wb_workfn -> netfs_writepages()), one pass
  over the two folios at any time: folio_start_writeback() of a dirty folio, or,
  for a folio wholly beyond i_size, netfs_write_folio()'s "beyond EOF" path that
  ends writeback without writing (the data is dropped).
* Knob ``flush_issue`` says who sends the write RPCs. ``sync`` (9p): whoever runs
  ->writepages sends each write and processes its reply inline, under netfs
  wb_lock, which it takes only when the mapping has dirty folios
  (filemap_fdatawrite() on a mapping with nothing dirty returns at once, even
  while the flusher's writes are in flight). ``async`` (cifs, nfs, ceph, afs):
  ->writepages queues the writes and CPU3/CPU4 (``wb-io1``/``wb-io2``) send them.
  Either way a write is three steps: the RPC reaching the server
  (p9_client_write(): the server stores the page and extends its size), the reply
  processing (v9fs_issue_write(): with ``completion_updates_remote_size=yes``
  remote_i_size is raised to the end of the write, as the seed's patch and cifs'
  netfs_resize_file() do), then folio_end_writeback().
* ``client2`` (``third_party=yes``): another client appends a page at the server's
  end of file.

Invariants: i_size never goes backwards without a truncate (checked where the
getattr writes i_size); a stat that starts after a write returned reports at least
the written size; no written data is lost once everything is flushed (at the end,
each write's page is on the server or still dirty below i_size, where a final sync
would write it).

The seed's story (David Howells' reply to Pierre Barre's patch): filemap_fdatawrite()
starts writeback but does not wait, the getattr RPC sees the old size and
v9fs_stat2inode_dotl() overwrites the larger local i_size. Shortest counterexample of
``pre-patch`` (9p, stat-after-write; drawn by render_columns, idle CPUs omitted)::

  CPU0 (write)    CPU1 (getattr)  CPU2 (flusher)
  ------------    --------------  --------------
  netfs_perform_write(): folio1 = A, dirty
    folio1.data = A, folio1.dirty = true
  i_size_write(8192), write() returns
    i_size = 8192
                                  wb_workfn(): mutex_lock(wb_lock)
                                  wb_workfn(): folio_start_writeback(folio1)
                                  folio1.dirty = false
                                  folio1.writeback = true
                  v9fs_vfs_getattr_dotl()
                  filemap_fdatawrite(): nothing dirty
                  p9_client_getattr_dotl() -> size 4096
                    st_size = 4096
                  v9fs_stat2inode_dotl(): i_size_write(4096)
                    i_size = 4096
                  generic_fillattr(): stat.size = i_size
                  <-- a stat after a completed write reports at least the
                  written size

What the model says about the seed's patch (``seed-fix``): violated, with no third
party. remote_i_size moves when v9fs_issue_write() processes a write reply, not when
the server applies the write, so a getattr reply that crossed a write RPC in either
direction sees ``st_size != remote_i_size``, takes the "third party" branch and
writes the server's (older) size into i_size::

  CPU0 (write)    CPU1 (getattr)  CPU2 (flusher)
  ------------    --------------  --------------
                  v9fs_vfs_getattr_dotl()
                  filemap_fdatawrite(): nothing dirty
                  p9_client_getattr_dotl() -> size 4096
                    st_size = 4096
  netfs_perform_write(): folio1 = A, dirty
    folio1.data = A, folio1.dirty = true
  i_size_write(8192), write() returns
    i_size = 8192
                                  wb_workfn(): mutex_lock(wb_lock)
                                  wb_workfn(): folio_start_writeback(folio1)
                                  folio1.dirty = false
                                  folio1.writeback = true
                                  p9_client_write(folio1): server stores A
                                    srv.size = 8192
                                  v9fs_issue_write(): remote_i_size = 8192
                                    remote_i_size = 8192
                                  folio_end_writeback(folio1)
                                    folio1.writeback = false
                  v9fs_stat2inode_dotl(): st_size != remote_i_size
                  filemap_invalidate_inode(): wait writeback, drop clean
                      folios
                    folio1.data = NULL
                  v9fs_stat2inode_dotl(): i_size_write(4096)
                    i_size = 4096
                  <-- i_size never goes backwards without a truncate

filemap_invalidate_inode() waits for folios under writeback and leaves dirty ones
alone (folio_unmap_invalidate() refuses dirty folios), so the damage is done by the
i_size_write(): a folio the write dirtied is now beyond EOF and writeback drops it
(``no-data-lost``). The window does not depend on the getattr's own flush, so
AT_STATX_FORCE_SYNC does not close it; AT_STATX_DONT_SYNC does (no RPC), and so does
leaving the local i_size alone (``keep-isize``, KEEP_ISIZE honoured). The seed's
closing suggestion, holding i_rwsem across a flush that waits
(``seed-fix-force-sync-locked``), holds: no write and no writeback crosses the
attribute RPC, so st_size equals remote_i_size unless the server changed. With
another client appending (``third_party=yes``) it still holds: the third-party
branch adopts the larger size and dirty folios survive the invalidation. The hole
the seed admits needs a third party that shrinks or rewrites the file, where losing
local data is what a concurrent truncate means; the model's single-client
invariants do not judge that, and the expectation that the append variant would be
violated was wrong.

Audit of ``seed-fix`` against the seed's diff, line by line (why the model is not
coarser than the code):

* Outside inode set-up and truncate (setattr), which the model leaves out,
  remote_i_size moves in two places: v9fs_issue_write(), after
  p9_client_write() has returned, raises it to ``subreq->start + len`` under
  inode->i_lock; and v9fs_stat2inode(_dotl)() sets it to the reply's size when it
  decides to set i_size. Nothing moves it when the server applies the write.
* v9fs_stat2inode(_dotl)() decides on ``stat->st_size == remote_i_size`` alone,
  without i_lock and without looking at dirty or writeback folios, netfs flags or
  i_size. The getattr passes V9FS_STAT2INODE_KEEP_ISIZE under CACHE_WRITEBACK, but
  the patch deletes all three tests of that flag (v9fs_stat2inode() and both
  branches of v9fs_stat2inode_dotl()), so the flag is passed and never read; the
  comment "Don't let the server overwrite it" describes what
  ``seed-fix-honour-keep-isize`` models (the patch with that test kept), which
  holds, not the code.
* No lock is held across the attribute RPC: the getattr takes neither i_rwsem nor
  netfs wb_lock. AT_STATX_FORCE_SYNC only turns filemap_fdatawrite() into
  filemap_write_and_wait() before the RPC. stat(2) asks for STATX_MTIME, so once a
  write subrequest has set V9FS_INO_MTIME_UNCERTAIN a plain stat() takes that path
  too (the model does not track the bit; both flushes are violated).
* The window is narrow but needs no third party: a write RPC sent and its reply
  processed while the attribute RPC is in flight or its reply not yet processed
  (preemption after p9_client_getattr_dotl() returns is enough).

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Instr, Model, all_of, await_, if_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import (
    I_RWSEM,
    PAGE,
    Netfs,
    declare_folio,
    declare_quiesce,
    inode_lock,
    inode_unlock,
    returns,
    server_store,
    write_issuer,
    writepages,
)

DATA = {1: "A", 2: "B"}  # what each write puts in its folio
NBLOCKS = 4  # server blocks 0..3 (the third party may append block 3)


def _writer(k: Mapping[str, str]) -> list[Instr]:
    # The writer always holds i_rwsem (netfs_start_io_write()); it is modelled only
    # when the getattr takes it too (getattr_lock=inode_lock), else nobody contends.
    rwsem = k["getattr_lock"] == "inode_lock"
    prog: list[Instr] = []
    for i in (1, 2):
        f = f"folio{i}"
        end = (i + 1) * PAGE
        lock_vars = (f"{f}.locked", *((I_RWSEM,) if rwsem else ()))

        def begin(s: Any, f: str = f, i: int = i) -> dict[str, Any]:
            out = {f"{f}.locked": True, f"{f}.data": DATA[i], f"{f}.dirty": True}
            if rwsem:
                out[I_RWSEM] = True
            return out

        prog.append(
            step(
                ("inode_lock(), " if rwsem else "")
                + f"netfs_perform_write(): {f} = {DATA[i]}, dirty",
                reads=lock_vars,
                writes=(*lock_vars, f"{f}.data", f"{f}.dirty"),
                guard=all_of(*((lambda s, v=v: not s[v], v) for v in lock_vars)),
                effect=begin,
                show=(f"{f}.data", f"{f}.dirty"),
            )
        )

        # netfs updates i_size only when the write moves EOF; the folio lock is
        # dropped after it (writeback cannot start on the folio in between).
        def eff(s: Any, f: str = f, end: int = end) -> dict[str, Any]:
            out = {"i_size": max(s["i_size"], end), "written": end, f"{f}.locked": False}
            if rwsem:
                out[I_RWSEM] = False
            return out

        label = f"i_size_write({end}), write() returns"
        reads = ("i_size",)
        writes = ("i_size", "written", *lock_vars)
        if i == 2:
            prog.append(returns(label, effect=eff, reads=reads, writes=writes, show=("i_size",)))
        else:
            prog.append(step(label, effect=eff, show=("i_size",), reads=reads, writes=writes))
    return prog


def _flush(kind: str, k: Mapping[str, str]) -> list[Instr]:
    """The getattr's flush: none, filemap_fdatawrite() or filemap_write_and_wait()."""
    if kind == "none":
        return []
    fn = "filemap_fdatawrite()" if kind == "fdatawrite" else "filemap_write_and_wait()"
    prog = writepages(_netfs(k), fn, (1, 2), last=False)
    if kind == "write_and_wait":
        prog.append(
            await_(
                "filemap_fdatawait(): writeback done",
                lambda s: not s["folio1.writeback"] and not s["folio2.writeback"],
                reads=("folio1.writeback", "folio2.writeback"),
            )
        )
    return prog


def _getattr(k: Mapping[str, str]) -> list[Instr]:
    dont_sync = k["statx"] == "dont_sync"
    enter = step(
        "v9fs_vfs_getattr_dotl(AT_STATX_DONT_SYNC)" if dont_sync else "v9fs_vfs_getattr_dotl()",
        reads=("written",),
        writes=("in_getattr",),
        # the stat starts here: remember what had been written by then
        effect=lambda s: {"seen": s["written"], "in_getattr": True},
        show=(),
    )
    fill = returns(
        "generic_fillattr(): stat.size = i_size",
        reads=("i_size",),
        writes=("in_getattr",),
        effect=lambda s: {"in_getattr": False},
        show=(),
        asserts={"stat-after-write": lambda s: s["i_size"] >= s["seen"]},
    )
    if dont_sync:
        return [enter, fill]
    flush = "write_and_wait" if k["statx"] == "force_sync" else k["flush"]
    locked = k["getattr_lock"] == "inode_lock"
    prog: list[Instr] = [enter]
    if locked:  # the write-lock suggested at the end of the seed
        prog.append(inode_lock())
    prog += _flush(flush, k)
    prog.append(
        step(
            "p9_client_getattr_dotl() -> size {st_size}",
            reads=("srv.size",),
            writes=("st_size",),
            effect=lambda s: {"st_size": s["srv.size"]},
        )
    )

    def set_size(s: Any) -> dict[str, Any]:
        s.check("isize-monotonic", s["st_size"] >= s["i_size"])
        return {"remote_i_size": s["st_size"], "i_size": s["st_size"]}

    set_size_step = step(
        "v9fs_stat2inode_dotl(): i_size_write({i_size})",
        reads=("st_size", "i_size"),
        writes=("remote_i_size", "i_size"),
        effect=set_size,
        asserts={"isize-monotonic": None},
        show=("i_size",),
    )
    mode = k["size_update"]
    if mode == "overwrite":
        prog.append(set_size_step)
    elif mode == "keep":
        prog.append(
            step(
                "v9fs_stat2inode_dotl(KEEP_ISIZE): remote_i_size = {remote_i_size}",
                reads=("st_size",),
                writes=("remote_i_size",),
                effect=lambda s: {"remote_i_size": s["st_size"]},
            )
        )
    else:  # compare_remote: the seed's patch
        prog.append(
            if_(
                lambda s: s["st_size"] != s["remote_i_size"],
                [
                    await_(
                        "filemap_invalidate_inode(): wait writeback, drop clean folios",
                        all_of(
                            (lambda s: not s["folio1.writeback"], "folio1.writeback"),
                            (lambda s: not s["folio2.writeback"], "folio2.writeback"),
                        ),
                        reads=(
                            "folio1.writeback",
                            "folio2.writeback",
                            "folio1.dirty",
                            "folio2.dirty",
                        ),
                        writes=("folio1.data", "folio2.data"),
                        effect=lambda s: {
                            f"folio{i}.data": s[f"folio{i}.data"] if s[f"folio{i}.dirty"] else None
                            for i in (1, 2)
                        },
                    ),
                    set_size_step,
                ],
                [],
                reads=("st_size", "remote_i_size"),
                label="v9fs_stat2inode_dotl(): st_size != remote_i_size",
            )
        )
    if locked:
        prog.append(inode_unlock())
    prog.append(fill)
    return prog


def _netfs(k: Mapping[str, str]) -> Netfs:
    return Netfs(
        data=DATA,
        sync=k["flush_issue"] == "sync",
        updates_remote_size=k["completion_updates_remote_size"] == "yes",
    )


def _flusher(k: Mapping[str, str]) -> list[Instr]:
    return writepages(_netfs(k), "wb_workfn()", (1, 2), last=True)


def _third_party() -> list[Instr]:
    def append(s: Any) -> dict[str, Any]:
        size = s["srv.size"]
        return {"srv.data": server_store(s["srv.data"], size // PAGE, "C"), "srv.size": size + PAGE}

    return [
        returns(
            "client2: write at server EOF (C)",
            reads=("srv.size", "srv.data"),
            writes=("srv.size", "srv.data"),
            effect=append,
        )
    ]


def _no_data_lost(s: Any) -> bool:
    for i in (1, 2):
        on_server = s["srv.data"][i] == DATA[i] and s["srv.size"] > i * PAGE
        pending = s[f"folio{i}.dirty"] and s[f"folio{i}.data"] == DATA[i] and s["i_size"] > i * PAGE
        if not (on_server or pending):
            return False
    return True


def build(k: Mapping[str, str]) -> Model:
    m = Model("getattr-writeback")
    m.var("i_size", PAGE)
    m.var("remote_i_size", PAGE)
    m.var("srv.size", PAGE)
    m.var("srv.data", ("O",) + (None,) * (NBLOCKS - 1))
    for i in (1, 2):
        declare_folio(
            m, f"folio{i}", data=None, dirty=False, writeback=False, locked=False, queued=False
        )
    m.var("wb_lock", False)  # netfs_inode->wb_lock (taken with flush_issue=sync)
    m.var("written", PAGE)  # ghost: end of the last write that returned
    m.var("st_size", None)  # the getattr reply buffer
    m.var("in_getattr", False)  # ghost: the stat is under way
    declare_quiesce(m)
    third = k["third_party"] == "yes"
    issuers = 3 + (1 if third else 0)
    m.var(I_RWSEM, False)
    m.thread("write", _writer(k))
    wp_locals = {"what": "", "started": False, "held": False}
    m.thread("getattr", _getattr(k), locals={"seen": PAGE, **wp_locals})
    m.thread("flusher", _flusher(k), locals=wp_locals)
    if k["flush_issue"] == "async":
        m.thread("wb-io1", write_issuer(_netfs(k), 1, issuers), locals={"go": False})
        m.thread("wb-io2", write_issuer(_netfs(k), 2, issuers), locals={"go": False})
    if third:
        m.thread("client2", _third_party())
    m.assertion("isize-monotonic", "i_size never goes backwards without a truncate")
    m.assertion(
        "stat-after-write", "a stat after a completed write reports at least the written size"
    )
    m.at_end(
        "no-data-lost",
        "no written data is lost or discarded once everything is flushed",
        _no_data_lost,
    )
    # The race's precondition, reachable whatever the knobs: a stat is under way
    # while the server's size lags the local i_size.
    m.sometimes(
        "stat-while-server-behind",
        "a stat runs while the server's size lags the local i_size",
        lambda s: s["in_getattr"] and s["srv.size"] < s["i_size"],
        reads=("in_getattr", "srv.size", "i_size"),
    )
    return m


_ALL_BAD = {
    "isize-monotonic": "violated",
    "no-data-lost": "violated",
    "stat-while-server-behind": "holds",
}

SCENARIO = ScenarioSpec(
    id="getattr-writeback",
    title="remote getattr overwrites i_size under writeback",
    summary=(
        "a ->getattr that asks the server for the size races with extending "
        "buffered writes and their writeback"
    ),
    knobs={
        "flush": ("none", "fdatawrite", "write_and_wait"),
        "size_update": ("overwrite", "keep", "compare_remote"),
        "statx": ("default", "force_sync", "dont_sync"),
        "third_party": ("no", "yes"),
        "completion_updates_remote_size": ("no", "yes"),
        "flush_issue": ("async", "sync"),
        "getattr_lock": ("none", "inode_lock"),
    },
    knob_docs={
        "flush": (
            "what the getattr does with the page cache before the attribute RPC. "
            "none: no flush call; fdatawrite: filemap_fdatawrite*() (or "
            "filemap_flush/__filemap_fdatawrite_range) starts writeback but nothing "
            "waits for it before the attribute RPC; write_and_wait: "
            "filemap_write_and_wait*() (or fdatawrite followed by filemap_fdatawait*) "
            "before the RPC"
        ),
        "size_update": (
            "what the reply processing (stat2inode / *_update_inode / "
            "netfs_resize_file) does with the server's size. overwrite: "
            "i_size_write(server size) unconditionally (flags 0, no keep-size test); "
            "keep: the local i_size is left alone while the page cache is "
            "authoritative (a KEEP_ISIZE-style flag honoured, or the write guarded by "
            "a test that skips it); compare_remote: i_size is written only when the "
            "server's size differs from remote_i_size (then the cache is "
            "invalidated and i_size and remote_i_size take the server's size)"
        ),
        "statx": (
            "which AT_STATX_* path the caller's flags select in code that honours "
            "them. default: the flush/size_update knobs as given (also for code that "
            "ignores the flags); force_sync: AT_STATX_FORCE_SYNC leads to "
            "filemap_write_and_wait() before the RPC; dont_sync: AT_STATX_DONT_SYNC "
            "returns the cached attributes without flush or RPC"
        ),
        "third_party": (
            "no: only this client changes the file; yes: another client appends a "
            "page at the server's end of file at any time"
        ),
        "completion_updates_remote_size": (
            "no: the write RPC's reply processing leaves remote_i_size alone; yes: "
            "after a successful write RPC remote_i_size is raised to the end of the "
            "write (v9fs_issue_write() in the seed's patch, cifs "
            "netfs_resize_file(..., true))"
        ),
        "flush_issue": (
            "how ->writepages sends the write RPCs. async: it queues them and "
            "returns (cifs, nfs, ceph, afs): the caller of filemap_fdatawrite() may "
            "send its attribute RPC before the writes reach the server; sync: the "
            "write RPCs and their replies are done inline by whoever runs "
            "->writepages, serialised by netfs wb_lock (9p: v9fs_issue_write() calls "
            "p9_client_write() synchronously)"
        ),
        "getattr_lock": (
            "none: the getattr takes no lock that writers take; inode_lock: it "
            "holds inode_lock() (i_rwsem, which buffered writers hold) from before "
            "its flush until the reply is applied"
        ),
    },
    defaults={
        "flush": "fdatawrite",
        "size_update": "overwrite",
        "statx": "default",
        "third_party": "no",
        "completion_updates_remote_size": "no",
        "flush_issue": "async",
        "getattr_lock": "none",
    },
    variants={
        "pre-patch": Variant(
            {"flush_issue": "sync", "flush": "fdatawrite", "size_update": "overwrite"},
            {**_ALL_BAD, "stat-after-write": "violated"},
            "filemap_fdatawrite() without a wait, then v9fs_stat2inode_dotl(.., 0) "
            "overwrites i_size with the server's stale size",
        ),
        "pre-patch-async": Variant(
            {"flush_issue": "async", "flush": "fdatawrite", "size_update": "overwrite"},
            {**_ALL_BAD, "stat-after-write": "violated"},
            "the same getattr on a filesystem whose ->writepages queues the write RPCs "
            "(cifs, nfs, ceph, afs): filemap_fdatawrite() returns before they reach "
            "the server",
        ),
        "write-and-wait-only": Variant(
            {"flush_issue": "sync", "flush": "write_and_wait", "size_update": "overwrite"},
            {**_ALL_BAD, "stat-after-write": "holds"},
            "waiting for writeback before the RPC is not enough: a write that lands "
            "between the wait and the reply processing still loses its i_size",
        ),
        "keep-isize": Variant(
            {"flush_issue": "sync", "flush": "fdatawrite", "size_update": "keep"},
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "V9FS_STAT2INODE_KEEP_ISIZE honoured under writeback caching: the stale "
            "reply still arrives but is not written into i_size",
        ),
        "keep-isize-third-party": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "keep",
                "third_party": "yes",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "keeping the local size is immune to the append (it also never learns of "
            "it, which these invariants do not judge)",
        ),
        "seed-fix": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
            },
            {**_ALL_BAD, "stat-after-write": "violated"},
            "the seed's patch: remote_i_size moves when a write reply is processed, "
            "not when the server applies the write, so a getattr reply that crossed a "
            "write RPC takes the third-party branch and writes a stale size "
            "(the KEEP_ISIZE the getattr passes is no longer tested anywhere)",
        ),
        "seed-fix-honour-keep-isize": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "keep",
                "completion_updates_remote_size": "yes",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "the seed's patch with the V9FS_STAT2INODE_KEEP_ISIZE its getattr passes "
            "still tested in stat2inode (the patch deletes that test): under "
            "CACHE_WRITEBACK the reply no longer writes i_size and the window closes "
            "(at the price of never adopting a third party's size from a getattr, "
            "see keep-isize-third-party)",
        ),
        "seed-fix-async": Variant(
            {
                "flush_issue": "async",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
            },
            {**_ALL_BAD, "stat-after-write": "violated"},
            "the seed's size logic on an asynchronous ->writepages",
        ),
        "seed-fix-force-sync": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "statx": "force_sync",
            },
            {**_ALL_BAD, "stat-after-write": "holds"},
            "AT_STATX_FORCE_SYNC waits for the writeback it started, but the window "
            "is opened by the flusher's write, which the wait does not order",
        ),
        "seed-fix-dont-sync": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "statx": "dont_sync",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "AT_STATX_DONT_SYNC never asks the server: no window (the stat still runs "
            "while the server is behind)",
        ),
        "seed-fix-third-party": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "third_party": "yes",
            },
            {**_ALL_BAD, "stat-after-write": "violated"},
            "violated already without the other client (see seed-fix); the append "
            "itself is handled (see seed-fix-force-sync-locked-third-party)",
        ),
        "seed-fix-force-sync-locked": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "statx": "force_sync",
                "getattr_lock": "inode_lock",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "the seed's closing suggestion: with i_rwsem held across a flush that "
            "waits, no write or writeback crosses the attribute RPC",
        ),
        "seed-fix-force-sync-locked-third-party": Variant(
            {
                "flush_issue": "sync",
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "statx": "force_sync",
                "getattr_lock": "inode_lock",
                "third_party": "yes",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stat-while-server-behind": "holds",
            },
            "another client's append takes the third-party branch, and adopting the "
            "server's (larger) size is right: dirty folios survive the invalidation. "
            "The hole the seed admits needs a third party that shrinks or rewrites "
            "the file, which these single-client invariants cannot judge",
        ),
    },
    build=build,
    limits=(
        "two extending one-page writes, one getattr, one writeback pass by the "
        "flusher; one write RPC per folio (netfs may put both folios in one "
        "subrequest); with flush_issue=async the write RPCs may be sent in any order "
        "after ->writepages queued them; no truncate/setattr, no mtime tracking, no "
        "read path; filemap_invalidate_inode() drops clean folios and keeps dirty "
        "ones as folio_unmap_invalidate() does; the server applies each RPC "
        "atomically; the third party only appends; no mmap writes (->page_mkwrite "
        "does not take i_rwsem, so the holds of the inode_lock variants do not "
        "cover them)"
    ),
)
