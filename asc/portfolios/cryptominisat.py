"""CryptoMiniSat's option table, read from the ``pycryptosat`` extension that runs it.

``pycryptosat.Solver.set_option(name, value)`` takes the options of CryptoMiniSat's
option table (``for_each_conf_opt`` in its ``conf_options.h``: one entry per
command-line option, each bound to a ``SolverConf`` member) that are marked as
settable from the library, plus ``polar``. It checks only what its parser can: the
name, that the text parses as the member's C type, and a few fixed limits
(``maxxorsize`` at most 12). Everything else is accepted: ``restart = 7`` for an
on/off switch, ``branchstr = "abc"``, a negative ``mult``. The library exposes the
names (``pycryptosat.get_option_names()``) but neither the types, nor the ranges,
nor the defaults. So the table here is read from that binary in three parts:

- names: ``get_option_names()``;
- type and accepted range: probed through ``set_option`` itself on throwaway solvers
  (a solver is created in about 10 microseconds): text like ``1.5`` is accepted only
  by a floating-point member, ``abc`` only by a string, ``-1`` only by a signed one;
  the largest and smallest accepted integers are found by bisection, which also
  finds limits such as ``maxxorsize <= 12``;
- defaults: the solver's live ``SolverConf`` is read through ``ctypes``: a member is
  located where setting the option to two values changes the bytes, accepted only if
  both values decode from that location (a string: the text set reads back), and the
  default is decoded from a fresh solver's bytes there. This reads process memory
  through a pointer chain that is specific to the build (pycryptosat's ``Solver``
  object holds a ``SATSolver*`` whose private data's first solver holds the
  ``SolverConf`` at byte 0x88), so it runs in a child process (:func:`main`): another
  build can only make the read fail (:class:`OptionTableError`),
  never crash ``asc``.

On top of the binary's ranges, switches and modes take only their documented values
(:data:`DOCUMENTED_RANGES`: ``restart`` 0 or 1, ``target`` 0 to 2), and ``branchstr``
only the branching words the solver knows (:data:`BRANCH_WORDS`). Options that are
not search parameters (:data:`NOT_SEARCH`) are refused: ``seed`` is
the wrapper's own (the run's seed), ``nonstop`` changes when the library returns
rather than how it searches, and ``schedule``/``preschedule`` are free-form scripts of
simplification steps that ``set_option`` accepts unchecked, whatever they say.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: python-sat's canonical name of CryptoMiniSat (aliases: cryptominisat5, cms, ...).
BACKEND = "cryptosat"

#: Options that are not search parameters: the run's seed, library control, unchecked scripts.
NOT_SEARCH = frozenset({"seed", "nonstop", "schedule", "preschedule"})

#: Switches and modes whose values CryptoMiniSat documents in its option help ("Enable
#: restarts", "Decide on target phases. 0 = never, 1 = stable phases only, 2 = always")
#: while its parser takes any ``int``: a value outside would run as something no help
#: text describes, so it is refused as out of range.
DOCUMENTED_RANGES: dict[str, tuple[int, int]] = {
    **{name: (0, 1) for name in ("restart", "stabilize", "reduce", "sls", "rephase", "lucky", "transred",
                                 "intree", "schedsimp", "presimp", "nonstop", "occsimp", "bva", "varelim", "xor",
                                 "distill", "sweep", "autodisablegauss", "scc")},
    "target": (0, 2),
}

#: The branching heuristics ``branchstr`` may join with ``+`` (the default is ``vmtf+vsids``).
#: ``set_option`` takes any string there, and the solver silently branches at random on a
#: word it does not know (its log says ``adjusting to: rand``), so only these are allowed.
BRANCH_WORDS = ("vsids", "vmtf")

#: The polarity modes ``set_option("polar", ...)`` accepts (CryptoMiniSat's ``parse_polarity``).
POLAR_MODES = ("true", "false", "rnd", "auto", "weight")

#: Bytes of the ``SolverConf`` compared: an upper bound on its size, from the stack frame of
#: ``SATSolver::set_option`` (which copies the configuration before changing it) in 5.17.0.
CONF_BYTES = 0x598

#: Byte offset of the ``SolverConf`` inside CryptoMiniSat's ``Solver`` object (5.17.0).
CONF_OFFSET = 0x88


@dataclass(frozen=True)
class CmsOption:
    """One settable option of CryptoMiniSat.

    ``kind`` is ``int`` (signed), ``unsigned``, ``float``, ``string`` or ``choice``
    (``polar``); ``lower``/``upper`` are what ``set_option`` accepts, narrowed to the
    documented values of :data:`DOCUMENTED_RANGES` (None for strings and choices);
    ``choices`` the accepted words of a ``choice``.
    """

    name: str
    kind: str
    default: Any
    lower: float | None = None
    upper: float | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """The accepted values, for messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "string":
            return "a string"
        if self.kind == "float":
            return "a number"
        return f"integers in [{int(self.lower)}, {int(self.upper)}]"  # type: ignore[arg-type]


