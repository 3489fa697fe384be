"""The selector contract, in scikit-learn's style.

A selector learns a mapping from instance features to an algorithm from a cost matrix:

- ``fit(X, C)``: ``X`` is instances x features (DataFrame or array; NaN allowed),
  ``C`` is instances x algorithms costs, lower is better (a DataFrame whose columns
  name the algorithms, or an array whose columns are named ``"0"``, ``"1"``, ...).
  Returns ``self``.
- ``predict(X)``: an array of algorithm names, one per row of ``X``.
- ``predict_scores(X)``: instances x algorithms scores, lower is better (a predicted
  cost, or minus a vote count); ``predict`` is its arg-min.

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
    return values.reshape(len(values), -1)


def make_preprocessor() -> Pipeline:
    """Median imputation, then standard scaling; empty features are kept (as zeros) so shapes stay fixed."""
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
    ])


class BaseSelector(BaseEstimator, metaclass=ABCMeta):
    """Common machinery: input checks, preprocessing, arg-min of scores."""

    #: True for oracles that need the test instances' costs (the VBS).
    requires_test_costs = False
    #: False for selectors that ignore the features (and so are not charged their cost).
    uses_features = True
    #: What ``predict_scores`` returns, in words, for reports (``asc select``).
    score_label = "score, lower is better"

    def fit(self, X: Any, C: Any) -> BaseSelector:
        """Fit on features ``X`` (instances x features) and costs ``C`` (instances x algorithms)."""
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

    @abstractmethod
    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        """Learn from preprocessed features and the cost array; set attributes ending in ``_``."""

    @abstractmethod
    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Instances x algorithms scores (lower is better) for preprocessed features."""
