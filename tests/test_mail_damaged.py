"""reviewbot.mail on inputs that are not plain mail: gzip, binary, undecodable bodies.

All inputs are synthetic, built here (the audit's repros 19 and 21 in miniature).
"""

from __future__ import annotations

import base64
import gzip
import random
from pathlib import Path

import pytest

from reviewbot.errors import InputError
from reviewbot.mail import load, load_bytes
from reviewbot.mail.sources import gunzip, looks_binary

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "patches"
SERIES = (FIX / "0117-synthetic-series-v1-v2.mbox").read_bytes()
HEAD = (
    b"From: Ada Example <ada@example.org>\n"
    b"Subject: [PATCH] examplefs: damaged\n"
    b"Message-ID: <dmg-1@example.org>\n"
    b"MIME-Version: 1.0\n"
)
DIFF = b"--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a = 1;\n+a = 2;\n"
ENVELOPE = b"From ada@example.org Mon Mar  2 10:00:00 2026\n"


def _ids(data: bytes) -> list[str]:
    return [m.msgid for m in load_bytes(data, "x").messages]


def test_gzip_mbox_by_content_not_name(tmp_path: Path) -> None:
    """lore's t.mbox.gz (audit #19): same messages as the plain mbox, whatever the name."""
    packed = tmp_path / "thread"  # no .gz suffix: the magic bytes decide
    packed.write_bytes(gzip.compress(SERIES))
    assert _ids(SERIES) and [m.msgid for m in load(str(packed)).messages] == _ids(SERIES)
    assert [m.msgid for m in load("-", stdin=gzip.compress(SERIES)).messages] == _ids(SERIES)


def test_gzip_members_are_concatenated() -> None:
    half = len(SERIES) // 2
    cut = SERIES.index(b"\nFrom ", half) + 1
    two = gzip.compress(SERIES[:cut]) + gzip.compress(SERIES[cut:])
    assert gunzip(two, "x") == SERIES


def test_gzip_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 4_000_000)
    with pytest.raises(InputError, match="more than the 1000000 byte limit"):
        gunzip(bomb, "bomb", limit=1_000_000)
    assert len(gunzip(bomb, "bomb", limit=4_000_000)) == 4_000_000


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (gzip.compress(SERIES)[:200], "truncated"),
        (gzip.compress(SERIES)[:12] + b"\xff" * 40, "damaged"),
        (gzip.compress(SERIES) + b"junk", "trailing data"),
    ],
    ids=["truncated", "damaged", "trailing"],
)
def test_damaged_gzip_is_an_input_error(data: bytes, why: str) -> None:
    with pytest.raises(InputError, match=why):
        load_bytes(data, "t.mbox.gz")


def test_binary_is_not_mail() -> None:
    noise = random.Random(19).randbytes(4096)
    assert looks_binary(noise)
    with pytest.raises(InputError, match="binary data, not a mail"):
        load_bytes(noise, "rnd.bin")
    with pytest.raises(InputError, match="xz-compressed"):
        load_bytes(b"\xfd7zXZ\x00" + noise, "t.mbox.xz")


def test_a_stray_nul_is_still_mail() -> None:
    data = HEAD + b"\nA NUL \0 in the prose.\n" + DIFF
    assert _ids(data) == ["dmg-1@example.org"]


BAD_B64 = HEAD + b"Content-Transfer-Encoding: base64\n\n!!!!****%%%%\n====\n"
NO_BOUNDARY = HEAD + b"Content-Type: multipart/mixed\n\nprose\n" + DIFF
LOST_BOUNDARY = HEAD + b'Content-Type: multipart/mixed; boundary="zz"\n\nprose\n' + DIFF


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (BAD_B64, "base64 text/plain part"),
        (NO_BOUNDARY, "no usable boundary"),
        (LOST_BOUNDARY, "no usable boundary"),
    ],
    ids=["base64", "no-boundary", "boundary-never-found"],
)
def test_undecodable_body_is_an_input_error(data: bytes, what: str) -> None:
    """Not "only its description can be analysed", exit 0 (audit #21)."""
    with pytest.raises(InputError, match=f"body cannot be decoded: .*{what}"):
        load_bytes(data, "bad.eml")


def test_undecodable_message_in_a_batch_spares_the_others() -> None:
    good = HEAD.replace(b"dmg-1", b"good-1") + b"\nprose\n" + DIFF
    batch = load_bytes(ENVELOPE + BAD_B64 + ENVELOPE + good, "inbox")
    assert [m.msgid for m in batch.messages] == ["good-1@example.org"]
    (diag,) = batch.diagnostics
    assert (diag.code, diag.severity, diag.where) == (
        "undecodable-body",
        "error",
        "inbox message 1",
    )


def test_base64_with_a_footer_below_still_reads() -> None:
    """A list footer pasted under a base64 body: the decoder skips a few characters but
    the text is there."""
    text = b"prose\n" + DIFF
    data = (
        HEAD
        + b"Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(text)
        + b"__\nlist footer\n"
    )
    (msg,) = load_bytes(data, "footer").messages
    assert "+a = 2;" in msg.body


def test_damaged_attachment_we_do_not_read_is_harmless() -> None:
    data = (
        HEAD
        + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        + b"Content-Type: text/plain\n\nprose\n"
        + DIFF
        + b"--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n!!!!\n--b--\n"
    )
    (msg,) = load_bytes(data, "img").messages
    assert "+a = 2;" in msg.body


def test_maildir_keeps_going_past_a_damaged_file(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1.host").write_bytes(random.Random(21).randbytes(2048))
    (tmp_path / "new" / "2.host").write_bytes(BAD_B64)
    (tmp_path / "new" / "3.host").write_bytes(HEAD.replace(b"dmg-1", b"ok-3") + b"\nx\n")
    batch = load(str(tmp_path))
    assert [m.msgid for m in batch.messages] == ["ok-3@example.org"]
    assert [(d.code, d.severity) for d in batch.diagnostics] == [
        ("not-mail", "error"),
        ("undecodable-body", "error"),
    ]
    # nothing readable left: still a batch (watch records the broken messages; check
    # exits 2 on the error diagnostics), not an exception
    (tmp_path / "new" / "3.host").unlink()
    batch = load(str(tmp_path))
    assert batch.messages == () and len(batch.diagnostics) == 2
