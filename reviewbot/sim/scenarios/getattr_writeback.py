"""Remote getattr vs buffered write vs writeback (seed 000).

What it models. A network filesystem with a writeback page cache; the file starts
one page long (4096 bytes, on the server, ``i_size == remote_i_size == 4096``).

* CPU0 ``write``: two extending buffered writes, ``A`` into folio 1 and ``B`` into
  folio 2 (netfs_perform_write(): under the folio lock, copy the user data,
  folio_mark_dirty(), then i_size_write() of the new end; the writer holds i_rwsem,
  which nobody else in the model takes). The write has returned once i_size is set.
* CPU1 ``getattr``: ->getattr of the filesystem (v9fs_vfs_getattr_dotl() in the
  seed; cifs_getattr(), afs_getattr(), ceph_getattr(), fuse_update_get_attr(),
  nfs_getattr() play the same role): an optional flush of the page cache (knob
  ``flush``, or the AT_STATX_* path taken, knob ``statx``), the attribute RPC
  (p9_client_getattr_dotl(): the server reports its size), then, as a separate step,
  the processing of the reply (v9fs_stat2inode_dotl(): knob ``size_update``), then
  generic_fillattr() reporting i_size to the caller.
* CPU2 ``flusher``: background writeback (wb_workfn -> netfs_writepages), one pass
  over the two folios in index order at any time: folio_start_writeback() of a dirty
  folio, or, for a folio wholly beyond i_size, netfs_write_folio()'s "beyond EOF"
  path that ends writeback without writing (the data is dropped).
* CPU3/CPU4 ``wb-io1``/``wb-io2``: the write subrequest of each folio once
  writeback has started on it (by the flusher or by the getattr's flush): the write
  RPC reaching the server (p9_client_write(): server stores the page, extends its
  size), the reply processing (v9fs_issue_write(): with
  ``completion_updates_remote_size=yes`` remote_i_size is raised to the end of the
  write, as the seed's patch and cifs' netfs_resize_file() do), then
  folio_end_writeback().
* CPU5 ``client2`` (``third_party=yes``): another client appends a page at the
  server's end of file.

Invariants: i_size never goes backwards without a truncate (checked where the
getattr writes i_size); a stat that starts after a write returned reports at least
the written size; no written data is lost once everything is flushed (at the end,
each write's page is on the server or still dirty below i_size, where a final sync
would write it).

The seed's own story (Pierre Barre's report, David Howells' reply): getattr calls
filemap_fdatawrite(), which starts writeback but does not wait, the getattr RPC sees
the old size and v9fs_stat2inode_dotl() overwrites the larger local i_size. Shortest
counterexample of ``pre-patch`` (render_columns)::

  CPU0 (write)              CPU1 (getattr)            CPU2 (flusher)
  netfs_perform_write():
    folio1 = A, dirty
  i_size_write(8192),
    write() returns
                            p9_client_getattr_dotl()
                              -> size 4096
                            v9fs_stat2inode_dotl():
                              i_size_write(4096)       <-- i_size went back

The drawing is the tool's output for the pre-patch variant (filemap_fdatawrite() was
called at the start of getattr but the write RPC it started had not reached the
server; the shortest run shows the getattr reading the server before any writeback).

What the model says about the seed's patch (``seed-fix``): violated, without any
third party. v9fs_issue_write() raises remote_i_size only after p9_client_write()
returns; a getattr RPC that the server answers after the write but whose reply is
processed before v9fs_issue_write() runs sees ``st_size != remote_i_size``, takes the
"third party" branch and writes the server's size into i_size, while a second
extending write has already moved i_size further. filemap_invalidate_inode() waits
for the folio under writeback but keeps dirty folios (folio_unmap_invalidate()
refuses dirty ones), so the damage is the i_size_write(): the second write's folio
is now beyond EOF and writeback drops it. This window does not depend on the getattr's
own flush, so AT_STATX_FORCE_SYNC does not close it either; AT_STATX_DONT_SYNC does
(no RPC). Keeping the local i_size (``size_update=keep``, KEEP_ISIZE honoured) holds.

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Instr, Model, await_, if_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import PAGE, declare_quiesce, quiet, returns

DATA = {1: "A", 2: "B"}  # what each write puts in its folio
NBLOCKS = 4  # server blocks 0..3 (the third party may append block 3)


def _srv_store(data: tuple[Any, ...], idx: int, value: Any) -> tuple[Any, ...]:
    out = list(data)
    out[idx] = value
    return tuple(out)


def _start_writeback(i: int) -> dict[str, Any]:
    """writeback_iter() visiting folio i: the effect and trace text of one visit."""
    f = f"folio{i}"

    def eff(s: Any) -> dict[str, Any]:
        if not s[f"{f}.dirty"] or s[f"{f}.writeback"]:
            return {"what": f"{f} clean, skipped"}
        if i * PAGE >= s["i_size"]:
            # netfs_write_folio(): a folio wholly beyond EOF is not written.
            return {f"{f}.dirty": False, "what": f"{f} beyond EOF: dropped"}
        return {f"{f}.dirty": False, f"{f}.writeback": True, "what": f"folio_start_writeback({f})"}

    return {
        "reads": (f"{f}.dirty", f"{f}.writeback", f"{f}.locked", "i_size"),
        "writes": (f"{f}.dirty", f"{f}.writeback"),
        "effect": eff,
        "guard": lambda s: not s[f"{f}.locked"],
    }


def _writer() -> list[Instr]:
    prog: list[Instr] = []
    for i in (1, 2):
        f = f"folio{i}"
        end = (i + 1) * PAGE
        prog.append(
            step(
                f"netfs_perform_write(): {f} = {DATA[i]}, dirty",
                reads=(f"{f}.locked",),
                writes=(f"{f}.locked", f"{f}.data", f"{f}.dirty"),
                guard=lambda s, f=f: not s[f"{f}.locked"],
                effect=lambda s, f=f, i=i: {
                    f"{f}.locked": True,
                    f"{f}.data": DATA[i],
                    f"{f}.dirty": True,
                },
                show=(f"{f}.data", f"{f}.dirty"),
            )
        )
        # netfs updates i_size only when the write moves EOF; the folio lock is
        # dropped after it (writeback cannot start on the folio in between).
        last = i == 2
        eff = lambda s, f=f, end=end: {
            "i_size": max(s["i_size"], end),
            "written": end,
            f"{f}.locked": False,
        }
        label = f"i_size_write({end}), write() returns"
        rw = {"reads": ("i_size",), "writes": ("i_size", "written", f"{f}.locked")}
        if last:
            prog.append(returns(label, effect=eff, **rw))
        else:
            prog.append(step(label, effect=eff, show=("i_size",), **rw))
    return prog


def _flush(kind: str, first_label: str) -> list[Instr]:
    """The getattr's flush: none, filemap_fdatawrite() or filemap_write_and_wait()."""
    if kind == "none":
        return [
            step(first_label, reads=("written",), effect=lambda s: {"seen": s["written"]}, show=())
        ]
    fn = "filemap_fdatawrite" if kind == "fdatawrite" else "filemap_write_and_wait"
    prog: list[Instr] = []
    for i in (1, 2):
        wb = _start_writeback(i)
        eff = wb["effect"]
        if i == 1:  # the stat starts here: remember what had been written

            def eff1(s: Any, eff: Any = eff) -> dict[str, Any]:
                return {**eff(s), "seen": s["written"]}

            prog.append(
                step(
                    f"{fn}(): {{what}}",
                    reads=(*wb["reads"], "written"),
                    writes=wb["writes"],
                    effect=eff1,
                    guard=wb["guard"],
                )
            )
        else:
            prog.append(
                step(
                    f"{fn}(): {{what}}",
                    reads=wb["reads"],
                    writes=wb["writes"],
                    effect=eff,
                    guard=wb["guard"],
                )
            )
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
    fill_asserts = {"stat-after-write": lambda s: s["i_size"] >= s["seen"]}
    fill = returns(
        "generic_fillattr(): stat.size = i_size", reads=("i_size",), asserts=fill_asserts
    )
    if k["statx"] == "dont_sync":
        return [
            step(
                "v9fs_vfs_getattr_dotl(AT_STATX_DONT_SYNC): no flush, no RPC",
                reads=("written",),
                effect=lambda s: {"seen": s["written"]},
                show=(),
            ),
            fill,
        ]
    flush = "write_and_wait" if k["statx"] == "force_sync" else k["flush"]
    prog = _flush(flush, "v9fs_vfs_getattr_dotl(): no flush")
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
                        lambda s: not s["folio1.writeback"] and not s["folio2.writeback"],
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
    prog.append(fill)
    return prog