class OptionTableError(Exception):
    """The option table could not be read (pycryptosat missing, or another build)."""


def version() -> str:
    """CryptoMiniSat's version, as ``pycryptosat`` reports it ("CryptoMiniSat 5.17.0")."""
    return f"CryptoMiniSat {_module().VERSION}"


def _module() -> Any:
    try:
        import pycryptosat
    except ImportError as exc:
        raise OptionTableError(f"pycryptosat is not installed ({exc}); pip install pycryptosat") from None
    return pycryptosat


def accepts(name: str, text: str) -> bool:
    """Whether ``set_option(name, text)`` accepts ``text`` (on a throwaway solver)."""
    try:
        _module().Solver().set_option(name, text)
    except ValueError:
        return False
    return True


def _limit(name: str, start: int, direction: int) -> int:
    """The accepted integer farthest from ``start`` in ``direction`` (bisection; ``start`` is accepted)."""
    step = 1
    good = start
    while accepts(name, str(good + direction * step)) and step < 2**66:
        good += direction * step
        step *= 2
    bad = good + direction * step
    while abs(bad - good) > 1:
        mid = (good + bad) // 2
        if accepts(name, str(mid)):
            good = mid
        else:
            bad = mid
    return good


@functools.lru_cache(maxsize=None)
def kind_and_range(name: str) -> tuple[str, float | None, float | None, tuple[str, ...]]:
    """``(kind, lower, upper, choices)`` of option ``name`` as ``set_option`` parses it.

    Raises
    ------
    OptionTableError
        ``name`` is not an option of this build, or its parser fits no known kind.
    """
    names = _module().get_option_names()
    if name not in names:
        raise OptionTableError(f"{version()} has no option {name!r}")
    if accepts(name, "abc"):
        return "string", None, None, ()
    if not accepts(name, "0"):
        modes = tuple(m for m in POLAR_MODES if accepts(name, m))
        if not modes:
            raise OptionTableError(f"option {name!r} takes neither numbers nor polarity modes")
        return "choice", None, None, modes
    if accepts(name, "1.5"):
        return "float", -sys.float_info.max, sys.float_info.max, ()
    if accepts(name, "-1"):
        return "int", _limit(name, 0, -1), _limit(name, 0, 1), ()
    return "unsigned", 0, _limit(name, 0, 1), ()


def check_value(name: str, value: object) -> str | None:
    """Why ``name = value`` is not a valid CryptoMiniSat search setting (None when it is).

    The one rule for the loader's space check and the wrapper: a search option of this
    build, and a value of its kind within what ``set_option`` accepts and, for the
    switches and modes of :data:`DOCUMENTED_RANGES`, within their documented values.
    """
    ver = version()
    if name in NOT_SEARCH:
        return f"{name!r} is not a search option of {ver} (the run's seed, library control or an unchecked script)"
    try:
        kind, lower, upper, choices = kind_and_range(name)
    except OptionTableError as exc:
        return str(exc)
    lower, upper = DOCUMENTED_RANGES.get(name, (lower, upper))
    opt = CmsOption(name, kind, None, lower, upper, choices)
    if kind == "choice":
        ok = isinstance(value, str) and value in choices
    elif kind == "string" and name == "branchstr":
        ok = isinstance(value, str) and all(word in BRANCH_WORDS for word in value.split("+"))
        if not ok:
            return (f"{ver} option 'branchstr' takes {' or '.join(BRANCH_WORDS)}, or several joined by '+' "
                    f"(another word makes it branch at random); got {value!r}")
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    else:
        ok = isinstance(value, int) and not isinstance(value, bool) and lower <= value <= upper  # type: ignore[operator]
    if not ok:
        return f"{ver} option {name!r} takes {opt.allowed()}; got {value!r}"
    return None


