"""The self-configuring selector: SMAC search on training data only, refit, steps charged, storable."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aslib_factories import make_scenario
from asc.aslib.views import feature_steps
from asc.evaluation.crossval import cross_validate
from asc.selectors.auto import AutoSelector
from asc.models.files import load_model, save_model, train_model

# Cheap candidates keep each trial well under a second on the tiny scenarios.
FAST = ("rf-regression", "knn", "sbs")


def make_training(n_instances: int = 40, seed: int = 0):
    """Features, costs and step structure of a tiny scenario (f1 of step Pre decides a vs b)."""
    scenario = make_scenario(n_instances=n_instances, seed=seed)
    view = scenario.feature_matrix()
    return scenario, view.X, scenario.cost_matrix(), feature_steps(scenario, view)


def make_expensive_basic(n_instances: int = 36):
    """The tiny scenario with step Basic (f2, f3: noise) costing 60 of the 100 s cutoff."""
    scenario = make_scenario(n_instances=n_instances)
    costs = scenario.feature_costs.copy()
    costs["Basic"] = 60.0
    return dataclasses.replace(scenario, feature_costs=costs)


def test_fit_chooses_a_candidate_and_predicts_algorithms():
    scenario, X, C, steps = make_training()
    auto = AutoSelector(budget=3600, n_trials=5, n_folds=3, candidates=FAST, cutoff=100.0, random_state=0)
    assert auto.fit(X, C, feature_steps=steps) is auto
    assert auto.best_config_["selector"] in FAST
    assert len(auto.search_history_) == 5
    kept = [h for h in auto.search_history_ if h["config"] == auto.best_config_]
    assert kept and auto.best_cost_ == kept[0]["cost"] >= min(h["cost"] for h in auto.search_history_)
    # The first trials are the candidates' defaults, the space default (first candidate) leading.
    assert [h["config"]["selector"] for h in auto.search_history_[:3]] == list(FAST)
    assert set(auto.steps_) <= {"Pre", "Basic"}
    predicted = auto.predict(X)
    assert predicted.shape == (len(X),) and set(predicted) <= set(C.columns)
    assert auto.predict_scores(X).shape == (len(X), 3)


def test_same_seed_same_configuration_with_a_trial_cap():
    _, X, C, steps = make_training()

    def run(seed: int) -> AutoSelector:
        return AutoSelector(budget=3600, n_trials=6, candidates=FAST, cutoff=100.0, random_state=seed).fit(
            X, C, feature_steps=steps)

    a, b = run(3), run(3)
    assert a.best_config_ == b.best_config_
    assert [h["config"] for h in a.search_history_] == [h["config"] for h in b.search_history_]
    assert np.array_equal(a.predict(X), b.predict(X))


def test_same_seed_same_trials_in_another_process(tmp_path):
    # SMAC keeps some candidates in sets, whose order follows PYTHONHASHSEED; the search must not.
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import json, sys\n"
        "from aslib_factories import make_scenario\n"
        "from asc.aslib.views import feature_steps\n"
        "from asc.selectors.auto import AutoSelector\n"
        "sc = make_scenario(n_instances=40); view = sc.feature_matrix()\n"
        "a = AutoSelector(budget=3600, n_trials=6, candidates=('knn', 'sbs'), cutoff=100.0, random_state=5)\n"
        "a.fit(view.X, sc.cost_matrix(), feature_steps=feature_steps(sc, view))\n"
        "print(json.dumps([h['config'] for h in a.search_history_]))\n"
    )
    tests = str(Path(__file__).resolve().parents[1])
    runs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": tests}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
        runs.append(json.loads(done.stdout))
    assert len(runs[0]) == 6 and runs[0] == runs[1]


def make_problem(n_instances: int = 40):
    """The search problem the auto selector builds from make_training's data."""
    from asc.selectors.search import SearchProblem

    _, X, C, steps = make_training(n_instances)
    return SearchProblem(X=X.reset_index(drop=True), C=C.reset_index(drop=True), cutoff=100.0,
                         feature_cost=np.zeros(len(C)), feature_failed=np.zeros(len(C), dtype=bool), structure=steps)


