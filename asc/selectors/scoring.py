"""How selectors turn their models' outputs into scores: pure NumPy, no scikit-learn.

The fitted selectors (:mod:`asc.selectors.pairwise`, ...) and their compiled,
scikit-learn-free form (:mod:`asc.models.compiled`, what ``asc select`` runs) both
call these functions, so the two cannot drift apart. Importing this module must stay
cheap: it is on the start-up path of ``asc select``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from asc.errors import UsageError


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


def average_ranks(scores: np.ndarray) -> np.ndarray:
    """Per row, the rank of each score (1 = lowest); tied scores share their mean rank.

    The same as ``scipy.stats.rankdata(scores, axis=1, method="average")``, without
    importing SciPy on ``asc select``'s start-up path. Rows are short (one entry per
    algorithm), so the pairwise comparison is cheap.
    """
    scores = np.asarray(scores, dtype=float)
    less = (scores[:, None, :] < scores[:, :, None]).sum(axis=2)
    equal = (scores[:, None, :] == scores[:, :, None]).sum(axis=2)
    return less + (equal + 1) / 2.0


def vote_scores(member_scores: Sequence[np.ndarray]) -> np.ndarray:
    """A rank vote's scores (lower is better) from its members' scores, first member breaking ties.

    The mean over members of :func:`average_ranks`, plus the first member's rank
    scaled far below the smallest gap between two distinct mean ranks
    (``1 / (2 * members)``), so that ties of the mean go to the first member's order.
    """
    ranks = [average_ranks(s) for s in member_scores]
    mean = np.mean(ranks, axis=0)
    return mean + ranks[0] * (1e-3 / (len(ranks) * mean.shape[1]))


def pooled_explanation(parts: Sequence[tuple[np.ndarray, np.ndarray, int]]
                       ) -> tuple[np.ndarray | None, np.ndarray | None, int]:
    """A vote's (importance, z, forests) from its members' ``(importance, z, forests)``.

    Importance is the mean over all the members' forests, each forest counted once
    (a member's importance is already the mean over its own forests); ``z`` is the
    first member's that standardises its input. ``None`` where no member has one.
    """
    weighted = [(importance, n) for importance, _, n in parts if n]
    importance = sum(imp * n for imp, n in weighted) / sum(n for _, n in weighted) if weighted else None
    z = next((zz for _, zz, _ in parts if not np.isnan(zz).all()), None)
    return importance, z, sum(n for _, _, n in parts)


def encode_log_costs(costs: np.ndarray, offset: float = 0.0) -> tuple[np.ndarray, float]:
    """``(log10(cost - shift + floor), base)``: the regressions' log target and its decoder's base.

    Quality costs can be negative; ``shift`` (the lowest cost, or 0 when none is
    negative) makes every value positive. ``floor`` is ``offset`` times the largest
    shifted cost, and at least 1e-3. With ``offset=0`` the target is the plain log
    cost, which weighs 0.01 s against 1 s (two decades) as heavily as 500 s against a
    PAR10 timeout of a 5,000 s cutoff (two decades), though only the second loses
    PAR10; a floor at a fraction of the largest cost (a PAR10
    timeout: ``offset=0.01`` is a tenth of the cutoff) makes costs well below it
    alike, so the models spend their splits where PAR10 is lost.
    ``base = shift - floor + 1e-3`` folds the floor into the shift, so that
    :func:`decode_log_costs` inverts every floor with one formula (and model files
    written before the floor existed decode as before). An ``offset`` outside [0, 1)
    raises :class:`~asc.errors.UsageError`; the selectors hand theirs here unchecked.
    """
    try:
        fraction = float(offset)
    except (TypeError, ValueError):
        fraction = float("nan")
    if not 0.0 <= fraction < 1.0:  # also rejects NaN
        raise UsageError(f"log_offset must be a fraction in [0, 1) of the largest training cost, got {offset!r}")
    shift = float(min(costs.min(), 0.0))
    floor = max(fraction * float((costs - shift).max()), 1e-3)
    return portable_log10(costs - shift + floor), shift - floor + 1e-3


def decode_log_costs(scores: np.ndarray, shift: float) -> np.ndarray:
    """Costs from predicted log costs (:func:`encode_log_costs`; ``shift`` is its ``base``)."""
    return portable_exp10(scores) + shift - 1e-3


def _scalar_log10(x: float) -> float:
    return math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _scalar_exp10(x: float) -> float:
    try:
        return math.pow(10.0, x)
    except OverflowError:
        return math.inf


_log10 = np.frompyfunc(_scalar_log10, 1, 1)
_exp10 = np.frompyfunc(_scalar_exp10, 1, 1)


def portable_log10(values: np.ndarray) -> np.ndarray:
    """``log10`` element-wise through the C library, the same on every x86-64 host.

    NumPy dispatches ``np.log10`` and ``np.power`` to SIMD kernels chosen by the CPU at
    run time, and the AVX-512 and AVX2 kernels round differently in the last bit: the
    same training costs gave different log targets, different forests and a default
    model that retrained differently on another host. Cost matrices are small, so the
    scalar call costs little.
    """
    array = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):  # NaN in, NaN out, as np.log10
        return np.asarray(_log10(array), dtype=float).reshape(array.shape)


def portable_exp10(values: np.ndarray) -> np.ndarray:
    """``10 ** x`` element-wise through the C library (see :func:`portable_log10`)."""
    array = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        return np.asarray(_exp10(array), dtype=float).reshape(array.shape)


def portfolio_subsets(n_algorithms: int, max_portfolio: int) -> np.ndarray:
    """Every set of 1 to ``max_portfolio`` algorithm columns, smallest first (SUNNY's candidates).

    Returns an int array, subsets x ``min(max_portfolio, n_algorithms)``, each row a set
    padded with the column ``n_algorithms`` (which stands for "no algorithm").
    """
    from itertools import combinations

    size = max(1, min(max_portfolio, n_algorithms))
    rows = [s + (n_algorithms,) * (size - r) for r in range(1, size + 1) for s in combinations(range(n_algorithms), r)]
    return np.array(rows, dtype=np.int64).reshape(len(rows), size)


def sunny_plan(solved: np.ndarray, runtime: np.ndarray, subsets: np.ndarray, backup: int,
               cutoff: float) -> list[tuple[int, float]]:
    """SUNNY's schedule for one instance from its neighbours' results.

    Parameters
    ----------
    solved, runtime
        Neighbours x algorithms: whether each algorithm solved each neighbour, and its
        runtime there (the cutoff where unsolved).
    subsets
        Candidate portfolios (:func:`portfolio_subsets`), smallest first.
    backup
        Column of the algorithm that solved the most training instances.
    cutoff
        Seconds the schedule fills.

    Returns
    -------
    list of (int, float)
        ``(algorithm column, seconds)`` slots in the order they run.
    """
    k, n_alg = solved.shape
    # one padding column that solves nothing, so every subset is a full row of columns
    ok = np.concatenate([solved.astype(bool), np.zeros((k, 1), dtype=bool)], axis=1)
    rt = np.concatenate([np.where(solved, runtime, np.inf), np.full((k, 1), np.inf)], axis=1)
    part = ok[:, subsets]                                   # neighbours x subsets x size
    covered = part.any(axis=2)                              # neighbours x subsets
    fastest = np.where(covered, rt[:, subsets].min(axis=2), 0.0)
    size = (subsets < n_alg).sum(axis=1)
    # most neighbours solved, then fewest algorithms, then least time on the solved ones;
    # the earliest subset on exact ties (lexsort is stable)
    chosen = int(np.lexsort((fastest.sum(axis=0), size, -covered.sum(axis=0)))[0])
    best = [int(a) for a in subsets[chosen] if a < n_alg]
    slots = {a: int(ok[:, a].sum()) for a in best if ok[:, a].any()}
    unsolved = k - int(covered[:, chosen].sum())
    if unsolved or not slots:
        slots[backup] = slots.get(backup, 0) + max(unsolved, 1)
    total = sum(slots.values())

    def mean_time(a: int) -> float:
        return float(runtime[ok[:, a], a].mean()) if ok[:, a].any() else float("inf")

    order = sorted(slots, key=lambda a: (mean_time(a), a))
    return [(a, cutoff * slots[a] / total) for a in order]


def plan_scores(plans: Sequence[Sequence[tuple[int, float]]], n_algorithms: int) -> np.ndarray:
    """Scores of per-instance schedules: minus each algorithm's seconds in the schedule."""
    scores = np.zeros((len(plans), n_algorithms))
    for i, plan in enumerate(plans):
        for a, seconds in plan:
            scores[i, a] -= seconds
    return scores


def nearest(Z: np.ndarray, fit_X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(distances, indices) of each row's ``k`` nearest rows of ``fit_X`` (Euclidean, stable order)."""
    distance = np.sqrt(((Z[:, None, :] - fit_X[None, :, :]) ** 2).sum(axis=2))
    neighbours = np.argsort(distance, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(distance, neighbours, axis=1), neighbours


def runner_up_plans(scores: np.ndarray, runner_ups: int, seconds: float,
                    cutoff: float) -> list[list[tuple[int, float]]]:
    """Per instance, the runner-up slots and then the chosen algorithm (3S-style hedging).

    The chosen algorithm is the arg-min of the instance's ``scores`` (the first on ties,
    as ``predict`` chooses); the ``runner_ups`` next-best algorithms by score each run
    ``seconds`` first, and the chosen one gets what is left of the ``cutoff``.
    """
    plans = []
    for row in np.asarray(scores, dtype=float):
        order = np.argsort(row, kind="stable")
        plan = [(int(a), float(seconds)) for a in order[1:1 + runner_ups]]
        plan.append((int(order[0]), float(cutoff) - seconds * len(plan)))
        plans.append(plan)
    return plans
