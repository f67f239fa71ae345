"""load -> extract_patch -> changed_functions -> analyze, for every message.

A message that breaks a stage becomes a diagnostic on its report; the others are still
processed. Simulation results are cached per (scenario, knobs) for the whole run (and
``reviewbot.sim.run`` memoises per process), so a mailbox of many patches never re-runs
an identical simulation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from reviewbot import config as config_mod
from reviewbot.analyze import Runner, analyze, default_runner
from reviewbot.errors import ReviewbotError
from reviewbot.model import (
    CheckOptions,
    Diagnostic,
    Message,
    Patch,
    PatchReport,
    Series,
    Side,
    SimResult,
)
from reviewbot.rules.loader import Rule, load_library

_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class CheckRun:
    reports: tuple[PatchReport, ...]
    series: tuple[Series, ...]
    diagnostics: tuple[Diagnostic, ...]


class SimCache:
    """One simulation per (scenario, knobs, budget) for the lifetime of the cache."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.results: dict[tuple[str, tuple[tuple[str, str], ...]], SimResult] = {}
        self.calls = 0

    def __call__(self, scenario: str, knobs: Mapping[str, str]) -> SimResult:
        key = (scenario, tuple(sorted(knobs.items())))
        hit = self.results.get(key)
        if hit is None:
            self.calls += 1
            hit = self.runner(scenario, knobs)
            self.results[key] = hit
        return hit


_CACHES: dict[int, SimCache] = {}


def _cache(options: CheckOptions) -> SimCache:
    cache = _CACHES.get(options.budget_states)
    if cache is None:
        cache = _CACHES[options.budget_states] = SimCache(default_runner(options.budget_states))
    return cache


def _config(options: CheckOptions) -> config_mod.Config:
    explicit = dict(options.extra).get("config")
    return config_mod.load(explicit)


def enabled_rules(options: CheckOptions, cfg: config_mod.Config | None = None) -> tuple[Rule, ...]:
    """The library minus rules disabled on the command line or in the configuration."""
    cfg = _config(options) if cfg is None else cfg
    rules = load_library()
    known = tuple(r.id for r in rules)
    config_mod.check_rule_ids(options.disabled_rules, known, "--disable")
    config_mod.check_rule_ids(cfg.disabled, known, cfg.source or "config")
    off = set(options.disabled_rules) | set(cfg.disabled)
    overrides = dict(cfg.severity)
    config_mod.check_rule_ids(tuple(overrides), known, cfg.source or "config")
    return tuple(
        replace(r, severity=overrides.get(r.id, r.severity)) for r in rules if r.id not in off
    )


def _min_severity(options: CheckOptions, cfg: config_mod.Config) -> str:
    # The command line's default ("info") does not override a configured minimum.
    if options.min_severity != "info" or cfg.min_severity is None:
        return options.min_severity
    return cfg.min_severity


def _tree_peers(tree: str, patch: Patch) -> dict[Side, dict[str, object]]:
    """Unchanged functions of the touched files, read from the checkout (--tree)."""
    from reviewbot.rules.cst import parse_body, split_functions

    peers: dict[str, object] = {}
    root = Path(tree).resolve()
    for fc in patch.files:
        # the path comes from the mail: never read outside the tree (an absolute
        # path, "..", or a symlink leading out)
        path = (root / (fc.old_path or fc.path)).resolve()
        if not path.is_relative_to(root):
            continue
        if not fc.path.endswith((".c", ".h")) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for name, body, _first in split_functions(text):
            peers.setdefault(name, parse_body(body))
    return {"before": peers, "after": dict(peers)}


