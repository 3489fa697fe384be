"""The SATzilla-style pipeline: pre-solving schedule, backup solver, and their evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aslib_factories import make_rescue_scenario
from asc.errors import UsageError
from asc.policy import runtime_outcome
from asc.policy import runtime_arrays
from asc.selectors.pipeline import MIN_GAINS, SelectionPipeline, cross_validated_min_gain, greedy_schedule
from asc.selectors.regression import PerAlgorithmRegressor


def make_easy_problem(n: int = 60, seed: int = 0):
    """'easy' solves 80% of the instances in 0.5 s and the rest never; 'steady' takes 30 s on all."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x0", "x1", "x2"])
    hard = rng.random(n) < 0.2
    C = pd.DataFrame({"easy": np.where(hard, 1000.0, 0.5), "steady": np.full(n, 30.0)})
    return X, C, hard


def test_schedule_is_learned_when_features_are_expensive():
    X, C, _ = make_easy_problem()
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=10), cutoff=100.0, random_state=0)
    pipeline.fit(X, C, feature_cost=np.full(len(X), 20.0))
    assert [a for a, _ in pipeline.schedule_] == ["easy"]
    assert 0.5 <= pipeline.schedule_[0][1] <= 10.0
    assert set(pipeline.predict(X)) <= {"easy", "steady"}


def test_no_schedule_when_features_are_free_and_selector_is_right():
    X, C, _ = make_easy_problem()
    C["easy"] = np.where(X["x0"] > 0, 0.5, 1000.0)  # the features tell exactly when 'easy' works
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), cutoff=100.0, random_state=0)
    pipeline.fit(X, C, feature_cost=np.zeros(len(X)))
    assert pipeline.schedule_ == []


def test_backup_is_best_on_failed_instances():
    X, C, hard = make_easy_problem()
    failed = hard.copy()  # the features fail exactly on the instances 'easy' cannot solve
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=5), presolve_budget=0, cutoff=100.0,
                                 random_state=0).fit(X, C, feature_failed=failed)
    assert pipeline.backup_ == "steady"
    none = SelectionPipeline(PerAlgorithmRegressor(n_estimators=5), presolve_budget=0, backup=False,
                             cutoff=100.0).fit(X, C)
    assert none.backup_ is None


def test_pipeline_needs_the_cutoff():
    X, C, _ = make_easy_problem()
    with pytest.raises(UsageError, match="cutoff"):
        SelectionPipeline(PerAlgorithmRegressor(n_estimators=5)).fit(X, C)


def test_schedule_outcome_accounting():
    runtime = np.array([[0.5, 30.0], [100.0, 30.0]])
    solved = np.array([[1.0, 1.0], [0.0, 1.0]])
    outcome = runtime_outcome(np.array([1, 1]), runtime, solved, 100.0, 10, np.array([20.0, 20.0]),
                              schedule=[(0, 1.0)])
    # Instance 0: solved by the pre-solver at 0.5 s, no feature cost. Instance 1: 1 s + 20 s + 30 s.
    assert outcome.cost.tolist() == [0.5, 51.0]


def test_cross_validation_applies_schedules():
    from aslib_factories import make_scenario
    from asc.evaluation.crossval import cross_validate

    scenario = make_scenario(n_instances=30)
    result = cross_validate(scenario, SelectionPipeline(PerAlgorithmRegressor(n_estimators=5)))
    s = result.summary
    assert s["backup_used"] == 0 and isinstance(s["schedules"], dict)
    assert s["vbs_cost"] <= s["cost"]


def make_rescue_costs(n: int = 30, rescued: int = 1):
    """'main' (always chosen) solves every instance in 10 s except the first ``rescued``, which only
    'rescue' solves, in 1 s; 'rescue' times out on the rest. Cutoff 1000, PAR10."""
    costs = np.full((n, 2), 10000.0)
    costs[rescued:, 0] = 10.0
    costs[:rescued, 1] = 1.0
    return costs, np.zeros(n, dtype=np.int64), np.zeros(n)


