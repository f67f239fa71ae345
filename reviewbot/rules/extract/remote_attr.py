"""Role "remote getattr" and the facts of the getattr-writeback scenario.

Role (structural): the function fills a ``struct kstat`` (calls ``generic_fillattr`` or
assigns through a ``struct kstat *`` parameter, or is registered as ``.getattr``) and asks
a server for attributes: a call whose result ``st`` is then handed, with the inode, to
another call that applies it ("request + apply"), or a call taking the inode after a
writeback flush has been started.
"""

from __future__ import annotations

import re

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import Body, CallSite
from reviewbot.rules.extract.common import (
    FILL_KSTAT,
    FLUSH_START,
    FLUSH_WAIT,
    WAIT_ONLY,
    code,
    expanded,
    has_param,
    mentions,
)

# The inode itself (not one of its members: "inode->i_mapping" is not "the inode"), or
# the dentry or path that names it.
_INODE = re.compile(
    r"\b(inode\b(?!\s*->)|d_inode\s*\(|d_inode\b|->d_inode\b|file_inode\s*\(|dentry\b(?!\s*->))"
)
_FORCE = "AT_STATX_FORCE_SYNC"
_DONT = "AT_STATX_DONT_SYNC"


def _fills_kstat(view: SideView) -> bool:
    if ".getattr" in view.fn.registered_as:
        return True
    if view.body.calls_named(FILL_KSTAT):
        return True
    stat = has_param(view, "struct kstat")
    return bool(stat) and any(a.left.startswith(f"{stat}->") for a in view.body.assigns)


_DERIVED = re.compile(
    r"^\w+\(\s*(inode|d_inode\([^()]*\)|file_inode\([^()]*\))\s*\)$|^container_of\(\s*inode\b"
)


def _inode_like(view: SideView) -> re.Pattern[str]:
    """Arguments that reach the inode: inode, d_inode(...), or a local converted from it
    (``ei = EXAMPLEFS_I(inode)``, ``vnode = AFS_FS_I(inode)``)."""
    names = set()
    for a in view.body.assigns:
        left = a.left.split()[-1] if a.left.split() else ""
        if re.fullmatch(r"\w+", left) and _DERIVED.search(a.right.strip()):
            names.add(left)
    extra = "|".join(rf"\b{re.escape(n)}\b" for n in sorted(names))
    return re.compile(_INODE.pattern + (f"|{extra}" if extra else ""))


def request_call(view: SideView) -> tuple[CallSite, CallSite | None] | None:
    """The call that fetches attributes from the server, and the call applying them."""
    inode = _inode_like(view)
    calls = [c for c in view.body.calls if c.name not in FILL_KSTAT | FLUSH_START | FLUSH_WAIT]
    for req in calls:
        target = req.assigned_to
        if not target or not re.fullmatch(r"\w+", target) or _INODE.search(target):
            continue  # "inode = d_inode(dentry)" fetches nothing from a server
        for app in calls:
            if app.byte <= req.byte or len(app.args) < 2:
                continue
            others = [a for a in app.args if not re.search(rf"\b{re.escape(target)}\b", a)]
            if any(a.strip() == target for a in app.args) and any(inode.search(a) for a in others):
                return req, app
    flushes = [c for c, _ in expanded(view, view.body) if c.name in FLUSH_START | FLUSH_WAIT]
    if flushes:
        first = min(f.byte for f in flushes)
        after = [
            c
            for c in calls
            if c.byte > first
            and not (c.deref or c.in_condition)
            and any(inode.search(a) for a in c.args)
            and not _is_flush_helper(view, c)
        ]
        # "apply(st, inode, ...)" with the request itself outside the hunks comes first;
        # otherwise the first call that takes the inode or its dentry.
        for call in after:
            reply = [
                a for a in call.args if re.fullmatch(r"\w+", a.strip()) and not inode.search(a)
            ]
            if reply and len(call.args) >= 2:
                return call, call
        if after:
            return after[0], None
    return None


def _is_flush_helper(view: SideView, call: CallSite) -> bool:
    body = view.peers.get(call.name)
    return body is not None and bool(body.calls_named(FLUSH_START | FLUSH_WAIT))


# A ->getattr's signature: (idmap or user namespace, const struct path *, struct kstat *,
# u32 request_mask, unsigned int flags); the hunk header often shows only its first line.
_PATH_PARAM = re.compile(r"\bconst\s+struct\s+path\s*\*")
_STATX_BIT = re.compile(r"\bSTATX_[A-Z_]+\b")


