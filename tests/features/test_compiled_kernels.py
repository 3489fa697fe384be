"""The ahead-of-time compiled CNF kernels (``asc._cnf_kernels``) against their Numba versions.

The extension is optional (``asc/instances/_jit.py``): these tests check that it gives
the very values the Numba kernels give, that the callers' calls always fit its
exported types (none falls back to Numba, so a process using it never imports
Numba), and that a stale or absent extension is not used. Where it was not built,
the tests that need it skip, saying so; the rules of the fallback are tested anyway.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asc.features import _kernels as K
from asc.features import compute_features, satzilla
from asc.instances import _dimacs_kernels as D
from asc.instances import _jit, instance_hash, read_cnf

ROOT = Path(__file__).resolve().parents[2]
KERNEL_MODULES = (D, K)

needs_extension = pytest.mark.skipif(
    _jit.compiled_module() is None,
    reason="asc._cnf_kernels not built for these sources (python -m asc._build_kernels), or ASC_KERNELS=jit")


def _compiled_kernels() -> list[_jit.CompiledKernel]:
    return [getattr(m, name) for m in KERNEL_MODULES for name in m.AOT_SIGNATURES]


def _fallbacks() -> int:
    return sum(k.fallbacks for k in _compiled_kernels())


def _same(a: dict[str, float], b: dict[str, float]) -> list[str]:
    """Names whose values differ (NaN equals NaN; otherwise bit for bit)."""
    assert a.keys() == b.keys()
    return [n for n in a if not (a[n] == b[n] or (math.isnan(a[n]) and math.isnan(b[n])))]


def _files(shared_dir: Path | None) -> list[Path]:
    """Every bundled instance and every 12th shared one (a spread of families and sizes)."""
    files = sorted((ROOT / "instances").rglob("*.cnf*"))
    if shared_dir is not None:
        shared = sorted((shared_dir / "instances").rglob("*.cnf*"))
        files += shared[::12]
    return files


_JIT_VALUES = """
import json, sys
from asc.features import compute_features
from asc.instances import instance_hash, read_cnf
from asc.instances import _jit
assert _jit.compiled_module() is None
out = {}
for path in sys.argv[1:]:
    cnf = read_cnf(path)
    out[path] = [instance_hash(cnf), compute_features(cnf).values]
