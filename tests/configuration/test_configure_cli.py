"""``asc configure`` end to end: result, rerun, kill -9 and resume, bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from asc.portfolios import load_portfolio

PROJECT = Path(__file__).resolve().parents[2]


def make_args(portfolio, train, out, db, *extra):
    return ["configure", "--portfolio", str(portfolio), "--algorithm", "fake", "--instances", str(train),
            "--cutoff-time", "2", "--mem-limit", "1024", "-o", str(out), "--db", str(db), "--no-features",
            *map(str, extra)]


def test_configure_validates_writes_a_portfolio_and_a_finished_run_prints_its_result(
        tmp_path, run_cli, make_instances, make_fake_portfolio):
    port, train, test = make_fake_portfolio(), make_instances("train", 3), make_instances("test", 3, seed0=10)
    out, db = tmp_path / "RESULT.toml", tmp_path / "runs.sqlite"
    # a trial cap ends the search (not the clock), so a loaded machine does not change the outcome
    args = make_args(port, train, out, db, "--budget", "600", "--trials", "25", "--test-instances", test,
                     "--format", "json")
    res = run_cli(*args)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    v = data["validation"]
    assert v["instances"] == 3 and v["default_solved"] == v["configured_solved"] == 3
    assert v["configured_par10"] < v["default_par10"] and v["faster"] == 3
    assert v["speedup_geomean"] > 1.5 and v["par10_ratio"] > 1.5
    assert "incumbent PAR10" in res.err  # progress lines on stderr
    port2 = load_portfolio(out)
    assert port2["fake-configured"].config == data["incumbent"]
    assert (tmp_path / "RESULT.png").read_bytes()[:4] == b"\x89PNG"
    with sqlite3.connect(db) as con:
        runs = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    # asked again: the finished search prints its result and runs nothing
    again = run_cli(*args)
    assert again.code == 0 and json.loads(again.out)["incumbent"] == data["incumbent"]
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == runs


def _solver_pids(marker: str) -> list[int]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any(marker in part for part in (p.info["cmdline"] or [])) and "param_solver.py" in " ".join(
                    p.info["cmdline"] or []):
                out.append(p.pid)
        except psutil.Error:
            pass
    return out


def test_kill_9_then_the_same_command_continues_with_no_trial_lost_or_repeated(
        tmp_path, make_instances, make_fake_portfolio):
    port, train = make_fake_portfolio(), make_instances("train", 3)
    out, db = tmp_path / "RESULT.toml", tmp_path / "runs.sqlite"
    # a trial cap, not the clock, ends the search: under load a 12 s budget could end before the kill
    cmd = [sys.executable, "-m", "asc", *make_args(port, train, out, db, "--budget", "600", "--trials", "12",
                                                   "--format", "json", "--no-progress")]
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 6:
        time.sleep(0.3)
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                    stored = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.Error:
                pass
    assert stored >= 6, proc.stderr.read().decode() if proc.poll() is not None else "too slow"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    time.sleep(1.0)
    assert _solver_pids(str(train)) == []  # the solver in flight died with the harness
    with sqlite3.connect(db) as con:
        before = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    state = json.loads((tmp_path / "RESULT.toml.state.json").read_text())
    assert 0 < state["elapsed"] < 600 and state["result"] is None
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    t = data["training"]
    with sqlite3.connect(db) as con:
        after = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert t["replayed"] >= before  # every stored trial was told to SMAC: none lost
    assert after == before + t["ran"]  # every new trial is a new key: none repeated
    assert t["ran"] > 0
    assert "Overwrite" not in done.stdout + done.stderr  # no SMAC prompt


@pytest.mark.parametrize("change, message", [
    (["--algorithm", "nosuch"], "no algorithm 'nosuch'"),
    (["--algorithm", "plain"], "no parameters to configure"),
    (["--budget", "nan"], "--budget"),
    (["--budget", "-5"], "--budget"),
    (["--budget", "inf"], "--budget"),
    (["--cutoff-time", "0"], "--cutoff-time"),
    (["--mem-limit", "nan"], "--mem-limit"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, run_cli, make_instances, make_fake_portfolio, change, message):
    port, train = make_fake_portfolio(), make_instances("train", 1)
    args = make_args(port, train, tmp_path / "R.toml", tmp_path / "runs.sqlite", "--budget", "5")
    i = args.index(change[0]) if change[0] in args else None
    if i is not None:
        args[i + 1] = change[1]
    else:
        args += change
    res = run_cli(*args)
    assert res.code == 2
    assert message in res.err and len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err
    assert not (tmp_path / "R.toml").exists()


def test_bad_instance_sets_and_outputs_are_refused(tmp_path, run_cli, make_instances, make_fake_portfolio):
    port, train = make_fake_portfolio(), make_instances("train", 1)
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.cnf").write_text("p cnf 2 1\n1 zz 0\n")
    cases = [
        (make_args(port, empty, tmp_path / "R.toml", tmp_path / "db.sqlite", "--budget", "5"), str(empty)),
        (make_args(port, tmp_path / "missing", tmp_path / "R.toml", tmp_path / "db.sqlite", "--budget", "5"),
         "missing"),
        (make_args(port, bad, tmp_path / "R.toml", tmp_path / "db.sqlite", "--budget", "5"), "x.cnf"),
        (make_args(port, train, tmp_path / "R.toml", tmp_path / "db.sqlite", "--budget", "5", "--test-instances",
                   empty), str(empty)),
        (make_args(port, train, port, tmp_path / "db.sqlite", "--budget", "5"), "would overwrite"),
    ]
    text = port.read_text()
    for args, needle in cases:
        res = run_cli(*args)
        assert res.code == 2, (args, res.err)
        assert needle in res.err and len(res.err.strip().splitlines()) == 1, res.err
    assert port.read_text() == text  # nothing lost
    assert not (tmp_path / "R.toml").exists()


def test_overlapping_train_and_test_sets_warn(tmp_path, run_cli, make_instances, make_fake_portfolio):
    port, train = make_fake_portfolio(), make_instances("train", 2)
    res = run_cli(*make_args(port, train, tmp_path / "R.toml", tmp_path / "runs.sqlite", "--budget", "2",
                             "--test-instances", train, "--no-progress"))
    assert res.code == 0, res.err
    assert "warning: 2 of the 2 test instances are also training instances" in res.err


def test_scheduler_sends_trials_and_validation_to_a_dask_cluster(tmp_path, run_cli, make_instances,
                                                                  make_fake_portfolio):
    from distributed import Client, LocalCluster

    port, train, test = make_fake_portfolio(), make_instances("train", 2), make_instances("test", 2, seed0=20)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        res = run_cli(*make_args(port, train, tmp_path / "R.toml", tmp_path / "runs.sqlite", "--budget", "4",
                                 "--test-instances", test, "--scheduler", cluster.scheduler_address,
                                 "--format", "json", "--no-progress"))
        assert res.code == 0, res.err
        # the cluster's worker ran every trial and every validation run
        ran_there = client.run_on_scheduler(
            lambda dask_scheduler: {name: sum(tp.state_counts.values())
                                    for name, tp in dask_scheduler.task_prefixes.items()})
    data = json.loads(res.out)
    assert data["training"]["ran"] > 0 and data["validation"]["instances"] == 2
    assert ran_there.get("execute", 0) >= data["training"]["ran"] + 2, ran_there


def test_hydra_builds_complementary_members_whose_virtual_best_beats_the_best_single(
        tmp_path, run_cli, make_instances, make_fake_portfolio):
    # half the instances want mode a, half mode c: no one configuration is best on all
    port = make_fake_portfolio()
    train = make_instances("train", 4, nvars=5, modes=("a", "c"))
    test = make_instances("test", 4, seed0=30, nvars=5, modes=("a", "c"))
    out = tmp_path / "H.toml"
    # a space of six configurations: each search ends when it has run all of them on every
    # instance, so what Hydra picks does not depend on the machine's load
    args = make_args(port, train, out, tmp_path / "runs.sqlite", "--budget", "600", "--hydra", "2",
                     "--test-instances", test, "--format", "json", "--no-progress")
    args[args.index("fake")] = "duo"
    res = run_cli(*args)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    members = data["hydra"]["members"]
    assert [m["name"] for m in members] == ["duo-hydra1", "duo-hydra2"]
    assert {m["configuration"]["mode"] for m in members} == {"a", "c"}  # complements, not copies
    assert all(m["configuration"]["luby"] is True for m in members)
    assert data["hydra"]["train_vbs_par10"] < min(m["train_par10"] for m in members)
    v = data["validation"]
    assert v["members_vbs_par10"] < v["best_single_par10"] < v["default_par10"]
    port2 = load_portfolio(out)
    assert port2.names == ["duo", "duo-hydra1", "duo-hydra2"]
    assert [port2[m["name"]].config for m in members] == [m["configuration"] for m in members]


@pytest.mark.slow
def test_result_toml_goes_through_collect_train_select_and_solve(tmp_path, run_cli, make_instances,
                                                               make_fake_portfolio):
    port, train = make_fake_portfolio(), make_instances("train", 3)
    out = tmp_path / "R.toml"
    res = run_cli(*make_args(port, train, out, tmp_path / "c.sqlite", "--budget", "600", "--trials", "15",
                             "--no-progress"))
    assert res.code == 0, res.err
    db, model = tmp_path / "r.sqlite", tmp_path / "m.skops"
    assert run_cli("collect", "--portfolio", out, "--instances", train, "--cutoff-time", "2", "--db", db,
                   "--no-progress").code == 0
    trained = run_cli("train", db, "-o", model, "--selector", "sbs")
    assert trained.code == 0, trained.err
    instance = sorted(train.iterdir())[0]
    chosen = run_cli("select", "--model", model, instance, "--format", "json")
    assert chosen.code == 0 and json.loads(chosen.out)["algorithm"] == "fake-configured"
    solved = run_cli("solve", "--model", model, "--portfolio", out, instance, "--cutoff-time", "5")
    assert solved.code == 10 and "s SATISFIABLE" in solved.out


@pytest.mark.slow  # about 5 minutes on a loaded 2-core machine: two full Hydra iterations on 10 instances
def test_hydra_trains_a_selector_over_its_members_that_beats_the_best_single_held_out(
        tmp_path, run_cli, make_fake_portfolio):
    from config_factories import write_planted_cnf

    from asc.models.files import load_model

    # instances that want mode a have 5 variables, those that want mode c have 8: the
    # features tell them apart, so a selector can do what no single member does
    def family(folder: str, n: int, seed0: int) -> Path:
        d = tmp_path / folder
        d.mkdir()
        for i in range(n):
            nvars, mode = (5, "a") if i % 2 else (8, "c")
            write_planted_cnf(d / f"p{seed0 + i}.cnf", nvars, 4 * nvars, seed0 + i, best_mode=mode)
        return d

    port, train, test = make_fake_portfolio(), family("train", 10, 0), family("test", 4, 50)
    out = tmp_path / "H.toml"
    args = make_args(port, train, out, tmp_path / "runs.sqlite", "--budget", "900", "--hydra", "2",
                     "--test-instances", test, "--format", "json", "--no-progress")
    args[args.index("fake")] = "duo"
    res = run_cli(*args)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert {m["configuration"]["mode"] for m in data["hydra"]["members"]} == {"a", "c"}
    sel, v = data["selector"], data["validation"]
    assert sel["selector"] != "sbs" and sel["cv_par10"][sel["selector"]] < sel["cv_par10"]["sbs"]
    # held out, charged its feature cost: below the best single member, not below the oracle
    assert v["members_vbs_par10"] <= sel["held_out_par10"] < v["best_single_par10"]
    assert sel["selector_beats_best_single"] is True
    assert sum(sel["held_out_choices"].values()) == 4 and len(sel["held_out_choices"]) == 2
    model = load_model(sel["model"])
    assert Path(sel["model"]).parent == tmp_path and set(model.info.algorithms) == {"duo-hydra1", "duo-hydra2"}
    assert "selector" in out.read_text()
