"""reviewbot.mail: sources, headers, bodies, subjects (real and synthetic fixtures)."""

from __future__ import annotations

import quopri
from pathlib import Path

import pytest

from reviewbot.errors import InputError
from reviewbot.mail import load, load_bytes, parse_message
from reviewbot.mail.subject import parse_subject

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "patches"


def fixture(name: str) -> str:
    return str(FIX / name)


def test_real_mbox_headers_and_trailers() -> None:
    batch = load(fixture("0002-seed-001-netfs-9p-umount-race-v2.mbox"))
    (msg,) = batch.messages
    assert msg.msgid == "582731.1716477949@warthog.procyon.org.uk"
    assert msg.subject.title == "netfs, 9p: Fix race between umount and async request completion"
    assert msg.subject.version == 2 and msg.subject.prefixes == ("PATCH", "v2")
    assert msg.from_ is not None and msg.from_.addr == "dhowells@redhat.com"
    assert any(a.addr == "linux-fsdevel@vger.kernel.org" for a in (*msg.to, *msg.cc))
    assert ("Signed-off-by", "David Howells <dhowells@redhat.com>") in {
        (t.name, t.value) for t in msg.trailers
    }
    assert msg.diagnostics == ()


def test_reply_threading_headers() -> None:
    batch = load(fixture("0003-seed-001-netfs-9p-umount-race-v3.mbox"))
    patch, reply = batch.messages
    assert reply.subject.is_reply
    assert reply.in_reply_to == patch.msgid
    assert patch.msgid in reply.references


def test_quoted_printable_is_decoded() -> None:
    (msg,) = load(fixture("0001-seed-001-netfs-9p-umount-race.mbox")).messages
    assert "=3D" not in msg.body
    assert "+\t\tnetfs_wait_for_outstanding_io(inode);" in msg.body


def test_body_labelled_qp_but_already_decoded_is_kept() -> None:
    """b4 hands check commands a decoded body that still says quoted-printable;
    decoding it again would join diff lines ending in "=" to the next line."""
    raw = (FIX / "0001-seed-001-netfs-9p-umount-race.mbox").read_bytes().split(b"\n", 1)[1]
    head, body = raw.split(b"\n\n", 1)
    (original,) = load_bytes(raw, "qp").messages
    as_b4 = head + b"\n\n" + quopri.decodestring(body)
    relabelled = parse_message(as_b4, "b4")
    assert relabelled.body.replace("\n", "") == original.body.replace("\n", "")
    assert relabelled.body.count("\n") == original.body.count("\n")


def test_mboxrd_unquotes_from_lines() -> None:
    batch = load(fixture("0101-synthetic-mboxrd-from-quoting.mbox"))
    assert [m.msgid for m in batch.messages] == ["rd-1@example.org", "rd-2@example.org"]
    body = batch.messages[0].body
    assert "\nFrom the start, getattr" in body
    assert "\n>From here on the line is quoted twice." in body


def test_mboxo_prose_from_line_does_not_split() -> None:
    batch = load(fixture("0102-synthetic-mboxo-prose-from-line.mbox"))
    assert len(batch.messages) == 2
    assert "From the log it is clear" in batch.messages[0].body


@pytest.mark.parametrize(
    "name",
    [
        "0104-synthetic-attachment-x-patch-base64.eml",
        "0105-synthetic-attachment-x-diff.eml",
        "0106-synthetic-text-attachment.eml",
        "0107-synthetic-quoted-printable-latin1.eml",
        "0108-synthetic-crlf.eml",
        "0111-synthetic-invalid-charset.eml",
        "0112-synthetic-unknown-8bit.eml",
    ],
)
def test_body_carries_the_diff(name: str) -> None:
    (msg,) = load(fixture(name)).messages
    assert "+\t\terr = filemap_write_and_wait(inode->i_mapping);" in msg.body
    assert "\r" not in msg.body


def test_charsets() -> None:
    (qp,) = load(fixture("0107-synthetic-quoted-printable-latin1.eml")).messages
    assert "Corrigé par Renée." in qp.body
    (bad,) = load(fixture("0111-synthetic-invalid-charset.eml")).messages
    assert "Café au lait." in bad.body
    assert [d.code for d in bad.diagnostics] == ["invalid-charset"]
    (u8,) = load(fixture("0112-synthetic-unknown-8bit.eml")).messages
    assert "Façade — résumé." in u8.body


def test_header_injection_is_neutralised() -> None:
    (msg,) = load(fixture("0118-synthetic-header-injection.eml")).messages
    for value in (msg.subject.raw, msg.subject.title, msg.from_.name if msg.from_ else ""):
        assert "\r" not in value and "\n" not in value
    assert msg.subject.raw == "[PATCH] examplefs: x Bcc: victim@example.org"
    assert msg.in_reply_to == "a@b"


def test_redacted_addresses_survive() -> None:
    (msg,) = load(fixture("0119-synthetic-redacted-addresses.eml")).messages
    assert msg.from_ is not None and msg.from_.addr == "xxxxxxxx@xxxxxxxxx"
    assert [a.addr for a in msg.to] == ["xxxx@xxxxxxxxxxxxxxx", "bo@xxxxxxx"]
    assert [a.addr for a in msg.cc] == ["xxxxxxxx@xxxxxxxxx"]


