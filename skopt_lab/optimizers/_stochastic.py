"""The first-order optimizers: flat parameter objects, each a short chain of
the transforms in ``_transforms.py`` (where the formulas and their code are).

Every optimizer's chain is ``[ClipByGlobalNorm(clip_norm)] + transforms() +
[ScaleByLearningRate(learning_rate, schedule)]`` (see :class:`Optimizer`);
the class statement declares its hyperparameters and their defaults.

Notation in the docstrings: θ the parameters, g the (clipped) gradient, α
the current learning rate (after any schedule), t the step count starting
at 1.
"""

from ._base import Optimizer, _positive, _unit_interval
from ._transforms import (
    MOMENT_PARAMETERS,
    AddDecayedWeights,
    Ema,
    ScaleByAdadelta,
    ScaleByAdam,
    ScaleByNadam,
    ScaleByRms,
    ScaleByRss,
    Trace,
    documented,
)

_SHARED_PARAMETERS = """\
    schedule : schedule object, default=None
        Learning-rate schedule (see :mod:`skopt_lab.optimizers`); None keeps
        the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this."""

_ADAM_PARAMETERS = f"""\
{MOMENT_PARAMETERS}
    amsgrad : bool, default=False
        Use the running maximum of the second moment (Reddi et al., 2018)."""

# Every optimizer's docstring lists the parameters it shares with the others.
_documented = documented(
    shared_parameters=_SHARED_PARAMETERS, adam_parameters=_ADAM_PARAMETERS, moment_parameters=MOMENT_PARAMETERS
)


@_documented
class GD(Optimizer, learning_rate=0.01):
    """Full-batch gradient descent.

    Update rule, on the gradient of the whole training set at every step::

        θ ← θ − α ∇J(θ)

    Reference: the seed document's gradient descent. The estimators ignore
    ``batch_size`` with this optimizer: one step is one epoch.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import GD
    >>> params, opt = [np.array([1.0])], GD(learning_rate=0.1)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([2.0])], state)
    >>> params[0]
    array([0.8])
    """

    kind = "full_batch"

    def transforms(self):
        return []


@_documented
class SGD(Optimizer, learning_rate=0.01, momentum=0.0, nesterov=False, dampening=0.0):
    """Mini-batch stochastic gradient descent with optional (Nesterov) momentum.

    Update rule (torch.optim.SGD), :class:`Trace` when μ > 0::

        b ← g                       at t = 1
        b ← μ b + (1 − τ) g         for t > 1
        d ← g + μ b  if nesterov else b      (d = g when μ = 0)
        θ ← θ − α d

    with μ the ``momentum`` and τ the ``dampening``.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    momentum : float, default=0.0
        Momentum factor μ in [0, 1).
    nesterov : bool, default=False
        Use Nesterov momentum (requires ``momentum > 0`` and no dampening).
    dampening : float, default=0.0
        Dampening τ in [0, 1) of the gradient added to the buffer.
    {shared_parameters}

    Examples
    --------
    >>> from skopt_lab.optimizers import SGD
    >>> SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
    SGD(learning_rate=0.05, momentum=0.9, nesterov=True)
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "momentum": [_unit_interval()],
        "nesterov": ["boolean"],
        "dampening": [_unit_interval()],
    }

    def _more_validate_params(self):
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "SGD(nesterov=True) requires momentum > 0 and dampening=0; got "
                f"momentum={self.momentum}, dampening={self.dampening}."
            )

    def transforms(self):
        return [Trace(self.momentum, self.dampening, self.nesterov)] if self.momentum else []


@_documented
class Momentum(Optimizer, learning_rate=0.01, beta=0.9):
    """Gradient descent with an exponential moving average of the gradient.

    Update rule (the seed document's momentum, :class:`Ema`)::

        v ← β v + (1 − β) g
        θ ← θ − α v

    Unlike :class:`SGD` with ``momentum``, the buffer averages rather than
    sums the gradients, so the step size does not grow by 1/(1 − β).

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    beta : float, default=0.9
        Decay β in [0, 1) of the moving average.
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Momentum
    >>> params, opt = [np.array([1.0])], Momentum(learning_rate=1.0, beta=0.5)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([2.0])], state)
    >>> params[0]
    array([0.])
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta": [_unit_interval()],
    }

    def transforms(self):
        return [Ema(self.beta)]


@_documented
class AdaGrad(Optimizer, learning_rate=0.01, epsilon=1e-10, initial_accumulator_value=0.0):
    """Adaptive gradient: per-coordinate steps shrink with the gradient history.

    Update rule (torch.optim.Adagrad without ``lr_decay``, :class:`ScaleByRss`)::

        s ← s + g²                  (s starts at initial_accumulator_value)
        θ ← θ − α g / (√s + ε)

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    epsilon : float, default=1e-10
        ε added to the denominator.
    initial_accumulator_value : float, default=0.0
        Starting value of the sum of squares s.
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import AdaGrad
    >>> params, opt = [np.array([1.0])], AdaGrad(learning_rate=0.5)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([4.0])], state)
    >>> params[0].round(9)
    array([0.5])
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "epsilon": [_positive()],
        "initial_accumulator_value": [_positive("left")],
    }

    def transforms(self):
        return [ScaleByRss(self.epsilon, self.initial_accumulator_value)]


@_documented
class RMSprop(Optimizer, learning_rate=0.01, rho=0.99, epsilon=1e-8, momentum=0.0, centered=False):
    """Root-mean-square propagation.

    Update rule (torch.optim.RMSprop; ``rho`` is torch's ``alpha``):
    :class:`ScaleByRms`, then a :class:`Trace` when μ > 0::

        v ← ρ v + (1 − ρ) g²
        centered:  m ← ρ m + (1 − ρ) g,   r = √(v − m²) + ε
        otherwise:                        r = √v + ε
        momentum μ > 0:  b ← μ b + g / r,  θ ← θ − α b
        otherwise:                         θ ← θ − α g / r

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    rho : float, default=0.99
        Decay ρ in [0, 1) of the mean square.
    epsilon : float, default=1e-8
        ε added to the root mean square.
    momentum : float, default=0.0
        Momentum factor μ in [0, 1).
    centered : bool, default=False
        Normalise by an estimate of the gradient's variance instead of its
        second moment.
    {shared_parameters}

    Examples
    --------
    >>> from skopt_lab.optimizers import RMSprop
    >>> RMSprop(learning_rate=1e-3, centered=True)
    RMSprop(centered=True, learning_rate=0.001)
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "rho": [_unit_interval()],
        "epsilon": [_positive()],
        "momentum": [_unit_interval()],
        "centered": ["boolean"],
    }

    def transforms(self):
        momentum = [Trace(self.momentum)] if self.momentum else []
        return [ScaleByRms(self.rho, self.epsilon, self.centered), *momentum]


