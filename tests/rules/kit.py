"""Helpers for the rules/analyze/pipeline tests: load fixtures, mutate patches."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from reviewbot import diffparse
from reviewbot.analyze import Analysis, analyze
from reviewbot.model import Message, PropertyResult, SimResult, SimStats

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "patches"
SEEDS = {
    "000": FIX / "0020-webcopy-seed-000-9p-getattr-writeback.txt",
    "001": FIX / "0001-seed-001-netfs-9p-umount-race.mbox",
    "001v2": FIX / "0002-seed-001-netfs-9p-umount-race-v2.mbox",
    "001v3": FIX / "0003-seed-001-netfs-9p-umount-race-v3.mbox",
    "002": FIX / "0004-seed-002-ext2-iomap-seq-counter.mbox",
    "003": FIX / "0005-seed-003-bcachefs-revert-lockless-buffered-io.mbox",
    "004": FIX / "0006-seed-004-iomap-write-validity-checks.mbox",
    "002web": FIX / "0022-webcopy-seed-002-ext2-iomap-seq-counter.txt",
    "003web": FIX / "0023-webcopy-seed-003-bcachefs-revert-lockless-io.txt",
    "004web": FIX / "0024-webcopy-seed-004-iomap-write-validity-checks.txt",
}
NEGATIVES = sorted(FIX.glob("00[01][0-9]-neg-*.mbox"))


def messages(path: Path) -> list[Message]:
    """Every message of a fixture, through the real mail reader."""
    from reviewbot import mail

    return list(mail.load(str(path)).messages)


def text_message(text: str, subject: str = "[PATCH] synthetic") -> Message:
    from reviewbot import mail

    raw = f"From: A <a@example.org>\nSubject: {subject}\nMessage-ID: <t@example.org>\n\n{text}"
    return mail.parse_message(raw.encode(), "test")


def body_of(path: Path, index: int = 0) -> str:
    return messages(path)[index].body


def run(msg: Message, runner: object = None) -> Analysis:
    patch = diffparse.extract_patch(msg)
    return analyze(patch, diffparse.changed_functions(patch), runner=runner)  # type: ignore[arg-type]


def verdicts(analysis: Analysis) -> list[tuple[str, str, str]]:
    """(rule, function, verdict) for every finding, sorted."""
    return sorted((f.rule, f.function, f.verdict) for f in analysis.findings)


# --------------------------------------------------------------------------- mutations

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


def drop_added(body: str, pattern: str) -> str:
    """Remove every added line matching ``pattern`` and fix the hunk counts."""
    out: list[str] = []
    header_at = -1
    removed = 0
    for line in body.split("\n"):
        m = _HUNK.match(line)
        if m:
            _fix(out, header_at, removed)
            header_at, removed = len(out), 0
        if line.startswith("+") and not line.startswith("+++") and re.search(pattern, line):
            removed += 1
            continue
        out.append(line)
    _fix(out, header_at, removed)
    return "\n".join(out)


def drop_from_post_image(body: str, pattern: str) -> str:
    """Take every line matching ``pattern`` out of the post-image: added lines go,
    context lines become removed lines (the pre-image keeps them)."""
    marked = []
    for line in body.split("\n"):
        if line.startswith(" ") and re.search(pattern, line):
            marked += ["-" + line[1:], "+\0DROP"]  # the "+" keeps drop_added's count right
        else:
            marked.append(line)
    return drop_added(drop_added("\n".join(marked), pattern), "\0DROP")


def drop_added_block(body: str, start: str) -> str:
    """Remove the added statement that starts on a line matching ``start`` and runs to
    its closing brace (an ``if (...) { ... }`` block), fixing the hunk counts."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("+") and re.search(start, line):
            depth, j = 0, i
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                if (depth <= 0 and j > i) or (depth == 0 and "{" not in lines[i]):
                    break
                j += 1
            marked = lines[:i] + ["+\0DROP"] * (j - i + 1) + lines[j + 1 :]
            return drop_added("\n".join(marked), "\0DROP")
    raise AssertionError(f"no added line matches {start!r}")


def _fix(out: list[str], at: int, removed: int) -> None:
    if at < 0 or not removed:
        return
    m = _HUNK.match(out[at])
    assert m is not None
    a, b, c, d, rest = m.groups()
    out[at] = f"@@ -{a},{b or 1} +{c},{int(d or 1) - removed} @@{rest}"


def replace_added(body: str, old: str, new: str) -> str:
    """Rewrite added lines (same line count: the hunk headers stay right)."""
    return "\n".join(
        line.replace(old, new) if line.startswith("+") and not line.startswith("+++") else line
        for line in body.split("\n")
    )


def reverse(body: str) -> str:
    """The reversed patch: +/- swapped, @@ ranges and ---/+++ names swapped."""
    out = []
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old, new = line[4:], lines[i + 1][4:]
            out += ["--- " + new.replace("b/", "a/", 1), "+++ " + old.replace("a/", "b/", 1)]
            i += 2
            continue
        m = _HUNK.match(line)
        if m:
            a, b, c, d, rest = m.groups()
            out.append(f"@@ -{c},{d or 1} +{a},{b or 1} @@{rest}")
        elif line.startswith("+"):
            out.append("-" + line[1:])
        elif line.startswith("-"):
            out.append("+" + line[1:])
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def rename_all(body: str, names: list[str], paths: list[str]) -> str:
    """Rename every function the patch changes and every file it touches."""
    for i, name in enumerate(sorted(names, key=len, reverse=True)):
        body = re.sub(rf"\b{re.escape(name)}\b", f"zq{i}_fn", body)
    for i, path in enumerate(sorted(paths, key=len, reverse=True)):
        ext = path.rsplit(".", 1)[-1]
        body = body.replace(path, f"fs/zq/f{i}.{ext}")
    return body


def renamed(msg: Message, body: str | None = None) -> Message:
    """``body`` (default: the message's own) with the message's functions/files renamed."""
    patch = diffparse.extract_patch(msg)
    fns = diffparse.changed_functions(patch)
    names = [f.name for f in fns]
    paths = [fc.path for fc in patch.files]
    text = msg.body if body is None else body
    return text_message(rename_all(text, names, paths), "[PATCH] renamed")


# --------------------------------------------------------------------------- fake sim


def fake_runner(bad: Mapping[str, set[str]], prop: str = "fake"):  # type: ignore[no-untyped-def]
    """A stand-in simulation: violated iff some knob has one of the ``bad`` values."""

    def run(scenario: str, knobs: Mapping[str, str]) -> SimResult:
        violated = any(knobs.get(k) in v for k, v in bad.items())
        result = PropertyResult(
            property=prop,
            kind="always",
            description="fake invariant",
            verdict="violated" if violated else "holds",
        )
        stats = SimStats(states=1, transitions=0, executions=1, seconds=0.0, complete=True)
        return SimResult(scenario, tuple(sorted(knobs.items())), ("t",), (result,), stats)

    return run
