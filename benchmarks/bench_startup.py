"""Cold start-up of the real console script: best wall time of N fresh processes.

Usage: python benchmarks/bench_startup.py [RUNS] [--src DIR]   (default 5 runs)

Runs the installed ``reviewbot`` script next to this interpreter (not a pyenv shim),
so every figure includes interpreter start, imports, rule loading and the review.
The package is imported from this checkout (put first on PYTHONPATH: an editable
install may point at another clone), or from ``--src DIR`` (e.g. an older copy of the
package, to compare against). Each case runs twice over: as the environment is set up
(with PYTHONDONTWRITEBYTECODE=1 every module is compiled from source on every run) and
with bytecode, as after ``pip install`` (a private PYTHONPYCACHEPREFIX, warmed first).
Prints the load average too: the machine is shared, and load inflates wall time.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATCHES = ROOT / "fixtures" / "patches"
SCRIPT = Path(sys.executable).with_name("reviewbot")

CASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python -c pass", (sys.executable, "-c", "pass")),
    (
        "check --format terse 0006",
        (
            str(SCRIPT),
            "check",
            "--format",
            "terse",
            str(PATCHES / "0006-seed-004-iomap-write-validity-checks.mbox"),
        ),
    ),
    (
        "check (text) 0006",
        (str(SCRIPT), "check", str(PATCHES / "0006-seed-004-iomap-write-validity-checks.mbox")),
    ),
    (
        "check (text) 0001",
        (str(SCRIPT), "check", str(PATCHES / "0001-seed-001-netfs-9p-umount-race.mbox")),
    ),
    (
        "parse 0001",
        (str(SCRIPT), "parse", str(PATCHES / "0001-seed-001-netfs-9p-umount-race.mbox")),
    ),
)


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def best_wall(argv: tuple[str, ...], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of ``runs`` fresh processes."""
    best = best_cpu = float("inf")
    for _ in range(runs):
        cpu = _cpu()
        start = time.perf_counter()
        # Exit code 1 means "findings"; only 2 is a failure worth reporting.
        done = subprocess.run(argv, capture_output=True, check=False, cwd=ROOT, env=env)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
        best = min(best, elapsed)
        best_cpu = min(best_cpu, _cpu() - cpu)
    return best, best_cpu


def main() -> None:
    args = sys.argv[1:]
    src = str(ROOT)
    if "--src" in args:
        i = args.index("--src")
        src = str(Path(args[i + 1]).resolve())
        del args[i : i + 2]
    runs = int(args[0]) if args else 5
    if not SCRIPT.exists():
        raise SystemExit(f"no console script at {SCRIPT}; install reviewbot first")
    base = dict(os.environ)
    base["PYTHONPATH"] = src
    print(f"package: {src}/reviewbot")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="rb-pyc-") as pyc:
        compiled = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        compiled["PYTHONPYCACHEPREFIX"] = pyc
        modes = (
            (f"PYTHONDONTWRITEBYTECODE={base.get('PYTHONDONTWRITEBYTECODE', '')}", base),
            ("bytecode", compiled),
        )
        for label, env in modes:
            print(f"-- {label}")
            for name, argv in CASES:
                best_wall(argv, 1, env)  # warm the page cache (and the bytecode)
                wall, cpu = best_wall(argv, runs, env)
                print(f"{name:28} wall {wall:.3f} s  cpu {cpu:.3f} s  (best of {runs})")
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
