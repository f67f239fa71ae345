"""The text of a message that carries prose and diffs, decoded to str.

Inline text, ``text/x-patch`` / ``text/x-diff`` and other text attachments are kept, in
order; transfer encodings (quoted-printable, base64) are undone; any charset is decoded,
with ``unknown-8bit`` and unknown charsets read as UTF-8 and, failing that, Latin-1 so
that no byte is ever fatal. CRLF line ends become LF.
"""

from __future__ import annotations

import codecs
import quopri
import re
from email.errors import (
    InvalidBase64CharactersDefect,
    InvalidBase64LengthDefect,
    MessageError,
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
)
from email.message import Message as EmailMessage

from reviewbot.mail.sources import looks_binary
from reviewbot.model import Diagnostic, Trailer

# The code of the diagnostic that makes a message damaged input, not a message to review.
UNDECODABLE = "undecodable-body"

_PATCH_NAME = re.compile(r"\.(?:patch|diff|txt)$", re.IGNORECASE)
_TRAILER = re.compile(r"^\s{0,4}([A-Za-z][A-Za-z0-9-]{1,40}):[ \t]+(\S.*)$")
_TRAILER_NAMES = frozenset(
    n.lower()
    for n in ("Fixes", "Link", "Closes", "Cc", "Reported-and-tested-by", "Cc-stable", "Message-ID")
)
_DIFF_START = re.compile(r"^(?:diff --git |Index: |--- a/)")
# In real quoted-printable every "=" starts "=XX" or a soft line break; C code is full
# of "a = b". A body labelled QP that has a bare "=" was already decoded by whoever
# handed it to us (b4 feeds check commands such bodies): decoding it again would join
# every diff line that ends in "=" to the next one. A soft break may carry transport
# padding ("= " then the line end, RFC 2045 6.7), and a cut-off body may end in "=" or
# "=X": neither is a bare "=".
_NOT_QP = re.compile(r"=(?![0-9A-Fa-f]{2}|[ \t]*\r?$|[0-9A-Fa-f]?\s*\Z)", re.MULTILINE)
# The decoder skipped input it could not use: the text it returns is not the text sent.
_B64_DAMAGE = (InvalidBase64CharactersDefect, InvalidBase64LengthDefect)
# A multipart whose parts cannot be found: the whole body is lost.
_NO_PARTS = (NoBoundaryInMultipartDefect, StartBoundaryNotFoundDefect)


# binascii.a2b_qp (behind the stdlib's decoding) keeps the padding and the "=".
_PADDED_SOFT_BREAK = re.compile(rb"=[ \t]+(?=\r?\n|\Z)")


def _is_qp(part: EmailMessage) -> bool:
    return part.get("Content-Transfer-Encoding", "").strip().lower() == "quoted-printable"


def _already_decoded_qp(part: EmailMessage) -> bool:
    raw = part.get_payload()
    return _is_qp(part) and isinstance(raw, str) and bool(_NOT_QP.search(raw))


def _decode_qp(raw: str) -> bytes:
    data = raw.encode("utf-8", "surrogateescape")  # the bytes as received
    return quopri.decodestring(_PADDED_SOFT_BREAK.sub(b"=", data))


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode ``data``; the flag says the declared charset was missing, unknown or wrong."""
    name = (charset or "").strip().strip('"').lower()
    if name and name not in ("unknown-8bit", "x-unknown", "unknown"):
        try:
            codecs.lookup(name)
        except LookupError:
            name = ""
        else:
            try:
                return data.decode(name), False
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        return data.decode("utf-8"), bool(name)
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def _wanted(part: EmailMessage) -> bool:
    ctype = part.get_content_type()
    try:
        name = part.get_filename() or ""
    except (TypeError, ValueError, LookupError, MessageError):
        name = ""
    if ctype in ("text/plain", "text/x-patch", "text/x-diff", "text/x-c", "text/x-csrc"):
        return True
    if ctype.startswith("text/") and ctype != "text/html":
        return part.get_content_disposition() == "attachment" or bool(_PATCH_NAME.search(name))
    return ctype == "application/octet-stream" and bool(_PATCH_NAME.search(name))


def extract_body(msg: EmailMessage, where: str) -> tuple[str, tuple[Diagnostic, ...]]:
    """Concatenate the decoded text parts that can carry prose or a patch."""
    texts: list[str] = []
    diags: list[Diagnostic] = []
    html: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_maintype() == "multipart":
            if any(isinstance(d, _NO_PARTS) for d in part.defects):
                diags.append(
                    _undecodable(
                        f"{part.get_content_type()} body has no usable "
                        "boundary, so its parts cannot be separated",
                        where,
                    )
                )
            continue
        ctype = part.get_content_type()
        if not _wanted(part) and ctype != "text/html":
            continue
        payload: object
        try:
            raw_text = part.get_payload()
            if _already_decoded_qp(part) and isinstance(raw_text, str):
                payload = raw_text.encode("utf-8", "surrogateescape")
            elif _is_qp(part) and isinstance(raw_text, str):
                payload = _decode_qp(raw_text)
            else:
                payload = part.get_payload(decode=True)
        except (ValueError, TypeError, LookupError, AssertionError, MessageError):
            payload = None
        if not isinstance(payload, bytes):
            raw = part.get_payload()
            payload = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
        elif _base64_lost(part, payload):
            diags.append(_undecodable(f"base64 {ctype} part does not decode to text", where))
            continue
        try:
            charset = part.get_content_charset()
        except (ValueError, LookupError, TypeError, MessageError):
            charset = None
        text, bad = decode_bytes(payload, charset)
        if bad:
            diags.append(
                Diagnostic(
                    "invalid-charset",
                    f"declared charset {charset or 'none'!r} does not decode the text; "
                    "read it as UTF-8/Latin-1 instead",
                    "info",
                    where,
                )
            )
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        (html if ctype == "text/html" else texts).append(text)
    if not texts and html:
        diags.append(Diagnostic("html-only", "message has only an HTML part", "warning", where))
        texts = html
    return "\n".join(texts), tuple(diags)


def _base64_lost(part: EmailMessage, decoded: bytes) -> bool:
    """Base64 the decoder had to skip input of and got no text from. A few skipped
    characters in a body that still reads as text (a list footer pasted below the
    base64) do not lose it."""
    if part.get("Content-Transfer-Encoding", "").strip().lower() != "base64":
        return False
    if not any(isinstance(d, _B64_DAMAGE) for d in part.defects):
        return False
    return not decoded.strip() or looks_binary(decoded)


def _undecodable(what: str, where: str) -> Diagnostic:
    return Diagnostic(UNDECODABLE, f"body cannot be decoded: {what}", "error", where)


def trailers(body: str) -> tuple[Trailer, ...]:
    """``Name-by: value`` lines (and Fixes/Link/Cc...) of the commit message part."""
    out: list[Trailer] = []
    for line in body.split("\n"):
        if _DIFF_START.match(line):
            break
        m = _TRAILER.match(line)
        if not m:
            continue
        name = m.group(1)
        if name.lower().endswith("-by") or name.lower() in _TRAILER_NAMES:
            out.append(Trailer(name=name, value=" ".join(m.group(2).split())))
    return tuple(out)
