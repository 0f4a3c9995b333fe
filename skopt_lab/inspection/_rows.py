"""What a fitted search evaluated: its rows, their scores, and how each
searched parameter is placed in the unit interval for the surrogate.

Only public attributes are read: ``cv_results_`` (its ``params`` and
``mean_test_<metric>`` columns, and ``n_resources`` for multi-fidelity
searches) and ``param_grid`` or ``param_distributions`` for each
parameter's scale.

A parameter's *measure* is the distribution the search drew it from, and
its code in [0, 1] makes that measure uniform (within one dict of the
search space), so that the volume of a box is its probability under the
search's own sampling:

- a scipy.stats distribution: the value between the support's bounds, on a
  log scale for ``loguniform``; an integer distribution gives each integer a
  cell of equal width. The density is taken as uniform on that scale,
  which is exact for ``uniform``, ``loguniform`` and ``randint``; another
  distribution's values are weighed by their range, not their probability,
  and an unbounded one's range is that of the values drawn;
- a list of numbers: each value a cell of equal width, in increasing order
  (a geometric list is therefore on a log scale, an arithmetic one on a
  linear scale);
- a list with anything else (strings, ``None``, booleans, estimators or
  optimizers): one cell per category. Categories are ordered by their mean
  score, so that a single split of a regression tree can separate any
  better half from any worse one (Breiman et al., 1984, §9.4); values are
  matched to categories by identity, else by ``repr`` (``cv_results_``
  holds the objects the search was given, or copies of them after
  pickling).

A parameter that a row does not have (a list of dicts in which only some
dicts have it) gets the code ``ABSENT``. The measure of the whole space is
the search's: a mixture of one product distribution per dict of the
search space, weighted as the search weighs them (equally for the
randomized and Bayesian searches, by their number of points for a grid),
each parameter uniform on the *pieces* of its code that its dict allows
(the cells of its list, the range of its distribution), or absent. A
search without ``param_grid`` or ``param_distributions`` is taken as one
subspace per set of parameter names in its rows, weighted by their
numbers of rows, each allowing the values its rows hold.
"""

import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_is_fitted

from ._fanova import ABSENT, ABSENT_PIECE

# A surrogate of d parameters needs d + 1 rows at least (d effects and a
# mean), and never fewer than this.
_MIN_ROWS = 3


def score_column(search, metric):
    """The ``cv_results_`` key of the scores to read and the metric's name.

    ``metric=None`` reads ``mean_test_score``, or for a multi-metric search
    the metric named by a string ``refit``.
    """
    results = search.cv_results_
    if metric is None:
        refit = getattr(search, "refit", None)
        if "mean_test_score" in results:
            return "mean_test_score", scoring_name(search)
        if not isinstance(refit, str):
            raise ValueError(
                f"{type(search).__name__} was fitted with several metrics and refit={refit!r}: "
                "choose one with metric=<scorer name>."
            )
        metric = refit
    key = f"mean_test_{metric}"
    if key not in results:
        available = sorted(k[len("mean_test_"):] for k in results if k.startswith("mean_test_"))
        raise ValueError(f"{type(search).__name__} has no {key!r} in cv_results_; metrics: {available}.")
    return key, metric


def scoring_name(search):
    """What a single-metric search scored: its scoring's name, or for
    ``scoring=None`` the estimator's own score."""
    scoring = getattr(search, "scoring", None)
    if isinstance(scoring, str):
        return scoring
    if scoring is not None:
        return getattr(scoring, "__name__", "score")
    estimator = getattr(search, "estimator", None)
    if estimator is None:
        return "score"
    if is_classifier(estimator):
        return "accuracy"
    if is_regressor(estimator):
        return "R²"
    return "score"


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _is_distribution(spec):
    return callable(getattr(spec, "rvs", None))


def _is_log_distribution(spec):
    return getattr(getattr(spec, "dist", None), "name", None) in ("loguniform", "reciprocal")


def _is_integer_distribution(spec):
    from scipy.stats import rv_discrete

    return isinstance(getattr(spec, "dist", None), rv_discrete)


