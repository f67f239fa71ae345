"""Inode eviction / umount vs asynchronous I/O completion (seed 001, commit 39302c160390).

What it models. An umount evicts an inode while a netfs request on it is still
finishing. The request was issued before the umount started (a writeback or read
subrequest): it holds a folio (under writeback, or locked for a read), a reference
on a 9p fid (rreq->netfs_priv) and a pointer to the inode.

* CPU0 ``umount``: generic_shutdown_super() -> evict() (I_FREEING) ->
  ->evict_inode (v9fs_evict_inode(); afs_evict_inode(), cifs_evict_inode() take the
  same shape): truncate_inode_pages_final() waits for the folio to leave writeback and
  removes it, clear_inode(), then destroy_inode() frees the inode and
  v9fs_kill_super() -> p9_client_destroy() frees every fid still in the client's
  table regardless of its refcount. With ``wait_for_io=yes`` it calls
  netfs_wait_for_outstanding_io() (wait_var_event() until ictx->io_count is zero)
  where knob ``wait_at`` says: before truncate_inode_pages_final() (the v2/v3
  postings, as merged) or just before clear_inode() (the seed's v1).
* CPU1 ``netfs-io``: the request's completion, each step as netfslib runs it: the
  RPC reply (p9_client_write() returns: the fid's client is used), the collector's
  folio_end_writeback() (or folio_unlock() after a read), clearing
  NETFS_RREQ_IN_PROGRESS, then netfs_put_request() -> netfs_free_request(): the
  filesystem's ->free_request (v9fs_free_request(): p9_fid_put(fid)), then with the
  fix atomic_dec_and_test(&ictx->io_count) (touches the inode) and wake_up_var()
  (only hashes the address, touches nothing).

The superblock half (knob ``sb_wait``). With ``sb_wait=yes`` the umount thread, after
destroy_inode() and before p9_client_destroy(), waits until the request has finished
(netfs_free_request() done: ``rreq.alive`` false), as a ->kill_sb does that waits for
the client's or session's outstanding requests, or flushes the workqueue completions
run on, between generic_shutdown_super()/kill_anon_super() and destroying the client.
What the model can tell: with ``wait_for_io=no, sb_wait=yes`` (variant
``sb-wait-only``) no interleaving reaches the fid after it is freed, because the
destroy waits for the completion's last step. That the inode is safe too follows only
from what this completion does: without the per-inode count it touches nothing of the
inode after its folio is released (the steps after folio_end_writeback() read only the
fid and the request). What it cannot tell: an sb-level wait comes after eviction, so
whatever a real completion still does to the inode, its mapping or its netfs context
after the folio is released (the fix's own atomic_dec_and_test(&ictx->io_count) is
such a step; so would be anything not modelled here) is not covered by it; only
``wait_for_io`` covers that. A wait placed before generic_shutdown_super() is
stronger than the one modelled (it also precedes eviction); the model does not tell
the two apart, it places the wait at the weakest point that still precedes the
destroy.

Invariants: no completion touches a freed fid or inode (checked on each step that
dereferences them); no deadlock (every thread finishes).

Shortest counterexample of ``pre-patch``: the completion has released the folio, so
truncate_inode_pages_final() no longer waits, the umount frees the fid, and the
completion's p9_fid_put() runs on freed memory::

  CPU0 (umount)    CPU1 (netfs-io)
  -------------    ---------------
  evict(): I_FREEING, ->evict_inode()
    evicting = true
                   p9_client_write() reply
                   netfs collector: folio_end_writeback()
                     folio.writeback = false
  truncate_inode_pages_final()
    folio.present = false
  clear_inode()
    inode.cleared = true
  destroy_inode(): inode freed
    inode.alive = false
  v9fs_kill_super() -> p9_client_destroy(): fids freed
    fid.alive = false
                   clear NETFS_RREQ_IN_PROGRESS
                     rreq.in_progress = false
                   netfs_free_request() -> v9fs_free_request():
                       p9_fid_put(fid)
                     rreq.alive = false
                   <-- no I/O completion touches a freed fid or inode

This is the commit message's story: netfslib unlocks the pages and clears IN_PROGRESS before
it destroys the objects, and nothing else tells eviction the request still lives.

Both placements of the wait hold here: the model's request does not touch the page
cache after it has released its folio, which is what moving the wait before
truncate_inode_pages_final() in v2 guards against (copy-to-cache and similar work
on folios truncate is removing); that difference is outside the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Instr, Model, await_, step
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import declare_folio, folio_end_writeback

UAF = "no-uaf"


def _uses(obj: str) -> dict[str, Any]:
    return {UAF: lambda s: s[f"{obj}.alive"]}


def _umount(k: Mapping[str, str]) -> list[Instr]:
    wait = k["wait_for_io"] == "yes"
    waiter = await_(
        "netfs_wait_for_outstanding_io(): io_count == 0",
        lambda s: s["io_count"] == 0,
        reads=("io_count",),
    )
    prog: list[Instr] = [
        step(
            "evict(): I_FREEING, ->evict_inode()",
            writes=("evicting",),
            effect=lambda s: {"evicting": True},
        ),
    ]
    if wait and k["wait_at"] == "before_truncate":
        prog.append(waiter)
    prog.append(
        await_(
            "truncate_inode_pages_final()",
            lambda s: not s["folio.writeback"],
            reads=("folio.writeback",),
            writes=("folio.present",),
            effect=lambda s: {"folio.present": False},
        )
    )
    if wait and k["wait_at"] == "before_clear_inode":
        prog.append(waiter)
    prog += [
        step("clear_inode()", writes=("inode.cleared",), effect=lambda s: {"inode.cleared": True}),
        step(
            "destroy_inode(): inode freed",
            writes=("inode.alive",),
            effect=lambda s: {"inode.alive": False},
        ),
    ]
    if k["sb_wait"] == "yes":
        # ->kill_sb after generic_shutdown_super(): waits for the client's requests
        prog.append(
            await_(
                "->kill_sb: wait for the client's outstanding requests",
                lambda s: not s["rreq.alive"],
                reads=("rreq.alive",),
            )
        )
    prog += [
        step(
            "v9fs_kill_super() -> p9_client_destroy(): fids freed",
            writes=("fid.alive",),
            effect=lambda s: {"fid.alive": False},
        ),
    ]
    return prog


def _netfs_io(k: Mapping[str, str]) -> list[Instr]:
    prog: list[Instr] = [
        step("p9_client_write() reply", reads=("fid.alive",), asserts=_uses("fid")),
        folio_end_writeback("folio", "netfs collector: folio_end_writeback()"),
        step(
            "clear NETFS_RREQ_IN_PROGRESS",
            writes=("rreq.in_progress",),
            effect=lambda s: {"rreq.in_progress": False},
        ),
        step(
            "netfs_free_request() -> v9fs_free_request(): p9_fid_put(fid)",
            reads=("fid.alive",),
            writes=("rreq.alive",),
            asserts=_uses("fid"),
            effect=lambda s: {"rreq.alive": False},
        ),
    ]
    if k["wait_for_io"] == "yes":
        prog += [
            step(
                "atomic_dec_and_test(&ictx->io_count)",
                reads=("io_count", "inode.alive"),
                writes=("io_count",),
                asserts=_uses("inode"),
                effect=lambda s: {"io_count": s["io_count"] - 1},
            ),
            step("wake_up_var(&ictx->io_count)"),
        ]
    return prog


def build(k: Mapping[str, str]) -> Model:
    m = Model("evict-vs-async-io")
    m.var("evicting", False)
    # writeback: the request was issued before umount started
    declare_folio(m, "folio", present=True, writeback=True)
    m.var("rreq.in_progress", True)
    m.var("rreq.alive", True)
    m.var("io_count", 1)  # netfs_alloc_request() counted it (only read with the fix)
    m.var("inode.cleared", False)
    m.var("inode.alive", True)
    m.var("fid.alive", True)
    m.thread("umount", _umount(k))
    m.thread("netfs-io", _netfs_io(k))
    m.assertion(UAF, "no I/O completion touches a freed fid or inode")
    m.deadlock("no-deadlock", "eviction and the completion both finish (nobody waits forever)")
    m.sometimes(
        "request-outlives-folio",
        "eviction runs while a request whose folio is released is still alive",
        lambda s: s["evicting"] and not s["folio.writeback"] and s["rreq.alive"],
        reads=("evicting", "folio.writeback", "rreq.alive"),
    )
    return m


SCENARIO = ScenarioSpec(
    id="evict-vs-async-io",
    title="eviction does not wait for async I/O completion",
    summary=(
        "->evict_inode/umount frees the inode and the fids while a netfs request "
        "that still holds them is completing"
    ),
    knobs={
        "wait_for_io": ("no", "yes"),
        "wait_at": ("before_truncate", "before_clear_inode"),
        "sb_wait": ("no", "yes"),
    },
    knob_docs={
        "wait_for_io": (
            "no: ->evict_inode goes from truncate_inode_pages_final() to clear_inode() "
            "with nothing counting requests that outlive their folios; yes: "
            "outstanding requests are counted (atomic_inc at netfs_alloc_request, "
            "atomic_dec_and_test + wake_up_var at netfs_free_request) and "
            "->evict_inode calls netfs_wait_for_outstanding_io() (or another "
            "wait_var_event()/wait_event() on the count) before clear_inode()"
        ),
        "wait_at": (
            "where the wait sits when wait_for_io=yes: before_truncate: before "
            "truncate_inode_pages_final(); before_clear_inode: after it, just "
            "before clear_inode()"
        ),
        "sb_wait": (
            "no: ->kill_sb destroys the client (p9_client_destroy(), the fids with "
            "it) right after generic_shutdown_super() has evicted the inodes; yes: "
            "after eviction and before that teardown it waits until every "
            "outstanding request has finished (its last step done)"
        ),
    },
    defaults={"wait_for_io": "no", "wait_at": "before_truncate", "sb_wait": "no"},
    variants={
        "pre-patch": Variant(
            {"wait_for_io": "no"},
            {UAF: "violated", "no-deadlock": "holds", "request-outlives-folio": "holds"},
            "v9fs_evict_inode() before 39302c160390: the fid is freed by the umount "
            "while netfs_free_request() has still to put it",
        ),
        "seed-fix": Variant(
            {"wait_for_io": "yes", "wait_at": "before_clear_inode"},
            {UAF: "holds", "no-deadlock": "holds", "request-outlives-folio": "holds"},
            "the seed (v1): netfs_wait_for_outstanding_io() before clear_inode()",
        ),
        "merged-fix": Variant(
            {"wait_for_io": "yes", "wait_at": "before_truncate"},
            {UAF: "holds", "no-deadlock": "holds", "request-outlives-folio": "holds"},
            "v2/v3 as merged: the wait comes before truncate_inode_pages_final()",
        ),
        "sb-wait-only": Variant(
            {"wait_for_io": "no", "sb_wait": "yes"},
            {UAF: "holds", "no-deadlock": "holds", "request-outlives-folio": "holds"},
            "no wait in ->evict_inode, but ->kill_sb waits for the client's requests "
            "before destroying it: the fid outlives every completion",
        ),
        "both-waits": Variant(
            {"wait_for_io": "yes", "sb_wait": "yes"},
            {UAF: "holds", "no-deadlock": "holds", "request-outlives-folio": "holds"},
            "the merged fix plus a ->kill_sb wait: nothing left for the second wait",
        ),
    },
    build=build,
    limits=(
        "one request with one folio, issued before the umount; no new I/O "
        "during eviction; the request does not use the page cache after its "
        "folio is released; fscache cookies, RCU freeing and the p9 transport "
        "are not modelled (freeing is immediate)"
    ),
)
