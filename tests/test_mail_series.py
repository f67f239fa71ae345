"""reviewbot.mail.group_series: covers, parts, versions."""

from __future__ import annotations

from pathlib import Path

from reviewbot.mail import group_series, load, parse_message

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "patches"


def test_two_versions_of_one_series() -> None:
    batch = load(str(FIX / "0117-synthetic-series-v1-v2.mbox"))
    series = group_series(batch.messages)
    assert [(s.version, s.cover, s.parts, s.complete) for s in series] == [
        (1, "s1-0@example.org", ("s1-1@example.org", "s1-2@example.org"), True),
        (2, "s2-0@example.org", ("s2-1@example.org", "s2-2@example.org"), True),
    ]


def test_missing_part_makes_it_incomplete() -> None:
    batch = load(str(FIX / "0117-synthetic-series-v1-v2.mbox"))
    kept = [m for m in batch.messages if m.msgid != "s2-2@example.org"]
    v2 = next(s for s in group_series(kept) if s.version == 2)
    assert not v2.complete and v2.parts == ("s2-1@example.org",)


def _msg(subject: str, msgid: str, sender: str = "a@example.org") -> bytes:
    return f"From: {sender}\nSubject: {subject}\nMessage-ID: <{msgid}>\n\nx\n".encode()


def test_unthreaded_parts_group_by_sender() -> None:
    msgs = [
        parse_message(_msg("[PATCH 2/2] b", "p2")),
        parse_message(_msg("[PATCH 1/2] a", "p1")),
        parse_message(_msg("[PATCH 1/2] other", "q1", sender="z@example.org")),
    ]
    series = group_series(msgs)
    by_key = {s.key: s for s in series}
    assert by_key["p1"].parts == ("p1", "p2") and by_key["p1"].complete
    assert by_key["q1"].parts == ("q1",) and not by_key["q1"].complete


def test_replies_and_single_patches() -> None:
    msgs = [
        parse_message(_msg("[PATCH] single", "s")),
        parse_message(_msg("Re: [PATCH] single", "r")),
    ]
    (only,) = group_series(msgs)
    assert (only.key, only.total, only.parts, only.complete) == ("s", None, ("s",), True)