def looks_geometric(values):
    """Whether sorted positive numbers are more evenly spaced on a log scale
    than on a linear one ([1e-3, 1e-2, 1e-1], [16, 32, 64]); two values are
    when they differ by a factor of 10 or more."""
    values = np.unique(np.asarray(values, dtype=float))
    if values.size < 2 or values[0] <= 0:
        return False
    if values.size == 2:
        return values[1] / values[0] >= 10

    def unevenness(points):
        steps = np.diff(points)
        return steps.std() / steps.mean()

    return unevenness(np.log(values)) < unevenness(values)


class _Continuous:
    """A number drawn from scipy.stats distributions: its code is its place
    between the bounds, on a log scale for a log-uniform one. An integer
    distribution's values are the middles of cells of equal width."""

    def __init__(self, name, low, high, log, integer):
        self.name, self.log, self.integer = name, log, integer
        self.scale = "log" if log else "linear"
        self.low, self.high = (low - 0.5, high + 0.5) if integer else (low, high)
        self._origin = self._warp(self.low)
        self._span = self._warp(self.high) - self._origin

    def _warp(self, values):
        values = np.asarray(values, dtype=float)
        return np.log(values) if self.log else values

    def encode(self, values):
        if self._span == 0:
            return np.zeros(len(values))
        return np.clip((self._warp(values) - self._origin) / self._span, 0.0, 1.0)

    def grid(self, resolution):
        values = (np.geomspace if self.log else np.linspace)(self.low, self.high, resolution)
        if self.integer:
            values = np.unique(np.clip(np.round(values), self.low + 0.5, self.high - 0.5)).astype(int)
        return values, self.encode(values)

    def pieces(self, spec):
        """The density of the codes that ``spec`` (a distribution or a
        list) draws: uniform between its bounds."""
        if _is_distribution(spec):
            low, high = spec.support()
            low = low if np.isfinite(low) else self.low
            high = high if np.isfinite(high) else self.high
        else:
            low, high = min(spec), max(spec)
        if self.integer:
            low, high = low - 0.5, high + 0.5
        return _interval(*self.encode([low, high]))

    def observed_pieces(self, values):
        return _interval(*self.encode([min(values), max(values)]))


class _Listed:
    """Values given as a list (or only seen in the rows): one cell of equal
    width per distinct value, numbers in increasing order, categories in
    the order of ``positions``."""

    def __init__(self, name, values, scale, positions=None):
        self.name, self.values, self.scale = name, list(values), scale
        self.integer = scale != "categorical" and all(isinstance(v, Integral) for v in self.values)
        self.positions = np.arange(len(self.values)) if positions is None else np.asarray(positions)

    def index(self, values):
        """The index in ``self.values`` of each value: equal numbers, or
        the same object, or else an equal ``repr``."""
        if self.scale != "categorical":
            return np.searchsorted(np.asarray(self.values, dtype=float), np.asarray(values, dtype=float))
        reprs = [repr(category) for category in self.values]
        return np.array([category_index(value, self.values, reprs) for value in values], dtype=int)

    def encode(self, values):
        return (self.positions[self.index(values)] + 0.5) / len(self.values)

    def grid(self, resolution):
        chosen = np.arange(len(self.values))
        if self.scale != "categorical" and len(chosen) > resolution:
            chosen = np.unique(np.round(np.linspace(0, len(chosen) - 1, resolution)).astype(int))
        values = np.empty(len(chosen), dtype=object)
        values[:] = [self.values[i] for i in chosen]
        if self.scale != "categorical":
            values = np.asarray(values.tolist())
        return values, (self.positions[chosen] + 0.5) / len(self.values)

    def pieces(self, spec):
        """The density of the codes of the values of ``spec``: their cells,
        equally likely, runs of neighbouring cells merged."""
        values = self.values if _is_distribution(spec) else list(spec)
        return self.observed_pieces(values)

    def observed_pieces(self, values):
        cells = np.unique(self.positions[self.index(values)])
        runs = np.split(cells, np.flatnonzero(np.diff(cells) > 1) + 1)
        size = len(self.values)
        return np.array([(run[0] / size, (run[-1] + 1) / size, len(run) / len(cells)) for run in runs])


