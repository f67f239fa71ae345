"""Role "evict" and the facts of the evict-vs-async-io scenario.

Role (structural): registered as ``.evict_inode``, or tears an inode down by calling
``clear_inode()`` or ``truncate_inode_pages_final()``.

The scenario models netfs-style asynchronous requests: a read or writeback request that
unlocks its folios and only later, at completion, drops what it still holds of the inode
(its fid, the inode itself). The facts below are only read where the code shows that
machinery (``machinery()``); a block filesystem's eviction, whose I/O holds nothing of
the sort, is none of this rule's business and stays undecided, so the rule is quiet.

Fact ``wait_for_io``: clear_inode() is reached only after a wait for outstanding I/O
(a core wait primitive, or a helper the patch shows that calls one). clear_inode() is
where the model's completion loses the inode; a wait before or right after
truncate_inode_pages_final() comes before it (clear_inode() may not run while the inode
still has page cache, so it never precedes that call). "No" is read only from lines
shown from the function's start, with no call before the teardown handing the inode to
a function nobody read; or where the patch adds or removes a wait (rule.yaml).
"""

from __future__ import annotations

import re
from dataclasses import replace

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import CallSite, branches, dominates
from reviewbot.rules.extract.common import (
    LIBRARY_CALL,
    WAIT_PRIMS,
    async_machinery,
    base_of,
    contiguous,
    expanded,
    mentions,
    patch_moves_a_wait,
    shown_from_start,
    unseen,
)

_CLEAR = "clear_inode"
_TRUNC = "truncate_inode_pages_final"
_TEARDOWN = (_CLEAR, _TRUNC)


def _teardowns(view: SideView) -> list[CallSite]:
    for name in _TEARDOWN:
        calls = list(view.body.calls_named({name}))
        if calls:
            return calls
    return []


def is_evict(view: SideView) -> bool:
    return ".evict_inode" in view.fn.registered_as or bool(_teardowns(view))


def machinery(view: SideView) -> str | None:
    """What shows netfs-style asynchronous requests here (``common.async_machinery``)."""
    return async_machinery(view)


def _follows(first: CallSite, later: CallSite) -> bool:
    """``later`` runs whenever ``first`` has run: it comes after it in the same block or
    an enclosing one, under no condition ``first`` is not under."""
    if later.byte <= first.byte:
        return False
    fb, lb = branches(first), branches(later)
    if len(lb) > len(fb) or fb[: len(lb)] != lb:
        return False
    n = len(later.guards)
    return n <= len(first.guards) and first.guards[:n] == later.guards


def _waits(view: SideView) -> list[tuple[CallSite, str]]:
    return [(c, via) for c, via in expanded(view, view.body) if c.name in WAIT_PRIMS]


def _named(wait: tuple[CallSite, str]) -> str:
    c, via = wait
    return f"{via}()" if via else f"{c.name}()"


def _after_truncate(
    view: SideView, trunc: CallSite, waits: list[tuple[CallSite, str]]
) -> tuple[CallSite, str] | None:
    """A wait that runs right after ``trunc`` with every line in between shown, so that
    no clear_inode() can hide between them."""
    for w in waits:
        if _follows(trunc, w[0]) and contiguous(view, trunc.row, w[0].row):
            return w
    return None


def wait_for_io(view: SideView) -> Observed | None:
    clears = list(view.body.calls_named({_CLEAR}))
    truncs = list(view.body.calls_named({_TRUNC}))
    if not (clears or truncs) or machinery(view) is None:
        return None
    waits = _waits(view)
    if clears:
        missing = [t for t in clears if not any(dominates(w, t) for w, _ in waits)]
        if not missing:
            w = next(w for w in waits if dominates(w[0], clears[0]))
            return Observed(
                "yes",
                f"{view.name}() waits with {_named(w)} before {_CLEAR}()",
                tuple(x.row for x, _ in waits) + tuple(t.row for t in clears),
                w[1],
            )
        return _no_if_shown(view, missing[0], tuple(x.row for x in missing), waits)
    # clear_inode() is not shown: judge what is shown around truncate_inode_pages_final()
    trunc = truncs[0]
    before = [w for w in waits if dominates(w[0], trunc)]
    if before:
        return Observed(
            "yes",
            f"{view.name}() waits with {_named(before[0])} before {_TRUNC}()",
            (*(x.row for x, _ in waits), trunc.row),
            before[0][1],
        )
    after = _after_truncate(view, trunc, waits)
    if after is not None:
        return Observed(
            "yes",
            f"{view.name}() waits with {_named(after)} right after {_TRUNC}(), before {_CLEAR}()",
            (after[0].row, trunc.row),
            after[1],
        )
    if any(w.byte > trunc.byte for w, _ in waits):
        return None  # a wait later on, past lines the patch does not show: undecided
    return _no_if_shown(view, trunc, (trunc.row,), waits)


