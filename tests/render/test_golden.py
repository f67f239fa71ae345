"""Every draft compared byte for byte with tests/golden/ (see tests/golden/README.md).

Two sets: hand-made reports covering each verdict and hostile headers (synthetic), and
the full pipeline over every bundled fixture mailbox (fixtures/patches/*.mbox).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import golden
import pytest
import render_factory as factory

from reviewbot.model import Address, CheckOptions, Subject
from reviewbot.render.drafts import as_mbox, build_drafts
from reviewbot.render.email import render_reply

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(
    p for p in (ROOT / "fixtures" / "patches").iterdir() if p.suffix in (".mbox", ".txt")
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


def fixture_drafts(path: Path) -> bytes:
    from reviewbot import pipeline

    run = pipeline.check(str(path), CheckOptions())
    drafts = build_drafts(run, now=factory.NOW, from_=factory.ME, domain="example.org")
    return as_mbox(drafts)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture_golden(path: Path) -> None:
    pytest.importorskip("reviewbot.pipeline", reason="the rules engineer's pipeline is not in yet")
    golden.check(f"fixtures/{path.stem}.mbox", fixture_drafts(path))
