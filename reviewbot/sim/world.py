"""The kernel-world model shared by the scenarios (DESIGN.md, "Simulation").

Scenarios compose these pieces into dsl.Models. Everything here is plain data plus
small builders of dsl steps, so a scenario reads like the kernel code it stands for:

* sizes are bytes in multiples of ``PAGE`` (one folio per page, folio ``i`` covers
  ``[i*PAGE, (i+1)*PAGE)``); a scenario that needs sub-folio blocks says so itself;
* a folio is a group of shared variables ``<name>.<field>``: ``present``, ``data``
  (which write's bytes it holds: a short tag such as ``"A"``, or ``None``),
  ``uptodate``, ``dirty``, ``writeback``, ``locked``;
* the server's (or disk's) copy is a tuple with one entry per block and a size;
* an inode has ``i_size`` and, for network filesystems, ``remote_i_size`` (netfs'
  idea of the server's size);
* locks are the bool variables of ``dsl.lock``/``dsl.unlock``: a lock is only held
  where the kernel code holds it;
* asynchronous kernel work (writeback, request completion, reclaim) is a thread of
  its own; an RPC to the server and the processing of its reply are separate steps.

Shared pieces live here: the page size; folio state variables and the folio
transitions several scenarios take (folio_start_writeback(), folio_end_writeback(),
folio_unlock()); i_size stores (a truncate's fixed size, an extending write's
``max``); the inode lock (i_rwsem); the quiesce counter that lets completion
threads stop once nothing can start more I/O; the read-modify-write of a flags word
in its plain and atomic forms (set_flag, atomic=no|yes); the netfs page cache and
writeback machinery (->writepages passes, synchronous or queued write RPCs, the
write completion with updates_remote_size=yes|no). Operations that only one scenario
composes (getattr, evict, map_blocks, buffered_write, the iomap write path, reclaim,
request references) live in that scenario's module, next to the docstring saying
which kernel functions each step stands for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewbot.sim.dsl import (
    Instr,
    Model,
    ModelError,
    Step,
    Value,
    await_,
    if_,
    lock,
    step,
    unlock,
)

PAGE = 4096

# --------------------------------------------------------------------------- folios

# Fields a folio may have; ``b<n>`` are sub-folio blocks (data per block) for a
# scenario whose blocks are smaller than a page.
FOLIO_FIELDS = ("present", "uptodate", "data", "dirty", "writeback", "locked", "queued")


def declare_folio(m: Model, name: str, **fields: Value) -> str:
    """Declare the folio ``name`` as shared variables ``<name>.<field>``, in the
    order given, with the given initial values; returns ``name``.

    Each scenario declares only the fields its steps use, so a state holds nothing
    no step can change."""
    for f, initial in fields.items():
        if f not in FOLIO_FIELDS and not re.fullmatch(r"b\d+", f):
            raise ModelError(f"unknown folio field {f!r}")
        m.var(f"{name}.{f}", initial)
    return name


def start_writeback(folio: str) -> dict[str, Value]:
    """folio_start_writeback() on a dirty folio: the writes, for an effect to return
    (folio_clear_dirty_for_io() then the writeback bit)."""
    return {f"{folio}.dirty": False, f"{folio}.writeback": True}


def folio_end_writeback(folio: str, label: str) -> Step:
    """folio_end_writeback(): the writeback bit cleared (waiters may go on)."""
    return step(
        label, writes=(f"{folio}.writeback",), effect=lambda s: {f"{folio}.writeback": False}
    )


def folio_unlock(folio: str, label: str) -> Step:
    """folio_unlock(): the folio lock dropped; traces show nothing (the label says it)."""
    return step(
        label, writes=(f"{folio}.locked",), effect=lambda s: {f"{folio}.locked": False}, show=()
    )


# --------------------------------------------------------------------------- inode

I_RWSEM = "i_rwsem"


def inode_lock(label: str = "inode_lock()") -> Step:
    """inode_lock(): i_rwsem taken for writing (declare it with ``m.var(I_RWSEM, False)``)."""
    return lock(I_RWSEM, label)


def inode_unlock(label: str = "inode_unlock()") -> Step:
    return unlock(I_RWSEM, label)


def i_size_set(label: str, size: int) -> Step:
    """i_size_write(size) of a fixed size (truncate_setsize(), a write's end known
    to be past EOF): nothing read."""
    return step(label, writes=("i_size",), effect=lambda s: {"i_size": size})


def size_extend(label: str, end: int, var: str = "i_size") -> Step:
    """``if (end > var) var = end`` as one step (under inode->i_lock or the like);
    ``var`` is i_size or netfs' remote_i_size."""
    return step(label, reads=(var,), writes=(var,), effect=lambda s: {var: max(s[var], end)})


