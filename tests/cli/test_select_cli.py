"""``asc select``: real features of bundled CNFs, tiny real models, clear failures on bad inputs."""

from __future__ import annotations

import json
import zipfile

import pytest

from selection_factories import instance

SAT50 = "shared/satlib-uf50/uf50-01.cnf.xz"          # 50 variables, 218 clauses


def select_json(run_cli, *args):
    result = run_cli("select", *args, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_json_names_an_algorithm_of_the_model(run_cli, make_model_file):
    from asc.models.files import load_model

    path = make_model_file("rf-regression", n_estimators=10)
    algorithms = set(load_model(path).info.algorithms)
    report = select_json(run_cli, instance(SAT50), "--model", path)
    assert report["algorithm"] in algorithms
    assert report["reason"] == "predicted" and report["presolved"] is None
    ranking = report["ranking"]
    assert {r["algorithm"] for r in ranking} == algorithms
    assert ranking[0]["algorithm"] == report["algorithm"]
    # regression scores are predicted costs: ordered, and decoded into seconds
    costs = [r["predicted_cost"] for r in ranking]
    assert costs == sorted(costs) and all(c > 0 for c in costs)
    # only the model's steps were computed
    assert set(report["feature_steps"]) == {"Pre", "Basic"}
    assert all(s["status"] == "ok" for s in report["feature_steps"].values())


def test_explain_shows_this_instances_real_values(run_cli, make_model_file):
    report = select_json(run_cli, instance(SAT50), "--model", make_model_file("pairwise-rf", n_estimators=10),
                         "--explain")
    rows = {r["feature"]: r for r in report["explanation"]["features"]}
    assert set(rows) == {"nvarsOrig", "vars_clauses_ratio", "BINARYp"}
    assert rows["nvarsOrig"]["value"] == 50.0
    assert rows["vars_clauses_ratio"]["value"] == pytest.approx(50 / 218)
    assert rows["BINARYp"]["value"] == 0.0                 # uf50: only 3-literal clauses
    importance = [r["importance"] for r in report["explanation"]["features"]]
    assert importance == sorted(importance, reverse=True) and sum(importance) == pytest.approx(1.0)
    # the toy model learned from nvarsOrig in [0, 1]: 50 lies far outside, and z says so
    assert rows["nvarsOrig"]["z"] > 10


def test_text_output_leads_with_the_choice(run_cli, make_model_file):
    result = run_cli("select", instance(SAT50), "--model", make_model_file("knn"), "--explain", "--top", "2")
    assert result.code == 0, result.err
    first = result.out.splitlines()[0]
    assert first.startswith("algorithm: ") and first.split()[1] in {"minisat22", "glucose4", "cadical195"}
    assert "no feature importances" in result.out          # knn: ranked by |z| instead
    assert "nvarsOrig" in result.out


def test_presolved_instance_is_reported(run_cli, make_model_file):
    # one empty clause: unit propagation decides it while the Pre step runs
    report = select_json(run_cli, instance("shared/satch-crafted/false.cnf.xz"), "--model",
                         make_model_file("rf-regression", n_estimators=10))
    assert report["presolved"] == "UNSAT" and report["reason"] == "presolved"
    assert report["algorithm"] == report["backup"] == "minisat22"   # the training data's single best


def test_failed_features_fall_back_to_the_backup_solver(run_cli, make_model_file):
    report = select_json(run_cli, instance(SAT50), "--model", make_model_file("rf-regression", n_estimators=10),
                         "--step-timeout", "0")
    assert report["feature_steps"]["Pre"]["status"] == "timeout"
    assert report["reason"] == "backup" and report["algorithm"] == "minisat22"
    assert "backup" in report["note"]


def one_line_error(result) -> str:
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asc: error: "), result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_truncated_model_file(run_cli, make_model_file, tmp_path):
    data = make_model_file("rf-regression", n_estimators=10).read_bytes()
    bad = tmp_path / "truncated.skops"
    bad.write_bytes(data[: len(data) * 2 // 3])
    line = one_line_error(run_cli("select", instance(SAT50), "--model", bad))
    assert str(bad) in line and "corrupted or truncated" in line


def test_model_file_with_a_flipped_byte(run_cli, make_model_file, tmp_path):
    source = make_model_file("rf-regression", n_estimators=10)
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        member = max(archive.infolist(), key=lambda m: m.compress_size)
    # the member's data starts after its 30-byte local header, name and extra field
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    data[start + member.compress_size // 2] ^= 0x10
    bad = tmp_path / "flipped.skops"
    bad.write_bytes(bytes(data))
    line = one_line_error(run_cli("select", instance(SAT50), "--model", bad))
    assert "corrupted" in line and "checksum" in line


def test_malformed_cnf(run_cli, make_model_file, tmp_path):
    cnf = tmp_path / "bad.cnf"
    cnf.write_text("p cnf 3 2\n1 -2 0\n2 x 0\n")
    line = one_line_error(run_cli("select", cnf, "--model", make_model_file("rf-regression", n_estimators=10)))
    assert f"{cnf}:3" in line


def test_default_model(run_cli):
    from asc.models.compiled import load_predictor
    from asc.models.files import default_model_path

    path = default_model_path()
    if path.is_file():
        report = select_json(run_cli, instance(SAT50))
        # (the compiled form: a full skops load of a forest model takes tens of seconds)
        assert report["algorithm"] in load_predictor(path).info.algorithms
        assert report["model"] == str(path)
    else:
        line = one_line_error(run_cli("select", instance(SAT50)))
        assert "no default model installed" in line and "--model" in line


def test_select_loads_neither_scikit_learn_nor_skops(make_model_file):
    """The compiled model keeps the heavy libraries off select's start-up path."""
    import subprocess
    import sys

    code = ("import sys; from asc.cli.main import main; "
            f"code = main(['select', {str(instance(SAT50))!r}, '--model', "
            f"{str(make_model_file('pairwise-rf', n_estimators=10))!r}, '--format', 'json']); "
            "print(code, sorted(m for m in ('sklearn', 'skops', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
