"""The jinja2 environment for drafts: strict, whitespace-exact, with wrapping filters."""

from __future__ import annotations

import textwrap
from functools import lru_cache

import jinja2

WIDTH = 72  # prose width; quoted diff lines and traces are never rewrapped


def wrap(text: str, width: int = WIDTH, indent: str = "") -> str:
    """Fill each paragraph (separated by blank lines) to ``width`` columns."""
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(
        textwrap.fill(
            p,
            width=width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in paras
        if p
    )


def bullet(text: str, width: int = WIDTH, mark: str = "  - ") -> str:
    """One list item with a hanging indent."""
    return textwrap.fill(
        " ".join(text.split()),
        width=width,
        initial_indent=mark,
        subsequent_indent=" " * len(mark),
        break_long_words=False,
        break_on_hyphens=False,
    )


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reviewbot", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # plain-text mail, not HTML
        extensions=["jinja2.ext.do"],
    )
    env.filters["wrap"] = wrap
    env.filters["bullet"] = bullet
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
