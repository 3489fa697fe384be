"""SATzilla's base feature groups (Pre, Basic, KLB, CG) of a CNF formula, as ASlib feature steps.

What is computed, and how it matches SATzilla
----------------------------------------------
The definitions are those of SATzilla's extractor (Xu, Hutter, Hoos, Leyton-Brown,
SATzilla 2012; the SAT 2024 revision by Shavit and Hoos, ``SATinstance.cc``) run with
preprocessing off, and the names those of the ASlib SAT scenarios (``-`` becomes ``_``,
``+`` becomes ``p``: ``BINARY+`` is ``BINARYp``).

* **Pre** reads the formula as SATzilla does: literals repeated in a clause are
  dropped, tautological clauses are dropped (duplicate clauses stay), variables that
  occur in no clause are not counted, and unit propagation runs to a fixpoint (or to
  the first conflict). ``nvarsOrig``/``nclausesOrig`` are the ``p cnf`` header's counts;
  ``nvars``/``nclauses`` the variables and clauses still active after propagation;
  ``reducedVars``/``reducedClauses`` the removed counts relative to those (SATzilla's
  ``(orig - active) / active``: never negative, but above 1 once more than half is
  removed, as in the reference table). When the header declares fewer variables or
  clauses than the body has, the body's counts are the original ones (the reader warns).
* **Basic** describes the active clauses: the ratio of variables to clauses, per
  clause the balance of positive and negative literals ``2|1/2 - pos/size|`` and the
  size over the number of variables (the clause side of the variable-clause graph), with
  mean, coefficient of variation, min, max and entropy, and the fractions of unary,
  binary and ternary clauses (cumulative, hence ``BINARYp``).
* **KLB** (after Nudelman et al. 2004) is the variable side: occurrences per variable
  over the number of clauses, the balance of positive and negative occurrences, the
  occurrences in Horn clauses, the fraction of Horn clauses, and the degree of each
  variable in the variable graph (variables adjacent when they share a clause).
* **CG** is the clause graph (clauses adjacent when a variable occurs in them with
  opposite signs, i.e. when they can be resolved): degree statistics over the number
  of clauses and the clustering coefficient with the clause itself counted as its own
  neighbour, as SATzilla does: ``2 (deg + T) / ((deg + 1) deg)`` where ``T`` is the number
  of triangles through the clause.

Statistics follow SATzilla's helpers exactly: population standard deviation, the
coefficient of variation set to 0 when mean and deviation are both below 1e-10, the
maximum of an all-negative list clamped at 0, entropies over 100 equal bins on [0, 1]
for ratios and over the integer values for counts. One quirk is kept on purpose
because every ASlib SAT scenario was computed with it: the per-variable statistics
of KLB look at the variables numbered 1..``nvars`` (the number of *active* variables),
not at every active variable; variables removed by propagation inside that window are
skipped and active variables beyond it are left out. Models trained on ASlib data
expect these values.

What differs, and why (see docs/features.md)
--------------------------------------------
* Algorithms, not the definitions: KLB's variable graph costs the total size of each
  variable's clauses instead of a pass over all variables per variable (SATzilla's is
  quadratic in the number of variables), and CG counts triangles on the degree-oriented
  clause graph instead of testing every pair of neighbours for a conflict.
* Dense clause graphs (kconfig feature models: 1e8 edges over 25k clauses) are held as
  rows of bits filled from the occurrence lists, never as an edge list. Degrees are
  always exact; the clustering coefficients are exact while the triangle count costs at
  most ``_EXACT_WORK`` word operations and otherwise estimated per clause from a seeded
  sample of its neighbours (error bound in :func:`asc.features._kernels.sample_triangles_rows`,
  measured figures in docs/features.md); :func:`cg_clustering_is_estimated` tells from
  ``nclauses`` and ``CG_mean`` which rows hold estimates.
* A file whose variable count (header or largest index) is far beyond what its body
  uses is renumbered to the used variables for the kernels (order kept, so every value,
  KLB's window included, is the file's own): memory follows the body.
* Undefined values (SATzilla's -512, e.g. ratios over zero active variables, and
  anything of a group that did not finish) are NaN, which ASlib files store as ``?``.
* A group that exceeds its time limit or its memory budget has status ``timeout`` or
  ``memout`` and no values; SATzilla instead fills in -512 or, for CG, -1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asc.features import _kernels as K
from asc.instances._jit import compile_seconds
from asc.instances.cnf import CNF

STEP_NAMES = ("Pre", "Basic", "KLB", "CG")

PRE_FEATURES = ("nvarsOrig", "nclausesOrig", "nvars", "nclauses", "reducedVars", "reducedClauses")
BASIC_FEATURES = (
    "vars_clauses_ratio",
    "POSNEG_RATIO_CLAUSE_mean", "POSNEG_RATIO_CLAUSE_coeff_variation", "POSNEG_RATIO_CLAUSE_min",
    "POSNEG_RATIO_CLAUSE_max", "POSNEG_RATIO_CLAUSE_entropy",
    "VCG_CLAUSE_mean", "VCG_CLAUSE_coeff_variation", "VCG_CLAUSE_min", "VCG_CLAUSE_max",
    "VCG_CLAUSE_entropy",
    "UNARY", "BINARYp", "TRINARYp",
)
KLB_FEATURES = (
    "VCG_VAR_mean", "VCG_VAR_coeff_variation", "VCG_VAR_min", "VCG_VAR_max", "VCG_VAR_entropy",
    "POSNEG_RATIO_VAR_mean", "POSNEG_RATIO_VAR_stdev", "POSNEG_RATIO_VAR_min", "POSNEG_RATIO_VAR_max",
    "POSNEG_RATIO_VAR_entropy",
    "HORNY_VAR_mean", "HORNY_VAR_coeff_variation", "HORNY_VAR_min", "HORNY_VAR_max", "HORNY_VAR_entropy",
    "horn_clauses_fraction",
    "VG_mean", "VG_coeff_variation", "VG_min", "VG_max",
)
CG_FEATURES = (
    "CG_mean", "CG_coeff_variation", "CG_min", "CG_max", "CG_entropy",
    "cluster_coeff_mean", "cluster_coeff_coeff_variation", "cluster_coeff_min", "cluster_coeff_max",
    "cluster_coeff_entropy",
)

#: ASlib feature steps: name -> (features provided, steps required), in computation order.
FEATURE_STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Pre": (PRE_FEATURES, ()),
    "Basic": (BASIC_FEATURES, ("Pre",)),
    "KLB": (KLB_FEATURES, ("Pre",)),
    "CG": (CG_FEATURES, ("Pre",)),
}

#: Feature runstatus levels of ASlib.
# Work units (roughly inner-loop iterations) per kernel call between two clock checks:
# small enough to stop soon after a time limit, large enough that calls cost nothing.
_CHUNK_WORK = 1 << 22
# Bytes per clause-graph edge held at once (the oriented edge list, its work, slack).
_CG_BYTES_PER_EDGE = 6
# Variables are renumbered 1..k (the ones the body uses) when the file's count exceeds
# this many per literal plus the slack: memory then follows the body, not the largest
# index or the header (a header of 2^31-1 variables over three clauses).
_SPARSE_FACTOR = 2
_SPARSE_SLACK = 1 << 16
# Largest bit matrix for dense clause graphs (about 46,000 clauses).
_MAX_BITS_BYTES = 256 << 20
# Largest edge list a clause graph gets while rows of bits would do (18 million edges).
_MAX_ADJ_BYTES = 256 << 20
# Word operations (AND + popcount of 64 bits) an exact triangle count may take before
# the clustering coefficients are estimated instead (about 1-2 CPU-s).
_EXACT_WORK = 1 << 31
# Word operations the estimate may take (sets the number of neighbours sampled).
_ESTIMATE_WORK = 1 << 32
# Fewest neighbours sampled per clause by the estimate (error sd <= 0.5 / sqrt(this)).
_MIN_CG_SAMPLES = 64
# Seed of the clustering estimate: the same formula gives the same values.
_CG_SEED = 20240525


class _Timeout(Exception):
    """A group ran past its time limit (caught by the driver)."""


class _Memout(Exception):
    """A group would need more memory than its budget (caught by the driver)."""


@dataclass(frozen=True)
class StepResult:
    """One feature step of one instance.

    Attributes
    ----------
    status
        ASlib feature runstatus: ``ok``, ``timeout``, ``memout``, ``presolved`` or ``crash``.
    cost
        CPU seconds the step took (for ``Pre``: after reading; the CLI adds the read time).
    values
        Feature name -> value; NaN where SATzilla's value is undefined; empty when the
        step did not finish.
    """

    status: str
    cost: float
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FeatureResult:
    """The feature steps of one instance, in computation order.

    Attributes
    ----------
    steps
        Step name -> :class:`StepResult`.
    presolved_answer
        ``"SAT"`` when unit propagation satisfied every clause, ``"UNSAT"`` when it
        derived the empty clause (or the file contains one), else ``None``.
    """

    steps: dict[str, StepResult]
    presolved_answer: str | None = None

    @property
    def values(self) -> dict[str, float]:
        """All feature values of the steps that have them."""
        merged: dict[str, float] = {}
        for step in self.steps.values():
            merged.update(step.values)
        return merged


@dataclass
class _Reduced:
    """The formula after Pre: active clauses restricted to unassigned literals.

    Shapes: ``rlits`` int32 (literals of the active clauses), ``roffs`` int64
    (n_active_clauses + 1), ``var_state`` int8 (nvars + 1, index 0 unused),
    ``occ_offsets`` int64 (2 nvars + 3) and ``occ`` int32 (len(rlits)): the active
    clauses of each literal code ``2|l| + (l < 0)``. ``nvars`` and the literals use
    the file's numbering, or, when the file's largest variable (or its header) is far
    beyond what the body uses, ranks 1..k of the ``used`` variables.
    """

    nvars: int
    rlits: np.ndarray
    roffs: np.ndarray
    var_state: np.ndarray
    n_active_vars: int
    n_active_clauses: int
    occ_offsets: np.ndarray | None = None
    occ: np.ndarray | None = None
    counts: tuple | None = None
    used: np.ndarray | None = None

    def window_end(self, nv: int) -> int:
        """The last kernel variable inside the file's variables 1..``nv`` (SATzilla's window).

        Without renumbering the kernels use the file's numbers; with it (``used``: the
        file's number of each kernel variable, ascending) the window ends at the
        variables numbered at most ``nv`` in the file.
        """
        if self.used is None:
            return nv
        return int(np.searchsorted(self.used, nv, side="right"))

    def occurrences(self, clock: _Clock | None = None) -> tuple[np.ndarray, np.ndarray]:
        if self.occ is None:
            self.occ_offsets, self.occ = _occurrence_lists(self.rlits, self.roffs, self.nvars, clock)
        return self.occ_offsets, self.occ

    def clause_counts(self, clock: _Clock | None = None) -> tuple:
        """(clause_size, clause_pos, var_occ, var_pos, var_horn, n_horn), computed once, in clock-checked ranges.

        ``_basic`` drops the two per-clause arrays when done (``None`` from then on).
        """
        if self.counts is None:
            n = self.roffs.size - 1
            # int32: a clause's length fits, at half the memory of int64 (two arrays per clause)
            size, pos = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32)
            occ, vpos, horn = (np.zeros(self.nvars + 1, dtype=np.int64) for _ in range(3))
            n_horn = 0
            for lo, hi in _clause_chunks(self.roffs):
                n_horn += int(K.clause_counts(self.rlits, self.roffs, lo, hi, size, pos, occ, vpos, horn))
                if clock is not None:
                    clock.check()
            self.counts = (size, pos, occ, vpos, horn, n_horn)
        return self.counts


class _Clock:
    """CPU-time budget of one group, compilation of kernels excluded.

    A kernel compiles once per installation (then it loads from Numba's cache): the
    first run after an install must neither report that as the step's cost nor time
    the step out for it, so the CPU time spent compiling while the clock runs
    (:func:`asc.instances._jit.compile_seconds`) is not counted.
    """

    def __init__(self, limit: float | None) -> None:
        self.start = time.process_time()
        self.compiled = compile_seconds()
        self.limit = limit

    def elapsed(self) -> float:
        return max(0.0, time.process_time() - self.start - (compile_seconds() - self.compiled))

    def check(self) -> None:
        if self.limit is not None and self.elapsed() > self.limit:
            raise _Timeout


def _none_if_reserved(x: float) -> float:
    return math.nan if x == K.RESERVED else float(x)


def _ratio(num: float, den: float) -> float:
    """``num / den`` with IEEE semantics (inf, nan) as C computes it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(num) / np.float64(den))