def _interval(low, high):
    """One uniform piece on (low, high); a point is a piece 1e-9 wide."""
    if high - low < 1e-9:
        middle = min(max((low + high) / 2, 5e-10), 1 - 5e-10)
        low, high = middle - 5e-10, middle + 5e-10
    return np.array([(low, high, 1.0)])


def category_index(value, categories, reprs=None):
    """Index of ``value`` in ``categories`` (identity first, then ``repr``;
    ``reprs`` are the categories' if known), or -1."""
    for i, category in enumerate(categories):
        if category is value:
            return i
    text = repr(value)
    for i, category in enumerate(categories):
        if (repr(category) if reprs is None else reprs[i]) == text:
            return i
    return -1


def _subspaces(search):
    """The dicts of the search's ``param_grid`` or ``param_distributions``,
    and their weights in its sampling (None without either)."""
    space = getattr(search, "param_distributions", None)
    grid = space is None
    if grid:
        space = getattr(search, "param_grid", None)
    if space is None:
        return None, None
    subspaces = [space] if isinstance(space, Mapping) else list(space)
    if grid:
        weights = np.array([np.prod([len(values) for values in subspace.values()]) for subspace in subspaces])
    else:
        weights = np.ones(len(subspaces))
    return subspaces, weights / weights.sum()


def _parameter(name, specs, observed, scores):
    """How ``name`` is encoded, from its specifications and the values the
    rows hold (``scores`` order the categories)."""
    distributions = [spec for spec in specs if _is_distribution(spec)]
    listed = [value for spec in specs if not _is_distribution(spec) for value in spec]
    numbers = all(_is_number(value) for value in listed + observed)
    if distributions and numbers:
        bounds = [spec.support() for spec in distributions] + [(value, value) for value in listed + observed]
        low = min(b[0] for b in bounds if np.isfinite(b[0]))
        high = max(b[1] for b in bounds if np.isfinite(b[1]))
        log = all(_is_log_distribution(spec) for spec in distributions) and low > 0
        integer = all(_is_integer_distribution(spec) for spec in distributions) and all(
            isinstance(value, Integral) for value in listed
        )
        return _Continuous(name, low, high, log, integer)
    if numbers:
        values = sorted(set(listed + observed))
        return _Listed(name, values, "log" if looks_geometric(values) else "linear")
    categories = []
    for value in listed + observed:
        if category_index(value, categories) < 0:
            categories.append(value)
    codes = np.array([category_index(value, categories) for value in observed], dtype=int)
    means = np.array([scores[codes == i].mean() if (codes == i).any() else np.inf for i in range(len(categories))])
    # Unseen categories last; ties keep the order of the specification.
    order = np.lexsort((np.arange(len(categories)), means))
    positions = np.empty(len(categories), dtype=int)
    positions[order] = np.arange(len(categories))
    return _Listed(name, categories, "categorical", positions)


