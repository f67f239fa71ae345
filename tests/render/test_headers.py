"""Reply headers: threading, recipients and hostile input (synthetic messages)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
import render_factory as factory
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.model import Address, Subject
from reviewbot.render import headers
from reviewbot.render.email import render_reply


def _subject(raw: str, is_reply: bool = False) -> Subject:
    return Subject(raw=raw, title=raw, is_reply=is_reply)


def test_reply_subject_adds_one_re() -> None:
    assert headers.reply_subject(_subject("[PATCH] x: y")) == "Re: [PATCH] x: y"
    assert headers.reply_subject(_subject("Re: [PATCH] x: y", True)) == "Re: [PATCH] x: y"
    assert headers.reply_subject(_subject("RE: [PATCH] x")) == "RE: [PATCH] x"
    assert headers.reply_subject(_subject("AW: [PATCH] x")) == "AW: [PATCH] x"


def test_recipients_like_b4() -> None:
    msg = factory.message()
    to, cc = headers.recipients(msg, factory.ME)
    assert [a.addr_spec for a in to] == ["ann@example.net"]
    # author (case-insensitively) and the reviewer herself are dropped from Cc
    assert [a.addr_spec for a in cc] == ["mo@example.com", "exfs-devel@lists.example.org"]


def test_reply_to_then_x_original_from_then_from() -> None:
    relay = Address("Ann via B4 Relay", "devnull+ann@kernel.example")
    orig = Address("Ann Author", "ann@example.net")
    msg = factory.message(from_=relay, x_original_from=orig)
    assert [a.addr_spec for a in headers.recipients(msg)[0]] == ["ann@example.net"]
    rt = Address("", "list@example.org")
    msg = factory.message(from_=relay, x_original_from=orig, reply_to=(rt,))
    assert [a.addr_spec for a in headers.recipients(msg)[0]] == ["list@example.org"]


def test_references_parent_refs_then_parent_id() -> None:
    msg = factory.message(references=("a@x", "<b@x>", "a@x", "bad id\r\nBcc: e@vil"))
    assert headers.references(msg) == ("a@x", "b@x", msg.msgid)


def test_msgid_is_deterministic_and_depends_on_findings() -> None:
    r1 = factory.report(factory.finding("fixes"))
    r2 = factory.report(factory.finding("introduces"))
    a = headers.draft_msgid(r1, "example.org")
    assert a == headers.draft_msgid(factory.report(factory.finding("fixes")), "example.org")
    assert a != headers.draft_msgid(r2, "example.org")
    assert a.startswith("reviewbot-") and a.endswith("@example.org")
    assert headers.draft_msgid(r1, "ex ample\r\n.org").endswith("@example.org")
    assert headers.draft_msgid(r1, "").endswith("@reviewbot.invalid")


HOSTILE_SUBJECTS = [
    "[PATCH] fix\r\nBcc: victim@example.com",
    "[PATCH] fix\nX-Injected: 1",
    "[PATCH] " + "very-long-word-" * 40,
    "[PATCH] ünïcödé ✓ 日本語 and \x1b[31mred\x1b[0m",
    "[PATCH] =?utf-8?q?Bcc:_x@y?= \u202eevil",
    "",
]


@pytest.mark.parametrize("raw", HOSTILE_SUBJECTS)
def test_hostile_subject_gives_well_formed_draft(raw: str) -> None:
    msg = factory.message(subject=Subject(raw=raw, title=raw))
    em = render_reply(
        factory.report(factory.finding("introduces"), msg=msg),
        now=factory.NOW,
        msgid="reviewbot-x@example.org",
        from_=factory.ME,
    )
    assert em is not None
    _assert_well_formed(em.as_bytes())


HOSTILE_ADDRS = [
    Address("Evil\r\nBcc: victim@example.com", "evil@example.com"),
    Address('"Quoted, Name" (comment)', "odd@example.com"),
    Address("Ünïcode Nàme", "u@example.com"),
    Address("x" * 500, "long@example.com"),
    Address("name", '"odd quoting"@example.com'),
    Address("name", "no-at-sign"),
    Address("name", "two@@example.com"),
    Address("name", "a@b\r\nBcc: c@d"),
]


@pytest.mark.parametrize("addr", HOSTILE_ADDRS)
def test_hostile_addresses_give_well_formed_draft(addr: Address) -> None:
    msg = factory.message(from_=addr, cc=(addr, *factory.message().cc))
    em = render_reply(
        factory.report(factory.finding("remains"), msg=msg),
        now=factory.NOW,
        msgid="reviewbot-x@example.org",
        from_=factory.ME,
    )
    assert em is not None
    parsed = _assert_well_formed(em.as_bytes())
    for field in ("to", "cc"):
        for a in parsed.get(field, "") and parsed[field].addresses:
            assert "\n" not in a.display_name and "@" in a.addr_spec


def _assert_well_formed(data: bytes):  # type: ignore[no-untyped-def]
    parsed = message_from_bytes(data, policy=policy.default)
    assert not parsed.defects
    names = [k.lower() for k in parsed]
    assert "bcc" not in names and "x-injected" not in names
    assert names.count("subject") == 1
    head = data.split(b"\n\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\n"))
    assert head.isascii()
    assert parsed["Subject"] is not None
    assert "\n" not in str(parsed["Subject"]) and "\x1b" not in str(parsed["Subject"])
    assert parsed.get_content_type() == "text/plain"
    return parsed


@settings(max_examples=60, deadline=None)
@given(
    st.text(max_size=200),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="ascii"), max_size=40),
)
def test_any_subject_and_name_give_well_formed_draft(subj: str, name: str, local: str) -> None:
    addr = Address(name, f"{local}@example.com")
    msg = factory.message(subject=Subject(raw=subj, title=subj), from_=addr)
    em = render_reply(
        factory.report(factory.finding("introduces"), msg=msg),
        now=factory.NOW,
        msgid="reviewbot-x@example.org",
        from_=factory.ME,
    )
    assert em is not None
    _assert_well_formed(em.as_bytes())


def test_clean_removes_controls_and_caps_length() -> None:
    assert headers.clean("a\r\nb\tc\x00d\u202e") == "a b c d"
    assert len(headers.clean("x" * 1000)) == headers.MAX_HEADER_TEXT


@pytest.mark.parametrize(
    "msgid",
    ["not-an-id", 'not-an-id "quoted" \x1b[31mred', "a@b@c", "@example.org", "a@", "x y@z"],
)
def test_only_valid_msg_ids_thread(msgid: str) -> None:
    msg = factory.message(msgid=msgid, references=("not-a-ref", "ok@example.net"))
    assert headers.parent_id(msg) is None
    assert headers.references(msg) == ("ok@example.net",)
    em = render_reply(
        factory.report(factory.finding("fixes"), msg=msg),
        now=factory.NOW,
        msgid="reviewbot-1@example.org",
        from_=factory.ME,
    )
    assert em is not None
    assert em["In-Reply-To"] is None
    assert em["References"] == "<ok@example.net>"
    assert "no usable Message-ID" in em.get_content()


@pytest.mark.parametrize(
    "msgid", ["a@b", "<CAH2r5=+x_Y@mail.gmail.com>", "1.2..3.@host.example", "x@[10.0.0.1]"]
)
def test_valid_msg_ids_still_thread(msgid: str) -> None:
    assert headers.parent_id(factory.message(msgid=msgid)) == msgid.strip("<>")


def test_unusable_reply_to_falls_back_to_the_sender() -> None:
    # what the parser keeps of 'Reply-To: "a<CR><LF>Bcc: z@z" <r@example.com>'
    smuggled = Address('"a', "")
    msg = factory.message(reply_to=(smuggled,))
    to, cc = headers.recipients(msg, factory.ME)
    assert [a.addr_spec for a in to] == ["ann@example.net"]
    assert "ann@example.net" not in [a.addr_spec.lower() for a in cc]
    # one usable Reply-To address among unusable ones is still the author's choice
    msg = factory.message(reply_to=(smuggled, Address("", "list@example.org")))
    assert [a.addr_spec for a in headers.recipients(msg)[0]] == ["list@example.org"]
    # a redacted Reply-To falls back too
    msg = factory.message(reply_to=(Address("Ann", "ann@xxxxxxxx"),))
    assert [a.addr_spec for a in headers.recipients(msg)[0]] == ["ann@example.net"]
