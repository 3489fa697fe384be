"""``asc features``: instance discovery, bad files in a batch, csv/json/ASlib output."""

from __future__ import annotations

import csv
import io
import json
import lzma
import math
from pathlib import Path

import pytest

from asc.errors import InputError, UsageError
from asc.features.batch import InstanceFeatures, step_closure, write_aslib
from asc.instances.discovery import discover

GOOD = b"c a formula\np cnf 4 3\n1 -2 0\n2 3 -4 0\n-1 4 0\n"
BAD = b"p cnf 2 1\n1 x 0\n"


def make_instance_dir(tmp_path: Path, bad: bool = True) -> Path:
    """A folder with two good instances (one xz, in a subfolder), a bad one and a non-CNF file."""
    root = tmp_path / "set"
    (root / "sub").mkdir(parents=True)
    (root / "a.cnf").write_bytes(GOOD)
    (root / "sub" / "b.cnf.xz").write_bytes(lzma.compress(GOOD.replace(b"-1 4 0", b"-1 -4 0")))
    (root / "notes.txt").write_text("not an instance\n")
    if bad:
        (root / "sub" / "bad.cnf").write_bytes(BAD)
    return root


def make_rows() -> list[InstanceFeatures]:
    """Rows as the workers return them: one good instance and one unreadable file."""
    good = InstanceFeatures("a.cnf", "a.cnf", instance_hash="h", read_seconds=0.5,
                            steps={"Pre": ("ok", 1.0, {"nvarsOrig": 4.0}), "Basic": ("timeout", 2.0, {})})
    bad = InstanceFeatures("bad name.cnf", "bad name.cnf", error="bad name.cnf:2: expected", read_seconds=0.1)
    return [good, bad]


def test_discover_directories_recursively_and_files_as_given(tmp_path):
    root = make_instance_dir(tmp_path)
    found = discover([str(root), str(root / "notes.txt")])
    assert [iid for iid, _ in found] == ["a.cnf", "sub/b.cnf.xz", "sub/bad.cnf", str(root / "notes.txt")]


def test_discover_makes_clashing_ids_distinct(tmp_path):
    root = make_instance_dir(tmp_path)
    found = discover([str(root), str(root / "sub")])
    ids = [iid for iid, _ in found]
    # sub/b.cnf.xz is "sub/b.cnf.xz" from root but "b.cnf.xz" from sub: no clash, kept short.
    assert ids[:3] == ["a.cnf", "sub/b.cnf.xz", "sub/bad.cnf"] and ids[3:] == ["b.cnf.xz", "bad.cnf"]
    (root / "sub" / "a.cnf").write_bytes(GOOD)
    found = discover([str(root), str(root / "sub")])
    ids = [iid for iid, _ in found]
    assert len(ids) == len(set(ids)) == 7
    assert str(root / "a.cnf") in ids and str(root / "sub" / "a.cnf") in ids