def test_cross_validation_rejects_a_schedule_for_one_instance():
    costs, choice, fc = make_rescue_costs(rescued=1)
    folds = np.arange(len(costs)) % 3
    # trained on the rescued instance a slot of 'rescue' pays for itself many times over ...
    assert greedy_schedule(choice, costs, fc, 1000.0, 0.1, 3, 0.02) == [(1, 1.0)]
    # ... but held-out folds never see the rescue: the schedule only delays 'main' there
    assert cross_validated_min_gain(choice, costs, fc, 1000.0, 0.1, 3, folds) == float("inf")


def test_cross_validation_keeps_a_schedule_that_generalises():
    costs, choice, fc = make_rescue_costs(rescued=9)
    folds = np.arange(len(costs)) % 3
    gain = cross_validated_min_gain(choice, costs, fc, 1000.0, 0.1, 3, folds)
    assert np.isfinite(gain)
    assert greedy_schedule(choice, costs, fc, 1000.0, 0.1, 3, gain) == [(1, 1.0)]


def make_short_and_long_costs():
    """Two groups of 6 instances the always-chosen 'main' times out on: 'quick1' solves the
    first and 'quick2' the second in 1 s each, 'long' solves both in 99 s; 'main' solves the
    other 18 in 10 s. Cutoff 1000, PAR10, so a schedule budget of 0.1 is 100 s."""
    costs = np.full((30, 4), 10000.0)
    costs[12:, 0] = 10.0
    costs[:6, 1] = 1.0
    costs[6:12, 2] = 1.0
    costs[:12, 3] = 99.0
    return costs, np.zeros(30, dtype=np.int64), np.zeros(30)


def test_schedule_takes_short_slots_before_one_long_one():
    costs, choice, fc = make_short_and_long_costs()
    plan = greedy_schedule(choice, costs, fc, 1000.0, 0.1, 3, 0.02)
    # 'long' alone rescues the most instances, but a 100 s slot that fills the budget delays
    # all of them; the two 1 s slots rescue the same instances for 2 s.
    assert sorted(plan) == [(1, 1.0), (2, 1.0)]
    runtime, solved, _ = runtime_arrays(costs, 1000.0)

    def par10(schedule):
        return runtime_outcome(choice, runtime, solved, 1000.0, 10, fc, None, schedule).cost.mean()

    assert par10(plan) < par10([(3, 100.0)]) < par10([])


def make_many_rescuers_costs(groups: int = 5):
    """``groups`` groups of 4 instances the always-chosen 'main' (column 0) times out on, each
    solved in 1 s by its own solver (columns 1..groups); 'main' solves 20 more in 10 s.
    Cutoff 1000, PAR10: a 100 s budget holds every 1 s slot."""
    n = 4 * groups + 20
    costs = np.full((n, groups + 1), 10000.0)
    costs[4 * groups:, 0] = 10.0
    for g in range(groups):
        costs[4 * g:4 * g + 4, g + 1] = 1.0
    return costs, np.zeros(n, dtype=np.int64), np.zeros(n)


def test_schedule_is_bounded_by_its_budget_not_a_count():
    costs, choice, fc = make_many_rescuers_costs(5)
    capped = greedy_schedule(choice, costs, fc, 1000.0, 0.1, 3, 0.02)
    free = greedy_schedule(choice, costs, fc, 1000.0, 0.1, None, 0.02)
    assert len(capped) == 3
    assert sorted(free) == [(g, 1.0) for g in range(1, 6)]
    runtime, solved, _ = runtime_arrays(costs, 1000.0)

    def solved_by(schedule):
        return int(runtime_outcome(choice, runtime, solved, 1000.0, 10, fc, None, schedule).solved.sum())

    assert solved_by(free) == len(costs) > solved_by(capped)
    # the budget still binds: 2.5 s holds only two of the 1 s slots
    assert len(greedy_schedule(choice, costs, fc, 1000.0, 0.0025, None, 0.02)) == 2