def _answers_statx(view: SideView) -> bool:
    """Shaped as a ->getattr: takes the ``const struct path *`` and tests the request's
    ``STATX_*`` bits, even when the hunk shows neither the kstat nor generic_fillattr()."""
    signature = " ".join(view.params) + " " + view.fn.header_hint
    return bool(_PATH_PARAM.search(signature)) and bool(_STATX_BIT.search(code(view.body.text)))


def _flushes_first(view: SideView) -> bool:
    """Writeback is started or waited for on the default path: a getattr does that only so
    that the server it asks next has seen the local writes (a local filesystem's stat needs
    no flush), so the request itself may lie outside the hunks."""
    force = _force_vars(view.body)
    return any(
        c.name in FLUSH_START | FLUSH_WAIT and _on_default_path(c, force)
        for c, _via in expanded(view, view.body)
    )


def is_remote_getattr(view: SideView) -> bool:
    if _fills_kstat(view) and request_call(view) is not None:
        return True
    return _answers_statx(view) and request_call(view) is None and _flushes_first(view)


def _force_vars(body: Body) -> set[str]:
    names = {_FORCE}
    for a in body.assigns:
        if _FORCE in a.right:
            names.add(a.left.split()[-1])
    return names


def _on_default_path(call: CallSite, force: set[str]) -> bool:
    """False if only a FORCE_SYNC or DONT_SYNC request reaches this call."""
    for g in call.guards:
        forced = any(mentions(g.cond, f) for f in force)
        negated = g.cond.startswith("!")
        if forced and (g.branch == "then") != negated:
            return False
        if _DONT in g.cond and g.branch == "then" and not negated:
            return False
    return True


def flush(view: SideView) -> Observed | None:
    found = request_call(view)
    req = found[0] if found else None
    force = _force_vars(view.body)
    kinds: list[tuple[str, CallSite, str]] = []
    for call, via in expanded(view, view.body):
        if req is not None and call.byte >= req.byte:
            continue
        if not _on_default_path(call, force):
            continue
        started = any(k[0] == "fdatawrite" for k in kinds)
        if call.name in WAIT_ONLY and not started:
            kinds.append(("wait-only", call, via))  # waits, but pushes no dirty page out
        elif call.name in FLUSH_WAIT:
            kinds.append(("write_and_wait", call, via))
        elif call.name in FLUSH_START:
            kinds.append(("fdatawrite", call, via))
    if all(k[0] == "wait-only" for k in kinds):
        if req is None and not kinds and not view.fs.complete:
            return None  # fragments: the flush may be in lines the patch does not show
        rows = tuple(c.row for _k, c, _v in kinds) or ((req.row,) if req else ())
        if kinds:
            what = f"only waits for writeback already under way ({kinds[0][1].name}())"
        elif req is None:
            # the whole function was read (--tree): no flush call is a fact, not a gap
            what = "starts no writeback and waits for none anywhere in its body"
        else:
            what = "does not flush"
        asks = f" before asking the server ({req.name}())" if req else ""
        return Observed(
            "none",
            f"{view.name}() {what}{asks}: dirty pages stay local",
            rows,
            decisive=False,  # a getattr that never flushes is the size rule's business
        )
    kinds = [k for k in kinds if k[0] != "wait-only"]
    waits = [k for k in kinds if k[0] == "write_and_wait"]
    kind, call, via = waits[-1] if waits else kinds[0]
    how = f" (through {via}())" if via else ""
    req_text = f" before {req.name}()" if req else ""
    if kind == "write_and_wait":
        text = f"{view.name}() waits for writeback with {call.name}(){how}{req_text}"
    else:
        text = f"{view.name}() starts writeback with {call.name}(){how} and does not wait{req_text}"
    return Observed(kind, text, tuple(c.row for _k, c, _v in kinds), via)


_SIZE_CALLS = frozenset({"i_size_write", "truncate_setsize", "netfs_resize_file"})


def _size_writes(body: Body) -> list[CallSite]:
    return [c for c in body.calls if c.name in _SIZE_CALLS or c.name.endswith("_i_size_write")]