def test_no_subject_and_empty_message() -> None:
    (msg,) = load(fixture("0110-synthetic-no-subject.eml")).messages
    assert msg.subject.raw == "" and "no-subject" in [d.code for d in msg.diagnostics]
    (empty,) = load(fixture("0116-synthetic-empty-message.eml")).messages
    assert empty.body.strip() == ""


def test_web_copy_recovers_subject_from_date() -> None:
    (msg,) = load(fixture("0020-webcopy-seed-000-9p-getattr-writeback.txt")).messages
    assert msg.subject.is_reply and msg.subject.prefixes == ("PATCH",)
    assert msg.subject.title.startswith("9p: fix data corruption with writeback caching")
    assert msg.from_ is not None and msg.from_.name == "David Howells"
    assert msg.date == "Wed Feb 18 2026 - 11:32:43 EST"
    (diag,) = msg.diagnostics
    assert diag.code == "not-rfc5322" and "Message-ID" in diag.message
    assert msg.body.startswith("How about something along these lines")


def test_collapsed_web_copy_keeps_redacted_from() -> None:
    (msg,) = load(fixture("0023-webcopy-seed-003-bcachefs-revert-lockless-io.txt")).messages
    assert msg.from_ is not None
    assert (msg.from_.name, msg.from_.addr) == ("Kent Overstreet", "kent.overstreet@xxxxxxxxx")
    assert "missing: Subject, Date" in msg.diagnostics[0].message


