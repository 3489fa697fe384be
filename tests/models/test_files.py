"""Model files: safe format, same predictions after loading, clear errors on bad files."""

from __future__ import annotations

import dataclasses
import fractions

import numpy as np
import pytest

from aslib_factories import make_scenario
from asc.errors import ModelError
from asc.models.files import load_model, save_model, train_model


@pytest.fixture
def model():
    return train_model(make_scenario(n_instances=30), "pairwise-rf", seed=2, n_estimators=5)


def test_round_trip_gives_identical_predictions(tmp_path, model):
    path = save_model(model, tmp_path / "m.skops")
    back = load_model(path)
    assert back.info == model.info
    assert back.info.steps == ("Pre", "Basic") and back.info.features == ("f1", "f2", "f3")
    X = make_scenario(n_instances=30, seed=9).feature_matrix().X
    assert np.array_equal(back.selector.predict_scores(X), model.selector.predict_scores(X))
    one = back.predict_scores({"f1": 0.9, "f2": 0.1})  # f3 missing: imputed
    assert set(one) == {"a", "b", "c"}


def test_same_seed_same_file_contents(tmp_path):
    a = train_model(make_scenario(n_instances=30), "rf-regression", seed=1, n_estimators=5)
    b = train_model(make_scenario(n_instances=30), "rf-regression", seed=1, n_estimators=5)
    X = make_scenario(n_instances=30, seed=4).feature_matrix().X
    assert np.array_equal(a.selector.predict_scores(X), b.selector.predict_scores(X))


def test_truncated_file(tmp_path, model):
    path = save_model(model, tmp_path / "m.skops")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="not a readable model file"):
        load_model(path)


def make_container(path, payload) -> None:
    """A model file whose container is right and whose skops archive holds ``payload``."""
    import json
    import zipfile

    import skops.io as sio

    from asc.models.files import CONTAINER_VERSION, FORMAT, HEADER_MEMBER, SKOPS_MEMBER

    header = {"format": FORMAT, "container_version": CONTAINER_VERSION, "info": {}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(HEADER_MEMBER, json.dumps(header))
        archive.writestr(SKOPS_MEMBER, sio.dumps(payload))


def test_tampered_file_with_foreign_type(tmp_path, model):
    path = tmp_path / "evil.skops"
    make_container(path, {"format": "asc-selection-model", "format_version": 1, "info": {},
                          "selector": fractions.Fraction(1, 3)})
    with pytest.raises(ModelError, match="refusing to load type fractions.Fraction"):
        load_model(path)


def test_not_a_model_and_missing(tmp_path):
    path = tmp_path / "other.skops"
    make_container(path, {"something": [1, 2, 3]})
    with pytest.raises(ModelError, match="not an asc selection model"):
        load_model(path)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "absent.skops")
    (tmp_path / "text.skops").write_text("hello")
    with pytest.raises(ModelError, match="not a readable model file"):
        load_model(tmp_path / "text.skops")


def test_version_mismatch(tmp_path, model):
    old = dataclasses.replace(model.info, versions={**model.info.versions, "scikit-learn": "0.24.2"})
    path = save_model(dataclasses.replace(model, info=old), tmp_path / "old.skops")
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        load_model(path)


def test_a_file_holding_only_the_header_is_a_model_error(tmp_path, model):
    """The header of a real model, and nothing else: load_model and the predictor say so in one line."""
    import zipfile

    from asc.models.compiled import load_predictor
    from asc.models.files import HEADER_MEMBER

    full = save_model(model, tmp_path / "m.skops")
    path = tmp_path / "header-only.skops"
    with zipfile.ZipFile(full) as src, zipfile.ZipFile(path, "w") as out:
        out.writestr(HEADER_MEMBER, src.read(HEADER_MEMBER))
    for load in (load_model, load_predictor):
        with pytest.raises(ModelError, match="not a complete model file"):
            load(path)
