"""Nothing of a run outlives a killed harness: no process of its tree, no scratch folder.

The harness is a real process (the runner in a subprocess, or ``asc collect``) killed
with SIGKILL while its solver, the solver's sleeping child and their CPU-bound
grandchild run (``fault_solvers/family.py``); the death signal of the solver's root
alone leaves the child and grandchild running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

HERE = Path(__file__).resolve().parent
FAMILY = HERE / "fault_solvers" / "family.py"

#: Seconds the test gives the processes of a killed harness's runs to be gone.
GONE_WITHIN = 5.0


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def make_cnf(tmp_path: Path) -> Path:
    cnf = tmp_path / "one.cnf"
    cnf.write_text("p cnf 1 1\n1 0\n")
    return cnf


def wait_for_pids(pidfiles: list[Path], each: int, harness: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and harness.poll() is None:
        counts = [len(p.read_text().split()) if p.exists() else 0 for p in pidfiles]
        if all(c >= each for c in counts):
            return [int(x) for p in pidfiles for x in p.read_text().split()]
        time.sleep(0.05)
    raise AssertionError(f"the runs never started (harness exit {harness.poll()})")


def assert_nothing_left(harness: subprocess.Popen, pids: list[int], owners: list[int] | None = None) -> None:
    """SIGKILL the harness; its runs' processes and the scratch folders of ``owners`` (the harness) go."""
    owners = owners or [harness.pid]
    harness.send_signal(signal.SIGKILL)
    harness.wait()
    deadline = time.monotonic() + GONE_WITHIN
    while time.monotonic() < deadline and (any(alive(p) for p in pids) or any(scratch(o) for o in owners)):
        time.sleep(0.05)
    survivors = [p for p in pids if alive(p)]
    assert survivors == [], f"{len(survivors)} of {len(pids)} processes of the runs outlived the harness"
    assert [f for o in owners for f in scratch(o)] == []


def kill_left(pidfiles: list[Path]) -> None:
    """Whatever the test found, leave no process of it to the next test."""
    for p in pidfiles:
        for pid in (p.read_text().split() if p.exists() else []):
            if alive(int(pid)):
                os.kill(int(pid), signal.SIGKILL)


def scratch(pid: int) -> list[Path]:
    """The scratch folders named after harness process ``pid``."""
    return list(Path(tempfile.gettempdir()).glob(f"asc-run-{pid}-*"))


@pytest.mark.parametrize("detach", [False, True], ids=["in-session", "child-left-the-session"])
def test_no_process_of_a_run_outlives_a_killed_runner(tmp_path, detach):
    cnf = make_cnf(tmp_path)
    pidfile = tmp_path / "pids"
    extra = ", 'detach'" if detach else ""
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); from test_faults import *; "
            f"run(make_algorithm('family.py', {str(pidfile)!r}{extra}), Path({str(cnf)!r}), cutoff=60, wall=60)")
    harness = subprocess.Popen([sys.executable, "-c", code])
    try:
        pids = wait_for_pids([pidfile], 3, harness)
        if detach:
            time.sleep(0.5)  # the monitor's samples see the processes that left the session
        assert scratch(harness.pid), "the run's scratch folder is named after its harness"
        assert_nothing_left(harness, pids)
    finally:
        harness.kill()
        kill_left([pidfile])


@pytest.mark.parametrize("pool", ["thread", "process"])
def test_no_process_of_a_campaign_outlives_a_killed_collect(asc_exe, tmp_path, pool):
    cnf = make_cnf(tmp_path)
    pidfiles = [tmp_path / "a.pids", tmp_path / "b.pids"]
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("".join(
        f'[[algorithm]]\nname = "{p.stem}"\ncommand = ["{{python}}", "{FAMILY}", "{{instance}}", "{p}"]\n\n'
        for p in pidfiles))
    cmd = [*asc_exe, "collect", "--portfolio", str(portfolio), "--instances", str(cnf), "--cutoff-time", "60",
           "--mem-limit", "512", "--jobs", "2", "--db", str(tmp_path / "runs.sqlite"), "--no-progress",
           "--pool", pool]
    harness = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pids = wait_for_pids(pidfiles, 3, harness)
        # one folder per worker thread, named after the harness, or per worker process, after the worker
        owners = [harness.pid] if pool == "thread" else [p.pid for p in psutil.Process(harness.pid).children()
                                                         if scratch(p.pid)]
        assert sum(len(scratch(o)) for o in owners) == 2
        assert_nothing_left(harness, pids, owners)
    finally:
        harness.kill()
        kill_left(pidfiles)


def test_scratch_folders_of_dead_harnesses_are_removed_by_the_next(tmp_path):

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = Path(tempfile.mkdtemp(prefix=f"asc-run-{gone.pid}-"))
    (stale / "left.txt").write_text("a solver's file")
    live = Path(tempfile.mkdtemp(prefix=f"asc-run-{os.getppid()}-"))  # a live owner that started before it
    try:
        code = ("import sys; from pathlib import Path; from asc.portfolios import Algorithm; "
                "from asc.runs.runner import RunRequest, execute; "
                f"a = Algorithm(name='t', command=('true',)); "
                f"print(execute(RunRequest({str(make_cnf(tmp_path))!r}, 'h', a, 1, 1, 5.0)).status.value)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(HERE.parents[1])})
        assert done.returncode == 0, done.stderr
        if alive(gone.pid):
            pytest.skip("the dead harness's pid was reused")
        assert not stale.exists()
        assert live.is_dir()
    finally:
        import shutil

        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(live, ignore_errors=True)
