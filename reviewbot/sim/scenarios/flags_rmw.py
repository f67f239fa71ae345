"""A flags word updated from two contexts: plain ``|=``/``&= ~`` vs set_bit()/clear_bit()
(seed 000, ``v9fs_inode->cache_validity``).

What it models. One ``unsigned long`` flags word and two contexts that update it
without a common lock:

* CPU0 ``clearer``: the attribute reply processing (v9fs_stat2inode_dotl(); in other
  filesystems the attribute-update paths of cifs (cifsInodeInfo->flags), nfs
  (nfsi->cache_validity), afs (vnode->flags), fuse (fi->state)) clears a flag:
  ``cache_validity &= ~V9FS_INO_INVALID_ATTR``.
* CPU1 ``setter``: a write subrequest completion (v9fs_issue_write() in the seed's
  patch) or another syscall path (v9fs_invalidate_inode_attr() from link/rename)
  sets a flag: ``cache_validity |= <bit>``.

A plain C ``|=``/``&=`` on memory is a load and a store: the model gives each its own
step. set_bit()/clear_bit() are single atomic read-modify-writes. Knob ``bits`` says
whether the two contexts touch the same bit (the pre-patch 9p word had only
V9FS_INO_INVALID_ATTR) or different bits (the seed's patch adds
V9FS_INO_MTIME_UNCERTAIN, set by write completion while getattr clears INVALID_ATTR).

Invariant: concurrent flag updates never lose a bit: the final word equals the result
of running the updates one after the other in some order. With a single bit any
interleaving of plain updates is equivalent to one of the two orders (the model
confirms it: ``pre-patch`` holds; the plain accesses are still a data race KCSAN
reports, which this invariant does not judge). With two bits the clear's store writes
back a stale copy of the other bit. Shortest counterexample of ``two-bits-plain``::

  CPU0 (clearer)    CPU1 (setter)
  --------------    -------------
  load cache_validity (for &= ~INVALID_ATTR)
                    load cache_validity (for |= MTIME_UNCERTAIN)
                    store cache_validity |= MTIME_UNCERTAIN
                      cache_validity = 3
  store cache_validity &= ~INVALID_ATTR
    cache_validity = 0  <-- concurrent flag updates never lose a bit

Who writes the word, read from the seed's diff. Before it: one flag,
V9FS_INO_INVALID_ATTR (``#define ... 0x01`` is the only cache_validity flag), set by
v9fs_invalidate_inode_attr() (link, rename, unlink, ... syscall paths) and cleared by
v9fs_stat2inode()/v9fs_stat2inode_dotl(); hence ``pre-patch`` (bits=one) holds:
the plain updates there are a data race but lose no bit. After it: two bits;
V9FS_INO_MTIME_UNCERTAIN is set by v9fs_issue_write() (netfs writeback, under
inode->i_lock, which none of the clearers take) and cleared by both stat2inode
functions and both setattr functions. Two bits from different contexts is what makes
set_bit()/clear_bit() necessary: the patch's conversion is required by the bit the
patch itself adds, not by a lost-bit bug of the old code. What atomic bitops do not
fix (and this scenario does not judge): stat2inode clears MTIME_UNCERTAIN after its
RPC, so a write reply processed while the attribute RPC was in flight sets the bit
and the stale reply then clears it, the same ordering problem as remote_i_size in
getattr-writeback.

Limits: see SCENARIO.limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.dsl import Model
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.world import flag_update, serial_results

INVALID_ATTR = 1  # bit 0
MTIME_UNCERTAIN = 2  # bit 1
VAR = "cache_validity"


def build(k: Mapping[str, str]) -> Model:
    atomic = k["atomic"] == "yes"
    two = k["bits"] == "two"
    set_bit, set_name = (
        (MTIME_UNCERTAIN, "MTIME_UNCERTAIN") if two else (INVALID_ATTR, "INVALID_ATTR")
    )
    start = INVALID_ATTR  # the attributes are invalid when the reply arrives
    ops = [("clear", INVALID_ATTR), ("set", set_bit)]
    finals = serial_results(start, ops)

    m = Model("flags-rmw")
    m.var(VAR, start)
    # the two contexts are named for what they do: in 9p they were a getattr reply
    # and writeback, in other filesystems any two CPUs updating one flags word
    m.thread(
        "clearer",
        list(flag_update(VAR, INVALID_ATTR, op="clear", atomic=atomic, what="INVALID_ATTR")),
        locals={"old": 0},
    )
    m.thread(
        "setter",
        list(flag_update(VAR, set_bit, op="set", atomic=atomic, what=set_name)),
        locals={"old": 0},
    )

    def serial(s: Any) -> bool:
        return s[VAR] in finals

    m.at_end("no-lost-bit", "concurrent flag updates never lose a bit", serial, reads=(VAR,))
    # Precondition of the race, reachable whatever the knobs: one context's update
    # has landed while the other's is still to come (two bits: the set landed first,
    # the clear is pending; one bit: the clear landed first, the set is pending).
    if two:
        pre = lambda s: bool(s[VAR] & set_bit) and bool(s[VAR] & INVALID_ATTR)  # noqa: E731
    else:
        pre = lambda s: s[VAR] == 0  # noqa: E731
    m.sometimes(
        "one-update-landed", "one context's update lands before the other's", pre, reads=(VAR,)
    )
    return m


SCENARIO = ScenarioSpec(
    id="flags-rmw",
    title="plain |= / &= ~ on a shared flags word",
    summary="concurrent non-atomic read-modify-write of a shared flags word",
    knobs={"atomic": ("no", "yes"), "bits": ("one", "two")},
    knob_docs={
        "atomic": (
            "no: the flags are changed with plain C compound assignments "
            "(x->flags |= F; x->flags &= ~F; __set_bit()), which compile to a "
            "load and a store; yes: set_bit()/clear_bit()/test_and_*_bit() "
            "(or the updates are all made under one spinlock)"
        ),
        "bits": (
            "one: both contexts change the same flag bit (a word with a single "
            "flag); two: they change different bits of the same word"
        ),
    },
    defaults={"atomic": "no", "bits": "two"},
    variants={
        "pre-patch": Variant(
            {"atomic": "no", "bits": "one"},
            {"no-lost-bit": "holds", "one-update-landed": "holds"},
            "9p before the seed: one flag (V9FS_INO_INVALID_ATTR) set and cleared "
            "with plain C; every interleaving equals a serial order",
        ),
        "two-bits-plain": Variant(
            {"atomic": "no", "bits": "two"},
            {"no-lost-bit": "violated", "one-update-landed": "holds"},
            "adding V9FS_INO_MTIME_UNCERTAIN without atomic bitops: the clear of "
            "INVALID_ATTR stores a stale copy and loses MTIME_UNCERTAIN",
        ),
        "seed-fix": Variant(
            {"atomic": "yes", "bits": "two"},
            {"no-lost-bit": "holds", "one-update-landed": "holds"},
            "the seed's patch: cache_validity becomes unsigned long with "
            "set_bit()/clear_bit()/test_bit()",
        ),
    },
    build=build,
    limits=(
        "one word, one clear and one set, sequentially consistent memory; "
        "KCSAN-style data races without a lost bit are not reported; the "
        "effect of a lost bit (a stale mtime or attribute cache) is not modelled"
    ),
)
