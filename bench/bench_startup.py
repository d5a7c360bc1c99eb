"""Benchmark how fast the ``threadline`` command starts, against ``ftm``.

Times, as subprocesses from start to exit, ``threadline --help``,
``threadline stats`` and ``threadline search`` on the bundled demo workspace,
and the peer ``ftm --help`` (followthemoney's command line) in the same run.
With ``--baseline PATH``, the same commands of another ``threadline``
executable (an older checkout's, say) are timed in the same run too. The
commands take turns, run by run, so that a noisy machine slows them all
alike; the median of ``--runs`` runs is the figure.

Prints a readable report and, last, one JSON line for machines::

    python bench/bench_startup.py --runs 11
    python bench/bench_startup.py --baseline ../main/.venv/bin/threadline
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(sys.executable).parent


def executable(name: str) -> str:
    """``name`` next to this Python (the project's virtualenv), else on PATH."""
    local = HERE / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found next to {sys.executable} or on PATH")
    return found


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="Runs of each command.")
    parser.add_argument("--baseline", help="Another threadline executable to time in the same run.")
    parser.add_argument("--query", default="Иван Петров", help="What `threadline search` asks.")
    args = parser.parse_args()

    threadline = executable("threadline")
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("THREADLINE_WORKSPACE", None)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        # Compiled bytecode, as an installed package has it, kept outside the
        # trees timed (an environment may set PYTHONDONTWRITEBYTECODE, which
        # would time the compiling of every imported module instead).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        workspace = str(Path(tmp) / "demo")
        subprocess.run(
            [threadline, "-q", "demo", workspace], check=True, capture_output=True, env=env
        )

        def commands(exe: str) -> dict[str, list[str]]:
            return {
                "--help": [exe, "--help"],
                "stats": [exe, "-w", workspace, "stats"],
                "search": [exe, "-w", workspace, "search", args.query],
            }

        cases: dict[str, list[str]] = {"ftm --help": [executable("ftm"), "--help"]}
        cases.update({f"threadline {k}": v for k, v in commands(threadline).items()})
        if args.baseline:
            cases.update({f"baseline {k}": v for k, v in commands(args.baseline).items()})
        for argv in cases.values():  # warm-up: bytecode written, files in the OS cache
            wall_time(argv, env)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(wall_time(argv, env))

    medians = {name: statistics.median(values) for name, values in times.items()}
    peer = medians["ftm --help"]
    print(f"start-up, median of {args.runs} runs (wall time, seconds); ratio = ftm --help / it")
    for name, median in medians.items():
        low = min(times[name])
        print(f"  {name:<28} {median:6.3f}  (min {low:6.3f})  ratio {peer / median:5.2f}x")
    result = {
        "runs": args.runs,
        "median_s": {name: round(m, 4) for name, m in medians.items()},
        "min_s": {name: round(min(v), 4) for name, v in times.items()},
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
