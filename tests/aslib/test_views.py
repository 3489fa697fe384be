"""Derived views: cost and solved matrices, repetitions, feature steps, presolved, quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aslib_factories import make_description, make_scenario
from asc.aslib import FeatureStep, Scenario
from asc.aslib.views import resolve_steps
from asc.errors import UsageError


def test_solved_is_recomputed_from_runstatus_not_stored_values():
    scenario = make_scenario()
    cost = scenario.cost_matrix()
    # c always timed out, whatever value the file stored (cutoff, 10x cutoff, 57.3 s).
    assert (cost["c"] == 1000.0).all()
    assert (scenario.solved_matrix()["c"] == 0).all()
    assert (cost[["a", "b"]] < 100).all().all()


def test_ok_run_above_cutoff_is_unsolved():
    scenario = make_scenario()
    scenario.runs.loc[0, "runtime"] = 150.0  # ok status but over the 100 s cutoff
    instance, algorithm = scenario.runs.loc[0, ["instance_id", "algorithm"]]
    assert scenario.cost_matrix().loc[instance, algorithm] == 1000.0
    assert scenario.cost_matrix(par=1).loc[instance, algorithm] == 100.0


def test_missing_run_counts_as_unsolved():
    scenario = make_scenario()
    runs = scenario.runs.drop(index=[0]).reset_index(drop=True)
    partial = Scenario(scenario.description, runs, scenario.feature_values)
    instance, algorithm = scenario.runs.loc[0, ["instance_id", "algorithm"]]
    assert partial.cost_matrix().loc[instance, algorithm] == 1000.0


def test_repetitions_aggregate_by_named_policy():
    scenario = make_scenario(repetitions=2)
    runs = scenario.runs
    mask = (runs["repetition"] == 2) & (runs["algorithm"] == "a")
    runs.loc[mask, "runstatus"] = "timeout"
    first_instance = scenario.instances[0]
    a_time = runs[(runs["instance_id"] == first_instance) & (runs["algorithm"] == "a")]["runtime"].iloc[0]
    assert scenario.cost_matrix(aggregate="mean").loc[first_instance, "a"] == pytest.approx((a_time + 1000) / 2)
    assert scenario.cost_matrix(aggregate="min").loc[first_instance, "a"] == a_time
    assert scenario.cost_matrix(aggregate="first").loc[first_instance, "a"] == a_time
    assert scenario.solved_matrix().loc[first_instance, "a"] == 0.5
    with pytest.raises(UsageError, match="repetition policy"):
        scenario.cost_matrix(aggregate="mode")


def test_feature_steps_closed_under_requires_and_costed():
    scenario = make_scenario()
    view = scenario.feature_matrix(["Basic"])
    assert view.steps == ("Pre", "Basic")
    assert list(view.X.columns) == ["f1", "f2", "f3"]
    assert (view.cost == 2.0).all()  # 0.5 + 1.5
    only_pre = scenario.feature_matrix(["Pre"])
    assert list(only_pre.X.columns) == ["f1"] and (only_pre.cost == 0.5).all()
    with pytest.raises(UsageError, match="unknown feature step"):
        scenario.feature_matrix(["Nope"])


def test_presolved_instance_is_not_charged_for_later_steps():
    scenario = make_scenario()
    scenario.feature_runstatus.loc[0, "Pre"] = "presolved"
    view = scenario.feature_matrix()
    first = scenario.instances[0]
    assert view.presolved[first] and view.presolved.sum() == 1
    assert view.cost[first] == 0.5 and view.cost.iloc[1] == 2.0


def test_step_cycle_is_an_error():
    desc = make_description(feature_steps={"A": FeatureStep(("f1",), ("B",)), "B": FeatureStep(("f2",), ("A",))},
                            default_steps=("A",))
    scenario = make_scenario()
    cyclic = Scenario(desc, scenario.runs, scenario.feature_values)
    with pytest.raises(UsageError, match="cycle"):
        resolve_steps(cyclic, ["A"])


@pytest.mark.parametrize("maximize", [False, True])
def test_quality_scenarios(maximize):
    desc = make_description(performance_measures=("quality",), performance_type=("solution_quality",),
                            maximize=(maximize,), algorithm_cutoff_time=None)
    runs = pd.DataFrame({
        "instance_id": ["i1", "i1", "i2", "i2"], "repetition": 1, "algorithm": ["a", "b", "a", "b"],
        "quality": [0.9, 0.5, 0.2, np.nan], "runstatus": ["ok", "ok", "ok", "crash"],
    })
    cost = Scenario(desc.with_algorithms(["a", "b"]), runs).cost_matrix()
    sign = -1 if maximize else 1
    assert cost.loc["i1", "a"] == sign * 0.9 and cost.loc["i1", "b"] == sign * 0.5
    # The crashed run costs the worst cost seen on its instance.
    assert cost.loc["i2", "b"] == sign * 0.2


def test_reference_sbs_and_vbs_on_sat11(shared_dir):
    from asc.aslib import read_scenario

    hand = read_scenario(shared_dir / "aslib" / "SAT11-HAND").cost_matrix()
    assert hand.min(axis=1).mean() == pytest.approx(13360.7, abs=0.1)
    assert hand.mean().min() == pytest.approx(25589.3, abs=0.1)
    assert hand.mean().idxmin() == "SAT09referencesolverclasp_1.2.0-SAT09-32"
    indu = read_scenario(shared_dir / "aslib" / "SAT11-INDU").cost_matrix()
    assert indu.min(axis=1).mean() == pytest.approx(8187.5, abs=0.1)
    assert indu.mean().min() == pytest.approx(14605.9, abs=0.1)
    assert indu.mean().idxmin() == "glucose_2"
