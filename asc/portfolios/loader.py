"""Portfolio files (``portfolios/*.toml``): parsing and validation.

Format::

    name = "example"                       # optional; defaults to the file stem
    description = "..."                    # optional

    [[algorithm]]                          # a python-sat backend (any python-sat alias)
    name = "cadical195"
    pysat = "cadical195"

    [[algorithm]]                          # an external command line
    name = "kissat"
    command = "kissat --seed={seed} --time={cutoff_int} {instance}"   # or an array of tokens

    [[algorithm]]                          # a parameterized algorithm: base + space + configuration
    name = "minisat22-neg"
    base = "minisat22"                     # an algorithm of this file, or a python-sat solver name
    param_format = "--{name}={value}"      # how {params} renders one parameter (optional)
    [algorithm.parameters]
    phase = { type = "categorical", choices = ["solver", "pos", "neg", "random"], default = "solver" }
    [algorithm.configuration]
    phase = "neg"

QSAR portfolios (``kind = "qsar"`` at the top) list learner x representation pairs
instead (see :mod:`asc.portfolios.qsar_learners` and :mod:`asc.features.representations`)::

    kind = "qsar"
    folds = 5                               # optional: k of k-fold CV (default 5)
    protocol = "kfold"                      # optional: or "split", the dataset's own train/test split

    [[algorithm]]
    name = "rf-fcfp4-1024"
    learner = "rf"                          # rf, et, svr-rbf, svr-tanimoto, ridge, knn-tanimoto, ...
    representation = "fcfp4-1024"           # ecfpD-BITS, fcfpD-BITS, ...-count-..., maccs, rdkit2d
    [algorithm.configuration]               # optional: the learner's hyperparameters
    n_estimators = 500

Each runs as ``python -m asc.portfolios.qsar_run {instance} --learner L --representation R
--seed {seed} --param NAME=VALUE ...``; its hyperparameters are its configuration (the run
key's configuration string), and so are ``folds`` and ``protocol`` when they are not the
defaults (``-cv_folds 10``, ``-cv_protocol split``): runs measured another way never share
a key with runs measured the default way.

Placeholders: see :data:`asc.portfolios.algorithm.RESERVED`; every parameter name is
a placeholder too. Each parameter must appear in the command line, by name or
through ``{params}``. Errors are :class:`asc.errors.InputError` naming the file and
line.

Shell scripts. ``asc`` starts a command as an argv list, never through a shell, so a
placeholder that is a token of its own (``{instance}``) reaches the solver as one
argument whatever the file is called. A command that hands a script to a shell
(``sh``, ``bash``, ``dash``, ``zsh``, ``ksh``, ... with or without a directory, the
token after ``-c``) is different: the shell parses the substituted text, and instance
files come from the internet, so ``minisat {instance} | tee log`` run on a file named
``$(touch PWNED).cnf`` or ``a b;touch PWNED;.cnf`` runs that code. Inside such a
script write the shell-quoted form ``{name!q}`` of every placeholder (``{instance!q}``,
``{seed!q}``, ``{cutoff!q:.0f}``, ``{phase!q}``, ``{params!q}``), bare, not inside
quotes of your own, or pass the value as an argument after the script::

    command = ["sh", "-c", "minisat {instance!q} | tee log"]
    command = ["sh", "-c", 'minisat "$1" | tee log', "sh", "{instance}"]

A raw placeholder in a shell script, or a quoted one inside quotes of the script
(``'{instance!q}'``, ``tee "{instance!q}.log"``: the quotes ``!q`` adds would close the
script's own, and ``$(...)`` runs inside double quotes), is refused when the file is
read; ``"$(cat {instance!q})"`` is fine, a command substitution starts afresh. ``!q``
is a conversion (like ``!r``) rather than a format spec, so it composes with any
spec; it quotes last, what the spec made of the value. The check knows POSIX shells
only: a script for another interpreter (``python -c``, ``perl -e``, ``fish -c``) must
take values as arguments, not placeholders.
"""

from __future__ import annotations

import math
import re
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asc.errors import InputError
from asc.portfolios.cadical import CADICAL_NAMESPACES
from asc.portfolios.cryptominisat import BACKEND as CMS_BACKEND
from asc.portfolios.algorithm import (DEFAULT_PARAM_FORMAT, QUOTE, RESERVED, Algorithm, Parameter, placeholders,
                                      shell_scripts, unquoted_placeholders)

