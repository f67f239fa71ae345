"""Hypothesis over hostile headers and MIME: RFC 2047 words with broken charsets,
CR/LF smuggling, odd parameters. Only ReviewbotError may escape, and every header
value that reaches Message is one clean line."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.errors import ReviewbotError
from reviewbot.mail import load_bytes

PIECES = [
    b"=?", b"?=", b"?q?", b"?b?", b"utf-8", b"unknown-8bit", b"\xff", b"\xc3", b"=0D=0A",
    b"\r\n", b"\n ", b"<", b">", b"@", b",", b'"', b"(", b")", b";", b"charset=",
    b"boundary=", b"--", b"multipart/mixed", b"text/x-patch", b"base64", b"quoted-printable",
    b"filename*=", b"'", b"%", b"\x00", b"=", b"\t", b"xxxxxxxx@xxxxxxxxx",
]  # fmt: skip
NAMES = [
    b"From", b"To", b"Cc", b"Subject", b"Reply-To", b"X-Original-From", b"Message-ID",
    b"In-Reply-To", b"References", b"Date", b"Content-Type", b"Content-Disposition",
    b"Content-Transfer-Encoding",
]  # fmt: skip
BODY = (
    b'\n--b\nContent-Type: text/x-patch; charset="=?x?"\n\n'
    b"--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n--b--\n"
)

header = st.tuples(
    st.sampled_from(NAMES),
    st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=4)), max_size=10),
).map(lambda t: t[0] + b": " + b"".join(t[1]) + b"\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(header, min_size=1, max_size=12))
def test_hostile_headers(headers: list[bytes]) -> None:
    try:
        batch = load_bytes(b"".join(headers) + BODY, "fuzz")
    except ReviewbotError as exc:
        assert "\n" not in exc.details()
        return
    for m in batch.messages:
        values = [m.msgid, m.subject.raw, m.date, m.in_reply_to or "", *m.references]
        for a in (m.from_, m.x_original_from, *m.reply_to, *m.to, *m.cc):
            if a is not None:
                values += [a.name, a.addr]
        for v in values:
            assert not any(ord(c) < 32 or ord(c) == 127 for c in v), repr(v)
