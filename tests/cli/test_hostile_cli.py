"""Issue 21, hostile use of the command line: every bad input is one line on stderr, exit 2,
and nothing already stored is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

PORTFOLIO = Path(__file__).resolve().parents[2] / "portfolios" / "pysat.toml"


def one_line(res) -> bool:
    return "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1


def _tiny_cnf(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.cnf").write_text("p cnf 2 2\n1 2 0\n-1 0\n")
    return folder


def test_collect_into_a_store_that_cannot_be_written_is_one_line(run_cli, tmp_path):
    instances = _tiny_cnf(tmp_path / "inst")
    (tmp_path / "runs.sqlite.lock").mkdir()  # the lock cannot be taken, as on a read-only folder
    res = run_cli("collect", "--portfolio", PORTFOLIO, "--instances", instances, "--cutoff-time", "2",
                  "--db", tmp_path / "runs.sqlite", "--no-progress")
    assert res.code == 2 and one_line(res), res.err
    assert "runs.sqlite" in res.err and "cannot write" in res.err


ROOT = Path(__file__).resolve().parents[2]
RUNS_CSV = ROOT / "experiments" / "pysat-training" / "runs.csv"
FEATURES_CSV = ROOT / "experiments" / "pysat-training" / "features.csv"


def _store(run_cli, tmp_path) -> Path:
    db = tmp_path / "runs.sqlite"
    res = run_cli("runs", "import", RUNS_CSV, "--db", db, "--cutoff-time", 10, "--mem-limit", 2048)
    assert res.code == 0, res.err
    return db


def test_outputs_that_resolve_to_an_input_are_refused_and_nothing_is_lost(run_cli, tmp_path):
    import shutil

    db = _store(run_cli, tmp_path)
    before = db.read_bytes()
    # copies: without the fix these commands destroy their inputs
    RUNS_CSV = Path(shutil.copy(globals()["RUNS_CSV"], tmp_path / "runs.csv"))
    FEATURES_CSV = Path(shutil.copy(globals()["FEATURES_CSV"], tmp_path / "features.csv"))
    PORTFOLIO = Path(shutil.copy(globals()["PORTFOLIO"], tmp_path / "p.toml"))
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    (tmp_path / "sub").mkdir()
    attempts = [
        ("train", db, "-o", db, "--features", FEATURES_CSV, "--selector", "sbs"),
        ("train", db, "-o", link, "--features", FEATURES_CSV, "--selector", "sbs"),
        ("train", db, "-o", FEATURES_CSV.parent / "sub" / ".." / FEATURES_CSV.name, "--features", FEATURES_CSV),
        ("runs", "export", "--db", db, "--csv", db),
        ("runs", "export", "--db", link, "--parquet", tmp_path / "sub" / ".." / "runs.sqlite"),
        ("runs", "export", "--db", db, "--aslib", db),
        ("runs", "export", "--db", db, "--csv", tmp_path / "x.csv", "--parquet", tmp_path / "x.csv"),
        ("runs", "import", RUNS_CSV, "--db", RUNS_CSV, "--cutoff-time", 10, "--mem-limit", 2048),
        ("aslib", "from-csv", "--performance", FEATURES_CSV, "--features", FEATURES_CSV, "--cutoff-time", 10,
         "-o", FEATURES_CSV),
        ("collect", "--portfolio", PORTFOLIO, "--instances", _tiny_cnf(tmp_path / "inst"), "--cutoff-time", 2,
         "--db", PORTFOLIO),
    ]
    csv_before = RUNS_CSV.read_bytes(), FEATURES_CSV.read_bytes(), PORTFOLIO.read_bytes()
    for argv in attempts:
        res = run_cli(*argv)
        assert res.code == 2 and one_line(res), (argv, res.err)
        assert "overwrite" in res.err or "same file" in res.err, (argv, res.err)
    assert db.read_bytes() == before and link.is_symlink()
    assert (RUNS_CSV.read_bytes(), FEATURES_CSV.read_bytes(), PORTFOLIO.read_bytes()) == csv_before
    assert not (tmp_path / "x.csv").exists()


def test_features_never_write_over_an_instance(run_cli, tmp_path):
    folder = _tiny_cnf(tmp_path / "inst")
    cnf = folder / "a.cnf"
    text = cnf.read_text()
    for argv in (("features", cnf, "-o", cnf), ("features", folder, "-o", cnf, "--format", "json"),
                 ("features", folder, "-o", folder / "a.cnf", "--format", "arff")):
        res = run_cli(*argv)
        assert res.code == 2 and one_line(res) and "a.cnf" in res.err, (argv, res.err)
    assert cnf.read_text() == text
    res = run_cli("features", folder, "-o", tmp_path / "f.csv")  # and a fine output still works
    assert res.code == 0 and (tmp_path / "f.csv").read_text().startswith("instance")


def test_train_checks_its_output_folder_before_training(run_cli, tmp_path):
    db = _store(run_cli, tmp_path)
    res = run_cli("train", db, "-o", tmp_path / "missing" / "dir" / "m.skops", "--features", FEATURES_CSV)
    assert res.code == 2 and one_line(res) and "missing" in res.err and "does not exist" in res.err
    assert "trained" not in res.err  # refused before any training
    res = run_cli("train", db, "-o", tmp_path, "--features", FEATURES_CSV)
    assert res.code == 2 and one_line(res) and "folder" in res.err


def test_select_and_solve_with_a_model_holding_only_its_header(run_cli, tmp_path):
    import zipfile

    from asc.models.files import HEADER_MEMBER

    model = tmp_path / "header-only.skops"
    with zipfile.ZipFile(ROOT / "asc" / "models" / "default.skops") as src, zipfile.ZipFile(model, "w") as out:
        out.writestr(HEADER_MEMBER, src.read(HEADER_MEMBER))
    cnf = _tiny_cnf(tmp_path / "inst") / "a.cnf"
    for command in ("select", "solve"):
        res = run_cli(command, cnf, "--model", model)
        assert res.code == 2 and one_line(res) and "header-only.skops" in res.err, res.err
        assert "not a complete model file" in res.err and "s UNKNOWN" not in res.out


#: Bundled instances small enough for two python-sat solvers at a 2 s cutoff (SAT and UNSAT).
TINY = ("shared/dimacs-aim/aim-200-1_6-yes1-3.cnf.xz", "shared/dimacs-aim/aim-200-2_0-no-2.cnf.xz",
        "generated/parity-7.cnf.xz", "generated/subsetcard-8-s1.cnf.xz", "generated/php-8-7.cnf.xz",
        "shared/satlib-uf50/uuf50-01.cnf.xz")


@pytest.fixture
def collected(run_cli, tmp_path):
    """Tiny bundled instances collected with 2 python-sat solvers at a 2 s cutoff: (store, instance folder)."""
    import shutil

    folder = tmp_path / "inst"
    folder.mkdir()
    for name in TINY:
        shutil.copy(ROOT / "instances" / name, folder)
    portfolio = tmp_path / "two.toml"
    portfolio.write_text('name = "two"\n[[algorithm]]\nname = "minisat22"\npysat = "minisat22"\n'
                         '[[algorithm]]\nname = "cadical153"\npysat = "cadical153"\n')
    db = tmp_path / "runs.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", 2, "--db", db,
                  "--no-progress")
    assert res.code == 0, res.err
    return db, folder


def test_collect_features_export_train_select(run_cli, tmp_path, collected):
    """The path of the README end to end: the ARFF features of `asc features` go into the export."""
    db, folder = collected
    feats = tmp_path / "feats"
    res = run_cli("features", folder, "-o", feats, "--format", "arff", "--no-progress")
    assert res.code == 0, res.err
    scenario = tmp_path / "scenario"
    res = run_cli("runs", "export", "--db", db, "--aslib", scenario, "--features", feats)
    assert res.code == 0, res.err
    assert "cluster_coeff_mean" in (scenario / "feature_values.arff").read_text()
    res = run_cli("aslib", "validate", scenario)
    assert res.code == 0, res.out
    model = tmp_path / "m.skops"
    res = run_cli("train", scenario, "-o", model)
    assert res.code == 0, res.err
    res = run_cli("select", folder / "parity-7.cnf.xz", "--model", model, "--format", "json")
    assert res.code == 0, res.err
    import json

    assert json.loads(res.out)["algorithm"] in {"minisat22", "cadical153"}


def _numeric_options():
    """(command words, flag, type) of every option that takes a number, found in the parser."""
    import argparse

    from asc.cli.main import build_parser

    def leaves(parser, prefix=()):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield prefix, parser
            return
        for name, child in subs[0].choices.items():
            yield from leaves(child, (*prefix, name))

    found = []
    for words, parser in leaves(build_parser()):
        for action in parser._actions:
            if action.option_strings and action.type not in (None, str):
                found.append((words, action.option_strings[-1], action.type))
    return found


def test_every_numeric_option_goes_through_a_shared_validator():
    from asc.cli import options

    found = _numeric_options()
    flags = {flag for _, flag, _ in found}
    assert {"--cutoff-time", "--mem-limit", "--step-timeout", "--budget", "--trials", "--par", "--jobs",
            "--seed", "--fold-seed", "--folds", "--repetitions", "--top", "--cv-repetition"} <= flags
    for words, flag, kind in found:
        assert kind not in (int, float), f"asc {' '.join(words)} {flag}: type={kind.__name__}, not a validator"
        assert kind.__module__ == options.__name__, (words, flag)


def test_every_numeric_option_refuses_non_finite_and_negative_values(run_cli):
    for words, flag, _ in _numeric_options():
        for value in ("nan", "inf", "-inf", "1e400", "-5", "x"):
            res = run_cli(*words, f"{flag}={value}")
            assert res.code == 2 and one_line(res), (words, flag, value, res.err)
            assert flag in res.err or (flag == "--cutoff" and "--cutoff-time" in res.err), (words, flag, res.err)


def test_solve_with_a_non_finite_cutoff_runs_nothing_and_says_so(run_cli, tmp_path):
    cnf = _tiny_cnf(tmp_path / "inst") / "a.cnf"
    for value in ("nan", "inf", "0", "-1"):
        res = run_cli("solve", cnf, "--cutoff-time", value)
        assert res.code == 2 and one_line(res) and "--cutoff-time" in res.err, res.err
        assert "s UNKNOWN" not in res.out and res.out == ""


def test_export_without_features_never_replaces_real_features_and_says_it_writes_placeholders(
        run_cli, tmp_path, collected):
    db, folder = collected
    scenario = tmp_path / "scenario"
    res = run_cli("features", folder, "-o", scenario, "--format", "arff", "--no-progress")
    assert res.code == 0, res.err
    before = {p.name: p.read_bytes() for p in scenario.iterdir()}
    res = run_cli("runs", "export", "--db", db, "--aslib", scenario)
    assert res.code == 2 and one_line(res) and "--features" in res.err and "feature_values.arff" in res.err
    assert {p.name: p.read_bytes() for p in scenario.iterdir()} == before  # nothing written
    # the features asc features put there go into the scenario written over them
    res = run_cli("runs", "export", "--db", db, "--aslib", scenario, "--features", scenario)
    assert res.code == 0 and res.err == "", res.err
    assert (scenario / "feature_values.arff").read_text().count("@ATTRIBUTE") > 40
    assert run_cli("aslib", "validate", scenario).code == 0
    res = run_cli("train", scenario, "-o", tmp_path / "m.skops")
    assert res.code == 0, res.err
    res = run_cli("select", folder / "php-8-7.cnf.xz", "--model", tmp_path / "m.skops")
    assert res.code == 0, res.err

    # placeholders first: said so, and replaced by real features later without a stale description
    other = tmp_path / "other"
    res = run_cli("runs", "export", "--db", db, "--aslib", other)
    assert res.code == 0 and "placeholder" in res.err and "--features" in res.err
    res = run_cli("runs", "export", "--db", db, "--aslib", other)  # an export's own placeholders may be redone
    assert res.code == 0, res.err
    res = run_cli("features", folder, "-o", other, "--format", "arff", "--no-progress")
    assert res.code == 0, res.err
    res = run_cli("runs", "export", "--db", db, "--aslib", other, "--features", other)
    assert res.code == 0, res.err
    res = run_cli("aslib", "validate", other)
    assert res.code == 0, res.out
    res = run_cli("train", other, "-o", tmp_path / "m2.skops")
    assert res.code == 0 and "50 features" in res.err, res.err


def test_outputs_into_a_folder_that_cannot_be_written_are_one_line(run_cli, tmp_path):
    import os

    folder = Path("/sys")  # refuses new files even to root
    try:
        os.close(os.open(folder / "asc-probe", os.O_WRONLY | os.O_CREAT))
    except OSError:
        pass
    else:
        os.unlink(folder / "asc-probe")
        pytest.skip("/sys takes new files here")
    db = _store(run_cli, tmp_path)
    cnf = _tiny_cnf(tmp_path / "inst") / "a.cnf"
    for argv in (("train", db, "-o", folder / "m.skops", "--features", FEATURES_CSV, "--selector", "sbs"),
                 ("runs", "export", "--db", db, "--csv", folder / "runs.csv"),
                 ("runs", "export", "--db", db, "--parquet", folder / "sub" / "runs.parquet"),
                 ("runs", "export", "--db", db, "--aslib", folder / "scenario", "--features", FEATURES_CSV),
                 ("features", cnf, "-o", folder / "f.csv"),
                 ("features", cnf, "-o", folder / "feats", "--format", "arff"),
                 ("runs", "import", RUNS_CSV, "--db", folder / "runs.sqlite", "--cutoff-time", 10,
                  "--mem-limit", 2048)):
        res = run_cli(*argv)
        assert res.code == 2 and one_line(res) and str(folder) in res.err, (argv, res.err)


def test_a_second_writer_through_a_symlink_is_refused(asc_exe, tmp_path):
    """Issue 21: `--db h.sqlite` and `--db link.sqlite` (a symlink to it) ran at once and overwrote results."""
    import subprocess
    import sys

    db = tmp_path / "h.sqlite"
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from asc.runs.store import RunStore\n"
                               f"s = RunStore({str(db)!r}, write=True); print('ready', flush=True); "
                               "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "ready"
        res = subprocess.run([*asc_exe, "collect", "--portfolio", PORTFOLIO, "--instances", _tiny_cnf(tmp_path / "i"),
                              "--cutoff-time", "2", "--db", link, "--no-progress"],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert res.returncode == 2 and "another process is writing" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
