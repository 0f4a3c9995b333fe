"""Functional ANOVA of a random forest, exactly, over its trees' leaf boxes.

A regression tree is constant on each of its leaves, whose boxes tile the
space. Under a measure with a density that is piecewise constant along
each coordinate, every quantity of functional ANOVA (Hutter, Hoos and
Leyton-Brown, ICML 2014) is a finite sum over leaves. The measure here is
the search's own sampling distribution (see ``_rows``): a mixture, with
weights ``π_s``, of one product distribution per subspace ``s`` (a dict of
``param_distributions``), in which each parameter has a density made of
a few uniform *pieces* of its code, or sits at the code of "absent".
With ``m_s,k(l)`` the probability of leaf ``l``'s extent along coordinate
``k`` under subspace ``s``:

- a leaf's probability is ``P(l) = Σ_s π_s Π_k m_s,k(l)``, and the
  forest's mean and variance are ``Σ_l P(l) v_l`` and
  ``Σ_l P(l) (v_l - f0)²`` for leaf values ``v_l``;
- the marginal of coordinate ``j``, ``f_j(x) = E[f | x_j = x]``, is
  ``Σ_s π_s ρ_s,j(x) E_s(x) / Σ_s π_s ρ_s,j(x)`` with
  ``E_s(x) = Σ_{l: x in l} v_l Π_{k≠j} m_s,k(l)`` and ``ρ_s,j`` the
  density of ``x_j`` in subspace ``s``; it is constant between
  consecutive split thresholds and piece ends, so its variance is a
  weighted sum over those intervals;
- the joint marginal of a pair in the same way.

With one subspace whose parameters are uniform on [0, 1] this is the
fANOVA of the unit cube that Optuna's ``FanovaImportanceEvaluator``
computes by walking each tree in Python once per grid cell; here all
trees are stacked into one array of nodes, boxes are found level by level
for every tree at once, and each marginal is a difference array over the
sorted thresholds of all trees (``bincount`` and ``cumsum``), so 64 trees
of 1,000 rows in 8 dimensions take a few tens of milliseconds beyond
fitting the forest.
"""

import numpy as np
from sklearn.ensemble import RandomForestRegressor

# The forest of fANOVA as Optuna configures it: fully grown trees on
# bootstrap samples, every feature considered at each split.
N_TREES = 64
MAX_DEPTH = 64

#: The code of a parameter a row does not have, and the piece of the
#: density that stands for it; present values have codes in [0, 1].
ABSENT = -1.0
ABSENT_PIECE = (-1.5, -0.5, 1.0)
# The root box, wide enough for every piece.
_LOW, _HIGH = -2.0, 2.0
# Interval end points of tree t are stored as STRIDE t + (x - LOW): one
# sorted array holds every tree's thresholds, tree after tree.
_STRIDE = 8.0


