"""File names in git diff headers: C-style quoting, ``a/``/``b/`` prefixes.

git writes a name that holds a control character, a double quote or a backslash (and,
with ``core.quotePath`` on, the default, any byte above 0x7f) between double quotes with
C escapes: ``"a/fs/caf\\303\\251.c"``. Left quoted, the two sides differ in their
prefix inside the quotes and the file looks renamed to a name no tree holds.
"""

from __future__ import annotations

from reviewbot.diffparse.visible import visible

_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}


def unquote(text: str) -> tuple[str, str] | None:
    """(name, rest after the closing quote) of a quoted name at the start of ``text``;
    None when ``text`` does not start with a well-formed quoted name."""
    if not text.startswith('"'):
        return None
    out = bytearray()
    i = 1
    while i < len(text):
        c = text[i]
        if c == '"':
            return out.decode("utf-8", "replace"), text[i + 1 :]
        if c != "\\":
            out += c.encode("utf-8", "replace")
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif len(text) >= i + 4 and all(d in "01234567" for d in text[i + 1 : i + 4]):
            out.append(int(text[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            return None  # git never writes another escape: not a quoted name
    return None


def header_path(raw: str) -> str | None:
    """The file a ``---``/``+++`` value names, without its ``a/``/``b/`` prefix; None
    for ``/dev/null``. A name with characters a terminal acts on is kept, escaped."""
    raw = raw.strip()
    q = unquote(raw)
    # Unquoted names end at a tab (git adds one when the name has a space, and
    # diff -u puts the timestamp after it).
    path = q[0] if q is not None else raw.split("\t")[0]
    return None if path == "/dev/null" else _name(path)


def git_line_paths(rest: str) -> tuple[str | None, str | None]:
    """(old, new) from what follows ``diff --git ``: each name quoted or not."""
    rest = rest.strip()
    first = unquote(rest)
    if first is not None:
        old, tail = first[0], first[1].strip()
    elif ' "b/' in rest:
        old, tail = rest.split(' "b/', 1)
        tail = '"b/' + tail
    else:
        parts = rest.split(" b/", 1)
        if len(parts) != 2:
            return None, None
        old, tail = parts[0], "b/" + parts[1]
    second = unquote(tail)
    return _name(old), _name(second[0] if second is not None else tail)


def _name(path: str) -> str | None:
    path = path[2:] if path[:2] in ("a/", "b/") else path
    return visible(path, tabs=True) if path else None
