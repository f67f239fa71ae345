"""Hypothesis: arbitrary bytes and mutated fixtures through the whole ingest stage.

Only ReviewbotError may escape, and its text must be one actionable line.
"""

from __future__ import annotations

from diffparse_helpers import FIX
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.diffparse import extract_patch, map_functions
from reviewbot.errors import ReviewbotError
from reviewbot.mail import load_bytes

SEEDS = sorted(
    p.read_bytes() for p in FIX.iterdir() if p.suffix in (".mbox", ".eml", ".patch", ".txt")
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ingest(data: bytes) -> None:
    try:
        batch = load_bytes(data, "fuzz")
        for msg in batch.messages:
            patch = extract_patch(msg)
            map_functions(patch)
            for d in (*msg.diagnostics, *patch.diagnostics):
                assert d.code and "\n" not in d.message
                assert "\r" not in msg.subject.raw and "\n" not in msg.subject.raw
    except ReviewbotError as exc:
        text = exc.details()
        assert text and "\n" not in text


@FAST
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data: bytes) -> None:
    ingest(data)


@FAST
@given(st.text(alphabet=" +-@,>\\\n\t{}();=*/abcdefgh0123456789:[]", max_size=3000))
def test_diff_like_text(text: str) -> None:
    ingest(b"Subject: [PATCH] f\nMessage-ID: <f@x>\n\n---\n--- a/x.c\n+++ b/x.c\n" + text.encode())


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "insert", "flip", "strip", "dup"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "delete":
            del data[at : at + draw(st.integers(1, 400))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "strip":
            # Drop leading whitespace of every line, as web archives do.
            data = bytearray(b"\n".join(x.lstrip(b" \t") for x in bytes(data).split(b"\n")))
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_fixtures(data: bytes) -> None:
    ingest(data)
