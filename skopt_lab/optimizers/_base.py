"""The optimizer protocol and its base class."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator

from .._compat import HasMethods, Interval


def _positive(closed="neither"):
    return Interval(Real, 0, None, closed=closed)


def _unit_interval(closed="left"):
    return Interval(Real, 0, 1, closed=closed)


def global_norm(arrays):
    """Euclidean norm of a list of arrays taken as one vector."""
    return float(np.sqrt(sum(float(np.vdot(a, a)) for a in arrays)))


def clip_by_global_norm(grads, clip_norm):
    """Scale ``grads`` so that their global norm is at most ``clip_norm``.

    Returns the original list untouched when no clipping is needed, so the
    common case allocates nothing.
    """
    if clip_norm is None:
        return grads
    norm = global_norm(grads)
    if not norm > clip_norm:  # also leaves non-finite gradients to the trainer
        return grads
    scale = clip_norm / norm
    return [g * scale for g in grads]


class Optimizer(BaseEstimator):
    """Base class of every optimizer in skopt_lab.

    An optimizer is a *hyperparameter object*: it holds only its constructor
    arguments, so ``get_params``/``set_params``/``clone`` work and nested keys
    such as ``optimizer__learning_rate`` can be grid-searched. Everything that
    changes during training (moment estimates, step count, the current
    learning rate, the schedule's position) lives in a ``state`` dict that
    the caller owns, as in optax.

    The protocol the training engine drives, and that tests call directly:

    - ``opt.validate()`` checks the hyperparameters (the estimators call it
      before any training, with what the fit offers the schedule);
    - ``state = opt.init(params)``, with ``params`` a list of float arrays,
      creates the whole state;
    - ``opt.begin_epoch(state)`` sets the epoch's learning rate from the
      schedule and returns it;
    - ``opt.step(params, grads, state)`` updates ``params`` in place, once
      per batch;
    - ``opt.end_epoch(state, loss=..., validation_score=...)`` advances the
      schedule;
    - ``opt.on_plateau(state)`` when the estimator would stop on a plateau:
      True if the schedule cut the learning rate and training goes on.

    ``init`` creates ``state = {"step": 0, "learning_rate": ...,
    "scratch": [...], "schedule": ..., **self.init_state(params)}``, where
    ``scratch`` holds one work buffer per parameter array, so that an update
    need not allocate temporaries. ``step`` increments ``state["step"]``,
    clips the gradients to ``clip_norm`` and calls
    ``self.update(params, grads, state)``.

    To write an optimizer, subclass this class, declare the hyperparameters
    in ``__init__`` (store them unchanged, as scikit-learn requires) and
    implement:

    - ``init_state(params)``: a dict of per-parameter buffers (optional);
    - ``update(params, grads, state)``: the update rule, in place. Read the
      step count ``t = state["step"]`` (1 on the first step) and the current
      learning rate ``state["learning_rate"]``, which the schedule may change
      between epochs and which may be an array with one multiplier per
      element (layer-wise learning rates in fine-tuning);
    - ``_more_validate_params()``: checks that involve several
      hyperparameters (optional);
    - ``step_sizes(state)``: the per-element step size of the last update,
      for an adaptive optimizer (optional; the learning rate by default),
      which an l1 penalty's proximal step uses.

    A ``learning_rate`` and a ``schedule`` hyperparameter, if the optimizer
    has them, are applied by the base class. When an estimator continues
    training (``warm_start``, ``partial_fit``) with an optimizer of the same
    class, the buffers of the previous state whose shapes still fit are
    kept; see the estimators' ``warm_start``.

    Class attribute ``full_batch = True`` asks the trainer to pass the
    gradient of the whole training set at every step.

    Examples
    --------
    A sign-SGD optimizer in a few lines:

    >>> import numpy as np
    >>> from skopt_lab.optimizers import Optimizer
    >>> class SignSGD(Optimizer):
    ...     def __init__(self, learning_rate=0.01, clip_norm=None):
    ...         self.learning_rate = learning_rate
    ...         self.clip_norm = clip_norm
    ...     def update(self, params, grads, state):
    ...         for p, g in zip(params, grads):
    ...             p -= state["learning_rate"] * np.sign(g)
    >>> params = [np.array([1.0, -2.0])]
    >>> opt = SignSGD(learning_rate=0.5)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([3.0, -1.0])], state)
    >>> params[0]
    array([ 0.5, -1.5])
    """

    full_batch = False

    _parameter_constraints: dict = {
        "learning_rate": [_positive()],
        "schedule": [HasMethods(["validate", "init", "multiplier", "end_epoch", "on_plateau"]), None],
        "clip_norm": [_positive(), None],
    }

    def validate(self, *, has_validation=None):
        """Check the hyperparameters, the schedule's included.

        Parameters
        ----------
        has_validation : bool or None, default=None
            Whether the fit holds out a validation split, for a schedule
            that monitors the validation score; None when unknown.

        Raises
        ------
        ValueError
            Naming the hyperparameter that is invalid.
        """
        self._validate_params()
        self._more_validate_params()
        schedule = getattr(self, "schedule", None)
        if schedule is not None:
            schedule.validate(has_validation=has_validation)

    def _more_validate_params(self):
        """Checks of several hyperparameters together (none by default)."""

    def init(self, params, *, n_epochs=None, lr_scale=None):
        """Validate the hyperparameters and create the optimizer state.

        Parameters
        ----------
        params : list of ndarray
            The arrays the optimizer will update, float32 or float64.
        n_epochs : int, default=None
            Length of the training run, the horizon of schedules that need
            one (cosine annealing); None without a schedule.
        lr_scale : ndarray or None, default=None
            Per-element factors of the learning rate (layer-wise learning
            rates in fine-tuning), the shape of the concatenated parameters.

        Returns
        -------
        state : dict
            ``{"step": 0, "learning_rate": ..., "scratch": ...,
            "schedule": ...}`` plus the optimizer's buffers, each with the
            dtype of its parameter array.
        """
        self.validate()
        params = _check_params(params)
        schedule = getattr(self, "schedule", None)
        state = {
            "step": 0,
            "learning_rate": getattr(self, "learning_rate", None),
            "lr_scale": lr_scale,
            "scratch": [np.empty_like(p) for p in params],
            "schedule": schedule.init(n_epochs if n_epochs is not None else 1) if schedule is not None else None,
        }
        state.update(self.init_state(params))
        return state

    def init_state(self, params):
        """Per-parameter buffers of this optimizer (none by default)."""
        return {}

    def begin_epoch(self, state):
        """Set the epoch's learning rate: ``learning_rate`` × schedule × scale.

        Parameters
        ----------
        state : dict
            The state returned by :meth:`init`, updated in place.

        Returns
        -------
        learning_rate : float or None
            The epoch's learning rate before per-element scaling; None for
            an optimizer without one (L-BFGS).
        """
        rate = getattr(self, "learning_rate", None)
        if rate is None:
            return None
        if state["schedule"] is not None:
            rate = rate * self.schedule.multiplier(state["schedule"])
        scale = state["lr_scale"]
        state["learning_rate"] = rate if scale is None else rate * scale
        return rate

    def end_epoch(self, state, *, loss, validation_score=None):
        """Tell the schedule how the epoch went.

        Parameters
        ----------
        state : dict
            The state returned by :meth:`init`, updated in place.
        loss : float
            The epoch's training loss.
        validation_score : float or None, default=None
            The epoch's validation score, when the fit holds out a split.
        """
        if state["schedule"] is not None:
            self.schedule.end_epoch(state["schedule"], loss=loss, validation_score=validation_score)

    def step_sizes(self, state):
        """The step size of the last update, per parameter array: the
        learning rate, or per element for an adaptive optimizer (the
        learning rate over its preconditioner). The proximal step of an l1
        penalty shrinks each weight by its step size times the penalty, so
        that weights reach exact zeros whatever the optimizer.

        Parameters
        ----------
        state : dict
            The state returned by :meth:`init`, after a step.

        Returns
        -------
        step_sizes : list of float or ndarray
            One entry per parameter array.
        """
        return [state["learning_rate"]] * len(state["scratch"])

    def on_plateau(self, state):
        """The estimator's stopping rule found a plateau: whether training
        goes on because the schedule cut the learning rate (see
        :class:`ReduceOnPlateau`'s ``min_learning_rate``).

        Parameters
        ----------
        state : dict
            The state returned by :meth:`init`, updated in place.

        Returns
        -------
        go_on : bool
        """
        if state["schedule"] is None:
            return False
        return self.schedule.on_plateau(state["schedule"], self.learning_rate)

    def step(self, params, grads, state):
        """Apply one update to ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            Arrays updated in place.
        grads : list of ndarray
            Gradients of the objective, one per array of ``params``. They are
            not modified.
        state : dict
            The state returned by :meth:`init`, updated in place.
        """
        state["step"] += 1
        self.update(params, clip_by_global_norm(grads, getattr(self, "clip_norm", None)), state)

    def update(self, params, grads, state):
        """The update rule; subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement update(params, grads, state)."
        )

    @staticmethod
    def _zeros(params, fill=0.0):
        return [np.full_like(p, fill) for p in params]


def _check_params(params):
    if isinstance(params, np.ndarray):
        raise TypeError(
            "params must be a list of arrays, got a single ndarray; wrap it "
            "in a list: opt.init([params])."
        )
    params = list(params)
    for p in params:
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(
                "params must be float arrays (float32 or float64); got "
                f"{type(p).__name__} of dtype {getattr(p, 'dtype', None)}."
            )
    return params
