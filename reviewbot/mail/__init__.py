"""Mail ingestion: mailboxes, Maildirs, single messages and stdin -> ``Message``.

Public API (other stages code against it)::

    load(source, *, stdin=None) -> MailBatch
    parse_message(data, source="") -> Message
    group_series(messages) -> tuple[Series, ...]

A message that cannot be parsed becomes a ``Diagnostic`` and the rest of the batch is
still returned; only an unreadable source raises ``InputError``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.errors import MessageError

from reviewbot.errors import InputError
from reviewbot.mail.message import parse_message
from reviewbot.mail.series import group_series
from reviewbot.mail.sources import is_mbox, maildir_files, read_file, split_mbox
from reviewbot.model import Diagnostic, Message

__all__ = ["MailBatch", "group_series", "load", "load_bytes", "parse_message"]


@dataclass(frozen=True)
class MailBatch:
    messages: tuple[Message, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


def load(source: str, *, stdin: bytes | None = None) -> MailBatch:
    """Read every message of ``source`` (a file, a Maildir directory, or "-")."""
    if source == "-":
        if stdin is None:
            raise InputError("no input on stdin", where="-", hint="pipe a message or an mbox")
        return load_bytes(stdin, "-")
    if os.path.isdir(source):
        msgs: list[Message] = []
        diags: list[Diagnostic] = []
        for path, name in maildir_files(source):
            try:
                data = read_file(path)
            except InputError as exc:
                # A message removed under us (lei/b4 rewrite Maildirs) is not fatal.
                diags.append(Diagnostic("unreadable-message", exc.details(), "warning", name))
                continue
            _add(msgs, diags, data, name)
        return MailBatch(tuple(msgs), tuple(diags))
    return load_bytes(read_file(source), source)


def load_bytes(data: bytes, name: str) -> MailBatch:
    """Parse a mailbox or a single message held in memory."""
    msgs: list[Message] = []
    diags: list[Diagnostic] = []
    if not data.strip():
        diags.append(
            Diagnostic("empty-input", "input is empty: no message to read", "warning", name)
        )
        return MailBatch((), tuple(diags))
    if is_mbox(data):
        parts = split_mbox(data)
        for i, part in enumerate(parts, 1):
            where = f"{name} message {i}" if len(parts) > 1 else name
            if not part.strip():
                diags.append(Diagnostic("empty-message", "empty message in mbox", "warning", where))
                continue
            _add(msgs, diags, part, where)
    else:
        _add(msgs, diags, data, name)
    return MailBatch(tuple(msgs), tuple(diags))


def _add(msgs: list[Message], diags: list[Diagnostic], data: bytes, where: str) -> None:
    try:
        msgs.append(parse_message(data, where))
    except (
        ValueError,
        TypeError,
        LookupError,
        UnicodeError,
        AttributeError,
        IndexError,
        MessageError,
    ) as exc:
        # The stdlib parser has odd corners on hostile MIME; one bad message must not
        # stop a mailbox.
        diags.append(
            Diagnostic(
                "unparsable-message",
                f"message skipped, cannot be parsed ({type(exc).__name__}: {exc})",
                "error",
                where,
            )
        )
