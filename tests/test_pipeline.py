"""pipeline: every message processed, broken ones diagnosed, sims cached, noise control."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from reviewbot import pipeline
from reviewbot.analyze import default_runner
from reviewbot.errors import ReviewbotError, UsageError
from reviewbot.model import CheckOptions, SimResult
from tests.rules import kit


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _mbox(tmp_path: Path, *paths: Path) -> str:
    out = tmp_path / "in.mbox"
    out.write_bytes(b"".join(p.read_bytes() for p in paths))
    return str(out)


def test_check_reviews_every_message(tmp_path: Path) -> None:
    src = _mbox(tmp_path, kit.SEEDS["001v3"], kit.NEGATIVES[0], kit.SEEDS["003"])
    run = pipeline.check(src, CheckOptions())
    assert len(run.reports) == 4
    rules = [sorted({f.rule for f in r.findings}) for r in run.reports]
    assert rules == [
        ["evict-without-waiting-for-io"],
        [],
        [],
        ["size-update-without-inode-lock"],
    ]
    assert run.series


def test_stdin_source() -> None:
    data = kit.SEEDS["001v2"].read_bytes()
    run = pipeline.check("-", CheckOptions(), stdin=data)
    assert [f.verdict for f in run.reports[0].findings] == ["fixes"] * 3


def test_a_broken_message_becomes_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewbot import diffparse

    real = diffparse.extract_patch

    def flaky(msg):  # type: ignore[no-untyped-def]
        if "evict" in msg.body and "v2" in msg.subject.raw:
            raise ReviewbotError("cannot read this one")
        return real(msg)

    monkeypatch.setattr(diffparse, "extract_patch", flaky)
    src = _mbox(tmp_path, kit.SEEDS["001v2"], kit.SEEDS["003"])
    run = pipeline.check(src, CheckOptions())
    first, second = run.reports
    assert first.findings == () and first.diagnostics[0].code == "unreadable-patch"
    assert second.findings


def test_an_internal_error_on_one_message_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr(pipeline, "analyze", boom)
    msg = kit.messages(kit.SEEDS["003"])[0]
    report = pipeline.check_message(msg, CheckOptions())
    assert report.findings == () and report.diagnostics[-1].code == "internal-error"


def test_identical_simulations_run_once() -> None:
    calls: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    real = default_runner()

    def counting(scenario: str, knobs: Mapping[str, str]) -> SimResult:
        calls.append((scenario, tuple(sorted(knobs.items()))))
        return real(scenario, knobs)

    cache = pipeline.SimCache(counting)
    msgs = kit.messages(kit.SEEDS["001"]) + kit.messages(kit.SEEDS["001v2"])
    for msg in msgs * 3:
        pipeline.check_message(msg, CheckOptions(), runner=cache)
    # wait_for_io no / yes, and each again with the other value of wait_at where a
    # side does not show it (assumption sensitivity); each distinct run only once.
    assert len(calls) == len(set(calls)) == 4
    assert cache.calls == 4


def test_min_severity_and_disabled_rules() -> None:
    msg = kit.messages(kit.SEEDS["000"])[0]
    everything = {f.rule for f in pipeline.check_message(msg, CheckOptions()).findings}
    assert {"nonatomic-flags-update", "remote-size-overwrites-local-size"} <= everything
    errors_only = pipeline.check_message(msg, CheckOptions(min_severity="error"))
    assert errors_only.findings == ()
    off = pipeline.check_message(msg, CheckOptions(disabled_rules=("nonatomic-flags-update",)))
    assert "nonatomic-flags-update" not in {f.rule for f in off.findings}


def test_rules_disabled_in_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[rules]\ndisable = ["evict-without-waiting-for-io"]\n')
    run = pipeline.check(str(kit.SEEDS["001v2"]), CheckOptions(extra=(("config", str(cfg)),)))
    assert run.reports[0].findings == ()
    xdg = tmp_path / "xdg" / "reviewbot"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text('[rules]\nmin_severity = "error"\n')
    run = pipeline.check(str(kit.SEEDS["000"]), CheckOptions())
    assert all(f.severity == "error" for r in run.reports for f in r.findings)


def test_unknown_rule_id_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown rule id"):
        pipeline.enabled_rules(CheckOptions(disabled_rules=("no-such-rule",)))


def test_tree_reads_unchanged_helpers_from_the_checkout(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    tree = tmp_path / "tree"
    (tree / "fs" / "qfs").mkdir(parents=True)
    src = tree / "fs" / "qfs" / "inode.c"
    src.write_text(
        "static void qfs_apply(struct qfs_reply *rep, struct inode *inode, int flags)\n{\n"
        "\tinode->i_mode = rep->mode;\n\tif (!(flags & QFS_KEEP_SIZE))\n"
        "\t\ti_size_write(inode, rep->size);\n}\n\n"
        "static int qfs_getattr(struct mnt_idmap *idmap, const struct path *path,\n"
        "\t\t       struct kstat *stat, u32 mask, unsigned int flags)\n{\n"
        "\tstruct inode *inode = d_inode(path->dentry);\n\tstruct qfs_reply *rep;\n\n"
        '\tqfs_debug("getattr %p\\n", inode);\n\tfilemap_fdatawrite(inode->i_mapping);\n'
        "\trep = qfs_rpc_getattr(inode);\n\tif (IS_ERR(rep))\n\t\treturn PTR_ERR(rep);\n"
        "\tqfs_apply(rep, inode, 0);\n\tgeneric_fillattr(idmap, mask, inode, stat);\n"
        "\treturn 0;\n}\n"
    )
    git = ["git", "-C", str(tree), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    blob = subprocess.run(
        [*git, "hash-object", str(src)], check=True, capture_output=True, text=True
    ).stdout.strip()
    patch = (kit.ROOT / "tests" / "rules" / "qfs-write-and-wait.patch").read_text()
    msg = kit.text_message(patch.replace("index 1111111..", f"index {blob[:12]}.."))
    report = pipeline.check_message(msg, CheckOptions(tree=str(tree)))
    (f,) = report.findings
    facts = {(x.name, x.side): (x.value, x.basis) for x in f.facts}
    assert facts[("size_update", "before")] == ("overwrite", "tree")
    assert facts[("flush", "after")] == ("write_and_wait", "tree")
    assert report.functions[0].after is not None and report.functions[0].after.complete


def test_configured_severity_override(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[rules.severity]\n"nonatomic-flags-update" = "error"\n')
    options = CheckOptions(min_severity="error", extra=(("config", str(cfg)),))
    run = pipeline.check(str(kit.SEEDS["000"]), options)
    assert {f.rule for f in run.reports[0].findings} == {"nonatomic-flags-update"}


def test_a_review_quoting_a_patch_of_the_batch_is_not_reviewed(tmp_path: Path) -> None:
    """Jan Kara's reply quoting the ext2 patch: with the patch in the input, the patch is
    reviewed and his reply is not; alone (no parent in the input) it is still analysed."""
    import mailbox

    patches = Path(__file__).parent.parent / "fixtures" / "patches"
    thread = patches / "0004-seed-002-ext2-iomap-seq-counter.mbox"
    run = pipeline.check(str(thread), CheckOptions())
    patch, reply = run.reports
    assert reply.patch.message.in_reply_to == patch.patch.message.msgid
    assert reply.findings == ()
    assert pipeline.REVIEW_OF_BATCH in {d.code for d in reply.diagnostics}
    assert pipeline.REVIEW_OF_BATCH not in {d.code for d in patch.diagnostics}

    alone = tmp_path / "reply.mbox"
    box = mailbox.mbox(str(alone))
    box.add(list(mailbox.mbox(str(thread)))[1])
    box.flush()
    (single,) = pipeline.check(str(alone), CheckOptions()).reports
    assert single.findings, "a quoted reply without its patch in the input is analysed"
    assert pipeline.REVIEW_OF_BATCH not in {d.code for d in single.diagnostics}


@pytest.mark.parametrize("name", ["../outside/secret.c", "{outside}/secret.c", "fs/link.c"])
def test_tree_never_reads_outside_the_checkout(tmp_path: Path, name: str) -> None:
    """Paths come from the mail: '..', an absolute path and a symlink leading out of
    the tree are all refused, so --tree cannot be made to read a file elsewhere."""
    from reviewbot import diffparse

    tree = tmp_path / "tree"
    (tree / "fs").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.c").write_text("int secret_fn(void)\n{\n\treturn 42;\n}\n")
    (tree / "fs" / "link.c").symlink_to(outside / "secret.c")
    path = name.format(outside=outside).lstrip("/")
    patch_text = (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        "@@ -1,3 +1,3 @@ int secret_fn(void)\n {\n-\treturn 42;\n+\treturn 43;\n }\n"
    )
    if name.startswith("{outside}"):  # an absolute path as git would never write it
        patch_text = patch_text.replace(f"a/{path}", f"a//{path}").replace(
            f"b/{path}", f"b//{path}"
        )
    patch = diffparse.extract_patch(kit.text_message(patch_text))
    assert patch.files, "the diff must parse for the test to mean anything"
    peers = pipeline._tree_peers(str(tree), patch)
    assert "secret_fn" not in peers["before"]


def test_a_tree_that_is_not_git_falls_back_to_the_hunks(tmp_path: Path) -> None:
    """An unpacked tarball cannot give blobs by id: the review still runs on the hunks
    (it used to drop every finding), and says why the tree was not used."""
    msg = kit.messages(kit.SEEDS["001v2"])[0]
    plain = pipeline.check_message(msg, CheckOptions())
    report = pipeline.check_message(msg, CheckOptions(tree=str(tmp_path)))
    assert [f.verdict for f in report.findings] == [f.verdict for f in plain.findings]
    assert report.findings
    assert any("not a git checkout" in d.message for d in report.diagnostics)
