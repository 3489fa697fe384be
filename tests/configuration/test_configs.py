"""Configurations as plain data: NumPy values rendered right, run-key text read back, RESULT.toml loadable."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from asc.configuration.configs import parse_configuration, plain, with_configuration
from asc.configuration.result import portfolio_text, write_result
from asc.errors import InputError
from asc.portfolios.loader import load_portfolio, parse_portfolio

from config_factories import fake_portfolio_text


def make_fake_algorithm():
    return parse_portfolio(fake_portfolio_text())["fake"]


def test_numpy_bool_renders_as_the_flag_the_solver_takes():
    # ConfigSpace hands out numpy.False_; str() of it is "False", which the solver refuses
    algo = make_fake_algorithm()
    configured = with_configuration(algo, {"luby": np.False_, "alpha": np.float64(0.25), "level": np.int64(3),
                                           "mode": np.str_("c")})
    argv = configured.command_line("x.cnf", 0, 1.0)
    assert "-luby=false" in argv and "-alpha=0.25" in argv and "-level=3" in argv and "-mode=c" in argv
    assert type(plain(np.True_)) is bool and type(plain(np.float64(1.0))) is float


def test_configuration_text_reads_back_to_the_same_values():
    algo = make_fake_algorithm()
    values = {"alpha": 0.123456789, "level": 9, "luby": True, "mode": "b"}
    text = with_configuration(algo, values).configuration
    assert parse_configuration(text, algo.space) == values
    # another space's text, or a partial one, is not this space's configuration
    assert parse_configuration("-alpha 0.5", algo.space) is None
    assert parse_configuration(text.replace("-mode b", "-mode z"), algo.space) is None
    assert parse_configuration(text.replace("-alpha 0.123456789", "-alpha 7"), algo.space) is None


def test_out_of_range_value_is_an_input_error():
    algo = make_fake_algorithm()
    with pytest.raises(InputError, match=r"alpha.*\[0.0, 1.0\]"):
        with_configuration(algo, {"alpha": 1.5})


def test_result_portfolio_loads_with_both_entries(tmp_path):
    algo = make_fake_algorithm()
    incumbent = {"alpha": 0.2, "level": 7, "luby": True, "mode": "c"}
    out = tmp_path / "RESULT.toml"
    write_result(out, portfolio_text(algo, incumbent, ["a comment"], "desc \"quoted\""))
    port = load_portfolio(out)
    assert port.names == ["fake", "fake-configured"]
    assert port["fake-configured"].config == incumbent
    assert port["fake-configured"].base == "fake"
    assert port["fake"].config == {"alpha": 0.9, "level": 1, "luby": False, "mode": "a"}
    assert port["fake-configured"].command_line("i.cnf", 0, 1.0)[:2] == [sys.executable, port["fake"].command[1]]


def test_result_of_a_pysat_backend_loads(tmp_path):
    text = 'name = "p"\n[[algorithm]]\nname = "g"\npysat = "glucose4"\n[algorithm.parameters]\n' \
           'phase = { type = "categorical", choices = ["solver", "pos", "neg"], default = "solver" }\n'
    algo = parse_portfolio(text)["g"]
    out = tmp_path / "R.toml"
    write_result(out, portfolio_text(algo, {"phase": "neg"}, []))
    port = load_portfolio(out)
    assert port["g-configured"].kind == "pysat" and port["g-configured"].config == {"phase": "neg"}
    assert "--phase=neg" in port["g-configured"].command_line("i.cnf", 0, 1.0)
