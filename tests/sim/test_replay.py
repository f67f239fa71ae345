"""Replay strings tied to the model they were made against (synthetic models)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping

import pytest

from reviewbot import sim
from reviewbot.cli import main
from reviewbot.errors import UsageError
from reviewbot.sim import examples, registry
from reviewbot.sim.compile import compile_model
from reviewbot.sim.digest import DIGEST_LEN, canonical_text, model_digest
from reviewbot.sim.dsl import Model, lock, step, unlock
from reviewbot.sim.registry import ScenarioSpec
from reviewbot.sim.replaying import replay_full
from reviewbot.sim.result import property_events, steps_of
from reviewbot.sim.runner import simulate
from reviewbot.sim.schedule import Replay, encode, parse


def counter(
    *,
    label: str = "tmp = count",
    store_reads: tuple[str, ...] = (),
    extra_step: bool = False,
    initial: object = 0,
    effect: Callable[..., object] | None = None,
    description: str = "both increments land",
) -> Model:
    """Two CPUs increment a counter by load + store; every argument is one edit a
    scenario author might make between sending a replay string and someone using it."""
    m = Model("counter")
    m.var("count", initial)
    for name in ("inc0", "inc1"):
        prog = [
            step(label, reads=("count",), effect=lambda s: {"tmp": s["count"]}),
            step(
                "count = tmp + 1",
                reads=store_reads,
                writes=("count",),
                effect=effect or (lambda s: {"count": s["tmp"] + 1}),
            ),
        ]
        if extra_step:
            prog.append(step("smp_mb()"))
        m.thread(name, prog, locals={"tmp": 0})
    m.at_end("no-lost-inc", description, lambda s: s["count"] == 2, reads=("count",))
    return m


def _digest(model: Model) -> str:
    return model_digest(compile_model(model))


# --------------------------------------------------------------------------- codec


def test_replay_string_round_trips() -> None:
    text = encode("counter", {"b": "2", "a": "x"}, [0, 1, 1, 0], "abcdef0123")
    assert text == "counter:a=x,b=2:AB2A:abcdef0123"
    assert parse(text) == Replay("counter", (("a", "x"), ("b", "2")), (0, 1, 1, 0), "abcdef0123")
    assert parse("counter:a=x:AB2A") == Replay("counter", (("a", "x"),), (0, 1, 1, 0), "")
    assert " " not in text  # one token: survives mail line wrapping


@pytest.mark.parametrize(
    "bad",
    [
        "counter:a=x:AB2A:ABCDEF0123",  # upper case is not what encode writes
        "counter:a=x:AB2A:abc",
        "counter:a=x:AB2A:abcdef0123:more",
        ":a=x:AB2A:abcdef0123",
        "counter:a=x:AB2a:abcdef0123",
    ],
)
def test_malformed_replay_strings_are_one_line_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError) as exc:
        parse(bad)
    assert "\n" not in exc.value.details()


def test_encode_refuses_a_malformed_digest() -> None:
    with pytest.raises(ValueError):
        encode("counter", {}, [0], "not-hex")


# --------------------------------------------------------------------------- digest


def test_digest_is_short_hex_and_pinned() -> None:
    d = _digest(counter())
    assert len(d) == DIGEST_LEN and int(d, 16) >= 0
    # Pinned: every replay string already mailed out carries digests made this way, so
    # a change to the canonical text must be deliberate (it invalidates all of them).
    assert d == "95c05ff37c"


@pytest.mark.parametrize(
    ("edit", "changed"),
    [
        ({"label": "tmp = READ_ONCE(count)"}, True),  # label renamed
        ({"store_reads": ("count",)}, True),  # declared access changed
        ({"extra_step": True}, True),  # step added
        ({"initial": 1}, True),
        ({"initial": False}, True),  # False == 0, but a different model
        ({"description": "reworded"}, False),  # prose only
        ({"effect": lambda s: {"count": s["tmp"] + 2}}, False),  # code: not covered
    ],
)
def test_digest_follows_structure_not_code(edit: Mapping[str, object], changed: bool) -> None:
    assert (_digest(counter(**edit)) != _digest(counter())) is changed  # type: ignore[arg-type]


def test_digest_changes_with_property_kind_and_threads() -> None:
    a = Model("m")
    a.var("x", 0)
    a.thread("t", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})])
    b = Model("m")
    b.var("x", 0)
    b.thread("u", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})])
    assert _digest(a) != _digest(b)
    a.always("p", "x small", lambda s: s["x"] < 2, reads=("x",))
    c = Model("m")
    c.var("x", 0)
    c.thread("t", [step("x = 1", writes=("x",), effect=lambda s: {"x": 1})])
    c.at_end("p", "x small", lambda s: s["x"] < 2, reads=("x",))
    assert _digest(a) != _digest(c)
    assert "'p' always" in canonical_text(compile_model(a))


_IN_CHILD = """
from reviewbot.sim import examples
from reviewbot.sim.compile import compile_model
from reviewbot.sim.digest import model_digest
from reviewbot.sim.dsl import Model, step
m = Model("sets")
m.var("names", frozenset({"alpha", "beta", "gamma", "delta"}))
m.var("pair", ("a", None, True))
m.thread("t", [step("names = {}", writes=("names",), effect=lambda s: {"names": frozenset()})])
print(model_digest(compile_model(m)), model_digest(compile_model(examples.folio_writers(2, 2))))
"""


def test_digest_is_identical_in_every_process() -> None:
    """String hashing is salted per process; a set's order follows it, the digest must not."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    outs = {
        subprocess.run(
            [sys.executable, "-c", _IN_CHILD],
            capture_output=True,
            text=True,
            check=True,
            env={**env, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (0, 1, 2, 3)
    }
    assert len(outs) == 1
    here = model_digest(compile_model(examples.folio_writers(2, 2)))
    assert outs.pop().split()[1] == here


def test_results_carry_the_digest_of_their_model() -> None:
    res = simulate("counter", {}, counter())
    bad = next(p for p in res.properties if p.property == "no-lost-inc")
    assert bad.verdict == "violated"
    assert parse(bad.replay).digest == _digest(counter())


# --------------------------------------------------------------------------- replaying

VERSION: dict[str, Model] = {}  # what the fake registry's "counter" builds right now


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    spec = ScenarioSpec(
        id="counter",
        title="lost increment",
        summary="synthetic",
        knobs={"cpus": ("two",)},
        knob_docs={"cpus": "synthetic"},
        defaults={"cpus": "two"},
        variants={},
        build=lambda knobs: VERSION["model"],
    )
    abba = ScenarioSpec("abba", "ABBA", "synthetic", {}, {}, {}, {}, lambda k: _abba())
    monkeypatch.setattr(registry, "_CACHE", {"counter": spec, "abba": abba})
    monkeypatch.setattr(sim, "_MEMO", {})
    VERSION["model"] = counter()
    yield
    VERSION.clear()


def _abba() -> Model:
    m = Model("abba")
    m.var("A", False)
    m.var("B", False)
    m.thread("one", [lock("A"), lock("B"), unlock("B"), unlock("A")])
    m.thread("two", [lock("B"), lock("A"), unlock("A"), unlock("B")])
    return m


def _made_now() -> str:
    res = sim.run("counter", {})
    return next(p.replay for p in res.properties if p.property == "no-lost-inc")


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_replay_of_a_current_string_reproduces_the_trace(fake_registry: None) -> None:
    text = _made_now()
    done = replay_full("counter", text)
    assert done.warning == "" and done.failed == ("no-lost-inc",)
    res = sim.run("counter", {})
    trace = next(p.trace for p in res.properties if p.property == "no-lost-inc")
    assert [(s.thread, s.label) for s in done.steps] == [(s.thread, s.label) for s in trace]


def test_mismatch_is_refused_with_the_command_to_run(
    fake_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _made_now()
    VERSION["model"] = counter(label="tmp = READ_ONCE(count)")  # the scenario moved on
    code, out, err = _cli(["sim", "replay", "counter", text], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "different version of scenario counter" in err
    assert "reviewbot sim run counter --knob cpus=two" in err


def test_old_string_without_digest_replays_with_a_warning(
    fake_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _made_now().rsplit(":", 1)[0]  # as printed before replay strings had a digest
    assert old.count(":") == 2
    code, out, err = _cli(["sim", "replay", "counter", old], capsys)
    assert code == 1 and "violates: no-lost-inc" in out
    assert err.count("\n") == 1 and err.startswith("reviewbot: warning: ")
    assert "no model digest" in err and "reviewbot sim run counter --knob cpus=two" in err
    code, out, err = _cli(["sim", "replay", "counter", _made_now()], capsys)
    assert code == 1 and err == ""


def test_unknown_knob_in_string_says_it_may_be_another_version(fake_registry: None) -> None:
    d = _digest(counter())
    with pytest.raises(UsageError, match="no knob 'cores'") as exc:
        replay_full("counter", f"counter:cores=2:AB:{d}")
    assert "another version" in exc.value.details()


@pytest.mark.parametrize(
    ("scenario", "schedule", "why"),
    [
        ("counter", "A3", "step 3 of 3: thread inc0 cannot run, it has already returned"),
        ("counter", "A2B2A", "step 5 of 5: schedule too long, after 4 steps every thread"),
        ("counter", "AC", "step 2 of 2: there is no thread C, the scenario has 2 (A-B)"),
        ("abba", "A2B", "step 3 of 3: thread two cannot run, it is blocked at 'lock(B)'"),
        ("abba", "ABA", "step 3 of 3: schedule too long, after 2 steps every thread is blocked"),
    ],
)
def test_impossible_schedules_are_one_line_usage_errors(
    fake_registry: None, scenario: str, schedule: str, why: str
) -> None:
    spec = registry.get(scenario)
    comp = compile_model(spec.build(spec.resolve({})))
    knobs = "cpus=two" if scenario == "counter" else ""
    text = f"{scenario}:{knobs}:{schedule}:{model_digest(comp)}"
    with pytest.raises(UsageError, match=re.escape(why)) as exc:
        replay_full(scenario, text)
    assert "\n" not in exc.value.details()
    sched = list(parse(text).schedule)
    with pytest.raises(UsageError, match=re.escape(why)):
        steps_of(comp, sched)
    with pytest.raises(UsageError, match=re.escape(why)):
        property_events(comp, sched)


def test_empty_schedule_is_refused(fake_registry: None) -> None:
    d = _digest(counter())
    with pytest.raises(UsageError, match="empty schedule"):
        replay_full("counter", f"counter:cpus=two::{d}")


def test_a_knob_given_twice_with_two_values_is_a_usage_error(
    fake_registry: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        ["sim", "run", "counter", "--knob", "cpus=two", "--knob", "cpus=one"], capsys
    )
    assert code == 2 and out == "" and "--knob cpus given twice" in err


def test_a_knob_twice_in_a_replay_string_is_refused() -> None:
    with pytest.raises(UsageError, match="appears twice"):
        parse("counter:cpus=two,cpus=one:AB")
