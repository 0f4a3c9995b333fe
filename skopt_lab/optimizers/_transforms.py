"""The gradient transforms the optimizers are built of: each reads like its formula.

Notation: u the update a transform receives (the gradient g, as the earlier
transforms of the chain left it) and rewrites, θ the parameters, t the step
count of the transform, starting at 1. Buffers start at zero unless stated
otherwise. Every ε must be positive: a coordinate whose gradient has been
exactly 0 so far (a dead unit, a constant feature) would otherwise divide 0
by 0.

The updates are rewritten in place, and every intermediate goes to the
``scratch`` arrays the caller provides instead of a temporary: in float64 a
temporary the size of a network's parameters is above glibc's mmap
threshold, and allocating nine of them per step made Adam 3x slower.
"""

import dataclasses
import itertools
import math

import numpy as np

from ._protocol import Transform, global_norm, same_layout


def _ema(average, value, decay, scratch):
    """average ← decay · average + (1 − decay) · value, in place.

    ``value`` may be ``scratch`` itself.
    """
    np.multiply(value, 1 - decay, out=scratch)
    average *= decay
    average += scratch


#: The hyperparameters of Adam's moments, documented once.
MOMENT_PARAMETERS = """\
    beta_1 : float, default=0.9
        Decay β₁ in [0, 1) of the first moment.
    beta_2 : float, default=0.999
        Decay β₂ in [0, 1) of the second moment.
    epsilon : float, default=1e-8
        ε added to the denominator."""


def documented(**sections):
    """Class decorator: put each docstring section in place of its
    ``{name}`` marker (alone on its line, indented as a parameter)."""

    def decorate(cls):
        for name, text in sections.items():
            cls.__doc__ = cls.__doc__.replace(f"    {{{name}}}", text)
        return cls

    return decorate


def _zeros(params, fill=0.0):
    return [np.full_like(p, fill) for p in params]


# ------------------------------------------------------------ shared steps
@dataclasses.dataclass(frozen=True)
class ClipByGlobalNorm(Transform):
    """Rescale the updates so that their global norm is at most ``max_norm``::

        u ← u · max_norm / ‖u‖   when ‖u‖ > max_norm

    with ‖u‖ the norm of every array together. A non-finite norm is left
    alone, for the trainer to report as a divergence.

    Parameters
    ----------
    max_norm : float
        Largest global norm, positive.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import ClipByGlobalNorm
    >>> updates = [np.array([3.0, 0.0]), np.array([4.0])]  # global norm 5
    >>> ClipByGlobalNorm(1.0).update(updates, None, None, None)
    >>> [u.round(6).tolist() for u in updates]
    [[0.6, 0.0], [0.8]]
    """

    max_norm: float

    def update(self, updates, state, params, scratch):
        norm = global_norm(updates)
        if norm > self.max_norm:
            for u in updates:
                u *= self.max_norm / norm


@dataclasses.dataclass
class LearningRateState:
    """The factor of the epoch's step, −α · m(e) · s, and what makes it."""

    factor: float | np.ndarray
    lr_scale: np.ndarray | None
    schedule: object


