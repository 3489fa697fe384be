"""Derived views of a :class:`~asc.aslib.Scenario`, each with an explicit, named policy.

**Solved.** A run counts as solved iff its runstatus is ``ok`` and its runtime is at
most the cutoff. Real scenarios store the cutoff, ten times the cutoff or the measured
time for timed-out runs, so the stored value of a non-``ok`` run is never used.

**Cost (runtime scenarios).** PAR-k: the runtime of a solved run, ``k x cutoff``
otherwise (``k = 10`` by default, PAR10). A missing run (no row) counts as unsolved.

**Cost (quality scenarios).** The measure itself when minimised, its negation when
maximised, so that lower is always better. A run that is not ``ok`` or has no value
costs the worst cost seen on that instance (policy ``worst-on-instance``).

**Repetitions** are aggregated per (instance, algorithm) after costs are computed, by one
of :data:`AGGREGATES` (``mean`` by default, as LLAMA does).

**Feature steps.** A requested set of steps is closed under ``requires`` and ordered as
the description lists them. An instance's feature cost is the sum of its step costs in
that order, stopping after a step that ``presolved`` it (later steps never ran). A step
that did not finish (timeout, memout, crash) with no recorded cost (``?``) is charged its
time limit, the scenario's ``features_cutoff_time`` or else the algorithm cutoff: it ran
until it was stopped, and charging 0 would make failing steps free. A finished step
with no recorded cost counts as 0. An instance is *presolved* when one of the steps
presolved it: the selector then needs no algorithm run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from asc.aslib.scenario import Scenario
from asc.errors import ScenarioError, UsageError
from asc.policy import FINISHED, features_failed, step_closure

log = logging.getLogger(__name__)

AGGREGATES = ("mean", "median", "min", "max", "first")


def _aggregate(long: pd.DataFrame, value: str, how: str, scenario: Scenario) -> pd.DataFrame:
    if how not in AGGREGATES:
        raise UsageError(f"unknown repetition policy {how!r} (expected one of {', '.join(AGGREGATES)})")
    grouped = long.groupby(["instance_id", "algorithm"], sort=False)[value]
    agg = grouped.first() if how == "first" else grouped.agg(how)
    matrix = agg.unstack("algorithm")
    return matrix.reindex(index=list(scenario.instances), columns=list(scenario.algorithms))


def cutoff_of(scenario: Scenario) -> float:
    """The runtime cutoff; when the description has none, the largest ok runtime (with a warning)."""
    cutoff = scenario.cutoff
    if cutoff is not None and cutoff > 0:
        return float(cutoff)
    measure = scenario.description.performance_measures[0]
    ok = scenario.runs.loc[scenario.runs["runstatus"] == "ok", measure]
    fallback = float(ok.max()) if len(ok) else 1.0
    log.warning("%s: no algorithm_cutoff_time; using the largest ok runtime %.6g as cutoff", scenario.name, fallback)
    return fallback


def _solved_long(scenario: Scenario) -> pd.Series:
    runs = scenario.runs
    ok = runs["runstatus"] == "ok"
    if not scenario.description.is_runtime:
        measure = scenario.description.performance_measures[0]
        return ok & runs[measure].notna()
    runtime = runs[scenario.description.performance_measures[0]]
    return ok & runtime.notna() & (runtime <= cutoff_of(scenario))


def solved_matrix(scenario: Scenario, aggregate: str = "mean") -> pd.DataFrame:
    """Instances x algorithms: fraction of repetitions solved (1.0/0.0 without repetitions).

    A missing run is unsolved (0.0).
    """
    long = scenario.runs[["instance_id", "algorithm"]].copy()
    long["solved"] = _solved_long(scenario).astype(float)
    return _aggregate(long, "solved", aggregate, scenario).fillna(0.0)


def cost_matrix(scenario: Scenario, par: float = 10.0, aggregate: str = "mean",
                measure: str | None = None) -> pd.DataFrame:
    """Instances x algorithms cost matrix, lower is better.

    Parameters
    ----------
    scenario
        The scenario.
    par
        Penalty factor k of PAR-k for unsolved runs of runtime scenarios.
    aggregate
        Repetition policy, one of :data:`AGGREGATES`.
    measure
        Performance measure (default: the first one of the description).

    Returns
    -------
    pandas.DataFrame
        Rows ``scenario.instances``, columns ``scenario.algorithms``, float costs, no NaN.
    """
    desc = scenario.description
    measure = measure or desc.performance_measures[0]
    if measure not in desc.performance_measures:
        raise UsageError(f"unknown performance measure {measure!r} (scenario has {', '.join(desc.performance_measures)})")
    index = desc.performance_measures.index(measure)
    runs = scenario.runs
    long = runs[["instance_id", "algorithm"]].copy()
    if desc.performance_type[index] == "runtime":
        cutoff = cutoff_of(scenario)
        solved = _solved_long(scenario)
        long["cost"] = np.where(solved, runs[measure].to_numpy(dtype=float), par * cutoff)
        matrix = _aggregate(long, "cost", aggregate, scenario)
        return matrix.fillna(par * cutoff)
    sign = -1.0 if desc.maximize[index] else 1.0
    values = runs[measure].to_numpy(dtype=float) * sign
    valid = (runs["runstatus"] == "ok").to_numpy() & ~np.isnan(values)
    long["cost"] = np.where(valid, values, np.nan)
    worst_on_instance = long.groupby("instance_id")["cost"].transform("max")
    global_worst = np.nanmax(long["cost"].to_numpy()) if valid.any() else 0.0
    long["cost"] = long["cost"].fillna(worst_on_instance).fillna(global_worst)
    matrix = _aggregate(long, "cost", aggregate, scenario)
    return matrix.apply(lambda row: row.fillna(row.max()), axis=1).fillna(global_worst)


def step_time_limit(scenario: Scenario) -> float:
    """Seconds a feature step may run: ``features_cutoff_time``, else the algorithm cutoff (else 0)."""
    desc = scenario.description
    for limit in (desc.features_cutoff_time, desc.algorithm_cutoff_time):
        if limit is not None and np.isfinite(limit) and limit > 0:
            return float(limit)
    return 0.0


def resolve_steps(scenario: Scenario, steps: Sequence[str] | None = None) -> tuple[str, ...]:
    """The requested instance-feature steps closed under ``requires``, in description order.

    ``None`` means the scenario's default steps. Algorithm-feature steps (``-ALGO``
    scenarios list them among the defaults) are not instance features and are dropped.
    """
    desc = scenario.description
    known = desc.feature_steps
    wanted = list(desc.default_steps if steps is None else steps)
    wanted = [s for s in wanted if s not in desc.algorithm_feature_steps or s in known]
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise UsageError(f"unknown feature step {unknown[0]!r} (scenario has {', '.join(known) or 'none'})")
    return step_closure(wanted, {s: known[s].requires for s in known}, list(known))


@dataclass(frozen=True)
class FeatureView:
    """Features of a set of steps, aligned with ``scenario.instances``.

    Attributes
    ----------
    X
        Instances x features (float; NaN where a value is missing).
    cost
        Per instance, seconds charged for computing the steps (see module policy).
    presolved
        Per instance, True when a step solved the instance.
    status
        Instances x steps feature runstatus (``"ok"`` where the scenario has no status file).
    steps
        The steps, closed under ``requires``, in computation order.
    step_cost
        Instances x steps seconds of each step as stored (missing costs 0; not yet
        zeroed after a presolving step, see :class:`FeatureSteps`).
    """

    X: pd.DataFrame
    cost: pd.Series
    presolved: pd.Series
    status: pd.DataFrame
    steps: tuple[str, ...]
    step_cost: pd.DataFrame | None = None


def feature_matrix(scenario: Scenario, steps: Sequence[str] | None = None) -> FeatureView:
    """Build the :class:`FeatureView` for ``steps`` (default: the scenario's default steps)."""
    desc = scenario.description
    chosen = resolve_steps(scenario, steps)
    instances = list(scenario.instances)
    provided: list[str] = []
    for step in chosen:
        provided.extend(f for f in desc.feature_steps[step].provides if f not in provided)
    if provided and scenario.feature_values is None:
        # a selector trained on no feature at all is the single best in disguise: say so
        raise ScenarioError(f"expected feature_values.arff with the {len(provided)} features description.txt "
                            f"lists for steps {','.join(chosen)}; the scenario has no feature values",
                            f"{scenario.name}/feature_values.arff")
    if scenario.feature_values is None:
        X = pd.DataFrame(index=instances, columns=provided, dtype=float)
    else:
        values = scenario.feature_values.drop(columns="repetition").groupby("instance_id").mean()
        columns = [f for f in provided if f in values.columns]
        if provided and not columns:
            raise ScenarioError(f"expected the features of steps {','.join(chosen)} ({', '.join(provided[:3])}"
                                f"{', ...' if len(provided) > 3 else ''}) in feature_values.arff; it has none of "
                                "them", f"{scenario.name}/feature_values.arff")
        X = values.reindex(index=instances, columns=columns).astype(float)
    X.index.name = "instance_id"

    if scenario.feature_runstatus is not None and chosen:
        status = (scenario.feature_runstatus.drop(columns="repetition").groupby("instance_id").first()
                  .reindex(index=instances, columns=list(chosen)))
        status = status.astype("object").where(status.notna(), "ok")
    else:
        status = pd.DataFrame("ok", index=instances, columns=list(chosen), dtype="object")

    if scenario.feature_costs is not None and chosen:
        costs = (scenario.feature_costs.drop(columns="repetition").groupby("instance_id").mean()
                 .reindex(index=instances))
        costs = costs.reindex(columns=list(chosen)).to_numpy(dtype=float)
        stopped = np.isnan(costs) & ~status.isin(list(FINISHED)).to_numpy()
        costs = np.where(stopped, step_time_limit(scenario), np.nan_to_num(costs, nan=0.0))
    else:
        costs = np.zeros((len(instances), len(chosen)))

    presolved_step = (status.to_numpy() == "presolved") if chosen else np.zeros((len(instances), 0), bool)
    # A step after the one that presolved the instance never ran: charge nothing for it.
    after_presolve = np.cumsum(presolved_step, axis=1) - presolved_step > 0
    charged = np.where(after_presolve, 0.0, costs).sum(axis=1)
    return FeatureView(
        X=X,
        cost=pd.Series(charged, index=pd.Index(instances, name="instance_id"), name="feature_cost"),
        presolved=pd.Series(presolved_step.any(axis=1), index=pd.Index(instances, name="instance_id"),
                            name="presolved"),
        status=status,
        steps=chosen,
        step_cost=pd.DataFrame(costs, index=pd.Index(instances, name="instance_id"), columns=list(chosen)),
    )


@dataclass(frozen=True)
class FeatureSteps:
    """The step structure behind a feature matrix, for selectors that choose their own steps.

    A selector that may use only some of the steps (self-configuration weighs a step's
    cost against its value) needs to know which columns each step provides, which steps
    it requires, and what each step cost and reported on each instance. Charges follow
    the same policy as :func:`feature_matrix` and the evaluation, for any subset.

    Attributes
    ----------
    steps
        All available steps, in computation order.
    requires
        Steps each step requires.
    provides
        Feature columns (of the matrix the selector is given) each step provides.
    cost
        Instances x steps seconds per step (missing costs 0).
    status
        Instances x steps feature runstatus strings.
    present
        Instances x steps: whether the step gave at least one value (``None``: where it
        finished).
    charged
        False when the evaluation charges no feature cost (costs then count as 0 and no
        instance counts as presolved).
    """

    steps: tuple[str, ...]
    requires: dict[str, tuple[str, ...]]
    provides: dict[str, tuple[str, ...]]
    cost: np.ndarray
    status: np.ndarray
    charged: bool = True
    present: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> FeatureSteps:
        """The same structure for a subset of the instances (boolean mask or indices)."""
        return FeatureSteps(self.steps, self.requires, self.provides, self.cost[rows], self.status[rows],
                            self.charged, None if self.present is None else self.present[rows])

    def failed(self) -> np.ndarray:
        """Per instance, whether the features of all the steps failed (:func:`asc.policy.features_failed`)."""
        return features_failed(self.status, self.steps, self.requires, self.present)

    def closure(self, chosen: Sequence[str]) -> tuple[str, ...]:
        """``chosen`` closed under ``requires``, in computation order."""
        return step_closure(chosen, self.requires, self.steps)

    def columns(self, chosen: Sequence[str]) -> tuple[str, ...]:
        """Feature columns the (closed) steps provide, without duplicates, in step order."""
        out: list[str] = []
        for step in self.closure(chosen):
            out.extend(c for c in self.provides.get(step, ()) if c not in out)
        return tuple(out)

    def charges(self, chosen: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per instance: charged feature cost, presolved flag and features-failed flag of a step subset.

        Cost and presolved follow :func:`feature_matrix` (steps after the one that
        presolved an instance never ran); both are zero/False when ``charged`` is False.
        Features failed, as in the evaluation, where a root step of the subset (one
        requiring no other) or every step did not finish, and nothing presolved it.
        """
        steps = self.closure(chosen)
        n = len(self.cost)
        if not steps:
            return np.zeros(n), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        idx = [self.steps.index(s) for s in steps]
        status = self.status[:, idx]
        pre_step = status == "presolved"
        after = np.cumsum(pre_step, axis=1) - pre_step > 0
        cost = np.where(after, 0.0, self.cost[:, idx]).sum(axis=1)
        presolved = pre_step.any(axis=1)
        failed = features_failed(status, steps, self.requires, None if self.present is None else self.present[:, idx])
        if not self.charged:
            return np.zeros(n), np.zeros(n, dtype=bool), failed
        return cost, presolved, failed


def feature_steps(scenario: Scenario, view: FeatureView, charged: bool = True) -> FeatureSteps:
    """The :class:`FeatureSteps` of ``view`` (the steps it was built from, nothing else)."""
    desc = scenario.description
    columns = set(view.X.columns)
    step_cost = view.step_cost if view.step_cost is not None else pd.DataFrame(
        0.0, index=view.X.index, columns=list(view.steps))
    return FeatureSteps(
        steps=tuple(view.steps),
        requires={s: tuple(r for r in desc.feature_steps[s].requires if r in view.steps) for s in view.steps},
        provides={s: tuple(f for f in desc.feature_steps[s].provides if f in columns) for s in view.steps},
        cost=step_cost[list(view.steps)].to_numpy(dtype=float),
        status=view.status[list(view.steps)].to_numpy(dtype=object).astype(str),
        charged=charged,
        present=np.column_stack([view.X[[f for f in desc.feature_steps[s].provides if f in columns]].notna()
                                 .any(axis=1).to_numpy() for s in view.steps]) if view.steps
        else np.zeros((len(view.X), 0), dtype=bool),
    )
