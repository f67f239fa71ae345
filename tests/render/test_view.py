"""The data the templates see: which side and property explain a verdict, and how."""

from __future__ import annotations

import shlex
from dataclasses import replace

import render_factory as factory

from reviewbot.diffparse.repair import UNKNOWN_FILE
from reviewbot.model import PatchReport, TraceStep
from reviewbot.render import view


def test_pick_property_side_per_verdict() -> None:
    f = factory.finding("fixes")
    result, prop = view.pick_property(f)
    assert result is f.sim_before and prop is not None and prop.verdict == "violated"
    f = factory.finding("introduces")
    result, prop = view.pick_property(f)
    assert result is f.sim_after and prop is not None and prop.verdict == "violated"
    result, prop = view.pick_property(factory.finding("inconclusive"))
    assert prop is not None and prop.verdict == "inconclusive"


def test_threads_in_words() -> None:
    sim = factory.sim(True, knobs=())
    assert view._threads(sim, "exfs_evict_inode") == "with the completion thread"
    three = replace(sim, threads=("CPU0 (write)", "CPU1 (getattr)", "CPU2 (writeback)"))
    assert view._threads(three, "v9fs_vfs_getattr") == "with the write and writeback threads"
    assert view._threads(three, "foo_release") == (
        "between the write, getattr and writeback threads"
    )
    assert view._threads(None, "x") == "with concurrent kernel threads"


def test_only_threads_that_step_are_drawn() -> None:
    sim = replace(
        factory.sim(True, knobs=()),
        threads=("CPU0 (evict)", "CPU1 (completion)", "CPU2 (idle)"),
    )
    _, prop = view.pick_property(factory.finding("fixes", sim_before=sim))
    assert prop is not None
    assert view.only_active_threads(sim, prop).threads == ("CPU0 (evict)", "CPU1 (completion)")
    lone = replace(prop, trace=(TraceStep("nobody", "x"),))
    assert view.only_active_threads(sim, lone).threads == sim.threads


def test_trace_width() -> None:
    assert view.trace_width(2) == 78 and view.trace_width(3) == 78
    assert view.trace_width(5) == 120 and view.trace_width(4) == 96


def test_description_not_repeated_after_name() -> None:
    assert view._description("no-dropped-write", "no dropped write: the file ends ok") == (
        "the file ends ok"
    )
    assert view._description("isize-monotonic", "i_size never goes backwards") == (
        "i_size never goes backwards"
    )


def test_replay_command_is_shell_quoted() -> None:
    fv = view.finding_view(factory.finding("remains"))
    assert fv.replay_cmd == "reviewbot sim replay evict-vs-async-io 'k=wait_for_io:no;s=0.1.0.0.1'"
    assert fv.title.startswith("inode torn down")


def _two_properties(own: str, other: str) -> object:
    """A run where the rule's own property has verdict ``own`` and another property
    of the same scenario (one the rule does not judge) has ``other``."""
    base = factory.sim(own == "violated", knobs=())
    mine = replace(base.properties[0], verdict=own)  # type: ignore[arg-type]
    theirs = replace(
        base.properties[0],
        property="isize-monotonic",
        verdict=other,  # type: ignore[arg-type]
        trace=factory.TRACE,
    )
    return replace(base, properties=(mine, theirs))


def test_side_verdicts_are_the_rules_properties_not_the_whole_run() -> None:
    from reviewbot.render import labels

    before = _two_properties("violated", "violated")
    after = _two_properties("holds", "violated")
    f = factory.finding(
        "fixes",
        sim_before=before,
        sim_after=after,
        invariant="no-io-after-free",
        properties=("no-io-after-free",),
    )
    assert f.sim_after is not None and f.sim_after.verdict == "violated"  # the whole run
    assert labels.sides(f) == "before: violated, after: holds"
    v = view.finding_view(f)
    assert (v.before.verdict, v.after.verdict) == ("violated", "holds")
    assert "isize-monotonic" not in labels.what(f)