@dataclasses.dataclass(frozen=True, eq=False)
class ScaleByLearningRate(Transform):
    """Turn a direction into a step down the gradient::

        u ← −α · m(e) · s ⊙ u

    α the ``learning_rate``, m(e) the multiplier of the ``schedule`` for the
    epoch e (1 without one), s the run's per-element factors (layer-wise
    rates in fine-tuning, :class:`Context`'s ``lr_scale``; 1 by default).
    The factor is set when each epoch begins; the schedule is told how each
    epoch ended, and may cut the rate on a plateau of the estimator's
    stopping rule. A continued ``fit`` starts the schedule again; with
    ``keep_schedule`` (``partial_fit``) it goes on from where it was.

    Parameters
    ----------
    learning_rate : float
        Base learning rate α.
    schedule : Schedule or None, default=None
        Learning-rate schedule, or None for a constant rate.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByLearningRate, StepDecay
    >>> scale = ScaleByLearningRate(0.1, StepDecay(step_size=1, gamma=0.5))
    >>> params = [np.zeros(1)]
    >>> state = scale.init(params, Context(Layout.of_arrays(params), n_epochs=3))
    >>> scale.begin_epoch(state), scale.end_epoch(state, loss=1.0), scale.begin_epoch(state)
    (0.1, None, 0.05)
    >>> updates = [np.array([2.0])]
    >>> scale.update(updates, state, params, None)
    >>> updates[0]
    array([-0.1])
    """

    learning_rate: float
    schedule: object = None

    def init(self, params, context):
        schedule = self.schedule.init(context.n_epochs) if self.schedule is not None else None
        state = LearningRateState(factor=None, lr_scale=context.lr_scale, schedule=schedule)
        self.begin_epoch(state)
        return state

    def resume(self, state, previous, *, keep_schedule=False):
        """The fresh rate and factors; the schedule's position too unless
        ``keep_schedule`` and the schedule's state has the same type."""
        if keep_schedule and state.schedule is not None and type(previous.schedule) is type(state.schedule):
            state.schedule = previous.schedule
            self.begin_epoch(state)
        return state

    def begin_epoch(self, state):
        rate = self.learning_rate
        if state.schedule is not None:
            rate = rate * self.schedule.multiplier(state.schedule)
        state.factor = -rate if state.lr_scale is None else -(rate * state.lr_scale)
        return rate

    def update(self, updates, state, params, scratch):
        for u in updates:
            u *= state.factor  # u ← −α m(e) s ⊙ u

    def end_epoch(self, state, *, loss, validation_score=None):
        if state.schedule is not None:
            self.schedule.end_epoch(state.schedule, loss=loss, validation_score=validation_score)

    def on_plateau(self, state):
        if state.schedule is None:
            return False
        return self.schedule.on_plateau(state.schedule, self.learning_rate)

    def step_scale(self, state, params):
        return -state.factor


@dataclasses.dataclass(frozen=True)
class AddDecayedWeights(Transform):
    """Add the weights, scaled by the decay::

        u ← u + λ θ

    Placed before :class:`ScaleByLearningRate`, this is decoupled weight
    decay (Loshchilov & Hutter, 2019): the step becomes θ ← θ − α (u + λ θ),
    a shrinkage of every parameter by α λ independent of the gradient's
    scale, unlike an L2 penalty on the loss.

    Parameters
    ----------
    weight_decay : float
        Decay λ ≥ 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import AddDecayedWeights
    >>> params, updates = [np.array([2.0])], [np.array([1.0])]
    >>> AddDecayedWeights(0.1).update(updates, None, params, [np.empty(1)])
    >>> updates[0]
    array([1.2])
    """

    weight_decay: float

    def update(self, updates, state, params, scratch):
        for u, p, tmp in zip(updates, params, scratch):
            u += np.multiply(p, self.weight_decay, out=tmp)  # u ← u + λ θ


# -------------------------------------------------------------- momentum
@dataclasses.dataclass
class TraceState:
    count: int
    buffer: list


@dataclasses.dataclass(frozen=True)
class Trace(Transform):
    """Momentum (torch.optim.SGD's buffer)::

        b ← u                       at t = 1
        b ← μ b + (1 − τ) u         for t > 1
        u ← u + μ b  if nesterov, else b

    with μ the ``momentum`` and τ the ``dampening``.

    Parameters
    ----------
    momentum : float
        Momentum factor μ in [0, 1).
    dampening : float, default=0.0
        Dampening τ in [0, 1) of the update added to the buffer.
    nesterov : bool, default=False
        Nesterov momentum: look ahead along the buffer.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, Trace
    >>> trace, params = Trace(0.5), [np.zeros(1)]
    >>> state = trace.init(params, Context(Layout.of_arrays(params)))
    >>> for g in (2.0, 2.0):
    ...     updates = [np.array([g])]
    ...     trace.update(updates, state, params, [np.empty(1)])
    >>> updates[0]  # 0.5 · 2 + 2
    array([3.])
    """

    momentum: float
    dampening: float = 0.0
    nesterov: bool = False

    def init(self, params, context):
        return TraceState(count=0, buffer=_zeros(params))

    def update(self, updates, state, params, scratch):
        state.count += 1
        mu = self.momentum
        for u, b, tmp in zip(updates, state.buffer, scratch):
            if state.count == 1:
                b[...] = u  # b ← u
            else:
                b *= mu  # b ← μ b + (1 − τ) u
                b += np.multiply(u, 1 - self.dampening, out=tmp) if self.dampening else u
            if self.nesterov:
                u += np.multiply(b, mu, out=tmp)  # u ← u + μ b
            else:
                u[...] = b  # u ← b


