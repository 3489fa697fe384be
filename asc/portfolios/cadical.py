"""CaDiCaL's option table, read from the python-sat binary that runs it, for parameterized CaDiCaL backends.

python-sat's ``Cadical195.configure`` accepts any option name and any value without a
word: an unknown name is ignored and CaDiCaL clamps a value out of range to its
bounds, so a misspelt or absurd configuration would silently run the default. The
loader and the wrapper (:mod:`asc.portfolios.pysat_solver`) therefore check every
CaDiCaL parameter against CaDiCaL's own option table: the ``Options::table`` array
(name, default, lower, upper, description, one entry per ``OPTION`` line of its
``options.hpp``) compiled into python-sat's ``pysolvers`` extension. It is read from
that file (an ELF symbol and its relocations; about 20 ms), so the check is against
the binary that actually runs, not a copy that could drift from it.

Every CaDiCaL option is an integer (flags are 0/1). Options that change what the
solver prints, checks or proves rather than how it searches (:data:`NOT_SEARCH`) are
refused: they cannot make a run faster, only break the answer or the measurement.
``phase`` and ``shuffle`` are the wrapper's own parameters (``--phase``,
``--shuffle``) and keep that meaning.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

#: python-sat backends whose options asc can set, and their C++ namespace in ``pysolvers``.
CADICAL_NAMESPACES = {"cadical195": "CaDiCaL195"}

#: The version each backend is, for messages.
CADICAL_VERSIONS = {"cadical195": "CaDiCaL 1.9.5"}

#: Options that are not search parameters: output, proofs, internal checking, timing, limits.
NOT_SEARCH = frozenset({
    "binary", "check", "checkassumptions", "checkconstraint", "checkfailed", "checkfrozen", "checkproof",
    "checkwitness", "externallrat", "frat", "idrup", "lidrup", "lrat", "log", "logsort", "profile", "quiet",
    "realtime", "report", "reportall", "reportsolve", "stats", "terminateint", "verbose", "veripb",
    "phase", "shuffle",  # the wrapper's own --phase and --shuffle
})


@dataclass(frozen=True)
class CadicalOption:
    """One entry of CaDiCaL's option table."""

    name: str
    default: int
    lower: int
    upper: int
    description: str


class OptionTableError(Exception):
    """The option table could not be read from the binary (another platform or build)."""


def pysolvers_path() -> Path:
    """The python-sat extension that holds the solvers."""
    import importlib.util

    spec = importlib.util.find_spec("pysolvers")
    if spec is None or spec.origin is None:
        raise OptionTableError("python-sat's pysolvers extension is not installed")
    return Path(spec.origin)


@functools.lru_cache(maxsize=None)
def option_table(backend: str = "cadical195", path: str | None = None) -> dict[str, CadicalOption]:
    """CaDiCaL's option table of ``backend`` as compiled into python-sat: name -> option.

    Raises
    ------
    OptionTableError
        The binary is not a little-endian ELF64 file with the table's symbol.
    """
    namespace = CADICAL_NAMESPACES[backend]
    data = Path(path or pysolvers_path()).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise OptionTableError("expected a little-endian ELF64 extension")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]

    def offset(vaddr: int) -> int:
        for _, kind, _, addr, off, size, *_ in sections:
            if kind != 8 and addr <= vaddr < addr + size:  # 8: NOBITS, not in the file
                return off + vaddr - addr
        raise OptionTableError(f"address {vaddr:#x} is in no section of the file")

    def cstr(off: int) -> str:
        return data[off:data.index(b"\0", off)].decode("utf-8", "replace")

    symbol = f"_ZN{len(namespace)}{namespace}7Options5tableE"
    table: tuple[int, int] | None = None
    for _, kind, _, _, off, size, link, _, _, _ in sections:
        if kind not in (2, 11) or table is not None:  # SYMTAB, DYNSYM
            continue
        strtab = sections[link][4]
        for j in range(size // 24):
            st_name, _, _, _, value, st_size = struct.unpack_from("<IBBHQQ", data, off + j * 24)
            if data.startswith(symbol.encode() + b"\0", strtab + st_name):
                table = (value, st_size)
                break
    if table is None:
        raise OptionTableError(f"no symbol {symbol} in the extension")
    relocations: dict[int, int] = {}
    for _, kind, _, _, off, size, *_ in sections:
        if kind == 4:  # RELA
            for j in range(size // 24):
                r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, off + j * 24)
                if r_info & 0xFFFFFFFF == 8:  # R_X86_64_RELATIVE: a pointer into the file
                    relocations[r_offset] = r_addend
    start, size = table
    entry = 40  # const char *name; int def, lo, hi, optimizable; bool preprocessing; const char *description
    options: dict[str, CadicalOption] = {}
    for k in range(size // entry):
        at = start + k * entry
        if at not in relocations:
            break
        default, lower, upper = struct.unpack_from("<iii", data, offset(at) + 8)
        name = cstr(offset(relocations[at]))
        desc = cstr(offset(relocations[at + 32])) if at + 32 in relocations else ""
        options[name] = CadicalOption(name, default, lower, upper, desc)
    if not options or "restartint" not in options:
        raise OptionTableError(f"{symbol} does not look like CaDiCaL's option table")
    return options


def check_value(backend: str, name: str, value: object) -> str | None:
    """Why ``name = value`` is not a valid setting of ``backend`` (None when it is)."""
    table = option_table(backend)
    version = CADICAL_VERSIONS[backend]
    if name in NOT_SEARCH:
        return f"{name!r} is not a search option of {version} (output, proofs, checking or the wrapper's own)"
    opt = table.get(name)
    if opt is None:
        return f"{version} has no option {name!r}"
    if isinstance(value, bool) or not isinstance(value, int) or not opt.lower <= value <= opt.upper:
        return f"{version} option {name!r} takes an integer in [{opt.lower}, {opt.upper}]; got {value!r}"
    return None