def _classify(body: Body, app: CallSite | None) -> tuple[str, str, tuple[int, ...]]:
    """How a body applies the server's size: overwrite / keep / compare_remote."""
    worst = ""
    why = ""
    rows: list[int] = []
    for w in _size_writes(body):
        conds = [g.cond for g in w.guards]
        # A guard variable set under a comparison ("set_size = true" after "== remote_i_size").
        guard_vars = {c.strip("!") for c in conds if re.fullmatch(r"!?\w+", c)}
        compared = any("remote_i_size" in c for c in conds) or any(
            "remote_i_size" in c.text for c in body.conds if guard_vars
        )
        flag = next((re.search(r"!\s*\(\s*\w+\s*&\s*(\w+)", c) for c in conds if "!" in c), None)
        local = any(re.search(r"i_size_read|->i_size\b", c) for c in conds)
        cached = any(
            re.search(
                r"mapping_tagged|PAGECACHE_TAG_(DIRTY|WRITEBACK)|nrpages|"
                r"mapping_empty|filemap_range_has_page",
                c,
            )
            for c in conds
        )
        if compared:
            kind, reason = (
                "compare_remote",
                "only when the server's size differs from remote_i_size",
            )
        elif local:
            kind, reason = "keep", "only when it grows the local i_size"
        elif cached:
            kind, reason = "keep", "only when the page cache holds no dirty or writeback data"
        elif flag is not None:
            passed = app is not None and any(flag.group(1) in a for a in app.args)
            kind = "keep" if passed else "overwrite"
            reason = f"unless {flag.group(1)} is passed" + (
                " (it is)" if passed else " (it is not)"
            )
        else:
            kind, reason = "overwrite", "unconditionally"
        rank = {"compare_remote": 0, "keep": 1, "overwrite": 2}
        rows.append(w.row)
        if not worst or rank[kind] > rank[worst]:
            worst, why = kind, f"{w.name}() {reason}"
    return worst, why, tuple(rows)


def size_update(view: SideView) -> Observed | None:
    found = request_call(view)
    if found is None:
        return None
    _req, app = found
    kind, why, rows = _classify(view.body, app)
    if kind:
        return Observed(kind, f"{view.name}() sets i_size from the reply: {why}", rows)
    if app is not None and app.name in view.peers:
        peer = view.peers[app.name]
        kind, why, _rows = _classify(peer, app)
        if kind:
            return Observed(
                kind,
                f"{app.name}() sets i_size from the server's reply: {why}"
                + _untested_flags(view.name, app, peer),
                (app.row,),
                app.name,
            )
    return None


# A flag passed as a value; "x & FLAG" is a test of the caller's own state, not one.
_FLAG_ARG = re.compile(r"(?<![&|]\s)(?<![&|])\b[A-Z][A-Z0-9]*_[A-Z0-9_]{3,}\b")


def _untested_flags(caller: str, app: CallSite, peer: Body) -> str:
    """Flags the caller passes that the callee's visible code never looks at: a
    maintainer reading the call would otherwise assume the flag still does its job."""
    passed = dict.fromkeys(f for a in app.args for f in _FLAG_ARG.findall(a))
    unread = [f for f in passed if f not in peer.text]
    if not unread:
        return ""
    them = "it" if len(unread) == 1 else "them"
    return (
        f"; {caller}() passes {', '.join(unread)}, but no line of {app.name}()"
        f" that the patch shows tests {them}"
    )


def completion_updates_remote_size(view: SideView) -> Observed | None:
    """Does any other function of this side advance remote_i_size after a write?"""
    for name, body in view.peers.items():
        if name == view.name:
            continue
        for a in body.assigns:
            if a.left.endswith("remote_i_size") and any(
                "remote_i_size" in g.cond and ">" in g.cond for g in a.guards
            ):
                return Observed("yes", f"{name}() advances remote_i_size after a write", (), name)
    return None


_RWSEM_LOCKS = frozenset({"inode_lock", "inode_lock_shared", "inode_lock_nested"})


def getattr_lock(view: SideView) -> Observed | None:
    """Does the getattr hold the inode lock (which writers take) across flush and reply?"""
    found = request_call(view)
    if found is None:
        return None
    req, app = found
    last = app or req
    for call in view.body.calls:
        held = call.name in _RWSEM_LOCKS or (
            call.name.startswith(("down_read", "down_write"))
            and any("i_rwsem" in a for a in call.args)
        )
        if held and call.byte < req.byte:
            unlocks = [c for c in view.body.calls if "unlock" in c.name or c.name.startswith("up_")]
            if not any(call.byte < u.byte < last.byte for u in unlocks):
                return Observed(
                    "inode_lock", f"{view.name}() holds {call.name}() until the reply is applied"
                )
    return None