@dataclasses.dataclass
class EmaState:
    average: list


@dataclasses.dataclass(frozen=True)
class Ema(Transform):
    """An exponential moving average of the updates (the seed's momentum)::

        v ← β v + (1 − β) u
        u ← v

    Unlike :class:`Trace`, the buffer averages rather than sums the
    gradients, so the step does not grow by 1/(1 − β).

    Parameters
    ----------
    decay : float
        Decay β in [0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Ema, Layout
    >>> ema, params = Ema(0.5), [np.zeros(1)]
    >>> state = ema.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([2.0])]
    >>> ema.update(updates, state, params, [np.empty(1)])
    >>> updates[0]
    array([1.])
    """

    decay: float

    def init(self, params, context):
        return EmaState(average=_zeros(params))

    def update(self, updates, state, params, scratch):
        for u, v, tmp in zip(updates, state.average, scratch):
            _ema(v, u, self.decay, tmp)  # v ← β v + (1 − β) u
            u[...] = v  # u ← v


# -------------------------------------------------------- preconditioners
@dataclasses.dataclass
class RssState:
    sum_of_squares: list


@dataclasses.dataclass(frozen=True)
class ScaleByRss(Transform):
    """AdaGrad's scaling by the root of the sum of squared gradients::

        s ← s + u²                  (s starts at initial_accumulator_value)
        u ← u / (√s + ε)

    Parameters
    ----------
    epsilon : float, default=1e-10
        ε added to the denominator.
    initial_accumulator_value : float, default=0.0
        Starting value of the sum of squares s.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByRss
    >>> rss, params = ScaleByRss(), [np.zeros(1)]
    >>> state = rss.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([4.0])]
    >>> rss.update(updates, state, params, [np.empty(1)])
    >>> updates[0].round(9)
    array([1.])
    """

    epsilon: float = 1e-10
    initial_accumulator_value: float = 0.0

    def init(self, params, context):
        return RssState(sum_of_squares=_zeros(params, self.initial_accumulator_value))

    def update(self, updates, state, params, scratch):
        for u, s, tmp in zip(updates, state.sum_of_squares, scratch):
            s += np.multiply(u, u, out=tmp)  # s ← s + u²
            denominator = np.sqrt(s, out=tmp)  # u ← u / (√s + ε)
            denominator += self.epsilon
            u /= denominator

    def step_scale(self, state, params):
        return [1 / (np.sqrt(s) + self.epsilon) for s in state.sum_of_squares]


@dataclasses.dataclass
class RmsState:
    mean_square: list
    mean: list | None


