"""Role "shared flags word update" and the fact of the flags-rmw scenario.

A flags word is *shared* when the patch shows it changed with atomic bitops somewhere
(so other contexts touch it concurrently), or read-modify-written in two or more
functions. Words reached through a ``struct kstat *`` parameter or a local variable are
never shared (they belong to one call).
Fact ``atomic``: every update of a shared word in this function uses an atomic bitop or
happens with a lock held.
"""

from __future__ import annotations

import re

from reviewbot.rules.context import DEFINES, Observed, SideView
from reviewbot.rules.cst import AssignSite, Body
from reviewbot.rules.extract.common import (
    ATOMIC_BITOPS,
    BIT_READS,
    LOCKS,
    UNLOCKS,
    base_of,
    code,
    field_of,
    has_param,
)

_RMW = ("|=", "&=", "^=")
_NONATOMIC = frozenset({"__set_bit", "__clear_bit", "__change_bit"})


def _rmws(body: Body) -> list[AssignSite]:
    return [a for a in body.assigns if a.op in _RMW and field_of(a.left)]


def _bitop_fields(body: Body, names: frozenset[str]) -> set[str]:
    out = set()
    for c in body.calls:
        if c.name in names and len(c.args) >= 2:
            f = field_of(c.args[-1])
            if f:
                out.add(f)
    return out


def shared_words(view: SideView) -> set[str]:
    atomic: set[str] = set()
    rmw_in: dict[str, set[str]] = {}
    for name, body in [*view.peers.items(), (view.name, view.body)]:
        atomic |= _bitop_fields(body, BIT_READS)
        for a in _rmws(body):
            rmw_in.setdefault(field_of(a.left), set()).add(name)
    return atomic | {f for f, fns in rmw_in.items() if len(fns) >= 2}


def _private(view: SideView, left: str) -> bool:
    base = base_of(left)
    if has_param(view, "struct kstat") == base:
        return True
    # A struct (not a pointer) declared in this function lives on its stack.
    decl = rf"\b(struct\s+\w+|\w+_t|int|long|unsigned(\s+\w+)?)\s+{re.escape(base)}\s*[;=\[]"
    return re.search(decl, code(view.body.text)) is not None


def _locked(body: Body, byte: int) -> bool:
    depth = 0
    for c in body.calls:
        if c.byte >= byte:
            break
        if LOCKS.match(c.name):
            depth += 1
        elif UNLOCKS.match(c.name) and depth:
            depth -= 1
    return depth > 0


def updates(view: SideView) -> list[tuple[str, int, bool, str]]:
    """(field, row, atomic, text) for each update of a shared word in this function."""
    shared = shared_words(view)
    out = []
    for a in _rmws(view.body):
        f = field_of(a.left)
        if f in shared and not _private(view, a.left):
            out.append((f, a.row, _locked(view.body, a.byte), f"{a.left} {a.op} {a.right}"))
    for c in view.body.calls:
        if c.name in ATOMIC_BITOPS | _NONATOMIC and len(c.args) >= 2:
            f = field_of(c.args[-1])
            if f in shared:
                ok = c.name in ATOMIC_BITOPS or _locked(view.body, c.byte)
                out.append((f, c.row, ok, c.text))
    return out


def is_flags_update(view: SideView) -> bool:
    return bool(updates(view))


def atomic(view: SideView) -> Observed | None:
    ups = updates(view)
    if not ups:
        return None
    bad = [u for u in ups if not u[2]]
    if bad:
        f, _row, _ok, text = bad[0]
        return Observed(
            "no",
            f"{view.name}() changes the shared flags word {f} with a plain "
            f"read-modify-write ({text})",
            tuple(u[1] for u in bad),
        )
    f, _row, _ok, text = ups[0]
    return Observed(
        "yes", f"{view.name}() changes {f} atomically ({text})", tuple(u[1] for u in ups)
    )


def _bit_of(text: str) -> str:
    """The flag a bitop argument or a mask names: ``FOO_BIT``, ``BIT(FOO)``, ``1 << FOO``
    and ``FOO`` are one flag (only a ``_BIT`` suffix or a ``BIT()`` wrapper is dropped,
    so ``CEPH_I_FLUSH_BIT`` stays distinct from ``CEPH_I_FLUSH_FORCE``)."""
    text = re.sub(r"\bBIT(_ULL)?\s*\(|_BIT\b|\b1U?L*\s*<<", "", text)
    return re.sub(r"[~()\s]", "", text)


def _defined_with(view: SideView, written: set[str]) -> set[str]:
    """Names of the #define runs the side shows that define one of ``written``: the
    word's other flag values, even those this side never sets."""
    out: set[str] = set()
    for name, body in view.peers.items():
        if name.startswith(DEFINES):
            names = {_bit_of(c.args[0]) for c in body.calls if c.args}
            if names & written:
                out |= names  # FOO_BIT and FOO define one flag
    return out


def bits(view: SideView) -> Observed | None:
    """How many distinct flag values the word can hold, as this side of the patch shows
    it: the values its updates write, plus the run of #defines that defines them."""
    mine = {f for f, _row, _ok, _t in updates(view)}
    if not mine:
        return None
    written: set[str] = set()
    for name, body in [*view.peers.items(), (view.name, view.body)]:
        if name.startswith(DEFINES):
            continue
        for a in _rmws(body):
            if field_of(a.left) in mine:
                written.add(_bit_of(a.right))
        for c in body.calls:
            writes = c.name in ATOMIC_BITOPS | _NONATOMIC and len(c.args) >= 2
            if writes and field_of(c.args[-1]) in mine:
                written.add(_bit_of(c.args[0]))
    written.discard("")
    defined = _defined_with(view, written)
    seen = written | defined
    word = ", ".join(sorted(mine))
    if len(seen) >= 2:
        return Observed("two", f"{word} holds more than one flag ({', '.join(sorted(seen))})")
    if defined:
        # The definitions of the word's flags are on screen and there is only one: plain
        # updates of a one-bit word cannot lose another bit.
        return Observed(
            "one", f"{word} holds a single flag ({', '.join(sorted(seen))} is the only one defined)"
        )
    # One visible bit and no definitions: code the patch does not show may use other
    # bits of the word, so the documented default (two) applies, marked assumed.
    return None
