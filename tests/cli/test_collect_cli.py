"""``asc collect`` and ``asc runs`` on the command line: bad input is one line, exit 2."""

from __future__ import annotations


def test_missing_portfolio_is_one_line(run_cli, tmp_path):
    res = run_cli("collect", "--portfolio", tmp_path / "nope.toml", "--instances", tmp_path,
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2
    assert "nope.toml" in res.err and "portfolio" in res.err
    assert "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1


def test_empty_instance_dir_and_bad_list(run_cli, tmp_path):
    portfolio = tmp_path / "p.toml"
    portfolio.write_text("# not read: the instances are checked first\n")
    (tmp_path / "empty").mkdir()
    res = run_cli("collect", "--portfolio", portfolio, "--instances", tmp_path / "empty",
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2 and "empty" in res.err and "found none" in res.err
    lst = tmp_path / "list.txt"
    lst.write_text("a.cnf\n")
    res = run_cli("collect", "--portfolio", portfolio, "--instances", lst,
                  "--cutoff-time", "1", "--mem-limit", "100", "--db", tmp_path / "r.sqlite")
    assert res.code == 2 and f"{lst}:1" in res.err
    assert "Traceback" not in res.err


def test_bad_limits_and_missing_store(run_cli, tmp_path):
    res = run_cli("collect", "--portfolio", tmp_path / "p.toml", "--instances", tmp_path,
                  "--cutoff-time", "0", "--mem-limit", "100")
    assert res.code == 2 and "positive" in res.err
    res = run_cli("runs", "summary", "--db", tmp_path / "missing.sqlite")
    assert res.code == 2 and "missing.sqlite" in res.err
    res = run_cli("runs", "export", "--db", tmp_path / "missing.sqlite")
    assert res.code == 2 and "--aslib" in res.err
