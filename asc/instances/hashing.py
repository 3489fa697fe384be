"""Instance content hashes: one key per formula, whatever file it came from.

``instance_hash`` is the md5 of the formula's normalized clause text: every literal
and every clause's closing ``0`` in decimal, separated by single spaces, in file order
(the Global Benchmark Database's identifier, hash version 3). It is therefore

* stable under comments, the header line, whitespace (blank lines, tabs, CRLF, line
  breaks inside or between clauses), compression, a missing final ``0``, and
  SATLIB's ``%`` end marker with whatever follows it;
* equal to ``gbdc.gbdhash`` for every file gbdc accepts (gbdc rejects ``%``), so it
  can be looked up in the GBD;
* *not* stable under reordering clauses or literals, renaming variables, or adding
  duplicate clauses: those are different files for every solver's trace, too.
"""

from __future__ import annotations

import os

import numpy as np

from asc.instances.cnf import CNF, read_cnf

_CHUNK = 1 << 22  # bytes of normalized text hashed at a time: bounds extra memory


def instance_hash(path_or_cnf: str | os.PathLike | CNF) -> str:
    """Content hash (32 hex digits) of a CNF file or an already parsed formula.

    Raises
    ------
    CNFFormatError
        When given a path that cannot be read as CNF.
    """
    # CPython's own MD5 (``_md5``) where it is built in: ``hashlib`` loads OpenSSL, 3.7 MB more in
    # every process that hashes (``asc features``, ``asc select``; the python-sat wrapper, whose
    # memory counts against each run's limit). The digest is the same; hashlib otherwise.
    try:
        from _md5 import md5 as new_md5
    except ImportError:
        from hashlib import md5 as new_md5

    from asc.instances._dimacs_kernels import render_clauses

    cnf = path_or_cnf if isinstance(path_or_cnf, CNF) else read_cnf(path_or_cnf)
    md5 = new_md5()
    ncl = cnf.nclauses
    if ncl == 0:
        return md5.hexdigest()
    longest = int(np.diff(cnf.offsets).max())
    out = np.empty(max(_CHUNK, 12 * longest + 2), np.uint8)
    first = 0
    while first < ncl:
        first, nbytes = render_clauses(cnf.literals, cnf.offsets, first, out)
        md5.update(memoryview(out[:nbytes]))
    return md5.hexdigest()
