"""analyze: verdicts on the seeds and intact mails, negatives, mutations, renaming."""

from __future__ import annotations

import pytest

from reviewbot.analyze import verdict_of
from reviewbot.model import PropertyResult, SimResult, SimStats
from tests.rules import kit


def _have(scenario: str) -> bool:
    from reviewbot.sim.registry import all_scenarios

    return scenario in all_scenarios()


def _need(*scenarios: str) -> None:
    for s in scenarios:
        if not _have(s):
            pytest.skip(f"scenario {s} is not registered yet")


def _result(verdict: str) -> SimResult:
    prop = PropertyResult("p", "always", "d", verdict)  # type: ignore[arg-type]
    return SimResult("s", (), (), (prop,), SimStats(1, 0, 1, 0.0, verdict != "inconclusive"))


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("violated", "holds", "fixes"),
        ("holds", "violated", "introduces"),
        ("violated", "violated", "remains"),
        ("holds", "holds", "not-affected"),
        ("inconclusive", "holds", "inconclusive"),
        ("violated", "inconclusive", "inconclusive"),
    ],
)
def test_verdict_table(before: str, after: str, expected: str) -> None:
    assert verdict_of(_result(before), _result(after)) == expected


# --------------------------------------------------------------------------- seeds

EVICT = [
    ("evict-without-waiting-for-io", fn, "fixes")
    for fn in ("afs_evict_inode", "cifs_evict_inode", "v9fs_evict_inode")
]


@pytest.mark.parametrize("seed", ["001", "001v2", "001v3"])
def test_seed_001_fixes_the_eviction_race_in_every_filesystem(seed: str) -> None:
    _need("evict-vs-async-io")
    analysis = kit.run(kit.messages(kit.SEEDS[seed])[0])
    assert kit.verdicts(analysis) == EVICT
    for f in analysis.findings:
        assert dict(f.knobs_before)["wait_for_io"] == "no"
        assert dict(f.knobs_after)["wait_for_io"] == "yes"
        assert f.invariant == "no-uaf" and f.sim_before is not None and f.sim_after is not None
        assert f.function in f.message and "netfs_wait_for_outstanding_io()" in f.message
        assert f.hunk is not None and f.line is not None and not f.preexisting


def test_seed_001_v3_reply_that_says_applied_gets_nothing() -> None:
    reply = kit.messages(kit.SEEDS["001v3"])[1]
    assert kit.run(reply).findings == ()


def test_seed_000_flags_become_atomic_and_the_size_race_remains() -> None:
    _need("getattr-writeback", "flags-rmw")
    analysis = kit.run(kit.messages(kit.SEEDS["000"])[0])
    got = kit.verdicts(analysis)
    assert ("nonatomic-flags-update", "v9fs_invalidate_inode_attr", "fixes") in got
    assert ("nonatomic-flags-update", "v9fs_stat2inode_dotl", "fixes") in got
    # The seed admits a remaining hole: remote_i_size moves when the write reply is
    # processed, so a getattr reply that crossed a write still looks like a change on
    # the server. The model finds that interleaving.
    assert ("remote-size-overwrites-local-size", "v9fs_vfs_getattr_dotl", "remains") in got
    size = [f for f in analysis.findings if f.rule == "remote-size-overwrites-local-size"]
    for f in size:
        assert dict(f.knobs_before)["size_update"] == "overwrite"
        assert dict(f.knobs_after)["size_update"] == "compare_remote"
        assert dict(f.knobs_after)["completion_updates_remote_size"] == "yes"
        assert "stat2inode" in f.message


def test_seed_002_patch_makes_multi_block_mappings_safe() -> None:
    _need("writeback-stale-mapping")
    analysis = kit.run(kit.messages(kit.SEEDS["002"])[0])
    # The pre-image maps one block per call (ext2_iomap_begin(..., s_blocksize, ...)), so
    # no cached mapping outlives a folio: nothing to fix. The patch maps whole extents
    # and adds the cookie that keeps that safe; the finding says the cookie is
    # load-bearing (see the mutation test: without it the patch introduces the race).
    assert kit.verdicts(analysis) == [
        ("cached-mapping-without-revalidation", "ext2_write_map_blocks", "not-affected")
    ]
    (f,) = analysis.findings
    assert dict(f.knobs_before)["map_extent"] == "block"
    assert dict(f.knobs_after)["map_extent"] == "multi"
    assert dict(f.knobs_after)["validity_cookie"] == "yes"
    assert "ext2_imap_valid()" in f.message and "load-bearing" in f.message


