"""First-order optimizers: each update reads like its formula.

Notation in the docstrings: θ the parameters, g the (clipped) gradient, α the
current learning rate (after any schedule), t the step count starting at 1.
Buffers start at zero unless stated otherwise. Every ε must be positive: a
coordinate whose gradient has been exactly 0 so far (a dead unit, a constant
feature) would otherwise divide 0 by 0.

The updates write every intermediate into ``state["scratch"]`` (one buffer
per parameter array) instead of allocating temporaries: in float64 a
temporary the size of a network's parameters is above glibc's mmap
threshold, and allocating nine of them per step made Adam 3x slower.
"""

import math

import numpy as np

from ._base import Optimizer, _positive, _unit_interval


def _ema(average, value, decay, scratch):
    """average ← decay · average + (1 − decay) · value, in place.

    ``value`` may be ``scratch`` itself.
    """
    np.multiply(value, 1 - decay, out=scratch)
    average *= decay
    average += scratch


class GD(Optimizer):
    """Full-batch gradient descent.

    Update rule, on the gradient of the whole training set at every step::

        θ ← θ − α ∇J(θ)

    Reference: the seed document's gradient descent. The estimators ignore
    ``batch_size`` with this optimizer: one step is one epoch.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size α.
    schedule : schedule object, default=None
        Learning-rate schedule (see :mod:`skopt_lab.optimizers`); None keeps
        the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    full_batch = True

    def __init__(self, learning_rate=0.01, *, schedule=None, clip_norm=None):
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.clip_norm = clip_norm

    def update(self, params, grads, state):
        lr = state["learning_rate"]
        for p, g, tmp in zip(params, grads, state["scratch"]):
            p -= np.multiply(g, lr, out=tmp)  # θ ← θ − α g


class SGD(Optimizer):
    """Mini-batch stochastic gradient descent with optional (Nesterov) momentum.

    Update rule (torch.optim.SGD)::

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
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.01,
        *,
        momentum=0.0,
        nesterov=False,
        dampening=0.0,
        schedule=None,
        clip_norm=None,
    ):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.dampening = dampening
        self.schedule = schedule
        self.clip_norm = clip_norm

    def _more_validate_params(self):
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "SGD(nesterov=True) requires momentum > 0 and dampening=0; got "
                f"momentum={self.momentum}, dampening={self.dampening}."
            )

    def init_state(self, params):
        return {"buffer": self._zeros(params) if self.momentum else [None] * len(params)}

    def update(self, params, grads, state):
        lr, mu = state["learning_rate"], self.momentum
        for p, g, b, tmp in zip(params, grads, state["buffer"], state["scratch"]):
            direction = g
            if mu:
                if state["step"] == 1:
                    b[...] = g  # b ← g
                else:
                    b *= mu  # b ← μ b + (1 − τ) g
                    b += np.multiply(g, 1 - self.dampening, out=tmp)
                # d ← g + μ b (Nesterov) or b
                direction = np.add(g, np.multiply(b, mu, out=tmp), out=tmp) if self.nesterov else b
            p -= np.multiply(direction, lr, out=tmp)  # θ ← θ − α d


class Momentum(Optimizer):
    """Gradient descent with an exponential moving average of the gradient.

    Update rule (the seed document's momentum)::

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
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(self, learning_rate=0.01, *, beta=0.9, schedule=None, clip_norm=None):
        self.learning_rate = learning_rate
        self.beta = beta
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {"velocity": self._zeros(params)}

    def update(self, params, grads, state):
        lr, beta = state["learning_rate"], self.beta
        for p, g, v, tmp in zip(params, grads, state["velocity"], state["scratch"]):
            _ema(v, g, beta, tmp)  # v ← β v + (1 − β) g
            p -= np.multiply(v, lr, out=tmp)  # θ ← θ − α v


class AdaGrad(Optimizer):
    """Adaptive gradient: per-coordinate steps shrink with the gradient history.

    Update rule (torch.optim.Adagrad, without ``lr_decay``)::

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
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.01,
        *,
        epsilon=1e-10,
        initial_accumulator_value=0.0,
        schedule=None,
        clip_norm=None,
    ):
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.initial_accumulator_value = initial_accumulator_value
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {"sum_sq": self._zeros(params, self.initial_accumulator_value)}

    def update(self, params, grads, state):
        lr = state["learning_rate"]
        for p, g, s, tmp in zip(params, grads, state["sum_sq"], state["scratch"]):
            s += np.multiply(g, g, out=tmp)  # s ← s + g²
            denominator = np.sqrt(s, out=tmp)  # √s + ε
            denominator += self.epsilon
            step = np.divide(g, denominator, out=tmp)  # θ ← θ − α g / (√s + ε)
            p -= np.multiply(step, lr, out=tmp)


