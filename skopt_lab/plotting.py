"""Figures of training and tuning: loss curves, search progress, schedules.

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

In a new figure the legend is below the plot, so that long labels never
hide a curve (``fig.legends[0]``); in Axes passed as ``ax`` it is the Axes'
own legend, at matplotlib's best place.
"""

import inspect
from collections import Counter
from numbers import Integral, Real
from pathlib import Path

import numpy as np

__all__ = ["plot_loss_curves", "plot_schedule", "plot_search_progress", "save_figure"]

_ABBREVIATIONS = {"learning_rate": "lr"}


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


# ------------------------------------------------------------- loss curves
def plot_loss_curves(estimators, labels=None, *, validation=True, ax=None):
    """Plot the training loss per epoch of fitted estimators, and their
    validation scores.

    The losses share one Axes (epoch on x, a log scale on y when every
    finite loss is positive). When ``validation`` is true and an estimator
    has ``validation_scores_`` (fitted with ``early_stopping=True``), the
    validation scores go to a second panel below, sharing the epoch axis,
    in the color of the estimator's loss curve.

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
        Whether to plot the validation scores of the estimators that have
        them.
    ax : matplotlib Axes or pair of Axes, default=None
        Where to draw. None makes a new figure. With one Axes the validation
        scores, if any, are dashed lines on a twin y axis at the right; with
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
    >>> fig = plot_loss_curves(models)
    >>> [text.get_text() for text in fig.legends[0].get_texts()]
    ['SGD(lr=0.1)', 'Adam(lr=0.01)']
    """
    from sklearn.utils.validation import check_is_fitted

    _matplotlib_figure()
    items = _labelled(estimators, labels, _optimizer_label, "estimators")
    curves = []
    for label, estimator in items:
        estimator = _last_step(estimator)
        check_is_fitted(estimator)
        if getattr(estimator, "loss_curve_", None) is None:
            raise TypeError(
                f"{type(estimator).__name__} has no loss_curve_: plot_loss_curves needs "
                "estimators trained epoch by epoch, such as skopt_lab's LinearClassifier "
                "or MLPClassifier."
            )
        scores = getattr(estimator, "validation_scores_", None) if validation else None
        curves.append((label, np.asarray(estimator.loss_curve_, dtype=float), scores))
    has_validation = any(scores is not None for _, _, scores in curves)

    twin, own_figure = False, ax is None  # twin: validation scores on a twin y axis
    if own_figure:
        fig, axes = _new_axes(2 if has_validation else 1, 6.0 if has_validation else 4.0)
        loss_ax, val_ax = axes[0], axes[-1]
    elif isinstance(ax, (list, tuple, np.ndarray)):
        loss_ax, val_ax = ax
        fig = _root_figure(loss_ax)
    else:
        loss_ax, fig, twin = ax, _root_figure(ax), has_validation
        val_ax = ax.twinx() if twin else None

    for label, losses, scores in curves:
        (line,) = loss_ax.plot(_epochs(losses), losses, label=label)
        if scores is not None:
            val_ax.plot(_epochs(scores), scores, color=line.get_color(), linestyle="--" if twin else "-")
    finite = np.concatenate([losses for _, losses, _ in curves])
    finite = finite[np.isfinite(finite)]
    if finite.size and (finite > 0).all():
        loss_ax.set_yscale("log")
    loss_ax.set_title("Training loss per epoch")
    loss_ax.set_ylabel("training loss")
    loss_ax.grid(True, alpha=0.3)
    _add_legend(loss_ax, own_figure)
    if twin:
        val_ax.set_ylabel("validation score (dashed)")
    elif has_validation:
        val_ax.set_ylabel("validation score")
        val_ax.grid(True, alpha=0.3)
    if not (own_figure and has_validation):  # not above the validation panel
        loss_ax.set_xlabel("epoch")
    if has_validation and not twin:
        val_ax.set_xlabel("epoch")
    return fig


# ---------------------------------------------------------- search progress
def _search_scores(search, metric):
    """The mean test scores of ``search`` in evaluation order (last
    iteration only for successive-halving searches) and the metric's name."""
    results = search.cv_results_
    if metric is None:
        refit = getattr(search, "refit", None)
        if "mean_test_score" in results:
            key, name = "mean_test_score", "score"
        elif isinstance(refit, str):
            key, name = f"mean_test_{refit}", refit
        else:
            raise ValueError(
                f"{type(search).__name__} was fitted with several metrics and refit={refit!r}: "
                "choose one with metric=<scorer name>."
            )
    else:
        key, name = f"mean_test_{metric}", metric
    if key not in results:
        available = sorted(k[len("mean_test_"):] for k in results if k.startswith("mean_test_"))
        raise ValueError(f"{type(search).__name__} has no {key!r} in cv_results_; metrics: {available}.")
    scores = np.ma.filled(np.ma.asarray(results[key], dtype=float), np.nan)
    if "iter" in results:  # successive halving: earlier iterations used fewer resources
        scores = scores[np.asarray(results["iter"]) == np.max(results["iter"])]
    return scores, name


def plot_search_progress(searches, labels=None, *, metric=None, ax=None):
    """Plot the best mean test score found so far against the number of
    candidates evaluated, for one or several fitted searches.

    Each search is a step line of the running best (candidates whose fit
    failed, with a NaN score, are skipped; the line starts at the first
    finite score) over dots of every candidate's own score, in evaluation
    order, numbered from 1. For the successive-halving searches, whose
    earlier iterations score candidates on fewer resources, only the last
    iteration's candidates are plotted.

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
    for label, scores, _ in progress:
        evaluation = _epochs(scores)
        (line,) = ax.plot(evaluation, np.fmax.accumulate(scores), drawstyle="steps-post", label=label)
        ax.scatter(evaluation, scores, s=12, color=line.get_color(), alpha=0.4)
    names = sorted({name for _, _, name in progress})
    ax.set_title("Search progress")
    ax.set_xlabel("evaluation")
    ax.set_ylabel(f"best mean test {' / '.join(names)} so far")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    _add_legend(ax, own_figure, title="line: best so far, dots: each candidate", title_fontsize="small")
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
