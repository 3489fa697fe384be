"""The package's layers (pyproject.toml, ``[tool.importlinter]``) hold: nothing imports upwards.

import-linter reads every import of the package, function-level ones included (they
are the ones that load on demand), so a wrong-way import fails here rather than as a
circular import at run time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(cwd: Path = ROOT) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_layering_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout
