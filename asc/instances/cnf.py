"""DIMACS CNF formulas as compact arrays, and a fast, tolerant reader.

Accepted dialect (what real files contain): ``c`` comment lines anywhere (before the
header, and in the body a ``c`` token comments out the rest of its line), blank lines,
tabs, CRLF, clauses spanning lines and several clauses per line, SATLIB's ``%`` end
marker (it and everything after it are ignored), a last clause without its final
``0``, and header counts that disagree with the body (a warning; the body wins).

Rejected, with :class:`CNFFormatError` naming the file, the line and what was
expected: no ``p cnf`` header, text other than comments before it, a malformed or
negative header count, a second header, a token that is not a signed integer, a lone
``-``, ``-0``, and literals beyond ``2**31 - 1``.

The tokenizer is one Numba pass over the raw bytes, writing into arrays sized from a
sample of the body (grown by half in the rare case the guess is short, trimmed at the
end), so peak memory is the uncompressed text plus about one to two times the final
arrays.

This is the project's only DIMACS reader: features, hashing, the answer checker and
the python-sat wrapper all read through it, so a file is one formula everywhere (a
solver cannot be handed fewer clauses than its model is checked against). Loading
the compiled kernels costs a Numba start-up (LLVM: CPU time and several times the
resident memory of numpy itself), which a short-lived process reading one file
cannot afford: the wrapper runs once per solver run and its memory counts against
the run's limit. Such callers
pass ``engine="numpy"``: the same front end (byte order mark, header, comments, ``%``,
warnings, messages) with the body checked in bulk and tokenized by NumPy and
``bytes.split``; a body that fails the bulk check is scanned token by token for the
first token the kernels refuse, judged and worded as they do. Both engines return
the same formula and raise the same error for every input (the reader's tests run
on both).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np

from asc.errors import InputError
from asc.instances import _dimacs_codes as codes

log = logging.getLogger(__name__)

INT32_MAX = codes.INT32_MAX


class CNFFormatError(InputError):
    """A CNF file that cannot be read; names the file, the line and what was expected."""


class CNFHeaderWarning(UserWarning):
    """The ``p cnf`` header's counts disagree with the clauses (the clauses win)."""