RF_DEFAULTS = {"selector": "rf-regression", "rf-regression:n_estimators": 100, "rf-regression:max_features": 1.0,
               "rf-regression:min_samples_leaf": 1, "rf-regression:log_offset": 0.0}


def one_trial_seconds(problem) -> float:
    """Wall time of one full trial of rf-regression's defaults (the slowest of FAST), measured here and now."""
    import time

    from asc.selectors.search import cross_validated_costs, default_n_folds, inner_folds

    folds = inner_folds(len(problem.C), default_n_folds(len(problem.C)), 0)
    begun = time.monotonic()
    cross_validated_costs(RF_DEFAULTS, problem, folds, 0)
    return time.monotonic() - begun


def test_a_tiny_budget_bounds_the_whole_fit_and_cuts_the_trial_that_would_overrun():
    import time

    _, X, C, steps = make_training()
    # Budgets relative to a trial measured under the same load: the bound holds on a busy machine too.
    trial = one_trial_seconds(make_problem())
    budget = trial / 3
    begun = time.monotonic()
    auto = AutoSelector(budget=budget, candidates=FAST, cutoff=100.0, random_state=0).fit(X, C, feature_steps=steps)
    elapsed = time.monotonic() - begun
    # search and final fit within the budget and one trial
    assert elapsed <= budget + trial
    # The first trial (rf-regression's defaults, the space default) cannot end within a third
    # of its own duration: it is cut between folds instead of finishing past the deadline.
    assert auto.search_cut_ >= 1
    assert all(h["config"] != RF_DEFAULTS for h in auto.search_history_)
    assert all(h["started"] < budget for h in auto.search_history_)
    assert set(auto.predict(X)) <= set(C.columns)


def test_the_budget_ends_an_uncapped_search_within_one_trial():
    import time

    _, X, C, steps = make_training()
    trial = one_trial_seconds(make_problem())
    budget = 2 * trial
    begun = time.monotonic()
    auto = AutoSelector(budget=budget, candidates=FAST, cutoff=100.0, random_state=0).fit(X, C, feature_steps=steps)
    elapsed = time.monotonic() - begun
    history = auto.search_history_
    assert history and all(h["started"] < budget for h in history)
    assert elapsed <= budget + trial
    # no trial cap: the search went on until the budget was (nearly) spent, not stopped by SMAC's trial count
    assert elapsed >= budget / 2


def test_no_trial_in_time_keeps_the_space_default_unmeasured(caplog):
    _, X, C, steps = make_training()
    with caplog.at_level("WARNING", logger="asc.selectors.search"):
        auto = AutoSelector(budget=1e-3, candidates=("knn", "sbs"), cutoff=100.0, random_state=0)
        auto.fit(X, C, feature_steps=steps)
    assert auto.search_history_ == [] and np.isnan(auto.best_cost_)
    assert auto.best_config_["selector"] == "knn" and auto.best_config_["knn:n_neighbors"] == 15
    assert "no trial within" in caplog.text
    assert set(auto.predict(X)) <= set(C.columns)


def test_a_trial_is_cut_between_its_inner_folds():
    import time

    from asc.selectors.search import (_TRIAL_CLOCK, _TrialClock, _TrialCut, cross_validated_costs,
                                                   inner_folds)

    problem = make_problem()
    folds = inner_folds(40, 4, 0)
    knn = {"selector": "knn", "knn:n_neighbors": 3, "knn:weights": "uniform"}
    presolving = {**knn, "presolve": "yes", "presolve:budget": 0.1, "presolve:max_presolvers": 2}
    for config in (knn, presolving):  # both ways a trial is charged fit their folds under the clock
        clock = _TrialClock(time.monotonic() + 3600, n_folds=4)
        token = _TRIAL_CLOCK.set(clock)
        try:
            cross_validated_costs(config, problem, folds, 0)
        finally:
            _TRIAL_CLOCK.reset(token)
        assert len(clock.fits) == 4 and all(rows == 30 for _, rows in clock.fits)
        late = _TrialClock(time.monotonic() - 1, n_folds=4)
        token = _TRIAL_CLOCK.set(late)
        try:
            with pytest.raises(_TrialCut):
                cross_validated_costs(config, problem, folds, 0)
        finally:
            _TRIAL_CLOCK.reset(token)
        assert late.fits == []
    # outside a trial nothing is checked
    cross_validated_costs(knn, problem, folds, 0)


