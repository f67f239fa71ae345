"""Model-building API for simulation scenarios (DESIGN.md, "Simulation").

API-STABLE

A model is shared state + named threads + named properties.

* Shared state is flat: one name per value (``i_size``, ``folio0.dirty``), each with an
  immutable, hashable initial value (bool, int, str, None or a tuple of those).
* A thread is a list of instructions; each runs as one atomic step unless said otherwise:

  ``step(label, reads=, writes=, effect=, guard=, asserts=, show=)``
      One atomic step. ``effect(s)`` may assign ``s["x"] = v`` and/or return a mapping
      of writes. ``guard(s)`` makes the step block until it is true (a lock, a wait).
      ``asserts={"prop": pred}`` checks ``pred(s)`` on the state the step starts from.
      ``s.check("prop", ok)`` inside an effect does the same mid-step; such a step
      must still name the property: ``asserts={"prop": None}``.
  ``await_(label, cond, reads=...)``     block until ``cond(s)`` (wait_var_event, ...)
      A guard or condition that is a conjunction may be written ``all_of((pred, reads),
      ...)``: the explorer then knows which part keeps the step blocked (smaller sets).
  ``lock(var)`` / ``unlock(var)``        a sleeping lock held in the bool ``var``
  ``if_(cond, then, else_, reads=)``     a branch. Reading shared variables makes the
      test its own step (shown in traces as ``label``); a test on locals only is free.
  ``loop(n, body)``                      body repeated n times (unrolled)
  ``while_(cond, body, bound=, reads=)`` a loop; more than ``bound`` iterations makes
      the run incomplete (verdicts become ``inconclusive``), never silently cut
  ``done()``                             the thread returns here

* ``reads``/``writes`` declare the *shared* variables a step touches (a guard or a
  condition counts as a read). Partial-order reduction trusts them: an undeclared access
  silently drops interleavings, so tests run every scenario with ``check=True``, which
  records real accesses and raises ModelError on any undeclared one.
* Per-thread locals: ``m.thread(name, program, locals={"ret": 0})``; read and written
  by bare name from that thread's steps, invisible to others, never declared.
  ``group="writers"`` on several threads with the same program and locals declares
  them interchangeable (symmetry reduction); compile_model() refuses a group whose
  threads differ. ``column=`` overrides the trace header ``CPU<n> (<name>)``; keep
  ``(<name>)`` in it so traces can place the thread's steps.
* Labels are named after the kernel functions and may interpolate values of the state
  *after* the step, with ``{name}`` (shared or local): ``"p9_client_getattr() -> {ret}"``.
  Traces show the shared variables a step changed, or exactly the names in ``show=``.
* Properties, each with a name and a one-line description:
  ``always`` (every reachable state), ``assertion`` (declared, checked by steps),
  ``at_end`` (every final state: all threads returned), ``deadlock`` (on by default:
  a final state where a thread is still blocked), ``sometimes`` (must be reachable,
  else the scenario is vacuous and reported as such).
  Give ``reads=`` on always/sometimes predicates: reduction must keep together the
  threads that may write what a property reads; without it a predicate counts as
  reading everything (still correct, only slower).

Example (a lost update on a flags word, two CPUs doing load/store)::

    from reviewbot.sim.dsl import Model, step

    def rmw(bit: int) -> list:
        return [
            step("load cache_validity", reads=("flags",),
                 effect=lambda s: {"old": s["flags"]}),
            step(f"cache_validity = old | {bit}",
                 writes=("flags",), effect=lambda s: {"flags": s["old"] | bit}),
        ]

    m = Model("flags")
    m.var("flags", 0)
    m.thread("setattr", rmw(1), locals={"old": 0})
    m.thread("writeback", rmw(2), locals={"old": 0})
    m.at_end("no-lost-bit", "concurrent flag updates never lose a bit",
             lambda s: s["flags"] == 3, reads=("flags",))

``reviewbot.sim.runner.simulate("flags", {}, m, check=True)`` then reports
``no-lost-bit`` violated by load/load/store/store, drawn in two CPU columns. A
scenario module wraps such a builder in a registry.ScenarioSpec; ``reviewbot sim
check`` runs every variant against its expected verdicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reviewbot.errors import ReviewbotError

Value = Any  # bool | int | str | None | tuple[...]: immutable and hashable


class ModelError(ReviewbotError):
    """A scenario model is malformed or accessed an undeclared variable."""


class View(Protocol):
    """What step functions, guards and predicates see."""

    def __getitem__(self, name: str) -> Value: ...
    def __setitem__(self, name: str, value: Value) -> None: ...
    def check(self, prop: str, ok: bool) -> None: ...


# Loose on purpose: effects and predicates are often lambdas with default arguments
# (``lambda s, f=f: ...``), which a strict Callable[[View], ...] would reject.
Effect = Callable[..., Any]  # (View) -> Mapping[str, Value] | None
Pred = Callable[..., Any]  # (View) -> bool


# --------------------------------------------------------------------------- instructions


@dataclass(frozen=True)
class Step:
    label: str
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    effect: Effect | None = None
    guard: Pred | None = None
    asserts: tuple[tuple[str, Pred | None], ...] = ()
    show: tuple[str, ...] | None = None


@dataclass(frozen=True)
class If:
    cond: Pred
    then: tuple[Instr, ...]
    else_: tuple[Instr, ...]
    reads: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class While:
    cond: Pred
    body: tuple[Instr, ...]
    bound: int
    reads: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Done:
    pass


Instr = Step | If | While | Done


@dataclass(frozen=True)
class AllOf:
    """A guard that holds when every part holds, each part naming what it reads.

    A step waiting on ``A and B`` stays blocked while either is false. Told the parts
    apart, the explorer sees that a false part nobody else can change keeps the step
    blocked, even if other threads write what the other parts read
    (reviewbot.sim.futures); one opaque guard counts every variable it reads.
    Build with all_of(); every part's reads must be among the step's reads.
    """

    parts: tuple[tuple[Pred, tuple[str, ...]], ...]

    def __call__(self, s: View) -> bool:
        return all(pred(s) for pred, _reads in self.parts)


def all_of(*parts: tuple[Pred, Iterable[str] | str]) -> AllOf:
    """A guard made of parts ``(pred, reads)``: ``guard=all_of((lambda s: not s["a"],
    "a"), (lambda s: not s["b"], "b"))`` blocks until both a and b are clear."""
    if not parts:
        raise ModelError("all_of() needs at least one part")
    return AllOf(tuple((pred, _names(reads)) for pred, reads in parts))


def _names(names: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(names, str):
        return (names,)
    return tuple(names)


def step(
    label: str,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    effect: Effect | None = None,
    guard: Pred | None = None,
    asserts: Mapping[str, Pred | None] | None = None,
    show: Iterable[str] | None = None,
) -> Step:
    """One atomic step; see the module docstring."""
    return Step(
        label=label,
        reads=_names(reads),
        writes=_names(writes),
        effect=effect,
        guard=guard,
        asserts=tuple((asserts or {}).items()),
        show=None if show is None else _names(show),
    )


def await_(
    label: str,
    cond: Pred,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    effect: Effect | None = None,
    show: Iterable[str] | None = None,
) -> Step:
    """Block until ``cond`` holds, then (atomically) run ``effect``."""
    return step(label, reads=reads, writes=writes, effect=effect, guard=cond, show=show)


def lock(var: str, label: str = "") -> Step:
    """Take the sleeping lock held in bool ``var`` (blocks while it is held)."""
    return step(
        label or f"lock({var})",
        reads=(var,),
        writes=(var,),
        guard=lambda s: not s[var],
        effect=lambda s: {var: True},
        show=(),
    )


def unlock(var: str, label: str = "") -> Step:
    return step(label or f"unlock({var})", writes=(var,), effect=lambda s: {var: False}, show=())


def if_(
    cond: Pred,
    then: Sequence[Instr],
    else_: Sequence[Instr] = (),
    *,
    reads: Iterable[str] = (),
    label: str = "",
) -> If:
    """Branch. With shared ``reads`` the test is a step of its own labelled ``label``."""
    return If(cond=cond, then=tuple(then), else_=tuple(else_), reads=_names(reads), label=label)


def loop(times: int, body: Sequence[Instr]) -> tuple[Instr, ...]:
    """``body`` repeated ``times`` times; splice the result with ``*loop(...)``."""
    return tuple(body) * times


def while_(
    cond: Pred,
    body: Sequence[Instr],
    *,
    bound: int,
    reads: Iterable[str] = (),
    label: str = "",
) -> While:
    if bound < 1:
        raise ModelError(f"while_ bound must be at least 1, not {bound}")
    return While(cond=cond, body=tuple(body), bound=bound, reads=_names(reads), label=label)


def done() -> Done:
    return Done()


# --------------------------------------------------------------------------- model

PropertyKind = str  # "always" | "assert" | "at_end" | "deadlock" | "sometimes"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]-]*$")


@dataclass(frozen=True)
class Property:
    name: str
    kind: PropertyKind
    description: str
    pred: Pred | None = None
    reads: tuple[str, ...] | None = None  # None: may read anything


@dataclass(frozen=True)
class ThreadDef:
    name: str
    program: tuple[Instr, ...]
    locals: tuple[tuple[str, Value], ...]
    column: str
    group: str | None = None  # identical threads in one group are symmetric


@dataclass
class Model:
    """A scenario model under construction; see the module docstring."""

    name: str = "model"
    shared: dict[str, Value] = field(default_factory=dict)
    threads: list[ThreadDef] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.properties.append(
            Property(
                "no-deadlock",
                "deadlock",
                "every thread runs to completion (none is left blocked)",
            )
        )

    # -- state
    def var(self, name: str, initial: Value) -> str:
        """Declare a shared variable; returns its name."""
        if not _NAME.match(name):
            raise ModelError(f"bad variable name {name!r}")
        if name in self.shared:
            raise ModelError(f"variable {name!r} declared twice")
        hash(initial)  # raises TypeError early for a list/dict
        self.shared[name] = initial
        return name

    def array(self, pattern: str, count: int, initial: Value) -> tuple[str, ...]:
        """Declare ``pattern.format(i)`` for i < count: ``array("folio{}.dirty", 2, False)``."""
        return tuple(self.var(pattern.format(i), initial) for i in range(count))

    # -- threads
    def thread(
        self,
        name: str,
        program: Sequence[Instr],
        *,
        locals: Mapping[str, Value] | None = None,
        column: str = "",
        group: str | None = None,
    ) -> None:
        """Add a thread; its trace column is ``column`` or ``CPU<n> (<name>)``."""
        if any(t.name == name for t in self.threads):
            raise ModelError(f"thread {name!r} declared twice")
        loc = dict(locals or {})
        for k in loc:
            if k in self.shared:
                raise ModelError(f"local {k!r} of thread {name!r} shadows a shared variable")
        col = column or f"CPU{len(self.threads)} ({name})"
        self.threads.append(ThreadDef(name, tuple(program), tuple(loc.items()), col, group))

    # -- properties
    def _prop(self, prop: Property) -> None:
        if any(p.name == prop.name for p in self.properties if p.kind != "deadlock"):
            raise ModelError(f"property {prop.name!r} declared twice")
        self.properties.append(prop)

    def always(
        self, name: str, description: str, pred: Pred, *, reads: Iterable[str] | None = None
    ) -> None:
        self._prop(Property(name, "always", description, pred, _opt(reads)))

    def sometimes(
        self, name: str, description: str, pred: Pred, *, reads: Iterable[str] | None = None
    ) -> None:
        self._prop(Property(name, "sometimes", description, pred, _opt(reads)))

    def at_end(
        self, name: str, description: str, pred: Pred, *, reads: Iterable[str] | None = None
    ) -> None:
        self._prop(Property(name, "at_end", description, pred, _opt(reads)))

    def assertion(self, name: str, description: str) -> None:
        """Declare a property checked by ``asserts=`` / ``s.check()`` inside steps."""
        self._prop(Property(name, "assert", description))

    def deadlock(self, name: str = "no-deadlock", description: str = "") -> None:
        """Rename or re-describe the built-in deadlock property."""
        self.properties = [p for p in self.properties if p.kind != "deadlock"]
        self.properties.append(
            Property(name, "deadlock", description or "no thread is left blocked forever")
        )


def _opt(reads: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if reads is None else _names(reads)
