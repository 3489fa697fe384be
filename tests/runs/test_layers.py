"""The lower layers import one way: errors <- aslib, instances <- features, portfolios <- runs.

Every ``asc`` import of a package's modules is read from the source (function-level
imports included, as they are the ones that load on demand), so a new upward import
fails here rather than in a circular import at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ASC = Path(__file__).resolve().parents[2] / "asc"

#: What each package may import besides itself.
ALLOWED = {
    "instances": {"errors"},
    "features": {"errors", "aslib", "instances"},
    "portfolios": {"errors", "aslib", "instances"},
    "runs": {"errors", "aslib", "instances", "features", "portfolios"},
}


def asc_imports(path: Path) -> set[tuple[str, int]]:
    """(imported asc subpackage or module, line) of every import in a source file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "asc" and len(parts) > 1:
                found.add((parts[1], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package):
    bad = [f"{f.relative_to(ASC.parent)}:{line}: imports asc.{target}"
           for f in sorted((ASC / package).rglob("*.py"))
           for target, line in sorted(asc_imports(f))
           if target not in ALLOWED[package] | {package}]
    assert not bad, "\n".join(bad)


def test_the_scan_sees_function_level_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from asc.runs.runner import execute\n")
    assert asc_imports(f) == {("runs", 2)}
