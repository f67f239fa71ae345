"""render_reply / render_series_summary on hand-made reports (synthetic)."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy

import jinja2
import pytest
import render_factory as factory

from reviewbot.model import Diagnostic, Fact, Series
from reviewbot.render import env
from reviewbot.render.email import render_reply, render_series_summary


def _body(verdict: str, **kw: object) -> str:
    em = render_reply(
        factory.report(factory.finding(verdict, **kw)),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    return str(em.get_content())


def test_no_draft_without_findings_unless_always() -> None:
    quiet = factory.report(factory.finding("not-affected"))
    kw = {"now": factory.NOW, "msgid": "reviewbot-1@example.org", "from_": factory.ME}
    assert render_reply(quiet, **kw) is None  # type: ignore[arg-type]
    em = render_reply(quiet, always=True, **kw)  # type: ignore[arg-type]
    assert em is not None
    assert "found nothing to ask about" in em.get_content()


def test_threading_headers() -> None:
    em = render_reply(
        factory.report(factory.finding("introduces")),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    parsed = message_from_bytes(em.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Re: " + factory.message().subject.raw
    assert parsed["In-Reply-To"] == "<20260218101500.4242-1-ann@example.net>"
    assert (
        parsed["References"] == "<cover-0000@example.net> <20260218101500.4242-1-ann@example.net>"
    )
    assert parsed["Message-ID"] == "<reviewbot-1@example.org>"
    assert parsed["Date"] == "Wed, 18 Feb 2026 17:00:00 +0000"
    assert parsed["From"] == "Rita Reviewer <rita@example.org>"


@pytest.mark.parametrize("verdict", ["fixes", "introduces", "remains", "inconclusive"])
def test_body_shape(verdict: str) -> None:
    body = _body(verdict)
    lines = body.splitlines()
    assert lines[0] == "On Wed, 18 Feb 2026 10:15:00 +0000, Ann Author wrote:"
    assert "> +\texfs_wait_for_requests(ei);" in lines
    # prose is wrapped; only quoted code, traces and commands may be longer
    trace_or_code = {ln for ln in lines if ln.startswith((">", "  reviewbot sim replay"))}
    trace_or_code |= {ln for ln in lines if "CPU" in ln or ln.startswith(" ")}
    for ln in lines:
        if ln not in trace_or_code:
            assert len(ln) <= 78, ln
    assert "-- " in lines
    footer = body.split("\n-- \n", 1)[1]
    assert "reviewbot" in footer and "model" in footer
    assert "critical" not in body.lower()
    assert "no-io-after-free" in body
    assert "assumed (not visible in the patch): request completion uses" in body


def test_verdict_wording() -> None:
    assert "looks right to me" in _body("fixes")
    assert "Without the patch, the model finds" in _body("fixes")
    assert "?" in _body("introduces").split("\n\n")[2]  # the comment opens with a question
    assert "Verdict: introduced by this patch" in _body("introduces")
    assert "Verdict: not fixed by this patch" in _body("remains")
    assert "reviewbot sim replay evict-vs-async-io 'k=wait_for_io:no;s=0.1.0.0.1'" in _body(
        "remains"
    )


def test_degraded_and_description_only_are_said_plainly() -> None:
    assert "this analysis is degraded" in " ".join(_body("remains", degraded=True).split())
    fact = Fact("waits_for_io", "no", "after", "the commit message says ...", basis="description")
    body = _body("remains", facts=(fact,), hunk=None, line=None)
    flat = " ".join(body.split())
    assert "come from the commit message rather than from code" in flat
    assert "after, from the commit message: the commit message says" in flat


def test_input_notes_listed() -> None:
    r = factory.report(factory.finding("introduces"))
    d = Diagnostic("collapsed-newlines", "the newlines of this message were collapsed")
    r = replace(r, patch=replace(r.patch, diagnostics=(d,)))
    em = render_reply(r, now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME)
    assert em is not None
    assert "  - the newlines of this message were collapsed" in em.get_content()


def test_strict_undefined_catches_misspelt_fields() -> None:
    t = env.environment().from_string("{{ f.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        t.render(f=object())


def test_templates_ship_inside_the_package() -> None:
    names = set(env.environment().list_templates())
    assert {"reply_subject.txt.j2", "reply_body.txt.j2", "macros.txt.j2"} <= names


def test_series_summary() -> None:
    cover = factory.message(msgid="cover-0000@example.net", references=())
    p1 = factory.report(factory.finding("introduces"))
    series = Series(
        "cover-0000@example.net", 2, 3, "cover-0000@example.net", (p1.patch.message.msgid,), False
    )
    em = render_series_summary(
        series,
        [p1],
        cover=cover,
        now=factory.NOW,
        msgid="reviewbot-s@example.org",
        from_=factory.ME,
    )
    body = em.get_content()
    assert "introduces: exfs_evict_inode()" in body
    assert "looked at 1 of the 3 patches of this series" in " ".join(body.split())
    assert em["In-Reply-To"] == "<cover-0000@example.net>"


def test_repeated_evidence_refers_back() -> None:
    first = factory.finding("fixes")
    second = factory.finding("fixes", function="exfs_evict_other", line=404)
    em = render_reply(
        factory.report(first, second),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    body = " ".join(em.get_content().split())
    assert body.count("To replay the trace:") == 1
    assert "the same as for exfs_evict_other() above" in body  # first in patch order


def test_made_up_parent_id_is_not_threaded_to() -> None:
    msg = factory.message(
        msgid="reviewbot-0123@invalid",
        diagnostics=(Diagnostic("no-message-id", "message has no Message-ID", "info"),),
    )
    em = render_reply(
        factory.report(factory.finding("introduces"), msg=msg),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    assert em["In-Reply-To"] is None
    assert "reviewbot-0123@invalid" not in str(em["References"])
    assert "add In-Reply-To by hand" in " ".join(em.get_content().split())


def test_overlong_posted_line_falls_back_to_quoted_printable() -> None:
    long_line = "+" + "x" * 1200
    r = factory.report(factory.finding("introduces"))
    h = r.patch.files[0].hunks[0]
    lines = tuple(replace(dl, posted=long_line) if dl.kind == "added" else dl for dl in h.lines)
    fc = replace(r.patch.files[0], hunks=(replace(h, lines=lines),))
    r = replace(r, patch=replace(r.patch, files=(fc,)))
    em = render_reply(r, now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME)
    assert em is not None
    data = em.as_bytes()
    assert all(len(x) <= 998 for x in data.split(b"\n"))
    parsed = message_from_bytes(data, policy=policy.default)
    assert "> " + long_line in parsed.get_content().splitlines()


def test_always_lists_what_was_checked() -> None:
    r = factory.report(factory.finding("not-affected"))
    em = render_reply(
        r, now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME, always=True
    )
    assert em is not None
    body = em.get_content()
    assert "nothing to ask about in this patch.\n\nIt checked these races" in body
    assert "evict-without-waiting-for-io (evict-vs-async-io, no-io-after-free)" in body


@pytest.mark.parametrize("verdict", ["fixes", "introduces", "remains", "inconclusive"])
def test_sparse_findings_still_render(verdict: str) -> None:
    """No simulation results, no file, no function, no facts: still a sane draft."""
    bare = factory.finding(
        verdict,
        file="",
        function="",
        line=None,
        hunk=None,
        facts=(),
        sim_before=None,
        sim_after=None,
        title="",
        message="",
        invariant="",
    )
    em = render_reply(
        factory.report(bare), now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME
    )
    assert em is not None
    body = em.get_content()
    assert "Verdict:" in body and "\n-- \n" in body


def test_inconclusive_for_an_unread_fact_is_not_called_a_budget_problem() -> None:
    # both sides decided, yet the rules could not read a fact the verdict turns on
    f = factory.finding("inconclusive", sim_after=factory.sim(True, knobs=()))
    body = " ".join(_flat_body(f).split())
    assert "the answer turns on code it does not show" in body
    assert "turns on a fact that could not be read from the code" in body
    assert "search stopped" not in body


def _flat_body(f):  # type: ignore[no-untyped-def]
    em = render_reply(
        factory.report(f), now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME
    )
    assert em is not None
    return em.get_content()


def test_a_tree_wide_patch_gives_a_reviewable_draft() -> None:
    from reviewbot.render.email import MAX_DETAILED, MAX_LISTED

    many = 3 * MAX_LISTED
    findings = [
        factory.finding("fixes", file=f"fs/fs{i}/inode.c", function=f"fs{i}_evict_inode")
        for i in range(many)
    ]
    findings[many - 1] = replace(findings[many - 1], verdict="introduces")
    em = render_reply(
        factory.report(*findings),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    body = em.get_content()
    assert len(body.splitlines()) < 40 * MAX_DETAILED + 3 * MAX_LISTED
    flat = " ".join(body.split())
    assert f"the other {many - MAX_DETAILED} findings are only listed" in flat
    assert f"and {many - MAX_DETAILED - MAX_LISTED} more." in flat
    # the regression is quoted in full even though it comes last
    assert f"Could this change open a race in fs{many - 1}_evict_inode()" in flat
    assert "fs0_evict_inode()" in flat