def _flusher() -> list[Instr]:
    prog: list[Instr] = []
    for i in (1, 2):
        wb = _start_writeback(i)
        label = "wb_workfn(): {what}"
        if i == 2:
            prog.append(
                returns(
                    label,
                    reads=wb["reads"],
                    writes=wb["writes"],
                    effect=wb["effect"],
                    guard=wb["guard"],
                )
            )
        else:
            prog.append(
                step(
                    label,
                    reads=wb["reads"],
                    writes=wb["writes"],
                    effect=wb["effect"],
                    guard=wb["guard"],
                )
            )
    return prog


def _io(i: int, k: Mapping[str, str], issuers: int) -> list[Instr]:
    f = f"folio{i}"
    end = (i + 1) * PAGE
    body: list[Instr] = [
        step(
            f"p9_client_write({f}): server stores {DATA[i]}",
            reads=(f"{f}.data", "srv.size", "srv.data"),
            writes=("srv.size", "srv.data"),
            effect=lambda s, f=f, end=end, i=i: {
                "srv.data": _srv_store(s["srv.data"], i, s[f"{f}.data"]),
                "srv.size": max(s["srv.size"], end),
            },
            show=("srv.size",),
        ),
    ]
    if k["completion_updates_remote_size"] == "yes":
        body.append(
            step(
                "v9fs_issue_write(): remote_i_size = {remote_i_size}",
                reads=("remote_i_size",),
                writes=("remote_i_size",),
                effect=lambda s, end=end: {"remote_i_size": max(s["remote_i_size"], end)},
            )
        )
    body.append(
        step(
            f"folio_end_writeback({f})",
            writes=(f"{f}.writeback",),
            effect=lambda s, f=f: {f"{f}.writeback": False},
        )
    )
    gate = quiet(issuers)
    return [
        await_(
            f"netfs_issue_write({f})",
            lambda s, f=f: s[f"{f}.writeback"] or gate(s),
            reads=(f"{f}.writeback", "issuers_done"),
            effect=lambda s, f=f: {"go": s[f"{f}.writeback"]},
            show=(),
        ),
        if_(lambda s: s["go"], body),
    ]


