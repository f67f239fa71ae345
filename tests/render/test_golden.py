"""Every draft compared byte for byte with tests/golden/ (see tests/golden/README.md).

Two sets: hand-made reports covering each verdict and hostile headers (synthetic), and
the full pipeline over every bundled fixture mailbox (fixtures/patches/*.mbox).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
import render_factory as factory
import render_golden as golden

from reviewbot.model import Address, CheckOptions, Subject
from reviewbot.render.drafts import as_mbox, build_drafts
from reviewbot.render.email import render_reply

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(
    p
    for p in (ROOT / "fixtures" / "patches").iterdir()
    if p.suffix in (".mbox", ".txt", ".eml", ".patch")
)

SYNTHETIC = {
    "fixes": factory.report(factory.finding("fixes")),
    "introduces": factory.report(factory.finding("introduces")),
    "remains-degraded": factory.report(factory.finding("remains", degraded=True)),
    "inconclusive": factory.report(factory.finding("inconclusive")),
    "hostile-headers": factory.report(
        factory.finding("introduces"),
        msg=factory.message(
            subject=Subject(
                raw="[PATCH] exfs: f\u00fcr \u201csafety\u201d\r\nBcc: victim@example.com "
                + "and a subject long enough to need folding twice " * 2,
                title="x",
            ),
            from_=Address('M\u00fcller, "J\u00f6rg"\r\nX-Evil: 1', "joerg@example.de"),
            references=("a" * 120 + "@example.net",),
        ),
    ),
    "hostile-addresses": factory.report(
        factory.finding("remains"),
        msg=factory.message(
            from_=Address('Odd "Quote" <Name>', '"odd quoting"@example.com'),
            reply_to=(Address("Reply, To", "reply@example.com"),),
            to=(Address("Mo Maintainer", "MO@EXAMPLE.COM"), Address("", "x@xxxxxxxx")),
            cc=(
                Address("Trailing, Comma;", "comma@example.com"),
                Address("", "mo@example.com"),
                Address("\u00c9milie \u00dcnicode", "emilie@example.fr"),
                Address("rita again", "RITA@example.org"),
            ),
        ),
    ),
    "hostile-quoted-from": factory.report(
        factory.finding("remains"),
        msg=factory.message(from_=Address('Odd "Quote" <Name>', '"odd quoting"@example.com')),
    ),
}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_synthetic_golden(name: str) -> None:
    em = render_reply(
        SYNTHETIC[name], now=factory.NOW, msgid=f"reviewbot-{name}@example.org", from_=factory.ME
    )
    assert em is not None
    data = em.as_bytes()
    message_from_bytes(data, policy=policy.default)
    golden.check(f"synthetic/{name}.eml", data)


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A personal ~/.config/reviewbot/config.toml must not change the golden drafts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def fixture_drafts(path: Path, *, summary: bool = False) -> bytes:
    from reviewbot import pipeline

    run = pipeline.check(str(path), CheckOptions(summary=summary))
    drafts = build_drafts(
        run, now=factory.NOW, from_=factory.ME, domain="example.org", summary=summary
    )
    return as_mbox(drafts)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_golden(path: Path) -> None:
    pytest.importorskip("reviewbot.pipeline", reason="the rules engineer's pipeline is not in yet")
    golden.check(f"fixtures/{path.stem}.mbox", fixture_drafts(path))


SERIES = [p for p in FIXTURES if "series" in p.stem]


@pytest.mark.parametrize("path", SERIES, ids=[p.stem for p in SERIES])
def test_fixture_summary_golden(path: Path) -> None:
    pytest.importorskip("reviewbot.pipeline", reason="the rules engineer's pipeline is not in yet")
    data = fixture_drafts(path, summary=True)
    assert data.count(b"\nSubject: Re: [PATCH") >= 1
    golden.check(f"fixtures/{path.stem}.summary.mbox", data)


def _golden_bodies() -> list[tuple[str, str]]:
    out = []
    for path in sorted(golden.GOLDEN.rglob("*")):
        if path.suffix not in (".eml", ".mbox") or not path.stat().st_size:
            continue
        chunks = path.read_bytes().split(b"From reviewbot Mon Sep 17 00:00:00 2001\n")
        for i, chunk in enumerate(c for c in chunks if c.strip()):
            msg = message_from_bytes(chunk, policy=policy.default)
            out.append((f"{path.name}#{i}", msg.get_content()))
    return out


def test_golden_prose_is_wrapped() -> None:
    """Prose lines stay within 78 columns; quoted code, traces and commands may not."""
    bodies = _golden_bodies()
    assert bodies
    for name, body in bodies:
        in_trace = continued = False
        for line in body.splitlines():
            if line.endswith("finds this interleaving:"):
                in_trace = True
                continue
            if in_trace and line.startswith("The invariant"):
                in_trace = False
            # a replay string too long for a line sits alone on a continuation line
            lone_token = continued and line.startswith("    ") and " " not in line.strip()
            continued = line.startswith("  reviewbot sim replay") and line.endswith("\\")
            if in_trace or lone_token or line.startswith((">", "[ ... ]")):
                continue
            assert len(line) <= 78, (name, line)
        assert "\n-- \n" in body, name
        assert "critical" not in body.lower(), name


def test_no_stale_fixture_goldens() -> None:
    stems = {p.stem for p in FIXTURES}
    for path in (golden.GOLDEN / "fixtures").glob("*.mbox"):
        stem = path.name.removesuffix(".mbox").removesuffix(".summary")
        assert stem in stems, f"{path} has no fixture any more: delete it"
