"""``asc solve``: real python-sat solvers through the harness runner, SAT-competition output."""

from __future__ import annotations

import dataclasses

import numpy as np

from selection_factories import instance, make_solver_scenario, make_split_scenario

SAT = "shared/satlib-uf50/uf50-01.cnf.xz"
UNSAT = "shared/satlib-uf50/uuf50-01.cnf.xz"
HARD_UNSAT = "generated/php-10-9.cnf.xz"      # about 3 s for minisat22


def test_sat_instance_prints_a_checked_model(run_cli, make_model_file):
    from asc.runs.check import check_model, read_formula

    path = instance(SAT)
    result = run_cli("solve", path, "--model", make_model_file("rf-regression", n_estimators=10),
                     "--cutoff-time", "60")
    assert result.code == 10, result.err
    lines = result.out.splitlines()
    assert lines[0] == "s SATISFIABLE"
    assert all(line.startswith("v ") and len(line) <= 78 for line in lines[1:])
    literals = np.array(" ".join(line[2:] for line in lines[1:]).split(), dtype=np.int64)
    assert literals[-1] == 0 and np.count_nonzero(literals == 0) == 1
    assert sorted(np.abs(literals[:-1]).tolist()) == list(range(1, 51))   # every variable, once
    assert check_model(read_formula(path), literals[:-1]).ok
    # stderr: the chosen solver and its times, as comment lines
    assert all(line.startswith("c ") for line in result.err.splitlines())
    assert "chosen by the model" in result.err and "CPU" in result.err and "wall" in result.err


def test_unsat_instance(run_cli, make_model_file):
    result = run_cli("solve", instance(UNSAT), "--model", make_model_file("pairwise-rf", n_estimators=10))
    assert result.code == 20, result.err
    assert result.out == "s UNSATISFIABLE\n"


def test_cutoff_gives_unknown(run_cli, make_model_file):
    result = run_cli("solve", instance(HARD_UNSAT), "--model", make_model_file("rf-regression", n_estimators=10),
                     "--cutoff-time", "1")
    assert result.code == 0, result.err
    assert result.out == "s UNKNOWN\n"
    assert "TIMEOUT" in result.err


def test_a_wrong_model_is_never_printed_as_sat(run_cli, make_model_file, tmp_path):
    # a real external "solver" that claims SAT with a model falsifying the formula,
    # defined under the model's algorithm names
    liar = tmp_path / "liar.py"
    liar.write_text("import sys\nprint('s SATISFIABLE')\nprint('v -1 -2 -3 -4 -5 0')\nsys.exit(10)\n")
    portfolio = tmp_path / "liars.toml"
    command = f'["{{python}}", "{liar}", "{{instance}}"]'
    portfolio.write_text("".join(f'[[algorithm]]\nname = "{name}"\ncommand = {command}\n\n'
                                 for name in ("minisat22", "glucose4", "cadical195")))
    result = run_cli("solve", instance(SAT), "--model", make_model_file("rf-regression", n_estimators=10),
                     "--portfolio", portfolio, "--cutoff-time", "30")
    assert result.code == 0, result.err
    assert result.out == "s UNKNOWN\n"
    assert "WRONG" in result.err


def test_corrupted_model_and_malformed_cnf(run_cli, make_model_file, tmp_path):
    bad_model = tmp_path / "bad.skops"
    bad_model.write_bytes(make_model_file("rf-regression", n_estimators=10).read_bytes()[:5000])
    bad_cnf = tmp_path / "bad.cnf"
    bad_cnf.write_text("p cnf 2 1\n1 2\n-1 0 3 0 junk\n")
    for args, expected in (((instance(SAT), "--model", bad_model), "corrupted or truncated"),
                           ((bad_cnf, "--model", make_model_file("rf-regression", n_estimators=10)), f"{bad_cnf}:")):
        result = run_cli("solve", *args)
        assert result.code == 2 and result.out == ""
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("asc: error: ") and expected in lines[0], result.err


def test_pre_solving_schedule_runs_first(run_cli, tmp_path):
    from selection_factories import make_solver_scenario

    from asc.models.files import save_model, train_model

    model = train_model(make_solver_scenario(), "satzilla", seed=1, selector__n_estimators=5)
    model.selector.schedule_ = [("glucose4", 5.0)]      # as if learned: glucose4 for 5 s before the features
    path = save_model(model, tmp_path / "scheduled.skops")
    shown = run_cli("select", instance(SAT), "--model", path)
    assert "pre-solving schedule (run first by 'asc solve'): glucose4 5 s" in shown.out
    result = run_cli("solve", instance(SAT), "--model", path, "--cutoff-time", "30")
    assert result.code == 10 and result.out.startswith("s SATISFIABLE\n"), result.err
    assert "running glucose4 (pre-solving slot of 5 s), CPU limit 5.00 s" in result.err
    assert "answer by glucose4" in result.err and "features:" not in result.err   # solved before the features


