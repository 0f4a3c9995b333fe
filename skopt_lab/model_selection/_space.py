"""Search-space encoding for :class:`BayesSearchCV`.

A point of the space is held as ``(s, u)``: ``s`` the index of its subspace
(one per dict of ``param_distributions``) and ``u`` a row of *unit
coordinates* in [0, 1], one per parameter of that subspace. Everything else
is derived from ``u``, deterministically and vectorised over rows:

- the *values*: a categorical index ``floor(u * n_values)``, or a number
  ``dist.ppf(u)``, which for a discrete distribution is a valid integer;
- the *features* the Gaussian process sees: numeric values mapped back
  through the CDF (so a log-uniform parameter is on a log scale) and
  categorical indices one-hot; each subspace has its own block of columns,
  zero while another subspace is active, and a one-hot subspace indicator
  when there are several.

Points are compared by their values (categories by index, never by the
objects themselves, which are often unhashable estimators).
"""

import itertools
from collections.abc import Mapping, Sequence
from math import prod

import numpy as np
from scipy.stats import qmc, rv_discrete

# Keeps ppf finite for distributions with unbounded support, and inside the
# support of discrete ones.
_EPS = 1e-9


class _Categorical:
    """A list of arbitrary objects, chosen by index."""

    def __init__(self, name, values):
        self.name = name
        self.values = list(values)
        # A constant parameter tells the GP nothing: it gets no column.
        self.width = len(self.values) if len(self.values) > 1 else 0
        self.size = len(self.values)

    def from_unit(self, u):
        return np.minimum(np.floor(u * self.size), self.size - 1)

    def unit_grid(self):
        return (np.arange(self.size) + 0.5) / self.size

    def features(self, v):
        return np.eye(self.size)[v.astype(int)][:, : self.width]

    def param(self, v):
        return self.values[int(v)]

    def plain(self, v):
        return int(v)


class _Numeric:
    """A scipy.stats frozen distribution, continuous or discrete."""

    def __init__(self, name, dist):
        self.name = name
        self.dist = dist
        self.discrete = isinstance(getattr(dist, "dist", None), rv_discrete)
        self.width = 1
        low, high = dist.support() if self.discrete else (-np.inf, np.inf)
        self.size = high - low + 1 if self.discrete else np.inf

    def from_unit(self, u):
        clipped = self.dist.ppf(np.clip(u, _EPS, 1 - _EPS))
        if self.discrete:  # ppf(0) lies below the support
            return clipped
        exact = self.dist.ppf(u)  # keeps the bounds exact where they are finite
        return np.where(np.isfinite(exact), exact, clipped)

    def unit_grid(self):
        low, high = self.dist.support()
        return self.features(np.arange(low, high + 1))[:, 0]

    def features(self, v):
        if self.discrete:
            # The middle of the value's CDF step, so ppf maps it back to v.
            cdf = 0.5 * (self.dist.cdf(v - 1) + self.dist.cdf(v))
        else:
            cdf = self.dist.cdf(v)
        return cdf[:, None]

    def param(self, v):
        return int(v) if self.discrete else float(v)

    plain = param


def _make_dimension(name, values):
    if hasattr(values, "rvs"):
        missing = [m for m in ("cdf", "ppf") if not callable(getattr(values, m, None))]
        if missing:
            raise TypeError(
                f"The distribution of parameter {name!r} has rvs but no "
                f"{' or '.join(missing)}: BayesSearchCV needs a scipy.stats frozen "
                f"distribution such as loguniform(1e-3, 1e2); got {values!r}."
            )
        return _Numeric(name, values)
    if isinstance(values, (Sequence, np.ndarray)) and not isinstance(values, str):
        if len(values) == 0:
            raise ValueError(f"The list of values of parameter {name!r} is empty.")
        return _Categorical(name, values)
    raise TypeError(
        f"Parameter {name!r} must be a list of values or a scipy.stats frozen "
        f"distribution (an object with rvs, cdf and ppf); got {values!r} of type "
        f"{type(values).__name__}."
    )


