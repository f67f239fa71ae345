"""reviewbot.watch: incremental runs, series, duplicates, errors, drafts (synthetic mail)."""

from __future__ import annotations

import email
import importlib.util
from dataclasses import replace
from email import policy
from pathlib import Path
from types import ModuleType

import pytest

from reviewbot import mail, watch
from reviewbot.errors import StateError
from reviewbot.model import Message, PatchReport

_spec = importlib.util.spec_from_file_location(
    "watch_fakes", Path(__file__).with_name("watch_fakes.py")
)
assert _spec is not None and _spec.loader is not None
fakes: ModuleType = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes)

OPTS = watch.WatchOptions(from_=fakes.ME, grace=600.0)


def _run(
    tmp_path: Path, msgs: list[bytes], *, now: float = 1000.0, **kw: object
) -> watch.WatchSummary:
    src = fakes.write_mbox(tmp_path / "in.mbox", msgs)
    batch = mail.load(str(src))
    opts = replace(OPTS, **kw)  # type: ignore[arg-type]
    return watch.run(
        batch.messages, tmp_path / "drafts", tmp_path / "state", opts, fakes.hooks(now)
    )


def _drafts(tmp_path: Path, sub: str = "new") -> list[Path]:
    return sorted((tmp_path / "drafts" / sub).iterdir())


def test_second_run_with_nothing_new_writes_nothing(tmp_path: Path) -> None:
    msgs = [
        fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG"),
        fakes.mbox_message("b@x", "[PATCH] fs: two"),
    ]
    first = _run(tmp_path, msgs)
    assert (first.seen, first.reviewed, first.drafts, first.findings) == (2, 2, 1, 1)
    assert first.exit_code == 1
    [draft] = _drafts(tmp_path)
    parsed = email.message_from_bytes(draft.read_bytes(), policy=policy.default)
    assert parsed["In-Reply-To"] == "<a@x>"
    assert draft.name == watch.draft_name("a@x")
    assert _drafts(tmp_path, "tmp") == []
    before = draft.stat().st_mtime_ns

    second = _run(tmp_path, msgs)
    assert (second.seen, second.reviewed, second.drafts, second.known) == (2, 0, 0, 2)
    assert second.exit_code == 0
    assert [p.name for p in _drafts(tmp_path)] == [draft.name]
    assert draft.stat().st_mtime_ns == before


def test_only_new_messages_are_reviewed(tmp_path: Path) -> None:
    a = fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG")
    b = fakes.mbox_message("b@x", "[PATCH] fs: two", marker="BUG")
    _run(tmp_path, [a])
    later = _run(tmp_path, [a, b])
    assert (later.reviewed, later.known, later.drafts) == (1, 1, 1)
    assert len(_drafts(tmp_path)) == 2


def test_mail_without_a_patch_is_skipped_once(tmp_path: Path) -> None:
    reply = fakes.mbox_message(
        "r@x", "Re: [PATCH] fs: one", body="Looks good.\n", in_reply_to="a@x"
    )
    first = _run(tmp_path, [reply])
    assert (first.reviewed, first.skipped) == (0, 1)
    second = _run(tmp_path, [reply])
    assert (second.skipped, second.known) == (0, 1)


def test_cross_posted_copy_is_reviewed_once(tmp_path: Path) -> None:
    body = fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG").split(b"\n\n", 1)[1].decode()
    copy1 = fakes.mbox_message("a-list1@x", "[PATCH] fs: one", body=body)
    copy2 = fakes.mbox_message("a-list2@x", "[PATCH] fs: one", body=body)
    summary = _run(tmp_path, [copy1, copy2])
    assert (summary.reviewed, summary.skipped, summary.drafts) == (1, 1, 1)
    # A copy arriving in a later run is still recognised.
    copy3 = fakes.mbox_message("a-list3@x", "[PATCH] fs: one", body=body)
    later = _run(tmp_path, [copy3])
    assert (later.reviewed, later.skipped, later.drafts) == (0, 1, 0)


def _series(n: int, have: list[int], marker: str = "BUG") -> list[bytes]:
    out = [fakes.mbox_message("c@x", f"[PATCH 0/{n}] fs: series", body="cover\n")]
    out += [
        fakes.mbox_message(
            f"p{i}@x", f"[PATCH {i}/{n}] fs: part {i}", in_reply_to="c@x", marker=marker
        )
        for i in have
    ]
    return out


def test_incomplete_series_waits_for_its_grace_period(tmp_path: Path) -> None:
    first = _run(tmp_path, _series(3, [1, 2]), now=1000.0)
    assert (first.reviewed, first.waiting, first.skipped) == (0, 2, 1)  # cover: no patch
    assert _drafts(tmp_path) == []
    still = _run(tmp_path, _series(3, [1, 2]), now=1000.0 + 599)
    assert (still.reviewed, still.waiting) == (0, 2)
    after = _run(tmp_path, _series(3, [1, 2]), now=1000.0 + 600)
    assert (after.reviewed, after.waiting, after.drafts) == (2, 0, 2)
    # The late part is reviewed on arrival: its series' clock ran out long ago.
    late = _run(tmp_path, _series(3, [1, 2, 3]), now=1000.0 + 601)
    assert (late.reviewed, late.known) == (1, 3)