def _chunks(work: np.ndarray, unit: int = _CHUNK_WORK) -> list[tuple[int, int]]:
    """Split 0..len(work) into consecutive ranges of about ``unit`` total work each."""
    n = work.size
    if n == 0:
        return []
    cum = np.cumsum(work, dtype=np.float64)
    total = cum[-1]
    if total <= unit:
        return [(0, n)]
    cuts = np.searchsorted(cum, np.arange(unit, total, unit, dtype=np.float64), side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [n])))
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


# -- the four groups ----------------------------------------------------------------


def _clause_chunks(offs: np.ndarray, unit: int | None = None) -> list[tuple[int, int]]:
    """Clause ranges of about ``_CHUNK_WORK`` literals each (work of the linear kernels).

    The ranges of :func:`_chunks` over the work ``size + 1`` per clause, found without
    making that array: the work of clauses ``0..c-1`` is ``offs[c] - offs[0] + c``,
    increasing in ``c``, so each cut is a bisection on ``offs`` (a per-clause temporary
    and its float cumulative sum were 30 MB at 3e5 variables, Pre's and Basic's peak).
    """
    unit = _CHUNK_WORK if unit is None else unit
    n = offs.size - 1
    if n <= 0:
        return []
    base = int(offs[0])
    total = int(offs[n]) - base + n
    if total <= unit:
        return [(0, n)]
    bounds = [0]
    for target in range(unit, total, unit):
        lo, hi = 0, n  # the last c with work(0..c-1) <= target
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if int(offs[mid]) - base + mid <= target:
                lo = mid
            else:
                hi = mid - 1
        if lo > bounds[-1]:
            bounds.append(lo)
    if bounds[-1] != n:
        bounds.append(n)
    return list(zip(bounds[:-1], bounds[1:]))


