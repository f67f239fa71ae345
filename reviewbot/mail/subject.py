"""Subject lines in b4's vocabulary: ``Re: [PATCH RFC v3 2/5] fs: title``."""

from __future__ import annotations

import re

from reviewbot.model import Subject

_REPLY = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs|fwd?)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_BRACKETS = re.compile(r"^\s*\[([^\]]*)\]\s*")
_COUNTER = re.compile(r"^(\d+)/(\d+)$")
_VERSION = re.compile(r"^(?:rfc)?v(\d+)$", re.IGNORECASE)


def parse_subject(raw: str) -> Subject:
    """Split off reply markers and bracketed prefixes; read version/counters/RFC/RESEND."""
    text = raw.strip()
    is_reply = False
    m = _REPLY.match(text)
    if m:
        is_reply = True
        text = text[m.end() :]
    prefixes: list[str] = []
    while True:
        m = _BRACKETS.match(text)
        if not m:
            break
        prefixes.extend(m.group(1).split())
        text = text[m.end() :]
        # "[PATCH] Re: ..." also happens.
        r = _REPLY.match(text)
        if r:
            is_reply = True
            text = text[r.end() :]
    version, counter, total, rfc, resend = 1, None, None, False, False
    for tok in prefixes:
        low = tok.lower()
        if low.startswith("rfc"):
            rfc = True
        if low == "resend":
            resend = True
        v = _VERSION.match(tok)
        if v:
            version = max(1, int(v.group(1)))
        c = _COUNTER.match(tok)
        if c:
            counter, total = int(c.group(1)), int(c.group(2))
    return Subject(
        raw=raw,
        title=text.strip(),
        prefixes=tuple(prefixes),
        version=version,
        counter=counter,
        total=total,
        rfc=rfc,
        resend=resend,
        is_reply=is_reply,
    )
