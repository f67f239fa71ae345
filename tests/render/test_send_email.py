"""Drafts accepted by a real client: `git send-email --dry-run` (nothing is sent: the
SMTP server is /bin/true and --dry-run stops before it is called)."""

from __future__ import annotations

import os
import shutil
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import render_factory as factory

from reviewbot.render.email import render_reply

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def _send_email_usable() -> str:
    """'' when git send-email can run, else why not (it is a separate package)."""
    if shutil.which("git") is None:
        return "git is not installed"
    proc = subprocess.run(
        ["git", "send-email", "--dump-aliases"], capture_output=True, text=True, check=False
    )
    if "is not a git command" in proc.stderr:
        return "git send-email is not installed (Debian/Ubuntu: apt install git-email)"
    if "Mail::Address" in proc.stderr or "Can't locate" in proc.stderr:
        return (
            "git send-email lacks its Perl modules (Debian/Ubuntu: apt install libmailtools-perl)"
        )
    return ""


REASON = _send_email_usable()
pytestmark = [pytest.mark.integration, pytest.mark.skipif(bool(REASON), reason=REASON)]


def dry_run(path: Path, sender: str, cwd: Path) -> dict[str, str]:
    """The headers git send-email would send, unfolded, from its dry-run log."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", HOME=str(cwd))
    proc = subprocess.run(
        [
            "git", "send-email", "--dry-run", "--confirm=never", "--smtp-server=/bin/true",
            "--suppress-cc=self", "--suppress-cc=author", f"--from={sender}", str(path),
        ],
        capture_output=True, text=True, cwd=cwd, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Dry-OK" in proc.stdout, proc.stdout
    block = proc.stdout.split("Dry-OK. Log says:\n", 1)[1].split("\n\n", 1)[0]
    heads: dict[str, str] = {}
    last = ""
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and last:
            heads[last] += " " + line.strip()
        elif ":" in line:
            last, _, value = line.partition(":")
            heads[last] = value.strip()
    return heads


def _drafts(tmp_path: Path) -> list[Path]:
    paths = sorted((GOLDEN / "synthetic").glob("*.eml"))
    for name, verdict in (("fresh", "introduces"),):
        em = render_reply(
            factory.report(factory.finding(verdict)),
            now=factory.NOW,
            msgid=f"reviewbot-{name}@example.org",
            from_=factory.ME,
        )
        assert em is not None
        p = tmp_path / f"{name}.eml"
        p.write_bytes(em.as_bytes())
        paths.append(p)
    # the drafts reviewbot check made for the bundled fixtures, one file each
    for mbox in sorted((GOLDEN / "fixtures").glob("*.mbox")):
        chunks = [c for c in mbox.read_bytes().split(b"From reviewbot ") if c.strip()]
        for i, chunk in enumerate(chunks):
            p = tmp_path / f"{mbox.stem}-{i}.eml"
            p.write_bytes(chunk.split(b"\n", 1)[1])
            paths.append(p)
    return paths


def test_git_send_email_accepts_drafts(tmp_path: Path) -> None:
    for path in _drafts(tmp_path):
        ours = message_from_bytes(path.read_bytes(), policy=policy.default)
        if ours["To"] is None:
            # a web copy with redacted addresses: the draft asks for To by hand
            assert "fill in To by hand" in " ".join(ours.get_content().split())
            continue
        specs = [a.addr_spec for n in ("To", "Cc") if ours[n] for a in ours[n].addresses]
        if any('"' in spec for spec in specs):
            # RFC 5321 allows a quoted local part; git send-email's own address check
            # (used when Email::Valid is not installed) does not. The email package
            # test covers such drafts; git would refuse them as typed by hand too.
            continue
        heads = dry_run(path, str(ours["From"]), tmp_path)
        for name in ("To", "Cc", "Subject", "In-Reply-To"):
            sent = heads.get(name, "")
            mine = str(ours[name])
            if name in ("To", "Cc"):
                if ours[name] is None:
                    assert not sent, (path.name, name, sent)
                    continue
                want = sorted(a.addr_spec.lower() for a in ours[name].addresses)
                got = sorted(
                    a.addr_spec.lower()
                    for a in message_from_bytes(
                        f"{name}: {sent}\n\n".encode(), policy=policy.default
                    )[name].addresses
                )
                assert got == want, (path.name, name, sent)
            elif name == "Subject":
                got_subject = message_from_bytes(
                    f"Subject: {sent}\n\n".encode(), policy=policy.default
                )["Subject"]
                assert got_subject == mine, path.name
            else:
                assert sent == mine, (path.name, name)
