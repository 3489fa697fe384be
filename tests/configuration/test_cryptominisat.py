"""CryptoMiniSat through pycryptosat: the option table read from the extension, the curated space checked
against it, the wrapper's runs, and a short search over the space."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asc.errors import InputError
from asc.portfolios import load_portfolio
from asc.portfolios.cryptominisat import DOCUMENTED_RANGES, NOT_SEARCH, accepts, check_value, option_table
from asc.portfolios.loader import parse_portfolio

pycryptosat = pytest.importorskip("pycryptosat")

ROOT = Path(__file__).resolve().parents[2]
SPACE = ROOT / "portfolios" / "cryptominisat5-space.toml"
GENERATED = ROOT / "instances" / "generated"
SAT = GENERATED / "rand3-n200-s1.cnf.xz"
UNSAT = GENERATED / "php-8-7.cnf.xz"


def test_the_option_table_is_the_extensions():
    table = option_table()
    assert list(table) == list(pycryptosat.get_option_names())
    # kinds, ranges and defaults as the binary has them (set_option's parser, a fresh SolverConf)
    assert (table["maxxorsize"].kind, table["maxxorsize"].lower, table["maxxorsize"].upper) == ("unsigned", 0, 12)
    assert (table["restart"].kind, table["restart"].default) == ("int", 1)
    assert (table["mult"].kind, table["mult"].default) == ("float", 3.0)
    assert (table["confbtwsimp"].kind, table["confbtwsimp"].upper) == ("unsigned", 2**64 - 1)
    assert table["polar"].choices == ("true", "false", "rnd", "auto", "weight") and table["polar"].default == "auto"
    assert table["branchstr"].kind == "string" and "vsids" in table["branchstr"].default
    # every default read is a value set_option takes, and the ranges are set_option's own, narrowed
    # only for the documented switches and modes (which the parser would take as any int)
    for opt in table.values():
        text = repr(opt.default) if isinstance(opt.default, float) else str(opt.default)
        assert accepts(opt.name, text), opt
        if opt.name in DOCUMENTED_RANGES:
            assert opt.lower <= opt.default <= opt.upper and accepts(opt.name, str(opt.upper + 1)), opt
        elif opt.kind in ("int", "unsigned"):
            assert accepts(opt.name, str(opt.upper)) and not accepts(opt.name, str(opt.upper + 1)), opt
            assert accepts(opt.name, str(opt.lower)) and not accepts(opt.name, str(opt.lower - 1)), opt
    assert (table["restart"].lower, table["restart"].upper, table["target"].upper) == (0, 1, 2)


def test_a_default_read_is_confirmed_by_the_solvers_behaviour():
    # independent of the memory read: on a seeded solver, setting an option to its default gives the
    # same model as not setting it, and a non-default value of a switch that matters gives another
    from asc.instances import read_cnf

    f = read_cnf(SAT, engine="numpy")
    flat, offs = f.literals.tolist(), f.offsets.tolist()
    clauses = [flat[offs[i]:offs[i + 1]] for i in range(f.nclauses)]

    def model(**options: str) -> tuple:
        s = pycryptosat.Solver(threads=1, options={"seed": "1", **options})
        s.add_clauses(clauses)
        return s.solve()[1]

    reference = model()
    table = option_table()
    for name in ("restart", "stabilize", "target", "polar", "branchstr", "mult", "lucky"):
        default = table[name].default
        assert model(**{name: repr(default) if isinstance(default, float) else str(default)}) == reference, name
    assert model(restart="0", stabilize="0") != reference


def branching_log(branchstr: str) -> str:
    """CryptoMiniSat's log (verbosity 1, printed by the C library) of a solve with ``branchstr``."""
    script = ("import sys, pycryptosat\n"
              "from asc.instances import read_cnf\n"
              "f = read_cnf(sys.argv[1], engine='numpy')\n"
              "flat, o = f.literals.tolist(), f.offsets.tolist()\n"
              "s = pycryptosat.Solver(verbose=1, confl_limit=3000, options={'branchstr': sys.argv[2], 'seed': '1'})\n"
              "s.add_clauses([flat[o[i]:o[i + 1]] for i in range(f.nclauses)])\n"
              "try:\n    s.solve()\nexcept Exception:\n    pass\n")  # the first branching change is at 1000
    return subprocess.run([sys.executable, "-c", script, str(SAT), branchstr],
                          capture_output=True, text=True, timeout=300, cwd=ROOT).stdout


