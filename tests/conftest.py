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


# Hypothesis (the readers' fuzz tests, tests/*/test_fuzz_*.py): the "ci" profile is the
# default so that every run tries the same examples (derandomize) in bounded time; run
# `pytest --hypothesis-profile=deep` to search longer with fresh random examples.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the test extra not installed: the fuzz tests skip themselves
    pass
else:
    settings.register_profile(
        "ci", max_examples=200, derandomize=True, deadline=3000, print_blob=True, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile("deep", max_examples=5000, derandomize=False, deadline=10000,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.load_profile("ci")
