"""The SATzilla-style pipeline: pre-solving schedule, features, backup solver, selector."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from asc.errors import UsageError
from asc.policy import MIN_FAILED, Decision, backup_column, backup_plans, plan_outcome, runtime_arrays, runtime_outcome
from asc.selectors.base import BaseSelector, cost_array, feature_array, fill_unset, n_rows
from asc.selectors.scoring import runner_up_plans

# Pre-solving slots tried, as fractions of the cutoff.
SLOT_FRACTIONS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
#: Defaults of :class:`SelectionPipeline`: relative gain a pre-solving slot must bring,
#: and training instances with failed features needed for a specific backup solver.
MIN_GAIN = 0.02
#: Minimum relative gains the pipeline's inner cross-validation chooses among when its
#: ``min_gain`` is ``None`` (``inf``: no pre-solving at all, kept on ties).
MIN_GAINS = (float("inf"), 0.04, 0.02, 0.01, 0.005)
#: Runner-up slots tried after the features, as fractions of the cutoff, and the relative
#: training PAR10 gain they must bring over none.
RUNNER_UP_FRACTIONS = (0.001, 0.002, 0.005, 0.02, 0.05)
RUNNER_UP_GAIN = 0.01


def greedy_schedule(choice: np.ndarray, costs: np.ndarray, feature_cost: np.ndarray, cutoff: float,
                    budget: float, max_presolvers: int | None, min_gain: float) -> list[tuple[int, float]]:
    """A pre-solving schedule chosen greedily against a selector's choices, by gain per second.

    Each step considers the (algorithm, slot) pairs that fit in what is left of the
    budget and lower the training PAR-k of the whole pipeline (schedule, features,
    selector) by at least ``min_gain`` (relative), and adds the one with the largest
    reduction *per second of slot*. This is the greedy rule of Streeter, Golovin and
    Smith for task-switching schedules ("Combining multiple heuristics online", AAAI
    2007; Streeter and Golovin, NIPS 2008), which comes within a constant factor of the
    best schedule because what a slot adds can only shrink as others are added. Taking
    the largest reduction instead lets one long slot that rescues the most instances
    fill the whole budget and leave no room for short slots of other solvers that
    rescue more together.

    Parameters
    ----------
    choice
        Per instance, the column the selector (with its backup) would run after the
        features: honest, cross-validated choices, so that the schedule is judged by
        what it adds to a selector that is sometimes wrong.
    costs
        Instances x algorithms PAR-k costs.
    feature_cost
        Seconds of feature computation per instance (paid by every instance the
        schedule does not solve).
    cutoff
        Runtime cutoff in seconds.
    budget
        Fraction of the cutoff the whole schedule may take.
    max_presolvers
        Most slots; ``None``: as many as fit in the budget (each algorithm once).
    min_gain
        Relative PAR-k improvement a slot must bring to be added.

    Returns
    -------
    list of (int, float)
        ``(algorithm column, seconds)`` slots in run order; empty when none pays.
    """
    runtime, solved, par = runtime_arrays(costs, cutoff)

    def objective(plan: list[tuple[int, float]]) -> float:
        return float(runtime_outcome(choice, runtime, solved, cutoff, par, feature_cost, None, plan).cost.mean())

    plan: list[tuple[int, float]] = []
    best = objective(plan)
    limit = budget * cutoff
    for _ in range(costs.shape[1] if max_presolvers is None else max_presolvers):
        used = sum(t for _, t in plan)
        candidates = [(a, f * cutoff) for a in range(costs.shape[1]) for f in SLOT_FRACTIONS
                      if used + f * cutoff <= limit + 1e-9 and all(a != p for p, _ in plan)]
        paying = [(value, c) for value, c in ((objective(plan + [c]), c) for c in candidates)
                  if value <= best * (1.0 - min_gain)]
        if not paying:
            break
        # max() keeps the first of equals: ties go to the shorter slot, then the lower column
        value, chosen = max(paying, key=lambda item: ((best - item[0]) / item[1][1], -item[1][1]))
        best = value
        plan.append(chosen)
    return plan


def cross_validated_min_gain(choice: np.ndarray, costs: np.ndarray, feature_cost: np.ndarray, cutoff: float,
                             budget: float, max_presolvers: int | None, folds: np.ndarray,
                             gains: tuple[float, ...] = MIN_GAINS) -> float:
    """The minimum gain whose schedules, learned on the other folds, cost least on each fold.

    How much pre-solving pays differs between scenarios: on some, short runs of a few
    solvers catch many instances a selector gets wrong; on others every slot only
    delays the selected solver. The greedy schedule's ``min_gain`` sets how much
    training evidence a slot needs. For each candidate gain, a schedule is learned on
    all folds but one (from the selector's out-of-fold ``choice``) and charged on the
    held-out fold; the gain with the lowest total PAR-k wins, the first (no
    pre-solving) on ties.
    """
    runtime, solved, par = runtime_arrays(costs, cutoff)
    totals = []
    for gain in gains:
        total = 0.0
        for fold in np.unique(folds):
            train, test = folds != fold, folds == fold
            plan = [] if not np.isfinite(gain) else greedy_schedule(
                choice[train], costs[train], feature_cost[train], cutoff, budget, max_presolvers, gain)
            total += float(runtime_outcome(choice[test], runtime[test], solved[test], cutoff, par,
                                           feature_cost[test], None, plan).cost.sum())
        totals.append(total)
    return float(gains[int(np.argmin(totals))])


def choose_runner_ups(scores: np.ndarray, failed: np.ndarray, backup: int | None, costs: np.ndarray,
                      feature_cost: np.ndarray, cutoff: float, schedule: list[tuple[int, float]], max_runner_ups: int,
                      fractions: tuple[float, ...] = RUNNER_UP_FRACTIONS,
                      min_gain: float = RUNNER_UP_GAIN) -> tuple[int, float]:
    """How many runner-ups to run briefly after the features, and for how long.

    Parameters
    ----------
    scores
        Instances x algorithms out-of-fold scores of the selector (lower is better);
        their arg-min is what the selector would run.
    failed, backup
        Per instance, whether the features failed, and the backup solver's column
        (``None``: none): it then runs alone, with no runner-up, as the evaluation
        charges it.
    costs, feature_cost, cutoff
        PAR-k costs, seconds of features per instance, runtime cutoff.
    schedule
        The pre-solving schedule ``(column, seconds)`` that runs before the features.
    max_runner_ups
        Most runner-ups tried.

    Returns
    -------
    (int, float)
        The number of runner-ups and the seconds of each slot; ``(0, 0.0)`` unless some
        slot lowers the training PAR-k by at least ``min_gain`` (relative).
    """
    runtime, solved, par = runtime_arrays(costs, cutoff)

    def total(runner_ups: int, seconds: float) -> float:
        plans = backup_plans(runner_up_plans(scores, runner_ups, seconds, cutoff), failed, backup, cutoff)
        return float(plan_outcome(plans, runtime, solved, cutoff, par, feature_cost, None, schedule).cost.mean())

    best, best_value = (0, 0.0), total(0, 0.0)
    threshold = best_value * (1.0 - min_gain)
    for runner_ups in range(1, min(max_runner_ups, costs.shape[1] - 1) + 1):
        for fraction in fractions:
            value = total(runner_ups, fraction * cutoff)
            if value < min(threshold, best_value):
                best, best_value = (runner_ups, fraction * cutoff), value
    return best


class SelectionPipeline(BaseSelector):
    """Pre-solve, compute features, fall back on failure, then select (SATzilla, 3S, AutoFolio).

    An inner selector and what is built around it, each learned on the training data only:

    1. **Pre-solving schedule.** Before any feature is computed, a few algorithms
       run for short slots. Easy instances are solved without paying for features
       and without the risk of a wrong choice (SATzilla
       2007-2012 pre-solvers; 3S and aspeed compute such schedules by optimisation).
       The schedule is chosen greedily (:func:`greedy_schedule`): from the slots
       ``SLOT_FRACTIONS x cutoff`` that fit in ``presolve_budget x cutoff`` and lower the
       training PAR10 of the whole pipeline by at least ``min_gain`` (relative; smaller
       gains do not survive to unseen instances), the (algorithm, slot) with the largest
       reduction per second is added, so that short slots of several solvers are
       preferred to one long one. The budget and the minimum gain bound the schedule,
       not a count of slots: a fixed count leaves budget unused where a further short
       slot still pays (benchmarks/RESULTS.md). The pipeline's PAR10 is computed with the inner
       selector's *cross-validated* training choices (3 folds, seeded) and the real
       feature costs, so the schedule is judged by what it adds to an honest selector,
       not to an overfitted one. With ``min_gain=None`` (the default) the same three
       folds also choose ``min_gain`` from :data:`MIN_GAINS`, no pre-solving included
       (:func:`cross_validated_min_gain`): how much pre-solving pays is a property of
       the scenario.
    2. **Backup solver.** When feature computation fails (a step crashes or times out),
       the instance goes to the algorithm with the lowest mean cost on the training
       instances whose features failed (SATzilla's backup solver), or to the single
       best when there are fewer than ``min_failed`` of them.
    3. **Selector.** The inner selector, fitted on all training instances.
    4. **Runner-up slots.** After the features, the ``runner_ups_`` algorithms the
       selector ranks next after its choice each run a short slot before the choice
       gets the rest of the cutoff (3S and ASAP hedge a selector's mistakes with such
       schedules; Kadioglu et al., CP 2011). A selector that misjudges an instance often
       still ranks the algorithm that solves it quickly second (a wrongly chosen local-
       search solver on an unsatisfiable input). How many runner-ups (up to ``max_runner_ups``) and how long
       (:data:`RUNNER_UP_FRACTIONS` of the cutoff) is chosen on the selector's
       out-of-fold scores of the same three inner folds, after the pre-solving schedule,
       and only if it lowers that training PAR10 by :data:`RUNNER_UP_GAIN` or more: on
       scenarios where the choice is rarely wrong by much, slots only delay it.
       Not learned for inner selectors that schedule per instance themselves (SUNNY).

    Parameters
    ----------
    selector
        The inner selector (unfitted; cloned).
    presolve_budget
        Fraction of the cutoff the schedule may take in total (0 disables pre-solving).
    max_presolvers
        Most runs in the schedule; ``None`` (the default): as many as the budget and
        ``min_gain`` allow, each algorithm at most once.
    backup
        Whether to learn a backup solver.
    min_failed
        Training instances with failed features needed to learn a specific backup.
    min_gain
        Relative training PAR10 improvement a schedule step must bring to be kept;
        ``None``: chosen by the inner cross-validation (fitted value: ``min_gain_``).
    max_runner_ups
        Most runner-up slots after the features (0 disables them; fitted values:
        ``runner_ups_`` and ``runner_up_seconds_``).
    cutoff
        Runtime cutoff in seconds; set by the evaluation from the scenario when ``None``.
    random_state
        Seed of the inner cross-validation and of the inner selector.
    """

    def __init__(self, selector: BaseEstimator | None = None, presolve_budget: float = 0.1,
                 max_presolvers: int | None = None,
                 backup: bool = True, min_failed: int = MIN_FAILED, min_gain: float | None = None,
                 max_runner_ups: int = 2, cutoff: float | None = None,
                 random_state: int | None = None) -> None:
        self.min_gain = min_gain
        self.max_runner_ups = max_runner_ups
        self.selector = selector
        self.presolve_budget = presolve_budget
        self.max_presolvers = max_presolvers
        self.backup = backup
        self.min_failed = min_failed
        self.cutoff = cutoff
        self.random_state = random_state

    def _inner(self) -> BaseEstimator:
        if self.selector is None:
            from asc.selectors.regression import PerAlgorithmRegressor

            inner = PerAlgorithmRegressor()
        else:
            inner = clone(self.selector)
        return fill_unset(inner, random_state=self.random_state)

    def fit(self, X: Any, C: Any, feature_cost: np.ndarray | None = None,
            feature_failed: np.ndarray | None = None, feature_steps: Any = None) -> SelectionPipeline:
        """Fit schedule, backup and inner selector.

        Parameters
        ----------
        X, C
            Features and PAR-k costs (instances x algorithms).
        feature_cost
            Seconds each training instance's features cost (default: 0).
        feature_failed
            Training instances whose feature computation failed (default: none).
        """
        if self.cutoff is None or self.cutoff <= 0:
            raise UsageError("the selection pipeline needs the runtime cutoff (cutoff=SECONDS)")
        costs, names = cost_array(C)
        n = len(costs)
        self.algorithms_ = names
        self.n_features_in_ = feature_array(X).shape[1]
        self.preprocessor_ = None
        cutoff = float(self.cutoff)
        fc = np.zeros(n) if feature_cost is None else np.asarray(feature_cost, dtype=float)
        failed = np.zeros(n, dtype=bool) if feature_failed is None else np.asarray(feature_failed, dtype=bool)
        self.selector_ = self._inner().fit(X, C)

        self.backup_ = str(names[backup_column(costs, failed, self.min_failed)]) if self.backup else None

        self.schedule_: list[tuple[str, float]] = []
        self.min_gain_ = self.min_gain
        self.runner_ups_, self.runner_up_seconds_ = 0, 0.0
        presolve = self.presolve_budget > 0 and (self.max_presolvers is None or self.max_presolvers > 0)
        hedge = self.max_runner_ups > 0 and not self.selector_.schedules_per_instance
        if (presolve or hedge) and n >= 6:
            backup = None if self.backup_ is None else list(names).index(self.backup_)
            # the same three folds give the selector's honest choices and judge the minimum gain
            folds = np.random.RandomState(self.random_state).permutation(n) % 3
            scores = self._cv_scores(X, C, folds)
            choice = np.argmin(scores, axis=1)
            if backup is not None:
                choice = np.where(failed, backup, choice)
            plan: list[tuple[int, float]] = []
            if presolve:
                plan = self._schedule(choice, costs, fc, cutoff, folds)
                self.schedule_ = [(str(names[a]), float(t)) for a, t in plan]
            if hedge:
                self.runner_ups_, self.runner_up_seconds_ = choose_runner_ups(
                    scores, failed, backup, costs, fc, cutoff, plan, self.max_runner_ups)
        return self

    def _cv_scores(self, X: Any, C: Any, folds: np.ndarray) -> np.ndarray:
        """The inner selector's out-of-fold scores on the training instances."""
        scores = np.zeros((len(folds), len(self.algorithms_)))
        Xa = X.iloc if hasattr(X, "iloc") else X
        Ca = C.iloc if hasattr(C, "iloc") else C
        for fold in range(3):
            train, test = folds != fold, folds == fold
            model = self._inner().fit(Xa[train], Ca[train])
            scores[test] = np.asarray(model.predict_scores(Xa[test]), dtype=float)
        return scores

    def _schedule(self, choice: np.ndarray, costs: np.ndarray, fc: np.ndarray, cutoff: float,
                  folds: np.ndarray) -> list[tuple[int, float]]:
        if self.min_gain is None:
            self.min_gain_ = cross_validated_min_gain(choice, costs, fc, cutoff, self.presolve_budget,
                                                      self.max_presolvers, folds)
        if not np.isfinite(self.min_gain_):
            return []
        return greedy_schedule(choice, costs, fc, cutoff, self.presolve_budget, self.max_presolvers, self.min_gain_)

    def predict_schedule(self, X: Any) -> list[list[tuple[str, float]]] | None:
        """Per instance, the runner-up slots and then the choice, run after the features.

        ``None`` when the pipeline learned no runner-up slot (the choice runs alone).
        """
        if not self.runner_ups_:
            return None
        plans = runner_up_plans(self.predict_scores(X), self.runner_ups_, self.runner_up_seconds_, float(self.cutoff))
        return [[(str(self.algorithms_[a]), t) for a, t in plan] for plan in plans]

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The inner selector's decision, with the schedule, the backup and the runner-up slots around it.

        An inner selector that schedules per instance (SUNNY) keeps its plans: the
        pipeline learns no runner-up slots for it.
        """
        inner = self.selector_.decide(X, C)
        plans = inner.plans
        if self.runner_ups_ and n_rows(X):
            slots = runner_up_plans(inner.scores, self.runner_ups_, self.runner_up_seconds_, float(self.cutoff))
            plans = tuple(tuple((str(self.algorithms_[a]), t) for a, t in plan) for plan in slots)
        return replace(inner, schedule=tuple((str(a), float(t)) for a, t in self.schedule_), backup=self.backup_,
                       plans=plans, uses_features=True)

    def predict(self, X: Any) -> np.ndarray:
        """The inner selector's choice (the schedule and backup are applied by whoever runs it)."""
        return np.asarray(self.selector_.predict(X))

    def predict_scores(self, X: Any) -> np.ndarray:
        """The inner selector's scores."""
        return self.selector_.predict_scores(X)

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray | None:
        """The inner selector's predicted costs (None when its scores are not costs)."""
        return self.selector_.costs_from_scores(scores)

    def explain_arrays(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """The inner selector's explanation."""
        return self.selector_.explain_arrays(raw)

    @property
    def score_label(self) -> str:  # type: ignore[override]
        """The inner selector's (the scores are its)."""
        return str(self.selector_.score_label) if hasattr(self, "selector_") else "score, lower is better"

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:  # pragma: no cover - fit is overridden
        raise TypeError("SelectionPipeline.fit is the entry point")

    def _scores(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - predict_scores is overridden
        return self.selector_.predict_scores(X)
