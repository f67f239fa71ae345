"""Benchmark the simulation engine: reduction figures and speed.

For every engine example model (reviewbot.sim.examples) and every variant of every
registered scenario:

* states / transitions / interleavings without reduction (``none``),
* Mazurkiewicz traces: complete runs of the sleep-set search (exactly one per trace),
  for the threads' own dependency relation and for the one state properties need
  (*visible* traces: two steps that write what one always/sometimes property reads
  are dependent too, since the property can tell their orders apart),
* the default search (persistent + sleep sets): states, transitions, complete runs,
  pruned prefixes (sleep-set-blocked or cycle-cut, dead ends included: successors
  fired but not entered because every thread enabled there is asleep), how many of
  those were dead ends, and the ratio of every execution it explores (complete runs
  plus pruned prefixes, as counted in the unfolded search tree) to each trace count,
* states per second of the unreduced and the reduced search, and seconds to a
  verdict (the whole ``simulate``: compile, reduced search, shortest counterexample).

Usage: python benchmarks/bench_sim.py [--only SUBSTRING] [--repeat N]
Prints a Markdown table. One core, no parallelism; take the best of N runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial

from reviewbot.sim import examples, registry
from reviewbot.sim.compile import Compiled, compile_model
from reviewbot.sim.dsl import Model
from reviewbot.sim.explore import Reduction, Search, explore
from reviewbot.sim.runner import simulate


def models() -> Iterator[tuple[str, Callable[[], Model]]]:
    for name, make in examples.ALL.items():
        yield f"example {name}", make
    for sid, spec in registry.all_scenarios().items():
        for vname, v in spec.variants.items():
            yield f"{sid} {vname}", partial(spec.build, spec.resolve(v.knobs))


class _VisibleSleep(Search):
    """The sleep-set search with visible steps dependent: one run per visible trace."""

    def __init__(self, comp: Compiled) -> None:
        super().__init__(comp, reduction="sleep")
        self.visible = [
            self.pmask.get(p.name, self.all_shared)
            for p in comp.props
            if p.kind in ("always", "sometimes")
        ]
        self.vis_memo: dict[tuple[int, ...], list[int]] = {}

    def _indep(self, pcs: tuple[int, ...], masks: list[tuple[int, int]]) -> list[int]:
        hit = self.vis_memo.get(pcs)
        if hit is None:
            hit = list(super()._indep(pcs, masks))
            for t, (_r, w) in enumerate(masks):
                for u, (_r2, w2) in enumerate(masks):
                    if any(w & v and w2 & v for v in self.visible):
                        hit[t] &= ~(1 << u)
            self.vis_memo[pcs] = hit
        return hit


def _seconds(comp: Compiled, reduction: Reduction) -> float:
    return explore(comp, reduction=reduction).seconds


def best(fn: Callable[[], float], repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(
        "| model | states | interleavings | traces | visible traces | POR states "
        "| POR runs (+pruned) | dead ends | runs/traces | runs/visible | states/s full "
        "| states/s POR | s to verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = worst_ratio = 0.0
    for name, make in models():
        if args.only not in name:
            continue
        try:
            comp = compile_model(make())
        except Exception as exc:  # a scenario being edited must not stop the table
            print(f"| {name} | error: {type(exc).__name__}: {exc} |")
            continue
        full = explore(comp, reduction="none")
        sleep = explore(comp, reduction="sleep")
        visible = _VisibleSleep(comp).run().complete_runs
        por = explore(comp, reduction="por")
        t_full = best(partial(_seconds, comp, "none"), args.repeat)
        t_por = best(partial(_seconds, comp, "por"), args.repeat)

        def verdict(make: Callable[[], Model] = make, name: str = name) -> float:
            t0 = time.perf_counter()
            simulate(name, {}, make())
            return time.perf_counter() - t0

        t_verdict = best(verdict, args.repeat)
        worst = max(worst, t_verdict)
        traces = sleep.complete_runs
        worst_ratio = max(worst_ratio, por.executions / traces if traces else 0.0)
        ratio = por.executions / traces if traces else float("nan")
        vratio = por.executions / visible if visible else float("nan")
        print(
            f"| {name} | {full.states} | {full.complete_runs:.3g} | {traces} | {visible} "
            f"| {por.states} | {por.complete_runs} (+{por.blocked_runs}) | {por.looked_ahead} "
            f"| {ratio:.2f} "
            f"| {vratio:.2f} "
            f"| {full.states / t_full:,.0f} | {por.states / t_por:,.0f} | {t_verdict:.3f} |"
        )
        sys.stdout.flush()
    print(f"\nslowest verdict: {worst:.3f} s; most executions per trace: {worst_ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
