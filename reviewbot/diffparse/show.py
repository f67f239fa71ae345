"""What reviewbot understood of its input, for ``reviewbot parse``.

messages -> series -> patches -> files -> hunks -> changed functions -> facts, as
readable text or as JSON (plain dicts of the model's dataclasses).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from reviewbot.diffparse.visible import json_safe, visible
from reviewbot.model import ChangedFunction, Diagnostic, FunctionSide, Patch, Series

PARSE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Understood:
    patches: tuple[Patch, ...]
    functions: tuple[tuple[ChangedFunction, ...], ...]  # per patch
    series: tuple[Series, ...]
    diagnostics: tuple[Diagnostic, ...]  # of the batch (per-message ones live on messages)


def understand(source: str, *, stdin: bytes | None = None, tree: str | None = None) -> Understood:
    from reviewbot.diffparse import extract_patch, map_functions
    from reviewbot.mail import group_series, load

    batch = load(source, stdin=stdin)
    patches: list[Patch] = []
    funcs: list[tuple[ChangedFunction, ...]] = []
    diags = list(batch.diagnostics)
    for msg in batch.messages:
        patch = extract_patch(msg)
        found, more = map_functions(patch, tree)
        patches.append(patch)
        funcs.append(found)
        diags.extend(more)
    return Understood(tuple(patches), tuple(funcs), group_series(batch.messages), tuple(diags))


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    return obj


def to_json(u: Understood) -> str:
    messages = []
    for patch, funcs in zip(u.patches, u.functions, strict=True):
        p = _plain(patch)
        msg = p.pop("message")
        msg["patch"] = p
        msg["patch"]["functions"] = [_plain(f) for f in funcs]
        messages.append(msg)
    doc = {
        "schema": PARSE_SCHEMA_VERSION,
        "messages": messages,
        "series": [_plain(s) for s in u.series],
        "diagnostics": [_plain(d) for d in u.diagnostics],
    }
    return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def _diag(d: Diagnostic, indent: str) -> str:
    return f"{indent}! {d.severity}: {d.code}: {d.message}"


def _signature_cut(hint: str, side: FunctionSide) -> bool:
    """The @@ hint is this function's wrapped first line and the rest of its parameter
    list is nowhere in the hunks: the parameters after it are not shown."""
    from reviewbot.diffparse.cparse import starts_with_header
    from reviewbot.diffparse.owners import hint_name

    if side.complete or side.signature_head or hint_name(hint) != side.name:
        return False
    return hint.count("(") > hint.count(")") and not starts_with_header(side)


def _side(label: str, side: FunctionSide | None, indent: str, hint: str = "") -> list[str]:
    if side is None:
        return [f"{indent}{label}: (absent)"]
    last = side.line_numbers[-1] if side.line_numbers else side.first_line
    what = "whole function" if side.complete else f"{len(side.line_kinds)} lines of fragments"
    out = [f"{indent}{label}: lines {side.first_line}-{last}, {what}"]
    sub = indent + "  "
    if side.signature_head:
        out.append(f"{sub}signature begins on the @@ hint line")
    elif _signature_cut(hint, side):
        out.append(f"{sub}signature: only its @@ hint line is shown (--tree has the rest)")
    mark = {"added": "+", "removed": "-", "context": " "}
    for c in side.calls:
        out.append(f"{sub}{mark[c.kind]} {c.line:>5}  call {c.name}({', '.join(c.args)})")
    for a in side.assignments:
        out.append(f"{sub}{mark[a.kind]} {a.line:>5}  assign {a.left} {a.op} {a.right}")
    for cond in side.conditions:
        out.append(f"{sub}{mark[cond.kind]} {cond.line:>5}  cond ({cond.text})")
    if side.labels:
        out.append(f"{sub}labels: {', '.join(side.labels)}")
    if side.gotos:
        out.append(f"{sub}gotos: {', '.join(side.gotos)}")
    return out


def to_text(u: Understood) -> str:
    out: list[str] = []
    for d in u.diagnostics:
        out.append(_diag(d, ""))
    for patch, funcs in zip(u.patches, u.functions, strict=True):
        m = patch.message
        out.append(f"message <{m.msgid}>  ({m.source})")
        out.append(f"  subject: {m.subject.raw or '(none)'}")
        pre = " ".join(m.subject.prefixes)
        out.append(
            f"  prefixes: [{pre}] version {m.subject.version}"
            + (
                f" part {m.subject.counter}/{m.subject.total}"
                if m.subject.counter is not None
                else ""
            )
            + (" reply" if m.subject.is_reply else "")
        )
        frm = (m.from_.formatted() or m.from_.name) if m.from_ else "(unknown)"
        out.append(f"  from: {frm}  date: {m.date or '(unknown)'}")
        for d in (*m.diagnostics, *patch.diagnostics):
            out.append(_diag(d, "  "))
        state = "degraded" if patch.degraded else "ok"
        out.append(f"  patch: {len(patch.files)} file(s), {state}, id {patch.patch_id or '-'}")
        for f in patch.files:
            out.append(f"    {f.status:<8} {f.path}")
            for i, h in enumerate(f.hunks):
                added = sum(1 for x in h.lines if x.kind == "added")
                removed = sum(1 for x in h.lines if x.kind == "removed")
                fix = " (repaired)" if h.repaired else ""
                out.append(
                    f"      hunk {i}: -{h.old_start},{h.old_count} +{h.new_start},{h.new_count}"
                    f" +{added}/-{removed}{fix}  @@ {h.section}"
                )
        if patch.recovered is not None:
            r = patch.recovered
            out.append("  recovered (degraded analysis):")
            out.append(f"    files: {', '.join(r.files) or '-'}")
            out.append(f"    functions: {', '.join(r.functions) or '-'}")
            out.append(f"    calls: {', '.join(r.calls[:30]) or '-'}")
        for cf in funcs:
            reg = f"  registered as {', '.join(cf.registered_as)}" if cf.registered_as else ""
            out.append(f"  function {cf.name}()  {cf.file}  hunks {list(cf.hunks)}{reg}")
            if cf.header_hint:
                out.append(f"    @@ hint: {cf.header_hint}")
            out.extend(_side("before", cf.before, "    ", cf.header_hint))
            out.extend(_side("after", cf.after, "    ", cf.header_hint))
    for s in u.series:
        state = "complete" if s.complete else "incomplete"
        out.append(
            f"series v{s.version} {s.key}: {len(s.parts)} part(s) of {s.total or 1}, "
            f"{state}" + (f", cover <{s.cover}>" if s.cover else "")
        )
    if not u.patches:
        out.append("no messages")
    # Everything above comes from the mail: a terminal must show, not obey, its escape
    # sequences and bidi overrides.
    return "\n".join(visible(line) for line in out) + "\n"
