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


#: A tiny QSAR dataset for checking learner x representation pairs: the first 40 molecules of
#: SIMPD's CHEMBL3155-1 set (5-HT7 receptor Ki; MIT licence, Landrum et al., J Cheminf 2023),
#: enough for 5-fold cross-validation and above the reader's minimum of 20 molecules.
TINY_QSAR = """canonical_smiles,pchembl_value
NCCc1c[nH]c2ccc(O)cc12,9.96
c1ccc2c(c1)CCN(CCCc1nc3ccccc3[nH]1)C2,7.04
CC1(C)N=C(N)N=C(Nc2cccc(Br)c2)N1,5.68
Fc1ccc(CCCCN2CCN(c3ccccn3)CC2)cc1,7.05
O=C1CCc2ccc(OCCCCN3CCN(c4cccc(Cl)c4Cl)CC3)cc2N1,7.0
O=C1c2ccc(F)cc2CC1CCN1CCCN(c2ccc(Cl)cc2)CC1,7.15
CCCN(CCC)C1CCc2c(O)cccc2C1,6.33
FC(F)(F)c1ccc2ccn(CCN3CCCN4CCCCC4C3)c2c1,8.15
C[C@H](Nc1cc(NCCc2ccccc2)ccn1)c1ccccc1,8.52
Cc1ccc2c(OCCN3CCC(Cc4cccc(NS(C)(=O)=O)c4)CC3)cccc2n1,7.7
COc1ccc(CN2C3C4C5CC6C7C5C3C7C2(O)C64)cc1OC,5.44
Cn1c(=O)cnn(CCCCN2CCN(c3ccccc3OCCF)CC2)c1=O,7.76
COc1c(OCCF)cccc1C(O)C1CCN(CCc2ccc([N+](=O)[O-])cc2)CC1,5.29
COc1nc(NCCCN2CCOCC2)nc(OC)c1NC(=O)c1ccc(Oc2cc3c(cc2C)CCC3(C)C)o1,5.76
c1ccc2c(c1)CCN(CCCCc1nc3ccccc3s1)C2,7.45
Clc1ccc(N2CCN(CCCCc3nc4ccccc4s3)CC2)cc1,6.48
CN(C)C[C@H]1CC2c3ccccc3Oc3ccc(Br)cc3[C@H]2O1,7.46
COc1c(OCCF)cccc1C(=O)C1CCN(CCc2ccc(F)cc2)CC1,6.68
O=C1Cc2cc(C(=O)CCCN3CCc4ccccc4C3)ccc2N1,6.9
c1ccc(-c2ccccc2N2CCNCC2)cc1,8.85
Cc1cccc(S(=O)(=O)N2CCC[C@@H]2CCN2CCC(C)CC2)c1,8.52
Clc1ccc(N2CCCN(CCCCc3nc4ccccc4s3)CC2)cc1,6.38
COc1cc(N)c(Cl)cc1C(=O)NC1CCN(CCCOc2ccc(F)cc2)CC1OC,6.0
Fc1ccc(OCCCN2CCN(c3ccccn3)CC2)cc1,6.68
O=C(CCCN1CCN(c2ccccn2)CC1)c1ccc2c(c1)CCC2,7.11
CN1CCN2c3ncccc3Cc3ccccc3C2C1,6.58
CC1NC(N)=Nc2cccc(Cl)c21,7.8
COc1cccc(N2CCN(CCCCn3ncc(=O)n(C)c3=O)CC2)c1,6.48
O=C1c2cc(Cl)c(Cl)cc2CC1CCN1CCN(c2ccccn2)CC1,7.64
C=CCN(CC=C)CCc1c[nH]c2ccc(Cl)cc12,7.13
O=C(CCCN1CCCN(c2ccccn2)CC1)c1ccc(F)cc1,6.25
COc1c(OCCF)cccc1[C@H](O)C1CCN(CCc2ccc(F)cc2)CC1,7.23
C[C@H](Nc1nc(N)nc(NCCOc2ccc(F)cc2)n1)c1ccc(F)cc1,8.7
O=C(CCCN1CCN(c2ccc(Cl)cn2)CC1)c1ccc(F)cc1,6.68
NC1=NC2(CCCCC2)NC(Nc2cccc(Br)c2)=N1,6.4
O=C1c2ccc(Cl)cc2CC1CCCN1CCN(c2ccccn2)CC1,7.11
C[C@@H](Nc1nc(N)nc(NCCOc2ccc(F)cc2)n1)c1ccc(F)cc1,7.44
COc1c(OCCF)cccc1C(O)C1CCN(CCc2ccc(C)cc2)CC1,6.3
C[C@H](Nc1cncc(NCCc2ccc(F)cc2)c1)c1ccccc1,7.8
COc1ccccc1N1CCN(CCCCCCN2c3cccc4cccc(c34)S2(=O)=O)CC1,6.7
"""


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
    if algorithms and all(a.kind == "qsar" for a in algorithms):
        return _check_qsar(algorithms, cutoff_time, mem_limit_mb, jobs)
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


def _check_qsar(algorithms: Sequence[Algorithm], cutoff_time: float, mem_limit_mb: float | None,
                jobs: int) -> list[AlgorithmCheck]:
    """Run every learner x representation pair once on :data:`TINY_QSAR`.

    A pair *works* when its run ends OK with a finite RMSE. The result reuses
    :class:`AlgorithmCheck`: ``sat_status`` holds the run's status, ``unsat_status``
    its RMSE, and both times the run's CPU time.
    """
    import math

    with tempfile.TemporaryDirectory(prefix="asc-check-") as tmp:
        data = Path(tmp) / "tiny-qsar.csv"
        data.write_text(TINY_QSAR)
        requests = [RunRequest(str(data), "tiny-qsar", a, seed=1, repetition=1, cutoff_time=cutoff_time,
                               mem_limit_mb=mem_limit_mb) for a in algorithms]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(execute, requests))
    out = []
    for a, r in zip(algorithms, results, strict=True):
        works = r.status.value == "OK" and r.quality is not None and math.isfinite(r.quality)
        rmse = f"rmse {r.quality:.3f}" if r.quality is not None else "-"
        problem = "" if works else f"{r.status.value}{' (' + r.message + ')' if r.message else ''}"
        out.append(AlgorithmCheck(a.name, a.configuration, r.status.value, rmse, r.cpu_time, r.cpu_time, works,
                                  problem))
    return out
