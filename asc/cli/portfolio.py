"""``asc portfolio``: inspect a portfolio file (``show``), check that its algorithms work (``check``), and
choose a smaller portfolio from measured runs (``prune``).

``asc portfolio check FILE`` runs every algorithm on a tiny satisfiable and a tiny
unsatisfiable formula under limits, and prints one row per algorithm. Exit status:
0 when every algorithm works, 1 when at least one does not (so it can gate a script
or CI job), 2 when the file is not a valid portfolio.

``asc portfolio prune RUNS`` chooses, from a run store or a runtime ASlib scenario, the
smallest subset of the algorithms whose virtual best stays within ``--margin`` of the whole
portfolio's (and/or has ``--size`` members), and reports the curve of the virtual best's
PAR-k against the subset size and each member's marginal contribution
(:mod:`asc.evaluation.prune`); ``-o FILE --portfolio FILE`` writes the subset as a portfolio file.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc portfolio show`` and ``asc portfolio check``."""
    from asc.cli.options import (add_cutoff_time_option, add_format_option, add_jobs_option, add_mem_limit_option,
                                 at_least, fraction, par_factor)

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

    r = sub.add_parser(
        "prune", help="choose a subset of the algorithms whose virtual best stays near the whole portfolio's",
        description="Choose, from measured runs, the smallest subset of the algorithms whose virtual best (VBS) "
                    "PAR-k is within --margin of the whole portfolio's (exact search over subsets while their "
                    "number fits --max-subsets, greedy forward selection beyond), and report the VBS against "
                    "the subset size and each member's marginal contribution. Ties are broken by the "
                    "algorithms' own PAR-k, then their names.")
    r.add_argument("source", metavar="RUNS", help="run store (.sqlite, from `asc collect`) or runtime ASlib "
                   "scenario folder")
    r.add_argument("--margin", type=fraction, default=None,
                   help="largest relative PAR-k above the whole portfolio's VBS (default 0.05 when --size is not "
                        "given)")
    r.add_argument("--size", type=at_least(1), default=None,
                   help="largest subset (with --margin), or the subset size (without it)")
    r.add_argument("--par", type=par_factor, default=10.0, help="penalty factor of unsolved runs (default 10: PAR10)")
    r.add_argument("--measure", choices=("cpu_time", "wall_time"), default="cpu_time",
                   help="time measure of a run store (default cpu_time)")
    r.add_argument("--max-subsets", type=at_least(0), default=100_000,
                   help="subsets exact search may evaluate before the search turns greedy (default 100000; 0: "
                        "greedy only)")
    r.add_argument("--portfolio", metavar="FILE", help="the portfolio file the runs were collected with: the "
                   "algorithms considered are those it names, and -o copies their definitions from it")
    r.add_argument("-o", "--output", metavar="FILE", help="write the chosen algorithms as a portfolio file "
                   "(needs --portfolio)")
    add_format_option(r)
    r.set_defaults(func=run_prune)


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


