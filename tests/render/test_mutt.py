"""Drafts accepted by a real mail client: ``mutt -H draft`` in batch mode, with a
stand-in sendmail that records what mutt would send (nothing leaves the machine)."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewbot import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "patches" / "0002-seed-001-netfs-9p-umount-race-v2.mbox"

pytestmark = pytest.mark.skipif(
    shutil.which("mutt") is None, reason="mutt is not installed (Debian/Ubuntu: apt install mutt)"
)


def test_mutt_sends_the_draft_with_its_threading_and_recipients(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    with pytest.raises(SystemExit):
        cli.main(
            [
                "check",
                "--format",
                "email",
                "--out",
                str(out),
                "--from",
                "A Reviewer <a@example.org>",
                "--now",
                "2026-11-22T12:00:00Z",
                str(FIXTURE),
            ]
        )
    (draft,) = sorted(out.glob("*.eml"))
    sent = tmp_path / "sent"
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(f'#!/bin/sh\necho "$*" > {sent}.args\ncat > {sent}\n')
    sendmail.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [
            "mutt",
            "-n",
            "-F",
            "/dev/null",
            "-e",
            f'set sendmail="{sendmail}"; set copy=no; set use_from=yes',
            "-H",
            str(draft),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(home)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    ours = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    theirs = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    for header in ("From", "To", "Cc", "Subject", "In-Reply-To", "References", "Message-ID"):
        assert str(theirs[header]) == str(ours[header]), header
    envelope = set(Path(f"{sent}.args").read_text().split()) - {"--"}
    expected = {a.addr_spec for h in ("To", "Cc") for a in ours[h].addresses}
    assert envelope == expected
    assert theirs.get_content().strip() == ours.get_content().strip()
