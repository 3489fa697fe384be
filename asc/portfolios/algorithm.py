"""An algorithm of a portfolio: a command-line template, plus an optional fixed configuration.

Every algorithm, python-sat backends included, is run as an external command line
(python-sat backends through ``python -m asc.portfolios.pysat_solver``), so that
limits, measurement and answer parsing are the same for all of them.

Algorithms are frozen, hashable and picklable: they travel inside run requests to
worker processes and Dask workers. The interpreter path of python-sat backends is
resolved where the run happens (``{python}``), not where the portfolio was read.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import string
import sys
from dataclasses import dataclass, field
from typing import Any

#: Placeholders every command line may use.
#: ``{instance}`` path of the CNF file, ``{seed}`` integer seed, ``{cutoff}`` CPU-time
#: limit in seconds (a float: ``{cutoff:.0f}`` formats it), ``{cutoff_int}`` the limit
#: rounded up, ``{mem}`` memory limit in MiB (0 when unlimited), ``{python}`` the
#: interpreter running ``asc``, ``{params}`` the configuration's parameters formatted
#: with ``param_format`` (a whole token: one token per rendered word; inside a longer
#: token: the words joined by blanks).
#:
#: Every placeholder, parameters included, has a shell-quoted form ``{name!q}``
#: (``{cutoff!q:.0f}`` with a format spec): the formatted text passed through
#: :func:`shlex.quote`, for tokens a shell parses (the script after ``sh -c``).
#: ``{params!q}`` quotes each word on its own, so each stays one shell word.
RESERVED = frozenset({"instance", "seed", "cutoff", "cutoff_int", "mem", "python", "params"})

#: The conversion that shell-quotes a placeholder (``{instance!q}``).
QUOTE = "q"

#: Shells whose ``-c`` script is POSIX shell text, so :func:`shlex.quote` is the right
#: quoting there (csh, fish and other languages quote differently and are not listed).
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "ash", "yash", "posh"})

#: Default rendering of one parameter when ``{params}`` is expanded (split on blanks into tokens).
DEFAULT_PARAM_FORMAT = "--{name}={value}"


@dataclass(frozen=True)
class Parameter:
    """One parameter of a configuration space (kept as plain data so algorithms pickle cheaply).

    Parameters
    ----------
    name
        Identifier; also the placeholder ``{name}`` in the command line.
    type
        ``"categorical"``, ``"integer"`` or ``"float"``.
    default
        Default value (as it is substituted into the command line).
    choices
        Values of a categorical parameter.
    lower, upper
        Bounds of a numeric parameter (inclusive).
    log
        Whether a numeric parameter is sampled on a log scale.
    """

    name: str
    type: str
    default: Any
    choices: tuple[Any, ...] = ()
    lower: float | None = None
    upper: float | None = None
    log: bool = False


@dataclass(frozen=True)
class Algorithm:
    """A runnable algorithm.

    Parameters
    ----------
    name
        Unique name within a portfolio; the algorithm part of a run key.
    command
        Command-line template tokens (see :data:`RESERVED` for the placeholders).
    kind
        ``"pysat"`` (a python-sat backend), ``"command"`` (an external command line),
        or either of them with a configuration (``base`` set).
    backend
        The python-sat solver name, for python-sat backends.
    base
        Name of the algorithm this one configures, for parameterized algorithms.
    space
        The parameter space (empty for unparameterized algorithms).
    values
        The fixed configuration: ``(name, value)`` pairs sorted by name.
    param_format
        How one parameter is rendered where ``{params}`` stands.
    """

    name: str
    command: tuple[str, ...]
    kind: str = "command"
    backend: str | None = None
    base: str | None = None
    space: tuple[Parameter, ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    param_format: str = DEFAULT_PARAM_FORMAT
    description: str = field(default="", compare=False)

    @property
    def configuration(self) -> str:
        """The configuration string of run keys: ``-name value`` pairs sorted by name, ``""`` if none.

        The same spelling as SMAC/ASlib configuration strings, so it can be read back.
        """
        return " ".join(f"-{k} {shlex.quote(_text(v))}" for k, v in self.values)

    @property
    def config(self) -> dict[str, Any]:
        """The fixed configuration as a dict."""
        return dict(self.values)

    def config_space(self) -> Any:
        """The parameter space as a ``ConfigSpace.ConfigurationSpace`` (imported on demand)."""
        from asc.portfolios.space import to_configspace

        return to_configspace(self.space, name=self.name)

    def command_line(self, instance: str, seed: int, cutoff: float, mem_limit_mb: float | None = None) -> list[str]:
        """The concrete command line of one run.

        Parameters
        ----------
        instance
            Path of the CNF file.
        seed
            The run's seed.
        cutoff
            The CPU-time limit in seconds.
        mem_limit_mb
            The memory limit in MiB, or None.

        Returns
        -------
        list of str
            The argv to execute.
        """
        mapping: dict[str, Any] = {
            "instance": str(instance),
            "seed": int(seed),
            "cutoff": float(cutoff),
            "cutoff_int": int(math.ceil(cutoff)),
            "mem": int(mem_limit_mb or 0),
            "python": sys.executable,
        }
        mapping.update({k: _text(v) for k, v in self.values})
        mapping["params"] = _Words(self.param_tokens())
        argv: list[str] = []
        for token in self.command:
            if token == "{params}":
                argv.extend(self.param_tokens())
            else:
                argv.append(render(token, mapping))
        return argv

    def program_problem(self) -> str | None:
        """Why this algorithm's program cannot be started on this machine, or None if it can.

        The program is the command's first token. ``{python}`` is this interpreter; a
        bare name is looked up on ``PATH``; a path must be an executable file, and an
        absolute one, since every run starts in its own scratch folder where a relative
        path would not resolve. A first token made of other placeholders is not checked.
        """
        if not self.command:
            return "the command is empty"
        first = self.command[0]
        if first == "{python}":
            return None
        if placeholders(first):
            return None
        if "/" not in first:
            if shutil.which(first) is None:
                return f"program {first!r} not found on PATH"
            return None
        if not os.path.isabs(first):
            return (f"program {first!r} is a relative path, which does not resolve where runs start (each in "
                    f"its own scratch folder); give its absolute path, e.g. {os.path.abspath(first)!r}")
        if not os.path.isfile(first):
            return f"program {first!r} not found"
        if not os.access(first, os.X_OK):
            return f"program {first!r} is not executable (chmod +x it, or run it through an interpreter)"
        return None

    def param_tokens(self) -> list[str]:
        """The tokens ``{params}`` expands to."""
        out: list[str] = []
        for k, v in self.values:
            # split the template, not the formatted text, so values with blanks stay one token
            out.extend(t.format(name=k, value=_text(v)) for t in self.param_format.split())
        return out


def _text(value: Any) -> str:
    """Parameter values as substituted: booleans lower-case, integral floats without noise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _Words(tuple):
    """The words ``{params}`` renders to inside a longer token: joined by blanks (quoted one by one by ``!q``)."""

    def __format__(self, spec: str) -> str:
        return " ".join(format(w, spec) for w in self)