class RMSprop(Optimizer):
    """Root-mean-square propagation.

    Update rule (torch.optim.RMSprop; ``rho`` is torch's ``alpha``)::

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
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.01,
        *,
        rho=0.99,
        epsilon=1e-8,
        momentum=0.0,
        centered=False,
        schedule=None,
        clip_norm=None,
    ):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {
            "mean_sq": self._zeros(params),
            "mean_grad": self._zeros(params) if self.centered else [None] * len(params),
            "buffer": self._zeros(params) if self.momentum else [None] * len(params),
        }

    def update(self, params, grads, state):
        lr, rho = state["learning_rate"], self.rho
        for p, g, v, m, b, tmp in zip(
            params, grads, state["mean_sq"], state["mean_grad"], state["buffer"], state["scratch"]
        ):
            _ema(v, np.multiply(g, g, out=tmp), rho, tmp)  # v ← ρ v + (1 − ρ) g²
            if self.centered:
                _ema(m, g, rho, tmp)  # m ← ρ m + (1 − ρ) g
                r = np.sqrt(np.subtract(v, np.multiply(m, m, out=tmp), out=tmp), out=tmp)  # √(v − m²)
            else:
                r = np.sqrt(v, out=tmp)  # √v
            r += self.epsilon
            step = np.divide(g, r, out=tmp)  # g / r
            if self.momentum:
                b *= self.momentum  # b ← μ b + g / r
                b += step
                step = b
            p -= np.multiply(step, lr, out=tmp)  # θ ← θ − α step


class Adam(Optimizer):
    """Adaptive moment estimation.

    Update rule (torch.optim.Adam)::

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        amsgrad:  v̄ ← max(v̄, v), else v̄ = v
        θ ← θ − α/(1 − β₁ᵗ) · m / (√v̄ / √(1 − β₂ᵗ) + ε)

    ε is added to the bias-corrected √v̂, as in torch and Kingma & Ba (2015).

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size α.
    beta_1 : float, default=0.9
        Decay β₁ in [0, 1) of the first moment.
    beta_2 : float, default=0.999
        Decay β₂ in [0, 1) of the second moment.
    epsilon : float, default=1e-8
        ε added to the denominator.
    amsgrad : bool, default=False
        Use the running maximum of the second moment (Reddi et al., 2018).
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.001,
        *,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        amsgrad=False,
        schedule=None,
        clip_norm=None,
    ):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {
            "m": self._zeros(params),
            "v": self._zeros(params),
            "v_max": self._zeros(params) if self.amsgrad else [None] * len(params),
        }

    def update(self, params, grads, state):
        t, lr = state["step"], state["learning_rate"]
        b1, b2 = self.beta_1, self.beta_2
        step_size = lr / (1 - b1**t)
        sqrt_bias_2 = math.sqrt(1 - b2**t)
        for p, g, m, v, v_max, tmp in zip(
            params, grads, state["m"], state["v"], state["v_max"], state["scratch"]
        ):
            _ema(m, g, b1, tmp)  # m ← β₁ m + (1 − β₁) g
            _ema(v, np.multiply(g, g, out=tmp), b2, tmp)  # v ← β₂ v + (1 − β₂) g²
            if self.amsgrad:
                v = np.maximum(v_max, v, out=v_max)  # v̄ ← max(v̄, v)
            # θ ← θ − α/(1 − β₁ᵗ) · m / (√v̄ / √(1 − β₂ᵗ) + ε), with the bias
            # correction of v̄ moved to the numerator (one pass less)
            denominator = np.sqrt(v, out=tmp)
            denominator += self.epsilon * sqrt_bias_2
            step = np.divide(m, denominator, out=tmp)
            p -= np.multiply(step, step_size * sqrt_bias_2, out=tmp)


