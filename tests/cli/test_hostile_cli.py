"""Issue 21, hostile use of the command line: every bad input is one line on stderr, exit 2,
and nothing already stored is lost."""

from __future__ import annotations

from pathlib import Path

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
