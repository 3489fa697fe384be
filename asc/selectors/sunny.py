"""SUNNY: a per-instance schedule of a few solvers, from the instance's nearest neighbours."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from asc.errors import UsageError
from asc.policy import Decision
from asc.selectors.base import BaseSelector
from asc.selectors.scoring import plan_scores, portfolio_subsets, sunny_plan


class SunnySelector(BaseSelector):
    """SUNNY (Amadini, Gabbrielli and Mauro, TPLP 2014): schedule the solvers that solve the neighbours.

    For a new instance, the ``k`` training instances nearest in (imputed, standardised)
    feature space form its neighbourhood. SUNNY then

    1. picks the smallest set of at most ``max_portfolio`` algorithms that solves the
       most neighbours (ties: the set whose fastest member per neighbour adds up to the
       least time);
    2. gives every algorithm of that set one time slot per neighbour it solves, and the
       *backup* algorithm (the one solving most training instances) one slot per
       neighbour the set does not solve; the cutoff is split evenly over the slots;
    3. runs the algorithms in order of their mean runtime on the neighbours they solve,
       fastest first.

    So an instance whose neighbours are all solved by one algorithm gets that algorithm
    for the whole cutoff, and an instance in a mixed region hedges between a few. The
    single choice reported by :meth:`predict` is the algorithm with the longest slot;
    :meth:`predict_schedule` returns the whole schedule, which the evaluation runs
    (charging feature costs first, as for any selector).

    Parameters
    ----------
    n_neighbors
        Neighbourhood size; ``None``: the square root of the training set size (SUNNY's choice).
    max_portfolio
        Most algorithms in a schedule (SUNNY's lambda).
    cutoff
        Time limit the schedule fills (seconds); set by the evaluation from the scenario.
        Without it, solved runs are inferred as the costs below the largest cost.
    """

    score_label = "minus the seconds of the algorithm's slots in the schedule"

    def __init__(self, n_neighbors: int | None = None, max_portfolio: int = 3, cutoff: float | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.max_portfolio = max_portfolio
        self.cutoff = cutoff

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        if self.max_portfolio < 1:
            raise UsageError(f"max_portfolio must be at least 1, found {self.max_portfolio}")
        # PAR-k costs: a run is solved when its cost is within the cutoff.
        cutoff = float(self.cutoff) if self.cutoff else float(np.max(C))
        self.cutoff_ = cutoff
        self.solved_ = C <= cutoff * (1 + 1e-9)
        self.runtime_ = np.where(self.solved_, C, cutoff)
        counts = self.solved_.sum(axis=0)
        self.backup_index_ = int(np.lexsort((C.sum(axis=0), -counts))[0])
        k = self.n_neighbors or max(1, int(round(np.sqrt(len(X)))))
        self.k_ = min(k, len(X))
        self.index_ = NearestNeighbors(n_neighbors=self.k_).fit(X)
        self.subsets_ = portfolio_subsets(C.shape[1], self.max_portfolio)

    def _plans(self, X: np.ndarray) -> list[list[tuple[int, float]]]:
        _, neighbours = self.index_.kneighbors(X)
        return [sunny_plan(self.solved_[row], self.runtime_[row], self.subsets_, self.backup_index_, self.cutoff_)
                for row in neighbours]

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return plan_scores(self._plans(X), self.solved_.shape[1])

    schedules_per_instance = True

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The choice (the longest slot) and, per instance, the schedule that runs after the features."""
        decision = super().decide(X, C)
        plans = self.predict_schedule(X) if len(decision.choice) else []
        return replace(decision, plans=tuple(tuple(plan) for plan in plans))

    def predict_schedule(self, X: object) -> list[list[tuple[str, float]]]:
        """Per instance, the schedule: ``(algorithm, seconds)`` pairs, run in order."""
        plans = self._plans(self._check_X(X))
        return [[(str(self.algorithms_[a]), float(t)) for a, t in plan] for plan in plans]
