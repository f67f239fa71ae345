"""analyze: verdicts on the seeds and intact mails, negatives, mutations, renaming."""

from __future__ import annotations

from collections.abc import Mapping

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
    # The pre-image defines one flag for cache_validity (V9FS_INO_INVALID_ATTR) and
    # writes only it: a plain |= / &= ~ of a one-bit word cannot lose another bit, so
    # the atomic conversion fixes nothing the model can show. The patch adds a second
    # bit (MTIME_UNCERTAIN), and the atomics are what keep that safe: load-bearing.
    for fn in ("v9fs_invalidate_inode_attr", "v9fs_stat2inode", "v9fs_stat2inode_dotl"):
        assert ("nonatomic-flags-update", fn, "not-affected") in got
    flags = [f for f in analysis.findings if f.rule == "nonatomic-flags-update"]
    for f in flags:
        assert dict(f.knobs_before)["bits"] == "one" and dict(f.knobs_after)["bits"] == "two"
        assert not [x for x in f.facts if x.name == "bits" and x.assumed]
        assert "load-bearing" in f.message
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
        # 9p issues its write RPCs synchronously; no rule reads how ->writepages issues
        # them, so the scenario's default (async) is used and reported as assumed. The
        # verdict does not depend on it (else it would be inconclusive).
        issue = [x for x in f.facts if x.name == "flush_issue"]
        assert issue and all(x.assumed and x.basis == "default" for x in issue)


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


def test_seed_003_revert_is_not_shown_to_fix_a_race() -> None:
    """The reverted code held the writers' page-cache add lock (which truncate takes
    exclusively) around the copy, re-checked the size under it, and updated i_size
    under i_lock. With those facts read, the lockless path holds in the model, as the
    locked one does: the revert is not shown to fix a race the model can reproduce."""
    _need("lockless-buffered-write")
    analysis = kit.run(kit.messages(kit.SEEDS["003"])[0])
    assert kit.verdicts(analysis) == [
        ("size-update-without-inode-lock", "bch2_write_iter", "not-affected")
    ]
    (f,) = analysis.findings
    assert dict(f.knobs_before)["inode_lock"] == "extending_only"
    assert dict(f.knobs_after)["inode_lock"] == "always"
    for knobs in (f.knobs_before, f.knobs_after):
        assert dict(knobs)["truncate_excl"] == "pagecache_add_lock"
        assert dict(knobs)["isize_update"] == "i_lock"
    assert not f.assumed
    assert "does not show the patch fixing" in f.message
    assert "bch2_pagecache_add_get()" in f.message


def test_seed_004_patch_adds_revalidation() -> None:
    _need("unwritten-zero-fill")
    analysis = kit.run(kit.messages(kit.SEEDS["004"])[0])
    assert ("cached-iomap-used-after-folio-lock", "iomap_write_begin", "fixes") in kit.verdicts(
        analysis
    )