@dataclasses.dataclass(frozen=True)
class ScaleByRms(Transform):
    """RMSprop's scaling by the root mean square of the gradients::

        v ← ρ v + (1 − ρ) u²
        centered:  m ← ρ m + (1 − ρ) u,   r = √(v − m²) + ε
        otherwise:                        r = √v + ε
        u ← u / r

    Parameters
    ----------
    rho : float, default=0.99
        Decay ρ in [0, 1) of the mean square.
    epsilon : float, default=1e-8
        ε added to the root mean square.
    centered : bool, default=False
        Normalise by an estimate of the gradient's variance instead of its
        second moment.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByRms
    >>> rms, params = ScaleByRms(rho=0.75), [np.zeros(1)]
    >>> state = rms.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([4.0])]
    >>> rms.update(updates, state, params, [np.empty(1)])
    >>> updates[0].round(6)  # 4 / √(0.25 · 16)
    array([2.])
    """

    rho: float = 0.99
    epsilon: float = 1e-8
    centered: bool = False

    def init(self, params, context):
        return RmsState(mean_square=_zeros(params), mean=_zeros(params) if self.centered else None)

    def update(self, updates, state, params, scratch):
        means = state.mean if self.centered else itertools.repeat(None)
        for u, v, m, tmp in zip(updates, state.mean_square, means, scratch):
            _ema(v, np.multiply(u, u, out=tmp), self.rho, tmp)  # v ← ρ v + (1 − ρ) u²
            if self.centered:
                _ema(m, u, self.rho, tmp)  # m ← ρ m + (1 − ρ) u
                r = np.sqrt(np.subtract(v, np.multiply(m, m, out=tmp), out=tmp), out=tmp)  # √(v − m²)
            else:
                r = np.sqrt(v, out=tmp)  # √v
            r += self.epsilon
            u /= r  # u ← u / r

    def step_scale(self, state, params):
        means = state.mean if self.centered else itertools.repeat(None)
        return [1 / (np.sqrt(v - m * m if self.centered else v) + self.epsilon) for v, m in zip(state.mean_square, means)]


@dataclasses.dataclass
class AdamState:
    count: int
    m: list
    v: list
    v_max: list | None


@documented(moment_parameters=MOMENT_PARAMETERS)
@dataclasses.dataclass(frozen=True)
class ScaleByAdam(Transform):
    """Adam's scaling by bias-corrected moment estimates::

        m ← β₁ m + (1 − β₁) u
        v ← β₂ v + (1 − β₂) u²
        amsgrad:  v̄ ← max(v̄, v), else v̄ = v
        u ← m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v̄ / (1 − β₂ᵗ)

    ε is added to the bias-corrected √v̂, as in torch and Kingma & Ba (2015).

    Parameters
    ----------
    {moment_parameters}
    amsgrad : bool, default=False
        Use the running maximum of the second moment (Reddi et al., 2018).

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByAdam
    >>> adam, params = ScaleByAdam(), [np.zeros(2)]
    >>> state = adam.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([0.5, -3.0])]
    >>> adam.update(updates, state, params, [np.empty(2)])
    >>> updates[0].round(6)  # the first step has length 1 whatever the scale
    array([ 1., -1.])
    """

    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    amsgrad: bool = False

    def init(self, params, context):
        return AdamState(count=0, m=_zeros(params), v=_zeros(params), v_max=_zeros(params) if self.amsgrad else None)

    def update(self, updates, state, params, scratch):
        state.count += 1
        t, b1, b2 = state.count, self.beta_1, self.beta_2
        # m / (√v̄ + ε √(1 − β₂ᵗ)) · √(1 − β₂ᵗ) / (1 − β₁ᵗ) = m̂ / (√v̂ + ε): one pass less
        sqrt_bias_2 = math.sqrt(1 - b2**t)
        maxima = state.v_max if self.amsgrad else itertools.repeat(None)
        for u, m, v, v_max, tmp in zip(updates, state.m, state.v, maxima, scratch):
            _ema(m, u, b1, tmp)  # m ← β₁ m + (1 − β₁) u
            _ema(v, np.multiply(u, u, out=tmp), b2, tmp)  # v ← β₂ v + (1 − β₂) u²
            if self.amsgrad:
                v = np.maximum(v_max, v, out=v_max)  # v̄ ← max(v̄, v)
            denominator = np.sqrt(v, out=tmp)
            denominator += self.epsilon * sqrt_bias_2
            np.divide(m, denominator, out=u)  # u ← m̂ / (√v̂ + ε)
            u *= sqrt_bias_2 / (1 - b1**t)

    def step_scale(self, state, params):
        # 1/(1 − β₁ᵗ) / (√v̂ + ε)
        t = state.count
        second = state.v_max if self.amsgrad else state.v
        return [1 / (1 - self.beta_1**t) / (np.sqrt(v / (1 - self.beta_2**t)) + self.epsilon) for v in second]


