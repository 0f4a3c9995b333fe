"""Figures of training and tuning: loss curves, search progress, Pareto fronts,
schedules, hyperparameter importances and partial dependence.

Needs matplotlib (``pip install 'skopt_lab[plot]'``); importing this module
does not, only calling its functions. Every function builds a
:class:`matplotlib.figure.Figure` with the object-oriented API (no pyplot
state, so no GUI backend is involved), or draws into the Axes given as
``ax``, and returns the figure; :func:`save_figure` writes it as a PNG.

Default labels name the optimizer by its class and the constructor arguments
that differ from their defaults, in constructor order, with
``learning_rate`` written ``lr`` and floats rounded to 4 significant digits:
``Adam(learning_rate=0.01, schedule=StepDecay(step_size=5))`` becomes
``Adam(lr=0.01, schedule=StepDecay(step_size=5))`` and ``Adam()`` becomes
``Adam``. Equal labels in one figure get a suffix ``#1``, ``#2``, ...

Each curve has its own color and marker (and, past ten curves, its own
line style), so that curves lying on top of each other stay visible. In a
new figure the legend is below the plot, so that long labels never hide a
curve (``fig.legends[0]``); in Axes passed as ``ax`` it is the Axes' own
legend, at matplotlib's best place.
"""

import inspect
from collections import Counter
from numbers import Integral, Real
from pathlib import Path

import numpy as np

__all__ = [
    "plot_importances",
    "plot_learning_rates",
    "plot_loss_curves",
    "plot_lr_find",
    "plot_pareto_front",
    "plot_partial_dependence",
    "plot_schedule",
    "plot_search_progress",
    "save_figure",
]

_ABBREVIATIONS = {"learning_rate": "lr"}
_MARKERS = "osD^v<>ph*"
_LINESTYLES = ("-", "--", "-.", ":")
_BASELINE_STYLES = (("black", "--"), ("dimgray", ":"), ("gray", "-."))


