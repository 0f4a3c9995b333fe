"""Which hyperparameters mattered in a search, and how the score moved with each."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._fanova import ForestANOVA
from ._rows import Rows


def forest_seed(random_state):
    """The forest's seed: importances and partial dependence with the same
    int ``random_state`` use the same forest."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _forest(rows, seed, what):
    """The forest over every parameter that takes more than one code (a
    value, or absent) in the rows, and their names."""
    codes = rows.encode(rows.names)
    varying = [j for j, column in enumerate(codes.T) if np.ptp(column) > 0]
    features = [rows.names[j] for j in varying]
    rows.check_enough(len(rows.scores), len(features), what)
    if not features:
        return None, features
    weights, pieces = rows.measure(features)
    return ForestANOVA(codes[:, varying], rows.scores, seed, weights, pieces), features


def hyperparameter_importances(search, *, metric=None, random_state=None, n_resources=None):
    """How much of the variation of a search's cross-validated score each
    hyperparameter explains on its own.

    The importance of a parameter is the share of the variance of the mean
    cross-validated score explained by its main effect, by functional
    ANOVA (Hutter, Hoos and Leyton-Brown, ICML 2014) on a surrogate fitted
    to ``cv_results_``: the variance, over the parameter's values, of the
    surrogate's score averaged over all the other parameters, divided by
    the surrogate's total variance, averaged over the trees of the forest,
    and normalised to sum to 1 over the parameters, as Optuna's
    ``get_param_importances`` does. What the main effects leave unexplained
    lies in interactions, which no parameter is credited with.

    Parameters
    ----------
    search : fitted search
        Any object with a scikit-learn ``cv_results_``: ``GridSearchCV``,
        ``RandomizedSearchCV``, ``HalvingGridSearchCV``,
        ``HalvingRandomSearchCV``, :class:`~skopt_lab.BayesSearchCV`,
        :class:`~skopt_lab.HyperbandSearchCV`. Its ``param_grid`` or
        ``param_distributions`` tells each parameter's scale; without one,
        the values seen in the rows are taken as a list.
    metric : str, default=None
        The scorer of a multi-metric search (reads ``mean_test_<metric>``).
        None reads ``mean_test_score``, or the metric named by ``refit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest: an int gives the same importances on every call.
    n_resources : int, default=None
        For a multi-fidelity search, the budget whose rows are analysed (a
        value of ``cv_results_["n_resources"]``); None takes the largest.

    Returns
    -------
    importances : dict
        Parameter name → importance in [0, 1], in decreasing order of
        importance; the values sum to 1 (or are all 0, with a warning, when
        every candidate scored the same).

    Raises
    ------
    ValueError
        When fewer candidates have a finite score than the surrogate needs
        (one more than the number of parameters, and at least 3), or the
        metric is unknown.

    See Also
    --------
    partial_dependence : How the score moves with one or two parameters.
    skopt_lab.plotting.plot_importances : The importances as a bar chart.

    Notes
    -----
    The surrogate is a random forest (64 fully grown regression trees on
    bootstrap samples, as in fANOVA and Optuna's ``FanovaImportanceEvaluator``)
    fitted to the search's rows. It is chosen over a Gaussian process
    because a tree is constant on boxes, so the integrals of functional
    ANOVA are exact finite sums over its leaves (no Monte-Carlo error, no
    cubic cost in the number of rows: 1,000 rows of 8 parameters take well
    under a second); because it needs no kernel for categorical
    parameters, optimizer objects included, and is unaffected by how
    numbers are scaled; and because the spread of its trees gives an
    uncertainty at no cost. It models the rows it is given: a region the
    search never visited is filled in by the nearest leaves.

    Each parameter is placed in [0, 1] so that its measure is the
    distribution the search drew it from: a scipy.stats distribution
    (``param_distributions``) by its value between the support's bounds,
    on a log scale for ``loguniform``, integers in cells of equal width;
    a list of numbers by rank, each value a cell of equal width (a
    geometric list, such as learning rates 1e-3, 1e-2, 1e-1, is therefore
    on a log scale); any other list (strings, ``None``, estimators or
    optimizers, compared by identity, else by ``repr``) as categories. A
    parameter with one value has importance 0.

    A parameter that exists only in some rows (a list of dicts in the
    search space, or nested keys such as ``optimizer__momentum`` that only
    some optimizers have) gets a code of its own, "absent", in the rows
    without it, so that one forest models every parameter. The averages
    of functional ANOVA are taken over the search's own distribution: a
    mixture of one product distribution per dict, weighted as the search
    draws them (equally for the randomized and Bayesian searches, by
    their number of points for a grid). A parameter's marginal at a value
    is then the mean score of the dicts that can draw that value: its
    importance is measured where it exists, as the variance of its
    marginal over its values there times the probability that it exists
    (by the law of total variance, the difference between rows with and
    without it belongs to the parameters that choose the dict, such as
    ``optimizer``), and its partial dependence is the score where it
    exists. A search with neither ``param_grid`` nor
    ``param_distributions`` is read as one dict per set of parameter names
    in its rows, weighted by their numbers of rows.

    Rows whose score is NaN or infinite (failed fits) are left out with a
    warning saying how many. For a multi-fidelity search
    (``HalvingGridSearchCV``, ``HalvingRandomSearchCV``,
    ``HyperbandSearchCV``) only the rows of one budget are comparable: by
    default those of the largest budget reached, with a warning saying how
    many rows that leaves out; ``n_resources`` picks another.

    Examples
    --------
    >>> from scipy.stats import loguniform, uniform
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import ElasticNet
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from skopt_lab.inspection import hyperparameter_importances
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = RandomizedSearchCV(
    ...     ElasticNet(),
    ...     {"alpha": loguniform(1e-4, 1e1), "l1_ratio": uniform(0, 1)},
    ...     n_iter=30, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> importances = hyperparameter_importances(search, random_state=0)
    >>> {name: round(value, 2) for name, value in importances.items()}
    {'alpha': 1.0, 'l1_ratio': 0.0}
    """
    return importances(Rows(search, metric, n_resources), forest_seed(random_state))