def run_prune(args: argparse.Namespace) -> int:
    """Choose the subset, print it (text or JSON) and write the portfolio file if asked."""
    import sys
    from dataclasses import replace
    from pathlib import Path

    from asc.cli.options import check_outputs
    from asc.errors import UsageError
    from asc.evaluation.prune import load_costs, prune

    if args.output and not args.portfolio:
        raise UsageError("-o needs --portfolio FILE: the pruned file copies the chosen algorithms' definitions "
                         "from it")
    check_outputs({"-o": args.output}, {"RUNS": args.source, "--portfolio": args.portfolio}, files=("-o",))
    data = load_costs(args.source, par=args.par, measure=args.measure)
    if args.portfolio:
        from asc.portfolios import load_portfolio

        names = load_portfolio(args.portfolio).names
        keep = [j for j, a in enumerate(data.algorithms) if a in names]
        left = [a for a in data.algorithms if a not in names]
        if not keep:
            raise UsageError(f"none of the {len(data.algorithms)} algorithms of {args.source} is in portfolio "
                             f"{args.portfolio}")
        if left:
            print(f"asc: ignoring {len(left)} algorithms of {args.source} not in {args.portfolio}: "
                  f"{', '.join(left)}", file=sys.stderr)
            data = replace(data, algorithms=tuple(data.algorithms[j] for j in keep), cost=data.cost[:, keep],
                           solved=data.solved[:, keep])
    result = prune(data, margin=args.margin, size=args.size, max_subsets=args.max_subsets)
    if args.output:
        from asc.portfolios.subset import subset_text

        how = (f"margin {result.margin:g}" if result.margin is not None else "") + \
              (", " if result.margin is not None and result.size else "") + (f"size {result.size}" if result.size
                                                                                else "")
        comments = [f"{len(result.chosen)} of the {len(result.algorithms)} algorithms of {args.portfolio}, chosen by",
                    f"`asc portfolio prune {args.source}` ({how}, PAR{result.par:g}, cutoff {result.cutoff:g} s):",
                    f"virtual best PAR{result.par:g} {result.chosen_par:.4g} against {result.full_par:.4g} for all "
                    f"{len(result.algorithms)} ({100 * result.relative:+.1f}%) on {result.instances} instances."]
        stem = Path(args.output).stem
        text = subset_text(args.portfolio, result.chosen, stem, comments,
                           description=f"{len(result.chosen)} algorithms of {Path(args.portfolio).name} chosen "
                                       f"on the runs of {Path(args.source).name}")
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            from asc.errors import InputError

            raise InputError(f"cannot write here: {exc.strerror or exc}", args.output) from None
        print(f"wrote {args.output}: {', '.join(result.chosen)}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        _print_prune(result)
    return 0


def _print_prune(result) -> None:
    """The text report: the target, the curve, the chosen members and every algorithm's contribution."""
    from asc.cli.output import print_table

    p = f"PAR{result.par:g}"
    print(f"{result.source}: {result.instances} instances, {len(result.algorithms)} algorithms, cutoff "
          f"{result.cutoff:g} s, {p}")
    print(f"all {len(result.algorithms)}: VBS {p} {result.full_par:.4g}, solves {result.full_solved}; "
          f"SBS {result.sbs} {p} {result.sbs_par:.4g}, solves {result.sbs_solved}")
    target = []
    if result.margin is not None:
        target.append(f"VBS within {100 * result.margin:g}% of all ({p} <= {result.threshold:.4g})")
    if result.size is not None:
        target.append(f"at most {result.size} algorithms" if result.margin is not None
                      else f"{result.size} algorithms")
    print("target: " + ", ".join(target))
    n = len(result.algorithms)
    search = (f"exact over every subset of up to {result.exact_up_to} algorithms" if result.exact_up_to else "")
    if result.exact_up_to < n:
        search += ("; " if search else "") + (f"greedy forward selection beyond (subsets of {result.exact_up_to + 1} "
                                              f"would exceed --max-subsets {result.max_subsets})")
    print(f"search: {search}")
    met = "" if result.margin_met is None else (" (margin met)" if result.margin_met else " (margin NOT met)")
    print(f"chosen: {len(result.chosen)} algorithms, VBS {p} {result.chosen_par:.4g} "
          f"({100 * result.relative:+.1f}% vs all), solves {result.chosen_solved}{met}: {', '.join(result.chosen)}")
    print("\ncurve: VBS against subset size")
    rows, before = [], ()
    for c in result.curve:
        # a greedy size adds one algorithm to the size before it: show what it adds
        added = [m for m in c.members if m not in before]
        grown = len(added) == 1 and set(before) <= set(c.members)
        rows.append((c.size, c.method, f"{c.par:.4g}", f"{100 * (c.par / result.full_par - 1):+.1f}%"
                     if result.full_par > 0 else "-", c.solved,
                     f"+ {added[0]}" if grown and before else ", ".join(c.members)))
        before = c.members
    print_table(("size", "method", f"VBS {p}", "vs all", "solved", "members"), rows)
    print(f"\nmembers: contribution = VBS {p} without it minus with it; alone = instances only it solves; "
          "wins = instances it is best on")
    print_table(("algorithm", f"own {p}", "solved", "contribution", "alone", "wins"),
                [(c.algorithm, f"{c.own_par:.4g}", c.own_solved, f"{c.contribution:.4g}", c.alone, c.wins)
                 for c in result.members])
    print(f"\nall {len(result.algorithms)} algorithms: contribution to the whole portfolio")
    print_table(("algorithm", f"own {p}", "solved", "contribution", "alone", "wins"),
                [(c.algorithm, f"{c.own_par:.4g}", c.own_solved, f"{c.contribution:.4g}", c.alone, c.wins)
                 for c in result.full_members])