@dataclasses.dataclass
class NadamState:
    count: int
    mu_product: float
    m: list
    v: list


@documented(moment_parameters=MOMENT_PARAMETERS)
@dataclasses.dataclass(frozen=True)
class ScaleByNadam(Transform):
    """Adam with Nesterov momentum and momentum warm-up (Dozat 2016, torch.optim.NAdam)::

        μₜ = β₁ (1 − ½ · 0.96^(t ψ)),   μₜ₊₁ = β₁ (1 − ½ · 0.96^((t+1) ψ))
        Πₜ = μ₁ μ₂ … μₜ
        m ← β₁ m + (1 − β₁) u
        v ← β₂ v + (1 − β₂) u²
        d = √(v / (1 − β₂ᵗ)) + ε
        u ← (1 − μₜ)/(1 − Πₜ) · u / d + μₜ₊₁/(1 − Πₜ μₜ₊₁) · m / d

    with ψ the ``momentum_decay``.

    Parameters
    ----------
    {moment_parameters}
    momentum_decay : float, default=0.004
        ψ, how fast the momentum warms up to β₁.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByNadam
    >>> nadam, params = ScaleByNadam(), [np.zeros(1)]
    >>> state = nadam.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([-3.0])]
    >>> nadam.update(updates, state, params, [np.empty(1)])
    >>> updates[0].round(6)  # g / |g|, and the momentum's look-ahead
    array([-1.056452])
    """

    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    momentum_decay: float = 0.004

    def init(self, params, context):
        return NadamState(count=0, mu_product=1.0, m=_zeros(params), v=_zeros(params))

    def update(self, updates, state, params, scratch):
        state.count += 1
        t, b1, b2, psi = state.count, self.beta_1, self.beta_2, self.momentum_decay
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        state.mu_product *= mu
        gradient_weight = (1 - mu) / (1 - state.mu_product)
        momentum_weight = mu_next / (1 - state.mu_product * mu_next)
        for u, m, v, d in zip(updates, state.m, state.v, scratch):
            _ema(m, u, b1, d)  # m ← β₁ m + (1 − β₁) u
            _ema(v, np.multiply(u, u, out=d), b2, d)  # v ← β₂ v + (1 − β₂) u²
            np.sqrt(np.divide(v, 1 - b2**t, out=d), out=d)  # d = √(v / (1 − β₂ᵗ)) + ε
            d += self.epsilon
            # u ← (1 − μₜ)/(1 − Πₜ) · u / d + μₜ₊₁/(1 − Πₜ μₜ₊₁) · m / d
            u /= d
            u *= gradient_weight
            u += np.multiply(np.divide(m, d, out=d), momentum_weight, out=d)

    def step_scale(self, state, params):
        # 1 / d
        t = state.count
        return [1 / (np.sqrt(v / (1 - self.beta_2**t)) + self.epsilon) for v in state.v]


@dataclasses.dataclass
class AdadeltaState:
    mean_square_gradient: list
    mean_square_delta: list


