"""Optimizers and learning-rate schedules.

Every optimizer is a scikit-learn style parameter object: pass one as an
estimator's ``optimizer`` and tune it with nested keys such as
``optimizer__learning_rate``. Wherever an optimizer is accepted, so is its
lower-case name (``"adam"``, ``"sgd"``, ...); see :data:`OPTIMIZERS`.

Every step optimizer is a chain of small gradient transforms
(:class:`Transform`: :class:`ClipByGlobalNorm`, :class:`ScaleByAdam`,
:class:`AddDecayedWeights`, :class:`ScaleByLearningRate`, ...), composed by
:class:`Chain` and :class:`Partition`. To write an optimizer of your own,
subclass :class:`Optimizer`, declaring its hyperparameters in the class
statement, and return its transforms (existing ones, or a
:class:`Transform` of your own); declare its hyperparameters'
``_parameter_constraints`` with :class:`Interval`, :class:`StrOptions`,
:class:`Options` and :class:`HasMethods`, re-exported here from
scikit-learn's parameter validation.
"""

from sklearn.base import clone

from .._compat import HasMethods, Interval, Options, StrOptions
from ._base import KINDS, Optimizer, clip_by_global_norm, full_batch, takes_steps
from ._combine import Chain, Partition
from ._lbfgs import LBFGS
from ._protocol import Block, Context, Layout, Transform, global_norm
from ._schedules import (
    Constant,
    CosineAnnealing,
    ExponentialDecay,
    InverseScaling,
    ReduceOnPlateau,
    Schedule,
    StepDecay,
)
from ._recent import Lion, Muon, ScheduleFreeAdamW, ScheduleFreeSGD
from ._stochastic import GD, SGD, AdaGrad, Adadelta, Adam, AdamW, Momentum, Nadam, RMSprop
from ._transforms import (
    AddDecayedWeights,
    ClipByGlobalNorm,
    Ema,
    OrthogonalizedMomentum,
    ScaleBy,
    ScaleByAdadelta,
    ScaleByAdam,
    ScaleByLearningRate,
    ScaleByLion,
    ScaleByNadam,
    ScaleByRms,
    ScaleByRss,
    ScheduleFree,
    Trace,
    orthogonalize,
)

#: The one registry of optimizer names: (name, class, display name), in the
#: order the documentation and the command line list them; the seed
#: document's six come first.
REGISTRY = (
    ("gd", GD, "GD"),
    ("sgd", SGD, "SGD"),
    ("momentum", Momentum, "Momentum"),
    ("adagrad", AdaGrad, "AdaGrad"),
    ("rmsprop", RMSprop, "RMSprop"),
    ("adam", Adam, "Adam"),
    ("adamw", AdamW, "AdamW"),
    ("nadam", Nadam, "Nadam"),
    ("adadelta", Adadelta, "Adadelta"),
    ("lbfgs", LBFGS, "L-BFGS"),
    ("lion", Lion, "Lion"),
    ("schedulefree_adamw", ScheduleFreeAdamW, "Schedule-Free AdamW"),
    ("schedulefree_sgd", ScheduleFreeSGD, "Schedule-Free SGD"),
    ("muon", Muon, "Muon"),
)

#: The string shortcuts accepted wherever an optimizer is: name -> class.
OPTIMIZERS = {name: cls for name, cls, _ in REGISTRY}

#: How people write each optimizer's name: name -> display name.
DISPLAY_NAMES = {name: display for name, _, display in REGISTRY}


def display_name(optimizer):
    """The name to show for an optimizer: "L-BFGS" for ``"lbfgs"`` or ``LBFGS()``.

    Parameters
    ----------
    optimizer : None, str or Optimizer
        None (Adam, the estimators' default), a registered name or an
        optimizer object; an unregistered class shows its class name.

    Returns
    -------
    name : str

    Examples
    --------
    >>> from skopt_lab.optimizers import SGD, display_name
    >>> display_name("lbfgs"), display_name(SGD(momentum=0.9)), display_name(None)
    ('L-BFGS', 'SGD', 'Adam')
    """
    if optimizer is None:
        return DISPLAY_NAMES["adam"]
    if isinstance(optimizer, str):
        return DISPLAY_NAMES.get(optimizer, optimizer)
    for _, cls, display in REGISTRY:
        if type(optimizer) is cls:
            return display
    return type(optimizer).__name__


def get_optimizer(optimizer):
    """Return a fresh optimizer from ``None``, a name or an optimizer object.

    Parameters
    ----------
    optimizer : None, str or Optimizer
        None means ``Adam()``; a string is one of :data:`OPTIMIZERS`; an
        object is cloned, so the caller's instance is never modified.

    Returns
    -------
    optimizer : Optimizer
        An unfitted copy.

    Examples
    --------
    >>> from skopt_lab.optimizers import get_optimizer
    >>> get_optimizer("rmsprop")
    RMSprop()
    """
    if optimizer is None:
        return Adam()
    if isinstance(optimizer, str):
        try:
            return OPTIMIZERS[optimizer]()
        except KeyError:
            raise ValueError(
                f"Unknown optimizer {optimizer!r}. Use an Optimizer instance or "
                f"one of: {', '.join(repr(name) for name in OPTIMIZERS)}."
            ) from None
    if isinstance(optimizer, type):
        raise TypeError(
            f"optimizer must be an instance, not the class {optimizer.__name__}: "
            f"write {optimizer.__name__}() instead."
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer must be None, one of "
            f"{', '.join(repr(name) for name in OPTIMIZERS)}, or an instance of a "
            f"subclass of skopt_lab.optimizers.Optimizer; got {optimizer!r}."
        )
    return clone(optimizer)


__all__ = [
    "DISPLAY_NAMES",
    "KINDS",
    "OPTIMIZERS",
    "REGISTRY",
    "GD",
    "HasMethods",
    "Interval",
    "Options",
    "SGD",
    "StrOptions",
    "AdaGrad",
    "Adadelta",
    "Adam",
    "AdamW",
    "LBFGS",
    "Lion",
    "Momentum",
    "Muon",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "ScheduleFreeAdamW",
    "ScheduleFreeSGD",
    "AddDecayedWeights",
    "Block",
    "Chain",
    "ClipByGlobalNorm",
    "Context",
    "Ema",
    "Layout",
    "Partition",
    "OrthogonalizedMomentum",
    "ScaleBy",
    "ScaleByAdadelta",
    "ScaleByAdam",
    "ScaleByLearningRate",
    "ScaleByLion",
    "ScaleByNadam",
    "ScaleByRms",
    "ScaleByRss",
    "ScheduleFree",
    "Trace",
    "Transform",
    "Constant",
    "CosineAnnealing",
    "ExponentialDecay",
    "InverseScaling",
    "ReduceOnPlateau",
    "Schedule",
    "StepDecay",
    "clip_by_global_norm",
    "display_name",
    "full_batch",
    "get_optimizer",
    "global_norm",
    "orthogonalize",
    "takes_steps",
]
