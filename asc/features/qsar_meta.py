"""QSAR meta-features of a dataset, as ASlib feature steps with their CPU costs.

The definitions are in ``docs/qsar.md`` (the tests check each value against a direct,
brute-force implementation of that text). In short, with ``n`` molecules, activities
``y`` and ECFP4 fingerprints folded to 2048 bits (``fingerprint``):

``Size``
    How big the dataset is, and how much of the file was merged or rejected.
``Response``
    The distribution of ``y``: moments, range and quantiles.
``Bits``
    The fingerprint matrix: dimensionality (bits used), bit density, per-bit entropy,
    mutual information of each bit with the activity's quartile class, top-k.
``Similarity``
    Nearest-neighbour Tanimoto similarities and the share of similar pairs.
``Scaffolds``
    Bemis-Murcko scaffold diversity (RDKit).
``Landscape``
    Activity-landscape roughness: SALI, activity cliffs, correlation of similarity
    with activity difference.

The pair loops and bit statistics are Numba kernels (:mod:`asc.features._qsar_kernels`,
``cache=True``). A step's cost is the CPU time of its own work; ``Bits`` includes
computing the fingerprint (the one RDKit-heavy part besides ``Scaffolds``); the time to
read and standardise the file is charged to ``Size`` by the batch extractor, as the
read time of a CNF file is charged to ``Pre``. Step time limits are not enforced (a
dataset of 4,000 molecules takes well under a second per step).
"""

from __future__ import annotations

import math
import time

import numpy as np

from asc.features.satzilla import FeatureResult, StepResult

#: Similarity above which a pair counts as similar (``pair_sim_gt07_fraction``, cliffs).
SIMILAR = 0.7
#: Activity difference (log units: 10-fold) above which a similar pair is an activity cliff.
CLIFF_DELTA = 1.0
#: How many bits the top-k features average.
TOP_K = 10
#: The fingerprint the meta-features are defined on.
FINGERPRINT = "ecfp4-2048"

SIZE_FEATURES = ("n_molecules", "log10_n_molecules", "n_rows", "merged_fraction", "rejected_fraction")
RESPONSE_FEATURES = ("y_mean", "y_sd", "y_skewness", "y_kurtosis", "y_min", "y_max", "y_range",
                     "y_q10", "y_q25", "y_median", "y_q75", "y_q90", "y_iqr")
BITS_FEATURES = ("n_bits", "bits_used", "bits_used_fraction", "molecules_per_used_bit", "bit_density_mean",
                 "bits_per_molecule_sd", "bit_entropy_mean", "bit_entropy_used_mean", "bit_frequency_top10_mean",
                 "mi_mean", "mi_max", "mi_top10_mean")
SIMILARITY_FEATURES = ("nn_sim_mean", "nn_sim_sd", "nn_sim_q10", "nn_sim_q25", "nn_sim_median", "nn_sim_q75",
                       "nn_sim_q90", "nn_sim_one_fraction", "pair_sim_mean", "pair_sim_gt07_fraction")
SCAFFOLD_FEATURES = ("scaffold_fraction", "generic_scaffold_fraction", "singleton_scaffold_fraction",
                     "top_scaffold_fraction")
LANDSCAPE_FEATURES = ("sali_mean", "sali_median", "sali_q90", "sali_max", "cliff_rate", "cliff_molecule_fraction",
                      "sim_delta_corr", "nn_delta_mean")
#: What the dataset says about its target and protocol (0/1 flags; all 0 when it names nothing).
TARGET_FEATURES = ("activity_ki", "activity_kd", "activity_ic50", "activity_ec50", "has_split",
                   "split_test_fraction")

#: ASlib feature steps: name -> (features provided, steps required), in computation order.
FEATURE_STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Size": (SIZE_FEATURES, ()),
    "Response": (RESPONSE_FEATURES, ("Size",)),
    "Bits": (BITS_FEATURES, ("Size",)),
    "Similarity": (SIMILARITY_FEATURES, ("Bits",)),
    "Scaffolds": (SCAFFOLD_FEATURES, ("Size",)),
    "Landscape": (LANDSCAPE_FEATURES, ("Similarity",)),
    "Target": (TARGET_FEATURES, ("Size",)),
}
STEP_NAMES: tuple[str, ...] = tuple(FEATURE_STEPS)


