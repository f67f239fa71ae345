"""Verdicts, counterexamples, replay, rendering and the CLI (synthetic example models)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping

import pytest

from reviewbot import sim
from reviewbot.cli import app
from reviewbot.errors import UsageError
from reviewbot.model import SimResult
from reviewbot.sim import examples, registry
from reviewbot.sim.compile import compile_model
from reviewbot.sim.digest import model_digest
from reviewbot.sim.dsl import Model, ModelError, step
from reviewbot.sim.explore import explore
from reviewbot.sim.registry import ScenarioSpec, Variant
from reviewbot.sim.runner import simulate
from reviewbot.sim.schedule import Replay, decode_schedule, encode, encode_schedule, parse
from reviewbot.sim.trace import render_columns


def _flags(knobs: Mapping[str, str]) -> Model:
    return examples.flags_rmw(atomic=knobs["atomic"] == "yes")


FAKE = {
    "toy-flags": ScenarioSpec(
        id="toy-flags",
        title="two CPUs set bits of one word",
        summary="synthetic",
        knobs={"atomic": ("no", "yes")},
        knob_docs={"atomic": "set_bit() instead of load + store"},
        defaults={"atomic": "no"},
        variants={
            "buggy": Variant({"atomic": "no"}, {"no-lost-bit": "violated"}),
            "fixed": Variant({"atomic": "yes"}, {"no-lost-bit": "holds"}),
        },
        build=_flags,
        limits="synthetic",
    ),
    "toy-abba": ScenarioSpec(
        "toy-abba", "ABBA", "synthetic", {}, {}, {}, {}, lambda k: examples.lock_order()
    ),
    "toy-vacuous": ScenarioSpec(
        "toy-vacuous", "vacuous", "synthetic", {}, {}, {}, {}, lambda k: examples.vacuous()
    ),
}


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "_CACHE", dict(FAKE))
    monkeypatch.setattr(sim, "_MEMO", {})
    yield


def prop(result: SimResult, name: str):  # type: ignore[no-untyped-def]
    return next(p for p in result.properties if p.property == name)


def test_schedule_codec_round_trips() -> None:
    for sched in ([], [0], [0, 0, 0, 1, 0, 0], [2, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]):
        assert decode_schedule(encode_schedule(sched)) == sched
    assert encode_schedule([0, 0, 0, 1, 0, 0]) == "A3BA2"
    text = encode("s", {"b": "2", "a": "1"}, [1, 1, 0], "0123abcdef")
    assert text == "s:a=1,b=2:B2A:0123abcdef"
    assert parse(text) == Replay("s", (("a", "1"), ("b", "2")), (1, 1, 0), "0123abcdef")
    assert parse("s:a=1,b=2:B2A") == Replay("s", (("a", "1"), ("b", "2")), (1, 1, 0), "")
    for bad in ("nocolons", "s:a:A", "s::a1", "s::A0", "s::A:XYZ", "s::A:0123abcdef:x"):
        with pytest.raises(UsageError):
            parse(bad)


def test_counterexample_is_shortest_then_fewest_preemptions(fake_registry: None) -> None:
    """The lost bit needs both loads before both stores: 4 steps, and one preemption
    (A loads, B loads [preempting A], B stores, A stores) rather than ABAB's three."""
    res = sim.run("toy-flags", {"atomic": "no"})
    p = prop(res, "no-lost-bit")
    assert p.verdict == "violated"
    assert [s.thread for s in p.trace] == ["setattr", "writeback", "writeback", "setattr"]
    assert p.trace[-1].note == "<-- concurrent flag updates never lose a bit"
    assert p.trace[-1].changes == (("flags", "1"),)
    digest = model_digest(compile_model(examples.flags_rmw(atomic=False)))
    assert p.replay == f"toy-flags:atomic=no:AB2A:{digest}"
    assert res.threads == ("CPU0 (setattr)", "CPU1 (writeback)")
    assert res.verdict == "violated" and res.stats.complete


def test_replay_round_trips(fake_registry: None) -> None:
    res = sim.run("toy-flags", {})
    for p in res.properties:
        if p.trace:
            steps = sim.replay("toy-flags", p.replay)
            assert [(s.thread, s.label, s.changes) for s in steps] == [
                (s.thread, s.label, s.changes) for s in p.trace
            ]
    with pytest.raises(UsageError):
        sim.replay("toy-abba", res.properties[1].replay)  # names another scenario
    with pytest.raises(UsageError, match=r"step 3 of 5: thread setattr .* already returned"):
        sim.replay("toy-flags", "toy-flags:atomic=no:AAAAA")  # A has only 2 steps


def test_fixed_variant_holds_and_is_memoised(fake_registry: None) -> None:
    res = sim.run("toy-flags", {"atomic": "yes"})
    assert prop(res, "no-lost-bit").verdict == "holds"
    assert prop(res, "both-bits").verdict == "holds"  # reachable: not vacuous
    assert sim.run("toy-flags", {"atomic": "yes"}) is res


