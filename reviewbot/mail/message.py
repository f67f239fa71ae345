"""One message's bytes -> ``Message``: RFC 5322 mail, or a plain-text web copy.

Web-archive copies (the seeds) have no header block: their first lines read like
``Re: [PATCH] ...`` / ``From: Name`` / ``Date: ...``. Those are recovered as Subject,
From and Date, and a diagnostic says that the input was not a real message.
"""

from __future__ import annotations

import email
import hashlib
import re
from email import policy
from email.errors import MessageError
from email.message import Message as EmailMessage

from reviewbot.mail.body import decode_bytes, extract_body, trailers
from reviewbot.mail.headers import addresses, clean, decode, decode_list, msgids, one_msgid
from reviewbot.mail.subject import parse_subject
from reviewbot.model import Address, Diagnostic, Message

_FIELD = re.compile(rb"^[\x21-\x39\x3b-\x7e]{1,76}:")
_KNOWN = frozenset(
    b"from subject date message-id to cc received return-path mime-version "
    b"content-type in-reply-to references delivered-to x-original-to".split()
)
_SUBJECTISH = re.compile(r"^(?:(?:re|aw|sv|fwd?):\s*)*\[[^\]]*(?:patch|rfc)[^\]]*\]", re.I)
_PLAIN_FIELD = re.compile(r"^(From|Date|Subject):\s*(.*)$")
# Commit pages of git forges put the author on a line of its own: "Jane Doe authored".
_AUTHORED = re.compile(r"^([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){1,3}) authored\b")
_ENVELOPE = re.compile(rb"^From \S")
# RFC 5322 caps a header line at 998 octets, but unfolded References and Cc lists run
# past it on real threads. A web copy whose line breaks collapsed starts with its byline
# (From:/Date:/Subject:) and runs on for pages: only those fields may not be that long.
_MAX_HEADER_LINE = 998
_BYLINE = frozenset((b"from", b"date", b"subject"))


def looks_like_mail(data: bytes) -> bool:
    """A header block with real field names, at least Subject/Message-ID or two known ones."""
    known = 0
    strong = False
    for i, raw_line in enumerate(data.split(b"\n")):
        line = raw_line.rstrip(b"\r")
        if not line:
            break
        if i == 0 and _ENVELOPE.match(line):
            continue
        if line[:1] in (b" ", b"\t") and i:
            continue
        if not _FIELD.match(line):
            return False
        name = line.split(b":", 1)[0].lower()
        if len(line) > _MAX_HEADER_LINE and name in _BYLINE:
            return False
        if name in _KNOWN:
            known += 1
            strong = strong or name in (b"subject", b"message-id")
        if i > 2000:
            break
    return strong or known >= 2


def synth_msgid(data: bytes) -> str:
    return f"reviewbot-{hashlib.sha256(data).hexdigest()[:20]}@invalid"


def parse_message(data: bytes, source: str = "") -> Message:
    """Parse one message; never raises on content (damage becomes diagnostics)."""
    if looks_like_mail(data):
        return _parse_mail(data, source)
    return _parse_plain(data, source)


def _header(msg: EmailMessage, name: str, *, lists: bool = False) -> str:
    # raw_items, not get_all: compat32 turns a value with raw 8-bit bytes into an
    # "unknown-8bit" Header whose str() has lost them; decode() reads them as UTF-8.
    want = name.lower()
    try:
        values = [v for k, v in msg.raw_items() if k.lower() == want]
    except (TypeError, ValueError, AttributeError, MessageError):
        return ""
    if not values:
        return ""
    return decode_list(values[0]) if lists else decode(values[0])


def _first_addr(raw: str) -> Address | None:
    found = addresses(raw)
    return found[0] if found else None


def _parse_mail(data: bytes, source: str) -> Message:
    if _ENVELOPE.match(data):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    msg = email.message_from_bytes(data, policy=policy.compat32)
    diags: list[Diagnostic] = []
    msgid = one_msgid(_header(msg, "Message-ID"))
    if not msgid:
        msgid = synth_msgid(data)
        diags.append(
            Diagnostic(
                "no-message-id", f"message has no Message-ID; using <{msgid}>", "info", source
            )
        )
    subject_raw = _header(msg, "Subject")
    if not subject_raw:
        diags.append(Diagnostic("no-subject", "message has no Subject", "info", source))
    body, body_diags = extract_body(msg, source)
    diags.extend(body_diags)
    if msg.defects:
        names = sorted({type(d).__name__ for d in msg.defects})
        diags.append(
            Diagnostic(
                "mime-defects", f"malformed MIME structure: {', '.join(names)}", "info", source
            )
        )
    in_reply = msgids(_header(msg, "In-Reply-To", lists=True))
    return Message(
        msgid=msgid,
        subject=parse_subject(subject_raw),
        from_=_first_addr(_header(msg, "From")),
        reply_to=addresses(_header(msg, "Reply-To", lists=True)),
        x_original_from=_first_addr(_header(msg, "X-Original-From")),
        to=addresses(_header(msg, "To", lists=True)),
        cc=addresses(_header(msg, "Cc", lists=True)),
        date=_header(msg, "Date"),
        in_reply_to=in_reply[0] if in_reply else None,
        references=msgids(_header(msg, "References", lists=True)),
        body=body,
        trailers=trailers(body),
        source=source,
        diagnostics=tuple(diags),
        raw_size=len(data),
    )


def _parse_plain(data: bytes, source: str) -> Message:
    text, _bad = decode_bytes(data, "utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    found: dict[str, str] = {}
    consumed = 0
    # Only the top of the text: a web page's title and byline block.
    for i, line in enumerate(lines[:12]):
        stripped = line.strip()
        if not stripped or (len(stripped) <= 2 and not stripped.isalnum()):
            continue  # blank lines and page decoration ("-", "|")
        if not found and _SUBJECTISH.match(stripped) and len(stripped) < 400:
            found["Subject"] = stripped
            consumed = i + 1
            continue
        a = _AUTHORED.match(stripped)
        if a and "From" not in found:
            found["From"] = a.group(1)
            continue
        m = _PLAIN_FIELD.match(stripped)
        if m and m.group(1) not in found:
            found[m.group(1)] = m.group(2)
            if len(stripped) < 400:
                consumed = i + 1
            continue
        break
    body = "\n".join(lines[consumed:]).lstrip("\n") if consumed else text
    from_raw = found.get("From", "")
    if len(from_raw) > 200:
        # A collapsed page: keep "Name <addr>" and leave the rest to the body.
        cut = from_raw.find(">")
        from_raw = from_raw[: cut + 1] if 0 < cut < 200 else from_raw[:80]
    msgid = synth_msgid(data)
    missing = [n for n in ("Subject", "From", "Date") if n not in found]
    what = "recovered " + ", ".join(n for n in ("Subject", "From", "Date") if n in found)
    if not found:
        what = "nothing recovered"
    diags = [
        Diagnostic(
            "not-rfc5322",
            "input is plain text without mail headers (a web copy?): "
            f"{what} from its first lines; no Message-ID, using <{msgid}>"
            + (f"; missing: {', '.join(missing)}" if missing else ""),
            "warning",
            source,
        )
    ]
    return Message(
        msgid=msgid,
        subject=parse_subject(clean(found.get("Subject", ""))),
        from_=_first_addr(clean(from_raw)),
        date=clean(found.get("Date", "")),
        body=body,
        trailers=trailers(body),
        source=source,
        diagnostics=tuple(diags),
        raw_size=len(data),
    )
