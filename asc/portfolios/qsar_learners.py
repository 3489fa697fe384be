"""QSAR learners: the learner half of a learner x representation algorithm, and their cross-validation.

Each learner is a scikit-learn regressor (or a small estimator of ours for the Tanimoto
kernels) built from a seed and hyperparameters; :data:`LEARNERS` names them:

========================  =======================================================================
``rf``                    random forest (``n_estimators`` 500, ``max_features`` 1/3, as Meta-QSAR)
``et``                    extra trees (``n_estimators`` 500, ``max_features`` 1/3)
``svr-rbf``               SVR with an RBF kernel (``C`` 5, ``gamma`` "scale", ``epsilon`` 0.1)
``svr-tanimoto``          SVR on the Tanimoto kernel (bits) or min-max kernel (counts) (``C`` 5)
``ridge``                 ridge regression (``alpha`` 1)
``knn-tanimoto``          k nearest neighbours by Tanimoto (min-max) distance (``n_neighbors`` 5,
                          weighted by similarity)
``histgb``                histogram gradient boosting (``max_iter`` 200, ``learning_rate`` 0.1)
``pls``                   partial least squares (``n_components`` 10)
``gp-tanimoto``           Gaussian process with the Tanimoto (min-max) kernel; the noise level is
                          chosen by the marginal likelihood over a fixed grid
========================  =======================================================================

Descriptor matrices (``rdkit2d``) are standardised (mean 0, sd 1, from the training folds
only) for the scale-sensitive learners (SVR, ridge, PLS); the Tanimoto learners need a
fingerprint (bits or counts). Every learner is deterministic given its seed: forests and
boosting take ``random_state = seed``, the others have no randomness. Learners run on
one thread (``n_jobs = 1``): the harness measures and limits CPU time per run and runs
several runs side by side.

:func:`cross_validate` is the performance measure: RMSE (and R2, MAE) of k-fold CV with
folds drawn from the seed over the dataset's molecules in their canonical order (so the
folds are the same for every pair on a dataset and seed, and reproducible), or of the
dataset's own train/test split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from asc.errors import InputError, UsageError


@dataclass(frozen=True)
class Learner:
    """A learner's name, what it needs and its hyperparameters' defaults."""

    name: str
    description: str
    defaults: tuple[tuple[str, Any], ...]
    needs_fingerprint: bool = False
    scale_descriptors: bool = False


LEARNERS: dict[str, Learner] = {learner.name: learner for learner in (
    Learner("rf", "random forest", (("n_estimators", 500), ("max_features", 1 / 3), ("min_samples_leaf", 1))),
    Learner("et", "extra trees", (("n_estimators", 500), ("max_features", 1 / 3), ("min_samples_leaf", 1))),
    Learner("svr-rbf", "SVR, RBF kernel", (("C", 5.0), ("gamma", "scale"), ("epsilon", 0.1)),
            scale_descriptors=True),
    Learner("svr-tanimoto", "SVR, Tanimoto kernel", (("C", 5.0), ("epsilon", 0.1)), needs_fingerprint=True),
    Learner("ridge", "ridge regression", (("alpha", 1.0),), scale_descriptors=True),
    Learner("knn-tanimoto", "k nearest neighbours, Tanimoto distance", (("n_neighbors", 5),),
            needs_fingerprint=True),
    Learner("histgb", "histogram gradient boosting", (("max_iter", 200), ("learning_rate", 0.1),
                                                      ("max_leaf_nodes", 31))),
    Learner("pls", "partial least squares", (("n_components", 10),), scale_descriptors=True),
    Learner("gp-tanimoto", "Gaussian process, Tanimoto kernel", (), needs_fingerprint=True),
)}


def check_pair(learner: str, representation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The learner's hyperparameters (defaults updated by ``params``) after checking the pair.

    Raises
    ------
    UsageError
        Unknown learner or representation, a Tanimoto learner on descriptors, an unknown hyperparameter.
    """
    from asc.features.representations import parse_representation

    if learner not in LEARNERS:
        raise UsageError(f"unknown learner {learner!r}; expected one of {', '.join(LEARNERS)}")
    spec = parse_representation(representation)
    info = LEARNERS[learner]
    if info.needs_fingerprint and not spec.is_fingerprint:
        raise UsageError(f"learner {learner!r} needs a fingerprint (bits or counts), not {representation!r}")
    merged = dict(info.defaults)
    for key, value in (params or {}).items():
        if key not in merged:
            raise UsageError(f"learner {learner!r} has no hyperparameter {key!r}; expected "
                             f"{', '.join(merged) or 'none'}")
        merged[key] = value
    return merged


