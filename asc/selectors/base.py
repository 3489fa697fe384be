"""The selector contract, in scikit-learn's style.

A selector learns a mapping from instance features to an algorithm from a cost matrix:

- ``fit(X, C)``: ``X`` is instances x features (DataFrame or array; NaN allowed),
  ``C`` is instances x algorithms costs, lower is better (a DataFrame whose columns
  name the algorithms, or an array whose columns are named ``"0"``, ``"1"``, ...).
  Returns ``self``.
- ``predict(X)``: an array of algorithm names, one per row of ``X``.
- ``predict_scores(X)``: instances x algorithms scores, lower is better (a predicted
  cost, or minus a vote count); ``predict`` is its arg-min.
- ``decide(X)``: the whole run-time policy as a :class:`asc.policy.Decision` (the
  choice, and where a selector has them its pre-solving schedule, backup solver,
  feature steps and per-instance plans). Cross-validation, the selector search and
  ``asc select`` / ``asc solve`` ask this method and nothing else. Its
  instance-independent parts (schedule, backup, steps) are the same for any ``X``,
  including one of no rows, which is how ``asc solve`` learns the schedule it runs
  before computing any feature.

``fit(X, C, feature_cost=None, feature_failed=None, feature_steps=None)`` has the same
signature everywhere: the per-instance feature costs, failures and step structure are
given to every selector, and those that learn nothing from them ignore them.

``__init__`` stores hyperparameters only; learned state ends in ``_``. Missing-value
imputation and scaling are part of the selector and are fitted on the training data
only, so cross-validation never leaks test information into them.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from asc.errors import UsageError
from asc.policy import Decision, backup_column


def cost_array(C: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split a cost matrix into (float array, algorithm names)."""
    if isinstance(C, pd.DataFrame):
        names = np.array([str(c) for c in C.columns], dtype=object)
        values = C.to_numpy(dtype=float)
    else:
        values = np.asarray(C, dtype=float)
        if values.ndim != 2:
            raise UsageError(f"cost matrix must be 2-D (instances x algorithms), found shape {values.shape}")
        names = np.array([str(i) for i in range(values.shape[1])], dtype=object)
    if values.shape[1] == 0:
        raise UsageError("cost matrix has no algorithms")
    if np.isnan(values).any():
        raise UsageError("cost matrix has missing values; build it with Scenario.cost_matrix (it applies PAR-k)")
    return values, names


def fill_unset(estimator: BaseEstimator, **values: Any) -> BaseEstimator:
    """Set each of ``values`` on ``estimator`` where it has that parameter and leaves it unset (``None``).

    How a seed or a cutoff reaches a selector that was built without one (the protocol's
    seed, a scenario's cutoff, a pipeline's seed handed to its inner selector), without
    overriding one the user chose.
    """
    params = estimator.get_params(deep=False)
    unset = {name: value for name, value in values.items() if name in params and params[name] is None}
    if unset:
        estimator.set_params(**unset)
    return estimator


def feature_array(X: Any) -> np.ndarray:
    """Features as a float array (NaN for missing)."""
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=float)
    values = np.asarray(X, dtype=float)
    if values.ndim == 2:
        return values
    return values.reshape(len(values), -1) if len(values) else values.reshape(0, 0)


def n_rows(X: Any) -> int:
    """Number of instances (rows) of a feature matrix."""
    return int(X.shape[0]) if hasattr(X, "shape") else len(X)


