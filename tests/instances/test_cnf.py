"""The DIMACS reader on tiny inputs built in code: every dialect and every broken case."""

from __future__ import annotations

import bz2
import functools
import gzip
import lzma
import warnings
from pathlib import Path

import numpy as np
import pytest

from asc.errors import InputError
from asc.instances import CNF, CNFFormatError, CNFHeaderWarning, parse_cnf, read_cnf
from asc.instances.cnf import ENGINES


# Every test runs with both tokenizers: they must agree on every formula and every error.
@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def parse(engine):
    return functools.partial(parse_cnf, engine=engine)


@pytest.fixture
def read(engine):
    return functools.partial(read_cnf, engine=engine)


def make_dimacs(clauses: list[list[int]], nvars: int | None = None, comments: tuple[str, ...] = (),
                newline: str = "\n", sep: str = " ") -> bytes:
    """DIMACS text of ``clauses`` with a header computed from them unless given."""
    nv = nvars if nvars is not None else max((abs(x) for c in clauses for x in c), default=0)
    lines = [f"c {c}" for c in comments] + [f"p cnf {nv} {len(clauses)}"]
    lines += [sep.join(str(x) for x in c + [0]) for c in clauses]
    return (newline.join(lines) + newline).encode()


def make_cnf_file(tmp_path: Path, data: bytes, name: str = "f.cnf", compress: str | None = None) -> Path:
    """Write ``data`` to ``tmp_path/name``, compressed with gzip/bz2/xz/lzma if asked."""
    packers = {None: lambda d: d, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
               "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)}
    path = tmp_path / name
    path.write_bytes(packers[compress](data))
    return path


CLAUSES = [[1, -2, 3], [-1], [2, 3], [-3, 1, 2, -4]]


def test_plain_clauses_and_arrays(parse):
    cnf = parse(make_dimacs(CLAUSES))
    assert cnf.to_lists() == CLAUSES
    assert cnf.nvars == 4 and cnf.nclauses == 4 and cnf.nliterals == 10
    assert cnf.literals.dtype == np.int32 and cnf.offsets.dtype == np.int64
    assert cnf.offsets.tolist() == [0, 3, 4, 6, 10]
    assert (cnf.header_nvars, cnf.header_nclauses) == (4, 4)


DIALECTS = [
    b"c a\nc p is not a header\nc problem\np cnf 3 2\n1 2 0\nc mid comment\n-3 0\n",   # comment words with p
    b"p cnf 3 2\r\n1 2 0\r\n-3 0\r\n",                                                 # CRLF
    b"p\tcnf\t3\t2\n1\t2\t0\t-3\t0\n",                                                  # tabs, two per line
    b"p cnf 3 2\n1\n2\n0\n-3\n0\n",                                                     # spanning lines
    b"p cnf 3 2\n1 2 0\n-3",                                                            # no final 0
    b"p cnf 3 2\n1 2 0\n-3 0\n%\n0\n\n",                                                # SATLIB end marker
    b"p cnf 3 2\n1 2 0 c trailing comment 7 8 0\n-3 0\n",                               # comment after clause
    b"\n\n  c indented comment\n   p cnf 3 2   \n  1   2 0\n\n-3 0",                     # blank lines, indents
    b"p cnf 3 2\n001 02 0\n-3 0\n",                                                     # leading zeros
    b"\xef\xbb\xbfc saved on Windows\r\np cnf 3 2\r\n1 2 0\r\n-3 0\r\n",                    # UTF-8 BOM
]


@pytest.mark.parametrize("text", DIALECTS)
def test_dialects_give_the_same_clauses(text, parse):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnf = parse(text)
    assert cnf.to_lists() == [[1, 2], [-3]]
    assert cnf.nvars == 3


def test_empty_formula_and_empty_clause(parse):
    cnf = parse(b"p cnf 0 0\n")
    assert cnf.nvars == 0 and cnf.nclauses == 0 and cnf.literals.size == 0
    cnf = parse(b"p cnf 0 1\n0\n")
    assert cnf.to_lists() == [[]]
    cnf = parse(b"p cnf 2 3\n1 0 0 -2 0\n")
    assert cnf.to_lists() == [[1], [], [-2]]


def test_header_disagreeing_with_body_warns_and_body_wins(parse):
    with pytest.warns(CNFHeaderWarning, match="declares 1 variables but the clauses use variable 5"):
        cnf = parse(b"p cnf 1 1\n5 0\n")
    assert cnf.nvars == 5
    with pytest.warns(CNFHeaderWarning, match="declares 7 clauses but the file has 1"):
        cnf = parse(b"p cnf 5 7\n5 0\n")
    assert cnf.nclauses == 1 and cnf.header_nclauses == 7


def test_unused_declared_variables_count_without_warning(parse):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnf = parse(b"p cnf 10 1\n1 -2 0\n")
    assert cnf.nvars == 10


def test_largest_int32_literal(parse):
    cnf = parse(b"p cnf 2147483647 1\n-2147483647 2147483647 0\n")
    assert cnf.to_lists() == [[-2147483647, 2147483647]]


BROKEN = [
    (b"", 1, "found an empty file"),
    (b"\n\n  \n", 4, "found an empty file"),
    (b"c only\nc comments\n", 3, "found only comments"),
    (b"1 2 0\n", 1, "before the clauses, found '1'"),
    (b"c x\nhello\np cnf 1 1\n1 0\n", 2, "found 'hello'"),
    (b"p dnf 1 1\n1 0\n", 1, "expected a header 'p cnf"),
    (b"p cnf 1\n1 0\n", 1, "two counts, found 1"),
    (b"p cnf 1 1 1\n1 0\n", 1, "two counts, found 3"),
    (b"p cnf x 1\n1 0\n", 1, "variable count as a non-negative integer"),
    (b"p cnf 1 -1\n1 0\n", 1, "non-negative clause count in the header, found -1"),
    (b"p cnf -3 1\n1 0\n", 1, "non-negative variable count in the header, found -3"),
    (b"p cnf 99999999999 1\n1 0\n", 1, "at most 2147483647 variables"),
    (b"p cnf 2 2\n1 2 0\n1 x 0\n", 3, "literal (a signed integer) or 0, found 'x'"),
    (b"p cnf 2 2\n1 2 0\n1 2a 0\n", 3, "found '2a'"),
    (b"p cnf 2 2\n1 2 0\n\n+1 0\n", 4, "found '+1'"),
    (b"p cnf 2 1\n1 - 2 0\n", 2, "expected digits after '-'"),
    (b"p cnf 2 1\n1 -0\n", 2, "found '-0'"),
    (b"p cnf 2 1\n1 2147483648 0\n", 2, "between -2147483647 and 2147483647, found '2147483648'"),
    (b"p cnf 2 1\n1 -99999999999999999999999999 0\n", 2, "between -2147483647"),
    (b"p cnf 2 1\n1 0\np cnf 2 1\n", 3, "second header"),
    (b"p cnf 2 1\n1 \x00 0\n", 2, "literal (a signed integer) or 0"),
    (b"p cnf 2 1\n1 c comment -0 x\n2-1 0\n", 3, "found '2-1'"),                # after a comment, in-token '-'
    (b"p cnf 2 1\n1 2 0\n-x 0\n", 3, "literal (a signed integer) or 0, found '-x'"),
    (b"p cnf 2 1\n1 2 0\n3c 0\n", 3, "found '3c'"),
    (b"p cnf 2 1\n1 2 0\n3% 0\n", 3, "found '3%'"),
    (b"p cnf 2 1\n1 2 0\n-", 3, "expected digits after '-'"),
    (b"p cnf 2 1\n1 -000 0\n", 2, "found '-000'"),
    (b"p cnf 2 1\nc x\n\xef\xbb\xbf1 0\n", 3, "literal (a signed integer) or 0"),
    (b"p cnf 2 1\n1 -9223372036854775808 0\n", 2, "between -2147483647"),              # int64's minimum
    (b"p cnf 2 1\n1 -2147483648 0\n", 2, "between -2147483647"),
]


@pytest.mark.parametrize("text, line, expected", BROKEN)
def test_broken_input_names_file_line_and_expectation(text, line, expected, parse):
    with pytest.raises(CNFFormatError) as info:
        parse(text, source="in.cnf")
    err = info.value
    assert isinstance(err, InputError)
    assert err.path == "in.cnf" and err.line == line
    assert expected in err.message
    assert str(err).startswith(f"in.cnf:{line}: ") and "\n" not in str(err)


@pytest.mark.parametrize("compress", [None, "gz", "bz2", "xz", "lzma"])
def test_read_compressed_by_content(tmp_path, compress, read):
    # A misleading name: the content decides (except legacy lzma, which has no magic).
    name = "f.lzma" if compress == "lzma" else "f.cnf"
    path = make_cnf_file(tmp_path, make_dimacs(CLAUSES), name, compress)
    cnf = read(path)
    assert cnf.to_lists() == CLAUSES and cnf.source == str(path)


def test_read_missing_corrupt_and_directory(tmp_path, read):
    with pytest.raises(CNFFormatError, match="cannot read the file"):
        read(tmp_path / "absent.cnf")
    with pytest.raises(CNFFormatError, match="directory"):
        read(tmp_path)
    good = lzma.compress(make_dimacs(CLAUSES))
    path = tmp_path / "cut.cnf.xz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(CNFFormatError, match="corrupt or truncated") as info:
        read(path)
    assert info.value.path == str(path)


def test_from_clauses_round_trip():
    cnf = CNF.from_clauses(CLAUSES, nvars=6)
    assert cnf.to_lists() == CLAUSES and cnf.nvars == 6 and cnf.literals.dtype == np.int32
    assert CNF.from_clauses([]).nclauses == 0


def test_large_generated_formula_matches_python_split(tmp_path, parse):
    rng = np.random.default_rng(7)
    clauses = [[int(v) for v in rng.integers(1, 5000, size=rng.integers(1, 9)) * rng.choice([-1, 1], 8)[:1]]
               for _ in range(3000)]
    text = make_dimacs(clauses, comments=("generated",), sep="  ")
    assert parse(text).to_lists() == clauses


def test_arrays_grow_when_the_size_sample_underestimates(parse):
    # The reader sizes its arrays from a sample in the middle of the body: put a long
    # comment block there so the guess is far too small and the arrays must grow.
    clauses = [[i % 97 + 1, -(i % 89 + 1), i % 83 + 1] for i in range(60_000)]
    head = make_dimacs(clauses[:30_000])
    comment = b"".join(b"c " + b"x" * 70 + b"\n" for _ in range(3000))
    tail = b"".join(" ".join(map(str, c + [0])).encode() + b"\n" for c in clauses[30_000:])
    with pytest.warns(CNFHeaderWarning):
        cnf = parse(head + comment + tail)
    assert cnf.to_lists() == clauses
    assert cnf.literals.base is None or cnf.literals.base.size <= cnf.literals.size * 1.125 + 4096


def test_absurd_header_counts_do_not_allocate_or_crash(parse):
    with pytest.warns(CNFHeaderWarning, match="declares 99999999999999999999 clauses but the file has 1"):
        cnf = parse(b"p cnf 2 99999999999999999999\n1 -2 0\n")
    assert cnf.to_lists() == [[1, -2]] and cnf.offsets.size == 2


def test_binary_garbage_is_a_format_error(parse):
    rng = np.random.default_rng(3)
    junk = bytes(rng.integers(0, 256, 4096, dtype=np.uint8))
    with pytest.raises(CNFFormatError):
        parse(b"p cnf 3 3\n" + junk)
    with pytest.raises(CNFFormatError, match="before the clauses"):
        parse(b"\x89PNG\r\n" + junk)


def test_a_megabyte_long_number_fails_fast_without_overflow(parse):
    text = b"p cnf 1 1\n" + b"9" * 1_000_000 + b" 0\n"
    with pytest.raises(CNFFormatError, match=r"between -2147483647 and 2147483647, found '9{24}\.\.\.'"):
        parse(text)


def test_text_and_bytearray_input(parse):
    assert parse("p cnf 2 1\n1 -2 0\n").to_lists() == [[1, -2]]
    assert parse(bytearray(b"p cnf 2 1\n1 -2 0\n")).to_lists() == [[1, -2]]


def test_long_runs_of_leading_zeros_are_still_the_number(parse):
    cnf = parse(b"p cnf 2147483647 1\n000000000000000000000005 -0000000000002147483647 0\n")
    assert cnf.to_lists() == [[5, -2147483647]]
    with pytest.raises(CNFFormatError, match="between"):
        parse(b"p cnf 2 1\n00000000000000000002147483648 0\n")
    with pytest.raises(CNFFormatError, match="between"):
        parse(b"p cnf 2 1\n99999999999999999999 0\n")  # wraps int64 if unchecked


def test_numpy_engine_reads_every_dialect_without_loading_numba(tmp_path):
    # The python-sat wrapper reads with engine="numpy" so that no solver run pays Numba's
    # start-up; a well-formed file of any accepted dialect must not fall back to the kernels.
    import subprocess
    import sys

    paths = []
    texts = DIALECTS + [make_dimacs(CLAUSES, comments=("x",))] + [text for text, _, _ in BROKEN]
    for i, text in enumerate(texts):
        paths.append(make_cnf_file(tmp_path, text, f"d{i}.cnf", "xz" if i % 2 else None))
    script = ("import sys\nfrom asc.instances import CNFFormatError, read_cnf\nfailed = 0\n"
              "for p in sys.argv[1:]:\n"
              "    try:\n        read_cnf(p, engine='numpy')\n"
              "    except CNFFormatError:\n        failed += 1\n"
              "print(failed, 'numba' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    # errors too: the wrapper must word a bad file without loading Numba (its memory limit may not allow it)
    assert done.stdout.split() == [str(len(BROKEN)), "False"], done.stderr


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        parse_cnf(b"p cnf 1 1\n1 0\n", engine="fortran")


@pytest.mark.parametrize("compress", [None, "gz", "bz2", "xz", "lzma"])
def test_read_header_reads_the_declared_counts(tmp_path, compress):
    from asc.instances import read_header

    name = "f.lzma" if compress == "lzma" else "f.cnf"
    path = make_cnf_file(tmp_path, make_dimacs(CLAUSES, nvars=9, comments=("x",)), name, compress)
    assert read_header(path) == (9, 4)


def test_read_header_across_chunk_boundaries(tmp_path):
    from asc.instances import read_header

    # comment lines longer than a read, and a header line cut by a read
    for pad in (70_000, 65_536 - len(b"\xef\xbb\xbfc ") - 1, 65_536 - len(b"\xef\xbb\xbfc \n") - 4):
        text = b"\xef\xbb\xbfc " + b"x" * pad + b"\n   p cnf 12 345  \r\n1 0\n"
        assert read_header(make_cnf_file(tmp_path, text, "f.cnf", "gz")) == (12, 345)


def test_read_header_stops_at_the_header(tmp_path):
    from asc.instances import read_header

    good = gzip.compress(b"c x\np cnf 3 1\n" + b"1 2 3 0\n" * 200_000)
    path = tmp_path / "cut.cnf.gz"
    path.write_bytes(good[: len(good) // 2])  # the clauses are truncated, the header is not
    assert read_header(path) == (3, 1)
    with pytest.raises(CNFFormatError, match="corrupt or truncated"):
        read_cnf(path)


@pytest.mark.parametrize("text", [b"", b"c only\n", b"c x\nhello\np cnf 1 1\n", b"p dnf 1 1\n", b"p cnf x 1\n",
                                  b"\n" * 70_000 + b"1 0\n"])
def test_read_header_errors_are_the_readers(tmp_path, text):
    from asc.instances import read_header

    path = make_cnf_file(tmp_path, text, "f.cnf.xz", "xz")
    with pytest.raises(CNFFormatError) as expected:
        read_cnf(path)
    with pytest.raises(CNFFormatError) as got:
        read_header(path)
    assert str(got.value) == str(expected.value) and got.value.line == expected.value.line


def outcome(text: bytes, engine: str):
    """(clauses, nvars) of a parse, or (message, line) of its error; warnings ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cnf = parse_cnf(text, "f.cnf", engine=engine)
        except CNFFormatError as exc:
            return "error", exc.message, exc.line
    return "formula", cnf.to_lists(), cnf.nvars


def test_engines_agree_on_mutated_files():
    # Seeded mutations of a file written in every dialect: bytes inserted from the
    # characters that matter to the tokenizers, deleted, or swapped. Both engines must
    # give the same formula or the same error at the same line.
    rng = np.random.default_rng(11)
    base = (b"c start\np cnf 5 4\n1 -2 0 c note\n\t3 4\r\n0 -5 0\n005 -1 2 0\n% end\n1 0\n")
    alphabet = list(b" \t\r\n0123456789-cp%x") + [0xEF, 0x00]
    agreed = {"formula": 0, "error": 0}
    for _ in range(600):
        data = bytearray(base)
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(0, len(data) + 1))
            kind = rng.integers(0, 3)
            if kind == 0:
                data[at:at] = bytes([alphabet[int(rng.integers(0, len(alphabet)))]])
            elif kind == 1 and at < len(data):
                del data[at]
            elif at < len(data):
                data[at] = alphabet[int(rng.integers(0, len(alphabet)))]
        text = bytes(data)
        a, b = outcome(text, "numba"), outcome(text, "numpy")
        assert a == b, text
        agreed[a[0]] += 1
    assert agreed["formula"] > 100 and agreed["error"] > 100  # both sides exercised