def test_seed_003_revert_fixes_the_lockless_write() -> None:
    _need("lockless-buffered-write")
    analysis = kit.run(kit.messages(kit.SEEDS["003"])[0])
    assert kit.verdicts(analysis) == [
        ("size-update-without-inode-lock", "bch2_write_iter", "fixes")
    ]
    (f,) = analysis.findings
    assert dict(f.knobs_before)["inode_lock"] == "extending_only"
    assert dict(f.knobs_after)["inode_lock"] == "always"


def test_seed_004_patch_adds_revalidation() -> None:
    _need("unwritten-zero-fill")
    analysis = kit.run(kit.messages(kit.SEEDS["004"])[0])
    assert ("cached-iomap-used-after-folio-lock", "iomap_write_begin", "fixes") in kit.verdicts(
        analysis
    )


@pytest.mark.parametrize(
    ("seed", "rule", "scenario"),
    [
        ("002web", "cached-mapping-without-revalidation", "writeback-stale-mapping"),
        ("003web", "size-update-without-inode-lock", "lockless-buffered-write"),
        ("004web", "cached-iomap-used-after-folio-lock", "unwritten-zero-fill"),
    ],
)
def test_damaged_seeds_get_a_degraded_description_based_verdict(
    seed: str, rule: str, scenario: str
) -> None:
    _need(scenario)
    analysis = kit.run(kit.messages(kit.SEEDS[seed])[0])
    assert [(f.rule, f.verdict) for f in analysis.findings] == [(rule, "fixes")]
    (f,) = analysis.findings
    assert f.degraded and f.confidence == "low" and "description" in f.message
    assert f.facts and all(x.basis == "description" for x in f.facts)


@pytest.mark.parametrize("path", kit.NEGATIVES, ids=lambda p: p.name)
def test_negatives_get_no_findings(path: object) -> None:
    for msg in kit.messages(path):  # type: ignore[arg-type]
        assert kit.run(msg).findings == ()


# --------------------------------------------------------------------------- mutations

# seed: (scenario, mutate the post-image so the bug comes back, (rule, function),
#        verdicts of the patch, of the mutated patch and of the reversed patch)
MUTATIONS = {
    "001": (
        "evict-vs-async-io",
        lambda b: kit.drop_added(b, r"netfs_wait_for_outstanding_io\(inode\);"),
        ("evict-without-waiting-for-io", "v9fs_evict_inode"),
        ("fixes", "remains", "introduces"),
    ),
    "002": (
        "writeback-stale-mapping",
        lambda b: kit.drop_added(b, r"validity_cookie != READ_ONCE|^\+\t\treturn false;$"),
        ("cached-mapping-without-revalidation", "ext2_write_map_blocks"),
        # The pre-image maps one block per call: there is no race before the patch.
        ("not-affected", "introduces", "not-affected"),
    ),
    "003": (
        "lockless-buffered-write",
        lambda b: kit.drop_added(b, r"^\+\tinode_lock\(&inode->v\);"),
        ("size-update-without-inode-lock", "bch2_write_iter"),
        ("fixes", "remains", "introduces"),
    ),
    "004": (
        "unwritten-zero-fill",
        # The whole "if (page_ops && page_ops->iomap_valid) { ... }" block goes.
        lambda b: kit.drop_added_block(b, r"if \(page_ops && page_ops->iomap_valid\)"),
        ("cached-iomap-used-after-folio-lock", "iomap_write_begin"),
        ("fixes", "remains", "introduces"),
    ),
    "000": (
        "flags-rmw",
        lambda b: kit.replace_added(
            b,
            "set_bit(V9FS_INO_INVALID_ATTR, &v9inode->cache_validity);",
            "v9inode->cache_validity |= BIT(V9FS_INO_INVALID_ATTR);",
        ),
        ("nonatomic-flags-update", "v9fs_invalidate_inode_attr"),
        ("fixes", "remains", "introduces"),
    ),
}


def _verdict_for(analysis: object, rule: str, function: str) -> str | None:
    for f in analysis.findings:  # type: ignore[attr-defined]
        if f.rule == rule and f.function == function:
            return str(f.verdict)
    return None


