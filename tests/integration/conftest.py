"""Shared set-up for the tests that drive real b4, lei and git as programs.

Each test gets a private HOME, XDG directories and git configuration, so nothing of
the user's (b4's check cache, lei's store and daemon socket, ~/.gitconfig) is read or
written, and a `reviewbot` command on PATH that runs this checkout.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

MAIL = Path(__file__).resolve().parents[2].parent / "shared" / "mail"
REPO = Path(__file__).resolve().parents[2]


def mail_fixture(name: str) -> Path:
    """A real kernel mail, e.g. "seed-001-netfs-9p-umount-race-v3.mbox": the copy in
    fixtures/patches/ (NNNN-<name>) if there is one, else the shared originals."""
    found = sorted((REPO / "fixtures" / "patches").glob(f"*{name}"))
    for path in found:
        if path.name == name or path.name.endswith("-" + name):
            return path
    if (MAIL / name).is_file():
        return MAIL / name
    pytest.skip(f"mail fixture {name} found neither in fixtures/patches/ nor in {MAIL}")


def need(program: str, why: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed ({why}); CI installs it via .ci/run")
    return path


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for one test: private HOME/XDG/git config, reviewbot on PATH."""
    home = tmp_path / "home"
    bindir = tmp_path / "bin"
    runtime = tmp_path / "run"
    for d in (home, bindir, runtime):
        d.mkdir()
    runtime.chmod(0o700)
    shim = bindir / "reviewbot"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reviewbot "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_", "REVIEWBOT_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_RUNTIME_DIR=str(runtime),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO),
        NO_COLOR="1",
        LC_ALL="C.UTF-8",
    )
    yield env
    # lei leaves a daemon behind; stop ours (found through our private runtime dir).
    if shutil.which("lei") and any(runtime.iterdir()):
        subprocess.run(["lei", "daemon-kill"], env=env, capture_output=True, check=False)


def run(
    args: list[str],
    env: dict[str, str],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    ok: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run a program; fail the test with its output unless it exits with one of ``ok``."""
    raw = subprocess.run(
        args, env=env, cwd=cwd, input=stdin, capture_output=True, timeout=300, check=False
    )
    proc = subprocess.CompletedProcess(
        raw.args,
        raw.returncode,
        raw.stdout.decode(errors="replace"),
        raw.stderr.decode(errors="replace"),
    )
    assert proc.returncode in ok, (
        f"{' '.join(args)} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n"
        f"--- stderr\n{proc.stderr}"
    )
    return proc
