"""Scenario registry: every module in reviewbot/sim/scenarios/ that defines SCENARIO.

A scenario module looks like::

    from reviewbot.sim.dsl import Model
    from reviewbot.sim.registry import ScenarioSpec, Variant

    def build(knobs: Mapping[str, str]) -> Model: ...

    SCENARIO = ScenarioSpec(
        id="flags-rmw",
        title="concurrent read-modify-write of a flags word",
        summary="...",
        knobs={"atomic": ("no", "yes")},
        knob_docs={"atomic": "flag updates use set_bit()/clear_bit()"},
        defaults={"atomic": "no"},
        variants={
            "buggy": Variant({"atomic": "no"}, {"no-lost-bit": "violated"}, "plain |= races"),
            "fixed": Variant({"atomic": "yes"}, {"no-lost-bit": "holds"}, "atomic bitops"),
        },
        build=build,
        limits="models one flags word and two updaters; no memory ordering",
    )

``build`` always receives every knob (defaults filled in, values validated).
Expected verdicts are per property: "violated", "holds" or "inconclusive"
(for ``sometimes`` properties "holds" means the state is reachable).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reviewbot.errors import UsageError
from reviewbot.sim.dsl import Model


@dataclass(frozen=True)
class Variant:
    knobs: dict[str, str]
    expected: dict[str, str]  # property name -> "violated" | "holds" | "inconclusive"
    note: str = ""


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    title: str
    summary: str
    knobs: dict[str, tuple[str, ...]]
    knob_docs: dict[str, str]
    defaults: dict[str, str]
    variants: dict[str, Variant]
    build: Callable[[Mapping[str, str]], Model]
    limits: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def resolve(self, knobs: Mapping[str, str]) -> dict[str, str]:
        """Every knob with defaults filled in; UsageError on unknown names or values."""
        out = dict(self.defaults)
        for name, value in knobs.items():
            if name not in self.knobs:
                valid = ", ".join(sorted(self.knobs)) or "none"
                raise UsageError(
                    f"scenario {self.id} has no knob {name!r}", hint=f"valid knobs: {valid}"
                )
            if value not in self.knobs[name]:
                raise UsageError(
                    f"knob {name} of scenario {self.id} cannot be {value!r}",
                    hint="valid values: " + "|".join(self.knobs[name]),
                )
            out[name] = value
        missing = [k for k in self.knobs if k not in out]
        if missing:
            raise UsageError(f"scenario {self.id}: no value for knob(s) {', '.join(missing)}")
        return out

    def variant(self, name: str) -> Variant:
        try:
            return self.variants[name]
        except KeyError:
            valid = ", ".join(sorted(self.variants)) or "none"
            raise UsageError(
                f"scenario {self.id} has no variant {name!r}", hint=f"valid variants: {valid}"
            ) from None


_CACHE: dict[str, ScenarioSpec] | None = None


def all_scenarios() -> dict[str, ScenarioSpec]:
    """Every ScenarioSpec in reviewbot.sim.scenarios, keyed by id, sorted by id."""
    global _CACHE  # noqa: PLW0603 - discovery imports modules once per process
    if _CACHE is None:
        from reviewbot.sim import scenarios

        found: dict[str, ScenarioSpec] = {}
        for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{scenarios.__name__}.{info.name}")
            spec = getattr(module, "SCENARIO", None)
            if isinstance(spec, ScenarioSpec):
                if spec.id in found:
                    raise UsageError(f"scenario id {spec.id!r} defined twice")
                found[spec.id] = spec
        _CACHE = dict(sorted(found.items()))
    return _CACHE


def get(scenario_id: str) -> ScenarioSpec:
    """The scenario with this id; UsageError listing the valid ids otherwise."""
    specs = all_scenarios()
    try:
        return specs[scenario_id]
    except KeyError:
        valid = ", ".join(specs) or "none installed"
        raise UsageError(
            f"unknown scenario {scenario_id!r}", hint=f"valid scenarios: {valid}"
        ) from None