def importances(rows, seed):
    """:func:`hyperparameter_importances` of rows already read."""
    forest, features = _forest(rows, seed, "hyperparameter_importances")
    explained = {
        name: forest.variance_fractions(features.index(name)) if name in features else 0.0 for name in rows.names
    }
    total = sum(explained.values())
    if total <= 0:
        warnings.warn(
            f"No parameter explains any of the variance of the {rows.metric} of the {len(rows.scores)} "
            "candidates (they all score the same, as the surrogate sees them, or no parameter varies): "
            "every importance is 0.",
            UserWarning,
            stacklevel=3,
        )
        total = 1.0
    order = sorted(explained, key=lambda name: (-explained[name], rows.names.index(name)))
    return {name: float(explained[name] / total) for name in order}


def partial_dependence(search, params, *, metric=None, grid_resolution=20, random_state=None, n_resources=None):
    """How a search's cross-validated score depends on one or two
    hyperparameters, the others averaged out.

    The partial dependence on a parameter is the surrogate's score at each
    of its values, averaged over the distribution the search drew every
    other parameter from (the marginal of functional ANOVA, Hutter et al.
    2014; the curve of scikit-optimize's ``plot_objective``). The forest's
    trees each give such a curve: ``average`` is their mean and ``std``
    their standard deviation, the surrogate's own uncertainty.

    Parameters
    ----------
    search : fitted search
        Any object with a scikit-learn ``cv_results_``, as for
        :func:`hyperparameter_importances`.
    params : str or sequence of one or two str
        The parameter, or the pair of parameters, as named in
        ``cv_results_["params"]``.
    metric : str, default=None
        The scorer of a multi-metric search; None as for
        :func:`hyperparameter_importances`.
    grid_resolution : int, default=20
        Number of grid values of a numeric parameter, evenly spaced on its
        scale (log or linear) between its bounds; a list of values gives
        its values (at most ``grid_resolution`` of them), categories give
        every category.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest; the same int as for
        :func:`hyperparameter_importances` gives the same forest.
    n_resources : int, default=None
        For a multi-fidelity search, the budget whose rows are analysed;
        None takes the largest.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With keys:

        - ``params``: list of the one or two parameter names;
        - ``grid_values``: list with, per parameter, the array of its grid
          values (an object array for categories);
        - ``average``: the mean over trees of the averaged score, of shape
          ``(n_values,)`` for one parameter or ``(n_values_0, n_values_1)``
          for a pair (``average[i, j]`` at ``grid_values[0][i]``,
          ``grid_values[1][j]``), NaN where no dict of the search space
          draws that value or pair;
        - ``std``: the standard deviation over trees, of the same shape;
        - ``scales``: per parameter, ``"log"``, ``"linear"`` or
          ``"categorical"``, how its values are spaced in the analysis
          (and how to draw them);
        - ``candidate_values``: per parameter, its value in each evaluated
          candidate used (an object array for categories);
        - ``candidate_scores``: those candidates' mean test scores;
        - ``metric``: the name of the score;
        - ``n_resources``: the budget of the rows used (None for a search
          that has none);
        - ``n_rows``: the number of rows used.

    Raises
    ------
    ValueError
        For an unknown parameter or metric, more than two parameters, two
        parameters that never appear in the same row, or fewer rows than
        the surrogate needs.

    See Also
    --------
    hyperparameter_importances : Which parameters matter most.
    skopt_lab.plotting.plot_partial_dependence : The curves and contours.

    Notes
    -----
    The surrogate is the forest of :func:`hyperparameter_importances`,
    over every parameter. A parameter that exists only in some dicts of
    the search space is averaged over those dicts: its curve is the score
    where it exists, and its candidates are the rows that have it. Values
    that no dict can draw together (a pair of parameters of two different
    optimizers, say) have a NaN average. How parameters are scaled, and
    which rows are left out, is described in
    :func:`hyperparameter_importances`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from skopt_lab.inspection import partial_dependence
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = RandomizedSearchCV(
    ...     Ridge(), {"alpha": loguniform(1e-3, 1e3)}, n_iter=20, cv=3, random_state=0
    ... ).fit(X, y)
    >>> result = partial_dependence(search, "alpha", grid_resolution=4, random_state=0)
    >>> result.scales, [float(v) for v in result.grid_values[0]]
    (['log'], [0.001, 0.1, 10.0, 1000.0])
    >>> bool(result.average[0] > result.average[-1])  # too much regularisation hurts
    True
    """
    names = [params] if isinstance(params, str) else list(params)
    if not 1 <= len(names) <= 2 or not all(isinstance(name, str) for name in names) or len(set(names)) < len(names):
        raise ValueError(f"params must be one parameter name or a pair of different names; got {params!r}.")
    if isinstance(grid_resolution, bool) or not isinstance(grid_resolution, Integral) or grid_resolution < 2:
        raise ValueError(f"grid_resolution must be an integer >= 2, got {grid_resolution!r}.")
    return dependence(Rows(search, metric, n_resources), names, grid_resolution, forest_seed(random_state))


