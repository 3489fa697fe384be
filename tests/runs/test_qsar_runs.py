"""QSAR performance through the harness and the run store: quality runs, the quality scenario, the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("rdkit")

from asc.instances.qsar import read_qsar  # noqa: E402
from asc.portfolios import load_portfolio  # noqa: E402
from asc.portfolios.loader import qsar_algorithm  # noqa: E402
from asc.portfolios.qsar_learners import cross_validate  # noqa: E402
from asc.runs.runner import RunRequest, execute  # noqa: E402
from asc.runs.status import RunStatus  # noqa: E402
from asc.runs.store import RunStore  # noqa: E402
from store_factories import make_schema_1_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "instances" / "qsar"
DATASET = BUNDLED / "simpd-CHEMBL3155-1.csv"


def make_request(path: Path, algorithm, cutoff: float = 120.0, seed: int = 2) -> RunRequest:
    return RunRequest(str(path), "h", algorithm, seed=seed, repetition=1, cutoff_time=cutoff, mem_limit_mb=2048)


def test_a_quality_run_reports_the_libraries_rmse():
    algo = qsar_algorithm("ridge-ecfp4-1024", "ridge", "ecfp4-1024", {"alpha": 2.0})
    record = execute(make_request(DATASET, algo))
    want = cross_validate(read_qsar(DATASET), "ridge", "ecfp4-1024", seed=2, params={"alpha": 2.0})
    assert record.status is RunStatus.OK and not record.status.solved
    assert record.quality == want.rmse
    assert f"r2={want.r2!r}" in record.message and f"fold_digest={want.fold_digest()}" in record.message
    assert record.configuration == "-alpha 2.0" and 0 < record.cpu_time < 120 and record.peak_memory_mb > 0


def test_failed_quality_runs_have_no_quality(tmp_path):
    slow = qsar_algorithm("rf", "rf", "fcfp4-1024", {"n_estimators": 2000})
    record = execute(make_request(DATASET, slow, cutoff=0.5))
    assert record.status is RunStatus.TIMEOUT and record.quality is None
    bad = tmp_path / "bad.csv"
    bad.write_text("smiles,y\nCCO,x\n")
    record = execute(make_request(bad, qsar_algorithm("ridge", "ridge", "maccs")))
    assert record.status is RunStatus.CRASH and record.quality is None
    assert record.message == f"exit code 2: asc: error: {bad}:2: expected a numeric activity in column 'y', found 'x'"


#: A store as schema version 1 wrote it (no quality column), two runs.


def test_a_schema_1_store_read_only_reads_no_quality_and_written_gains_the_column(tmp_path):
    db = tmp_path / "old.sqlite"
    make_schema_1_store(db)
    with RunStore(db) as store:
        assert [r.quality for r in store.runs()] == [None, None] and store.schema_version() == 1
    with RunStore(db, write=True) as store:
        assert store.schema_version() == 2
        assert [r.status for r in store.runs()] == [RunStatus.UNSAT, RunStatus.TIMEOUT]


def run_example(run_cli, tmp_path: Path, datasets: list[str]) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in datasets:
        shutil.copy(BUNDLED / name, folder / name)
    db = tmp_path / "runs.sqlite"
    result = run_cli("collect", "--portfolio", ROOT / "portfolios" / "qsar-fast.toml", "--instances", folder,
                     "--db", db, "--cutoff-time", 120, "--mem-limit", 3072, "--jobs", 2, "--no-progress")
    assert result.code == 0, result.err
    return db


def test_the_bundled_example_collects_exports_validates_and_evaluates(run_cli, tmp_path):
    datasets = ["simpd-CHEMBL3155-1.csv", "moleculeace-CHEMBL1862_Ki.csv.gz"]
    db = run_example(run_cli, tmp_path, datasets)
    n_algos = len(load_portfolio(ROOT / "portfolios" / "qsar-fast.toml"))
    with RunStore(db) as store:
        runs = list(store.runs())
        names = {i.name for i in store.instances().values()}
    assert len(runs) == 2 * n_algos and all(r.status is RunStatus.OK for r in runs)
    assert names == set(datasets)
    # resumable: the same command stores nothing new
    again = run_cli("collect", "--portfolio", ROOT / "portfolios" / "qsar-fast.toml", "--instances",
                    tmp_path / "data", "--db", db, "--cutoff-time", 120, "--mem-limit", 3072, "--no-progress")
    assert again.code == 0 and f"0 runs stored, {2 * n_algos} already there" in again.out
    # the stored figure is the library's
    svr = next(r for r in runs if r.algorithm == "svr-tanimoto-ecfp4-2048"
               and r.instance_hash == read_qsar(tmp_path / "data" / datasets[0]).content_hash)
    assert svr.quality == cross_validate(read_qsar(BUNDLED / datasets[0]), "svr-tanimoto", "ecfp4-2048", seed=0).rmse

    summary = run_cli("runs", "summary", "--db", db)
    assert summary.code == 0 and "quality rmse (lower is better)" in summary.out and "VBS (oracle)" in summary.out
    scen = tmp_path / "scen"
    export = run_cli("runs", "export", "--db", db, "--aslib", scen)
    assert export.code == 0 and "warning" not in export.err, export.err
    description = (scen / "description.txt").read_text()
    assert "solution_quality" in description and "- rmse" in description and "- false" in description
    assert "nn_sim_mean" in (scen / "feature_values.arff").read_text()
    valid = run_cli("aslib", "validate", scen)
    assert valid.code == 0, valid.out + valid.err
    evaluated = run_cli("evaluate", scen, "--selector", "pairwise-regression")
    assert evaluated.code == 0, evaluated.err
    assert "virtual best" in evaluated.out and "single best" in evaluated.out

    # a model trained on the quality scenario names a learner x representation pair for a new dataset
    model = tmp_path / "m.skops"
    trained = run_cli("train", scen, "--selector", "pairwise-regression", "-o", model)
    assert trained.code == 0, trained.err
    chosen = run_cli("select", BUNDLED / "simpd-CHEMBL224-2.csv.xz", "--model", model, "--format", "json")
    assert chosen.code == 0, chosen.err
    import json

    report = json.loads(chosen.out)
    assert report["algorithm"] in {r.algorithm for r in runs}
    from asc.features.qsar_meta import STEP_NAMES

    assert set(report["feature_steps"]) == set(STEP_NAMES)
    assert all(s["status"] == "ok" for s in report["feature_steps"].values())
    sat_model = run_cli("select", BUNDLED / "simpd-CHEMBL224-2.csv.xz")  # the default model is SAT's
    assert sat_model.code == 2 and "cannot compute on a QSAR dataset" in sat_model.err

    # the runs CSV keeps the quality through an import
    csv = tmp_path / "runs.csv"
    assert run_cli("runs", "export", "--db", db, "--csv", csv).code == 0
    assert run_cli("runs", "import", csv, "--db", tmp_path / "copy.sqlite").code == 0
    with RunStore(tmp_path / "copy.sqlite") as copy:
        assert sorted((r.key, r.quality) for r in copy.runs()) == sorted((r.key, r.quality) for r in runs)


def test_a_bad_dataset_is_named_and_left_out_while_the_others_run(run_cli, tmp_path):
    """As for CNF files: one unreadable dataset does not stop a campaign; it is named with its line, exit 2."""
    import json

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(DATASET, folder / "good.csv")
    (folder / "bad.csv").write_text("canonical_smiles,pchembl_value\nCCO,high\n")
    portfolio = tmp_path / "one.toml"
    portfolio.write_text('name = "one"\nkind = "qsar"\n\n[[algorithm]]\nname = "ridge"\nlearner = "ridge"\n'
                         'representation = "ecfp4-1024"\n')
    result = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--db", tmp_path / "runs.sqlite",
                     "--cutoff-time", 60, "--no-progress", "--format", "json")
    assert result.code == 2
    assert (f"asc: skipping {folder / 'bad.csv'}:2: expected a numeric activity in column 'pchembl_value', "
            "found 'high'") in result.err.splitlines()
    report = json.loads(result.out)
    assert report["stored"] == 1 and report["by_status"] == {"OK": 1}
    assert report["unreadable_instances"] == [str(folder / "bad.csv")]


@pytest.mark.slow
def test_the_whole_bundled_example(run_cli, tmp_path):
    db = run_example(run_cli, tmp_path, sorted(p.name for p in BUNDLED.glob("*.csv*")))
    with RunStore(db) as store:
        assert store.count() == 4 * len(load_portfolio(ROOT / "portfolios" / "qsar-fast.toml"))


@pytest.mark.slow
def test_a_qsar_campaign_killed_with_sigkill_resumes_without_redoing_runs(tmp_path):
    """kill -9 of `asc collect` mid-campaign: the rerun adds only what is missing, no run twice, no survivors."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("simpd-CHEMBL3155-1.csv", "simpd-CHEMBL1293269-1.csv"):
        shutil.copy(BUNDLED / name, folder / name)
    db = tmp_path / "runs.sqlite"
    cmd = [sys.executable, "-m", "asc", "collect", "--portfolio", str(ROOT / "portfolios" / "qsar-fast.toml"),
           "--instances", str(folder), "--db", str(db), "--cutoff-time", "120", "--mem-limit", "3072",
           "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            with RunStore(db) as store:
                if store.count() >= 2:
                    break
        time.sleep(0.2)
    assert proc.poll() is None, "the campaign ended before it could be killed"
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    with RunStore(db) as store:
        before = {r.key: r for r in store.runs()}
    assert 2 <= len(before) < 12
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{12 - len(before)} runs stored, {len(before)} already there" in done.stdout
    with RunStore(db) as store:
        after = {r.key: r for r in store.runs()}
    assert len(after) == 12 and all(after[k] == r for k, r in before.items())
    assert all(r.status is RunStatus.OK for r in after.values())
