"""Record an inner selector's scores once, then cross-validate pipelines around them in seconds.

Cross-validating a pipeline spends nearly all its time fitting the inner selector,
once per outer fold and again for each of the pipeline's 3 inner folds. What the pipeline learns around the selector
(the pre-solving schedule and its minimum gain, the backup solver, the runner-up slots)
depends on the selector only through its scores. So a study of those decisions records
the scores once, by wrapping the inner selector in :class:`RecordingSelector`, and then
cross-validates the pipeline again, with other settings, around a
:class:`ReplayedSelector` that looks the recorded scores up instead of fitting anything.
Everything else is the package's own code (:class:`~asc.selectors.pipeline.SelectionPipeline`,
:func:`~asc.evaluation.crossval.cross_validate`), so a replay of the recorded settings
gives the recorded figures exactly, and a replay of other settings gives what a full
cross-validation with them would.

The lookup key is the training set (a hash of its instance ids) and the predicted set:
the protocol's seed fixes both the outer folds and the pipeline's inner folds, so a
replay must use the seed of the recording. ``benchmarks/pipeline_replay.py`` is the
command line around this module.

Store layout (one folder per scenario, inner selector and seed)::

    STORE/<scenario>/<selector>/seed<k>/<train hash>-<predicted hash>.scores.npy   float, rows x algorithms
    STORE/<scenario>/<selector>/seed<k>/<train hash>-<predicted hash>.choice.npy   str, rows
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from asc.errors import UsageError
from asc.policy import Decision
from asc.selectors.base import Decides, cost_array, fill_unset, n_rows


def rows_key(X: Any) -> str:
    """A short hash of the instance ids that index the rows of ``X`` (a DataFrame)."""
    index = getattr(X, "index", None)
    if index is None:
        raise UsageError("recorded selectors need features as a DataFrame indexed by instance id")
    return hashlib.sha1("\n".join(map(str, index)).encode()).hexdigest()[:16]


def _path(store: str | Path, train: str, rows: str, kind: str) -> Path:
    return Path(store) / f"{train}-{rows}.{kind}.npy"


class RecordingSelector(Decides, BaseEstimator):
    """A selector that behaves exactly as the one it wraps and saves every prediction.

    Parameters
    ----------
    selector
        The selector to fit (unfitted; cloned). Selectors that schedule per instance
        themselves (SUNNY) are refused: the pipeline treats them differently.
    store
        Folder the predictions are written to (created).
    random_state
        Passed on to the wrapped selector when its own is unset, as the pipeline does.
    """

    def __init__(self, selector: BaseEstimator | None = None, store: str | Path | None = None,
                 random_state: int | None = None) -> None:
        self.selector = selector
        self.store = store
        self.random_state = random_state

    def fit(self, X: Any, C: Any, feature_cost: Any = None, feature_failed: Any = None,
            feature_steps: Any = None) -> RecordingSelector:
        """Fit the wrapped selector on ``X`` (DataFrame) and ``C`` (instances x algorithms)."""
        if self.selector is None or self.store is None:
            raise UsageError("RecordingSelector needs a selector and a store folder")
        if self.selector.schedules_per_instance:
            raise UsageError(f"{type(self.selector).__name__} schedules per instance; its scores cannot be replayed")
        self.selector_ = fill_unset(clone(self.selector), random_state=self.random_state).fit(X, C)
        self.algorithms_ = cost_array(C)[1]
        self.backup_ = None  # the pipeline around a recording learns the backup
        self.train_key_ = rows_key(X)
        Path(self.store).mkdir(parents=True, exist_ok=True)
        return self

    def predict_scores(self, X: Any) -> np.ndarray:
        """The wrapped selector's scores, saved under (training set, rows)."""
        scores = np.asarray(self.selector_.predict_scores(X), dtype=float)
        np.save(_path(self.store, self.train_key_, rows_key(X), "scores"), scores)
        return scores

    def predict(self, X: Any) -> np.ndarray:
        """The wrapped selector's choices, saved under (training set, rows), with its scores.

        The scores are saved too because a replay with other settings may ask for them
        where the recorded run did not (a pipeline that learns runner-up slots in a fold
        where the recorded one learned none).
        """
        self.predict_scores(X)
        choice = np.asarray(self.selector_.predict(X)).astype(str)
        np.save(_path(self.store, self.train_key_, rows_key(X), "choice"), choice)
        return choice

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The wrapped selector's decision; its scores and choices are saved on the way."""
        if n_rows(X) == 0:
            return Decision.from_scores(self.algorithms_, np.empty((0, len(self.algorithms_))))
        self.predict(X)
        return Decision.from_scores(self.algorithms_, np.load(_path(self.store, self.train_key_, rows_key(X),
                                                                    "scores")))


class ReplayedSelector(Decides, BaseEstimator):
    """A selector that fits nothing and predicts what a :class:`RecordingSelector` saved.

    Parameters
    ----------
    store
        The folder of a recording.
    random_state
        Unused; present so that the pipeline hands its seed down as it did when recording.
    """

    def __init__(self, store: str | Path | None = None, random_state: int | None = None) -> None:
        self.store = store
        self.random_state = random_state

    def fit(self, X: Any, C: Any, feature_cost: Any = None, feature_failed: Any = None,
            feature_steps: Any = None) -> ReplayedSelector:
        """Remember which training set this is (no model is fitted)."""
        self.algorithms_ = cost_array(C)[1]
        self.backup_ = None  # the pipeline around a replay learns the backup
        self.train_key_ = rows_key(X)
        return self

    def _load(self, X: Any, kind: str) -> np.ndarray:
        path = _path(self.store or ".", self.train_key_, rows_key(X), kind)
        if not path.is_file():
            raise UsageError(f"{path}: no recorded {kind} for this training set and these rows "
                             "(record with the same scenario, selector, protocol and seed)")
        # allow_pickle stays False: the store holds plain float and str arrays only
        return np.load(path)

    def predict_scores(self, X: Any) -> np.ndarray:
        """The recorded scores for these rows, from a selector fitted on this training set."""
        return self._load(X, "scores")

    def predict(self, X: Any) -> np.ndarray:
        """The recorded choices for these rows."""
        return self._load(X, "choice")
