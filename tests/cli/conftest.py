"""Fixtures of the ``asc select`` / ``asc solve`` tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from selection_factories import make_solver_scenario


@pytest.fixture(scope="session")
def make_model_file(tmp_path_factory):
    """``make_model_file(selector, **params)``: path of a model trained on :func:`make_solver_scenario`."""
    from asc.models.files import save_model, train_model

    made: dict[tuple, Path] = {}

    def _make(selector: str = "rf-regression", **params) -> Path:
        key = (selector, tuple(sorted(params.items())))
        if key not in made:
            model = train_model(make_solver_scenario(), selector, seed=1, **params)
            folder = tmp_path_factory.mktemp("models")
            made[key] = save_model(model, folder / f"{selector}.skops")
        return made[key]

    return _make
