"""The result of ``asc configure`` as a portfolio file (RESULT.toml).

Two entries: the algorithm as configured before (its default configuration, under its
own name) and the configuration found, ``NAME-configured``, a parameterized entry
(``base = NAME`` plus ``[algorithm.configuration]``). Both are ordinary algorithms to
the portfolio loader, so ``asc collect``, ``asc train``, ``asc select`` and ``asc solve``
take the file as any other portfolio; the search and validation figures are in its
comments and ``description``. The text is read back with the loader before it is
written, so a file that ``asc`` could not read is never produced.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asc.portfolios.algorithm import DEFAULT_PARAM_FORMAT, Algorithm, Parameter


def toml_value(value: Any) -> str:
    """One TOML value: strings quoted (JSON's escapes are TOML's), booleans lower-case, numbers as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML has no spelling for {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _parameter(p: Parameter) -> str:
    fields = {"type": p.type}
    if p.type == "categorical":
        fields["choices"] = list(p.choices)
    else:
        fields["lower"], fields["upper"] = p.lower, p.upper
        if p.log:
            fields["log"] = True
    fields["default"] = p.default
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in fields.items()) + " }"


def configured_name(algorithm: Algorithm) -> str:
    """The name of the configured entry."""
    return f"{algorithm.name}-configured"


def portfolio_text(algorithm: Algorithm, incumbent: Mapping[str, Any], comments: list[str],
                   description: str = "", members: list[tuple[str, Mapping[str, Any]]] | None = None) -> str:
    """The RESULT.toml text: the base entry and the configured one (see the module docstring).

    ``members`` (Hydra) replaces the one configured entry by several ``(name, configuration)``.
    """
    if members is None:
        members = [(configured_name(algorithm), incumbent)]
    lines = [f"# {c}" for c in comments]
    lines += [f"name = {toml_value(members[0][0] if len(members) == 1 else algorithm.name + '-hydra')}",
              f"description = {toml_value(description)}", "", "[[algorithm]]",
              f"name = {toml_value(algorithm.name)}"]
    if algorithm.kind == "pysat":
        lines.append(f"pysat = {toml_value(algorithm.backend)}")
    else:
        lines.append(f"command = {toml_value(list(algorithm.command))}")
    if algorithm.param_format != DEFAULT_PARAM_FORMAT:
        lines.append(f"param_format = {toml_value(algorithm.param_format)}")
    lines.append("[algorithm.parameters]")
    lines += [f"{p.name} = {_parameter(p)}" for p in algorithm.space]
    own = dict(algorithm.values)
    changed = {p.name: own[p.name] for p in algorithm.space if p.name in own and own[p.name] != p.default}
    if changed:
        lines.append("[algorithm.configuration]")
        lines += [f"{k} = {toml_value(v)}" for k, v in sorted(changed.items())]
    for name, config in members:
        lines += ["", "[[algorithm]]", f"name = {toml_value(name)}", f"base = {toml_value(algorithm.name)}",
                  "[algorithm.configuration]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in sorted(config.items())]
    return "\n".join(lines) + "\n"


def write_result(path: str | Path, text: str) -> None:
    """Check that the portfolio loader reads ``text``, then write it atomically (never half a file)."""
    from asc.portfolios.loader import parse_portfolio

    path = Path(path)
    parse_portfolio(text, path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
