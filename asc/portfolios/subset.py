"""A portfolio file naming a subset of another's algorithms (``asc portfolio prune -o``).

The chosen ``[[algorithm]]`` tables are copied as text from the source file, with their
sub-tables and the comments right above them, so that a pruned portfolio defines each
algorithm exactly as the portfolio it was measured with. The text is read back with the
loader before it is returned: a file ``asc`` could not read is never produced.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from asc.errors import InputError, UsageError
from asc.portfolios.loader import load_portfolio, parse_portfolio

_TABLE = re.compile(r"^\s*\[\[\s*algorithm\s*\]\]\s*(#.*)?$")


def _blocks(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header and the ``[[algorithm]]`` blocks; comments and blank lines right above a table belong to it."""
    starts = [i for i, line in enumerate(lines) if _TABLE.match(line)]
    if not starts:
        return lines, []
    bounds = []
    for n, start in enumerate(starts):
        # pull the comment lines above this table out of the previous block
        top = start
        floor = 0 if n == 0 else starts[n - 1] + 1
        while top > floor and (lines[top - 1].strip().startswith("#") or not lines[top - 1].strip()):
            top -= 1
        bounds.append(top)
    header = lines[:bounds[0]]
    blocks = [lines[b:e] for b, e in zip(bounds, bounds[1:] + [len(lines)])]
    return header, blocks


def subset_text(path: str | Path, names: Sequence[str], name: str, comments: Sequence[str] = (),
                description: str = "") -> str:
    """Portfolio text holding the algorithms ``names`` of portfolio file ``path``, in that order.

    Parameters
    ----------
    path
        The source portfolio file.
    names
        Algorithms to keep (each must be defined in the file).
    name, description
        The new portfolio's name and description.
    comments
        Lines written as ``#`` comments at the top (how the subset was chosen).

    Raises
    ------
    InputError
        The source is not a valid portfolio file.
    UsageError
        A name is not in the file, or a kept algorithm is based on one of the file's
        algorithms that is not kept (it could not be read without it).
    """
    portfolio = load_portfolio(path)
    missing = [n for n in names if n not in portfolio.names]
    if missing:
        raise UsageError(f"algorithm {missing[0]!r} is not in portfolio {path} (it has {', '.join(portfolio.names)})")
    text = Path(path).read_text(encoding="utf-8")
    header, blocks = _blocks(text.splitlines())
    by_name: dict[str, list[str]] = {}
    for block in blocks:
        table = tomllib.loads("\n".join(block))["algorithm"][0]
        by_name[table["name"]] = block
        base = table.get("base")
        if table["name"] in names and isinstance(base, str) and base in portfolio.names and base not in names:
            raise UsageError(f"algorithm {table['name']!r} of {path} is based on {base!r}, which is not kept; "
                             "keep both or neither")
    top = tomllib.loads("\n".join(header)) if header else {}
    out = [f"# {c}".rstrip() for c in comments]
    out += [f"name = {json.dumps(name)}", f"description = {json.dumps(description)}"]
    out += [f"{k} = {json.dumps(top[k])}" for k in ("kind", "folds", "protocol") if k in top]
    for n in names:
        block = by_name[n]
        out += ([""] if block[0].strip() else []) + block
    result = "\n".join(out).rstrip("\n") + "\n"
    check = parse_portfolio(result, f"<subset of {path}>")
    if check.names != list(names):  # the copied tables must define exactly the kept algorithms
        raise InputError(f"could not cut algorithms {', '.join(names)} out of the file's text", path)
    return result