def test_a_crashing_choice_hands_over_to_the_backup_solver(run_cli, tmp_path):
    import dataclasses

    from selection_factories import make_solver_scenario

    from asc.models.files import save_model, train_model

    model = train_model(make_solver_scenario(), "rf-regression", seed=1, n_estimators=5)
    # the model chooses minisat22 on every real instance; make glucose4 its backup
    path = save_model(dataclasses.replace(model, info=dataclasses.replace(model.info, backup="glucose4")),
                      tmp_path / "m.skops")
    crasher = tmp_path / "crash.py"
    crasher.write_text("import sys\nprint('c giving up')\nsys.exit(3)\n")
    portfolio = tmp_path / "p.toml"
    portfolio.write_text(f'[[algorithm]]\nname = "minisat22"\ncommand = ["{{python}}", "{crasher}", "{{instance}}"]\n\n'
                         '[[algorithm]]\nname = "glucose4"\npysat = "glucose4"\n\n'
                         '[[algorithm]]\nname = "cadical195"\npysat = "cadical195"\n')
    result = run_cli("solve", instance(UNSAT), "--model", path, "--portfolio", portfolio, "--cutoff-time", "30")
    assert result.code == 20 and result.out == "s UNSATISFIABLE\n", result.err
    assert "minisat22: CRASH" in result.err
    assert "running glucose4 (backup solver after the chosen one failed)" in result.err


def test_presolved_instance_is_still_answered_by_a_solver(run_cli, make_model_file):
    result = run_cli("solve", instance("shared/satch-crafted/false.cnf.xz"), "--model",
                     make_model_file("rf-regression", n_estimators=10))
    assert result.code == 20 and result.out == "s UNSATISFIABLE\n", result.err
    assert "decided UNSAT by unit propagation" in result.err


def test_plan_slots_fill_the_budget_and_the_last_slot_gets_the_rest():
    from asc.cli.solve import plan_slots

    plan = [("a", 20.0), ("b", 80.0)]             # learned under a 100 s cutoff
    assert plan_slots(plan, 50.0, limited=True) == [("a", 10.0), ("b", 50.0)]
    # no budget: the learned lengths, the last slot unlimited
    assert plan_slots(plan, 1e9, limited=False) == [("a", 20.0), ("b", 1e9)]
    assert plan_slots([("a", 100.0)], 7.0, limited=True) == [("a", 7.0)]


def test_sunny_model_runs_the_instance_schedule(run_cli, tmp_path):
    from asc.models.files import save_model, train_model

    # k = every training instance: the neighbourhood needs both minisat22 and glucose4
    model = train_model(make_split_scenario(), "sunny", seed=0, n_neighbors=30, max_portfolio=2)
    path = save_model(model, tmp_path / "sunny.skops")
    selected = run_cli("select", instance(UNSAT), "--model", path, "--format", "json")
    assert selected.code == 0, selected.err
    import json

    plan = json.loads(selected.out)["plan"]
    assert [p["algorithm"] for p in plan] in (["minisat22", "glucose4"], ["glucose4", "minisat22"])
    assert abs(sum(p["seconds"] for p in plan) - 100.0) < 1e-9
    text = run_cli("select", instance(UNSAT), "--model", path)
    assert "schedule after the features" in text.out
    result = run_cli("solve", instance(UNSAT), "--model", path, "--cutoff-time", "60")
    assert result.code == 20, result.err
    assert result.out == "s UNSATISFIABLE\n"
    # uuf50 takes milliseconds: the first slot answers
    assert f"running {plan[0]['algorithm']} (slot 1 of 2" in result.err


def test_pipeline_model_runs_its_runner_up_slot_first(run_cli, tmp_path):
    import json

    from asc.models.files import save_model, train_model

    # minisat22 solves in 3 s except on a random third of the instances, where only glucose4 does (in 1 s):
    # nothing in the features says where, so the pipeline learns a short glucose4/minisat22 runner-up slot
    scenario = make_solver_scenario(n_instances=60, seed=1)
    rescued = np.random.default_rng(101).random(60) < 1 / 3
    runs = scenario.runs.copy()
    hit = runs["instance_id"].isin(set(np.array(scenario.instances)[rescued]))
    a, b = runs["algorithm"] == "minisat22", runs["algorithm"] == "glucose4"
    runs.loc[hit & a, ["runtime", "runstatus"]] = [100.0, "timeout"]
    runs.loc[hit & b, ["runtime", "runstatus"]] = [1.0, "ok"]
    runs.loc[~hit & a, ["runtime", "runstatus"]] = [3.0, "ok"]
    runs.loc[~hit & b, ["runtime", "runstatus"]] = [100.0, "timeout"]
    model = train_model(dataclasses.replace(scenario, runs=runs), "rf-regression+presolve", seed=0,
                        presolve_budget=0)
    assert model.selector.runner_ups_ >= 1
    path = save_model(model, tmp_path / "pipeline.skops")
    selected = run_cli("select", instance(UNSAT), "--model", path, "--format", "json")
    assert selected.code == 0, selected.err
    plan = json.loads(selected.out)["plan"]
    assert len(plan) == model.selector.runner_ups_ + 1
    assert plan[-1]["algorithm"] == json.loads(selected.out)["algorithm"]
    assert abs(sum(p["seconds"] for p in plan) - 100.0) < 1e-9
    result = run_cli("solve", instance(UNSAT), "--model", path, "--cutoff-time", "60")
    assert result.code == 20, result.err
    assert result.out == "s UNSATISFIABLE\n"
    assert f"running {plan[0]['algorithm']} (slot 1 of {len(plan)}" in result.err