def check_message(
    msg: Message,
    options: CheckOptions,
    *,
    rules: tuple[Rule, ...] | None = None,
    runner: Runner | None = None,
    min_severity: str | None = None,
) -> PatchReport:
    """Everything reviewbot concludes about one message (never raises for bad input)."""
    from reviewbot import diffparse

    cfg = config_mod.Config() if rules is not None else _config(options)
    rules = enabled_rules(options, cfg) if rules is None else rules
    floor = min_severity or _min_severity(options, cfg)
    run = runner or _cache(options)
    try:
        patch = diffparse.extract_patch(msg)
    except ReviewbotError as exc:
        empty = Patch(message=msg, files=())
        diag = Diagnostic("unreadable-patch", exc.details(), "error", msg.source)
        return PatchReport(patch=empty, functions=(), findings=(), diagnostics=(diag,))
    diags: list[Diagnostic] = list(patch.diagnostics)
    try:
        functions, fdiags = diffparse.map_functions(patch, options.tree)
        diags.extend(fdiags)
    except ReviewbotError as exc:
        # the tree could not serve (not a git checkout, git missing): the hunks still can
        diags.append(Diagnostic("functions-failed", exc.details(), "warning", msg.source))
        functions = ()
        if options.tree:
            try:
                functions, fdiags = diffparse.map_functions(patch, None)
                diags.extend(fdiags)
            except ReviewbotError:
                functions = ()
    tree_peers = _tree_peers(options.tree, patch) if options.tree else None
    try:
        result = analyze(
            patch,
            functions,
            rules=rules,
            runner=run,
            tree_peers=tree_peers,  # type: ignore[arg-type]
        )
    except ReviewbotError as exc:
        diags.append(Diagnostic("analysis-failed", exc.details(), "error", msg.source))
        return PatchReport(patch=patch, functions=functions, findings=(), diagnostics=tuple(diags))
    except Exception as exc:  # a bug on one message must not lose the rest of the mailbox
        text = f"analysis failed: {type(exc).__name__}: {exc} (this is a bug in reviewbot)"
        diags.append(Diagnostic("internal-error", text, "error", msg.source))
        return PatchReport(patch=patch, functions=functions, findings=(), diagnostics=tuple(diags))
    diags.extend(result.diagnostics)
    kept = tuple(f for f in result.findings if _RANK[f.severity] >= _RANK[floor])
    return PatchReport(patch=patch, functions=functions, findings=kept, diagnostics=tuple(diags))


def check(source: str, options: CheckOptions, *, stdin: bytes | None = None) -> CheckRun:
    """Review every message of ``source`` (a path, a Maildir, or "-" with ``stdin``)."""
    from reviewbot import mail

    cfg = _config(options)
    rules = enabled_rules(options, cfg)
    floor = _min_severity(options, cfg)
    batch = mail.load(source, stdin=stdin)
    ids = {m.msgid for m in batch.messages}
    reports = []
    for msg in batch.messages:
        report = check_message(msg, options, rules=rules, min_severity=floor)
        reports.append(_unless_review_of_batch(report, ids))
    series = mail.group_series(batch.messages)
    return CheckRun(reports=tuple(reports), series=tuple(series), diagnostics=batch.diagnostics)


REVIEW_OF_BATCH = "review-of-patch-in-input"


def _unless_review_of_batch(report: PatchReport, ids: set[str]) -> PatchReport:
    """A reply that only quotes a patch of the same batch (a reviewer's comments on it)
    is not reviewed itself: the patch it quotes is, and a maintainer reading the thread
    wants that review, not one of the reviewer's mail. A standalone quoted copy (a web
    archive page, no parent in the input) is still the only copy and is analysed."""
    msg = report.patch.message
    quoted = any(d.code == "quoted-patch" for d in report.patch.diagnostics)
    if not quoted or not msg.in_reply_to or msg.in_reply_to not in ids:
        return report
    note = Diagnostic(
        REVIEW_OF_BATCH,
        f"a reply quoting <{msg.in_reply_to}>, which is reviewed in this input: not reviewed again",
        "info",
        msg.source,
    )
    return replace(report, findings=(), diagnostics=(*report.diagnostics, note))