# -- the Tanimoto-kernel estimators -------------------------------------------------


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tanimoto similarity of bit rows, min-max (generalised Tanimoto) of count rows (Numba kernels)."""
    from asc.features import _qsar_kernels as K
    from asc.features.representations import pack_bits

    if a.dtype == np.uint8:
        return K.tanimoto_matrix(pack_bits(a), pack_bits(b))
    return K.minmax_sparse(*_csr(a), *_csr(b))


def _csr(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row pointers, sorted column indices, values and row sums of a dense count matrix (for the sparse kernel)."""
    rows, cols = np.nonzero(counts)  # row-major order: indices sorted within each row
    ptr = np.zeros(counts.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=counts.shape[0]), out=ptr[1:])
    values = np.ascontiguousarray(counts[rows, cols], np.float64)
    sums = np.asarray(counts, np.float64).sum(axis=1)
    return ptr, cols.astype(np.int64), values, sums


class _KernelModel:
    """Keeps the training fingerprints; the kernel against them is computed at prediction time."""

    def _kernel(self, x: np.ndarray) -> np.ndarray:
        return similarity(x, self.train_)


class TanimotoSVR(_KernelModel):
    """SVR on a precomputed Tanimoto kernel (a valid kernel: Tanimoto is positive semi-definite on bits)."""

    def __init__(self, C: float = 5.0, epsilon: float = 0.1) -> None:
        self.C, self.epsilon = C, epsilon

    def fit(self, x: np.ndarray, y: np.ndarray) -> TanimotoSVR:
        from sklearn.svm import SVR

        self.train_ = x
        self.model_ = SVR(kernel="precomputed", C=float(self.C), epsilon=float(self.epsilon)).fit(similarity(x, x), y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._kernel(x))


class TanimotoKNN(_KernelModel):
    """Mean activity of the k most similar training molecules, weighted by similarity (plain mean if all 0)."""

    def __init__(self, n_neighbors: int = 5) -> None:
        self.n_neighbors = n_neighbors

    def fit(self, x: np.ndarray, y: np.ndarray) -> TanimotoKNN:
        self.train_, self.y_ = x, np.asarray(y, np.float64)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        sim = self._kernel(x)
        k = min(int(self.n_neighbors), sim.shape[1])
        # stable sort on -similarity: ties go to the lower training index, so results are reproducible
        idx = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        w = np.take_along_axis(sim, idx, axis=1)
        vals = self.y_[idx]
        total = w.sum(axis=1)
        return np.where(total > 0, (w * vals).sum(axis=1) / np.where(total > 0, total, 1), vals.mean(axis=1))


class TanimotoGP(_KernelModel):
    """GP regression, kernel ``v * T(x, x')`` on standardised activities, noise chosen by marginal likelihood.

    The signal variance ``v`` is 1 on the standardised scale; the noise variance is the
    value of ``NOISE_GRID`` with the largest log marginal likelihood (a grid, not an
    optimiser: deterministic and robust on small datasets).
    """

    NOISE_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)

    def fit(self, x: np.ndarray, y: np.ndarray) -> TanimotoGP:
        from scipy.linalg import cho_factor, cho_solve

        y = np.asarray(y, np.float64)
        self.mean_, self.scale_ = float(y.mean()), float(y.std()) or 1.0
        z = (y - self.mean_) / self.scale_
        k = similarity(x, x)
        best = None
        for noise in self.NOISE_GRID:
            factor = cho_factor(k + noise * np.eye(len(z)), lower=True)
            alpha = cho_solve(factor, z)
            lml = -0.5 * z @ alpha - np.log(np.diag(factor[0])).sum()
            if best is None or lml > best[0]:
                best = (lml, noise, alpha)
        self.noise_, self.alpha_ = best[1], best[2]
        self.train_ = x
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.mean_ + self.scale_ * (self._kernel(x) @ self.alpha_)


def make_estimator(learner: str, params: dict[str, Any], seed: int, is_descriptor: bool, n_train: int) -> Any:
    """A fresh, seeded estimator of ``learner`` with ``params`` (see :func:`check_pair`)."""
    p = dict(params)
    if learner == "svr-tanimoto":
        return TanimotoSVR(**p)
    if learner == "knn-tanimoto":
        return TanimotoKNN(**p)
    if learner == "gp-tanimoto":
        return TanimotoGP()
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if learner in ("rf", "et"):
        from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

        cls = RandomForestRegressor if learner == "rf" else ExtraTreesRegressor
        return cls(n_estimators=int(p["n_estimators"]), max_features=p["max_features"],
                   min_samples_leaf=int(p["min_samples_leaf"]), random_state=seed, n_jobs=1)
    if learner == "histgb":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=int(p["max_iter"]), learning_rate=float(p["learning_rate"]),
                                             max_leaf_nodes=int(p["max_leaf_nodes"]), random_state=seed)
    if learner == "svr-rbf":
        from sklearn.svm import SVR

        model = SVR(kernel="rbf", C=float(p["C"]), gamma=p["gamma"], epsilon=float(p["epsilon"]))
    elif learner == "ridge":
        from sklearn.linear_model import Ridge

        model = Ridge(alpha=float(p["alpha"]))
    elif learner == "pls":
        from sklearn.cross_decomposition import PLSRegression

        model = PLSRegression(n_components=max(1, min(int(p["n_components"]), n_train - 1)), scale=False)
    else:  # pragma: no cover - check_pair refuses unknown names first
        raise UsageError(f"unknown learner {learner!r}")
    return make_pipeline(StandardScaler(), model) if is_descriptor else model


