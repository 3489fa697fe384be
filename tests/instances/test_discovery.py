"""The instance naming rule: which files a directory search takes as CNF instances."""

from __future__ import annotations

import pytest

from asc.errors import InputError
from asc.instances.discovery import discover, find_instance_files, instance_stem, is_instance_name

#: Names on either side of the rule, every suffix and compression, in mixed case.
INSTANCES = ["a.cnf", "b.CNF", "c.dimacs", "d.cnf.gz", "e.cnf.bz2", "f.cnf.xz", "g.cnf.lzma", "h.dimacs.xz",
             "i.DIMACS.GZ", "j.dimacs.bz2", "k.dimacs.lzma", "sub/l.cnf.xz"]
OTHERS = ["MANIFEST.csv", "notes.txt", "m.xz", "n.cnf.zip", "o.cnf.xz.bak", "p.cnf.gz.xz", "qcnf", "r.cnfx",
          "s.sat.cnf.proof"]


def make_tree(root, names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")  # the rule goes by name; content is read later
    return root


@pytest.mark.parametrize("name", INSTANCES)
def test_instance_names(name):
    assert is_instance_name(name)


@pytest.mark.parametrize("name", OTHERS)
def test_other_names(name):
    assert not is_instance_name(name)


def test_directory_search_applies_the_rule_recursively_in_sorted_order(tmp_path):
    make_tree(tmp_path, INSTANCES + OTHERS)
    (tmp_path / "dir.cnf").mkdir()  # a directory is not an instance whatever its name
    found = [p.relative_to(tmp_path).as_posix() for p in find_instance_files(tmp_path)]
    assert found == sorted(INSTANCES)


def test_empty_directory_names_the_rule(tmp_path):
    make_tree(tmp_path, OTHERS)
    with pytest.raises(InputError, match=r"\*\.dimacs.*found none") as info:
        find_instance_files(tmp_path)
    assert info.value.path == str(tmp_path)


def test_discover_takes_named_files_whatever_their_name(tmp_path):
    make_tree(tmp_path, ["set/a.cnf", "set/b.dimacs.xz", "other.txt"])
    found = discover([str(tmp_path / "set"), str(tmp_path / "other.txt")])
    assert [iid for iid, _ in found] == ["a.cnf", "b.dimacs.xz", str(tmp_path / "other.txt")]


@pytest.mark.parametrize("name, stem", [("a.cnf.xz", "a"), ("a.CNF", "a"), ("x.y.dimacs.gz", "x.y"), ("a", "a"),
                                        ("a.txt.xz", "a.txt"), ("sub/b.cnf", "b")])
def test_instance_stem(name, stem):
    assert instance_stem(name) == stem
