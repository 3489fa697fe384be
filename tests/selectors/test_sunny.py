"""SUNNY's per-instance schedules and their evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from aslib_factories import make_scenario
from asc.evaluation.crossval import cross_validate
from asc.policy import plan_outcome
from asc.evaluation.protocol import Protocol
from asc.selectors import make_selector
from asc.selectors.sunny import SunnySelector


def make_two_regions(n: int = 40, seed: int = 0, c_time: float = 60.0):
    """Instances with x < 0 solved fast by a only, x > 0 by b only; c solves everything in ``c_time``."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.uniform(-2, -1, n // 2), rng.uniform(1, 2, n // 2)])
    cutoff = 100.0
    a = np.where(x < 0, 1.0, 10 * cutoff)
    b = np.where(x > 0, 2.0, 10 * cutoff)
    c = np.full(n, c_time)
    return x.reshape(-1, 1), np.column_stack([a, b, c]), cutoff


def test_plan_outcome_runs_slots_in_order_after_the_features():
    runtime = np.array([[5.0, 30.0], [50.0, 8.0], [90.0, 90.0]])
    solved = np.array([[1, 1], [1, 1], [0, 0]], dtype=float)
    plans = [[(0, 10.0), (1, 90.0)], [(0, 10.0), (1, 90.0)], [(0, 50.0), (1, 50.0)]]
    out = plan_outcome(plans, runtime, solved, cutoff=100.0, par=10.0, feature_cost=np.array([1.0, 2.0, 0.0]))
    # 1: solved by the first slot at 1 + 5; 2: first slot wasted, 2 + 10 + 8; 3: never
    assert out.time.tolist() == [6.0, 20.0, 100.0]
    assert out.solved.tolist() == [True, True, False]
    assert out.cost.tolist() == [6.0, 20.0, 1000.0]


def test_a_homogeneous_neighbourhood_gets_one_algorithm_for_the_whole_cutoff():
    X, C, cutoff = make_two_regions()
    sunny = SunnySelector(n_neighbors=5, cutoff=cutoff).fit(X, C)
    plans = sunny.predict_schedule(np.array([[-1.5], [1.5]]))
    assert plans == [[("0", 100.0)], [("1", 100.0)]]
    assert sunny.predict(np.array([[-1.5], [1.5]])).tolist() == ["0", "1"]


def test_a_mixed_neighbourhood_splits_the_cutoff_by_neighbours_solved():
    # k = 4 sees both regions: a solves 2 neighbours, b the other 2, c none.
    X, C, cutoff = make_two_regions(n=4, c_time=1000.0)
    plan = SunnySelector(n_neighbors=4, max_portfolio=2, cutoff=cutoff).fit(X, C).predict_schedule([[0.0]])[0]
    assert plan == [("0", 50.0), ("1", 50.0)]  # a is faster on what it solves: it runs first
    # One algorithm allowed: a (faster than b); the 2 neighbours it misses go to the
    # backup solver, which is a again (it solves as many training instances as b, cheaper).
    plan = SunnySelector(n_neighbors=4, max_portfolio=1, cutoff=cutoff).fit(X, C).predict_schedule([[0.0]])[0]
    assert plan == [("0", 100.0)]
    # An algorithm that solves every neighbour is the smallest set, whatever its speed.
    X, C, cutoff = make_two_regions(n=4, c_time=60.0)
    plan = SunnySelector(n_neighbors=4, max_portfolio=2, cutoff=cutoff).fit(X, C).predict_schedule([[0.0]])[0]
    assert plan == [("2", 100.0)]


def test_cross_validation_judges_sunny_by_its_schedules():
    scenario = make_scenario(n_instances=40, seed=3)
    result = cross_validate(scenario, make_selector("sunny"), Protocol(seed=0))
    sbs = cross_validate(scenario, make_selector("sbs"), Protocol(seed=0))
    assert result.summary["cost"] <= sbs.summary["cost"]
    assert result.summary["gap_closed"] > 0.5
    with pytest.raises(Exception):
        SunnySelector(max_portfolio=0).fit(np.zeros((3, 1)), np.ones((3, 2)))