def test_discover_rejects_missing_paths_and_empty_dirs(tmp_path):
    with pytest.raises(InputError, match="expected a CNF file or a directory"):
        discover([str(tmp_path / "absent")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="found none"):
        discover([str(tmp_path / "empty")])


def test_step_closure_adds_requirements_in_order():
    steps = {"Pre": ((), ()), "Basic": ((), ("Pre",)), "KLB": ((), ("Pre",)), "CG": ((), ("Basic",))}
    assert step_closure(["CG"], steps) == ["Pre", "Basic", "CG"]
    assert step_closure(["KLB", "Pre"], steps) == ["Pre", "KLB"]
    with pytest.raises(UsageError, match="unknown feature step 'LP'"):
        step_closure(["LP"], steps)


def test_aslib_files_read_back_with_liac_arff(tmp_path):
    import arff

    write_aslib(make_rows(), ("Pre", "Basic"), ["nvarsOrig", "vars_clauses_ratio"], tmp_path / "out")
    values = arff.load((tmp_path / "out" / "feature_values.arff").read_text())
    costs = arff.load((tmp_path / "out" / "feature_costs.arff").read_text())
    status = arff.load((tmp_path / "out" / "feature_runstatus.arff").read_text())
    assert [a[0] for a in values["attributes"]] == ["instance_id", "repetition", "nvarsOrig", "vars_clauses_ratio"]
    assert values["data"] == [["a.cnf", 1, 4, None], ["bad name.cnf", 1, None, None]]
    # Reading time is charged to the first step; the unreadable file has no costs.
    assert costs["data"] == [["a.cnf", 1, 1.5, 2.0], ["bad name.cnf", 1, None, None]]
    assert status["data"] == [["a.cnf", 1, "ok", "timeout"], ["bad name.cnf", 1, "crash", "crash"]]


@pytest.mark.parametrize("args, expected", [
    (["--jobs", "0"], "argument --jobs: expected a positive number"),
    (["--format", "arff"], "give the folder with -o DIR"),
    (["--step-timeout", "-1"], "argument --step-timeout: expected a positive number of seconds"),
    (["--step-timeout", "nan"], "argument --step-timeout: expected a finite number"),
    (["--steps", ","], "at least one step"),
])
def test_usage_errors_exit_2_in_one_line(run_cli, tmp_path, args, expected):
    root = make_instance_dir(tmp_path)
    res = run_cli("features", str(root), *args)
    assert res.code == 2 and res.out == ""
    assert res.err.count("\n") == 1 and expected in res.err


# -- end to end, with the real feature groups ------------------------------------------


@pytest.fixture
def features_api():
    module = pytest.importorskip("asc.features", reason="feature groups not available yet")
    if not hasattr(module, "compute_features"):
        pytest.skip("asc.features has no compute_features yet")
    return module


def test_csv_rows_for_every_file_and_exit_2_for_the_bad_one(run_cli, tmp_path, features_api):
    root = make_instance_dir(tmp_path)
    res = run_cli("features", str(root), "--steps", "Pre,Basic")
    assert res.code == 2
    errors = [line for line in res.err.splitlines() if line.startswith("asc: error:")]
    assert errors == [f"asc: error: {root / 'sub' / 'bad.cnf'}:2: expected a literal (a signed integer) or 0, "
                      "found 'x'"]
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert [r["instance_id"] for r in rows] == ["a.cnf", "sub/b.cnf.xz", "sub/bad.cnf"]
    names = features_api.FEATURE_STEPS["Pre"][0] + features_api.FEATURE_STEPS["Basic"][0]
    assert list(rows[0])[1:1 + len(names)] == list(names)
    assert rows[0]["Pre_status"] == "ok" and float(rows[0]["Pre_cost"]) > 0
    assert rows[2]["Pre_status"] == rows[2]["Basic_status"] == "crash"
    assert all(rows[2][n] == "" for n in names)
    assert "KLB_status" not in rows[0]


def test_json_and_parallel_agree(run_cli, tmp_path, features_api):
    root = make_instance_dir(tmp_path, bad=False)
    one = run_cli("features", str(root), "--format", "json", "--steps", "Basic")
    two = run_cli("features", str(root), "--format", "json", "--steps", "Basic", "--jobs", "2")
    assert one.code == two.code == 0, one.err + two.err
    a, b = json.loads(one.out), json.loads(two.out)
    assert [r["instance_id"] for r in a] == ["a.cnf", "sub/b.cnf.xz"]
    assert a[0]["instance_hash"] != a[1]["instance_hash"]
    for ra, rb in zip(a, b):
        assert ra["features"].keys() == rb["features"].keys()
        for k, v in ra["features"].items():
            assert v == rb[ "features"][k] or (v is None and rb["features"][k] is None) or math.isclose(
                v, rb["features"][k], rel_tol=1e-12)
        assert set(ra["steps"]) == {"Pre", "Basic"}


def test_arff_output_loads_as_aslib_feature_files(run_cli, tmp_path, features_api):
    import arff

    root = make_instance_dir(tmp_path)
    res = run_cli("features", str(root), "--format", "arff", "-o", str(tmp_path / "scen"))
    assert res.code == 2 and res.out == ""
    status = arff.load((tmp_path / "scen" / "feature_runstatus.arff").read_text())
    assert [a[0] for a in status["attributes"]] == ["instance_id", "repetition", "Pre", "Basic", "KLB", "CG"]
    assert [r[0] for r in status["data"]] == ["a.cnf", "sub/b.cnf.xz", "sub/bad.cnf"]
    assert status["data"][2][2:] == ["crash"] * 4


def test_subprocess_entry_point(asc_exe, tmp_path, features_api):
    import subprocess

    root = make_instance_dir(tmp_path, bad=False)
    proc = subprocess.run([*asc_exe, "features", str(root / "a.cnf"), "--steps", "Pre"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].startswith(str(root / "a.cnf") + ",")


def read_through_pty(cmd: list[str]) -> tuple[int, str]:
    """Run ``cmd`` with stderr on a pseudo-terminal (as a user at a terminal); exit code and stderr."""
    import os
    import pty
    import subprocess

    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal_only(asc_exe, tmp_path, features_api):
    root = make_instance_dir(tmp_path, bad=False)
    code, err = read_through_pty([*asc_exe, "features", str(root), "--steps", "Pre"])
    assert code == 0 and "features: 100%" in err and "2/2" in err
    code, err = read_through_pty([*asc_exe, "features", str(root), "--steps", "Pre", "--no-progress"])
    assert code == 0 and "100%" not in err
