"""Escape sequences and bidi controls from mail are shown, not obeyed (audit #24)."""

from __future__ import annotations

import json

from diffparse_helpers import patch_of

from reviewbot.diffparse import changed_functions
from reviewbot.diffparse.show import Understood, to_json, to_text
from reviewbot.diffparse.visible import json_safe, visible

RLO, PDF = "\u202e", "\u202c"


def test_visible_escapes_controls_and_bidi_but_not_text() -> None:
    assert visible(f"a{RLO}b{PDF}\x1b[2J\x9b\u2066z") == "a\\u202eb\\u202c\\x1b[2J\\x9b\\u2066z"
    assert visible("line\nbreak") == "line\\x0abreak"
    assert visible("tab\tkept, café, ẞ, 日本") == "tab\tkept, café, ẞ, 日本"
    assert visible("tab\t", tabs=True) == "tab\\x09"


def test_json_safe_keeps_the_value() -> None:
    doc = json.dumps({"s": f"x{RLO}y\x85"}, ensure_ascii=False)
    safe = json_safe(doc)
    assert RLO not in safe and "\x85" not in safe
    assert json.loads(safe) == {"s": f"x{RLO}y\x85"}


def _understood() -> Understood:
    # synthetic: a subject with a right-to-left override and a hunk header with an
    # escape sequence that clears the screen
    text = (
        "From: a <a@example.org>\n"
        f"Subject: [PATCH] {RLO}examplefs{PDF}: x\n"
        "Message-ID: <bidi@example.org>\n\nsynthetic\n---\n"
        "diff --git a/fs/x.c b/fs/x.c\n--- a/fs/x.c\n+++ b/fs/x.c\n"
        "@@ -1,3 +1,4 @@ static int f(void)\x1b[2J\n"
        " {\n+\tg();\n \treturn 0;\n }\n"
    )
    p = patch_of(text)
    return Understood((p,), (tuple(changed_functions(p)),), (), ())


def test_parse_text_output_escapes_what_the_mail_carries() -> None:
    out = to_text(_understood())
    assert RLO not in out and PDF not in out and "\x1b" not in out
    assert "subject: [PATCH] \\u202eexamplefs\\u202c: x" in out
    assert "@@ static int f(void)\\x1b[2J" in out


def test_parse_json_output_escapes_but_round_trips() -> None:
    out = to_json(_understood())
    assert RLO not in out and "\x1b" not in out
    (msg,) = json.loads(out)["messages"]
    assert msg["subject"]["raw"] == f"[PATCH] {RLO}examplefs{PDF}: x"