def test_a_fit_under_way_is_cut_when_the_deadline_passes():
    import signal
    import time

    from asc.selectors.search import _interrupt_at, _TrialCut, cross_validated_costs, inner_folds

    if signal.getsignal(signal.SIGALRM) != signal.SIG_DFL:
        pytest.skip("SIGALRM is in use here (pytest-timeout's signal method?): the search leaves it alone")
    problem = make_problem()
    folds = inner_folds(40, 2, 0)  # two folds: each fit is about half the trial
    slow = {**RF_DEFAULTS, "rf-regression:n_estimators": 200}
    begun = time.monotonic()
    cross_validated_costs(slow, problem, folds, 0)
    full = time.monotonic() - begun
    begun = time.monotonic()
    with pytest.raises(_TrialCut), _interrupt_at(begun + full / 10):
        cross_validated_costs(slow, problem, folds, 0)
    # cut inside the first fold's fit, not after it
    assert time.monotonic() - begun < full / 2
    # and the alarm is gone: nothing fires later, the default handler is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    costs = cross_validated_costs(slow, problem, folds, 0)
    assert costs.shape == (40,)


def test_a_trial_that_would_end_after_the_deadline_is_cut_early():
    import time

    from asc.selectors.search import _TrialClock, _TrialCut

    now = time.monotonic()
    clock = _TrialClock(now + 5.0, n_folds=10, fits=[(1.0, 36)])
    with pytest.raises(_TrialCut):  # 9 more folds of about 1 s each cannot end in 5 s
        clock.before_fit()
    _TrialClock(now + 60.0, n_folds=10, fits=[(1.0, 36)]).before_fit()
    _TrialClock(now + 5.0, n_folds=10).before_fit()  # no fold timed yet: the first one runs
    assert clock.refit_seconds(72, presolve=False) == pytest.approx(2.0)
    assert clock.refit_seconds(72, presolve=True) == pytest.approx(6.0)


def test_progress_is_reported_on_stderr(capsys):
    _, X, C, steps = make_training()
    AutoSelector(budget=3600, n_trials=3, candidates=("knn", "sbs"), cutoff=100.0, random_state=0,
                 progress=True).fit(X, C, feature_steps=steps)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [line for line in captured.err.splitlines() if line.startswith("asc: search: ")]
    assert "40 instances, 10 inner folds; at most 3 trials, 3600 s budget" in lines[0]
    assert "trial 1 (knn) cost" in lines[1] and "s left" in lines[1]
    assert "3 trials in" in lines[-1] and "chose" in lines[-1]
    quiet = AutoSelector(budget=3600, n_trials=2, candidates=("knn", "sbs"), cutoff=100.0, random_state=0)
    quiet.fit(X, C, feature_steps=steps)
    assert capsys.readouterr().err == ""


def test_progress_lines_are_throttled_and_name_cuts():
    import io

    from asc.selectors.search import StderrProgress

    out = io.StringIO()
    progress = StderrProgress(stream=out, every=3600)
    base = {"budget": 60.0, "n_trials": None, "instances": 40, "folds": 10, "elapsed": 1.0, "left": 59.0}
    progress({**base, "status": "start"})
    knn = {"selector": "knn"}
    for i, cost in enumerate([50.0, 40.0, 45.0, 41.0], start=1):
        progress({**base, "status": "ok", "trials": i, "cut": 0, "config": knn, "cost": cost,
                  "best_cost": min(50.0, 40.0 if i > 1 else 50.0)})
    progress({**base, "status": "cut", "trials": 4, "cut": 1, "config": knn, "cost": None, "best_cost": 40.0})
    progress({**base, "status": "done", "trials": 4, "cut": 1, "config": knn, "best_cost": 40.0, "seconds": 61.0})
    lines = out.getvalue().splitlines()
    # the opening line, the two improvements, the closing line: no news is not reported within `every` seconds
    assert len(lines) == 4
    assert "trial 2 (knn) cost 40; best 40 of 2 trials" in lines[2]
    assert "4 trials (1 cut short by the deadline) in 61.0 s; chose knn (inner cost 40)" in lines[3]


