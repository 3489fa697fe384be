"""The policy's rules on a scenario shaped like SAT20-MAIN: many feature steps, no ``requires``,
one step timing out (at an unrecorded cost) on most instances.

An instance is decided on the features it has unless none of its steps finished; a step
that did not finish is charged what it cost, or its time limit where the scenario gives
no number, never 0.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from aslib_factories import make_description
from asc.aslib import FeatureStep, Scenario
from asc.aslib.folds import make_folds
from asc.evaluation.crossval import cross_validate
from asc.policy import features_failed
from asc.selectors import make_selector

STEPS = ("s1", "s2", "s3", "lp")
COST = {"s1": 0.5, "s2": 1.0, "s3": 0.25}


def make_independent_steps_scenario(n: int = 60, seed: int = 0, features_cutoff_time: float | None = 20.0,
                                    dead: int = 6) -> Scenario:
    """Four steps that require nothing; ``lp`` times out (cost ``?``) on about 80% of the
    instances; on the last ``dead`` instances every step crashed. Algorithm ``a`` wins
    where ``x1`` (from ``s1``) is positive, ``b`` elsewhere."""
    rng = np.random.default_rng(seed)
    instances = [f"i{k:03d}" for k in range(n)]
    x1 = rng.normal(size=n)
    rows = []
    for k, inst in enumerate(instances):
        fast, slow = 2.0, 90.0
        a, b = (fast, slow) if x1[k] > 0 else (slow, fast)
        rows += [(inst, 1, "a", a, "ok"), (inst, 1, "b", b, "ok")]
    runs = pd.DataFrame(rows, columns=["instance_id", "repetition", "algorithm", "runtime", "runstatus"])
    features = {"x1": x1, "x2": rng.normal(size=n), "x3": rng.normal(size=n), "lp1": rng.normal(size=n)}
    keys = {"instance_id": pd.Series(instances, dtype=object), "repetition": np.int64(1)}
    lp_timeout = rng.random(n) < 0.8
    status = pd.DataFrame({**keys, **{s: "ok" for s in STEPS}}).astype({s: object for s in STEPS})
    status.loc[lp_timeout, "lp"] = "timeout"
    costs = pd.DataFrame({**keys, **COST, "lp": np.where(lp_timeout, np.nan, 3.0)})
    values = pd.DataFrame({**keys, **features})
    values.loc[lp_timeout, "lp1"] = np.nan
    status.loc[n - dead:, list(STEPS)] = "crash"
    values.loc[n - dead:, list(features)] = np.nan
    costs.loc[n - dead:, list(STEPS)] = np.nan
    description = make_description(
        features_deterministic=tuple(features), features_cutoff_time=features_cutoff_time,
        feature_steps={"s1": FeatureStep(("x1",)), "s2": FeatureStep(("x2",)), "s3": FeatureStep(("x3",)),
                       "lp": FeatureStep(("lp1",))},
        default_steps=STEPS, algorithms={"a": make_description().algorithms["a"],
                                         "b": make_description().algorithms["b"]})
    return Scenario(description=description, runs=runs, feature_values=values, feature_runstatus=status,
                    feature_costs=costs, cv=make_folds(instances, n_folds=3, seed=seed))


def test_one_failed_step_of_many_is_not_a_failure():
    status = np.array([["ok", "ok", "ok", "timeout"], ["crash"] * 4, ["timeout", "ok", "ok", "ok"]], dtype=object)
    assert features_failed(status, STEPS, {}).tolist() == [False, True, False]
    # a step others build on is different: without it their values mean nothing
    assert features_failed(status, STEPS, {"lp": ("s1",)}).tolist() == [False, True, True]
    assert features_failed(np.array([["presolved", "crash", "crash", "crash"]], dtype=object), STEPS,
                           {"s2": ("s1",)}).tolist() == [False]


@pytest.mark.parametrize("limit", [20.0, None])
def test_timed_out_steps_are_charged_their_limit(limit):
    scenario = make_independent_steps_scenario(features_cutoff_time=limit)
    view = scenario.feature_matrix()
    status = view.status.to_numpy()
    charged = limit if limit is not None else scenario.description.algorithm_cutoff_time
    timed_out = status[:, STEPS.index("lp")] == "timeout"
    expected = sum(COST.values()) + np.where(timed_out, charged, 3.0)
    finished = (status != "crash").all(axis=1)
    np.testing.assert_allclose(view.cost.to_numpy()[finished], expected[finished])
    # crashed steps record no cost either: charged their limit too, never 0
    assert (view.cost.to_numpy()[~finished] == 4 * charged).all()


def test_the_backup_is_used_only_where_the_model_cannot_decide():
    scenario = make_independent_steps_scenario()
    result = cross_validate(scenario, make_selector("joint-regression+presolve"))
    rows = result.per_instance
    dead = rows.index[-6:]
    assert rows.loc[dead, "features_failed"].all() and not rows["features_failed"].drop(dead).any()
    assert set(rows.index[rows["backup_used"]]) <= set(dead)
    # the timed-out lp step is charged: those instances pay 20 s more than the others
    lp_timeout = (scenario.feature_matrix().status["lp"] == "timeout").to_numpy()
    live = ~rows["features_failed"].to_numpy()
    np.testing.assert_allclose(rows["feature_cost"].to_numpy()[live & lp_timeout], 1.75 + 20.0)
    np.testing.assert_allclose(rows["feature_cost"].to_numpy()[live & ~lp_timeout], 1.75 + 3.0)
    # decided on what they have: x1 alone tells a from b, so the choices are right
    best = scenario.cost_matrix().idxmin(axis=1)
    assert (rows["choice"][live] == best[live]).mean() > 0.8


def test_recorded_values_of_a_step_that_ran_out_of_memory_are_used():
    """As in CSP-2010: one step, recorded ``memout`` with most of its values present."""
    status = np.array([["memout"], ["memout"], ["ok"]], dtype=object)
    present = np.array([[True], [False], [True]])
    assert features_failed(status, ("all",), {}, present).tolist() == [False, True, False]
    # without recorded values (asc select keeps only finished steps' values) a memout is a failure
    assert features_failed(status, ("all",), {}).tolist() == [True, True, False]


def test_the_structure_knows_which_steps_gave_values():
    scenario = make_independent_steps_scenario()
    view = scenario.feature_matrix()
    from asc.aslib.views import feature_steps

    structure = feature_steps(scenario, view)
    lp_timeout = (view.status["lp"] == "timeout").to_numpy()
    assert not structure.present[lp_timeout, STEPS.index("lp")].any()
    assert structure.present[:-6, :3].all() and not structure.present[-6:].any()
    assert structure.failed().tolist() == [False] * 54 + [True] * 6
