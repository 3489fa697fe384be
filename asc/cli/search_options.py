"""Options of selectors that search (``--selector auto``), shared by ``asc evaluate`` and ``asc train``.

Standard library only: this module loads on CLI start-up paths.
"""

from __future__ import annotations

import argparse
from typing import Any

#: Default wall-clock budget of one search, in seconds.
DEFAULT_BUDGET = 60.0


def add_search_options(p: argparse.ArgumentParser, where: str) -> None:
    """Add ``--budget`` and ``--trials`` to a command; ``where`` says what data each search sees."""
    from asc.cli.options import at_least, seconds

    p.add_argument("--budget", type=seconds, metavar="S",
                   help=f"seconds of wall-clock time for the selector search of --selector auto, {where} "
                        f"(default: {DEFAULT_BUDGET:g}; the whole search and its final fit keep within it: "
                        "a trial that would overrun is cut)")
    p.add_argument("--trials", type=at_least(1), metavar="N",
                   help="also stop the search of --selector auto after N configurations; a cap reached "
                        "before the budget makes the result repeatable (default: no cap)")


def search_params(args: argparse.Namespace) -> dict[str, Any]:
    """Selector parameters from ``--budget``/``--trials``; a usage error for selectors that do not search."""
    from asc.errors import UsageError

    given = {k: v for k, v in (("budget", args.budget), ("n_trials", args.trials)) if v is not None}
    if not given:
        return {}
    if args.selector != "auto":
        raise UsageError(f"--budget and --trials apply to --selector auto only, not {args.selector!r}")
    if not given.get("budget", 1.0) > 0:  # (NaN too)
        raise UsageError(f"--budget must be a positive number of seconds, found {args.budget:g}")
    if given.get("n_trials", 1) < 1:
        raise UsageError(f"--trials must be at least 1, found {args.trials}")
    return given
