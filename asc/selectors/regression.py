"""Per-algorithm runtime regression: predict each algorithm's cost, pick the lowest."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from asc.errors import UsageError
from asc.selectors.base import BaseSelector
from asc.selectors.scoring import decode_log_costs, encode_log_costs

TARGETS = ("log", "raw")


class PerAlgorithmRegressor(BaseSelector):
    """One random-forest regressor per algorithm; selects the lowest predicted cost.

    This is the classic empirical-hardness-model selector (SATzilla 2007-2009, LLAMA's
    regression models): for every algorithm a model learns its cost (PAR10 for runtime
    scenarios) from the instance features, and a new instance goes to the algorithm
    with the lowest prediction. With ``target="log"`` the models learn
    ``log10(cost)``, which tames the heavy tails of runtimes and the jump between a
    solved run and a PAR10 timeout; ``target="raw"`` learns the cost itself, which
    weighs timeouts more.

    Parameters
    ----------
    target
        ``"log"`` (log10 of the cost; costs are shifted to be positive) or ``"raw"``.
    n_estimators, max_features, min_samples_leaf
        Random-forest hyperparameters (scikit-learn's meaning).
    log_offset
        With ``target="log"``: the floor added before the log, as a fraction of the
        largest training cost (:func:`~asc.selectors.scoring.encode_log_costs`; 0 is
        the plain log cost).
    random_state
        Seed of the forests.
    n_jobs
        Threads per forest.
    """

    def __init__(self, target: str = "log", n_estimators: int = 100, max_features: float | str | None = 1.0,
                 min_samples_leaf: int = 1, log_offset: float = 0.0, random_state: int | None = None,
                 n_jobs: int | None = None) -> None:
        self.target = target
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.log_offset = log_offset
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        if self.target not in TARGETS:
            raise UsageError(f"unknown regression target {self.target!r} (expected one of {', '.join(TARGETS)})")
        log_costs, self.shift_ = encode_log_costs(C, self.log_offset)
        Y = C if self.target == "raw" else log_costs
        rng = np.random.RandomState(self.random_state)
        self.models_ = []
        for column in range(C.shape[1]):
            model = RandomForestRegressor(
                n_estimators=self.n_estimators, max_features=self.max_features,
                min_samples_leaf=self.min_samples_leaf, random_state=rng.randint(2**31 - 1), n_jobs=self.n_jobs,
            )
            self.models_.append(model.fit(X, Y[:, column]))

    @property
    def score_label(self) -> str:  # type: ignore[override]
        return "predicted log10 cost" if self.target == "log" else "predicted cost"

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([model.predict(X) for model in self.models_])

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """Predicted costs: the log target decoded back to the cost's unit."""
        if self.target == "raw":
            return scores
        return decode_log_costs(scores, self.shift_)

    def _forests(self) -> list:
        return [m for m in self.models_ if m is not None and not isinstance(m, (int, np.integer))]
