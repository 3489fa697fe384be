"""Numba kernels of the DIMACS reader: byte-level scans with no per-line Python loop.

The kernels only find positions and fill arrays; every message is built in
:mod:`asc.instances.cnf`, which turns the returned error code and byte offset into
a file:line message. Keeping them free of strings keeps them fast and cacheable.
"""

from __future__ import annotations

import numpy as np
from asc.instances._jit import njit, use_compiled

# Error codes returned by the kernels (0 = fine), shared with the NumPy engine.
from asc.instances._dimacs_codes import (  # noqa: E402,F401
    ERR_BAD_TOKEN,
    ERR_BEFORE_HEADER,
    ERR_EMPTY_LITERAL,
    ERR_LITERAL_RANGE,
    ERR_NEGATIVE_ZERO,
    ERR_NO_HEADER,
    ERR_SECOND_HEADER,
    INT32_MAX,
    NEED_ROOM,
    OK,
)

_SPACE, _TAB, _LF, _VT, _FF, _CR = 32, 9, 10, 11, 12, 13
_C, _P, _PERCENT, _MINUS, _ZERO = 99, 112, 37, 45, 48


# Byte classes for the body scan: one table load instead of a chain of comparisons
# (about 1.5x faster on typical files).
CLASS_SPACE, CLASS_DIGIT, CLASS_MINUS, CLASS_OTHER = 0, 1, 2, 3
BYTE_CLASS = np.full(256, CLASS_OTHER, np.uint8)
for _b in b" \t\n\r\v\f":
    BYTE_CLASS[_b] = CLASS_SPACE
for _b in b"0123456789":
    BYTE_CLASS[_b] = CLASS_DIGIT
BYTE_CLASS[ord("-")] = CLASS_MINUS
BYTE_CLASS.setflags(write=False)


@njit(cache=True)
def find_header(buf: np.ndarray) -> tuple[int, int, int]:
    """Locate the ``p`` line, skipping blank lines and ``c`` comment lines before it.

    Returns
    -------
    (code, start, end)
        ``code`` is OK and ``[start, end)`` the header line (without its newline), or
        an error code with ``start`` the offending byte offset.
    """
    n = buf.size
    i = 0
    while i < n:
        j = i
        while j < n and (buf[j] == _SPACE or buf[j] == _TAB or buf[j] == _CR or buf[j] == _VT or buf[j] == _FF):
            j += 1
        if j >= n:
            break
        e = j
        while e < n and buf[e] != _LF:
            e += 1
        b = buf[j]
        if b == _LF:
            i = j + 1
        elif b == _C:
            i = e + 1
        elif b == _P:
            return OK, j, e
        else:
            return ERR_BEFORE_HEADER, j, e
    return ERR_NO_HEADER, n, n