class AdamW(Adam):
    """Adam with decoupled weight decay.

    Update rule (torch.optim.AdamW): first shrink the parameters, then take
    the :class:`Adam` step::

        θ ← θ − α λ θ
        θ ← Adam step of θ with gradient g

    λ (``weight_decay``) acts on every parameter, independently of the
    gradient's scale, unlike an L2 penalty ``alpha`` on the loss.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size α.
    beta_1 : float, default=0.9
        Decay β₁ in [0, 1) of the first moment.
    beta_2 : float, default=0.999
        Decay β₂ in [0, 1) of the second moment.
    epsilon : float, default=1e-8
        ε added to the denominator.
    amsgrad : bool, default=False
        Use the running maximum of the second moment.
    weight_decay : float, default=0.01
        Decoupled decay λ ≥ 0.
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.001,
        *,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        amsgrad=False,
        weight_decay=0.01,
        schedule=None,
        clip_norm=None,
    ):
        super().__init__(
            learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            schedule=schedule,
            clip_norm=clip_norm,
        )
        self.weight_decay = weight_decay

    def update(self, params, grads, state):
        for p in params:
            p *= 1 - state["learning_rate"] * self.weight_decay  # θ ← θ − α λ θ
        super().update(params, grads, state)


class Nadam(Optimizer):
    """Adam with Nesterov momentum and momentum warm-up.

    Update rule (torch.optim.NAdam, Dozat 2016), with ψ the
    ``momentum_decay``::

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
    beta_1 : float, default=0.9
        Decay β₁ in [0, 1) of the first moment.
    beta_2 : float, default=0.999
        Decay β₂ in [0, 1) of the second moment.
    epsilon : float, default=1e-8
        ε added to the denominator.
    momentum_decay : float, default=0.004
        ψ, how fast the momentum warms up to β₁.
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(
        self,
        learning_rate=0.002,
        *,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        momentum_decay=0.004,
        schedule=None,
        clip_norm=None,
    ):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.momentum_decay = momentum_decay
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {
            "m": self._zeros(params),
            "v": self._zeros(params),
            "denominator": self._zeros(params),
            "mu_product": 1.0,
        }

    def update(self, params, grads, state):
        t, lr = state["step"], state["learning_rate"]
        b1, b2, psi = self.beta_1, self.beta_2, self.momentum_decay
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        grad_step = lr * (1 - mu) / (1 - mu_product)
        momentum_step = lr * mu_next / (1 - mu_product * mu_next)
        for p, g, m, v, d, tmp in zip(
            params, grads, state["m"], state["v"], state["denominator"], state["scratch"]
        ):
            _ema(m, g, b1, tmp)  # m ← β₁ m + (1 − β₁) g
            _ema(v, np.multiply(g, g, out=tmp), b2, tmp)  # v ← β₂ v + (1 − β₂) g²
            np.sqrt(np.divide(v, 1 - b2**t, out=d), out=d)  # d = √(v / (1 − β₂ᵗ)) + ε
            d += self.epsilon
            # θ ← θ − α (1 − μₜ)/(1 − Πₜ) · g / d − α μₜ₊₁/(1 − Πₜ μₜ₊₁) · m / d
            p -= np.multiply(np.divide(g, d, out=tmp), grad_step, out=tmp)
            p -= np.multiply(np.divide(m, d, out=tmp), momentum_step, out=tmp)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of past update and gradient RMS.

    Update rule (torch.optim.Adadelta, Zeiler 2012)::

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
    schedule : schedule object, default=None
        Learning-rate schedule; None keeps the learning rate constant.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

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

    def __init__(self, learning_rate=1.0, *, rho=0.9, epsilon=1e-6, schedule=None, clip_norm=None):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {
            "mean_sq_grad": self._zeros(params),
            "mean_sq_delta": self._zeros(params),
            "delta": self._zeros(params),
        }

    def update(self, params, grads, state):
        lr, rho, eps = state["learning_rate"], self.rho, self.epsilon
        for p, g, v, u, delta, tmp in zip(
            params, grads, state["mean_sq_grad"], state["mean_sq_delta"], state["delta"], state["scratch"]
        ):
            _ema(v, np.multiply(g, g, out=tmp), rho, tmp)  # v ← ρ v + (1 − ρ) g²
            np.sqrt(np.add(u, eps, out=delta), out=delta)  # Δ = √(u + ε) / √(v + ε) · g
            delta /= np.sqrt(np.add(v, eps, out=tmp), out=tmp)
            delta *= g
            _ema(u, np.multiply(delta, delta, out=tmp), rho, tmp)  # u ← ρ u + (1 − ρ) Δ²
            p -= np.multiply(delta, lr, out=tmp)  # θ ← θ − α Δ
