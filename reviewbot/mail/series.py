"""Group patch messages into series: a cover letter and its parts, per version.

Threading (In-Reply-To/References) decides membership first: parts sent with
``git send-email --thread`` hang off the cover letter or part 1. Unthreaded parts fall
back to sender + version + total. Replies are never parts.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewbot.model import Message, Series


def _is_patch(m: Message) -> bool:
    return not m.subject.is_reply and any(
        p.upper().startswith(("PATCH", "RFC")) for p in m.subject.prefixes
    )


def group_series(messages: Iterable[Message]) -> tuple[Series, ...]:
    msgs = [m for m in messages if _is_patch(m)]
    by_id = {m.msgid: m for m in msgs}
    groups: dict[tuple[str, int, int | None], list[Message]] = {}
    for m in msgs:
        s = m.subject
        if s.counter is None:
            key: tuple[str, int, int | None] = (m.msgid, s.version, None)
        else:
            root = _thread_root(m, by_id) or _unthreaded_root(m, msgs)
            key = (root, s.version, s.total)
        groups.setdefault(key, []).append(m)
    out: list[Series] = []
    for (_root, version, total), members in groups.items():
        members.sort(key=lambda m: (m.subject.counter or 0, m.msgid))
        cover = next((m.msgid for m in members if m.subject.counter == 0), None)
        parts = tuple(m.msgid for m in members if m.subject.counter != 0)
        counters = {m.subject.counter for m in members if m.subject.counter}
        if total is None:
            complete = True
        else:
            complete = counters == set(range(1, total + 1)) and len(parts) == total
        series_key = cover or (parts[0] if parts else members[0].msgid)
        out.append(Series(series_key, version, total, cover, parts, complete))
    out.sort(key=lambda s: s.key)
    return tuple(out)


def _thread_root(m: Message, by_id: dict[str, Message]) -> str | None:
    """The cover letter (or part 1) of the same version this part threads under."""
    chain = [*m.references, *([m.in_reply_to] if m.in_reply_to else [])]
    for ref in chain:
        other = by_id.get(ref)
        if other is None or other.subject.version != m.subject.version:
            continue
        if other.subject.counter in (0, 1) and other.subject.total == m.subject.total:
            return other.msgid
    if m.subject.counter in (0, 1):
        return m.msgid
    return None


def _unthreaded_root(m: Message, msgs: list[Message]) -> str:
    """Parts sent without threading: same sender, version and total make one series."""
    sender = m.from_.addr.lower() if m.from_ else ""
    for other in msgs:
        o = other.subject
        if (
            o.counter in (0, 1)
            and o.version == m.subject.version
            and o.total == m.subject.total
            and (other.from_.addr.lower() if other.from_ else "") == sender
        ):
            return other.msgid
    return f"unthreaded:{sender}:{m.subject.version}:{m.subject.total}"
