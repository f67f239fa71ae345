"""Role "evict" and the fact of the evict-vs-async-io scenario.

Role (structural): registered as ``.evict_inode``, or tears an inode down by calling
``clear_inode()`` or ``truncate_inode_pages_final()``.
Fact ``wait_for_io``: every teardown call is dominated by a wait for outstanding I/O
(a core wait primitive, or a helper the patch shows that calls one).
"""

from __future__ import annotations

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import CallSite
from reviewbot.rules.extract.common import WAIT_PRIMS, expanded

_TEARDOWN = ("clear_inode", "truncate_inode_pages_final")


def _teardowns(view: SideView) -> list[CallSite]:
    for name in _TEARDOWN:
        calls = list(view.body.calls_named({name}))
        if calls:
            return calls
    return []


def is_evict(view: SideView) -> bool:
    return ".evict_inode" in view.fn.registered_as or bool(_teardowns(view))


def wait_for_io(view: SideView) -> Observed | None:
    teardowns = _teardowns(view)
    if not teardowns:
        return None
    waits = [(c, via) for c, via in expanded(view, view.body) if c.name in WAIT_PRIMS]
    from reviewbot.rules.cst import dominates

    missing = [t for t in teardowns if not any(dominates(w, t) for w, _ in waits)]
    first = teardowns[0].name
    if missing:
        t = missing[0]
        return Observed(
            "no",
            f"{view.name}() reaches {t.name}() without waiting for outstanding I/O",
            tuple(x.row for x in missing),
        )
    w, via = waits[0]
    name = f"{via}()" if via else f"{w.name}()"
    return Observed(
        "yes",
        f"{view.name}() waits with {name} before {first}()",
        tuple(x.row for x, _ in waits) + tuple(t.row for t in teardowns),
        via,
    )


def wait_at(view: SideView) -> Observed | None:
    """Where the wait sits: before truncate_inode_pages_final() or only before clear_inode()."""
    from reviewbot.rules.cst import dominates

    waits = [c for c, _via in expanded(view, view.body) if c.name in WAIT_PRIMS]
    truncs = list(view.body.calls_named({"truncate_inode_pages_final"}))
    if not waits or not truncs:
        return None
    if any(dominates(w, t) for w in waits for t in truncs):
        return Observed("before_truncate", f"the wait comes before {truncs[0].name}()", ())
    return Observed(
        "before_clear_inode", f"the wait comes after {truncs[0].name}(), before clear_inode()", ()
    )
