"""A self-configuring selector: SMAC chooses the selection method on the training data (AutoFolio)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from asc.errors import UsageError
from asc.policy import Decision
from asc.selectors.base import Decides, cost_array, feature_array

log = logging.getLogger(__name__)


class AutoSelector(Decides, BaseEstimator):
    """Algorithm selection configured by SMAC on the training data (AutoFolio-style).

    Rule: SMAC searches a joint, conditional space (:func:`asc.selectors.search.build_space`)
    of the selector (``candidates``), its hyperparameters, the feature steps to compute
    (closed under ``requires``; only when ``fit`` is given the step structure) and
    whether to wrap it in the pre-solving pipeline. A configuration costs its mean PAR-k
    under an inner cross-validation on the training instances, charged by the policy the
    outer evaluation charges (:func:`asc.policy.charge`). The kept configuration is the
    earliest within ``tolerance`` standard errors of the lowest
    (:func:`asc.selectors.search.choose_trial`), refitted on all of ``(X, C)``.

    Why: no selection method wins on every scenario, and a method's hyperparameters and
    features matter as much as the method (Lindauer, Hoos, Hutter and Schaub,
    "AutoFolio", JAIR 53, 2015); the one-standard-error rule guards against the winner's
    curse of picking the minimum of many noisy estimates. Everything is seeded by
    ``random_state``; with a wall-clock budget the number of trials depends on the
    machine, so only an ``n_trials`` cap reached first makes the result repeatable.

    Parameters
    ----------
    budget
        Wall-clock seconds for the whole fit: the search, and the final fit of the kept
        configuration, whose expected time the search leaves free. A trial that would
        end after the deadline is cut between inner folds, so the fit overruns by at
        most one fold's fit (or SMAC's first costly proposal) plus any error of the
        final fit's estimate. When no trial ends in time, the first candidate with its
        defaults is fitted unmeasured.
    n_trials
        Cap on the number of configurations tried (``None``: only the budget stops it).
    n_folds
        Folds of the inner cross-validation (``None``: 10 on fewer than 500 training
        instances, else 3; see :func:`asc.selectors.search.default_n_folds`).
    candidates
        Selector names to choose among (default: all searchable ones, see
        :data:`asc.selectors.search.DEFAULT_CANDIDATES`).
    choose_steps
        Let the search switch feature steps off.
    presolve
        Offer the pre-solving pipeline (runtime scenarios only: needs ``cutoff``).
    tolerance
        Standard errors of the paired per-instance cost difference within which an
        earlier trial (the defaults, the first candidate's leading) is preferred to the
        lowest-cost one; 0 keeps the lowest.
    cutoff
        Runtime cutoff in seconds (set by the evaluation from the scenario when ``None``;
        ``None`` at fit time means a quality scenario: no feature costs, no pre-solving).
    random_state
        Seed of the search and of the selectors (``None`` means 0).
    progress
        Report the search on stderr: trials ended, best inner cost, time left (a bar
        on a terminal, lines otherwise; see
        :class:`asc.selectors.search.StderrProgress`). Off by default, as
        a library estimator should be quiet; ``asc evaluate`` and ``asc train`` turn it on.

    Attributes
    ----------
    best_config_ : dict
        The chosen configuration (active hyperparameters; plain data).
    best_cost_ : float
        Its inner cross-validated cost (mean per instance).
    selector_ : estimator
        The chosen selector (a pipeline when pre-solving was chosen), fitted on all data.
    steps_ : tuple of str or None
        Feature steps the fitted selector uses (``None`` when no step structure was given).
    columns_ : ndarray of int
        Positions of the used columns among the ``n_features_in_`` given.
    search_history_ : list of dict
        Every completed trial: ``config``, ``cost``, ``seconds``, ``started`` (seconds
        after the search began).
    search_seconds_ : float
        Wall-clock seconds the search took.
    search_cut_ : int
        Trials cut because they would have ended after the deadline.
    refit_estimate_, refit_seconds_ : float
        Seconds the search expected the final fit to take (and left free for it), and
        the seconds it took.
    schedule_, backup_
        The pipeline's pre-solving schedule and backup solver (``[]`` and ``None`` without).
    """

    def __init__(self, budget: float = 60.0, n_trials: int | None = None, n_folds: int | None = None,
                 candidates: Sequence[str] | None = None, choose_steps: bool = True, presolve: bool = True,
                 tolerance: float = 1.0, cutoff: float | None = None, random_state: int | None = None,
                 progress: bool = False) -> None:
        self.budget = budget
        self.n_trials = n_trials
        self.n_folds = n_folds
        self.candidates = candidates
        self.choose_steps = choose_steps
        self.presolve = presolve
        self.tolerance = tolerance
        self.cutoff = cutoff
        self.random_state = random_state
        self.progress = progress

    def fit(self, X: Any, C: Any, feature_cost: np.ndarray | None = None, feature_failed: np.ndarray | None = None,
            feature_steps: Any = None) -> AutoSelector:
        """Search on ``(X, C)`` by inner cross-validation, then refit the best configuration on all of it.

        Parameters
        ----------
        X, C
            Features (instances x features) and costs (instances x algorithms).
        feature_cost, feature_failed
            Per instance: seconds all of ``X``'s features cost and whether they failed
            (used when ``feature_steps`` is not given; default 0 and none).
        feature_steps
            :class:`asc.aslib.views.FeatureSteps` of the training instances: which
            columns each step provides and what each step cost; enables step choice.
        """
        from asc.selectors.search import (SearchProblem, StderrProgress, check_candidates, decode, fit_configured,
                                          search)

        costs, names = cost_array(C)
        features = feature_array(X)
        n = len(costs)
        if len(features) != n:
            raise UsageError(f"X has {len(features)} rows but C has {n}")
        check_candidates(self.candidates)
        Xf = X.reset_index(drop=True) if isinstance(X, pd.DataFrame) else pd.DataFrame(
            features, columns=[str(i) for i in range(features.shape[1])])
        Xf.columns = [str(c) for c in Xf.columns]
        Cf = pd.DataFrame(costs, columns=names)
        structure = feature_steps
        if structure is not None and not isinstance(X, pd.DataFrame):
            raise UsageError("feature steps name columns: pass X as a DataFrame with the feature names")
        if structure is not None and len(structure.cost) != n:
            raise UsageError(f"feature_steps describe {len(structure.cost)} instances, X has {n}")
        cutoff = None if self.cutoff is None else float(self.cutoff)
        problem = SearchProblem(
            X=Xf, C=Cf, cutoff=cutoff,
            feature_cost=np.zeros(n) if feature_cost is None else np.asarray(feature_cost, dtype=float),
            feature_failed=np.zeros(n, dtype=bool) if feature_failed is None else np.asarray(feature_failed, bool),
            structure=structure,
        )
        seed = 0 if self.random_state is None else int(self.random_state)
        result = search(problem, budget=float(self.budget), n_trials=self.n_trials, n_folds=self.n_folds,
                        candidates=self.candidates, choose_steps=self.choose_steps, presolve=self.presolve,
                        tolerance=self.tolerance, seed=seed,
                        progress=StderrProgress() if self.progress else None)
        log.info("selector search: %d trials (%d cut) in %.1f s, best %s (inner cost %.4g)", len(result.history),
                 result.cut, result.seconds, result.best_config, result.best_cost)
        decoded = decode(result.best_config, structure)
        self.algorithms_ = names
        self.n_features_in_ = features.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        self.best_config_ = result.best_config
        self.best_cost_ = float(result.best_cost)
        self.search_history_ = result.history
        self.search_seconds_ = float(result.seconds)
        self.search_cut_ = int(result.cut)
        self.refit_estimate_ = float(result.refit_seconds)
        self.steps_ = decoded.steps
        self.columns_ = np.asarray(problem.columns(decoded.steps), dtype=np.int64)
        begun = time.monotonic()
        self.selector_ = fit_configured(decoded, problem, slice(None), seed)
        self.refit_seconds_ = time.monotonic() - begun
        policy = self.selector_.decide(Xf.iloc[:0, self.columns_])
        self.schedule_ = [(str(a), float(t)) for a, t in policy.schedule]
        self.backup_ = policy.backup
        return self

    def _select_columns(self, X: Any) -> Any:
        features = feature_array(X)
        if features.shape[1] != self.n_features_in_:
            raise UsageError(f"X has {features.shape[1]} features, the selector was fitted on {self.n_features_in_}")
        if isinstance(X, pd.DataFrame):
            return X.iloc[:, self.columns_]
        return features[:, self.columns_]

    def predict(self, X: Any) -> np.ndarray:
        """The chosen algorithm's name for each row of ``X`` (all the columns it was fitted with)."""
        return np.asarray(self.selector_.predict(self._select_columns(X)))

    def predict_scores(self, X: Any) -> np.ndarray:
        """The chosen selector's scores (lower is better), instances x algorithms."""
        return self.selector_.predict_scores(self._select_columns(X))

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray | None:
        """The chosen selector's predicted costs (None when its scores are not costs)."""
        return self.selector_.costs_from_scores(scores)

    @property
    def score_label(self) -> str:  # type: ignore[override]
        """The chosen selector's (the scores are its)."""
        return str(self.selector_.score_label) if hasattr(self, "selector_") else "score, lower is better"

    def explain_arrays(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """The chosen selector's explanation on its columns, spread over the full row (0 importance elsewhere)."""
        d = raw.shape[1]
        importance, z = np.full(d, np.nan), np.full(d, np.nan)
        inner_importance, inner_z, forests = self.selector_.explain_arrays(raw[:, self.columns_])
        if forests:
            importance[:] = 0.0
        importance[self.columns_] = inner_importance
        z[self.columns_] = inner_z
        return importance, z, forests

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The chosen selector's decision on its columns of ``X``, with the steps it needs."""
        decision = self.selector_.decide(self._select_columns(X), C)
        return replace(decision, steps=None if self.steps_ is None else tuple(str(s) for s in self.steps_),
                       config=self.best_config_)
