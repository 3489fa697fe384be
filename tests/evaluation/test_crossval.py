"""Cross-validation: protocol details, reproducibility, and the reference figures."""

from __future__ import annotations

import numpy as np
import pytest

from aslib_factories import make_scenario
from asc.evaluation.crossval import cross_validate
from asc.evaluation.protocol import Protocol
from asc.selectors import make_selector


def test_selector_learns_the_tiny_rule_and_pays_feature_costs():
    scenario = make_scenario(n_instances=30)
    result = cross_validate(scenario, make_selector("rf-regression", n_estimators=20), Protocol(seed=1))
    s = result.summary
    assert s["vbs_cost"] < s["cost"] < s["sbs_global_cost"]
    assert s["gap_closed"] > 0.5
    # The selector pays 2 s of features per instance on top of its algorithm's runtime.
    chosen_best = result.per_instance["cost"] - result.per_instance["vbs"]
    assert (chosen_best[chosen_best < 10] == 2.0).all()
    free = cross_validate(scenario, make_selector("rf-regression", n_estimators=20),
                          Protocol(seed=1, charge_feature_costs=False)).summary
    assert free["cost"] < s["cost"]


def test_baselines_are_not_charged_and_vbs_is_exact():
    scenario = make_scenario(n_instances=30)
    vbs = cross_validate(scenario, make_selector("vbs")).summary
    assert vbs["cost"] == pytest.approx(vbs["vbs_cost"]) and vbs["gap_closed"] == pytest.approx(1.0)
    sbs = cross_validate(scenario, make_selector("sbs")).summary
    assert sbs["cost"] == pytest.approx(sbs["sbs_per_fold_cost"])
    assert sbs["gap_closed_per_fold_sbs"] == pytest.approx(0.0)


def test_same_seed_same_result_and_jobs_do_not_matter():
    scenario = make_scenario(n_instances=30)
    selector = make_selector("pairwise-rf", n_estimators=10)
    a = cross_validate(scenario, selector, Protocol(seed=3))
    b = cross_validate(scenario, selector, Protocol(seed=3), n_jobs=2)
    assert a.per_instance.equals(b.per_instance) and a.summary == b.summary


def test_seeded_folds_when_cv_is_absent():
    scenario = make_scenario(n_instances=25, with_cv=False)
    result = cross_validate(scenario, make_selector("sbs"), Protocol(n_folds=5, seed=7))
    assert sorted(result.per_fold.index) == [1, 2, 3, 4, 5]
    assert result.per_fold["n"].sum() == 25
    again = cross_validate(scenario, make_selector("sbs"), Protocol(n_folds=5, seed=7))
    assert (result.per_instance["fold"] == again.per_instance["fold"]).all()


def test_per_fold_sbs_is_chosen_on_training_folds():
    scenario = make_scenario(n_instances=30)
    result = cross_validate(scenario, make_selector("sbs"), Protocol(sbs="per-fold"))
    assert result.summary["sbs_policy"] == "per-fold"
    assert result.summary["gap_closed"] == result.summary["gap_closed_per_fold_sbs"]


def test_quality_scenario_evaluates(shared_dir):
    from asc.aslib import read_scenario

    scenario = read_scenario(shared_dir / "aslib" / "OPENML-WEKA-2017")
    result = cross_validate(scenario, make_selector("rf-regression", n_estimators=5), n_jobs=2)
    s = result.summary
    assert s["measure"] == "cost" and not s["feature_costs_charged"]
    assert s["vbs_cost"] <= s["cost"]
    assert np.isfinite(s["gap_closed"])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "selector", "floor"), [
    ("SAT11-HAND", "rf-regression", 0.61), ("SAT11-HAND", "pairwise-rf", 0.60),
    ("SAT11-INDU", "rf-regression-raw", 0.30), ("SAT11-INDU", "pairwise-rf", 0.25),
])
def test_reference_levels_on_sat11(shared_dir, name, selector, floor):
    from asc.aslib import read_scenario

    scenario = read_scenario(shared_dir / "aslib" / name)
    s = cross_validate(scenario, make_selector(selector), Protocol(seed=0), n_jobs=-1).summary
    assert s["gap_closed"] >= floor
