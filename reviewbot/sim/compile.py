"""Compile a dsl.Model into a transition system over flat tuples.

State layout: the shared variables in declaration order, then per thread its program
counter followed by its locals. Each thread's program becomes a program-counter table;
branches and loops that read only locals are resolved eagerly after every step (they are
not interleaving points), the others are steps of their own. Access sets are bit masks
over the shared variables so dependency checks are two ANDs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reviewbot.sim.dsl import (
    AllOf,
    Done,
    If,
    Instr,
    Model,
    ModelError,
    Property,
    Step,
    Value,
    While,
)

DONE = -1  # the thread returned
BOUND = -2  # a while_ loop exceeded its bound: the run is incomplete

State = tuple[Any, ...]


@dataclass(frozen=True)
class Op:
    """One program-counter table entry."""

    kind: str  # "step" | "test" | "jump"
    label: str
    reads: int  # shared-variable bit masks (a guard or condition counts as a read)
    writes: int
    free: bool  # resolved eagerly (reads only locals)
    step: Step | None = None
    cond: Callable[[Any], bool] | None = None
    then_pc: int = DONE
    else_pc: int = DONE
    counter: int = -1  # state slot of a while_ iteration counter
    bound: int = 0
    # a guarded step: the read mask of each part of its guard (dsl.AllOf), or of the
    # whole step for a plain guard
    guard_parts: tuple[int, ...] = ()


@dataclass
class Compiled:
    model: Model
    names: list[str]  # slot -> name ("i_size", "write.pc", "write.ret")
    nshared: int
    shared_index: dict[str, int]
    pc_slot: list[int]
    thread_names: list[str]  # per thread: local/shared name -> slot
    scopes: list[dict[str, int]]
    ops: list[list[Op]]
    future: list[list[tuple[int, int]]]  # per thread/pc: (reads, writes) of pc and after
    init: State
    props: list[Property]
    prop_reads: int  # mask of shared variables any always/sometimes predicate reads
    groups: list[list[int]] = field(default_factory=list)  # symmetric thread sets
    local_scopes: list[dict[str, int]] = field(default_factory=list)  # locals only


def _mask(
    names: tuple[str, ...], shared: Mapping[str, int], scope: Mapping[str, int], what: str
) -> int:
    m = 0
    for n in names:
        if n in shared:
            m |= 1 << shared[n]
        elif n not in scope:
            raise ModelError(f"{what} names unknown variable {n!r}")
    return m


class _Builder:
    def __init__(self, shared: Mapping[str, int], scope: dict[str, int], tname: str) -> None:
        self.shared = shared
        self.scope = scope
        self.tname = tname
        self.ops: list[Op | None] = []
        self.extra_locals: list[tuple[str, Value]] = []

    def _parts(self, guard: AllOf, ins: Step, what: str) -> tuple[int, ...]:
        out = []
        for _pred, reads in guard.parts:
            extra = [n for n in reads if n not in ins.reads]
            if extra:
                raise ModelError(
                    f"{what}: a guard part reads {', '.join(extra)}, not in the step's reads"
                )
            out.append(_mask(reads, self.shared, self.scope, what))
        return tuple(out)

    def emit(self, prog: tuple[Instr, ...]) -> None:
        """Append ``prog``; control falls through to whatever is appended next."""
        for ins in prog:
            self.one(ins)

    def one(self, ins: Instr) -> None:
        where = f"thread {self.tname}"
        if isinstance(ins, Step):
            r = _mask(ins.reads, self.shared, self.scope, f"{where} step {ins.label!r}")
            w = _mask(ins.writes, self.shared, self.scope, f"{where} step {ins.label!r}")
            parts: tuple[int, ...] = ()
            if isinstance(ins.guard, AllOf):
                parts = self._parts(ins.guard, ins, f"{where} step {ins.label!r}")
            elif ins.guard is not None:
                parts = (r,)
            self.ops.append(
                Op(
                    "step",
                    ins.label,
                    r,
                    w,
                    False,
                    step=ins,
                    then_pc=len(self.ops) + 1,
                    guard_parts=parts,
                )
            )
        elif isinstance(ins, Done):
            self.ops.append(Op("jump", "return", 0, 0, True, then_pc=DONE))
        elif isinstance(ins, If):
            r = _mask(ins.reads, self.shared, self.scope, f"{where} if_ {ins.label!r}")
            at = len(self.ops)
            self.ops.append(None)
            self.emit(ins.then)
            jump_at = len(self.ops)
            self.ops.append(None)
            else_pc = len(self.ops)
            self.emit(ins.else_)
            end = len(self.ops)
            self.ops[at] = Op(
                "test",
                ins.label or "if (...)",
                r,
                0,
                r == 0,
                cond=ins.cond,
                then_pc=at + 1,
                else_pc=else_pc,
            )
            self.ops[jump_at] = Op("jump", "", 0, 0, True, then_pc=end)
        elif isinstance(ins, While):
            r = _mask(ins.reads, self.shared, self.scope, f"{where} while_ {ins.label!r}")
            counter_name = f"__loop{len(self.extra_locals)}"
            self.extra_locals.append((counter_name, 0))
            slot = -1 - len(self.extra_locals)  # patched once slots are known
            head = len(self.ops)
            self.ops.append(None)
            self.emit(ins.body)
            self.ops.append(Op("jump", "", 0, 0, True, then_pc=head, counter=slot))
            end = len(self.ops)
            self.ops[head] = Op(
                "test",
                ins.label or "while (...)",
                r,
                0,
                r == 0,
                cond=ins.cond,
                then_pc=head + 1,
                else_pc=end,
                counter=slot,
                bound=ins.bound,
            )
        else:  # pragma: no cover - the DSL only builds the types above
            raise ModelError(f"{where}: not an instruction: {ins!r}")


def compile_model(model: Model) -> Compiled:
    if not model.threads:
        raise ModelError(f"model {model.name} has no threads")
    shared = {n: i for i, n in enumerate(model.shared)}
    names = list(model.shared)
    init: list[Value] = list(model.shared.values())
    pc_slot: list[int] = []
    scopes: list[dict[str, int]] = []
    all_ops: list[list[Op]] = []
    for t in model.threads:
        scope: dict[str, int] = dict(shared)
        b = _Builder(shared, scope, t.name)
        for k, _v in t.locals:
            scope[k] = -1  # known name; slot assigned below
        b.emit(t.program)
        pc_slot.append(len(names))
        names.append(f"{t.name}.pc")
        init.append(0 if b.ops else DONE)
        for k, v in (*t.locals, *b.extra_locals):
            scope[k] = len(names)
            names.append(f"{t.name}.{k}")
            init.append(v)
        extra_slots = [scope[k] for k, _ in b.extra_locals]
        n = len(b.ops)
        ops: list[Op] = []
        for op in b.ops:
            assert op is not None
            patch: dict[str, Any] = {}
            if op.counter < -1:
                patch["counter"] = extra_slots[-2 - op.counter]
            if op.then_pc >= n:
                patch["then_pc"] = DONE
            if op.kind == "test" and op.else_pc >= n:
                patch["else_pc"] = DONE
            ops.append(_replace(op, patch) if patch else op)
        scopes.append(scope)
        all_ops.append(ops)
    prop_reads = 0
    for p in model.properties:
        if p.kind in ("always", "sometimes"):
            if p.reads is None:
                prop_reads = (1 << len(shared)) - 1
            else:
                prop_reads |= _mask(p.reads, shared, {}, f"property {p.name}")
    known = {p.name for p in model.properties}
    for t, ops in zip(model.threads, all_ops, strict=True):
        for op in ops:
            for name, _pred in op.step.asserts if op.step else ():
                if name not in known:
                    raise ModelError(f"thread {t.name} asserts undeclared property {name!r}")
    comp = Compiled(
        model=model,
        names=names,
        nshared=len(shared),
        shared_index=shared,
        pc_slot=pc_slot,
        thread_names=[t.name for t in model.threads],
        scopes=scopes,
        ops=all_ops,
        future=[_future(ops) for ops in all_ops],
        init=(),
        props=list(model.properties),
        prop_reads=prop_reads,
        groups=_groups(model),
        local_scopes=[{k: v for k, v in sc.items() if v >= len(shared)} for sc in scopes],
    )
    state = list(init)
    for i in range(len(model.threads)):
        settle(comp, state, i)
    comp.init = tuple(state)
    check_symmetry(comp)
    return comp


def _replace(op: Op, patch: dict[str, Any]) -> Op:
    from dataclasses import replace

    return replace(op, **patch)


def _targets(op: Op) -> tuple[int, ...]:
    if op.kind == "test":
        return (op.then_pc, op.else_pc)
    return (op.then_pc,)


def _future(ops: list[Op]) -> list[tuple[int, int]]:
    """Union of the access masks of every op reachable from each pc (a fixed point)."""
    fut = [(op.reads, op.writes) for op in ops]
    changed = True
    while changed:
        changed = False
        for i in range(len(ops) - 1, -1, -1):
            r, w = fut[i]
            for t in _targets(ops[i]):
                if t >= 0:
                    r |= fut[t][0]
                    w |= fut[t][1]
            if (r, w) != fut[i]:
                fut[i] = (r, w)
                changed = True
    return fut


def _groups(model: Model) -> list[list[int]]:
    by: dict[str, list[int]] = {}
    for i, t in enumerate(model.threads):
        if t.group is not None:
            by.setdefault(t.group, []).append(i)
    return [g for g in by.values() if len(g) > 1]


def _fn_key(fn: Any) -> Any:
    """What makes two lambdas behave alike: code, default arguments, closure values."""
    if fn is None:
        return None
    if isinstance(fn, AllOf):
        return ("all_of", tuple((_fn_key(p), reads) for p, reads in fn.parts))
    cells = tuple(c.cell_contents for c in (getattr(fn, "__closure__", None) or ()))
    return (getattr(fn, "__code__", fn), getattr(fn, "__defaults__", None), cells)


def _op_key(op: Op, pc_base: int) -> Any:
    st = op.step
    step_key = None
    if st is not None:
        step_key = (
            _fn_key(st.effect),
            _fn_key(st.guard),
            tuple((n, _fn_key(p)) for n, p in st.asserts),
            st.show,
        )
    counter = op.counter - pc_base if op.counter >= 0 else -1
    return (
        op.kind,
        op.label,
        op.reads,
        op.writes,
        op.free,
        op.then_pc,
        op.else_pc,
        counter,
        op.bound,
        _fn_key(op.cond),
        step_key,
    )


def check_symmetry(comp: Compiled) -> None:
    """Threads declared in one group must be interchangeable, or reduction is unsound."""
    for group in comp.groups:
        keys = []
        for t in group:
            base = comp.pc_slot[t]
            locs = tuple((k, comp.init[v]) for k, v in comp.scopes[t].items() if v > base)
            keys.append((tuple(_op_key(op, base) for op in comp.ops[t]), locs))
        if any(k != keys[0] for k in keys[1:]):
            names = ", ".join(comp.thread_names[t] for t in group)
            raise ModelError(f"threads {names} share a symmetry group but differ")


class LocalView:
    """A view that can only see one thread's locals (for free branches)."""

    __slots__ = ("scope", "vals", "what")

    def __init__(self, vals: list[Any], scope: Mapping[str, int], what: str) -> None:
        self.vals = vals
        self.scope = scope
        self.what = what

    def __getitem__(self, name: str) -> Any:
        slot = self.scope.get(name, -1)
        if slot < 0:
            raise ModelError(f"{self.what} reads {name!r} but declares no shared reads")
        return self.vals[slot]


def settle(comp: Compiled, vals: list[Any], t: int) -> None:
    """Run thread ``t``'s free ops (local branches, jumps) until a real step or the end."""
    slot = comp.pc_slot[t]
    ops = comp.ops[t]
    local_scope = comp.local_scopes[t]
    for _ in range(100_000):
        pc = vals[slot]
        if pc < 0:
            return
        op = ops[pc]
        if not op.free:
            return
        if op.kind == "jump":
            if op.counter >= 0:
                vals[op.counter] += 1
            vals[slot] = op.then_pc
            continue
        assert op.cond is not None
        view = LocalView(vals, local_scope, f"thread {comp.thread_names[t]} {op.label!r}")
        if op.cond(view):
            if op.counter >= 0 and vals[op.counter] >= op.bound:
                vals[slot] = BOUND
                return
            vals[slot] = op.then_pc
        else:
            if op.counter >= 0:
                vals[op.counter] = 0
            vals[slot] = op.else_pc
    raise ModelError(f"thread {comp.thread_names[t]} loops without taking a step")