def test_drops_an_expensive_useless_step_and_is_charged_only_what_it_uses():
    scenario = make_expensive_basic()
    auto = AutoSelector(budget=3600, n_trials=8, candidates=("knn", "sbs"), presolve=False)
    result = cross_validate(scenario, auto, name="auto")
    s = result.summary
    sbs = cross_validate(scenario, make_sbs(), name="sbs").summary
    # With Basic (60 s) every run of the slow algorithm times out; f1 (step Pre, 0.5 s) is all that matters.
    assert set(s["chosen_steps"]) == set(s["configurations"]) == set(result.per_fold.index)
    assert all(steps == ["Pre"] for steps in s["chosen_steps"].values())
    charged = result.per_instance["feature_cost"]
    assert np.allclose(charged, 0.5)
    assert s["cost"] < sbs["cost"]


def make_sbs():
    from asc.selectors import make_selector

    return make_selector("sbs")


def test_beats_the_single_best_when_one_feature_decides():
    scenario = make_scenario(n_instances=45)
    auto = AutoSelector(budget=3600, n_trials=3, candidates=("rf-regression", "sbs"), presolve=False)
    s = cross_validate(scenario, auto, name="auto").summary
    # The global SBS of this scenario is one of a/b; a selector reading f1 is right nearly always.
    assert s["cost"] <= s["sbs_global_cost"]
    assert s["gap_closed"] > 0.5


def test_keeps_an_earlier_trial_within_one_standard_error():
    from asc.selectors.search import choose_trial

    rng = np.random.default_rng(0)
    default = rng.normal(100.0, 30.0, size=200)
    noisy_better = default + np.tile([29.0, -31.0], 100)               # 1 lower on average, noise of 30
    clearly_better = default - 20.0                                   # lower on every instance
    assert choose_trial([default, noisy_better]) == 0
    assert choose_trial([default, noisy_better], tolerance=0) == 1
    assert choose_trial([default, noisy_better, clearly_better]) == 2


def test_feature_steps_charges_match_the_evaluation():
    scenario = make_scenario(n_instances=20)
    status = scenario.feature_runstatus.copy()
    status.loc[0, "Pre"] = "presolved"
    status.loc[1, "Pre"] = "crash"
    status.loc[2, "Basic"] = "timeout"
    scenario = dataclasses.replace(scenario, feature_runstatus=status)
    view = scenario.feature_matrix()
    structure = feature_steps(scenario, view)
    cost, presolved, failed = structure.charges(view.steps)
    assert np.allclose(cost, view.cost.to_numpy()) and np.array_equal(presolved, view.presolved.to_numpy())
    result = cross_validate(scenario, make_sbs())
    assert np.array_equal(failed, result.per_instance["features_failed"].to_numpy())
    assert failed[1] and not failed[0] and not failed[2]
    only_pre = structure.charges(["Pre"])
    assert np.allclose(only_pre[0], 0.5) and only_pre[1][0]
    assert structure.columns(["Basic"]) == ("f1", "f2", "f3")  # Basic requires Pre


def test_without_step_structure_uses_every_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    C = np.column_stack([np.where(X[:, 0] > 0, 1.0, 50.0), np.where(X[:, 0] > 0, 50.0, 1.0)])
    auto = AutoSelector(budget=3600, n_trials=4, candidates=("knn", "sbs"), random_state=1).fit(X, C)
    assert auto.steps_ is None and list(auto.columns_) == [0, 1]
    assert auto.schedule_ == [] and auto.backup_ == auto.decide(X).backup
    # a selector that uses features has a backup (the single best here: no feature failed)
    assert auto.backup_ == ("1" if C[:, 1].mean() < C[:, 0].mean() else "0") or auto.best_config_["selector"] == "sbs"
    assert set(auto.predict(X)) <= {"0", "1"}


