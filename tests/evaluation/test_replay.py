"""Recorded scores replayed: the pipeline's decisions re-learned without refitting the selector."""

from __future__ import annotations

import numpy as np
import pytest

from aslib_factories import make_rescue_scenario
from asc.errors import UsageError
from asc.evaluation.crossval import cross_validate
from asc.evaluation.protocol import Protocol
from asc.evaluation.replay import RecordingSelector, ReplayedSelector
from asc.selectors.pipeline import SelectionPipeline
from asc.selectors.regression import PerAlgorithmRegressor


def make_inner():
    return PerAlgorithmRegressor(n_estimators=10)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """The rescue scenario cross-validated once with a recording inner selector (2 processes)."""
    store = tmp_path_factory.mktemp("replay")
    scenario = make_rescue_scenario()
    result = cross_validate(scenario, SelectionPipeline(RecordingSelector(make_inner(), store)), Protocol(seed=4),
                            n_jobs=2)
    return scenario, store, result


def test_recording_changes_nothing_and_replay_reproduces_it(recording):
    scenario, store, recorded = recording
    plain = cross_validate(scenario, SelectionPipeline(make_inner()), Protocol(seed=4))
    replayed = cross_validate(scenario, SelectionPipeline(ReplayedSelector(store)), Protocol(seed=4))
    for result in (plain, replayed):
        assert np.array_equal(result.per_instance["cost"].to_numpy(), recorded.per_instance["cost"].to_numpy())
        assert (result.per_instance["choice"] == recorded.per_instance["choice"]).all()
    # per outer fold: the pipeline's 3 inner folds and the test fold
    assert len(list(store.glob("*.scores.npy"))) == len(recorded.per_fold) * (3 + 1)


@pytest.mark.parametrize("settings", [dict(presolve_budget=0.0, max_runner_ups=0), dict(presolve_budget=0.0)])
def test_replay_of_other_settings_equals_their_full_cross_validation(recording, settings):
    scenario, store, recorded = recording
    full = cross_validate(scenario, SelectionPipeline(make_inner(), **settings), Protocol(seed=4))
    replayed = cross_validate(scenario, SelectionPipeline(ReplayedSelector(store), **settings), Protocol(seed=4))
    assert np.array_equal(replayed.per_instance["cost"].to_numpy(), full.per_instance["cost"].to_numpy())
    if settings.get("max_runner_ups") == 0:
        # the settings matter here: with neither pre-solving nor runner-up slots the
        # selector's mistakes time out
        assert full.summary["solved"] < recorded.summary["solved"]


def test_replay_with_another_seed_names_the_missing_recording(recording):
    scenario, store, _ = recording
    with pytest.raises(UsageError, match=r"\.scores\.npy: no recorded scores .* same scenario, selector"):
        cross_validate(scenario, SelectionPipeline(ReplayedSelector(store)), Protocol(seed=5))


def test_selectors_that_schedule_themselves_are_refused(tmp_path):
    from asc.selectors import make_selector

    scenario = make_rescue_scenario()
    with pytest.raises(UsageError, match="schedules per instance"):
        cross_validate(scenario, SelectionPipeline(RecordingSelector(make_selector("sunny"), tmp_path)))
