"""``asc solve``'s fast pre-solving path (asc.cli.presolve): real forked runs, no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selection_factories import instance

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "experiments" / "pysat-training" / "scenario"
EASY = "generated/kclique4-gnp100-0.15-s3.cnf.xz"   # maplechrono about 0.03 s
EASY_UNSAT = "shared/satlib-uf50/uuf50-01.cnf.xz"
HARD = "generated/php-10-9.cnf.xz"                  # maplechrono times out at 10 s; kissat404 0.4 s


@pytest.fixture(scope="module")
def presolve_model(tmp_path_factory) -> Path:
    """A joint-regression+presolve model with a schedule (maplechrono 0.2 s): ``min_gain`` fixed
    at 0.02, since the cross-validated choice on this scenario is no schedule at all."""
    from asc.cli.train import load_training_data
    from asc.models.files import save_model, train_model

    model = train_model(load_training_data(str(SCENARIO), None, 1), "joint-regression+presolve", seed=0,
                        min_gain=0.02)
    assert model.selector.schedule_, "the test needs a model with a pre-solving schedule"
    return save_model(model, tmp_path_factory.mktemp("models") / "presolve.skops")


def _asc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "asc", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_fast_path_decides_an_easy_instance_with_a_checked_model(presolve_model):
    from asc.runs.check import check_model, read_formula

    path = instance(EASY)
    result = _asc("solve", path, "--model", presolve_model, "--cutoff-time", "60")
    assert result.returncode == 10, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "s SATISFIABLE"
    literals = [int(x) for line in lines[1:] for x in line[2:].split()]
    assert literals[-1] == 0
    assert check_model(read_formula(path), literals[:-1]).ok
    assert "pre-solving slot" in result.stderr and "features:" not in result.stderr
    assert all(line.startswith("c ") for line in result.stderr.splitlines())


def test_fast_path_unsat(presolve_model, run_cli):
    result = run_cli("solve", instance(EASY_UNSAT), "--model", presolve_model)
    assert result.code == 20, result.err
    assert result.out == "s UNSATISFIABLE\n"
    assert "pre-solving slot" in result.err and "features:" not in result.err


def test_undecided_slot_falls_through_to_the_features_and_the_chosen_solver(presolve_model, run_cli):
    result = run_cli("solve", instance(HARD), "--model", presolve_model, "--cutoff-time", "60")
    assert result.code == 20, result.err
    err = result.err
    assert "pre-solving slot" in err and "TIMEOUT" in err
    assert "features:" in err
    # the slot is not run a second time by the full path
    assert err.count("(pre-solving slot") == 1


def test_slot_cpu_limit_is_enforced_by_the_kernel():
    from asc.cli.presolve import read_simple, run_slot

    formula = read_simple(str(instance(HARD)))
    assert formula is not None
    status, m, model, message = run_slot("maplechrono", formula, 0.05, None, None)
    assert status == "TIMEOUT" and model is None, message
    assert m.killed_for == "cpu"
    assert 0.04 <= m.cpu_time <= 0.1   # the CPU timer, not a sampling monitor


def test_forked_child_cannot_run_past_its_cpu_limit():
    from asc.runs.limits import Limits, run_forked

    def spin() -> bytes:
        while True:
            pass

    m, data = run_forked(spin, Limits(cpu_time=0.1, wall_time=10))
    assert m.killed_for == "cpu" and data == b""
    assert m.cpu_time <= 0.15 and m.returncode == -signal.SIGPROF


def test_wall_limit_kills_and_reaps_the_child():
    from asc.runs.limits import Limits, run_forked

    def sleep() -> bytes:
        time.sleep(60)
        return b"late"

    t0 = time.monotonic()
    m, data = run_forked(sleep, Limits(cpu_time=10, wall_time=0.3))
    assert m.killed_for == "wall" and data == b"" and time.monotonic() - t0 < 5
    with pytest.raises(ProcessLookupError):   # reaped: no zombie, no orphan
        os.kill(m.pids_seen[0], 0)


def test_output_limit():
    from asc.runs.limits import Limits, run_forked

    m, data = run_forked(lambda: b"x" * (3 * 2**20), Limits(cpu_time=10, wall_time=10, output_mb=1))
    assert m.killed_for == "output" and data == b""


def test_a_wrong_model_is_caught():
    from asc.cli.presolve import Formula, judge_slot
    from asc.runs.limits import Limits, run_forked
    from asc.runs.modelcheck import check_clauses

    formula = Formula(3, [[1, 2], [-1, 3], [-2, -3]])
    # a lying "solver": a real forked run whose answer falsifies clause 3
    m, data = run_forked(lambda: b"SAT 1 2 3", Limits(cpu_time=10, wall_time=10))
    status, _, model, message = judge_slot(m, data, formula, 10, check_clauses)
    assert status == "WRONG" and model is None and "clause 3" in message
    m, data = run_forked(lambda: b"SAT 1 -2 3", Limits(cpu_time=10, wall_time=10))
    assert judge_slot(m, data, formula, 10, check_clauses)[0] == "SAT"
    assert "both true and false" in check_clauses(formula.clauses, [1, -1, 3])
    assert check_clauses([[]], [1]) != ""   # the empty clause is never satisfied


def test_a_crashing_child_is_no_answer():
    from asc.runs.limits import FORK_FAILED, Limits, run_forked

    def boom() -> bytes:
        raise RuntimeError("solver failed")

    m, data = run_forked(boom, Limits(cpu_time=10, wall_time=10))
    assert m.returncode == FORK_FAILED and data == b""


def test_child_dies_with_its_parent(tmp_path):
    """A harness killed mid-slot leaves no orphan: the child has PR_SET_PDEATHSIG."""
    pidfile = tmp_path / "child"
    code = (
        "import os, time\n"
        "from asc.runs.limits import Limits, run_forked\n"
        f"def t():\n    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n    time.sleep(60)\n    return b''\n"
        "run_forked(t, Limits(cpu_time=100, wall_time=100))\n"
    )
    harness = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        for _ in range(200):
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.05)
        child = int(pidfile.read_text())
    finally:
        harness.kill()
        harness.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the forked child outlived its parent")


def test_a_file_the_strict_parser_does_not_take_goes_the_full_way(tmp_path):
    from asc.cli.presolve import read_simple

    good = tmp_path / "good.cnf"
    good.write_text("c x\np cnf 3 2\n1 2 0\n-3 0\n")
    assert read_simple(str(good)).clauses == [[1, 2], [-3]]
    satlib = tmp_path / "satlib.cnf"
    satlib.write_text("c x\np cnf 3 2\n1 2 0\n-3 0\n%\n0\n\n")
    assert read_simple(str(satlib)).clauses == [[1, 2], [-3]]
    for text in ("p cnf 3 3\n1 2 0\n-3 0\n", "p cnf 2 2\n1 2 0\n-3 0\n", "p cnf 3 2\n1 2 0 -3 0\n",
                 "1 2 0\n", "p cnf 3 2\n1 2 0\n-3 %0\n%\n0\n"):
        bad = tmp_path / "bad.cnf"
        bad.write_text(text)
        assert read_simple(str(bad)) is None, text
    assert read_simple(str(tmp_path / "missing.cnf")) is None


def test_the_fast_reader_reads_every_bundled_file_it_takes_as_the_project_reader_does():
    import warnings

    from asc.cli.presolve import read_simple
    from asc.instances import read_cnf

    taken = 0
    for path in sorted((ROOT / "instances").rglob("*.cnf*")):
        fast = read_simple(str(path))
        if fast is None:
            continue
        taken += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = read_cnf(path)
        assert (fast.nvars, fast.nclauses) == (full.nvars, full.nclauses), path
        assert [x for c in fast.clauses for x in c] == full.literals.tolist(), path
    assert taken >= 60
