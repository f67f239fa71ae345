"""The one error type that may leave the library.

Every stage raises ``ReviewbotError`` (or a subclass) for problems a user can act on;
the CLI turns it into one line on stderr and exit code 2. Anything else escaping is a
bug, reported as one line plus a hint to rerun with ``--debug``.
"""

from __future__ import annotations


class ReviewbotError(Exception):
    """A problem with the input or the invocation, described for the user."""

    exit_code = 2

    def __init__(self, message: str, *, where: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def details(self) -> str:
        """One line: where, what, and what to do about it."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())


class InputError(ReviewbotError):
    """The input (mail, mailbox, patch) cannot be read or understood."""


class UsageError(ReviewbotError):
    """The command line asks for something impossible."""


class StateError(ReviewbotError):
    """The watcher's state database is missing, locked or damaged."""