@_documented
class Adam(Optimizer, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, amsgrad=False):
    """Adaptive moment estimation.

    Update rule (torch.optim.Adam, :class:`ScaleByAdam`)::

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        amsgrad:  v̄ ← max(v̄, v), else v̄ = v
        θ ← θ − α/(1 − β₁ᵗ) · m / (√v̄ / √(1 − β₂ᵗ) + ε)

    ε is added to the bias-corrected √v̂, as in torch and Kingma & Ba (2015).

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size α.
    {adam_parameters}
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Adam
    >>> params, opt = [np.array([1.0, 1.0])], Adam(learning_rate=0.1)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([0.5, -3.0])], state)
    >>> params[0].round(6)  # the first step has length α whatever the scale
    array([0.9, 1.1])
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta_1": [_unit_interval()],
        "beta_2": [_unit_interval()],
        "epsilon": [_positive()],
        "amsgrad": ["boolean"],
    }

    def transforms(self):
        return [ScaleByAdam(self.beta_1, self.beta_2, self.epsilon, self.amsgrad)]


@_documented
class AdamW(Adam, weight_decay=0.01):
    """Adam with decoupled weight decay.

    Update rule (torch.optim.AdamW): the :class:`Adam` direction plus the
    decayed weights (:class:`AddDecayedWeights`), times the learning rate::

        θ ← θ − α λ θ − α · (Adam's direction for g)

    λ (``weight_decay``) acts on every parameter, independently of the
    gradient's scale, unlike an L2 penalty ``alpha`` on the loss.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size α.
    {adam_parameters}
    weight_decay : float, default=0.01
        Decoupled decay λ ≥ 0.
    {shared_parameters}

    Examples
    --------
    >>> from skopt_lab.optimizers import AdamW
    >>> AdamW(weight_decay=0.1)
    AdamW(weight_decay=0.1)
    """

    _parameter_constraints = {
        **Adam._parameter_constraints,
        "weight_decay": [_positive("left")],
    }

    def transforms(self):
        return [*super().transforms(), AddDecayedWeights(self.weight_decay)]


@_documented
class Nadam(Optimizer, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-8, momentum_decay=0.004):
    """Adam with Nesterov momentum and momentum warm-up.

    Update rule (torch.optim.NAdam, Dozat 2016, :class:`ScaleByNadam`), with
    ψ the ``momentum_decay``::

        μₜ = β₁ (1 − ½ · 0.96^(t ψ)),   μₜ₊₁ = β₁ (1 − ½ · 0.96^((t+1) ψ))
        Πₜ = μ₁ μ₂ … μₜ
        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        d = √(v / (1 − β₂ᵗ)) + ε
        θ ← θ − α (1 − μₜ)/(1 − Πₜ) · g / d − α μₜ₊₁/(1 − Πₜ μₜ₊₁) · m / d

    Parameters
    ----------
    learning_rate : float, default=0.002
        Step size α.
    {moment_parameters}
    momentum_decay : float, default=0.004
        ψ, how fast the momentum warms up to β₁.
    {shared_parameters}

    Examples
    --------
    >>> from skopt_lab.optimizers import Nadam
    >>> Nadam()
    Nadam()
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta_1": [_unit_interval()],
        "beta_2": [_unit_interval()],
        "epsilon": [_positive()],
        "momentum_decay": [_positive("left")],
    }

    def transforms(self):
        return [ScaleByNadam(self.beta_1, self.beta_2, self.epsilon, self.momentum_decay)]


@_documented
class Adadelta(Optimizer, learning_rate=1.0, rho=0.9, epsilon=1e-6):
    """Adadelta: steps scaled by the ratio of past update and gradient RMS.

    Update rule (torch.optim.Adadelta, Zeiler 2012, :class:`ScaleByAdadelta`)::

        v ← ρ v + (1 − ρ) g²
        Δ = √(u + ε) / √(v + ε) · g
        u ← ρ u + (1 − ρ) Δ²
        θ ← θ − α Δ

    Parameters
    ----------
    learning_rate : float, default=1.0
        Multiplier α of the update (1.0 is the original method).
    rho : float, default=0.9
        Decay ρ in [0, 1) of both running averages.
    epsilon : float, default=1e-6
        ε inside both square roots.
    {shared_parameters}

    Examples
    --------
    >>> from skopt_lab.optimizers import Adadelta
    >>> Adadelta(rho=0.95)
    Adadelta(rho=0.95)
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "rho": [_unit_interval()],
        "epsilon": [_positive()],
    }

    def transforms(self):
        return [ScaleByAdadelta(self.rho, self.epsilon)]
