"""Instance-based selection: nearest neighbours and clusters of similar instances."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors

from asc.errors import UsageError
from asc.selectors.base import BaseSelector
from asc.selectors.scoring import neighbour_scores


class NearestNeighbourSelector(BaseSelector):
    """k-nearest-neighbour selection: the best algorithm on the most similar training instances.

    Features are imputed and standardised (inside the selector); the ``k`` training
    instances closest in Euclidean distance vote with their costs, and the algorithm
    with the lowest mean PAR10 over them is chosen. This is the selection rule of
    SUNNY (Amadini, Gabbrielli and Mauro, TPLP 2014) without its schedule, and of
    Malitsky et al.'s k-NN portfolios (IJCAI 2011).

    Parameters
    ----------
    n_neighbors
        Neighbourhood size k (SUNNY uses about the square root of the training set size;
        ``None`` means exactly that).
    weights
        ``"uniform"`` or ``"distance"`` (closer neighbours count more).
    """

    def __init__(self, n_neighbors: int | None = None, weights: str = "uniform") -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        if self.weights not in ("uniform", "distance"):
            raise UsageError(f"weights must be uniform or distance, found {self.weights!r}")
        k = self.n_neighbors or max(1, int(round(np.sqrt(len(X)))))
        self.k_ = min(k, len(X))
        self.costs_ = C
        self.index_ = NearestNeighbors(n_neighbors=self.k_).fit(X)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        distance, neighbours = self.index_.kneighbors(X)
        return neighbour_scores(distance, neighbours, self.costs_, self.weights)

    score_label = "mean cost on the nearest training instances"

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """The neighbours' mean costs (the scores): what each algorithm is expected to cost."""
        return scores


class ClusteringSelector(BaseSelector):
    """ISAC: cluster the instances by their features, use each cluster's best algorithm.

    Instance-Specific Algorithm Configuration (Kadioglu, Malitsky, Sellmann and
    Tierney, ECAI 2010) normalises the features, clusters the training instances and
    assigns each cluster the algorithm with the lowest mean cost on its members; a new
    instance gets the choice of its nearest cluster centre. The original uses g-means
    to pick the number of clusters; here the number is chosen for what matters, the
    cost of the resulting choices: each candidate ``k`` in 2..``max_clusters`` is scored
    by a seeded 3-fold cross-validation on the training instances and the cheapest
    wins (``n_clusters`` fixes it instead).

    Parameters
    ----------
    n_clusters
        Number of clusters, or ``None`` to choose it by internal cross-validation.
    max_clusters
        Upper end of the search for the number of clusters.
    min_cluster_size
        Clusters smaller than this fall back to the overall single best (too few
        instances to trust their own best algorithm).
    random_state
        Seed of k-means.
    """

    def __init__(self, n_clusters: int | None = None, max_clusters: int = 8, min_cluster_size: int = 5,
                 random_state: int | None = None) -> None:
        self.n_clusters = n_clusters
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state

    def _kmeans(self, X: np.ndarray, k: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(X)

    def _cluster_costs(self, model: KMeans, C: np.ndarray) -> np.ndarray:
        costs = np.tile(C.mean(axis=0), (model.n_clusters, 1))
        for cluster in range(model.n_clusters):
            members = model.labels_ == cluster
            if members.sum() >= self.min_cluster_size:
                costs[cluster] = C[members].mean(axis=0)
        return costs

    def _choose_k(self, X: np.ndarray, C: np.ndarray) -> int:
        folds = np.random.RandomState(self.random_state).permutation(len(X)) % 3
        best_k, best_cost = 1, np.inf
        for k in range(2, min(self.max_clusters, len(X) // 3) + 1):
            total = 0.0
            for fold in range(3):
                train, test = folds != fold, folds == fold
                model = self._kmeans(X[train], k)
                choice = self._cluster_costs(model, C[train])[model.predict(X[test])].argmin(axis=1)
                total += C[test][np.arange(test.sum()), choice].sum()
            if total < best_cost:
                best_k, best_cost = k, total
        return best_k

    def _fit(self, X: np.ndarray, C: np.ndarray) -> None:
        k = self.n_clusters if self.n_clusters is not None else self._choose_k(X, C)
        self.kmeans_ = self._kmeans(X, max(1, min(k, len(X))))
        self.cluster_costs_ = self._cluster_costs(self.kmeans_, C)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return self.cluster_costs_[self.kmeans_.predict(X)]

    score_label = "mean cost in the instance's cluster"

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """The cluster's mean costs (the scores): what each algorithm is expected to cost."""
        return scores
