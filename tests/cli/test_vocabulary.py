"""One command-line vocabulary: --format, --cutoff-time, --mem-limit, --jobs, the default selector, exit codes.

Every command is run for real on tiny inputs (a scenario built in code, bundled
instances, python-sat solvers); the parser itself is only inspected to find which
commands have which option, so that a command added later is checked too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from aslib_factories import make_scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "instances" / "generated" / "php-8-7.cnf.xz"


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """(command words, parser) of every leaf command under ``parser``."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix, parser
        return
    for name, child in subs[0].choices.items():
        yield from subcommands(child, (*prefix, name))


def option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def all_commands():
    from asc.cli.main import build_parser

    return list(subcommands(build_parser()))


def commands_with(flag: str) -> list[tuple[str, ...]]:
    return [words for words, p in all_commands() if option(p, flag) is not None]


# -- what the parser offers --------------------------------------------------------------------------


def test_every_format_option_speaks_text_and_json():
    for words, p in all_commands():
        action = option(p, "--format")
        if action is None:
            continue
        assert {"text", "json"} <= set(action.choices), words
        shown = set(action.metavar.strip("{}").split(","))
        assert "table" not in shown, words  # the deprecated spelling is accepted, not advertised
        # csv and arff only where the output is a table of data
        assert shown - {"text", "json"} <= ({"csv", "arff"} if words == ("features",) else set()), words
        # text is the default, except where the output is data meant for files (features: csv)
        assert action.default == ("csv" if words == ("features",) else "text"), words


def test_one_jobs_default_and_mem_limit_in_mib():
    from asc.cli.main import build_parser

    assert set(commands_with("--jobs")) == {("evaluate",), ("train",), ("features",), ("portfolio", "check"),
                                           ("collect",), ("configure",), ("experiment", "run"),
                                           ("experiment", "evaluate")}
    for words, p in all_commands():
        jobs = option(p, "--jobs")
        if jobs is not None:
            assert jobs.default == 1 and "-1" in jobs.help, words
        mem = option(p, "--mem-limit")
        if mem is not None:
            assert mem.metavar == "MiB" and "MiB" in mem.help and not re.search(r"\bMB\b", mem.help), words
        assert option(p, "--cutoff") is None or option(p, "--cutoff").help == argparse.SUPPRESS, words
    # 2048 MiB where a limit was required; none where none is a meaningful choice
    # (asc solve: a SAT solver; runs import: a record of the collection, not a choice)
    parser = build_parser()
    assert parser.parse_args(["collect", "--portfolio", "p", "--instances", "i",
                              "--cutoff-time", "1"]).mem_limit == 2048
    assert parser.parse_args(["portfolio", "check", "p"]).mem_limit == 2048
    assert parser.parse_args(["solve", "x.cnf"]).mem_limit is None
    assert parser.parse_args(["runs", "import", "r.csv"]).mem_limit is None


def test_jobs_minus_one_means_every_available_core():
    from asc.cli.main import build_parser
    from asc.cli.options import available_cores

    assert build_parser().parse_args(["features", "x.cnf", "--jobs", "-1"]).jobs == available_cores() >= 1
    assert build_parser().parse_args(["evaluate", "DIR", "--jobs", "2"]).jobs == 2


def test_evaluate_and_train_share_the_default_selector():
    from asc.cli.main import build_parser
    from asc.selectors.registry import DEFAULT_QUALITY_SELECTOR, DEFAULT_SELECTOR, SELECTORS, default_selector

    assert DEFAULT_SELECTOR in SELECTORS and DEFAULT_SELECTOR == "joint-regression+presolve"
    assert DEFAULT_QUALITY_SELECTOR in SELECTORS and not DEFAULT_QUALITY_SELECTOR.endswith("+presolve")
    assert (default_selector(True), default_selector(False)) == (DEFAULT_SELECTOR, DEFAULT_QUALITY_SELECTOR)
    parser = build_parser()
    # no --selector: both commands choose by the scenario's performance type, through default_selector
    assert parser.parse_args(["evaluate", "DIR"]).selector is None
    assert parser.parse_args(["train", "DIR", "-o", "m.skops"]).selector is None
    commands = (ROOT / "README.md").read_text().split("## Commands")[1]
    assert f"default selector is `{DEFAULT_SELECTOR}`" in commands


