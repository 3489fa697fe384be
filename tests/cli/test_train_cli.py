"""``asc train`` from a run store: features computed (or given), runs joined, model usable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "experiments" / "pysat-training" / "runs.csv"
FEATURES = ROOT / "experiments" / "pysat-training" / "features.csv"


@pytest.fixture()
def store(run_cli, tmp_path, monkeypatch):
    """The bundled training runs imported into a fresh store; cwd is the repository (paths are relative)."""
    monkeypatch.chdir(ROOT)
    db = tmp_path / "runs.sqlite"
    res = run_cli("runs", "import", RUNS, "--db", db, "--cutoff-time", 10, "--mem-limit", 2048)
    assert res.code == 0, res.err
    return db


def test_train_from_a_run_store_computes_the_features(run_cli, store, tmp_path):
    from asc.models.files import load_model

    out = tmp_path / "m.skops"
    res = run_cli("train", store, "-o", out, "--selector", "rf-regression")
    assert res.code == 0, res.err
    model = load_model(out)
    assert model.info.steps == ("Pre", "Basic", "KLB", "CG")
    assert len(model.info.algorithms) == 20 and "kissat404" in model.info.algorithms
    assert "cluster_coeff_mean" in model.info.features and len(model.info.features) == 50
    res = run_cli("select", ROOT / "instances/generated/php-8-7.cnf.xz", "--model", out, "--format", "json")
    assert res.code == 0, res.err


def test_train_from_a_run_store_with_given_features(run_cli, store, tmp_path):
    from asc.models.files import load_model

    out = tmp_path / "m.skops"
    res = run_cli("train", store, "-o", out, "--selector", "sbs", "--features", FEATURES)
    assert res.code == 0, res.err
    assert load_model(out).info.steps == ("Pre", "Basic", "KLB", "CG")


def test_train_refuses_what_is_neither_a_scenario_nor_a_store(run_cli, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n")
    res = run_cli("train", junk, "-o", tmp_path / "m.skops")
    assert res.code == 2 and "junk.sqlite" in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1
    res = run_cli("train", tmp_path / "nothing-here", "-o", tmp_path / "m.skops")
    assert res.code == 2 and "nothing-here" in res.err


def test_train_from_a_store_whose_instance_files_moved(run_cli, store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the store's relative instance paths no longer resolve
    res = run_cli("train", store, "-o", tmp_path / "m.skops")
    assert res.code == 2 and "--features" in res.err
    assert not (tmp_path / "m.skops").exists()
    assert os.path.exists(store)
