"""Reply headers: threading, recipients, and sanitising untrusted header text.

Everything that ends up in a header of a draft comes from a stranger's mail, so it is
cleaned here (control characters, CR/LF, bidi overrides, overlong values) and then
handed to the email package (policy ``default``), which folds and RFC 2047-encodes it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from email import policy as _policy
from email.errors import HeaderParseError
from email.headerregistry import Address as HeaderAddress
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any, cast

from reviewbot.diffparse.visible import UNSAFE
from reviewbot.model import Address, Message, PatchReport, Subject

# C0 controls and what diffparse.visible escapes (DEL, C1, line/paragraph separators,
# zero-width and bidi controls): what can make a header display differently from
# what it says.
_UNSAFE = re.compile(f"[\x00-\x1f{UNSAFE}]")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|vs|odp|r)\s*:", re.IGNORECASE)
# RFC 5322 msg-id: id-left "@" id-right, each atext with dots (runs of dots and leading
# or trailing ones allowed: the obsolete syntax real mailers still produce), or a
# [domain literal] on the right. Anything else ("not-an-id") cannot thread.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_DOTTED = rf"[{_ATEXT}.]*[{_ATEXT}][{_ATEXT}.]*"
_MSGID = re.compile(rf"{_DOTTED}@(?:{_DOTTED}|\[[!-Z^-~]*\])")
MAX_HEADER_TEXT = 300  # characters kept of any untrusted header text


def clean(text: str, limit: int = MAX_HEADER_TEXT) -> str:
    """One line of displayable text: controls become spaces, runs of blanks collapse."""
    text = " ".join(_UNSAFE.sub(" ", text).split())
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def reply_subject(subject: Subject) -> str:
    """``Re: <original>``; an original that already is a reply keeps its one prefix."""
    raw = clean(subject.raw) or clean(subject.title) or "(no subject)"
    if subject.is_reply or _REPLY_PREFIX.match(raw):
        return raw
    return f"Re: {raw}"


def clean_msgid(msgid: str) -> str | None:
    """A Message-ID without brackets, or None if it is not a syntactically valid
    msg-id (or too long to be one anybody's mailer keeps)."""
    value = msgid.strip().strip("<>").strip()
    if len(value) > 250 or not _MSGID.fullmatch(value):
        return None
    return value


def parent_id(msg: Message) -> str | None:
    """The parent's Message-ID if a reply can thread to it: not one reviewbot made up
    because the mail had none (those end in the reserved ``.invalid`` domain)."""
    if any(d.code == "no-message-id" for d in msg.diagnostics):
        return None
    value = clean_msgid(msg.msgid)
    if value is None or value.lower().rpartition("@")[2].split(".")[-1] == "invalid":
        return None
    return value


def references(msg: Message) -> tuple[str, ...]:
    """The parent's References plus its Message-ID, cleaned, without repeats."""
    seen: list[str] = []
    for ref in (*msg.references, parent_id(msg) or ""):
        value = clean_msgid(ref)
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def header_address(addr: Address) -> HeaderAddress | None:
    """An address the email package accepts, or None when it cannot be repaired."""
    name = clean(addr.name, 120)
    spec = clean(addr.addr, 254)  # a quoted local part may hold a space: keep it
    if not spec or "@" not in spec or redacted(spec):
        return None
    for display in (name, ""):
        try:
            return HeaderAddress(display_name=display, addr_spec=spec)
        except (ValueError, IndexError, HeaderParseError):
            continue
    return None


def redacted(spec: str) -> bool:
    """Web archives replace addresses by ``name@xxxxxxxx``: never mail those."""
    local, _, domain = spec.rpartition("@")
    return bool(re.fullmatch(r"[xX.]{3,}", domain) or re.fullmatch(r"[xX.]{3,}", local))


def recipients(
    msg: Message, me: Address | None = None
) -> tuple[tuple[HeaderAddress, ...], tuple[HeaderAddress, ...]]:
    """(To, Cc) as b4 replies: To = Reply-To, else X-Original-From (B4 Relay), else
    From; Cc = original To + Cc, deduplicated case-insensitively, without anyone
    already in To and without the draft's own sender."""
    mine = {me.addr.strip().lower()} if me is not None else set()
    # The first source with a usable address wins: a Reply-To whose every address is
    # unusable (a display name smuggling CR/LF, a redacted address) falls back to the
    # sender rather than leaving the draft without a To.
    to: tuple[HeaderAddress, ...] = ()
    for source in (msg.reply_to, (msg.x_original_from,), (msg.from_,)):
        usable = [a for a in source if a is not None and header_address(a) is not None]
        if usable:
            to = _unique(usable, set(mine))
            break
    seen = mine | {a.addr_spec.lower() for a in to}
    cc = _unique((*msg.to, *msg.cc), seen)
    return to, cc


def _unique(addrs: Iterable[Address], seen: set[str]) -> tuple[HeaderAddress, ...]:
    out: list[HeaderAddress] = []
    for addr in addrs:
        hdr = header_address(addr)
        if hdr is None or hdr.addr_spec.lower() in seen:
            continue
        seen.add(hdr.addr_spec.lower())
        out.append(hdr)
    return tuple(out)


def draft_msgid(report: PatchReport, domain: str, kind: str = "reply") -> str:
    """A Message-ID (without brackets) that depends only on the input: the original
    Message-ID and what was found, so re-running reviewbot yields the same draft."""
    found = sorted(f"{f.rule}:{f.verdict}:{f.file}:{f.function}" for f in report.reportable)
    key = "\0".join([kind, report.patch.message.msgid, *found]).encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(key, digest_size=10).hexdigest()
    return f"reviewbot-{digest}@{msgid_domain(domain)}"


def msgid_domain(domain: str) -> str:
    """Keep only characters a domain may have; fall back to an invalid TLD (RFC 2606)."""
    cleaned = re.sub(r"[^A-Za-z0-9.-]", "", domain).strip(".-")
    return cleaned or "reviewbot.invalid"


class _MsgIdListHeader(UnstructuredHeader):
    """In-Reply-To/References folded only between ids: the stock unstructured header
    would RFC 2047-encode an id longer than a line, which breaks threading."""

    def fold(self, *, policy: Any) -> str:
        head = f"{self.name}:"  # type: ignore[attr-defined]
        lines: list[str] = []
        cur = head
        for token in str(self).split():
            if cur != head and len(cur) + 1 + len(token) > policy.max_line_length:
                lines.append(cur)
                cur = f" {token}"
            else:
                cur = f"{cur} {token}"
        lines.append(cur)
        return str(policy.linesep.join(lines) + policy.linesep)


class _SubjectHeader(UnstructuredHeader):
    """Subject folded as usual, except that the text starts on the Subject: line
    itself: git send-email refuses a file whose "Subject: " line has no text."""

    def fold(self, *, policy: Any) -> str:
        folded = str(super().fold(policy=policy))  # type: ignore[misc]
        return re.sub(r"^(Subject):(?:\r?\n)[ \t]+", r"\1: ", folded, count=1)


def draft_policy() -> EmailPolicy[EmailMessage]:
    """``email.policy.default`` with message-id lists folded safely."""
    registry = HeaderRegistry()
    # HeaderRegistry mixes BaseHeader in at runtime; typeshed cannot see that.
    registry.map_to_type("in-reply-to", cast("type[BaseHeader]", _MsgIdListHeader))
    registry.map_to_type("references", cast("type[BaseHeader]", _MsgIdListHeader))
    registry.map_to_type("subject", cast("type[BaseHeader]", _SubjectHeader))
    return _policy.default.clone(header_factory=registry)
