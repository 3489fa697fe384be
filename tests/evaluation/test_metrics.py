"""Metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asc.evaluation.metrics import gap_closed, misclassification_penalty, par_k
from asc.policy import runtime_outcome


def make_runs():
    runtime = np.array([[10.0, 50.0], [100.0, 5.0], [100.0, 100.0]])
    solved = np.array([[1, 1], [0, 1], [0, 0]], dtype=float)
    return runtime, solved


def test_runtime_outcome_par10_and_par1():
    runtime, solved = make_runs()
    outcome = runtime_outcome(np.array([0, 0, 1]), runtime, solved, cutoff=100.0, par=10)
    assert outcome.solved.tolist() == [True, False, False]
    assert outcome.cost.tolist() == [10.0, 1000.0, 1000.0]
    assert par_k(outcome, 100.0, 1) == pytest.approx((10 + 100 + 100) / 3)
    assert par_k(outcome, 100.0, 10) == pytest.approx((10 + 1000 + 1000) / 3)


def test_feature_cost_is_added_and_can_cause_a_timeout():
    runtime, solved = make_runs()
    outcome = runtime_outcome(np.array([1, 1, 0]), runtime, solved, 100.0, 10, feature_cost=np.array([60.0, 2.0, 1.0]))
    # 50 + 60 > 100: the selector ran out of time although the algorithm alone would solve it.
    assert outcome.solved.tolist() == [False, True, False]
    assert outcome.cost.tolist() == [1000.0, 7.0, 1000.0]


def test_presolved_instance_counts_as_solved_at_feature_cost():
    runtime, solved = make_runs()
    outcome = runtime_outcome(np.array([0, 0, 0]), runtime, solved, 100.0, 10,
                              feature_cost=np.array([1.0, 1.0, 3.0]), presolved=np.array([False, False, True]))
    assert outcome.solved.tolist() == [True, False, True]
    assert outcome.cost[2] == 3.0


def test_gap_closed():
    assert gap_closed(selector=15.0, sbs=20.0, vbs=10.0) == 0.5
    assert gap_closed(selector=10.0, sbs=20.0, vbs=10.0) == 1.0
    assert gap_closed(selector=25.0, sbs=20.0, vbs=10.0) == -0.5
    assert math.isnan(gap_closed(selector=10.0, sbs=10.0, vbs=10.0))


def test_misclassification_penalty():
    costs = np.array([[1.0, 3.0], [2.0, 1.0]])
    assert misclassification_penalty(np.array([1, 1]), costs).tolist() == [2.0, 0.0]


def test_plan_outcome_with_one_slot_is_runtime_outcome():
    # A plan of one slot (the choice, for the whole cutoff) after a pre-solving schedule is
    # exactly the choice after that schedule: both accountings must agree instance by instance.
    from asc.policy import plan_outcome

    rng = np.random.default_rng(0)
    runtime = rng.uniform(0.1, 120.0, size=(200, 3))
    solved = (runtime < 100.0).astype(float)
    choice = rng.integers(0, 3, size=200)
    feature_cost = rng.uniform(0.0, 30.0, size=200)
    presolved = rng.random(200) < 0.1
    schedule = [(2, 5.0), (0, 1.0)]
    expected = runtime_outcome(choice, runtime, solved, 100.0, 10, feature_cost, presolved, schedule)
    got = plan_outcome([[(int(c), 100.0)] for c in choice], runtime, solved, 100.0, 10, feature_cost, presolved,
                       schedule)
    assert np.array_equal(got.solved, expected.solved)
    assert np.allclose(got.cost, expected.cost)
    assert 0 < expected.solved.sum() < 200


def test_plan_outcome_runs_the_slots_in_order():
    from asc.policy import plan_outcome

    runtime, solved = make_runs()
    # instance 0: the first slot (1 for 4 s) fails, 0 solves at 4 + 10; instance 1: 1 solves in its 5 s slot
    plans = [[(1, 4.0), (0, 96.0)], [(1, 5.0), (0, 95.0)], [(0, 50.0), (1, 50.0)]]
    outcome = plan_outcome(plans, runtime, solved, 100.0, 10, feature_cost=np.array([2.0, 2.0, 2.0]),
                           schedule=[(0, 1.0)])
    assert outcome.solved.tolist() == [True, True, False]
    assert outcome.cost.tolist() == [1.0 + 2.0 + 4.0 + 10.0, 1.0 + 2.0 + 5.0, 1000.0]
