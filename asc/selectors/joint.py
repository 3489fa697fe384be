"""Joint runtime regression: one multi-output forest predicts every algorithm's cost at once."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from asc.selectors.base import BaseSelector
from asc.selectors.scoring import decode_log_costs, encode_log_costs


class JointRegressor(BaseSelector):
    """One random forest of multi-output regression trees over all algorithms' log costs.

    The per-algorithm regression (:class:`~asc.selectors.regression.PerAlgorithmRegressor`)
    grows a separate forest for every algorithm, and each forest splits the instances
    only by what predicts *its* algorithm's cost. Here a single forest predicts the
    whole vector ``log10(cost)`` of an instance: a split is chosen by how much it
    reduces the summed variance over all algorithms' log costs, so every leaf
    gathers training instances on which the *whole portfolio* behaved alike, and its
    prediction is their mean log cost per algorithm. The new instance goes to the
    algorithm with the lowest predicted log cost.

    These are the predictive clustering trees of Blockeel, De Raedt and Ramon
    ("Top-down induction of clustering trees", ICML 1998) in the random-forest
    ensembles of Kocev, Vens, Struyf and Džeroski ("Tree ensembles for predicting
    structured outputs", Pattern Recognition 46(3), 2013). For algorithm selection
    the idea is ISAC's (cluster the instances, use each cluster's best algorithm)
    with the clusters learned from the runtimes instead of from the features alone.
    Sharing one partition across algorithms pools their training signal, at a
    fraction of the cost of a forest per algorithm or per pair (how it compares:
    benchmarks/RESULTS.md).

    Parameters
    ----------
    n_estimators, max_features, min_samples_leaf
        Random-forest hyperparameters (scikit-learn's meaning); the defaults are the
        measured best (benchmarks/RESULTS.md).
    log_offset
        The target is ``log10(cost + floor)`` with ``floor`` this fraction of the
        largest training cost (at least 1 ms): 0 learns plain log costs; 0.01 (a
        tenth of the cutoff under PAR10) treats runs well under that floor as alike
        and spends the splits on the runs where PAR10 is lost
        (:func:`~asc.selectors.scoring.encode_log_costs`). The pipeline
        ``joint-regression+presolve`` uses 0.01 (benchmarks/RESULTS.md).
    random_state
        Seed of the forest.
    n_jobs
        Threads of the forest.
    """

    score_label = "predicted log10 cost"

    def __init__(self, n_estimators: int = 200, max_features: float | str | None = 0.5, min_samples_leaf: int = 1,
                 log_offset: float = 0.0, random_state: int | None = None, n_jobs: int | None = None) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.log_offset = log_offset
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        Y, self.shift_ = encode_log_costs(C, self.log_offset)
        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf, random_state=self.random_state, n_jobs=self.n_jobs,
        ).fit(X, Y)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X).reshape(len(X), -1)

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """Predicted costs: the log target decoded back to the cost's unit."""
        return decode_log_costs(scores, self.shift_)

    def _forests(self) -> list:
        return [m for m in [self.model_] if m is not None and not isinstance(m, (int, np.integer))]
