"""Fuzzing the DIMACS reader (issue 21): any input parses or fails with one typed error.

Bytes-level: arbitrary bytes, and bytes built from the reader's own alphabet (digits,
signs, ``c``, ``p``, ``%``, whitespace), through both engines and through every
compression. Structure-aware: valid formulas rendered in every accepted dialect
(BOM, CRLF, tabs, comments, several clauses per line, a missing last ``0``) must
read back as the clauses generated; mutated ones (tokens dropped or duplicated, huge
numbers, stray bytes) must parse or raise :class:`CNFFormatError` naming the file
and the line, and both engines must agree. Profile: ``tests/conftest.py`` ("ci":
200 examples per test, derandomized).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tempfile
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from asc.errors import InputError  # noqa: E402
from asc.instances.cnf import CNFFormatError, parse_cnf, read_cnf  # noqa: E402

pytestmark = pytest.mark.timeout(300)

SOURCE = "fuzz.cnf"
ENGINES = ("numba", "numpy")


def outcome(data: bytes, engine: str):
    """(clauses, nvars) of a parse, or the CNFFormatError; any other exception propagates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cnf = parse_cnf(data, SOURCE, engine=engine)
        except CNFFormatError as exc:
            return exc
    if not (cnf.offsets[0] == 0 and cnf.offsets[-1] == cnf.literals.size):
        return [["offsets do not span the literals"]], cnf.nvars
    return cnf.to_lists(), cnf.nvars


def problems(got, data: bytes) -> list[str]:
    """What is wrong with an outcome: an error that does not name this file and one of its lines
    in one line, or a formula with a literal outside ``1..nvars``; empty when it is sound."""
    if isinstance(got, CNFFormatError):
        return [what for what, bad in (
            ("names another file", got.path != SOURCE),
            ("names no line of the file", got.line is None or not 1 <= got.line <= data.count(b"\n") + 1),
            ("spans several lines", "\n" in str(got))) if bad]
    clauses, nvars = got
    bad = [lit for clause in clauses for lit in clause if not isinstance(lit, int) or lit == 0 or abs(lit) > nvars]
    return [f"literals outside 1..{nvars}: {bad[:3]}"] if bad else []


def same_outcome(data: bytes):
    """Both engines: the same formula, or the same error (the module docstring's promise)."""
    a, b = (outcome(data, engine) for engine in ENGINES)
    if isinstance(a, CNFFormatError) or isinstance(b, CNFFormatError):
        assert str(a) == str(b)
    else:
        assert a == b
    return a


# -- bytes-level -------------------------------------------------------------------

ALPHABET = st.sampled_from([b" ", b"\t", b"\n", b"\r\n", b"\r", b"\v", b"\f", b"0", b"1", b"7", b"9", b"-", b"c",
                            b"p", b"cnf", b"%", b"\xef\xbb\xbf", b"\x00", b"x", b"+", b"p cnf 3 2\n",
                            b"4294967296", b"2147483647", b"2147483648", b"00000000000000000001",
                            b"99999999999999999999999", b"-0", b"\xff"])
DIMACS_LIKE = st.lists(ALPHABET, max_size=60).map(b"".join)


@given(data=st.binary(max_size=400))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b"p cnf 1 1\n-")
@example(data=b"p cnf 1 1\n1 -0")
def test_any_bytes_parse_or_fail_typed(data):
    got = same_outcome(data)
    assert not problems(got, data), problems(got, data)


@given(body=DIMACS_LIKE, header=st.sampled_from([b"", b"p cnf 3 2\n", b"c x\np cnf 0 0\n", b"p cnf 3 2"]))
def test_dimacs_alphabet_parses_or_fails_typed(header, body):
    got = same_outcome(header + body)
    assert not problems(got, header + body), problems(got, header + body)


def compressors():
    return st.sampled_from([("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress),
                            ("lzma", lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)), ("cnf", bytes)])


@given(body=DIMACS_LIKE, kind=compressors(), cut=st.integers(0, 64), flip=st.integers(0, 255),
       engine=st.sampled_from(ENGINES))
