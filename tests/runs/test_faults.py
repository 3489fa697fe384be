"""Fault tests: misbehaving solvers (real processes, no mocks) end with the right status,
leave no process behind, and the next run works."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from asc.portfolios import Algorithm
from asc.runs.record import RunRecord
from asc.runs.runner import RunRequest, execute
from asc.runs.status import RunStatus

FAULTS = Path(__file__).resolve().parent / "fault_solvers"
SAT_CNF = "c a satisfiable formula\np cnf 3 3\n1 2 0\n-1 3 0\n-2 -3 0\n"

#: Allowed time from noticing a limit excess to the whole tree being gone, for a
#: solver that dies on SIGTERM (generous: 2 cores shared with other work).
GRACE = 2.0


def make_algorithm(script: str, *args: str, name: str | None = None) -> Algorithm:
    return Algorithm(name=name or script, command=("{python}", str(FAULTS / script), "{instance}", *args))


@pytest.fixture
def sat_cnf(tmp_path: Path) -> Path:
    p = tmp_path / "sat.cnf"
    p.write_text(SAT_CNF)
    return p


def run(algo: Algorithm, instance: Path, cutoff: float = 1.0, mem: float | None = 512, wall: float | None = None,
        expected: str | None = None, **kw) -> RunRecord:
    req = RunRequest(str(instance), "h", algo, seed=1, repetition=1, cutoff_time=cutoff, mem_limit_mb=mem,
                     expected=expected, wall_time_limit=wall)
    return execute(req, **kw)


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def assert_next_run_works(instance: Path) -> None:
    r = run(make_algorithm("echo_sat.py"), instance, cutoff=10)
    assert r.status is RunStatus.SAT and r.model_checked, r


def test_control_solver_is_sat_and_checked(sat_cnf):
    r = run(make_algorithm("echo_sat.py"), sat_cnf, cutoff=10)
    assert r.status is RunStatus.SAT and r.model_checked and r.exit_code == 10
    assert 0 < r.wall_time < 10 and r.cpu_time >= 0
    assert r.started_at <= r.ended_at and r.host


def test_busy_loop_hits_cpu_limit(sat_cnf):
    t0 = time.monotonic()
    r = run(make_algorithm("busy.py"), sat_cnf, cutoff=0.5, wall=30)
    assert r.status is RunStatus.TIMEOUT and "CPU-time limit" in r.message, r
    assert 0.5 <= r.cpu_time < 0.5 + GRACE
    assert r.kill_latency is not None and r.kill_latency < GRACE
    assert time.monotonic() - t0 < 30
    assert_next_run_works(sat_cnf)


def test_sigterm_ignored_is_killed_after_grace(sat_cnf):
    r = run(make_algorithm("busy.py", "--ignore-term"), sat_cnf, cutoff=0.3, wall=30, term_grace=0.5)
    assert r.status is RunStatus.TIMEOUT
    # SIGKILL follows SIGTERM after term_grace
    assert 0.5 <= r.kill_latency < 0.5 + GRACE, r


def test_sleeper_hits_wall_limit(sat_cnf):
    r = run(make_algorithm("sleeper.py"), sat_cnf, cutoff=10, wall=1.0)
    assert r.status is RunStatus.TIMEOUT and "wall-clock limit" in r.message, r
    assert 1.0 <= r.wall_time < 1.0 + GRACE + 1
    assert r.cpu_time < 0.5  # it slept
    assert_next_run_works(sat_cnf)


def test_memory_hog_is_memout(sat_cnf):
    r = run(make_algorithm("hog.py", "20"), sat_cnf, cutoff=20, mem=200, wall=30)
    assert r.status is RunStatus.MEMOUT, r  # MemoryError under RLIMIT_AS, or the monitor
    assert r.peak_memory_mb <= 200 + 200  # stopped soon after the limit (10 ms steps of 20 MiB)
    assert_next_run_works(sat_cnf)


def test_memory_hog_tree_is_stopped_by_the_monitor(sat_cnf):
    # 4 processes, each under the per-process address-space limit, together over the limit
    r = run(make_algorithm("hog.py", "4", "4"), sat_cnf, cutoff=20, mem=250, wall=30)
    assert r.status is RunStatus.MEMOUT and "memory limit 250 MiB exceeded" in r.message, r
    assert 250 < r.peak_memory_mb < 250 + 200
    assert r.kill_latency < GRACE
    assert_next_run_works(sat_cnf)


@pytest.mark.parametrize("mode, expect", [("segv", "SIGSEGV"), ("abort", "SIGABRT"), ("exit3", "exit code 3")])
def test_crash_is_crash(sat_cnf, mode, expect):
    r = run(make_algorithm("crash.py", mode), sat_cnf, cutoff=5)
    assert r.status is RunStatus.CRASH and expect in r.message, r
    assert_next_run_works(sat_cnf)


def _pids(pidfile: Path) -> list[int]:
    return [int(x) for x in pidfile.read_text().split()]


def test_children_left_behind_after_answer_are_killed(sat_cnf, tmp_path):
    pidfile = tmp_path / "pids"
    r = run(make_algorithm("forker.py", str(pidfile), "3", "answer"), sat_cnf, cutoff=5, expected="UNSAT")
    assert r.status is RunStatus.UNSAT and "leftover" in r.message, r
    pids = _pids(pidfile)
    assert len(pids) == 3 and not any(alive(p) for p in pids)
    # grandchildren too: nothing of the run is left in any session it created
    assert not [p for p in psutil.process_iter(["cmdline"]) if "forker.py" in " ".join(p.info["cmdline"] or [])
                and p.status() != psutil.STATUS_ZOMBIE]
    assert_next_run_works(sat_cnf)


def test_children_of_a_timed_out_solver_are_killed(sat_cnf, tmp_path):
    pidfile = tmp_path / "pids"
    r = run(make_algorithm("forker.py", str(pidfile), "2", "busy"), sat_cnf, cutoff=0.5, wall=30)
    assert r.status is RunStatus.TIMEOUT, r
    assert not any(alive(p) for p in _pids(pidfile))
    assert r.kill_latency < GRACE


def test_children_that_leave_the_session_are_killed(sat_cnf, tmp_path):
    pidfile = tmp_path / "pids"
    r = run(make_algorithm("forker.py", str(pidfile), "2", "detach"), sat_cnf, cutoff=5)
    assert r.status is RunStatus.UNSAT, r
    pids = _pids(pidfile)
    assert not any(alive(p) for p in pids)
    assert not [p for p in psutil.process_iter(["cmdline"]) if "forker.py" in " ".join(p.info["cmdline"] or [])
                and p.status() != psutil.STATUS_ZOMBIE]


def test_wrong_model_is_wrong(sat_cnf):
    r = run(make_algorithm("wrong_model.py"), sat_cnf, cutoff=5)
    assert r.status is RunStatus.WRONG and r.model_checked and "falsifies" in r.message, r
    assert_next_run_works(sat_cnf)


def test_unsat_claim_on_known_sat_formula_is_wrong(sat_cnf):
    r = run(make_algorithm("liar_unsat.py"), sat_cnf, cutoff=5, expected="SAT")
    assert r.status is RunStatus.WRONG and "known to be satisfiable" in r.message, r


def test_unsat_claim_contradicted_by_another_runs_model(sat_cnf):
    from asc.runs.check import flag_contradictions

    liar = run(make_algorithm("liar_unsat.py"), sat_cnf, cutoff=5)  # no known answer
    good = run(make_algorithm("echo_sat.py"), sat_cnf, cutoff=5)
    assert liar.status is RunStatus.UNSAT and good.status is RunStatus.SAT
    assert flag_contradictions([liar, good]) == [liar.key]
    assert flag_contradictions([liar]) == []


def test_missing_command_is_crash(sat_cnf):
    algo = Algorithm(name="nope", command=("/nonexistent/solver", "{instance}"))
    r = run(algo, sat_cnf)
    assert r.status is RunStatus.CRASH and "127" in r.message, r


def test_no_fault_solver_left_running(sat_cnf):
    """After all of the above: no process of any fault solver remains."""
    run(make_algorithm("echo_sat.py"), sat_cnf)
    left = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if str(FAULTS) in " ".join(p.info["cmdline"] or []) and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.Error:
            continue
    assert left == []


def _started_solver(harness: int, script: str) -> psutil.Process | None:
    """The descendant of ``harness`` that runs ``script`` itself, once it does.

    The run's root process execs setpriv, then the limits shell (whose ``$0`` is
    ``asc-run``), then the solver; both wrappers name the script in their arguments.
    Only when the solver itself runs is setpriv's death signal surely set, so a test
    that kills the harness earlier would test that race rather than the harness.
    """
    try:
        tree = psutil.Process(harness).children(recursive=True)
    except psutil.Error:
        return None
    for proc in tree:
        try:
            words = proc.cmdline()
        except psutil.Error:
            continue
        if any(script in w for w in words) and "asc-run" not in words and "--pdeathsig" not in words:
            return proc
    return None


@pytest.mark.skipif(not __import__("shutil").which("setpriv"), reason="needs util-linux setpriv for pdeathsig")
def test_solver_dies_with_a_killed_harness(sat_cnf, tmp_path):
    """SIGKILL the process running execute(): the solver it started does not live on."""
    import signal
    import subprocess
    import sys

    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from test_faults import *; "
            f"run(make_algorithm('sleeper.py'), Path({str(sat_cnf)!r}), cutoff=60, wall=60)")
    harness = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        solver = None
        while solver is None and time.monotonic() < deadline:
            time.sleep(0.1)
            solver = _started_solver(harness.pid, "sleeper.py")
        assert solver is not None, "the solver never started"
        harness.send_signal(signal.SIGKILL)
        harness.wait()
        gone_by = time.monotonic() + 5
        while alive(solver.pid) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not alive(solver.pid)
    finally:
        harness.kill()
