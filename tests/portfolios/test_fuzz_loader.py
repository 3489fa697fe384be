"""Fuzzing the portfolio loader (issue 21): any file loads or raises InputError, in one line.

Bytes-level: any bytes as a ``.toml`` file. Structure-aware: ``portfolios/pysat.toml``
with lines dropped, duplicated or swapped and values replaced by other TOML values;
and portfolios assembled from the format's own vocabulary (every algorithm key,
parameter tables, configurations) with values of every TOML type. Profile:
``tests/conftest.py`` ("ci": 200 examples).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from asc.errors import InputError  # noqa: E402
from asc.portfolios import load_portfolio  # noqa: E402

pytestmark = pytest.mark.timeout(300)

PYSAT_TOML = (Path(__file__).resolve().parents[2] / "portfolios" / "pysat.toml").read_text()


def problems(data: bytes) -> list[str]:
    """What is wrong with loading ``data`` as a portfolio file: an InputError that does not name
    the file in one line, or a loaded portfolio whose algorithms lack unique names; empty when
    it is sound. Any other exception propagates (and fails the test)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_bytes(data)
        try:
            portfolio = load_portfolio(path)
        except InputError as exc:
            return [f"badly reported: {exc}"] if exc.path != str(path) or "\n" in str(exc) else []
    names = [algorithm.name for algorithm in portfolio]
    return [f"algorithm names not unique: {names}"] if len(set(names)) != len(names) or not all(names) else []


@given(data=st.binary(max_size=300))
@example(data=b"")
@example(data=b"\xff")
# found fuzzing: tomllib lets int() raise ValueError on an integer of over 4300 digits (was a traceback)
@example(data=b"x = 1" + b"0" * 5000)
def test_any_bytes(data):
    assert not problems(data), problems(data)


def toml_value(value) -> str:
    """``value`` as a TOML value (strings as JSON strings: TOML basic strings accept those escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value).replace("inf", "inf").replace("nan", "nan")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # \ud83d surrogate pairs are not TOML
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


WORDS = ["name", "pysat", "command", "base", "description", "param_format", "type", "choices", "default", "lower",
         "upper", "log", "phase", "shuffle", "x", "seed", "instance"]
STRINGS = st.one_of(st.sampled_from(["cadical195", "minisat22", "a", "{instance}", "kissat {instance}", "{", "}",
                                     "{params}", "--{name}={value}", "{name}", "categorical", "integer", "float",
                                     "solver", "pos", "'", '"', "a b {instance} {x}", "{instance} {seed", ""]),
                    st.text(max_size=8))
SCALARS = st.one_of(STRINGS, st.integers(-3, 3), st.integers(), st.floats(allow_nan=True), st.booleans(),
                    st.sampled_from([10**400, -10**400, 2**63, float("inf"), float("-inf")]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(WORDS), inner, max_size=3)), max_leaves=8)

PARAMETERS = st.one_of(VALUES, st.fixed_dictionaries(
    {"type": st.sampled_from(["categorical", "integer", "float", "x"])},
    optional={"choices": st.lists(SCALARS, max_size=3), "default": SCALARS, "lower": SCALARS, "upper": SCALARS,
              "log": st.one_of(st.booleans(), SCALARS)}))


@st.composite
def portfolios(draw) -> bytes:
    lines = []
    if draw(st.booleans()):
        lines.append(f"name = {toml_value(draw(VALUES))}")
    for _ in range(draw(st.integers(0, 4))):
        lines.append("[[algorithm]]")
        # mostly the keys a valid algorithm has, so that examples get past the first checks
        if draw(st.integers(0, 5)):
            lines.append(f"name = {toml_value(draw(st.sampled_from(['a', 'b', 'c'])))}")
        if draw(st.integers(0, 5)):
            source = draw(st.sampled_from([("pysat", "cadical195"), ("pysat", "minisat22"), ("base", "a"),
                                           ("base", "b"), ("base", "glucose3"), ("command", "s {instance} {x}"),
                                           ("command", ["s", "{instance}", "{params}"])]))
            lines.append(f"{source[0]} = {toml_value(source[1])}")
        for key, value in draw(st.dictionaries(st.sampled_from(WORDS[3:]), VALUES, max_size=3)).items():
            lines.append(f"{key} = {toml_value(value)}")
        for section in draw(st.lists(st.sampled_from(["parameters", "configuration"]), max_size=2, unique=True)):
            lines.append(f"[algorithm.{section}]")
            for key, value in draw(st.dictionaries(st.sampled_from(["phase", "shuffle", "x", "y"]), PARAMETERS,
                                                   max_size=3)).items():
                lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


BIG = b"1" + b"0" * 400  # a TOML integer beyond a float's range
ONE_PARAMETER = b'[[algorithm]]\nname = "a"\ncommand = "s {instance} {x}"\n[algorithm.parameters]\n'


@given(text=portfolios())
# found fuzzing (OverflowError from float(), was a traceback): a float parameter's bound beyond a
# float's range; an infinite bound and a configuration beyond a float's range; an integer parameter's
# configuration beyond a float's range (valid: integers have no such bound)
@example(text=ONE_PARAMETER + b'x = { type = "float", lower = 0, upper = ' + BIG + b' }\n')
@example(text=ONE_PARAMETER + b'x = { type = "float", lower = 0, upper = inf }\n'
              b'[algorithm.configuration]\nx = ' + BIG + b'\n')
@example(text=ONE_PARAMETER + b'x = { type = "integer", lower = 0, upper = ' + BIG + b'0 }\n'
              b'[algorithm.configuration]\nx = ' + BIG + b'\n')
@example(text=b'[[algorithm]]\nname = "a"\ncommand = "x {instance}"\n[algorithm.parameters]\n'
              b'x = { type = "integer", lower = 0, upper = 5, default = 2 }\n[algorithm.configuration]\nx = 1e400\n')
def test_assembled_portfolios(text):
    assert not problems(text), problems(text)


@st.composite
def mutated(draw, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["drop", "duplicate", "swap", "value", "insert"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines.append("[[algorithm]]")
        elif what == "drop":
            del lines[i]
        elif what == "duplicate":
            lines.insert(i, lines[i])
        elif what == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif what == "value" and " = " in lines[i]:
            lines[i] = lines[i].split(" = ")[0] + " = " + toml_value(draw(VALUES))
        elif what == "insert":
            lines.insert(i, draw(st.sampled_from(["[algorithm]", "[[algorithm]]", "[algorithm.parameters]",
                                                  "[algorithm.configuration]", "base = \"cadical195\"",
                                                  "command = \"x {instance}\"", "name = 1", "x = ", "\x00"])))
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@given(text=mutated(PYSAT_TOML))
def test_mutated_pysat_portfolio(text):
    assert not problems(text), problems(text)


def test_huge_integer_configuration_is_kept():
    """An integer parameter takes any TOML integer: the fix refuses only what a float cannot hold."""
    from asc.portfolios.loader import parse_portfolio

    text = (ONE_PARAMETER + b'x = { type = "integer", lower = 0, upper = ' + BIG + b'0 }\n'
            b'[algorithm.configuration]\nx = ' + BIG + b'\n').decode()
    assert dict(parse_portfolio(text)["a"].values)["x"] == 10**400
    with pytest.raises(InputError, match="expected finite lower and upper bounds") as info:
        parse_portfolio(text.replace('"integer"', '"float"'), "p.toml")
    assert info.value.line == 5


def test_pysat_portfolio_loads():
    """The unmutated file loads (the mutations start from a good portfolio)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_text(PYSAT_TOML)
        assert len(load_portfolio(path)) > 5
