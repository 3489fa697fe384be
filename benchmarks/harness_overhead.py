"""Harness overhead per run, and the throughput of ``--jobs 2`` against ``--jobs 1``.

A script, not a test: it prints figures measured against a reference taken in the
same run, so that a loaded machine moves both sides alike.

1. **Overhead per run.** A trivial external solver (``sh`` printing ``s UNSATISFIABLE``
   and exiting 20) is run N times directly with ``subprocess.run`` and N times
   through the harness (plan, child process under limits, answer check, one SQLite
   transaction per run, ``--jobs 1``). The difference per run is the harness's own
   cost. Target: under 20 ms.
2. **Throughput ratio.** M CPU-bound runs (a python-sat solver on a small pigeonhole
   formula, a few tenths of a second each) with ``--jobs 1`` and ``--jobs 2``;
   ratio = runs per second with 2 jobs / runs per second with 1. Target: above 1.8 on
   2 free cores. Other load on the machine lowers it: the script prints the load and
   how many cores the campaign obtained (CPU seconds of harness and solvers / wall
   seconds), so a low ratio can be told apart from a harness bottleneck.

Usage::

    python benchmarks/harness_overhead.py [--runs 200] [--work-runs 24] [--pool thread|process]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRIVIAL = ["sh", "-c", "echo 's UNSATISFIABLE'; exit 20"]
WORK_INSTANCE = ROOT / "instances" / "generated" / "php-9-8.cnf.xz"
WORK_SOLVER = "minisat22"


def write_instances(folder: Path, n: int) -> list[Path]:
    """n distinct tiny UNSAT formulas (distinct content: distinct hashes, distinct runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"t{i:04d}.cnf"
        p.write_text(f"c trivial {i}\np cnf {i + 1} 2\n{i + 1} 0\n-{i + 1} 0\n")
        paths.append(p)
    return paths


def campaign_seconds(db: Path, instances_dir: Path, portfolio: Path, jobs: int, pool: str,
                     cutoff: float, repetitions: int = 1) -> tuple[float, int, float]:
    """Wall seconds of one campaign through the library (as ``asc collect`` runs it), its runs, cores obtained."""
    from asc.portfolios import load_portfolio
    from asc.runs import campaign as cp
    from asc.runs.store import RunStore

    algorithms = list(load_portfolio(portfolio).algorithms)
    with RunStore(db, write=True) as store:
        # Planning (hashing every instance once, with its one-off reader start-up) is
        # reported apart: it is paid once per instance, not per run.
        t0 = time.perf_counter()
        records = cp.hash_instances(cp.find_instances(instances_dir), store)
        store.add_instances(records)
        requests = cp.plan_runs(records, algorithms, cutoff_time=cutoff, mem_limit_mb=2048,
                                repetitions=repetitions, seed=0)
        camp = store.start_campaign(cutoff, 2048, cp.environment(cutoff, 2048))
        print(f"  planning {len(requests)} runs: {time.perf_counter() - t0:.2f} s", flush=True)
        t0 = time.perf_counter()
        cpu0 = _cpu_seconds()
        sched = cp.LocalScheduler(jobs, kind=pool)
        try:
            report = cp.run_campaign(store, requests, sched, campaign_id=camp.id, progress=False)
        finally:
            sched.close()
        seconds = time.perf_counter() - t0
        cores = (_cpu_seconds() - cpu0) / seconds
    if report.errors:
        raise SystemExit(f"harness errors: {report.errors[:3]}")
    print(f"  --jobs {jobs}: {report.done} runs in {seconds:.2f} s, CPU obtained {cores:.2f} cores "
          "(harness + solvers)", flush=True)
    return seconds, report.done, cores


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its waited-for children (the solver trees)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="trivial runs for the overhead (default 200)")
    parser.add_argument("--work-runs", type=int, default=24, help="CPU-bound runs for the throughput (default 24)")
    parser.add_argument("--pool", choices=("thread", "process"), default="thread", help="local pool kind")
    parser.add_argument("--only", choices=("overhead", "throughput"), default=None, help="run one measurement")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="asc-bench-"))
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (1 min)")
        if args.only != "throughput":
            overhead(tmp, args)
        if args.only != "overhead":
            throughput(tmp, args)
        print(f"machine load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def overhead(tmp: Path, args: argparse.Namespace) -> None:
    """Trivial runs directly and through the harness; prints the difference per run."""
    inst = tmp / "trivial"
    paths = write_instances(inst, args.runs)
    portfolio = tmp / "trivial.toml"
    portfolio.write_text(TRIVIAL_TOML)
    direct = []
    for p in paths:
        t0 = time.perf_counter()
        subprocess.run([*TRIVIAL, str(p)], capture_output=True, check=False)
        direct.append(time.perf_counter() - t0)
    harness, n, _ = campaign_seconds(tmp / "trivial.sqlite", inst, portfolio, 1, args.pool, cutoff=10)
    per_direct = statistics.fmean(direct) * 1000
    per_harness = harness / n * 1000
    print(f"overhead: {n} trivial runs, direct subprocess {per_direct:.2f} ms/run, "
          f"harness (--jobs 1, {args.pool} pool) {per_harness:.2f} ms/run "
          f"-> overhead {per_harness - per_direct:.2f} ms/run (target < 20 ms)")


def throughput(tmp: Path, args: argparse.Namespace) -> None:
    """CPU-bound runs with --jobs 1 and --jobs 2; prints the throughput ratio."""
    work = tmp / "work"
    work.mkdir()
    shutil.copy(WORK_INSTANCE, work / WORK_INSTANCE.name)
    wportfolio = tmp / "work.toml"
    wportfolio.write_text(WORK_TOML)
    # one instance, distinct runs through repetitions (seeds differ, the work does not)
    t1, n1, c1 = campaign_seconds(tmp / "work1.sqlite", work, wportfolio, 1, args.pool, cutoff=60,
                              repetitions=args.work_runs)
    t2, n2, c2 = campaign_seconds(tmp / "work2.sqlite", work, wportfolio, 2, args.pool, cutoff=60,
                              repetitions=args.work_runs)
    ratio = (n2 / t2) / (n1 / t1)
    print(f"throughput: {n1} runs of {WORK_SOLVER} on {WORK_INSTANCE.name}: --jobs 1 {n1 / t1:.2f} runs/s, "
          f"--jobs 2 {n2 / t2:.2f} runs/s -> ratio {ratio:.2f} (target > 1.8)")
    print(f"  cores obtained: {c1:.2f} with --jobs 1, {c2:.2f} with --jobs 2; throughput ratio per core ratio "
          f"{ratio / (c2 / c1):.2f} (1.0: the harness scales with the CPU the machine gives it)")


# Portfolio files of the two measurements (format of asc.portfolios).
TRIVIAL_TOML = """
[[algorithm]]
name = "trivial"
command = ["sh", "-c", "echo 's UNSATISFIABLE'; exit 20", "{instance}"]
"""
WORK_TOML = f"""
[[algorithm]]
name = "{WORK_SOLVER}"
pysat = "{WORK_SOLVER}"
"""

if __name__ == "__main__":
    sys.exit(main())
