"""SMAC search over selection methods: selector, hyperparameters, feature steps, pre-solving.

The search follows AutoFolio (Lindauer, Hoos, Hutter and Schaub, JAIR 2015): one joint,
conditional configuration space holds the choice of selector, each selector's
hyperparameters (active only when that selector is chosen), which optional feature
steps to compute, and whether to wrap the selector in the SATzilla-style pre-solving
pipeline. A configuration is scored by the PAR-k (or quality cost) of its choices
under an inner cross-validation on the training data it is given, charged the feature
cost of the steps it uses exactly as the outer evaluation would charge it. SMAC
(random-forest surrogate, expected improvement, interleaved random configurations)
proposes the configurations; the search stops at a wall-clock budget or a trial cap.

Everything here sees only the data passed in: called inside an outer cross-validation
it sees one fold's training part and nothing else.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from asc.errors import UsageError

if TYPE_CHECKING:  # ConfigSpace and scikit-learn load only when a search runs
    from ConfigSpace import ConfigurationSpace
    from sklearn.base import BaseEstimator

    from asc.aslib.views import FeatureSteps

log = logging.getLogger(__name__)

#: Selectors the search may choose among. The order is the order of preference: the
#: space's default configuration (SMAC's first trial) is the first candidate with its
#: registry defaults, the other candidates' defaults follow, and among trials of
#: indistinguishable cost the earliest is kept (:func:`choose_trial`). So the order
#: decides what a noisy inner cross-validation falls back on, and it follows the fixed
#: selectors' record over all seven runtime scenarios of benchmarks/RESULTS.md: the
#: joint regression and pairwise regression are never far from the best and never
#: catastrophic (they alone never pick a rare timeout on the bundled scenario), and the
#: joint regression is the cheaper to fit by an order of magnitude, so the search gets
#: more trials; the other forests follow, the selectors that were far behind somewhere
#: come last.
DEFAULT_CANDIDATES: tuple[str, ...] = ("joint-regression", "pairwise-regression", "rf-regression", "pairwise-rf",
                                       "multiclass-rf", "rf-regression-raw", "sunny", "knn", "isac", "sbs")

YES, NO = "yes", "no"
#: The value of ``presolve:max_presolvers`` that sets no cap on the number of slots.
UNCAPPED = "none"

#: Candidates that run a schedule per instance after the features (judged by it).
SCHEDULING: frozenset[str] = frozenset({"sunny"})


def _forest(n_estimators: int, max_features: float, upper: int = 200) -> list[tuple]:
    """Random-forest hyperparameters shared by the forest-based selectors."""
    return [
        ("n_estimators", "int", (10, upper), n_estimators, True),
        ("max_features", "float", (0.05, 1.0), max_features, False),
        ("min_samples_leaf", "int", (1, 20), 1, True),
    ]


#: Floors of the log-cost regressions' target, as fractions of the largest training cost
#: (``log_offset``; 0 is the plain log cost, 0.01 a tenth of the cutoff under PAR10).
#: Which pays depends on the scenario (benchmarks/RESULTS.md), so the search chooses.
LOG_OFFSETS = ("log_offset", "cat", (0.0, 0.001, 0.01), 0.0, False)

#: Per selector: (parameter, kind, range or choices, default, log scale). Defaults are
#: the registry's (``"sqrt"`` of SAT-sized feature sets written as the fraction 0.15,
#: SUNNY's square root of the training set size written as 16, its value for ~250 instances),
#: ranges are kept where one trial stays affordable within a budget of minutes.
SEARCH_SPACES: dict[str, list[tuple]] = {
    "rf-regression": [*_forest(100, 1.0), LOG_OFFSETS],
    "rf-regression-raw": _forest(100, 1.0),
    "joint-regression": [*_forest(200, 0.5, upper=400), LOG_OFFSETS],
    "pairwise-regression": [*_forest(50, 0.5), LOG_OFFSETS],
    "pairwise-rf": _forest(50, 0.15),
    "multiclass-rf": _forest(200, 0.15, upper=400),
    "sunny": [("n_neighbors", "int", (3, 64), 16, True), ("max_portfolio", "int", (1, 4), 3, False)],
    "knn": [("n_neighbors", "int", (1, 50), 15, True), ("weights", "cat", ("uniform", "distance"), "uniform", False)],
    "isac": [("max_clusters", "int", (2, 16), 8, False), ("min_cluster_size", "int", (1, 20), 5, True)],
    "sbs": [],
}


def plain(value: Any) -> Any:
    """NumPy scalars as Python ones, so configurations are plain, storable data."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def check_candidates(candidates: Sequence[str] | None) -> tuple[str, ...]:
    """The candidate selectors, validated (default :data:`DEFAULT_CANDIDATES`)."""
    chosen = tuple(DEFAULT_CANDIDATES if candidates is None else candidates)
    if not chosen:
        raise UsageError("the selector search needs at least one candidate selector")
    unknown = [c for c in chosen if c not in SEARCH_SPACES]
    if unknown:
        raise UsageError(f"selector {unknown[0]!r} cannot be searched (searchable: {', '.join(SEARCH_SPACES)})")
    return tuple(dict.fromkeys(chosen))


