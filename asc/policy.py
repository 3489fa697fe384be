"""The run-time policy of a fitted selector, and how it is charged: one home for its rules.

A fitted selector answers :meth:`decide` with a :class:`Decision`. What happens on an
instance then follows one policy, whether the evaluation charges it on recorded runs
(:mod:`asc.evaluation.crossval`, the selector search of ``auto``, the pre-solving
pipeline's own inner folds) or ``asc select`` / ``asc solve`` carry it out:

1. the pre-solving **schedule** runs, slot by slot, before any feature is computed;
2. the feature **steps** the decision needs are computed (closed under ``requires``:
   :func:`step_closure`); an instance a step decides (unit propagation in ``Pre``) is
   **presolved**: solved at its feature cost;
3. where the **features failed** (:func:`features_failed`: nothing to decide on), the
   **backup** solver runs alone for the rest of the cutoff; a step that did not finish
   is charged its recorded cost, or its time limit where none was recorded
   (:mod:`asc.aslib.views`);
4. otherwise the instance's **plan** runs (a per-instance schedule: SUNNY, a
   pipeline's runner-up slots) or, without one, the **choice** alone.

Everything here is NumPy and the standard library, so that every layer above (the
selectors, the evaluation, the selector search, model files and the command line) can
import it: the rule that is measured is the rule that is deployed because there is
only one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asc.errors import UsageError

#: Feature-step runstatus values after which a step's values can be used.
FINISHED = frozenset({"ok", "presolved"})

#: Why an instance runs what it runs (:func:`after_features`).
PREDICTED, BACKUP, PRESOLVED = "predicted", "backup", "presolved"


# -- feature steps ---------------------------------------------------------------------


def step_closure(chosen: Sequence[str], requires: Mapping[str, Sequence[str]],
                 order: Sequence[str]) -> tuple[str, ...]:
    """``chosen`` closed under ``requires``, in computation order.

    The order is ``order``'s (the scenario description's, or the extractor's), except
    that every step comes after the steps it requires: a step's values mean nothing
    without the steps it builds on (``Basic`` reads the formula ``Pre`` simplified).

    Raises
    ------
    UsageError
        A step that is not in ``order``, or steps that require each other in a cycle.
    """
    known = list(order)
    closed: set[str] = set()
    stack: list[tuple[str, str | None]] = [(step, None) for step in chosen]
    while stack:
        step, parent = stack.pop()
        if step in closed:
            continue
        if step not in known:
            if parent is not None:
                raise UsageError(f"feature step {parent!r} requires unknown step {step!r}")
            raise UsageError(f"unknown feature step {step!r} (available: {', '.join(known) or 'none'})")
        closed.add(step)
        stack.extend((required, step) for required in requires.get(step, ()))
    out: list[str] = []

    def visit(step: str, trail: tuple[str, ...]) -> None:
        if step in out:
            return
        if step in trail:
            raise UsageError(f"feature steps require each other in a cycle: {' -> '.join(trail + (step,))}")
        for required in requires.get(step, ()):
            visit(required, trail + (step,))
        out.append(step)

    for step in known:
        if step in closed:
            visit(step, ())
    return tuple(out)


def features_failed(status: np.ndarray, steps: Sequence[str], requires: Mapping[str, Sequence[str]],
                    present: np.ndarray | None = None) -> np.ndarray:
    """Per instance, whether its features failed: the backup solver runs instead of the choice.

    ``status`` is instances x ``steps`` feature runstatus strings; ``present`` says
    which steps gave at least one value (default: the finished ones, as ``asc select``
    keeps only their values; recorded data may hold values of a step that ran out of
    memory). Features failed, unless a step presolved the instance, where no step gave
    a value (the model has nothing to decide on) or where a step that another of
    ``steps`` requires (a foundation, SATzilla's ``Pre``) did not finish (the values
    built on it are not what the model learned from). Any other step failing (``CG``
    timing out, one of many independent steps) leaves features to decide on; the
    missing values are imputed as in training.
    """
    status = np.asarray(status, dtype=object).astype(str).reshape(-1, len(steps))
    n = len(status)
    if not len(steps):
        return np.zeros(n, dtype=bool)
    finished = np.isin(status, list(FINISHED))
    present = finished if present is None else np.asarray(present, dtype=bool).reshape(n, len(steps))
    presolved = (status == "presolved").any(axis=1)
    needed = {r for s in steps for r in requires.get(s, ())}
    foundations = [i for i, s in enumerate(steps) if s in needed]
    return (~finished[:, foundations].all(axis=1) | ~present.any(axis=1)) & ~presolved


#: Training instances with failed features needed to learn a backup solver of their own.
MIN_FAILED = 5


def backup_column(costs: np.ndarray, failed: np.ndarray, min_failed: int = MIN_FAILED) -> int:
    """The backup solver (SATzilla's): the best on the instances whose features failed.

    The column with the lowest mean cost over the ``failed`` rows of ``costs`` when
    there are at least ``min_failed`` of them, else over all rows (the single best):
    where a selector has nothing to decide on, the algorithm that did best on such
    instances is the informed guess, and the single best the safe one.
    """
    failed = np.zeros(len(costs), dtype=bool) if failed is None else np.asarray(failed, dtype=bool)
    rows = costs[failed] if failed.sum() >= min_failed else costs
    return int(np.argmin(rows.mean(axis=0)))


# -- the decision ----------------------------------------------------------------------


Slot = tuple[str, float]


@dataclass(frozen=True)
class Decision:
    """What a fitted selector decides for a batch of instances (rows of ``X``).

    Attributes
    ----------
    algorithms
        The algorithms, in the selector's column order.
    choice
        Per instance, the column of the chosen algorithm (``int64``).
    scores
        Instances x algorithms, lower is better (``choice`` is their arg-min, except
        for oracles), or ``None`` where the selector has none.
    schedule
        The pre-solving schedule ``(algorithm, seconds)``, run before the features.
    backup
        The algorithm run alone where the features failed (:func:`backup_column`, learned
        by every selector that uses features); ``None`` for selectors that use none, and
        for a pipeline built without one: the choice then runs there too.
    steps
        The feature steps the decision needs; ``None``: every step it was given.
    plans
        Per instance, the schedule ``(algorithm, seconds)`` run after the features
        instead of the choice alone (seconds of the training cutoff); ``None``: none.
    uses_features
        False for selectors that ignore the features (single best, oracle): they are
        charged no feature cost.
    config
        The configuration a self-configuring selector chose, for reports.
    """

    algorithms: tuple[str, ...]
    choice: np.ndarray
    scores: np.ndarray | None = None
    schedule: tuple[Slot, ...] = ()
    backup: str | None = None
    steps: tuple[str, ...] | None = None
    plans: tuple[tuple[Slot, ...], ...] | None = None
    uses_features: bool = True
    config: Mapping[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_scores(cls, algorithms: Sequence[Any], scores: np.ndarray, **parts: Any) -> Decision:
        """The decision that picks each row's lowest score (the first on ties)."""
        scores = np.asarray(scores, dtype=float).reshape(-1, len(algorithms))
        return cls(tuple(str(a) for a in algorithms), np.argmin(scores, axis=1).astype(np.int64)
                   if scores.shape[1] else np.zeros(len(scores), dtype=np.int64), scores, **parts)

    @property
    def chosen(self) -> np.ndarray:
        """The chosen algorithm's name per instance."""
        return np.array(self.algorithms, dtype=object)[self.choice] if len(self.choice) else np.array([], object)

    def column(self, algorithm: str) -> int:
        """The column of ``algorithm``."""
        return self.algorithms.index(algorithm)

    def ranking(self, i: int) -> tuple[str, ...]:
        """Instance ``i``'s algorithms, best score first (the choice first for oracles)."""
        if self.scores is None:
            return (self.algorithms[int(self.choice[i])],)
        return tuple(self.algorithms[j] for j in np.argsort(self.scores[i], kind="stable"))


def after_features(decision: Decision, i: int, failed: bool, presolved: bool,
                   cutoff: float) -> tuple[str, tuple[Slot, ...]]:
    """What instance ``i`` runs once its features are computed: ``(reason, slots)``.

    ``presolved``: a feature step decided it; the backup solver (or the choice) confirms
    the answer, since any solver is quick on such an instance. ``backup``: its features
    failed and the decision has a backup solver; it runs alone for the whole ``cutoff``.
    Otherwise ``predicted``: the instance's plan, or the choice alone for ``cutoff``.
    """
    choice = decision.algorithms[int(decision.choice[i])]
    if presolved:
        return PRESOLVED, ((decision.backup or choice, cutoff),)
    if failed and decision.backup is not None:
        return BACKUP, ((decision.backup, cutoff),)
    if decision.plans is not None:
        return PREDICTED, tuple((str(a), float(t)) for a, t in decision.plans[i])
    return PREDICTED, ((choice, cutoff),)


# -- charging on recorded runs ---------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Per-instance result of running the chosen algorithms (arrays of equal length).

    Attributes
    ----------
    time
        Seconds spent (feature cost plus the algorithm's runtime) for solved instances.
    solved
        True when the instance was solved within the cutoff.
    cost
        The score used for ranking: PAR-k for runtime scenarios, the cost (lower is
        better) for quality scenarios.
    """

    time: np.ndarray
    solved: np.ndarray
    cost: np.ndarray


def runtime_arrays(costs: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(runtime, solved, PAR factor) of a PAR-k cost matrix, as :func:`runtime_outcome` takes them.

    A cost above the cutoff is a timeout; the PAR factor the costs were made with is
    recovered from the largest of them, so that a charged timeout costs what a recorded
    one does (10 when no cost exceeds the cutoff, beyond rounding).
    """
    solved = (costs <= cutoff).astype(float)
    runtime = np.minimum(costs, cutoff)
    top = float(costs.max()) if costs.size else 0.0
    par = top / cutoff if top > cutoff * (1 + 1e-9) else 10.0
    return runtime, solved, par


def pre_solving(schedule: Sequence[tuple[int, float]], runtime: np.ndarray,
                solved: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per instance, what a pre-solving schedule does before the features are computed.

    Returns ``(done, done_time, elapsed)``: whether a slot solved the instance, the
    time it was solved at (time spent on earlier slots plus the solving run), and the
    seconds the whole schedule took for the instances it did not solve.
    """
    n = len(runtime)
    elapsed = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    done_time = np.zeros(n)
    for algorithm, budget in schedule:
        hit = ~done & (solved[:, algorithm] >= 0.5) & (runtime[:, algorithm] <= budget)
        done_time = np.where(hit, elapsed + runtime[:, algorithm], done_time)
        done |= hit
        elapsed = np.where(done, elapsed, elapsed + budget)
    return done, done_time, elapsed


def backup_plans(plans: Sequence[Sequence[tuple[int, float]]], failed: np.ndarray, backup: int | None,
                 cutoff: float) -> list[list[tuple[int, float]]]:
    """``plans`` with the backup solver alone, for the whole cutoff, where the features failed."""
    if backup is None:
        return [list(plan) for plan in plans]
    return [[(backup, cutoff)] if f else list(plan) for plan, f in zip(plans, failed, strict=True)]


def runtime_outcome(
    choice: np.ndarray,
    runtime: np.ndarray,
    solved: np.ndarray,
    cutoff: float,
    par: float,
    feature_cost: np.ndarray | None = None,
    presolved: np.ndarray | None = None,
    schedule: Sequence[tuple[int, float]] = (),
) -> Outcome:
    """Outcome of picking algorithm ``choice[i]`` on instance ``i`` of a runtime scenario.

    Parameters
    ----------
    choice
        Column index of the chosen algorithm per instance.
    runtime, solved
        Instances x algorithms runtimes and solved flags (solved is 0..1 with repetitions;
        at least 0.5 counts as solved).
    cutoff, par
        The cutoff and the PAR factor.
    feature_cost, presolved
        Charged feature cost and presolved flag per instance (``None``: not charged).
    schedule
        Pre-solving schedule run before the features are computed: ``(algorithm column,
        seconds)`` pairs, run in order.

    Notes
    -----
    As in LLAMA with feature costs: the feature cost is added to the algorithm's
    runtime, and a run whose total exceeds the cutoff is unsolved. An instance
    presolved by a feature step is solved at its feature cost (if within the cutoff).
    A pre-solving schedule comes first: an instance one of its runs solves within its
    slot is solved at the time spent so far, and pays no feature cost; the others pay
    the whole schedule's time on top of features and the chosen algorithm (which
    starts afresh, as runs of the schedule are not resumed).
    """
    rows = np.arange(len(choice))
    done, done_time, elapsed = pre_solving(schedule, runtime, solved)
    time = elapsed + runtime[rows, choice].astype(float)
    ok = solved[rows, choice] >= 0.5
    if feature_cost is not None:
        time = time + feature_cost
        if presolved is not None:
            time = np.where(presolved, elapsed + feature_cost, time)
            ok = np.where(presolved, True, ok)
    time = np.where(done, done_time, time)
    ok = (done | ok) & (time <= cutoff)
    cost = np.where(ok, time, par * cutoff)
    return Outcome(time=np.where(ok, time, cutoff), solved=ok, cost=cost)


def plan_outcome(
    plans: Sequence[Sequence[tuple[int, float]]],
    runtime: np.ndarray,
    solved: np.ndarray,
    cutoff: float,
    par: float,
    feature_cost: np.ndarray | None = None,
    presolved: np.ndarray | None = None,
    schedule: Sequence[tuple[int, float]] = (),
) -> Outcome:
    """Outcome of running a per-instance schedule after the features (SUNNY, 3S, runner-up slots).

    ``plans[i]`` is instance ``i``'s schedule: ``(algorithm column, seconds)`` pairs run
    in order, each from scratch. The pre-solving ``schedule`` (shared by all instances)
    comes first, as in :func:`runtime_outcome`: an instance it solves pays no feature
    cost. Then the feature cost (an instance presolved by a feature step is solved
    there); then the plan: an instance is solved by the first slot whose algorithm
    solves it within the slot, at the time spent so far plus that runtime, if that is
    within the cutoff.
    """
    done, done_time, elapsed = pre_solving(schedule, runtime, solved)
    time = np.where(done, done_time, 0.0)
    ok = done & (time <= cutoff)
    for i, plan in enumerate(plans):
        if done[i]:
            continue
        spent = elapsed[i] + (float(feature_cost[i]) if feature_cost is not None else 0.0)
        if presolved is not None and feature_cost is not None and presolved[i]:
            time[i], ok[i] = spent, spent <= cutoff
            continue
        for algorithm, seconds in plan:
            if solved[i, algorithm] >= 0.5 and runtime[i, algorithm] <= seconds:
                time[i] = spent + runtime[i, algorithm]
                ok[i] = time[i] <= cutoff
                break
            spent += seconds
            if spent >= cutoff:
                break
    cost = np.where(ok, time, par * cutoff)
    return Outcome(time=np.where(ok, time, cutoff), solved=ok, cost=cost)


def _choice_columns(decision: Decision, failed: np.ndarray,
                    columns: Mapping[str, int] | None) -> tuple[Mapping[str, int], np.ndarray]:
    """(algorithm -> column, per-instance column run after the features: the backup where ``failed``)."""
    index = columns if columns is not None else {a: i for i, a in enumerate(decision.algorithms)}
    to_col = np.array([index[a] for a in decision.algorithms], dtype=np.int64)
    choice = to_col[decision.choice] if len(decision.choice) else np.zeros(0, dtype=np.int64)
    if decision.backup is not None:
        choice = np.where(failed, index[decision.backup], choice)
    return index, choice


def charge(decision: Decision, runtime: np.ndarray, solved: np.ndarray, cutoff: float, par: float,
           feature_cost: np.ndarray | None = None, presolved: np.ndarray | None = None,
           failed: np.ndarray | None = None, columns: Mapping[str, int] | None = None) -> Outcome:
    """The outcome of carrying out ``decision`` on instances with recorded runs (a runtime scenario).

    The policy of the module docstring, charged as :func:`runtime_outcome` and
    :func:`plan_outcome` charge: the schedule first, then the features
    (``feature_cost``, ``presolved``; ``None``: not charged), then the backup where the
    features ``failed``, else the plan or the choice. ``columns`` maps the decision's
    algorithms to the columns of ``runtime`` (default: the same order).
    """
    failed = np.zeros(len(decision.choice), dtype=bool) if failed is None else np.asarray(failed, dtype=bool)
    index, choice = _choice_columns(decision, failed, columns)
    schedule = [(index[a], float(t)) for a, t in decision.schedule]
    backup = None if decision.backup is None else index[decision.backup]
    if decision.plans is None:
        return runtime_outcome(choice, runtime, solved, cutoff, par, feature_cost, presolved, schedule)
    plans = backup_plans([[(index[a], float(t)) for a, t in plan] for plan in decision.plans], failed, backup,
                         cutoff)
    return plan_outcome(plans, runtime, solved, cutoff, par, feature_cost, presolved, schedule)


def quality_outcome(decision: Decision, costs: np.ndarray, ok: np.ndarray, failed: np.ndarray | None = None,
                    columns: Mapping[str, int] | None = None) -> Outcome:
    """The outcome of ``decision`` on a quality scenario: the chosen algorithm's cost (no time).

    The backup replaces the choice where the features ``failed``, as in :func:`charge`.
    """
    failed = np.zeros(len(decision.choice), dtype=bool) if failed is None else np.asarray(failed, dtype=bool)
    _, choice = _choice_columns(decision, failed, columns)
    rows = np.arange(len(choice))
    return Outcome(time=np.full(len(rows), np.nan), solved=ok[rows, choice], cost=costs[rows, choice])
