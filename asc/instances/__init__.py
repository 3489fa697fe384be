"""Problem instances (space P): the DIMACS CNF reader, instance content hashes, and which files are instances.

The names below are loaded on first use (PEP 562), not with the package: the reader
needs NumPy, and a light submodule (:mod:`asc.instances.compression`, used by
``asc solve``'s pre-solving path, which must start without NumPy) would otherwise
import it through this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asc.instances.cnf import CNF, CNFFormatError, CNFHeaderWarning, parse_cnf, read_cnf, read_header
    from asc.instances.hashing import instance_hash

__all__ = ["CNF", "CNFFormatError", "CNFHeaderWarning", "instance_hash", "parse_cnf", "read_cnf", "read_header"]


def __getattr__(name: str) -> Any:
    if name == "instance_hash":
        from asc.instances.hashing import instance_hash

        return instance_hash
    if name in __all__:
        from asc.instances import cnf

        return getattr(cnf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