def test_trained_model_round_trips_and_records_its_steps(tmp_path):
    scenario = make_expensive_basic(n_instances=30)
    model = train_model(scenario, "auto", seed=0, n_trials=6, candidates=("knn", "sbs"))
    selector = model.selector
    assert model.info.steps == tuple(selector.steps_)
    back = load_model(save_model(model, tmp_path / "auto.skops"))
    assert back.info == model.info
    assert back.selector.best_config_ == selector.best_config_
    X = make_scenario(n_instances=30, seed=5).feature_matrix().X
    assert np.array_equal(back.selector.predict(X), selector.predict(X))
    assert set(back.predict_scores({"f1": 0.9})) == {"a", "b", "c"}


def test_cli_evaluate_and_train_with_budget(tmp_path, run_cli):
    from asc.aslib import write_scenario

    folder = write_scenario(make_scenario(n_instances=30), tmp_path / "tiny")
    result = run_cli("evaluate", folder, "--selector", "auto", "--budget", "600", "--trials", "3", "--jobs", "1",
                     "--format", "json")
    assert result.code == 0, result.err
    import json

    data = json.loads(result.out)
    assert len(data["summary"]["configurations"]) == 3
    # each fold's search reports on stderr (lines: stderr is not a terminal here)
    assert result.err.count("asc: search: ") >= 3 * 2 and "chose" in result.err
    model_path = tmp_path / "m.skops"
    trained = run_cli("train", folder, "-o", model_path, "--selector", "auto", "--budget", "600", "--trials", "3")
    assert trained.code == 0, trained.err
    assert "chosen:" in trained.err and load_model(model_path).info.selector == "auto"
    assert "asc: search: 3 trials in" in trained.err
    refused = run_cli("evaluate", folder, "--selector", "knn", "--budget", "10")
    assert refused.code == 2 and "--selector auto only" in refused.err


def test_sunny_is_searched_and_judged_by_its_schedules():
    from asc.selectors.search import SearchProblem, cross_validated_costs, inner_folds
    from asc.policy import plan_outcome
    from asc.selectors.sunny import SunnySelector

    scenario, X, C, steps = make_training(n_instances=40, seed=3)
    auto = AutoSelector(budget=3600, n_trials=3, candidates=("sunny", "sbs"), cutoff=100.0, random_state=0)
    auto.fit(X, C, feature_steps=steps)
    # the space offers no pre-solving to SUNNY: its own schedule hedges
    assert all("presolve" not in h["config"] for h in auto.search_history_)
    if auto.best_config_["selector"] == "sunny":
        assert auto.decide(X).plans is not None
    # An inner fold's cost is the schedule's outcome, not the longest slot's.
    Xf = X.reset_index(drop=True)
    problem = SearchProblem(X=Xf, C=C.reset_index(drop=True), cutoff=100.0, feature_cost=np.zeros(len(C)),
                            feature_failed=np.zeros(len(C), dtype=bool), structure=None)
    folds = inner_folds(len(C), 3, 0)
    config = {"selector": "sunny", "sunny:n_neighbors": 5, "sunny:max_portfolio": 2}
    got = cross_validated_costs(config, problem, folds, random_state=0)
    costs = C.to_numpy(dtype=float)
    solved, runtime = costs <= 100.0, np.minimum(costs, 100.0)
    expected = np.zeros(len(C))
    for f in range(3):
        train, test = folds != f, folds == f
        sunny = SunnySelector(n_neighbors=5, max_portfolio=2, cutoff=100.0).fit(Xf[train], C[train])
        plans = [[(list(C.columns).index(a), t) for a, t in plan] for plan in sunny.predict_schedule(Xf[test])]
        expected[test] = plan_outcome(plans, runtime[test], solved[test], 100.0, 10.0).cost
    assert np.allclose(got, expected)