@dataclasses.dataclass(frozen=True)
class ScaleByAdadelta(Transform):
    """Adadelta's ratio of past update and gradient RMS (Zeiler 2012, torch.optim.Adadelta)::

        v ← ρ v + (1 − ρ) u²
        Δ = √(w + ε) / √(v + ε) · u
        w ← ρ w + (1 − ρ) Δ²
        u ← Δ

    Parameters
    ----------
    rho : float, default=0.9
        Decay ρ in [0, 1) of both running averages.
    epsilon : float, default=1e-6
        ε inside both square roots.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByAdadelta
    >>> adadelta, params = ScaleByAdadelta(rho=0.0, epsilon=1e-2), [np.zeros(1)]
    >>> state = adadelta.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([1.0])]
    >>> adadelta.update(updates, state, params, [np.empty(1)])
    >>> updates[0].round(6)  # √0.01 / √1.01
    array([0.099504])
    """

    rho: float = 0.9
    epsilon: float = 1e-6

    def init(self, params, context):
        return AdadeltaState(mean_square_gradient=_zeros(params), mean_square_delta=_zeros(params))

    def update(self, updates, state, params, scratch):
        rho, eps = self.rho, self.epsilon
        for u, v, w, tmp in zip(updates, state.mean_square_gradient, state.mean_square_delta, scratch):
            _ema(v, np.multiply(u, u, out=tmp), rho, tmp)  # v ← ρ v + (1 − ρ) u²
            u /= np.sqrt(np.add(v, eps, out=tmp), out=tmp)  # Δ = √(w + ε) / √(v + ε) · u
            u *= np.sqrt(np.add(w, eps, out=tmp), out=tmp)
            _ema(w, np.multiply(u, u, out=tmp), rho, tmp)  # w ← ρ w + (1 − ρ) Δ²

    def step_scale(self, state, params):
        # √(w + ε) / √(v + ε)
        eps = self.epsilon
        return [np.sqrt(w + eps) / np.sqrt(v + eps) for v, w in zip(state.mean_square_gradient, state.mean_square_delta)]


@dataclasses.dataclass(frozen=True)
class ScaleBy(Transform):
    """Multiply the updates by a constant::

        u ← f u

    Parameters
    ----------
    factor : float
        The factor f.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import ScaleBy
    >>> updates = [np.array([2.0])]
    >>> ScaleBy(0.25).update(updates, None, [np.zeros(1)], [np.empty(1)])
    >>> updates[0]
    array([0.5])
    """

    factor: float

    def update(self, updates, state, params, scratch):
        for u in updates:
            u *= self.factor  # u ← f u


# ------------------------------------------------------ recent optimizers
@dataclasses.dataclass
class LionState:
    m: list


@dataclasses.dataclass(frozen=True)
class ScaleByLion(Transform):
    """Lion's sign of an interpolated momentum (Chen et al. 2023)::

        c ← β₁ m + (1 − β₁) u
        m ← β₂ m + (1 − β₂) u
        u ← sign(c)

    Every coordinate of the update has magnitude 1 (or 0): the learning
    rate alone sets the step's size.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Interpolation β₁ in [0, 1) of the momentum and the gradient.
    beta_2 : float, default=0.99
        Decay β₂ in [0, 1) of the momentum.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, ScaleByLion
    >>> lion, params = ScaleByLion(), [np.zeros(2)]
    >>> state = lion.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([0.01, -3.0])]
    >>> lion.update(updates, state, params, [np.empty(2)])
    >>> updates[0]
    array([ 1., -1.])
    """

    beta_1: float = 0.9
    beta_2: float = 0.99

    def init(self, params, context):
        return LionState(m=_zeros(params))

    def update(self, updates, state, params, scratch):
        b1, b2 = self.beta_1, self.beta_2
        for u, m, c in zip(updates, state.m, scratch):
            np.multiply(m, b1, out=c)  # c ← β₁ m + (1 − β₁) u, in two halves around m's update
            m *= b2  # m ← β₂ m + (1 − β₂) u
            u *= 1 - b2
            m += u
            u *= (1 - b1) / (1 - b2)
            c += u
            np.sign(c, out=u)  # u ← sign(c)


@dataclasses.dataclass
class ScheduleFreeState:
    count: int
    lr_max: float
    weight_sum: float
    # D = (z − y) / (α s): the distance from the iterate y to the base
    # sequence z, in units of the learning rate, which stays constant.
    z_minus_y: list
    lr_scale: np.ndarray | None
    learning_rate: float  # the α of D's units


