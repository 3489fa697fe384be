"""Issue 21, item 11 and what was left of it: each smaller defect of the harness and the CLI, pinned.

A missing solver program, one unreadable instance among good ones, a memory limit below
what a program needs to start, repetition seeds past 2^32 - 1, the output limit as an
option, progress bars on non-terminals, a silent training, a model whose features asc
cannot compute, and the default selector on solution-quality scenarios.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ROOT / "tests" / "runs" / "fault_solvers"


def make_instances(folder: Path, bad: bool = False) -> Path:
    """Two tiny good CNF files and, with ``bad``, a malformed one and a binary one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.cnf").write_text("p cnf 3 2\n1 2 0\n-1 3 0\n")
    (folder / "b.cnf").write_text("p cnf 2 2\n1 0\n-1 0\n")
    if bad:
        (folder / "bad.cnf").write_text("p cnf 2 1\n1 x 0\n")
        (folder / "bin.cnf").write_bytes(b"\x00\x01\x02binary\xff")
    return folder


def make_portfolio(path: Path, *commands: tuple[str, str]) -> Path:
    body = "".join(f'[[algorithm]]\nname = "{name}"\n{line}\n\n' for name, line in commands)
    path.write_text(f'name = "p"\n\n{body}')
    return path


def stored(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT algorithm, status, message FROM runs ORDER BY instance_hash, algorithm").fetchall()


def test_a_missing_solver_program_is_refused_before_any_run(run_cli, tmp_path):
    """Was: every run stored as CRASH, exit 0. Now one line naming the portfolio's line, nothing stored."""
    portfolio = make_portfolio(tmp_path / "p.toml", ("mini", 'pysat = "minisat22"'),
                               ("nosuch", 'command = "/nonexistent/solver {instance}"'))
    db = tmp_path / "r.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", make_instances(tmp_path / "i"),
                  "--cutoff-time", "2", "--db", db)
    assert res.code == 2, res.err
    assert res.err.strip() == f"asc: error: {portfolio}:8: algorithm 'nosuch': program '/nonexistent/solver' not found"
    assert not db.exists()
    # a relative path would not resolve in the runs' scratch folders; a name must be on PATH
    for command, why in (("./solver {instance}", "relative path"), ("no-such-solver-xyz {instance}", "on PATH")):
        make_portfolio(portfolio, ("s", f'command = "{command}"'))
        res = run_cli("collect", "--portfolio", portfolio, "--instances", tmp_path / "i", "--cutoff-time", "2",
                      "--db", db)
        assert res.code == 2 and why in res.err and len(res.err.strip().splitlines()) == 1, res.err


def test_one_unreadable_instance_does_not_stop_the_campaign(run_cli, tmp_path):
    """Was: the first bad file aborted the whole collect. Now the others run; each bad one is named; exit 2."""
    portfolio = make_portfolio(tmp_path / "p.toml", ("mini", 'pysat = "minisat22"'))
    folder = make_instances(tmp_path / "i", bad=True)
    db = tmp_path / "r.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", "5", "--db", db,
                  "--format", "json")
    assert res.code == 2
    report = json.loads(res.out)
    assert report["stored"] == 2
    assert sorted(report["unreadable_instances"]) == [str(folder / "bad.cnf"), str(folder / "bin.cnf")]
    assert sorted(s for _, s, _ in stored(db)) == ["SAT", "UNSAT"]
    assert f"{folder / 'bad.cnf'}:2: expected a literal" in res.err
    assert f"{folder / 'bin.cnf'}:1:" in res.err
    assert "2 of 4 instance files could not be read" in res.err
    assert "Traceback" not in res.err
    # once the bad files are gone, the same command finishes cleanly, running nothing again
    (folder / "bad.cnf").unlink()
    (folder / "bin.cnf").unlink()
    res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", "5", "--db", db,
                  "--format", "json")
    assert res.code == 0 and json.loads(res.out)["skipped"] == 2