def test_series_is_reviewed_together_once_complete(tmp_path: Path) -> None:
    first = _run(tmp_path, _series(2, [2]), now=1000.0)
    assert (first.reviewed, first.waiting) == (0, 1)
    done = _run(tmp_path, _series(2, [1, 2]), now=1001.0)
    assert (done.reviewed, done.waiting, done.drafts) == (2, 0, 2)


def test_no_wait_reviews_incomplete_series_at_once(tmp_path: Path) -> None:
    summary = _run(tmp_path, _series(3, [1]), no_wait=True)
    assert (summary.reviewed, summary.waiting) == (1, 0)


def test_series_parts_are_reviewed_in_order(tmp_path: Path) -> None:
    seen: list[int] = []
    src = fakes.write_mbox(tmp_path / "in.mbox", list(reversed(_series(3, [1, 2, 3]))))
    hooks = replace(fakes.hooks(1000.0), progress=lambda done, total: seen.append(total))
    order: list[str] = []
    base = hooks.review
    hooks = replace(hooks, review=lambda m: (order.append(m.msgid), base(m))[1])
    watch.run(mail.load(str(src)).messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert order == ["p1@x", "p2@x", "p3@x"]
    assert seen[0] == 3 and seen[-1] == 3 and len(seen) == 4


def test_failed_review_is_an_error_and_not_retried_unless_asked(tmp_path: Path) -> None:
    msgs = [fakes.mbox_message("f@x", "[PATCH] fs: breaks", marker="FAIL")]
    first = _run(tmp_path, msgs)
    assert (first.errors, first.reviewed, first.exit_code) == (1, 0, 2)
    [(msgid, why)] = first.failures
    assert msgid == "f@x" and "synthetic failure" in why
    again = _run(tmp_path, msgs)
    assert (again.errors, again.known) == (0, 1)
    retried = _run(tmp_path, msgs, retry_errors=True)
    assert retried.errors == 1


def test_an_internal_error_on_one_message_does_not_stop_the_others(tmp_path: Path) -> None:
    msgs = [
        fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG"),
        fakes.mbox_message("b@x", "[PATCH] fs: two", marker="BUG"),
    ]

    def review(m: object) -> object:
        raise RuntimeError("boom")

    src = fakes.write_mbox(tmp_path / "in.mbox", msgs)
    hooks = replace(
        fakes.hooks(1.0), review=lambda m: review(m) if m.msgid == "a@x" else fakes.review(m)
    )
    summary = watch.run(mail.load(str(src)).messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert (summary.errors, summary.reviewed, summary.drafts) == (1, 1, 1)
    assert summary.failures == (("a@x", "internal error: RuntimeError: boom"),)


def test_damaged_state_stops_the_run_before_any_review(tmp_path: Path) -> None:
    (tmp_path / "state").write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StateError):
        _run(tmp_path, [fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG")])
    assert _drafts(tmp_path) == []


def test_summary_line_and_exit_codes() -> None:
    s = watch.WatchSummary(seen=5, reviewed=2, skipped=1, known=1, waiting=1, drafts=1, findings=1)
    assert s.line() == (
        "5 seen, 2 reviewed, 1 skipped, 1 already done, 1 waiting, 1 draft written, 0 errors"
    )
    assert s.exit_code == 1
    assert watch.WatchSummary().exit_code == 0
    assert watch.WatchSummary(errors=1, findings=3).exit_code == 2
    assert "2 unreadable" in watch.WatchSummary(unreadable=2).line()


def test_draft_names_are_stable_and_maildir_safe() -> None:
    name = watch.draft_name("a/b:c@x")
    assert name == watch.draft_name("a/b:c@x") != watch.draft_name("other@x")
    assert "/" not in name and ":" not in name
    assert watch.draft_msgid("a@x", fakes.ME).endswith("@example.org")


def test_replies_quoting_a_patch_are_skipped_but_replies_carrying_one_are_not(
    tmp_path: Path,
) -> None:
    """With the real diff extraction: a reviewer quoting the diff is not a new patch."""
    from reviewbot import diffparse

    patch = fakes.mbox_message("p@x", "[PATCH] fs: one", marker="BUG")
    body = patch.split(b"\n\n", 1)[1].decode()
    quoted = "On Monday Pat wrote:\n" + "".join(f"> {ln}\n" for ln in body.splitlines())
    quoted += "\nWhy return 1 here?\n"
    msgs = [
        patch,
        fakes.mbox_message("q@x", "Re: [PATCH] fs: one", body=quoted, in_reply_to="p@x"),
        fakes.mbox_message(
            "n@x", "Re: [PATCH] fs: one", in_reply_to="p@x", marker="BUG other",
            sender="Dave Maintainer <dave@example.org>",
        ),
    ]  # fmt: skip
    src = fakes.write_mbox(tmp_path / "in.mbox", msgs)
    hooks = replace(fakes.hooks(1.0), identify=diffparse.extract_patch)
    reviewed: list[str] = []
    hooks = replace(hooks, review=lambda m: (reviewed.append(m.msgid), fakes.review(m))[1])
    summary = watch.run(mail.load(str(src)).messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert sorted(reviewed) == ["n@x", "p@x"]
    assert summary.skipped == 1


def test_lost_state_reviews_again_but_never_duplicates_a_draft(tmp_path: Path) -> None:
    msgs = [fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG")]
    assert _run(tmp_path, msgs).drafts == 1
    [draft] = _drafts(tmp_path)
    draft.rename(tmp_path / "drafts" / "cur" / (draft.name + ":2,S"))  # the user read it
    for f in tmp_path.glob("state*"):
        f.unlink()
    again = _run(tmp_path, msgs)
    assert (again.reviewed, again.drafts) == (1, 0)
    assert _drafts(tmp_path) == [] and _drafts(tmp_path, "tmp") == []


def test_unreadable_mail_is_an_error_once_then_remembered_until_retried(tmp_path: Path) -> None:
    """A message mail cannot read is never reviewed: the run that meets it first fails
    (as `check` does), the next ones know it, --retry-errors brings it back."""
    msgs = [fakes.mbox_message("a@x", "[PATCH] fs: one")]
    broken = watch.Unreadable(
        key=watch.unreadable_key(b"synthetic undecodable bytes"),
        where="in/new/2",
        why="message skipped, body cannot be decoded",
    )

    def run(**kw: object) -> watch.WatchSummary:
        batch = mail.load(str(fakes.write_mbox(tmp_path / "in.mbox", msgs)))
        opts = replace(OPTS, **kw)  # type: ignore[arg-type]
        return watch.run(
            batch.messages,
            tmp_path / "d",
            tmp_path / "s",
            opts,
            fakes.hooks(1.0),
            unreadable=[broken, broken],  # the same bytes twice are one message
        )

    first = run()
    assert (first.seen, first.reviewed, first.errors, first.unreadable) == (2, 1, 1, 1)
    assert first.exit_code == 2 and first.failures == ()
    assert first.unreadable_failures == (("in/new/2", broken.why),)
    assert "1 error (1 unreadable)" in first.line()
    again = run()
    assert (again.errors, again.known, again.exit_code, again.unreadable_failures) == (0, 2, 0, ())
    retried = run(retry_errors=True)
    assert (retried.errors, retried.unreadable, retried.exit_code) == (1, 1, 2)


def test_unreadable_keys_follow_the_bytes() -> None:
    key = watch.unreadable_key(b"abc")
    assert key == watch.unreadable_key(b"abc\n\n") != watch.unreadable_key(b"abd")
    assert " " in key  # never equal to a real Message-ID


def test_state_damaged_mid_run_is_a_state_error_not_a_bug(tmp_path: Path) -> None:
    """Someone drops a table while a run is under way: the claim fails as damaged state."""
    import sqlite3

    msgs = [fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG")]
    batch = mail.load(str(fakes.write_mbox(tmp_path / "in.mbox", msgs)))

    def drop_patches(_done: int, total: int) -> None:
        if total and not _done:
            conn = sqlite3.connect(tmp_path / "s")
            conn.execute("DROP TABLE patches")
            conn.commit()
            conn.close()

    hooks = replace(fakes.hooks(1.0), progress=drop_patches)
    with pytest.raises(StateError, match="no such table: patches") as exc:
        watch.run(batch.messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert "move the file aside" in exc.value.details()


def test_a_report_with_errors_is_a_failure_not_a_clean_review(tmp_path: Path) -> None:
    """The real reviewer returns (does not raise) a report whose analysis failed: that
    message was not reviewed, so it is an error as in `check`, and retried on request."""
    from reviewbot.model import Diagnostic

    msgs = [
        fakes.mbox_message("a@x", "[PATCH] fs: one", marker="BUG"),
        fakes.mbox_message("b@x", "[PATCH] fs: two"),
    ]

    def review(m: Message) -> PatchReport:
        report = fakes.review(m)
        if m.msgid != "b@x":
            return report
        failed = Diagnostic("analysis-failed", "analysis failed: synthetic", "error", m.source)
        return replace(report, diagnostics=(failed,))

    batch = mail.load(str(fakes.write_mbox(tmp_path / "in.mbox", msgs)))
    hooks = replace(fakes.hooks(1.0), review=review)
    first = watch.run(batch.messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert (first.reviewed, first.drafts, first.errors, first.exit_code) == (1, 1, 1, 2)
    assert first.failures == (("b@x", "analysis failed: synthetic"),)
    again = watch.run(batch.messages, tmp_path / "d", tmp_path / "s", OPTS, hooks)
    assert (again.errors, again.known, again.exit_code) == (0, 2, 0)
    retry = replace(OPTS, retry_errors=True)
    fixed = watch.run(batch.messages, tmp_path / "d", tmp_path / "s", retry, fakes.hooks(1.0))
    assert (fixed.reviewed, fixed.errors, fixed.exit_code) == (1, 0, 0)
