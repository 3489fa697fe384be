"""Selection quality on the ASlib SAT11 scenarios against published reference figures.

Protocol (the ASlib website's): cv.arff repetition 1, its 10 folds, PAR10 over all
instances, default steps' feature costs charged to the selector, global single best.
Reference figures, measured independently of asc:

- SAT11-HAND: VBS 13360.7, SBS 25589.3; pairwise RF closes about 0.63 of the gap,
  per-algorithm RF 0.61 to 0.67; the ASlib website's best LLAMA model 0.749.
- SAT11-INDU: VBS 8187.5, SBS 14605.9; pairwise RF about 0.30; LLAMA's RF 0.232.

Usage::

    python benchmarks/aslib_reference.py [--aslib ../shared/aslib] [--seeds 0,1,2] [--selectors ...]

Prints, per scenario and selector, PAR10, solved, gap closed per seed (mean and spread
over seeds and over folds), the seconds taken, and the ratio of the gap closed to the
reference figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

REFERENCE = {
    "SAT11-HAND": {"vbs": 13360.7, "sbs": 25589.3,
                   "gap": {"pairwise-rf": 0.63, "rf-regression": 0.61, "rf-regression-raw": 0.61}},
    "SAT11-INDU": {"vbs": 8187.5, "sbs": 14605.9,
                   "gap": {"pairwise-rf": 0.30, "rf-regression": 0.232, "rf-regression-raw": 0.232}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--aslib", default=str(root.parent / "shared" / "aslib"), help="folder of ASlib scenarios")
    parser.add_argument("--scenarios", default="SAT11-HAND,SAT11-INDU")
    parser.add_argument("--selectors", default="rf-regression,rf-regression-raw,pairwise-rf")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()

    from asc.aslib import read_scenario
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.selectors import make_selector

    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"{'scenario':12s} {'selector':18s} {'PAR10':>9s} {'solved':>6s} {'gap closed (per seed)':>28s} "
          f"{'mean':>6s} {'fold sd':>7s} {'ref':>6s} {'ratio':>6s} {'s/run':>6s}")
    for name in args.scenarios.split(","):
        scenario = read_scenario(Path(args.aslib) / name)
        ref = REFERENCE.get(name, {})
        for selector in args.selectors.split(","):
            gaps, costs, solved, fold_sd, seconds = [], [], [], [], []
            for seed in seeds:
                started = time.perf_counter()
                result = cross_validate(scenario, make_selector(selector), Protocol(seed=seed), n_jobs=args.jobs)
                seconds.append(time.perf_counter() - started)
                s = result.summary
                gaps.append(s["gap_closed"])
                costs.append(s["cost"])
                solved.append(s["solved"])
                fold_sd.append(s["fold_gap_closed_std"])
                if ref:
                    assert abs(s["vbs_cost"] - ref["vbs"]) < 0.1 and abs(s["sbs_global_cost"] - ref["sbs"]) < 0.1
            mean_gap = statistics.mean(gaps)
            reference = ref.get("gap", {}).get(selector)
            print(f"{name:12s} {selector:18s} {statistics.mean(costs):9.1f} {statistics.mean(solved):6.1f} "
                  f"{' '.join(f'{g:.3f}' for g in gaps):>28s} {mean_gap:6.3f} {statistics.mean(fold_sd):7.3f} "
                  f"{reference if reference is not None else float('nan'):6.3f} "
                  f"{mean_gap / reference if reference else float('nan'):6.2f} {statistics.mean(seconds):6.1f}",
                  flush=True)
        if ref:
            print(f"{name:12s} VBS {ref['vbs']} and SBS {ref['sbs']} reproduced to 0.1 s")


if __name__ == "__main__":
    main()
