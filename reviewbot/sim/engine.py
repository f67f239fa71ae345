"""Firing transitions of a compiled model: views, guards, assertions, access checking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.sim.compile import BOUND, Compiled, State, settle
from reviewbot.sim.dsl import AllOf, ModelError


class StepView:
    """What a step's effect, guard, condition and asserts see: shared + own locals."""

    __slots__ = ("fails", "scope", "vals")

    def __init__(self, scope: Mapping[str, int]) -> None:
        self.scope = scope
        self.vals: Any = ()
        self.fails: list[str] = []

    def __getitem__(self, name: str) -> Any:
        try:
            return self.vals[self.scope[name]]
        except KeyError:
            raise ModelError(f"unknown variable {name!r}") from None

    def __setitem__(self, name: str, value: Any) -> None:
        try:
            self.vals[self.scope[name]] = value
        except KeyError:
            raise ModelError(f"unknown variable {name!r}") from None

    def check(self, prop: str, ok: bool) -> None:
        if not ok:
            self.fails.append(prop)


class CheckingView(StepView):
    """Records real accesses to shared variables so undeclared ones fail loudly."""

    __slots__ = ("nshared", "read", "written")

    def __init__(self, scope: Mapping[str, int], nshared: int) -> None:
        super().__init__(scope)
        self.nshared = nshared
        self.read = 0
        self.written = 0

    def __getitem__(self, name: str) -> Any:
        slot = self.scope.get(name, -1)
        if 0 <= slot < self.nshared:
            self.read |= 1 << slot
        return super().__getitem__(name)

    def __setitem__(self, name: str, value: Any) -> None:
        slot = self.scope.get(name, -1)
        if 0 <= slot < self.nshared:
            self.written |= 1 << slot
        super().__setitem__(name, value)


class PropView:
    """Read-only view of the shared variables for property predicates."""

    __slots__ = ("index", "read", "vals")

    def __init__(self, index: Mapping[str, int]) -> None:
        self.index = index
        self.vals: Any = ()
        self.read = 0

    def __getitem__(self, name: str) -> Any:
        try:
            slot = self.index[name]
        except KeyError:
            raise ModelError(f"property reads unknown or local variable {name!r}") from None
        self.read |= 1 << slot
        return self.vals[slot]


