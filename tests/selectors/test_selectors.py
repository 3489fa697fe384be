"""Selectors follow scikit-learn's estimator contract and learn what they should."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from asc.errors import UsageError
from asc.selectors import SELECTORS, make_selector
from asc.selectors.pairwise import PairwiseClassifier


def make_problem(n: int = 80, seed: int = 0):
    """Feature x0 decides the winner: 'fast_low' when x0 < 0, 'fast_high' otherwise; 'never' times out."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["x0", "x1", "x2", "x3"])
    low = X["x0"].to_numpy() < 0
    C = pd.DataFrame({
        "fast_low": np.where(low, 1.0, 400.0) + rng.random(n),
        "fast_high": np.where(low, 400.0, 1.0) + rng.random(n),
        "never": np.full(n, 1000.0),
    })
    return X, C


@pytest.mark.parametrize("name", [n for n in SELECTORS if n != "vbs"])
def test_contract(name):
    X, C = make_problem()
    selector = make_selector(name)
    if "cutoff" in selector.get_params():  # pipelines need the cutoff the PAR10 costs were made with
        selector.set_params(cutoff=100.0)
    if name == "auto":  # a search of a few trials is enough to check the contract
        selector.set_params(n_trials=3, n_folds=2, candidates=("knn", "sbs", "rf-regression"))
    def flat(estimator):
        # Nested estimators (a pipeline's inner selector) compare by class and parameters.
        return {k: (type(v).__name__, flat(v)) if hasattr(v, "get_params") else v
                for k, v in estimator.get_params(deep=False).items()}

    assert flat(clone(selector)) == flat(selector)  # __init__ only stores hyperparameters
    assert not [k for k in vars(selector) if k.endswith("_") and not k.startswith("_")]
    assert selector.fit(X, C) is selector
    learned = [k for k in vars(selector) if k.endswith("_")]
    assert "algorithms_" in learned
    predicted = selector.predict(X)
    assert predicted.shape == (len(X),) and set(predicted) <= set(C.columns)
    assert selector.predict_scores(X).shape == (len(X), 3)


@pytest.mark.parametrize("name", ["rf-regression", "rf-regression-raw", "joint-regression", "pairwise-rf",
                                  "pairwise-regression", "multiclass-rf", "knn", "isac"])
def test_learns_the_rule(name):
    X, C = make_problem(n=200)
    Xt, Ct = make_problem(n=100, seed=1)
    selector = make_selector(name)
    if "random_state" in selector.get_params():
        selector.set_params(random_state=0)
    selector.fit(X, C)
    accuracy = (selector.predict(Xt) == Ct.idxmin(axis=1).to_numpy()).mean()
    # Distance-based selectors see three noise features as much as the one that matters.
    floor = 0.7 if name in ("knn", "isac") else 0.9
    assert accuracy > floor


def test_single_best_ignores_features():
    X, C = make_problem()
    C["fast_low"] -= 100  # now best on average everywhere
    predicted = make_selector("sbs").fit(X, C).predict(X)
    assert set(predicted) == {"fast_low"}


def test_virtual_best_needs_costs():
    X, C = make_problem()
    vbs = make_selector("vbs").fit(X, C)
    assert (vbs.predict(X, C) == C.idxmin(axis=1).to_numpy()).all()
    with pytest.raises(TypeError, match="true costs"):
        vbs.predict(X)


def test_same_seed_same_predictions():
    X, C = make_problem()
    a = make_selector("pairwise-rf", random_state=5).fit(X, C).predict_scores(X)
    b = make_selector("pairwise-rf", random_state=5).fit(X, C).predict_scores(X)
    assert np.array_equal(a, b)


def test_imputation_is_fitted_on_training_data_only():
    X, C = make_problem()
    X.loc[:9, "x1"] = np.nan
    selector = make_selector("rf-regression", n_estimators=5, random_state=0).fit(X, C)
    train_median = X["x1"].median()
    assert selector.preprocessor_.named_steps["impute"].statistics_[1] == pytest.approx(train_median)
    test = X.copy()
    test["x1"] = 1e6  # extreme test values must not move the fitted imputer
    selector.predict(test)
    assert selector.preprocessor_.named_steps["impute"].statistics_[1] == pytest.approx(train_median)


def test_pairwise_weights_and_constant_pairs():
    X, C = make_problem()
    model = PairwiseClassifier(n_estimators=5, random_state=0).fit(X, C)
    pairs = dict(zip(model.pairs_, model.models_, strict=True))
    # 'never' loses every comparison: no forest is needed for its pairs.
    assert pairs[(0, 2)] == 0 and pairs[(1, 2)] == 1
    assert hasattr(pairs[(0, 1)], "predict_proba")


