"""Several objectives at once: Pareto ranks, crowding and ParEGO's scalarizations.

A search with ``objectives`` compares candidates by a vector of values, one
per objective, oriented so that larger is better: the mean test score of a
metric (scikit-learn's "greater is better"), or minus the mean seconds of
``"fit_time"`` or ``"score_time"``. Candidate ``a`` *dominates* ``b`` when
it is at least as good on every objective and better on one. The rows no
other row dominates have Pareto rank 1 (the front); removing them, the
front of the rest has rank 2, and so on (non-dominated sorting, as in
NSGA-II, Deb et al. 2002). A row with a non-finite value (a failed fit)
is dominated by every other and has the last rank.

Everything here takes and returns plain arrays: the search computes the
objectives of its rows (:func:`objective_matrix`) while it runs, and of
``cv_results_`` (:func:`objective_columns`) when it publishes; plots read
the latter.
"""

import numpy as np
from scipy.stats import rankdata

#: Objectives that are measured rather than scored, and minimized.
TIMES = {"fit_time": "mean_fit_time", "score_time": "mean_score_time"}

#: Weight of the sum in ParEGO's augmented Chebyshev scalarization (Knowles
#: 2006): it breaks the ties of the max between weakly dominated points.
_RHO = 0.05


def check_objectives(objectives, metrics, refit):
    """Raise a ValueError unless ``objectives`` are valid names for a search.

    ``metrics`` are the scorer names of the search's ``scoring`` (None when a
    callable scoring will only tell them when it first scores).
    """
    if isinstance(objectives, str) or not all(isinstance(name, str) for name in objectives):
        raise ValueError(
            f"objectives must be a list of names (scorer names, 'fit_time', 'score_time'); got {objectives!r}."
        )
    objectives = list(objectives)
    if len(objectives) < 2:
        raise ValueError(
            f"objectives={objectives!r} names a single objective: give at least two, or leave "
            "objectives=None and choose the metric with refit."
        )
    twice = sorted({name for name in objectives if objectives.count(name) > 1})
    if twice:
        raise ValueError(f"objectives={objectives!r} names {twice} more than once: name each objective once.")
    if metrics is not None:
        unknown = [name for name in objectives if name not in metrics and name not in TIMES]
        if unknown:
            raise ValueError(
                f"objectives={objectives!r}: {unknown} is not a scorer name of scoring nor a time. "
                f"Valid names: the scorers {sorted(metrics)} and {sorted(TIMES)}."
            )
    if isinstance(refit, str) and refit not in objectives:
        raise ValueError(
            f"refit={refit!r} is not one of objectives={objectives!r}: with several objectives, "
            "refit is True (the front's best on the first objective), the name of an "
            "objective (the front's best on it), a callable, or False."
        )


def check_scored(objectives, metrics):
    """Raise a ValueError if a callable scoring did not score an objective
    (``metrics`` are the names it scored; None if it has not yet)."""
    if metrics is None:
        return
    unknown = [name for name in objectives if name not in metrics and name not in TIMES]
    if unknown:
        raise ValueError(
            f"objectives names {unknown}, which the callable scoring did not return; "
            f"it returned {sorted(metrics)}."
        )


def objective_matrix(rows, objectives, history=None):
    """The objectives of ``rows`` (``Row`` objects), larger is better.

    Returns an array of shape (n_rows, n_objectives): a metric's mean test
    score, or minus a time's mean over folds; NaN in every column of a row
    whose fit failed. Given the ``history`` (every row so far), a row's fit
    time adds up the candidate's rows with smaller budgets (models continued
    from rung to rung, see :func:`total_fit_times`).
    """
    if history is None:
        fit_times = [np.mean(row.fit_time) for row in rows]
    else:
        fit_times = total_fit_times(rows, history)
    values = np.full((len(rows), len(objectives)), np.nan)
    for i, row in enumerate(rows):
        if row.status != "ok":
            continue
        for j, name in enumerate(objectives):
            if name == "fit_time":
                values[i, j] = -fit_times[i]
            elif name == "score_time":
                values[i, j] = -np.mean(row.score_time)
            else:
                values[i, j] = row.mean_test_score(name)
    return values


def total_fit_times(rows, history):
    """Each row's mean over folds of the seconds its fold models trained up to
    its budget: its own fit time plus that of the candidate's rows of
    ``history`` with a smaller budget (Hyperband continues a model from rung
    to rung)."""
    totals = []
    for row in rows:
        earlier = [r.fit_time for r in history if r.candidate == row.candidate and r.resource < row.resource]
        totals.append(float(np.mean(np.sum([row.fit_time, *earlier], axis=0))))
    return totals


def objective_columns(results, objectives):
    """The objectives of every row of ``cv_results_``, larger is better.

    A metric is its ``mean_test_<name>`` column, a time minus its
    ``mean_<name>`` column (``mean_total_fit_time`` when the search published
    it); non-finite values become NaN.
    """
    columns = []
    for name in objectives:
        if name == "fit_time" and "mean_total_fit_time" in results:
            columns.append(-np.asarray(results["mean_total_fit_time"], dtype=float))
        elif name in TIMES:
            columns.append(-np.asarray(results[TIMES[name]], dtype=float))
        else:
            columns.append(np.ma.filled(np.ma.asarray(results[f"mean_test_{name}"], dtype=float), np.nan))
    values = np.column_stack(columns)
    values[~np.isfinite(values)] = np.nan
    return values