def test_deadlock_is_found_and_explained(fake_registry: None) -> None:
    res = sim.run("toy-abba", {})
    p = prop(res, "no-deadlock")
    assert p.verdict == "violated"
    assert len(p.trace) == 2
    assert "stuck: one in lock(B), two in lock(A)" in p.trace[-1].note


def test_vacuous_scenario_fails(fake_registry: None) -> None:
    res = sim.run("toy-vacuous", {})
    assert prop(res, "x-is-2").verdict == "violated"
    assert res.verdict == "holds"  # the safety verdict alone would pass vacuously...
    from reviewbot.sim.cli_render import exit_code

    assert exit_code(res) == 2  # ...so the CLI refuses it


def test_budget_exhaustion_is_inconclusive() -> None:
    model = examples.folio_writers(3, 3)
    res = simulate("fw", {}, model, budget=50)
    assert not res.stats.complete
    assert {p.verdict for p in res.properties if p.kind != "sometimes"} == {"inconclusive"}
    assert res.verdict == "inconclusive"
    full = simulate("fw", {}, examples.folio_writers(3, 3))
    assert full.stats.complete and full.verdict == "holds"


def test_violation_found_before_budget_is_still_reported() -> None:
    """14 states in all: 10 are enough to meet a lost bit, 4 are not."""
    res = simulate("flags", {}, examples.flags_rmw(), budget=9)
    assert not res.stats.complete
    bad = prop(res, "no-lost-bit")
    assert bad.verdict == "violated"
    assert bad.trace[-1].note.startswith("<-- concurrent")
    assert prop(res, "no-deadlock").verdict == "inconclusive"
    small = simulate("flags", {}, examples.flags_rmw(), budget=3)
    assert prop(small, "no-lost-bit").verdict == "inconclusive"


def test_loop_bound_makes_run_incomplete() -> None:
    from reviewbot.sim.dsl import while_

    m = Model("spin")
    m.var("flag", False)
    m.thread(
        "waiter",
        [while_(lambda s: not s["flag"], [step("cpu_relax()")], bound=3, reads=("flag",))],
    )
    m.thread("setter", [step("flag = 1", writes=("flag",), effect=lambda s: {"flag": True})])
    ex = explore(compile_model(m))
    assert ex.bound_hit and not ex.complete


def test_check_mode_catches_undeclared_access() -> None:
    m = Model("bad")
    m.var("x", 0)
    m.var("y", 0)
    m.thread("t", [step("y = x", writes=("y",), effect=lambda s: {"y": s["x"]})])
    explore(compile_model(m))  # unchecked: silently trusts the declaration
    with pytest.raises(ModelError, match="reads x without declaring it"):
        explore(compile_model(m), check=True)
    m2 = Model("bad2")
    m2.var("x", 0)
    m2.thread("t", [step("x = 1", reads=("x",), effect=lambda s: {"x": 1})])
    with pytest.raises(ModelError, match="writes x without declaring it"):
        explore(compile_model(m2), check=True)


def test_model_errors() -> None:
    m = Model("m")
    m.var("x", 0)
    with pytest.raises(ModelError):
        m.var("x", 1)
    with pytest.raises(ModelError):
        m.thread("t", [], locals={"x": 0})
    m.thread("t", [step("s", reads=("nope",))])
    with pytest.raises(ModelError, match="unknown variable 'nope'"):
        compile_model(m)


def test_render_columns_fits_and_marks_the_violation(fake_registry: None) -> None:
    res = sim.run("toy-flags", {"atomic": "no"})
    p = prop(res, "no-lost-bit")
    for width in (78, 60, 40):
        text = render_columns(res, p, width)
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines), text
        assert text.isascii()
        assert lines[0].startswith("CPU0")  # headers may wrap at 40 columns
        assert "<-- concurrent flag updates" in text
        assert all(line == line.rstrip() for line in lines)
    text = render_columns(res, p)
    col = text.splitlines()[0].index("CPU1 (writeback)")
    load_b = next(
        line for line in text.splitlines() if "READ_ONCE" in line and line.startswith(" ")
    )
    assert load_b.index("old") >= col  # CPU1's steps start in CPU1's column


def test_render_wraps_long_labels_inside_the_column() -> None:
    m = Model("long")
    m.var("i_size", 0)
    for name in ("write", "getattr", "writeback", "evict"):
        m.thread(
            name,
            [
                step(
                    "a_very_long_kernel_function_name_for_the_column(inode, folio, 4096) "
                    "and then some more words",
                    reads=("i_size",),
                    writes=("i_size",),
                    effect=lambda s: {"i_size": s["i_size"] + 1},
                )
            ],
        )
    m.always("small", "i_size stays below 4", lambda s: s["i_size"] < 4, reads=("i_size",))
    res = simulate("long", {}, m)
    p = prop(res, "small")
    text = render_columns(res, p, 78)
    lines = text.splitlines()
    assert all(len(line) <= 78 for line in lines), text
    assert lines[-2].strip() == "i_size = 4" and lines[-1] == "<-- i_size stays below 4"
    # words are never split; an identifier too long for its column breaks after "_"
    # or "(" and its pieces gain no space
    assert text.count("a_very_long_kernel_function_name_for_the_column(") >= 1
    assert "inod e" not in text and text.count("words") == 4
    for line in lines[3:]:
        body = line.strip()
        if body.startswith("a_very") and "(" not in body:
            assert body.endswith("_"), line
    # continuation lines sit inside their step's column, indented past its start
    cpu1 = lines[0].index("CPU1")
    first = next(i for i, ln in enumerate(lines) if ln.startswith(" " * cpu1 + "a_very"))
    assert lines[first + 1].startswith(" " * (cpu1 + 4)) and lines[first + 1].strip()