def test_branchstr_takes_only_the_words_the_solver_knows():
    # set_option takes any string; the solver then branches at random, and says so only in its log
    assert "adjusting to: rand" in branching_log("abc")
    for value in load_portfolio(SPACE)["cryptominisat5-space"].config_space()["branchstr"].choices:
        assert "adjusting to: rand" not in branching_log(value), value
    assert check_value("branchstr", "vsids+vmtf") is None
    assert "got 'vsids+rand'" in check_value("branchstr", "vsids+rand")


def test_the_curated_space_matches_the_solvers_table():
    algo = load_portfolio(SPACE)["cryptominisat5-space"]
    table = option_table()
    assert algo.backend == "cryptosat" and len(algo.space) >= 20
    for p in algo.space:
        opt = table[p.name]
        assert p.name not in NOT_SEARCH
        assert p.default == opt.default, p.name
        values = p.choices if p.type == "categorical" else (p.lower, p.upper)
        assert all(check_value(p.name, v) is None for v in values), p.name


def make_cms_text(params: str) -> str:
    return f'name = "c"\n[[algorithm]]\nname = "c"\npysat = "cryptominisat5"\n[algorithm.parameters]\n{params}\n'


@pytest.mark.parametrize("params, needle", [
    ('restartt = { type = "categorical", choices = [1, 0], default = 1 }', "'restartt' is not an option"),
    ('maxxorsize = { type = "integer", lower = 3, upper = 13, default = 12 }', "integers in [0, 12]; got 13"),
    ('polar = { type = "categorical", choices = ["auto", "pos"], default = "auto" }', "'weight'; got 'pos'"),
    ('polar = { type = "categorical", choices = [1, 0], default = 1 }', "expected a categorical of strings"),
    ('restart = { type = "float", lower = 0.0, upper = 1.0, default = 1.0 }', "expected type = \"integer\""),
    ('target = { type = "categorical", choices = [1, 0, 3], default = 1 }', "integers in [0, 2]; got 3"),
    ('branchstr = { type = "categorical", choices = ["vmtf+vsids", "abc"], default = "vmtf+vsids" }', "got 'abc'"),
    ('confbtwsimp = { type = "integer", lower = 100, upper = 90000, default = 5000 }',
     "the default must be CryptoMiniSat 5.17.0's, 40000"),
    ('nonstop = { type = "categorical", choices = [0, 1], default = 0 }', "not a search option"),
])
def test_a_space_that_does_not_match_the_solver_names_file_line_parameter_and_range(params, needle):
    with pytest.raises(InputError) as err:
        parse_portfolio(make_cms_text(params), "space.toml")
    message = str(err.value)
    assert needle in message and message.startswith("space.toml:6: "), message


