"""``asc aslib`` and ``asc evaluate`` as a user runs them."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from aslib_factories import copy_scenario, make_scenario, replace_in
from asc.aslib import read_scenario, write_scenario

SHARED_SCENARIOS = [
    "CSP-2010", "CSP-Minizinc-Obj-2016", "MAXSAT12-PMS", "OPENML-WEKA-2017",
    "QBF-2011", "SAT11-HAND", "SAT11-INDU", "SAT11-INDU-ALGO",
]


@pytest.mark.parametrize("name", SHARED_SCENARIOS)
def test_info_and_validate_on_every_shared_scenario(shared_dir, run_cli, name):
    folder = shared_dir / "aslib" / name
    info = run_cli("aslib", "info", folder, "--format", "json")
    assert info.code == 0, info.err
    data = json.loads(info.out)
    assert data["instances"] == len(read_scenario(folder).instances)
    assert data["vbs"]["solved"] >= data["sbs"]["solved"]
    validate = run_cli("aslib", "validate", folder)
    assert "valid (" in validate.err and "Traceback" not in validate.err
    # findings are exit 1, not 2: the folder was read, the scenario has errors
    assert validate.code == (1 if "invalid (" in validate.err else 0)


def test_info_text_names_sbs_and_vbs(shared_dir, run_cli):
    result = run_cli("aslib", "info", shared_dir / "aslib" / "SAT11-INDU")
    assert result.code == 0
    assert "glucose_2: PAR10 14605.9" in result.out
    assert "virtual best    PAR10 8187.5" in result.out


def _break(folder, kind):
    runs, cv = folder / "algorithm_runs.arff", folder / "cv.arff"
    if kind == "missing column":
        replace_in(runs, "@ATTRIBUTE algorithm STRING", "@ATTRIBUTE solver STRING")
    elif kind == "unknown runstatus":
        replace_in(runs, ",ok\n", ",solved\n")
    elif kind == "duplicate rows":
        lines = runs.read_text().splitlines()
        runs.write_text("\n".join(lines + [lines[-1]]) + "\n")
    elif kind == "instance missing from cv":
        lines = cv.read_text().splitlines()
        data = next(i for i, line in enumerate(lines) if line.strip().upper() == "@DATA") + 1
        del lines[data]
        cv.write_text("\n".join(lines) + "\n")
    elif kind == "malformed yaml":
        replace_in(folder / "description.txt", "algorithm_cutoff_time: 5000", "algorithm_cutoff_time: [5000")
    elif kind == "truncated arff":
        text = runs.read_text()
        runs.write_text(text[: len(text) // 2])
    return {"missing column": "algorithm_runs.arff", "unknown runstatus": "algorithm_runs.arff",
            "duplicate rows": "algorithm_runs.arff", "instance missing from cv": "cv.arff",
            "malformed yaml": "description.txt", "truncated arff": "algorithm_runs.arff"}[kind]


BROKEN = ["missing column", "unknown runstatus", "duplicate rows", "instance missing from cv",
          "malformed yaml", "truncated arff"]


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_copies_fail_in_one_line(shared_dir, tmp_path, asc_exe, kind):
    folder = copy_scenario(shared_dir / "aslib" / "SAT11-INDU", tmp_path / "broken")
    file = _break(folder, kind)
    for command, code in ((["aslib", "info"], 2), (["aslib", "validate"], 1)):
        proc = subprocess.run([*asc_exe, *command, str(folder)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == code, (command, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        if command[1] == "info":
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and file in lines[0] and lines[0].startswith("asc: error:")
        else:
            errors = [line for line in proc.stdout.splitlines() if ": error: " in line]
            assert errors and all(file in line for line in errors)


def test_from_csv_builds_a_valid_scenario(tmp_path, run_cli):
    perf = pd.DataFrame({"a": [1.0, 50.0, 3.0, 99.0], "b": [2.0, 1.0, None, 5.0]},
                        index=pd.Index(["i1", "i2", "i3", "i4"], name="instance"))
    feats = pd.DataFrame({"f1": [1.0, 2.0, 3.0, 4.0], "f2": [0.5, 0.1, 1.0, 2.0]}, index=perf.index)
    perf.to_csv(tmp_path / "perf.csv")
    feats.to_csv(tmp_path / "feats.csv")
    out = tmp_path / "scen"
    result = run_cli("aslib", "from-csv", "--performance", tmp_path / "perf.csv", "--features",
                     tmp_path / "feats.csv", "--cutoff-time", "60", "--folds", "2", "-o", out)
    assert result.code == 0, result.err
    assert result.err.count("deprecated") == 0
    assert run_cli("aslib", "validate", out).code == 0
    scenario = read_scenario(out)
    cost = scenario.cost_matrix()
    assert cost.loc["i3", "b"] == 600.0 and cost.loc["i4", "a"] == 600.0  # missing, and over the cutoff
    assert cost.loc["i2", "b"] == 1.0
    assert scenario.cv["fold"].nunique() == 2


def test_from_csv_bad_table_names_file_and_line(tmp_path, run_cli):
    (tmp_path / "perf.csv").write_text("instance,a,b\ni1,1,2\ni2,fast,3\n")
    (tmp_path / "feats.csv").write_text("instance,f1\ni1,1\ni2,2\n")
    result = run_cli("aslib", "from-csv", "--performance", tmp_path / "perf.csv", "--features",
                     tmp_path / "feats.csv", "--cutoff-time", "10", "-o", tmp_path / "out")
    assert result.code == 2
    assert f"{tmp_path / 'perf.csv'}:3:" in result.err and "'fast'" in result.err


def test_evaluate_table_and_json(tmp_path, run_cli):
    folder = write_scenario(make_scenario(n_instances=30), tmp_path / "tiny")
    table = run_cli("evaluate", folder, "--selector", "rf-regression", "--jobs", "1")
    assert table.code == 0, table.err
    assert "gap closed" in table.out and "PAR10" in table.out
    as_json = run_cli("evaluate", folder, "--selector", "rf-regression", "--jobs", "1", "--format", "json")
    data = json.loads(as_json.out)
    assert data["summary"]["instances"] == 30 and len(data["per_fold"]) == 3
    again = json.loads(run_cli("evaluate", folder, "--selector", "rf-regression", "--jobs", "1",
                               "--format", "json").out)
    assert again["summary"] == data["summary"]


def test_evaluate_bad_selector_and_steps(tmp_path, run_cli):
    folder = write_scenario(make_scenario(), tmp_path / "tiny")
    bad = run_cli("evaluate", folder, "--selector", "magic")
    assert bad.code == 2 and "unknown selector 'magic'" in bad.err
    steps = run_cli("evaluate", folder, "--selector", "sbs", "--steps", "Nope")
    assert steps.code == 2 and "unknown feature step 'Nope'" in steps.err
    missing = run_cli("evaluate", tmp_path / "nowhere", "--selector", "sbs")
    assert missing.code == 2 and "nowhere" in missing.err


@pytest.mark.slow
def test_evaluate_sat11_indu_pairwise(shared_dir, run_cli):
    result = run_cli("evaluate", shared_dir / "aslib" / "SAT11-INDU", "--selector", "pairwise-rf", "--format", "json")
    assert result.code == 0, result.err
    s = json.loads(result.out)["summary"]
    assert s["vbs_cost"] == pytest.approx(8187.5, abs=0.1)
    assert s["sbs_global_cost"] == pytest.approx(14605.9, abs=0.1)
    assert s["gap_closed"] > 0.2


def test_train_writes_a_loadable_model(tmp_path, run_cli):
    from asc.models.files import load_model

    folder = write_scenario(make_scenario(n_instances=20), tmp_path / "tiny")
    result = run_cli("train", folder, "-o", tmp_path / "m.skops", "--selector", "knn")
    assert result.code == 0, result.err
    assert load_model(tmp_path / "m.skops").info.selector == "knn"
    bad = run_cli("train", folder, "-o", tmp_path / "m2.skops", "--selector", "nope")
    assert bad.code == 2 and "unknown selector" in bad.err and not (tmp_path / "m2.skops").exists()
