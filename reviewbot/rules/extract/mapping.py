"""Roles over cached block mappings and the facts of two scenarios.

"map_blocks" (writeback-stale-mapping): the function keeps a cached iomap between calls
(a ``struct iomap_writepage_ctx *`` parameter, or ``->iomap.`` fields it reads) and
returns early when the offset still falls inside the cached range.
Fact ``validity_cookie``: a cookie/sequence is stored with the mapping and re-checked on
that early-return path.

"write_begin" (unwritten-zero-fill): hands a locked folio back to the caller (a
``struct folio **``/``struct page **`` parameter) and uses an iomap.
Fact ``revalidate``: after the folio is obtained, a validity hook or cookie comparison
decides whether to back out.
"""

from __future__ import annotations

import re

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import Body, CallSite, CondSite
from reviewbot.rules.extract.common import code, has_param

_RANGE = re.compile(r"iomap\s*\.\s*(offset|length)|iomap->(offset|length)")
_COOKIE = re.compile(r"validity_cookie|\b\w*seq\b")
_COMPARE = re.compile(r"(validity_cookie|\w*seq)\s*[!=]=|[!=]=\s*(READ_ONCE|\w+->\w*seq)")
_FILLS = re.compile(r"&\s*\w+->iomap\b|\biomap\s*\.\s*\w+\s*=[^=]|\biomap->\w+\s*=[^=]")


def _reuse_checks(view: SideView) -> list[tuple[CondSite, Body | None, str]]:
    """Early returns that reuse the cached mapping: (condition, helper body, helper name)."""
    out: list[tuple[CondSite, Body | None, str]] = []
    ctx = has_param(view, "struct iomap_writepage_ctx") or "\0"
    for cond in view.body.conds:
        if not cond.exits:
            continue
        if _RANGE.search(cond.text):
            out.append((cond, None, ""))
            continue
        for call in view.body.calls:
            if call.in_condition and call.byte > cond.byte and call.text in cond.text:
                helper = view.peers.get(call.name)
                if helper is not None and _RANGE.search(code(helper.text)):
                    out.append((cond, helper, call.name))
                elif helper is None and any("iomap" in a or a == ctx for a in call.args[:1]):
                    out.append((cond, None, call.name))
                break
    return out


def is_map_blocks(view: SideView) -> bool:
    text = code(view.body.text)
    ctx = has_param(view, "struct iomap_writepage_ctx") is not None or "->iomap." in text
    return ctx and bool(_FILLS.search(text)) and bool(_reuse_checks(view))


def validity_cookie(view: SideView) -> Observed | None:
    checks = _reuse_checks(view)
    if not checks:
        return None
    stored = [
        a
        for a in view.body.assigns
        if (_COOKIE.search(a.left) and "READ_ONCE" in a.right + a.left)
        or a.left.endswith("validity_cookie")
    ]
    cond, helper, hname = checks[0]
    where = f"{hname}()" if hname else f"{view.name}()"
    if helper is not None:
        checked = bool(_COMPARE.search(code(helper.text)))
    elif hname:
        # A helper the patch does not show decides reuse: trust it only if a cookie is stored.
        checked = bool(stored)
    else:
        checked = bool(_COMPARE.search(cond.text))
    rows = (cond.row, *(a.row for a in stored))
    if stored and checked:
        return Observed(
            "yes",
            f"{view.name}() stores a validity cookie and {where} re-checks it "
            "before reusing the cached mapping",
            rows,
            hname,
        )
    what = "stores no validity cookie" if not stored else "stores a cookie that is never re-checked"
    return Observed(
        "no",
        f"{view.name}() reuses the cached mapping when the offset is in range; it {what}",
        rows,
        hname,
    )


_FOLIO_GET = frozenset(
    {
        "__filemap_get_folio",
        "filemap_get_folio",
        "iomap_get_folio",
        "grab_cache_page_write_begin",
        "folio_lock",
        "lock_page",
        "filemap_lock_folio",
        "__iomap_get_folio",
    }
)