#: Parameters the python-sat wrapper (:mod:`asc.portfolios.pysat_solver`) understands.
PYSAT_PARAMETERS = frozenset({"phase", "shuffle"})

#: Backends whose python-sat interface raises NotImplementedError on set_phases
#: (python-sat 1.9.dev17), and CryptoMiniSat (run through pycryptosat, which has no
#: phase setting): a ``phase`` parameter other than "solver" cannot work there.
NO_PHASES = frozenset({"cadical103", "kissat404", "cryptosat"})

_ALGO_KEYS = {"name", "pysat", "command", "base", "description", "parameters", "configuration", "param_format"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _pysat_names() -> dict[str, tuple[str, ...]]:
    """Canonical python-sat solver names (``SolverNames`` attributes) and their aliases."""
    from pysat.solvers import SolverNames

    return {k: tuple(v) for k, v in vars(SolverNames).items() if not k.startswith("_") and isinstance(v, tuple)}


class _Solvers(Mapping):
    """Lazy mapping canonical name -> aliases, so ``import asc.portfolios`` does not load pysat."""

    _names: dict[str, tuple[str, ...]] | None = None

    def _get(self) -> dict[str, tuple[str, ...]]:
        if self._names is None:
            type(self)._names = _pysat_names()
        return self._names  # type: ignore[return-value]

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


#: Every SAT solver python-sat ships: canonical name -> aliases (loaded on first use).
PYSAT_SOLVERS: Mapping[str, tuple[str, ...]] = _Solvers()


def resolve_pysat(name: str) -> str | None:
    """The canonical python-sat solver name of ``name`` (a canonical name or an alias), or None."""
    key = name.strip().lower()
    for canonical, aliases in PYSAT_SOLVERS.items():
        if key == canonical or key in aliases:
            return canonical
    return None


def pysat_algorithm(backend: str, name: str | None = None) -> Algorithm:
    """The algorithm that runs python-sat backend ``backend`` (canonical name or alias).

    Raises
    ------
    InputError
        If python-sat has no solver of that name.
    """
    canonical = resolve_pysat(backend)
    if canonical is None:
        raise InputError(f"expected a python-sat solver name ({', '.join(PYSAT_SOLVERS)}); got {backend!r}")
    command = ("{python}", "-m", "asc.portfolios.pysat_solver", "{instance}", "--solver", canonical,
               "--seed", "{seed}", "{params}")
    return Algorithm(name=name or canonical, command=command, kind="pysat", backend=canonical)


@dataclass(frozen=True)
class Portfolio:
    """A named list of algorithms with unique names; ``kind`` is ``sat`` or ``qsar``."""

    name: str
    algorithms: tuple[Algorithm, ...]
    path: str | None = None
    description: str = field(default="", compare=False)
    kind: str = "sat"
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    def __getitem__(self, name: str) -> Algorithm:
        for a in self.algorithms:
            if a.name == name:
                return a
        raise KeyError(name)

    def __len__(self) -> int:
        return len(self.algorithms)

    def __iter__(self) -> Iterator[Algorithm]:
        return iter(self.algorithms)

    @property
    def names(self) -> list[str]:
        """Algorithm names in file order."""
        return [a.name for a in self.algorithms]

    def line_of(self, name: str) -> int | None:
        """Line of the portfolio file where algorithm ``name`` is named (None if not from a file)."""
        return dict(self.lines).get(name)

    def check_programs(self) -> None:
        """Refuse, before any run, an algorithm whose program cannot be started here.

        A missing solver binary would otherwise be found one run at a time, each stored
        as a CRASH, and a campaign would end "successfully" with a store full of them.

        Raises
        ------
        InputError
            Naming the portfolio file, the algorithm's line and why its program cannot run.
        """
        for a in self.algorithms:
            problem = a.program_problem()
            if problem is not None:
                raise InputError(f"algorithm {a.name!r}: {problem}", self.path, self.line_of(a.name))


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file.

    Parameters
    ----------
    path
        A ``.toml`` portfolio file.

    Returns
    -------
    Portfolio

    Raises
    ------
    InputError
        If the file is missing, is not valid TOML, or does not describe a valid portfolio
        (the message names the line and what was expected).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("expected a portfolio file (.toml); not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"expected a readable UTF-8 portfolio file: {exc}", path) from None
    return parse_portfolio(text, path)


def parse_portfolio(text: str, path: str | Path = "<portfolio>") -> Portfolio:
    """Parse portfolio TOML text (see the module docstring for the format)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+)", msg)
        raise InputError(f"expected valid TOML: {msg}", path, int(m.group(1)) if m else None) from None
    except ValueError as exc:  # tomllib lets int() refuse an integer of over 4300 digits
        raise InputError(f"expected valid TOML: {str(exc).split(';')[0]}", path) from None
    ctx = _Context(text, str(path))
    kind = doc.get("kind", "sat")
    if kind not in ("sat", "qsar"):
        ctx.fail(f"expected kind = \"sat\" or \"qsar\"; got {kind!r}", "kind")
    allowed = {"name", "description", "kind", "algorithm"} | ({"folds", "protocol"} if kind == "qsar" else set())
    unknown = set(doc) - allowed
    if unknown:
        key = sorted(unknown)[0]
        ctx.fail(f"unknown top-level key {key!r}; expected {', '.join(sorted(allowed - {'algorithm'}))} and "
                 "[[algorithm]] tables", key)
    cv: dict[str, Any] = {}
    if kind == "qsar":
        folds, protocol = doc.get("folds", 5), doc.get("protocol", "kfold")
        if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= 100:
            ctx.fail(f"expected folds = an integer from 2 to 100; got {folds!r}", "folds")
        if protocol not in ("kfold", "split"):
            ctx.fail(f"expected protocol = \"kfold\" or \"split\"; got {protocol!r}", "protocol")
        cv = {k: v for k, v, default in (("cv_folds", folds, 5), ("cv_protocol", protocol, "kfold")) if v != default}
    tables = doc.get("algorithm")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        ctx.fail("expected at least one [[algorithm]] table", "[[algorithm]]")
    raw: dict[str, dict[str, Any]] = {}
    for t in tables:
        name = t.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            ctx.fail(f"expected every [[algorithm]] to have name = \"...\" (letters, digits, _.+-); got {name!r}",
                     "name" if name is None else str(name))
        if name in raw:
            ctx.fail(f"algorithm name {name!r} is used twice; names must be unique", f'"{name}"', nth=2)
        raw[name] = t
    built: dict[str, Algorithm] = {}
    for name in raw:
        if kind == "qsar":
            built[name] = _build_qsar(name, raw[name], ctx, cv)
        else:
            _build(name, raw, built, ctx, ())
    port_name = doc.get("name", Path(str(path)).stem)
    lines = tuple((n, line) for n in raw if (line := ctx.line_of(f'"{n}"')) is not None)
    return Portfolio(str(port_name), tuple(built[n] for n in raw), str(path), str(doc.get("description", "")),
                     kind, lines)


_QSAR_KEYS = {"name", "learner", "representation", "description", "configuration"}


def qsar_algorithm(name: str, learner: str, representation: str, params: dict[str, Any] | None = None,
                   description: str = "") -> Algorithm:
    """The algorithm running a learner x representation pair (see the module docstring).

    Raises
    ------
    UsageError
        A bad pair or hyperparameter (:func:`asc.portfolios.qsar_learners.check_pair`).
    """
    from asc.portfolios.qsar_learners import check_pair

    check_pair(learner, representation, {k: v for k, v in (params or {}).items() if not k.startswith("cv_")})
    command = ("{python}", "-m", "asc.portfolios.qsar_run", "{instance}", "--learner", learner,
               "--representation", representation, "--seed", "{seed}", "{params}")
    values = tuple(sorted((params or {}).items()))
    return Algorithm(name=name, command=command, kind="qsar", backend=f"{learner}:{representation}",
                     values=values, param_format="--param {name}={value}", description=description)


def _build_qsar(name: str, t: dict[str, Any], ctx: _Context, cv: dict[str, Any]) -> Algorithm:
    from asc.errors import UsageError

    here = ctx.line_of(f'"{name}"')

    def fail(msg: str, needle: str | None = None) -> None:
        ctx.fail(f"algorithm {name!r}: {msg}", needle, here)

    unknown = set(t) - _QSAR_KEYS
    if unknown:
        fail(f"unknown key {sorted(unknown)[0]!r} in a qsar portfolio; expected one of {', '.join(sorted(_QSAR_KEYS))}",
             sorted(unknown)[0])
    for key in ("learner", "representation"):
        if not isinstance(t.get(key), str):
            fail(f"expected {key} = \"...\"; got {t.get(key)!r}", key if key in t else None)
    config = t.get("configuration", {})
    if not isinstance(config, dict) or not all(isinstance(v, (bool, int, float, str)) for v in config.values()):
        fail("expected [algorithm.configuration] to map hyperparameter names to numbers, booleans or strings",
             "configuration")
    bad = [k for k in config if not _IDENT.match(k) or k.startswith("cv_")]
    if bad:
        fail(f"expected hyperparameter names that are identifiers not starting with cv_ (the portfolio's folds and "
             f"protocol); got {bad[0]!r}", bad[0])
    try:
        return qsar_algorithm(name, t["learner"], t["representation"], {**config, **cv},
                              str(t.get("description", "")))
    except UsageError as exc:
        msg = str(exc)
        hyper = re.search(r"has no hyperparameter '([^']+)'", msg)
        key = hyper.group(1) if hyper else (
            "representation" if msg.startswith(("representation", "unknown representation")) or "needs a" in msg
            else "learner")
        fail(msg, key)
    raise AssertionError("unreachable")


class _Context:
    """The file text, to point errors at a line (tomllib gives positions only for syntax errors)."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def line_of(self, needle: str, after: int | None = None, nth: int = 1) -> int | None:
        """Line (1-based) of the nth occurrence of ``needle`` at or after line ``after``.

        A key is looked for as ``key = ...`` first, so that ``x`` finds the line setting x
        rather than the first line containing the letter.
        """
        key = re.compile(rf'^\s*"?{re.escape(needle)}"?\s*=')
        for match in (key.search, lambda line: needle in line):
            seen = 0
            for i, line in enumerate(self.lines, 1):
                if after is not None and i < after:
                    continue
                if match(line):
                    seen += 1
                    if seen == nth:
                        return i
        return None

    def fail(self, message: str, needle: str | None = None, after: int | None = None, nth: int = 1) -> None:
        line = self.line_of(needle, after, nth) if needle else None
        raise InputError(message, self.path, line)


def _build(name: str, raw: dict[str, dict[str, Any]], built: dict[str, Algorithm], ctx: _Context,
           stack: tuple[str, ...]) -> Algorithm:
    if name in built:
        return built[name]
    t = raw[name]
    here = ctx.line_of(f'"{name}"')

    def fail(msg: str, needle: str | None = None, section: str | None = None) -> None:
        start = here
        if section is not None:  # look for the key inside that table of this algorithm
            start = ctx.line_of(f"[algorithm.{section}]", here) or here
        ctx.fail(f"algorithm {name!r}: {msg}", needle, start)

    unknown = set(t) - _ALGO_KEYS
    if unknown:
        fail(f"unknown key {sorted(unknown)[0]!r}; expected one of {', '.join(sorted(_ALGO_KEYS))}",
             sorted(unknown)[0])
    sources = [k for k in ("pysat", "command", "base") if k in t]
    if len(sources) != 1:
        fail("expected exactly one of pysat = \"SOLVER\", command = \"...\" or base = \"ALGORITHM\""
             + (f"; got {', '.join(sources)}" if sources else ""), sources[1] if len(sources) > 1 else None)
    source = sources[0]
    base_space: tuple[Parameter, ...] = ()
    base_values: dict[str, Any] = {}
    if source == "pysat":
        backend = t["pysat"]
        if not isinstance(backend, str) or resolve_pysat(backend) is None:
            fail(f"expected a python-sat solver name ({', '.join(PYSAT_SOLVERS)}); got {backend!r}", "pysat")
        algo = pysat_algorithm(backend, name)
    elif source == "command":
        algo = Algorithm(name=name, command=_command(t["command"], fail), kind="command")
    else:
        base = t["base"]
        if not isinstance(base, str):
            fail(f"expected base = \"ALGORITHM\" (a name); got {base!r}", "base")
        if base in stack or base == name:
            fail(f"base {base!r} refers back to itself", "base")
        if base in raw:
            parent = _build(base, raw, built, ctx, (*stack, name))
        elif resolve_pysat(base) is not None:
            parent = pysat_algorithm(base)
        else:
            fail(f"expected base to name an algorithm of this file or a python-sat solver; got {base!r}", "base")
        algo = Algorithm(name=name, command=parent.command, kind=parent.kind, backend=parent.backend,
                         base=parent.name, param_format=parent.param_format)
        base_space, base_values = parent.space, dict(parent.values)
    param_format = t.get("param_format", algo.param_format or DEFAULT_PARAM_FORMAT)
    if not isinstance(param_format, str) or "{name}" not in param_format:
        fail(f"expected param_format to be a string containing {{name}}; got {param_format!r}", "param_format")
    space = _space(t.get("parameters", {}), base_space, fail)
    values = _configuration(t.get("configuration", {}), space, base_values, fail)
    if algo.kind == "pysat" and algo.backend in CADICAL_NAMESPACES:
        for p in space:
            if p.name not in PYSAT_PARAMETERS:
                _cadical_parameter(p, algo.backend, fail)
    elif algo.kind == "pysat" and algo.backend == CMS_BACKEND:
        for p in space:
            if p.name not in PYSAT_PARAMETERS:
                _cms_parameter(p, fail)
    if algo.kind == "pysat" and algo.backend not in CADICAL_NAMESPACES and algo.backend != CMS_BACKEND:
        extra = sorted(p.name for p in space if p.name not in PYSAT_PARAMETERS)
        if extra:
            fail(f"python-sat backends take the parameters {', '.join(sorted(PYSAT_PARAMETERS))}; got {extra[0]!r}",
                 extra[0])
    if algo.kind == "pysat":
        phase = [p for p in space if p.name == "phase"]
        if algo.backend in NO_PHASES and phase and set(map(str, phase[0].choices)) != {"solver"}:
            fail(f"python-sat backend {algo.backend} cannot set phases; the phase parameter may only be \"solver\"",
                 "phase")
    used = {n for tok in algo.command for n in placeholders(tok)}
    unknown_ph = sorted(used - RESERVED - {p.name for p in space})
    if unknown_ph:
        fail(f"unknown placeholder {{{unknown_ph[0]}}} in the command line; expected one of "
             f"{', '.join('{' + r + '}' for r in sorted(RESERVED))} or a parameter name", "command")
    for p in space:
        if p.name not in used and "params" not in used:
            fail(f"parameter {p.name!r} does not appear in the command line; add {{{p.name}}} or {{params}}",
                 p.name)
    _shell_safe(algo.command, fail)
    algo = Algorithm(name=name, command=algo.command, kind=algo.kind, backend=algo.backend, base=algo.base,
                     space=space, values=values, param_format=param_format,
                     description=str(t.get("description", "")))
    try:  # format specs and conversions fail here, not in the middle of a campaign
        algo.command_line("instance.cnf", 0, 1.0, 1024)
    except (KeyError, IndexError, AttributeError, ValueError) as exc:
        hint = f"; to shell-quote a placeholder write {{name!{QUOTE}}}" if ":q}" in " ".join(algo.command) else ""
        fail(f"expected every {{placeholder}} to format (name, !{QUOTE} and format spec): {exc}{hint}", "command")
    built[name] = algo
    return algo


def _cadical_parameter(p: Parameter, backend: str, fail: Any) -> None:
    """Check a CaDiCaL parameter against the solver's own option table (see :mod:`asc.portfolios.cadical`).

    CaDiCaL ignores unknown names and clamps values out of range without a word, so
    here the name must be one of its search options, the parameter an integer (or a
    categorical of integers), its range within the option's and its default the
    solver's default (the default configuration is the solver's own; a different
    starting point goes in ``[algorithm.configuration]``).
    """
    from asc.portfolios.cadical import CADICAL_VERSIONS, NOT_SEARCH, OptionTableError, option_table

    version = CADICAL_VERSIONS[backend]
    try:
        table = option_table(backend)
    except (OptionTableError, OSError) as exc:
        fail(f"parameter {p.name!r}: cannot read {version}'s option table to check it: {exc}", p.name)
    opt = table.get(p.name)
    if opt is None or p.name in NOT_SEARCH:
        why = "is not a search option" if opt is not None else "is not an option"
        fail(f"parameter {p.name!r} {why} of {version} (python-sat {backend}); expected one of its search options, "
             f"such as restartint, reducetarget, stabilize, elim", p.name)
    allowed = f"integers in [{opt.lower}, {opt.upper}]"
    if p.type == "float":
        fail(f"parameter {p.name!r}: {version}'s {p.name} takes {allowed}; expected type = \"integer\" "
             "or a categorical of integers", p.name)
    values = list(p.choices) if p.type == "categorical" else [p.lower, p.upper]
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int) or not opt.lower <= v <= opt.upper]
    if bad:
        fail(f"parameter {p.name!r}: {version}'s {p.name} takes {allowed}; got {bad[0]!r}", p.name)
    if p.default != opt.default:
        fail(f"parameter {p.name!r}: the default must be {version}'s, {opt.default}; got {p.default!r} (set a "
             "different starting configuration in [algorithm.configuration])", p.name)


