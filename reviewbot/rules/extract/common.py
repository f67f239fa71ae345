"""Vocabulary shared by the extractors: kernel core APIs (VFS, mm, iomap, netfs), never
one filesystem's own functions, plus small structural helpers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from reviewbot.model import Side
from reviewbot.rules.context import SideView
from reviewbot.rules.cst import Body, CallSite, side_body

# Start writeback without waiting for it (mm/filemap.c).
FLUSH_START = frozenset(
    {
        "filemap_fdatawrite",
        "filemap_fdatawrite_range",
        "__filemap_fdatawrite_range",
        "__filemap_fdatawrite",
        "filemap_fdatawrite_wbc",
        "filemap_flush",
        "filemap_flush_range",
    }
)
# Start and wait, or wait for writeback already started.
FLUSH_WAIT = frozenset(
    {
        "filemap_write_and_wait",
        "filemap_write_and_wait_range",
        "file_write_and_wait",
        "file_write_and_wait_range",
        "filemap_fdatawait",
        "filemap_fdatawait_range",
        "filemap_fdatawait_keep_errors",
        "filemap_fdatawait_range_keep_errors",
        "sync_inode_metadata",
    }
)
# Waits for writeback already under way; on their own they push no dirty page out.
WAIT_ONLY = frozenset(
    {
        "filemap_fdatawait",
        "filemap_fdatawait_range",
        "filemap_fdatawait_keep_errors",
        "filemap_fdatawait_range_keep_errors",
    }
)
# Waits that let outstanding asynchronous work drain (include/linux/wait_bit.h, wait.h,
# completion.h, fs.h, netfs.h).
WAIT_PRIMS = frozenset(
    {
        "wait_var_event",
        "wait_var_event_killable",
        "wait_var_event_timeout",
        "wait_event",
        "wait_event_killable",
        "wait_event_timeout",
        "wait_event_interruptible",
        "wait_for_completion",
        "wait_for_completion_killable",
        # the same wait, bounded or interruptible: it still returns only once the
        # completion is signalled unless the timeout or a signal ends it
        "wait_for_completion_timeout",
        "wait_for_completion_killable_timeout",
        "wait_for_completion_interruptible",
        "wait_for_completion_io",
        "wait_on_bit",
        "inode_dio_wait",
        "netfs_wait_for_outstanding_io",
        "flush_workqueue",
        "drain_workqueue",
        "destroy_workqueue",  # drains the queue before freeing it (kernel/workqueue.c)
    }
)
# VFS superblock shutdown (fs/super.c): evicts every inode, then the caller frees its own
# state. A ->kill_sb calls one of these.
SB_SHUTDOWN = frozenset(
    {"kill_anon_super", "kill_block_super", "kill_litter_super", "generic_shutdown_super"}
)
FILL_KSTAT = frozenset({"generic_fillattr", "generic_fill_statx_attr"})
ATOMIC_BITOPS = frozenset(
    {
        "set_bit",
        "clear_bit",
        "change_bit",
        "test_and_set_bit",
        "test_and_clear_bit",
        "test_and_change_bit",
        "set_mask_bits",
        "clear_bit_unlock",
        "test_and_set_bit_lock",
        "atomic_or",
        "atomic_andnot",
        "atomic_long_or",
        "atomic_long_andnot",
    }
)
BIT_READS = frozenset({"test_bit"}) | ATOMIC_BITOPS
LOCKS = re.compile(r"^(spin_lock\w*|raw_spin_lock\w*|mutex_lock\w*|down_write\w*|write_lock\w*)$")
UNLOCKS = re.compile(r"^(spin_unlock\w*|raw_spin_unlock\w*|mutex_unlock|up_write|write_unlock\w*)$")


def expanded(view: SideView, body: Body, depth: int = 2) -> list[tuple[CallSite, str]]:
    """Calls of ``body`` with each call to a helper/macro the patch shows replaced by the
    helper's own calls (``via`` names the helper), at the helper call's position."""
    out: list[tuple[CallSite, str]] = []
    for call in body.calls:
        helper = view.peers.get(call.name) if depth > 0 else None
        if helper is not None and helper is not body:
            out.extend(
                (_retarget(call, c), via or call.name)
                for c, via in expanded(view, helper, depth - 1)
            )
        out.append((call, ""))
    return out


def _retarget(site: CallSite, inner: CallSite) -> CallSite:
    """A helper's inner call, placed where the helper is called."""
    return CallSite(
        name=inner.name,
        args=inner.args,
        text=inner.text,
        row=site.row,
        guards=site.guards + inner.guards,
        blocks=site.blocks,
        bare=site.bare,
        assigned_to=site.assigned_to,
        declaration=site.declaration,
        in_condition=site.in_condition,
        byte=site.byte,
        deref=site.deref,
    )


def has_param(view: SideView, type_text: str) -> str | None:
    """Name of the first parameter whose declaration contains ``type_text``."""
    for p in view.params:
        if type_text in " ".join(p.split()):
            m = re.search(r"(\w+)\s*(\[\s*\])?$", p)
            return m.group(1) if m else ""
    return None


def mentions(text: str, ident: str) -> bool:
    return re.search(rf"(?<![\w>.]){re.escape(ident)}\b", text) is not None


def field_of(left: str) -> str:
    """Last member name of an lvalue: ``v9inode->cache_validity`` -> ``cache_validity``."""
    m = re.search(r"(?:->|\.)\s*(\w+)\s*$", left)
    return m.group(1) if m else ""


def base_of(left: str) -> str:
    m = re.match(r"\s*&?\s*\(?\s*(\w+)", left)
    return m.group(1) if m else ""


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def code(text: str) -> str:
    """Text without comments (annotations and prose must not count as code)."""
    return _COMMENT.sub(" ", text)


