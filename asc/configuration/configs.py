"""Configurations of parameterized algorithms as plain data: SMAC's values in, run keys out.

A configuration is a ``{parameter: value}`` dict of plain Python values. Two traps
sit between ConfigSpace and a command line:

* ConfigSpace returns NumPy scalars (``numpy.bool_``, ``numpy.float64``) for sampled
  values. ``isinstance(numpy.False_, bool)`` is false, so a flag would render as
  ``-luby=False`` (the solver refuses it and exits at once, and SMAC would learn that
  every non-default configuration "fails"), and ``repr(numpy.float64(0.5))`` is
  ``np.float64(0.5)``. :func:`plain` turns every value into its Python type first.
* A run key stores the configuration as text (:attr:`asc.portfolios.Algorithm.configuration`,
  ``-name value`` pairs); :func:`parse_configuration` reads it back against the space,
  so that stored trials can be replayed into SMAC on resume.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from asc.errors import InputError
from asc.portfolios.algorithm import Algorithm, Parameter


def plain(value: Any) -> Any:
    """``value`` as a plain Python scalar (NumPy bools, integers, floats and strings converted).

    Checked by type name rather than ``isinstance(value, numpy.generic)`` so that this
    module does not import NumPy; ``item()`` is what NumPy scalars offer for this.
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return value.item()
    return value


def coerce(param: Parameter, value: Any) -> Any:
    """``value`` as the Python type of ``param`` (bool, int, float, or the matching choice).

    Raises
    ------
    InputError
        The value does not belong to the parameter's domain.
    """
    value = plain(value)
    if param.type == "categorical":
        for choice in param.choices:
            if choice == value and type(choice) is type(value) or _text(choice) == _text(value):
                return choice
        raise InputError(f"parameter {param.name!r}: expected one of {list(param.choices)}; got {value!r}")
    try:
        number = int(value) if param.type == "integer" else float(value)
    except (TypeError, ValueError):
        raise InputError(f"parameter {param.name!r}: expected a number; got {value!r}") from None
    if isinstance(value, bool) or not (param.lower <= number <= param.upper):  # type: ignore[operator]
        raise InputError(f"parameter {param.name!r}: expected a value in [{param.lower}, {param.upper}]; "
                         f"got {value!r}")
    return number


def _text(value: Any) -> str:
    from asc.portfolios.algorithm import _text as text

    return text(plain(value))


def with_configuration(algorithm: Algorithm, values: Mapping[str, Any]) -> Algorithm:
    """``algorithm`` with the configuration ``values`` (every parameter of its space, plain values).

    Parameters missing from ``values`` keep the algorithm's own value. The name stays
    the algorithm's: the configuration is the ``configuration`` column of the run key,
    so ``asc runs`` and exports tell configurations apart by it.
    """
    own = dict(algorithm.values)
    merged = {}
    for p in algorithm.space:
        merged[p.name] = coerce(p, values[p.name]) if p.name in values else own.get(p.name, p.default)
    return replace(algorithm, values=tuple(sorted(merged.items())))


def parse_configuration(text: str, space: tuple[Parameter, ...]) -> dict[str, Any] | None:
    """The configuration a run key's text stands for, or None when it is not one of ``space``.

    The inverse of :attr:`asc.portfolios.Algorithm.configuration` (``-name value``
    pairs, values shell-quoted): every parameter of the space must be set, and nothing else.
    """
    try:
        tokens = shlex.split(text)
    except ValueError:
        return None
    if len(tokens) % 2 or len(tokens) // 2 != len(space):
        return None
    by_name = {p.name: p for p in space}
    out: dict[str, Any] = {}
    for flag, raw in zip(tokens[::2], tokens[1::2]):
        p = by_name.get(flag[1:]) if flag.startswith("-") else None
        if p is None:
            return None
        if p.type == "categorical":
            match = [c for c in p.choices if _text(c) == raw]
            if not match:
                return None
            out[p.name] = match[0]
        else:
            try:
                out[p.name] = coerce(p, int(raw) if p.type == "integer" else float(raw))
            except (ValueError, InputError):
                return None
    return out if set(out) == set(by_name) else None


def default_values(algorithm: Algorithm) -> dict[str, Any]:
    """The configuration the portfolio entry runs: its ``[algorithm.configuration]``, else the defaults."""
    own = dict(algorithm.values)
    return {p.name: own.get(p.name, p.default) for p in algorithm.space}


def fingerprint(data: Any) -> str:
    """A stable short hash of JSON-able ``data`` (sorted keys): what identifies a search."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
