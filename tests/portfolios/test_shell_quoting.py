"""Placeholders in shell scripts: the quoted form ``{name!q}`` renders safely, raw ones are refused.

The rendering tests hand the rendered argv to a real ``sh`` and compare what the script
received with the original value, so a quoting bug shows as a wrong argument (or a
file the injected code made), not as a differing string.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from asc.errors import InputError
from asc.portfolios import Algorithm, load_portfolio, parse_portfolio
from asc.portfolios.algorithm import shell_scripts

#: File names a benchmark set downloaded from the internet may contain.
HOSTILE = [
    "a b;touch PWNED;.cnf",
    "$(touch PWNED2).cnf",
    "`touch PWNED3`.cnf",
    "it's \"quoted\".cnf",
    "tab\there\nnewline.cnf",
    "-n.cnf",
    "back\\slash $HOME *.cnf",
]


def make_portfolio_file(tmp_path: Path, command: str | list[str], extra: str = "") -> Path:
    """A portfolio file of one algorithm; a list command is written as a TOML array (JSON strings are TOML)."""
    if isinstance(command, list):
        command = json.dumps(command)
    f = tmp_path / "shell.toml"
    f.write_text(f'name = "shell"\n\n[[algorithm]]\nname = "wrapped"\ncommand = {command}\n{extra}')
    return f


def _refused(tmp_path: Path, command: str | list[str], extra: str = "") -> InputError:
    f = make_portfolio_file(tmp_path, command, extra)
    with pytest.raises(InputError) as info:
        load_portfolio(f)
    err = info.value
    assert err.path == str(f) and err.line == 5, err
    assert "algorithm 'wrapped'" in err.message and "\n" not in str(err), err
    return err


@pytest.mark.parametrize("command, token, name", [
    ('["sh", "-c", "minisat {instance} | tee log"]', "minisat {instance} | tee log", "instance"),
    ('"sh -c \'minisat {instance} | tee log\'"', "minisat {instance} | tee log", "instance"),  # the string form
    ('["/bin/bash", "-ec", "exec minisat {instance}"]', "exec minisat {instance}", "instance"),
    ('["dash", "-c", "minisat {instance!q} -rnd-seed={seed}"]', "minisat {instance!q} -rnd-seed={seed}", "seed"),
    ('["/usr/bin/zsh", "-c", "s {cutoff:.0f} {instance!q}"]', "s {cutoff:.0f} {instance!q}", "cutoff"),
    ('["ksh", "-c", "{python} s.py {instance!q}"]', "{python} s.py {instance!q}", "python"),
    ('["env", "LC_ALL=C", "bash", "-o", "pipefail", "-c", "s {instance} | tee l"]', "s {instance} | tee l",
     "instance"),
    ('["timeout", "60", "sh", "-e", "-c", "s {instance}"]', "s {instance}", "instance"),
    # quotes of its own around a quoted placeholder close instead of opening: still code
    ('["sh", "-c", "minisat \'{instance!q}\'"]', "minisat '{instance!q}'", "instance"),
    ('["sh", "-c", "minisat \\"{instance!q}\\""]', 'minisat "{instance!q}"', "instance"),
    ('["sh", "-c", "s {instance!q} | tee \\"{instance!q}.log\\""]', 's {instance!q} | tee "{instance!q}.log"',
     "instance"),
    (["sh", "-c", "x=\"$(cat '{instance!q}')\""], "x=\"$(cat '{instance!q}')\"", "instance"),
    ('["sh", "-c", "echo \\"`cat {instance!q}`\\""]', 'echo "`cat {instance!q}`"', "instance"),
])
def test_raw_placeholders_in_shell_scripts_are_refused(tmp_path, command, token, name):
    err = _refused(tmp_path, command)
    assert repr(token) in err.message and f"{{{name}}}" in err.message and f"{{{name}!q}}" in err.message, err


def test_raw_parameters_in_a_shell_script_are_refused(tmp_path):
    space = '[algorithm.parameters]\nphase = { type = "categorical", choices = ["a b", "c"] }\n'
    err = _refused(tmp_path, '["sh", "-c", "s --phase={phase} {instance!q}"]', space)
    assert "{phase!q}" in err.message
    err = _refused(tmp_path, '["sh", "-c", "s {params} {instance!q}"]', space)
    assert "{params!q}" in err.message


def test_the_cli_reports_a_raw_shell_placeholder_in_one_line_with_exit_2(run_cli, tmp_path):
    f = make_portfolio_file(tmp_path, '["sh", "-c", "minisat {instance} | tee log"]')
    res = run_cli("portfolio", "show", f)
    assert res.code == 2 and res.out == "", res
    assert res.err.count("\n") == 1 and f"{f}:5" in res.err and "{instance!q}" in res.err, res.err


@pytest.mark.parametrize("command", [
    '["sh", "-c", "minisat {instance!q} --seed={seed!q} -t {cutoff!q:.0f} -m {mem!q} | tee log"]',
    '"sh -c \'{python!q} -m s {instance!q} 2>&1 | tee log\'"',
    # the value as an argument after the script: the shell never parses it
    '["sh", "-c", "minisat \\"$1\\" | tee log", "sh", "{instance}"]',
    '["bash", "--norc", "-c", "minisat \\"$1\\"", "bash", "{instance}"]',
    # raw placeholders are fine wherever no shell parses them
    '["minisat", "-in={instance}", "-cpu-lim={cutoff_int}", "{instance}"]',
    '["sh", "wrapper.sh", "{instance}"]',  # a script file: its arguments are not code
    # quotes that closed before the placeholder, or a fresh context inside them
    ["sh", "-c", "echo \"it's\" 'a' \\' {instance!q} 'b'"],
    ["sh", "-c", "# don't\ns {instance!q}"],
    ["sh", "-c", "x=\"$(cat {instance!q})\"; echo \"$((1 + 2))\" {seed!q} `cat {instance!q}`"],
])
def test_quoted_and_argument_placeholders_are_accepted(tmp_path, command):
    p = load_portfolio(make_portfolio_file(tmp_path, command))
    assert p["wrapped"].command_line("/d/x.cnf", 1, 5.0)


def test_shell_scripts_finds_the_operand_after_c():
    assert shell_scripts(["sh", "-c", "s", "sh", "x"]) == [(2, "sh")]
    assert shell_scripts(["/bin/bash", "-eu", "-o", "pipefail", "-c", "s"]) == [(5, "bash")]
    assert shell_scripts(["bash", "--rcfile", "r", "-xc", "s"]) == [(4, "bash")]
    assert shell_scripts(["nice", "zsh", "-c", "s"]) == [(3, "zsh")]
    assert shell_scripts(["sh", "wrapper.sh", "-c", "x"]) == []  # -c after the script file is its argument
    assert shell_scripts(["shasum", "-c", "x"]) == [] and shell_scripts(["sh", "-c"]) == []


def _through_sh(algo: Algorithm, instance: str, cwd: Path, check: bool = True) -> list[str]:
    """Run the rendered command with a real sh; the script prints its words NUL-separated."""
    argv = algo.command_line(instance, 7, 9.5, 512)
    out = subprocess.run(argv, cwd=cwd, capture_output=True, check=check).stdout.decode()
    return out.split("\0")[:-1]


def test_quoted_placeholders_reach_the_shell_as_one_word_each(tmp_path):
    text = ('[[algorithm]]\nname = "w"\n'
            'command = ["sh", "-c", "printf \'%s\\\\0\' {instance!q} {seed!q} {cutoff!q:.1f} {cutoff_int!q} {mem!q} '
            '{phase!q} {params!q}"]\n'
            '[algorithm.parameters]\nphase = { type = "categorical", choices = ["a b", "$(touch PWNED4)"] }\n'
            'level = { type = "integer", lower = 1, upper = 9 }\n'
            '[algorithm.configuration]\nphase = "$(touch PWNED4)"\n')
    algo = parse_portfolio(text)["w"]
    for name in HOSTILE:
        words = _through_sh(algo, str(tmp_path / name), tmp_path)
        assert words == [str(tmp_path / name), "7", "9.5", "10", "512", "$(touch PWNED4)",
                         "--level=1", "--phase=$(touch PWNED4)"], (name, words)
    assert not [p.name for p in tmp_path.iterdir()], "the shell ran code from a value"


def test_raw_placeholders_are_what_the_check_is_for(tmp_path):
    """The same script with a raw placeholder, built past the loader, runs the file name as code."""
    raw = Algorithm("raw", ("sh", "-c", "printf '%s\\0' {instance}"))
    words = _through_sh(raw, str(tmp_path / "a b;touch PWNED;.cnf"), tmp_path, check=False)
    assert len(words) == 2 and (tmp_path / "PWNED").exists()


def test_params_inside_a_token_are_joined_and_quoted_word_by_word():
    text = ('[[algorithm]]\nname = "w"\ncommand = ["s", "--opts={params}", "{instance}"]\n'
            'param_format = "-{name} {value}"\n'
            '[algorithm.parameters]\nphase = { type = "categorical", choices = ["a b", "c"] }\n')
    algo = parse_portfolio(text)["w"]
    assert algo.command_line("x.cnf", 1, 1.0) == ["s", "--opts=-phase a b", "x.cnf"]
    quoted = Algorithm("q", ("sh", "-c", "s {params!q}", "{instance}"), values=(("phase", "a b"),),
                       param_format="-{name} {value}")
    assert quoted.command_line("x.cnf", 1, 1.0)[2] == "s -phase 'a b'"
    assert shlex.split(quoted.command_line("x.cnf", 1, 1.0)[2]) == ["s", "-phase", "a b"]


@pytest.mark.parametrize("command, words", [
    ('"s {instance:q}"', "{name!q}"),  # the other spelling a user may guess
    ('"s {instance!x}"', "Unknown conversion"),
    ('"s {instance:d}"', "format"),
])
def test_bad_conversions_and_specs_fail_when_the_file_is_read(tmp_path, command, words):
    f = make_portfolio_file(tmp_path, command)
    with pytest.raises(InputError) as info:
        load_portfolio(f)
    assert info.value.line == 5 and words in info.value.message, info.value


def test_show_prints_the_quoted_template(run_cli, tmp_path):
    f = make_portfolio_file(tmp_path, '["sh", "-c", "minisat {instance!q} | tee log"]')
    res = run_cli("portfolio", "show", f, "--format", "json")
    assert res.code == 0 and "{instance!q}" in json.loads(res.out)["algorithms"][0]["command"]


@pytest.mark.parametrize("script", [
    "x=\"$(printf '%s' {instance!q}; echo .)\"; printf '%s\\0' \"${{x%.}}\"",  # quoted in a fresh $( ) context
    "# it's a comment\nprintf '%s\\0' \"it's\" 'a' \\' {instance!q}",
])
def test_quoted_placeholders_after_closed_or_nested_quotes_stay_one_word(tmp_path, script):
    algo = load_portfolio(make_portfolio_file(tmp_path, ["sh", "-c", script]))["wrapped"]
    work = tmp_path / "work"
    work.mkdir()
    for name in HOSTILE:
        assert _through_sh(algo, str(tmp_path / name), work)[-1] == str(tmp_path / name), name
    assert not list(work.iterdir()), "the shell ran code from a value"
