"""Portfolio files: the default portfolio, the three kinds of algorithm, and errors naming the line."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from asc.errors import InputError
from asc.portfolios import PYSAT_SOLVERS, load_portfolio, parse_portfolio, pysat_algorithm

ROOT = Path(__file__).resolve().parents[2]

PARAMETERIZED = '''
name = "demo"

[[algorithm]]
name = "m22"
pysat = "m22"

[[algorithm]]
name = "m22-neg"
base = "m22"
[algorithm.parameters]
phase = { type = "categorical", choices = ["solver", "pos", "neg", "random"], default = "solver" }
shuffle = { type = "categorical", choices = ["no", "yes"] }
[algorithm.configuration]
phase = "neg"

[[algorithm]]
name = "ext"
command = "mysolver --restarts={x} --decay {y} --seed={seed} --time={cutoff_int} {instance}"
[algorithm.parameters]
x = { type = "integer", lower = 1, upper = 1000, default = 10, log = true }
y = { type = "float", lower = 0.5, upper = 1.0, default = 0.95 }
[algorithm.configuration]
x = 200

[[algorithm]]
name = "ext-y"
base = "ext"
[algorithm.configuration]
y = 0.75
'''


def test_default_portfolio_has_the_working_pysat_solvers():
    p = load_portfolio(ROOT / "portfolios" / "pysat.toml")
    assert p.name == "pysat"
    assert {"cadical195", "glucose4", "kissat404", "lingeling", "minisat22", "minisatgh", "maplesat"} <= set(p.names)
    assert "cryptosat" not in p.names  # CryptoMiniSat has its own portfolio (cryptominisat5-space.toml)
    assert all(a.kind == "pysat" and a.backend in PYSAT_SOLVERS and a.configuration == "" for a in p)
    assert len(set(p.names)) == len(p)


def test_aliases_resolve_to_canonical_names():
    assert pysat_algorithm("cd19").backend == "cadical195"
    assert pysat_algorithm("minisat-gh").backend == "minisatgh"
    assert pysat_algorithm("MGH").backend == "minisatgh"
    with pytest.raises(InputError, match="python-sat solver name"):
        pysat_algorithm("nosuchsolver")


def test_parameterized_algorithms_substitute_their_configuration():
    p = parse_portfolio(PARAMETERIZED, "demo.toml")
    neg = p["m22-neg"]
    assert neg.kind == "pysat" and neg.base == "m22" and neg.backend == "minisat22"
    assert neg.configuration == "-phase neg -shuffle no"
    argv = neg.command_line("/x/f.cnf", 7, 10.0, 512)
    assert argv[-4:] == ["--seed", "7", "--phase=neg", "--shuffle=no"] and "/x/f.cnf" in argv
    ext = p["ext"]
    assert ext.configuration == "-x 200 -y 0.95"
    assert ext.command_line("f.cnf", 3, 9.5) == ["mysolver", "--restarts=200", "--decay", "0.95", "--seed=3",
                                                 "--time=10", "f.cnf"]
    # a derived algorithm inherits the space and the configuration and overrides a value
    assert p["ext-y"].configuration == "-x 200 -y 0.75" and p["ext-y"].base == "ext"
    # the configuration string is part of the run key: distinct for distinct configurations
    assert len({a.configuration for a in p}) == 4


def test_algorithms_pickle_and_hash():
    p = parse_portfolio(PARAMETERIZED, "demo.toml")
    again = pickle.loads(pickle.dumps(p))
    assert again == p and hash(again["ext"]) == hash(p["ext"])


def test_configspace_of_a_parameterized_algorithm():
    from asc.portfolios.space import configuration_of

    ext = parse_portfolio(PARAMETERIZED, "demo.toml")["ext"]
    cs = ext.config_space()
    assert set(cs) == {"x", "y"}
    assert cs["x"].log and cs["x"].default_value == 10
    conf = configuration_of(ext)
    assert conf["x"] == 200 and conf["y"] == pytest.approx(0.95)


def _error(text: str, tmp_path: Path) -> InputError:
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(InputError) as info:
        load_portfolio(f)
    assert str(f) in str(info.value)
    return info.value


def test_bad_toml_names_file_and_line(tmp_path):
    err = _error('[[algorithm]]\nname = "a"\npysat = minisat22\n', tmp_path)
    assert err.line == 3 and "TOML" in err.message


def test_unknown_solver_names_line_and_choices(tmp_path):
    err = _error('[[algorithm]]\nname = "a"\npysat = "minisat22"\n\n[[algorithm]]\nname = "b"\npysat = "glucoze"\n',
                 tmp_path)
    assert err.line == 7 and "glucoze" in err.message and "minisat22" in err.message


@pytest.mark.parametrize("text, line, words", [
    ('name = "x"\n', None, "at least one [[algorithm]]"),
    ('[[algorithm]]\npysat = "m22"\n', None, "name"),
    ('[[algorithm]]\nname = "a"\n', None, "exactly one of"),
    ('[[algorithm]]\nname = "a"\npysat = "m22"\ncommand = "x {instance}"\n', 4, "exactly one of"),
    ('[[algorithm]]\nname = "a"\ncommand = "mysolver --seed={seed}"\n', 3, "{instance}"),
    ('[[algorithm]]\nname = "a"\ncommand = "mysolver {instance} {nope}"\n', 3, "unknown placeholder {nope}"),
    ('[[algorithm]]\nname = "a"\npysat = "m22"\n[[algorithm]]\nname = "a"\npysat = "g4"\n', 5, "twice"),
    ('[[algorithm]]\nname = "a"\nbase = "zzz"\n', 3, "base"),
    ('[[algorithm]]\nname = "a"\nbase = "a"\n', 3, "itself"),
    ('[[algorithm]]\nname = "a"\npysat = "m22"\ncolour = 1\n', 4, "unknown key"),
    ('[[algorithm]]\nname = "a"\ncommand = "s {instance}"\n[algorithm.parameters]\nx = { type = "integer", '
     'lower = 5, upper = 1 }\n', 5, "lower < upper"),
    ('[[algorithm]]\nname = "a"\ncommand = "s {instance}"\n[algorithm.parameters]\nx = { type = "integer", '
     'lower = 1, upper = 5 }\n', 5, "does not appear in the command line"),
    ('[[algorithm]]\nname = "a"\ncommand = "s {instance} {x}"\n[algorithm.parameters]\nx = { type = "integer", '
     'lower = 1, upper = 5 }\n[algorithm.configuration]\nx = 9\n', 7, "expected an integer in [1, 5]"),
    ('[[algorithm]]\nname = "a"\ncommand = "s {instance} {x}"\n[algorithm.parameters]\nx = { type = "categorical", '
     'choices = ["a"] }\n[algorithm.configuration]\ny = "b"\n', 7, "not a parameter"),
    ('[[algorithm]]\nname = "a"\npysat = "m22"\n[algorithm.parameters]\nrestarts = { type = "integer", '
     'lower = 1, upper = 5 }\n', 5, "python-sat backends take"),
])
def test_semantic_errors_say_what_was_expected(tmp_path, text, line, words):
    err = _error(text, tmp_path)
    if line is not None:
        assert err.line == line, err
    if words is not None:
        assert words in err.message, err


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_portfolio(tmp_path / "none.toml")


def test_phase_parameter_rejected_where_the_backend_cannot_set_phases(tmp_path):
    err = _error('[[algorithm]]\nname = "k"\nbase = "kissat404"\n[algorithm.parameters]\n'
                 'phase = { type = "categorical", choices = ["solver", "neg"] }\n', tmp_path)
    assert "cannot set phases" in err.message and err.line == 5