def _cms_parameter(p: Parameter, fail: Any) -> None:
    """Check a CryptoMiniSat parameter against its option table (see :mod:`asc.portfolios.cryptominisat`).

    ``set_option`` checks only that a value parses as the option's C type, so a switch
    set to 7 or a schedule of nonsense would run silently; here the name must be one
    of its search options, every value of the parameter (its choices, or its bounds)
    of the option's kind and within what ``set_option`` accepts, and the default the
    solver's own default as read from the binary (a different starting point goes in
    ``[algorithm.configuration]``).
    """
    from asc.portfolios.cryptominisat import NOT_SEARCH, OptionTableError, check_value, option_table, version

    try:
        table = option_table()
        ver = version()
    except (OptionTableError, OSError) as exc:
        fail(f"parameter {p.name!r}: cannot read CryptoMiniSat's option table to check it: {exc}", p.name)
    opt = table.get(p.name)
    if opt is None or p.name in NOT_SEARCH:
        why = "is not a search option" if opt is not None else "is not an option"
        fail(f"parameter {p.name!r} {why} of {ver} (pycryptosat); expected one of its search options: "
             f"{', '.join(n for n in table if n not in NOT_SEARCH)}", p.name)
    allowed = opt.allowed()
    numeric = opt.kind in ("int", "unsigned", "float")
    if numeric != (p.type != "categorical" or all(isinstance(v, (int, float)) for v in p.choices)) or \
            (p.type == "float" and opt.kind != "float"):
        fail(f"parameter {p.name!r}: {ver}'s {p.name} takes {allowed}; expected "
             + ("a categorical of strings" if not numeric else
                "type = \"integer\" or a categorical of integers" if opt.kind != "float" else "a number"), p.name)
    values = list(p.choices) if p.type == "categorical" else [p.lower, p.upper]
    bad = [v for v in values if check_value(p.name, v) is not None]
    if bad:
        fail(f"parameter {p.name!r}: {ver}'s {p.name} takes {allowed}; got {bad[0]!r}", p.name)
    if p.default != opt.default:
        fail(f"parameter {p.name!r}: the default must be {ver}'s, {opt.default!r}; got {p.default!r} (set a "
             "different starting configuration in [algorithm.configuration])", p.name)