def dominates(values):
    """``D[i, j]``: whether row ``i`` of ``values`` dominates row ``j`` (NaN rows never do)."""
    values = np.where(np.isnan(values), -np.inf, values)
    at_least = (values[:, None, :] >= values[None, :, :]).all(axis=2)
    better = (values[:, None, :] > values[None, :, :]).any(axis=2)
    finite = np.isfinite(values).all(axis=1)
    return at_least & better & finite[:, None]


def pareto_ranks(values):
    """Non-domination rank of each row of ``values`` (n, k), larger is better.

    1 for the rows no other row dominates, 2 for those only rank-1 rows
    dominate, ...; rows with a NaN come last, after every finite one. Equal
    rows share their rank.
    """
    values = np.asarray(values, dtype=float)
    finite = ~np.isnan(values).any(axis=1)
    ranks = np.zeros(len(values), dtype=int)
    domination = dominates(values)
    dominated_by = domination.sum(axis=0)  # how many rows dominate each
    rank = 0
    left = finite.copy()
    while left.any():
        rank += 1
        front = left & (dominated_by == 0)
        ranks[front] = rank
        left &= ~front
        dominated_by -= domination[front].sum(axis=0)
    ranks[~finite] = rank + 1
    return ranks


def ranks_by_group(values, groups):
    """:func:`pareto_ranks` computed separately within each group (rows
    trained with the same budget are compared only with one another)."""
    ranks = np.zeros(len(values), dtype=int)
    groups = np.asarray(groups)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        ranks[rows] = pareto_ranks(values[rows])
    return ranks


def front_order(values, rows):
    """``rows`` ordered by their values, best first: by the first objective,
    ties by the second, and so on, then by index."""
    rows = np.asarray(rows, dtype=int)
    keys = [-values[rows, j] for j in reversed(range(values.shape[1]))]
    return rows[np.lexsort(keys)] if len(rows) else rows


def crowding_distances(values):
    """NSGA-II's crowding distance of each row of ``values`` (one front).

    The sum over objectives of the gap between a point's two neighbours along
    that objective, divided by the objective's range; the extremes of each
    objective get infinity, so they are kept first.
    """
    n, k = values.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(k):
        order = np.argsort(values[:, j], kind="stable")
        column = values[order, j]
        span = column[-1] - column[0]
        distance[order[[0, -1]]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def promotion_order(values):
    """Indices of the finite rows of ``values``, best first by NSGA-II's rule:
    lower non-domination rank first, and within a rank larger crowding
    distance first (ties by index)."""
    ranks = pareto_ranks(values)
    finite = np.flatnonzero(~np.isnan(values).any(axis=1))
    crowding = np.zeros(len(values))
    for rank in np.unique(ranks[finite]):
        members = np.flatnonzero(ranks == rank)
        crowding[members] = crowding_distances(values[members])
    return finite[np.lexsort((finite, -crowding[finite], ranks[finite]))]


def random_weights(rng, n, k):
    """``n`` weight vectors drawn uniformly on the simplex of ``k`` objectives."""
    return rng.dirichlet(np.ones(k), size=n)


def parego_scores(values, weights):
    """ParEGO's targets (Knowles 2006): one column per weight vector.

    Each objective is replaced by its rank among the finite rows, rescaled
    to [0, 1] (1 the best seen): ranks make the proposals, as the front
    already is, independent of the objectives' units (a count of
    parameters or its logarithm, seconds) and of a few outliers, where
    Knowles' min-max rescaling lets the largest values squeeze the others
    together. A row's score for weights ``w`` is minus the augmented
    Chebyshev distance to the ideal point, ``-(max_j w_j d_j + rho *
    sum_j w_j d_j)`` with ``d_j = 1 - rescaled_j``. Maximizing it for a
    random ``w``, one per proposal, aims at a random part of the front each
    time. Rows with a NaN stay NaN (the proposer treats them as the worst).
    """
    values = np.asarray(values, dtype=float)
    finite = ~np.isnan(values).any(axis=1)
    distance = np.full(values.shape, np.nan)
    ranks = rankdata(values[finite], axis=0)  # ties share their mean rank
    low, high = ranks.min(axis=0, initial=np.inf), ranks.max(axis=0, initial=-np.inf)
    distance[finite] = (high - ranks) / np.where(high > low, high - low, 1.0)  # 0 at the best seen, 1 at the worst
    weighted = distance[:, None, :] * weights[None, :, :]  # (n_rows, n_weights, k)
    return -(weighted.max(axis=2) + _RHO * weighted.sum(axis=2))


def hypervolume_2d(points, reference):
    """The area dominated by ``points`` (n, 2), both objectives minimized,
    and bounded by ``reference``: an exact sweep over the points sorted by
    the first objective. Points not better than ``reference`` on both add
    nothing."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    points = points[(points < np.asarray(reference)).all(axis=1)]
    area, best_second = 0.0, reference[1]
    for first, second in points[np.lexsort((points[:, 1], points[:, 0]))]:
        if second < best_second:
            area += (reference[0] - first) * (best_second - second)
            best_second = second
    return area