def _opaque(view: SideView, target: CallSite) -> CallSite | None:
    """A call before ``target`` to a function the patch does not show, handed the inode
    or state read from it: it may wait itself (afs_drain_io(vnode)), so a "no" would
    rest on code nobody read. Core primitives the rules know (waits, netfs/fscache
    library calls, the teardown itself) are read, not opaque."""
    inode = _first_param(view)
    if not inode:
        return None
    earlier = [a for a in view.body.assigns if a.byte < target.byte]
    derived = {inode} | {base_of(a.left) for a in earlier if mentions(a.right, inode)}
    for c in view.body.calls:
        if c.byte >= target.byte or c.in_condition or c.name in WAIT_PRIMS | set(_TEARDOWN):
            continue
        if c.name in view.peers or not re.fullmatch(r"\w+", c.name):
            continue  # shown (read through ``expanded``), or an indirect call
        if LIBRARY_CALL.match(f"{c.name}("):
            continue
        if any(mentions(arg, d) for arg in c.args for d in derived if d):
            return c
    return None


def _first_param(view: SideView) -> str:
    for p in view.params:
        m = re.search(r"(\w+)\s*$", p)
        if m and "inode" in p:
            return m.group(1)
    return ""


def _no_if_shown(
    view: SideView, target: CallSite, rows: tuple[int, ...], waits: list[tuple[CallSite, str]]
) -> Observed | None:
    """``_no`` only where the code shows it: everything from the function's start to
    ``target`` is shown and nothing there hands the inode to a function nobody read.
    Otherwise the fact is not shown (None): it takes the rule's default, and the
    sensitivity check says whether the verdict rests on it."""
    hidden = _opaque(view, target)
    shown = shown_from_start(view, target.row)
    if shown and hidden is None:
        return _no(view, target, rows, waits)
    if patch_moves_a_wait(view, WAIT_PRIMS, _waits):
        # the patch adds or removes a wait in this function: what it shows around that
        # change is what the patch is about, read as written, saying what was not shown
        obs = _no(view, target, rows, waits)
        note = unseen(view, shown, hidden)
        return replace(obs, text=obs.text + note, partial=bool(note))
    return None


def _no(
    view: SideView, target: CallSite, rows: tuple[int, ...], waits: list[tuple[CallSite, str]]
) -> Observed:
    """A "no", naming a wait that is there but does not cover ``target`` (it comes too late,
    or only on some paths), and resting the fact on it too: a patch that adds such a
    wait has touched what this rule is about."""
    text = f"{view.name}() reaches {target.name}() without waiting for outstanding I/O"
    if waits:
        w = waits[0]
        how = (
            f"comes only after {target.name}(), too late"
            if w[0].byte > target.byte
            else f"does not run on every path to {target.name}()"
        )
        text += f": its {_named(w)} {how}"
    return Observed("no", text, rows + tuple(w.row for w, _ in waits))


def wait_at(view: SideView) -> Observed | None:
    """Where the wait sits: before truncate_inode_pages_final() or only before clear_inode()."""
    waits = _waits(view)
    truncs = list(view.body.calls_named({_TRUNC}))
    if not waits or not truncs:
        return None
    if any(dominates(w, t) for w, _ in waits for t in truncs):
        return Observed("before_truncate", f"the wait comes before {_TRUNC}()", ())
    clears = list(view.body.calls_named({_CLEAR}))
    if clears:
        between = [w for w, _ in waits if dominates(w, clears[0]) and w.byte > truncs[0].byte]
        if not between:
            return None  # no wait before clear_inode(): where it would sit is moot
    elif _after_truncate(view, truncs[0], waits) is None:
        return None
    return Observed("before_clear_inode", f"the wait comes after {_TRUNC}(), before {_CLEAR}()", ())