class Space:
    """The encoded search space of ``param_distributions``.

    Parameters
    ----------
    param_distributions : dict or list of dict
        As for :class:`~sklearn.model_selection.RandomizedSearchCV`. Each dict
        is a subspace; keys are sorted so the encoding does not depend on
        insertion order.
    """

    def __init__(self, param_distributions):
        if isinstance(param_distributions, Mapping):
            param_distributions = [param_distributions]
        if not isinstance(param_distributions, Sequence) or not param_distributions:
            raise ValueError(
                "param_distributions must be a non-empty dict or a non-empty list "
                f"of dicts; got {param_distributions!r}."
            )
        self.subspaces = []
        for dist in param_distributions:
            if not isinstance(dist, Mapping):
                raise TypeError(f"param_distributions must hold dicts; got {dist!r}.")
            if not dist:
                raise ValueError(
                    "param_distributions has an empty dict: give every subspace at "
                    "least one parameter."
                )
            self.subspaces.append([_make_dimension(k, dist[k]) for k in sorted(dist)])
        self.n_unit = max(len(dims) for dims in self.subspaces)
        self.size = sum(prod(d.size for d in dims) for dims in self.subspaces)

        n_sub = len(self.subspaces)
        selector_width = n_sub if n_sub > 1 else 0
        widths = [sum(d.width for d in dims) for dims in self.subspaces]
        self.offsets = selector_width + np.concatenate([[0], np.cumsum(widths)])
        self.width = int(self.offsets[-1])
        # Unit coordinates a local search may move: the numeric ones.
        self.numeric_mask = np.zeros((n_sub, self.n_unit), dtype=bool)
        for s, dims in enumerate(self.subspaces):
            for j, dim in enumerate(dims):
                self.numeric_mask[s, j] = isinstance(dim, _Numeric)

    def random(self, n, rng):
        """``n`` points drawn uniformly in unit coordinates."""
        s = rng.randint(len(self.subspaces), size=n)
        return s, rng.uniform(size=(n, self.n_unit))

    def latin_hypercube(self, n, rng):
        """``n`` points of a Latin hypercube, stratified in every coordinate.

        The subspaces are dealt out in turn, in a random order, so each gets
        ``n // n_subspaces`` or one more of the points: every subspace is in
        the design as soon as ``n`` allows it.
        """
        n_sub = len(self.subspaces)
        s = np.resize(rng.permutation(n_sub), n)[rng.permutation(n)]
        return s, qmc.LatinHypercube(d=self.n_unit, seed=rng).random(n)

    def grid(self):
        """Every point of a finite space, as ``(s, u)``."""
        s_all, u_all = [], []
        for s, dims in enumerate(self.subspaces):
            rows = np.array(list(itertools.product(*(d.unit_grid() for d in dims))))
            u = np.full((len(rows), self.n_unit), 0.5)
            u[:, : len(dims)] = rows
            s_all.append(np.full(len(rows), s))
            u_all.append(u)
        return np.concatenate(s_all), np.concatenate(u_all)

    def values(self, s, u):
        """Parameter values (categorical indices or numbers), NaN where unused."""
        v = np.full(u.shape, np.nan)
        for sub, dims in enumerate(self.subspaces):
            rows = s == sub
            for j, dim in enumerate(dims):
                v[rows, j] = dim.from_unit(u[rows, j])
        return v

    def features(self, s, v):
        """The GP inputs of points with values ``v``: a (n, width) array in [0, 1]."""
        X = np.zeros((len(s), self.width))
        if len(self.subspaces) > 1:
            X[np.arange(len(s)), s] = 1.0
        for sub, dims in enumerate(self.subspaces):
            rows = s == sub
            col = self.offsets[sub]
            for j, dim in enumerate(dims):
                X[rows, col : col + dim.width] = dim.features(v[rows, j])
                col += dim.width
        return X

    def key(self, s, v_row):
        """A hashable identity of a point: equal keys give equal parameters."""
        return (int(s), *(float(x) for x in v_row[: len(self.subspaces[s])]))

    def params(self, s, v_row):
        """The parameter dict of one point, as ``evaluate_candidates`` wants it."""
        return {dim.name: dim.param(x) for dim, x in zip(self.subspaces[s], v_row)}

    def plain_values(self, s, v_row):
        """A point's values as plain data: parameter name -> the number drawn
        (an int for a discrete distribution), or the index in its list."""
        return {dim.name: dim.plain(x) for dim, x in zip(self.subspaces[s], v_row)}

    def values_row(self, s, values):
        """The value row of a point given by :meth:`plain_values` (its inverse)."""
        return np.array([float(values[dim.name]) for dim in self.subspaces[s]])
