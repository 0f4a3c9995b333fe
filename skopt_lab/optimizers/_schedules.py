"""Learning-rate schedules.

A schedule is a hyperparameter object, set on a stochastic optimizer
(``Adam(schedule=CosineAnnealing(warmup_epochs=5))``) and tunable by nested
keys (``optimizer__schedule__gamma``). It yields a *multiplier* of the
optimizer's ``learning_rate`` for each epoch, so tuning the learning rate and
the schedule's shape stay independent. As with optimizers, everything that
changes while training lives in a typed state owned by the fitted
estimator (:class:`ScheduleState`), which makes ``partial_fit`` continue the
schedule where it stopped.

The protocol, driven by the optimizer's :class:`ScaleByLearningRate`
transform (its ``init``, ``begin_epoch``, ``end_epoch`` and ``on_plateau``):

- ``schedule.validate(has_validation=...)`` before any training, once per
  fit (by the optimizer's ``validate``);
- ``state = schedule.init(n_epochs)`` before the first epoch, with
  ``n_epochs`` the estimator's ``max_iter``;
- ``schedule.multiplier(state)`` for the epoch about to run;
- ``schedule.end_epoch(state, loss=..., validation_score=...)`` after each
  epoch, with the epoch's training loss and validation score (None without a
  validation split).
"""

import dataclasses
import math
from numbers import Integral, Real

from sklearn.base import BaseEstimator

from .._compat import Interval, Options, StrOptions


_NEEDS_VALIDATION = (
    "ReduceOnPlateau(monitor='validation_score') needs a validation split: set "
    "early_stopping=True on the estimator (partial_fit has none), or "
    "monitor='loss'."
)


@dataclasses.dataclass
class ScheduleState:
    """Where a schedule is: the epoch about to run, of ``n_epochs``."""

    epoch: int
    n_epochs: int


@dataclasses.dataclass
class PlateauState(ScheduleState):
    """ReduceOnPlateau's multiplier and what it has seen of the metric."""

    value: float = 1.0
    best: float = math.inf
    bad_epochs: int = 0
    cooldown_left: int = 0


class Schedule(BaseEstimator):
    """Base class of learning-rate schedules: a function of the epoch.

    Subclasses implement ``_multiplier(epoch, n_epochs)``; stateful schedules
    (:class:`ReduceOnPlateau`) override :meth:`end_epoch` too.
    """

    _parameter_constraints: dict = {}

    def validate(self, *, has_validation=None):
        """Check the hyperparameters and that the fit offers what the
        schedule monitors (``has_validation``: whether the fit holds out a
        validation split; None when unknown)."""
        self._validate_params()

    def init(self, n_epochs):
        """A fresh state for a run of ``n_epochs`` epochs."""
        return ScheduleState(epoch=0, n_epochs=int(n_epochs))

    def multiplier(self, state):
        """Learning-rate multiplier for the epoch ``state.epoch`` (from 0)."""
        return self._multiplier(state.epoch, state.n_epochs)

    def end_epoch(self, state, *, loss, validation_score=None):
        """Advance the schedule by one epoch."""
        state.epoch += 1

    def on_plateau(self, state, learning_rate):
        """The estimator's stopping rule found a plateau at the base
        ``learning_rate``: return True to go on training (the schedule has
        acted), False to stop. Stops by default."""
        return False

    def _multiplier(self, epoch, n_epochs):
        raise NotImplementedError

    def curve(self, n_epochs):
        """Multipliers of the first ``n_epochs`` epochs (for plots).

        Stateful schedules are shown with a training loss that never
        improves.
        """
        self.validate()
        state = self.init(n_epochs)
        values = []
        for _ in range(n_epochs):
            values.append(self.multiplier(state))
            self.end_epoch(state, loss=1.0)
        return values


class Constant(Schedule):
    """Keep the learning rate constant: multiplier 1 at every epoch.

    Examples
    --------
    >>> from skopt_lab.optimizers import Constant
    >>> Constant().curve(3)
    [1.0, 1.0, 1.0]
    """

    def _multiplier(self, epoch, n_epochs):
        return 1.0


