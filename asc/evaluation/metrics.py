"""Scores of algorithm choices: PAR-k, solved, misclassification penalty, gap closed.

Everything here works on aligned numpy arrays, one entry per instance, so that the
same code scores a selector, the single best and the virtual best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


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


def par_k(outcome: Outcome, cutoff: float, k: float) -> float:
    """Mean penalised average runtime with factor ``k`` (PAR1, PAR10, ...)."""
    return float(np.mean(np.where(outcome.solved, outcome.time, k * cutoff))) if len(outcome.solved) else float("nan")


def gap_closed(selector: float, sbs: float, vbs: float) -> float:
    """Fraction of the single-best-to-oracle gap closed: ``(SBS - selector) / (SBS - VBS)``.

    1 is the oracle, 0 the single best, negative worse than the single best; NaN when
    the single best already is the oracle.
    """
    gap = sbs - vbs
    if abs(gap) < 1e-12:
        return float("nan")
    return float((sbs - selector) / gap)


def misclassification_penalty(choice: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Per instance, how much worse the chosen algorithm is than the best one (no feature costs)."""
    rows = np.arange(len(choice))
    return costs[rows, choice] - costs.min(axis=1)
