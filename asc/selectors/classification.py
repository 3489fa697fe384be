"""Cost-sensitive multi-class classification of the best algorithm."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from asc.selectors.base import BaseSelector
from asc.selectors.scoring import multiclass_scores


class MultiClassSelector(BaseSelector):
    """One random forest predicts the best algorithm directly, weighted by what is at stake.

    Each training instance is labelled with its best algorithm and weighted by the
    spread of its costs (worst minus best; instances on which every algorithm costs
    the same carry no information and are left out), so that instances where a wrong
    choice is expensive dominate the forest (cost-sensitive classification as in
    LLAMA's ``classify`` and AutoFolio's ``MultiClassifier``). The forest's class
    probabilities rank the algorithms; algorithms never best in training rank last,
    ordered by mean training cost.

    Parameters
    ----------
    n_estimators, max_features, min_samples_leaf
        Random-forest hyperparameters.
    random_state
        Seed of the forest.
    n_jobs
        Threads of the forest.
    """

    def __init__(self, n_estimators: int = 200, max_features: float | str | None = "sqrt",
                 min_samples_leaf: int = 1, random_state: int | None = None, n_jobs: int | None = None) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        self.mean_costs_ = C.mean(axis=0)
        weight = C.max(axis=1) - C.min(axis=1)
        used = weight > 0
        if not used.any():
            self.model_ = None
            return
        labels = C.argmin(axis=1)
        self.model_ = RandomForestClassifier(
            n_estimators=self.n_estimators, max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf, random_state=self.random_state, n_jobs=self.n_jobs,
        ).fit(X[used], labels[used], sample_weight=weight[used])

    score_label = "minus probability of being best"

    def _scores(self, X: np.ndarray) -> np.ndarray:
        if self.model_ is None:
            return multiclass_scores(None, None, len(X), self.mean_costs_)
        return multiclass_scores(self.model_.predict_proba(X), self.model_.classes_, len(X), self.mean_costs_)

    def _forests(self) -> list:
        return [m for m in [self.model_] if m is not None and not isinstance(m, (int, np.integer))]
