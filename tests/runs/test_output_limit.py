"""A solver's output is bounded: the harness's memory stays flat whatever a solver prints,
the captured output never passes the output limit, and an answer after a flood is still checked.

The harness runs in a subprocess of its own, so that its peak resident memory is its own
and not that of the test session: ``VmHWM`` of ``/proc/self/status``, not ``ru_maxrss``,
which a process started by vfork and exec inherits from its parent (here the tests).
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path


from asc.runs.check import parse_output
from asc.runs.limits import OUTPUT_LIMIT_MB

HERE = Path(__file__).resolve().parent
SAT_CNF = "c a satisfiable formula\np cnf 3 3\n1 2 0\n-1 3 0\n-2 -3 0\n"

#: Most the harness's peak resident memory may grow, in MiB, while a solver prints up to the
#: output limit: far below the limit itself, so that reading the output whole fails it.
GROWTH_MB = 32

#: The harness's own peak resident memory, in MiB, while solvers flood it without end and
#: no model is checked (interpreter, numpy, psutil): unbounded, the harness read a
#: solver's whole output and its memory grew with the flood.
FLAT_MB = 150

HARNESS = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {here!r})
from test_faults import make_algorithm, run
out = []
for args in {runs!r}:
    keep = Path(tempfile.mkdtemp())
    r = run(make_algorithm("flood.py", *args), Path({cnf!r}), cutoff=2, wall=60, keep_output=keep)
    out.append(dict(status=r.status.value, message=r.message, checked=r.model_checked,
                    stdout=(keep / "stdout.txt").stat().st_size))
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps(dict(runs=out, peak_mb=int(hwm.split()[1]) / 1024)))
"""


def make_harness_run(tmp_path: Path, *runs: tuple[str, ...]) -> dict:
    cnf = tmp_path / "sat.cnf"
    cnf.write_text(SAT_CNF)
    code = HARNESS.format(here=str(HERE), runs=[list(r) for r in runs], cnf=str(cnf))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_endless_output_ends_the_run_with_flat_harness_memory(tmp_path):
    got = make_harness_run(tmp_path, ("forever",), ("forever", "v"), ("forever", "oneline"))
    for r in got["runs"]:
        assert r["status"] == "CRASH" and "output limit exceeded" in r["message"], r
        # RLIMIT_FSIZE: the file stops at the limit, not where the next sample would have seen it
        assert r["stdout"] <= OUTPUT_LIMIT_MB * 2**20, r
    assert got["peak_mb"] < FLAT_MB, got


def test_a_model_after_a_flood_of_comments_is_checked(tmp_path):
    control = make_harness_run(tmp_path, ("0",))
    flooded = make_harness_run(tmp_path, (str(OUTPUT_LIMIT_MB - 4),))
    for got in (control, flooded):
        (r,) = got["runs"]
        assert r["status"] == "SAT" and r["checked"], r
    assert flooded["runs"][0]["stdout"] > (OUTPUT_LIMIT_MB - 4) * 2**20
    assert flooded["peak_mb"] - control["peak_mb"] < GROWTH_MB, (control, flooded)


def test_a_flood_of_v_lines_under_the_limit_is_judged_as_a_whole(tmp_path):
    """``v 1 1 1 ...`` for 40 MiB, then a model: one model sets variable 1 both ways."""
    (r,) = make_harness_run(tmp_path, ("40", "v"))["runs"]
    assert r["status"] == "WRONG" and "both true and false" in r["message"], r


def test_streamed_reading_gives_parse_outputs_verdict():
    """The runner's block-wise reading of stdout agrees with parsing the whole text."""
    from asc.runs import runner

    cases = [b"", b"s SATISFIABLE\nv 1 -2 3 0\n", b"c x\ns SATISFIABLE\nv 1 -2\nv 3 0", b"v\n", b"v",
             b"c asc-startup cpu=0.1 wall=0.2\ns SATISFIABLE\nv 1 0 2\n", b"v 1 2 0 0\n", b"v 1 x 0\n",
             b"s FOO\n", b"s SATISFIABLE\ns UNSATISFIABLE\n", b"vv 1\nv 12345 -678 0\r\n",
             b"c x\r\ns SATISFIABLE\r\nv 1 2\r\nv 3 0\r\n", b"v 0\n", b"v 1 1 -1 0\n", b"s UNKNOWN"]
    rng = random.Random(7)
    for _ in range(150):
        lines = []
        for _ in range(rng.randint(0, 8)):
            kind = rng.choice("scvvx")
            if kind == "s":
                lines.append(rng.choice([b"s SATISFIABLE", b"s UNSATISFIABLE", b"s UNKNOWN"]))
            elif kind == "c":
                lines.append(rng.choice([b"c hello", b"c asc-startup cpu=1 wall=2", b"c"]))
            elif kind == "v":
                lines.append(b"v " + b" ".join(b"%d" % rng.randint(-9, 9) for _ in range(rng.randint(0, 12))))
            else:
                lines.append(b"xyz 1 2")
        cases.append(b"\n".join(lines) + rng.choice([b"", b"\n"]))
    block = runner._BLOCK
    try:
        for text in cases:
            whole = parse_output(text)
            for size in (1, 2, 3, 7, 2**20):
                runner._BLOCK = size
                streamed = parse_output(runner._answer_lines(io.BytesIO(text)))
                assert streamed.answer == whole.answer and streamed.problems == whole.problems, (text, size)
                assert streamed.model_terminated == whole.model_terminated and streamed.comments == whole.comments
                assert (streamed.model is None) == (whole.model is None), (text, size)
                if whole.model is not None:
                    assert set(streamed.model.tolist()) == set(whole.model.tolist()), (text, size)
    finally:
        runner._BLOCK = block
