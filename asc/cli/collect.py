"""``asc collect``: run a portfolio on instances under limits and store every run.

Resume is the default: the same command run again skips the runs already in the
store, so a killed campaign is continued by simply running it again.

Interrupts (Ctrl-C or SIGTERM): the first stops starting runs and stores the runs in
flight as they end by their limits; a second kills them at once and stores nothing of
them, so they run again on resume. Either way the exit status is 130.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc collect``."""
    from asc.cli.options import (add_cutoff_time_option, add_format_option, add_jobs_option, add_mem_limit_option,
                                 add_output_limit_option, at_least, seed)

    p = subparsers.add_parser(
        "collect",
        help="run a portfolio on instances and store the runs (resumable)",
        description=(
            "Run every algorithm of a portfolio on every instance, each run in its own process under "
            "a time and memory limit, and store each run in a SQLite run store as it ends. Running the "
            "same command again skips the runs already stored."
        ),
    )
    p.add_argument("--portfolio", required=True, metavar="FILE", help="portfolio file (portfolios/*.toml)")
    p.add_argument(
        "--instances", required=True, metavar="DIR|LIST",
        help="a directory (searched recursively for *.cnf[.gz|.bz2|.xz|.lzma]; for a kind = \"qsar\" portfolio "
             "QSAR datasets *.csv[.gz|.bz2|.xz|.lzma]) or a file with one path per line",
    )
    add_cutoff_time_option(p, "time limit per run in seconds", required=True)
    add_mem_limit_option(p, "memory limit per run in MiB")
    add_output_limit_option(p)
    p.add_argument("--repetitions", type=at_least(1), default=1, metavar="K", help="runs per instance and algorithm (default 1)")
    p.add_argument("--seed", type=seed, default=0, metavar="N", help="seed of repetition 1; repetition k uses N+k-1 (default 0)")
    where = p.add_mutually_exclusive_group()
    add_jobs_option(where, "parallel runs on this machine")
    where.add_argument("--scheduler", metavar="ADDR", help="address of a Dask scheduler (tcp://host:8786) to run on")
    p.add_argument("--pool", choices=("thread", "process"), default="thread", help=argparse.SUPPRESS)
    p.add_argument("--db", default="runs.sqlite", metavar="FILE", help="run store (default runs.sqlite)")
    p.add_argument(
        "--retry", default="", metavar="STATUS[,STATUS]",
        help="run again the stored runs with these statuses (e.g. CRASH,UNKNOWN) once their cause is fixed",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_format_option(p, help="format of the final report on stdout: text for people, json for machines "
                              "(default: text)")
    p.set_defaults(func=run)


def _terminate(signum: int, frame: Any) -> None:
    # SIGTERM (e.g. a cluster job at its time limit) acts as Ctrl-C: the first stops
    # starting runs and stores those in flight as they end; the second abandons them.
    raise KeyboardInterrupt


def _abandon(scheduler: Any) -> None:
    """Kill the runs in flight and say so; another interrupt meanwhile is ignored (they die anyway)."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        n = scheduler.abandon()
        if n:
            print(f"asc: abandoning the runs in flight: killed {n}; nothing is stored for them, and they "
                  "run again when the same command is run again", file=sys.stderr)
        else:
            print("asc: abandoning the runs in flight: nothing more is stored; runs not stored run again "
                  "when the same command is run again", file=sys.stderr)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run(args: argparse.Namespace) -> int:
    """Plan the campaign, skip what is stored, run the rest and report counts."""
    from pathlib import Path

    from asc.errors import InputError, UsageError
    from asc.runs import campaign as cp
    from asc.runs.store import RunStore

    if args.cutoff_time <= 0 or args.mem_limit <= 0:
        raise UsageError("--cutoff-time and --mem-limit must be positive")
    retry = [r.strip().upper() for r in args.retry.split(",") if r.strip()]
    from asc.runs.status import RunStatus

    statuses = {s.value for s in RunStatus}
    if set(retry) - statuses:
        raise UsageError(f"--retry takes statuses among {', '.join(sorted(statuses))}; got {args.retry!r}")
    cp.check_seeds(args.seed, args.repetitions)
    if not Path(args.portfolio).is_file():
        raise InputError("expected a portfolio file (e.g. portfolios/pysat.toml); not found", args.portfolio)
    from asc.cli.options import check_outputs

    check_outputs({"--db": args.db}, {"--portfolio": args.portfolio, "--instances": args.instances})
    # Instances first: a typo there should not wait for the portfolio's imports.
    problem = _portfolio_kind(args.portfolio)
    files = cp.find_instances(args.instances, problem)
    from asc.portfolios import load_portfolio

    portfolio = load_portfolio(args.portfolio)
    if not args.scheduler:  # on a cluster the programs are looked for where the runs go
        portfolio.check_programs()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with RunStore(args.db, write=True) as store:
            cp.check_limits(store, args.cutoff_time, args.mem_limit)
            rejected: list[str] = []

            def skip(f: Any, exc: Exception) -> None:
                rejected.append(str(f.path))
                print(f"asc: skipping {exc}", file=sys.stderr)

            instances = cp.hash_instances(files, store, on_error=skip, problem=problem)
            store.add_instances(instances)
            requests = cp.plan_runs(
                instances, list(portfolio.algorithms), cutoff_time=args.cutoff_time,
                mem_limit_mb=args.mem_limit, repetitions=args.repetitions, seed=args.seed,
                output_limit_mb=args.output_limit,
            )
            env = cp.environment(
                args.cutoff_time, args.mem_limit, portfolio=str(args.portfolio), instances=str(args.instances),
                scheduler=args.scheduler or f"local:{args.pool}", jobs=args.jobs, repetitions=args.repetitions,
                seed=args.seed, planned_runs=len(requests), output_limit_mb=args.output_limit,
            )
            campaign = store.start_campaign(args.cutoff_time, args.mem_limit, env)
            if args.scheduler:
                scheduler: Any = cp.DaskScheduler(args.scheduler)
            else:
                scheduler = cp.LocalScheduler(args.jobs, kind=args.pool)
            try:
                report = cp.run_campaign(
                    store, requests, scheduler, campaign_id=campaign.id, progress=not args.no_progress,
                    retry=retry,
                )
            except KeyboardInterrupt:
                # A second interrupt (or one outside the wait for results): the campaign
                # stores nothing more, so the runs in flight are killed rather than waited for.
                _abandon(scheduler)
                raise
            finally:
                scheduler.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_report(report, args, rejected)
    if report.errors:
        print(
            f"asc: {len(report.errors)} runs failed in the harness and were not stored; "
            "run the same command again to retry them",
            file=sys.stderr,
        )
        return 1
    if rejected:
        print(f"asc: {len(rejected)} of {len(files)} instance files could not be read and were skipped "
              "(each named above); fix or remove them and run the same command again", file=sys.stderr)
        return 2
    return 0


def _portfolio_kind(path: str) -> str:
    """``qsar`` when the portfolio file says ``kind = "qsar"`` (its instances are QSAR datasets), else ``sat``.

    A file that does not parse is ``sat`` here; loading it reports the error.
    """
    import tomllib
    from pathlib import Path

    try:
        kind = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("kind")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError):
        return "sat"
    return "qsar" if kind == "qsar" else "sat"


def _print_report(report: Any, args: argparse.Namespace, rejected: list[str]) -> None:
    counts = {k: v for k, v in sorted(report.by_status.items()) if v}
    if args.format == "json":
        data = {
            "db": str(args.db), "planned": report.planned, "skipped": report.skipped, "stored": report.done,
            "errors": len(report.errors), "unreadable_instances": rejected, "by_status": counts,
            "seconds": round(report.seconds, 3),
        }
        print(json.dumps(data, indent=2))
        return
    status = ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing to do"
    print(
        f"{args.db}: {report.done} runs stored, {report.skipped} already there, {report.planned} planned "
        f"({status}) in {report.seconds:.1f} s"
    )
