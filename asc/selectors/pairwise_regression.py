"""Pairwise performance-difference regression (AutoFolio's ``PairwiseRegression``)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from asc.selectors.base import BaseSelector
from asc.selectors.scoring import encode_log_costs, pairwise_difference_scores


class PairwiseRegressor(BaseSelector):
    """Regress the cost difference of every pair of algorithms; pick the one ahead of all.

    For each pair (a, b) a random forest learns ``log10 cost_a - log10 cost_b`` from the
    instance features. For a new instance, algorithm ``a`` scores the sum of its
    predicted differences against every other algorithm; the lowest sum wins. Unlike
    pairwise classification this keeps the size of each margin, not only its sign
    (Lindauer, Hoos, Hutter and Schaub, "AutoFolio: an automatically configured
    algorithm selector", JAIR 2015, selector ``PairwiseRegression``).

    Parameters
    ----------
    n_estimators, max_features, min_samples_leaf
        Random-forest hyperparameters of each pairwise model.
    log_offset
        The floor added to the costs before the log, as a fraction of the largest
        training cost (:func:`~asc.selectors.scoring.encode_log_costs`; 0 is the plain
        log cost).
    random_state
        Seed of the forests.
    n_jobs
        Threads per forest.
    """

    def __init__(self, n_estimators: int = 50, max_features: float | str | None = 0.5,
                 min_samples_leaf: int = 1, log_offset: float = 0.0, random_state: int | None = None,
                 n_jobs: int | None = None) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.log_offset = log_offset
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        rng = np.random.RandomState(self.random_state)
        logc, _ = encode_log_costs(C, self.log_offset)
        self.pairs_ = []
        self.models_ = []
        for a, b in combinations(range(C.shape[1]), 2):
            diff = logc[:, a] - logc[:, b]
            model = RandomForestRegressor(
                n_estimators=self.n_estimators, max_features=self.max_features,
                min_samples_leaf=self.min_samples_leaf, random_state=rng.randint(2**31 - 1), n_jobs=self.n_jobs,
            )
            self.models_.append(model.fit(X, diff))
            self.pairs_.append((a, b))

    score_label = "summed predicted log10 cost differences"

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return pairwise_difference_scores([model.predict(X) for model in self.models_], self.pairs_, len(X),
                                          len(self.algorithms_))

    def _forests(self) -> list:
        return [m for m in self.models_ if m is not None and not isinstance(m, (int, np.integer))]
