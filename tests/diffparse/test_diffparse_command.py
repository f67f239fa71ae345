"""`reviewbot parse` through the real CLI entry point."""

from __future__ import annotations

import io
import json
import sys

import pytest
from diffparse_helpers import FIX

from reviewbot.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_text_shows_the_whole_structure(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["parse", str(FIX / "0117-synthetic-series-v1-v2.mbox")], capsys)
    assert code == 0
    assert "message <s2-1@example.org>" in out
    assert "modified fs/examplefs/inode.c" in out
    assert "hunk 0: -40,14 +40,17 +5/-2" in out
    assert "function examplefs_getattr()" in out and "registered as .getattr" in out
    assert "call filemap_write_and_wait(inode->i_mapping)" in out
    assert "series v2 s2-0@example.org: 2 part(s) of 2, complete" in out


def test_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIX / "0020-webcopy-seed-000-9p-getattr-writeback.txt")
    code, out, _err = run(["parse", path, "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == 1
    (msg,) = doc["messages"]
    assert msg["diagnostics"][0]["code"] == "not-rfc5322"
    names = [f["name"] for f in msg["patch"]["functions"]]
    assert "v9fs_issue_write" in names and "v9fs_vfs_getattr_dotl" in names


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIX / "0108-synthetic-crlf.eml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _err = run(["parse", "-"], capsys)
    assert code == 0 and "message <crlf-1@example.org>  (-)" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["parse", "/nonexistent.mbox"], "/nonexistent.mbox: no such file"),
        (["parse", str(FIX / "0108-synthetic-crlf.eml"), "--format", "xml"], "unknown format"),
    ],
)
def test_errors_are_one_line_exit_2(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(argv, capsys)
    assert code == 2 and words in err and err.count("\n") == 1 and "Traceback" not in err
