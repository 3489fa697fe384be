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
import shlex
import string
import sys
from dataclasses import dataclass, field
from typing import Any

#: Placeholders every command line may use.
#: ``{instance}`` path of the CNF file, ``{seed}`` integer seed, ``{cutoff}`` CPU-time
#: limit in seconds (a float: ``{cutoff:.0f}`` formats it), ``{cutoff_int}`` the limit
#: rounded up, ``{mem}`` memory limit in MiB (0 when unlimited), ``{python}`` the
#: interpreter running ``asc``, ``{params}`` (a whole token) the configuration's
#: parameters formatted with ``param_format``.
RESERVED = frozenset({"instance", "seed", "cutoff", "cutoff_int", "mem", "python", "params"})

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
        argv: list[str] = []
        for token in self.command:
            if token == "{params}":
                argv.extend(self.param_tokens())
            else:
                argv.append(token.format_map(mapping))
        return argv

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


def placeholders(template: str) -> list[str]:
    """Names of the ``{placeholders}`` in one command-line token (format specs stripped)."""
    names = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.append(name.split(".")[0].split("[")[0])
    return names