def _normalise(cnf: CNF, clock: _Clock) -> tuple[np.ndarray, np.ndarray]:
    """:func:`K.normalise_into` over clause ranges into one pair of arrays, the clock checked between.

    Most formulas have no tautology and no repeated literal: then the file's own arrays
    are returned (:func:`K.first_to_normalise` finds none), not a copy sorted clause by
    clause, since no feature depends on the order of the literals inside a clause
    (unit propagation, occurrence lists and every statistic see a clause as a set).
    The formula is then held once during Pre instead of twice (25 MB at 3e5 variables).
    Otherwise the arrays are trimmed (a copy) only when clauses or literals were dropped.
    """
    lits, offsets = cnf.literals, cnf.offsets
    if (lits.dtype == np.int32 and offsets.dtype == np.int64 and lits.flags.c_contiguous
            and offsets.flags.c_contiguous and offsets.size > 0 and offsets[0] == 0 and offsets[-1] == lits.size):
        for lo, hi in _clause_chunks(offsets):
            first = int(K.first_to_normalise(lits, offsets, lo, hi))
            clock.check()
            if first >= 0:
                break
        else:
            return lits, offsets
    ncl = cnf.offsets.size - 1
    out = np.empty(int(cnf.offsets[-1] - cnf.offsets[0]), dtype=np.int32)
    offs = np.empty(ncl + 1, dtype=np.int64)
    offs[0] = 0
    pos, kept = 0, 0
    for lo, hi in _clause_chunks(cnf.offsets):
        pos, kept = (int(x) for x in K.normalise_into(cnf.literals, cnf.offsets, lo, hi, out, offs, pos, kept))
        clock.check()
    if pos < out.size:
        out = out[:pos].copy()
    if kept < ncl:
        offs = offs[:kept + 1].copy()
    return out, offs


