"""A definition's first line that only git's ``@@`` hint shows.

When a hunk starts on the continuation line of a wrapped parameter list::

    @@ -7,21 +7,26 @@ static ssize_t ext4_buffered_write_iter(struct kiocb *iocb,
                                            struct iov_iter *from)
     {

the hint and the hunk's first lines together hold the whole signature, and parsing
the fragment needs both. The hint is used only when it opens the parameter list and
the hunk's first lines close it just before the body's ``{``; anything less (a hint
cut short by git, a hunk starting at the ``{``) leaves the parameters not shown.
"""

from __future__ import annotations

from reviewbot.diffparse.owners import SideLine, code_only, hint_name

# git keeps at most 80 bytes of the hint line: one that long may have lost its tail.
_GIT_HINT_MAX = 80
# A header's parameter list spans a few lines at most (as in ``owners``).
_MAX_LINES = 8


def _depth(code: str) -> int:
    return code.count("(") - code.count(")")


def hint_head(section: str, name: str, lines: list[SideLine]) -> str:
    """``section`` when it is the first line of ``name``'s definition and ``lines`` (one
    side of a hunk, from its first line) finish that definition's parameter list right
    before the body's ``{``; otherwise ""."""
    hint = section.rstrip()
    if not hint or hint_name(hint) != name or len(hint.encode("utf-8")) >= _GIT_HINT_MAX:
        return ""
    bare = code_only([hint])[0]
    depth = _depth(bare)
    if depth <= 0 or any(c in bare for c in ";{}="):
        return ""
    if not lines or lines[0].repaired or not lines[0].text[:1].isspace():
        return ""  # a continuation line is indented; a repaired one may have been anything
    code = code_only([x.text for x in lines[: _MAX_LINES + 1]])
    for j, text in enumerate(code[:_MAX_LINES]):
        if any(c in text for c in ";{}=#"):
            return ""
        depth += _depth(text)
        if depth < 0:
            return ""
        if depth == 0:
            after = code[j + 1].strip() if j + 1 < len(code) else ""
            return hint if after == "{" else ""
    return ""
