"""The runner with real python-sat solvers on shared instances, and its answer checks."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from asc.portfolios import Algorithm, pysat_algorithm
from asc.instances import CNF
from asc.runs.check import check_model, flag_contradictions, parse_output, read_formula
from asc.runs.record import RunRecord
from asc.runs.runner import RunRequest, execute
from asc.runs.status import RunStatus

#: Shared instances with known answers: random, structured, crafted edge cases
#: (no variables, the empty clause, units only), SATLIB's '%' end marker.
KNOWN = [
    ("satlib-uf50/uf50-01.cnf.xz", "SAT"),
    ("satlib-uf50/uuf50-01.cnf.xz", "UNSAT"),
    ("satlib-flat/flat30-1.cnf.xz", "SAT"),
    ("dimacs-dubois/dubois20.cnf.xz", "UNSAT"),
    ("dimacs-aim/aim-50-1_6-no-1.cnf.xz", "UNSAT"),
    ("satch-crafted/prime25.cnf.xz", "SAT"),
    ("satch-crafted/true.cnf.xz", "SAT"),
    ("satch-crafted/false.cnf.xz", "UNSAT"),
    ("satch-crafted/unit7.cnf.xz", "SAT"),
    ("satch-crafted/unit8.cnf.xz", "UNSAT"),
]
SOLVERS = ["cadical195", "kissat404", "minisat22"]
ROOT = Path(__file__).resolve().parents[2]


def make_formula(clauses: list[list[int]], nvars: int | None = None) -> CNF:
    return CNF.from_clauses(clauses, nvars)


def make_request(instance: Path | str, algo: Algorithm, expected: str | None = None, cutoff: float = 20,
                 mem: float | None = 1024) -> RunRequest:
    return RunRequest(str(instance), "h", algo, seed=1, repetition=1, cutoff_time=cutoff, mem_limit_mb=mem,
                      expected=expected)


@pytest.mark.parametrize("solver", SOLVERS)
def test_pysat_solvers_answer_known_instances_correctly(shared_dir, solver):
    algo = pysat_algorithm(solver)
    for rel, expected in KNOWN:
        r = execute(make_request(shared_dir / "instances" / rel, algo, expected))
        assert r.status.value == expected, (rel, r)
        assert r.model_checked == (expected == "SAT")
        assert r.algorithm == solver and r.configuration == "" and r.exit_code == (10 if expected == "SAT" else 20)
        assert 0 <= r.cpu_time < 20 and 0 <= r.wall_time < 45


@pytest.mark.slow
def test_every_default_portfolio_solver_answers_known_instances(shared_dir):
    from asc.portfolios import load_portfolio

    wrong = {}
    for algo in load_portfolio(ROOT / "portfolios" / "pysat.toml"):
        for rel, expected in KNOWN:
            r = execute(make_request(shared_dir / "instances" / rel, algo, expected))
            if r.status.value != expected:
                wrong[(algo.name, rel)] = f"{r.status.value}: {r.message}"
    # known solver bugs, reported faithfully by the harness (python-sat 1.9.dev17):
    # maplesat dies with SIGSEGV on the formula with no variables and no clauses
    known = {("maplesat", "satch-crafted/true.cnf.xz")}
    assert set(wrong) <= known, wrong
    assert all("CRASH" in wrong[k] for k in wrong)


def test_parameterized_pysat_configuration_runs(shared_dir):
    from asc.portfolios import parse_portfolio

    p = parse_portfolio('[[algorithm]]\nname = "g4r"\nbase = "glucose4"\n[algorithm.parameters]\n'
                        'phase = { type = "categorical", choices = ["solver", "random"] }\n'
                        'shuffle = { type = "categorical", choices = ["no", "yes"] }\n'
                        '[algorithm.configuration]\nphase = "random"\nshuffle = "yes"\n')
    r = execute(make_request(shared_dir / "instances" / "satlib-flat/flat30-1.cnf.xz", p["g4r"], "SAT"))
    assert r.status is RunStatus.SAT and r.model_checked and r.configuration == "-phase random -shuffle yes"


def test_wrapper_start_up_is_not_charged(tmp_path):
    """The same wrapper as a plain command is charged its interpreter start-up; as a pysat backend it is not."""
    f = tmp_path / "t.cnf"
    f.write_text("p cnf 2 2\n1 2 0\n-1 0\n")
    pysat = pysat_algorithm("minisat22")
    plain = Algorithm("plain", pysat.command, kind="command")
    a = execute(make_request(f, pysat))
    b = execute(make_request(f, plain))
    assert a.status is b.status is RunStatus.SAT
    assert b.cpu_time - a.cpu_time > 0.02, (a.cpu_time, b.cpu_time)


def test_requests_and_results_pickle(tmp_path):
    f = tmp_path / "t.cnf"
    f.write_text("p cnf 1 1\n1 0\n")
    req = make_request(f, pysat_algorithm("g4"), "SAT")
    assert pickle.loads(pickle.dumps(req)) == req
    res = execute(req)
    again = pickle.loads(pickle.dumps(res))
    assert again == res and again.status is RunStatus.SAT and isinstance(again, RunRecord)
    assert res.key == ("h", "glucose4", "", 1, 1)
    assert RunStatus("SAT") is RunStatus.SAT and f"{RunStatus.MEMOUT}" == "MEMOUT" and RunStatus.UNSAT.solved


def _inline(code: str) -> Algorithm:
    return Algorithm("inline", (sys.executable, "-c", code, "{instance}"))


@pytest.mark.parametrize("code, status, words", [
    ('import sys; print("s SATISFIABLE\\nv 1 2 0"); sys.exit(20)', "CRASH", "exit code 20"),
    ('import sys; print("s SATISFIABLE"); sys.exit(10)', "UNKNOWN", "without a model"),
    ('import sys; print("s SATISFIABLE\\nv 1 2"); sys.exit(10)', "WRONG", "truncated"),
    ('import sys; print("s SATISFIABLE\\ns UNSATISFIABLE"); sys.exit(10)', "CRASH", "conflicting"),
    ('import sys; print("s UNKNOWN"); sys.exit(0)', "UNKNOWN", "s UNKNOWN"),
    ('import sys; sys.exit(0)', "UNKNOWN", "no answer"),
    ('import sys; print("s SATISFIABLE\\nv 1 -1 2 0"); sys.exit(10)', "WRONG", "both true and false"),
    ('import sys; print("s SATISFIABLE\\nv 2 0"); sys.exit(0)', "SAT", ""),  # partial model that satisfies
    ('import sys; sys.stderr.write("boom\\n"); sys.exit(1)', "CRASH", "boom"),
])
def test_output_and_exit_code_rules(tmp_path, code, status, words):
    f = tmp_path / "t.cnf"
    f.write_text("p cnf 2 2\n1 2 0\n-1 2 0\n")
    r = execute(make_request(f, _inline(code)))
    assert r.status.value == status and words in r.message, r


def test_checked_sat_beats_a_wrong_known_answer(tmp_path):
    f = tmp_path / "t.cnf"
    f.write_text("p cnf 2 2\n1 2 0\n-1 2 0\n")
    r = execute(make_request(f, pysat_algorithm("m22"), expected="UNSAT"))
    assert r.status is RunStatus.SAT and r.model_checked and "known answer UNSAT is wrong" in r.message


def test_check_model_vectorised():
    f = make_formula([[1, 2], [-1, 3], [-2, -3]])
    assert check_model(f, np.array([1, -2, 3])).ok
    bad = check_model(f, np.array([1, 2, 3]))
    assert not bad.ok and bad.falsified == 1 and bad.first_falsified == 2
    assert not check_model(f, np.array([1])).ok  # clause 3 has no true literal
    assert check_model(f, np.array([-2, 3, 1, 7])).ok  # variables beyond the header are tolerated
    assert not check_model(f, np.array([1, -1, 3, -2])).ok
    assert not check_model(make_formula([[1], []], nvars=1), np.array([1])).ok  # the empty clause
    assert check_model(make_formula([], nvars=0), np.array([], dtype=np.int64)).ok


def test_parse_output():
    out = parse_output(b"c hello\ns SATISFIABLE\nv 1 -2\nv 3 0\n")
    assert out.answer == "SAT" and out.model.tolist() == [1, -2, 3] and out.model_terminated and not out.problems
    assert parse_output(b"s UNSATISFIABLE\n").answer == "UNSAT"
    assert parse_output(b"s WHATEVER\n").problems
    assert parse_output(b"v 1 x 0\ns SATISFIABLE\n").problems


#: Inputs the python-sat wrapper's former private reader got wrong: it dropped an
#: unterminated last clause (so the solver answered a smaller formula than the one its
#: model was checked against: WRONG), and a byte order mark or an inline comment made
#: every backend CRASH. Wrapper and checker now read through one reader.
ONE_READER_CASES = {
    "unterminated": b"p cnf 3 2\n1 2 0\n-1 3",
    "bom": b"\xef\xbb\xbfc saved on Windows\r\np cnf 3 2\r\n1 2 0\r\n-1 3 0\r\n",
    "inline comment": b"p cnf 3 2\n1 2 0 c the first clause\n-1 3 0\n",
}


@pytest.mark.parametrize("case", list(ONE_READER_CASES))
def test_checker_reads_the_whole_formula(tmp_path, case):
    path = tmp_path / "f.cnf"
    path.write_bytes(ONE_READER_CASES[case])
    formula = read_formula(path)
    assert formula.to_lists() == [[1, 2], [-1, 3]] and formula.nvars == 3
    assert check_model(formula, np.array([1, 2, 3])).ok
    # a model of the first clause alone: what a reader dropping the last clause would solve
    assert not check_model(formula, np.array([1, 2, -3])).ok


@pytest.mark.parametrize("solver", ["minisat22", "cadical195"])
@pytest.mark.parametrize("case", list(ONE_READER_CASES))
def test_wrapper_solves_the_formula_the_checker_checks(tmp_path, case, solver):
    path = tmp_path / "f.cnf"
    path.write_bytes(ONE_READER_CASES[case])
    r = execute(make_request(path, pysat_algorithm(solver)))
    assert r.status is RunStatus.SAT and r.model_checked and r.exit_code == 10, r


def test_wrapper_keeps_an_unterminated_last_clause_that_decides(tmp_path):
    path = tmp_path / "f.cnf"
    path.write_bytes(b"p cnf 1 2\n1 0\n-1")  # UNSAT only with its last clause
    r = execute(make_request(path, pysat_algorithm("minisat22")))
    assert r.status is RunStatus.UNSAT and r.exit_code == 20, r


@pytest.mark.parametrize("compress", ["gz", "bz2", "xz"])
def test_wrapper_reads_compressed_instances(tmp_path, compress):
    import bz2
    import gzip
    import lzma

    pack = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compress]
    path = tmp_path / f"f.cnf.{compress}"
    # satisfiable only with x3 true and x2 false: an unread formula would not check
    path.write_bytes(pack(b"p cnf 3 3\n1 2 0\n-1 3 0\n-2 0\n"))
    r = execute(make_request(path, pysat_algorithm("minisat22")))
    assert r.status is RunStatus.SAT and r.model_checked, r
    unsat = tmp_path / f"u.cnf.{compress}"
    unsat.write_bytes(pack(b"p cnf 1 2\n1 0\n-1 0\n"))
    assert execute(make_request(unsat, pysat_algorithm("minisat22"))).status is RunStatus.UNSAT


@pytest.mark.parametrize("mem", [1024, 200])  # 200 MiB: too little to load Numba, enough for the wrapper
def test_wrapper_reports_an_unreadable_instance_in_one_line(tmp_path, mem):
    path = tmp_path / "f.cnf"
    path.write_bytes(b"p cnf 2 1\n1 x 0\n")
    r = execute(make_request(path, pysat_algorithm("minisat22"), mem=mem))
    assert r.status is RunStatus.CRASH and r.exit_code == 2, r
    assert f"{path}:2: expected a literal" in r.message and "Traceback" not in r.message


def test_flag_contradictions_is_pure_and_keyed():
    class R:
        def __init__(self, h, status, checked, key):
            self.instance_hash, self.status, self.model_checked, self.key = h, status, checked, key

    runs = [R("a", "UNSAT", False, 1), R("a", "SAT", True, 2), R("b", "UNSAT", False, 3),
            R("b", "SAT", False, 4), R("c", RunStatus.UNSAT, False, 5), R("c", RunStatus.SAT, True, 6)]
    assert flag_contradictions(runs) == [1, 5]