def _occurrence_lists(lits: np.ndarray, offs: np.ndarray, nvars: int,
                      clock: _Clock | None) -> tuple[np.ndarray, np.ndarray]:
    """The clauses of each literal code (CSR, ascending), in two passes over clause ranges, the clock checked between."""
    counts = np.zeros(2 * nvars + 3, dtype=np.int64)
    chunks = _clause_chunks(offs)
    for lo, hi in chunks:
        K.occurrence_count(lits, offs, lo, hi, counts)
        if clock is not None:
            clock.check()
    np.cumsum(counts, out=counts)
    occ = np.empty(lits.size, dtype=np.int32)
    fill = counts[:-1].copy()
    for lo, hi in chunks:
        K.occurrence_fill(lits, offs, lo, hi, fill, occ)
        if clock is not None:
            clock.check()
    return counts, occ


def _compact(lits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the variables used, ascending; the literals renumbered to their ranks 1..k).

    The renumbering keeps the order of variables and the signs, so every kernel gives
    what it gives on the file's numbering, with arrays of the body's size instead of
    the largest index's (or the header's) size.
    """
    var = np.abs(lits)
    used = np.unique(var)
    rank = (np.searchsorted(used, var) + 1).astype(np.int32)
    return used, np.where(lits < 0, -rank, rank).astype(np.int32)


def _pre(cnf: CNF, clock: _Clock) -> tuple[dict[str, float], _Reduced, str | None]:
    lits, offs = _normalise(cnf, clock)
    nvars = int(cnf.nvars)
    used = None
    if nvars > _SPARSE_FACTOR * lits.size + _SPARSE_SLACK:
        used, lits = _compact(lits)
        nvars = int(used.size)
    clock.check()
    occ_offsets, occ = _occurrence_lists(lits, offs, nvars, clock)
    var_state, clause_active, n_vars, n_clauses, consistent = K.unit_propagate(lits, offs, nvars, occ_offsets, occ)
    clock.check()
    n_vars, n_clauses = int(n_vars), int(n_clauses)
    assigned = (var_state == K.TRUE_VAL) | (var_state == K.FALSE_VAL)
    if bool(clause_active.all()) and not bool(assigned.any()):
        # Nothing propagated (most formulas): the reduced formula is the normalised one,
        # clause for clause, and so are its occurrence lists. Keep both instead of a
        # copy of each (memory at the peak) and a second build (time).
        reduced = _Reduced(nvars, lits, offs, var_state, n_vars, n_clauses, occ_offsets=occ_offsets, occ=occ,
                           used=used)
    else:
        del occ_offsets, occ
        rlits, roffs = K.reduced_formula(lits, offs, var_state, clause_active)
        reduced = _Reduced(nvars, rlits, roffs, var_state, n_vars, n_clauses, used=used)
    del lits, offs, clause_active, assigned
    rlits, roffs = reduced.rlits, reduced.roffs

    # The original counts are the header's, unless the body has more (a header that
    # undercounts is a reader's warning; the body wins there as everywhere): a removed
    # fraction computed from an undercounting header would be negative.
    orig_vars = max(cnf.header_nvars or 0, int(cnf.nvars))
    orig_clauses = max(cnf.header_nclauses or 0, cnf.nclauses)
    values = {"nvarsOrig": float(orig_vars), "nclausesOrig": float(orig_clauses),
              "nvars": float(n_vars), "nclauses": float(n_clauses)}
    if n_vars == 0:
        values["reducedVars"] = values["reducedClauses"] = math.nan
    else:
        values["reducedVars"] = _ratio(orig_vars - n_vars, n_vars)
        values["reducedClauses"] = _ratio(orig_clauses - n_clauses, n_clauses)

    empty_clause = bool(np.any(np.diff(roffs) == 0)) if n_clauses else False
    if not consistent or empty_clause:
        answer = "UNSAT"
    elif n_clauses == 0:
        answer = "SAT"
    else:
        answer = None
    return values, reduced, answer


def _basic(r: _Reduced, clock: _Clock) -> dict[str, float]:
    size, pos, *_ = r.clause_counts(clock)
    nv, nc = r.n_active_vars, r.n_active_clauses
    values: dict[str, float] = {"vars_clauses_ratio": math.nan if nv == 0 else _ratio(nv, nc)}
    if nv > 0:
        # Straight from the clause counts (kernels with NumPy's float operations, so the
        # same bits): no float array per clause, 20 MB at the peak at 3e5 variables.
        _write_stats(values, "POSNEG_RATIO_CLAUSE", None, K.clause_stats(size, pos, nv, 0))
        values["POSNEG_RATIO_CLAUSE_entropy"] = float(K.clause_balance_entropy(size, pos))
        _write_stats(values, "VCG_CLAUSE", None, K.clause_stats(size, pos, nv, 1))
        values["VCG_CLAUSE_entropy"] = float(K.clause_size_entropy(size, nv + 1))
    else:  # no active variable (only empty clauses, or none): size / nv is 0/0, NumPy's NaN
        sizef = size.astype(np.float64)
        balance = pos.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(balance, sizef, out=balance)  # pos / (pos + neg)
            np.subtract(0.5, balance, out=balance)
            np.abs(balance, out=balance)
            balance *= 2.0
        balance[size == 0] = K.RESERVED
        _write_stats(values, "POSNEG_RATIO_CLAUSE", balance)
        values["POSNEG_RATIO_CLAUSE_entropy"] = float(K.entropy_binned(balance, 100, 1))
        del balance
        size_entropy = float(K.entropy_counts(sizef, nv + 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            sizef /= np.float64(nv)  # the clause side of the variable-clause graph
        _write_stats(values, "VCG_CLAUSE", sizef)
        del sizef
        values["VCG_CLAUSE_entropy"] = size_entropy
    if nv == 0:
        values["UNARY"] = values["BINARYp"] = values["TRINARYp"] = math.nan
    else:
        unary = int(np.count_nonzero(size == 1))
        binary = int(np.count_nonzero(size == 2))
        ternary = int(np.count_nonzero(size == 3))
        values["UNARY"] = _ratio(unary, nc)
        values["BINARYp"] = _ratio(unary + binary, nc)
        values["TRINARYp"] = _ratio(unary + binary + ternary, nc)
    # Basic is the last user of the per-clause counts (KLB needs the per-variable ones):
    # not held through KLB's peak (10 MB at 3e5 variables).
    r.counts = (None, None, *r.counts[2:])
    clock.check()
    return values


def _klb(r: _Reduced, clock: _Clock) -> dict[str, float]:
    _, _, var_occ, var_pos, var_horn, n_horn = r.clause_counts(clock)
    nv, nc = r.n_active_vars, r.n_active_clauses
    occ_offsets, occ = r.occurrences(clock)
    # Only active variables count (SATzilla: unassigned and occurring).
    active = (r.var_state == K.UNASSIGNED) & (var_occ > 0)
    active[0] = False
    degree = np.zeros(r.nvars + 1, dtype=np.int64)
    stamp = np.full(r.nvars + 1, -1, dtype=np.int32)
    # Work of variable v: the total size of its clauses.
    work = np.empty(r.nvars + 1, dtype=np.int64)
    K.variable_work(r.roffs, occ_offsets, occ, work)
    work += 1
    work[~active] = 1
    for lo, hi in _chunks(work[1:]):
        K.variable_graph_degrees(r.rlits, r.roffs, occ_offsets, occ, lo + 1, hi + 1, stamp, degree)
        clock.check()
    del work, stamp

    # SATzilla's window: statistics over variables 1..nv (see the module docstring).
    # One float array at a time, in place (not the ten temporaries of the expressions:
    # 25 MB at 3e5 variables, KLB's peak), with the same float operations in the same
    # order, so the same values; RESERVED where a variable is not active.
    window = slice(1, r.window_end(nv) + 1)
    inactive = ~active[window]
    values: dict[str, float] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        occ_w = var_occ[window].astype(np.float64)
        x = np.divide(occ_w, nc)
        x[inactive] = K.RESERVED
        _write_stats(values, "VCG_VAR", x)
        np.copyto(x, occ_w)
        x[inactive] = K.RESERVED
        values["VCG_VAR_entropy"] = float(K.entropy_counts(x, nc + 1))
        pos_w = var_pos[window].astype(np.float64)
        np.subtract(occ_w, pos_w, out=x)  # 2 |0.5 - pos / (pos + (occ - pos))|
        np.add(pos_w, x, out=x)
        np.divide(pos_w, x, out=x)
        np.subtract(0.5, x, out=x)
        np.abs(x, out=x)
        np.multiply(2.0, x, out=x)
        x[inactive] = K.RESERVED
        del occ_w, pos_w
        mean, sd, _, lo, hi = K.stats(x)
        values.update({"POSNEG_RATIO_VAR_mean": mean, "POSNEG_RATIO_VAR_stdev": sd,
                       "POSNEG_RATIO_VAR_min": lo, "POSNEG_RATIO_VAR_max": hi})
        values["POSNEG_RATIO_VAR_entropy"] = float(K.entropy_binned(x, 100, 1))
        np.divide(var_horn[window], np.float64(nc), out=x)
        x[inactive] = K.RESERVED
        _write_stats(values, "HORNY_VAR", x)
        np.copyto(x, var_horn[window], casting="unsafe")
        x[inactive] = K.RESERVED
        values["HORNY_VAR_entropy"] = float(K.entropy_counts(x, nc + 1))
    values["horn_clauses_fraction"] = math.nan if nv == 0 else _ratio(n_horn, nc)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(degree[window], np.float64(nc), out=x)
    x[inactive] = K.RESERVED
    _write_stats(values, "VG", x)
    clock.check()
    return {k: float(v) for k, v in values.items()}


def _cg(r: _Reduced, clock: _Clock, memory_budget: int) -> dict[str, float]:
    """CG: exact degrees; triangles exact within ``_EXACT_WORK``, else estimated.

    How the graph is held depends on its size, so that neither memory nor time follows
    the number of edges where that is large:

    * degrees: one scan of each clause's neighbourhood with a stamp array (exact, no
      edges stored);
    * an edge list (``_CG_BYTES_PER_EDGE`` bytes per edge) only when it fits in
      ``_MAX_ADJ_BYTES`` and takes less memory than rows of bits; triangles then
      counted on the degree-oriented graph or with bit rows, whichever is cheaper
      (both exact);
    * otherwise rows of bits (``n^2 / 8`` bytes) filled straight from the occurrence
      lists; every edge's common neighbours counted by popcounts when that costs at
      most ``_EXACT_WORK`` word operations, else per clause the common neighbours with
      ``_cg_samples`` randomly drawn neighbours (exact for clauses with fewer), see
      :func:`asc.features._kernels.sample_triangles_rows` for the error bound;
    * a graph too large for both (more edges than the budget holds and more than about
      46,000 clauses) keeps the edge list while the memory budget allows, else memout.

    Degrees, ``CG_*`` and, wherever the work fits, the clustering coefficients are
    exact; where estimated, ``cluster_coeff_coeff_variation`` has the sampling noise's
    variance (estimated per clause) taken out of the spread, while min, max and entropy
    are those of the estimates; :func:`cg_clustering_is_estimated` tells from the step's own values
    (``nclauses`` and ``CG_mean``) whether the clustering columns were estimated.
    """
    occ_offsets, occ = r.occurrences(clock)
    n = r.n_active_clauses
    # Work of clause c: the occurrences of its literals' negations (its neighbourhood scan).
    scan = np.empty(n, dtype=np.int64)
    K.neighbourhood_scan(r.rlits, r.roffs, occ_offsets, scan)
    chunks = _chunks(scan + 1)
    stamp = np.full(n, -1, dtype=np.int32)
    degree = np.zeros(n, dtype=np.int64)
    for lo, hi in chunks:
        K.clause_graph_degrees(r.rlits, r.roffs, occ_offsets, occ, lo, hi, stamp, degree)
        clock.check()
    edges2 = int(degree.sum())  # twice the number of edges
    noise = None
    words = (n + 63) // 64
    bits_ok = n * words * 8 <= min(memory_budget // 2, _MAX_BITS_BYTES)
    adj_bytes = edges2 // 2 * _CG_BYTES_PER_EDGE
    # The edge list where it is smaller than the bit rows (sparse graphs: the oriented
    # count is fast there) or where there is no room for bit rows.
    small_list = adj_bytes <= min(memory_budget, _MAX_ADJ_BYTES) and adj_bytes <= n * words * 8
    if small_list or not bits_ok:
        if adj_bytes > memory_budget:
            raise _Memout
        triangles = _cg_triangles_edge_list(r, clock, memory_budget, degree, stamp, chunks, bits_ok)
    else:
        del stamp
        bits = np.zeros((n, words), dtype=np.uint64)
        for lo, hi in chunks:
            K.clause_graph_bits(r.rlits, r.roffs, occ_offsets, occ, lo, hi, bits)
            clock.check()
        samples = _cg_samples(n, edges2)
        if samples is None:
            shared = np.zeros(n, dtype=np.int64)
            for lo, hi in _chunks(degree * words // 2 + 1):
                K.count_triangles_rows(bits, lo, hi, shared)
                clock.check()
            triangles = shared // 2
        else:
            triangles = np.zeros(n, dtype=np.float64)
            noise = np.zeros(n, dtype=np.float64)
            nbuf = np.empty(max(1, int(degree.max(initial=0))), dtype=np.int32)
            for lo, hi in _chunks(np.minimum(degree, samples) * words + words):
                K.sample_triangles_rows(bits, degree, lo, hi, samples, _CG_SEED, nbuf, triangles, noise)
                clock.check()
        del bits

    deg = degree.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cg = deg / np.float64(n)
        coeff = np.where(degree > 0, 2.0 * (deg + triangles) / ((deg + 1.0) * deg), 0.0)
    values: dict[str, float] = {}
    _write_stats(values, "CG", cg)
    values["CG_entropy"] = float(K.entropy_counts(deg, n + 1))
    _write_stats(values, "cluster_coeff", coeff)
    if noise is not None:
        # The estimates' variance is the coefficients' plus the sampling noise's (they
        # are independent): subtract the mean noise variance from the spread.
        mean = values["cluster_coeff_mean"]
        spread = float(np.mean((coeff - mean) ** 2)) - float(np.mean(noise))
        sd = math.sqrt(max(0.0, spread))
        values["cluster_coeff_coeff_variation"] = 0.0 if (abs(mean) < K.EPSILON and sd < K.EPSILON) else sd / mean
    values["cluster_coeff_entropy"] = float(K.entropy_binned(coeff, 100, 1))
    return values


def _cg_samples(n: int, edges2: int) -> int | None:
    """Neighbours sampled per clause, or ``None`` when the exact count fits ``_EXACT_WORK``.

    The exact count on bit rows costs ``edges * words`` word operations; the estimate
    ``n * samples * words``, with ``samples`` as large as ``_ESTIMATE_WORK`` allows but at
    least ``_MIN_CG_SAMPLES`` (so the estimate's error stays bounded on any graph).
    """
    words = (n + 63) // 64
    if edges2 // 2 * words <= _EXACT_WORK:
        return None
    return max(_MIN_CG_SAMPLES, _ESTIMATE_WORK // max(1, n * words))


def cg_clustering_is_estimated(nclauses: float, cg_mean: float) -> bool:
    """Whether the CG step estimated the clustering columns of a formula.

    The rule depends only on the number of active clauses and the number of
    clause-graph edges (``CG_mean * nclauses^2 / 2``), both features of the formula, so
    a learner, or a user of a feature table, can tell estimated rows from exact ones.
    The rule: the edge list would be larger than the rows of bits (or than
    ``_MAX_ADJ_BYTES``), the rows of bits fit ``_MAX_BITS_BYTES`` (and half the memory
    budget, which with the default budget is the case on machines with 512 MB free),
    and the exact count on them would take more than ``_EXACT_WORK`` word operations.
    """
    n = int(nclauses)
    edges2 = int(round(cg_mean * n * n))
    adj_bytes = edges2 // 2 * _CG_BYTES_PER_EDGE
    words = (n + 63) // 64
    small_list = adj_bytes <= _MAX_ADJ_BYTES and adj_bytes <= n * words * 8
    bits_fit = n * words * 8 <= _MAX_BITS_BYTES
    return not small_list and bits_fit and _cg_samples(n, edges2) is not None


def _cg_triangles_edge_list(r: _Reduced, clock: _Clock, memory_budget: int, degree: np.ndarray,
                            stamp: np.ndarray, chunks: list[tuple[int, int]], bits_ok: bool) -> np.ndarray:
    """Exact triangles per clause from the degree-oriented edge list (each edge once).

    Triangles are then counted on the oriented graph, or, when the rows of bits fit and
    their popcounts cost less (``edges * words`` against the oriented count's work),
    with :func:`K.count_triangles_rows` on bits filled from the occurrence lists.
    """
    occ_offsets, occ = r.occurrences(clock)
    n = r.n_active_clauses
    stamp.fill(-1)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    # one entry per edge: the degree pass counted them, so the lists fill in one pass
    out = np.empty(int(degree.sum()) // 2, dtype=np.int32)
    # the orientation compares degrees of random clauses: int32 halves that array's cache footprint
    degree32 = degree.astype(np.int32)
    for lo, hi in chunks:
        K.clause_graph_oriented(r.rlits, r.roffs, occ_offsets, occ, lo, hi, stamp, degree32, out_offsets, out)
        clock.check()
    del degree32
    out_len = np.diff(out_offsets)
    # Work of node u in the oriented count: the out-lists of its out-neighbours.
    tri_work = np.empty(n, dtype=np.int64)
    K.oriented_work(out_offsets, out, out_len, tri_work)
    words = (n + 63) // 64
    if bits_ok and out.size * words < int(tri_work.sum()):
        del out, out_offsets, tri_work
        bits = np.zeros((n, words), dtype=np.uint64)
        for lo, hi in chunks:
            K.clause_graph_bits(r.rlits, r.roffs, occ_offsets, occ, lo, hi, bits)
            clock.check()
        shared = np.zeros(n, dtype=np.int64)
        for lo, hi in _chunks(degree * words // 2 + 1):
            K.count_triangles_rows(bits, lo, hi, shared)
            clock.check()
        return shared // 2
    triangles = np.zeros(n, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int32)
    for lo, hi in _chunks(tri_work + out_len + 1):
        K.count_triangles(out_offsets, out, lo, hi, mark, triangles)
        clock.check()
    return triangles


def _write_stats(values: dict[str, float], prefix: str, array: np.ndarray | None,
                 computed: tuple | None = None) -> None:
    """The mean, coefficient of variation, min and max of ``array`` (or the :func:`K.stats` tuple ``computed``)."""
    mean, _, cv, lo, hi = computed if computed is not None else K.stats(np.ascontiguousarray(array,
                                                                                          dtype=np.float64))
    values[f"{prefix}_mean"] = float(mean)
    values[f"{prefix}_coeff_variation"] = float(cv)
    values[f"{prefix}_min"] = float(lo)
    values[f"{prefix}_max"] = float(hi)


# -- the driver ---------------------------------------------------------------------


def default_memory_budget() -> int:
    """Bytes a group may hold at once: half the memory available now (at least 256 MiB).

    Read from ``/proc/meminfo`` where there is one (importing psutil costs 0.04 CPU-s
    on every start-up), else from psutil; a small machine is assumed without either.
    """
    available = None
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            import psutil

            available = int(psutil.virtual_memory().available)
        except Exception:  # no psutil either: assume a small machine
            available = 2 << 30
    return max(256 << 20, available // 2)


#: The formula every warm-up computes on: three clauses, no unit, not decided by Pre.
_WARM_UP_DIMACS = b"p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n"


def warm_up(steps: tuple[str, ...] | list[str] = STEP_NAMES) -> None:
    """Load (or, after an install, compile) the kernels of ``steps`` before anything is timed.

    Only the kernels the steps run on a small formula are touched, so a caller that
    needs ``Pre`` alone does not load CG's. Kernels of rarer paths (dense clause graphs)
    load when first used; their compilation, if any, is never counted (``_Clock``).
    """
    from asc.instances import parse_cnf

    cnf = parse_cnf(_WARM_UP_DIMACS, "<warm-up>")
    compute_features(cnf, [s for s in steps if s in FEATURE_STEPS], memory_budget=256 << 20)


def compute_features(cnf: CNF, steps: tuple[str, ...] | list[str] = STEP_NAMES,
                     step_timeout: float | None = None,
                     memory_budget: int | None = None, budget: float | None = None) -> FeatureResult:
    """Compute SATzilla's base feature steps of ``cnf``.

    Parameters
    ----------
    cnf
        The formula (from :func:`asc.instances.read_cnf`).
    steps
        Steps to compute; ``Pre`` is always computed (every other step needs it).
    step_timeout
        CPU seconds per step (``None``: no limit). A step past it gets status
        ``timeout`` and no values; the others still run.
    memory_budget
        Bytes a step may allocate for its largest structure (the clause graph);
        default: half the memory available. A step that would need more gets ``memout``.
    budget
        CPU seconds all steps together may take (``None``: no limit; ``asc select``'s
        ``--feature-budget``). Each step is limited to what the steps before it left
        (and to ``step_timeout``): a step that would exceed it is cut (``timeout``, its
        cost the time it ran), and the steps after a spent budget are not started
        (``timeout``, cost 0). The evaluation charges a step that did not finish the
        same way (its recorded cost), and the model decides without its values.

    Returns
    -------
    FeatureResult
        Per step: status, CPU cost in seconds, values. When unit propagation decides
        the instance, every step has status ``presolved`` (values are still given).
    """
    unknown = [s for s in steps if s not in FEATURE_STEPS]
    if unknown:
        raise ValueError(f"unknown feature steps {unknown}; expected some of {list(FEATURE_STEPS)}")
    mem_budget = default_memory_budget() if memory_budget is None else int(memory_budget)
    results: dict[str, StepResult] = {}

    spent = 0.0

    def limit() -> float | None:
        if budget is None:
            return step_timeout
        left = max(0.0, float(budget) - spent)
        return left if step_timeout is None else min(step_timeout, left)

    clock = _Clock(limit())
    try:
        pre_values, reduced, answer = _pre(cnf, clock)
        solved = answer is not None
        pre_status = "presolved" if solved else ("timeout" if _over(clock) else "ok")
    except _Timeout:
        pre_values, answer, pre_status = {}, None, "timeout"
    results["Pre"] = StepResult(pre_status, clock.elapsed(), pre_values if pre_status != "timeout" else {})
    spent += results["Pre"].cost
    # Pre normalised the formula into its own arrays: a caller that kept no reference
    # to ``cnf`` (the batch extractor) gets the file's arrays freed here.
    del cnf
    if pre_status == "timeout":
        for step in steps:
            if step != "Pre":
                results[step] = StepResult("timeout", 0.0, {})
        return FeatureResult(results, answer)

    groups: dict[str, Any] = {"Basic": _basic, "KLB": _klb, "CG": lambda r, c: _cg(r, c, mem_budget)}
    for step in STEP_NAMES[1:]:
        if step not in steps:
            continue
        if budget is not None and spent >= budget:
            results[step] = StepResult("timeout", 0.0, {})  # the budget is spent: not started
            continue
        clock = _Clock(limit())
        try:
            values = groups[step](reduced, clock)
            status = "presolved" if solved else "ok"
        except _Timeout:
            values, status = {}, "timeout"
        except (_Memout, MemoryError):
            values, status = {}, "memout"
        results[step] = StepResult(status, clock.elapsed(),
                                   {k: _none_if_reserved(v) for k, v in values.items()})
        spent += results[step].cost
    return FeatureResult(results, answer)


def _over(clock: _Clock) -> bool:
    return clock.limit is not None and clock.elapsed() > clock.limit