@pytest.mark.parametrize(
    ("seed", "rule", "scenario", "verdict", "turns_on"),
    [
        (
            "002web",
            "cached-mapping-without-revalidation",
            "writeback-stale-mapping",
            "inconclusive",
            "map_extent",
        ),
        (
            "003web",
            "size-update-without-inode-lock",
            "lockless-buffered-write",
            "inconclusive",
            "truncate_excl",
        ),
        ("004web", "cached-iomap-used-after-folio-lock", "unwritten-zero-fill", "inconclusive", ""),
    ],
)
def test_damaged_seeds_get_a_degraded_description_based_verdict(
    seed: str, rule: str, scenario: str, verdict: str, turns_on: str
) -> None:
    """002: the description does not say whether the old code mapped one block or an
    extent (the real pre-image maps one block: no race), 003: nor whether writers held
    a lock truncate takes (the real one did: no race). Both decide the verdict, so it
    is inconclusive and says so. 004's text says the check follows the folio lock: taken
    at its word that fixes the race, but prose is not code, so it is inconclusive too."""
    _need(scenario)
    analysis = kit.run(kit.messages(kit.SEEDS[seed])[0])
    assert [(f.rule, f.verdict) for f in analysis.findings] == [(rule, verdict)]
    (f,) = analysis.findings
    assert f.degraded and f.confidence == "low"
    assert "what follows rests on the description only" in f.message
    described = [x for x in f.facts if not x.assumed]
    assert described and all(x.basis == "description" for x in described)
    assert all(x.basis == "default" for x in f.facts if x.assumed)
    if turns_on:
        assert f"The verdict turns on {turns_on}, which the description does not state" in (
            f.message
        )
    else:
        assert "turns on" not in f.message
        assert "Taken at its word, the change would close the race" in f.message


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
        # Without its waits the patch no longer touches one, and its hunks start below
        # the top of v9fs_evict_inode(): a wait above them is not shown, so no finding
        # (audit 2 #1: "no" is read only from lines shown from the function's start).
        ("fixes", None, "introduces"),
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
        # The reverted code is safe in the model (its writers hold the page-cache add
        # lock truncate takes exclusively, and i_size moves under i_lock), so the
        # revert is not-affected both ways. What the code implies is that dropping the
        # inode lock is only safe with that lock: drop both from the post-image and
        # the patch introduces the race.
        lambda b: kit.drop_from_post_image(
            kit.drop_added(b, r"^\+\tinode_lock\(&inode->v\);"),
            r"bch2_pagecache_add_(get|put)\(inode\);",
        ),
        ("size-update-without-inode-lock", "bch2_write_iter"),
        ("not-affected", "introduces", "not-affected"),
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
        # The pre-image's word has one flag: plain updates cannot lose a bit, so the
        # conversion is not-affected both ways. The patch adds a second flag; a
        # post-image that keeps both bits but sets one with a plain |= introduces the
        # lost-bit race.
        ("not-affected", "introduces", "not-affected"),
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
    mutated_found = verdicts(mutate(original.body))
    assert mutated in mutated_found if mutated else not mutated_found
    assert reversed_ in verdicts(kit.reverse(original.body))


# --------------------------------------------------------------------------- synthetic

SYNTH = kit.ROOT / "tests" / "rules"


def test_untouched_race_in_a_changed_function_is_preexisting() -> None:
    _need("getattr-writeback")
    # The patch also shows the reply being applied (qfs_apply() overwrites i_size).
    msg = kit.text_message((SYNTH / "qfs-debug-only-apply.patch").read_text())
    (f,) = kit.run(msg).findings
    assert f.rule == "flush-without-wait-before-remote-stat"
    assert f.preexisting and f.verdict == "remains" and f.severity == "info"
    assert f.line == 14  # the filemap_fdatawrite() context line


def test_untouched_race_that_rests_on_an_assumption_is_not_reported() -> None:
    """Without qfs_apply() on screen, whether the untouched flush races depends on how
    the reply's size is applied: a maybe about code the patch did not touch is noise."""
    _need("getattr-writeback")
    msg = kit.text_message((SYNTH / "qfs-debug-only.patch").read_text())
    assert kit.run(msg).findings == ()


def test_facts_the_patch_does_not_show_are_assumed() -> None:
    _need("getattr-writeback")
    msg = kit.text_message((SYNTH / "qfs-write-and-wait-apply.patch").read_text())
    (f,) = kit.run(msg).findings
    assert (f.rule, f.verdict, f.invariant) == (
        "flush-without-wait-before-remote-stat",
        "fixes",
        "stat-after-write",
    )
    assumed = {(x.name, x.side, x.value, x.basis) for x in f.assumed}
    # Rule facts the patch does not decide, and scenario knobs no rule reads.
    assert ("completion_updates_remote_size", "after", "no", "default") in assumed
    assert ("flush_issue", "after", "async", "default") in assumed
    assert ("flush_issue", "before", "async", "default") in assumed
    size = {(x.side, x.value, x.basis) for x in f.facts if x.name == "size_update"}
    assert size == {("before", "overwrite", "code"), ("after", "overwrite", "code")}
    read = {(x.name, x.side, x.value, x.basis) for x in f.facts if not x.assumed}
    assert {
        ("flush", "before", "fdatawrite", "code"),
        ("flush", "after", "write_and_wait", "code"),
    } <= read
    assert "qfs_getattr()" in f.message and "filemap_write_and_wait()" in f.message
    assert "turns on" not in f.message  # no assumed knob changes the verdict


