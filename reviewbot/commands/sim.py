"""`reviewbot sim`: list scenarios, run one with knobs, replay a counterexample."""

from __future__ import annotations

import json
from typing import Any

import typer

from reviewbot.errors import UsageError

RUN_HELP = """Explore every interleaving of SCENARIO and decide its properties.

Exit status: 0 every property holds; 1 a safety property is violated (the
counterexample is printed); 2 error, budget exhausted or loop bound hit
(inconclusive), or a 'sometimes' property is unreachable (the model is vacuous).
"""


def _formats(value: str) -> str:
    if value not in ("text", "json"):
        raise UsageError(f"unknown format {value!r}", hint="valid formats: text, json")
    return value


def _knobs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise UsageError(f"bad --knob {pair!r}", hint="write --knob NAME=VALUE")
        name = name.strip()
        if name in out and out[name] != value.strip():  # which one was meant?
            raise UsageError(
                f"--knob {name} given twice ({out[name]!r} and {value.strip()!r})",
                hint="give each knob once",
            )
        out[name] = value.strip()
    return out


def register(app: typer.Typer) -> None:
    sim_app = typer.Typer(
        help="Run the interleaving explorer on a registered scenario.",
        no_args_is_help=True,
        add_completion=False,
    )
    app.add_typer(sim_app, name="sim")

    @sim_app.command("list")
    def _list(
        fmt: str = typer.Option("text", "--format", help="text or json"),
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="also show knobs, variants and expected verdicts"
        ),
    ) -> int:
        """List scenarios, one line each (knobs and variants with -v or --format json)."""
        from reviewbot.sim import registry
        from reviewbot.sim.cli_render import list_json, list_text

        specs = registry.all_scenarios()
        if _formats(fmt) == "json":
            typer.echo(json.dumps(list_json(specs), indent=2))
        else:
            typer.echo(list_text(specs, verbose=verbose), nl=False)
        return 0

    @sim_app.command("run", help=RUN_HELP)
    def _run(  # noqa: PLR0917 - typer maps parameters to options
        scenario: str = typer.Argument(..., help="scenario id (see 'reviewbot sim list')"),
        variant: str = typer.Option("", "--variant", help="start from a named variant's knobs"),
        knob: list[str] = typer.Option([], "--knob", help="NAME=VALUE, repeatable"),  # noqa: B008
        fmt: str = typer.Option("text", "--format", help="text or json"),
        budget: int = typer.Option(2_000_000, "--budget", help="state budget", min=1),
        check: bool = typer.Option(
            False, "--check", help="verify every step's declared reads/writes (slower)"
        ),
        width: int = typer.Option(78, "--width", help="trace width in columns", min=40),
        mode: str = typer.Option(
            "exhaustive",
            "--mode",
            help="exhaustive, or (never 'holds', for big models) bounded or random",
        ),
        preemptions: int = typer.Option(2, "--preemptions", help="bound for --mode bounded"),
        walks: int = typer.Option(1000, "--walks", help="runs for --mode random", min=1),
        seed: int = typer.Option(0, "--seed", help="seed for --mode random"),
    ) -> int:
        from reviewbot.sim import registry
        from reviewbot.sim import run as sim_run
        from reviewbot.sim.cli_render import exit_code, run_json, run_text
        from reviewbot.sim.runner import simulate

        fmt = _formats(fmt)
        spec = registry.get(scenario)
        knobs: dict[str, str] = {}
        expected: dict[str, str] = {}
        if variant:
            v = spec.variant(variant)
            knobs.update(v.knobs)
            expected = dict(v.expected)
        knobs.update(_knobs(knob))
        full = spec.resolve(knobs)
        if mode not in ("exhaustive", "bounded", "random"):
            raise UsageError(
                f"unknown mode {mode!r}", hint="valid modes: exhaustive, bounded, random"
            )
        if check or mode != "exhaustive":
            result = simulate(
                scenario,
                full,
                spec.build(full),
                budget=budget,
                check=check,
                mode=mode,  # type: ignore[arg-type]
                preemptions=preemptions,
                walks=walks,
                seed=seed,
            )
        else:
            result = sim_run(scenario, full, budget_states=budget)
        if fmt == "json":
            payload: dict[str, Any] = run_json(result, expected)
            typer.echo(json.dumps(payload, indent=2))
        else:
            typer.echo(run_text(result, expected, width), nl=False)
        return exit_code(result)

    @sim_app.command("check")
    def _check(
        scenarios: list[str] = typer.Argument(  # noqa: B008
            None, help="scenario ids (default: all)"
        ),
        budget: int = typer.Option(2_000_000, "--budget", help="state budget", min=1),
    ) -> int:
        """Run every variant and compare with its expected verdicts (as litmus tests
        state Result:). Exit 0 if all match, 1 on any mismatch."""
        from reviewbot.sim import registry
        from reviewbot.sim.cli_render import check_rows, check_text
        from reviewbot.sim.runner import simulate

        specs = registry.all_scenarios()
        ids = list(scenarios or specs)
        results = []
        for sid in ids:
            spec = registry.get(sid)
            for vname, v in spec.variants.items():
                full = spec.resolve(v.knobs)
                res = simulate(sid, full, spec.build(full), budget=budget, check=True)
                results.append((vname, v.expected, res))
        rows = check_rows(results)
        typer.echo(check_text(rows), nl=False)
        return 0 if all(r[-1] for r in rows) else 1

    @sim_app.command("replay")
    def _replay(
        scenario: str = typer.Argument(..., help="scenario id"),
        replay: str = typer.Argument(..., help="replay string printed by 'sim run'"),
        fmt: str = typer.Option("text", "--format", help="text or json"),
        width: int = typer.Option(78, "--width", help="trace width in columns", min=40),
    ) -> int:
        """Re-run one recorded interleaving and draw it.

        Exit status: 0 no safety property violated; 1 one is; 2 error, including a
        string made against a different version of the scenario (its model digest, the
        last field, differs). A string without a digest replays with a warning."""
        from reviewbot.sim.cli_render import replay_json, replay_text
        from reviewbot.sim.replaying import replay_full

        fmt = _formats(fmt)
        done = replay_full(scenario, replay)
        if done.warning:
            typer.echo(f"reviewbot: {done.warning}", err=True)
        if fmt == "json":
            payload = replay_json(scenario, replay, done.steps, done.failed)
            typer.echo(json.dumps(payload, indent=2))
        else:
            typer.echo(replay_text(done.headers, done.steps, done.failed, width), nl=False)
        return 1 if done.failed else 0
