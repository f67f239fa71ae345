"""Header decoding and sanitising: untrusted text never becomes a header later.

Every value that reaches ``Message`` goes through ``clean``: RFC 2047 words decoded,
CR/LF and other control characters removed, runs of whitespace collapsed. A draft built
from these values therefore cannot smuggle a second header into a reply.
"""

from __future__ import annotations

import re
from email.errors import MessageError
from email.header import decode_header, make_header
from email.utils import getaddresses

from reviewbot.model import Address

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MSGID = re.compile(r"<([^<>\s]+)>")
# A run of RFC 2047 encoded words; the whitespace between two of them is not text.
_EWORD = r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?="
_EWORDS = re.compile(rf"{_EWORD}(?:\s+{_EWORD})*")
# Bytes that were not ASCII, as the stdlib parser hands them over (surrogateescape).
_ESCAPED = re.compile(r"[\udc80-\udcff]")
# Longest header value kept: beyond this it is damage or abuse, not a header.
MAX_VALUE = 2000
# Lists (References, To, Cc) run longer on real threads and treewide patches; a cut in
# the middle of one would invent an address or a Message-ID, so they get more room.
MAX_LIST = 100_000


def clean(value: str, limit: int = MAX_VALUE) -> str:
    """One line of printable text."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def decode(raw: object, limit: int = MAX_VALUE) -> str:
    """Decode a header value: raw UTF-8 (RFC 6532) and RFC 2047 words; never raises."""
    if raw is None:
        return ""
    text = _EWORDS.sub(_decode_words, _undo_8bit(str(raw)))
    return clean(text, limit)


def decode_list(raw: object) -> str:
    """``decode`` for address and Message-ID lists: a cut drops the cut-off item."""
    text = decode(raw, MAX_LIST)
    if len(text) == MAX_LIST:
        text = text[: max(text.rfind(","), text.rfind(">") + 1, 0)]
    return text


def _undo_8bit(text: str) -> str:
    """Raw 8-bit header bytes are UTF-8 on lore (RFC 6532), else read as Latin-1."""
    if not _ESCAPED.search(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_words(m: re.Match[str]) -> str:
    # Unknown or lying charset: keep the raw (still encoded) words rather than fail.
    try:
        return str(make_header(decode_header(m.group(0))))
    except (ValueError, LookupError, UnicodeError, AssertionError, TypeError, MessageError):
        return m.group(0)


def addresses(raw: str) -> tuple[Address, ...]:
    """Parse an address list; redacted (``xxxx@xxxx``) and odd addresses survive."""
    if not raw:
        return ()
    if "@" not in raw and "<" not in raw:
        # "From: David Howells" in web copies: a name without an address.
        return (Address(name=clean(raw), addr=""),)
    try:
        pairs = getaddresses([raw])
    except (ValueError, IndexError, TypeError, MessageError):
        pairs = []
    out: list[Address] = []
    for raw_name, raw_addr in pairs:
        name, addr = clean(raw_name), clean(raw_addr)
        if not addr and not name:
            continue
        if not addr and "@" in name:
            name, addr = "", name
        out.append(Address(name=name, addr=addr))
    if not out:
        out.append(Address(name=clean(raw), addr=""))
    return tuple(out)


def msgids(raw: str) -> tuple[str, ...]:
    """Every ``<id>`` in a References/In-Reply-To value, in order, deduplicated."""
    seen: dict[str, None] = {}
    for m in _MSGID.finditer(raw or ""):
        seen.setdefault(clean(m.group(1)), None)
    return tuple(seen)


def one_msgid(raw: str) -> str:
    ids = msgids(raw)
    if ids:
        return ids[0]
    return clean(raw).strip("<>").split(" ")[0] if raw else ""