class _Quoted:
    """A value under ``!q``: formatted with the field's spec first, then shell-quoted.

    Python applies a conversion before the format spec; quoting has to come last (the
    quotes are not part of the number ``{cutoff!q:.0f}`` formats), so the conversion
    wraps the value and the wrapper quotes what the spec made of it.
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        if isinstance(self.value, _Words):
            return " ".join(shlex.quote(format(w, spec)) for w in self.value)
        return shlex.quote(format(self.value, spec))


class _Formatter(string.Formatter):
    """``str.format`` plus the conversion ``!q`` (shell quoting)."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == QUOTE:
            return _Quoted(value)
        return super().convert_field(value, conversion)


_FORMATTER = _Formatter()


def render(template: str, mapping: dict[str, Any]) -> str:
    """One command-line token with its placeholders substituted (``!q`` shell-quotes).

    Raises
    ------
    KeyError, IndexError, AttributeError, ValueError
        For a placeholder not in ``mapping`` or a format spec or conversion that does
        not apply (the loader renders every token once, so portfolio files fail there).
    """
    return _FORMATTER.vformat(template, (), mapping)


def shell_scripts(command: tuple[str, ...] | list[str]) -> list[tuple[int, str]]:
    """The tokens of ``command`` that a shell runs as its script: ``(index, shell)`` pairs.

    A token is a script when it is the first operand after ``-c`` (alone or in a cluster
    like ``-ec``) of a token naming one of :data:`SHELLS`, with or without a directory
    (``/bin/sh``), wherever it stands (``env sh -c``, ``timeout 10 bash -c``). Options
    between the shell and its script are skipped, with the argument of ``-o``/``+o``/
    ``-O``/``+O`` and of bash's ``--rcfile``/``--init-file``. Operands after the script
    (``$0``, ``$1``, ...) are not scripts: the shell never parses them.
    """
    found = []
    for i, tok in enumerate(command):
        shell = tok.rsplit("/", 1)[-1]
        if shell not in SHELLS:
            continue
        j, has_c = i + 1, False
        while j < len(command):
            opt = command[j]
            if opt in ("--", "-"):
                j += 1
                break
            if opt.startswith("--"):
                j += 2 if opt in ("--rcfile", "--init-file") else 1
            elif len(opt) > 1 and opt[0] in "-+":
                letters = opt[1:]
                has_c = has_c or (opt[0] == "-" and "c" in letters)
                j += 1 + letters.count("o") + letters.count("O")
            else:
                break
        if has_c and j < len(command):
            found.append((j, shell))
    return found


