"""CaDiCaL 1.9.5 through python-sat: the option table read from the binary, the curated space checked against it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asc.errors import InputError
from asc.portfolios import load_portfolio
from asc.portfolios.cadical import NOT_SEARCH, check_value, option_table
from asc.portfolios.loader import parse_portfolio

ROOT = Path(__file__).resolve().parents[2]
SPACE = ROOT / "portfolios" / "cadical195-space.toml"
SMALL = ROOT / "instances" / "generated" / "rand3-n200-s1.cnf.xz"


def test_the_option_table_is_cadicals():
    table = option_table("cadical195")
    assert len(table) > 150
    # spot checks against CaDiCaL's options.hpp (name, default, lower, upper)
    for name, default, lo, hi in [("restartint", 2, 1, 2_000_000_000), ("reducetarget", 75, 10, 100),
                                  ("scorefactor", 950, 500, 1000), ("elim", 1, 0, 1), ("target", 1, 0, 2),
                                  ("shrink", 3, 0, 3)]:
        opt = table[name]
        assert (opt.default, opt.lower, opt.upper) == (default, lo, hi), opt


def test_the_curated_space_matches_the_solvers_table():
    algo = load_portfolio(SPACE)["cadical195-space"]
    table = option_table("cadical195")
    assert len(algo.space) >= 12
    for p in algo.space:
        opt = table[p.name]
        assert p.name not in NOT_SEARCH
        assert p.default == opt.default, p.name
        values = p.choices if p.type == "categorical" else (p.lower, p.upper)
        assert all(isinstance(v, int) and opt.lower <= v <= opt.upper for v in values), p.name


def make_cadical_text(params: str) -> str:
    return f'name = "c"\n[[algorithm]]\nname = "c"\npysat = "cadical195"\n[algorithm.parameters]\n{params}\n'


@pytest.mark.parametrize("params, needle", [
    ('restartintt = { type = "integer", lower = 1, upper = 9, default = 2 }', "'restartintt' is not an option"),
    ('restartint = { type = "integer", lower = 0, upper = 9, default = 2 }', "integers in [1, 2000000000]; got 0"),
    ('restartint = { type = "float", lower = 1.0, upper = 9.0, default = 2.0 }', "integers in [1, 2000000000]"),
    ('elim = { type = "categorical", choices = [1, 0, 5], default = 1 }', "integers in [0, 1]; got 5"),
    ('restartint = { type = "integer", lower = 1, upper = 9, default = 5 }', "the default must be CaDiCaL 1.9.5's, 2"),
    ('report = { type = "categorical", choices = [0, 1], default = 0 }', "not a search option"),
])
def test_a_space_that_does_not_match_the_solver_names_file_line_parameter_and_range(params, needle):
    with pytest.raises(InputError) as err:
        parse_portfolio(make_cadical_text(params), "space.toml")
    message = str(err.value)
    assert needle in message and message.startswith("space.toml:6: ")


def test_other_pysat_backends_still_take_only_the_wrappers_parameters():
    with pytest.raises(InputError, match="python-sat backends take the parameters phase, shuffle"):
        parse_portfolio('[[algorithm]]\nname = "g"\npysat = "glucose4"\n[algorithm.parameters]\n'
                        'restartint = { type = "integer", lower = 1, upper = 9, default = 2 }\n')


def wrapper(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asc.portfolios.pysat_solver", str(SMALL), "--solver", "cadical195",
                           *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_wrapper_refuses_what_python_sat_would_silently_accept():
    for bad, needle in [("--restartint=0", "[1, 2000000000]; got 0"), ("--bogus=1", "no option 'bogus'"),
                        ("--elim=yes", "got None"), ("--stats=1", "not a search option")]:
        res = wrapper(bad)
        assert res.returncode == 2 and needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "s SATISFIABLE" not in wrapper("--bogus=1").stdout
    ok = wrapper("--restartint=100", "--elim=0", "--stabilize=0")
    assert ok.returncode in (10, 20) and ok.stdout.count("s ") == 1


def test_python_sat_applies_the_options_it_is_given():
    # the wrapper's configure() call has an effect: restart counts follow restartint
    from pysat.formula import CNF
    from pysat.solvers import Cadical195

    from asc.instances import read_cnf

    f = read_cnf(SMALL, engine="numpy")
    flat, offs = f.literals.tolist(), f.offsets.tolist()
    clauses = [flat[offs[i]:offs[i + 1]] for i in range(f.nclauses)]
    restarts = []
    for value in (1, 1000):
        s = Cadical195()
        s.configure({"restartint": value, "stabilize": 0})
        s.append_formula(CNF(from_clauses=clauses).clauses)
        s.solve()
        restarts.append(s.accum_stats()["restarts"])
        s.delete()
    assert restarts[0] > 2 * restarts[1] + 1


def test_check_value_is_the_one_rule():
    assert check_value("cadical195", "reducetarget", 50) is None
    assert "got 101" in check_value("cadical195", "reducetarget", 101)
    assert "got True" in check_value("cadical195", "elim", True)


def test_configure_refuses_a_space_that_does_not_match_cadical_in_one_line(tmp_path, run_cli):
    port = tmp_path / "space.toml"
    port.write_text(make_cadical_text('restartint = { type = "integer", lower = 0, upper = 9, default = 2 }'))
    res = run_cli("configure", "--portfolio", port, "--algorithm", "c", "--instances", SMALL, "--budget", "5",
                  "--cutoff-time", "1", "-o", tmp_path / "R.toml", "--db", tmp_path / "runs.sqlite")
    assert res.code == 2 and res.out == ""
    line = res.err.strip()
    assert len(line.splitlines()) == 1 and f"{port}:6:" in line and "'restartint'" in line
    assert "[1, 2000000000]" in line and not (tmp_path / "runs.sqlite").exists()