class InverseScaling(Schedule):
    """Inverse scaling: multiplier ``1 / (epoch + 1) ** power_t``.

    The per-epoch analogue of scikit-learn's ``learning_rate="invscaling"``.

    Parameters
    ----------
    power_t : float, default=0.5
        Exponent of the decay, ≥ 0.

    Examples
    --------
    >>> from skopt_lab.optimizers import InverseScaling
    >>> InverseScaling(power_t=1.0).curve(4)
    [1.0, 0.5, 0.3333333333333333, 0.25]
    """

    _parameter_constraints = {"power_t": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def _multiplier(self, epoch, n_epochs):
        return 1.0 / (epoch + 1) ** self.power_t


class StepDecay(Schedule):
    """Step decay: multiply by ``gamma`` every ``step_size`` epochs.

    Multiplier ``gamma ** (epoch // step_size)`` (torch's ``StepLR``).

    Parameters
    ----------
    step_size : int, default=10
        Epochs between two decays.
    gamma : float, default=0.1
        Decay factor in (0, 1].

    Examples
    --------
    >>> from skopt_lab.optimizers import StepDecay
    >>> StepDecay(step_size=2, gamma=0.5).curve(5)
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _parameter_constraints = {
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, step_size=10, gamma=0.1):
        self.step_size = step_size
        self.gamma = gamma

    def _multiplier(self, epoch, n_epochs):
        return self.gamma ** (epoch // self.step_size)


class ExponentialDecay(Schedule):
    """Exponential decay: multiplier ``gamma ** epoch`` (torch's ``ExponentialLR``).

    Parameters
    ----------
    gamma : float, default=0.95
        Decay factor per epoch, in (0, 1].

    Examples
    --------
    >>> from skopt_lab.optimizers import ExponentialDecay
    >>> ExponentialDecay(gamma=0.5).curve(3)
    [1.0, 0.5, 0.25]
    """

    _parameter_constraints = {"gamma": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, gamma=0.95):
        self.gamma = gamma

    def _multiplier(self, epoch, n_epochs):
        return self.gamma**epoch


class CosineAnnealing(Schedule):
    """Cosine annealing with an optional linear warm-up.

    For the first ``warmup_epochs`` epochs the multiplier rises linearly,
    ``(epoch + 1) / (warmup_epochs + 1)``; then it follows half a cosine from
    1 down to ``min_multiplier`` over ``T_max`` epochs (torch's
    ``CosineAnnealingLR`` with ``eta_min = min_multiplier · learning_rate``)
    and stays there::

        m(e) = m_min + (1 − m_min) (1 + cos(π (e − w) / T_max)) / 2

    Parameters
    ----------
    T_max : int, default=None
        Length of the cosine in epochs; None means the rest of ``max_iter``
        after the warm-up.
    min_multiplier : float, default=0.0
        Final multiplier, in [0, 1].
    warmup_epochs : int, default=0
        Epochs of linear warm-up before the cosine.

    Examples
    --------
    >>> from skopt_lab.optimizers import CosineAnnealing
    >>> [round(m, 3) for m in CosineAnnealing(warmup_epochs=1).curve(4)]
    [0.5, 1.0, 0.5, 0.0]
    """

    _parameter_constraints = {
        "T_max": [Interval(Integral, 1, None, closed="left"), None],
        "min_multiplier": [Interval(Real, 0, 1, closed="both")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, T_max=None, min_multiplier=0.0, warmup_epochs=0):
        self.T_max = T_max
        self.min_multiplier = min_multiplier
        self.warmup_epochs = warmup_epochs

    def _multiplier(self, epoch, n_epochs):
        warmup = self.warmup_epochs
        if epoch < warmup:
            return (epoch + 1) / (warmup + 1)
        T_max = self.T_max if self.T_max is not None else max(n_epochs - warmup - 1, 1)
        progress = min((epoch - warmup) / T_max, 1.0)
        low = self.min_multiplier
        return low + (1 - low) * (1 + math.cos(math.pi * progress)) / 2


class ReduceOnPlateau(Schedule):
    """Divide the learning rate when the monitored metric stops improving.

    After each epoch the schedule reads the validation score (higher is
    better) or the training loss (lower is better). When it has not improved
    by more than ``threshold`` (relative) for ``patience`` epochs, the
    multiplier is multiplied by ``factor`` (not below ``min_multiplier``),
    followed by ``cooldown`` epochs without counting (torch's
    ``ReduceLROnPlateau`` in ``threshold_mode="rel"``).

    With a ``min_learning_rate``, the schedule also postpones the
    estimator's own stopping rule (``tol``, ``n_iter_no_change``): while the
    learning rate is above ``min_learning_rate``, a plateau that would stop
    training divides the rate by ``factor`` instead, and training goes on.
    scikit-learn's ``learning_rate="adaptive"`` is
    ``ReduceOnPlateau(factor=0.2, patience=np.inf, min_learning_rate=1e-6)``:
    it only cuts the rate on the estimator's plateaus, by 5, and stops once
    the rate is at most 1e-6.

    Parameters
    ----------
    factor : float, default=0.1
        Multiplicative decrease, in (0, 1).
    patience : int or inf, default=10
        Epochs without improvement before a decrease; ``np.inf`` leaves the
        decreases to the estimator's plateaus (with ``min_learning_rate``).
    threshold : float, default=1e-4
        Relative improvement that counts.
    min_multiplier : float, default=0.0
        Lower bound of the multiplier.
    cooldown : int, default=0
        Epochs to wait after a decrease before counting again.
    monitor : {"auto", "loss", "validation_score"}, default="auto"
        What to watch: "auto" is the validation score when the estimator holds
        out a validation split (``early_stopping=True``) and the training
        loss otherwise.
    min_learning_rate : float or None, default=None
        While the learning rate is above it, the estimator's plateaus cut the
        rate instead of stopping training; None lets them stop it.

    Examples
    --------
    >>> from skopt_lab.optimizers import ReduceOnPlateau
    >>> ReduceOnPlateau(factor=0.5, patience=1).curve(5)  # loss never improves
    [1.0, 1.0, 1.0, 0.5, 0.5]
    """

    _parameter_constraints = {
        "factor": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left"), Options(Real, {math.inf})],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "min_multiplier": [Interval(Real, 0, 1, closed="both")],
        "cooldown": [Interval(Integral, 0, None, closed="left")],
        "monitor": [StrOptions({"auto", "loss", "validation_score"})],
        "min_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        factor=0.1,
        patience=10,
        threshold=1e-4,
        min_multiplier=0.0,
        cooldown=0,
        monitor="auto",
        min_learning_rate=None,
    ):
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.min_multiplier = min_multiplier
        self.cooldown = cooldown
        self.monitor = monitor
        self.min_learning_rate = min_learning_rate

    def validate(self, *, has_validation=None):
        super().validate(has_validation=has_validation)
        if self.monitor == "validation_score" and has_validation is False:
            raise ValueError(_NEEDS_VALIDATION)

    def init(self, n_epochs):
        return PlateauState(epoch=0, n_epochs=int(n_epochs))

    def multiplier(self, state):
        return state.value

    def end_epoch(self, state, *, loss, validation_score=None):
        super().end_epoch(state, loss=loss, validation_score=validation_score)
        if self.monitor == "validation_score" and validation_score is None:
            raise ValueError(_NEEDS_VALIDATION)
        use_loss = self.monitor == "loss" or validation_score is None
        metric = loss if use_loss else -validation_score  # lower is better
        best = state.best
        if math.isinf(best) or metric < best - self.threshold * abs(best):
            state.best, state.bad_epochs = metric, 0
        elif state.cooldown_left > 0:
            state.cooldown_left -= 1
        else:
            state.bad_epochs += 1
        if state.bad_epochs > self.patience:
            state.value = max(state.value * self.factor, self.min_multiplier)
            state.bad_epochs, state.cooldown_left = 0, self.cooldown

    def on_plateau(self, state, learning_rate):
        if self.min_learning_rate is None or learning_rate * state.value <= self.min_learning_rate:
            return False
        state.value *= self.factor
        state.bad_epochs, state.cooldown_left = 0, self.cooldown
        return True
