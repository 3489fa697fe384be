"""Voting over several selectors: each ranks the algorithms, the lowest mean rank wins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from asc.errors import UsageError
from asc.selectors.base import BaseSelector, Decides, cost_array, feature_array
from asc.selectors.scoring import pooled_explanation, vote_scores

#: Members of :class:`VotingSelector` by default: the four feature-based selectors with the
#: best record over the runtime scenarios (benchmarks/RESULTS.md), two regressions and two
#: classifications, whose errors are the least alike.
DEFAULT_MEMBERS = ("rf-regression", "pairwise-regression", "multiclass-rf", "pairwise-rf")


class VotingSelector(Decides, BaseEstimator):
    """An ensemble of selectors that vote by rank (Borda count).

    Every member is a selector of the registry, fitted on the same training data with
    its own seed. For a new instance each member ranks all algorithms by its scores
    (1 for the algorithm it would choose); the algorithm with the lowest mean rank
    is chosen. Ranks, not raw scores, are averaged because the members' scores live on
    different scales (log costs, summed pairwise differences, vote shares), and all
    ranks, not only each member's first choice, count, so an algorithm that every
    member places second can win over one that a single member places first. Ties of
    the mean rank go to the first member's ordering.

    Ensembles of algorithm selectors, voting among them, are studied by Tornede,
    Gehring, Tornede, Wever and Hüllermeier ("Algorithm selection on a meta level",
    Machine Learning 112, 2023), who find that such ensembles can significantly
    outperform their single members. The vote also needs no knowledge of which member
    is best on a scenario, and that differs from scenario to scenario
    (benchmarks/RESULTS.md).

    Parameters
    ----------
    members
        Registry names of the member selectors (see :data:`DEFAULT_MEMBERS`).
    random_state
        Seed; each member gets its own seed drawn from it.
    """

    score_label = "mean rank among the members' choices (1 = best)"

    def __init__(self, members: Sequence[str] = DEFAULT_MEMBERS, random_state: int | None = None) -> None:
        self.members = members
        self.random_state = random_state

    def fit(self, X: Any, C: Any, feature_cost: Any = None, feature_failed: Any = None,
            feature_steps: Any = None) -> VotingSelector:
        """Fit every member on features ``X`` and costs ``C`` (instances x algorithms)."""
        from asc.selectors.registry import make_selector

        names = [str(m) for m in self.members]
        if not names:
            raise UsageError("a vote needs at least one member selector")
        costs, algorithms = cost_array(C)
        self.algorithms_ = algorithms
        self.n_features_in_ = feature_array(X).shape[1]
        rng = np.random.RandomState(self.random_state)
        self.members_ = []
        for name in names:
            member = make_selector(name)
            # Wrappers (pipelines, searches, votes) carry their own schedules or members, and
            # oracles need the test costs: a vote of those would not be a vote of selectors.
            if not isinstance(member, BaseSelector) or member.requires_test_costs:
                raise UsageError(f"cannot vote with {name!r}: members must be plain selectors that choose from "
                                 "the features (e.g. rf-regression, pairwise-regression, multiclass-rf, knn)")
            if "random_state" in member.get_params():
                member.set_params(random_state=int(rng.randint(2**31 - 1)))
            self.members_.append(member.fit(X, C))
        self._learn_backup(costs, feature_failed)
        return self

    def predict_scores(self, X: Any) -> np.ndarray:
        """Instances x algorithms mean rank (lower is better; :func:`asc.selectors.scoring.vote_scores`)."""
        return vote_scores([np.asarray(m.predict_scores(X), dtype=float) for m in self.members_])

    def predict(self, X: Any) -> np.ndarray:
        """The chosen algorithm's name for each row of ``X``."""
        return self.algorithms_[np.argmin(self.predict_scores(X), axis=1)]

    def costs_from_scores(self, scores: np.ndarray) -> None:
        """Ranks are not costs: a vote cannot say what each algorithm would cost."""
        return None

    def explain_arrays(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """The members' explanations pooled (:func:`asc.selectors.scoring.pooled_explanation`)."""
        d = raw.shape[1]
        importance, z = np.full(d, np.nan), np.full(d, np.nan)
        pooled, first_z, forests = pooled_explanation([m.explain_arrays(raw) for m in self.members_])
        if pooled is not None:
            importance[:] = pooled
        if first_z is not None:
            z[:] = first_z
        return importance, z, forests