@functools.lru_cache(maxsize=None)
def option_table() -> dict[str, CmsOption]:
    """Every settable option of the installed CryptoMiniSat: name -> option (defaults included).

    The defaults are read in a child process (see the module docstring); about 0.3 s.

    Raises
    ------
    OptionTableError
        pycryptosat is missing, or its defaults could not be read from this build.
    """
    names = list(_module().get_option_names())
    # this very package in the child, whatever the installed one is
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    try:
        res = subprocess.run([sys.executable, "-c", "from asc.portfolios.cryptominisat import main; main()"],
                             capture_output=True, text=True, timeout=120, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OptionTableError(f"could not start the reader of {version()}'s defaults: {exc}") from None
    if res.returncode != 0:
        why = (res.stderr.strip().splitlines() or [f"exit {res.returncode}"])[-1]
        raise OptionTableError(f"could not read {version()}'s defaults from pycryptosat: {why}")
    defaults = json.loads(res.stdout)
    table = {}
    for name in names:
        kind, lower, upper, choices = kind_and_range(name)
        lower, upper = DOCUMENTED_RANGES.get(name, (lower, upper))
        table[name] = CmsOption(name, kind, defaults[name], lower, upper, choices)
    return table


# -- the reader of defaults, run as `python -m asc.portfolios.cryptominisat` ---------------------------


def _conf_bytes(solver: Any) -> bytes:
    """The bytes of ``solver``'s live ``SolverConf`` (pointer chain of pycryptosat 5.17.0)."""
    import ctypes

    sat = ctypes.c_void_p.from_address(id(solver) + 16).value  # PyObject_HEAD, then SATSolver*
    data = ctypes.c_void_p.from_address(sat).value  # SATSolver::data
    first = ctypes.c_void_p.from_address(ctypes.c_void_p.from_address(data).value).value  # data->solvers[0]
    return ctypes.string_at(first + CONF_OFFSET, CONF_BYTES)


def _read_defaults() -> dict[str, Any]:
    """Every option's default, read from a fresh solver's configuration (see the module docstring).

    A member is located where setting the option to two values changes the bytes, and
    the location is accepted only if it decodes both values set there (a string: the
    text set); the default is decoded from a fresh solver at that location. Bytes that
    no constructor writes (padding) may differ between solvers at random, so only the
    located member is ever compared.
    """
    import ctypes

    cms = _module()
    fresh = [cms.Solver() for _ in range(8)]
    base = _conf_bytes(fresh[0])
    # bytes that differ between fresh solvers (pointers to each one's own memory, padding)
    samples = [_conf_bytes(s) for s in fresh[1:]] + [_conf_bytes(cms.Solver()) for _ in range(8)]
    noise = {i for other in samples for i, (a, b) in enumerate(zip(base, other)) if a != b}
    noisy = {i // 8 for i in noise}

    def conf(name: str, text: str | None) -> bytes:
        return _conf_bytes(cms.Solver(options={} if text is None else {name: text}))

    def diff(name: str, x: str | None, y: str | None) -> list[int]:
        # the bytes where setting name to x and to y differ, three times over
        found = None
        for _ in range(3):
            here = {i for i, (a, b) in enumerate(zip(conf(name, x), conf(name, y))) if a != b and i not in noise}
            found = here if found is None else found & here
        return sorted(found or ())

    def string_at(raw: bytes, at: int) -> str | None:
        ptr = ctypes.c_void_p.from_buffer_copy(raw, at).value
        size = ctypes.c_size_t.from_buffer_copy(raw, at + 8).value
        if not ptr or size > 65536:
            return None
        return ctypes.string_at(ptr, size).decode("utf-8", "replace")

    out: dict[str, Any] = {}
    for name in cms.get_option_names():
        kind, lower, upper, choices = kind_and_range(name)
        if kind == "choice":
            field = sorted({i for m in choices[1:] for i in diff(name, choices[0], m)})
            same = [m for m in choices if all(conf(name, m)[i] == base[i] for i in field)]
            if not field or len(same) != 1:
                raise OptionTableError(f"{name}: {len(same)} of its values leave its member as a fresh solver's")
            out[name] = same[0]
            continue
        if kind == "string":
            # std::string is {char *data, size_t size, ...}: the size differs between strings of
            # different lengths; the data pointer before it; the text must read back
            value = None
            for i in diff(name, "x" * 40, "y" * 41):
                at = i - i % 8 - 8
                if at >= 0 and at // 8 in noisy:
                    s = cms.Solver(options={name: "x" * 40})
                    if string_at(_conf_bytes(s), at) == "x" * 40:
                        value = string_at(base, at)
                        break
            if value is None:
                raise OptionTableError(f"{name}: found no std::string member that reads back the text set")
            out[name] = value
            continue
        if kind == "float":
            a, b, width, ctype = "1.2345678901234567", "-987.6543210987654", 8, ctypes.c_double
        else:
            lo, hi = int(lower), int(upper)  # type: ignore[arg-type]
            a, b = str(lo), str(min(hi, 0x0101010101010101))
            width = 8 if hi >= 2**32 or lo < -(2**31) else 4
            ctype = {(True, 8): ctypes.c_int64, (True, 4): ctypes.c_int32, (False, 8): ctypes.c_uint64,
                     (False, 4): ctypes.c_uint32}[(kind == "int", width)]
            if hi >= 2 and not diff(name, "1", "2"):
                a, b, width, ctype = "0", "1", 1, ctypes.c_bool  # a C++ bool: non-zero is true
        parse = float if kind == "float" else int
        value = None
        for i in diff(name, a, b):
            at = i - i % width
            got = [parse(ctype.from_buffer_copy(conf(name, t), at).value) for t in (a, b)]
            if got == [parse(a), parse(b)]:
                value = parse(ctype.from_buffer_copy(base, at).value)
                break
        if value is None:
            raise OptionTableError(f"{name}: found no {width}-byte member that holds the values set")
        out[name] = value
    return out


def _text(value: Any) -> str:
    """A value as ``set_option`` text (floats in full precision)."""
    return repr(value) if isinstance(value, float) else str(value)


def main() -> None:
    """Print every option's default as JSON (the child process of :func:`option_table`)."""
    try:
        print(json.dumps(_read_defaults()))
    except OptionTableError as exc:
        print(f"asc: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