def wrapper(instance: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asc.portfolios.pysat_solver", str(instance), "--solver",
                           "cryptosat", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_wrapper_refuses_what_set_option_would_reject_or_the_table_does_not_allow():
    for bad, needle in [("--maxxorsize=13", "[0, 12]; got 13"), ("--bogus=1", "no option 'bogus'"),
                        ("--restart=7", "[0, 1]; got 7"),
                        ("--polar=pos", "got 'pos'"), ("--mult=abc", "takes a number; got 'abc'"),
                        ("--nonstop=1", "not a search option"), ("--phase=pos", "sets no phases")]:
        res = wrapper(SAT, bad)
        assert res.returncode == 2 and needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "s SATISFIABLE" not in res.stdout


def test_the_wrapper_answers_with_a_checked_model_and_takes_options_and_seeds():
    from asc.instances import read_cnf

    f = read_cnf(SAT, engine="numpy")
    flat, offs = f.literals.tolist(), f.offsets.tolist()
    for args in [(), ("--restart=0", "--polar=rnd", "--branchstr=vsids", "--mult=1.5"), ("--seed", "7"),
                 ("--shuffle=yes", "--seed", "3")]:
        res = wrapper(SAT, *args)
        assert res.returncode == 10 and res.stdout.count("s SATISFIABLE") == 1, res.stderr
        model = {int(x) for line in res.stdout.splitlines() if line.startswith("v ") for x in line[2:].split()}
        assert all(any(lit in model for lit in flat[offs[i]:offs[i + 1]]) for i in range(f.nclauses))
    unsat = wrapper(UNSAT, "--occsimp=0")
    assert unsat.returncode == 20 and "s UNSATISFIABLE" in unsat.stdout
    # silent (verbosity 0: nothing but the answer) and reproducible from the run's seed
    runs = [wrapper(SAT, "--seed", "7").stdout.splitlines()[1:] for _ in range(2)]
    assert runs[0] == runs[1] and all(line[:2] in ("s ", "v ") for line in runs[0])


def test_cryptominisat_is_randomized_so_configuration_repeats_seeds():
    from asc.configuration.search import is_deterministic

    assert not is_deterministic(load_portfolio(SPACE)["cryptominisat5-space"])


def test_configure_refuses_a_space_that_does_not_match_cryptominisat_in_one_line(tmp_path, run_cli):
    port = tmp_path / "space.toml"
    port.write_text(make_cms_text('maxxorsize = { type = "integer", lower = 3, upper = 99, default = 12 }'))
    res = run_cli("configure", "--portfolio", port, "--algorithm", "c", "--instances", SAT, "--budget", "5",
                  "--cutoff-time", "1", "-o", tmp_path / "R.toml", "--db", tmp_path / "runs.sqlite")
    assert res.code == 2 and res.out == ""
    line = res.err.strip()
    assert len(line.splitlines()) == 1 and f"{port}:6:" in line and "'maxxorsize'" in line
    assert "[0, 12]" in line and "Traceback" not in res.err and not (tmp_path / "runs.sqlite").exists()


def test_a_short_search_over_the_space_gives_a_result_that_collect_runs(tmp_path, run_cli):
    train, test = tmp_path / "train", tmp_path / "test"
    train.mkdir()
    test.mkdir()
    for name in ("rand3-n200-s1", "php-8-7"):
        (train / f"{name}.cnf.xz").write_bytes((GENERATED / f"{name}.cnf.xz").read_bytes())
    (test / "rand3-n200-s2.cnf.xz").write_bytes((GENERATED / "rand3-n200-s2.cnf.xz").read_bytes())
    out, db = tmp_path / "RESULT.toml", tmp_path / "runs.sqlite"
    res = run_cli("configure", "--portfolio", SPACE, "--algorithm", "cryptominisat5-space", "--instances", train,
                  "--test-instances", test, "--budget", "600", "--trials", "6", "--cutoff-time", "5",
                  "--mem-limit", "2048", "-o", out, "--db", db, "--no-features", "--no-progress")
    assert res.code == 0, res.err
    result = load_portfolio(out)
    configured = [a for a in result if a.base == "cryptominisat5-space"]
    assert configured and configured[0].backend == "cryptosat"
    collected = run_cli("collect", "--portfolio", out, "--instances", test, "--cutoff-time", "5",
                        "--db", tmp_path / "c.sqlite", "--no-progress")
    assert collected.code == 0, collected.err
    import sqlite3

    with sqlite3.connect(tmp_path / "c.sqlite") as con:
        statuses = [s for (s,) in con.execute("SELECT status FROM runs")]
    assert statuses and set(statuses) <= {"SAT", "UNSAT"}, statuses  # answered, and checked by the harness