# --------------------------------------------------------------------------- quiesce


QUIET = "issuers_done"


def declare_quiesce(m: Model) -> str:
    """A counter of threads that can start I/O and have returned.

    Completion threads wait for "my request was issued, or nobody can issue it any
    more"; without the second half a request that is never issued would leave its
    completion thread blocked and show up as a (false) deadlock."""
    return m.var(QUIET, 0)


def quiet(count: int) -> Callable[[Any], bool]:
    return lambda s: s[QUIET] >= count


def returns(
    label: str,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    effect: Callable[[Any], Mapping[str, Value] | None] | None = None,
    asserts: Mapping[str, Callable[[Any], bool] | None] | None = None,
    guard: Callable[[Any], bool] | None = None,
    show: Iterable[str] | None = None,
) -> Step:
    """The last step of an issuing thread: counts it as returned (see declare_quiesce).

    Traces show ``show`` (default: the declared writes), never the counter."""
    shown = tuple(writes)

    def eff(s: Any) -> dict[str, Value]:
        out: dict[str, Value] = dict(effect(s) or {}) if effect is not None else {}
        out[QUIET] = s[QUIET] + 1
        return out

    return step(
        label,
        reads=(*reads, QUIET),
        writes=(*shown, QUIET),
        effect=eff,
        asserts=asserts,
        guard=guard,
        show=shown if show is None else tuple(show),
    )


# --------------------------------------------------------------------------- flags words


def flag_update(
    var: str,
    bit: int,
    *,
    op: str,
    atomic: bool,
    what: str,
) -> Sequence[Instr]:
    """``var |= bit`` / ``var &= ~bit``: one step with set_bit()/clear_bit(), a load
    step and a store step with plain C (the compiler's read-modify-write)."""
    if op not in ("set", "clear"):
        raise ValueError(op)

    def apply(old: int) -> int:
        return old | bit if op == "set" else old & ~bit

    if atomic:
        fn = "set_bit" if op == "set" else "clear_bit"
        return (
            step(
                f"{fn}({what}, &{var})",
                reads=(var,),
                writes=(var,),
                effect=lambda s: {var: apply(s[var])},
            ),
        )
    expr = f"|= {what}" if op == "set" else f"&= ~{what}"
    return (
        step(
            f"load {var} (for {expr})",
            reads=(var,),
            effect=lambda s: {"old": s[var]},
            show=(),
        ),
        step(
            f"store {var} {expr}",
            writes=(var,),
            effect=lambda s: {var: apply(s["old"])},
        ),
    )


def serial_results(start: int, ops: Sequence[tuple[str, int]]) -> frozenset[int]:
    """Every value a flags word can end with if ``ops`` ran one after another in
    some order (what atomic updates guarantee)."""
    from itertools import permutations

    out: set[int] = set()
    for order in permutations(ops):
        v = start
        for op, bit in order:
            v = v | bit if op == "set" else v & ~bit
        out.add(v)
    return frozenset(out)


# --------------------------------------------------------------------------- netfs writeback
#
# A network filesystem's page cache over folios ``folio1``, ``folio2`` ... with the
# fields data/dirty/writeback/locked/queued, an inode (``i_size``, ``remote_i_size``)
# and the server's copy (``srv.size``, ``srv.data``: one entry per page). Write RPCs
# are named after 9p (p9_client_write(), v9fs_issue_write()); cifs
# (smb2_async_writev() and its callback), afs, ceph and nfs follow the same steps.


@dataclass(frozen=True)
class Netfs:
    """How a netfs-style filesystem writes back: the shape the knobs select."""

    data: Mapping[int, str]  # folio index -> the tag its write puts there
    sync: bool  # ->writepages sends each write RPC inline (9p) or queues it
    updates_remote_size: bool  # the write reply raises remote_i_size


def server_store(data: tuple[Any, ...], idx: int, value: Any) -> tuple[Any, ...]:
    out = list(data)
    out[idx] = value
    return tuple(out)


