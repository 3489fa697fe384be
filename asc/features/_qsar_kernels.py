"""Numba kernels of the QSAR side: Tanimoto similarity over packed bits, and the meta-feature loops.

Fingerprints are packed 64 bits to a ``uint64`` word (:func:`pack_bits`), so the
similarity of two molecules is ``c / (a + b - c)`` with ``a``, ``b`` and ``c`` the
population counts of each and of their AND, summed over the words: one hardware
``popcnt`` per word (LLVM's ``ctpop`` intrinsic; Numba compiles for the host CPU).
Two empty fingerprints have similarity 0, as in RDKit.
"""

from __future__ import annotations

import numpy as np
from asc.instances._jit import njit  # noqa: I001 - loads Numba the asc way first
from numba import types
from numba.extending import intrinsic


@intrinsic
def _popcount(typingctx, x):
    """Population count of a uint64 (LLVM ``ctpop``: the ``popcnt`` instruction)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(cache=True)
def popcounts(packed):
    """Bits set per row of a packed (n, words) uint64 matrix."""
    n, w = packed.shape
    out = np.zeros(n, np.int64)
    for i in range(n):
        c = 0
        for k in range(w):
            c += _popcount(packed[i, k])
        out[i] = c
    return out


@njit(cache=True)
def tanimoto_matrix(a, b):
    """Tanimoto similarity of every row of ``a`` with every row of ``b`` (packed uint64), float64."""
    na, w = a.shape
    nb = b.shape[0]
    ca = popcounts(a)
    cb = popcounts(b)
    out = np.empty((na, nb), np.float64)
    for i in range(na):
        for j in range(nb):
            c = 0
            for k in range(w):
                c += _popcount(a[i, k] & b[j, k])
            u = ca[i] + cb[j] - c
            out[i, j] = c / u if u > 0 else 0.0
    return out


@njit(cache=True)
def tanimoto_self(a):
    """Tanimoto similarity matrix of the rows of ``a`` with themselves (symmetric; each pair once)."""
    n, w = a.shape
    ca = popcounts(a)
    out = np.empty((n, n), np.float64)
    for i in range(n):
        out[i, i] = 1.0 if ca[i] > 0 else 0.0
        for j in range(i + 1, n):
            c = 0
            for k in range(w):
                c += _popcount(a[i, k] & a[j, k])
            u = ca[i] + ca[j] - c
            s = c / u if u > 0 else 0.0
            out[i, j] = s
            out[j, i] = s
    return out


@njit(cache=True)
def minmax_matrix(a, b):
    """Min-max (generalised Tanimoto) similarity of count vectors: sum min / sum max (0 when both empty)."""
    na, d = a.shape
    nb = b.shape[0]
    out = np.empty((na, nb), np.float64)
    for i in range(na):
        for j in range(nb):
            lo = 0.0
            hi = 0.0
            for k in range(d):
                x = a[i, k]
                y = b[j, k]
                if x < y:
                    lo += x
                    hi += y
                else:
                    lo += y
                    hi += x
            out[i, j] = lo / hi if hi > 0 else 0.0
    return out


@njit(cache=True)
def minmax_sparse(a_ptr, a_idx, a_val, a_sum, b_ptr, b_idx, b_val, b_sum):
    """Min-max similarity of sparse count rows (CSR, sorted indices): the same values as :func:`minmax_matrix`.

    ``sum max = sum_a + sum_b - sum min`` and ``sum min`` is nonzero only where both rows
    are, so one merge of the two index lists per pair replaces a pass over every dimension:
    a count fingerprint sets about 50 of its 2,048 entries, which makes this about 20 times
    less work. For integer counts every partial sum is exact in float64, so the values are
    bit-identical to the dense kernel's (a test checks it).
    """
    na = a_ptr.shape[0] - 1
    nb = b_ptr.shape[0] - 1
    out = np.empty((na, nb), np.float64)
    for i in range(na):
        i0 = a_ptr[i]
        i1 = a_ptr[i + 1]
        for j in range(nb):
            p = i0
            q = b_ptr[j]
            q1 = b_ptr[j + 1]
            lo = 0.0
            while p < i1 and q < q1:
                u = a_idx[p]
                v = b_idx[q]
                if u == v:
                    x = a_val[p]
                    y = b_val[q]
                    lo += x if x < y else y
                    p += 1
                    q += 1
                elif u < v:
                    p += 1
                else:
                    q += 1
            hi = a_sum[i] + b_sum[j] - lo
            out[i, j] = lo / hi if hi > 0 else 0.0
    return out


# -- meta-feature loops --------------------------------------------------------------


@njit(cache=True)
def bit_frequencies(packed, nbits):
    """Fraction of rows with each of the first ``nbits`` bits set (bit ``j``: word ``j // 64``, bit ``j % 64``)."""
    n, w = packed.shape
    counts = np.zeros(nbits, np.int64)
    for i in range(n):
        for k in range(w):
            word = packed[i, k]
            while word:
                low = word & (~word + np.uint64(1))
                j = k * 64 + _popcount(low - np.uint64(1))
                if j < nbits:
                    counts[j] += 1
                word ^= low
    return counts / max(n, 1)


@njit(cache=True)
def bit_class_counts(packed, nbits, classes, nclasses):
    """(nbits, nclasses) counts of rows with the bit set per response class ``classes[i]``."""
    n, w = packed.shape
    out = np.zeros((nbits, nclasses), np.int64)
    for i in range(n):
        cls = classes[i]
        for k in range(w):
            word = packed[i, k]
            while word:
                low = word & (~word + np.uint64(1))
                j = k * 64 + _popcount(low - np.uint64(1))
                if j < nbits:
                    out[j, cls] += 1
                word ^= low
    return out


@njit(cache=True)
def pair_landscape(sim, y, threshold, cliff_sim, cliff_delta):
    """One pass over the pairs ``i < j`` of a similarity matrix with activities ``y``.

    Returns the nearest-neighbour similarity of each row (the largest off the diagonal),
    the SALI values of the pairs with similarity below 1 (in pair order), and the sums
    ``[pairs, pairs above threshold, sum s, sum d, sum s*s, sum d*d, sum s*d, similar pairs,
    cliff pairs]`` with ``s`` the similarity and ``d = |y_i - y_j|``; and per molecule whether
    it is in a cliff pair (similarity >= ``cliff_sim`` and ``d`` > ``cliff_delta``).
    """
    n = sim.shape[0]
    nn = np.full(n, -1.0)
    npairs = n * (n - 1) // 2
    sali = np.empty(npairs, np.float64)
    m = 0
    sums = np.zeros(9, np.float64)
    in_cliff = np.zeros(n, np.bool_)
    for i in range(n):
        for j in range(i + 1, n):
            s = sim[i, j]
            d = abs(y[i] - y[j])
            if s > nn[i]:
                nn[i] = s
            if s > nn[j]:
                nn[j] = s
            sums[0] += 1.0
            if s > threshold:
                sums[1] += 1.0
            sums[2] += s
            sums[3] += d
            sums[4] += s * s
            sums[5] += d * d
            sums[6] += s * d
            if s < 1.0:
                sali[m] = d / (1.0 - s)
                m += 1
            if s >= cliff_sim:
                sums[7] += 1.0
                if d > cliff_delta:
                    sums[8] += 1.0
                    in_cliff[i] = True
                    in_cliff[j] = True
    return nn, sali[:m], sums, in_cliff