def dependence(rows, names, grid_resolution, seed):
    """:func:`partial_dependence` of rows already read, on checked arguments."""
    unknown = [name for name in names if name not in rows.parameters]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a parameter of this search; its parameters: {rows.names}.")
    mask = np.logical_and.reduce([rows.present(name) for name in names])
    if not mask.any():
        raise ValueError(f"{names[0]!r} and {names[1]!r} never appear in the same row: no joint dependence.")
    forest, features = _forest(rows, seed, "partial_dependence")
    if forest is None:
        raise ValueError(f"No parameter of this {rows.search_name} takes more than one value: the score "
                         "depends on none of them.")

    parameters = [rows.parameters[name] for name in names]
    grids = [parameter.grid(grid_resolution) for parameter in parameters]
    if len(names) == 1:
        per_tree = _marginal(forest, features, names[0], grids[0][1]).T
    else:
        per_tree = _joint_marginal(forest, features, names, grids[0][1], grids[1][1])
    used = [row for row, kept in zip(rows.params, mask) if kept]
    return Bunch(
        params=names,
        grid_values=[values for values, _ in grids],
        average=per_tree.mean(axis=0),
        std=per_tree.std(axis=0),
        scales=[parameter.scale for parameter in parameters],
        candidate_values=[_as_array([row[name] for row in used], parameter) for name, parameter in
                          zip(names, parameters)],
        candidate_scores=rows.scores[mask],
        metric=rows.metric,
        n_resources=rows.n_resources,
        n_rows=int(mask.sum()),
    )


def _marginal(forest, features, name, codes):
    """(len(codes), n_trees): the marginal of ``name``, flat at each tree's
    mean when the surrogate does not depend on it (it took one value)."""
    if name not in features:
        return np.broadcast_to(forest.mean, (len(codes), forest.n_trees))
    return forest.marginal(features.index(name), codes)


def _joint_marginal(forest, features, names, codes_0, codes_1):
    """(n_trees, len(codes_0), len(codes_1)): the joint marginal of a pair.
    When the surrogate depends on at most one of them, it is that one's
    marginal (f_jk = f_j + f_k - f0 with f_k = f0)."""
    if all(name in features for name in names):
        return forest.joint_marginal(features.index(names[0]), features.index(names[1]), codes_0, codes_1)
    first = _marginal(forest, features, names[0], codes_0).T[:, :, None]
    second = _marginal(forest, features, names[1], codes_1).T[:, None, :]
    return first + second - forest.mean[:, None, None]


def _as_array(values, parameter):
    if parameter.scale != "categorical":
        return np.asarray(values, dtype=float)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