def is_write_begin(view: SideView) -> bool:
    hands_back = any(re.search(r"struct\s+(folio|page)\s*\*\s*\*", p) for p in view.params)
    return hands_back and "iomap" in code(view.body.text)


def _checks(view: SideView) -> tuple[list[tuple[int, str]], list[tuple[int, str]], int | None]:
    """Validity checks of the cached iomap after and before the folio is obtained."""
    gets = [c for c in view.body.calls if c.name in _FOLIO_GET or c.name.endswith("get_folio")]
    start = gets[0].byte if gets else -1
    exits = [c for c in view.body.conds if c.exits]
    found: list[tuple[int, int, str]] = []
    for call in view.body.calls:
        hook = "->" in call.name or "valid" in call.name
        if hook and any("iomap" in a for a in call.args):
            target = call.assigned_to or ""
            if call.in_condition or any(target and target in c.text for c in exits):
                found.append((call.byte, call.row, f"{call.name}()"))
    for cond in exits:
        if "validity_cookie" in cond.text:
            found.append((cond.byte, cond.row, "a validity cookie comparison"))
    after = [(row, what) for byte, row, what in found if byte > start]
    before = [(row, what) for byte, row, what in found if byte <= start] if gets else []
    return after, before, gets[0].row if gets else None


def revalidate(view: SideView) -> Observed | None:
    after, before, get_row = _checks(view)
    if after:
        row, what = after[0]
        return Observed(
            "yes",
            f"{view.name}() re-validates the cached iomap with {what} after locking the folio",
            (row,),
        )
    if before:
        row, what = before[0]
        return Observed(
            "yes",
            f"{view.name}() checks the cached iomap with {what}, but before the folio is locked",
            (row,),
        )
    anchor = (get_row,) if get_row is not None else ()
    return Observed(
        "no",
        f"{view.name}() uses the cached iomap after locking the folio without re-validating it",
        anchor,
    )


def revalidate_at(view: SideView) -> Observed | None:
    after, before, _row = _checks(view)
    if after:
        return Observed("after_folio_lock", "the check follows the folio lock")
    if before:
        return Observed("before_folio_lock", "the check precedes the folio lock")
    return None


_ONE_BLOCK = re.compile(r"s_blocksize\b|i_blocksize\s*\(|^\s*1\s*<<\s*[\w>.-]*blkbits\s*$")
_NOT_LOOKUP = frozenset({"READ_ONCE", "WRITE_ONCE", "smp_rmb", "smp_wmb"})


def _map_calls(view: SideView) -> list[CallSite]:
    """Calls that fill the cached mapping (they are handed the iomap)."""
    return [c for c in view.body.calls if any(re.search(r"&\s*\w+->iomap\b", a) for a in c.args)]


def map_extent(view: SideView) -> Observed | None:
    """Does each call map exactly one block (nothing to reuse), or a longer extent?"""
    if not _reuse_checks(view):
        return None
    calls = _map_calls(view)
    if not calls:
        return None
    call = calls[-1]
    if any(_ONE_BLOCK.search(a) for a in call.args):
        return Observed("block", f"{call.name}() maps exactly one block per call", (call.row,))
    return Observed("multi", f"{call.name}() maps a multi-block extent", (call.row,))


def cookie_order(view: SideView) -> Observed | None:
    """Is the cookie sampled before the mapping is looked up, or after?"""
    stores = [a for a in view.body.assigns if a.left.endswith("validity_cookie")]
    checks = _reuse_checks(view)
    if not stores or not checks:
        return None
    start = checks[0][0].byte
    lookups = [
        c
        for c in view.body.calls
        if c.byte > start and not c.in_condition and c.name not in _NOT_LOOKUP
    ]
    if not lookups:
        return None
    if stores[0].byte < lookups[0].byte:
        return Observed("before_lookup", f"the cookie is sampled before {lookups[0].name}()")
    return Observed("after_lookup", f"the cookie is sampled after {lookups[0].name}()")
