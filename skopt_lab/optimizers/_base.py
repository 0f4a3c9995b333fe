"""The optimizers' base class: flat parameter objects that build a chain of
gradient transforms.

Two layers, as in optax:

- A :class:`Transform` is one small step of the rule that turns a gradient
  into an update: clipping, a preconditioner (Adam's moments), decoupled
  weight decay, the learning rate. It holds only its hyperparameters; its
  ``init(params, context)`` creates its own typed state, and its
  ``update(updates, state, params, scratch)`` rewrites the updates in place.
  :class:`~skopt_lab.optimizers.Chain` composes transforms; the final
  updates are *added* to the parameters.
- An :class:`Optimizer` is the flat, tunable scikit-learn parameter object
  (``Adam(learning_rate=..., beta_1=...)``) that builds its chain:
  ``[ClipByGlobalNorm(clip_norm)] + optimizer.transforms() +
  [ScaleByLearningRate(learning_rate, schedule)]``.

Whether an optimizer trains by steps, by steps on full-batch gradients or
minimizes the full objective at once is its one declared attribute
``kind``, read by :func:`takes_steps` and :func:`full_batch` only.
"""

import inspect
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator

from .._compat import HasMethods, Interval
from ._combine import Chain
from ._protocol import Context, Layout, global_norm
from ._transforms import ClipByGlobalNorm, ScaleByLearningRate

#: The values of ``Optimizer.kind``: the training each optimizer asks for.
KINDS = {
    "steps": "takes a step per mini-batch",
    "full_batch": "takes a step per epoch, on the gradient of the whole training set",
    "minimize": "minimizes the whole objective at once (its own minimize method)",
}


def _kind(optimizer):
    kind = getattr(optimizer, "kind", None)
    if kind not in KINDS:
        raise TypeError(f"{type(optimizer).__name__}.kind must be one of {sorted(KINDS)}; got {kind!r}.")
    return kind


def takes_steps(optimizer):
    """Whether ``optimizer`` trains by gradient steps (its ``kind`` is not
    ``"minimize"``): only then do ``partial_fit``, early stopping, averaging,
    dropout and the l1 penalty apply."""
    return _kind(optimizer) != "minimize"


def full_batch(optimizer):
    """Whether ``optimizer`` needs the gradient of the whole training set
    (its ``kind`` is ``"full_batch"`` or ``"minimize"``)."""
    return _kind(optimizer) != "steps"


def _positive(closed="neither"):
    return Interval(Real, 0, None, closed=closed)


def _unit_interval(closed="left"):
    return Interval(Real, 0, 1, closed=closed)


def clip_by_global_norm(grads, clip_norm):
    """Scale ``grads`` so that their global norm is at most ``clip_norm``.

    Returns the original list untouched when no clipping is needed; the
    optimizers clip in place with :class:`ClipByGlobalNorm` instead.
    """
    if clip_norm is None:
        return grads
    norm = global_norm(grads)
    if not norm > clip_norm:
        return grads
    scale = clip_norm / norm
    return [g * scale for g in grads]


