"""Characters a terminal would act on instead of showing, made visible.

Mail is hostile: a subject, a path or a hunk header may carry escape sequences or the
Unicode bidi overrides that reorder what a reader sees ("Trojan Source"). Text meant for
a terminal shows them as ``\\x1b`` / ``\\u202e``; JSON shows them as ``\\u`` escapes,
which decode back to the same string.
"""

from __future__ import annotations

import re

# DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, zero-width
# characters, line and paragraph separators, and the byte-order mark; and C0 controls
# (tab is harmless in a line of text, not in a path). One set for every output:
# render.headers replaces the same characters where it cleans header text.
UNSAFE = "\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff"
_IN_TEXT = re.compile(f"[\x00-\x08\x0a-\x1f{UNSAFE}]")
_IN_TEXT_TABS = re.compile(f"[\x00-\x1f{UNSAFE}]")
# json.dumps already escapes C0; what it leaves raw with ensure_ascii=False.
_IN_JSON = re.compile(f"[{UNSAFE}]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, tabs: bool = False) -> str:
    """``text`` with every unsafe character written as an escape (a newline too: the
    result is one line); ``tabs``: also tab (for values such as paths)."""
    return (_IN_TEXT_TABS if tabs else _IN_TEXT).sub(_escape, text)


def json_safe(doc: str) -> str:
    """JSON text whose strings keep their value but show unsafe characters as ``\\u``."""
    return _IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", doc)