def test_help_ends_with_the_exit_codes(run_cli):
    from asc.cli.main import EXIT_CODES

    res = run_cli("--help")
    assert res.code == 0
    epilog = res.out[res.out.index("exit status:"):]
    assert [int(c) for c in re.findall(r"^  (\d+) ", epilog, re.M)] == [0, 1, 2, 10, 20, 130] == list(EXIT_CODES)
    # README documents the same codes
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Exit status"):]
    assert [int(c) for c in re.findall(r"^\| (\d+) \|", section, re.M)] == list(EXIT_CODES)


def test_help_starts_without_heavy_libraries():
    """Reading the default selector for --help must not load scikit-learn, numpy or pandas."""
    import sys

    code = ("import sys; from asc.cli.main import build_parser; build_parser(); "
            "print(sorted(m for m in ('sklearn', 'numpy', 'pandas', 'numba', 'smac', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- every command with a format, run for real in text and in json -----------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A tiny scenario, a one-solver portfolio and a run store collected from it."""
    from asc.aslib import write_scenario
    from asc.cli.main import main

    root = tmp_path_factory.mktemp("vocabulary")
    scenario = write_scenario(make_scenario(n_instances=30), root / "tiny")
    portfolio = root / "p.toml"
    portfolio.write_text('[[algorithm]]\nname = "minisat22"\npysat = "minisat22"\n')
    parameterized = root / "param.toml"
    parameterized.write_text('[[algorithm]]\nname = "g"\npysat = "glucose4"\n[algorithm.parameters]\n'
                             'phase = { type = "categorical", choices = ["solver", "pos", "neg"] }\n')
    listing = root / "instances.txt"
    listing.write_text(f"{SMALL}\n")
    db = root / "runs.sqlite"
    # no --mem-limit: the default, 2048 MiB
    code = main(["collect", "--portfolio", str(portfolio), "--instances", str(listing), "--cutoff-time", "10",
                 "--db", str(db), "--no-progress"])
    assert code == 0
    return {"scenario": scenario, "portfolio": portfolio, "db": db, "instances": listing,
            "parameterized": parameterized, "root": root}


def command_line(name: str, inputs: dict) -> list:
    return {
        "select": ["select", SMALL],
        "evaluate": ["evaluate", inputs["scenario"], "--selector", "sbs"],
        "report": ["report", inputs["scenario"], "-o", inputs["root"] / "report"],
        "aslib info": ["aslib", "info", inputs["scenario"]],
        "aslib validate": ["aslib", "validate", inputs["scenario"]],
        "features": ["features", SMALL],
        "portfolio show": ["portfolio", "show", inputs["portfolio"]],
        "portfolio check": ["portfolio", "check", inputs["portfolio"]],
        "portfolio prune": ["portfolio", "prune", inputs["scenario"]],
        # a second run of the same campaign: nothing left to run, the report in each format
        "collect": ["collect", "--portfolio", inputs["portfolio"], "--instances", inputs["instances"],
                    "--cutoff-time", "10",
                    "--db", inputs["db"], "--no-progress"],
        "runs summary": ["runs", "summary", "--db", inputs["db"]],
        # the first run searches (a 1 s budget), the second prints the finished search's result
        "configure": ["configure", "--portfolio", inputs["parameterized"], "--algorithm", "g", "--instances",
                      inputs["instances"], "--budget", "1", "--cutoff-time", "10", "--no-features",
                      "--db", inputs["root"] / "configure.sqlite", "-o", inputs["root"] / "R.toml", "--no-progress"],
        "experiment evaluate": ["experiment", "evaluate", ROOT / "experiments" / "default-model" / "spec.toml",
                                "--selector", "sbs"],
    }[name]


FORMATTED = ["select", "evaluate", "report", "aslib info", "aslib validate", "features", "portfolio show",
             "portfolio check", "portfolio prune", "collect", "runs summary", "configure", "experiment evaluate"]


def test_the_list_covers_every_command_with_a_format():
    # every command that prints results has --format (solve prints SAT-competition lines;
    # train and the export/import/from-csv actions print only what they wrote)
    assert sorted(FORMATTED) == sorted(" ".join(w) for w in commands_with("--format"))


@pytest.mark.parametrize("name", FORMATTED)
def test_text_and_json(run_cli, inputs, name):
    args = command_line(name, inputs)
    text = run_cli(*args, "--format", "text")
    assert text.code == 0, text.err
    assert text.out.strip() or name == "aslib validate"  # (a valid scenario: no findings, the verdict on stderr)
    assert "asc: warning" not in text.err
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.out)
    as_json = run_cli(*args, "--format", "json")
    assert as_json.code == 0, as_json.err
    assert json.loads(as_json.out)
    if name == "collect":
        assert json.loads(as_json.out)["skipped"] == 1


