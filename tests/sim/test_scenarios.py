"""The seed scenarios: expected verdicts per named variant (like LKMM's ``Result:``),
the story each counterexample tells, knob documentation, replays."""

from __future__ import annotations

import pytest

import reviewbot.sim as sim
from reviewbot.model import PropertyResult, SimResult
from reviewbot.sim import registry
from reviewbot.sim.runner import simulate

SCENARIOS = {
    "getattr-writeback",
    "flags-rmw",
    "evict-vs-async-io",
    "writeback-stale-mapping",
    "lockless-buffered-write",
    "unwritten-zero-fill",
}

# The buggy variant of each scenario, the property it breaks, and the labels its
# shortest counterexample must show in this order: the seed's own story.
STORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "getattr-writeback": (
        "pre-patch",
        "stat-after-write",
        (
            "netfs_perform_write(): folio1 = A",
            "i_size_write(8192), write() returns",
            "wb_workfn(): folio_start_writeback(folio1)",
            "filemap_fdatawrite(): nothing dirty",
            "p9_client_getattr_dotl() -> size 4096",
            "v9fs_stat2inode_dotl(): i_size_write(4096)",
            "generic_fillattr()",
        ),
    ),
    "flags-rmw": (
        "two-bits-plain",
        "no-lost-bit",
        (
            "load cache_validity",
            "load cache_validity",
            "store cache_validity",
            "store cache_validity",
        ),
    ),
    "evict-vs-async-io": (
        "pre-patch",
        "no-uaf",
        (
            "folio_end_writeback()",
            "truncate_inode_pages_final()",
            "clear_inode()",
            "p9_client_destroy(): fids freed",
            "p9_fid_put(fid)",
        ),
    ),
    "writeback-stale-mapping": (
        "extent-no-cookie",
        "no-stale-block-write",
        (
            "ext2_iomap_begin(): iomap @0 x2 -> block 10",
            "submit_bio(folio0 -> block 10)",
            "truncate_pagecache(): folio1 removed",
            "ext2_free_blocks(block 11)",
            "ext2_alloc_blocks() -> block 12",
            "new folio1 = B, dirty",
            "submit_bio(folio1 -> block 11)",
        ),
    ),
    "lockless-buffered-write": (
        "lockless-generic",
        "no-dropped-write",
        (
            "pos + len > i_size_read()? false",
            "grab folio1, folio_lock()",
            "truncate_setsize(): i_size = 4096",
            "i_size_write(8192)",
            "truncate_pagecache(): folio1 gone",
        ),
    ),
    "unwritten-zero-fill": (
        "pre-patch",
        "no-zero-over-data",
        (
            "folio1 range unwritten",
            "submit_bio()",
            "xfs_end_ioend(): unwritten -> written",
            "folio_end_writeback(folio1)",
            "evict folio1",
            "iomap_write_begin(): folio1 new",
            "zeroed (UNWRITTEN)",
        ),
    ),
}


# Windows the model finds in the seeds' own fixes, pinned the same way.
FIX_STORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "getattr-writeback": (
        "seed-fix",
        "isize-monotonic",
        (
            "p9_client_getattr_dotl() -> size 4096",
            "i_size_write(8192), write() returns",
            "p9_client_write(folio1): server stores A",
            "v9fs_issue_write(): remote_i_size = 8192",
            "v9fs_stat2inode_dotl(): st_size != remote_i_size",
            "v9fs_stat2inode_dotl(): i_size_write(4096)",
        ),
    ),
    "writeback-stale-mapping": (
        "cookie-after-lookup",
        "no-stale-block-write",
        (
            "ext2_iomap_begin(): iomap @0 x2 -> block 10",
            "ext2_free_blocks(block 11)",
            "ext2_alloc_blocks() -> block 12",
            "validity_cookie = i_blkseq (2)",
            "submit_bio(folio1 -> block 11)",
        ),
    ),
    "unwritten-zero-fill": (
        "check-before-lock",
        "no-zero-over-data",
        (
            "xfs_iomap_valid(): if_seq changed?",
            "xfs_end_ioend(): unwritten -> written",
            "evict folio1",
            "iomap_write_begin(): folio1 new",
            "zeroed (UNWRITTEN)",
        ),
    ),
}


def _variants() -> list[tuple[str, str]]:
    return [
        (sid, name)
        for sid, spec in registry.all_scenarios().items()
        if sid in SCENARIOS
        for name in spec.variants
    ]


def _run(sid: str, variant: str, *, check: bool = False) -> SimResult:
    spec = registry.get(sid)
    knobs = spec.resolve(spec.variant(variant).knobs)
    if check:  # records real accesses: an undeclared read/write fails loudly
        return simulate(sid, knobs, spec.build(knobs), check=True)
    return sim.run(sid, knobs)


def _prop(result: SimResult, name: str) -> PropertyResult:
    return next(p for p in result.properties if p.property == name)


def test_every_seed_scenario_is_registered() -> None:
    assert set(registry.all_scenarios()) >= SCENARIOS