def test_a_memory_limit_below_start_up_is_a_memout(run_cli, tmp_path):
    """Was CRASH (exit 127, the loader cannot map libpython under RLIMIT_AS): a memory outcome."""
    portfolio = make_portfolio(tmp_path / "p.toml", ("mini", 'pysat = "minisat22"'))
    db = tmp_path / "r.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", make_instances(tmp_path / "i"),
                  "--cutoff-time", "2", "--mem-limit", "1", "--db", db)
    assert res.code == 0, res.err
    rows = stored(db)
    assert [s for _, s, _ in rows] == ["MEMOUT", "MEMOUT"], rows


def test_repetition_seeds_past_the_seed_range_are_refused(run_cli, tmp_path):
    portfolio = make_portfolio(tmp_path / "p.toml", ("mini", 'pysat = "minisat22"'))
    db = tmp_path / "r.sqlite"
    args = ("collect", "--portfolio", portfolio, "--instances", make_instances(tmp_path / "i"), "--cutoff-time", "2",
            "--db", db)
    res = run_cli(*args, "--seed", str(2**32 - 1), "--repetitions", "2")
    assert res.code == 2 and "4294967296" in res.err and "at most 4294967295" in res.err
    assert not db.exists()
    res = run_cli(*args, "--seed", str(2**32 - 2), "--repetitions", "2")
    assert res.code == 0, res.err
    with sqlite3.connect(db) as c:
        assert sorted({s for (s,) in c.execute("SELECT seed FROM runs")}) == [2**32 - 2, 2**32 - 1]


def test_the_output_limit_is_an_option(run_cli, tmp_path):
    """--output-limit 1 stops a solver printing 3 MiB of comments; the default (64) lets it answer."""
    from asc.cli.options import DEFAULT_OUTPUT_LIMIT_MIB
    from asc.runs.limits import OUTPUT_LIMIT_MB

    assert DEFAULT_OUTPUT_LIMIT_MIB == OUTPUT_LIMIT_MB  # the CLI's default is the harness's
    flood = f'command = "{{python}} {FAULTS / "flood.py"} {{instance}} 3 comments"'
    portfolio = make_portfolio(tmp_path / "p.toml", ("flood", flood))
    folder = make_instances(tmp_path / "i")
    (folder / "b.cnf").unlink()
    for limit, status in (("1", "CRASH"), (None, "SAT")):
        db = tmp_path / f"r{limit}.sqlite"
        extra = ("--output-limit", limit) if limit else ()
        res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", "10", "--db", db,
                      *extra)
        assert res.code == 0, res.err
        [(_, got, message)] = stored(db)
        assert got == status, message
        if limit:
            assert "output limit exceeded" in message and "1 MiB" in message
    res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", "1",
                  "--output-limit", "nan")
    assert res.code == 2 and "--output-limit" in res.err


