"""Role "shared flags word update" and the facts of the flags-rmw scenario.

A flags word is *shared* when the patch shows it changed with atomic bitops (or read
with test_bit()) somewhere, so other contexts touch it concurrently, or
read-modify-written in two or more functions. Evidence from both sides of the changed
function counts: a patch that turns set_bit() into ``|=`` shows the word shared on its
old side only. One word is one field of one kind of object: ``a->flags`` and
``b->flags`` are different words when the code shows their types differ. Objects that
belong to one call are never shared: a ``struct kstat *`` parameter, a struct on the
stack, an object this function has just allocated and not yet handed to other code.
Fact ``atomic``: every update of a shared word in this function uses an atomic bitop or
happens with a lock held (taken in the function, asserted held, or released later with
no matching lock, i.e. held on entry).
Fact ``bits``: the flags written to the word by the changed functions of this side, by
the unchanged functions the hunks' context lines show, and defined next to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from reviewbot.rules.context import DEFINES, Observed, SideView, view
from reviewbot.rules.cst import AssignSite, Body, CallSite
from reviewbot.rules.extract.common import (
    ATOMIC_BITOPS,
    BIT_READS,
    LOCKS,
    UNLOCKS,
    base_of,
    code,
    field_of,
)

_RMW = ("|=", "&=", "^=")
_NONATOMIC = frozenset({"__set_bit", "__clear_bit", "__change_bit"})
# Assert that the caller holds a lock (include/linux/lockdep.h, spinlock.h).
_HELD = frozenset(
    {
        "lockdep_assert_held",
        "lockdep_assert_held_write",
        "lockdep_assert_held_once",
        "assert_spin_locked",
    }
)
# Kernel allocators (kmalloc(), kzalloc(), kvmalloc(), kmem_cache_alloc(), mempool_alloc(),
# and the *_alloc_*() constructors of subsystems): the object they return is reachable
# only through the variable it is assigned to until this code hands it on.
_ALLOC = re.compile(r"(^|_)[a-z]{0,3}alloc(_|$)")
# Calls that only check or clear a fresh object; any other call taking it may publish it.
_INSPECT = frozenset(
    {"IS_ERR", "IS_ERR_OR_NULL", "PTR_ERR", "likely", "unlikely", "WARN_ON", "memset"}
)
# Kernel calls that make an object reachable through one of its members (list and tree
# linkage, RCU publication, hashing, queued work).
_PUBLISH = re.compile(
    r"^(h?list_add\w*|list_splice\w*|list_move\w*|rb_link_node\w*|rb_insert\w*|"
    r"rcu_assign_pointer|xa_store\w*|xa_insert\w*|radix_tree_insert|idr_replace|"
    r"\w*insert_inode_hash|hash_add\w*|queue_\w*work\w*|schedule_\w*work)$"
)


@dataclass(frozen=True)
class Site:
    """One access to a field that may be a flags word."""

    fn: str  # the function it is in
    field: str
    kind: str  # "rmw" (|= &= ^=, __set_bit()), "store" (=), "atomic" (set_bit()), "read"
    op: str  # the operator or the bitop's name
    value: str  # the flag written (the mask or the bitop's bit argument)
    text: str
    row: int
    obj: str  # the object's type as the code declares it, "" when not shown
    private: str  # why the object belongs to this call, "" if other contexts may see it
    lock: str  # the lock held around it, "" if none is seen
    side: str = ""  # "before"/"after" when read from the other side of the changed function


def _norm(decl: str) -> str:
    return " ".join(re.sub(r"\b(const|volatile)\b|\*", " ", decl).split())


_code = lru_cache(maxsize=256)(code)


def _type_of(params: tuple[str, ...], text: str, base: str) -> str:
    for p in params:
        m = re.match(r"(.*?)\s*\b(\w+)\s*(\[\s*\])?$", " ".join(p.split()))
        if m and m.group(2) == base:
            return _norm(m.group(1))
    decl = rf"\b((?:struct|union)\s+\w+|\w+_t)\s*\*+\s*{re.escape(base)}\s*[;=,)]"
    m = re.search(decl, _code(text))
    return _norm(m.group(1)) if m else ""


def _fresh(body: Body, base: str, byte: int) -> str:
    """The allocation ``base`` was last assigned from before ``byte``, if the object has
    not been handed to other code since (then no other CPU can see it yet)."""
    last = [a for a in body.assigns if a.byte < byte and a.left == base]
    if not last:
        return ""
    start = last[-1].byte
    alloc = next(
        (c for c in body.calls if c.byte > start and c.assigned_to == base and c.byte < byte),
        None,
    )
    if alloc is None or not _ALLOC.search(alloc.name):
        return ""
    bare = re.compile(rf"^\(?\s*(\([^)]*\)\s*)?{re.escape(base)}\s*\)?$")
    member = re.compile(rf"(?<![\w>.]){re.escape(base)}\s*->")
    for c in body.calls:
        if not alloc.byte < c.byte < byte or c.name in _INSPECT:
            continue
        if any(bare.match(a) for a in c.args):
            return ""  # handed to code the patch may not show
        if _PUBLISH.match(c.name) and any(member.search(a) for a in c.args):
            return ""  # linked where other contexts find it
    for a in body.assigns:
        if start < a.byte < byte and bare.match(a.right) and re.search(r"->|\.|\[", a.left):
            return ""  # stored where others can reach it
    return f"{base} was just allocated ({alloc.name}())"


def _private(params: tuple[str, ...], body: Body, target: str, byte: int) -> str:
    base = base_of(target)
    if _type_of(params, body.text, base) == "struct kstat":
        return f"{base} is a struct kstat, filled for one caller"
    # A struct (not a pointer) declared in this function lives on its stack.
    decl = rf"\b(struct\s+\w+|\w+_t|int|long|unsigned(\s+\w+)?)\s+{re.escape(base)}\s*[;=\[]"
    if re.search(decl, _code(body.text)):
        return f"{base} is a local variable"
    return _fresh(body, base, byte)


def _lock_name(call: CallSite) -> str:
    return call.args[0].lstrip("&").strip() if call.args else call.text


def _lock_at(body: Body, byte: int, annotated: str) -> str:
    """The lock held at ``byte`` as this body shows it, "" if none is seen."""
    calls = [c for c in body.calls if not c.name.endswith("_init")]  # spin_lock_init()
    held: list[str] = []
    for c in calls:
        if c.byte >= byte:
            break
        if LOCKS.match(c.name):
            held.append(f"{_lock_name(c)} held")
        elif c.name in _HELD:
            held.append(f"{_lock_name(c)} held ({c.name}())")
        elif UNLOCKS.match(c.name) and held:
            held.pop()
    if held:
        return held[-1]
    depth = 0
    for c in calls:
        if c.byte <= byte:
            continue
        if LOCKS.match(c.name):
            depth += 1
        elif UNLOCKS.match(c.name):
            if not depth:
                # released with no matching lock taken here: it was held on entry
                return f"{_lock_name(c)} held on entry (released later by {c.name}())"
            depth -= 1
    m = re.search(r"__must_hold\(([^)]*)\)", annotated)
    return f"{m.group(1).lstrip('&').strip()} held (__must_hold)" if m else ""


@lru_cache(maxsize=4096)
def _sites(
    fn: str,
    params: tuple[str, ...],
    body: Body,
    only: frozenset[str] | None = None,
    *,
    annotated: str = "",
    side: str = "",
) -> tuple[Site, ...]:
    """Every access this body shows to a field that may be a flags word. With ``only``
    (another function's evidence): the accesses to those fields, plain stores left out."""
    out = []

    def add(kind: str, target: str, value: str, at: AssignSite | CallSite) -> None:
        if only is not None and (field_of(target) not in only or kind == "store"):
            return
        text = at.text if isinstance(at, CallSite) else f"{at.left} {at.op} {at.right}"
        op = at.name if isinstance(at, CallSite) else at.op
        out.append(
            Site(
                fn=fn,
                field=field_of(target),
                kind=kind,
                op=op,
                value=value,
                text=text,
                row=at.row,
                obj=_type_of(params, body.text, base_of(target)),
                private=_private(params, body, target, at.byte),
                lock=_lock_at(body, at.byte, annotated),
                side=side,
            )
        )

    for a in body.assigns:
        if field_of(a.left) and (a.op in _RMW or (a.op == "=" and not a.declaration)):
            kind = "rmw" if a.op in _RMW else "store"
            add(kind, a.left, a.right, a)
    for c in body.calls:
        if len(c.args) >= 2 and c.name in BIT_READS | _NONATOMIC and field_of(c.args[-1]):
            kind = "rmw" if c.name in _NONATOMIC else "read"
            kind = "atomic" if c.name in ATOMIC_BITOPS else kind
            add(kind, c.args[-1], c.args[0], c)
    return tuple(out)


def _own(v: SideView) -> tuple[Site, ...]:
    return _sites(v.name, v.params, v.body, annotated=v.fn.header_hint + "\n" + v.fs.text)


def _peer_sites(v: SideView, only: frozenset[str]) -> Iterator[Site]:
    """Accesses to ``only`` in the other functions this side shows."""
    for name, body in v.peers.items():
        if name != v.name and not name.startswith(DEFINES):
            yield from _sites(name, body.params, body, only)


def _other_side(v: SideView, only: frozenset[str]) -> tuple[Site, ...]:
    """Accesses to ``only`` on the other side of this same function."""
    other = view(v.fn, "after" if v.side == "before" else "before", {})
    if other is None:
        return ()
    return _sites(v.name, other.params, other.body, only, side=other.side)


def _same_word(a: Site, b: Site) -> bool:
    return a.field == b.field and (a.obj == b.obj or not a.obj or not b.obj)


def _why_shared(v: SideView, site: Site, own: tuple[Site, ...]) -> str | None:
    """Why the patch shows ``site``'s word shared, as a clause; None if it does not.
    Another function's bitop is the strongest evidence, then this function's."""
    only = frozenset({site.field})

    def same(sites: Iterable[Site]) -> Iterator[Site]:
        return (e for e in sites if not e.private and _same_word(site, e))

    for e in same(_peer_sites(v, only)):
        if e.kind in ("atomic", "read"):
            how = "changes" if e.kind == "atomic" else "reads"
            return f"{e.fn}() {how} it with {e.op}()"
    for e in same(_other_side(v, only)):
        if e.kind in ("atomic", "read"):
            when = "used" if e.side == "before" else "uses"
            return f"this function {when} {e.op}() on it {e.side} the patch"
    for e in same(own):
        if e.kind in ("atomic", "read"):
            return f"this function also uses {e.op}() on it"
    if any(e.kind == "rmw" for e in same(own)):
        for e in same(_peer_sites(v, only)):
            if e.kind == "rmw":
                return f"{e.fn}() also read-modify-writes it"
    return None


def updates(v: SideView) -> list[tuple[Site, str]]:
    """(site, why the word is shared) for each update of a shared word in this
    function, on objects other contexts can reach."""
    own = _own(v)
    out = []
    for s in own:
        if s.kind in ("rmw", "store", "atomic") and not s.private:
            why = _why_shared(v, s, own)
            if why is not None:
                out.append((s, why))
    return out


def is_flags_update(v: SideView) -> bool:
    # A plain store alone does not make the function a flags updater (initialisation
    # writes whole words); it counts in the fact once the function plays the role.
    return any(s.kind != "store" for s, _why in updates(v))


def _unseen_lock(v: SideView) -> str:
    """What the patch cannot show about a lock around an unprotected update."""
    if v.fs.complete or v.body.name or v.fs.text.lstrip().startswith("{"):
        return f"{v.name}() takes no lock around it; whether its callers hold one is not shown"
    first = v.line_of(0)
    at = f" at line {first}" if first is not None else ""
    return (
        f"no lock is taken around it in the lines shown, which start inside {v.name}(){at}: "
        "a lock taken above them or by a caller is not visible"
    )


def atomic(v: SideView) -> Observed | None:
    ups = updates(v)
    if not ups:
        return None
    bad = [(s, why) for s, why in ups if s.kind != "atomic" and not s.lock]
    if bad:
        s, why = bad[0]
        how = (
            f"overwrites the shared flags word {s.field} with a plain store"
            if s.kind == "store"
            else f"changes the shared flags word {s.field} with a plain read-modify-write"
        )
        return Observed(
            "no",
            f"{v.name}() {how} ({s.text}); shared because {why}; {_unseen_lock(v)}",
            tuple(s.row for s, _w in bad),
        )
    s, _why = ups[0]
    if s.kind == "atomic":
        text = f"{v.name}() changes {s.field} with an atomic bitop ({s.text})"
    else:
        text = f"{v.name}() changes {s.field} ({s.text}) with {s.lock}"
    return Observed("yes", text, tuple(s.row for s, _w in ups))


def _bit_of(text: str) -> str:
    """The flag a bitop argument or a mask names: ``FOO_BIT``, ``BIT(FOO)``, ``1 << FOO``
    and ``FOO`` are one flag (only a ``_BIT`` suffix or a ``BIT()`` wrapper is dropped,
    so ``CEPH_I_FLUSH_BIT`` stays distinct from ``CEPH_I_FLUSH_FORCE``)."""
    text = re.sub(r"\bBIT(_ULL)?\s*\(|_BIT\b|\b1U?L*\s*<<", "", text)
    return re.sub(r"[~()\s]", "", text)


def _defined_with(v: SideView, written: set[str]) -> set[str]:
    """Names of the #define runs the side shows that define one of ``written``: the
    word's other flag values, even those this side never sets."""
    out: set[str] = set()
    for name, body in v.peers.items():
        if name.startswith(DEFINES):
            names = {_bit_of(c.args[0]) for c in body.calls if c.args}
            if names & written:
                out |= names  # FOO_BIT and FOO define one flag
    return out


# A bitop or |= &= ^= on a member, as a statement: (bitop name, its arguments) or
# (lvalue, operator, value).
_BITOP_STMT = re.compile(r"\b(\w+)\s*\(\s*([^;{}]*?)\s*\)\s*;")
_RMW_STMT = re.compile(r"([\w>.\-]+)\s*([|&^]=)\s*([^;{}]+);")


def _context_bits(v: SideView, mine: list[Site]) -> set[str]:
    """Flags written to the same word by the lines the patch shows outside the changed
    functions (context lines: whole unchanged functions in a hunk's context). Those lines
    are the same on both sides, so they are this side's evidence too. A word of a typed
    object counts only where the same type is declared above the write."""
    known: set[str] = set()
    for text in (
        *(s.text for s in (v.fn.before, v.fn.after) if s is not None),
        *(b.text for n, b in v.peers.items() if not n.startswith(DEFINES)),
        *(b.text for n, b in v.other_peers.items() if not n.startswith(DEFINES)),
    ):
        known.update(ln.strip() for ln in text.splitlines())
    full = _code(v.file_text)
    found: list[tuple[int, str, str]] = []  # (offset, target, flag)
    for m in _BITOP_STMT.finditer(full):
        args = [a.strip() for a in m.group(2).split(",")]
        if m.group(1) in ATOMIC_BITOPS | _NONATOMIC and len(args) >= 2:
            found.append((m.start(), args[-1], args[0]))
    for m in _RMW_STMT.finditer(full):
        found.append((m.start(), m.group(1), m.group(3)))
    out: set[str] = set()
    for at, target, flag in found:
        end = full.find("\n", at)
        line = full[full.rfind("\n", 0, at) + 1 : end if end >= 0 else len(full)]
        field = field_of(target)
        if not field or line.strip() in known:
            continue  # a changed function's line: read per side by _own()/_peer_sites()
        obj = _declared_above(full[:at], base_of(target))
        if any(m.field == field and (not m.obj or obj == m.obj) for m in mine):
            out.add(_bit_of(flag))
    return out


def _declared_above(text: str, base: str) -> str:
    """The type of the last pointer declaration of ``base`` in ``text``, "" if none."""
    decl = rf"\b((?:struct|union)\s+\w+|\w+_t)\s*\*+\s*{re.escape(base)}\s*[;=,)]"
    hits = list(re.finditer(decl, text))
    return _norm(hits[-1].group(1)) if hits else ""


def bits(v: SideView) -> Observed | None:
    """How many distinct flag values the word can hold, as this side of the patch shows
    it: the values its updates write, plus the run of #defines that defines them."""
    mine = [s for s, _why in updates(v) if s.kind != "store"]
    if not mine:
        return None
    written: set[str] = set()
    for s in (*_own(v), *_peer_sites(v, frozenset(m.field for m in mine))):
        if s.kind in ("rmw", "atomic") and not s.private and any(_same_word(s, m) for m in mine):
            written.add(_bit_of(s.value))
    context = _context_bits(v, mine) - written - {""}
    written |= context
    written.discard("")
    defined = _defined_with(v, written)
    seen = written | defined
    word = ", ".join(sorted({s.field for s in mine}))
    if len(seen) >= 2:
        where = (
            f"; {', '.join(sorted(context))} written in the patch's unchanged context lines"
            if context
            else ""
        )
        return Observed(
            "two", f"{word} holds more than one flag ({', '.join(sorted(seen))}{where})"
        )
    if defined:
        # The definitions of the word's flags are on screen and there is only one: plain
        # updates of a one-bit word cannot lose another bit.
        return Observed(
            "one", f"{word} holds a single flag ({', '.join(sorted(seen))} is the only one defined)"
        )
    # One visible bit and no definitions: code the patch does not show may use other
    # bits of the word, so the documented default (two) applies, marked assumed.
    return None
