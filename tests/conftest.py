"""Shared test fixtures.

Tests may read the real data in ``../shared`` (beside the project root); tests that
need it skip with a clear reason when it is absent. Unit tests build tiny inputs
in code with ``make_*`` factories so they run anywhere.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` data folder; skips the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project")
    return SHARED


@dataclass
class CliResult:
    """Outcome of one in-process ``asc`` invocation."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_cli():
    """Run ``asc ARGS...`` in-process and capture exit status, stdout and stderr."""
    from asc.cli.main import main

    def _run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
        return CliResult(code, out.getvalue(), err.getvalue())

    return _run


@pytest.fixture(scope="session")
def asc_exe() -> list[str]:
    """Command prefix that runs the real ``asc`` entry point in a subprocess."""
    return [sys.executable, "-m", "asc"]
