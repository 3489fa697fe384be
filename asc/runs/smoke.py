"""The portfolio smoke test: does each algorithm work here? One tiny SAT and one tiny UNSAT run.

An algorithm *works* when it answers SAT with a model that checks on the satisfiable
formula and UNSAT on the unsatisfiable one, each within the limits, through the same
runner as a campaign (:func:`asc.runs.runner.execute`). It lives with the harness
rather than with the portfolio definitions because it runs solvers: the algorithm
space (:mod:`asc.portfolios`) describes algorithms and never imports the harness.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asc.portfolios.algorithm import Algorithm
from asc.runs.runner import RunRequest, execute

#: A satisfiable formula (one model family: x1 -> x3, x2 xor-ish) and the pigeonhole
#: formula PHP(3, 2), unsatisfiable, small but not decided by unit propagation alone.
TINY_SAT = "c asc portfolio check: satisfiable\np cnf 3 3\n1 2 0\n-1 3 0\n-2 -3 0\n"
TINY_UNSAT = (
    "c asc portfolio check: pigeonhole 3 pigeons 2 holes (unsatisfiable)\np cnf 6 9\n"
    "1 2 0\n3 4 0\n5 6 0\n-1 -3 0\n-1 -5 0\n-3 -5 0\n-2 -4 0\n-2 -6 0\n-4 -6 0\n"
)


@dataclass(frozen=True)
class AlgorithmCheck:
    """Outcome of checking one algorithm: both statuses, times, and whether it works."""

    algorithm: str
    configuration: str
    sat_status: str
    unsat_status: str
    sat_time: float
    unsat_time: float
    works: bool
    message: str


def check_algorithms(algorithms: Sequence[Algorithm], cutoff_time: float = 10.0, mem_limit_mb: float | None = 2048,
                     jobs: int = 1) -> list[AlgorithmCheck]:
    """Run every algorithm on :data:`TINY_SAT` and :data:`TINY_UNSAT`.

    Parameters
    ----------
    algorithms
        The algorithms, in the order results are returned.
    cutoff_time, mem_limit_mb
        Limits of each run.
    jobs
        Runs at a time.
    """
    with tempfile.TemporaryDirectory(prefix="asc-check-") as tmp:
        sat, unsat = Path(tmp) / "tiny-sat.cnf", Path(tmp) / "tiny-unsat.cnf"
        sat.write_text(TINY_SAT)
        unsat.write_text(TINY_UNSAT)
        requests = [RunRequest(str(path), label, a, seed=1, repetition=1, cutoff_time=cutoff_time,
                               mem_limit_mb=mem_limit_mb, expected=label)
                    for a in algorithms for path, label in ((sat, "SAT"), (unsat, "UNSAT"))]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(execute, requests))
    out = []
    for i, a in enumerate(algorithms):
        rs, ru = results[2 * i], results[2 * i + 1]
        works = rs.status.value == "SAT" and rs.model_checked and ru.status.value == "UNSAT"
        problems = [f"{label}: {r.status.value}{' (' + r.message + ')' if r.message else ''}"
                    for label, r, want in (("sat", rs, "SAT"), ("unsat", ru, "UNSAT")) if r.status.value != want]
        out.append(AlgorithmCheck(a.name, a.configuration, rs.status.value, ru.status.value, rs.cpu_time,
                                  ru.cpu_time, works, "; ".join(problems)))
    return out
