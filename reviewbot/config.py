"""User configuration: which rules are off, and the default minimum severity.

Read from ``$XDG_CONFIG_HOME/reviewbot/config.toml`` (``~/.config/...`` when unset) and,
if given, the file passed with ``--config`` (it wins). Format::

    [rules]
    disable = ["nonatomic-flags-update"]   # rule ids
    min_severity = "warning"               # info | warning | error

    [rules.severity]                        # per-rule override
    "remote-size-overwrites-local-size" = "error"

Unknown keys are an error (a typo must not silently re-enable a noisy rule).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewbot.errors import UsageError

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Config:
    disabled: tuple[str, ...] = ()
    min_severity: str | None = None
    severity: tuple[tuple[str, str], ...] = ()
    source: str = ""


def default_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "reviewbot" / "config.toml"


def parse(text: str, where: str = "config") -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"invalid TOML: {exc}", where=where) from None
    unknown = set(data) - {"rules"}
    if unknown:
        raise UsageError(f"unknown section(s): {', '.join(sorted(unknown))}", where=where)
    rules: dict[str, Any] = data.get("rules", {})
    bad = set(rules) - {"disable", "min_severity", "severity"}
    if bad:
        raise UsageError(f"unknown key(s) in [rules]: {', '.join(sorted(bad))}", where=where)
    disable = rules.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(x, str) for x in disable):
        raise UsageError("rules.disable must be a list of rule ids", where=where)
    minsev = rules.get("min_severity")
    if minsev is not None and minsev not in SEVERITIES:
        raise UsageError("rules.min_severity must be info, warning or error", where=where)
    sev = rules.get("severity", {})
    if not isinstance(sev, dict) or not all(v in SEVERITIES for v in sev.values()):
        raise UsageError("rules.severity values must be info, warning or error", where=where)
    return Config(
        disabled=tuple(disable),
        min_severity=minsev,
        severity=tuple(sorted((str(k), str(v)) for k, v in sev.items())),
        source=where,
    )


def load(explicit: str | None = None, env: dict[str, str] | None = None) -> Config:
    """The user's configuration; an explicit path that does not exist is an error."""
    path = Path(explicit) if explicit else default_path(env)
    if not path.is_file():
        if explicit:
            raise UsageError(f"config file {explicit!r} does not exist")
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read config: {exc}", where=str(path)) from None
    return parse(text, str(path))


def check_rule_ids(ids: tuple[str, ...], known: tuple[str, ...], where: str) -> None:
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(
            f"unknown rule id(s): {', '.join(unknown)}",
            where=where,
            hint="see `reviewbot rules list`",
        )
