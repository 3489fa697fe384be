"""Entry point of the ``asc`` command: parses arguments and maps errors to exit codes.

Exit codes (:data:`EXIT_CODES`, listed by ``asc --help``): 0 success; 1 findings or
failed runs (``asc aslib validate`` found errors, ``asc portfolio check`` found an
algorithm that does not work, ``asc collect`` had runs fail in the harness); 2 bad
input or usage (one line on stderr, never a traceback); 10 and 20 SATISFIABLE and
UNSATISFIABLE from ``asc solve``; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from asc import __version__
from asc.cli.options import OneLineParser
from asc.errors import AscError

# Module names under asc.cli, in the order they are listed by ``asc --help``.
COMMANDS: tuple[str, ...] = (
    "select",
    "solve",
    "evaluate",
    "report",
    "train",
    "aslib",
    "features",
    "portfolio",
    "collect",
    "runs",
    "configure",
    "experiment",
)

#: Exit status -> meaning, as documented by ``asc --help`` and README.md.
EXIT_CODES: dict[int, str] = {
    0: "success ('asc solve': also s UNKNOWN, no answer within the limits)",
    1: "findings or failed runs: 'aslib validate' found errors, 'portfolio check' an algorithm "
       "that does not work, 'collect' runs that failed in the harness",
    2: "bad input or usage: one line on stderr, never a traceback",
    10: "'asc solve': SATISFIABLE (the model checked)",
    20: "'asc solve': UNSATISFIABLE",
    130: "interrupted (Ctrl-C)",
}
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: Commands whose process ends without the interpreter's teardown (see :func:`console`).
FAST_EXIT: frozenset[str] = frozenset({"features", "select"})
_command: list[str | None] = [None]  # the command the last parse named


def exit_codes_epilog() -> str:
    """The exit-status table at the end of ``asc --help``."""
    import textwrap

    return "exit status:\n" + "\n".join(
        textwrap.fill(text, width=78, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7)
        for code, text in EXIT_CODES.items())


def named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, when it surely names one (None for help, a version or no command)."""
    for arg in argv:
        if arg in ("-h", "--help", "--version"):
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand, or only with ``only``.

    A command line that names a command is parsed by a parser holding that command
    alone: each command's module is imported to add its parser, and importing all of
    them costs more start-up than an easy ``asc solve`` costs in all (see
    :mod:`asc.cli.presolve`). What the user sees does not change: the command's own
    options, help and errors are the same, and a line that names no known command
    gets the whole parser (its help, its list of commands).
    """
    parser = OneLineParser(
        prog="asc",
        description="Algorithm selection and configuration for combinatorial solvers.",
        epilog=exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"asc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"asc.cli.{name}")
        except ModuleNotFoundError as exc:
            # A command whose module is not there yet is simply not offered.
            if exc.name == f"asc.cli.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (captured in-process, io.UnsupportedOperation): nothing to flush at exit


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser(named_command(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    _command[0] = args.command
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="asc: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at exit
        return code
    except AscError as exc:
        print(f"asc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error of ours.
        _silence_stdout()
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asc`` command line; returns the process exit status (see :data:`EXIT_CODES`)."""
    swallowed: list[BaseException] = []
    default_hook = sys.unraisablehook

    def unraisable(hook_args: Any) -> None:
        # Ctrl-C landing in a C callback (llvmlite's, while Numba loads its cache) cannot
        # propagate: Python reports it as "Exception ignored" with a traceback and goes on.
        # Keep it instead, and end as interrupted once the command returns.
        if hook_args.exc_type is not None and issubclass(hook_args.exc_type, KeyboardInterrupt):
            swallowed.append(hook_args.exc_value)
        else:
            default_hook(hook_args)

    sys.unraisablehook = unraisable
    try:
        code = _run(argv)
        if swallowed:
            raise KeyboardInterrupt
        return code
    except KeyboardInterrupt:
        # anywhere, start-up and argument parsing included: one line, no traceback
        print("asc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        sys.unraisablehook = default_hook


def console() -> None:
    """The process entry point (``asc``, ``python -m asc``): run :func:`main` and end the process.

    For the commands in :data:`FAST_EXIT`, which hold no files, pools or stores open
    once they return, the process ends with ``os._exit`` after flushing its output:
    the interpreter's teardown (freeing the objects of some 600 modules, Numba's and
    LLVM's included) costs 0.1-0.2 CPU-s, a quarter of ``asc features`` on a small file.
    Other commands, and :func:`main` called in-process, end as usual.
    """
    code = main()
    if _command[0] in FAST_EXIT:
        try:
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # closed early (piped into head): not an error of ours, as in main
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