def test_collect_without_mem_limit_records_2048_mib(run_cli, inputs):
    summary = json.loads(run_cli("runs", "summary", "--db", inputs["db"], "--format", "json").out)
    assert summary["mem_limit_mb"] == 2048


# -- deprecated spellings: still work, warn once on stderr, behave like the new ones ------------------


@pytest.mark.parametrize("name", ["evaluate", "aslib info", "portfolio show", "runs summary"])
def test_format_table_is_a_deprecated_alias_of_text(run_cli, inputs, name):
    args = command_line(name, inputs)
    new = run_cli(*args, "--format", "text")
    old = run_cli(*args, "--format", "table")
    assert old.code == new.code == 0
    assert old.out == new.out  # (all four are deterministic: seeded, no timings on stdout)
    warnings = [line for line in old.err.splitlines() if line.startswith("asc: warning:")]
    assert warnings == ["asc: warning: --format table is deprecated and will be removed in the next "
                        "release; use --format text"]


def test_cutoff_is_a_deprecated_alias_of_cutoff_time(run_cli, tmp_path):
    from asc.aslib import read_scenario

    (tmp_path / "perf.csv").write_text("instance,a,b\ni1,1,2\ni2,50,1\ni3,3,9\n")
    (tmp_path / "feats.csv").write_text("instance,f1\ni1,1\ni2,2\ni3,3\n")
    common = ["aslib", "from-csv", "--performance", tmp_path / "perf.csv", "--features", tmp_path / "feats.csv",
              "--folds", "2"]
    old = run_cli(*common, "--cutoff", "60", "-o", tmp_path / "old")
    new = run_cli(*common, "--cutoff-time", "60", "-o", tmp_path / "new")
    assert old.code == new.code == 0, old.err
    warnings = [line for line in old.err.splitlines() if line.startswith("asc: warning:")]
    assert warnings == ["asc: warning: --cutoff is deprecated and will be removed in the next release; "
                        "use --cutoff-time"]
    assert "asc: warning" not in new.err
    assert read_scenario(tmp_path / "old").description.algorithm_cutoff_time == 60.0
    assert read_scenario(tmp_path / "new").cost_matrix().equals(read_scenario(tmp_path / "old").cost_matrix())
    missing = run_cli(*common, "-o", tmp_path / "none")
    assert missing.code == 2 and "--cutoff-time" in one_line(missing.err)
    assert "--cutoff S" not in run_cli("aslib", "from-csv", "--help").out


# -- bad values: one line on stderr, exit 2, nothing on stdout ----------------------------------------


def limited(words: tuple[str, ...]) -> list[str]:
    """The command with its required arguments, so that only the option under test is wrong."""
    return {("collect",): ["collect", "--portfolio", "p.toml", "--instances", "i", "--cutoff-time", "1"],
            ("portfolio", "check"): ["portfolio", "check", "p.toml"],
            ("solve",): ["solve", "x.cnf"],
            ("runs", "import"): ["runs", "import", "r.csv"],
            ("evaluate",): ["evaluate", "DIR"],
            ("train",): ["train", "DIR", "-o", "m.skops"],
            ("features",): ["features", "x.cnf"],
            ("experiment", "run"): ["experiment", "run", "spec.toml"],
            ("experiment", "evaluate"): ["experiment", "evaluate", "spec.toml"],
            ("aslib", "from-csv"): ["aslib", "from-csv", "--performance", "p", "--features", "f", "-o", "o"],
            ("configure",): ["configure", "--portfolio", "p.toml", "--algorithm", "a", "--instances", "i",
                             "--budget", "5", "--cutoff-time", "1", "-o", "r.toml"]}[words]


