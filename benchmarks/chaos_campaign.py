"""Fault-injection campaign, long form: a real ``asc collect`` of misbehaving solvers, SIGKILLed and resumed.

The same code as the default suite's ``tests/runs/test_chaos_campaign.py``
(``tests/runs/chaos.py``), with more instances, repetitions and kills. The portfolio holds
the fault solvers of ``tests/runs/fault_solvers`` as external algorithms, each with one
fault: a correct one, crashes (SIGSEGV, exit 3), a CPU-bound hang that ignores SIGTERM,
a family of forked children (in the session, and having left it), an endless output
flood, wrong answers (UNSAT whatever the formula, a model that is no model) and, with
``--sleeper``, a solver that sleeps (stopped only by the wall-clock limit, 5 * cutoff + 10 s).
``asc collect --jobs 2`` is SIGKILLed ``--kills`` times at seeded random moments, checked
for survivors (processes of its tree, its session, or naming the fault solvers' folder;
``/tmp/asc-run-<pid>-*`` folders) after each, and resumed until it completes.

Prints: runs planned, runs stored, duplicates, kills, survivors, peak RSS of the collect
that completed the campaign (its ``VmHWM``), wall time; exits 1 if any check fails.

Usage::

    python benchmarks/chaos_campaign.py [--instances 40] [--repetitions 2] [--kills 10] [--seed 21]
        [--cutoff 1] [--sleeper] [--rss-bound 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "runs"))

from chaos import ALGORITHMS, SLOW_ALGORITHMS, run_campaign  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=40)
    ap.add_argument("--repetitions", type=int, default=2)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--cutoff", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sleeper", action="store_true", help="add a sleeping solver (15 s a run at cutoff 1)")
    ap.add_argument("--rss-bound", type=float, default=400.0, help="MiB")
    args = ap.parse_args(argv)
    algorithms = {**ALGORITHMS, **(SLOW_ALGORITHMS if args.sleeper else {})}
    with tempfile.TemporaryDirectory(prefix="asc-chaos-") as tmp:
        fig = run_campaign(Path(tmp), instances=args.instances, kills=args.kills, seed=args.seed,
                           cutoff=args.cutoff, jobs=args.jobs, repetitions=args.repetitions,
                           algorithms=algorithms, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"algorithms         {len(algorithms)} ({', '.join(algorithms)})")
    print(f"instances          {args.instances}, repetitions {args.repetitions}, cutoff {args.cutoff:g} s, "
          f"--jobs {args.jobs}, seed {args.seed}")
    print(f"runs planned       {fig.planned}")
    print(f"runs stored        {fig.stored}")
    print(f"duplicates         {fig.duplicates}")
    print(f"missing            {len(fig.missing)}")
    print(f"unexpected status  {len(fig.unexpected)}")
    print(f"kills              {fig.kills} (collects started: {fig.attempts}; solver processes running "
          f"at each kill: {fig.in_flight})")
    print(f"survivors          {len(fig.survivors)}")
    print(f"scratch left       {len(fig.scratch_left)}")
    print(f"integrity          {fig.integrity}")
    print(f"peak RSS           {fig.peak_rss_mb:.1f} MiB (bound {args.rss_bound:g})")
    print(f"wall time          {fig.wall_s:.1f} s")
    for what in (fig.missing, fig.unexpected, fig.survivors, fig.scratch_left):
        for item in what[:10]:
            print("  ", item)
    ok = (fig.final_exit in (0, 1) and fig.stored == fig.planned and not fig.duplicates and not fig.missing
          and not fig.unexpected and not fig.survivors and not fig.scratch_left and fig.integrity == "ok"
          and fig.kills == args.kills and 0 < fig.peak_rss_mb < args.rss_bound)
    print("OK" if ok else f"FAILED (last collect exit {fig.final_exit})\n{fig.stderr_tail}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