def build_space(candidates: Sequence[str], steps: Sequence[str] = (), presolve: bool = False,
                seed: int = 0) -> ConfigurationSpace:
    """The joint conditional configuration space.

    Parameters
    ----------
    candidates
        Selector names (keys of :data:`SEARCH_SPACES`); the first is the default.
    steps
        Feature steps that may be switched off (``step:NAME`` yes/no, default yes);
        fewer than two steps give no step choice. A configuration switching every
        step off is forbidden.
    presolve
        Offer the pre-solving pipeline (``presolve`` yes/no, default no, with its
        budget and its cap on the number of pre-solvers: 1-4 or none).
    seed
        Seed of the space's sampler.
    """
    from ConfigSpace import (Categorical, ConfigurationSpace, EqualsCondition, Float, ForbiddenAndConjunction,
                             ForbiddenEqualsClause, InCondition, Integer, OrdinalHyperparameter)

    candidates = check_candidates(candidates)
    space = ConfigurationSpace(seed=seed)
    selector = Categorical("selector", list(candidates), default=candidates[0])
    space.add(selector)
    for name in candidates:
        for param, kind, bounds, default, log_scale in SEARCH_SPACES[name]:
            key = f"{name}:{param}"
            if kind == "cat":
                hp = Categorical(key, list(bounds), default=default)
            elif kind == "int":
                hp = Integer(key, bounds, default=default, log=log_scale)
            else:
                hp = Float(key, bounds, default=default, log=log_scale)
            space.add(hp, EqualsCondition(hp, selector, name))
    # Steps and pre-solving only matter to selectors that look at the features.
    featured = [c for c in candidates if c != "sbs"]
    if len(steps) >= 2 and featured:
        hps = [Categorical(f"step:{s}", [YES, NO], default=YES) for s in steps]
        for hp in hps:
            space.add(hp, InCondition(hp, selector, featured) if len(featured) < len(candidates) else None)
        space.add(ForbiddenAndConjunction(*[ForbiddenEqualsClause(hp, NO) for hp in hps]))
    # A selector that schedules per instance (SUNNY) is not wrapped in a pre-solving schedule.
    single = [c for c in featured if c not in SCHEDULING]
    if presolve and single:
        use = Categorical("presolve", [NO, YES], default=NO)
        budget = Float("presolve:budget", (0.01, 0.25), default=0.1, log=True)
        # "none": as many slots as the budget and the minimum gain allow (the pipeline's
        # default); an ordinal rather than a categorical so that SMAC's forest sees the order.
        runs = OrdinalHyperparameter("presolve:max_presolvers", [*map(str, range(1, 5)), UNCAPPED],
                                     default_value=UNCAPPED)
        space.add(use, InCondition(use, selector, single) if len(single) < len(candidates) else None)
        space.add(budget, EqualsCondition(budget, use, YES))
        space.add(runs, EqualsCondition(runs, use, YES))
    return space


def candidate_defaults(space: ConfigurationSpace) -> list[Any]:
    """Each candidate selector with its default hyperparameters, all steps and no pre-solving."""
    from ConfigSpace import Configuration

    configs = []
    for name in space["selector"].choices:
        values: dict[str, Any] = {"selector": name}
        values.update({f"{name}:{p}": d for p, _, _, d, _ in SEARCH_SPACES[name]})
        if name != "sbs":
            values.update({k: YES for k in space if k.startswith("step:")})
            if "presolve" in space and name not in SCHEDULING:
                values["presolve"] = NO
        configs.append(Configuration(space, values=values))
    return configs


@dataclass(frozen=True)
class Decoded:
    """A configuration as what it means: the selector to build and the steps it uses."""

    selector: str
    params: dict[str, Any]
    steps: tuple[str, ...] | None     # None: every column, no step structure known
    presolve: dict[str, Any] | None   # pipeline parameters, or None for no pipeline


def decode(config: Mapping[str, Any], structure: FeatureSteps | None) -> Decoded:
    """Read a configuration (a mapping of active hyperparameters)."""
    config = {k: plain(v) for k, v in dict(config).items()}
    name = str(config["selector"])
    params = {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(name + ":")}
    steps: tuple[str, ...] | None
    if structure is None:
        steps = None
    elif name == "sbs":
        steps = ()  # ignores the features: computes (and pays for) none
    else:
        chosen = [s for s in structure.steps if config.get(f"step:{s}", YES) == YES]
        steps = structure.closure(chosen or structure.steps)
    presolve = None
    if config.get("presolve") == YES:
        cap = config["presolve:max_presolvers"]
        presolve = {"presolve_budget": float(config["presolve:budget"]),
                    "max_presolvers": None if cap == UNCAPPED else int(cap)}
    return Decoded(name, params, steps, presolve)