# -- cross-validation -----------------------------------------------------------------


@dataclass(frozen=True)
class CVResult:
    """Performance of one learner x representation pair on one dataset.

    Attributes
    ----------
    rmse, r2, mae
        Over all held-out predictions (each molecule predicted once, by the model that did not see it).
    fold_rmse
        RMSE of each fold.
    folds
        Fold number of each molecule (in the dataset's order); -1: never held out (split protocol, train).
    """

    rmse: float
    r2: float
    mae: float
    fold_rmse: tuple[float, ...]
    folds: np.ndarray

    def fold_digest(self) -> str:
        """12 hex digits naming the fold assignment (equal digests: the same folds)."""
        import hashlib

        return hashlib.sha256(np.asarray(self.folds, np.int64).tobytes()).hexdigest()[:12]


def assign_folds(n: int, k: int, seed: int) -> np.ndarray:
    """Fold (0..k-1) of each of ``n`` molecules: a seeded permutation cut into k near-equal parts."""
    if not 2 <= k <= n:
        raise UsageError(f"expected 2 <= folds <= {n} molecules, got {k}")
    order = np.random.default_rng(seed).permutation(n)
    folds = np.empty(n, np.int64)
    for f, part in enumerate(np.array_split(order, k)):
        folds[part] = f
    return folds


def cross_validate(dataset, learner: str, representation: str, *, seed: int = 0, folds: int = 5,
                   protocol: str = "kfold", params: dict[str, Any] | None = None, cache_dir=None) -> CVResult:
    """RMSE, R2 and MAE of a learner x representation pair on a dataset (see the module docstring).

    Parameters
    ----------
    dataset
        A :class:`asc.instances.qsar.QSARDataset`.
    learner, representation
        The pair (see :data:`LEARNERS` and :mod:`asc.features.representations`).
    seed
        Seeds the folds and the learner.
    folds
        k of k-fold CV.
    protocol
        ``kfold``, or ``split``: train on the dataset's ``train`` rows, test on its ``test`` rows.
    params
        Hyperparameters overriding the learner's defaults.
    cache_dir
        The representation cache folder.

    Raises
    ------
    UsageError
        A bad pair, protocol or number of folds.
    InputError
        ``split`` on a dataset without a usable split column.
    """
    from asc.features.representations import parse_representation
    from asc.features.representations import representation as compute

    hyper = check_pair(learner, representation, params)
    spec = parse_representation(representation)
    x = compute(dataset, representation, cache_dir=cache_dir)
    y = np.asarray(dataset.y, np.float64)
    if protocol == "kfold":
        assignment = assign_folds(dataset.n, folds, seed)
        parts = [(assignment != f, assignment == f) for f in range(folds)]
    elif protocol == "split":
        labels = np.array(dataset.split or [], dtype=object)
        if dataset.split is None or not (labels == "train").any() or not (labels == "test").any():
            raise InputError("expected a split column with train and test rows for --protocol split",
                             dataset.source)
        assignment = np.where(labels == "test", 0, -1)
        parts = [(labels == "train", labels == "test")]
    else:
        raise UsageError(f"unknown protocol {protocol!r}; expected kfold or split")
    pred = np.full(dataset.n, np.nan)
    fold_rmse = []
    for train, test in parts:
        model = make_estimator(learner, hyper, seed, spec.kind == "descriptors", int(train.sum()))
        xt = x[train] if spec.is_fingerprint else x[train].astype(np.float64)
        model.fit(xt, y[train])
        xs = x[test] if spec.is_fingerprint else x[test].astype(np.float64)
        pred[test] = np.ravel(model.predict(xs))
        fold_rmse.append(math.sqrt(float(np.mean((pred[test] - y[test]) ** 2))))
    held = ~np.isnan(pred)
    err = pred[held] - y[held]
    ss_tot = float(np.sum((y[held] - y[held].mean()) ** 2))
    rmse = math.sqrt(float(np.mean(err ** 2)))
    r2 = 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else 0.0
    return CVResult(rmse, r2, float(np.mean(np.abs(err))), tuple(fold_rmse), assignment)
