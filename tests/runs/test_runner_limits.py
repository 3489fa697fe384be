"""The OS layer of the limits: what a solver process actually sees."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile

import pytest

from asc.runs.limits import Limits, os_limit_prefix, run_limited

PROBE = ("import json, os, resource; print(json.dumps({'cpu': resource.getrlimit(resource.RLIMIT_CPU), "
         "'as': resource.getrlimit(resource.RLIMIT_AS), 'fsize': resource.getrlimit(resource.RLIMIT_FSIZE), 'sid': os.getsid(0), 'pid': os.getpid(), "
         "'pgid': os.getpgid(0)}))")


def _probe(limits: Limits) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        m = run_limited([sys.executable, "-c", PROBE], limits, out, err)
        out.seek(0)
        err.seek(0)
        assert m.returncode == 0, err.read()
        return json.loads(out.read())


def test_cpu_and_address_space_limits_are_set_in_the_child():
    seen = _probe(Limits(cpu_time=3.2, wall_time=30, memory_mb=700))
    # soft CPU limit one second past the rounded-up cutoff (SIGXCPU), hard one more (SIGKILL)
    assert seen["cpu"] == [5, 6]
    assert seen["as"] == [700 * 2**20, 700 * 2**20]


def test_output_limit_bounds_every_file_the_command_writes():
    seen = _probe(Limits(cpu_time=5, wall_time=30, output_mb=3))
    assert seen["fsize"] == [3 * 2**20, 3 * 2**20]


def test_child_runs_in_its_own_session_and_group():
    seen = _probe(Limits(cpu_time=5, wall_time=30))
    assert seen["sid"] == seen["pid"] == seen["pgid"]
    assert seen["as"][0] == -1 or seen["as"][0] > 2**40  # no memory limit asked: none set


def test_measurement_of_a_quick_command():
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        m = run_limited(["sh", "-c", "exit 7"], Limits(cpu_time=5, wall_time=30), out, err)
    assert m.returncode == 7 and m.killed_for is None and m.kill_latency is None
    assert 0 <= m.cpu_time < 1 and 0 < m.wall_time < 10 and m.started_at <= m.ended_at


@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs util-linux setpriv for pdeathsig")
def test_an_orphaned_run_stops_before_its_command(tmp_path):
    """The limits prefix runs its command only while its parent is the process that built it.

    An orphan stands for a harness killed before setpriv set the death signal: the
    prefix's shell then has another parent. Started through an extra forking shell,
    the command never runs; exec'ed from here, it does.
    """
    marker = tmp_path / "ran"
    prefix = os_limit_prefix(Limits(cpu_time=5, wall_time=30))
    forked = subprocess.run(["sh", "-c", '"$@"; exit $?', "fork", *prefix, "touch", str(marker)])
    assert forked.returncode != 0 and not marker.exists()
    direct = subprocess.run([*prefix, "touch", str(marker)])
    assert direct.returncode == 0 and marker.exists()
