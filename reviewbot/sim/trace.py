"""Counterexamples drawn in CPU columns, the way kernel people draw races.

    CPU0 (write)              CPU1 (getattr)
    ------------              --------------
    generic_perform_write()
      i_size = 8192
                              p9_client_getattr() -> 4096
                              i_size_write(4096)  <-- i_size never goes backwards
                                i_size = 4096

One column per thread, one step per row group: the step's label (wrapped inside its
column), then the shared values it changed, indented. The violating step carries the
property's description to its right when there is room, else on the lines below.
Plain ASCII (non-ASCII is transliterated), no trailing blanks, at most ``width`` wide.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from reviewbot.model import PropertyResult, SimResult, TraceStep

GAP = 2
CONT = "    "  # wrapped label text; changed values are indented by two


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "replace").decode("ascii").replace("\t", " ")


def _cut(word: str, room: int) -> int:
    """Where to break a word longer than ``room``: after ( , _ . > if one is late enough."""
    for i in range(room, room // 2, -1):
        if word[i - 1] in "(,_.>":
            return i
    return room


def _wrap(text: str, width: int, indent: str = "", first: str = "") -> list[str]:
    """Greedy fill: words never split unless longer than a line (then at a good place),
    pieces of one word never gain a space. ``first`` indents the first line."""
    width = max(width, len(indent) + 4, len(first) + 4)
    lines: list[str] = []
    lead = first
    cur = ""
    for word in _ascii(text).split():
        if cur and len(lead) + len(cur) + 1 + len(word) <= width:
            cur += " " + word
            continue
        if cur:
            lines.append(lead + cur)
            lead, cur = indent, ""
        rest = word
        while len(lead) + len(rest) > width:
            k = _cut(rest, width - len(lead))
            lines.append(lead + rest[:k])
            lead, rest = indent, rest[k:]
        cur = rest
    if cur or not lines:
        lines.append((lead + cur).rstrip())
    return lines


def _column_of(result: SimResult, steps: Sequence[TraceStep]) -> dict[str, int]:
    """Thread name -> column: a header is the name or mentions it as "(name)"."""
    cols: dict[str, int] = {}
    for step in steps:
        if step.thread in cols:
            continue
        for i, head in enumerate(result.threads):
            if head == step.thread or head.endswith(f"({step.thread})"):
                cols[step.thread] = i
                break
        else:
            cols[step.thread] = min(len(cols), max(len(result.threads) - 1, 0))
    return cols


def _changes(step: TraceStep, width: int) -> list[str]:
    items = [f"{k} = {v}" for k, v in step.changes]
    if not items:
        return []
    joined = "  " + ", ".join(items)
    if len(joined) <= width:
        return [joined]
    out: list[str] = []
    for item in items:
        out.extend(_wrap(item, width, "  ", first="  "))
    return out


def _layout(
    headers: Sequence[str], steps: Sequence[TraceStep], cols: dict[str, int], width: int
) -> tuple[list[int], list[int], list[int]]:
    """Shown columns, their start offsets, and the room each one's text may use.

    Natural widths when everything fits side by side; otherwise columns are spaced so
    the rightmost still has room for its text, and text runs on to the right edge
    (each row holds one step, so nothing collides; the start column shows the CPU).
    """
    shown = sorted({cols.get(st.thread, 0) for st in steps}) or [0]
    need = {c: len(_ascii(headers[c])) if c < len(headers) else 4 for c in shown}
    for st in steps:
        c = cols.get(st.thread, 0)
        longest = max([len(_ascii(st.label))] + [len(k) + len(v) + 5 for k, v in st.changes])
        need[c] = max(need[c], longest)
    n = len(shown)
    if sum(need.values()) + GAP * (n - 1) <= width:
        starts, acc = [], 0
        for c in shown:
            starts.append(acc)
            acc += need[c] + GAP
        rooms = [need[c] for c in shown]
        return shown, starts, rooms
    heads = [_ascii(headers[c]) if c < len(headers) else "?" for c in shown]
    whole = max(len(h) for h in heads) + GAP  # headers on one line each
    least = max(len(w) for h in heads for w in h.split()) + GAP  # no word broken
    last_room = min(need[shown[-1]], 44)
    # as far apart as the last column's text allows; whole headers if they fit in
    # an even share of the width; never narrower than the longest header word
    step = max(least, min(whole, width // n), (width - last_room) // (n - 1)) if n > 1 else 0
    starts = [i * step for i in range(n)]
    return shown, starts, [width - x for x in starts]


def _label_lines(label: str, width: int) -> list[str]:
    """The label wrapped to ``width``; continuation lines indented by CONT."""
    return _wrap(label, width, CONT)


def render_steps(
    headers: Sequence[str], steps: Sequence[TraceStep], cols: dict[str, int], width: int = 78
) -> str:
    """Draw ``steps``; ``cols`` maps a step's thread to its index in ``headers``."""
    shown, starts, rooms = _layout(headers, steps, cols, width)
    where = {c: i for i, c in enumerate(shown)}
    rows: list[str] = []
    head_lines = []
    for i, c in enumerate(shown):
        room = (starts[i + 1] - starts[i] - GAP) if i + 1 < len(shown) else width - starts[i]
        head_lines.append(_wrap(headers[c] if c < len(headers) else "?", room))
    for r in range(max(len(h) for h in head_lines)):
        line = ""
        for i, h in enumerate(head_lines):
            line = line.ljust(starts[i]) + (h[r] if r < len(h) else "")
        rows.append(line.rstrip())
    line = ""
    for i, h in enumerate(head_lines):
        line = line.ljust(starts[i]) + "-" * max(len(x) for x in h)
    rows.append(line.rstrip())
    for st in steps:
        i = where[cols.get(st.thread, 0)]
        lines = _label_lines(st.label, rooms[i]) + _changes(st, rooms[i])
        below: list[str] = []
        if st.note:
            note = _ascii(st.note)
            # a note may run into the columns to the right: try the label's line,
            # then the step's other lines, then lines of its own below the step
            for k in [0, *range(len(lines) - 1, 0, -1)]:
                if starts[i] + len(lines[k]) + GAP + len(note) <= width:
                    lines[k] = lines[k] + " " * GAP + note
                    break
            else:
                if width - starts[i] >= 30:
                    lines.extend(_wrap(note, width - starts[i]))
                else:
                    below = _wrap(note, width)
        rows.extend((" " * starts[i] + ln).rstrip() for ln in lines)
        rows.extend(below)
    return "\n".join(rows) + "\n"


def render_columns(result: SimResult, prop: PropertyResult, width: int = 78) -> str:
    """The counterexample (or witness) of ``prop`` in CPU columns, at most ``width`` wide."""
    if not prop.trace:
        what = "holds" if prop.verdict == "holds" else prop.verdict
        if prop.verdict == "violated" and prop.kind != "sometimes":
            return f"{prop.property}: violated in the initial state ({prop.description})\n"
        return f"{prop.property}: {what}, no trace\n"
    cols = _column_of(result, prop.trace)
    return render_steps(result.threads, prop.trace, cols, width)
