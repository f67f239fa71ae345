"""Which verdicts an inconclusive finding could have (synthetic findings)."""

from __future__ import annotations

import json
from dataclasses import replace

import render_factory as factory
from test_formats import Run

from reviewbot.render.b4 import to_b4_json
from reviewbot.render.email import render_reply
from reviewbot.render.outcomes import harmless, possible
from reviewbot.render.terse import to_terse


def _body(f):  # type: ignore[no-untyped-def]
    em = render_reply(
        factory.report(f), now=factory.NOW, msgid="reviewbot-1@example.org", from_=factory.ME
    )
    assert em is not None
    return " ".join(em.get_content().split())


def test_fix_or_no_effect_is_harmless() -> None:
    f = factory.undecided_finding("not-affected")
    assert possible(f) == {"fixes", "not-affected"}
    assert harmless(f)
    # the same when the facts as read say "not needed" and another value says "fixes"
    assert harmless(factory.undecided_finding("fixes", assumed="not-affected"))


def test_anything_the_patch_could_break_or_leave_is_not_harmless() -> None:
    assert not harmless(factory.undecided_finding("introduces"))
    assert not harmless(factory.undecided_finding("remains", "not-affected"))
    assert not harmless(factory.undecided_finding("fixes", assumed="remains"))
    # undecided because the search stopped: nothing is known about other values
    assert possible(factory.finding("inconclusive")) == frozenset()


def test_only_an_inconclusive_finding_has_possible_verdicts() -> None:
    f = factory.undecided_finding("not-affected")
    assert not harmless(replace(f, verdict="fixes"))
    # a verdict resting on a description carries no outcomes: never "safe either way"
    assert not harmless(replace(f, outcomes=()))


def test_harmless_passes_b4_and_is_no_terse_warning() -> None:
    run = Run((factory.report(factory.undecided_finding("not-affected")),))
    (entry,) = json.loads(to_b4_json(run))
    assert entry["status"] == "pass"
    assert entry["summary"] == "1 inconclusive (safe either way)"
    (line,) = to_terse(run).splitlines()
    assert "WARNING" not in line and "ERROR" not in line and "CHECK" not in line
    assert "fixes or does not affect no-io-after-free" in line
    worrying = Run((factory.report(factory.undecided_finding("introduces")),))
    assert json.loads(to_b4_json(worrying))[0]["status"] == "warn"


def test_harmless_draft_does_not_ask_about_a_race() -> None:
    body = _body(factory.undecided_finding("not-affected"))
    assert "Is there a race" not in body
    assert "looks safe to me" in body
    assert "Verdict: safe either way" in body
    assert "with each value tried the new code keeps no-io-after-free" in body
    asks = _body(factory.undecided_finding("introduces"))
    assert "Is there a race in exfs_evict_inode()" in asks
    assert "safe either way" not in asks
