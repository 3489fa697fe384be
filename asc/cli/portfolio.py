"""``asc portfolio``: inspect a portfolio file (``show``) and check that its algorithms work (``check``).

``asc portfolio check FILE`` runs every algorithm on a tiny satisfiable and a tiny
unsatisfiable formula under limits, and prints one row per algorithm. Exit status:
0 when every algorithm works, 1 when at least one does not (so it can gate a script
or CI job), 2 when the file is not a valid portfolio.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc portfolio show`` and ``asc portfolio check``."""
    from asc.cli.options import add_cutoff_time_option, add_format_option, add_jobs_option, add_mem_limit_option

    p = subparsers.add_parser("portfolio", help="show or check a portfolio file", description=__doc__)
    sub = p.add_subparsers(dest="portfolio_command", metavar="ACTION")
    sub.required = True

    s = sub.add_parser("show", help="list the algorithms of a portfolio and their command lines")
    s.add_argument("file", metavar="FILE", help="portfolio file (portfolios/*.toml)")
    add_format_option(s)
    s.set_defaults(func=run_show)

    c = sub.add_parser("check", help="run each algorithm on a tiny SAT and a tiny UNSAT formula",
                       description="Run each algorithm on a tiny SAT and a tiny UNSAT formula and report which work. "
                                   "Exit 0 if all work, 1 if any does not, 2 on a bad portfolio file.")
    c.add_argument("file", metavar="FILE", help="portfolio file (portfolios/*.toml)")
    add_format_option(c)
    add_cutoff_time_option(c, "CPU-time limit per run in seconds (default: 10)", default=10.0)
    add_mem_limit_option(c, "memory limit per run in MiB")
    add_jobs_option(c, "runs at a time")
    c.set_defaults(func=run_check)


def run_show(args: argparse.Namespace) -> int:
    """Print the algorithms of a portfolio."""
    from asc.cli.output import print_table
    from asc.portfolios import load_portfolio

    portfolio = load_portfolio(args.file)
    rows = [{"algorithm": a.name, "kind": a.kind, "base": a.base or "", "configuration": a.configuration,
             "command": " ".join(a.command)} for a in portfolio]
    if args.format == "json":
        print(json.dumps({"portfolio": portfolio.name, "file": str(args.file), "algorithms": rows}, indent=2))
    else:
        print_table(list(rows[0]), [list(r.values()) for r in rows])
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Check every algorithm; 0 if all work, 1 otherwise."""
    import sys

    from asc.cli.output import print_table
    from asc.errors import UsageError
    from asc.portfolios import load_portfolio
    from asc.runs.smoke import check_algorithms

    if args.cutoff_time <= 0 or args.mem_limit <= 0 or args.jobs < 1:
        raise UsageError("--cutoff-time and --mem-limit must be positive and --jobs at least 1")
    portfolio = load_portfolio(args.file)
    print(f"checking {len(portfolio)} algorithms of {args.file} ...", file=sys.stderr)
    results = check_algorithms(list(portfolio), args.cutoff_time, args.mem_limit, args.jobs)
    works = sum(r.works for r in results)
    if args.format == "json":
        print(json.dumps({"file": str(args.file), "works": works, "total": len(results),
                          "algorithms": [r.__dict__ for r in results]}, indent=2))
    elif portfolio.kind == "qsar":  # one cross-validated run per pair on a tiny bundled dataset
        print_table(("algorithm", "configuration", "status", "rmse", "cpu", "works", "problem"),
                    [(r.algorithm, r.configuration, r.sat_status, r.unsat_status.removeprefix("rmse "), r.sat_time,
                      r.works, r.message) for r in results])
    else:
        print_table(("algorithm", "configuration", "sat", "unsat", "sat_cpu", "unsat_cpu", "works", "problem"),
                    [(r.algorithm, r.configuration, r.sat_status, r.unsat_status, r.sat_time, r.unsat_time,
                      r.works, r.message) for r in results])
        print(f"{works} of {len(results)} algorithms work")
    return 0 if works == len(results) else 1