class ForestANOVA:
    """A random forest fitted to encoded rows, and its exact functional
    ANOVA under a mixture of piecewise-uniform product distributions.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
        The rows' codes: in [0, 1], or ``ABSENT``.
    y : ndarray of shape (n_rows,)
        Their scores.
    random_state : int
        Seed of the forest.
    weights : ndarray of shape (n_subspaces,)
        The mixture's weights, summing to 1.
    pieces : list of list of ndarray
        ``pieces[k][s]``: rows ``(a, b, w)`` of the density of coordinate
        ``k`` in subspace ``s``, uniform on each ``(a, b)`` with mass ``w``
        (the masses sum to 1).
    """

    def __init__(self, X, y, random_state, weights, pieces):
        self.n_features = X.shape[1]
        self.weights = np.asarray(weights, dtype=float)
        self.pieces = pieces
        forest = RandomForestRegressor(
            n_estimators=N_TREES, max_depth=MAX_DEPTH, min_samples_split=2, min_samples_leaf=1,
            random_state=random_state,
        ).fit(X, y)
        trees = [estimator.tree_ for estimator in forest.estimators_]
        self.n_trees = len(trees)
        self._leaf_boxes(trees)
        # mass[s, l, k]: the probability of leaf l's extent along k in subspace s.
        self.mass = np.stack(
            [np.column_stack([_piece_mass(self.low[:, k], self.high[:, k], pieces[k][s])
                              for k in range(self.n_features)]) for s in range(len(self.weights))]
        )  # fmt: skip
        ones = np.ones(self.mass.shape[:2] + (1,))
        before = np.cumprod(np.concatenate([ones, self.mass[:, :, :-1]], axis=2), axis=2)
        after = np.cumprod(np.concatenate([ones, self.mass[:, :, :0:-1]], axis=2), axis=2)[:, :, ::-1]
        self._others = before * after  # product over every coordinate but k
        probability = self.weights @ self.mass.prod(axis=2)
        self.mean = np.bincount(self.tree, probability * self.value, minlength=self.n_trees)
        self.variance = np.bincount(
            self.tree, probability * (self.value - self.mean[self.tree]) ** 2, minlength=self.n_trees
        )
        self._tables = {}

    def _leaf_boxes(self, trees):
        sizes = np.array([tree.node_count for tree in trees])
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        feature = np.concatenate([tree.feature for tree in trees])
        threshold = np.concatenate([tree.threshold for tree in trees])
        left = np.concatenate([tree.children_left + root for tree, root in zip(trees, roots)])
        right = np.concatenate([tree.children_right + root for tree, root in zip(trees, roots)])
        tree_of = np.repeat(np.arange(len(trees)), sizes)
        low = np.full((len(feature), self.n_features), _LOW)
        high = np.full((len(feature), self.n_features), _HIGH)
        nodes = roots
        while nodes.size:  # one level of every tree at a time: children are boxes of their parent
            nodes = nodes[feature[nodes] >= 0]
            split, cut, lefts, rights = feature[nodes], threshold[nodes], left[nodes], right[nodes]
            cut = np.clip(cut, low[nodes, split], high[nodes, split])
            for children in (lefts, rights):
                low[children], high[children] = low[nodes], high[nodes]
            high[lefts, split] = cut
            low[rights, split] = cut
            nodes = np.concatenate([lefts, rights])
        leaf = feature < 0
        self._split_tree, self._split_feature, self._split_at = tree_of[~leaf], feature[~leaf], threshold[~leaf]
        self.low, self.high = low[leaf], high[leaf]
        self.value = np.concatenate([tree.value[:, 0, 0] for tree in trees])[leaf]
        self.tree = tree_of[leaf]

    def _density(self, k, x):
        """(n_subspaces, len(x)): the density of coordinate ``k`` at ``x``."""
        return np.stack([_piece_density(x, pieces) for pieces in self.pieces[k]])

    def _table(self, j):
        """The marginal of coordinate ``j`` in every tree, on the intervals
        between its split thresholds and its density's piece ends: their
        end points (as ``STRIDE t + x - LOW``), the marginal on each
        (NaN where the density is 0), and each interval's tree and
        probability (0 between two trees)."""
        if j not in self._tables:
            trees = np.arange(self.n_trees)
            own = self._split_feature == j
            cuts = np.unique(np.concatenate([[_LOW, _HIGH], *(p[:, :2].ravel() for p in self.pieces[j])]))
            ends = np.unique(np.concatenate([
                _key(self._split_tree[own], self._split_at[own]),
                _key(np.repeat(trees, len(cuts)), np.tile(cuts, self.n_trees)),
            ]))
            first = np.searchsorted(ends, _key(self.tree, self.low[:, j]))
            last = np.searchsorted(ends, _key(self.tree, self.high[:, j]))
            middle = ((ends[:-1] + ends[1:]) / 2) % _STRIDE + _LOW
            density = self._density(j, middle) * self.weights[:, None]
            numerator = np.zeros(len(ends) - 1)
            for s, others in enumerate(self._others[:, :, j]):  # E_s on every interval
                share = self.value * others
                expected = np.cumsum(np.bincount(first, share, len(ends)) - np.bincount(last, share, len(ends)))
                numerator += density[s] * expected[:-1]
            total = density.sum(axis=0)
            tree = (ends[:-1] // _STRIDE).astype(int)
            width = np.where(tree == ends[1:] // _STRIDE, np.diff(ends), 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                marginal = np.where(total > 0, numerator / total, np.nan)
            probability = np.where(middle > ABSENT_PIECE[1], width * total, 0.0)  # present values only
            self._tables[j] = ends, marginal, tree, probability
        return self._tables[j]

    def main_effect_variances(self, j):
        """``V_j`` of every tree: the variance of coordinate ``j``'s marginal
        over its present values, times the probability that it is present."""
        _, marginal, tree, probability = self._table(j)
        marginal = np.where(probability > 0, marginal, 0.0)
        present = np.bincount(tree, probability, minlength=self.n_trees)
        mean = np.bincount(tree, probability * marginal, minlength=self.n_trees) / np.where(present > 0, present, 1)
        return np.bincount(tree, probability * (marginal - mean[tree]) ** 2, minlength=self.n_trees)

    def variance_fractions(self, j):
        """``V_j / V`` averaged over the trees whose variance is positive."""
        informative = self.variance > 0
        if not informative.any():
            return 0.0
        return float(np.mean(self.main_effect_variances(j)[informative] / self.variance[informative]))

    def marginal(self, j, x):
        """Each tree's marginal of coordinate ``j`` at codes ``x`` in [0, 1],
        (len(x), n_trees); NaN where ``x`` has no probability."""
        ends, marginal, _, _ = self._table(j)
        keys = _key(np.arange(self.n_trees), _inside(x)[:, None])
        return marginal[np.searchsorted(ends, keys) - 1]

    def joint_marginal(self, j, k, xj, xk):
        """Each tree's joint marginal of coordinates ``j`` and ``k`` on the grid
        ``xj × xk``, (n_trees, len(xj), len(xk)); NaN where no subspace has
        both values."""
        xj, xk = _inside(xj), _inside(xk)
        inside_j = (xj[:, None] > self.low[:, j]) & (xj[:, None] <= self.high[:, j])
        inside_k = (xk[:, None] > self.low[:, k]) & (xk[:, None] <= self.high[:, k])
        rest = [c for c in range(self.n_features) if c not in (j, k)]
        density_j, density_k = self._density(j, xj), self._density(k, xk)
        starts = np.searchsorted(self.tree, np.arange(self.n_trees + 1))
        numerator = np.zeros((self.n_trees, len(xj), len(xk)))
        total = np.zeros((len(xj), len(xk)))
        for s, weight in enumerate(self.weights):
            joint = weight * np.outer(density_j[s], density_k[s])
            if not joint.any():
                continue
            share = self.value * self.mass[s][:, rest].prod(axis=1)
            for t in range(self.n_trees):
                leaves = slice(starts[t], starts[t + 1])
                numerator[t] += joint * ((inside_j[:, leaves] * share[leaves]) @ inside_k[:, leaves].T)
            total += joint
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, numerator / total, np.nan)


def _key(tree, x):
    return _STRIDE * tree + (x - _LOW)


def _inside(x):
    """Codes in [0, 1] moved off the lower face, so that the lookup in
    intervals (a, b] (a tree sends x <= threshold left) finds the first."""
    return np.clip(np.asarray(x, dtype=float), 1e-12, 1.0)


def _piece_mass(low, high, pieces):
    """The probability of each extent (low, high] under a piecewise-uniform density."""
    a, b, w = pieces[:, 0], pieces[:, 1], pieces[:, 2]
    overlap = np.clip(np.minimum(high[:, None], b) - np.maximum(low[:, None], a), 0.0, None)
    return overlap @ (w / (b - a))


def _piece_density(x, pieces):
    a, b, w = pieces[:, 0], pieces[:, 1], pieces[:, 2]
    return ((x[:, None] > a) & (x[:, None] <= b)) @ (w / (b - a))
