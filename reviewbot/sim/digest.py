"""A short fingerprint of a compiled model, carried by replay strings.

A replay schedule names threads by position and counts their steps, so it means the
same interleaving only on the same model. The digest is sha256 over a canonical text of
the compiled structure: slot names with their initial values (shared variables, each
thread's pc and locals), every op's kind, label, declared shared reads/writes, successor
pcs and loop bound, and the property names and kinds. Everything in that text is a
string, an int or a value from the model rendered without hash() or id(), in
declaration order, so the digest is the same in every process.

Effects, guards and conditions are Python code and are NOT part of it: bytecode differs
between Python versions and closures can hold anything. The digest catches structural
changes (a step added, a label renamed, a declared access changed), not a changed
lambda body.
"""

from __future__ import annotations

import hashlib
from typing import Any

from reviewbot.sim.compile import Compiled, Op

DIGEST_LEN = 10  # hex digits: 40 bits, plenty to tell versions of one scenario apart


def model_digest(comp: Compiled) -> str:
    """``DIGEST_LEN`` lowercase hex digits identifying ``comp``'s structure."""
    text = canonical_text(comp)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LEN]


def canonical_text(comp: Compiled) -> str:
    """The text the digest is taken over; readable, to debug a surprising mismatch."""
    shared = comp.names[: comp.nshared]
    lines = ["slots"]
    lines += [f"  {name!r} = {_value(v)}" for name, v in zip(comp.names, comp.init, strict=True)]
    for t, tname in enumerate(comp.thread_names):
        lines.append(f"thread {tname!r}")
        lines += [f"  {pc} {_op(op, shared, comp.names)}" for pc, op in enumerate(comp.ops[t])]
    lines.append("properties")
    lines += [f"  {p.name!r} {p.kind}" for p in comp.props]
    return "\n".join(lines) + "\n"


def _op(op: Op, shared: list[str], names: list[str]) -> str:
    succ = [op.then_pc, op.else_pc] if op.kind == "test" else [op.then_pc]
    parts = [
        op.kind,
        repr(op.label),
        "r=" + _vars(op.reads, shared),
        "w=" + _vars(op.writes, shared),
        "->" + ",".join(str(pc) for pc in succ),
    ]
    if op.counter >= 0:  # a while_ loop: its counter slot and bound decide when it stops
        parts.append(f"loop={names[op.counter]!r}/{op.bound}")
    if op.step is not None:
        if op.step.guard is not None:  # the step can block: part of the schedule's shape
            parts.append("guarded")
        if op.step.asserts:
            parts.append("asserts=" + ",".join(repr(n) for n, _pred in op.step.asserts))
    return " ".join(parts)


def _vars(mask: int, shared: list[str]) -> str:
    return ",".join(repr(name) for i, name in enumerate(shared) if (mask >> i) & 1)


def _value(v: Any) -> str:
    """repr, made independent of the process for containers and odd objects."""
    if isinstance(v, tuple):
        return "(" + ", ".join(_value(x) for x in v) + ",)"
    if isinstance(v, (set, frozenset)):  # iteration order follows the per-process hash seed
        return "{" + ", ".join(sorted(_value(x) for x in v)) + "}"
    if v is None or isinstance(v, (bool, int, float, str, bytes)):
        return repr(v)
    text = repr(v)
    if " at 0x" in text:  # the default object repr carries an address: keep the type only
        return f"<{type(v).__module__}.{type(v).__qualname__}>"
    return text
