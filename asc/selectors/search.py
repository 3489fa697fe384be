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

import logging
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from asc.selectors.pipeline import MIN_FAILED, MIN_GAIN, backup_column, greedy_schedule

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
        Its inner cross-validated cost (mean per instance).
    history
        Every trial in order: ``{"config", "cost", "seconds"}``.
    seconds
        Wall-clock time of the whole search.
    """

    best_config: dict[str, Any]
    best_cost: float
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


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


def search(problem: SearchProblem, budget: float, n_trials: int | None = None, n_folds: int | None = None,
           candidates: Sequence[str] | None = None, choose_steps: bool = True, presolve: bool = True,
           tolerance: float = 1.0, seed: int = 0,
           progress: Callable[[dict[str, Any]], None] | None = None) -> SearchResult:
    """Run SMAC over the joint space on ``problem`` and return the best configuration.

    Parameters
    ----------
    problem
        The training data.
    budget
        Wall-clock seconds for the search. SMAC starts no trial after it is spent; a
        trial under way finishes, so the search may overrun by one trial.
    n_trials
        Cap on the number of trials (configurations evaluated). With a cap reached
        before the budget the search is reproducible: same data and seed, same result.
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
        Called with each trial's record as it finishes.
    """
    if budget <= 0:
        raise UsageError(f"the search budget must be positive seconds, found {budget}")
    if n_trials is not None and n_trials < 1:
        raise UsageError(f"n_trials must be at least 1, found {n_trials}")
    started = time.monotonic()
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.initial_design import DefaultInitialDesign
    from smac.model.random_forest import RandomForest

    candidates = check_candidates(candidates)
    steps = problem.structure.steps if (choose_steps and problem.structure is not None) else ()
    space = build_space(candidates, steps, presolve=presolve and problem.cutoff is not None, seed=seed)
    n = len(problem.C)
    folds = inner_folds(n, default_n_folds(n) if n_folds is None else n_folds, seed)
    worst = float(problem.C.to_numpy(dtype=float).max()) * 2 + 1.0
    history: list[dict[str, Any]] = []
    per_instance: list[np.ndarray] = []

    def target(config: Any, seed: int = 0) -> float:
        begun = time.monotonic()
        values = {k: plain(v) for k, v in dict(config).items()}
        try:
            costs = cross_validated_costs(values, problem, folds, seed_)
        except (UsageError, ValueError) as exc:
            # A configuration that cannot fit this data (k larger than a fold...) is just bad.
            log.debug("configuration %s failed: %s", values, exc)
            costs = np.full(len(folds), worst)
        cost = float(costs.mean())
        record = {"config": values, "cost": cost, "seconds": time.monotonic() - begun}
        history.append(record)
        per_instance.append(costs)
        if progress is not None:
            progress(record)
        return float(cost)

    seed_ = int(seed)
    trials = n_trials if n_trials is not None else 100_000
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
            remaining = max(budget - (time.monotonic() - started), 1e-3)
            scenario = Scenario(space, name="selector-search", output_directory=Path(tmp), deterministic=True,
                                walltime_limit=remaining, n_trials=trials, seed=seed_, n_workers=1)
            # Each candidate's defaults first (the space default, the first candidate, leads):
            # known-good points before the surrogate has anything to learn from.
            extra = [c for c in candidate_defaults(space) if c != space.get_default_configuration()]
            initial = DefaultInitialDesign(scenario, n_configs=1, additional_configs=extra[: max(0, trials - 1)])
            # SMAC's default surrogate forest uses every core; one is ours.
            model = RandomForest(space, log_y=True, n_trees=10, ratio_features=1.0, min_samples_split=2,
                                 min_samples_leaf=1, seed=seed_, n_jobs=1)
            facade = HyperparameterOptimizationFacade(
                scenario, target, model=model, initial_design=initial,
                acquisition_maximizer=_ordered_maximizer(scenario),
                intensifier=HyperparameterOptimizationFacade.get_intensifier(scenario, max_config_calls=1),
                logging_level=False, overwrite=True)
            facade.optimize()
    finally:
        smac_logger.setLevel(level)
    if not history:
        raise UsageError(f"the selector search evaluated no configuration within {budget:g} s")
    best = choose_trial(per_instance, tolerance)
    return SearchResult(dict(history[best]["config"]), history[best]["cost"], history,
                        time.monotonic() - started)
