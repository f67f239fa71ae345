"""What `reviewbot watch` costs on its own: state, claims, fsyncs and drafts.

The review itself is replaced by the stand-in stages of tests/watch_fakes.py (every
other message gets a draft), so the figures are the watcher's overhead per message,
to be added to the pipeline's (benchmarks/bench_check.py).

    python benchmarks/bench_watch.py [N]   # N synthetic messages, default 2000
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

from reviewbot import mail, watch

_spec = importlib.util.spec_from_file_location(
    "watch_fakes", Path(__file__).parents[1] / "tests" / "watch_fakes.py"
)
assert _spec is not None and _spec.loader is not None
fakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes)


def main(n: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    msgs = [
        fakes.mbox_message(f"m{i}@x", f"[PATCH] fs: change {i}", marker="BUG" if i % 2 else "")
        for i in range(n)
    ]
    src = fakes.write_mbox(work / "in.mbox", msgs)
    t0 = time.perf_counter()
    batch = mail.load(str(src))
    load = time.perf_counter() - t0
    opts = watch.WatchOptions(from_=fakes.ME)
    print(f"{n} messages; mail.load {load:.2f} s")
    for label in ("first run (all new)", "second run (nothing new)"):
        t0 = time.perf_counter()
        summary = watch.run(batch.messages, work / "drafts", work / "state", opts, fakes.hooks())
        took = time.perf_counter() - t0
        print(f"{label}: {took:.2f} s, {1000 * took / n:.2f} ms/message; {summary.line()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
