"""Reading a possibly compressed instance file into memory.

The format is chosen by the file's magic bytes, so a misnamed file still reads;
the extension decides only for legacy ``.lzma`` (which has no reliable magic).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from asc.errors import InputError

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_EXTENSIONS = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".lzma": "lzma"}


def detect_compression(head: bytes, path: str | os.PathLike | None = None) -> str | None:
    """Name of the compression of a file starting with ``head`` (``None``: plain text)."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if path is not None:
        name = _EXTENSIONS.get(Path(path).suffix.lower())
        # Only trust the extension where content cannot tell: legacy lzma_alone.
        if name == "lzma":
            return name
    return None


def decompress(raw: bytes, kind: str | None) -> bytes:
    """Decompress ``raw`` of the given kind (every stream/member, concatenated)."""
    if kind is None:
        return raw
    if kind == "gzip":
        return gzip.decompress(raw)
    if kind == "bz2":
        return bz2.decompress(raw)
    if kind == "xz":
        return lzma.decompress(raw, format=lzma.FORMAT_XZ)
    if kind == "lzma":
        return lzma.decompress(raw, format=lzma.FORMAT_ALONE)
    raise ValueError(f"unknown compression {kind!r}")


def open_uncompressed(path: str | os.PathLike) -> BinaryIO:
    """A binary stream of the uncompressed content of ``path`` (to read only its beginning).

    The compression is detected as in :func:`read_bytes`. Reading the stream may raise
    the decompressors' errors (``OSError``, ``EOFError``, ``lzma.LZMAError``) on a
    corrupt file; callers that need one typed error use :func:`read_bytes`.

    Raises
    ------
    InputError
        The file cannot be opened.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        kind = detect_compression(head, path)
        if kind == "gzip":
            return gzip.open(path, "rb")
        if kind == "bz2":
            return bz2.open(path, "rb")
        if kind in ("xz", "lzma"):
            return lzma.open(path, "rb", format=lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE)
        return open(path, "rb")
    except IsADirectoryError:
        raise InputError("expected a CNF file, found a directory", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path) from None


def read_bytes(path: str | os.PathLike, what: str = "a CNF file") -> bytes:
    """The uncompressed content of ``path`` (``what`` names the expected file in messages).

    Raises
    ------
    InputError
        The file cannot be opened, or its compressed stream is corrupt or truncated.
    """
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"expected {what}, found a directory", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path) from None
    kind = detect_compression(raw[:8], path)
    try:
        return decompress(raw, kind)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        raise InputError(f"expected a valid {kind} stream, the file is corrupt or truncated ({exc})", path) from None
