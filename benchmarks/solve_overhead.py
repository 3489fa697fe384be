"""Whole-process CPU time of ``asc solve`` on easy instances against the single best alone (issue 26).

A script, not a test: it prints figures measured against references taken in the
same run, so that a loaded machine moves both sides alike.

What is charged is what a user pays: the CPU time (user + system) of a fresh process,
start-up included, with every child it waited for (``os.wait4``, as ``/usr/bin/time``
reports it). Median of ``--repeat`` runs per command and instance, after one warm-up
run of each command. Bytecode is cached as in an installed package (the environment's
``PYTHONDONTWRITEBYTECODE`` is dropped and ``PYTHONPYCACHEPREFIX`` points at a
temporary folder): without that, every run of every command compiles asc's sources
again, which no installed asc does.

Commands, each on the same instance:

- ``minimal``: the single best's own cost, the reference of the acceptance line: a
  Python script that reads the file with python-sat (``CNF(from_file=...)``) and runs
  ``Solver(name='kissat404', bootstrap_with=...).solve()``. That is the cheapest way
  to run the single best, a python-sat backend, without asc.
- ``wrapper``: ``python -m asc.portfolios.pysat_solver FILE --solver kissat404``, how
  asc's harness runs the same solver in a campaign (SAT-competition output, the
  project's reader, NumPy). Reported, not the reference: its start-up is what the
  fast path avoids.
- ``solve``: ``python -m asc solve --model MODEL FILE`` with a ``+presolve`` model.
- ``select``: ``python -m asc select --model MODEL FILE`` (choosing only, no run).
- ``solve-before``: ``asc solve`` of another checkout (``--before DIR``), e.g. the
  commit before the fast path, in the same run.

Instances: the bundled ones of ``experiments/pysat-training/runs.csv`` on which
kissat404 answered in under 0.1 s, ``--instances`` of them spread evenly over the
list sorted by path. The model (unless ``--model``): ``joint-regression+presolve``
trained on ``experiments/pysat-training/scenario`` with ``min_gain=0.02``, since the
cross-validated choice on that scenario is no schedule at all (the default model will
be retrained on a campaign where pre-solving pays).

Usage::

    python benchmarks/solve_overhead.py [--repeat 3] [--instances 16] [--model M] [--before DIR]
                                        [--schedule ALG:SECONDS,...]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "experiments" / "pysat-training" / "runs.csv"
SCENARIO = ROOT / "experiments" / "pysat-training" / "scenario"
SINGLE_BEST = "kissat404"
TARGET = 1.5

# python-sat's reader takes one clause per line; for the bundled files that spread a
# clause over lines (or end with SATLIB's "%"), the script reads the tokens itself
MINIMAL = (
    "import sys\n"
    "from pysat.formula import CNF\n"
    "from pysat.solvers import Solver\n"
    "try:\n"
    "    clauses = CNF(from_file=sys.argv[1]).clauses\n"
    "except ValueError:\n"
    "    import lzma\n"
    "    text = lzma.open(sys.argv[1], 'rt').read().split('%')[0]\n"
    "    clauses, cur = [], []\n"
    "    for x in map(int, ' '.join(l for l in text.splitlines() if l[:1] not in ('c', 'p')).split()):\n"
    "        if x:\n"
    "            cur.append(x)\n"
    "        else:\n"
    "            clauses.append(cur)\n"
    "            cur = []\n"
    f"with Solver(name={SINGLE_BEST!r}, bootstrap_with=clauses) as s:\n"
    "    r = s.solve()\n"
    "print('s SATISFIABLE' if r else 's UNSATISFIABLE')\n"
    "sys.exit(10 if r else 20)\n"
)


def easy_instances(count: int) -> list[tuple[Path, float]]:
    """Bundled instances where the single best took under 0.1 s, with its recorded CPU time."""
    found = []
    with open(RUNS, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["algorithm"] == SINGLE_BEST and row["status"] in ("SAT", "UNSAT") and float(row["cpu_time"]) < 0.1:
                found.append((ROOT / row["instance_path"], float(row["cpu_time"])))
    found.sort()
    if len(found) <= count:
        return found
    step = len(found) / count
    return [found[int(i * step)] for i in range(count)]


def train(folder: Path, schedule: str | None) -> Path:
    """The benchmark's +presolve model (see the module docstring).

    ``schedule`` (``ALG:SECONDS,...``) replaces the learned schedule: a diagnostic that
    separates what the fast path costs from what the learned schedule chooses (a
    slot that does not decide an easy instance pays the slot and then the whole
    selection). Such a model was not trained so; the output says so.
    """
    sys.path.insert(0, str(ROOT))
    from asc.cli.train import load_training_data
    from asc.models.files import save_model, train_model

    model = train_model(load_training_data(str(SCENARIO), None, 1), "joint-regression+presolve", seed=0,
                        min_gain=0.02)
    print(f"model: joint-regression+presolve, min_gain 0.02, learned schedule {model.selector.schedule_}")
    if schedule:
        model.selector.schedule_ = [(a, float(t)) for a, _, t in (part.partition(":") for part in schedule.split(","))]
        print(f"schedule REPLACED for this run (diagnostic, not a trained model): {model.selector.schedule_}")
    return save_model(model, folder / "presolve.skops")


def cpu_of(argv: list[str], root: Path, env: dict[str, str], codes: tuple[int, ...]) -> float:
    """User + system CPU seconds of ``argv`` and every child it waited for, run with asc from ``root``.

    ``root`` is the working directory too: ``python -m`` puts it first on ``sys.path``,
    before ``PYTHONPATH``.
    """
    proc = subprocess.Popen(argv, cwd=root, env=dict(env, PYTHONPATH=str(root)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in codes:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{err.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instances", type=int, default=16)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--before", type=Path, default=None, help="another checkout: its asc solve, same run")
    parser.add_argument("--schedule", default=None, metavar="ALG:SECONDS,...",
                        help="replace the learned schedule (diagnostic: the fast path's own cost)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="asc-solve-overhead-"))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Measure every command on every instance and print the table (``tmp``: model, bytecode)."""
    model = args.model or train(tmp, args.schedule)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(tmp / "pycache"), OPENBLAS_NUM_THREADS="1")
    py = sys.executable
    commands = {
        "minimal": (lambda f: [py, "-c", MINIMAL, str(f)], ROOT),
        "wrapper": (lambda f: [py, "-m", "asc.portfolios.pysat_solver", str(f), "--solver", SINGLE_BEST], ROOT),
        "solve": (lambda f: [py, "-m", "asc", "solve", "--model", str(model), str(f)], ROOT),
        "select": (lambda f: [py, "-m", "asc", "select", "--model", str(model), str(f)], ROOT),
    }
    if args.before is not None:
        commands["solve-before"] = (lambda f: [py, "-m", "asc", "solve", "--model", str(model), str(f)],
                                    args.before.resolve())
    instances = easy_instances(args.instances)
    codes = {"select": (0,)}
    for name, (make, root) in commands.items():  # warm-up: bytecode caches, Numba's cache
        cpu_of(make(instances[0][0]), root, env, codes.get(name, (10, 20)))
    table: dict[str, dict[str, float]] = {}
    for path, recorded in instances:
        row: dict[str, float] = {"recorded": recorded}
        for name, (make, root) in commands.items():
            row[name] = statistics.median(
                cpu_of(make(path), root, env, codes.get(name, (10, 20)))
                for _ in range(args.repeat))
        table[str(path.relative_to(ROOT / "instances"))] = row
        print(f"{path.name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), file=sys.stderr, flush=True)

    names = list(commands)
    print(f"\n{len(table)} instances, median of {args.repeat} runs, whole-process CPU seconds (user + sys, "
          f"children included); ratios against `minimal` ({SINGLE_BEST} through python-sat alone)\n")
    head = ["instance", f"{SINGLE_BEST} (runs.csv)", *names, "solve/minimal", "solve/wrapper"]
    if "solve-before" in names:
        head.append("before/minimal")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    ratios = []
    for inst, row in table.items():
        ratio = row["solve"] / row["minimal"]
        ratios.append(ratio)
        cells = [inst, f"{row['recorded']:.3f}", *(f"{row[n]:.3f}" for n in names), f"{ratio:.2f}",
                 f"{row['solve'] / row['wrapper']:.2f}"]
        if "solve-before" in names:
            cells.append(f"{row['solve-before'] / row['minimal']:.2f}")
        print("| " + " | ".join(cells) + " |")
    totals = {n: sum(r[n] for r in table.values()) for n in ["recorded", *names]}
    cells = ["**total**", f"{totals['recorded']:.3f}", *(f"{totals[n]:.3f}" for n in names),
             f"{totals['solve'] / totals['minimal']:.2f}", f"{totals['solve'] / totals['wrapper']:.2f}"]
    if "solve-before" in names:
        cells.append(f"{totals['solve-before'] / totals['minimal']:.2f}")
    print("| " + " | ".join(cells) + " |")
    total_ratio = totals["solve"] / totals["minimal"]
    geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
    met = total_ratio <= TARGET
    print(f"\nasc solve / single best alone: total {total_ratio:.2f}x, geometric mean {geo:.2f}x, "
          f"worst {max(ratios):.2f}x, instances within {TARGET}x: {sum(r <= TARGET for r in ratios)}/{len(ratios)}")
    print(f"target (at most {TARGET}x the single best's whole-process CPU, in total): "
          f"{'MET' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
