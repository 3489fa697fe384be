"""``asc portfolio prune``: text and JSON reports, the pruned portfolio file, a real store, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from asc.portfolios import load_portfolio

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "experiments" / "pysat-training" / "scenario"
PYSAT = ROOT / "portfolios" / "pysat.toml"
TINY = ("generated/parity-7.cnf.xz", "generated/subsetcard-8-s1.cnf.xz", "generated/php-8-7.cnf.xz",
        "shared/satlib-uf50/uuf50-01.cnf.xz", "shared/dimacs-aim/aim-200-1_6-yes1-3.cnf.xz")


def one_line(res) -> bool:
    return res.err.count("\n") == 1 and "Traceback" not in res.err


def test_json_report_is_the_text_report(run_cli):
    res = run_cli("portfolio", "prune", SCENARIO, "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["instances"] == 71 and len(data["algorithms"]) == 20 and data["target"]["margin"] == 0.05
    assert data["sbs"]["algorithm"] == "kissat404" and data["full"]["solved"] == 71
    assert data["chosen_par10"] <= 1.05 * data["full"]["par10"] and data["margin_met"] is True
    assert [p["size"] for p in data["curve"]] == list(range(1, 21))
    assert data["curve"][len(data["chosen"]) - 1]["members"] == data["chosen"]
    assert [m["algorithm"] for m in data["members"]] == data["chosen"]
    assert all({"par10", "own_par10", "contribution", "alone", "wins"} & set(m) for m in data["members"])
    text = run_cli("portfolio", "prune", SCENARIO)
    assert text.code == 0
    assert f"chosen: {len(data['chosen'])} algorithms, VBS PAR10 {data['chosen_par10']:.4g}" in text.out
    assert ", ".join(data["chosen"]) in text.out and "margin met" in text.out


def test_output_portfolio_copies_the_chosen_definitions(run_cli, tmp_path):
    out = tmp_path / "pruned.toml"
    res = run_cli("portfolio", "prune", SCENARIO, "--size", "4", "--portfolio", PYSAT, "-o", out,
                  "--format", "json")
    assert res.code == 0, res.err
    chosen = json.loads(res.out)["chosen"]
    pruned, full = load_portfolio(out), load_portfolio(PYSAT)
    assert pruned.names == chosen and len(chosen) == 4 and pruned.name == "pruned"
    for algorithm in pruned:
        assert algorithm == full[algorithm.name]
    text = out.read_text()
    assert text.startswith("# 4 of the 20 algorithms of") and "virtual best PAR10" in text


def test_portfolio_restricts_the_candidates(run_cli, tmp_path):
    three = tmp_path / "three.toml"
    three.write_text("".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n'
                             for a in ("minisat22", "glucose3", "lingeling")))
    res = run_cli("portfolio", "prune", SCENARIO, "--portfolio", three, "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert sorted(data["algorithms"]) == ["glucose3", "lingeling", "minisat22"]
    assert "ignoring 17 algorithms" in res.err


@pytest.mark.parametrize("args, words", [
    (("/no/such/store.sqlite",), "not found"),
    ((SCENARIO, "--margin", "-1"), "non-negative"),
    ((SCENARIO, "--size", "0"), "--size"),
    ((SCENARIO, "--size", "21"), "--size must be from 1 to the 20"),
    ((SCENARIO, "-o", "x.toml"), "-o needs --portfolio"),
    ((SCENARIO, "--portfolio", PYSAT, "-o", PYSAT), "overwrite"),
])
def test_bad_input_is_one_line_and_exit_2(run_cli, args, words):
    res = run_cli("portfolio", "prune", *args)
    assert res.code == 2 and one_line(res) and words in res.err, res.err


def test_not_a_store_or_scenario(run_cli, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database\n")
    res = run_cli("portfolio", "prune", junk)
    assert res.code == 2 and one_line(res), res.err
    res = run_cli("portfolio", "prune", tmp_path)  # a folder without description.txt
    assert res.code == 2 and one_line(res) and "description.txt" in res.err, res.err


def test_real_store(run_cli, tmp_path):
    """Three python-sat solvers collected on tiny bundled instances: the report agrees with `asc runs summary`."""
    folder = tmp_path / "inst"
    folder.mkdir()
    for name in TINY:
        shutil.copy(ROOT / "instances" / name, folder)
    portfolio = tmp_path / "three.toml"
    portfolio.write_text("".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n'
                                 for a in ("minisat22", "cadical153", "glucose3")))
    db = tmp_path / "runs.sqlite"
    res = run_cli("collect", "--portfolio", portfolio, "--instances", folder, "--cutoff-time", 5, "--db", db,
                  "--no-progress")
    assert res.code == 0, res.err
    summary = json.loads(run_cli("runs", "summary", "--db", db, "--format", "json").out)
    res = run_cli("portfolio", "prune", db, "--margin", "0", "--portfolio", portfolio, "-o", tmp_path / "p.toml",
                  "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["instances"] == len(TINY) and data["full"]["par10"] == pytest.approx(summary["vbs"]["par10"])
    assert data["full"]["solved"] == summary["vbs"]["solved"] == len(TINY)
    assert data["sbs"]["par10"] == pytest.approx(summary["sbs"]["par10"])
    assert data["chosen_par10"] == pytest.approx(data["full"]["par10"])  # margin 0: the whole VBS
    assert load_portfolio(tmp_path / "p.toml").names == data["chosen"]
    # the same store gives the same answer
    again = json.loads(run_cli("portfolio", "prune", db, "--margin", "0", "--format", "json").out)
    assert again["chosen"] == data["chosen"] and again["curve"] == data["curve"]


def test_subset_keeps_comments_and_refuses_a_dropped_base(tmp_path):
    from asc.errors import UsageError
    from asc.portfolios.subset import subset_text

    source = tmp_path / "src.toml"
    source.write_text('# the whole portfolio\nname = "src"\n\n[[algorithm]]\nname = "a"\npysat = "minisat22"\n\n'
                      '# b: glucose with a phase\n[[algorithm]]\nname = "b"\nbase = "glucose4"\n'
                      '[algorithm.parameters]\nphase = { type = "categorical", choices = ["solver", "neg"] }\n'
                      '[algorithm.configuration]\nphase = "neg"\n\n'
                      '[[algorithm]]\nname = "c"\nbase = "b"\n[algorithm.configuration]\nphase = "solver"\n')
    text = subset_text(source, ["b", "a"], "small", ["chosen by a test"])
    assert text.startswith("# chosen by a test\nname = \"small\"") and "# b: glucose with a phase" in text
    assert "# the whole portfolio" not in text
    small = load_portfolio_text(text)
    assert small.names == ["b", "a"] and small["b"] == load_portfolio(source)["b"]
    with pytest.raises(UsageError, match="based on 'b'"):
        subset_text(source, ["c"], "x")
    with pytest.raises(UsageError, match="not in portfolio"):
        subset_text(source, ["zz"], "x")


def load_portfolio_text(text):
    from asc.portfolios.loader import parse_portfolio

    return parse_portfolio(text)


def test_quality_scenario_is_refused(run_cli, shared_dir):
    res = run_cli("portfolio", "prune", shared_dir / "aslib" / "OPENML-WEKA-2017")
    assert res.code == 2 and one_line(res) and "runtime scenario" in res.err, res.err
