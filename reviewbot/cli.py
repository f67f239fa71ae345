"""Command line entry point: one thin module per command, one error path.

Library code never prints or exits; commands return an exit code and raise
``ReviewbotError`` for anything the user must fix. ``main`` maps errors to exit codes:
0 no findings, 1 findings, 2 usage/input/internal error.
"""

from __future__ import annotations

import sys

import typer

from reviewbot.commands import check, parse, rules, sim, watch
from reviewbot.errors import ReviewbotError

app = typer.Typer(
    name="reviewbot",
    help="Evidence-backed review of Linux kernel filesystem and mm patches.",
    no_args_is_help=True,
    add_completion=False,
    # We process third-party mail: never dump locals (message bodies) on a crash.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
for _module in (check, parse, watch, sim, rules):
    _module.register(app)


def _err(text: str) -> None:
    sys.stderr.write(" ".join(text.split()) + "\n")


def _click_exception_type() -> type[Exception]:
    """Usage errors are click's. The typer releases we ask for use the ``click``
    package; newer ones vendor it as ``typer._click`` and install no ``click``, so a
    user who forces one still gets usage errors rather than "internal error"."""
    try:
        from click.exceptions import ClickException
    except ImportError:  # pragma: no cover - typer >= 0.25
        from typer._click.exceptions import (  # type: ignore[no-redef,import-not-found,unused-ignore]
            ClickException,
        )
    return ClickException


def main(argv: list[str] | None = None) -> None:
    click_exception = _click_exception_type()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    try:
        code = app(args=args, prog_name="reviewbot", standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        _err("reviewbot: interrupted")
        code = 2
    except click_exception as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:  # pragma: no cover
            _err(f"reviewbot: error: {exc}")
        code = 2
    except ReviewbotError as exc:
        if debug:
            raise
        _err(f"reviewbot: error: {exc.details()}")
        code = 2
    except KeyboardInterrupt:
        _err("reviewbot: interrupted")
        code = 2
    except BrokenPipeError:
        # A closed pager or `| head` is not an error worth a traceback.
        code = 0
    except Exception as exc:
        if debug:
            raise
        _err(
            f"reviewbot: internal error: {type(exc).__name__}: {exc} "
            "(this is a bug; rerun with --debug for a traceback)"
        )
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
