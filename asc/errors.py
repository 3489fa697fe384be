"""Typed exceptions shared by every part of ``asc``.

Library code raises these and never exits; the CLI (``asc.cli.main``) maps every
:class:`AscError` to a one-line message on stderr and exit status 2.
"""

from __future__ import annotations

from pathlib import Path


class AscError(Exception):
    """Base class of every error ``asc`` raises on purpose."""


class InputError(AscError):
    """Input that cannot be used: names the file, the line (when known) and what was expected.

    Parameters
    ----------
    message
        What is wrong, phrased as what was expected and what was found.
    path
        The file the problem is in, if any.
    line
        1-based line number in ``path``, if known.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"


class ScenarioError(InputError):
    """An ASlib scenario that cannot be read (missing file, malformed ARFF or YAML...)."""


class UsageError(AscError):
    """Arguments or options that do not fit together (bad selector name, bad option value)."""


class ModelError(AscError):
    """A model file that cannot be loaded (tampered, wrong version, wrong format)."""
