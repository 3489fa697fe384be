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

from asc.runs.record import MAX_SEED  # the one home of the seed range (light: stdlib only)

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


def step_seconds(text: str) -> float:
    """A finite number of seconds, 0 or more (a feature step limit of 0: every step times out)."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more seconds, got {text!r}")
    return value


def budget_seconds(text: str) -> float | str | None:
    """A feature budget: seconds (finite, 0 or more), ``none`` (no limit) or ``model`` (the model's default)."""
    word = text.strip().lower()
    if word in ("none", "model"):
        return None if word == "none" else "model"
    return step_seconds(text)


def par_factor(text: str) -> float:
    """A PAR penalty factor: a finite number, at least 1 (PAR1, PAR10...)."""
    value = _finite(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a penalty factor of at least 1 (10 for PAR10), got {text!r}")
    return value





def fraction(text: str) -> float:
    """A non-negative, finite relative amount (``0.05`` is 5%): a margin, a tolerance."""
    value = _finite(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number (0.05 for 5%), got {text!r}")
    return value


def seed(text: str) -> int:
    """A seed: a whole number from 0 to :data:`MAX_SEED`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {MAX_SEED}, got {text!r}")
    return value


def at_least(minimum: int) -> Any:
    """A value type: a whole number, ``minimum`` or more (folds, repetitions, trials...)."""

    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, got {text!r}")
        return value

    count.__name__ = f"whole number >= {minimum}"  # argparse names the type in some messages
    return count


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


#: The harness's default output limit per run (MiB), as :data:`asc.runs.limits.OUTPUT_LIMIT_MB`
#: (not imported: this module stays light; a test keeps the two equal).
DEFAULT_OUTPUT_LIMIT_MIB = 64.0


def add_output_limit_option(parser: argparse.ArgumentParser) -> None:
    """``--output-limit MiB``: the most one run may print on stdout or on stderr."""
    parser.add_argument("--output-limit", type=mebibytes, default=DEFAULT_OUTPUT_LIMIT_MIB, metavar="MiB",
                        help="most a run may print on stdout or on stderr, in MiB; a run that prints more is "
                             f"stopped and stored as a CRASH (default: {DEFAULT_OUTPUT_LIMIT_MIB:g}; raise it "
                             "for models of instances beyond about six million variables)")


def add_jobs_option(parser: Any, what: str) -> None:
    """``--jobs N``, default :data:`DEFAULT_JOBS`; ``what`` names what runs in parallel."""
    parser.add_argument("--jobs", type=jobs, default=DEFAULT_JOBS, metavar="N",
                        help=f"{what} (default: {DEFAULT_JOBS}; {ALL_CORES})")


# -- outputs never overwrite inputs ---------------------------------------------------------------


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: the same resolved path, or (both existing) the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False


def _input_files(path: str) -> list[str]:
    """``path`` and, for a folder, the files directly in it (a scenario folder's files are its inputs)."""
    names = [path]
    if os.path.isdir(path):
        try:
            names += [entry.path for entry in os.scandir(path) if entry.is_file()]
        except OSError:
            pass
    return names


def check_outputs(outputs: dict[str, Any], inputs: dict[str, Any], *, files: Sequence[str] = (),
                  make_folders: bool = False) -> None:
    """Refuse, before any work, outputs that would destroy an input or cannot be written.

    Parameters
    ----------
    outputs
        Option name (``"-o"``, ``"--csv"``...) -> path to be written (``None``: not given).
    inputs
        What the command reads, name -> path (or a list of paths; ``None``: not given).
        A folder stands for itself and the files directly in it.
    files
        Names in ``outputs`` that are single files: they must not be folders, and their
        folder must exist (or, with ``make_folders``, be creatable: the writer makes it).

    Raises
    ------
    asc.errors.InputError
        An output resolves to an input (a typo such as ``-o runs.sqlite`` for the store
        being read), two outputs are one file, or a file output's place is unusable.
    """
    from asc.errors import InputError

    given = {name: os.fspath(path) for name, path in outputs.items() if path is not None}
    read: list[tuple[str, str, bool]] = []  # (option, path, named on the command line)
    for name, value in inputs.items():
        if value is None:
            continue
        paths = [value] if isinstance(value, (str, os.PathLike)) else list(value)
        for path in paths:
            first, *inside = _input_files(os.fspath(path))
            read += [(name, first, True), *((name, p, False) for p in inside)]
    seen: dict[str, str] = {}
    for name, path in given.items():
        for what, source, named in read:
            if _same_file(path, source):
                whose = f"the input given as {what}" if named else f"{source}, read as part of {what}"
                raise InputError(f"{name} would overwrite {whose}; choose another output path "
                                 "(nothing was written)", path)
        for other, other_path in seen.items():
            if _same_file(path, other_path):
                raise InputError(f"{name} and {other} name the same file; give each output its own path", path)
        seen[name] = path
        if name in files:
            if os.path.isdir(path):
                raise InputError(f"{name} expects a file to write, found a folder", path)
            folder = os.path.dirname(os.path.abspath(path))
            if not make_folders and not os.path.isdir(folder):
                raise InputError(f"{name} expects a file in an existing folder; {folder} "
                                 f"{'is not a folder' if os.path.exists(folder) else 'does not exist'}", path)
            existing = folder
            while not os.path.exists(existing):
                existing = os.path.dirname(existing)
            if not os.path.isdir(existing):
                raise InputError(f"{name} cannot be written: {existing} is not a folder", path)
            if not os.access(existing, os.W_OK | os.X_OK):
                raise InputError(f"{name} cannot be written: no permission to write in {existing}", path)