def _third_party() -> list[Instr]:
    def append(s: Any) -> dict[str, Any]:
        size = s["srv.size"]
        return {"srv.data": _srv_store(s["srv.data"], size // PAGE, "C"), "srv.size": size + PAGE}

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
        for field in ("data", "dirty", "writeback", "locked"):
            m.var(f"folio{i}.{field}", None if field == "data" else False)
    m.var("written", PAGE)  # ghost: end of the last write that returned
    m.var("st_size", None)  # the getattr reply buffer
    declare_quiesce(m)
    third = k["third_party"] == "yes"
    issuers = 3 + (1 if third else 0)
    m.thread("write", _writer())
    m.thread("getattr", _getattr(k), locals={"seen": PAGE, "what": ""})
    m.thread("flusher", _flusher(), locals={"what": ""})
    m.thread("wb-io1", _io(1, k, issuers), locals={"go": False})
    m.thread("wb-io2", _io(2, k, issuers), locals={"go": False})
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
    m.sometimes(
        "stale-reply",
        "a getattr reply reports a size below the local i_size (the race window)",
        lambda s: s["st_size"] is not None and s["st_size"] < s["i_size"],
        reads=("st_size", "i_size"),
    )
    return m


_ALL_BAD = {"isize-monotonic": "violated", "no-data-lost": "violated", "stale-reply": "holds"}

SCENARIO = ScenarioSpec(
    id="getattr-writeback",
    title="remote getattr overwrites i_size while writes are dirty or in flight",
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
    },
    defaults={
        "flush": "fdatawrite",
        "size_update": "overwrite",
        "statx": "default",
        "third_party": "no",
        "completion_updates_remote_size": "no",
    },
    variants={
        "pre-patch": Variant(
            {"flush": "fdatawrite", "size_update": "overwrite"},
            {**_ALL_BAD, "stat-after-write": "violated"},
            "filemap_fdatawrite() without a wait, then v9fs_stat2inode_dotl(.., 0) "
            "overwrites i_size with the server's stale size",
        ),
        "write-and-wait-only": Variant(
            {"flush": "write_and_wait", "size_update": "overwrite"},
            {**_ALL_BAD, "stat-after-write": "holds"},
            "waiting for writeback before the RPC is not enough: a write that lands "
            "between the wait and the reply processing still loses its i_size",
        ),
        "keep-isize": Variant(
            {"flush": "fdatawrite", "size_update": "keep"},
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stale-reply": "holds",
            },
            "V9FS_STAT2INODE_KEEP_ISIZE honoured under writeback caching: the stale "
            "reply still arrives but is not written into i_size",
        ),
        "seed-fix": Variant(
            {
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
            },
            {**_ALL_BAD, "stat-after-write": "violated"},
            "the seed's patch: remote_i_size moves when a write reply is processed, "
            "not when the server applies the write, so a getattr reply that crossed a "
            "write RPC takes the third-party branch and writes a stale size",
        ),
        "seed-fix-force-sync": Variant(
            {
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
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "statx": "dont_sync",
            },
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stale-reply": "violated",
            },
            "AT_STATX_DONT_SYNC never asks the server: no window, and the stale-reply "
            "precondition is unreachable by construction",
        ),
        "seed-fix-third-party": Variant(
            {
                "flush": "fdatawrite",
                "size_update": "compare_remote",
                "completion_updates_remote_size": "yes",
                "third_party": "yes",
            },
            {**_ALL_BAD, "stat-after-write": "violated"},
            "the hole the seed admits: another client's change makes st_size differ "
            "from remote_i_size and the server's size replaces the local one",
        ),
        "keep-isize-third-party": Variant(
            {"flush": "fdatawrite", "size_update": "keep", "third_party": "yes"},
            {
                "isize-monotonic": "holds",
                "stat-after-write": "holds",
                "no-data-lost": "holds",
                "stale-reply": "holds",
            },
            "keeping the local size is immune to the append (it also never learns of "
            "it, which these invariants do not judge)",
        ),
    },
    build=build,
    limits=(
        "two extending one-page writes, one getattr, one writeback pass by the "
        "flusher; write RPCs are asynchronous with respect to the flushing caller "
        "(as in cifs, nfs, ceph, afs; 9p issues them synchronously inside "
        "netfs_writepages(), which only removes runs that the flusher's own writeback "
        "reproduces); no truncate/setattr, no mtime tracking, no read path; "
        "filemap_invalidate_inode() drops clean folios and keeps dirty ones as "
        "folio_unmap_invalidate() does; the server applies RPCs atomically in "
        "arrival order"
    ),
)
