"""--tree: whole functions from a git repository the test creates."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from diffparse_helpers import patch_of

from reviewbot.diffparse import changed_functions, map_functions
from reviewbot.errors import InputError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD = """// SPDX-License-Identifier: GPL-2.0
#include "examplefs.h"

static int examplefs_fetch(struct examplefs_inode *ei)
{
	return examplefs_rpc(ei, EXAMPLEFS_GETATTR);
}

static int examplefs_getattr(struct mnt_idmap *idmap, const struct path *path,
			struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct examplefs_inode *ei = EXAMPLEFS_I(inode);
	int err;

	if (S_ISREG(inode->i_mode))
		filemap_fdatawrite(inode->i_mapping);

	err = examplefs_fetch(ei);
	if (err)
		return err;
	i_size_write(inode, ei->remote_size);
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

static const struct inode_operations examplefs_file_iops = {
	.getattr	= examplefs_getattr,
};
"""

NEW = OLD.replace(
    "\tif (S_ISREG(inode->i_mode))\n\t\tfilemap_fdatawrite(inode->i_mapping);\n",
    "\tif (S_ISREG(inode->i_mode)) {\n\t\terr = filemap_write_and_wait(inode->i_mapping);\n"
    "\t\tif (err)\n\t\t\treturn err;\n\t}\n",
)


def git(repo: Path, *args: str) -> str:
    cmd = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo_and_diff(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "linux"
    (repo / "fs" / "examplefs").mkdir(parents=True)
    git(repo, "init", "-q")
    src = repo / "fs" / "examplefs" / "inode.c"
    src.write_text(OLD)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    src.write_text(NEW)
    diff = git(repo, "diff")
    src.write_text(OLD)  # the tree stays at the pre-image; only its blob is needed
    return repo, diff


def mail(diff: str) -> str:
    return "Subject: [PATCH] examplefs: wait\nMessage-ID: <t@x>\n\nWait.\n---\n" + diff


def test_tree_gives_whole_functions(repo_and_diff: tuple[Path, str]) -> None:
    repo, diff = repo_and_diff
    (cf,) = changed_functions(patch_of(mail(diff)), tree=str(repo))
    assert cf.name == "examplefs_getattr" and cf.registered_as == (".getattr",)
    assert cf.before is not None and cf.after is not None
    assert cf.before.complete and cf.after.complete
    assert cf.before.first_line == 9 and cf.before.text.endswith("return 0;\n}")
    # Lines the hunk did not show are there, at their real line numbers.
    calls = {(c.name, c.line, c.kind) for c in cf.after.calls}
    assert ("generic_fillattr", 26, "context") in calls
    assert ("filemap_write_and_wait", 17, "added") in calls
    assert ("i_size_write", 25, "context") in calls
    assert ("filemap_fdatawrite", 17, "removed") in {
        (c.name, c.line, c.kind) for c in cf.before.calls
    }


def test_tree_repairs_damaged_context_from_the_blob(repo_and_diff: tuple[Path, str]) -> None:
    repo, diff = repo_and_diff
    mangled = "\n".join(x.lstrip() if x.startswith(" ") else x for x in diff.split("\n"))
    (cf,) = changed_functions(patch_of(mail(mangled)), tree=str(repo))
    (good,) = changed_functions(patch_of(mail(diff)), tree=str(repo))
    assert cf.after == good.after and cf.before == good.before


def test_missing_blob_falls_back_with_diagnostic(repo_and_diff: tuple[Path, str]) -> None:
    repo, diff = repo_and_diff
    other = diff.replace("index ", "index 0123456789ab", 1).replace("..", "0..", 1)
    funcs, diags = map_functions(patch_of(mail(other)), tree=str(repo))
    assert [d.code for d in diags] in (["tree-blob-missing"], ["tree-apply-failed"])
    assert funcs and not funcs[0].after.complete  # type: ignore[union-attr]


def test_not_a_git_tree(tmp_path: Path, repo_and_diff: tuple[Path, str]) -> None:
    _repo, diff = repo_and_diff
    with pytest.raises(InputError, match="not a git checkout"):
        changed_functions(patch_of(mail(diff)), tree=str(tmp_path / "nowhere"))


def test_file_images_give_unchanged_functions(repo_and_diff: tuple[Path, str]) -> None:
    from reviewbot.diffparse import file_images, functions_in_source

    repo, diff = repo_and_diff
    (fc,) = patch_of(mail(diff)).files
    images = file_images(fc, str(repo))
    assert images is not None and images[0] == OLD and images[1] == NEW
    names = [f.name for f in functions_in_source(images[1])]
    assert names == ["examplefs_fetch", "examplefs_getattr"]


def test_parse_command_with_tree(
    repo_and_diff: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.cli import main

    repo, diff = repo_and_diff
    msg = tmp_path / "p.eml"
    msg.write_text(mail(diff))
    with pytest.raises(SystemExit) as exit_:
        main(["parse", str(msg), "--tree", str(repo)])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert "before: lines 9-25, whole function" in out
    assert "after: lines 9-28, whole function" in out
    assert "call generic_fillattr(idmap, request_mask, inode, stat)" in out