def test_pipeline_schedules_every_paying_slot_by_default():
    costs, _, _ = make_many_rescuers_costs(5)
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.rand(len(costs), 3), columns=["a", "b", "c"])
    C = pd.DataFrame(costs, columns=["main"] + [f"quick{g}" for g in range(1, 6)])
    model = SelectionPipeline(cutoff=1000.0, random_state=0, max_runner_ups=0)
    model.fit(X, C, feature_cost=np.full(len(C), 5.0))
    assert model.max_presolvers is None
    # every rescuer gets its slot (a slot of 'main' may join them: it saves the features)
    assert {f"quick{g}" for g in range(1, 6)} <= {name for name, _ in model.schedule_}
    assert sum(seconds for _, seconds in model.schedule_) <= 0.1 * 1000.0


def test_pipeline_records_the_chosen_gain():
    X, C, _ = make_easy_problem()
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=10), cutoff=100.0, random_state=0)
    pipeline.fit(X, C, feature_cost=np.full(len(X), 20.0))
    assert pipeline.min_gain_ in MIN_GAINS and np.isfinite(pipeline.min_gain_)
    fixed = SelectionPipeline(PerAlgorithmRegressor(n_estimators=10), cutoff=100.0, random_state=0, min_gain=0.5)
    assert fixed.fit(X, C, feature_cost=np.full(len(X), 20.0)).min_gain_ == 0.5


def make_rescue_problem(n: int = 90, seed: int = 0, predictable: bool = False):
    """'main' solves in 10 s except on a third of the instances, where only 'rescue' solves, in 1 s.

    With ``predictable`` the features tell exactly where ('x0' > 0.5); otherwise nothing does.
    Cutoff 100, PAR10.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.random(size=(n, 3)), columns=["x0", "x1", "x2"])
    rescued = (X["x0"] > 0.5).to_numpy() if predictable else rng.random(n) < 1 / 3
    C = pd.DataFrame({"main": np.where(rescued, 1000.0, 10.0), "rescue": np.where(rescued, 1.0, 1000.0)})
    return X, C, rescued


def test_runner_up_slot_is_learned_where_the_choice_is_often_wrong():
    X, C, rescued = make_rescue_problem()
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), presolve_budget=0, cutoff=100.0,
                                 random_state=0).fit(X, C)
    assert pipeline.runner_ups_ == 1
    assert 1.0 <= pipeline.runner_up_seconds_ <= 5.0   # a slot long enough for 'rescue' and no longer
    plans = pipeline.predict_schedule(X)
    chosen = pipeline.predict(X)
    for plan, top in zip(plans, chosen, strict=True):
        assert [a for a, _ in plan] == [a for a in ("main", "rescue") if a != top] + [top]
        assert sum(t for _, t in plan) == pytest.approx(100.0)


def test_no_runner_up_slot_where_the_features_tell():
    X, C, _ = make_rescue_problem(predictable=True)
    pipeline = SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), presolve_budget=0, cutoff=100.0,
                                 random_state=0).fit(X, C)
    assert pipeline.runner_ups_ == 0 and pipeline.runner_up_seconds_ == 0.0
    assert pipeline.predict_schedule(X) is None
    off = SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), presolve_budget=0, max_runner_ups=0,
                            cutoff=100.0, random_state=0).fit(*make_rescue_problem()[:2])
    assert off.runner_ups_ == 0


def test_cross_validation_charges_runner_up_slots():
    from asc.evaluation.crossval import cross_validate

    scenario = make_rescue_scenario()
    hedged = cross_validate(scenario, SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), presolve_budget=0))
    plain = cross_validate(scenario, SelectionPipeline(PerAlgorithmRegressor(n_estimators=20), presolve_budget=0,
                                                       max_runner_ups=0))
    # the slot rescues most instances the choice gets wrong, at a few seconds on the others
    assert hedged.summary["solved"] > plain.summary["solved"]
    assert hedged.summary["cost"] < plain.summary["cost"]
