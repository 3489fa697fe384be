"""Start-up of the feature path: what is loaded, what is counted, how the process ends (issue 25, item 3).

No timing here (speed is benchmarks/features_speed.py's): these tests check the rules
that make start-up cheap and costs honest, each of which can be broken by an edit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest


def _python(code: str, jit: bool = False) -> str:
    """Run ``code`` in a fresh interpreter (this one has every kernel loaded) and return its stdout.

    ``jit``: with the Numba kernels even where the compiled ones are built (``ASC_KERNELS=jit``).
    """
    env = dict(os.environ, ASC_KERNELS="jit") if jit else None
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True,
                          env=env)
    return done.stdout


def test_warm_up_loads_only_the_kernels_of_the_steps_asked_for() -> None:
    # (the Numba kernels: the compiled ones have nothing to load)
    out = _python(
        "from asc.features import _kernels as K\n"
        "from asc.features.satzilla import warm_up\n"
        "warm_up(('Pre',))\n"
        "print(len(K.unit_propagate.overloads), len(K.clause_graph_degrees.overloads),"
        " len(K.variable_graph_degrees.overloads))\n"
        "warm_up(('Pre', 'CG'))\n"
        "print(len(K.clause_graph_degrees.overloads), len(K.variable_graph_degrees.overloads))\n", jit=True)
    first, second = out.split("\n")[:2]
    assert first.split() == ["1", "0", "0"]  # Pre's kernel, not CG's nor KLB's
    assert second.split() == ["1", "0"]  # CG's now, still not KLB's


@pytest.mark.parametrize("jit", [True, False])
def test_loading_the_kernels_does_not_import_scipy(jit) -> None:
    # Numba's BLAS probe imports scipy.linalg (0.2 CPU-s); no kernel of asc needs it
    out = _python(
        "import sys\n"
        "from asc.features.satzilla import warm_up\n"
        "warm_up()\n"
        "print('scipy.linalg' in sys.modules, 'psutil' in sys.modules)\n", jit=jit)
    assert out.split() == ["False", "False"]


def test_compilation_is_not_counted_by_a_feature_clock() -> None:
    from asc.features.satzilla import _Clock
    from asc.instances._jit import compile_seconds, njit

    @njit  # a new function: it compiles at its first call, inside the clock
    def _fresh(x):
        total = 0.0
        for i in range(x.size):
            total += np.sqrt(x[i]) * np.sin(x[i])
        return total

    before = compile_seconds()
    start = time.process_time()
    clock = _Clock(limit=1e-9)
    _fresh(np.arange(10.0))
    elapsed = clock.elapsed()
    spent = time.process_time() - start
    compiled = compile_seconds() - before
    assert compiled > 0  # the compilation was seen ...
    assert elapsed <= spent - compiled + 1e-6  # ... and left out of the step's time


def test_long_clauses_are_sorted_deduplicated_and_checked_for_tautologies() -> None:
    # clauses longer than 24 literals take the heap sort (not np.sort: its compile costs seconds)
    from asc.features import _kernels as K

    rng = np.random.default_rng(5)
    clauses = []
    for k in (25, 26, 40, 97, 300, 1000):
        vars_ = rng.integers(1, 60 if k < 100 else 5000, size=k)
        clause = vars_ * rng.choice([-1, 1], size=k)
        clauses.append(clause)
        clauses.append(np.abs(clause))  # no tautology, many repeats
    lits = np.concatenate(clauses).astype(np.int32)
    offs = np.concatenate(([0], np.cumsum([c.size for c in clauses]))).astype(np.int64)
    out, out_offs = K.normalise_clauses(lits, offs)
    expected = []
    for c in clauses:
        s = set(int(x) for x in c)
        if any(-x in s for x in s):
            continue
        expected.append(sorted(s, key=lambda x: (abs(x), x < 0)))
    got = [list(out[a:b]) for a, b in zip(out_offs[:-1], out_offs[1:])]
    assert got == expected
    assert len(expected) >= 6  # the unsigned copies survive


@pytest.mark.parametrize("command", ["features", "select"])
def test_the_fast_exit_commands_flush_everything_they_print(tmp_path, asc_exe, command) -> None:
    # these end with os._exit (no interpreter teardown): output must still be complete
    files = []
    for i in range(3):
        f = tmp_path / f"f{i}.cnf"
        f.write_text(f"p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 {'' if i else '-2 '}0\n")
        files.append(str(f))
    args = [*asc_exe, command, *(files if command == "features" else files[:1]), "--format", "json"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    import json

    report = json.loads(done.stdout)
    if command == "features":
        assert [r["path"] for r in report] == files
    else:
        assert report["algorithm"]
    bad = subprocess.run([*asc_exe, command, str(tmp_path / "missing.cnf")], capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 2 and "asc: error:" in bad.stderr


# -- the feature budget of asc select (issue 25, item 6) ------------------------------


def test_a_spent_budget_cuts_the_step_running_and_starts_no_other() -> None:
    from asc.features import compute_features
    from asc.instances import parse_cnf

    cnf = parse_cnf(b"p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n")
    res = compute_features(cnf, budget=0.0)
    assert res.steps["Pre"].status == "timeout"
    assert {s: (r.status, r.cost, r.values) for s, r in res.steps.items() if s != "Pre"} == \
        {s: ("timeout", 0.0, {}) for s in ("Basic", "KLB", "CG")}
    assert {r.status for r in compute_features(cnf, budget=60.0).steps.values()} == {"ok"}


def test_a_budget_too_small_for_cg_keeps_the_steps_before_it() -> None:
    # the dense kconfig-like input: Pre, Basic and KLB take milliseconds, CG seconds
    from asc.features import compute_features
    from asc.features.generators import dense_clause_graph_cnf

    res = compute_features(dense_clause_graph_cnf(8000, seed=1), budget=0.05)
    before = [res.steps[s] for s in ("Pre", "Basic", "KLB")]
    if any(r.status != "ok" for r in before):  # a machine this loaded cut earlier: the rule still holds
        assert res.steps["CG"].status == "timeout"
        return
    assert res.steps["CG"].status == "timeout" and res.steps["CG"].values == {}
    assert sum(r.cost for r in res.steps.values()) <= 0.05 + 0.5  # stopped at the next clock check


def test_select_with_no_feature_budget_left_chooses_the_backup(run_cli) -> None:
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "instances").rglob("*.cnf*"))
    assert files, "no bundled instance"
    result = run_cli("select", str(files[0]), "--feature-budget", "0", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["feature_budget"] == 0.0
    if report["reason"] != "presolved":
        assert report["reason"] == "backup" and report["feature_steps"]["Pre"]["status"] == "timeout"
    unlimited = json.loads(run_cli("select", str(files[0]), "--feature-budget", "none", "--format", "json").out)
    assert unlimited["feature_budget"] is None
    assert {s["status"] for s in unlimited["feature_steps"].values()} <= {"ok", "presolved"}
    default = json.loads(run_cli("select", str(files[0]), "--format", "json").out)
    assert default["feature_budget"] == 1.0  # a tenth of the shipped model's 10 s cutoff
