"""Where messages come from: mbox (mboxo/mboxrd), Maildir, one message, stdin."""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

from reviewbot.errors import InputError

# A real separator: "From <sender> <asctime date>", as written by MTAs, mboxrd tools,
# public-inbox and git format-patch. Prose lines starting "From " never carry a date.
_SEP = re.compile(
    rb"^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
    rb"|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})? +(?:\S+ +)?\d{4}\s*$"
)
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
# Refuse inputs that cannot be a mailbox we should process whole (also the most a
# gzip input may expand to: a small bomb must not fill memory).
MAX_INPUT = 512 * 1024 * 1024
_GZIP = b"\x1f\x8b"
_GUNZIP_STEP = 1 << 20
# Other packed formats people save mailboxes in: named, so the error says what to do.
_PACKED = (
    (b"\xfd7zXZ\x00", "xz-compressed", "unxz"),
    (b"BZh", "bzip2-compressed", "bunzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "unzstd"),
    (b"PK\x03\x04", "a zip archive", "unzip"),
)
# Control bytes never seen in mail text (tab, LF, FF, CR and ESC are).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"


def is_mbox(data: bytes) -> bool:
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    return bool(_SEP.match(first))


def split_mbox(data: bytes) -> list[bytes]:
    """Messages of an mbox, with ``>From `` quoting undone (mboxrd and mboxo alike)."""
    out: list[bytes] = []
    current: list[bytes] = []
    started = False
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and _SEP.match(line.rstrip(b"\r\n")):
            if started:
                out.append(b"".join(current))
            current, started = [], True
            continue
        current.append(line)
    if started:
        out.append(b"".join(current))
    return [_unquote(m) for m in out]


def _unquote(msg: bytes) -> bytes:
    # mboxrd adds one ">" to every ">*From " line, mboxo only to "From ": undoing one
    # level is right for both (mboxo cannot distinguish the rare original ">From ").
    return _QUOTED_FROM.sub(rb"\1", msg)


def read_file(path: str) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > MAX_INPUT:
            raise InputError(
                f"input is {size} bytes, more than the {MAX_INPUT} byte limit", where=path
            )
        with open(path, "rb") as fh:
            return fh.read()
    except IsADirectoryError as exc:
        raise InputError("is a directory but not a Maildir", where=path) from exc
    except FileNotFoundError as exc:
        raise InputError("no such file", where=path, hint="check the path") from exc
    except PermissionError as exc:
        raise InputError("permission denied", where=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=path) from exc


def maildir_files(path: str) -> list[tuple[str, str]]:
    """(file path, display name) of every message in a Maildir, new/ then cur/, sorted."""
    root = Path(path)
    if not all((root / d).is_dir() for d in ("cur", "new")):
        raise InputError(
            "is a directory but not a Maildir (no cur/ and new/)",
            where=path,
            hint="pass an mbox file, a Maildir or '-' for stdin",
        )
    out: list[tuple[str, str]] = []
    for sub in ("new", "cur"):
        try:
            names = sorted(os.listdir(root / sub))
        except OSError as exc:
            raise InputError(f"cannot list {sub}/: {exc.strerror or exc}", where=path) from exc
        for name in names:
            if name.startswith("."):
                continue
            full = root / sub / name
            if full.is_file():
                out.append((str(full), f"{path}/{sub}/{name}"))
    return out


def is_gzip(data: bytes) -> bool:
    return data[:2] == _GZIP


def gunzip(data: bytes, where: str, limit: int = MAX_INPUT) -> bytes:
    """Every member of a gzip file (lore's t.mbox.gz), at most ``limit`` bytes of it."""
    out: list[bytes] = []
    size = 0
    rest = data
    while is_gzip(rest):
        unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        try:
            while not unpack.eof:
                # max_length bounds the output of one call, so a bomb stops at the limit
                # having held no more than that.
                chunk = unpack.decompress(pending, min(_GUNZIP_STEP, limit + 1 - size))
                pending = unpack.unconsumed_tail
                out.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise InputError(
                        f"gzip input expands to more than the {limit} byte limit", where=where
                    )
                if not chunk and not pending:
                    break
        except zlib.error as exc:
            raise InputError(f"gzip input is damaged ({exc})", where=where) from None
        if not unpack.eof:
            raise InputError("gzip input is truncated", where=where)
        rest = unpack.unused_data
    if rest.strip(b"\0"):
        raise InputError("gzip input has trailing data that is not gzip", where=where)
    return b"".join(out)


def packed_as(data: bytes) -> tuple[str, str] | None:
    """(what, tool) when ``data`` is a compressed file or archive we do not unpack."""
    for magic, what, tool in _PACKED:
        if data.startswith(magic):
            return what, tool
    return None


def looks_binary(data: bytes) -> bool:
    """More than 1% of control bytes in the first 64 KiB: not text in any charset."""
    sample = data[:65536]
    if not sample:
        return False
    control = len(sample) - len(sample.translate(None, _CONTROL))
    return control * 100 > len(sample)