def test_results_are_deterministic_across_processes() -> None:
    code = (
        "from reviewbot.sim import examples; from reviewbot.sim.runner import simulate;"
        "r = simulate('fw', {}, examples.folio_writers(3, 3));"
        "print(r.stats.states, r.stats.transitions, r.stats.executions,"
        " [(p.verdict, p.replay) for p in r.properties])"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
        ).stdout
        for seed in (1, 2)
    }
    assert len(outs) == 1


def _cli(args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, args, standalone_mode=False)
    if isinstance(result.exception, UsageError):
        return 2, result.exception.details()
    assert result.exception is None, result.exception
    return int(result.return_value), result.stdout


def test_cli_run_list_replay(fake_registry: None) -> None:
    code, out = _cli(["sim", "run", "toy-flags", "--variant", "buggy"])
    assert code == 1
    assert "no-lost-bit (at_end): VIOLATED" in out and "[as expected]" in out
    code, out = _cli(["sim", "run", "toy-flags", "--knob", "atomic=yes", "--format", "json"])
    assert code == 0
    data = json.loads(out)
    assert data["scenario"] == "toy-flags" and data["knobs"] == {"atomic": "yes"}
    assert {"states", "executions", "seconds"} <= set(data["stats"])
    assert {p["property"]: p["verdict"] for p in data["properties"]}["no-lost-bit"] == "holds"
    code, out = _cli(["sim", "run", "toy-flags", "--format", "json"])
    bad = next(p for p in json.loads(out)["properties"] if p["property"] == "no-lost-bit")
    assert [s["thread"] for s in bad["trace"]] == ["setattr", "writeback", "writeback", "setattr"]
    code, out = _cli(["sim", "replay", "toy-flags", bad["replay"]])
    assert code == 1 and "violates: no-lost-bit" in out
    code, out = _cli(["sim", "list"])
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(FAKE)
    code, out = _cli(["sim", "list", "--verbose"])
    assert "--knob atomic=[no]|yes" in out or "--knob atomic=no|[yes]" in out
    code, out = _cli(["sim", "list", "--format", "json"])
    listed = {s["id"]: s for s in json.loads(out)}
    assert listed["toy-flags"]["variants"]["buggy"]["expected"] == {"no-lost-bit": "violated"}
    assert listed["toy-flags"]["knobs"]["atomic"]["values"] == ["no", "yes"]
    code, out = _cli(["sim", "run", "toy-vacuous"])
    assert code == 2 and "UNREACHABLE" in out
    code, out = _cli(["sim", "run", "toy-abba", "--check"])
    assert code == 1
    code, out = _cli(["sim", "check", "toy-flags"])
    assert code == 0 and "2 of 2 expected verdicts match" in out


def test_cli_check_reports_a_wrong_expectation(
    fake_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = dict(FAKE)
    spec = FAKE["toy-flags"]
    wrong["toy-flags"] = ScenarioSpec(
        spec.id,
        spec.title,
        spec.summary,
        spec.knobs,
        spec.knob_docs,
        spec.defaults,
        {"buggy": Variant({"atomic": "no"}, {"no-lost-bit": "holds"})},
        spec.build,
    )
    monkeypatch.setattr(registry, "_CACHE", wrong)
    code, out = _cli(["sim", "check", "toy-flags"])
    assert code == 1 and "MISMATCH (got violated)" in out


def test_cli_usage_errors(fake_registry: None) -> None:
    code, msg = _cli(["sim", "run", "nope"])
    assert code == 2 and "toy-flags" in msg
    code, msg = _cli(["sim", "run", "toy-flags", "--knob", "atomic=maybe"])
    assert code == 2
    code, msg = _cli(["sim", "run", "toy-flags", "--knob", "colour=red"])
    assert code == 2
    code, msg = _cli(["sim", "run", "toy-flags", "--variant", "nope"])
    assert code == 2


def test_scenario_code_errors_become_one_line_model_errors() -> None:
    m = Model("oops")
    m.var("x", 0)
    m.thread(
        "t", [step("x = 1 / x", reads=("x",), writes=("x",), effect=lambda s: {"x": 1 // s["x"]})]
    )
    with pytest.raises(ModelError, match=r"thread t step 'x = 1 / x' raised ZeroDivisionError"):
        explore(compile_model(m))
