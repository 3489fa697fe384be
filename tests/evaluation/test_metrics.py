"""Metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asc.evaluation.metrics import gap_closed, misclassification_penalty, par_k, runtime_outcome


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
