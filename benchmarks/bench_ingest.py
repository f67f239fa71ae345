"""Ingest throughput: mailbox parse + patch extraction + changed-function mapping.

    python benchmarks/bench_ingest.py [N]        # N messages, default 1000

Builds an mbox of N messages from the RFC 5322 fixtures in fixtures/patches (each
copy gets a distinct Message-ID), then times, on one core, in one process:
``mail.load`` of the whole mbox, ``diffparse.extract_patch`` and
``diffparse.map_functions`` (tree-sitter) for every message. Also times the generated
10 MB patch (fixtures/patches/make_synthetic.py: huge_patch) and the cold start of
``reviewbot parse`` on one fixture (a fresh interpreter, as a user runs it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures" / "patches"
sys.path.insert(0, str(ROOT))

from reviewbot.diffparse import extract_patch, map_functions  # noqa: E402
from reviewbot.mail import load, parse_message  # noqa: E402
from reviewbot.mail.sources import is_mbox, split_mbox  # noqa: E402

_MSGID = re.compile(rb"^Message-ID:[^\n]*\n", re.IGNORECASE | re.MULTILINE)


def corpus() -> list[bytes]:
    """Every RFC 5322 message of the fixtures (web copies have no headers to vary)."""
    out: list[bytes] = []
    for path in sorted(FIX.iterdir()):
        if path.suffix not in (".mbox", ".eml", ".patch"):
            continue
        data = path.read_bytes()
        out.extend(split_mbox(data) if is_mbox(data) else [data])
    return out


def mailbox(n: int) -> bytes:
    msgs = corpus()
    parts: list[bytes] = []
    for i in range(n):
        raw = msgs[i % len(msgs)].replace(b"\r\n", b"\n")
        raw = _MSGID.sub(b"", raw, count=1)
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1]
        raw = re.sub(rb"^(>*From )", rb">\1", raw, flags=re.MULTILINE)  # mboxrd quoting
        parts.append(
            b"From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <bench-%d@example.org>\n" % i
            + raw.rstrip(b"\n")
            + b"\n\n"
        )
    return b"".join(parts)


def timed_ingest(data: bytes) -> tuple[int, int, float, float, float]:
    with tempfile.NamedTemporaryFile(suffix=".mbox", delete=False) as fh:
        fh.write(data)
        name = fh.name
    try:
        t0 = time.perf_counter()
        batch = load(name)
        t1 = time.perf_counter()
        patches = [extract_patch(m) for m in batch.messages]
        t2 = time.perf_counter()
        nfuncs = sum(len(map_functions(p)[0]) for p in patches)
        t3 = time.perf_counter()
    finally:
        os.unlink(name)
    return len(batch.messages), nfuncs, t1 - t0, t2 - t1, t3 - t2


def huge() -> tuple[int, int, int, float, float]:
    spec = importlib.util.spec_from_file_location("make_synthetic", FIX / "make_synthetic.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    data = mod.huge_patch()
    t0 = time.perf_counter()
    patch = extract_patch(parse_message(data, "huge"))
    t1 = time.perf_counter()
    funcs, _ = map_functions(patch)
    t2 = time.perf_counter()
    return len(data), len(patch.files), len(funcs), t1 - t0, t2 - t1


def cold_start(runs: int = 5) -> float:
    target = str(FIX / "0001-seed-001-netfs-9p-umount-race.mbox")
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reviewbot", "parse", target],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    msgs, funcs, t_load, t_extract, t_funcs = timed_ingest(mailbox(n))
    total = t_load + t_extract + t_funcs
    print(f"mailbox: {msgs} messages, {funcs} changed functions")
    print(f"  load {t_load:.2f} s, extract {t_extract:.2f} s, functions {t_funcs:.2f} s")
    print(f"  total {total:.2f} s = {msgs / total:.0f} messages/s on one core")
    size, files, nf, t_x, t_f = huge()
    print(f"10 MB patch: {size / 1e6:.1f} MB, {files} files, {nf} functions")
    print(f"  extract {t_x:.2f} s, functions {t_f:.2f} s")
    print(f"cold 'reviewbot parse' of one patch: {cold_start():.3f} s (best of 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