# --------------------------------------------------------------- optimizers
class Optimizer(BaseEstimator):
    """Base class of the optimizers: a flat parameter object that builds a chain.

    An optimizer is a *hyperparameter object*: it holds only its constructor
    arguments, so ``get_params``/``set_params``/``clone`` work and nested
    keys such as ``optimizer__learning_rate`` can be grid-searched. Its rule
    is a chain of :class:`Transform` objects, built from those
    hyperparameters by :meth:`chain`::

        ClipByGlobalNorm(clip_norm)          (when clip_norm is set)
        *optimizer.transforms()              (the optimizer's own rule)
        ScaleByLearningRate(learning_rate, schedule)

    Everything that changes during training lives in the chain's state,
    which the caller owns (the fitted estimator keeps it, so ``partial_fit``,
    ``warm_start`` and pickles continue exactly).

    To write an optimizer, declare its hyperparameters and their defaults
    as keywords of the class statement and return its transforms;
    ``learning_rate`` (whose default each optimizer declares), ``schedule``
    and ``clip_norm`` are shared: the signature is generated as
    ``(learning_rate=..., *, <the others>, schedule=None, clip_norm=None)``.
    A subclass inherits its parent's hyperparameters and adds its own::

        class Signum(Optimizer, learning_rate=1e-3, momentum=0.9):
            _parameter_constraints = {**Optimizer._parameter_constraints,
                                      "momentum": [Interval(Real, 0, 1, closed="left")]}

            def transforms(self):
                return [Ema(self.momentum), ScaleBySign()]

    ``_parameter_constraints`` declares the checks of each hyperparameter
    (:class:`Interval`, :class:`StrOptions`, ... are re-exported by
    :mod:`skopt_lab.optimizers`) and ``_more_validate_params`` those of
    several together; :meth:`validate` runs them once per fit.

    Class attribute ``kind`` says how the optimizer trains: ``"steps"`` (one
    step per mini-batch, the default), ``"full_batch"`` (one step per epoch
    on the whole training set's gradient, :class:`GD`) or ``"minimize"``
    (a ``minimize`` method that minimizes the whole objective,
    :class:`LBFGS`).

    Examples
    --------
    Sign-SGD in a few lines, driven by hand:

    >>> import numpy as np
    >>> from skopt_lab.optimizers import Optimizer, Transform
    >>> class ScaleBySign(Transform):
    ...     def update(self, updates, state, params, scratch):
    ...         for u in updates:
    ...             np.sign(u, out=u)
    >>> class SignSGD(Optimizer, learning_rate=0.01):
    ...     def transforms(self):
    ...         return [ScaleBySign()]
    >>> opt = SignSGD(learning_rate=0.5)
    >>> opt
    SignSGD(learning_rate=0.5)
    >>> params = [np.array([1.0, -2.0])]
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([3.0, -1.0])], state)
    >>> params[0]
    array([ 0.5, -1.5])
    """

    kind = "steps"
    # Whether a schedule may scale the learning rate (the schedule-free
    # optimizers average their iterates instead, and refuse one).
    takes_schedule = True

    _parameter_constraints: dict = {
        "learning_rate": [_positive()],
        "schedule": [HasMethods(["validate", "init", "multiplier", "end_epoch", "on_plateau"]), None],
        "clip_norm": [_positive(), None],
    }

    def __init_subclass__(cls, **defaults):
        super().__init_subclass__()
        former = sorted(set(vars(cls)) & _FORMER_PROTOCOL)
        if former:
            raise TypeError(
                f"{cls.__name__} defines {', '.join(former)}, of the former optimizer protocol, which "
                "nothing calls any more: return the optimizer's transforms from transforms() instead "
                "(a Transform has init(params, context) and update(updates, state, params, scratch)), "
                "and declare kind = 'full_batch' for a full-batch optimizer. See skopt_lab.optimizers.Optimizer."
            )
        if not defaults:
            return
        hyperparameters = {**getattr(cls, "_defaults", {}), **defaults}
        if "learning_rate" not in hyperparameters:
            raise TypeError(f"{cls.__name__} must declare the default of its learning_rate.")
        cls._defaults = hyperparameters
        if "__init__" not in vars(cls):
            cls.__init__ = _generated_init(cls, hyperparameters)

    # ------------------------------------------------------------ the rule
    def transforms(self):
        """The optimizer's own rule: the transforms between the clipping and
        the learning rate (none for plain gradient descent).

        Returns
        -------
        transforms : list of Transform
        """
        raise NotImplementedError(f"{type(self).__name__} must implement transforms().")

    def chain(self):
        """The chain of transforms this optimizer applies, built from its
        current hyperparameters.

        Returns
        -------
        chain : Chain
        """
        clip_norm = getattr(self, "clip_norm", None)
        clip = [ClipByGlobalNorm(clip_norm)] if clip_norm is not None else []
        return Chain(*clip, *self.transforms(), ScaleByLearningRate(self.learning_rate, getattr(self, "schedule", None)))

    # ---------------------------------------------------------- validation
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

    # ------------------------------------------------- driving it by hand
    def init(
        self, params, *, n_epochs=None, lr_scale=None, layout=None, previous=None, keep_schedule=False, validate=True
    ):
        """Create the state of this optimizer's chain for ``params``.

        Parameters
        ----------
        params : list of ndarray
            The arrays the optimizer will update, float32 or float64.
        n_epochs : int, default=None
            Length of the training run, the horizon of schedules that need
            one (cosine annealing); None without a schedule.
        lr_scale : ndarray or None, default=None
            Per-element factors of the learning rate (layer-wise learning
            rates in fine-tuning), the shape of the one parameter array.
        layout : Layout, default=None
            Which parts of ``params`` are which layer's weights; by default
            each array is one part.
        previous : state, default=None
            The state a previous run ended with, to continue from: each
            transform keeps its previous state when the chain's states have
            the same types in the same order and its arrays the same shapes
            (see :meth:`Chain.resume`).
        keep_schedule : bool, default=False
            With ``previous``, also continue the schedule where it stopped
            (``partial_fit``); otherwise it starts again.
        validate : bool, default=True
            Check the hyperparameters first (the estimators do it once per
            fit, before, and pass False).

        Returns
        -------
        state : tuple
            The chain's state: one typed state per transform.
        """
        if validate:
            self.validate()
        params = _check_params(params)
        context = Context(layout if layout is not None else Layout.of_arrays(params), n_epochs or 1, lr_scale)
        chain = self.chain()
        state = chain.init(params, context)
        if previous is not None:
            state = chain.resume(state, previous, keep_schedule=keep_schedule)
        return state

    def step(self, params, grads, state):
        """Apply one update to ``params`` in place.

        The estimators call the chain directly on their own buffers; this
        is the same step for a loop written by hand.

        Parameters
        ----------
        params : list of ndarray
            Arrays updated in place.
        grads : list of ndarray
            Gradients of the objective, one per array of ``params``. They are
            not modified.
        state : tuple
            The state returned by :meth:`init`, updated in place.
        """
        updates = [np.array(g, dtype=p.dtype) for p, g in zip(params, grads)]
        self.chain().update(updates, state, params, [np.empty_like(p) for p in params])
        for p, u in zip(params, updates):
            p += u


# Methods and attributes optimizers had before they were chains of transforms.
_FORMER_PROTOCOL = {"update", "init_state", "full_batch", "begin_epoch", "end_epoch", "on_plateau", "step_sizes"}


def _generated_init(cls, hyperparameters):
    """``__init__(self, learning_rate=..., *, <others>, schedule=None,
    clip_norm=None)``: stores each argument unchanged, as scikit-learn
    requires, under a signature that ``get_params`` and ``clone`` read."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "learning_rate", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=hyperparameters["learning_rate"]
        ),
        *(inspect.Parameter(name, keyword, default=value) for name, value in hyperparameters.items() if name != "learning_rate"),
        inspect.Parameter("schedule", keyword, default=None),
        inspect.Parameter("clip_norm", keyword, default=None),
    ]
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    return __init__


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
