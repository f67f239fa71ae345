"""Facts about how a getattr applies the server's size (extract/remote_attr.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.rules import kit


def test_a_flag_passed_but_no_longer_tested_is_said() -> None:
    """Seed 000: the getattrs still pass V9FS_STAT2INODE_KEEP_ISIZE, but the patch
    removes every test of it in stat2inode; a reader of the call would assume the flag
    still keeps i_size, so the fact says what the patch shows."""
    (msg,) = kit.messages(kit.SEEDS["000"])
    analysis = kit.run(msg)
    after = [
        fact.text
        for finding in analysis.findings
        if finding.rule == "remote-size-overwrites-local-size"
        for fact in finding.facts
        if fact.side == "after" and "sets i_size" in fact.text
    ]
    assert after and all("passes V9FS_STAT2INODE_KEEP_ISIZE, but no line of" in t for t in after), (
        after
    )
    # "v9ses->cache & CACHE_WRITEBACK" is the caller testing its own state, not a flag.
    assert not any("CACHE_WRITEBACK" in t for t in after)


# Synthetic, written for these tests (audit #7): a getattr in the style of fuse's, whose
# whole body asks the server without any flush; the patch adds a flush that does not wait.
YFS_DIR = """static int yfs_update_attr(struct inode *inode, struct file *file,
\t\t\t   struct kstat *stat, u32 mask, unsigned int flags)
{
\tstruct yfs_inode *yi = YFS_I(inode);
\tint err = 0;

\tif (yfs_attr_stale(yi, flags)) {
\t\tyfs_forget_acls(inode);
\t\terr = yfs_do_getattr(inode, stat, file);
\t} else if (stat) {
\t\tgeneric_fillattr(&nop_mnt_idmap, mask, inode, stat);
\t}
\treturn err;
}
"""
YFS_PATCH = """Synthetic patch written for the reviewbot tests (not from a mailing list).

Signed-off-by: A <a@example.org>
---
diff --git a/fs/yfs/dir.c b/fs/yfs/dir.c
index BLOB..2222222 100644
--- a/fs/yfs/dir.c
+++ b/fs/yfs/dir.c
@@ -5,6 +5,8 @@ static int yfs_update_attr(struct inode *inode, struct file *file,
 \tint err = 0;
\x20
 \tif (yfs_attr_stale(yi, flags)) {
+\t\tif (S_ISREG(inode->i_mode))
+\t\t\tfilemap_fdatawrite(inode->i_mapping);
 \t\tyfs_forget_acls(inode);
 \t\terr = yfs_do_getattr(inode, stat, file);
 \t} else if (stat) {
"""


def _flush_facts(tree: str, blob: str) -> dict[str, tuple[str, str]]:
    from reviewbot import pipeline
    from reviewbot.model import CheckOptions

    msg = kit.text_message(YFS_PATCH.replace("BLOB", blob[:12]))
    report = pipeline.check_message(msg, CheckOptions(tree=tree))
    (f,) = [f for f in report.findings if f.rule == "flush-without-wait-before-remote-stat"]
    return {x.side: (x.value, x.basis) for x in f.facts if x.name == "flush"}


def test_no_flush_in_the_whole_function_is_a_fact(tmp_path: Path) -> None:
    """Audit #7: with --tree the whole getattr is read; that it flushes nowhere is then
    read from the code ("none"), not replaced by the default (write_and_wait), which
    would make the patch look like it weakens a wait it never had."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    src = tmp_path / "fs" / "yfs" / "dir.c"
    src.parent.mkdir(parents=True)
    src.write_text(YFS_DIR)
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    blob = subprocess.run(
        [*git, "hash-object", str(src)], check=True, capture_output=True, text=True
    ).stdout.strip()
    facts = _flush_facts(str(tmp_path), blob)
    assert facts["before"] == ("none", "tree"), facts
    assert facts["after"] == ("fdatawrite", "tree"), facts


def test_no_flush_in_fragments_stays_not_shown() -> None:
    """The same body as hunk fragments: the flush may be in lines they leave out, so the
    extractor reads nothing and the rule's default (said to be assumed) applies."""
    from reviewbot.model import ChangedFunction, FunctionSide
    from reviewbot.rules.context import SideView
    from reviewbot.rules.cst import parse_body
    from reviewbot.rules.extract import EXTRACTORS

    for complete, value in ((True, "none"), (False, None)):
        side = FunctionSide(
            name="yfs_update_attr",
            text=YFS_DIR,
            first_line=1,
            line_kinds=("context",) * YFS_DIR.count("\n"),
            complete=complete,
        )
        fn = ChangedFunction(file="fs/yfs/dir.c", name=side.name, before=side, after=side)
        v = SideView(fn=fn, side="before", fs=side, body=parse_body(YFS_DIR))
        obs = EXTRACTORS["getattr.flush"](v)
        assert (obs.value if obs else None) == value, obs
        if obs is not None:
            assert not obs.decisive  # no flush at all is the size rule's business
