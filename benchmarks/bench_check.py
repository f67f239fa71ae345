"""Full `reviewbot check` pipeline throughput over a big mailbox.

    python benchmarks/bench_check.py [N]        # N messages, default 1000

Builds an mboxrd mailbox of N patch messages from the RFC 5322 fixtures of
fixtures/patches (every copy gets its own Message-ID, as in bench_ingest), then runs
``pipeline.check`` on it in one process, on one core: mail.load, extract_patch,
changed_functions, rule matching, simulations (cached per scenario and knobs) and
verdicts. Reports messages/s, findings, and how many simulations actually ran.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ingest import mailbox  # noqa: E402

from reviewbot import pipeline  # noqa: E402
from reviewbot.model import CheckOptions  # noqa: E402


def main(n: int) -> None:
    data = mailbox(n)
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # no user configuration
    with tempfile.NamedTemporaryFile(suffix=".mbox", delete=False) as fh:
        fh.write(data)
        name = fh.name
    try:
        options = CheckOptions()
        cache = pipeline._cache(options)
        t0 = time.perf_counter()
        run = pipeline.check(name, options)
        t1 = time.perf_counter()
        # A second run in the same process: every simulation is already cached.
        run2 = pipeline.check(name, options)
        t2 = time.perf_counter()
    finally:
        os.unlink(name)
    verdicts = Counter(f.verdict for r in run.reports for f in r.findings)
    assert [len(r.findings) for r in run.reports] == [len(r.findings) for r in run2.reports]
    msgs = len(run.reports)
    print(f"messages: {msgs} ({len(data) / 1e6:.1f} MB), series: {len(run.series)}")
    print(f"findings: {sum(verdicts.values())} {dict(sorted(verdicts.items()))}")
    print(
        f"simulations run: {cache.calls} (distinct scenario+knobs), cached lookups served the rest"
    )
    print(f"first run:  {t1 - t0:.2f} s  {msgs / (t1 - t0):.0f} msg/s (includes the simulations)")
    print(f"second run: {t2 - t1:.2f} s  {msgs / (t2 - t1):.0f} msg/s (all simulations cached)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
