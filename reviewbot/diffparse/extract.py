"""Message -> Patch: locate, repair and parse the diff; degrade honestly when it is lost."""

from __future__ import annotations

from reviewbot.diffparse.files import build_files, patch_id
from reviewbot.diffparse.locate import is_collapsed, locate, recover
from reviewbot.diffparse.repair import scan
from reviewbot.errors import InputError
from reviewbot.model import Diagnostic, Message, Patch


def extract_patch(msg: Message) -> Patch:
    """The patch a message carries (possibly none, possibly degraded); never raises."""
    where = msg.source or msg.msgid
    body = msg.body
    if is_collapsed(body):
        rec = recover(body)
        has_diff = "@@ -" in body or "diff --git" in body
        what = "the diff" if has_diff else "the line structure"
        diag = Diagnostic(
            "collapsed-newlines",
            f"the text's line breaks were collapsed into spaces, so {what} cannot be rebuilt; "
            f"kept the subject, commit message, {len(rec.files)} file name(s), "
            f"{len(rec.functions)} function name(s) and {len(rec.calls)} called name(s) "
            "for a degraded analysis",
            "warning",
            where,
        )
        diags = [diag]
        if not has_diff:
            diags.append(_no_diff(where))
        return Patch(
            message=msg,
            files=(),
            commit_message=rec.commit_message,
            degraded=True,
            recovered=rec,
            diagnostics=tuple(diags),
        )
    found = locate(body)
    if found is None:
        diag = _no_diff(where)
        return Patch(
            message=msg,
            files=(),
            commit_message=body.strip(),
            degraded=True,
            recovered=recover(body),
            diagnostics=(diag,),
        )
    result = scan(found.diff_lines, where)
    diags = list(result.diagnostics)
    if found.quoted:
        diags.append(
            Diagnostic(
                "quoted-patch",
                'the diff is quoted in a reply ("> "); hunks may be incomplete where the '
                "reviewer snipped or commented",
                "info",
                where,
            )
        )
    repaired = sum(h.repaired for f in result.files for h in f.hunks)
    if repaired:
        diags.append(
            Diagnostic(
                "repaired-context",
                f"{repaired} context line(s) had lost their leading space and were repaired "
                "from the @@ line counts",
                "info",
                where,
            )
        )
    try:
        files = build_files(result)
    except InputError as exc:
        diags.append(Diagnostic("unparsable-diff", exc.details(), "warning", where))
        return Patch(
            message=msg,
            files=(),
            commit_message=found.prose,
            diff_text=result.canonical(),
            degraded=True,
            recovered=recover(body),
            diagnostics=tuple(diags),
        )
    truncated = any(h.truncated for f in result.files for h in f.hunks)
    return Patch(
        message=msg,
        files=files,
        commit_message=found.prose,
        diff_text=result.canonical(),
        degraded=truncated or not files,
        recovered=recover(body) if truncated or not files else None,
        diagnostics=tuple(diags),
        patch_id=patch_id(files),
    )


def _no_diff(where: str) -> Diagnostic:
    return Diagnostic("no-diff", "no diff in this message: no code to review", "info", where)
