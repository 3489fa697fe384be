"""End to end: a portfolio command wrapped in ``sh -c`` runs on hostile instance file names.

The portfolio file goes through the loader and each run through the harness
(:func:`asc.runs.runner.execute`), the solver being the well-behaved control
``fault_solvers/echo_sat.py`` behind a pipe, as users wrap solvers. A SAT answer with a
checked model proves the instance itself was read; no ``PWNED`` file proves the name
was never parsed as code. The script starts with ``cd`` into the test's folder so that
what injected code would create lands there (runs otherwise work in a scratch folder
the harness removes). The control runs the raw form, built past the loader, and shows
that the same names do create the files: the check above is not vacuous.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from asc.portfolios import Algorithm, load_portfolio
from asc.runs.runner import RunRequest, execute
from asc.runs.status import RunStatus

ECHO_SAT = Path(__file__).resolve().parent / "fault_solvers" / "echo_sat.py"
NAMES = {"a b;touch PWNED;.cnf": "PWNED", "$(touch PWNED2).cnf": "PWNED2"}


def make_instances(folder: Path) -> list[Path]:
    paths = []
    for k, name in enumerate(NAMES):
        f = folder / name
        sign = 1 if k % 2 == 0 else -1
        f.write_text(f"p cnf 2 2\n{sign} 0\n{-2 * sign} 0\n")  # one model, different per file
        paths.append(f)
    return paths


def _script(workdir: Path, instance: str) -> str:
    return f"cd {shlex.quote(str(workdir))} && {{python!q}} {shlex.quote(str(ECHO_SAT))} {instance} | cat"


def _run(algo: Algorithm, instance: Path) -> RunRequest:
    return execute(RunRequest(str(instance), "h", algo, seed=1, repetition=1, cutoff_time=10, mem_limit_mb=None,
                              expected="SAT"))


def test_quoted_instance_in_sh_c_is_read_and_never_run(tmp_path):
    data, work = tmp_path / "set", tmp_path / "work"
    data.mkdir()
    work.mkdir()
    portfolio = tmp_path / "wrapped.toml"
    portfolio.write_text(f'[[algorithm]]\nname = "piped"\ncommand = ["sh", "-c", {_script(work, "{instance!q}")!r}]\n')
    algo = load_portfolio(portfolio)["piped"]
    for instance in make_instances(data):
        r = _run(algo, instance)
        assert r.status is RunStatus.SAT and r.model_checked, (instance.name, r)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["set", "work", "wrapped.toml", *NAMES])


@pytest.mark.parametrize("name", list(NAMES))
def test_the_raw_form_runs_the_file_name(tmp_path, name):
    data, work = tmp_path / "set", tmp_path / "work"
    data.mkdir()
    work.mkdir()
    instance = [p for p in make_instances(data) if p.name == name][0]
    raw = Algorithm("raw", ("sh", "-c", _script(work, "{instance}")))
    _run(raw, instance)
    assert (work / NAMES[name]).exists()
