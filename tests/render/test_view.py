"""The data the templates see: which side and property explain a verdict, and how."""

from __future__ import annotations

from dataclasses import replace

import render_factory as factory

from reviewbot.model import TraceStep
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
