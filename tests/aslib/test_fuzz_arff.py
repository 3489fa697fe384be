"""Fuzzing the ARFF reader and the scenario reader (issue 21): ScenarioError only.

Bytes-level: any bytes as an ARFF file. Structure-aware: the files of a small valid
scenario (``make_scenario``, rendered by the writer) with lines dropped, duplicated
or swapped, tokens replaced by ARFF syntax (quotes, braces, ``?``, ``%``, ``@``) and
bytes inserted; ``read_arff`` on the file alone and ``read_scenario`` on a folder
holding it beside the other, valid, files. Either reads or raises ScenarioError
naming the file, in one line. Profile: ``tests/conftest.py`` ("ci": 200 examples).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aslib_factories import make_scenario  # noqa: E402
from asc.aslib import read_scenario  # noqa: E402
from asc.aslib.arff import read_arff  # noqa: E402
from asc.aslib.writer import render_scenario  # noqa: E402
from asc.errors import ScenarioError  # noqa: E402

pytestmark = pytest.mark.timeout(300)

FILES = render_scenario(make_scenario(n_instances=4, seed=3))
ARFF_NAMES = sorted(name for name in FILES if name.endswith(".arff"))


def check_arff(path: Path) -> None:
    try:
        read_arff(path)
    except ScenarioError as exc:
        assert exc.path == str(path) and "\n" not in str(exc), str(exc)


def check_scenario(files: dict[str, bytes]) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        try:
            read_scenario(folder)
        except ScenarioError as exc:
            assert exc.path is not None and exc.path.startswith(str(folder)), str(exc)
            assert "\n" not in str(exc)
    finally:
        shutil.rmtree(folder)


@given(data=st.binary(max_size=300))
@example(data=b"")
@example(data=b"\xff\xfe")
def test_any_bytes_as_arff(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.arff"
        path.write_bytes(data)
        check_arff(path)


TOKENS = ["'", ": [", "- ", "*a", "&a", "!!python/object:os.system", "{{", "null", "~", "[]", "{}", '"', "{", "}", ",", "?", "%", "@DATA", "@ATTRIBUTE", "@RELATION", "x NUMERIC", "{a,b}", "STRING",
          "\\", "1e999", "nan", "-", "", " ", "\t", "@attribute a date", "{", "'a\\'", "{0 1}", "\x00", "é",
          "@ATTRIBUTE runstatus {ok,crash}", "@ATTRIBUTE instance_id STRING"]


@st.composite
def mutated(draw, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        what = draw(st.sampled_from(["drop", "duplicate", "swap", "token", "bytes", "truncate"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines.append(draw(st.sampled_from(TOKENS)))
        elif what == "drop":
            del lines[i]
        elif what == "duplicate":
            lines.insert(i, lines[i])
        elif what == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif what == "token":
            cells = lines[i].split(draw(st.sampled_from([",", " "])))
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.sampled_from(TOKENS)) if draw(st.booleans()) else draw(st.text(max_size=6))
            lines[i] = ",".join(cells)
        elif what == "bytes":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=4)) + lines[i][at:]
        elif what == "truncate":
            lines[i] = lines[i][:draw(st.integers(0, len(lines[i])))]
            del lines[i + 1:]
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


@given(data=st.data(), name=st.sampled_from(ARFF_NAMES))
def test_mutated_arff(data, name):
    text = data.draw(mutated(FILES[name]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text)
        check_arff(path)


@given(data=st.data(), name=st.sampled_from(sorted(FILES)))
def test_scenario_with_a_mutated_file(data, name):
    files = {n: t.encode() for n, t in FILES.items()}
    files[name] = data.draw(mutated(FILES[name]))
    check_scenario(files)


@given(data=st.data(), name=st.sampled_from(sorted(FILES)))
def test_scenario_with_a_fuzzed_file(data, name):
    files = {n: t.encode() for n, t in FILES.items()}
    files[name] = data.draw(st.binary(max_size=200))
    check_scenario(files)


@given(text=mutated(FILES["description.txt"]))
# found by Hypothesis: an algorithm's metainfo that is a string, not a mapping (was ValueError from dict())
@example(text=FILES["description.txt"].split("metainfo_algorithms:")[0].encode() + b"metainfo_algorithms:\n  a:\n    c")
@example(text=b"metainfo_algorithms:\n  a: [1, 2]\n")
def test_scenario_with_a_mutated_description(text):
    files = {n: t.encode() for n, t in FILES.items()}
    files["description.txt"] = text
    check_scenario(files)


def test_valid_scenario_reads():
    """The unmutated files read (so the mutations above start from a good scenario)."""
    folder = Path(tempfile.mkdtemp())
    try:
        for name, text in FILES.items():
            (folder / name).write_text(text)
        assert len(read_scenario(folder).instances) == 4
    finally:
        shutil.rmtree(folder)
