"""A, the algorithm space: algorithm definitions and portfolio files.

This package describes algorithms and never runs them: whatever executes a solver
(the harness, and with it the portfolio smoke test of ``asc portfolio check``) lives in
the ``runs`` package (space Y), which imports this package, never the other way round.

- :mod:`asc.portfolios.algorithm`     :class:`Algorithm` (a command-line template, optionally configured)
- :mod:`asc.portfolios.loader`        :func:`load_portfolio` reads ``portfolios/*.toml``
- :mod:`asc.portfolios.pysat_solver`  python-sat backends as SAT-competition style command lines
- :mod:`asc.portfolios.cadical`       CaDiCaL's option table, read from python-sat's binary
- :mod:`asc.portfolios.cryptominisat` CryptoMiniSat's option table, read from the pycryptosat extension
- :mod:`asc.portfolios.space`         parameter spaces as ConfigSpace objects (imported on demand)

The names below are loaded on first use (PEP 562), not with the package, so that
``asc solve``'s pre-solving path can import :mod:`asc.portfolios.pysat_solver` without
the portfolio loader (it starts in hundredths of a second; see :mod:`asc.cli.presolve`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asc.portfolios.algorithm import Algorithm, Parameter
    from asc.portfolios.loader import PYSAT_SOLVERS, Portfolio, load_portfolio, parse_portfolio, pysat_algorithm

__all__ = ["Algorithm", "Parameter", "Portfolio", "PYSAT_SOLVERS", "load_portfolio", "parse_portfolio",
           "pysat_algorithm"]


def __getattr__(name: str) -> Any:
    if name in ("Algorithm", "Parameter"):
        from asc.portfolios import algorithm

        return getattr(algorithm, name)
    if name in __all__:
        from asc.portfolios import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