class Rows:
    """The rows of a search that the surrogate models.

    Attributes
    ----------
    params : list of dict
        The parameters of each row kept.
    scores : ndarray
        Their finite mean test scores.
    metric : str
        The metric's name.
    n_resources : int or None
        The budget of the rows kept, for a multi-fidelity search.
    names : list of str
        Every searched parameter, in order of first appearance.
    parameters : dict
        Name → its encoding (``encode``, ``grid``, ``scale``, ``integer``).
    """

    def __init__(self, search, metric=None, n_resources=None):
        check_is_fitted(search, "cv_results_")
        results = search.cv_results_
        key, self.metric = score_column(search, metric)
        scores = np.ma.filled(np.ma.asarray(results[key], dtype=float), np.nan)
        params = list(results["params"])
        # A multi-fidelity search may set its budget as a parameter
        # (resource="max_iter"): it is the budget, not a searched parameter.
        budget = getattr(search, "resource", None) if "n_resources" in results else None
        self.names = list(dict.fromkeys(name for row in params for name in row if name != budget))
        keep = self._choose_budget(search, results, n_resources)
        failed = keep & ~np.isfinite(scores)
        if failed.any():
            warnings.warn(
                f"{failed.sum()} of the {keep.sum()} candidates have a NaN or infinite {self.metric} "
                "(their fit failed): they are left out.",
                UserWarning,
                stacklevel=3,
            )
        keep &= np.isfinite(scores)
        self.params = [row for row, kept in zip(params, keep) if kept]
        self.scores = scores[keep]
        self.search_name = type(search).__name__
        self._subspaces, self._weights = _subspaces(search)
        if self._subspaces is not None and not set(self.names) <= {k for d in self._subspaces for k in d}:
            self._subspaces = None  # rows that the space does not describe: read the rows alone
        self.parameters = {}
        for name in self.names:
            specs = [subspace[name] for subspace in self._subspaces or () if name in subspace]
            observed = [row[name] for row in self.params if name in row]
            self.parameters[name] = _parameter(name, specs, observed, self.scores[self.present(name)])

    def _choose_budget(self, search, results, n_resources):
        """The rows at the budget ``n_resources``: by default the largest
        reached, with a warning saying which rows that leaves out."""
        n_rows = len(results["params"])
        if "n_resources" not in results:
            if n_resources is not None:
                raise ValueError(
                    f"n_resources={n_resources!r} is for multi-fidelity searches; "
                    f"{type(search).__name__} has no 'n_resources' in cv_results_."
                )
            self.n_resources = None
            return np.ones(n_rows, dtype=bool)
        budgets = np.asarray(results["n_resources"])
        reached = np.unique(budgets)
        if n_resources is None:
            self.n_resources = int(reached[-1])
        elif n_resources in reached:
            self.n_resources = int(n_resources)
        else:
            raise ValueError(f"n_resources={n_resources!r} is not a budget of this search; its budgets: "
                             f"{reached.tolist()}.")
        keep = budgets == self.n_resources
        if n_resources is None and not keep.all():
            warnings.warn(
                f"{type(search).__name__}: only the {keep.sum()} candidates evaluated with "
                f"n_resources={self.n_resources}, the largest budget reached, are analysed; "
                f"{(~keep).sum()} rows with smaller budgets are left out (n_resources= picks another "
                "budget).",
                UserWarning,
                stacklevel=4,
            )
        return keep

    def present(self, name):
        """Which rows have ``name`` among their parameters."""
        return np.array([name in row for row in self.params], dtype=bool)

    def encode(self, names):
        """The codes of ``names`` in every row, (n_rows, n_names): in
        [0, 1], or ``ABSENT`` where a row does not have the parameter."""
        codes = np.full((len(self.params), len(names)), ABSENT)
        for j, name in enumerate(names):
            present = self.present(name)
            if present.any():
                values = [row[name] for row in self.params if name in row]
                codes[present, j] = self.parameters[name].encode(values)
        return codes

    def measure(self, names):
        """The search's sampling distribution over the codes of ``names``:
        the weights of its subspaces, and ``pieces[j][s]``, the density of
        ``names[j]`` in subspace ``s`` (see ``_fanova.ForestANOVA``)."""
        absent = np.array([ABSENT_PIECE])
        if self._subspaces is not None:
            pieces = [[self.parameters[name].pieces(subspace[name]) if name in subspace else absent
                       for subspace in self._subspaces] for name in names]  # fmt: skip
            return self._weights, pieces
        keys = [frozenset(row) for row in self.params]
        groups = list(dict.fromkeys(keys))
        weights = np.array([keys.count(group) for group in groups]) / len(keys)
        pieces = [[self.parameters[name].observed_pieces([row[name] for row, key in zip(self.params, keys)
                                                          if key == group]) if name in group else absent
                   for group in groups] for name in names]  # fmt: skip
        return weights, pieces

    def check_enough(self, n_rows, n_parameters, what):
        """A clear error when ``n_rows`` cannot model ``n_parameters``."""
        needed = max(_MIN_ROWS, n_parameters + 1)
        if n_rows < needed:
            budget = "" if self.n_resources is None else f" at n_resources={self.n_resources}"
            raise ValueError(
                f"{what} needs at least {needed} candidates with a finite {self.metric} to model "
                f"{n_parameters} parameter{'s' * (n_parameters != 1)}; {self.search_name} has "
                f"{n_rows}{budget}."
            )
