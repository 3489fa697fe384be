"""Compiled models: the same scores as the fitted selectors, loaded without scikit-learn."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from aslib_factories import make_scenario
from asc.errors import ModelError
from asc.models.compiled import PREFIX, RECIPE, CompiledSelector, load_predictor
from asc.models.files import load_model, save_model, train_model

SMALL = {"rf-regression": {"n_estimators": 7}, "rf-regression-raw": {"n_estimators": 7},
         "joint-regression": {"n_estimators": 7},
         "pairwise-rf": {"n_estimators": 7}, "pairwise-regression": {"n_estimators": 7},
         "multiclass-rf": {"n_estimators": 7}, "knn": {}, "isac": {}, "sbs": {}, "satzilla": {}, "sunny": {},
         "vote": {"members": ("rf-regression", "pairwise-regression", "knn")}}


def probe_rows(seed: int = 3) -> np.ndarray:
    """Rows inside and far outside the training range, with missing values."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.5, 2.0, size=(200, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    return X


@pytest.mark.parametrize("name", sorted(SMALL))
def test_compiled_scores_are_the_fitted_scores(tmp_path, name):
    model = train_model(make_scenario(n_instances=40), name, seed=4, **SMALL[name])
    path = save_model(model, tmp_path / "m.skops")
    fast = load_predictor(path)
    assert isinstance(fast.selector, CompiledSelector)
    assert fast.info == model.info
    X = probe_rows()
    expected = model.selector.predict_scores(X)
    assert np.array_equal(fast.selector.predict_scores(X), expected)   # bit for bit
    assert list(fast.selector.predict(X)) == list(model.selector.predict(X))
    costs = getattr(model.selector, "costs_from_scores", lambda s: None)(expected)
    got = fast.selector.costs_from_scores(expected)
    assert (costs is None and got is None) or np.array_equal(costs, got)


def test_compiled_sunny_gives_the_fitted_schedules(tmp_path):
    scenario = make_scenario(n_instances=40, seed=2)
    runs = scenario.runs.copy()
    slow = runs["runtime"] >= 50.0  # the loser of each instance times out: mixed neighbourhoods need two solvers
    runs.loc[slow, "runstatus"] = "timeout"
    model = train_model(dataclasses.replace(scenario, runs=runs), "sunny", seed=0, n_neighbors=6, max_portfolio=2)
    fast = load_predictor(save_model(model, tmp_path / "m.skops"))
    assert isinstance(fast.selector, CompiledSelector) and fast.selector.kind == "sunny"
    X = probe_rows()
    expected = model.selector.decide(X).plans
    assert fast.selector.decide(X).plans == expected
    # neighbourhoods differ over the probe rows: some get a one-algorithm plan, some split the cutoff
    assert {len(plan) for plan in expected} >= {1, 2}
    assert all(abs(sum(t for _, t in plan) - model.info.cutoff) < 1e-9 for plan in expected)


def test_predicting_needs_no_scikit_learn(tmp_path):
    path = save_model(train_model(make_scenario(n_instances=30), "pairwise-rf", seed=1, n_estimators=5),
                      tmp_path / "m.skops")
    code = ("import sys; from asc.models.compiled import load_predictor; "
            f"m = load_predictor({str(path)!r}); print(m.selector.predict([[0.7, 0.1, 0.2]])[0]); "
            "print(sorted(k for k in ('sklearn', 'skops', 'scipy', 'pandas') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] in {"a", "b", "c"} and out[1] == "[]"


def test_files_without_a_compiled_part_load_in_full(tmp_path):
    path = save_model(train_model(make_scenario(n_instances=30), "knn", seed=1), tmp_path / "m.skops")
    stripped = tmp_path / "old.skops"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith(PREFIX):
                dst.writestr(item, src.read(item))
    loaded = load_predictor(stripped)
    assert type(loaded.selector).__name__ == "NearestNeighbourSelector"
    X = probe_rows()
    assert np.array_equal(loaded.selector.predict_scores(X), load_model(path).selector.predict_scores(X))


def test_a_missing_compiled_array_is_a_model_error(tmp_path):
    path = save_model(train_model(make_scenario(n_instances=30), "rf-regression", seed=1, n_estimators=3),
                      tmp_path / "m.skops")
    broken = tmp_path / "broken.skops"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        dropped = [n for n in src.namelist() if n.startswith(PREFIX) and n.endswith(".threshold.npy")][0]
        for item in src.infolist():
            if item.filename != dropped:
                dst.writestr(item, src.read(item))
    assert RECIPE in zipfile.ZipFile(broken).namelist()
    with pytest.raises(ModelError, match="not a readable model file"):
        load_predictor(broken)


def test_older_model_layouts_are_refused_with_a_retrain_message(tmp_path):
    """A bare skops archive (the layout before the container) is no model of this asc."""
    import dataclasses

    import skops.io as sio

    from asc.errors import ModelError

    model = train_model(make_scenario(n_instances=30), "pairwise-rf", seed=1, n_estimators=3)
    path = tmp_path / "old.skops"
    sio.dump({"format": "asc-selection-model", "format_version": 1, "info": dataclasses.asdict(model.info),
              "selector": model.selector}, path)
    for load in (load_model, load_predictor):
        with pytest.raises(ModelError, match="retrain it with 'asc train'"):
            load(path)


def test_same_seed_same_digest(tmp_path):
    from asc.models.compiled import predictor_digest

    digests = []
    for i, seed in enumerate((5, 5, 6)):
        model = train_model(make_scenario(n_instances=30), "pairwise-rf", seed=seed, n_estimators=4)
        digests.append(predictor_digest(save_model(model, tmp_path / f"m{i}.skops")))
    assert digests[0] == digests[1] != digests[2]
    assert (tmp_path / "m0.skops").read_bytes() != (tmp_path / "m1.skops").read_bytes()   # the files differ


def test_compiled_pipeline_gives_the_fitted_runner_up_slots(tmp_path):
    from aslib_factories import make_rescue_scenario

    model = train_model(make_rescue_scenario(), "rf-regression+presolve", seed=0, presolve_budget=0)
    assert model.selector.runner_ups_ >= 1
    fast = load_predictor(save_model(model, tmp_path / "m.skops"))
    X = probe_rows()
    expected = model.selector.decide(X).plans
    assert fast.selector.decide(X).plans == expected
    assert {plan[0][0] for plan in expected} == {"a", "b"}   # the runner-up differs with the choice