def _moments(y: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, population sd, skewness m3/m2^1.5 and excess kurtosis m4/m2^2 - 3 (both 0 when m2 = 0)."""
    mean = float(np.mean(y))
    dev = y - mean
    m2 = float(np.mean(dev ** 2))
    if m2 <= 0.0:
        return mean, 0.0, 0.0, 0.0
    return mean, math.sqrt(m2), float(np.mean(dev ** 3)) / m2 ** 1.5, float(np.mean(dev ** 4)) / m2 ** 2 - 3.0


def response_features(y: np.ndarray) -> dict[str, float]:
    """``Response``: moments, extremes and quantiles (linear interpolation) of the activities."""
    mean, sd, skew, kurt = _moments(y)
    q10, q25, q50, q75, q90 = (float(v) for v in np.quantile(y, [0.1, 0.25, 0.5, 0.75, 0.9]))
    lo, hi = float(y.min()), float(y.max())
    return dict(zip(RESPONSE_FEATURES, (mean, sd, skew, kurt, lo, hi, hi - lo, q10, q25, q50, q75, q90, q75 - q25)))


def quartile_classes(y: np.ndarray) -> np.ndarray:
    """Class 0..3 of each activity: how many of the quartiles q25, q50, q75 it exceeds."""
    edges = np.quantile(y, [0.25, 0.5, 0.75])
    return (y[:, None] > edges[None, :]).sum(axis=1).astype(np.int64)


def _entropy2(p: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, 0 at p = 0 and 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.where((p > 0) & (p < 1), h, 0.0)


def bits_features(packed: np.ndarray, nbits: int, y: np.ndarray) -> dict[str, float]:
    """``Bits`` of a packed fingerprint matrix (see docs/qsar.md)."""
    from asc.features import _qsar_kernels as K

    n = packed.shape[0]
    freq = K.bit_frequencies(packed, nbits)
    per_mol = K.popcounts(packed).astype(np.float64)
    used = freq > 0
    n_used = int(used.sum())
    entropy = _entropy2(freq)
    classes = quartile_classes(y)
    counts = K.bit_class_counts(packed, nbits, classes, 4).astype(np.float64)  # bit set, per class
    class_n = np.bincount(classes, minlength=4).astype(np.float64)
    joint = np.stack([class_n[None, :] - counts, counts], axis=1) / n  # (nbits, 2: bit off/on, 4)
    p_bit = joint.sum(axis=2, keepdims=True)
    p_cls = (class_n / n)[None, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = joint * np.log2(joint / (p_bit * p_cls))
    mi = np.where(joint > 0, terms, 0.0).sum(axis=(1, 2))
    top = min(TOP_K, nbits)
    return dict(zip(BITS_FEATURES, (
        float(nbits), float(n_used), n_used / nbits, n / n_used if n_used else 0.0,
        float(per_mol.mean()) / nbits, float(per_mol.std()),
        float(entropy.mean()), float(entropy[used].mean()) if n_used else 0.0,
        float(np.sort(freq)[-top:].mean()),
        float(mi[used].mean()) if n_used else 0.0, float(mi.max()), float(np.sort(mi)[-top:].mean()),
    )))


def similarity_features(nn: np.ndarray, sums: np.ndarray) -> dict[str, float]:
    """``Similarity`` from the pair pass (nearest-neighbour similarities, pair sums)."""
    q10, q25, q50, q75, q90 = (float(v) for v in np.quantile(nn, [0.1, 0.25, 0.5, 0.75, 0.9]))
    pairs = sums[0]
    return dict(zip(SIMILARITY_FEATURES, (
        float(nn.mean()), float(nn.std()), q10, q25, q50, q75, q90, float(np.mean(nn >= 1.0)),
        sums[2] / pairs, sums[1] / pairs,
    )))


def landscape_features(sali: np.ndarray, sums: np.ndarray, in_cliff: np.ndarray, nn_delta: np.ndarray,
                       ) -> dict[str, float]:
    """``Landscape`` from the pair pass (SALI values, pair sums, cliff membership)."""
    pairs, s_sum, d_sum, ss, dd, sd = sums[0], sums[2], sums[3], sums[4], sums[5], sums[6]
    cov = sd / pairs - (s_sum / pairs) * (d_sum / pairs)
    var_s = ss / pairs - (s_sum / pairs) ** 2
    var_d = dd / pairs - (d_sum / pairs) ** 2
    corr = cov / math.sqrt(var_s * var_d) if var_s > 1e-300 and var_d > 1e-300 else 0.0
    if sali.size:
        s_mean, s_med, s_q90, s_max = (float(sali.mean()), float(np.median(sali)), float(np.quantile(sali, 0.9)),
                                       float(sali.max()))
    else:
        s_mean = s_med = s_q90 = s_max = 0.0
    return dict(zip(LANDSCAPE_FEATURES, (
        s_mean, s_med, s_q90, s_max, sums[8] / sums[7] if sums[7] else 0.0, float(in_cliff.mean()),
        max(-1.0, min(1.0, corr)), float(nn_delta.mean()),
    )))


def scaffold_features(smiles) -> dict[str, float]:
    """``Scaffolds``: Bemis-Murcko scaffolds (and generic frameworks) of the molecules, by canonical SMILES."""
    from rdkit import Chem
    from rdkit.Chem.Scaffolds import MurckoScaffold

    scaffolds: dict[str, int] = {}
    generic: set[str] = set()
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        core = MurckoScaffold.GetScaffoldForMol(mol)
        key = Chem.MolToSmiles(core)
        scaffolds[key] = scaffolds.get(key, 0) + 1
        # the generic framework: every atom carbon, every bond single, then the exocyclic
        # atoms the scaffold kept (C=O on a ring) removed as the side chains they now are
        generic.add(Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(MurckoScaffold.MakeScaffoldGeneric(core)))
                    if core.GetNumAtoms() else "")
    n = len(smiles)
    sizes = np.array(list(scaffolds.values()))
    return dict(zip(SCAFFOLD_FEATURES, (
        len(scaffolds) / n, len(generic) / n, float(np.mean(sizes == 1)), float(sizes.max()) / n,
    )))


def target_features(activity_type: str | None, split: tuple[str, ...] | None) -> dict[str, float]:
    """The Target step: the activity type as one-hot flags, and the dataset's own split.

    Ki and Kd (binding constants) and IC50/EC50 (functional potencies) measure
    different things on the same pK scale, which changes how noisy and how
    learnable a set is; a file without a named type has all four flags 0.
    ``split_test_fraction`` is the share of molecules labelled ``test`` in the
    file's split column (0 without one).
    """
    flags = {f"activity_{t.lower()}": float(activity_type == t) for t in ("Ki", "Kd", "IC50", "EC50")}
    n = len(split) if split is not None else 0
    test = sum(1 for s in split if str(s).strip().lower() == "test") if split is not None else 0
    return {**flags, "has_split": float(split is not None), "split_test_fraction": test / n if n else 0.0}


def compute_qsar_features(dataset, steps=STEP_NAMES, *, fingerprint: np.ndarray | None = None,
                          cache_dir=None) -> FeatureResult:
    """The meta-feature steps of a :class:`asc.instances.qsar.QSARDataset`.

    Parameters
    ----------
    dataset
        The dataset.
    steps
        Steps wanted; the steps they require are computed too.
    fingerprint
        Its ECFP4-2048 bit matrix when the caller has it (then ``Bits`` costs no fingerprint time).
    cache_dir
        Representation cache folder (see :mod:`asc.features.representations`).

    Returns
    -------
    FeatureResult
        Per step: status ``ok``, CPU seconds, values.
    """
    from asc.features import _qsar_kernels as K
    from asc.features.representations import pack_bits, representation

    want = set(steps)
    for s in list(want):
        stack = [s]
        while stack:
            for r in FEATURE_STEPS[stack.pop()][1]:
                if r not in want:
                    want.add(r)
                    stack.append(r)
    y = np.asarray(dataset.y, dtype=np.float64)
    out: dict[str, StepResult] = {}

    def timed(name, fn):
        start = time.process_time()
        values = fn()
        out[name] = StepResult("ok", time.process_time() - start, {k: float(v) for k, v in values.items()})

    rows = max(dataset.rows, 1)
    timed("Size", lambda: dict(zip(SIZE_FEATURES, (dataset.n, math.log10(dataset.n), dataset.rows,
                                                   dataset.merged / rows, len(dataset.rejected) / rows))))
    if "Response" in want:
        timed("Response", lambda: response_features(y))
    state: dict = {}
    if "Bits" in want:
        def bits():
            x = representation(dataset, FINGERPRINT, cache_dir=cache_dir) if fingerprint is None else fingerprint
            state["packed"] = pack_bits(x)
            return bits_features(state["packed"], x.shape[1], y)
        timed("Bits", bits)
    if "Similarity" in want:
        def similarity():
            sim = K.tanimoto_self(state["packed"])
            nn, sali, sums, in_cliff = K.pair_landscape(sim, y, SIMILAR, SIMILAR, CLIFF_DELTA)
            np.fill_diagonal(sim, -1.0)
            nn_index = np.argmax(sim, axis=1)
            state.update(sali=sali, sums=sums, in_cliff=in_cliff, nn_delta=np.abs(y - y[nn_index]))
            return similarity_features(nn, sums)
        timed("Similarity", similarity)
    if "Scaffolds" in want:
        timed("Scaffolds", lambda: scaffold_features(dataset.smiles))
    if "Landscape" in want:
        timed("Landscape", lambda: landscape_features(state["sali"], state["sums"], state["in_cliff"],
                                                      state["nn_delta"]))
    if "Target" in want:
        timed("Target", lambda: target_features(dataset.activity_type, dataset.split))
    return FeatureResult({s: out[s] for s in STEP_NAMES if s in out})