@dataclasses.dataclass(frozen=True)
class ScheduleFree(Transform):
    """Schedule-free averaging (Defazio et al. 2024, the ``schedulefree`` package).

    Three sequences: z takes plain steps, x is the running (weighted)
    average of z that the model is evaluated at, and the gradient is taken
    at y = (1 − β) z + β x, the iterate being trained. With γ = α w the
    learning rate during warm-up (w = min(1, (k + 1)/warmup_steps) at step
    k from 0), and the averaging weight c::

        γ_max ← max(γ_max, γ),   ω = (k + 1)^r · γ_max^p,   S ← S + ω,   c = ω / S
        y ← (1 − c) y + c z + γ (β (1 − c) − 1) u
        z ← z − γ u
        x = y + (1 − 1/β) (z − y)

    (the package's ``y.lerp_(z, c); y.add_(u, γ (β (1 − c) − 1));
    z.sub_(u, γ)``, and its ``eval()``). The transform keeps
    D = (z − y) / (α s), with s the run's per-element factors, and leaves
    the update of y for :class:`ScaleByLearningRate` to multiply by −α s::

        u ← w (1 − β (1 − c)) u − c D,   then   D ← (1 − c) (D − w β u)

    (the old D and u on the right). Its evaluation parameters are x.

    Parameters
    ----------
    learning_rate : float
        The base learning rate α (the chain's :class:`ScaleByLearningRate`
        must use the same, without a schedule).
    beta : float, default=0.9
        Interpolation β in (0, 1) between the average and the base sequence.
    warmup_steps : int, default=0
        Steps of linear warm-up of the learning rate.
    r : float, default=0.0
        Power of the step count in the averaging weights.
    weight_lr_power : float, default=2.0
        Power p of the largest learning rate so far in the averaging weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Chain, Context, Layout, ScaleByLearningRate, ScheduleFree
    >>> chain = Chain(ScheduleFree(0.1), ScaleByLearningRate(0.1))
    >>> params = [np.zeros(1)]
    >>> state = chain.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([1.0])]
    >>> chain.update(updates, state, params, [np.empty(1)])
    >>> params[0] += updates[0]
    >>> params[0], chain.evaluation_params(state, params)[0]  # y and x after a step: z = −0.1 = x
    (array([-0.1]), array([-0.1]))
    """

    learning_rate: float
    beta: float = 0.9
    warmup_steps: int = 0
    r: float = 0.0
    weight_lr_power: float = 2.0

    def init(self, params, context):
        return ScheduleFreeState(
            count=0, lr_max=-1.0, weight_sum=0.0, z_minus_y=_zeros(params), lr_scale=context.lr_scale,
            learning_rate=self.learning_rate,
        )  # fmt: skip

    def resume(self, state, previous, *, keep_schedule=False):
        """Continue both sequences; under a new learning rate, z stays where
        it was (D is rescaled to the new α)."""
        if not same_layout(state, previous):
            return state
        if previous.learning_rate != self.learning_rate:
            for d in previous.z_minus_y:
                d *= previous.learning_rate / self.learning_rate
            previous.learning_rate = self.learning_rate
        return previous

    def update(self, updates, state, params, scratch):
        k, beta = state.count, self.beta
        warmup = (k + 1) / self.warmup_steps if k < self.warmup_steps else 1.0
        state.lr_max = max(state.lr_max, self.learning_rate * warmup)
        weight = (k + 1) ** self.r * state.lr_max**self.weight_lr_power
        state.weight_sum += weight
        c = weight / state.weight_sum if state.weight_sum else 0.0
        state.count = k + 1
        for u, d, d_next in zip(updates, state.z_minus_y, scratch):
            np.multiply(u, warmup * beta, out=d_next)  # D' = (1 − c) (D − w β u)
            np.subtract(d, d_next, out=d_next)
            d_next *= 1 - c
            u *= warmup  # u ← w (1 − β (1 − c)) u − c D, which is w u − (D − D')
            u -= d
            u += d_next
            d[...] = d_next  # D ← D'

    def evaluation_params(self, state, params):
        # x = y + (1 − 1/β) (z − y), with z − y = α s D
        factor = (1 - 1 / self.beta) * self.learning_rate
        scale = 1.0 if state.lr_scale is None else state.lr_scale
        return [p + factor * scale * d for p, d in zip(params, state.z_minus_y)]