def test_maildir(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1.host").write_bytes((FIX / "0108-synthetic-crlf.eml").read_bytes())
    (tmp_path / "cur" / "2.host:2,S").write_bytes(
        (FIX / "0110-synthetic-no-subject.eml").read_bytes()
    )
    batch = load(str(tmp_path))
    assert [m.msgid for m in batch.messages] == ["crlf-1@example.org", "nosub-1@example.org"]
    assert batch.messages[0].source.endswith("new/1.host")


def test_stdin_and_format_patch() -> None:
    data = (FIX / "0100-synthetic-format-patch-ops-registration.patch").read_bytes()
    batch = load("-", stdin=data)
    assert [m.msgid for m in batch.messages] == ["fp-1@example.org"]
    assert batch.messages[0].source == "-"


@pytest.mark.parametrize(
    ("source", "words"),
    [("/nonexistent/inbox.mbox", "no such file"), ("-", "no input on stdin")],
)
def test_unreadable_source_is_one_actionable_line(source: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        load(source)
    text = err.value.details()
    assert words in text and "\n" not in text


def test_plain_directory_is_not_a_maildir(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a Maildir"):
        load(str(tmp_path))


def test_empty_input_is_a_diagnostic() -> None:
    batch = load_bytes(b"  \n", "x")
    assert batch.messages == () and batch.diagnostics[0].code == "empty-input"


def test_missing_message_id_is_synthesised_and_stable() -> None:
    data = b"From: a@b.c\nSubject: [PATCH] x\n\nbody\n"
    one, two = parse_message(data), parse_message(data)
    assert one.msgid == two.msgid and one.msgid.endswith("@invalid")
    assert "no-message-id" in [d.code for d in one.diagnostics]


@pytest.mark.parametrize(
    ("raw", "expect"),
    [
        ("[PATCH v3 2/5] fs: x", ("fs: x", 3, 2, 5, False, False, False)),
        ("Re: [RFCv3 4/7] ext2: y", ("ext2: y", 3, 4, 7, True, False, True)),
        ("[RFC PATCH RESEND v4 3/7] z", ("z", 4, 3, 7, True, True, False)),
        ("[PATCH 6.10 057/121] bcachefs: r", ("bcachefs: r", 1, 57, 121, False, False, False)),
        ("AW: Re: [PATCH -next v3 5/7] ext4: w", ("ext4: w", 3, 5, 7, False, False, True)),
        ("plain words", ("plain words", 1, None, None, False, False, False)),
    ],
)
def test_subject_vocabulary(raw: str, expect: tuple[object, ...]) -> None:
    s = parse_subject(raw)
    assert (s.title, s.version, s.counter, s.total, s.rfc, s.resend, s.is_reply) == expect


def test_reply_to_and_x_original_from() -> None:
    data = (
        b"From: Ada via Examplefs-devel <examplefs-devel@lists.example.org>\n"
        b"Reply-To: Ada Example <ada@example.org>\n"
        b"X-Original-From: Ada Example <ada@example.org>\n"
        b"Subject: [PATCH] x\nMessage-ID: <xo@x>\n\nbody\n"
    )
    msg = parse_message(data)
    assert [a.addr for a in msg.reply_to] == ["ada@example.org"]
    assert msg.x_original_from is not None and msg.x_original_from.name == "Ada Example"


def test_forge_commit_page_author() -> None:
    (msg,) = load(fixture("0024-webcopy-seed-004-iomap-write-validity-checks.txt")).messages
    assert msg.from_ is not None and msg.from_.name == "Dave Chinner"


def test_broken_message_in_a_mailbox_does_not_stop_the_rest() -> None:
    sep = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    good = (FIX / "0108-synthetic-crlf.eml").read_bytes().replace(b"\r\n", b"\n")
    data = sep + good + b"\n" + sep + b"\x00\xff\xfe garbage \x01\n\n" + sep + b"\n" + sep + good
    batch = load_bytes(data, "inbox.mbox")
    assert batch.messages[0].msgid == "crlf-1@example.org"
    assert len(batch.messages) == 3
    broken = batch.messages[1]
    assert broken.source == "inbox.mbox message 2"
    assert [d.code for d in broken.diagnostics] == ["not-rfc5322"]
    assert [(d.code, d.where) for d in batch.diagnostics] == [
        ("empty-message", "inbox.mbox message 3")
    ]


def _qp_seed() -> tuple[bytes, bytes]:
    """Header block and quoted-printable body of the real seed 0001 (soft breaks)."""
    raw = (FIX / "0001-seed-001-netfs-9p-umount-race.mbox").read_bytes().split(b"\n", 1)[1]
    head, body = raw.split(b"\n\n", 1)
    return head, body


@pytest.mark.parametrize("pad", [b" ", b"\t", b" \t  "])
def test_qp_soft_break_with_transport_padding(pad: bytes) -> None:
    """RFC 2045 6.7: whitespace may follow the "=" of a soft break (audit #15)."""
    head, body = _qp_seed()
    padded = body.replace(b"=\n", b"=" + pad + b"\n")
    assert padded != body
    (original,) = load_bytes(head + b"\n\n" + body, "qp").messages
    msg = parse_message(head + b"\n\n" + padded, "padded")
    assert msg.body == original.body
    assert "=3D" not in msg.body


@pytest.mark.parametrize("tail", [b"=", b"=A", b"=\n=A\n"])
def test_truncated_qp_is_still_decoded(tail: bytes) -> None:
    """A body cut off inside an escape is damaged QP, not text decoded already."""
    head, body = _qp_seed()
    cut = body[: len(body) // 2] + tail
    msg = parse_message(head + b"\n\n" + cut, "cut")
    assert "=3D" not in msg.body
    assert "=20" not in msg.body


_HEAD = (
    "From: Ada Example <ada@example.org>\n"
    "To: examplefs@lists.example.org\n"
    "Subject: [PATCH] examplefs: wait for writeback in getattr\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0000\n"
    "Message-ID: <fp-1@example.org>\n"
)  # synthetic


def test_long_references_line_is_still_mail() -> None:
    """An unfolded References of 60 ids (~3000 octets, past RFC 5322's 998) keeps the
    message a message, and every id survives (audit #16)."""
    ids = [f"20240101{i:06d}.{i}-{i}-someone@kernel.example.org" for i in range(60)]
    cc = ", ".join(f"Person {i} <person{i}@example.org>" for i in range(80))
    head = _HEAD + f"In-Reply-To: <{ids[-1]}>\nReferences: " + " ".join(f"<{x}>" for x in ids)
    data = (head + f"\nCc: {cc}\n\nbody\n").encode()
    msg = parse_message(data, "long")
    assert not msg.diagnostics
    assert msg.msgid == "fp-1@example.org"
    assert msg.subject.title == "examplefs: wait for writeback in getattr"
    assert msg.references == tuple(ids) and msg.in_reply_to == ids[-1]
    assert [a.addr for a in msg.cc] == [f"person{i}@example.org" for i in range(80)]


def test_collapsed_byline_is_not_a_header() -> None:
    """A web copy collapsed onto its "Subject:" line stays plain text."""
    data = ("Subject: [PATCH] x: y " + "words of the page " * 80 + "\n").encode()
    assert len(data) > 998
    (diag,) = parse_message(data, "collapsed").diagnostics
    assert diag.code == "not-rfc5322"


def test_raw_utf8_headers() -> None:
    """RFC 6532: lore serves headers in raw UTF-8 (audit #17)."""
    head = _HEAD.replace("Ada Example", "J\u00f6rg M\u00fcller").replace(
        "getattr", "getattr f\u00fcr \u00dcmlaut"
    )
    head += "Cc: =?utf-8?q?Ren=C3=A9e?= Fran\u00e7oise <rf@example.org>\n"
    msg = parse_message((head + "\nbody\n").encode(), "utf8")
    assert msg.from_ is not None and msg.from_.name == "J\u00f6rg M\u00fcller"
    assert msg.subject.title.endswith("f\u00fcr \u00dcmlaut")
    assert [a.name for a in msg.cc] == ["Ren\u00e9e Fran\u00e7oise"]


def test_raw_latin1_header_falls_back() -> None:
    data = _HEAD.replace("Ada Example", "Ren\u00e9e").encode("latin-1") + b"\nbody\n"
    msg = parse_message(data, "latin1")
    assert msg.from_ is not None and msg.from_.name == "Ren\u00e9e"