# ----------------------------------------------------------------- plumbing
def _matplotlib_figure():
    """The Figure class, or an ImportError saying how to install matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("skopt_lab.plotting needs matplotlib: pip install 'skopt_lab[plot]'") from exc
    return Figure


def _new_axes(n_rows=1, height=4.0):
    """A fresh figure with ``n_rows`` stacked Axes sharing the x axis."""
    Figure = _matplotlib_figure()
    fig = Figure(figsize=(7.0, height), layout="constrained")
    axes = fig.subplots(n_rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, list(axes)


def _figure_and_axes(ax):
    """(figure, Axes, whether the figure is ours): a new figure when ``ax`` is None."""
    if ax is None:
        fig, axes = _new_axes()
        return fig, axes[0], True
    return _root_figure(ax), ax, False


def _add_legend(ax, own_figure, **kwargs):
    """The legend of ``ax``: below the plot in a figure of ours, so that long
    labels never hide a curve; at matplotlib's best place in the caller's Axes."""
    if not own_figure:
        return ax.legend(**kwargs)
    handles, labels = ax.get_legend_handles_labels()
    ncols = 1 if max(len(label) for label in labels) > 30 else min(len(labels), 3)
    return ax.figure.legend(handles, labels, loc="outside lower center", ncols=ncols, **kwargs)


def _root_figure(ax):
    figure = ax.figure
    while getattr(figure, "figure", figure) is not figure:  # a SubFigure's root
        figure = figure.figure
    return figure


def _labelled(objects, labels, default_label, what):
    """``[(label, object), ...]`` from a list, a dict label → object, or one object.

    Missing labels come from ``default_label(object)``; equal labels are made
    distinct with ``#1``, ``#2``, ... suffixes.
    """
    if isinstance(objects, dict):
        if labels is not None:
            raise ValueError(f"Pass the {what} as a dict label → object or give labels, not both.")
        labels, objects = [str(label) for label in objects], list(objects.values())
    elif isinstance(objects, (list, tuple)):
        objects = list(objects)
    else:
        objects = [objects]
    if not objects:
        raise ValueError(f"Nothing to plot: the list of {what} is empty.")
    if labels is None:
        labels = [default_label(obj) for obj in objects]
    else:
        labels = [str(label) for label in labels]
        if len(labels) != len(objects):
            raise ValueError(f"Got {len(labels)} labels for {len(objects)} {what}: give one label per item.")
    counts, seen = Counter(labels), Counter()
    unique = []
    for label in labels:
        if counts[label] > 1:
            seen[label] += 1
            label = f"{label} #{seen[label]}"
        unique.append(label)
    return list(zip(unique, objects))


def _format_value(value):
    if callable(getattr(value, "get_params", None)):
        return _short_repr(value, bare=False)
    if isinstance(value, Real) and not isinstance(value, (bool, Integral)):
        return f"{value:.4g}"
    return repr(value)


def _short_repr(obj, bare=True):
    """``ClassName(arg=value, ...)`` with only the arguments changed from
    their defaults; just ``ClassName`` for an all-default object when ``bare``."""
    name = type(obj).__name__
    try:
        signature = inspect.signature(type(obj).__init__)
        params = obj.get_params(deep=False)
    except (AttributeError, TypeError, ValueError):
        return name
    changed = []
    for key, parameter in signature.parameters.items():
        if key == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        value = params.get(key, parameter.default)
        if parameter.default is parameter.empty or repr(value) != repr(parameter.default):
            changed.append(f"{_ABBREVIATIONS.get(key, key)}={_format_value(value)}")
    if not changed and bare:
        return name
    return f"{name}({', '.join(changed)})"


def _last_step(estimator):
    from sklearn.pipeline import Pipeline

    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _optimizer_label(estimator):
    """Default label of a fitted estimator: its optimizer, else its class."""
    estimator = _last_step(estimator)
    optimizer = getattr(estimator, "optimizer_", None)
    return _short_repr(optimizer) if optimizer is not None else type(estimator).__name__


def _epochs(values):
    return np.arange(1, len(values) + 1)


def _style(i, n_points):
    """Color, marker and line style of the ``i``-th curve: ten colors and
    markers, then the next line style. About ten markers per curve."""
    from matplotlib import colormaps

    return {
        "color": colormaps["tab10"](i % 10),
        "marker": _MARKERS[i % len(_MARKERS)],
        "linestyle": _LINESTYLES[(i // 10) % len(_LINESTYLES)],
        "markevery": max(1, n_points // 10),
        "markersize": 4,
    }


def _counts_iterations(estimator):
    """Whether one entry of ``loss_curve_`` is an iteration of a whole-problem
    minimizer (L-BFGS) rather than an epoch."""
    optimizer = getattr(estimator, "optimizer_", None)
    return callable(getattr(optimizer, "minimize", None))


def _per_item(values, items, what):
    """One entry of ``values`` (None, a list aligned with ``items`` or a dict
    keyed by their labels) per item."""
    if values is None:
        return [None] * len(items)
    if isinstance(values, dict):
        unknown = set(values) - {label for label, _ in items}
        if unknown:
            raise ValueError(f"{what} has labels that name no curve: {sorted(unknown)}.")
        return [values.get(label) for label, _ in items]
    values = list(values)
    if len(values) != len(items):
        raise ValueError(f"Got {len(values)} {what} for {len(items)} estimators: give one per estimator.")
    return values


# ------------------------------------------------------------- loss curves
def plot_loss_curves(
    estimators,
    labels=None,
    *,
    validation=True,
    validation_curves=None,
    validation_label=None,
    baselines=None,
    title=None,
    ax=None,
):
    """Plot the training loss per epoch of fitted estimators, and how they
    did on validation data.

    The losses share one Axes (epoch on x, a log scale on y when every
    finite loss is positive; L-BFGS counts iterations, which the x label
    says). When ``validation`` is true, each estimator's validation curve —
    from ``validation_curves``, or its ``validation_scores_`` when fitted
    with ``early_stopping=True`` — goes to a second panel below, sharing the
    x axis, in the color and marker of its loss curve; when a few values lie
    far from the others (more than three interquartile ranges beyond the
    quartiles, such as a first epoch's wild step), that panel's y axis
    keeps to the others. ``baselines`` are horizontal reference lines on
    that panel.

    Parameters
    ----------
    estimators : estimator, list of estimators or dict
        Fitted estimators with a ``loss_curve_`` (those of skopt_lab, or
        scikit-learn's MLPs), or Pipelines ending in one. A dict maps labels
        to estimators.
    labels : list of str, default=None
        One legend label per estimator. None names each by its optimizer
        (e.g. ``Adam(lr=0.01)``, see the module docstring), or by its class
        when it has no ``optimizer_``; equal labels get ``#1``, ``#2``, ...
    validation : bool, default=True
        Whether to plot validation curves.
    validation_curves : list or dict of sequences of float, default=None
        Validation values per epoch, one sequence per estimator (None for
        one without), in the order of ``estimators`` or as a dict keyed by
        label: for example the validation loss recorded after each epoch by a
        callback on held-out data. None uses ``validation_scores_``.
    validation_label : str, default=None
        The y label of the validation panel; None says "validation score".
    baselines : dict of str to float, default=None
        Reference values on the validation panel, such as the score of a
        model used as it is; each is a labelled horizontal line.
    title : str, default=None
        The title; None says what is plotted.
    ax : matplotlib Axes or pair of Axes, default=None
        Where to draw. None makes a new figure. With one Axes the validation
        curves, if any, are dashed lines on a twin y axis at the right; with
        two, they go to the second.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skopt_lab import LinearClassifier
    >>> from skopt_lab.optimizers import SGD, Adam
    >>> from skopt_lab.plotting import plot_loss_curves
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> models = [
    ...     LinearClassifier(opt, max_iter=5, tol=None, random_state=0).fit(X, y)
    ...     for opt in (SGD(learning_rate=0.1), Adam(learning_rate=0.01))
    ... ]
    >>> fig = plot_loss_curves(models, baselines={"chance": 0.5})
    >>> [text.get_text() for text in fig.legends[0].get_texts()]
    ['SGD(lr=0.1)', 'Adam(lr=0.01)', 'chance']
    """
    from sklearn.utils.validation import check_is_fitted

    _matplotlib_figure()
    items = _labelled(estimators, labels, _optimizer_label, "estimators")
    given = _per_item(validation_curves, items, "validation_curves")
    curves = []
    for (label, estimator), curve in zip(items, given):
        estimator = _last_step(estimator)
        check_is_fitted(estimator)
        if getattr(estimator, "loss_curve_", None) is None:
            raise TypeError(
                f"{type(estimator).__name__} has no loss_curve_: plot_loss_curves needs "
                "estimators trained epoch by epoch, such as skopt_lab's LinearClassifier "
                "or MLPClassifier."
            )
        if curve is None:
            curve = getattr(estimator, "validation_scores_", None)
        scores = np.asarray(curve, dtype=float) if validation and curve is not None else None
        curves.append((label, np.asarray(estimator.loss_curve_, dtype=float), scores, _counts_iterations(estimator)))
    baselines = dict(baselines or {})
    has_validation = any(scores is not None for _, _, scores, _ in curves) or bool(baselines)

    twin, own_figure = False, ax is None  # twin: validation curves on a twin y axis
    if own_figure:
        fig, axes = _new_axes(2 if has_validation else 1, 6.5 if has_validation else 4.0)
        loss_ax, val_ax = axes[0], axes[-1]
    elif isinstance(ax, (list, tuple, np.ndarray)):
        loss_ax, val_ax = ax
        fig = _root_figure(loss_ax)
    else:
        loss_ax, fig, twin = ax, _root_figure(ax), has_validation
        val_ax = ax.twinx() if twin else None

    for i, (label, losses, scores, _) in enumerate(curves):
        style = _style(i, len(losses))
        loss_ax.plot(_epochs(losses), losses, label=label, **style)
        if scores is not None:
            val_ax.plot(_epochs(scores), scores, **{**style, "linestyle": "--" if twin else style["linestyle"]})
    for (label, value), (color, linestyle) in zip(baselines.items(), _BASELINE_STYLES * len(baselines)):
        val_ax.axhline(value, color=color, linestyle=linestyle, linewidth=1.5, label=label)
    if has_validation:
        values = [scores for _, _, scores, _ in curves if scores is not None] + [list(baselines.values())]
        limits = _robust_limits(np.concatenate(values))
        if limits is not None:
            val_ax.set_ylim(*limits)
    finite = np.concatenate([losses for _, losses, _, _ in curves])
    finite = finite[np.isfinite(finite)]
    if finite.size and (finite > 0).all():
        loss_ax.set_yscale("log")
    loss_ax.set_title(title or ("Training loss" + (" and validation" if has_validation else "") + " per epoch"))
    loss_ax.set_ylabel("training loss")
    loss_ax.grid(True, alpha=0.3)
    if own_figure:  # one legend for both panels: baselines live on the validation one
        handles, texts = loss_ax.get_legend_handles_labels()
        if has_validation:
            more = val_ax.get_legend_handles_labels()
            handles, texts = handles + more[0], texts + more[1]
        ncols = 1 if max(len(text) for text in texts) > 30 else min(len(texts), 4)
        fig.legend(handles, texts, loc="outside lower center", ncols=ncols)
    else:
        loss_ax.legend()
        if baselines:
            val_ax.legend(loc="lower right" if twin else "best")
    validation_label = validation_label or "validation score"
    if twin:
        val_ax.set_ylabel(f"{validation_label} (dashed)")
    elif has_validation:
        val_ax.set_ylabel(validation_label)
        val_ax.grid(True, alpha=0.3)
    xlabel = _x_label([label for label, *_, iterations in curves if iterations], len(curves))
    if not (own_figure and has_validation):  # not above the validation panel
        loss_ax.set_xlabel(xlabel)
    if has_validation and not twin:
        val_ax.set_xlabel(xlabel)
    return fig


def _robust_limits(values):
    """Axis limits that keep the bulk of ``values`` readable when a few lie
    more than three interquartile ranges beyond the quartiles (a first
    epoch's wild step), else None."""
    values = values[np.isfinite(values)]
    if values.size < 8:
        return None
    q1, q3 = np.percentile(values, [25, 75])
    low, high = q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)
    if q3 == q1 or (values.min() >= low and values.max() <= high):
        return None
    low, high = max(values.min(), low), min(values.max(), high)
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def _x_label(iteration_labels, n_curves):
    """"epoch", "iteration", or "epoch (L-BFGS: iteration)" for a mix."""
    if not iteration_labels:
        return "epoch"
    if len(iteration_labels) == n_curves:
        return "iteration"
    return f"epoch ({', '.join(iteration_labels)}: iteration)"


# ---------------------------------------------------------- search progress
def _search_scores(search, metric):
    """The mean test scores of ``search`` in evaluation order (last
    iteration only for successive-halving searches) and the metric's name."""
    from .inspection._rows import score_column

    key, name = score_column(search, metric)
    scores = np.ma.filled(np.ma.asarray(search.cv_results_[key], dtype=float), np.nan)
    if "iter" in search.cv_results_:  # successive halving: earlier iterations used fewer resources
        iterations = np.asarray(search.cv_results_["iter"])
        scores = scores[iterations == iterations.max()]
    return scores, name


def _low_outliers(scores):
    """The lower y limit that keeps the bulk of ``scores`` readable: three
    interquartile ranges below the first quartile when some score is lower
    than that (a diverged candidate), else None."""
    if scores.size < 4:
        return None
    q1, q3 = np.percentile(scores, [25, 75])
    limit = q1 - 3 * (q3 - q1)
    if q3 == q1 or scores.min() >= limit:
        return None
    return limit


def plot_search_progress(searches, labels=None, *, metric=None, title=None, ax=None):
    """Plot the best cross-validated score found so far against the number
    of candidates evaluated, for one or several fitted searches.

    Each search is a step line of the running best (candidates whose fit
    failed, with a NaN score, are skipped; the line starts at the first
    finite score) over dots of every candidate's own score, in evaluation
    order, numbered from 1. For the successive-halving searches, whose
    earlier iterations score candidates on fewer resources, only the last
    iteration's candidates are plotted. The y label names the scoring (the
    search's ``scoring``, or the estimator's own score). A candidate scoring
    far below the others (more than three interquartile ranges below the
    first quartile) would flatten the rest: the y axis stops above it and it
    is drawn as a triangle on the lower edge, with a note of its score.

    Parameters
    ----------
    searches : search, list of searches or dict
        Fitted ``GridSearchCV``, ``RandomizedSearchCV``, ``BayesSearchCV``,
        ``HalvingGridSearchCV``, ``HalvingRandomSearchCV``, or any object
        with a ``cv_results_`` of the same form. A dict maps labels to
        searches.
    labels : list of str, default=None
        One legend label per search; None uses the class names (equal ones
        get ``#1``, ``#2``, ...).
    metric : str, default=None
        Scorer name for multi-metric searches (plots ``mean_test_<metric>``).
        None plots ``mean_test_score``, or the metric named by ``refit``.
    title : str, default=None
        The title; None says "Search progress".
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skopt_lab import LinearClassifier
    >>> from skopt_lab.plotting import plot_search_progress
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> search = GridSearchCV(
    ...     LinearClassifier("sgd", max_iter=5, tol=None, random_state=0),
    ...     {"optimizer__learning_rate": [0.001, 0.01, 0.1]}, cv=3,
    ... ).fit(X, y)
    >>> fig = plot_search_progress([search])
    >>> line = fig.axes[0].get_lines()[0]
    >>> line.get_label(), line.get_xdata().tolist()
    ('GridSearchCV', [1, 2, 3])
    """
    from sklearn.utils.validation import check_is_fitted

    _matplotlib_figure()
    items = _labelled(searches, labels, lambda search: type(search).__name__, "searches")
    progress = []
    for label, search in items:
        check_is_fitted(search, "cv_results_")
        scores, name = _search_scores(search, metric)
        progress.append((label, scores, name))

    fig, ax, own_figure = _figure_and_axes(ax)
    every = np.concatenate([scores for _, scores, _ in progress])
    every = every[np.isfinite(every)]
    limit = _low_outliers(every)
    if limit is not None:
        top = every.max()
        bottom = limit - 0.05 * (top - limit)
    for label, scores, _ in progress:
        evaluation = _epochs(scores)
        (line,) = ax.plot(evaluation, np.fmax.accumulate(scores), drawstyle="steps-post", label=label)
        shown = scores if limit is None else np.where(scores < bottom, np.nan, scores)
        ax.scatter(evaluation, shown, s=12, color=line.get_color(), alpha=0.4)
        if limit is not None and (scores < bottom).any():
            low = scores < bottom
            ax.scatter(evaluation[low], np.full(low.sum(), bottom), marker="v", s=30, color=line.get_color(),
                       clip_on=False, zorder=3)
            for x, value in zip(evaluation[low], scores[low]):
                ax.annotate(f"{value:.3g}", (x, bottom), xytext=(3, 3), textcoords="offset points", fontsize="small")
    if limit is not None:
        ax.set_ylim(bottom, top + 0.05 * (top - limit))
    names = sorted({name for _, _, name in progress})
    ax.set_title(title or "Search progress")
    ax.set_xlabel("candidates evaluated")
    ax.set_ylabel(f"best cross-validated {' / '.join(names)} so far")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure, title="line: best so far, dots: each candidate", title_fontsize="small")
    return fig


# ------------------------------------------------------------ Pareto front
def _pareto_objectives(search, objectives):
    """The two objectives to plot: ``objectives``, else the search's own."""
    if objectives is None:
        objectives = getattr(search, "objectives", None)
        if objectives is None:
            raise ValueError(
                f"{type(search).__name__} was not fitted with objectives: name the two to plot, "
                "objectives=[<scorer name or 'fit_time' or 'score_time'>, ...]."
            )
    objectives = [objectives] if isinstance(objectives, str) else list(objectives)
    if len(objectives) != 2 or objectives[0] == objectives[1]:
        raise ValueError(f"plot_pareto_front draws two different objectives; got objectives={objectives!r}.")
    results = search.cv_results_
    from .model_selection._pareto import TIMES

    for name in objectives:
        if name not in TIMES and f"mean_test_{name}" not in results:
            available = sorted(k[len("mean_test_"):] for k in results if k.startswith("mean_test_"))
            raise ValueError(
                f"{name!r} is neither a metric of {type(search).__name__}'s cv_results_ ({available}) "
                f"nor one of {sorted(TIMES)}."
            )
    return objectives


def _axis(search, name):
    """(sign, label) of an objective's axis: the displayed value is ``sign``
    times its larger-is-better value (a time or a parameter count is shown
    as a positive number)."""
    from .metrics import n_parameters_scorer

    if name == "fit_time":
        total = "mean_total_fit_time" in search.cv_results_
        return -1.0, "fit time up to the budget (s)" if total else "fit time (s)"
    if name == "score_time":
        return -1.0, "score time (s)"
    scorers = getattr(search, "scorer_", None)
    if isinstance(scorers, dict) and scorers.get(name) is n_parameters_scorer:
        return -1.0, "trainable parameters"
    return 1.0, f"cross-validated {name}"


def _staircase(points, goodness):
    """The vertices of the front's step line: between two neighbours (sorted
    along x) the corner takes, on each axis, the value of the one that is
    worse there, so the line bounds the region the front dominates."""
    order = np.argsort(points[:, 0], kind="stable")
    points, goodness = points[order], goodness[order]
    vertices = [points[0]]
    for i in range(1, len(points)):
        pair = (i - 1, i)
        worse_x = pair[int(np.argmin(goodness[list(pair), 0]))]
        worse_y = pair[int(np.argmin(goodness[list(pair), 1]))]
        vertices += [(points[worse_x, 0], points[worse_y, 1]), points[i]]
    return np.array(vertices)


def plot_pareto_front(search, objectives=None, ax=None):
    """Plot every candidate of a search on two objectives, its Pareto front
    as a step line, and the candidate chosen for the refit.

    A candidate is on the front when no other is at least as good on both
    objectives and better on one. The step line joins the front's members
    through the corners of the region they dominate; the refit choice
    (``best_index_``) is a star. Times (``"fit_time"``, ``"score_time"``)
    and :func:`skopt_lab.metrics.n_parameters_scorer` are shown as positive
    numbers (seconds, parameters; smaller is better), other metrics as
    scored (greater is better). For :class:`~skopt_lab.HyperbandSearchCV`
    the front is that of the rows trained with the largest budget, as its
    ``pareto_front_``; rows of smaller budgets are grey dots. Candidates
    whose score is not finite (failed fits) are not drawn.

    Parameters
    ----------
    search : fitted search
        ``BayesSearchCV`` or ``HyperbandSearchCV`` fitted with
        ``objectives``, or any search whose ``cv_results_`` has the metrics
        named by ``objectives`` (``RandomizedSearchCV`` with multi-metric
        ``scoring``, for example).
    objectives : list of two str, default=None
        The objectives on the x and y axes: scorer names, ``"fit_time"`` or
        ``"score_time"``. None takes the search's ``objectives``, which must
        then be two.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skopt_lab import BayesSearchCV, MLPClassifier
    >>> from skopt_lab.metrics import n_parameters_scorer
    >>> from skopt_lab.plotting import plot_pareto_front
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     MLPClassifier(max_iter=5, tol=None, random_state=0),
    ...     {"hidden_layer_sizes": [(2,), (5,), (10,)]},
    ...     scoring={"accuracy": "accuracy", "size": n_parameters_scorer},
    ...     objectives=["accuracy", "size"], n_iter=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_pareto_front(search).axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('cross-validated accuracy', 'trainable parameters')
    """
    from sklearn.utils.validation import check_is_fitted

    from .model_selection._pareto import objective_columns, pareto_ranks

    _matplotlib_figure()
    check_is_fitted(search, "cv_results_")
    objectives = _pareto_objectives(search, objectives)
    results = search.cv_results_
    goodness = objective_columns(results, objectives)
    (sign_x, label_x), (sign_y, label_y) = (_axis(search, name) for name in objectives)
    shown = goodness * [sign_x, sign_y]
    drawn = ~np.isnan(goodness).any(axis=1)
    top = np.ones(len(goodness), dtype=bool)
    if "n_resources" in results:
        budgets = np.asarray(results["n_resources"])
        top = budgets == budgets.max()
    if list(objectives) == list(getattr(search, "objectives", None) or []) and hasattr(search, "pareto_front_"):
        front = np.asarray(search.pareto_front_)
    else:
        rows = np.flatnonzero(top & drawn)
        front = rows[pareto_ranks(goodness[rows]) == 1]

    fig, ax, own_figure = _figure_and_axes(ax)
    if (drawn & ~top).any():
        lower = drawn & ~top
        ax.scatter(*shown[lower].T, s=10, color="lightgray", label="smaller budgets")
    ax.scatter(*shown[drawn & top].T, s=16, color="tab:blue", alpha=0.6, label="candidates")
    if len(front):
        ax.plot(*_staircase(shown[front], goodness[front]).T, color="tab:red", label="Pareto front")
        ax.scatter(*shown[front].T, s=30, color="tab:red", zorder=3)
    best = getattr(search, "best_index_", None)
    if best is not None:
        ax.scatter(*shown[best], s=200, marker="*", color="gold", edgecolor="black", zorder=4,
                   label="refit choice")
    for column, label, set_scale, axis in ((0, label_x, ax.set_xscale, ax.xaxis), (1, label_y, ax.set_yscale, ax.yaxis)):
        counts = shown[drawn, column]  # sizes spanning decades read better on a log scale
        if label == "trainable parameters" and counts.size and 0 < 10 * counts.min() < counts.max():
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

            set_scale("log")
            axis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(label_x)
    ax.set_ylabel(label_y)
    ax.set_title("Pareto front")
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure)
    return fig