def test_complete_search_is_not_called_all_reachable_states() -> None:
    v = view.finding_view(factory.finding("fixes"))
    assert "reachable" not in v.after.extent
    assert "reduced search was complete" in v.after.extent


def test_facts_the_same_on_both_sides_are_listed_once() -> None:
    from reviewbot.model import Fact

    same = {"name": "k", "value": "v", "text": "assumed default", "assumed": True}
    facts = (
        Fact(side="before", **same),  # type: ignore[arg-type]
        Fact(side="before", name="w", value="no", text="no wait"),
        Fact(side="after", **same),  # type: ignore[arg-type]
        Fact(side="after", name="w", value="yes", text="waits"),
    )
    v = view.finding_view(factory.finding("fixes", facts=facts))
    assert [(x.side, x.text) for x in v.facts] == [
        ("both sides", "assumed default"),
        ("before", "no wait"),
        ("after", "waits"),
    ]


def test_model_vocabulary_is_named_once_outside_the_models_filesystem() -> None:
    from reviewbot.model import Fact
    from reviewbot.render import vocab

    trace = (TraceStep("umount", "v9fs_kill_super() -> p9_client_destroy()"),)
    sim = factory.sim(True, knobs=())
    sim = replace(sim, properties=(replace(sim.properties[0], trace=trace),))
    fact = Fact("waits", "no", "before", "no wait", function="ceph_evict_inode")
    f = factory.finding(
        "fixes",
        sim_before=sim,
        file="fs/ceph/inode.c",
        function="ceph_evict_inode",
        facts=(fact,),
    )
    patch = factory.patch()
    text = vocab.note(patch, f)
    assert "v9fs_kill_super()" in text and "p9_client_destroy()" in text
    assert "not ceph's" in text and "ceph_evict_inode() plays" in text
    assert vocab.note(patch, replace(f, file="fs/9p/vfs_inode.c")) == ""
    other = replace(f, rule="another-rule")  # different evidence: not referred back
    sections = view.section_views(factory.report(f, other), (f, other))
    shown = [fv for s in sections for fv in s.findings]
    assert len(shown) == 2 and all(fv.trace for fv in shown)
    assert [bool(fv.vocab) for fv in shown] == [True, False]


def test_long_replay_command_breaks_before_the_replay_string() -> None:
    replay = "evict-vs-async-io:" + ",".join(f"knob{i}=value{i}" for i in range(12)) + ":AB2:9f"
    cmd = view.replay_command("evict-vs-async-io", replay)
    first, second = cmd.splitlines()
    assert first == "reviewbot sim replay evict-vs-async-io \\"
    assert second == "    " + replay  # one token: it cannot break further
    assert len("  " + first) <= 78
    # what a shell makes of the two lines is the one-line command
    assert shlex.split(cmd.replace("\\\n", "")) == shlex.split(
        f"reviewbot sim replay evict-vs-async-io {replay}"
    )
    short = view.replay_command("flags-rmw", "flags-rmw:atomic=no:A1:00")
    assert "\n" not in short


def test_a_hunk_without_its_file_header_is_not_given_a_path() -> None:
    p = factory.patch()
    fc = replace(p.files[0], old_path=UNKNOWN_FILE, new_path=UNKNOWN_FILE)
    p = replace(p, files=(fc,))
    f = factory.finding("fixes", file=UNKNOWN_FILE)
    f = replace(f, facts=tuple(replace(x, file=UNKNOWN_FILE) for x in f.facts))
    (section,) = view.section_views(PatchReport(p, (), (f,)), (f,))
    assert not any(UNKNOWN_FILE in line for line in section.quoted)
    assert section.quoted[0].startswith("> @@ ")
    fv = section.findings[0]
    assert fv.location == "(no file header), line 407"
    assert all(UNKNOWN_FILE not in x.where for x in fv.facts)