def make_presolvable(easy_rows, n_instances: int = 40):
    """Search problem of the tiny scenario with 60 s features where ``a`` solves ``easy_rows`` in 0.05 s."""
    from asc.selectors.search import SearchProblem

    scenario = make_expensive_basic(n_instances)
    runs = scenario.runs.copy()
    easy = runs["instance_id"].isin([f"inst{i:02d}.cnf" for i in easy_rows]) & (runs["algorithm"] == "a")
    runs.loc[easy, ["runtime", "runstatus"]] = [0.05, "ok"]
    scenario = dataclasses.replace(scenario, runs=runs)
    view = scenario.feature_matrix()
    C = scenario.cost_matrix().reset_index(drop=True)
    return SearchProblem(X=view.X.reset_index(drop=True), C=C, cutoff=100.0,
                         feature_cost=view.cost.to_numpy(dtype=float), feature_failed=np.zeros(len(C), dtype=bool),
                         structure=feature_steps(scenario, view, charged=True))


PRESOLVE = {"presolve": "yes", "presolve:budget": 0.25, "presolve:max_presolvers": 2}
KNN = {"selector": "knn", "knn:n_neighbors": 3, "knn:weights": "uniform"}


def test_a_presolving_trial_is_charged_its_schedule():
    from asc.selectors.search import cross_validated_costs, inner_folds

    problem = make_presolvable(range(0, 40, 2))
    folds = inner_folds(40, 3, 0)
    plain = cross_validated_costs(KNN, problem, folds, random_state=0)
    with_schedule = cross_validated_costs({**KNN, **PRESOLVE}, problem, folds, random_state=0)
    # every easy instance is solved by a's pre-solving slot before any feature is paid for
    assert np.allclose(with_schedule[::2], 0.05)
    assert with_schedule.mean() < plain.mean()


def test_a_fold_schedule_never_sees_the_fold():
    from asc.selectors.search import cross_validated_costs, inner_folds

    folds = inner_folds(40, 3, 0)
    only_in_fold_0 = np.flatnonzero(folds == 0)
    problem = make_presolvable(only_in_fold_0)
    costs = cross_validated_costs({**KNN, **PRESOLVE}, problem, folds, random_state=0)
    # fold 0's schedule is learned on folds 1 and 2, where nothing is easy: no slot for a,
    # so fold 0's easy instances pay for their features like any other
    assert np.all(costs[only_in_fold_0] > 60.0)


def test_an_uncapped_trial_schedules_every_paying_slot():
    from asc.selectors.search import UNCAPPED, cross_validated_costs, decode, inner_folds

    problem = make_presolvable(range(0, 40, 2))
    C = problem.C.copy()
    C.loc[1::4, "b"] = 0.05  # b rescues a quarter of the instances, a the even half
    problem = dataclasses.replace(problem, C=C)
    easy = np.r_[0:40:2, 1:40:4]
    folds = inner_folds(40, 3, 0)
    assert decode({**KNN, **PRESOLVE, "presolve:max_presolvers": UNCAPPED}, None).presolve["max_presolvers"] is None
    uncapped = cross_validated_costs({**KNN, **PRESOLVE, "presolve:max_presolvers": UNCAPPED}, problem, folds, 0)
    one = cross_validated_costs({**KNN, **PRESOLVE, "presolve:max_presolvers": "1"}, problem, folds, 0)
    # with no cap both rescuers get a slot in every fold, so no easy instance waits for its
    # 60 s features; with a cap of one, each fold's slot rescues only one of the two sets
    assert np.all(uncapped[easy] < 60.0)
    rescued_by_one = one[easy] < 60.0
    assert 10 <= rescued_by_one.sum() < len(easy)


def test_unknown_candidate_is_a_usage_error():
    from asc.errors import UsageError

    _, X, C, _ = make_training(n_instances=10)
    with pytest.raises(UsageError, match="cannot be searched"):
        AutoSelector(candidates=("vbs",)).fit(X, C)
