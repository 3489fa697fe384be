"""End-to-end wall time of ``asc select`` with the shipped default model.

A script, not a test: it prints figures measured against references taken in the
same run, so that a loaded machine moves both sides alike.

What is timed is what a user waits for: a fresh ``asc select FILE --format json``
process (interpreter start, imports, model load, reading the instance, the feature
steps the model needs, prediction), median of ``--repeat`` runs after one warm-up run
that fills Numba's on-disk cache. Target: under 1.5 s on a bundled instance of about
1 MB (the largest bundled instance, ``kclique4-gnp100-0.15-s3``, is 0.86 MB
uncompressed).

References, each a fresh interpreter on the same file:

- ``python -c pass``: interpreter start-up, the floor of any command-line tool;
- ``pysat read``: ``from pysat.formula import CNF; CNF(from_file=FILE)``, i.e. only
  reading the instance with python-sat (no features, no model).

The script also prints ``asc select``'s own breakdown (``seconds`` in its JSON:
model load, reading, features) from the last run.

Usage::

    python benchmarks/select_latency.py [--repeat 5] [FILE ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 1.5

from asc.instances.compression import read_bytes  # noqa: E402  (transparent .gz/.bz2/.xz)


def largest_bundled(count: int) -> list[Path]:
    """The ``count`` largest bundled instances by uncompressed size (``instances/MANIFEST.csv``)."""
    with (ROOT / "instances" / "MANIFEST.csv").open(newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda row: -int(row["bytes_uncompressed"]))
    return [ROOT / "instances" / row["file"] for row in rows[:count]]


def wall(command: list[str]) -> tuple[float, str]:
    """Wall seconds of one run of ``command`` and its stdout; a failed run is an error."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return seconds, done.stdout


def median_wall(command: list[str], repeat: int) -> tuple[float, str]:
    """Median wall seconds over ``repeat`` runs, and the last run's stdout."""
    times, out = [], ""
    for _ in range(repeat):
        seconds, out = wall(command)
        times.append(seconds)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="CNF files (default: the 3 largest bundled)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    files = args.files or largest_bundled(3)
    exe = shutil.which("asc")
    asc = [exe] if exe else [sys.executable, "-m", "asc"]
    print(f"asc command: {' '.join(asc)}; python {sys.version.split()[0]}; median of {args.repeat} runs")

    start_up, _ = median_wall([sys.executable, "-c", "pass"], args.repeat)
    print(f"reference python -c pass: {start_up:.3f} s")
    print(f"{'instance':<40} {'MB':>5} {'asc select':>10} {'pysat read':>10} {'ratio':>6} "
          f"{'target':>7}  breakdown (last run)")
    for path in files:
        select_cmd = [*asc, "select", str(path), "--format", "json"]
        wall(select_cmd)  # warm-up: fills Numba's cache if this checkout has not yet
        select_s, out = median_wall(select_cmd, args.repeat)
        read_s, _ = median_wall([sys.executable, "-c",
                                 f"from pysat.formula import CNF; CNF(from_file={str(path)!r})"], args.repeat)
        parts = json.loads(out)["seconds"]
        size = len(read_bytes(path))
        verdict = "met" if select_s < TARGET_SECONDS else "MISSED"
        breakdown = ", ".join(f"{key} {value:.2f}" for key, value in parts.items())
        print(f"{path.name:<40} {size / 1e6:5.2f} {select_s:9.3f}s {read_s:9.3f}s {select_s / read_s:6.2f} "
              f"{verdict:>7}  {breakdown} (start-up and imports: {select_s - parts['total']:.2f})")
    print(f"ratio = asc select / pysat read; target: asc select under {TARGET_SECONDS} s")


if __name__ == "__main__":
    main()