def test_compressed_files_read_or_fail_typed(body, kind, cut, flip, engine):
    """A file, compressed, truncated or with a byte flipped: a formula or one CNFFormatError naming the file."""
    suffix, compress = kind
    raw = bytearray(compress(b"p cnf 3 2\n" + body))
    if flip and raw:
        raw[flip % len(raw)] ^= flip
    if cut:
        raw = raw[:max(0, len(raw) - cut)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f.{suffix}"
        path.write_bytes(bytes(raw))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read_cnf(path, engine=engine)
            except CNFFormatError as exc:
                assert exc.path == str(path) and "\n" not in str(exc)


# -- structure-aware ---------------------------------------------------------------

LITERAL = st.integers(1, 2**31 - 1).flatmap(lambda v: st.sampled_from([v, -v]))
SMALL_LITERAL = st.integers(-40, 40).filter(bool)
CLAUSES = st.lists(st.lists(st.one_of(SMALL_LITERAL, LITERAL), max_size=6), max_size=12)


@st.composite
def rendered(draw, clauses):
    """``clauses`` as DIMACS text in one of the dialects real files use."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    space = draw(st.sampled_from([" ", "\t", "  ", " \t "]))
    nvars = max((abs(lit) for c in clauses for lit in c), default=0)
    lines = []
    if draw(st.booleans()):
        lines.append("c a comment before the header")
    lines.append(f"p{space}cnf{space}{nvars}{space}{len(clauses)}")
    tokens: list[str] = []
    for c in clauses:
        tokens.extend(str(lit) for lit in c)
        tokens.append("0")
    if tokens and draw(st.booleans()):
        tokens.pop()  # the last clause without its terminating 0 (accepted)
        if not clauses[-1]:  # an empty last clause needs its 0: without it there is no clause
            tokens.append("0")
    per_line = draw(st.integers(1, 8))
    for i in range(0, len(tokens), per_line):
        lines.append(space.join(tokens[i:i + per_line]))
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["c mid-body comment 1 2 0", "", "c", "   "])))
    if draw(st.booleans()):
        lines.append("%")
        lines.append("0")
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + text.encode()


@given(data=st.data(), clauses=CLAUSES)
def test_valid_formulas_round_trip(data, clauses):
    text = data.draw(rendered(clauses))
    got = same_outcome(text)
    assert not isinstance(got, CNFFormatError), str(got)
    lists, nvars = got
    assert lists == clauses
    assert nvars == max((abs(lit) for c in clauses for lit in c), default=0)


MUTATIONS = ("drop", "duplicate", "huge", "insert", "swap")


@given(data=st.data(), clauses=CLAUSES)
def test_mutated_formulas_parse_or_fail_typed(data, clauses):
    tokens = data.draw(rendered(clauses)).split(b" ")
    for _ in range(data.draw(st.integers(1, 4))):
        what = data.draw(st.sampled_from(MUTATIONS))
        i = data.draw(st.integers(0, len(tokens)))
        if what == "drop" and i < len(tokens):
            del tokens[i]
        elif what == "duplicate" and i < len(tokens):
            tokens.insert(i, tokens[i])
        elif what == "huge":
            tokens.insert(i, data.draw(st.sampled_from([b"2147483648", b"-2147483648", b"9" * 30, b"0" * 40 + b"1",
                                                       b"9223372036854775808", b"-9223372036854775809"])))
        elif what == "insert":
            tokens.insert(i, data.draw(st.binary(min_size=1, max_size=4)))
        elif what == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    text = b" ".join(tokens)
    got = same_outcome(text)
    assert not problems(got, text), problems(got, text)


def test_read_cnf_error_is_an_input_error(tmp_path):
    """The typed error the CLI maps to one line: CNFFormatError is an InputError naming file and line."""
    path = tmp_path / "bad.cnf"
    path.write_bytes(b"p cnf 2 1\n1 x 0\n")
    with pytest.raises(InputError) as info:
        read_cnf(path)
    assert (info.value.path, info.value.line) == (str(path), 2)


@given(data=st.data(), clauses=CLAUSES, bad=st.sampled_from([b"x", b"-", b"-0", b"1x", b"2147483648", b"p", b"\xff"]))
def test_a_bad_token_is_reported_on_its_line(data, clauses, bad):
    """One bad token put at the start of a body line: the error names exactly that line, in both engines."""
    lines = data.draw(rendered(clauses)).split(b"\n")
    header = next(i for i, line in enumerate(lines) if line.lstrip(b"\xef\xbb\xbf").startswith(b"p"))
    end = next((i for i, line in enumerate(lines) if line.startswith(b"%")), len(lines))
    k = data.draw(st.integers(header + 1, end))
    if k == len(lines):
        lines.append(bad)
    else:
        lines[k] = bad + b" " + lines[k]
    got = same_outcome(b"\n".join(lines))
    assert isinstance(got, CNFFormatError) and got.line == k + 1, got
