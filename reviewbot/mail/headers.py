"""Header decoding and sanitising: untrusted text never becomes a header later.

Every value that reaches ``Message`` goes through ``clean``: RFC 2047 words decoded,
CR/LF and other control characters removed, runs of whitespace collapsed. A draft built
from these values therefore cannot smuggle a second header into a reply.
"""

from __future__ import annotations

import contextlib
import re
from email.errors import MessageError
from email.header import decode_header, make_header
from email.utils import getaddresses

from reviewbot.model import Address

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MSGID = re.compile(r"<([^<>\s]+)>")
# Longest header value kept: beyond this it is damage or abuse, not a header.
MAX_VALUE = 2000


def clean(value: str) -> str:
    """One line of printable text."""
    return " ".join(_CONTROL.sub(" ", value).split())[:MAX_VALUE]


def decode(raw: object) -> str:
    """Decode an RFC 2047 header value of any charset; never raises."""
    if raw is None:
        return ""
    text = str(raw)
    # Unknown or lying charset: keep the raw (still encoded) text rather than fail.
    with contextlib.suppress(
        ValueError, LookupError, UnicodeError, AssertionError, TypeError, MessageError
    ):
        text = str(make_header(decode_header(text)))
    return clean(text)


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