def test_no_progress_bar_off_a_terminal(asc_exe, tmp_path):
    """Was: tqdm's carriage-return updates written into a log file. Now whole lines only."""
    import subprocess

    portfolio = make_portfolio(tmp_path / "p.toml", ("mini", 'pysat = "minisat22"'))
    out = subprocess.run([*asc_exe, "collect", "--portfolio", str(portfolio), "--instances",
                          str(make_instances(tmp_path / "i")), "--cutoff-time", "2", "--db", str(tmp_path / "r.sqlite")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "\r" not in out.stderr and "run/s" not in out.stderr


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal the same rule draws a bar (a pty as stderr)."""
    import os
    import pty

    from asc.progress import progress_bar

    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as stream:
        bar = progress_bar(3, unit="run", stream=stream)
        assert bar is not None
        bar.update(3)
        bar.close()
        assert progress_bar(3, unit="run", stream=stream, enabled=False) is None
    with open(tmp_path / "log.txt", "w") as log:
        assert progress_bar(3, unit="run", stream=log) is None
    os.close(leader)


def test_training_says_what_it_does(tmp_path):
    """Was: silence for the whole fit. Now a fit that lasts is announced, and its end timed."""
    import io
    import time

    from asc.progress import Phase

    log = io.StringIO()
    with Phase("fitting pairwise-rf on x (3 instances, 2 algorithms)", stream=log, after=0.2):
        time.sleep(0.6)
    assert log.getvalue().splitlines()[0] == "asc: fitting pairwise-rf on x (3 instances, 2 algorithms) (running)"
    last = log.getvalue().splitlines()[1]
    assert last.startswith("asc: fitting pairwise-rf on x") and " done in 0." in last
    quick = io.StringIO()
    with Phase("quick", stream=quick, after=5):
        pass
    assert quick.getvalue() == ""  # a short step says nothing
    failed = io.StringIO()
    with pytest.raises(KeyError), Phase("doomed", stream=failed, after=0.1):
        time.sleep(0.3)
        raise KeyError("x")
    assert "doomed: stopped in" in failed.getvalue()


@pytest.mark.slow
def test_train_announces_a_long_fit(asc_exe, tmp_path):
    """A training that lasts more than two seconds (a pairwise regression of 20 algorithms) is announced."""
    import subprocess

    scenario = ROOT / "experiments" / "pysat-training" / "scenario"
    out = subprocess.run([*asc_exe, "train", str(scenario), "-o", str(tmp_path / "m.skops"), "--selector",
                          "pairwise-regression"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert lines[0] == "asc: training pairwise-regression on pysat-training (71 instances, 20 algorithms) (running)"
    assert " done in " in lines[1] and "\r" not in out.stderr


def test_a_scenario_without_features_is_refused_by_train_and_evaluate(run_cli, tmp_path):
    """Was: a traceback from scikit-learn (0 feature columns) or a model fitted on no feature at all."""
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(ROOT / "experiments" / "pysat-training" / "scenario", folder)
    for name in ("feature_values.arff", "feature_costs.arff", "feature_runstatus.arff"):
        (folder / name).unlink()
    for args in (("train", folder, "-o", tmp_path / "m.skops"), ("evaluate", folder)):
        res = run_cli(*args)
        assert res.code == 2, res.err
        error = res.err.strip().splitlines()[-1]
        assert error.startswith("asc: error: pysat-training/feature_values.arff: expected feature_values.arff")
        assert "Traceback" not in res.err
    assert not (tmp_path / "m.skops").exists()


def test_quality_scenarios_get_a_default_selector_that_fits(run_cli, shared_dir, tmp_path):
    """Was: the runtime default's pre-solving refused every solution-quality scenario."""
    scenario = shared_dir / "aslib" / "CSP-Minizinc-Obj-2016"
    res = run_cli("train", scenario, "-o", tmp_path / "m.skops")
    assert res.code == 0, res.err
    assert "trained joint-regression on CSP-Minizinc-Obj-2016" in res.err
    res = run_cli("evaluate", scenario, "--selector", "joint-regression+presolve")
    assert res.code == 2
    assert "solution_quality scenario" in res.err and "--selector joint-regression" in res.err


def test_a_model_with_features_asc_cannot_compute_is_refused_naming_the_file(run_cli, shared_dir, tmp_path):
    """A model trained on ASlib steps asc has no extractor for: one line naming the model file."""
    model = tmp_path / "m.skops"
    res = run_cli("train", shared_dir / "aslib" / "SAT11-HAND", "-o", model, "--selector", "joint-regression",
                  "--steps", "Pre,Basic,KLB,DIAMETER")
    assert res.code == 0, res.err
    cnf = make_instances(tmp_path / "i") / "a.cnf"
    res = run_cli("select", cnf, "--model", model)
    assert res.code == 2
    assert res.err.startswith(f"asc: error: {model}: the model uses feature step"), res.err
    assert len(res.err.strip().splitlines()) == 1



def test_the_features_help_names_the_feature_modules_steps():
    """asc features spells its default steps out for a light start-up; they are the feature modules' steps."""
    from asc.cli.features import DEFAULT_STEPS, QSAR_STEPS
    from asc.features.qsar_meta import STEP_NAMES as QSAR_STEP_NAMES
    from asc.features.satzilla import STEP_NAMES

    assert DEFAULT_STEPS == tuple(STEP_NAMES)
    assert QSAR_STEPS == tuple(QSAR_STEP_NAMES)
