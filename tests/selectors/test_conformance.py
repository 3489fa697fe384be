"""The selector contract, checked for every registered selector.

Adding a selector means its module, a registry entry and (optionally) its compiled
form; this test then checks that it meets the contract every caller relies on:
scikit-learn's parameter checks, ``fit`` with the per-instance feature context,
:meth:`decide` consistent with ``predict`` and ``predict_scores``, the same
instance-independent policy on any rows (none included), clone, save, load, the
compiled form deciding identically, and an explanation of the right shape.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (check_get_params_invariance, check_no_attributes_set_in_init,
                                            check_parameters_default_constructible, check_set_params)

from aslib_factories import make_scenario
from asc.models.compiled import CompiledSelector, load_predictor
from asc.models.files import load_model, save_model, train_model
from asc.policy import Decision
from asc.selectors import SELECTORS, make_selector

NAMES = [n for n in SELECTORS if n != "vbs"]
#: A search of a few trials is enough to check the contract.
PARAMS = {"auto": {"n_trials": 3, "n_folds": 2, "candidates": ("knn", "sbs", "rf-regression")}}


@pytest.mark.parametrize("name", sorted(SELECTORS))
def test_scikit_learn_parameter_checks(name):
    selector = make_selector(name)
    check_no_attributes_set_in_init(name, selector)
    check_parameters_default_constructible(name, selector)
    check_get_params_invariance(name, selector)
    check_set_params(name, selector)


@pytest.mark.parametrize("name", NAMES)
def test_conformance(name, tmp_path):
    scenario = make_scenario(n_instances=40, seed=3)
    model = train_model(scenario, name, seed=0, **PARAMS.get(name, {}))
    selector = model.selector
    X = scenario.feature_matrix(model.info.steps).X[list(model.info.features)].to_numpy(dtype=float)

    decision = selector.decide(X)
    assert isinstance(decision, Decision)
    assert decision.algorithms == model.info.algorithms == tuple(str(a) for a in selector.algorithms_)
    assert decision.choice.shape == (len(X),) and decision.choice.dtype == np.int64
    np.testing.assert_array_equal(decision.chosen, selector.predict(X))
    np.testing.assert_array_equal(decision.scores, selector.predict_scores(X))
    assert decision.uses_features == selector.uses_features
    if decision.plans is not None:
        assert len(decision.plans) == len(X)
        assert all(a in decision.algorithms and t > 0 for plan in decision.plans for a, t in plan)
    assert decision.backup is None or decision.backup in decision.algorithms
    assert all(a in decision.algorithms and t > 0 for a, t in decision.schedule)
    # the policy that does not depend on the instance is the same on no instance at all
    empty = selector.decide(X[:0])
    assert (empty.schedule, empty.backup, empty.steps) == (decision.schedule, decision.backup, decision.steps)
    assert len(empty.choice) == 0

    # clone gives an unfitted selector with the same hyperparameters
    fresh = clone(selector)
    assert not [k for k in vars(fresh) if k.endswith("_") and not k.startswith("_")]

    # save and load: the skops form and the compiled form decide as the fitted one
    path = save_model(model, tmp_path / "m.skops")
    for loaded in (load_model(path), load_predictor(path)):
        again = loaded.selector.decide(X)
        np.testing.assert_array_equal(again.choice, decision.choice)
        np.testing.assert_allclose(again.scores, decision.scores, rtol=1e-9, atol=1e-12)
        assert (again.schedule, again.backup, again.plans) == (decision.schedule, decision.backup, decision.plans)
    if name != "auto" or model.info.steps:
        compiled = load_predictor(path).selector
        if name in COMPILED:
            assert isinstance(compiled, CompiledSelector), f"{name} has a compiled form but it was not written"

    # an explanation over the full feature row, from the fitted and the compiled forms alike
    importance, z, forests = selector.explain_arrays(X[:1])
    assert importance.shape == z.shape == (X.shape[1],) and forests >= 0
    assert np.isnan(importance).all() == (forests == 0)
    fast = load_predictor(path).selector.explain_arrays(X[:1])
    np.testing.assert_allclose(fast[0], importance, equal_nan=True)
    np.testing.assert_allclose(fast[1], z, equal_nan=True)
    assert fast[2] == forests


#: Registered selectors that have a compiled form (docs/selection.md).
COMPILED = {n for n in NAMES if n != "auto"}
