"""Issue 21, hostile use of the command line: every bad input is one line on stderr, exit 2,
and nothing already stored is lost."""

from __future__ import annotations

from pathlib import Path

PORTFOLIO = Path(__file__).resolve().parents[2] / "portfolios" / "pysat.toml"


def one_line(res) -> bool:
    return "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1


def _tiny_cnf(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.cnf").write_text("p cnf 2 2\n1 2 0\n-1 0\n")
    return folder


def test_collect_into_a_store_that_cannot_be_written_is_one_line(run_cli, tmp_path):
    instances = _tiny_cnf(tmp_path / "inst")
    (tmp_path / "runs.sqlite.lock").mkdir()  # the lock cannot be taken, as on a read-only folder
    res = run_cli("collect", "--portfolio", PORTFOLIO, "--instances", instances, "--cutoff-time", "2",
                  "--db", tmp_path / "runs.sqlite", "--no-progress")
    assert res.code == 2 and one_line(res), res.err
    assert "runs.sqlite" in res.err and "cannot write" in res.err