@dataclass(frozen=True, eq=False)
class CNF:
    """A CNF formula as flat arrays (treat the arrays as read-only).

    Attributes
    ----------
    nvars
        Number of variables: the larger of the header's count and the largest
        variable occurring in a clause.
    literals
        int32, every clause's literals concatenated, DIMACS signed integers, no 0s.
    offsets
        int64, length ``nclauses + 1``; clause ``i`` is ``literals[offsets[i]:offsets[i+1]]``.
    header_nvars, header_nclauses
        The counts of the ``p cnf`` line (``None`` when built without one).
    source
        Path or name, for messages.
    """

    nvars: int
    literals: np.ndarray
    offsets: np.ndarray
    header_nvars: int | None = None
    header_nclauses: int | None = None
    source: str | None = None

    @property
    def nclauses(self) -> int:
        """Number of clauses (duplicates and empty clauses included)."""
        return int(self.offsets.size - 1)

    @property
    def nliterals(self) -> int:
        """Total number of literal occurrences."""
        return int(self.literals.size)

    def clause(self, i: int) -> np.ndarray:
        """Literals of clause ``i`` (a view)."""
        return self.literals[self.offsets[i]:self.offsets[i + 1]]

    def to_lists(self) -> list[list[int]]:
        """The clauses as Python lists (for tests and small formulas)."""
        lits = self.literals.tolist()
        offs = self.offsets.tolist()
        return [lits[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]

    @classmethod
    def from_clauses(cls, clauses: list[list[int]] | tuple, nvars: int | None = None,
                     source: str | None = None) -> CNF:
        """Build a formula from a sequence of integer clauses (no header counts)."""
        lengths = np.fromiter((len(c) for c in clauses), dtype=np.int64, count=len(clauses))
        offsets = np.zeros(len(clauses) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        literals = np.fromiter((lit for c in clauses for lit in c), dtype=np.int64, count=int(offsets[-1]))
        if literals.size and (np.any(literals == 0) or np.abs(literals).max() > INT32_MAX):
            raise ValueError("literals must be non-zero and fit in int32")
        body_max = int(np.abs(literals).max()) if literals.size else 0
        return cls(max(body_max, nvars or 0), literals.astype(np.int32), offsets, nvars, None, source)


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _token_at(data: bytes, pos: int) -> str:
    end = pos
    while end < len(data) and end - pos < 24 and data[end:end + 1] not in (b" ", b"\t", b"\n", b"\r", b"\v", b"\f"):
        end += 1
    text = data[pos:end].decode("utf-8", errors="replace")
    return repr(text + ("..." if end - pos >= 24 else ""))


_HEADER_FORM = "'p cnf <variables> <clauses>'"


def _parse_header(line: bytes, source: str, lineno: int) -> tuple[int, int]:
    words = line.split()
    if len(words) < 2 or words[0] != b"p" or words[1] != b"cnf":
        found = line.decode("utf-8", errors="replace").strip()[:60]
        raise CNFFormatError(f"expected a header {_HEADER_FORM}, found {found!r}", source, lineno)
    if len(words) != 4:
        raise CNFFormatError(f"expected a header {_HEADER_FORM} with two counts, found {len(words) - 2}",
                             source, lineno)
    counts = []
    for what, word in (("variable", words[2]), ("clause", words[3])):
        text = word.decode("utf-8", errors="replace")
        try:
            value = int(text, 10)
        except ValueError:
            raise CNFFormatError(f"expected the {what} count as a non-negative integer in the header, "
                                 f"found {text!r}", source, lineno) from None
        if value < 0:
            raise CNFFormatError(f"expected a non-negative {what} count in the header, found {value}",
                                 source, lineno)
        counts.append(value)
    if counts[0] > INT32_MAX:
        raise CNFFormatError(f"expected at most {INT32_MAX} variables in the header, found {counts[0]}",
                             source, lineno)
    return counts[0], counts[1]


#: Tokenizers of :func:`parse_cnf` (see the module docstring).
ENGINES = ("numba", "numpy")

_BOM = b"\xef\xbb\xbf"


def parse_cnf(data: bytes | str, source: str = "<bytes>", engine: str = "numba") -> CNF:
    """Parse DIMACS CNF text (already uncompressed).

    Parameters
    ----------
    data
        The file's content (text is encoded as UTF-8).
    source
        Path or name used in messages and stored in the result.
    engine
        ``"numba"`` (the default: fastest once its kernels are loaded) or ``"numpy"``
        (no Numba at all, for short-lived processes reading one file). Both give the
        same formula, the same warnings and the same errors.

    Returns
    -------
    CNF

    Raises
    ------
    CNFFormatError
        The text is not a readable CNF formula (see the module docstring).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown DIMACS engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = bytes(data)  # bytearray, memoryview: the error paths need bytes methods
    parse = _parse_numpy if engine == "numpy" else _parse_kernels
    hv, hc, literals, offsets, ncl, maxvar, unterminated = parse(data, source)

    if maxvar > hv:
        _warn(f"{source}: the header declares {hv} variables but the clauses use variable {maxvar}; "
              f"using {maxvar}")
    if ncl != hc:
        _warn(f"{source}: the header declares {hc} clauses but the file has {ncl}; using the {ncl} clauses")
    if unterminated:
        log.debug("%s: last clause has no terminating 0; closed at end of file", source)
    return CNF(max(hv, maxvar), literals, offsets, hv, hc, source)


def _raise_header_error(code: int, data: bytes, pos: int, source: str) -> None:
    """The error of a file whose header was not found (``code`` from either engine's header scan)."""
    if code == codes.ERR_NO_HEADER:
        what = "an empty file" if not data.strip() else "only comments"
        raise CNFFormatError(f"expected a header {_HEADER_FORM}, found {what}", source, _line_of(data, len(data)))
    raise CNFFormatError(f"expected a comment line ('c ...') or the header {_HEADER_FORM} before the "
                         f"clauses, found {_token_at(data, pos)}", source, _line_of(data, pos))


def _parse_kernels(data: bytes, source: str) -> tuple:
    """(header vars, header clauses, literals, offsets, nclauses, max variable, unterminated) by the kernels."""
    from asc.instances import _dimacs_kernels as k

    buf = np.frombuffer(data, dtype=np.uint8)
    # A UTF-8 byte order mark (files saved by Windows editors) is not content.
    bom = 3 if data[:3] == _BOM else 0
    code, hstart, hend = k.find_header(buf[bom:])
    hstart, hend = hstart + bom, hend + bom
    if code != codes.OK:
        _raise_header_error(code, data, hstart, source)
    hv, hc = _parse_header(bytes(data[hstart:hend]), source, _line_of(data, hstart))
    return (hv, hc, *_parse_body(buf, hend, hc, data, source))


# -- the NumPy engine -------------------------------------------------------------

_SPACE_BYTES = b" \t\n\r\v\f"  # the kernels' whitespace, and exactly what bytes.split() splits on
_IS_SPACE = np.zeros(256, bool)
_IS_SPACE[list(_SPACE_BYTES)] = True
_IS_DIGIT = np.zeros(256, bool)
_IS_DIGIT[list(b"0123456789")] = True
_IS_TOKEN_BYTE = _IS_SPACE | _IS_DIGIT
_IS_TOKEN_BYTE[ord("-")] = True
_NEGATIVE_ZERO = re.compile(rb"-0+(?![0-9])")
_TOKEN = re.compile(rb"[^ \t\n\r\v\f]+")


def _parse_numpy(data: bytes, source: str) -> tuple:
    """What :func:`_parse_kernels` returns, computed with NumPy and ``bytes.split``.

    The body is checked in bulk (only digits, whitespace and ``-`` opening a token,
    after comments and the end marker are cut; no ``-0``; literals in range); input
    that fails the check is scanned token by token for its first bad token, which is
    judged and worded as the kernels do, so errors cost time only when there is one.
    """
    bom = 3 if data[:3] == _BOM else 0
    code, hstart, hend = _find_header(data, bom)
    if code != codes.OK:
        _raise_header_error(code, data, hstart, source)
    hv, hc = _parse_header(data[hstart:hend], source, _line_of(data, hstart))
    body, kept = _without_comments(data, hend)
    buf = np.frombuffer(body, dtype=np.uint8)
    well_formed = bool(_IS_TOKEN_BYTE[buf].all())
    if well_formed:
        # '-' opens a token (whitespace before it; the body starts at the header's newline
        # or the end of the input) and digits follow it; '-0' is not a literal.
        minus = np.flatnonzero(buf == ord("-"))
        well_formed = not minus.size or (
            0 < minus[0] and minus[-1] + 1 < buf.size and bool(_IS_DIGIT[buf[minus + 1]].all())
            and bool(_IS_SPACE[buf[minus - 1]].all()) and not _NEGATIVE_ZERO.search(body))
    values = np.zeros(0, np.int64)
    if well_formed:
        tokens = body.split()
        if tokens:
            try:
                values = np.array(tokens, dtype=np.int64)  # int() of digit strings: leading zeros are fine
            except (OverflowError, ValueError):  # beyond int64, or beyond Python's digit limit
                well_formed = False
            else:
                # min and max, not abs: abs(-2**63) wraps to itself in int64
                well_formed = -INT32_MAX <= int(values.min()) and int(values.max()) <= INT32_MAX
        del tokens
    if not well_formed:
        _raise_first_bad_token(body, kept, data, source)
    is_literal = values != 0
    literals = values[is_literal].astype(np.int32)
    # clause i ends at the i-th 0: its offset is the number of literals before that 0
    before = np.cumsum(is_literal)
    ends = np.flatnonzero(~is_literal)
    unterminated = bool(values.size) and bool(is_literal[-1])
    offsets = np.empty(ends.size + 1 + unterminated, np.int64)
    offsets[0] = 0
    offsets[1:ends.size + 1] = before[ends]
    if unterminated:  # a last clause without its 0, closed at end of input
        offsets[-1] = literals.size
    maxvar = int(np.abs(literals).max()) if literals.size else 0
    return hv, hc, literals, offsets, int(offsets.size - 1), maxvar, unterminated


def _find_header(data: bytes, start: int) -> tuple[int, int, int]:
    """(code, start, end) of the ``p`` line past blank and ``c`` lines, as the kernel finds it.

    ``OK`` with the line's ``[start, end)`` (``end == len(data)`` when the line may
    continue past ``data``), ``ERR_BEFORE_HEADER`` with the offending line, or
    ``ERR_NO_HEADER`` when ``data`` ends before any header.
    """
    n = len(data)
    i = start
    while i < n:
        j = i
        while j < n and data[j] in b" \t\r\v\f":
            j += 1
        if j >= n:
            break
        end = data.find(b"\n", j)
        end = n if end < 0 else end
        first = data[j]
        if first == 10:  # a blank line
            i = j + 1
        elif first == 99:  # 'c'
            i = end + 1
        elif first == 112:  # 'p'
            return codes.OK, j, end
        else:
            return codes.ERR_BEFORE_HEADER, j, end
    return codes.ERR_NO_HEADER, n, n


def _without_comments(data: bytes, start: int) -> tuple[bytes, list[tuple[int, int]]]:
    """The body from ``start`` with ``c`` comments removed and cut at the ``%`` end marker.

    Only a ``c`` or ``%`` that opens a token counts (as in the kernels); one inside a
    token is left in place for the checks to refuse. Also returns where each kept
    piece starts, in the result and in ``data``, to locate errors.
    """
    body = data[start:]
    view = np.frombuffer(body, dtype=np.uint8)
    marks = np.flatnonzero((view == ord("c")) | (view == ord("%")))
    if not marks.size:
        return body, [(0, start)]
    pieces: list[bytes] = []
    kept: list[tuple[int, int]] = []
    size = 0
    keep_from = 0

    def keep(stop: int) -> None:
        nonlocal size
        kept.append((size, start + keep_from))
        pieces.append(body[keep_from:stop])
        size += stop - keep_from

    for m in marks.tolist():
        if m < keep_from or (m > 0 and body[m - 1] not in _SPACE_BYTES):
            continue
        keep(m)
        if body[m] == ord("%"):
            return b"".join(pieces), kept
        end = body.find(b"\n", m)
        keep_from = len(body) if end < 0 else end
    keep(len(body))
    return b"".join(pieces), kept


def _raise_first_bad_token(body: bytes, kept: list[tuple[int, int]], data: bytes, source: str) -> None:
    """Find the first token of ``body`` the kernels refuse and raise their error for it."""
    import bisect

    starts = [k[0] for k in kept]
    for match in _TOKEN.finditer(body):
        code = _judge_token(match.group())
        if code != codes.OK:
            piece = bisect.bisect_right(starts, match.start()) - 1
            _raise_body_error(code, data, kept[piece][1] + match.start() - kept[piece][0], source)
    raise CNFFormatError("unreadable input (no bad token found: please report this)", source)


def _judge_token(token: bytes) -> int:
    """The kernels' verdict on one whitespace-delimited token of the body (comments removed)."""
    negative = token[:1] == b"-"
    digits = token[1:] if negative else token
    if digits.isdigit():  # ASCII digits only, for bytes
        significant = digits.lstrip(b"0")  # leading zeros are allowed, however many
        if len(significant) > len(str(INT32_MAX)) or int(significant or b"0") > INT32_MAX:
            return codes.ERR_LITERAL_RANGE
        return codes.ERR_NEGATIVE_ZERO if negative and not significant else codes.OK
    if token == b"-":
        return codes.ERR_EMPTY_LITERAL
    if token[:1] == b"p":
        return codes.ERR_SECOND_HEADER
    return codes.ERR_BAD_TOKEN


# -- the kernel engine ------------------------------------------------------------


def _parse_body(buf: np.ndarray, start: int, header_nclauses: int, data: bytes, source: str):
    """(literals, offsets, nclauses, max_variable, unterminated) of the body from ``start``."""
    from asc.instances import _dimacs_kernels as k

    lit_cap, cl_cap = _estimate_sizes(buf, start, header_nclauses)
    literals = np.empty(lit_cap, np.int32)
    offsets = np.empty(cl_cap + 1, np.int64)
    offsets[0] = 0
    pos, nlit, ncl, cur, maxvar = start, 0, 0, 0, 0
    while True:
        code, pos, nlit, ncl, cur, maxvar = k.scan_body(buf, pos, buf.size, True, literals, offsets,
                                                        nlit, ncl, cur, maxvar)
        if code != k.NEED_ROOM:
            break
        # The sample underestimated (rare): grow the full array by half and resume.
        if nlit >= literals.size:
            literals = _grown(literals, nlit)
        if ncl >= offsets.size - 1:
            offsets = _grown(offsets, ncl + 1)
    if code != k.OK:
        _raise_body_error(code, data, pos, source)
    unterminated = cur > 0
    if unterminated:  # a last clause without its 0, closed at end of input
        if ncl >= offsets.size - 1:
            offsets = _grown(offsets, ncl + 1)
        ncl += 1
        offsets[ncl] = nlit
    return _fit(literals, nlit), _fit(offsets, ncl + 1), ncl, maxvar, unterminated


def _grown(array: np.ndarray, used: int) -> np.ndarray:
    bigger = np.empty(max(1024, array.size + array.size // 2), array.dtype)
    bigger[:used] = array[:used]
    return bigger


_SAMPLE = 1 << 16  # bytes of the body counted to size the arrays


def _estimate_sizes(buf: np.ndarray, start: int, header_nclauses: int) -> tuple[int, int]:
    """Initial capacities (literals, clauses) extrapolated from a sample of the body.

    A good guess makes the single parsing pass allocate about once; a bad one (a
    sample full of comments) only costs a growth step, never a wrong result.
    """
    from asc.instances._dimacs_kernels import scan_body

    body = buf.size - start
    if body <= 2 * _SAMPLE:
        return body // 2 + 1, body // 2 + 1  # tokens are at least 2 bytes apart: exact upper bound
    # Start the sample at a line break, so it does not begin inside a token or a comment.
    cut = start + body // 2
    while cut < buf.size and buf[cut] != 10:
        cut += 1
    none32, none64 = np.empty(0, np.int32), np.zeros(1, np.int64)
    _, _, nlit, ncl, _, _ = scan_body(buf, cut, min(buf.size, cut + _SAMPLE), False, none32, none64, 0, 0, 0, 0)
    scale = body / _SAMPLE
    lit_cap = int(nlit * scale * 1.03) + 1024
    cl_cap = int(ncl * scale * 1.03) + 1024
    if 0 < header_nclauses <= body // 2 + 1:
        cl_cap = max(cl_cap, header_nclauses)
    return lit_cap, cl_cap


def _fit(array: np.ndarray, used: int) -> np.ndarray:
    """``array[:used]``, copied only when the spare room is worth giving back.

    The sampled sizes are usually within a few percent; copying then would double
    the peak memory for little gain, so up to an eighth of slack is kept.
    """
    if array.size == used:
        return array
    if array.size - used <= max(used // 8, 4096):
        return array[:used]
    return array[:used].copy()


def _warn(message: str) -> None:
    warnings.warn(message, CNFHeaderWarning, stacklevel=3)


def _raise_body_error(code: int, data: bytes, pos: int, source: str) -> None:
    token = _token_at(data, pos)
    messages = {
        codes.ERR_BAD_TOKEN: f"expected a literal (a signed integer) or 0, found {token}",
        codes.ERR_EMPTY_LITERAL: f"expected digits after '-', found {token}",
        codes.ERR_LITERAL_RANGE: f"expected a literal between -{INT32_MAX} and {INT32_MAX}, found {token}",
        codes.ERR_SECOND_HEADER: f"expected a literal or 0, found a second header line starting {token}",
        codes.ERR_NEGATIVE_ZERO: f"expected a literal or 0, found {token}",
    }
    raise CNFFormatError(messages.get(code, f"unreadable input at {token}"), source, _line_of(data, pos))


def read_cnf(path: str | os.PathLike, engine: str = "numba") -> CNF:
    """Read a DIMACS CNF file: plain, gzip, bzip2, xz or lzma (by magic bytes, else extension).

    ``engine`` is that of :func:`parse_cnf`.

    Raises
    ------
    CNFFormatError
        The file cannot be read, decompressed or parsed; the message names the file
        and, where it applies, the line.
    """
    from asc.instances.compression import read_bytes

    source = os.fspath(path)
    try:
        data = read_bytes(path)
    except CNFFormatError:
        raise
    except InputError as exc:
        raise CNFFormatError(exc.message, source) from None
    return parse_cnf(data, source, engine)


_HEADER_CHUNK = 1 << 16  # bytes of uncompressed text read at a time while looking for the header


def read_header(path: str | os.PathLike) -> tuple[int, int]:
    """(variables, clauses) declared by the ``p cnf`` line of a CNF file, reading only up to it.

    For a formula's size without reading its clauses (e.g. a cheap feature step): the
    header is found and checked by the rules of :func:`read_cnf` (comment and blank
    lines before it, a byte order mark, any compression), but the clauses are not read,
    so neither are they checked, nor the counts compared with them.

    Raises
    ------
    CNFFormatError
        The file cannot be opened or decompressed, or has no valid header (the message
        is :func:`read_cnf`'s, naming the file and line).
    """
    import lzma
    import zlib

    from asc.instances.compression import open_uncompressed

    source = os.fspath(path)
    try:
        stream = open_uncompressed(path)
    except InputError as exc:
        raise CNFFormatError(exc.message, source) from None
    data = b""
    try:
        with stream:
            while True:
                chunk = stream.read(_HEADER_CHUNK)
                data += chunk
                code, hstart, hend = _find_header(data, 3 if data[:3] == _BOM else 0)
                if code == codes.OK and (hend < len(data) or not chunk):
                    return _parse_header(data[hstart:hend], source, _line_of(data, hstart))
                if code == codes.ERR_BEFORE_HEADER or not chunk:
                    break
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise CNFFormatError(f"expected a valid compressed stream, the file is corrupt or truncated ({exc})",
                             source) from None
    parse_cnf(data, source)  # no header in what was read: the reader raises, wording why
    raise CNFFormatError(f"expected a header {_HEADER_FORM}", source)  # unreachable: parse_cnf raised