def test_bad_inputs():
    X, C = make_problem()
    with pytest.raises(UsageError, match="unknown selector"):
        make_selector("magic")
    with pytest.raises(UsageError, match="rows"):
        make_selector("sbs").fit(X.iloc[:5], C)
    with pytest.raises(UsageError, match="missing values"):
        make_selector("sbs").fit(X, C.where(C < 500))
    fitted = make_selector("rf-regression", n_estimators=3).fit(X, C)
    with pytest.raises(UsageError, match="features"):
        fitted.predict(X.iloc[:, :2])


def test_numpy_cost_matrix_names_columns_by_index():
    X, C = make_problem()
    predicted = make_selector("sbs").fit(X.to_numpy(), C.to_numpy()).predict(X.to_numpy())
    assert set(predicted) <= {"0", "1", "2"}


def test_isac_chooses_the_number_of_clusters_by_cost():
    X, C = make_problem(n=120)
    selector = make_selector("isac", random_state=0).fit(X, C)
    assert selector.kmeans_.n_clusters >= 2
    fixed = make_selector("isac", n_clusters=3, random_state=0).fit(X, C)
    assert fixed.kmeans_.n_clusters == 3


def test_knn_distance_weights_and_bad_option():
    X, C = make_problem()
    near = make_selector("knn", n_neighbors=1).fit(X, C)
    assert (near.predict(X) == C.idxmin(axis=1).to_numpy()).all()  # each instance is its own neighbour
    with pytest.raises(UsageError, match="weights"):
        make_selector("knn", weights="gaussian").fit(X, C)


def test_joint_regression_predicts_costs_in_their_unit():
    # One multi-output forest: every algorithm's predicted cost, decoded from log10, lands
    # near the cost of the instance's side of x0, also for quality costs below zero.
    X, C = make_problem(n=200)
    Xt, Ct = make_problem(n=100, seed=1)
    for shift in (0.0, -500.0):
        selector = make_selector("joint-regression", random_state=0).fit(X, C + shift)
        assert selector.model_.n_outputs_ == 3
        predicted = selector.predict_costs(Xt)
        assert predicted.shape == (100, 3)
        assert np.median(np.abs(predicted - (Ct.to_numpy() + shift))) < 5.0
        assert (selector.predict(Xt) == Ct.idxmin(axis=1).to_numpy()).mean() > 0.9


def make_rare_timeout_problem(n: int = 60):
    """Featureless costs: 'quick' takes 1 ms but hits the PAR10 timeout (100) on every tenth
    instance; 'steady' takes 0.3 s on all. By PAR10, 'steady' is the better choice (0.3 against 10)."""
    X = pd.DataFrame({"x0": np.zeros(n)})
    quick = np.where(np.arange(n) % 10 == 0, 100.0, 0.001)
    return X, pd.DataFrame({"quick": quick, "steady": np.full(n, 0.3)})


@pytest.mark.parametrize("name", ["joint-regression", "rf-regression", "pairwise-regression"])
def test_a_log_floor_weighs_timeouts_over_fast_runs(name):
    # Plain log costs rate 1 ms against 0.3 s as a larger gap than 0.3 s against a timeout, so
    # the rare timeouts are outvoted; with a floor of a tenth of the cutoff fast runs are alike.
    X, C = make_rare_timeout_problem()
    plain = make_selector(name, random_state=0).fit(X, C)
    floored = make_selector(name, random_state=0, log_offset=0.01).fit(X, C)
    assert set(plain.predict(X[:5])) == {"quick"}
    assert set(floored.predict(X[:5])) == {"steady"}
    if name != "pairwise-regression":  # predicted costs decode back to the cost's unit
        assert np.allclose(floored.predict_costs(X[:1])[0, 1], 0.3, rtol=1e-6)


def test_log_floor_round_trip_and_bad_values():
    from asc.selectors.scoring import decode_log_costs, encode_log_costs

    costs = np.array([[-5.0, 0.0], [2.0, 4000.0]])
    for offset in (0.0, 0.001, 0.01, 0.5):
        encoded, base = encode_log_costs(costs, offset)
        assert np.allclose(decode_log_costs(encoded, base), costs)
    X, C = make_problem()
    for bad in (-0.1, 1.0, "tenth"):
        with pytest.raises(UsageError, match="log_offset"):
            make_selector("joint-regression", log_offset=bad).fit(X, C)