def _shell_safe(command: tuple[str, ...], fail: Any) -> None:
    """Refuse placeholders a shell would parse as code (see "Shell scripts" in the module docstring).

    Only the script of a shell's ``-c`` is checked: every other token reaches its
    program as one argv entry, whatever the value, so quoting it would put literal
    quote characters into the file name the solver opens.
    """
    for i, shell in shell_scripts(command):
        raw = unquoted_placeholders(command[i])
        if raw:
            fail(f"{{{raw[0]}}} is pasted unquoted into the script of {shell} -c, {command[i]!r}: a file named "
                 f"'$(touch PWNED).cnf' would run as code; write {{{raw[0]}!{QUOTE}}} (shell-quoted, bare, not "
                 f"inside quotes) or pass the value after the script, as \"$1\"", "command")


def _command(value: Any, fail: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            tokens = shlex.split(value)
        except ValueError as exc:
            fail(f"expected a shell-like command line: {exc}", "command")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        tokens = list(value)
    else:
        fail(f"expected command to be a string or an array of strings; got {value!r}", "command")
    if not tokens:
        fail("expected a non-empty command", "command")
    names = set()
    for tok in tokens:
        try:
            names.update(placeholders(tok))
        except ValueError as exc:
            fail(f"expected {{placeholders}} with balanced braces in {tok!r}: {exc}", "command")
    if "instance" not in names:
        fail("expected the command line to contain {instance}", "command")
    return tuple(tokens)


def _space(spec: Any, inherited: tuple[Parameter, ...], fail: Any) -> tuple[Parameter, ...]:
    if not isinstance(spec, dict):
        fail("expected [algorithm.parameters] to be a table of parameters", "parameters")
    params = {p.name: p for p in inherited}
    for pname, d in spec.items():
        if not _IDENT.match(pname) or pname in RESERVED:
            fail(f"expected a parameter name that is an identifier and not one of {', '.join(sorted(RESERVED))}; "
                 f"got {pname!r}", pname)
        if not isinstance(d, dict):
            fail(f"parameter {pname!r}: expected a table like {{ type = \"categorical\", choices = [...] }}", pname)
        params[pname] = _parameter(pname, d, fail)
    return tuple(sorted(params.values(), key=lambda p: p.name))


def _parameter(pname: str, d: dict[str, Any], fail: Any) -> Parameter:
    kind = d.get("type")
    bad = set(d) - {"type", "choices", "default", "lower", "upper", "log"}
    if bad:
        fail(f"parameter {pname!r}: unknown key {sorted(bad)[0]!r}", pname)
    if kind == "categorical":
        choices = d.get("choices")
        if not isinstance(choices, list) or not choices or any(isinstance(c, (dict, list)) for c in choices):
            fail(f"parameter {pname!r}: expected choices = [a non-empty array of values]", pname)
        default = d.get("default", choices[0])
        if default not in choices:
            fail(f"parameter {pname!r}: expected the default to be one of the choices; got {default!r}", pname)
        return Parameter(pname, "categorical", default, choices=tuple(choices))
    if kind in ("integer", "float"):
        lo, hi = d.get("lower"), d.get("upper")
        num = int if kind == "integer" else (int, float)
        if not isinstance(lo, num) or not isinstance(hi, num) or isinstance(lo, bool) or not lo < hi:
            fail(f"parameter {pname!r}: expected numeric lower < upper{' (integers)' if kind == 'integer' else ''}",
                 pname)
        if kind == "float" and not (_finite(lo) and _finite(hi)):
            fail(f"parameter {pname!r}: expected finite lower and upper bounds (within a float's range)", pname)
        log = bool(d.get("log", False))
        if log and lo <= 0:
            fail(f"parameter {pname!r}: a log-scale parameter needs lower > 0", pname)
        default = d.get("default", lo)
        if not isinstance(default, num) or isinstance(default, bool) or not lo <= default <= hi:
            fail(f"parameter {pname!r}: expected a default within [{lo}, {hi}]; got {default!r}", pname)
        conv = int if kind == "integer" else float
        return Parameter(pname, kind, conv(default), lower=conv(lo), upper=conv(hi), log=log)
    fail(f"parameter {pname!r}: expected type = \"categorical\", \"integer\" or \"float\"; got {kind!r}", pname)
    raise AssertionError  # unreachable: fail raises


def _finite(x: int | float) -> bool:
    """Whether ``x`` is a finite float or an int within a float's range (TOML integers have no bound)."""
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _configuration(spec: Any, space: tuple[Parameter, ...], inherited: dict[str, Any],
                   fail: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(spec, dict):
        fail("expected [algorithm.configuration] to be a table of parameter values", "configuration")
    by_name = {p.name: p for p in space}
    unknown = set(spec) - set(by_name)
    if unknown:
        fail(f"configuration sets {sorted(unknown)[0]!r}, which is not a parameter; expected one of "
             f"{', '.join(by_name) or '(none: add [algorithm.parameters])'}", sorted(unknown)[0], "configuration")
    values = {p.name: inherited.get(p.name, p.default) for p in space}
    for k, v in spec.items():
        p = by_name[k]
        if p.type == "categorical":
            if v not in p.choices:
                fail(f"configuration {k} = {v!r}: expected one of {list(p.choices)}", k, "configuration")
        else:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and p.lower <= v <= p.upper  # type: ignore[operator]
            if not ok or (p.type == "integer" and not (isinstance(v, int) or float(v).is_integer())):
                fail(f"configuration {k} = {v!r}: expected {'an integer' if p.type == 'integer' else 'a number'} "
                     f"in [{p.lower}, {p.upper}]", k, "configuration")
            v = int(v) if p.type == "integer" else float(v)
        values[k] = v
    return tuple(sorted(values.items()))
