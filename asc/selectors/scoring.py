"""How selectors turn their models' outputs into scores: pure NumPy, no scikit-learn.

The fitted selectors (:mod:`asc.selectors.pairwise`, ...) and their compiled,
scikit-learn-free form (:mod:`asc.selectors.compiled`, what ``asc select`` runs) both
call these functions, so the two cannot drift apart. Importing this module must stay
cheap: it is on the start-up path of ``asc select``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pairwise_vote_scores(p_a: Sequence[np.ndarray], pairs: Sequence[tuple[int, int]], k: int,
                         mean_costs: np.ndarray, voting: str) -> np.ndarray:
    """Scores of SATzilla's pairwise vote (lower is better).

    Parameters
    ----------
    p_a
        Per pair ``(a, b)``, the probability that ``a`` beats ``b`` on each instance.
    pairs
        The pairs, algorithm column indices.
    k
        Number of algorithms.
    mean_costs
        Mean training cost per algorithm (the last tie-breaker).
    voting
        ``"hard"`` (count of wins first) or ``"soft"`` (summed probabilities first).
    """
    n = len(p_a[0]) if len(p_a) else 0
    votes = np.zeros((n, k))
    prob = np.zeros((n, k))
    for (a, b), p in zip(pairs, p_a, strict=True):
        a_wins = p > 0.5
        votes[:, a] += a_wins
        votes[:, b] += ~a_wins
        prob[:, a] += p
        prob[:, b] += 1.0 - p
    # Lower is better. Hard voting: most wins; ties by probability mass (< 1 vote in
    # total), then by the lower mean training cost (far below any probability gap).
    rank_cost = np.argsort(np.argsort(mean_costs)) / (10.0 * k * k)
    if voting == "soft":
        return -(prob + 1e-6 * votes - 1e-9 * rank_cost)
    return -(votes + prob / (k + 1.0) - rank_cost / (k + 1.0) ** 2)


def pairwise_difference_scores(diffs: Sequence[np.ndarray], pairs: Sequence[tuple[int, int]], n: int,
                               k: int) -> np.ndarray:
    """AutoFolio's pairwise regression: each algorithm's summed predicted log cost differences."""
    scores = np.zeros((n, k))
    for (a, b), diff in zip(pairs, diffs, strict=True):
        scores[:, a] += diff
        scores[:, b] -= diff
    return scores


def multiclass_scores(proba: np.ndarray | None, classes: np.ndarray | None, n: int,
                      mean_costs: np.ndarray) -> np.ndarray:
    """Multi-class selection: minus the probability of being best, ties by mean training cost rank."""
    k = len(mean_costs)
    # Mean cost rank breaks ties and orders algorithms the forest never saw as best.
    rank = np.argsort(np.argsort(mean_costs)) / (k * 10.0)
    scores = np.tile(rank, (n, 1))
    if proba is not None:
        scores[:, np.asarray(classes, dtype=np.int64)] -= proba
    return scores


def neighbour_scores(distance: np.ndarray, neighbours: np.ndarray, costs: np.ndarray, weights: str) -> np.ndarray:
    """k-NN selection: the (optionally distance-weighted) mean cost over each instance's neighbours."""
    if weights == "distance":
        w = 1.0 / (distance + 1e-9)
    else:
        w = np.ones_like(distance)
    w = w / w.sum(axis=1, keepdims=True)
    return np.einsum("nk,nka->na", w, costs[neighbours])


def decode_log_costs(scores: np.ndarray, shift: float) -> np.ndarray:
    """Costs from predicted ``log10(cost - shift + 1e-3)`` (the per-algorithm regression's target)."""
    return 10.0 ** scores + shift - 1e-3
