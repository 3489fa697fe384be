"""Instance hashes: stable under comments, whitespace and compression; GBD-compatible."""

from __future__ import annotations

import gzip
import hashlib

from asc.instances import CNF, instance_hash, parse_cnf


def make_variants() -> list[bytes]:
    """One formula written in several dialects."""
    return [
        b"p cnf 3 2\n1 -2 0\n3 0\n",
        b"c comment\np cnf 3 2\r\n1\t-2 0\r\nc more\r\n3 0\r\n",
        b"p cnf 9 7\n1\n-2\n0 3",
        b"p cnf 3 2\n1 -2 0 3 0\n%\n0\n",
    ]


def test_hash_is_stable_under_dialects(recwarn):
    hashes = {instance_hash(parse_cnf(v)) for v in make_variants()}
    assert hashes == {hashlib.md5(b"1 -2 0 3 0").hexdigest()}


def test_hash_changes_with_content():
    a = instance_hash(CNF.from_clauses([[1, -2], [3]]))
    assert a != instance_hash(CNF.from_clauses([[3], [1, -2]]))
    assert a != instance_hash(CNF.from_clauses([[1, 2], [3]]))
    assert a != instance_hash(CNF.from_clauses([[1, -2], [3], []]))


def test_hash_of_path_equals_hash_of_cnf(tmp_path):
    path = tmp_path / "f.cnf.gz"
    path.write_bytes(gzip.compress(make_variants()[1]))
    assert instance_hash(path) == instance_hash(str(path)) == instance_hash(parse_cnf(make_variants()[0]))


def test_degenerate_formulas():
    assert instance_hash(parse_cnf(b"p cnf 0 0\n")) == hashlib.md5(b"").hexdigest()
    assert instance_hash(parse_cnf(b"p cnf 0 1\n0\n")) == hashlib.md5(b"0").hexdigest()


def test_long_clauses_across_chunks():
    # Many long clauses so the normalized text spans several hashing chunks.
    clauses = [list(range(-2_000_000_000, -2_000_000_000 + 5000)) for _ in range(200)]
    expected = hashlib.md5(" ".join(" ".join(map(str, c + [0])) for c in clauses).encode()).hexdigest()
    assert instance_hash(CNF.from_clauses(clauses)) == expected
