"""Choosing a campaign's instances: directories, list files, manifests and bad input."""

from __future__ import annotations

import lzma

import pytest

from asc.errors import InputError
from asc.runs.campaign import find_instances


def make_cnf(path, text="p cnf 2 2\n1 2 0\n-1 0\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".xz"):
        path.write_bytes(lzma.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_directory_is_searched_recursively_for_cnf_suffixes(tmp_path):
    make_cnf(tmp_path / "a.cnf")
    make_cnf(tmp_path / "sub" / "b.cnf.xz")
    (tmp_path / "sub" / "notes.txt").write_text("x")
    (tmp_path / "sub" / "c.cnf.gz").write_bytes(b"")  # suffix counts, content is checked later
    found = find_instances(tmp_path)
    assert [f.name for f in found] == ["a.cnf", "sub/b.cnf.xz", "sub/c.cnf.gz"]


def test_list_file_with_comments_and_relative_paths(tmp_path):
    make_cnf(tmp_path / "d" / "x.cnf")
    make_cnf(tmp_path / "d" / "y.cnf")
    lst = tmp_path / "list.txt"
    lst.write_text("# my set\nd/x.cnf\n\n" + str(tmp_path / "d" / "y.cnf") + "\n")
    found = find_instances(lst)
    assert [f.name for f in found] == ["x.cnf", "y.cnf"]


def test_manifest_gives_expected_answers(tmp_path):
    make_cnf(tmp_path / "fam" / "x.cnf")
    make_cnf(tmp_path / "fam" / "y.cnf")
    (tmp_path / "MANIFEST.csv").write_text("family,file,known_status\nf,fam/x.cnf,UNSAT\nf,fam/y.cnf,\n")
    found = {f.name: f.expected for f in find_instances(tmp_path / "fam")}
    assert found == {"x.cnf": "UNSAT", "y.cnf": None}


def test_bad_input_names_file_and_line(tmp_path):
    with pytest.raises(InputError, match="not found"):
        find_instances(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="found none") as err:
        find_instances(tmp_path / "empty")
    assert err.value.path == str(tmp_path / "empty")
    lst = tmp_path / "list.txt"
    lst.write_text("# ok\nmissing.cnf\n")
    with pytest.raises(InputError) as err:
        find_instances(lst)
    assert err.value.line == 2 and "missing.cnf" in err.value.message
    binary = tmp_path / "bin.lst"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="readable text"):
        find_instances(binary)


def test_shared_manifest_is_understood(shared_dir):
    found = find_instances(shared_dir / "instances" / "dimacs-phole")
    answers = {f.name: f.expected for f in found}
    # the shared manifest leaves hole10's status undetermined
    assert answers["hole6.cnf.xz"] == "UNSAT" and answers["hole10.cnf.xz"] is None
