"""Entry point of the ``asc`` command: parses arguments and maps errors to exit codes.

Exit codes: 0 success, 2 bad input or usage (one line on stderr, never a
traceback), 130 interrupted. Commands that act as a SAT solver return 10/20
themselves.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from asc import __version__
from asc.errors import AscError

# Module names under asc.cli, in the order they are listed by ``asc --help``.
COMMANDS: tuple[str, ...] = (
    "select",
    "solve",
    "evaluate",
    "train",
    "aslib",
    "features",
    "portfolio",
    "collect",
    "runs",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="asc",
        description="Algorithm selection and configuration for combinatorial solvers.",
    )
    parser.add_argument("--version", action="version", version=f"asc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"asc.cli.{name}")
        except ModuleNotFoundError as exc:
            # A command whose module is not there yet is simply not offered.
            if exc.name == f"asc.cli.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asc`` command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="asc: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except AscError as exc:
        print(f"asc: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("asc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error of ours.
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
