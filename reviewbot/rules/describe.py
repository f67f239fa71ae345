"""Description-based mapping, for messages whose diff is missing or unusable.

A rule may carry a ``description`` block: groups of regular expressions that must all
match the commit message (plus whatever survived of a damaged diff: file names, function
names, calls), and the knobs the described bug (before) and the described fix (after)
correspond to. Facts from here have basis "description"; findings built on them are
marked degraded with low confidence.
"""

from __future__ import annotations

import re

from reviewbot.model import Fact, Patch, Side
from reviewbot.rules.loader import Rule


def evidence_text(patch: Patch) -> str:
    parts = [patch.commit_message or patch.message.body, patch.message.subject.title]
    if patch.recovered is not None:
        rec = patch.recovered
        parts += [
            rec.commit_message,
            " ".join(rec.files),
            " ".join(rec.functions),
            " ".join(rec.calls),
        ]
    return "\n".join(p for p in parts if p)


_IDENT = re.compile(r"\b[A-Za-z_]\w*_\w+\b")


def relevant_functions(patch: Patch) -> tuple[str, ...]:
    """The damaged diff's functions that the description itself is about: named in the
    commit message, or containing an identifier it names (``ext2_inc_i_blkseq()`` for
    "i_blkseq"). Accessors and helpers the diff merely touches (``EXT2_I()``,
    ``ext2_alloc_inode()``) say nothing about the race and are left out."""
    if patch.recovered is None:
        return ()
    prose = patch.recovered.commit_message or patch.commit_message or patch.message.body
    named = {m.group(0) for m in _IDENT.finditer(prose) if len(m.group(0)) >= 6}
    return tuple(
        fn
        for fn in patch.recovered.functions
        if not fn.isupper() and any(n == fn or n in fn for n in named)
    )


def matches(rule: Rule, text: str) -> list[str] | None:
    """The phrase matched for each group, or None if some group does not match."""
    if rule.description is None:
        return None
    found = []
    for group in rule.description.all_of:
        hit = None
        for rx in group:
            m = re.search(rx, text, re.IGNORECASE)
            if m:
                hit = m.group(0)
                break
        if hit is None:
            return None
        found.append(" ".join(hit.split()))
    return found


def described_knobs(rule: Rule, text: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Knobs of the described bug and fix: the rule's mapping, refined by the details the
    description states (each refinement's matched phrase is returned with them)."""
    assert rule.description is not None
    before = dict(rule.description.before)
    after = dict(rule.description.after)
    phrases = []
    for rx, b, a in rule.description.refine:
        m = re.search(rx, text, re.IGNORECASE)
        if m:
            before.update(dict(b))
            after.update(dict(a))
            phrases.append(" ".join(m.group(0).split()))
    return before, after, phrases


def described_facts(
    rule: Rule, phrases: list[str], side: Side, knobs: dict[str, str] | None = None
) -> tuple[Fact, ...]:
    assert rule.description is not None
    if knobs is None:
        knobs = dict(rule.description.before if side == "before" else rule.description.after)
    said = ", ".join(f'"{p}"' for p in phrases)
    out = []
    for spec in rule.facts:
        if spec.knob not in knobs:
            continue
        which = "the code before the patch" if side == "before" else "the patched code"
        out.append(
            Fact(
                name=spec.name,
                value=knobs[spec.knob],
                side=side,
                text=f"the description ({said}) implies {spec.knob}={knobs[spec.knob]} for {which}",
                basis="description",
            )
        )
    return tuple(out)