def test_a_verdict_that_turns_on_an_assumed_fact_is_inconclusive() -> None:
    """Same patch without qfs_apply(): whether the server's size overwrites i_size is
    not visible, and the flush fix matters only if it does."""
    _need("getattr-writeback")
    msg = kit.text_message((SYNTH / "qfs-write-and-wait.patch").read_text())
    (f,) = kit.run(msg).findings
    assert (f.rule, f.verdict, f.confidence) == (
        "flush-without-wait-before-remote-stat",
        "inconclusive",
        "low",
    )
    assert ("size_update", "after", "overwrite", "default") in {
        (x.name, x.side, x.value, x.basis) for x in f.assumed
    }
    assert "The verdict turns on size_update, which was not read from the code" in f.message
    assert "if size_update=overwrite" in f.message and "the patch fixes the race" in f.message
    assert "if size_update=keep" in f.message and "(not-affected)" in f.message
    # The evidence is still that of the default: the race the patch would fix.
    assert f.invariant == "stat-after-write" and f.sim_before is not None


def test_sensitivity_uses_the_runner_and_only_flips_on_assumed_knobs() -> None:
    """A fake simulation in which the old side is only unsafe with its (assumed)
    wait_at default: the verdict turns on that knob and becomes inconclusive. The
    after side's wait_at was read from the code and is never varied."""
    msg = kit.messages(kit.SEEDS["001v2"])[0]
    real = kit.fake_runner({"wait_for_io": {"no"}}, "no-uaf")
    seen: list[dict[str, str]] = []

    def fake(scenario: str, knobs: Mapping[str, str]) -> SimResult:
        seen.append(dict(knobs))
        safe = (
            dict(knobs, wait_for_io="yes") if knobs.get("wait_at") != "before_truncate" else knobs
        )
        return real(scenario, safe)

    found = kit.run(msg, fake).findings
    assert found and {f.verdict for f in found} == {"inconclusive"}
    for f in found:
        assert "The verdict turns on wait_at" in f.message
        assert "if wait_at=before_truncate" in f.message and "the patch fixes the race" in f.message
        assert "if wait_at=before_clear_inode" in f.message and "(not-affected)" in f.message
        assert f.outcomes == ("fixes", "not-affected")  # what renderers read, not the text
    # Only the before side (where wait_at is assumed) was run with the other value.
    # (sb_wait is the rule's environment: held, never varied)
    assert {"wait_for_io": "yes", "wait_at": "before_clear_inode", "sb_wait": "no"} not in seen
    assert {"wait_for_io": "no", "wait_at": "before_clear_inode", "sb_wait": "no"} in seen
    assert all(k["sb_wait"] == "no" for k in seen)
    # With a simulation where the assumption does not matter, the verdict stands.
    assert {f.verdict for f in kit.run(msg, real).findings} == {"fixes"}


def test_patch_quoted_in_a_reply_is_still_analysed() -> None:
    _need("getattr-writeback")
    (msg,) = kit.messages(kit.FIX / "0109-synthetic-reply-quoting-patch.eml")
    (f,) = kit.run(msg).findings
    # The quoted patch does not show how the reply's size is applied, and the flush
    # fix only matters if the server's size overwrites i_size: inconclusive.
    assert (f.rule, f.function, f.verdict) == (
        "flush-without-wait-before-remote-stat",
        "examplefs_getattr",
        "inconclusive",
    )
    assert "turns on size_update" in f.message
    # The request is examplefs_fetch_attrs(ei, ...): ei is converted from the inode.
    assert "examplefs_fetch_attrs()" in f.message


