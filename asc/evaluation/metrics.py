"""Summaries of outcomes: PAR-k, misclassification penalty, gap closed.

Everything here works on aligned numpy arrays, one entry per instance, so that the
same code scores a selector, the single best and the virtual best. How a decision is
charged per instance (schedule, feature costs, backup, plans) is the policy's rule,
:mod:`asc.policy`.
"""

from __future__ import annotations

import numpy as np

from asc.policy import Outcome


def par_k(outcome: Outcome, cutoff: float, k: float) -> float:
    """Mean penalised average runtime with factor ``k`` (PAR1, PAR10, ...)."""
    return float(np.mean(np.where(outcome.solved, outcome.time, k * cutoff))) if len(outcome.solved) else float("nan")


def gap_closed(selector: float, sbs: float, vbs: float) -> float:
    """Fraction of the single-best-to-oracle gap closed: ``(SBS - selector) / (SBS - VBS)``.

    1 is the oracle, 0 the single best, negative worse than the single best; NaN when
    the single best already is the oracle.
    """
    gap = sbs - vbs
    if abs(gap) < 1e-12:
        return float("nan")
    return float((sbs - selector) / gap)


def single_best(costs: np.ndarray) -> int:
    """Column of the single best algorithm: the lowest mean cost over the rows of ``costs``.

    LLAMA's ``singleBestByPar``: one algorithm for every instance, the one a user who
    does not select would run. Cross-validation, ``asc report`` and the per-fold SBS
    all take it by this rule (given the rows they may see).
    """
    return int(np.argmin(np.asarray(costs, dtype=float).mean(axis=0)))


def virtual_best(costs: np.ndarray) -> np.ndarray:
    """Column of the virtual best (oracle) per row: the lowest-cost algorithm of each instance.

    Ties go to the first column, as ``argmin`` breaks them, so every caller picks the
    same algorithm and the same runtime for the oracle.
    """
    return np.asarray(costs, dtype=float).argmin(axis=1)


def misclassification_penalty(choice: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Per instance, how much worse the chosen algorithm is than the best one (no feature costs)."""
    rows = np.arange(len(choice))
    return costs[rows, choice] - costs.min(axis=1)