print(json.dumps(out))
"""


@needs_extension
def test_compiled_and_numba_kernels_give_identical_features(tmp_path) -> None:
    shared = ROOT.parent / "shared"
    files = _files(shared if (shared / "instances").is_dir() else None)
    assert len(files) > 20
    env = dict(os.environ, ASC_KERNELS="jit")
    done = subprocess.run([sys.executable, "-c", _JIT_VALUES, *map(str, files)], capture_output=True, text=True,
                          env=env, timeout=1800, check=True)
    reference = json.loads(done.stdout)
    before = _fallbacks()
    differ = {}
    for path in files:
        cnf = read_cnf(path)
        digest, values = reference[str(path)]
        assert instance_hash(cnf) == digest, path
        bad = _same(compute_features(cnf).values, values)
        if bad:
            differ[path.name] = bad[:5]
    assert not differ, differ
    assert _fallbacks() == before  # every call ran the compiled code


@needs_extension
@pytest.mark.parametrize("path", ["oriented", "edge-list-bits", "bits-exact", "bits-estimate"])
def test_every_clause_graph_path_runs_compiled_with_the_numba_values(path, monkeypatch) -> None:
    from asc.features.generators import dense_clause_graph_cnf

    if path == "oriented":
        monkeypatch.setattr(satzilla, "_MAX_BITS_BYTES", 0)
    elif path != "edge-list-bits":
        monkeypatch.setattr(satzilla, "_MAX_ADJ_BYTES", 0)
    if path == "bits-estimate":
        monkeypatch.setattr(satzilla, "_EXACT_WORK", 0)
        monkeypatch.setattr(satzilla, "_ESTIMATE_WORK", 0)
        monkeypatch.setattr(satzilla, "_MIN_CG_SAMPLES", 8)
    cnf = dense_clause_graph_cnf(400, nvars=90, seed=2)
    # units too, so that Pre's reduced formula is built
    cnf = type(cnf).from_clauses(cnf.to_lists() + [[1], [-2], [3, 4]], nvars=cnf.nvars)
    before = _fallbacks()
    compiled = compute_features(cnf).values
    assert _fallbacks() == before
    assert compiled["nclauses"] < cnf.nclauses
    assert satzilla.cg_clustering_is_estimated(compiled["nclauses"], compiled["CG_mean"]) == (path == "bits-estimate")
    for kernel in _compiled_kernels():  # the same run through the Numba kernels
        monkeypatch.setattr(sys.modules[kernel.jit.py_func.__module__], kernel.__name__, kernel.jit)
    assert _same(compute_features(cnf).values, compiled) == []


@needs_extension
def test_the_feature_path_with_compiled_kernels_never_imports_numba(tmp_path) -> None:
    f = tmp_path / "f.cnf"
    f.write_text("p cnf 5 5\n1 -2 0\n2 3 -4 0\n-1 -3 0\n4 5 0\n-5 0\n")
    out = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         "from asc.features import compute_features\n"
         "from asc.features.satzilla import warm_up\n"
         "from asc.instances import instance_hash, read_cnf\n"
         "from asc.instances._jit import compile_seconds\n"
         "warm_up()\n"
         f"cnf = read_cnf({str(f)!r})\n"
         "res = compute_features(cnf)\n"
         "print(instance_hash(cnf), {s.status for s in res.steps.values()}, 'numba' in sys.modules,"
         " 'llvmlite' in sys.modules, compile_seconds())\n"],
        capture_output=True, text=True, timeout=600, check=True).stdout.split()
    assert out[-3:] == ["False", "False", "0.0"]


def test_a_call_of_other_types_runs_the_numba_kernel_with_the_same_rule() -> None:
    values = np.array([3.0, K.RESERVED, 1.0, 2.0])
    expected = K.stats(values)
    assert expected == (2.0, math.sqrt(2.0 / 3.0), math.sqrt(2.0 / 3.0) / 2.0, 1.0, 3.0)
    # float32 and a strided view are not the exported f8[::1]: Numba compiles for them
    assert K.stats(values.astype(np.float32)) == pytest.approx(expected)
    strided = np.repeat(values, 2)[::2]
    assert not strided.flags.c_contiguous
    assert K.stats(strided) == expected
    if isinstance(K.stats, _jit.CompiledKernel):
        assert K.stats.fallbacks >= 2


@pytest.mark.parametrize(("code", "good", "bad"), [
    ("i8", [3, np.int64(3)], [True, 3.0, np.int32(3)]),
    ("b1", [True, np.bool_(False)], [1, None]),
    ("f8", [1.5, np.float64(2)], [1, np.float32(1)]),
    ("i4[::1]", [np.zeros(3, np.int32)], [np.zeros(3, np.int64), np.zeros((2, 2), np.int32),
                                          np.zeros(6, np.int32)[::2], [1, 2]]),
    ("u8[:, ::1]", [np.zeros((2, 3), np.uint64)], [np.zeros(3, np.uint64), np.zeros((3, 2), np.uint64).T]),
])
def test_exported_argument_types_accept_exactly_what_numba_types_alike(code, good, bad) -> None:
    check = _jit._argument_check(code)
    assert all(check(x) for x in good)
    assert not any(check(x) for x in bad)


def test_the_extension_is_only_used_when_built_from_the_current_sources(tmp_path) -> None:
    asc_dir = ROOT / "asc"
    copy = tmp_path / "asc"
    for name in _jit.COMPILED_SOURCES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asc_dir / name, copy / name)
    assert _jit.source_digest(copy) == _jit.source_digest()
    kernel = copy / "features" / "_kernels.py"
    kernel.write_bytes(kernel.read_bytes().replace(b"RESERVED = -512.0", b"RESERVED = -511.0"))
    assert _jit.source_digest(copy) != _jit.source_digest()
    ext = _jit.compiled_module()
    if ext is not None:
        assert ext.aot_digest() == _jit.source_digest()


def test_without_the_extension_the_kernels_are_numba_kernels() -> None:
    out = subprocess.run(
        [sys.executable, "-c",
         "from asc.features import _kernels as K\n"
         "from asc.instances import _dimacs_kernels as D, _jit\n"
         "print(_jit.compiled_module(), type(K.unit_propagate).__name__, type(D.scan_body).__name__)\n"
         "import numpy as np\n"
         "K.stats(np.ones(3))\n"
         "print(type(K.stats).__name__, len(K.stats.overloads))\n"],
        capture_output=True, text=True, timeout=600, check=True, env=dict(os.environ, ASC_KERNELS="jit")).stdout
    first, second = out.splitlines()[:2]
    assert first.split() == ["None", "LazyKernel", "LazyKernel"]
    assert second.split() == ["CPUDispatcher", "1"]