class Decides:
    """The decision contract (:meth:`decide`) on top of ``predict_scores`` and ``algorithms_``.

    Mixed into every selector, including those that are not :class:`BaseSelector`
    (votes, the self-configuring search), so that no caller has to ask what a
    selector offers.
    """

    #: True for oracles whose decision needs the test instances' costs (the VBS).
    requires_test_costs = False
    #: False for selectors that ignore the features (and so are not charged their cost).
    uses_features = True
    #: What ``predict_scores`` returns, in words, for reports (``asc select``).
    score_label = "score, lower is better"
    #: True for selectors whose decisions carry a schedule per instance (SUNNY).
    schedules_per_instance = False

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The decision for each row of ``X`` (``C``: the rows' true costs, read by oracles only)."""
        return Decision.from_scores(self.algorithms_, self._decision_scores(X), backup=self.backup_,
                                    uses_features=self.uses_features)

    def _learn_backup(self, costs: np.ndarray, feature_failed: Any) -> None:
        """``backup_``: :func:`asc.policy.backup_column` for selectors that use features, else None."""
        self.backup_ = str(self.algorithms_[backup_column(costs, feature_failed)]) if self.uses_features else None

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray | None:
        """The predicted costs ``predict_scores`` stands for, or None when its scores are not costs."""
        return None

    def explain_arrays(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``(importance, z, forests)`` over the full feature row ``raw[0]`` (see :func:`asc.models.deploy.explain`).

        ``importance``: the mean impurity decrease over the selector's forests (NaN
        without forests, 0 for columns it does not use); ``z``: the row standardised as
        the selector standardises it (NaN where it does not); ``forests``: how many.
        """
        d = raw.shape[1]
        return np.full(d, np.nan), np.full(d, np.nan), 0

    def _decision_scores(self, X: Any) -> np.ndarray:
        if n_rows(X) == 0:
            return np.empty((0, len(self.algorithms_)))
        return np.asarray(self.predict_scores(X), dtype=float)


def make_preprocessor() -> Pipeline:
    """Median imputation, then standard scaling; empty features are kept (as zeros) so shapes stay fixed."""
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
    ])


class BaseSelector(Decides, BaseEstimator, metaclass=ABCMeta):
    """Common machinery: input checks, preprocessing, arg-min of scores."""

    def fit(self, X: Any, C: Any, feature_cost: Any = None, feature_failed: Any = None,
            feature_steps: Any = None) -> BaseSelector:
        """Fit on features ``X`` (instances x features) and costs ``C`` (instances x algorithms).

        ``feature_cost``, ``feature_failed`` and ``feature_steps`` are accepted by every
        selector (see the module docstring); a plain selector learns nothing from them.
        """
        costs, names = cost_array(C)
        features = feature_array(X)
        if len(features) != len(costs):
            raise UsageError(f"X has {len(features)} rows but C has {len(costs)}")
        self.algorithms_ = names
        self.n_features_in_ = features.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        self.preprocessor_ = make_preprocessor().fit(features) if features.shape[1] else None
        self._fit(self._transform(features), costs)
        self._learn_backup(costs, feature_failed)
        return self

    def _transform(self, features: np.ndarray) -> np.ndarray:
        if self.preprocessor_ is None:
            return features
        return self.preprocessor_.transform(features)

    def _check_X(self, X: Any) -> np.ndarray:
        features = feature_array(X)
        if features.shape[1] != self.n_features_in_:
            raise UsageError(f"X has {features.shape[1]} features, the selector was fitted on {self.n_features_in_}")
        return self._transform(features)

    def predict_scores(self, X: Any) -> np.ndarray:
        """Instances x algorithms scores, lower is better."""
        return self._scores(self._check_X(X))

    def predict(self, X: Any) -> np.ndarray:
        """The chosen algorithm's name for each row of ``X``."""
        return self.algorithms_[np.argmin(self.predict_scores(X), axis=1)]

    def predict_costs(self, X: Any) -> np.ndarray | None:
        """Instances x algorithms predicted costs (in the training cost's unit), or None.

        Only selectors whose scores estimate a cost (regression models, neighbour and
        cluster averages, the single best) can say what each algorithm would cost;
        vote- or probability-based selectors return None and are reported by score.
        """
        return self.costs_from_scores(self.predict_scores(X))

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray | None:
        """The predicted costs ``predict_scores`` stands for, or None when its scores are not costs.

        Separate from :meth:`predict_costs` so that a caller who needs both the
        scores and the costs evaluates the models once.
        """
        return None

    def _forests(self) -> list[Any]:
        """The fitted forests whose importances explain a choice (none by default)."""
        return []

    def explain_arrays(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``(importance, z, forests)``: see :meth:`Decides.explain_arrays`."""
        d = raw.shape[1]
        importance, z = np.full(d, np.nan), np.full(d, np.nan)
        if self.preprocessor_ is not None and d:
            z[:] = self.preprocessor_.transform(raw[:1])[0]
        forests = self._forests()
        if forests:
            importance[:] = np.mean([np.asarray(f.feature_importances_, dtype=float) for f in forests], axis=0)
        return importance, z, len(forests)

    @abstractmethod
    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        """Learn from preprocessed features and the cost array; set attributes ending in ``_``."""

    @abstractmethod
    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Instances x algorithms scores (lower is better) for preprocessed features."""
