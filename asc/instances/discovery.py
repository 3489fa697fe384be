"""Which files are CNF instances: the one naming rule of every command that searches directories.

A file met while searching a directory is an instance when its name ends, in any
letter case, in ``.cnf`` or ``.dimacs``, optionally followed by one compression suffix
``.gz``, ``.bz2``, ``.xz`` or ``.lzma`` (the compressions :func:`asc.instances.read_cnf`
reads). The rule goes by name, not content, because instance folders also hold
manifests, READMEs, solver logs and proofs: sniffing every file would be slow and
would pick up any text that happens to parse. A file named explicitly (a command-line
argument, a line of a list file) is an instance whatever its name; only directory
searches apply the rule. ``asc features``, ``asc collect`` and the campaign code all
call :func:`find_instance_files`, so a file one command finds the others find too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from asc.errors import InputError

#: Name endings of uncompressed instances (matched case-insensitively).
INSTANCE_SUFFIXES: tuple[str, ...] = (".cnf", ".dimacs")
#: Compression suffixes an instance name may end with after its instance suffix.
COMPRESSION_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz", ".lzma")

_ENDINGS = tuple(s + c for s in INSTANCE_SUFFIXES for c in ("", *COMPRESSION_SUFFIXES))

#: The rule in words, for help texts and messages.
RULE = "*.cnf or *.dimacs, plain or .gz/.bz2/.xz/.lzma"


def is_instance_name(name: str | os.PathLike) -> bool:
    """Whether a file name (or path: its last part) follows the instance naming rule."""
    return Path(name).name.lower().endswith(_ENDINGS)


def instance_stem(name: str | os.PathLike) -> str:
    """The file name without its compression and instance suffixes (``a.cnf.xz`` -> ``a``).

    Names that do not follow the rule come back with only a compression suffix removed,
    so that ids written by other tools (``a``, ``a.cnf``, ``a.cnf.xz``) meet on one stem.
    """
    base = Path(name).name
    lower = base.lower()
    for comp in COMPRESSION_SUFFIXES:
        if lower.endswith(comp):
            base, lower = base[: -len(comp)], lower[: -len(comp)]
            break
    for suffix in INSTANCE_SUFFIXES:
        if lower.endswith(suffix):
            return base[: -len(suffix)]
    return base


def find_instance_files(directory: str | os.PathLike) -> list[Path]:
    """Every instance file under ``directory`` (searched recursively), in sorted path order.

    Raises
    ------
    InputError
        The directory holds no file following the rule (a wrong folder is far more
        likely than an intentionally empty campaign).
    """
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if is_instance_name(p.name) and p.is_file())
    if not files:
        raise InputError(f"expected CNF files ({RULE}) in the directory; found none", directory)
    return files


def discover(paths: list[str]) -> list[tuple[str, Path]]:
    """(instance_id, path) of every instance named by ``paths``, in a stable order.

    A directory contributes the files of :func:`find_instance_files`, identified by
    their path relative to it (as ASlib scenarios name instances); a file argument is
    taken as given, identified by the argument. Ids that would clash are replaced by
    the full paths, so every instance keeps a distinct id.

    Raises
    ------
    InputError
        A path does not exist, or a directory holds no instance.
    """
    found: list[tuple[str, Path]] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            found += [(p.relative_to(path).as_posix(), p) for p in find_instance_files(path)]
        elif path.exists():
            found.append((arg, path))
        else:
            raise InputError("expected a CNF file or a directory, found nothing there", path)
    counts: dict[str, int] = {}
    for iid, _ in found:
        counts[iid] = counts.get(iid, 0) + 1
    return [(str(p) if counts[iid] > 1 else iid, p) for iid, p in found]


def manifests_above(files: Sequence[str | os.PathLike]) -> list[Path]:
    """The ``MANIFEST.csv`` files beside the given instance files or in any folder above them.

    A manifest describes the instances of its folder tree (``instances/MANIFEST.csv``
    names ``generated/x.cnf.xz``), so the expected answers of ``asc collect`` and the
    families of ``asc report`` are looked up the same way: every folder from each file's
    own up to the root, each manifest once, in a fixed order (the files' folders sorted,
    each walked upwards), so that readers keeping the first value they find decide the
    same way on every run.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for folder in sorted({Path(p).resolve().parent for p in files}):
        for d in (folder, *folder.parents):
            m = d / "MANIFEST.csv"
            if m not in seen and m.is_file():
                seen.add(m)
                found.append(m)
    return found