def unquoted_placeholders(template: str) -> list[str]:
    """Placeholders of shell script ``template`` the shell would parse as code.

    Those without ``!q``, and quoted ones that stand inside quotes of the script
    (``'{instance!q}'``, ``tee "{instance!q}.log"``): there the quotes
    :func:`shlex.quote` adds close the script's quotes instead of opening new ones,
    and inside double quotes ``$(...)`` still runs. Quotes are tracked with POSIX rules
    (:func:`_quoted_at_end`).
    """
    out = []
    seen = ""  # the script up to this field, earlier fields as one neutral word each
    for literal, name, _, conversion in string.Formatter().parse(template):
        seen += literal
        if name is None:
            continue
        if conversion != QUOTE or _quoted_at_end(seen):
            out.append(name.split(".")[0].split("[")[0])
        seen += "x"
    return out


def _quoted_at_end(script: str) -> bool:
    """Whether the end of POSIX shell text ``script`` lies inside single or double quotes.

    Follows nesting, since a command substitution opens a fresh context even inside
    double quotes (``"$(cat {instance!q})"`` is safe): a stack of contexts, ``'`` and
    ``"`` quotes, ``(`` a subshell or ``$(...)``, a backquote. Backslash escapes the next
    character outside single quotes; ``#`` at the start of a word starts a comment.
    Backquotes inside double quotes count as quoted (their parsing differs between
    shells). Here-documents are not followed.
    """
    stack = [""]
    i = 0
    while i < len(script):
        c, top = script[i], stack[-1]
        if top == "'":
            if c == "'":
                stack.pop()
        elif c == "\\":
            i += 1
        elif script.startswith("$(", i):
            stack.append("(")
            i += 1
        elif top == '"':
            if c == '"':
                stack.pop()
            elif c == "`":
                stack.append("`")
        elif c in "'\"":
            stack.append(c)
        elif c == "`" and top == "`":
            stack.pop()
        elif c == "`":
            stack.append("`")
        elif c == "(":
            stack.append("(")
        elif c == ")" and top == "(":
            stack.pop()
        elif c == "#" and (i == 0 or script[i - 1] in " \t\n;&|()"):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
        i += 1
    return stack[-1] in ("'", '"') or (stack[-1] == "`" and '"' in stack)


def placeholders(template: str) -> list[str]:
    """Names of the ``{placeholders}`` in one command-line token (format specs stripped)."""
    names = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.append(name.split(".")[0].split("[")[0])
    return names
