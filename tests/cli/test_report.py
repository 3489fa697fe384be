"""``asc report``: the page, its PNGs, and the numbers they are drawn from (issue 26, item 6).

The plots are checked for existence and validity (a PNG that decodes), and their numbers
(report.json) against what they must be: the stored runs themselves, and what
``asc evaluate`` reported. Pixels are not compared.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYSAT = ROOT / "experiments" / "pysat-training"
MANIFEST = ROOT / "instances" / "MANIFEST.csv"
#: Fast instances (hundredths of a second) and a few that maplechrono needs seconds for: timeouts at a 1 s cutoff.
INSTANCES = ("generated/tseitin-grid4x6.cnf.xz", "shared/satlib-flat/flat150-1.cnf.xz", "generated/php-8-7.cnf.xz",
             "generated/kcolor3-gnm200-460-s1.cnf.xz", "generated/parity-9.cnf.xz",
             "shared/satlib-uf50/uf50-01.cnf.xz", "generated/subsetcard-8-s1.cnf.xz", "generated/op-15.cnf.xz")
BACKENDS = ("minisat22", "maplechrono", "lingeling")
CUTOFF = 1.0


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, after checking its signature and that it decodes."""
    import matplotlib.image

    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (height, width)
    return width, height


def manifest_families() -> dict[str, str]:
    with MANIFEST.open(newline="", encoding="utf-8") as fh:
        return {row["file"]: row["family"] for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """A store from a real `asc collect` of 3 python-sat backends on 8 bundled instances, its scenario
    and a cross-validation of a selector on it, saved by `asc evaluate --save`."""
    from asc.cli.main import main

    root = tmp_path_factory.mktemp("report")
    portfolio = root / "p.toml"
    portfolio.write_text("".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n' for a in BACKENDS))
    listing = root / "instances.txt"
    listing.write_text("".join(f"{ROOT / 'instances' / n}\n" for n in INSTANCES))
    db = root / "runs.sqlite"
    assert main(["collect", "--portfolio", str(portfolio), "--instances", str(listing), "--cutoff-time",
                 str(CUTOFF), "--mem-limit", "1024", "--jobs", "2", "--db", str(db), "--no-progress"]) == 0
    scenario = root / "scenario"
    assert main(["runs", "export", "--db", str(db), "--aslib", str(scenario), "--folds", "4"]) == 0
    evaluation = root / "eval.json"
    assert main(["evaluate", str(scenario), "--selector", "knn", "--save", str(evaluation)]) == 0
    return {"root": root, "db": db, "scenario": scenario, "evaluation": evaluation}


def stored_runs(db: Path) -> list[tuple[str, str, str, float]]:
    """(instance name, algorithm, status, cpu time) of every stored run, read with sqlite3 itself."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT i.name, r.algorithm, r.status, r.cpu_time FROM runs r "
                       "JOIN instances i ON i.hash = r.instance_hash").fetchall()
    con.close()
    return rows


def curves(data: dict) -> dict[str, dict]:
    return {c["name"]: c for c in data["cactus"]}


def test_a_store_gives_the_page_and_the_cactus_counts_its_solved_runs(run_cli, campaign):
    out = campaign["root"] / "page"
    res = run_cli("report", campaign["db"], "-o", out, "--format", "json")
    assert res.code == 0, res.err
    printed = json.loads(res.out)
    data = json.loads((out / "report.json").read_text())
    assert printed["cactus"] == data["cactus"]
    # without an evaluation: the cactus and the tables, no selector, no scatter, no folds
    assert data["plots"] == {"cactus": "cactus.png"}
    assert "scatter" not in data and "folds" not in data and "selector" not in data
    assert png_size(out / "cactus.png")[0] > 300
    page = (out / "index.html").read_text()
    assert '<img src="cactus.png"' in page and "scatter.png" not in page

    runs = stored_runs(campaign["db"])
    assert len(runs) == len(INSTANCES) * len(BACKENDS)
    by_name = curves(data)
    for algorithm in BACKENDS:
        mine = [t for _, a, s, t in runs if a == algorithm and s in ("SAT", "UNSAT")]
        assert by_name[algorithm]["solved"] == len(mine)  # exactly its solved runs ...
        assert np.allclose(by_name[algorithm]["times"], sorted(min(t, CUTOFF) for t in mine))  # ... at their times
    # the single best: the lowest mean PAR10 over the instances, from the raw runs
    par10 = {a: np.mean([t if s in ("SAT", "UNSAT") else 10 * CUTOFF for _, b, s, t in runs if b == a])
             for a in BACKENDS}
    assert data["single_best"] == min(par10, key=par10.get)
    assert data["sbs"]["cost"] == pytest.approx(par10[data["single_best"]])
    # the virtual best dominates: at least as many solved, and its k-th solve never later than anyone's
    vbs = by_name["virtual best"]
    best_time = {}
    for inst, _, s, t in runs:
        if s in ("SAT", "UNSAT"):
            best_time[inst] = min(best_time.get(inst, np.inf), t)
    assert vbs["solved"] == len(best_time)
    assert np.allclose(vbs["times"], sorted(best_time.values()))
    for algorithm in BACKENDS:
        times = by_name[algorithm]["times"]
        assert vbs["solved"] >= len(times)
        assert all(v <= t + 1e-12 for v, t in zip(vbs["times"], times))
    # families: the bundled instances' manifest (found above the stored paths), one row each here
    family = manifest_families()
    assert {f["family"] for f in data["families"]} == {family[n] for n in INSTANCES}
    assert sum(f["instances"] for f in data["families"]) == len(INSTANCES)
    for row in data["families"]:
        assert row["vbs"]["solved"] >= max(a["solved"] for a in row["algorithms"].values())


def test_an_evaluation_adds_the_selector_the_scatter_and_the_gap_closed_asc_evaluate_reports(run_cli, campaign):
    out = campaign["root"] / "with-eval"
    res = run_cli("report", campaign["db"], "--evaluation", campaign["evaluation"], "-o", out)
    assert res.code == 0, res.err
    assert "gap closed" in res.out and "index.html" in res.out
    for name in ("cactus.png", "scatter.png", "gap_closed.png"):
        assert png_size(out / name)[1] > 200
    data = json.loads((out / "report.json").read_text())
    assert data["plots"] == {"cactus": "cactus.png", "scatter": "scatter.png", "gap_closed": "gap_closed.png"}

    evaluated = run_cli("evaluate", campaign["scenario"], "--selector", "knn", "--format", "json")
    assert evaluated.code == 0, evaluated.err
    ev = json.loads(evaluated.out)
    assert [f["fold"] for f in data["folds"]] == [f["fold"] for f in ev["per_fold"]]
    for drawn, printed in zip(data["folds"], ev["per_fold"], strict=True):
        assert drawn["gap_closed"] == pytest.approx(printed["gap_closed"], nan_ok=True)
        assert drawn["cost"] == pytest.approx(printed["cost"])
    assert data["selector"]["evaluation_gap_closed"] == pytest.approx(ev["summary"]["gap_closed"])
    # the global single best and the VBS the report computes are the evaluation's
    assert data["single_best"] == ev["summary"]["sbs_global"]
    assert data["sbs"]["cost"] == pytest.approx(ev["summary"]["sbs_global_cost"])
    assert data["vbs"]["cost"] == pytest.approx(ev["summary"]["vbs_cost"])
    assert data["selector"]["gap_closed"] == pytest.approx(ev["summary"]["gap_closed_global_sbs"])
    sel = curves(data)["selector (knn)"]
    assert sel["solved"] == ev["summary"]["solved"] == data["selector"]["solved"]
    # the scatter's points are the evaluation's per-instance costs
    saved = json.loads(campaign["evaluation"].read_text())
    per_instance = {r["instance_id"]: r for r in saved["per_instance"]}
    assert {p["instance"] for p in data["scatter"]["points"]} == set(per_instance)
    for p in data["scatter"]["points"]:
        r = per_instance[p["instance"]]
        assert p["selector_cost"] == pytest.approx(r["cost"])
        assert p["sbs_cost"] == pytest.approx(r["sbs_global"])
        assert p["selector_solved"] == r["solved"]
    # the selector's curve: its solved instances at the times the evaluation charged
    assert np.allclose(sel["times"], sorted(r["time"] for r in per_instance.values() if r["solved"]))
    # the evaluation file as SOURCE reads its scenario and gives the same numbers
    again = campaign["root"] / "from-eval"
    res = run_cli("report", campaign["evaluation"], "-o", again)
    assert res.code == 0, res.err
    other = json.loads((again / "report.json").read_text())
    assert other["folds"] == data["folds"] and other["scatter"] == data["scatter"]
    assert curves(other)["selector (knn)"] == sel


def test_the_training_scenario_with_its_manifest_families_and_timeouts_on_the_border(run_cli, tmp_path):
    evaluation = tmp_path / "knn.json"
    res = run_cli("evaluate", PYSAT / "scenario", "--selector", "knn", "--save", evaluation, "--format", "json")
    assert res.code == 0, res.err
    ev = json.loads(res.out)
    out = tmp_path / "page"
    res = run_cli("report", PYSAT / "scenario", "--evaluation", evaluation, "--families", MANIFEST, "-o", out,
                  "--title", "pysat-training", "--format", "json")
    assert res.code == 0, res.err
    data = json.loads((out / "report.json").read_text())
    assert data["title"] == "pysat-training" and "<h1>pysat-training</h1>" in (out / "index.html").read_text()
    for name in data["plots"].values():
        png_size(out / name)
    # every algorithm's curve counts its solved runs in the committed runs.csv
    with (PYSAT / "runs.csv").open(newline="") as fh:
        runs = list(csv.DictReader(fh))
    by_name = curves(data)
    algorithms = sorted({r["algorithm"] for r in runs})
    assert [a["algorithm"] for a in data["algorithms"]] == algorithms
    for algorithm in algorithms:
        solved = sum(r["algorithm"] == algorithm and r["status"] in ("SAT", "UNSAT") for r in runs)
        assert by_name[algorithm]["solved"] == solved
    assert by_name["virtual best"]["solved"] == 71 and data["single_best"] == ev["summary"]["sbs_global"]
    # families: the manifest's column, every instance in one
    family = manifest_families()
    instances = {r["instance_id"] for r in runs}
    assert {f["family"] for f in data["families"]} == {family[i] for i in instances}
    assert sum(f["instances"] for f in data["families"]) == len(instances) == 71
    for row in data["families"]:
        members = [i for i in instances if family[i] == row["family"]]
        assert row["instances"] == len(members)
        assert row["selector"]["solved"] <= row["instances"]
    # the scatter: a timeout sits on the border, at PAR10's cost of a timeout
    border = data["scatter"]["border"]
    assert border == 10 * data["cutoff"]
    unsolved = [p for p in data["scatter"]["points"] if not p["selector_solved"]]
    assert len(unsolved) == 71 - ev["summary"]["solved"] > 0
    assert all(p["selector_cost"] == border for p in unsolved)
    assert all(p["selector_cost"] <= data["cutoff"] for p in data["scatter"]["points"] if p["selector_solved"])
    assert [f["gap_closed"] for f in data["folds"]] == pytest.approx([f["gap_closed"] for f in ev["per_fold"]])


def test_without_a_manifest_a_family_is_the_instance_folder_then_the_leading_letters():
    from asc.evaluation.report import family_of_name, instance_families

    assert family_of_name("shared/dimacs-aim/aim-200-1_6-yes1-3.cnf.xz") == "dimacs-aim"
    assert family_of_name("uf250-01.cnf") == "uf"
    assert family_of_name("./SAT03/handmade/anton/UNSAT/SGI_30_70.cnf") == "anton"  # sorted by answer: one up
    assert family_of_name("0001.cnf") == "other"
    assert instance_families(["generated/php-8-7.cnf.xz", "a/b.cnf"], manifest=MANIFEST) == {
        "generated/php-8-7.cnf.xz": "gen-php", "a/b.cnf": "a"}


def test_bad_input_is_one_line_naming_the_file_and_nothing_is_overwritten(run_cli, campaign, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    res = run_cli("report", text, "-o", tmp_path / "r")
    assert res.code == 2 and str(text) in one_line(res.err) and "run store" in res.err
    res = run_cli("report", tmp_path / "missing.sqlite", "-o", tmp_path / "r")
    assert res.code == 2 and "missing.sqlite" in one_line(res.err)
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"summary": {}}')
    res = run_cli("report", campaign["db"], "--evaluation", foreign, "-o", tmp_path / "r")
    assert res.code == 2 and str(foreign) in one_line(res.err) and "asc-evaluation" in res.err
    # an evaluation of other instances (the training scenario's) beside this store
    saved = json.loads(campaign["evaluation"].read_text())
    saved["per_instance"][0]["instance_id"] = "elsewhere/x.cnf"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(saved))
    res = run_cli("report", campaign["db"], "--evaluation", other, "-o", tmp_path / "r")
    assert res.code == 2 and str(other) in one_line(res.err) and "elsewhere/x.cnf" in res.err
    assert not (tmp_path / "r").exists()
    # the output onto an input: the scenario folder, or a report.json that is the evaluation itself
    before = sorted(p.name for p in campaign["scenario"].iterdir())
    res = run_cli("report", campaign["scenario"], "-o", campaign["scenario"])
    assert res.code == 2 and "would overwrite" in one_line(res.err)
    assert sorted(p.name for p in campaign["scenario"].iterdir()) == before
    trap = tmp_path / "trap"
    trap.mkdir()
    (trap / "report.json").write_bytes(campaign["evaluation"].read_bytes())
    res = run_cli("report", campaign["db"], "--evaluation", trap / "report.json", "-o", trap)
    assert res.code == 2 and "would overwrite" in one_line(res.err)
    assert (trap / "report.json").read_bytes() == campaign["evaluation"].read_bytes()
    # evaluate --save refuses to write over its scenario's files
    res = run_cli("evaluate", campaign["scenario"], "--selector", "sbs", "--save",
                  campaign["scenario"] / "description.txt")
    assert res.code == 2 and "would overwrite" in one_line(res.err)


def test_help_and_start_up_do_not_load_matplotlib():
    import subprocess
    import sys

    code = ("import sys; from asc.cli.main import build_parser; p = build_parser(); "
            "p.parse_args(['report', 'x', '-o', 'y']); "
            "print(sorted(m for m in ('matplotlib', 'numpy', 'pandas', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