@pytest.mark.parametrize("seed", sorted(MUTATIONS))
def test_mutated_fix_remains_and_reversed_patch_introduces(seed: str) -> None:
    scenario, mutate, (rule, fn), (base, mutated, reversed_) = MUTATIONS[seed]
    _need(scenario)
    msg = kit.messages(kit.SEEDS[seed])[0]
    assert _verdict_for(kit.run(msg), rule, fn) == base
    assert _verdict_for(kit.run(kit.text_message(mutate(msg.body))), rule, fn) == mutated
    assert _verdict_for(kit.run(kit.text_message(kit.reverse(msg.body))), rule, fn) == reversed_


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_renaming_every_function_and_file_keeps_the_verdicts(seed: str) -> None:
    _need("evict-vs-async-io", "getattr-writeback", "flags-rmw")
    msg = kit.messages(kit.SEEDS[seed])[0]
    original = kit.run(msg)
    renamed = kit.run(kit.renamed(msg))
    assert sorted((f.rule, f.verdict) for f in renamed.findings) == sorted(
        (f.rule, f.verdict) for f in original.findings
    )
    assert original.findings
    assert all(f.function.startswith("zq") for f in renamed.findings)
    assert all(f.file.startswith("fs/zq/") for f in renamed.findings)


@pytest.mark.parametrize("seed", sorted(MUTATIONS))
def test_mutations_hold_with_everything_renamed(seed: str) -> None:
    scenario, mutate, (rule, _fn), (base, mutated, reversed_) = MUTATIONS[seed]
    _need(scenario)
    original = kit.messages(kit.SEEDS[seed])[0]

    def verdicts(body: str | None = None) -> set[str]:
        found = kit.run(kit.renamed(original, body)).findings
        assert all(f.function.startswith("zq") for f in found if f.rule == rule)
        return {f.verdict for f in found if f.rule == rule}

    assert base in verdicts()
    assert mutated in verdicts(mutate(original.body))
    assert reversed_ in verdicts(kit.reverse(original.body))


# --------------------------------------------------------------------------- synthetic

SYNTH = kit.ROOT / "tests" / "rules"


def test_untouched_race_in_a_changed_function_is_preexisting() -> None:
    _need("getattr-writeback")
    msg = kit.text_message((SYNTH / "qfs-debug-only.patch").read_text())
    (f,) = kit.run(msg).findings
    assert f.rule == "flush-without-wait-before-remote-stat"
    assert f.preexisting and f.verdict == "remains" and f.severity == "info"
    assert f.line == 14  # the filemap_fdatawrite() context line


def test_facts_the_patch_does_not_show_are_assumed() -> None:
    _need("getattr-writeback")
    msg = kit.text_message((SYNTH / "qfs-write-and-wait.patch").read_text())
    (f,) = kit.run(msg).findings
    assert (f.rule, f.verdict, f.invariant) == (
        "flush-without-wait-before-remote-stat",
        "fixes",
        "stat-after-write",
    )
    assumed = {(x.name, x.side, x.value, x.basis) for x in f.assumed}
    assert ("size_update", "after", "overwrite", "default") in assumed
    read = {(x.name, x.side, x.value, x.basis) for x in f.facts if not x.assumed}
    assert read == {
        ("flush", "before", "fdatawrite", "code"),
        ("flush", "after", "write_and_wait", "code"),
    }
    assert "qfs_getattr()" in f.message and "filemap_write_and_wait()" in f.message


def test_fake_runner_drives_verdicts_without_the_engine() -> None:
    msg = kit.messages(kit.SEEDS["001v2"])[0]
    analysis = kit.run(msg, kit.fake_runner({"wait_for_io": {"no"}}, "no-uaf"))
    assert {f.verdict for f in analysis.findings} == {"fixes"}
    # A property the rule does not judge does not count.
    analysis = kit.run(msg, kit.fake_runner({"wait_for_io": {"no"}}, "other"))
    assert {f.verdict for f in analysis.findings} == {"not-affected"}


def test_patch_quoted_in_a_reply_is_still_analysed() -> None:
    _need("getattr-writeback")
    (msg,) = kit.messages(kit.FIX / "0109-synthetic-reply-quoting-patch.eml")
    (f,) = kit.run(msg).findings
    assert (f.rule, f.function, f.verdict) == (
        "flush-without-wait-before-remote-stat",
        "examplefs_getattr",
        "fixes",
    )
    # The request is examplefs_fetch_attrs(ei, ...): ei is converted from the inode.
    assert "examplefs_fetch_attrs()" in f.message


def test_new_function_with_the_race_introduces_it_and_removing_it_says_nothing() -> None:
    _need("getattr-writeback")
    text = (SYNTH / "newfs-getattr.patch").read_text()
    (f,) = kit.run(kit.text_message(text)).findings
    assert (f.rule, f.verdict, f.function) == (
        "flush-without-wait-before-remote-stat",
        "introduces",
        "newfs_getattr",
    )
    assert f.sim_before is None and f.knobs_before == () and f.line == 7 and f.hunk == 0
    assert kit.run(kit.text_message(kit.reverse(text))).findings == ()
