"""Role "buffered write path" and the fact of the lockless-buffered-write scenario.

Role (structural): takes a ``struct kiocb *`` and a ``struct iov_iter *`` and reaches a
buffered write: a core primitive (``generic_perform_write``, ``iomap_file_buffered_write``,
...) or, through functions the patch shows, an extending ``i_size`` update
(``if (end > i_size) i_size_write(...)``).
Fact ``inode_lock``: walking from the outermost such function the patch shows, is the
inode lock taken on every path to the write (always), only when the write may extend the
file (extending_only), or not at all (never)? "The inode lock" is i_rwsem held exclusive,
taken directly or through a filesystem's wrapper (btrfs_inode_lock(), xfs_ilock() with
XFS_IOLOCK_EXCL, nfs/ceph/netfs_start_io_write()). A lock and a write in different hunks
are related only by what the shown lines prove; otherwise the fact is not read. "never"
needs every line from the function's opening brace to the write (or, for a hunk inside
the body, the other side taking the lock in that hunk: the unseen lines above are the
same on both sides and cannot already hold it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from reviewbot.diffparse.cparse import brace_balance
from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.context import view as side_view
from reviewbot.rules.cst import Body, CallSite, dominates, params_from_hint
from reviewbot.rules.extract.common import LOCKS, UNLOCKS, code, has_param

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


def _lock_mode(call: CallSite, body: Body) -> str:
    """How ``call`` takes the inode's i_rwsem: "excl", "shared", "unknown" (a wrapper that
    takes it, in a mode the patch does not show), or "" (not the inode lock)."""
    name = call.name
    if name in _EXCL:
        return "excl"
    if name in _SHARED_CALLS:
        return "shared"
    if name.startswith(("down_write", "down_read")):
        if not any("i_rwsem" in a for a in call.args):
            return ""
        return "excl" if name.startswith("down_write") else "shared"
    if name in _MODE_ARG:
        index, excl, shared = _MODE_ARG[name]
        if len(call.args) <= index:
            return "unknown"
        values = _values(call.args[index], body, call.byte)
        if values is None:
            return "unknown"
        as_shared = any(shared in v for v in values)
        as_excl = any(shared not in v if excl is None else excl in v for v in values)
        if as_shared and as_excl:
            return "unknown"  # exclusive on some paths, shared on others
        if as_shared:
            return "shared"
        # xfs_ilock(ip, XFS_ILOCK_EXCL) takes the inner inode lock, not i_rwsem
        return "excl" if as_excl else ""
    return ""


# Calls that take i_rwsem exclusive (include/linux/fs.h), and the filesystems' own I/O
# brackets that do: nfs_start_io_write() (fs/nfs/io.c), its copy ceph_start_io_write()
# (fs/ceph/io.c) and netfs_start_io_write() (fs/netfs/locking.c) down_write i_rwsem.
_EXCL = frozenset(
    {
        "inode_lock",
        "inode_lock_nested",
        "inode_lock_killable",
        "inode_trylock",
        "nfs_start_io_write",
        "ceph_start_io_write",
        "netfs_start_io_write",
    }
)
# Shared: readers and direct I/O, which do not keep buffered writers apart.
_SHARED_CALLS = frozenset(
    {
        "inode_lock_shared",
        "inode_lock_shared_nested",
        "inode_lock_shared_killable",
        "inode_trylock_shared",
        "nfs_start_io_read",
        "nfs_start_io_direct",
        "ceph_start_io_read",
        "ceph_start_io_direct",
        "netfs_start_io_read",
        "netfs_start_io_direct",
    }
)
# Wrappers whose mode is an argument: (argument index, flag meaning exclusive i_rwsem or
# None when exclusive is the default, flag meaning shared).
# btrfs_inode_lock() (fs/btrfs/inode.c) takes inode_lock() unless BTRFS_ILOCK_SHARED is
# passed (BTRFS_ILOCK_TRY makes it a trylock that returns -EAGAIN on failure).
# xfs_ilock() and friends (fs/xfs/xfs_inode.c, xfs_file.c): XFS_IOLOCK_EXCL/_SHARED is
# down_write/down_read of VFS_I(ip)->i_rwsem since the iolock became i_rwsem;
# XFS_ILOCK_* and XFS_MMAPLOCK_* are other locks.
_MODE_ARG: dict[str, tuple[int, str | None, str]] = {
    "btrfs_inode_lock": (1, None, "BTRFS_ILOCK_SHARED"),
    "xfs_ilock": (1, "XFS_IOLOCK_EXCL", "XFS_IOLOCK_SHARED"),
    "xfs_ilock_nowait": (1, "XFS_IOLOCK_EXCL", "XFS_IOLOCK_SHARED"),
    "xfs_ilock_iocb": (1, "XFS_IOLOCK_EXCL", "XFS_IOLOCK_SHARED"),
    "xfs_ilock_iocb_for_write": (1, "XFS_IOLOCK_EXCL", "XFS_IOLOCK_SHARED"),
}


def _values(arg: str, body: Body, before: int) -> list[str] | None:
    """What a mode argument can hold: the expression itself, or every value the body
    assigns to the variable before the call (None: no assignment is shown)."""
    arg = arg.strip().lstrip("&").strip()
    if not re.fullmatch(r"\w+", arg) or re.fullmatch(r"[A-Z0-9][A-Z0-9_]*", arg):
        return [arg]  # an expression or a constant, not a variable
    values = [
        a.right
        for a in body.assigns
        if a.byte < before and a.left.split() and a.left.split()[-1] == arg
    ]
    return values or None


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
    shape = has_param(view, "struct kiocb") and has_param(view, "struct iov_iter")
    if not (shape or _iter_param_cut(view)):
        return False
    return any(not _direct(c) for c in _write_calls(view, view.body)) or _extends_size(view.body)


def _iter_param_cut(view: SideView) -> bool:
    """``foo_write_iter(struct kiocb *iocb,`` with the rest of the parameter list not
    shown (git's @@ hint is one line, the body's text starts below it): a core primitive
    called with (iocb, from) says ``from`` is a struct iov_iter *, and a name the shown
    body does not declare can only be one of the parameters the hint cuts off."""
    hint = view.fn.header_hint
    if view.body.name or "(" not in hint or hint.count("(") <= hint.count(")"):
        return False
    shown = params_from_hint(hint.rstrip().rstrip(",") + ")")
    kiocb = next((p for p in shown if "struct kiocb" in " ".join(p.split())), "")
    name = re.search(r"(\w+)\s*$", kiocb)
    if name is None:
        return False
    text = code(view.fs.text)
    for call in view.body.calls:
        if call.name not in _PRIMS or len(call.args) < 2 or call.args[0].strip() != name[1]:
            continue
        arg = call.args[1].strip()
        if not re.fullmatch(r"[A-Za-z_]\w*", arg):
            continue
        if not re.search(rf"\b(?!return\b)\w+[\s*]+{arg}\s*(\[[^]]*\]\s*)?[;=,)]", text):
            return True  # not declared in the body: a parameter
    return False


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
    if not writes:
        return ("", "", ())
    w = writes[0]
    modes = {c: _lock_mode(c, body) for c in body.calls}
    locks = [c for c in body.calls if modes[c] == "excl"]
    run = _runs(view, body)
    # Rows of different hunks: the lines between them are not in the patch, so block
    # structure and order say nothing about what runs between the two calls.
    near = [lk for lk in locks if run is None or run(lk.row) == run(w.row)]
    far = [lk for lk in locks if lk.byte < w.byte and lk not in near]
    dom = [lk for lk in near if dominates(lk, w)] or _both_branches(near, w)
    if dom:
        return (
            "always",
            f"{name}() takes the inode lock{_how(dom[0])} before {w.name}()",
            (dom[0].row,),
        )
    top = next((lk for lk in far if _at_top(view, body, lk)), None)
    if top is not None:
        return (
            "always",
            f"{name}() takes the inode lock{_how(top)} at the top level of its body, before"
            f" {w.name}() in a later hunk (the lines between are not in the patch)",
            (top.row,),
        )
    if any(lk.byte < w.byte or lk.guards for lk in near):
        return (
            "extending_only",
            f"{name}() takes the inode lock only on some paths "
            "(when the write may extend the file)",
            tuple(lk.row for lk in locks),
        )
    cond = next((lk for lk in far if _guard_closes(body, lk, run)), None)
    if cond is not None:
        return (
            "extending_only",
            f"{name}() takes the inode lock only if {cond.guards[-1].cond}; {w.name}() is in"
            " a later hunk, after that test (the lines between are not in the patch)",
            (cond.row,),
        )
    if far or any(modes[c] == "unknown" and c.byte < w.byte for c in body.calls):
        return ("", "", ())  # taken before the write, but how is not shown: not decided
    shared = [c for c in body.calls if modes[c] == "shared" and c.byte < w.byte]
    if shared:
        # other writers hold it too: they are not kept apart (truncate still is)
        return (
            "never",
            f"{name}() takes the inode lock shared only ({shared[0].text}); the model "
            "has no shared mode and runs it as no lock, so its trace may let truncate "
            "in where the real lock keeps it out: the race to look at is between the "
            "writers",
            (w.row,),
        )
    if depth and w.name in view.peers:
        inner = _state(view, w.name, view.peers[w.name], depth - 1)
        if inner[0]:
            return inner
    if _unseen_bracket(view, body, w):
        return ("", "", ())  # the bracket may be the inode lock: not decided by this patch
    text = f"{name}() reaches {w.name}() without taking the inode lock"
    if _shown_from_start(view, body, w):
        return ("never", text, (w.row,))
    if _other_side_locks(view, body):
        return (
            "never",
            f"{text} in the lines shown; the lines above the hunk are the same on both "
            "sides, and they cannot hold the lock the other side takes in the hunk "
            "(i_rwsem is not recursive)",
            (w.row,),
        )
    return ("", "", ())  # the lock may be in the lines above the hunk: not shown


def _other_side_locks(view: SideView, body: Body) -> bool:
    """The other side of this function takes the inode lock exclusive, unconditionally,
    in the same hunk as its write: the unseen lines above, common to both sides, do not
    take it (a second inode_lock() would deadlock)."""
    if body is not view.body:
        return False
    other = side_view(view.fn, "after" if view.side == "before" else "before", view.other_peers)
    if other is None:
        return False
    writes = [c for c in _write_calls(other, other.body) if not _direct(c)]
    run = _runs(other, other.body)
    if not writes or run is None:
        return False
    w = writes[0]
    return any(
        _lock_mode(c, other.body) == "excl" and dominates(c, w) and run(c.row) == run(w.row)
        for c in other.body.calls
        if c.row >= 0
    )


def _shown_from_start(view: SideView, body: Body, write: CallSite) -> bool:
    """Every line from the function's opening brace to ``write`` is shown (or the whole
    function is): only then does the absence of a lock mean the function takes none."""
    if view.fs.complete:
        return True
    run = _runs(view, body)
    if run is None or write.row < 0 or run(write.row) != 0:
        return False  # a peer's fragments, or a hunk gap before the write
    lines = view.fs.text.split("\n")
    if body.name:  # the header is in the text: the body opens at its first "{"
        return "{" in "\n".join(lines[: write.row + 1])
    return bool(lines) and lines[0].startswith("{")  # a "{" in column 0 opens a body


def _runs(view: SideView, body: Body) -> Callable[[int], int] | None:
    """Which hunk a row of ``body`` comes from (one run of consecutive lines per hunk);
    None when that is not known (a peer's body: its line numbers are not at hand)."""
    if body is not view.body:
        return None
    numbers = view.fs.line_numbers
    if view.fs.complete or not numbers:
        return lambda _row: 0
    starts = [0] + [i for i in range(1, len(numbers)) if numbers[i] != numbers[i - 1] + 1]
    return lambda row: bisect_right(starts, row) - 1


def _how(lock: CallSite) -> str:
    """Name a wrapper: "takes the inode lock (btrfs_inode_lock())"."""
    return "" if lock.name.startswith("inode_") else f" ({lock.name}())"


def _both_branches(locks: list[CallSite], write: CallSite) -> list[CallSite]:
    """``if (nowait) { if (!inode_trylock()) return; } else inode_lock();``: a lock in the
    then part and one in the else part of the same test, which encloses the write."""
    for a in locks:
        for b in locks:
            if not (a.guards and b.guards) or a.byte >= write.byte or b.byte >= write.byte:
                continue
            ga, gb = a.guards[-1], b.guards[-1]
            prefix = a.guards[:-1]
            if (
                ga.cond == gb.cond
                and (ga.branch, gb.branch) == ("then", "else")
                and b.guards[:-1] == prefix
                and write.guards[: len(prefix)] == prefix
                and len(write.guards) >= len(prefix)
            ):
                return [a, b]
    return []


def _at_top(view: SideView, body: Body, lock: CallSite) -> bool:
    """The lock is a statement of the function's outermost block, and every line from the
    function's opening brace to it is shown with no goto: then it runs on every path to
    any later line of the function, whatever the hunks leave out after it."""
    if lock.guards or lock.in_condition or body is not view.body or lock.row < 0:
        return False
    lines = view.fs.text.split("\n")
    run = _runs(view, body)
    if run is None or run(lock.row) != 0:
        return False
    prefix = "\n".join(lines[: lock.row])
    if view.body.name:  # the header is shown: the body starts at its first "{"
        prefix = prefix.split("{", 1)[1] if "{" in prefix else ""
    elif not lines[0].startswith("{"):  # a "{" in column 0 opens a function body
        return False
    else:
        prefix = prefix[1:]
    closes, opens, _start, _end = brace_balance(code(prefix))
    if closes or opens or re.search(r"\bgoto\b", code(prefix)):
        return False
    # "while (x)\n\tinode_lock(inode);": the body of a loop head, not a statement of its own
    last = code(prefix).rstrip()
    if last and last[-1] not in ";{}:" and not last.splitlines()[-1].lstrip().startswith("#"):
        return False
    stmt = lines[lock.row].strip()
    return re.match(rf"(\w+\s*=\s*)?{re.escape(lock.name)}\s*\(", stmt) is not None


def _guard_closes(body: Body, lock: CallSite, run: Callable[[int], int] | None) -> bool:
    """A conditional lock whose ``if`` ends within its own hunk: code after the test,
    shown in the same hunk, runs whether or not the lock was taken."""
    if not lock.guards or run is None:
        return False
    same = run(lock.row)
    later = [
        c.guards for c in body.calls if c.byte > lock.byte and c.row >= 0 and run(c.row) == same
    ]
    later += [
        a.guards for a in body.assigns if a.byte > lock.byte and a.row >= 0 and run(a.row) == same
    ]
    return any(g[: len(lock.guards)] != lock.guards for g in later)


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


def _locked(body: Body, byte: int, run: Callable[[int], int] | None = None) -> bool:
    """A lock taken before ``byte`` in this body and not released before it (with ``run``:
    counting only calls of the same hunk as ``byte``'s row)."""
    depth = 0
    here = next((c.row for c in body.calls if c.byte == byte), -1)
    for c in body.calls:
        if c.byte >= byte:
            break
        if run is not None and run(c.row) != run(here):
            continue
        if LOCKS.match(c.name):
            depth += 1
        elif UNLOCKS.match(c.name) and depth:
            depth -= 1
    return depth > 0


def isize_update(view: SideView) -> Observed | None:
    """Is the extending i_size update done under the inode's i_lock spinlock?"""
    for body in _path_bodies(view):
        for c in body.calls:
            if (c.name == "i_size_write" or c.name.endswith("_i_size_write")) and any(
                ">" in g.cond for g in c.guards
            ):
                run = _runs(view, body)
                if run is not None and _locked(body, c.byte) != _locked(body, c.byte, run):
                    return None  # a lock or unlock in another hunk: what is held is not shown
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
        if _lock_mode(acq, body):
            continue  # btrfs_inode_lock() is the inode lock itself, not another lock
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