BAD_NUMBERS = ["nan", "inf", "-inf", "-1", "0", "lots", ""]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_mem_limit_is_a_usage_error(run_cli, value):
    words_list = commands_with("--mem-limit")
    assert set(words_list) == {("collect",), ("portfolio", "check"), ("solve",), ("runs", "import"),
                               ("configure",)}
    for words in words_list:
        res = run_cli(*limited(words), "--mem-limit", value)
        assert res.code == 2 and res.out == "", (words, res.err)
        assert "argument --mem-limit:" in one_line(res.err)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_cutoff_time_is_a_usage_error(run_cli, value):
    words_list = commands_with("--cutoff-time")
    assert set(words_list) == {("collect",), ("portfolio", "check"), ("solve",), ("runs", "import"),
                               ("aslib", "from-csv"), ("configure",)}
    for words in words_list:
        args = [a for a in limited(words)]
        if "--cutoff-time" in args:  # collect: replace the valid one
            del args[args.index("--cutoff-time"):args.index("--cutoff-time") + 2]
        res = run_cli(*args, "--cutoff-time", value)
        assert res.code == 2 and res.out == "", (words, res.err)
        assert "argument --cutoff-time:" in one_line(res.err)


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "all", "nan"])
def test_bad_jobs_is_a_usage_error(run_cli, value):
    for words in commands_with("--jobs"):
        res = run_cli(*limited(words), "--jobs", value)
        assert res.code == 2 and res.out == "", (words, res.err)
        assert "argument --jobs:" in one_line(res.err)


def test_argparse_errors_are_one_line_too(run_cli):
    bad_choice = run_cli("evaluate", "DIR", "--format", "xml")
    assert bad_choice.code == 2 and "argument --format" in one_line(bad_choice.err)
    missing = run_cli("collect", "--portfolio", "p.toml")
    assert missing.code == 2 and "required" in one_line(missing.err)
    unknown = run_cli("nosuchcommand")
    assert unknown.code == 2 and one_line(unknown.err).startswith("asc: error:")


def test_budget_nan_is_a_usage_error(run_cli, tmp_path):
    res = run_cli("evaluate", tmp_path, "--selector", "auto", "--budget", "nan")
    assert res.code == 2 and "--budget" in one_line(res.err)


# -- exit codes ------------------------------------------------------------------------------------


def test_validate_findings_are_exit_1_and_an_unreadable_folder_exit_2(run_cli, tmp_path):
    from asc.aslib import write_scenario

    folder = write_scenario(make_scenario(), tmp_path / "tiny")
    assert run_cli("aslib", "validate", folder).code == 0
    (folder / "feature_runstatus.arff").unlink()
    found = run_cli("aslib", "validate", folder, "--format", "json")
    assert found.code == 1
    report = json.loads(found.out)
    assert not report["valid"] and any(f["rule"] == "required-file" for f in report["findings"])
    nothing = run_cli("aslib", "validate", tmp_path / "nowhere")
    assert nothing.code == 2 and "nowhere" in one_line(nothing.err)


def test_ctrl_c_is_exit_130_in_one_line(asc_exe, tmp_path):
    """SIGINT while a command waits for its input: 130, 'asc: interrupted', no traceback."""
    from child_signals import sigint_as_on_a_terminal

    fifo = tmp_path / "slow.cnf"
    os.mkfifo(fifo)
    proc = subprocess.Popen([*asc_exe, "features", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=sigint_as_on_a_terminal)
    deadline = time.monotonic() + 120
    writer = None
    while writer is None:  # the FIFO opens for writing once asc has opened it to read
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "asc never opened its input"
            time.sleep(0.05)
    try:
        time.sleep(0.2)  # asc is now blocked reading
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == 130, err
    assert err == "asc: interrupted\n" and out == ""


def test_a_closed_stdout_is_not_an_error(asc_exe):
    """`asc ... | head`: the reader going away is exit 0 with nothing on stderr."""
    proc = subprocess.Popen([*asc_exe, "evaluate", "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0, err
    assert err == b""
