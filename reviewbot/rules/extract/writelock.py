"""Role "buffered write path" and the fact of the lockless-buffered-write scenario.

Role (structural): takes a ``struct kiocb *`` and a ``struct iov_iter *`` and reaches a
buffered write: a core primitive (``generic_perform_write``, ``iomap_file_buffered_write``,
...) or, through functions the patch shows, an extending ``i_size`` update
(``if (end > i_size) i_size_write(...)``).
Fact ``inode_lock``: walking from the outermost such function the patch shows, is the
inode lock taken on every path to the write (always), only when the write may extend the
file (extending_only), or not at all (never)?
"""

from __future__ import annotations

import re

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import Body, CallSite, dominates
from reviewbot.rules.extract.common import has_param

_PRIMS = frozenset(
    {
        "generic_perform_write",
        "iomap_file_buffered_write",
        "netfs_perform_write",
        "__generic_file_write_iter",
        "netfs_buffered_write_iter_locked",
        "generic_file_write_iter",
    }
)
_SHARED = re.compile(r"^(inode_lock_shared\w*|down_read\w*)$")


def _is_lock(call: CallSite) -> bool:
    if call.name in ("inode_lock", "inode_lock_nested", "inode_lock_killable"):
        return True
    return call.name.startswith("down_write") and any("i_rwsem" in a for a in call.args)


def _extends_size(body: Body) -> bool:
    return any(
        (c.name == "i_size_write" or c.name.endswith("_i_size_write"))
        and any(">" in g.cond for g in c.guards)
        for c in body.calls
    )


def _write_calls(view: SideView, body: Body, depth: int = 3) -> list[CallSite]:
    out = []
    for call in body.calls:
        if call.name in _PRIMS:
            out.append(call)
        elif depth and call.name in view.peers and view.peers[call.name] is not body:
            peer = view.peers[call.name]
            if _extends_size(peer) or _write_calls(view, peer, depth - 1):
                out.append(call)
    return out


def _direct(call: CallSite) -> bool:
    return any("IOCB_DIRECT" in g.cond and g.branch == "then" for g in call.guards)


def is_buffered_write(view: SideView) -> bool:
    if not (has_param(view, "struct kiocb") and has_param(view, "struct iov_iter")):
        return False
    return any(not _direct(c) for c in _write_calls(view, view.body)) or _extends_size(view.body)


def _root(view: SideView) -> tuple[str, Body]:
    """The outermost function of this side that calls (transitively) into this one."""
    name, body = view.name, view.body
    for _ in range(3):
        callers = [
            (n, b)
            for n, b in view.peers.items()
            if n != name and any(c.name == name for c in b.calls)
        ]
        if not callers:
            break
        name, body = callers[0]
    return name, body


def _state(
    view: SideView, name: str, body: Body, depth: int = 3
) -> tuple[str, str, tuple[int, ...]]:
    writes = [c for c in _write_calls(view, body) if not _direct(c)]
    locks = [c for c in body.calls if _is_lock(c)]
    if not writes:
        return ("", "", ())
    w = writes[0]
    if any(dominates(lk, w) for lk in locks):
        return ("always", f"{name}() takes the inode lock before {w.name}()", (locks[0].row,))
    if any(lk.byte < w.byte or lk.guards for lk in locks):
        return (
            "extending_only",
            f"{name}() takes the inode lock only on some paths "
            "(when the write may extend the file)",
            tuple(lk.row for lk in locks),
        )
    if any(_SHARED.match(c.name) for c in body.calls):
        return ("never", f"{name}() takes the inode lock shared only", (w.row,))
    if depth and w.name in view.peers:
        inner = _state(view, w.name, view.peers[w.name], depth - 1)
        if inner[0]:
            return inner
    if _unseen_bracket(view, body, w):
        return ("", "", ())  # the bracket may be the inode lock: not decided by this patch
    return ("never", f"{name}() reaches {w.name}() without taking the inode lock", (w.row,))


# "foo_start_io_write(inode)" ... "foo_end_io_write(inode)": a filesystem's own bracket
# around its I/O (nfs, ceph); what it takes is in a helper the patch may not show.
_OPEN = re.compile(r"^(\w*?)_?(start|begin)(_\w+)?$")
# The inode or its mapping itself, not one of their members.
_ON_INODE = re.compile(
    r"&?\w*inode|\w*mapping|\w+->(i|f)_mapping|&\w+->vfs_inode|file_inode\(\w+\)"
)


