"""One vocabulary for the options the ``asc`` commands share.

``--format text|json`` (plus ``csv``/``arff`` where the output is a table of data),
``--cutoff-time S`` (seconds), ``--mem-limit MiB`` and ``--jobs N`` mean the same, are
validated the same way and default the same way in every command. Old spellings
(``--format table``, ``--cutoff``) still work for one release: they print a one-line
deprecation warning on stderr and behave like the new ones.

Bad values are usage errors: argparse reports them in one line on stderr and the
exit status is 2 (see :class:`OneLineParser`).

Standard library only: this module loads on CLI start-up paths.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

#: Memory limit per run, in MiB, of the commands that run solvers and need one.
DEFAULT_MEM_LIMIT_MIB = 2048.0
#: Processes (or parallel runs) by default: 1, reproducible and polite on shared machines.
DEFAULT_JOBS = 1
#: Old ``--format`` spellings, accepted for one release: old -> new.
DEPRECATED_FORMATS = {"table": "text"}
#: Help text of ``--jobs`` on how to use every core.
ALL_CORES = "-1 uses every core available to asc"


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2), like every other error of asc."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def warn_deprecated(old: str, new: str) -> None:
    """One line on stderr: ``old`` still works for this release, ``new`` is the spelling to use."""
    print(f"asc: warning: {old} is deprecated and will be removed in the next release; use {new}",
          file=sys.stderr)


# -- value types (argparse ``type=``): a bad value is a one-line usage error ----------------------


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def mebibytes(text: str) -> float:
    """A positive, finite memory size in MiB."""
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of MiB, got {text!r}")
    return value


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def jobs(text: str) -> int:
    """A number of processes: a positive integer, or -1 for every available core."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, got {text!r}") from None
    if value == -1:
        return available_cores()
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number (or -1 for every core), got {text!r}")
    return value


# -- deprecated spellings -------------------------------------------------------------------------


class _FormatAction(argparse.Action):
    """Stores ``--format``; a deprecated spelling warns and is stored as its new name."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if values in DEPRECATED_FORMATS:
            new = DEPRECATED_FORMATS[values]
            warn_deprecated(f"--format {values}", f"--format {new}")
            values = new
        setattr(namespace, self.dest, values)


class _DeprecatedAlias(argparse.Action):
    """A hidden old option name: warns, then stores its value where the new option does."""

    def __init__(self, option_strings: Sequence[str], dest: str, new: str = "", **kwargs: Any) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        warn_deprecated(str(option_string), self.new)
        setattr(namespace, self.dest, values)


# -- the options ----------------------------------------------------------------------------------


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json"),
                      default: str | None = None, help: str | None = None) -> None:
    """``--format``: ``text`` for people, ``json`` for machines (and ``csv``/``arff`` for data tables).

    ``choices[0]`` is the default unless ``default`` says otherwise. Deprecated
    spellings of an offered format are accepted (with a warning) but not shown.
    """
    default = default or choices[0]
    hidden = [old for old, new in DEPRECATED_FORMATS.items() if new in choices and old not in choices]
    parser.add_argument("--format", choices=[*choices, *hidden], default=default, action=_FormatAction,
                        metavar="{" + ",".join(choices) + "}",
                        help=help or f"output format on stdout: text for people, json for machines "
                                     f"(default: {default})")


def add_cutoff_time_option(parser: argparse.ArgumentParser, help: str, *, default: float | None = None,
                           required: bool = False, deprecated_alias: bool = False) -> None:
    """``--cutoff-time S`` (seconds); ``deprecated_alias`` also accepts the old ``--cutoff``."""
    parser.add_argument("--cutoff-time", type=seconds, default=default, required=required, metavar="S", help=help)
    if deprecated_alias:
        parser.add_argument("--cutoff", dest="cutoff_time", type=seconds, action=_DeprecatedAlias,
                            new="--cutoff-time", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_mem_limit_option(parser: argparse.ArgumentParser, help: str,
                         default: float | None = DEFAULT_MEM_LIMIT_MIB) -> None:
    """``--mem-limit MiB``; ``help`` says what is limited (a numeric default is appended to it)."""
    if default is not None and "default" not in help:
        help = f"{help} (default: {default:g})"
    parser.add_argument("--mem-limit", type=mebibytes, default=default, metavar="MiB", help=help)


def add_jobs_option(parser: Any, what: str) -> None:
    """``--jobs N``, default :data:`DEFAULT_JOBS`; ``what`` names what runs in parallel."""
    parser.add_argument("--jobs", type=jobs, default=DEFAULT_JOBS, metavar="N",
                        help=f"{what} (default: {DEFAULT_JOBS}; {ALL_CORES})")
