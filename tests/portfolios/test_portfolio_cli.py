"""``asc portfolio check`` / ``show`` on real solvers and on a portfolio with a broken algorithm."""

from __future__ import annotations

import json
from pathlib import Path

FAULTS = Path(__file__).resolve().parents[1] / "runs" / "fault_solvers"


def make_portfolio(tmp_path: Path) -> Path:
    p = tmp_path / "mixed.toml"
    p.write_text(f'''
[[algorithm]]
name = "minisat22"
pysat = "minisat22"

[[algorithm]]
name = "cadical195-neg"
base = "cadical195"
[algorithm.parameters]
phase = {{ type = "categorical", choices = ["solver", "pos", "neg", "random"] }}
[algorithm.configuration]
phase = "neg"

[[algorithm]]
name = "liar"
command = ["{{python}}", "{FAULTS / 'liar_unsat.py'}", "{{instance}}"]

[[algorithm]]
name = "missing-binary"
command = "/nonexistent/solver {{instance}}"
''')
    return p


def test_check_reports_what_works_and_exits_1(run_cli, tmp_path):
    res = run_cli("portfolio", "check", make_portfolio(tmp_path), "--format", "json", "--jobs", "2")
    assert res.code == 1, res.err
    data = json.loads(res.out)
    rows = {r["algorithm"]: r for r in data["algorithms"]}
    assert data["works"] == 2 and data["total"] == 4
    assert rows["minisat22"]["works"] and rows["cadical195-neg"]["works"]
    assert rows["cadical195-neg"]["configuration"] == "-phase neg"
    assert rows["liar"]["sat_status"] == "WRONG" and rows["liar"]["unsat_status"] == "UNSAT"
    assert rows["missing-binary"]["sat_status"] == "CRASH" and not rows["missing-binary"]["works"]


def test_check_table_and_exit_0_when_all_work(run_cli, tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text('[[algorithm]]\nname = "g4"\npysat = "glucose4"\n[[algorithm]]\nname = "lgl"\npysat = "lingeling"\n')
    res = run_cli("portfolio", "check", p)
    assert res.code == 0, res.out + res.err
    assert "2 of 2 algorithms work" in res.out and "g4" in res.out
    assert "checking" in res.err  # progress on stderr, results on stdout


def test_bad_portfolio_is_exit_2_one_line(run_cli, tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[algorithm]]\nname = "a"\npysat = "nosuch"\n')
    res = run_cli("portfolio", "check", p)
    assert res.code == 2 and res.out == ""
    assert len(res.err.strip().splitlines()) == 1 and "bad.toml:3" in res.err and "nosuch" in res.err


def test_show_lists_algorithms(run_cli, tmp_path):
    res = run_cli("portfolio", "show", make_portfolio(tmp_path), "--format", "json")
    assert res.code == 0
    algos = json.loads(res.out)["algorithms"]
    assert [a["algorithm"] for a in algos] == ["minisat22", "cadical195-neg", "liar", "missing-binary"]
    assert algos[1]["base"] == "cadical195" and algos[1]["kind"] == "pysat"
