"""Baselines every selector is measured against: the single best and the virtual best."""

from __future__ import annotations

from typing import Any

import numpy as np

from asc.errors import UsageError
from asc.policy import Decision
from asc.selectors.base import BaseSelector, cost_array, n_rows


class SingleBest(BaseSelector):
    """The single best solver (SBS): the algorithm with the lowest mean training cost.

    It ignores the features; with PAR10 costs this is LLAMA's ``singleBestByPar``.
    """

    uses_features = False
    score_label = "mean training cost"

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        self.mean_costs_ = C.mean(axis=0)
        self.best_ = int(np.argmin(self.mean_costs_))

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """The mean training costs (the scores), the same for every instance."""
        return scores

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return np.tile(self.mean_costs_, (len(X), 1))


class VirtualBest(BaseSelector):
    """The virtual best solver (VBS, the oracle): the best algorithm of each instance.

    It cannot be computed from features: ``predict`` needs the test instances' true
    costs, ``predict(X, C)``. It bounds what any selector can reach.
    """

    requires_test_costs = True
    uses_features = False

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        self.mean_costs_ = C.mean(axis=0)

    def predict_scores(self, X: Any, C: Any = None) -> np.ndarray:  # type: ignore[override]
        """The true costs: the oracle's scores are the costs themselves."""
        if C is None:
            raise TypeError("the virtual best needs the true costs: predict(X, C)")
        costs, names = cost_array(C)
        if list(names) != list(self.algorithms_):
            # Align columns by name when a DataFrame in another order is given.
            order = [list(names).index(a) for a in self.algorithms_]
            costs = costs[:, order]
        return costs

    def predict(self, X: Any, C: Any = None) -> np.ndarray:  # type: ignore[override]
        """The best algorithm of each instance according to ``C``."""
        return self.algorithms_[np.argmin(self.predict_scores(X, C), axis=1)]

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The best algorithm of each instance according to its true costs ``C``."""
        if C is None and n_rows(X):
            raise UsageError("the virtual best needs the true costs: decide(X, C)")
        scores = np.empty((0, len(self.algorithms_))) if C is None else self.predict_scores(X, C)
        return Decision.from_scores(self.algorithms_, scores, uses_features=False)

    def _scores(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - predict_scores overrides
        raise TypeError("the virtual best needs the true costs: predict(X, C)")
