"""``asc collect`` and ``asc runs`` on the command line: bad input is one line, exit 2."""

from __future__ import annotations

import pytest


def test_missing_portfolio_is_one_line(run_cli, tmp_path):
    res = run_cli("collect", "--portfolio", tmp_path / "nope.toml", "--instances", tmp_path,
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2
    assert "nope.toml" in res.err and "portfolio" in res.err
    assert "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1


def test_empty_instance_dir_and_bad_list(run_cli, tmp_path):
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("# not read: the instances are checked first\n")
    (tmp_path / "empty").mkdir()
    res = run_cli("collect", "--portfolio", portfolio, "--instances", tmp_path / "empty",
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2 and "empty" in res.err and "found none" in res.err
    lst = tmp_path / "list.txt"
    lst.write_text("a.cnf\n")
    res = run_cli("collect", "--portfolio", portfolio, "--instances", lst,
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2 and f"{lst}:1" in res.err
    assert "Traceback" not in res.err


def test_bad_limits_and_missing_store(run_cli, tmp_path):
    res = run_cli("collect", "--portfolio", tmp_path / "p.toml", "--instances", tmp_path,
                  "--cutoff-time", "0", "--mem-limit", "100")
    assert res.code == 2 and "positive" in res.err
    res = run_cli("runs", "summary", "--db", tmp_path / "missing.sqlite")
    assert res.code == 2 and "missing.sqlite" in res.err
    res = run_cli("runs", "export", "--db", tmp_path / "missing.sqlite")
    assert res.code == 2 and "--aslib" in res.err


def _bundled_subset(tmp_path, names):
    """A list file naming a few bundled instances (their manifest gives expected answers)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "instances"
    lst = tmp_path / "instances.txt"
    lst.write_text("".join(f"{root / n}\n" for n in names))
    return lst


def test_sigkill_mid_campaign_loses_and_repeats_nothing(asc_exe, tmp_path):
    """SIGKILL the harness while it writes, rerun: finished runs stay, none is run twice."""
    import json
    import signal
    import sqlite3
    import subprocess
    import time

    import pytest

    pytest.importorskip("asc.runs.runner")
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n'
                                 for a in ("minisat22", "glucose4", "cadical195", "maplechrono")))
    lst = _bundled_subset(tmp_path, ["generated/php-8-7.cnf.xz", "generated/subsetcard-8-s1.cnf.xz",
                                     "generated/tseitin-grid4x6.cnf.xz", "generated/parity-9.cnf.xz"])
    db = tmp_path / "runs.sqlite"
    cmd = [*asc_exe, "collect", "--portfolio", str(portfolio), "--instances", str(lst), "--cutoff-time", "5",
           "--mem-limit", "1024", "--jobs", "2", "--db", str(db), "--no-progress", "--format", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                count = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                continue  # schema not created yet
        if count >= 4:
            break
    assert proc.poll() is None, "the campaign ended before it could be killed: make it longer"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = {tuple(r[:5]): r[5:] for r in con.execute(
        "SELECT instance_hash, algorithm, configuration, seed, repetition, started_at, ended_at, status FROM runs")}
    con.close()
    assert len(before) >= 4

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["skipped"] == len(before)  # nothing finished was lost ...
    assert report["stored"] == report["planned"] - len(before)  # ... or run again

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = {tuple(r[:5]): r[5:] for r in con.execute(
        "SELECT instance_hash, algorithm, configuration, seed, repetition, started_at, ended_at, status FROM runs")}
    con.close()
    assert len(after) == report["planned"]
    assert all(after[k] == v for k, v in before.items())  # the same measurements, not re-runs


def test_sigterm_stores_the_runs_in_flight_and_exits_130(asc_exe, tmp_path):
    """SIGTERM (a cluster job's end, like Ctrl-C) stops submitting, stores runs in flight, exits."""
    import json
    import signal
    import sqlite3
    import subprocess
    import time

    import pytest

    pytest.importorskip("asc.runs.runner")
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n'
                                 for a in ("minisat22", "glucose4", "cadical195", "maplechrono")))
    lst = _bundled_subset(tmp_path, ["generated/php-8-7.cnf.xz", "generated/subsetcard-8-s1.cnf.xz",
                                     "generated/tseitin-grid4x6.cnf.xz", "generated/parity-9.cnf.xz"])
    db = tmp_path / "runs.sqlite"
    cmd = [*asc_exe, "collect", "--portfolio", str(portfolio), "--instances", str(lst), "--cutoff-time", "5",
           "--mem-limit", "1024", "--jobs", "2", "--db", str(db), "--no-progress", "--format", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            n = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            con.close()
        except sqlite3.OperationalError:
            continue
        if n >= 2:
            break
    assert proc.poll() is None, "the campaign ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    con = sqlite3.connect(db)
    stored = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    con.close()
    assert 2 <= stored < 16
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    assert report["skipped"] == stored and report["skipped"] + report["stored"] == report["planned"] == 16


def test_collect_and_features_take_the_same_instances(run_cli, tmp_path):
    """One naming rule: `asc collect` runs exactly the files `asc features` computes features of."""
    import csv
    import io
    import json
    import lzma

    root = tmp_path / "set"
    (root / "sub").mkdir(parents=True)
    for i, name in enumerate(("a.cnf", "b.DIMACS", "sub/c.dimacs.xz", "sub/d.cnf.xz", "notes.txt", "e.cnf.zip")):
        formula = f"p cnf {i + 2} 2\n1 {i + 2} 0\n-1 0\n".encode()  # distinct contents: distinct instances
        data = lzma.compress(formula) if name.endswith(".xz") else formula
        (root / name).write_bytes(data)
    portfolio = tmp_path / "p.toml"
    portfolio.write_text('[[algorithm]]\nname = "m22"\npysat = "minisat22"\n')

    res = run_cli("features", root, "--steps", "Pre")
    assert res.code == 0, res.err
    featured = {row["instance_id"] for row in csv.DictReader(io.StringIO(res.out))}
    db = tmp_path / "runs.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", root, "--cutoff-time", "10",
                  "--mem-limit", "1024", "--db", db, "--no-progress")
    assert res.code == 0, res.err
    res = run_cli("runs", "export", "--db", db, "--csv", tmp_path / "runs.csv")
    assert res.code == 0, res.err
    with open(tmp_path / "runs.csv", newline="") as fh:
        collected = {row["instance_id"] for row in csv.DictReader(fh)}
    assert featured == collected == {"a.cnf", "b.DIMACS", "sub/c.dimacs.xz", "sub/d.cnf.xz"}

    # a single file named on the command line: an instance for both, never a list file
    one = root / "sub" / "c.dimacs.xz"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", one, "--cutoff-time", "10",
                  "--mem-limit", "1024", "--db", tmp_path / "one.sqlite", "--no-progress", "--format", "json")
    assert res.code == 0, res.err
    assert json.loads(res.out)["planned"] == 1


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_a_second_interrupt_abandons_the_runs_in_flight_at_once(asc_exe, tmp_path, signame):
    """The first interrupt waits for the runs in flight; the second kills them, stores nothing, exits 130."""
    import signal
    import sqlite3
    import subprocess
    import time
    from pathlib import Path

    import psutil
    from child_signals import sigint_as_on_a_terminal

    family = Path(__file__).resolve().parents[1] / "runs" / "fault_solvers" / "family.py"
    cnf = tmp_path / "one.cnf"
    cnf.write_text("p cnf 1 1\n1 0\n")
    pidfiles = [tmp_path / "a.pids", tmp_path / "b.pids"]
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("".join(
        f'[[algorithm]]\nname = "{p.stem}"\ncommand = ["{{python}}", "{family}", "{{instance}}", "{p}"]\n\n'
        for p in pidfiles))
    db = tmp_path / "runs.sqlite"
    # the runs never end by themselves within the test: 60 s of CPU, 310 s of wall clock
    cmd = [*asc_exe, "collect", "--portfolio", str(portfolio), "--instances", str(cnf), "--cutoff-time", "60",
           "--mem-limit", "512", "--jobs", "2", "--db", str(db), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_as_on_a_terminal)

    def pids() -> list[int]:
        return [int(x) for p in pidfiles if p.exists() for x in p.read_text().split()]

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    try:
        deadline = time.monotonic() + 60
        while len(pids()) < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert len(pids()) == 6, "the runs never started"
        sig = getattr(signal, signame)
        proc.send_signal(sig)
        time.sleep(1.5)
        assert proc.poll() is None, "the first interrupt must let the runs in flight finish"
        assert all(alive(p) for p in pids())
        t0 = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert time.monotonic() - t0 < 10, "the second interrupt must not wait for the runs' limits"
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert "killed 2" in err and "nothing is stored" in err, err
        gone_by = time.monotonic() + 5
        while any(alive(p) for p in pids()) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not [p for p in pids() if alive(p)]
        con = sqlite3.connect(db)
        assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0  # they run again on resume
        con.close()
    finally:
        proc.kill()
        for p in pids():
            if alive(p):
                psutil.Process(p).kill()
