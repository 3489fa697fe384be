"""The default model is what its committed spec trains: retrain it and compare with the shipped file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from asc.errors import InputError
from asc.experiments.spec import load_spec, train_from_spec

PROJECT = Path(__file__).resolve().parents[2]
SPEC = PROJECT / "experiments" / "default-model" / "spec.toml"
SHIPPED = PROJECT / "asc" / "models" / "default.skops"


def test_spec_points_at_the_bundled_scenario_and_the_package_model():
    spec = load_spec(SPEC)
    assert spec.scenario == (PROJECT / "experiments" / "pysat-training" / "scenario").resolve()
    assert spec.output == SHIPPED.resolve()
    assert spec.selector in spec.candidates and isinstance(spec.seed, int)


def test_shipped_model_matches_the_spec():
    from asc.models.files import load_model

    spec = load_spec(SPEC)
    info = load_model(SHIPPED).info
    assert (info.selector, info.seed, info.par, info.scenario) == (spec.selector, spec.seed, spec.par, "pysat-training")
    assert info.steps == ("Pre", "Basic", "KLB", "CG")


def test_retraining_from_the_spec_gives_the_shipped_predictions(tmp_path):
    """Same spec, same seed: the same choice and the same scores on every training instance.

    About 10 s (one core): 190 pairwise forests of 10 trees on 71 instances.

    The files themselves differ byte-wise (the model records its creation time and the
    zip archive its members' time stamps), so predictions are compared, exactly. This
    holds on any x86-64 host with the versions of ``constraints.txt``: the training path
    uses no CPU-dispatched kernel (``test_scoring_portable.py``).
    """
    from asc.aslib import read_scenario
    from asc.models.files import load_model

    spec = load_spec(SPEC)
    retrained = load_model(train_from_spec(spec, tmp_path / "model.skops"))
    shipped = load_model(SHIPPED)
    a, b = shipped.info, retrained.info
    assert (a.algorithms, a.features, a.steps, a.backup, a.mean_costs) == (b.algorithms, b.features, b.steps,
                                                                           b.backup, b.mean_costs)
    X = read_scenario(spec.scenario).feature_matrix(spec.steps).X[list(a.features)].to_numpy(dtype=float)
    assert len(X) == 71
    np.testing.assert_array_equal(retrained.selector.predict(X), shipped.selector.predict(X))
    np.testing.assert_array_equal(retrained.selector.predict_scores(X), shipped.selector.predict_scores(X))
    # what `asc select` predicts with (the compiled form when the file has one)
    from asc.models.compiled import load_predictor

    fast = load_predictor(SHIPPED)
    np.testing.assert_array_equal(fast.selector.predict_scores(X), shipped.selector.predict_scores(X))


@pytest.mark.parametrize(("text", "message"), [
    ('[train]\nselector = "knn"\nseed = 0\noutput = "m.skops"\n', "train.scenario"),
    ('[train]\nscenario = "s"\nselector = "knn"\nseed = true\noutput = "m.skops"\n', "train.seed"),
    ('[train]\nscenario = "s"\nselector = "knn"\nseed = 0\noutput = "m.skops"\ncolour = 1\n', "colour"),
    ('[train\n', "TOML"),
])
def test_bad_spec_is_an_input_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_spec(path)
    assert info.value.path == str(path)


def test_module_entry_point_reports_a_bad_spec_in_one_line(tmp_path, capsys):
    from asc.experiments.__main__ import main

    assert main(["train", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.toml" in err and "Traceback" not in err
