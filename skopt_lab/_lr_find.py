"""The learning-rate range test (Smith 2017): train briefly while the
learning rate grows exponentially, and read a good rate off the loss."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from ._compat import Interval
from ._engine.trainer import resolve_batch_size
from .optimizers import display_name, get_optimizer, takes_steps

#: Decay of the loss's moving average (fastai's and torch-lr-finder's 0.98).
SMOOTHING = 0.98
#: The test stops once the smoothed loss exceeds this many times its minimum
#: (fastai's 4; torch-lr-finder's 5).
DIVERGENCE_FACTOR = 4.0


class LRFinderResult:
    """What :func:`lr_find` found: the loss at each learning rate.

    Parameters
    ----------
    learning_rates : array-like of shape (n_run,)
        The learning rate of each step run.
    raw_losses : array-like of shape (n_run,)
        Each step's mini-batch loss, before the step.
    diverged : bool
        Whether the test stopped early because the loss diverged.
    label : str
        The optimizer's name, for the figure.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_run,)
        The learning rate of each step, growing geometrically from
        ``min_lr``; fewer than ``n_steps`` when the loss diverged.
    losses : ndarray of shape (n_run,)
        The training loss of each step's mini-batch, before the step,
        smoothed by a bias-corrected exponential moving average (decay 0.98).
    raw_losses : ndarray of shape (n_run,)
        The same losses unsmoothed.
    suggestion : float
        The suggested learning rate: a tenth of the rate at the smallest
        smoothed loss (see :func:`lr_find` for why this rule).
    steepest : float
        The rate where the smoothed loss falls fastest against log(rate),
        the other classic rule, for comparison.
    diverged : bool
        Whether the test stopped early because the loss diverged.
    label : str
        The optimizer's name, for the figure.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skopt_lab import LinearClassifier, lr_find
    >>> X, y = load_iris(return_X_y=True)
    >>> result = lr_find(LinearClassifier(optimizer="sgd", batch_size=16), scale(X), y, n_steps=60, random_state=0)
    >>> bool(result.suggestion == result.learning_rates[result.losses.argmin()] / 10)
    True
    """

    def __init__(self, learning_rates, raw_losses, *, diverged, label):
        self.learning_rates = np.asarray(learning_rates, dtype=float)
        self.raw_losses = np.asarray(raw_losses, dtype=float)
        self.losses = _smoothed(self.raw_losses)
        self.diverged = diverged
        self.label = label
        best = int(np.argmin(self.losses))
        self.suggestion = float(self.learning_rates[best] / 10)
        self.steepest = _steepest(self.learning_rates, self.losses, best)

    def __repr__(self):
        return (
            f"LRFinderResult({self.label}: {len(self.learning_rates)} steps from {self.learning_rates[0]:.3g} to "
            f"{self.learning_rates[-1]:.3g}, suggestion={self.suggestion:.3g}{', diverged' if self.diverged else ''})"
        )

    def plot(self, ax=None):
        """Plot the smoothed loss against the learning rate (log scale), with
        the suggestion marked.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.

        Returns
        -------
        ax : matplotlib Axes
        """
        from .plotting import plot_lr_find

        figure = plot_lr_find([self], ax=ax)
        return ax if ax is not None else figure.axes[0]


def _smoothed(losses):
    """Bias-corrected exponential moving average (fastai's)."""
    average, smoothed = 0.0, np.empty_like(losses)
    for i, loss in enumerate(losses):
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        smoothed[i] = average / (1 - SMOOTHING ** (i + 1))
    return smoothed


def _steepest(learning_rates, losses, best):
    """Where the smoothed loss falls fastest before its minimum."""
    if best < 2:
        return float(learning_rates[best])
    slopes = np.gradient(losses[: best + 1], np.log(learning_rates[: best + 1]))
    return float(learning_rates[int(np.argmin(slopes))])


def _check(name, value, kind, low, closed="neither"):
    if not Interval(kind, low, None, closed=closed).is_satisfied_by(value) or isinstance(value, bool):
        what = "an integer" if kind is Integral else "a number"
        bound = ">=" if closed == "left" else ">"
        raise ValueError(f"lr_find's {name} must be {what} {bound} {low}; got {value!r}.")


def lr_find(estimator, X, y, *, min_lr=1e-7, max_lr=10.0, n_steps=100, random_state=None):
    """Learning-rate range test (Smith 2017): a good learning rate in one short run.

    A clone of the estimator takes ``n_steps`` mini-batch steps of its
    optimizer while the learning rate grows geometrically from ``min_lr``
    to ``max_lr``; the loss of each mini-batch (before its step) is
    recorded and smoothed. The test stops early once the smoothed loss
    exceeds 4 times its minimum or the estimator reports a divergence. The
    estimator given is left untouched.

    The suggestion is a tenth of the rate at the smallest smoothed loss
    (fastai's ``lr_min``): at the minimum, the rate is already too large to
    keep, and ``benchmarks/bench_lr_find.py`` found it within a point of
    the best rate of a grid chosen on validation where the steepest
    descent (:attr:`LRFinderResult.steepest`, torch-lr-finder's and
    fastai's ``lr_steep``) often lands a decade too low or too high on
    small tabular problems.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A skopt_lab estimator whose optimizer takes steps (any but L-BFGS),
        or a Pipeline ending with one: then the earlier steps are fitted
        once, on X and y, and the last step is tested on their output.
    X : array-like of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    min_lr : float, default=1e-7
        First learning rate, positive.
    max_lr : float, default=10.0
        Last learning rate, above ``min_lr``.
    n_steps : int, default=100
        Number of mini-batch steps (of the estimator's ``batch_size``), at
        least 5.
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the mini-batches.

    Returns
    -------
    result : LRFinderResult
        ``learning_rates``, smoothed ``losses``, ``suggestion`` and ``plot``.

    Raises
    ------
    ValueError
        For an optimizer that does not take steps (L-BFGS), or invalid
        bounds, before any training.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skopt_lab import MLPClassifier, lr_find
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), optimizer="sgd"))
    >>> result = lr_find(model, X, y, random_state=0)
    >>> float(result.learning_rates[0]), len(result.learning_rates) <= 100
    (1e-07, True)
    >>> model.set_params(mlpclassifier__optimizer__learning_rate=result.suggestion)  # doctest: +ELLIPSIS
    Pipeline(...)
    """
    _check("min_lr", min_lr, Real, 0)
    _check("max_lr", max_lr, Real, 0)
    if not max_lr > min_lr:
        raise ValueError(f"lr_find's max_lr must be above min_lr; got min_lr={min_lr!r}, max_lr={max_lr!r}.")
    _check("n_steps", n_steps, Integral, 5, closed="left")
    if isinstance(estimator, Pipeline):
        final = estimator.steps[-1][1]
        if len(estimator.steps) > 1:
            X = clone(Pipeline(estimator.steps[:-1])).fit_transform(X, y)
    else:
        final = estimator
    if "optimizer" not in final.get_params(deep=False) or not hasattr(type(final), "partial_fit"):
        raise ValueError(
            f"lr_find tests a skopt_lab estimator (with an optimizer and partial_fit), or a Pipeline ending "
            f"with one; got {type(final).__name__}."
        )
    model = clone(final)
    optimizer = get_optimizer(model.optimizer)
    if not takes_steps(optimizer):
        raise ValueError(
            f"lr_find needs an optimizer that takes gradient steps; {display_name(model.optimizer)} minimizes the "
            "whole objective at once and has no learning rate to test. Use it as it is, or test a step optimizer."
        )
    if "learning_rate" not in optimizer.get_params():
        raise ValueError(f"lr_find tests the learning_rate, and {type(optimizer).__name__} has none.")

    y = np.asarray(y)
    n_samples = len(y)
    batch_size = resolve_batch_size(getattr(model, "batch_size", "auto"), n_samples, optimizer)
    rng = check_random_state(random_state)
    rates = min_lr * (max_lr / min_lr) ** (np.arange(n_steps) / (n_steps - 1))
    first = {"classes": np.unique(y)} if is_classifier(model) else {}
    order, position = rng.permutation(n_samples), 0
    run, losses, diverged = [], [], False
    for rate in rates:
        if position + batch_size > n_samples:
            order, position = rng.permutation(n_samples), 0
        batch = order[position : position + batch_size]
        position += batch_size
        model.set_params(optimizer=clone(optimizer).set_params(learning_rate=float(rate)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.partial_fit(_rows(X, batch), y[batch], **first)
        first = {}
        for warning in caught:
            if not issubclass(warning.category, ConvergenceWarning):
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        loss = model.loss_curve_[-1]
        if any(issubclass(w.category, ConvergenceWarning) for w in caught) or not math.isfinite(loss):
            diverged = True  # the estimator kept its last sound weights: the rate is past use
            break
        run.append(rate)
        losses.append(loss)
        smoothed = _smoothed(np.asarray(losses))
        if len(losses) > 1 and smoothed[-1] > DIVERGENCE_FACTOR * smoothed.min():
            diverged = True
            break
    if len(run) < 2:
        raise ValueError(
            f"lr_find: the loss diverged within the first steps, at learning rates from {min_lr:g}; "
            "lower min_lr, or check the data's scale."
        )
    return LRFinderResult(run, losses, diverged=diverged, label=display_name(model.optimizer))


def _rows(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]