class Machine:
    """Fires transitions; ``check=True`` verifies declared access sets on every step."""

    def __init__(self, comp: Compiled, *, check: bool = False) -> None:
        self.comp = comp
        self.check = check
        self.views: list[StepView] = [
            CheckingView(s, comp.nshared) if check else StepView(s) for s in comp.scopes
        ]
        self.pview = PropView(comp.shared_index)

    def _names(self, mask: int) -> str:
        return ", ".join(n for i, n in enumerate(self.comp.names) if mask >> i & 1)

    def _verify(self, t: int, what: str, view: StepView, reads: int, writes: int) -> None:
        assert isinstance(view, CheckingView)
        bad_r = view.read & ~(reads | writes)
        bad_w = view.written & ~writes
        if bad_r or bad_w:
            parts = []
            if bad_r:
                parts.append(f"reads {self._names(bad_r)}")
            if bad_w:
                parts.append(f"writes {self._names(bad_w)}")
            raise ModelError(
                f"thread {self.comp.thread_names[t]} {what} {' and '.join(parts)} "
                "without declaring it"
            )
        view.read = view.written = 0

    def enabled(self, state: State, t: int) -> bool:
        pc = state[self.comp.pc_slot[t]]
        if pc < 0:
            return False
        op = self.comp.ops[t][pc]
        if op.step is None or op.step.guard is None:
            return True
        view = self.views[t]
        view.vals = state
        try:
            ok = bool(op.step.guard(view))
        except ModelError:
            raise
        except Exception as exc:  # model code is user code: blame it, one line
            raise self._blame(t, state, exc) from exc
        if self.check:
            self._verify(t, f"guard of {op.label!r}", view, op.reads, 0)
            guard = op.step.guard
            if isinstance(guard, AllOf):  # the explorer trusts each part's own reads
                for (pred, _reads), mask in zip(guard.parts, op.guard_parts, strict=True):
                    pred(view)
                    self._verify(t, f"guard part of {op.label!r}", view, mask, 0)
        return ok

    def finished(self, state: State, t: int) -> bool:
        return bool(state[self.comp.pc_slot[t]] < 0)

    def bounded(self, state: State) -> bool:
        return any(state[s] == BOUND for s in self.comp.pc_slot)

    def _blame(self, t: int, state: State, exc: Exception) -> ModelError:
        """A scenario's own code failed: say where, as one actionable line."""
        pc = state[self.comp.pc_slot[t]]
        label = self.comp.ops[t][pc].label if pc >= 0 else "?"
        return ModelError(
            f"thread {self.comp.thread_names[t]} step {label!r} raised {type(exc).__name__}: {exc}",
            hint="a bug in the scenario model",
        )

    def fire(self, state: State, t: int) -> tuple[State, tuple[str, ...]]:
        """Run thread ``t``'s next op (it must be enabled): new state and failed asserts."""
        try:
            return self._fire(state, t)
        except ModelError:
            raise
        except Exception as exc:  # model code is user code: blame it, one line
            raise self._blame(t, state, exc) from exc

    def _fire(self, state: State, t: int) -> tuple[State, tuple[str, ...]]:
        comp = self.comp
        slot = comp.pc_slot[t]
        op = comp.ops[t][state[slot]]
        vals = list(state)
        view = self.views[t]
        view.vals = vals
        view.fails = []
        if op.kind == "step":
            st = op.step
            assert st is not None
            for name, pred in st.asserts:
                if pred is not None and not pred(view):
                    view.fails.append(name)
            if st.effect is not None:
                out = st.effect(view)
                if out and self.check:
                    for k, v in out.items():
                        view[k] = v  # records the write
                elif out:
                    scope = view.scope
                    for k, v in out.items():
                        i = scope.get(k)
                        if i is None:
                            view[k] = v  # raises the unknown-variable error
                        else:
                            vals[i] = v
            vals[slot] = op.then_pc
            if self.check:
                self._verify(t, f"step {op.label!r}", view, op.reads, op.writes)
                declared = {n for n, _ in st.asserts}
                for f in view.fails:
                    if f not in declared:
                        raise ModelError(
                            f"thread {comp.thread_names[t]} step {op.label!r} checks "
                            f"{f!r} without naming it in asserts="
                        )
        else:  # a test reading shared state
            assert op.cond is not None
            taken = bool(op.cond(view))
            if self.check:
                self._verify(t, f"condition {op.label!r}", view, op.reads, 0)
            if taken:
                if op.counter >= 0 and vals[op.counter] >= op.bound:
                    vals[slot] = BOUND
                else:
                    vals[slot] = op.then_pc
            else:
                if op.counter >= 0:
                    vals[op.counter] = 0
                vals[slot] = op.else_pc
        pc = vals[slot]
        if pc >= 0 and comp.ops[t][pc].free:  # local branches and jumps run at once
            settle(comp, vals, t)
        return tuple(vals), tuple(view.fails)

    def pview_of(self, state: State) -> PropView:
        """A read-only view of ``state``'s shared variables."""
        view = PropView(self.comp.shared_index)
        view.vals = state
        return view

    def holds(self, pred: Any, state: State, reads: int | None, what: str) -> bool:
        pv = self.pview
        pv.vals = state
        pv.read = 0
        try:
            ok = bool(pred(pv))
        except ModelError:
            raise
        except Exception as exc:  # model code is user code: blame it, one line
            raise ModelError(
                f"property {what} raised {type(exc).__name__}: {exc}",
                hint="a bug in the scenario model",
            ) from exc
        if self.check and reads is not None and pv.read & ~reads:
            raise ModelError(f"{what} reads {self._names(pv.read & ~reads)} without declaring it")
        return ok