# ---------------------------------------------------------------- schedules
def _is_schedule(obj):
    return all(callable(getattr(obj, name, None)) for name in ("init", "multiplier", "end_epoch", "curve"))


def _learning_rates(obj, n_epochs):
    """(values per epoch, whether they are learning rates rather than multipliers)."""
    if _is_schedule(obj):
        return np.asarray(obj.curve(n_epochs), dtype=float), False
    learning_rate = getattr(obj, "learning_rate", None)
    if not isinstance(learning_rate, Real) or not callable(getattr(obj, "step", None)):
        raise TypeError(
            "plot_schedule needs schedules (e.g. StepDecay()) or optimizers with a "
            f"learning_rate (e.g. Adam(schedule=StepDecay())); got {obj!r}."
        )
    schedule = getattr(obj, "schedule", None)
    multipliers = np.ones(n_epochs) if schedule is None else np.asarray(schedule.curve(n_epochs), dtype=float)
    return learning_rate * multipliers, True


def plot_lr_find(results, *, title=None, ax=None):
    """Plot learning-rate range tests: each smoothed loss against the
    learning rate (log scale), its suggestion marked.

    Parameters
    ----------
    results : LRFinderResult or list of them
        What :func:`skopt_lab.lr_find` returned, labelled by optimizer.
    title : str, default=None
        The figure's title; "Learning-rate range test" by default.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skopt_lab import LinearClassifier, lr_find
    >>> from skopt_lab.plotting import plot_lr_find
    >>> X, y = load_iris(return_X_y=True)
    >>> results = [lr_find(LinearClassifier(optimizer=name), scale(X), y, n_steps=30, random_state=0)
    ...            for name in ("sgd", "adam")]
    >>> [line.get_label() for line in plot_lr_find(results).axes[0].get_lines()[::2]]
    ['SGD 1', 'Adam 1']
    """
    _matplotlib_figure()
    results = [results] if hasattr(results, "suggestion") else list(results)
    fig, ax, own_figure = _figure_and_axes(ax)
    for i, result in enumerate(results):
        label = f"{result.label} {result.suggestion:.2g}"
        line = ax.plot(result.learning_rates, result.losses, _LINESTYLES[i // 10 % len(_LINESTYLES)], label=label)[0]
        at = np.interp(np.log(result.suggestion), np.log(result.learning_rates), result.losses)
        ax.plot([result.suggestion], [at], "o", color=line.get_color(), label="_suggestion")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (the dots, and the legend: the suggested rates)")
    ax.set_ylabel("training loss, smoothed")
    low = min(float(np.min(result.losses)) for result in results)
    high = max(float(result.losses[0]) for result in results)
    if np.isfinite(high) and high > low:  # the divergences at the end would squash the curves
        ax.set_ylim(low - 0.05 * (high - low), high + 0.3 * (high - low))
    ax.set_title(title or "Learning-rate range test")
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure)
    return fig


def plot_schedule(schedule_or_optimizer, n_epochs, *, ax=None):
    """Plot the learning rate of each epoch under one or several schedules.

    Parameters
    ----------
    schedule_or_optimizer : schedule, optimizer, list or dict of them
        A schedule of :mod:`skopt_lab.optimizers` is drawn as its
        learning-rate multiplier; an optimizer as its learning rate,
        ``learning_rate × multiplier`` of its ``schedule`` (constant without
        one). Several go on one figure, labelled by their short repr or by
        the keys of a dict; they must all be schedules or all optimizers,
        since multipliers and learning rates do not share a scale.
        ``ReduceOnPlateau`` is shown for a loss that never improves.
    n_epochs : int
        Number of epochs, at least 1; the schedules that adapt to the
        training length (``CosineAnnealing(T_max=None)``) take it as
        ``max_iter``.
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from skopt_lab.optimizers import Adam, StepDecay
    >>> from skopt_lab.plotting import plot_schedule
    >>> fig = plot_schedule(Adam(learning_rate=0.1, schedule=StepDecay(step_size=2, gamma=0.5)), 5)
    >>> [float(lr) for lr in fig.axes[0].get_lines()[0].get_ydata()]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    _matplotlib_figure()
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, Integral) or n_epochs < 1:
        raise ValueError(f"n_epochs must be an integer >= 1, got {n_epochs!r}.")
    n_epochs = int(n_epochs)
    items = _labelled(schedule_or_optimizer, None, _short_repr, "schedules")
    curves = [(label, *_learning_rates(obj, n_epochs)) for label, obj in items]
    kinds = {is_rate for _, _, is_rate in curves}
    if len(kinds) > 1:
        raise ValueError(
            "Plot schedules and optimizers separately: a schedule is drawn as a "
            "multiplier and an optimizer as a learning rate, which do not share a scale."
        )

    fig, ax, own_figure = _figure_and_axes(ax)
    for label, values, _ in curves:
        ax.plot(_epochs(values), values, marker="." if n_epochs <= 60 else None, label=label)
    ax.set_title("Learning-rate schedule")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate" if kinds == {True} else "learning-rate multiplier")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure)
    return fig


def plot_learning_rates(estimators, labels=None, *, title=None, ax=None):
    """Plot the learning rate that fitted estimators used in each epoch.

    Unlike :func:`plot_schedule`, which computes what a schedule would do,
    this draws what training recorded in ``learning_rates_``: the
    optimizer's rate times its schedule's multiplier, epoch by epoch
    (``ReduceOnPlateau`` included, as it reacted to the actual run).

    Parameters
    ----------
    estimators : estimator, list of estimators or dict
        Fitted estimators of skopt_lab trained by a step optimizer (L-BFGS
        has no learning rate), or Pipelines ending in one. A dict maps
        labels to estimators.
    labels : list of str, default=None
        One legend label per estimator; None names each by its optimizer.
    title : str, default=None
        The title; None says "Learning rate per epoch".
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skopt_lab import LinearClassifier
    >>> from skopt_lab.optimizers import SGD, StepDecay
    >>> from skopt_lab.plotting import plot_learning_rates
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> model = LinearClassifier(SGD(learning_rate=0.1, schedule=StepDecay(step_size=2, gamma=0.5)),
    ...                          max_iter=4, tol=None, random_state=0).fit(X, y)
    >>> fig = plot_learning_rates(model)
    >>> [float(lr) for lr in fig.axes[0].get_lines()[0].get_ydata()]
    [0.1, 0.1, 0.05, 0.05]
    """
    from sklearn.utils.validation import check_is_fitted

    _matplotlib_figure()
    items = _labelled(estimators, labels, _optimizer_label, "estimators")
    curves = []
    for label, estimator in items:
        estimator = _last_step(estimator)
        check_is_fitted(estimator)
        rates = getattr(estimator, "learning_rates_", None)
        if rates is None or all(rate is None for rate in rates):  # L-BFGS records None per iteration
            raise TypeError(
                f"{label} recorded no learning_rates_: plot_learning_rates needs skopt_lab "
                "estimators trained by a step optimizer (L-BFGS has no learning rate)."
            )
        curves.append((label, np.asarray(rates, dtype=float)))

    fig, ax, own_figure = _figure_and_axes(ax)
    for i, (label, rates) in enumerate(curves):
        ax.plot(_epochs(rates), rates, label=label, **_style(i, len(rates)))
    ax.set_title(title or "Learning rate per epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure)
    return fig


# ---------------------------------------------- importances and dependence
def _step_prefix(search, names):
    """The ``step__`` prefix every name shares when the search tunes one
    step of a Pipeline (``mlpclassifier__``), left out of the labels."""
    from sklearn.pipeline import Pipeline

    estimator = getattr(search, "estimator", None)
    if not isinstance(estimator, Pipeline):
        return ""
    for step, _ in estimator.steps:
        if all(name.startswith(f"{step}__") for name in names):
            return f"{step}__"
    return ""


def plot_importances(search, *, metric=None, random_state=None, title=None, ax=None):
    """Plot how much each hyperparameter of a search mattered, as
    horizontal bars.

    Each bar is a parameter's importance from
    :func:`skopt_lab.inspection.hyperparameter_importances`: its share of
    the variance of the mean cross-validated score explained by its main
    effect (functional ANOVA on a random forest fitted to ``cv_results_``).
    The most important parameter is on top and each bar is labelled with
    its value; the bars sum to 1. When the search tunes one step of a
    Pipeline, the step's prefix (``mlpclassifier__``) is left out of the
    labels.

    Parameters
    ----------
    search : fitted search
        Any object with a scikit-learn ``cv_results_`` (``GridSearchCV``,
        ``RandomizedSearchCV``, the halving searches, ``BayesSearchCV``,
        ``HyperbandSearchCV``).
    metric : str, default=None
        The scorer of a multi-metric search; None reads ``mean_test_score``
        or the metric named by ``refit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest.
    title : str, default=None
        The title; None says "Hyperparameter importances".
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from scipy.stats import loguniform, uniform
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import ElasticNet
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from skopt_lab.plotting import plot_importances
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = RandomizedSearchCV(
    ...     ElasticNet(), {"alpha": loguniform(1e-4, 1e1), "l1_ratio": uniform(0, 1)},
    ...     n_iter=30, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> fig = plot_importances(search, random_state=0)
    >>> [label.get_text() for label in fig.axes[0].get_yticklabels()]
    ['l1_ratio', 'alpha']
    """
    from .inspection._inspection import forest_seed, importances
    from .inspection._rows import Rows

    _matplotlib_figure()
    rows = Rows(search, metric)
    shares = importances(rows, forest_seed(random_state))
    names = list(shares)[::-1]  # barh draws from the bottom up: the largest on top
    if ax is None:
        fig, (ax,) = _new_axes(height=1.4 + 0.4 * len(names))
    else:
        fig = _root_figure(ax)
    from matplotlib import colormaps

    bars = ax.barh(np.arange(len(names)), [shares[name] for name in names], color=colormaps["tab10"](0))
    prefix = _step_prefix(search, names)
    ax.set_yticks(np.arange(len(names)), labels=[name.removeprefix(prefix) for name in names])
    ax.bar_label(bars, fmt="%.2f", padding=3)
    ax.set_xlim(0, max(1.0, max(shares.values()) * 1.12))
    ax.set_xlabel(f"share of the variance of the cross-validated {rows.metric}")
    ax.set_title(title or "Hyperparameter importances")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def _category_label(value):
    if callable(getattr(value, "get_params", None)):
        return _short_repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return _format_value(value)


def _positions(values, grid, discrete, scale):
    """Where values go on an axis: themselves, or for a discrete axis the
    index of their grid value (a category's, or the nearest listed number's)."""
    if not discrete:
        return np.asarray(values, dtype=float)
    if scale != "categorical":
        values, grid = np.asarray(values, dtype=float), np.asarray(grid, dtype=float)
        return np.abs(values[:, None] - grid).argmin(axis=1).astype(float)
    from .inspection._rows import category_index

    return np.array([category_index(value, list(grid)) for value in values], dtype=float)


def _value_axis(ax, result, i, which, prefix, discrete):
    """Label, scale and (on a discrete axis) ticks of the axis of parameter ``i``."""
    name, scale = result.params[i].removeprefix(prefix), result.scales[i]
    set_label, set_scale, set_ticks = (
        (ax.set_xlabel, ax.set_xscale, ax.set_xticks) if which == "x" else (ax.set_ylabel, ax.set_yscale, ax.set_yticks)
    )
    set_label(name)
    if discrete:
        labels = [_category_label(value) for value in result.grid_values[i]]
        set_ticks(np.arange(len(labels)), labels=labels)
        if which == "x" and max(len(label) for label in labels) * len(labels) > 30:
            ax.tick_params(axis="x", labelrotation=30)
    elif scale == "log":
        set_scale("log")


def _draw_dependence(ax, result, prefix, grid_resolution):
    """One panel: a curve with its band (one parameter) or a surface (a
    pair: contours, or one cell per value when either is discrete)."""
    from matplotlib import colormaps

    color = colormaps["tab10"](0)
    if len(result.params) == 1:
        (scale,), (grid,) = result.scales, result.grid_values
        categorical = scale == "categorical"
        x = _positions(grid, grid, categorical, scale)
        points = _positions(result.candidate_values[0], grid, categorical, scale)
        ax.scatter(points, result.candidate_scores, s=10, color="dimgray", alpha=0.5, label="evaluated candidates",
                   zorder=1)  # fmt: skip
        if categorical:
            ax.errorbar(x, result.average, yerr=result.std, fmt="o", capsize=4, color=color, zorder=3,
                        label="average over the other parameters ± 1 std of the trees")  # fmt: skip
        else:
            ax.fill_between(x, result.average - result.std, result.average + result.std, color=color, alpha=0.25,
                            label="± 1 std of the forest's trees", zorder=2)  # fmt: skip
            ax.plot(x, result.average, color=color, marker="o" if len(x) < 12 else None, markersize=4, zorder=3,
                    label="average over the other parameters")  # fmt: skip
        _value_axis(ax, result, 0, "x", prefix, categorical)
        ax.set_ylabel(f"cross-validated {result.metric}")
        ax.grid(True, alpha=0.3)
        return None
    discrete = [scale == "categorical" or len(grid) < grid_resolution
                for scale, grid in zip(result.scales, result.grid_values)]  # fmt: skip
    x, y = (_positions(grid, grid, d, scale) for grid, d, scale in zip(result.grid_values, discrete, result.scales))
    if any(discrete):
        surface = ax.pcolormesh(x, y, result.average.T, shading="nearest", cmap="viridis")
    else:
        surface = ax.contourf(x, y, result.average.T, levels=12, cmap="viridis")
    points = [_positions(values, grid, d, scale) for values, grid, d, scale in
              zip(result.candidate_values, result.grid_values, discrete, result.scales)]  # fmt: skip
    ax.scatter(*points, s=12, color="white", edgecolors="black", linewidths=0.5, label="evaluated candidates")
    _value_axis(ax, result, 0, "x", prefix, discrete[0])
    _value_axis(ax, result, 1, "y", prefix, discrete[1])
    return surface


def plot_partial_dependence(search, params, *, metric=None, grid_resolution=20, random_state=None, ax=None):
    """Plot how a search's cross-validated score depends on each of some
    hyperparameters, or on a pair, the others averaged out.

    One panel per item of ``params``, from
    :func:`skopt_lab.inspection.partial_dependence`. For one parameter: the
    surrogate's score averaged over the other parameters (the line), a band
    of ± one standard deviation over the forest's trees, and the evaluated
    candidates' own scores as grey points; a log x axis when the parameter
    is on a log scale, and one tick per category (a point with an error bar
    each) for a categorical one. For a pair: filled contours of the averaged
    score over the two parameters, or a colour mesh with one cell per value
    when either is discrete (categories, or a list of fewer numbers than
    ``grid_resolution``), with the candidates as white points; cells that
    no dict of the search space can draw are blank. The panels of single parameters
    share their y limits, so that their heights compare; when a few
    candidates score far below the others (diverged fits), the limits keep
    to the rest and the curves.

    Parameters
    ----------
    search : fitted search
        Any object with a scikit-learn ``cv_results_``, as for
        :func:`plot_importances`.
    params : str or list
        A parameter name, or a list whose items are each a parameter name
        (a curve) or a pair of names (a contour), as for scikit-learn's
        ``PartialDependenceDisplay``.
    metric : str, default=None
        The scorer of a multi-metric search; None reads ``mean_test_score``
        or the metric named by ``refit``.
    grid_resolution : int, default=20
        Number of grid values of a numeric parameter.
    random_state : int, RandomState instance or None, default=None
        Seeds the forest.
    ax : matplotlib Axes or list of Axes, default=None
        Where to draw: one Axes per item of ``params``. None makes a new
        figure with up to three panels per row.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import ElasticNet
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from skopt_lab.plotting import plot_partial_dependence
    >>> X, y = load_diabetes(return_X_y=True)
    >>> search = RandomizedSearchCV(
    ...     ElasticNet(), {"alpha": loguniform(1e-4, 1e1), "selection": ["cyclic", "random"]},
    ...     n_iter=20, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> fig = plot_partial_dependence(search, ["alpha", "selection", ("alpha", "selection")], random_state=0)
    >>> [(panel.get_xlabel(), panel.get_xscale()) for panel in fig.axes[:3]]
    [('alpha', 'log'), ('selection', 'linear'), ('alpha', 'log')]
    """
    from .inspection._inspection import dependence, forest_seed
    from .inspection._rows import Rows

    _matplotlib_figure()
    items = [params] if isinstance(params, str) else list(params)
    if not items:
        raise ValueError("Nothing to plot: params is empty.")
    for item in items:
        if not (isinstance(item, str) or (
                isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(n, str) for n in item))):
            raise ValueError(f"Each item of params must be a parameter name or a pair of names; got {item!r}.")
    if isinstance(grid_resolution, bool) or not isinstance(grid_resolution, Integral) or grid_resolution < 2:
        raise ValueError(f"grid_resolution must be an integer >= 2, got {grid_resolution!r}.")
    rows, seed = Rows(search, metric), forest_seed(random_state)
    results = [dependence(rows, [item] if isinstance(item, str) else list(item), grid_resolution, seed)
               for item in items]  # fmt: skip

    own_figure = ax is None
    if own_figure:
        ncols = min(len(items), 3)
        nrows = -(-len(items) // ncols)
        fig = _matplotlib_figure()(figsize=(max(7.0, 3.8 * ncols), 3.4 * nrows + 1.0), layout="constrained")
        axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
        for extra in axes[len(items):]:
            fig.delaxes(extra)
    else:
        axes = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(items):
            raise ValueError(f"Got {len(axes)} Axes for {len(items)} items of params: give one Axes per item.")
        fig = _root_figure(axes[0])
    curves, prefix = [], _step_prefix(search, rows.names)
    for panel, result in zip(axes, results):
        surface = _draw_dependence(panel, result, prefix, grid_resolution)
        if surface is None:
            curves.append((panel, result))
        else:
            fig.colorbar(surface, ax=panel, label=f"cross-validated {result.metric}")
    if curves:
        values = [np.concatenate([r.average - r.std, r.average + r.std]) for _, r in curves]
        band = np.concatenate(values)
        every = np.concatenate([band] + [r.candidate_scores for _, r in curves])
        limits = _robust_limits(every)
        low, high = (every.min(), every.max()) if limits is None else limits
        low, high = min(low, band.min()), max(high, band.max())
        margin = 0.05 * (high - low) or 0.05
        for panel, _ in curves:
            panel.set_ylim(low - margin, high + margin)
        first = curves[0][0]
        if own_figure:
            handles, labels = first.get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3), fontsize="small")
        else:
            first.legend(fontsize="small")
    if own_figure:
        budget = "" if rows.n_resources is None else f", n_resources={rows.n_resources}"
        fig.suptitle(f"Partial dependence of the cross-validated {rows.metric} ({len(rows.scores)} candidates{budget})")
    return fig


# ------------------------------------------------------------------- saving
def save_figure(fig, path):
    """Write a figure as a PNG file (120 dpi, tight bounding box).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from :func:`plot_loss_curves`.
    path : str or path-like
        Where to write; missing parent directories are created. The file is
        PNG whatever its extension.

    Returns
    -------
    path : pathlib.Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skopt_lab.optimizers import CosineAnnealing
    >>> from skopt_lab.plotting import plot_schedule, save_figure
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_figure(plot_schedule(CosineAnnealing(), 10), pathlib.Path(tmp) / "lr.png")
    ...     path.read_bytes()[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    _matplotlib_figure()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=120, bbox_inches="tight")
    return path
