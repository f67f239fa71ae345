"""Vocabulary shared by the extractors: kernel core APIs (VFS, mm, iomap, netfs), never
one filesystem's own functions, plus small structural helpers."""

from __future__ import annotations

import re

from reviewbot.rules.context import SideView
from reviewbot.rules.cst import Body, CallSite

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
