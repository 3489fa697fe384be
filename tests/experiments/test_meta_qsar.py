"""``asc experiment run``: the Meta-QSAR study of issue 24, end to end on the fast spec.

The fast spec (experiments/meta-qsar-fast) runs for real: bundled datasets, real learners
through the harness and run store, real meta-features and meta-learners. Each test works on
a copy of the spec in a temporary folder (its dataset paths made absolute), so the
committed results are never touched.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "experiments" / "meta-qsar-fast" / "spec.toml"
# a run's key (the same pair runs under k-fold CV and the time split: the configuration tells them apart)
KEYED = "select instance_hash, algorithm, configuration, seed, repetition, started_at from runs"
TABLES = ("matrix.csv", "pairs.csv", "summary.csv", "per_dataset.csv", "choices.csv", "importance.csv",
          "meta_features.csv", "time_split.csv")


def make_spec(folder: Path, text: str | None = None, **replace: str) -> Path:
    """The fast spec copied into ``folder`` with absolute dataset paths, plus textual replacements."""
    folder.mkdir(parents=True, exist_ok=True)
    text = text if text is not None else FAST.read_text(encoding="utf-8")
    text = text.replace('"../../instances/qsar"', f'"{(ROOT / "instances" / "qsar").as_posix()}"')
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    spec = folder / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    return spec


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """One full run of the fast spec, then the same command again."""
    from asc.cli.main import main
    import contextlib
    import io

    spec = make_spec(tmp_path_factory.mktemp("meta-qsar-fast"))
    before = spec.read_bytes()
    outs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["experiment", "run", str(spec), "--jobs", "2", "--no-progress"])
        assert code == 0, err.getvalue()
        tables = {t: (spec.parent / "results" / t).read_bytes() for t in TABLES}
        outs.append((out.getvalue(), err.getvalue(), tables))
    return spec, before, outs


def test_fast_spec_writes_the_report_tables_and_plots(fast_run):
    spec, before, outs = fast_run
    results = spec.parent / "results"
    out, err, _ = outs[0]
    assert out.strip() == str(results / "report.md")
    assert spec.read_bytes() == before  # the spec (an input) is untouched
    for name in (*TABLES, "report.md", "gain_vs_noise.png", "selected_vs_baseline.png", "chosen_vs_best.png"):
        assert (results / name).stat().st_size > 0, name
    assert (results / "gain_vs_noise.png").read_bytes()[:4] == b"\x89PNG"
    report = (results / "report.md").read_text(encoding="utf-8")
    assert "## Verdict" in report and "Time split" in report and "Environment" in report


def test_tables_are_consistent_with_the_matrix(fast_run):
    spec, _, _ = fast_run
    results = spec.parent / "results"
    matrix = read(results / "matrix.csv")
    pairs = sorted({r["pair"] for r in matrix})
    datasets = sorted({r["dataset"] for r in matrix})
    assert len(pairs) == 3 and len(datasets) == 4 and len(matrix) == 3 * 4 * 2
    mean = {(d, p): np.mean([float(r["rmse"]) for r in matrix if r["dataset"] == d and r["pair"] == p])
            for d in datasets for p in pairs}
    for row in read(results / "per_dataset.csv"):
        d = row["dataset"]
        best = min(mean[d, p] for p in pairs)
        assert float(row["oracle_rmse"]) == pytest.approx(best, abs=1e-6)
        assert float(row["selected_rmse"]) == pytest.approx(mean[d, row["selected"]], abs=1e-6)
        assert float(row["baseline_rmse"]) == pytest.approx(mean[d, "rf30-fcfp4-1024"], abs=1e-6)
        assert float(row["selected_rmse"]) >= float(row["oracle_rmse"]) - 1e-9
    # every dataset of a target shares its meta-fold (here one dataset per target, 2 folds)
    per = read(results / "per_dataset.csv")
    assert {r["meta_fold"] for r in per} == {"0", "1"}
    summary = {r["learner"]: r for r in read(results / "summary.csv")}
    assert set(summary) == {"single-best", "joint-regression", "pairwise-regression", "multiclass-rf", "knn",
                            "ranking-knn"}
    oracle = np.mean([min(mean[d, p] for p in pairs) for d in datasets])
    for r in summary.values():
        assert float(r["mean_rmse"]) >= oracle - 1e-6
        lo, hi = float(r["ci_lo_vs_baseline"]), float(r["ci_hi_vs_baseline"])
        assert lo <= float(r["gain_vs_baseline_pct"]) <= hi


def test_rerun_recomputes_nothing_and_gives_identical_tables(fast_run):
    _, _, (first, second) = fast_run
    assert "36 runs done, 0 already stored" in first[1]
    assert "0 runs done, 36 already stored" in second[1]
    assert first[2] == second[2]


def test_interim_report_runs_nothing_and_keeps_results(fast_run, run_cli):
    spec, _, outs = fast_run
    db = spec.parent / "work" / "runs.sqlite"
    before = db.stat().st_mtime_ns, (spec.parent / "results" / "summary.csv").read_bytes()
    res = run_cli("experiment", "run", spec, "--interim", "--no-progress")
    assert res.code == 0, res.err
    interim = spec.parent / "results-interim"
    assert res.out.strip() == str(interim / "report.md")
    assert "4 of 4 datasets complete, 2 of 2 CV repetitions" in res.err
    assert "(INTERIM)" in (interim / "report.md").read_text(encoding="utf-8")
    # the complete study's interim tables are its tables; results/ and the store are untouched
    assert (interim / "matrix.csv").read_bytes() == outs[1][2]["matrix.csv"]
    assert (interim / "summary.csv").read_bytes() == before[1]
    assert (db.stat().st_mtime_ns, (spec.parent / "results" / "summary.csv").read_bytes()) == before


@pytest.mark.parametrize("replace, key", [
    ({'"ranking-knn"]': '"ranking-knn", "no-such-learner"]'}, "meta.learners"),
    ({'learner = "ridge"': 'learner = "lasso"'}, "grid.pairs[1]"),
    ({"folds = 5": "folds = 1"}, "cv.folds"),
    ({'group = "target"': 'group = "assay"'}, "meta.group"),
    ({"repetitions = 2": "repetitions = 0"}, "cv.repetitions"),
    ({'baseline = "rf30-fcfp4-1024"': 'baseline = "rf-ecfp4"'}, "grid.baseline"),
    ({"[meta_features]\nsteps = [": '[meta_features]\nsteps = ["Colour", '}, "meta_features.steps"),
    ({"time_split = true": 'time_split = "yes"'}, "cv.time_split"),
    ({"seed = 0\ntime_split": "seeds = 0\ntime_split"}, "cv.seeds"),
])
def test_bad_spec_is_one_line_naming_the_file_and_key(run_cli, tmp_path, replace, key):
    spec = make_spec(tmp_path / "bad", **replace)
    res = run_cli("experiment", "run", spec)
    assert res.code == 2 and res.out == ""
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.err, res.err
    assert str(spec) in lines[0] and key in lines[0] and "expected" in lines[0]
    assert not (spec.parent / "work").exists()  # refused before any run


def test_missing_dataset_is_named(run_cli, tmp_path):
    spec = make_spec(tmp_path / "missing", text=FAST.read_text(encoding="utf-8").replace(
        '"../../instances/qsar"', '"no/such/folder", "../../instances/qsar"'))
    res = run_cli("experiment", "run", spec)
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1
    assert "datasets.paths[0]" in res.err and "no/such/folder" in res.err and str(spec) in res.err


def test_a_selector_spec_is_sent_to_train_or_evaluate(run_cli):
    res = run_cli("experiment", "run", ROOT / "experiments" / "default-model" / "spec.toml")
    assert res.code == 2 and "[grid]" in res.err and "asc experiment train" in res.err


def test_group_folds_keep_targets_together_and_follow_the_seed():
    from asc.experiments.metaqsar import group_folds

    groups = [f"T{i % 7}" for i in range(30)]
    f = group_folds(groups, 3, seed=4)
    for g in set(groups):
        assert len({f[i] for i in range(30) if groups[i] == g}) == 1
    assert set(f) == {0, 1, 2}
    assert np.array_equal(f, group_folds(list(groups), 3, seed=4))
    # the fold of a group depends on the group names, not on the order of the datasets
    perm = np.random.default_rng(0).permutation(30)
    g2 = [groups[i] for i in perm]
    assert np.array_equal(group_folds(g2, 3, seed=4), f[perm])
    assert any(not np.array_equal(f, group_folds(groups, 3, seed=s)) for s in range(5, 10))


def test_ranking_knn_matches_a_brute_force_mean_rank():
    from scipy.stats import rankdata

    from asc.experiments.metaqsar import RankingKNN

    rng = np.random.default_rng(1)
    X, C, Xt = rng.normal(size=(12, 4)), rng.random((12, 5)), rng.normal(size=(3, 4))
    got = RankingKNN(k=3).fit(X, C).choose(Xt)
    Z = (X - X.mean(0)) / X.std(0)
    Zt = (Xt - X.mean(0)) / X.std(0)
    for i in range(3):
        near = np.argsort(((Z - Zt[i]) ** 2).sum(1), kind="stable")[:3]
        assert got[i] == np.argmin(rankdata(C[near], axis=1).mean(0))


@pytest.mark.slow
def test_two_fresh_runs_give_identical_tables(tmp_path):
    tables = []
    for k in range(2):
        spec = make_spec(tmp_path / f"run{k}")
        subprocess.run([sys.executable, "-m", "asc", "experiment", "run", str(spec), "--jobs", "2",
                        "--no-progress"], check=True, capture_output=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        tables.append({t: (spec.parent / "results" / t).read_bytes() for t in TABLES})
    assert tables[0] == tables[1]


@pytest.mark.slow
def test_kill_midway_and_rerun_keeps_finished_runs(tmp_path):
    spec = make_spec(tmp_path / "killed")
    db = spec.parent / "work" / "runs.sqlite"
    cmd = [sys.executable, "-m", "asc", "experiment", "run", str(spec), "--jobs", "1", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)

    def stored() -> int:
        if not db.exists():
            return 0
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                return con.execute("select count(*) from runs").fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    deadline = time.time() + 300
    while stored() < 5 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        before = {row[:-1]: row[-1] for row in con.execute(KEYED)}
    assert 5 <= len(before) < 36
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    m = re.search(r"(\d+) runs done, (\d+) already stored", res.stderr)
    assert m and int(m.group(2)) == len(before) and int(m.group(1)) == 36 - len(before)
    with sqlite3.connect(db) as con:
        after = {row[:-1]: row[-1] for row in con.execute(KEYED)}
    assert all(after[k] == v for k, v in before.items())  # finished runs were not run again


def test_compare_follows_its_definitions():
    from scipy.stats import wilcoxon

    from asc.experiments.metaqsar_report import compare

    rng = np.random.default_rng(3)
    ref = 1 + rng.random(20)
    oracle = ref - 0.2 - 0.1 * rng.random(20)
    sel = ref - 0.15 + 0.05 * rng.standard_normal(20)
    ref_r = ref[:, None] + 0.03 * rng.standard_normal((20, 3))
    sel_r = sel[:, None] + 0.03 * rng.standard_normal((20, 3))
    got = compare(sel, ref, oracle, sel_r, ref_r, n_boot=500, seed=1)
    assert got["gain"] == pytest.approx(np.mean((ref - sel) / ref))
    assert got["ci_lo"] < got["gain"] < got["ci_hi"]
    assert got["recovered"] == pytest.approx((ref.mean() - sel.mean()) / (ref.mean() - oracle.mean()))
    assert got["p"] == pytest.approx(wilcoxon(ref, sel).pvalue)
    per_rep = [np.mean((ref_r[:, r] - sel_r[:, r]) / ref_r[:, r]) for r in range(3)]
    assert got["noise"] == pytest.approx(np.std(per_rep, ddof=1))
    assert got["wins"] + got["ties"] + got["losses"] == 20
    same = compare(ref, ref, oracle, None, None, n_boot=500, seed=1)
    assert same["gain"] == 0 and same["p"] == 1.0 and np.isnan(same["noise"]) and same["recovered"] == 0