@njit(cache=True)
def scan_body(buf: np.ndarray, start: int, stop: int, fill: bool, literals: np.ndarray, offsets: np.ndarray,
              nlit: int, ncl: int, cur: int, maxvar: int) -> tuple[int, int, int, int, int, int]:
    """Tokenize the clauses in ``buf[start:stop]`` in one pass; count them, or fill the arrays.

    ``c`` starts a comment up to the end of its line anywhere in the body; ``%``
    (SATLIB's end marker) ends the formula; a last clause without its terminating
    ``0`` is closed at the end. With ``fill`` the literals and clause ends go into
    ``literals`` and ``offsets[1:]``; when either is full the scan stops with
    ``NEED_ROOM`` and the state to resume from (the caller grows the arrays and
    calls again), which keeps reallocation out of this hot loop. ``nlit, ncl, cur,
    maxvar`` are that state: literals and clauses so far, literals in the open
    clause, largest variable.

    Returns
    -------
    (code, offset, nliterals, nclauses, open_clause_literals, max_variable)
        ``offset`` is where the error is (or where to resume after ``NEED_ROOM``).
    """
    n = stop
    i = start
    lit_cap = literals.size
    cl_cap = offsets.size - 1
    cls = BYTE_CLASS
    while i < n:
        b = buf[i]
        c = cls[b]
        if c == CLASS_SPACE:
            i += 1
            continue
        if c != CLASS_OTHER:
            neg = c == CLASS_MINUS
            j = i + 1 if neg else i
            d0 = j
            val = 0
            while j < n:
                d = np.int64(buf[j]) - _ZERO
                if d < 0 or d > 9:
                    break
                val = val * 10 + d  # may wrap past 18 digits: checked below, off the hot path
                j += 1
            big = val > INT32_MAX
            if j - d0 > 10:
                # Long digit runs: leading zeros are allowed, so look at the significant digits.
                while d0 < j and buf[d0] == _ZERO:
                    d0 += 1
                big = j - d0 > 10
                if not big:
                    val = 0
                    for q in range(d0, j):
                        val = val * 10 + (np.int64(buf[q]) - _ZERO)
                    big = val > INT32_MAX
            if j < n and cls[buf[j]] != CLASS_SPACE:
                return ERR_BAD_TOKEN, i, nlit, ncl, cur, maxvar
            if j == i + 1 and neg:
                return ERR_EMPTY_LITERAL, i, nlit, ncl, cur, maxvar
            if big:
                return ERR_LITERAL_RANGE, i, nlit, ncl, cur, maxvar
            if val == 0:
                if neg:
                    return ERR_NEGATIVE_ZERO, i, nlit, ncl, cur, maxvar
                if fill:
                    if ncl >= cl_cap:
                        return NEED_ROOM, i, nlit, ncl, cur, maxvar
                    offsets[ncl + 1] = nlit
                ncl += 1
                cur = 0
            else:
                if fill:
                    if nlit >= lit_cap:
                        return NEED_ROOM, i, nlit, ncl, cur, maxvar
                    literals[nlit] = -val if neg else val
                nlit += 1
                cur += 1
                if val > maxvar:
                    maxvar = val
            i = j
            continue
        if b == _C:
            while i < n and buf[i] != _LF:
                i += 1
            continue
        if b == _PERCENT:
            break
        if b == _P:
            return ERR_SECOND_HEADER, i, nlit, ncl, cur, maxvar
        return ERR_BAD_TOKEN, i, nlit, ncl, cur, maxvar
    return OK, i, nlit, ncl, cur, maxvar


@njit(cache=True)
def render_clauses(literals: np.ndarray, offsets: np.ndarray, first: int, out: np.ndarray) -> tuple[int, int]:
    """Write clauses ``first, first+1, ...`` as GBD-normalized text into ``out``.

    The text is every literal and every clause's closing ``0`` in decimal, separated
    by single spaces (a space also precedes every clause but the very first one).
    Stops before a clause that would not fit, so the caller can hash in chunks with
    bounded memory; a clause is at most 12 bytes per literal plus 2.

    Returns
    -------
    (next_clause, nbytes)
    """
    ncl = offsets.size - 1
    pos = 0
    cap = out.size
    digits = np.empty(12, np.uint8)
    c = first
    while c < ncl:
        lo = offsets[c]
        hi = offsets[c + 1]
        need = (hi - lo) * 12 + 2
        if pos + need > cap and pos > 0:
            break
        for k in range(lo, hi + 1):
            if c > 0 or k > lo:
                out[pos] = _SPACE
                pos += 1
            if k == hi:
                out[pos] = _ZERO
                pos += 1
                continue
            v = np.int64(literals[k])
            if v < 0:
                out[pos] = _MINUS
                pos += 1
                v = -v
            nd = 0
            while v > 0:
                digits[nd] = _ZERO + v % 10
                v //= 10
                nd += 1
            for d in range(nd - 1, -1, -1):
                out[pos] = digits[d]
                pos += 1
        c += 1
    return c, pos


#: The kernels compiled ahead of time into ``asc._cnf_kernels`` (:mod:`asc._build_kernels`), with
#: the argument types :mod:`asc.instances.cnf` and :mod:`asc.instances.hashing` pass (any other
#: call runs the Numba kernel: :func:`asc.instances._jit.use_compiled`).
AOT_SIGNATURES = {
    "find_header": "(u1[::1],)",
    "scan_body": "(u1[::1], i8, i8, b1, i4[::1], i8[::1], i8, i8, i8, i8)",
    "render_clauses": "(i4[::1], i8[::1], i8, u1[::1])",
}

use_compiled(globals(), AOT_SIGNATURES)
