"""Code under ``#if 0`` is not code (audit #13)."""

from __future__ import annotations

from diffparse_helpers import patches

from reviewbot.diffparse import changed_functions, functions_in_source
from reviewbot.diffparse.inactive import blank_inactive


def _kept(text: str) -> list[str]:
    out = blank_inactive(text)
    lines = out.split("\n")
    # rows and line lengths never move
    assert [len(x) for x in lines] == [len(x) for x in text.split("\n")]
    return [x.strip() for x in lines if x.strip()]


def test_if_0_block_is_blanked_with_its_directives() -> None:
    text = "\ta();\n#if 0\n\tb();\n#endif\n\tc();"
    assert _kept(text) == ["a();", "c();"]


def test_if_0_else_keeps_the_else_branch() -> None:
    text = "#if 0\n\tb();\n#else\n\tc();\n#endif"
    assert _kept(text) == ["c();"]
    assert _kept("#if 1\n\tb();\n#else\n\tc();\n#endif") == ["b();"]


def test_spellings_of_zero_and_nesting() -> None:
    text = "# if (0) /* was: CONFIG_FOO */\n#ifdef BAR\n\tb();\n#endif\n\tc();\n#endif\n\td();"
    assert _kept(text) == ["d();"]


def test_unknown_conditions_are_kept_whole() -> None:
    text = "#ifdef CONFIG_X\n\tb();\n#else\n\tc();\n#endif\n#if FOO > 0\n\te();\n#endif"
    assert blank_inactive(text) == text


def test_if_0_elif_becomes_an_ordinary_conditional() -> None:
    text = "#if 0\n\tb();\n#elif defined(X)\n\tc();\n#else\n\td();\n#endif"
    out = blank_inactive(text).split("\n")
    assert out[1].strip() == "" and out[2].startswith("#if  ") and "defined(X)" in out[2]
    assert [x.strip() for x in out[3:]] == ["c();", "#else", "d();", "#endif"]


def test_a_fragment_starting_inside_a_block_is_left_alone() -> None:
    text = "\tb();\n#else\n\tc();\n#endif"
    assert blank_inactive(text) == text


def test_directive_inside_a_comment_is_not_one() -> None:
    text = "/*\n#if 0\n*/\n\tb();"
    assert blank_inactive(text) == text


def test_wait_under_if_0_is_not_a_fact() -> None:
    """The audit's repro: a wait added under ``#if 0`` made the patch "fix" the race."""
    (p,) = patches("0181-synthetic-audit-afs-wait-under-if-0.patch")
    (fn,) = changed_functions(p)
    assert fn.after is not None
    assert "netfs_wait_for_outstanding_io" not in [c.name for c in fn.after.calls]
    assert "truncate_inode_pages_final" in [c.name for c in fn.after.calls]


def test_whole_files_ignore_it_too() -> None:
    src = "void f(void)\n{\n#if 0\n\tdead();\n#endif\n\tlive();\n}\n"
    (side,) = functions_in_source(src)
    assert [c.name for c in side.calls] == ["live"]
