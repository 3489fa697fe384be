"""The rank vote: its arithmetic, its members, and that it survives model files and explanations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from aslib_factories import make_scenario
from asc.errors import UsageError
from asc.selectors import make_selector
from asc.models.compiled import load_predictor
from asc.models.deploy import explain
from asc.selectors.ensemble import VotingSelector
from asc.models.files import load_model, save_model, train_model
from asc.selectors.scoring import average_ranks, vote_scores
from test_selectors import make_problem


def test_average_ranks_is_scipys_average_rank():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(300, 6)).astype(float)   # many ties
    assert np.array_equal(average_ranks(scores), rankdata(scores, axis=1, method="average"))
    assert average_ranks(np.array([[3.0, -1.0, 3.0]])).tolist() == [[2.5, 1.0, 2.5]]


def test_the_majority_wins_and_second_places_count():
    # three algorithms, three members: two put b first; one puts a first and b last
    members = [np.array([[1.0, 2.0, 3.0]]), np.array([[2.0, 1.0, 3.0]]), np.array([[3.0, 1.0, 2.0]])]
    assert vote_scores(members).argmin() == 1
    # b is every member's second choice and no member's first; a, c and d are first once each
    # and rank (a, b, c, d) = (1, 2, 3, 4), (4, 2, 1, 3), (3, 2, 4, 1): b wins on mean rank 2 against 2.67
    members = [np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[4.0, 2.0, 1.0, 3.0]]), np.array([[3.0, 2.0, 4.0, 1.0]])]
    assert vote_scores(members).argmin() == 1


def test_ties_go_to_the_first_members_order():
    first = np.array([[2.0, 1.0, 3.0]])       # prefers b
    second = np.array([[1.0, 2.0, 3.0]])      # prefers a: a and b tie at mean rank 1.5
    assert vote_scores([first, second]).argmin() == 1
    assert vote_scores([second, first]).argmin() == 0


def test_a_unanimous_vote_is_the_members_choice():
    X, C = make_problem(n=120)
    vote = VotingSelector(members=("rf-regression", "rf-regression"), random_state=0).fit(X, C)
    single = make_selector("rf-regression", random_state=0).fit(X, C)
    # members get their own seeds, so the forests differ; on this problem both learn the rule
    assert (vote.predict(X) == single.predict(X)).mean() > 0.95
    assert vote.members_[0].random_state != vote.members_[1].random_state


def test_learns_the_rule_from_weak_members():
    X, C = make_problem(n=200)
    Xt, Ct = make_problem(n=100, seed=1)
    vote = VotingSelector(members=("knn", "isac", "multiclass-rf"), random_state=0).fit(X, C)
    accuracy = (vote.predict(Xt) == Ct.idxmin(axis=1).to_numpy()).mean()
    members = [(m.predict(Xt) == Ct.idxmin(axis=1).to_numpy()).mean() for m in vote.members_]
    assert accuracy >= min(members) and accuracy > 0.8


@pytest.mark.parametrize("members", [(), ("auto",), ("vbs", "knn"), ("satzilla",), ("vote",), ("no-such",)])
def test_only_plain_selectors_can_vote(members):
    X, C = make_problem(n=30)
    with pytest.raises(UsageError):
        VotingSelector(members=members).fit(X, C)


def test_same_seed_same_vote():
    X, C = make_problem()
    a = make_selector("vote", random_state=3).fit(X, C).predict_scores(X)
    b = make_selector("vote", random_state=3).fit(X, C).predict_scores(X)
    assert np.array_equal(a, b)
    assert make_selector("vote").fit(X, C).costs_from_scores(a) is None


def test_vote_model_round_trip_and_explanation(tmp_path):
    model = train_model(make_scenario(n_instances=40), "vote", seed=2,
                        members=("rf-regression", "pairwise-regression", "knn"))
    path = save_model(model, tmp_path / "vote.skops")
    X = np.random.default_rng(5).random((50, len(model.info.features)))
    expected = model.selector.predict_scores(X)
    assert np.array_equal(load_model(path).selector.predict_scores(X), expected)
    fast = load_predictor(path)
    assert type(fast.selector).__name__ == "CompiledSelector"
    features = dict(zip(model.info.features, X[0], strict=True))
    full, compiled = explain(model, features), explain(fast, features)
    # forests of rf-regression (one per algorithm) and pairwise-regression (one per pair); knn has none
    k = len(model.info.algorithms)
    n_forests = k + k * (k - 1) // 2
    assert f"averaged over {n_forests} forests" in full.method and full.method == compiled.method
    assert [row[0] for row in full.features] == [row[0] for row in compiled.features]
    assert np.allclose([row[2:] for row in full.features], [row[2:] for row in compiled.features])
    importance = [row[3] for row in full.features]
    assert importance == sorted(importance, reverse=True) and sum(importance) == pytest.approx(1.0)