def _unseen_bracket(view: SideView, body: Body, write: CallSite) -> bool:
    """A start/end pair of calls on the inode around ``write`` whose bodies this side does
    not show: it can take the inode lock, so the write is not shown to run without it."""
    for opener in body.calls:
        m = _OPEN.match(opener.name)
        if not m or opener.byte >= write.byte or not opener.args or opener.name in view.peers:
            continue
        if not _ON_INODE.fullmatch(opener.args[0].strip()):
            continue  # sb_start_write(inode->i_sb) is freeze protection, not a lock
        closers = {
            f"{m.group(1)}{sep}{end}{m.group(3) or ''}"
            for sep in ("_", "")
            for end in ("end", "finish")
        }
        if any(
            c.name in closers and c.byte > write.byte and c.args[:1] == opener.args[:1]
            for c in body.calls
        ):
            return True
    return False


def inode_lock(view: SideView) -> Observed | None:
    name, body = _root(view)
    value, text, rows = _state(view, name, body)
    if not value:
        return None
    return Observed(
        value, text, rows if name == view.name else (), "" if name == view.name else name
    )


def _path_bodies(view: SideView) -> list[Body]:
    _name, body = _root(view)
    out: list[Body] = []
    todo = [body]
    while todo and len(out) < 6:
        b = todo.pop()
        if b in out:
            continue
        out.append(b)
        todo.extend(view.peers[c.name] for c in b.calls if c.name in view.peers)
    return out


def isize_update(view: SideView) -> Observed | None:
    """Is the extending i_size update done under the inode's i_lock spinlock?"""
    from reviewbot.rules.extract.flags import _locked

    for body in _path_bodies(view):
        for c in body.calls:
            if (c.name == "i_size_write" or c.name.endswith("_i_size_write")) and any(
                ">" in g.cond for g in c.guards
            ):
                if _locked(body, c.byte):
                    return Observed("i_lock", "the i_size compare and store run under a spinlock")
                return Observed("plain", "the i_size compare and store run without a lock")
    return None


_ACQUIRE = re.compile(r"^(\w+?)_(get|lock|lock_shared)$")
# Pairs that never exclude truncate: the inode lock itself (that is the inode_lock
# fact), spinlocks and mutexes on a field, folio/page locks, RCU.
_NOT_TRUNCATE = re.compile(r"^(inode|spin|raw_spin|mutex|folio|page|rcu_read|read|write)$")


def _writer_pair(view: SideView, body: Body) -> tuple[CallSite, CallSite] | None:
    """A lock on the inode (or its mapping) other than the inode lock, taken before this
    body's buffered write and released after it: ``foo_get(inode)`` ... ``foo_put(inode)``
    or ``foo_lock(mapping)`` ... ``foo_unlock(mapping)``."""
    writes = [c for c in _write_calls(view, body) if not _direct(c)]
    if not writes:
        return None
    w = writes[0]
    for acq in body.calls:
        m = _ACQUIRE.match(acq.name)
        if acq.byte >= w.byte or not m or _NOT_TRUNCATE.match(m.group(1)) or not acq.args:
            continue
        if not re.search(r"inode|mapping", acq.args[0]):
            continue
        release = {f"{m.group(1)}_put", f"{m.group(1)}_unlock", f"{m.group(1)}_unlock_shared"}
        for rel in body.calls:
            if rel.name in release and rel.byte > w.byte and rel.args[:1] == acq.args[:1]:
                return acq, rel
    return None


def truncate_excl(view: SideView) -> Observed | None:
    """Do writers hold, around the copy, a lock that truncate takes exclusively?

    ``filemap_invalidate_lock_shared()`` is that lock by definition (truncate and hole
    punching take it exclusive). A filesystem's own get/put or lock/unlock pair on the
    inode around the copy is read the same way: a writer-side lock on the inode other
    than the inode lock exists only to keep something (truncate, hole punching) out
    while the page cache is filled. The fact's text says which pair it rests on.
    """
    for body in _path_bodies(view):
        hits = body.calls_named({"filemap_invalidate_lock_shared"})
        if hits:
            return Observed(
                "pagecache_add_lock",
                "writers hold filemap_invalidate_lock_shared() (truncate takes it exclusive)",
                (hits[0].row,) if body is view.body else (),
            )
        pair = _writer_pair(view, body)
        if pair is not None:
            acq, rel = pair
            return Observed(
                "pagecache_add_lock",
                f"writers hold {acq.name}()/{rel.name}() on the inode around the copy, a "
                "lock other than the inode lock that keeps truncate out of the page cache",
                (acq.row, rel.row) if body is view.body else (),
            )
    name, root = _root(view)
    bodies = _path_bodies(view)
    if _is_entry(root) and any(_extends_size(b) for b in bodies):
        # The path from the ->write_iter entry down to the i_size update is on screen
        # and no writer-side lock is taken on it.
        return Observed(
            "none",
            f"from {name}() to the i_size update no lock but the inode lock keeps truncate out",
            decisive=False,
        )
    return None


def _is_entry(body: Body) -> bool:
    """Shaped like a ->write_iter: what the VFS calls, so nothing above it takes locks."""
    return bool(body.params) and all(
        any(t in p for p in body.params) for t in ("struct kiocb", "struct iov_iter")
    )