def build_selector(decoded: Decoded, cutoff: float | None, random_state: int) -> BaseEstimator:
    """An unfitted selector for a decoded configuration, seeded, on one thread."""
    from asc.selectors.registry import make_selector

    selector = make_selector(decoded.selector, **decoded.params)
    params = selector.get_params()
    if "random_state" in params:
        selector.set_params(random_state=random_state)
    if "n_jobs" in params:
        selector.set_params(n_jobs=1)  # the search's trials are sequential; one core each
    if "cutoff" in params and cutoff is not None:
        selector.set_params(cutoff=cutoff)  # SUNNY fills the cutoff with its schedule
    if decoded.presolve is None or cutoff is None:
        return selector
    from asc.selectors.pipeline import MIN_GAIN, SelectionPipeline

    # The search judged this configuration with MIN_GAIN and without runner-up slots
    # (_presolving_costs); the fitted pipeline keeps both.
    return SelectionPipeline(selector, cutoff=cutoff, random_state=random_state, min_gain=MIN_GAIN,
                             max_runner_ups=0, **decoded.presolve)


@dataclass(frozen=True)
class SearchProblem:
    """The training data a search sees.

    Attributes
    ----------
    X
        Instances x features (all features the selector is given).
    C
        Instances x algorithms costs (PAR-k for runtime scenarios).
    cutoff
        Runtime cutoff in seconds, ``None`` for quality scenarios.
    feature_cost, feature_failed
        Per instance: charged cost of all features and whether they failed (used when
        ``structure`` is ``None``).
    structure
        The feature steps behind ``X``, or ``None`` when the columns cannot be told apart
        by step (then no step choice).
    """

    X: pd.DataFrame
    C: pd.DataFrame
    cutoff: float | None
    feature_cost: np.ndarray
    feature_failed: np.ndarray
    structure: FeatureSteps | None = None

    def columns(self, steps: tuple[str, ...] | None) -> list[int]:
        """Positions in ``X`` of the columns a step subset provides (all for ``None``)."""
        if steps is None or self.structure is None:
            return list(range(self.X.shape[1]))
        wanted = set(self.structure.columns(steps))
        return [i for i, c in enumerate(self.X.columns) if str(c) in wanted]

    def charges(self, steps: tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Charged feature cost, presolved flags and failed flags for a step subset."""
        if steps is None or self.structure is None:
            return self.feature_cost, None, self.feature_failed
        return self.structure.charges(steps)


class _TrialCut(BaseException):
    """A trial abandoned because it would end after the search's deadline (never leaves :func:`search`).

    A ``BaseException``, as ``KeyboardInterrupt`` is: raised from a signal handler in
    the middle of a fit, it must not be taken for a failure of the fit by an
    ``except Exception`` on the way up.
    """


@dataclass
class _TrialClock:
    """The deadline of the trial under way, checked before each inner fold's fit.

    A trial's cost is known only once every inner fold is scored, so a trial that
    cannot end by the deadline is worth nothing: it is abandoned as soon as the
    deadline has passed, or as soon as the folds fitted so far show that the
    remaining ones would end after it (their mean fit time times the folds left).
    Checking between folds, not only between trials, bounds the overrun by one
    fold's fit instead of one whole trial.

    Attributes
    ----------
    deadline
        ``time.monotonic()`` by which the trial must end.
    n_folds
        Inner folds of the trial (fits it makes).
    fits
        ``(seconds, rows)`` of each fit so far.
    """

    deadline: float
    n_folds: int
    fits: list[tuple[float, int]] = field(default_factory=list)

    def before_fit(self) -> None:
        now = time.monotonic()
        if now >= self.deadline:
            raise _TrialCut("the deadline has passed")
        if self.fits:
            mean = sum(seconds for seconds, _ in self.fits) / len(self.fits)
            if now + mean * max(self.n_folds - len(self.fits), 1) > self.deadline:
                raise _TrialCut("the remaining folds would end after the deadline")

    def refit_seconds(self, n: int, presolve: bool) -> float:
        """Expected seconds of fitting this trial's configuration on all ``n`` instances.

        Scaled linearly from the folds' fits (a forest's fit grows a little faster, a
        small error next to the trial-to-trial spread); a pre-solving pipeline fits
        its selector on all the data and once more per fold of its own three-fold
        cross-validation (two thirds each): about three full fits.
        """
        if not self.fits:
            return 0.0
        seconds = sum(s for s, _ in self.fits) / len(self.fits)
        rows = max(sum(r for _, r in self.fits) / len(self.fits), 1.0)
        return seconds * n / rows * (3.0 if presolve else 1.0)


#: The clock of the trial under way in this thread (``None`` outside a search's trial).
_TRIAL_CLOCK: contextvars.ContextVar[_TrialClock | None] = contextvars.ContextVar("asc_trial_clock", default=None)


def _on_trial_clock(fit: Callable[..., BaseEstimator]) -> Callable[..., BaseEstimator]:
    """Wrap :func:`fit_configured` so that a trial under a deadline is checked and timed at each fit.

    Every inner fold of a trial fits through :func:`fit_configured`, whatever charges
    the trial (:func:`cross_validated_costs`, :func:`_presolving_costs`), so this is
    where a trial can be cut between folds without those functions knowing about
    deadlines. Outside a search's trial (the final refit, other callers) it does nothing.
    """

    @functools.wraps(fit)
    def timed(decoded: Decoded, problem: SearchProblem, rows: np.ndarray | slice,
              random_state: int) -> BaseEstimator:
        clock = _TRIAL_CLOCK.get()
        if clock is None:
            return fit(decoded, problem, rows, random_state)
        clock.before_fit()
        begun = time.monotonic()
        model = fit(decoded, problem, rows, random_state)
        clock.fits.append((time.monotonic() - begun, len(np.arange(len(problem.C))[rows])))
        return model

    return timed


@contextlib.contextmanager
def _interrupt_at(deadline: float) -> Iterator[None]:
    """Raise :class:`_TrialCut` in whatever runs when ``deadline`` (``time.monotonic()``) passes.

    Checks between inner folds (:class:`_TrialClock`) cannot stop a fold's fit under
    way, and the first fold of a trial has no earlier fold to project from, so a
    trial started near the deadline would overrun by a whole fit (on a few hundred
    instances and fifteen algorithms, a pairwise forest's fold takes seconds to tens
    of seconds). A one-shot ``SIGALRM`` cuts the fit itself: Python runs the handler
    between bytecodes, and forests fit tree by tree in Python, so the trial stops
    within a tree's fit. The trial's half-built models are thrown away; context
    managers and ``finally`` blocks on the way up restore what they changed.

    Only in the main thread of a POSIX process (where Python delivers signals), and
    only when nothing else uses ``SIGALRM`` (a handler of someone else's installed, or
    a timer running): otherwise this does nothing and the trial is cut between folds.
    """
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
              and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))
    if not usable:
        yield
        return
    armed = [True]

    def cut(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _TrialCut("the deadline passed during a fit")

    previous = signal.signal(signal.SIGALRM, cut)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
        yield
    finally:
        try:
            armed[0] = False  # first: a signal arriving from here on is a no-op
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@_on_trial_clock
def fit_configured(decoded: Decoded, problem: SearchProblem, rows: np.ndarray | slice,
                   random_state: int) -> BaseEstimator:
    """Fit the configured selector on some rows of the problem (its chosen columns only)."""
    cols = problem.columns(decoded.steps)
    model = build_selector(decoded, problem.cutoff, random_state)
    cost, _, failed = problem.charges(decoded.steps)
    return model.fit(problem.X.iloc[rows, cols], problem.C.iloc[rows], feature_cost=np.asarray(cost)[rows],
                     feature_failed=np.asarray(failed)[rows])


def cross_validated_costs(config: Mapping[str, Any], problem: SearchProblem, folds: np.ndarray,
                          random_state: int) -> np.ndarray:
    """Per-instance cost of a configuration's choices under the inner cross-validation ``folds``.

    Each fold's decision is charged by the policy the outer evaluation charges
    (:func:`asc.policy.charge`): the feature cost of the configuration's steps,
    presolved instances solved at their feature cost, a pipeline's schedule first and
    its backup solver where the features failed.
    """
    from asc import policy
    from asc.policy import runtime_arrays

    decoded = decode(config, problem.structure)
    costs = problem.C.to_numpy(dtype=float)
    cost, presolved, failed = problem.charges(decoded.steps)
    cols = problem.columns(decoded.steps)
    if decoded.presolve is not None and problem.cutoff is not None:
        return _presolving_costs(decoded, problem, folds, random_state, costs, cost, presolved, failed)
    index = {str(a): i for i, a in enumerate(problem.C.columns)}
    out = np.zeros(len(folds))
    for fold in np.unique(folds):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        decision = fit_configured(decoded, problem, train, random_state).decide(problem.X.iloc[test, cols])
        if problem.cutoff is None:
            out[test] = policy.quality_outcome(decision, costs[test], costs[test] == costs[test], failed[test],
                                               columns=index).cost
            continue
        runtime, solved, par = runtime_arrays(costs, float(problem.cutoff))
        out[test] = policy.charge(decision, runtime[test], solved[test], float(problem.cutoff), par, cost[test],
                                  None if presolved is None else presolved[test], failed[test], columns=index).cost
    return out


def _presolving_costs(decoded: Decoded, problem: SearchProblem, folds: np.ndarray, random_state: int,
                      costs: np.ndarray, feature_cost: np.ndarray,
                      presolved: np.ndarray | None, failed: np.ndarray) -> np.ndarray:
    """Per-instance costs of a selector wrapped in the pre-solving pipeline, without refitting it per schedule.

    The pipeline (:class:`asc.selectors.pipeline.SelectionPipeline`) learns its schedule
    against cross-validated choices of its inner selector; fitted inside each inner
    fold it would cross-validate again (four fits per fold instead of one). The inner
    cross-validation already gives every instance an out-of-fold choice, so here the
    inner selector is fitted once per fold, and for each fold the schedule and backup
    solver are learned exactly as the pipeline learns them, from the *other* folds'
    out-of-fold choices and costs, then charged on the fold's instances as the outer
    evaluation charges them. The schedule therefore never sees the instances it is
    judged on.
    """
    from asc.policy import Decision, charge, runtime_arrays
    from asc.policy import MIN_FAILED, backup_column
    from asc.selectors.pipeline import MIN_GAIN, greedy_schedule

    plain_selector = Decoded(decoded.selector, decoded.params, decoded.steps, None)
    cols = problem.columns(decoded.steps)
    choice = np.zeros(len(folds), dtype=np.int64)
    for fold in np.unique(folds):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        choice[test] = fit_configured(plain_selector, problem, train, random_state).decide(
            problem.X.iloc[test, cols]).choice
    cutoff = float(problem.cutoff)
    runtime, solved, par = runtime_arrays(costs, cutoff)
    algorithms = tuple(str(a) for a in problem.C.columns)
    assert decoded.presolve is not None
    budget = float(decoded.presolve["presolve_budget"])
    max_presolvers = decoded.presolve["max_presolvers"]
    out = np.zeros(len(folds))
    for fold in np.unique(folds):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        backup = backup_column(costs[train], failed[train], MIN_FAILED)
        chosen = np.where(failed, backup, choice)
        plan = greedy_schedule(chosen[train], costs[train], feature_cost[train], cutoff, budget, max_presolvers,
                               MIN_GAIN)
        decision = Decision(algorithms, choice[test], schedule=tuple((algorithms[a], float(t)) for a, t in plan),
                            backup=algorithms[backup])
        out[test] = charge(decision, runtime[test], solved[test], cutoff, par, feature_cost[test],
                           None if presolved is None else presolved[test], failed[test]).cost
    return out


def choose_trial(costs: Sequence[np.ndarray], tolerance: float = 1.0) -> int:
    """The trial to keep: the first whose cost is within ``tolerance`` standard errors of the best.

    Trials come in order of preference (the candidates' defaults first, the space
    default leading, then SMAC's proposals). Inner cross-validated costs are noisy: on a
    few hundred instances, one or two timeouts more or less separate most good
    selectors, and the lowest of many noisy estimates is biased low (the winner's
    curse). So, as in the one-standard-error rule of Breiman et al. (CART, 1984), a
    configuration is kept when its mean per-instance cost exceeds the best one's by at
    most ``tolerance`` standard errors of their paired per-instance differences; the
    earliest such trial wins. ``tolerance=0`` keeps the lowest mean (earliest on ties).
    """
    means = [float(np.mean(c)) for c in costs]
    best = min(range(len(costs)), key=lambda i: (means[i], i))
    if tolerance <= 0:
        return best
    for i, c in enumerate(costs):
        diff = np.asarray(c, dtype=float) - np.asarray(costs[best], dtype=float)
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        if diff.mean() <= tolerance * se + 1e-12:
            return i
    return best


#: Training sets smaller than this get 10 inner folds, larger ones 3 (see :func:`default_n_folds`).
SMALL_TRAINING_SET = 500


def default_n_folds(n: int) -> int:
    """Inner cross-validation folds for ``n`` training instances: 10 below :data:`SMALL_TRAINING_SET`, else 3.

    Every training instance is judged once whatever the number of folds; what the
    number changes is how much data each inner model sees, hence how closely the inner
    costs predict the final model's. On a few hundred instances or fewer a model
    trained on two thirds misses the rare instances where a wrong pick times out, and
    the search then prefers selectors that time out on unseen instances; 10 folds, as
    AutoFolio uses, avoid that (benchmarks/RESULTS.md). On larger sets 3 folds are
    close enough and leave the budget three times as many trials.
    """
    return 10 if n < SMALL_TRAINING_SET else 3


def inner_folds(n: int, n_folds: int, random_state: int) -> np.ndarray:
    """Seeded fold labels for ``n`` instances (every fold gets at least one when possible)."""
    if n < 2:
        raise UsageError(f"the selector search needs at least 2 training instances, found {n}")
    k = max(2, min(n_folds, n))
    return np.random.RandomState(random_state).permutation(n) % k


@dataclass
class SearchResult:
    """What a search found.

    Attributes
    ----------
    best_config
        The configuration kept (see :func:`choose_trial`; plain data: active hyperparameters only).
    best_cost
        Its inner cross-validated cost (mean per instance); NaN when no trial ended within
        the budget and the space default was kept unmeasured.
    history
        Every completed trial in order: ``{"config", "cost", "seconds", "started"}``
        (``started``: seconds after the search began).
    seconds
        Wall-clock time of the whole search.
    cut
        Trials abandoned because they would have ended after the deadline.
    refit_seconds
        Expected seconds of fitting the kept configuration on all the data (the time
        the search left for it within the budget).
    """

    best_config: dict[str, Any]
    best_cost: float
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    cut: int = 0
    refit_seconds: float = 0.0


def _ordered_maximizer(scenario: Any) -> Any:
    """SMAC's acquisition maximizer, with local-search start points in a reproducible order.

    SMAC's local search collects its start points in a ``set`` of configurations, whose
    iteration order follows string hashing and so changes with ``PYTHONHASHSEED`` from
    one process to the next: the same seed would propose different configurations in
    different runs. Sorting the start points by their text restores seeded behaviour.
    """
    from smac import HyperparameterOptimizationFacade
    from smac.acquisition.maximizer.local_search import LocalSearch

    class OrderedLocalSearch(LocalSearch):
        def _get_initial_points(self, *args: Any, **kwargs: Any) -> list[Any]:
            return sorted(super()._get_initial_points(*args, **kwargs), key=repr)

    maximizer = HyperparameterOptimizationFacade.get_acquisition_maximizer(scenario)
    local = getattr(maximizer, "_local_search", None)
    if isinstance(local, LocalSearch) and type(local) is LocalSearch:
        local.__class__ = OrderedLocalSearch
    else:  # another SMAC layout: still correct, only not reproducible across processes
        log.debug("SMAC's local search is not the expected class; start points keep SMAC's order")
    return maximizer


class StderrProgress:
    """Reports a search's progress on stderr: a bar on a terminal, log lines otherwise.

    A search of minutes that prints nothing cannot be told from a hung one, so every
    report says how many trials ended (and were cut), the lowest inner cost so far
    and the time left. On a terminal, and only in the main process, a tqdm bar is
    redrawn in place; elsewhere (a pipe, a log file, or a worker process of a
    parallel evaluation, whose bars would overwrite each other on the shared
    terminal) a line is written when the lowest cost improves and otherwise at most
    every ``every`` seconds, so that a log grows by lines per minute, not per trial.
    A line opens and one closes each search.

    Parameters
    ----------
    stream
        Where to write (default: ``sys.stderr`` at the time of each event).
    every
        Least seconds between two lines that report no news.
    label
        Prefix naming the search in lines (several searches may share a log).
    """

    def __init__(self, stream: IO[str] | None = None, every: float = 10.0, label: str = "search") -> None:
        self.stream = stream
        self.every = every
        self.label = label
        self._bar: Any = None
        self._last = -float("inf")
        self._best = float("inf")

    @property
    def _out(self) -> IO[str]:
        return self.stream if self.stream is not None else sys.stderr

    def _line(self, text: str) -> None:
        self._out.write(f"asc: {self.label}: {text}\n")
        self._out.flush()

    def _wants_bar(self) -> bool:
        from asc.progress import on_terminal

        return on_terminal(self._out)

    def __call__(self, event: Mapping[str, Any]) -> None:
        status = event["status"]
        if status == "start":
            self._start(event)
        elif status == "done":
            self._done(event)
        else:
            self._trial(event)

    def _start(self, event: Mapping[str, Any]) -> None:
        cap = event.get("n_trials")
        if self._wants_bar():
            from asc.progress import progress_bar

            self._bar = progress_bar(cap, unit=" trials", desc=self.label, stream=self._out, leave=False)
            self._bar.set_postfix_str(f"{event['budget']:.0f} s left")
        else:
            what = f"at most {cap} trials, " if cap is not None else ""
            self._line(f"{event['instances']} instances, {event['folds']} inner folds; "
                       f"{what}{event['budget']:g} s budget")
            self._last = time.monotonic()

    def _trial(self, event: Mapping[str, Any]) -> None:
        best = event["best_cost"]
        improved = best < self._best
        self._best = min(self._best, best)
        done, cut, left = event["trials"], event["cut"], max(event["left"], 0.0)
        best_text = f"best {best:.6g}" if np.isfinite(best) else "no trial ended yet"
        cut_text = f", {cut} cut" if cut else ""
        if self._bar is not None:
            if event["status"] == "ok":
                self._bar.update(1)
            self._bar.set_postfix_str(f"{best_text}, {left:.0f} s left{cut_text}")
            return
        now = time.monotonic()
        if improved or now - self._last >= self.every:
            if event["status"] == "cut":
                what = f"{event['config']['selector']} cut (it would end after the deadline)"
            else:
                what = f"trial {done} ({event['config']['selector']}) cost {event['cost']:.6g}"
            self._line(f"{what}; {best_text} of {done} trials{cut_text}, {left:.0f} s left")
            self._last = now

    def _done(self, event: Mapping[str, Any]) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        cut = f" ({event['cut']} cut short by the deadline)" if event["cut"] else ""
        cost = event["best_cost"]
        judged = f"inner cost {cost:.6g}" if np.isfinite(cost) else "not measured: no trial ended in time"
        self._line(f"{event['trials']} trials{cut} in {event['seconds']:.1f} s; chose "
                   f"{event['config']['selector']} ({judged}); fitting it on all {event['instances']} instances")


def _make_facade(space: Any, output: Path, budget: float, trials: int, worst: float, seed: int) -> Any:
    """SMAC's HPO facade for an ask/tell search: every candidate's defaults first, one core, no prompt.

    Each candidate's defaults come first (the space default, the first candidate, leads):
    known-good points before the surrogate has anything to learn from. SMAC's default
    surrogate forest uses every core; one is ours. ``overwrite=True`` into a fresh
    folder: SMAC never asks on stdin.
    """
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.initial_design import DefaultInitialDesign
    from smac.model.random_forest import RandomForest

    def unused_target(config: Any, seed: int = 0) -> float:  # pragma: no cover - trials run through ask/tell
        raise AssertionError("the search runs its trials itself")

    scenario = Scenario(space, name="selector-search", output_directory=output, deterministic=True,
                        walltime_limit=budget, n_trials=trials, crash_cost=worst, seed=seed, n_workers=1)
    extra = [c for c in candidate_defaults(space) if c != space.get_default_configuration()]
    initial = DefaultInitialDesign(scenario, n_configs=1, additional_configs=extra[: max(0, trials - 1)])
    model = RandomForest(space, log_y=True, n_trees=10, ratio_features=1.0, min_samples_split=2,
                         min_samples_leaf=1, seed=seed, n_jobs=1)
    return HyperparameterOptimizationFacade(
        scenario, unused_target, model=model, initial_design=initial,
        acquisition_maximizer=_ordered_maximizer(scenario),
        intensifier=HyperparameterOptimizationFacade.get_intensifier(scenario, max_config_calls=1),
        logging_level=False, overwrite=True)


def search(problem: SearchProblem, budget: float, n_trials: int | None = None, n_folds: int | None = None,
           candidates: Sequence[str] | None = None, choose_steps: bool = True, presolve: bool = True,
           tolerance: float = 1.0, seed: int = 0,
           progress: Callable[[Mapping[str, Any]], None] | None = None, reserve_refit: bool = True) -> SearchResult:
    """Run SMAC over the joint space on ``problem`` and return the best configuration.

    The budget is a wall-clock deadline, ``budget`` seconds after the call, for the
    search and, with ``reserve_refit``, for the final fit of the configuration kept:

    * no trial starts once the time left is less than the expected final fit of the
      configuration currently kept (:meth:`_TrialClock.refit_seconds`), and SMAC is
      asked for no proposal that could take longer than what is left (every few
      trials a proposal refits SMAC's surrogate: the longest so far is the estimate);
    * a trial under way is cut before an inner fold when the deadline minus that
      reserve has passed, or when its folds so far show it would end after it
      (:class:`_TrialClock`), and in the middle of a fit when the deadline passes
      (:func:`_interrupt_at`, where signals allow); SMAC is told it crashed, at the
      search's failure cost, so its model steers away from configurations too slow
      for what is left, and the search goes on while there is time (a cheaper
      configuration may still fit);
    * when no trial ended in time the space default (the first candidate with its
      defaults, the search's own first trial) is kept unmeasured, with a warning,
      rather than failing: a too-small budget still gives a selector.

    So the search overruns by the time Python takes to reach its next bytecode (within
    one tree of a forest; one inner fold's fit where signals cannot be used), or by
    SMAC's first costly proposal, before one was timed; the final fit lands within
    the budget when its estimate holds. SMAC is driven through ask and tell, so the
    stopping rules are these and SMAC's own ``walltime_limit`` and ``n_trials`` never
    end a search early; its output goes to a fresh temporary folder
    (``overwrite=True``: no prompt, nothing read from stdin).

    Parameters
    ----------
    problem
        The training data.
    budget
        Wall-clock seconds for the search (and the final fit, see ``reserve_refit``).
    n_trials
        Cap on the number of completed trials. With a cap reached before the budget the
        search is reproducible: same data and seed, same result. ``None``: only the
        budget stops the search.
    n_folds
        Inner cross-validation folds (``None``: :func:`default_n_folds` of the training set's size).
    candidates
        Selectors to choose among (default :data:`DEFAULT_CANDIDATES`).
    choose_steps
        Let the search switch feature steps off (needs ``problem.structure``).
    presolve
        Offer the pre-solving pipeline (runtime scenarios only).
    tolerance
        Standard errors within which an earlier (preferred) trial is kept over the
        lowest-cost one (see :func:`choose_trial`); 0 keeps the lowest.
    seed
        Seed of SMAC, of the space, of the inner folds and of every selector.
    progress
        Called with events: ``{"status": "start", ...}`` once, then after each trial
        ``{"status": "ok" | "cut", "trials", "cut", "config", "cost", "best_cost",
        "elapsed", "left", ...}`` and ``{"status": "done", ...}`` at the end
        (:class:`StderrProgress` renders them on stderr).
    reserve_refit
        Leave the expected time of the final fit out of the search's budget.
    """
    if budget <= 0:
        raise UsageError(f"the search budget must be positive seconds, found {budget}")
    if n_trials is not None and n_trials < 1:
        raise UsageError(f"n_trials must be at least 1, found {n_trials}")
    started = time.monotonic()
    deadline = started + budget
    from smac.main.exceptions import ConfigurationSpaceExhaustedException
    from smac.runhistory import StatusType, TrialValue

    candidates = check_candidates(candidates)
    steps = problem.structure.steps if (choose_steps and problem.structure is not None) else ()
    space = build_space(candidates, steps, presolve=presolve and problem.cutoff is not None, seed=seed)
    n = len(problem.C)
    folds = inner_folds(n, default_n_folds(n) if n_folds is None else n_folds, seed)
    k = len(np.unique(folds))
    worst = float(problem.C.to_numpy(dtype=float).max()) * 2 + 1.0
    seed_ = int(seed)
    history: list[dict[str, Any]] = []
    per_instance: list[np.ndarray] = []
    refits: list[float] = []   # expected final-fit seconds of each completed trial
    cut = 0
    kept = 0                   # the trial choose_trial keeps so far
    lowest = float("inf")      # the lowest inner cost so far (what progress reports as best)

    def report(event: dict[str, Any]) -> None:
        if progress is not None:
            progress({**event, "elapsed": time.monotonic() - started, "left": deadline - time.monotonic(),
                      "budget": budget, "n_trials": n_trials, "instances": n, "folds": k})

    def reserve() -> float:
        return refits[kept] if (reserve_refit and refits) else 0.0

    def evaluate(values: dict[str, Any]) -> tuple[np.ndarray | None, _TrialClock]:
        """Per-instance costs of one configuration, or None when the trial was cut."""
        clock = _TrialClock(deadline - reserve(), k)
        token = _TRIAL_CLOCK.set(clock)
        try:
            with _interrupt_at(clock.deadline):
                return cross_validated_costs(values, problem, folds, seed_), clock
        except _TrialCut as exc:
            log.debug("trial %s cut: %s", values, exc)
            return None, clock
        except (UsageError, ValueError) as exc:
            # A configuration that cannot fit this data (k larger than a fold...) is just bad.
            log.debug("configuration %s failed: %s", values, exc)
            return np.full(len(folds), worst), clock
        finally:
            _TRIAL_CLOCK.reset(token)

    trials = n_trials if n_trials is not None else 100_000  # SMAC's own count only sizes its initial design
    report({"status": "start"})
    smac_logger = logging.getLogger("smac")
    level = smac_logger.level
    # SMAC's chatter (INFO, and warnings such as falling back to random sampling in a
    # small space) is not ours to print; its errors still are.
    smac_logger.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="asc-smac-") as tmp, warnings.catch_warnings():
            # SMAC's local search averages empty neighbourhoods in small spaces, and calls
            # ConfigSpace APIs it deprecated itself; neither is the user's concern.
            warnings.filterwarnings("ignore", message="Mean of empty slice", category=RuntimeWarning)
            warnings.filterwarnings("ignore", message="invalid value encountered", category=RuntimeWarning,
                                    module="numpy")
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="smac")
            facade = _make_facade(space, Path(tmp), budget, trials, worst, seed_)
            asking = 0.0  # the longest proposal so far: every few trials SMAC refits its surrogate (seconds)
            while n_trials is None or len(history) < n_trials:
                if time.monotonic() + reserve() + asking >= deadline:
                    break
                asked = time.monotonic()
                try:
                    info = facade.ask()
                except (StopIteration, ConfigurationSpaceExhaustedException):  # nothing new to propose (a tiny space)
                    break
                asking = max(asking, time.monotonic() - asked)
                if time.monotonic() + reserve() >= deadline:  # asking took the rest
                    break
                begun = time.monotonic()
                values = {key: plain(v) for key, v in dict(info.config).items()}
                costs, clock = evaluate(values)
                seconds = time.monotonic() - begun
                if costs is None:
                    cut += 1
                    facade.tell(info, TrialValue(cost=worst, time=seconds, status=StatusType.CRASHED), save=False)
                    report({"status": "cut", "trials": len(history), "cut": cut, "config": values,
                            "cost": None, "seconds": seconds, "best_cost": lowest})
                    continue
                cost = float(costs.mean())
                facade.tell(info, TrialValue(cost=cost, time=seconds), save=False)
                history.append({"config": values, "cost": cost, "seconds": seconds, "started": begun - started})
                per_instance.append(costs)
                refits.append(clock.refit_seconds(n, values.get("presolve") == YES))
                kept = choose_trial(per_instance, tolerance)
                lowest = min(lowest, cost)
                report({"status": "ok", "trials": len(history), "cut": cut, "config": values, "cost": cost,
                        "seconds": seconds, "best_cost": lowest})
            default = {key: plain(v) for key, v in dict(space.get_default_configuration()).items()}
    finally:
        smac_logger.setLevel(level)
    if history:
        result = SearchResult(dict(history[kept]["config"]), history[kept]["cost"], history,
                              time.monotonic() - started, cut, refits[kept])
    else:
        log.warning("the selector search ended no trial within its %g s budget; keeping the default "
                    "configuration (%s) unmeasured", budget, default["selector"])
        result = SearchResult(default, float("nan"), history, time.monotonic() - started, cut, 0.0)
    report({"status": "done", "trials": len(history), "cut": cut, "config": result.best_config,
            "best_cost": result.best_cost, "seconds": result.seconds})
    return result