#: Keller Jordan's quintic Newton–Schulz coefficients (a, b, c), torch.optim.Muon's default.
NEWTON_SCHULZ_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def orthogonalize(matrix, coefficients=NEWTON_SCHULZ_COEFFICIENTS, n_steps=5, epsilon=1e-7):
    """The nearest semi-orthogonal matrix U Vᵀ to M = U Σ Vᵀ, approximately,
    by Newton–Schulz iterations (torch.optim.Muon's, in the array's dtype)::

        X ← M / max(‖M‖_F, ε)          (Mᵀ if M has more rows than columns)
        n times:  A = X Xᵀ,   X ← a X + (b A + c A²) X

    The quintic's coefficients make the singular values converge fast to
    about 1 (within [0.7, 1.2]) rather than exactly to 1.
    """
    a, b, c = coefficients
    tall = matrix.shape[0] > matrix.shape[1]
    x = matrix.T if tall else matrix
    x = x / max(np.linalg.norm(x), epsilon)
    for _ in range(n_steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if tall else x


@dataclasses.dataclass
class OrthogonalizedMomentumState:
    buffer: list


@dataclasses.dataclass(frozen=True)
class OrthogonalizedMomentum(Transform):
    """Muon's orthogonalized momentum, matrix by matrix (Jordan et al. 2024, torch.optim.Muon)::

        b ← μ b + (1 − μ) u
        d = (1 − μ) u + μ b  if nesterov, else b
        u ← ρ · orthogonalize(d)

    with :func:`orthogonalize` the Newton–Schulz iteration and ρ the
    shape's factor of the learning rate: for a weight matrix of ``n_in``
    inputs and ``n_out`` outputs (torch's shape (n_out, n_in)),
    ρ = √max(1, n_out / n_in) (``"original"``) or 0.2 √max(n_in, n_out)
    (``"match_rms_adamw"``, an update of AdamW's typical RMS). Each array
    it is given must be a matrix (shape (n_in, n_out)).

    Parameters
    ----------
    momentum : float, default=0.95
        Momentum μ in [0, 1).
    nesterov : bool, default=True
        Look ahead along the momentum.
    coefficients : tuple of 3 floats, default=(3.4445, -4.7750, 2.0315)
        The Newton–Schulz polynomial's (a, b, c).
    n_steps : int, default=5
        Newton–Schulz iterations.
    epsilon : float, default=1e-7
        Smallest norm divided by.
    adjust_lr : {"original", "match_rms_adamw"}, default="original"
        The shape's factor ρ.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout, OrthogonalizedMomentum
    >>> muon, params = OrthogonalizedMomentum(n_steps=10), [np.zeros((2, 2))]
    >>> state = muon.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([[3.0, 0.0], [0.0, 0.1]])]
    >>> muon.update(updates, state, params, [np.empty((2, 2))])
    >>> np.abs(updates[0]).round(1)  # both directions get a step of about 1
    array([[1.1, 0. ],
           [0. , 0.8]])
    """

    momentum: float = 0.95
    nesterov: bool = True
    coefficients: tuple = NEWTON_SCHULZ_COEFFICIENTS
    n_steps: int = 5
    epsilon: float = 1e-7
    adjust_lr: str = "original"

    def init(self, params, context):
        for p in params:
            if p.ndim != 2:
                raise ValueError(f"OrthogonalizedMomentum updates matrices only; got an array of shape {p.shape}.")
        return OrthogonalizedMomentumState(buffer=_zeros(params))

    def _ratio(self, shape):
        n_in, n_out = shape
        if self.adjust_lr == "match_rms_adamw":
            return 0.2 * math.sqrt(max(n_in, n_out))
        return math.sqrt(max(1, n_out / n_in))

    def update(self, updates, state, params, scratch):
        mu = self.momentum
        for u, b, d in zip(updates, state.buffer, scratch):
            _ema(b, u, mu, d)  # b ← μ b + (1 − μ) u
            if self.nesterov:
                np.multiply(u, 1 - mu, out=d)  # d = (1 − μ) u + μ b
                d += np.multiply(b, mu, out=u)
            else:
                d[...] = b
            np.multiply(orthogonalize(d, self.coefficients, self.n_steps, self.epsilon), self._ratio(u.shape), out=u)
