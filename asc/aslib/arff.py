"""ARFF files as ASlib uses them: read with line numbers, written in canonical form.

Parsing is done by liac-arff; this module adds what ASlib tooling needs on top:
errors that name the file and the line, the line number of every data row (so a
validator can point at ``algorithm_runs.arff:812``), and a writer that quotes
instance names safely.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import arff as liac_arff

from asc.errors import ScenarioError

# An attribute is (name, type): type is "STRING", "NUMERIC" (or REAL/INTEGER) or a list
# of nominal levels, exactly as liac-arff represents it.
Attribute = tuple[str, Any]


@dataclass(frozen=True)
class ArffTable:
    """One parsed ARFF file.

    Attributes
    ----------
    path
        The file it was read from.
    relation
        The ``@RELATION`` name.
    attributes
        ``(name, type)`` pairs in file order.
    rows
        Data rows, one list per ``@DATA`` line, ``None`` for ``?``.
    row_lines
        1-based line number of each row in ``path`` (same length as ``rows``).
    attribute_lines
        1-based line number of each ``@ATTRIBUTE`` declaration (same length as
        ``attributes``; empty when unknown), and ``data_line`` that of ``@DATA``
        (0 when unknown): where an error about the header points.
    """

    path: str
    relation: str
    attributes: list[Attribute]
    rows: list[list[Any]]
    row_lines: list[int]
    attribute_lines: list[int] = field(default_factory=list)
    data_line: int = 0

    def line_of_attribute(self, position: int) -> int | None:
        """Line of the attribute at ``position`` (0-based), or None when unknown."""
        if 0 <= position < len(self.attribute_lines):
            return self.attribute_lines[position]
        return None

    @property
    def names(self) -> list[str]:
        """Attribute names in file order."""
        return [name for name, _ in self.attributes]


def _header_lines(text: str) -> tuple[list[int], int]:
    """Line numbers of the ``@ATTRIBUTE`` declarations and of ``@DATA`` (0 if absent)."""
    attributes: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        head = raw.strip()[:10].upper()
        if head.startswith("@ATTRIBUTE"):
            attributes.append(number)
        elif head.startswith("@DATA"):
            return attributes, number
    return attributes, 0


def _data_row_lines(text: str) -> list[int]:
    """Line numbers of the data rows, counted the way liac-arff counts them.

    liac-arff skips blank lines and ``%`` comments in the data section; so do we.
    """
    lines: list[int] = []
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not in_data:
            if stripped[:5].upper() == "@DATA":
                in_data = True
            continue
        if not stripped or stripped.startswith("%"):
            continue
        lines.append(number)
    return lines


def read_arff(path: str | Path) -> ArffTable:
    """Read an ARFF file.

    Parameters
    ----------
    path
        The file to read.

    Returns
    -------
    ArffTable
        Relation, attributes, rows (``?`` as ``None``) and each row's line number.

    Raises
    ------
    ScenarioError
        The file is missing, not UTF-8, or not valid ARFF (the message names the line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start})", path) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", path) from None
    if not text.strip():
        raise ScenarioError("empty file, expected an ARFF header (@RELATION ...)", path, 1)
    try:
        parsed = liac_arff.loads(text)
    except liac_arff.ArffException as exc:
        line = exc.line if getattr(exc, "line", -1) and exc.line > 0 else None
        message = (exc.message or type(exc).__name__)
        # liac-arff embeds the line in its message; keep only the reason.
        message = message.replace(", at line %d.", "").replace(" in line %d", "").replace("%d", "").strip(" .:")
        raise ScenarioError(f"invalid ARFF: {_describe_arff_error(exc, message)}", path, line) from None
    except (ValueError, IndexError, KeyError) as exc:
        raise ScenarioError(f"invalid ARFF: {exc}", path) from None
    rows = parsed["data"]
    row_lines = _data_row_lines(text)
    if len(row_lines) != len(rows):
        # A mismatch can only come from exotic layouts (sparse rows, multi-line strings);
        # fall back to no line numbers rather than wrong ones.
        row_lines = [0] * len(rows)
    attribute_lines, data_line = _header_lines(text)
    if len(attribute_lines) != len(parsed["attributes"]):
        attribute_lines = []  # as for rows: no line rather than a wrong one
    return ArffTable(
        path=str(path),
        relation=parsed.get("relation", ""),
        attributes=[(str(n), t) for n, t in parsed["attributes"]],
        rows=rows,
        row_lines=row_lines,
        attribute_lines=attribute_lines,
        data_line=data_line,
    )


def _describe_arff_error(exc: Exception, message: str) -> str:
    """A reader-friendly reason for a liac-arff error (what was expected)."""
    kind = type(exc).__name__
    explanations = {
        "BadDataFormat": "a data row does not have one value per attribute (truncated or extra values)",
        "BadNominalValue": "a value is not one of the attribute's declared levels",
        "BadNumericalValue": "a value of a NUMERIC attribute is not a number",
        "BadLayout": "expected @RELATION, @ATTRIBUTE lines and then @DATA",
        "BadRelationFormat": "expected '@RELATION name'",
        "BadAttributeFormat": "expected '@ATTRIBUTE name type'",
        "BadAttributeType": "unknown attribute type (expected NUMERIC, REAL, INTEGER, STRING or {levels})",
        "BadAttributeName": "duplicate or malformed attribute name",
        "BadStringValue": "a string value is malformed (unbalanced quote?)",
    }
    return explanations.get(kind, message or kind)


def _quote(value: str) -> str:
    """Quote a string value for ARFF when it has characters liac-arff would split on."""
    if value == "" or any(ch in value for ch in " ,'\"{}%\t\n\\") or value == "?":
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"
    return value


def _format_number(value: Any) -> str:
    if value is None:
        return "?"
    number = float(value)
    if math.isnan(number):
        return "?"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def format_arff(relation: str, attributes: Sequence[Attribute], rows: Iterable[Sequence[Any]]) -> str:
    """Render an ARFF document.

    Numbers are written with ``repr`` so they read back bit for bit; missing values
    (``None`` or NaN) become ``?``.
    """
    out = io.StringIO()
    out.write(f"@RELATION {_quote(relation)}\n\n")
    kinds = []
    for name, kind in attributes:
        if isinstance(kind, (list, tuple)):
            declared = "{" + ",".join(_quote(str(level)) for level in kind) + "}"
            kinds.append("nominal")
        else:
            declared = str(kind).upper()
            kinds.append("string" if declared == "STRING" else "number")
        out.write(f"@ATTRIBUTE {_quote(name)} {declared}\n")
    out.write("\n@DATA\n")
    for row in rows:
        cells = []
        for value, kind in zip(row, kinds, strict=True):
            if kind == "number":
                cells.append(_format_number(value))
            elif value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append("?")
            else:
                cells.append(_quote(str(value)))
        out.write(",".join(cells) + "\n")
    return out.getvalue()


def write_arff(
    path: str | Path, relation: str, attributes: Sequence[Attribute], rows: Iterable[Sequence[Any]]
) -> None:
    """Write an ARFF file atomically (to a temporary name, then renamed over ``path``)."""
    path = Path(path)
    text = format_arff(relation, attributes, rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
