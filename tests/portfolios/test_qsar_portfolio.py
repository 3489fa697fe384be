"""QSAR portfolios (learner x representation pairs), the learners, their cross-validation and the run entry point."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rdkit")

from asc.errors import InputError, UsageError  # noqa: E402
from asc.features.representations import representation  # noqa: E402
from asc.instances.qsar import read_qsar  # noqa: E402
from asc.portfolios import load_portfolio, parse_portfolio  # noqa: E402
from asc.portfolios.qsar_learners import (  # noqa: E402
    LEARNERS,
    TanimotoGP,
    TanimotoKNN,
    assign_folds,
    cross_validate,
    similarity,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "instances" / "qsar"


@pytest.fixture(scope="module")
def dataset():
    return read_qsar(BUNDLED / "simpd-CHEMBL3155-1.csv")


def make_portfolio(body: str) -> str:
    return 'kind = "qsar"\n\n' + body


def test_bundled_qsar_portfolios_load_with_every_learner():
    full = load_portfolio(ROOT / "portfolios" / "qsar.toml")
    fast = load_portfolio(ROOT / "portfolios" / "qsar-fast.toml")
    assert full.kind == fast.kind == "qsar" and len(full) >= 12
    learners = {a.backend.split(":")[0] for a in full}
    assert learners == set(LEARNERS)
    assert "rf:fcfp4-1024" in {a.backend for a in full}  # Meta-QSAR's baseline
    assert len({a.backend.split(":")[1] for a in full}) >= 3
    rf = fast["rf100-fcfp4-1024"]
    assert rf.kind == "qsar" and rf.configuration == "-n_estimators 100"
    argv = rf.command_line("d.csv", 7, 60.0)
    assert argv[1:] == ["-m", "asc.portfolios.qsar_run", "d.csv", "--learner", "rf", "--representation",
                        "fcfp4-1024", "--seed", "7", "--param", "n_estimators=100"]
    assert load_portfolio(ROOT / "portfolios" / "pysat.toml").kind == "sat"


@pytest.mark.parametrize("body, line, match", [
    ('[[algorithm]]\nname = "a"\nlearner = "xgboost"\nrepresentation = "ecfp4-1024"\n', 5, "unknown learner"),
    ('[[algorithm]]\nname = "a"\nlearner = "rf"\nrepresentation = "ecfp5-1024"\n', 6, "even diameter"),
    ('[[algorithm]]\nname = "a"\nlearner = "svr-tanimoto"\nrepresentation = "rdkit2d"\n', 6, "needs a fingerprint"),
    ('[[algorithm]]\nname = "a"\nlearner = "rf"\nrepresentation = "maccs"\n[algorithm.configuration]\ntrees = 3\n',
     8, "no hyperparameter 'trees'"),
    ('[[algorithm]]\nname = "a"\nlearner = "rf"\nrepresentation = "maccs"\npysat = "cadical195"\n', 7,
     "unknown key 'pysat'"),
    ('[[algorithm]]\nname = "a"\nrepresentation = "maccs"\n', None, "expected learner"),
])
def test_bad_qsar_portfolios_name_the_line(body, line, match):
    with pytest.raises(InputError, match=match) as info:
        parse_portfolio(make_portfolio(body), "p.toml")
    assert info.value.line == line and "\n" not in str(info.value)


def test_unknown_kind_is_refused():
    with pytest.raises(InputError, match="kind") as info:
        parse_portfolio('kind = "maxsat"\n[[algorithm]]\nname = "a"\npysat = "cadical195"\n', "p.toml")
    assert info.value.line == 1


def test_folds_are_seeded_balanced_and_shared_by_every_pair(dataset):
    a, b = assign_folds(100, 5, 1), assign_folds(100, 5, 1)
    assert np.array_equal(a, b) and not np.array_equal(a, assign_folds(100, 5, 2))
    assert sorted(np.bincount(a)) == [20] * 5
    r1 = cross_validate(dataset, "ridge", "ecfp4-1024", seed=3)
    r2 = cross_validate(dataset, "knn-tanimoto", "ecfp4-2048", seed=3)
    assert r1.fold_digest() == r2.fold_digest()
    with pytest.raises(UsageError, match="folds"):
        assign_folds(10, 1, 0)


def test_cv_rmse_equals_a_direct_computation_with_scikit_learn(dataset):
    from sklearn.linear_model import Ridge

    result = cross_validate(dataset, "ridge", "ecfp4-1024", seed=5, params={"alpha": 2.0})
    x, y = representation(dataset, "ecfp4-1024").astype(float), dataset.y
    pred = np.empty_like(y)
    for f in range(5):
        test = result.folds == f
        pred[test] = Ridge(alpha=2.0).fit(x[~test], y[~test]).predict(x[test])
    assert result.rmse == pytest.approx(math.sqrt(np.mean((pred - y) ** 2)), rel=1e-9)
    assert result.mae == pytest.approx(np.mean(np.abs(pred - y)), rel=1e-9)
    assert result.r2 == pytest.approx(1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2), rel=1e-9)


@pytest.mark.parametrize("learner, rep, params", [
    ("rf", "fcfp4-1024", {"n_estimators": 20}), ("et", "ecfp4-1024", {"n_estimators": 20}),
    ("svr-rbf", "rdkit2d", {}), ("svr-tanimoto", "ecfp4-2048", {}), ("svr-tanimoto", "ecfp4-count-1024", {}),
    ("ridge", "maccs", {}), ("knn-tanimoto", "fcfp4-1024", {}), ("histgb", "maccs", {"max_iter": 30}),
    ("pls", "rdkit2d", {}), ("gp-tanimoto", "ecfp4-2048", {}),
])
def test_every_learner_is_seeded_and_better_than_the_mean(dataset, learner, rep, params):
    first = cross_validate(dataset, learner, rep, seed=11, params=params)
    again = cross_validate(dataset, learner, rep, seed=11, params=params)
    assert first.rmse == again.rmse and np.isfinite(first.rmse)
    # predicting the training mean would give about the sd of y; every learner here does better
    assert first.rmse < 1.05 * float(np.std(dataset.y))


def test_split_protocol_trains_on_train_and_tests_on_test(dataset, tmp_path):
    result = cross_validate(dataset, "ridge", "ecfp4-1024", protocol="split")
    labels = np.array(dataset.split)
    assert np.array_equal(result.folds == 0, labels == "test") and len(result.fold_rmse) == 1
    no_split = tmp_path / "d.csv"
    no_split.write_text("smiles,pchembl_value\n" + "".join(f"{s},{5 + i % 3}\n" for i, s in enumerate(dataset.smiles)))
    with pytest.raises(InputError, match="split column"):
        cross_validate(read_qsar(no_split, smiles_col="smiles", target_col="pchembl_value"), "ridge", "maccs",
                       protocol="split")


def test_tanimoto_knn_and_gp_against_direct_formulas(dataset):
    x = representation(dataset, "ecfp4-2048")
    y = dataset.y
    train, test = np.arange(dataset.n) % 4 != 0, np.arange(dataset.n) % 4 == 0
    k = similarity(x[test], x[train])
    # 1-NN: the activity of the most similar training molecule (first on ties)
    got = TanimotoKNN(n_neighbors=1).fit(x[train], y[train]).predict(x[test])
    assert np.allclose(got, y[train][np.argmax(k, axis=1)], rtol=1e-12, atol=0)
    # GP mean: m + s * K* (K + noise I)^-1 (y - m) / s with the noise the model chose
    gp = TanimotoGP().fit(x[train], y[train])
    yt = y[train]
    m, s = yt.mean(), yt.std()
    ktt = similarity(x[train], x[train])
    want = m + s * k @ np.linalg.solve(ktt + gp.noise_ * np.eye(len(yt)), (yt - m) / s)
    assert np.allclose(gp.predict(x[test]), want, rtol=1e-8, atol=1e-10)
    assert gp.noise_ in TanimotoGP.NOISE_GRID


def run_entry(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asc.portfolios.qsar_run", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_entry_point_prints_quality_lines_that_match_the_library(dataset):
    proc = run_entry(str(BUNDLED / "simpd-CHEMBL3155-1.csv"), "--learner", "ridge", "--representation",
                     "ecfp4-1024", "--seed", "4", "--param", "alpha=2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("c asc-startup cpu=") and lines[1].startswith("c asc-quality ")
    fields = dict(kv.split("=") for kv in lines[1].split()[2:])
    want = cross_validate(dataset, "ridge", "ecfp4-1024", seed=4, params={"alpha": 2})
    assert float(fields["rmse"]) == want.rmse and float(fields["r2"]) == want.r2
    assert fields["fold_digest"] == want.fold_digest() and fields["folds"] == "5"


def test_entry_point_bad_input_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("smiles,y\nCCO,x\n")
    proc = run_entry(str(bad), "--learner", "ridge", "--representation", "maccs")
    assert proc.returncode == 2 and proc.stderr == f"asc: error: {bad}:2: expected a numeric activity in column 'y', found 'x'\n"
    proc = run_entry(str(BUNDLED / "simpd-CHEMBL3155-1.csv"), "--learner", "ridge", "--representation", "nope")
    assert proc.returncode == 2 and proc.stderr.startswith("asc: error: unknown representation 'nope'")
    assert proc.stderr.count("\n") == 1


def test_portfolio_cv_settings_are_part_of_the_run_key_and_reach_the_run():
    body = '[[algorithm]]\nname = "ridge-maccs"\nlearner = "ridge"\nrepresentation = "maccs"\n'
    default = parse_portfolio(make_portfolio(body), "p.toml")["ridge-maccs"]
    split = parse_portfolio('protocol = "split"\nfolds = 10\n' + make_portfolio(body), "p.toml")["ridge-maccs"]
    assert default.configuration == "" and split.configuration == "-cv_folds 10 -cv_protocol split"
    proc = run_entry(*split.command_line(str(BUNDLED / "simpd-CHEMBL3155-1.csv"), 0, 60.0)[3:])
    assert proc.returncode == 0, proc.stderr
    assert "protocol=split folds=1" not in proc.stdout and " folds=1 protocol=split " in proc.stdout
    for bad, line, match in (('folds = 1\n', 1, "folds"), ('protocol = "time"\n', 1, "protocol")):
        with pytest.raises(InputError, match=match) as info:
            parse_portfolio(bad + make_portfolio(body), "p.toml")
        assert info.value.line == line
    with pytest.raises(InputError, match="unknown top-level key 'folds'"):
        parse_portfolio('folds = 5\n[[algorithm]]\nname = "a"\npysat = "cadical195"\n', "p.toml")
    with pytest.raises(InputError, match="identifiers"):
        parse_portfolio(make_portfolio(body + '[algorithm.configuration]\ncv_folds = 3\n'), "p.toml")


def test_the_run_uses_the_representation_cache_named_by_the_environment(tmp_path):
    import os

    env = {**os.environ, "ASC_QSAR_CACHE": str(tmp_path / "cache")}
    args = [str(BUNDLED / "simpd-CHEMBL3155-1.csv"), "--learner", "ridge", "--representation", "maccs"]
    first = subprocess.run([sys.executable, "-m", "asc.portfolios.qsar_run", *args], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, env=env)
    assert first.returncode == 0, first.stderr
    cached = list((tmp_path / "cache").glob("*-maccs-*.npy"))
    assert len(cached) == 1
    again = subprocess.run([sys.executable, "-m", "asc.portfolios.qsar_run", *args], capture_output=True, text=True,
                           timeout=300, cwd=ROOT, env=env)
    assert again.stdout.splitlines()[1] == first.stdout.splitlines()[1]  # same quality line from the cache


def test_portfolio_check_runs_qsar_pairs_on_a_tiny_dataset(run_cli, tmp_path):
    """`asc portfolio check` on a QSAR portfolio: one CV run per pair, OK with a finite RMSE (was: CRASH,
    the pairs were handed the SAT check's CNF files); a pair that cannot run is reported, exit 1."""
    portfolio = tmp_path / "q.toml"
    portfolio.write_text('name = "q"\nkind = "qsar"\n\n[[algorithm]]\nname = "ridge"\nlearner = "ridge"\n'
                         'representation = "ecfp4-1024"\n\n[[algorithm]]\nname = "knn"\nlearner = "knn-tanimoto"\n'
                         'representation = "ecfp4-1024"\n')
    res = run_cli("portfolio", "check", portfolio, "--format", "json", "--cutoff-time", "60")
    assert res.code == 0, res.err
    report = json.loads(res.out)
    assert report["works"] == 2
    for row in report["algorithms"]:
        assert row["sat_status"] == "OK" and 0 < float(row["unsat_status"].removeprefix("rmse ")) < 3
    # a memory limit no learner can start under: reported as not working
    res = run_cli("portfolio", "check", portfolio, "--format", "json", "--mem-limit", "30")
    assert res.code == 1
    assert {row["sat_status"] for row in json.loads(res.out)["algorithms"]} == {"MEMOUT"}
