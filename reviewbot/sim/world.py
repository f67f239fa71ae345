"""The kernel-world model shared by the scenarios (DESIGN.md, "Simulation").

Scenarios compose these pieces into dsl.Models. Everything here is plain data plus
small builders of dsl steps, so a scenario reads like the kernel code it stands for:

* sizes are bytes in multiples of ``PAGE`` (one folio per page, folio ``i`` covers
  ``[i*PAGE, (i+1)*PAGE)``); a scenario that needs sub-folio blocks says so itself;
* a folio is a group of shared variables ``<name>.<field>``: ``present``, ``data``
  (which write's bytes it holds: a short tag such as ``"A"``, or ``None``),
  ``uptodate``, ``dirty``, ``writeback``, ``locked``;
* the server's (or disk's) copy is a tuple with one entry per block and a size;
* an inode has ``i_size`` and, for network filesystems, ``remote_i_size`` (netfs'
  idea of the server's size);
* locks are the bool variables of ``dsl.lock``/``dsl.unlock``: a lock is only held
  where the kernel code holds it;
* asynchronous kernel work (writeback, request completion, reclaim) is a thread of
  its own; an RPC to the server and the processing of its reply are separate steps.

What is shared by several scenarios lives here: the page size, the quiesce counter
that lets completion threads stop once nothing can start more I/O, and the
read-modify-write of a flags word in its plain and atomic forms (set_flag with
atomic=no|yes). Operations used by one scenario only (getattr, write completion,
evict, map_blocks, buffered_write) live in that scenario's module, next to the
docstring that says which kernel functions each step stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from reviewbot.sim.dsl import Instr, Model, Step, Value, step

PAGE = 4096

# --------------------------------------------------------------------------- quiesce


QUIET = "issuers_done"


def declare_quiesce(m: Model) -> str:
    """A counter of threads that can start I/O and have returned.

    Completion threads wait for "my request was issued, or nobody can issue it any
    more"; without the second half a request that is never issued would leave its
    completion thread blocked and show up as a (false) deadlock."""
    return m.var(QUIET, 0)


def quiet(count: int) -> Callable[[Any], bool]:
    return lambda s: s[QUIET] >= count


def returns(
    label: str,
    *,
    reads: Iterable[str] = (),
    writes: Iterable[str] = (),
    effect: Callable[[Any], Mapping[str, Value] | None] | None = None,
    asserts: Mapping[str, Callable[[Any], bool] | None] | None = None,
    guard: Callable[[Any], bool] | None = None,
    show: Iterable[str] | None = None,
) -> Step:
    """The last step of an issuing thread: counts it as returned (see declare_quiesce).

    Traces show ``show`` (default: the declared writes), never the counter."""
    shown = tuple(writes)

    def eff(s: Any) -> dict[str, Value]:
        out: dict[str, Value] = dict(effect(s) or {}) if effect is not None else {}
        out[QUIET] = s[QUIET] + 1
        return out

    return step(
        label,
        reads=(*reads, QUIET),
        writes=(*shown, QUIET),
        effect=eff,
        asserts=asserts,
        guard=guard,
        show=shown if show is None else tuple(show),
    )


# --------------------------------------------------------------------------- flags words


def flag_update(
    var: str,
    bit: int,
    *,
    op: str,
    atomic: bool,
    what: str,
) -> Sequence[Instr]:
    """``var |= bit`` / ``var &= ~bit``: one step with set_bit()/clear_bit(), a load
    step and a store step with plain C (the compiler's read-modify-write)."""
    if op not in ("set", "clear"):
        raise ValueError(op)

    def apply(old: int) -> int:
        return old | bit if op == "set" else old & ~bit

    if atomic:
        fn = "set_bit" if op == "set" else "clear_bit"
        return (
            step(
                f"{fn}({what}, &{var})",
                reads=(var,),
                writes=(var,),
                effect=lambda s: {var: apply(s[var])},
            ),
        )
    expr = f"|= {what}" if op == "set" else f"&= ~{what}"
    return (
        step(
            f"load {var} (for {expr})",
            reads=(var,),
            effect=lambda s: {"old": s[var]},
            show=(),
        ),
        step(
            f"store {var} {expr}",
            writes=(var,),
            effect=lambda s: {var: apply(s["old"])},
        ),
    )


def serial_results(start: int, ops: Sequence[tuple[str, int]]) -> frozenset[int]:
    """Every value a flags word can end with if ``ops`` ran one after another in
    some order (what atomic updates guarantee)."""
    from itertools import permutations

    out: set[int] = set()
    for order in permutations(ops):
        v = start
        for op, bit in order:
            v = v | bit if op == "set" else v & ~bit
        out.add(v)
    return frozenset(out)