@pytest.mark.parametrize(("sid", "variant"), _variants())
def test_variant_verdicts_match_expected(sid: str, variant: str) -> None:
    expected = registry.get(sid).variant(variant).expected
    result = _run(sid, variant, check=True)
    got = {p.property: p.verdict for p in result.properties}
    # every property the model declares has a stated verdict (deadlock may be implicit)
    assert set(got) - {"no-deadlock"} <= set(expected), f"unstated properties in {variant}"
    assert {k: got[k] for k in expected} == expected
    if "no-deadlock" not in expected:
        assert got["no-deadlock"] == "holds"
    assert result.stats.complete
    # never vacuous: the race's precondition is reachable in every variant
    for prop in result.properties:
        if prop.kind == "sometimes":
            assert prop.verdict == "holds", f"{sid}/{variant}: {prop.property} unreachable"
    # small enough to decide well under a second (reachable states 10^1-10^4)
    assert result.stats.states < 20_000


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_named_variants_and_fixed_side_reaches_the_race(sid: str) -> None:
    spec = registry.get(sid)
    assert {"pre-patch", "seed-fix"} <= set(spec.variants)
    result = _run(sid, "seed-fix")
    sometimes = [p for p in result.properties if p.kind == "sometimes"]
    assert sometimes, "a scenario needs a sometimes property"
    # the fix closes the race, not the scenario: its precondition is reachable
    assert all(p.verdict == "holds" for p in sometimes)
    assert all(p.trace for p in sometimes)


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_knob_docs_explain_every_value(sid: str) -> None:
    spec = registry.get(sid)
    assert set(spec.knob_docs) == set(spec.knobs)
    for knob, values in spec.knobs.items():
        assert spec.defaults[knob] in values
        for value in values:
            # each value is explained as "value: the code shape it stands for"
            assert f"{value}:" in spec.knob_docs[knob], f"{sid}: {knob}={value} undocumented"
    for name, variant in spec.variants.items():
        spec.resolve(variant.knobs)  # valid knobs and values
        assert variant.note, f"{sid}/{name} says nothing about what it stands for"
    assert spec.limits


def _stories() -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(sid, *STORIES[sid]) for sid in sorted(STORIES)] + [
        (sid, *FIX_STORIES[sid]) for sid in sorted(FIX_STORIES)
    ]


@pytest.mark.parametrize(("sid", "variant", "prop", "story"), _stories())
def test_counterexample_tells_the_story(
    sid: str, variant: str, prop: str, story: tuple[str, ...]
) -> None:
    result = _run(sid, variant)
    p = _prop(result, prop)
    assert p.verdict == "violated"
    labels = [s.label for s in p.trace]
    at = 0
    for want in story:
        while at < len(labels) and want not in labels[at]:
            at += 1
        assert at < len(labels), f"{sid}: {want!r} missing or out of order in {labels}"
        at += 1
    # the breaking step is the last one and says which invariant broke
    assert p.trace[-1].note


@pytest.mark.parametrize("sid", sorted(STORIES))
def test_replay_reproduces_the_counterexample(sid: str) -> None:
    variant, prop, _story = STORIES[sid]
    p = _prop(_run(sid, variant), prop)
    again = sim.replay(sid, p.replay)
    assert [(s.thread, s.label) for s in again] == [(s.thread, s.label) for s in p.trace]


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_docstring_states_its_modelling(sid: str) -> None:
    import importlib

    spec = registry.get(sid)
    module = importlib.import_module(f"reviewbot.sim.scenarios.{sid.replace('-', '_')}")
    doc = module.__doc__ or ""
    assert "What it models" in doc
    assert "CPU0" in doc  # the drawing of the buggy variant's trace
    assert "Invariant" in doc
    assert spec.build is module.build


def test_world_folio_fields_are_declared_in_order_and_checked() -> None:
    from reviewbot.sim.dsl import Model, ModelError
    from reviewbot.sim.world import declare_folio

    m = Model("t")
    assert declare_folio(m, "folio1", present=True, b0="0", dirty=False) == "folio1"
    assert list(m.shared.items()) == [
        ("folio1.present", True),
        ("folio1.b0", "0"),
        ("folio1.dirty", False),
    ]
    with pytest.raises(ModelError, match="unknown folio field"):
        declare_folio(m, "folio2", dirtty=True)


def test_world_folio_and_size_steps_change_what_the_kernel_does() -> None:
    from reviewbot.sim.world import (
        folio_end_writeback,
        folio_unlock,
        i_size_set,
        size_extend,
        start_writeback,
    )

    assert start_writeback("f") == {"f.dirty": False, "f.writeback": True}
    end = folio_end_writeback("f", "folio_end_writeback(f)")
    assert end.writes == ("f.writeback",) and end.effect is not None
    assert end.effect({}) == {"f.writeback": False}
    unl = folio_unlock("f", "folio_unlock(f)")
    assert unl.writes == ("f.locked",) and unl.show == ()
    assert unl.effect is not None and unl.effect({}) == {"f.locked": False}
    trunc = i_size_set("truncate_setsize()", 4096)
    assert trunc.reads == () and trunc.effect is not None
    assert trunc.effect({}) == {"i_size": 4096}
    ext = size_extend("i_size_write(8192)", 8192, "remote_i_size")
    assert ext.reads == ext.writes == ("remote_i_size",) and ext.effect is not None
    # an extending store never lowers the size
    assert ext.effect({"remote_i_size": 12288}) == {"remote_i_size": 12288}
    assert ext.effect({"remote_i_size": 4096}) == {"remote_i_size": 8192}