def writeback_visit(s: Any, i: int) -> dict[str, Any]:
    """writeback_iter() visiting folio i with its lock held: what changes."""
    f = f"folio{i}"
    if not s[f"{f}.dirty"] or s[f"{f}.writeback"]:
        return {"what": f"{f} clean, skipped"}
    if i * PAGE >= s["i_size"]:
        # netfs_write_folio(): a folio wholly beyond EOF is not written.
        return {f"{f}.dirty": False, "what": f"{f} beyond EOF: dropped"}
    return {**start_writeback(f), "what": f"folio_start_writeback({f})"}


def write_rpc(fs: Netfs, i: int) -> list[Instr]:
    """The write subrequest of folio i: the RPC reaching the server, the processing
    of its reply (write_completion with updates_remote_size=yes|no), then
    folio_end_writeback()."""
    f = f"folio{i}"
    end = (i + 1) * PAGE
    body: list[Instr] = [
        step(
            f"p9_client_write({f}): server stores {fs.data[i]}",
            reads=(f"{f}.data", "srv.size", "srv.data"),
            writes=("srv.size", "srv.data"),
            effect=lambda s: {
                "srv.data": server_store(s["srv.data"], i, s[f"{f}.data"]),
                "srv.size": max(s["srv.size"], end),
            },
            show=("srv.size",),
        ),
    ]
    if fs.updates_remote_size:
        body.append(
            size_extend("v9fs_issue_write(): remote_i_size = {remote_i_size}", end, "remote_i_size")
        )
    body.append(folio_end_writeback(f, f"folio_end_writeback({f})"))
    return body


def write_issuer(fs: Netfs, i: int, issuers: int) -> list[Instr]:
    """Asynchronous issue: a thread per folio sends its write once ->writepages
    queued it (or stops once no thread can queue it any more)."""
    f = f"folio{i}"
    gate = quiet(issuers)
    return [
        await_(
            f"netfs_issue_write({f})",
            lambda s: s[f"{f}.queued"] or gate(s),
            reads=(f"{f}.queued", QUIET),
            effect=lambda s: {"go": s[f"{f}.queued"]},
            show=(),
        ),
        if_(lambda s: s["go"], write_rpc(fs, i)),
    ]


def writepages(fs: Netfs, fn: str, folios: Sequence[int], *, last: bool) -> list[Instr]:
    """One pass of ->writepages (netfs_writepages()) over ``folios`` in index order.

    Asynchronous issue: start writeback and queue the write for the folio's issuer
    thread. Synchronous issue (9p): under netfs wb_lock, taken only when the mapping
    has dirty folios (filemap_fdatawrite_wbc() returns at once otherwise), each write
    RPC and its reply are done inline by the caller. Locals: what, started, held."""
    dirty = tuple(f"folio{i}.dirty" for i in folios)
    prog: list[Instr] = []
    if fs.sync:

        def take(s: Any) -> dict[str, Any]:
            if any(s[d] for d in dirty):
                return {"wb_lock": True, "held": True, "what": "mutex_lock(wb_lock)"}
            return {"held": False, "what": "nothing dirty"}

        prog.append(
            step(
                f"{fn}: {{what}}",
                reads=(*dirty, "wb_lock"),
                writes=("wb_lock",),
                guard=lambda s: not s["wb_lock"] or not any(s[d] for d in dirty),
                effect=take,
                show=(),
            )
        )
    visits: list[Instr] = []
    for i in folios:
        f = f"folio{i}"

        def eff(s: Any, i: int = i) -> dict[str, Any]:
            out = writeback_visit(s, i)
            started = bool(out.get(f"folio{i}.writeback"))
            if started and not fs.sync:
                out[f"folio{i}.queued"] = True
            out["started"] = started
            return out

        visits.append(
            step(
                f"{fn}: {{what}}",
                reads=(f"{f}.dirty", f"{f}.writeback", f"{f}.locked", "i_size"),
                writes=(f"{f}.dirty", f"{f}.writeback", f"{f}.queued"),
                guard=lambda s, f=f: not s[f"{f}.locked"],
                effect=eff,
            )
        )
        if fs.sync:
            visits.append(if_(lambda s: s["started"], write_rpc(fs, i)))
    if fs.sync:
        unlock_wb = step(
            "mutex_unlock(wb_lock)", writes=("wb_lock",), effect=lambda s: {"wb_lock": False}
        )
        prog.append(if_(lambda s: s["held"], [*visits, unlock_wb]))
    else:
        prog += visits
    if last:
        prog.append(returns(f"{fn}: done"))
    return prog
