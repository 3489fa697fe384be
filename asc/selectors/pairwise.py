"""Pairwise cost-sensitive classification, as in SATzilla 2012."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from asc.selectors.base import BaseSelector
from asc.selectors.scoring import pairwise_vote_scores


class PairwiseClassifier(BaseSelector):
    """SATzilla 2012's selector: a cost-sensitive classifier per pair of algorithms, then a vote.

    For every pair (a, b) of algorithms a random forest learns "a beats b" from the
    instance features, each training instance weighted by how much the choice matters,
    ``|cost_a - cost_b|`` (Xu, Hutter, Hoos and Leyton-Brown, "Evaluating component
    solver contributions to portfolio-based algorithm selectors", SAT 2012). Instances
    on which both algorithms cost the same carry no weight and are left out. A new
    instance goes to the algorithm that wins the most pairwise votes; ties are broken
    by the summed vote probabilities, then by the lower mean training cost. With
    ``voting="soft"`` the summed probabilities decide first.

    Parameters
    ----------
    n_estimators, max_features, min_samples_leaf
        Random-forest hyperparameters of each pairwise model (scikit-learn's meaning).
    random_state
        Seed of the forests.
    n_jobs
        Threads per forest.
    voting
        ``"hard"`` (count of pairwise wins, SATzilla's rule) or ``"soft"`` (sum of win probabilities).
    """

    def __init__(self, n_estimators: int = 50, max_features: float | str | None = "sqrt",
                 min_samples_leaf: int = 1, random_state: int | None = None, n_jobs: int | None = None,
                 voting: str = "hard") -> None:
        self.voting = voting
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        rng = np.random.RandomState(self.random_state)
        self.mean_costs_ = C.mean(axis=0)
        self.pairs_ = []
        self.models_ = []
        for a, b in combinations(range(C.shape[1]), 2):
            seed = rng.randint(2**31 - 1)
            weight = np.abs(C[:, a] - C[:, b])
            used = weight > 0
            y = (C[used, a] < C[used, b]).astype(int)
            if not used.any():
                # The two always tie: the lower mean cost stands for both.
                self.models_.append(a if self.mean_costs_[a] <= self.mean_costs_[b] else b)
            elif y.min() == y.max():
                # One algorithm always wins: no model needed.
                self.models_.append(a if y[0] == 1 else b)
            else:
                model = RandomForestClassifier(
                    n_estimators=self.n_estimators, max_features=self.max_features,
                    min_samples_leaf=self.min_samples_leaf, random_state=seed, n_jobs=self.n_jobs,
                )
                self.models_.append(model.fit(X[used], y, sample_weight=weight[used]))
            self.pairs_.append((a, b))

    score_label = "minus pairwise votes (ties broken by vote probabilities)"

    def _scores(self, X: np.ndarray) -> np.ndarray:
        p_a = []
        for (a, _), model in zip(self.pairs_, self.models_, strict=True):
            if isinstance(model, (int, np.integer)):
                p_a.append(np.full(len(X), 1.0 if model == a else 0.0))
            else:
                p_a.append(model.predict_proba(X)[:, list(model.classes_).index(1)])
        return pairwise_vote_scores(p_a, self.pairs_, len(self.algorithms_), self.mean_costs_, self.voting)

    def _forests(self) -> list:
        return [m for m in self.models_ if m is not None and not isinstance(m, (int, np.integer))]