def test_new_function_with_the_race_introduces_it_and_removing_it_says_nothing() -> None:
    _need("getattr-writeback")
    text = (SYNTH / "newfs-getattr.patch").read_text()
    found = kit.run(kit.text_message(text)).findings
    # newfs_set_attrs() overwrites i_size with the server's: both rules apply.
    assert [(f.rule, f.verdict) for f in found] == [
        ("flush-without-wait-before-remote-stat", "introduces"),
        ("remote-size-overwrites-local-size", "introduces"),
    ]
    f = found[0]
    assert f.function == "newfs_getattr"
    assert f.sim_before is None and f.knobs_before == () and f.line == 7 and f.hunk == 0
    assert kit.run(kit.text_message(kit.reverse(text))).findings == ()


def test_description_text_names_only_functions_the_description_is_about() -> None:
    """A collapsed web copy's diff names helpers the race has nothing to do with
    (EXT2_I(), ext2_alloc_inode()); only those the commit message points at are named."""
    from reviewbot.model import Message, Patch, Recovered, Subject
    from reviewbot.rules import describe

    prose = "writeback caches the mapping; we first cache the i_blkseq and ->map_blocks checks it"
    rec = Recovered(
        files=("fs/ext2/inode.c",),
        functions=("EXT2_I", "ext2_alloc_inode", "ext2_inc_i_blkseq", "ext2_write_map_blocks"),
        commit_message=prose,
    )
    msg = Message(msgid="m@x", subject=Subject(raw="x", title="x"), from_=None)
    patch = Patch(message=msg, files=(), degraded=True, recovered=rec)
    assert describe.relevant_functions(patch) == ("ext2_inc_i_blkseq", "ext2_write_map_blocks")
    bare = Patch(message=msg, files=(), degraded=True, recovered=Recovered(functions=("EXT2_I",)))
    assert describe.relevant_functions(bare) == ()


def test_a_wait_added_under_if_0_is_named_and_the_race_remains() -> None:
    """Synthetic audit fixture 0181: the patch adds netfs_wait_for_outstanding_io()
    inside #if 0. The wait counts for nothing, so the race remains; the reply is about
    this patch (not 'code it touches') and says the added line is compiled out."""
    from reviewbot.diffparse.inactive import compiled_out_additions

    path = kit.FIX / "0181-synthetic-audit-afs-wait-under-if-0.patch"
    msg = kit.messages(path)[0]
    from reviewbot import diffparse

    (fn,) = diffparse.changed_functions(diffparse.extract_patch(msg))
    assert fn.after is not None and compiled_out_additions(fn.after) == (20,)
    (f,) = kit.run(msg).findings
    assert (f.verdict, f.preexisting) == ("remains", False)
    assert "adds line 20 of fs/afs/inode.c under #if 0" in f.message


def test_a_message_without_a_diff_gets_no_finding_from_its_prose() -> None:
    """Synthetic cover letter ([PATCH 0/2]) whose prose says everything the evict rule's
    description phrases look for, and a diffstat: no diff, so nothing to review (it used
    to get an inconclusive finding from the prose, read backwards)."""
    from reviewbot import mail

    raw = (
        b"From: Test Author <author@example.org>\nSubject: [PATCH 0/2] netfs: tidy up eviction\n"
        b"Message-ID: <cover@example.org>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\n"
        b"This is not a fix: eviction and umount do not need to wait for outstanding\n"
        b"async I/O in flight any more, so the drain is dropped.\n\n"
        b"Test Author (2):\n  netfs: rename helper\n  netfs: drop the wait\n\n"
        b" fs/netfs/misc.c | 4 ++--\n 1 file changed, 2 insertions(+), 2 deletions(-)\n\n"
        b"Signed-off-by: Test Author <author@example.org>\n"
    )
    assert kit.run(mail.parse_message(raw, "cover")).findings == ()