# Core netfs/fscache library API (include/linux/netfs.h, include/linux/fscache.h): a
# call to one of them, or one of their types. A filesystem's own wrapper
# ("xx_fscache_...") is not core API and does not count by its name.
LIBRARY_CALL = re.compile(r"(?<![\w>.])((?:netfs|fscache)_\w+)\s*\(")
_LIBRARY_TYPE = re.compile(r"\bstruct\s+((?:netfs|fscache)_\w+)\b")
# A wait for an atomic count of outstanding requests to drain. i_dio_count is the VFS's
# direct-I/O count (what inode_dio_wait() waits on): direct I/O is not this machinery.
_COUNTER_WAITS = frozenset(
    {"wait_var_event", "wait_var_event_killable", "wait_var_event_timeout"}
    | {"wait_event", "wait_event_killable", "wait_event_timeout", "wait_event_interruptible"}
)
_COUNT_DRAINED = re.compile(
    r"(!\s*atomic(?:_long)?_read\s*\(|atomic(?:_long)?_read\s*\(.*\)\s*==\s*0)"
)


def async_machinery(view: SideView, waits: frozenset[str] = frozenset()) -> str | None:
    """What shows asynchronous requests that outlive their folios (netfs-style) here, or
    None: the evict-vs-async-io rule judges nothing without it.

    Looked for in the function (either side: the filesystem is the same before and
    after the patch), in the helpers it calls that the patch or --tree shows, and in the
    rest of its file as the patch shows it: a netfs/fscache library call or type, a
    wait for an atomic count of outstanding requests to drain, or (``waits``) a call to
    one of the given wait primitives."""
    sides = (view.fn.before, view.fn.after)
    texts = [code(s.text) for s in sides if s is not None]
    texts.append(code(view.file_text))
    for text in texts:
        m = LIBRARY_CALL.search(text) or _LIBRARY_TYPE.search(text)
        if m:
            return f"{m.group(1)}()" if m.group(0).endswith("(") else f"struct {m.group(1)}"
    for side in both_sides(view):
        found = _in_calls(side, waits)
        if found:
            return found
    return None


def both_sides(view: SideView) -> list[SideView]:
    other = view.fn.after if view.side == "before" else view.fn.before
    out = [view]
    if other is not None:
        side: Side = "after" if view.side == "before" else "before"
        out.append(
            SideView(fn=view.fn, side=side, fs=other, body=side_body(other), peers=view.other_peers)
        )
    return out


def _in_calls(view: SideView, waits: frozenset[str]) -> str | None:
    """Library calls and request-count waits in the function and the helpers it calls."""
    calls = expanded(view, view.body)
    for call, via in calls:
        if call.name in waits:
            return f"a wait for outstanding work ({via or call.name}())"
        if LIBRARY_CALL.match(f"{call.name}("):
            return f"{call.name}() (in {via}())" if via else f"{call.name}()"
        drains = _COUNT_DRAINED.search(" ".join(call.args[1:]))
        if call.name in _COUNTER_WAITS and "i_dio_count" not in call.text and drains:
            return f"a wait for a request count to drain ({via or call.name}())"
    for via in dict.fromkeys(via for _c, via in calls if via):
        helper = view.peers.get(via)
        m = _LIBRARY_TYPE.search(code(helper.text)) if helper is not None else None
        if m:
            return f"struct {m.group(1)} (in {via}())"
    return None


# --------------------------------------------------------------- what the patch shows
# (evict and kill-sb: "no wait" is read from code only where the code is shown)


def contiguous(view: SideView, first: int, last: int) -> bool:
    """The side shows every line from row ``first`` to row ``last`` (no hunk gap)."""
    lines = [view.line_of(r) for r in range(first, last + 1)]
    if any(ln is None for ln in lines):
        return False
    return all(b == a + 1 for a, b in itertools.pairwise(lines))  # type: ignore[operator]


def shown_from_start(view: SideView, row: int) -> bool:
    """Every line from the function's opening to ``row`` is shown (or the whole function
    is): only then can the absence of a wait be read as "no". A hunk that starts lower
    down may hide a wait above it."""
    if view.fs.complete:
        return True
    opens = bool(view.body.name) or view.fs.text.startswith("{")  # "{" in column 0
    return opens and row >= 0 and contiguous(view, 0, row)


def unseen(view: SideView, shown: bool, hidden: CallSite | None) -> str:
    """What a "no" read from the lines shown could not see, for the fact's text."""
    if not shown:
        first = view.line_of(0)
        above = f" above line {first}" if first is not None else " above them"
        return f" in the lines shown (those{above} are not)"
    if hidden is not None:
        return f" in the lines shown (what {hidden.name}() does is not)"
    return ""


def patch_moves_a_wait(
    view: SideView,
    names: frozenset[str],
    waits_of: Callable[[SideView], list[tuple[CallSite, str]]],
) -> bool:
    """A line the patch adds or removes in this function waits: a call of ``names``
    (directly, or through a helper the patch shows, per ``waits_of``), or the line's
    text calls one (a wait added under #if 0 is touched too)."""
    for side in both_sides(view):
        kind = "added" if side.side == "after" else "removed"
        if any(side.kind_of(w.row) == kind for w, _via in waits_of(side)):
            return True
    pattern = re.compile(rf"(?<![\w>.])({'|'.join(sorted(names))})\s*\(")
    for fs, kind in ((view.fn.before, "removed"), (view.fn.after, "added")):
        if fs is None:
            continue
        for line, k in zip(fs.text.split("\n"), fs.line_kinds, strict=False):
            if k == kind and pattern.search(code(line)):
                return True
    return False
