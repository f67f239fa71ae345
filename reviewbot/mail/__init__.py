"""Mail ingestion: mailboxes, Maildirs, single messages and stdin -> ``Message``.

Public API (other stages code against it)::

    load(source, *, stdin=None) -> MailBatch
    parse_message(data, source="") -> Message
    group_series(messages) -> tuple[Series, ...]

A message that cannot be parsed, or whose body cannot be decoded, becomes an
error-severity ``Diagnostic`` and the rest of the batch is still returned. An unreadable
source, one that is not mail at all (binary data, a damaged or oversized gzip file) and
one in which no message could be read raise ``InputError``. Gzip input (lore's
``t.mbox.gz``) is decompressed first, whatever its name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from email.errors import MessageError

from reviewbot.errors import InputError
from reviewbot.mail.body import UNDECODABLE
from reviewbot.mail.message import looks_like_mail, parse_message
from reviewbot.mail.series import group_series
from reviewbot.mail.sources import (
    gunzip,
    is_gzip,
    is_mbox,
    looks_binary,
    maildir_files,
    packed_as,
    read_file,
    split_mbox,
)
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
            try:
                data = _as_mail(data, name)
            except InputError as exc:
                diags.append(Diagnostic("not-mail", exc.message, "error", name))
                continue
            _add(msgs, diags, data, name)
        # no _checked(): a Maildir is a folder lei keeps filling, and watch must be
        # able to record a lone broken message (check still exits 2 on the error)
        return MailBatch(tuple(msgs), tuple(diags))
    return load_bytes(read_file(source), source)


def load_bytes(data: bytes, name: str) -> MailBatch:
    """Parse a mailbox or a single message held in memory."""
    msgs: list[Message] = []
    diags: list[Diagnostic] = []
    data = _as_mail(data, name)
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
    return _checked(MailBatch(tuple(msgs), tuple(diags)), name)


def _as_mail(data: bytes, name: str) -> bytes:
    """Undo gzip; refuse what cannot be mail, saying what it is instead."""
    if is_gzip(data):
        data = gunzip(data, name)
    if is_mbox(data) or looks_like_mail(data):
        return data
    packed = packed_as(data)
    if packed:
        what, tool = packed
        raise InputError(f"input is {what}", where=name, hint=f"unpack it with {tool} first")
    if looks_binary(data):
        raise InputError("input is binary data, not a mail message or mailbox", where=name)
    return data


def _checked(batch: MailBatch, name: str) -> MailBatch:
    """A source none of whose messages could be read is damaged input, not a clean run."""
    errors = [d for d in batch.diagnostics if d.severity == "error"]
    if batch.messages or not errors:
        return batch
    more = f" (and {len(errors) - 1} more damaged message(s))" if len(errors) > 1 else ""
    first = errors[0]
    where = first.where if first.where and first.where != name else ""
    raise InputError(f"{where + ': ' if where else ''}{first.message}{more}", where=name)


def _add(msgs: list[Message], diags: list[Diagnostic], data: bytes, where: str) -> None:
    try:
        msg = parse_message(data, where)
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
        return
    damaged = [d for d in msg.diagnostics if d.code == UNDECODABLE]
    if damaged:
        # Reviewing what is left would report "no diff" for a patch that was sent.
        diags.extend(replace(d, message=f"message skipped, {d.message}") for d in damaged)
        return
    msgs.append(msg)
