"""The optimizers people reach for now: Lion, Schedule-Free AdamW and SGD,
Muon. Each is a short chain of the transforms in ``_transforms.py``, with
its reference implementation's defaults.

Notation as in ``_stochastic.py``: θ the parameters, g the (clipped)
gradient, α the learning rate, t the step count from 1.
"""

from numbers import Integral, Real

from .._compat import Interval, StrOptions
from ._base import Optimizer, _positive, _unit_interval
from ._combine import Chain, Partition
from ._protocol import Layout
from ._stochastic import _documented
from ._transforms import documented
from ._transforms import (
    NEWTON_SCHULZ_COEFFICIENTS,
    AddDecayedWeights,
    OrthogonalizedMomentum,
    ScaleBy,
    ScaleByAdam,
    ScaleByLion,
    ScheduleFree,
)

_SCHEDULE_FREE_PARAMETERS = """\
    warmup_steps : int, default=0
        Steps of linear warm-up of the learning rate, its only schedule.
    r : float, default=0.0
        Power of the step count in the averaging weights (0: every iterate
        counts alike).
    weight_lr_power : float, default=2.0
        Power of the largest learning rate so far in the averaging weights."""


@_documented
class Lion(Optimizer, learning_rate=1e-4, beta_1=0.9, beta_2=0.99, weight_decay=0.0):
    """Lion: the sign of an interpolated momentum (Chen et al. 2023).

    Update rule (the ``lion-pytorch`` package, :class:`ScaleByLion` and
    :class:`AddDecayedWeights`)::

        c = β₁ m + (1 − β₁) g
        m ← β₂ m + (1 − β₂) g
        θ ← θ − α (sign(c) + λ θ)

    Every coordinate moves by α (the sign has no scale), so Lion wants a
    learning rate 3 to 10 times smaller than AdamW's, and a decoupled
    weight decay λ as many times larger (the paper's advice).

    Parameters
    ----------
    learning_rate : float, default=1e-4
        Step size α.
    beta_1 : float, default=0.9
        Interpolation β₁ in [0, 1) of momentum and gradient in the step.
    beta_2 : float, default=0.99
        Decay β₂ in [0, 1) of the momentum.
    weight_decay : float, default=0.0
        Decoupled decay λ ≥ 0.
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Lion
    >>> params, opt = [np.array([1.0, 1.0])], Lion(learning_rate=0.1)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([0.001, -50.0])], state)
    >>> params[0]  # a step of α on every coordinate, whatever the gradient's size
    array([0.9, 1.1])
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta_1": [_unit_interval()],
        "beta_2": [_unit_interval()],
        "weight_decay": [_positive("left")],
    }

    def transforms(self):
        return [ScaleByLion(self.beta_1, self.beta_2), AddDecayedWeights(self.weight_decay)]


class _ScheduleFree(Optimizer):
    """What the schedule-free optimizers share: no schedule, their averaging
    last before the learning rate, and its hyperparameters' checks."""

    takes_schedule = False

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta": [Interval(Real, 0, 1, closed="neither")],
        "weight_decay": [_positive("left")],
        "warmup_steps": [Interval(Integral, 0, None, closed="left")],
        "r": [_positive("left")],
        "weight_lr_power": [_positive("left")],
    }

    def _more_validate_params(self):
        if self.schedule is not None:
            raise ValueError(
                f"{type(self).__name__} takes no schedule (schedule={self.schedule!r}): it is schedule-free, "
                "averaging its iterates instead of decaying the learning rate; its only schedule is "
                "warmup_steps."
            )

    def _averaging(self):
        return ScheduleFree(self.learning_rate, self.beta, self.warmup_steps, self.r, self.weight_lr_power)


@documented(schedule_free_parameters=_SCHEDULE_FREE_PARAMETERS)
class ScheduleFreeAdamW(
    _ScheduleFree,
    learning_rate=0.0025,
    beta=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    weight_decay=0.0,
    warmup_steps=0,
    r=0.0,
    weight_lr_power=2.0,
):
    """Schedule-Free AdamW (Defazio et al. 2024): no learning-rate schedule,
    an average of the iterates instead.

    Update rule (the ``schedulefree`` package's ``AdamWScheduleFree``): the
    gradient, normalized by Adam's second moment without first moment
    (:class:`ScaleByAdam` with β₁ = 0), plus the decayed weights, drives
    the schedule-free sequences (:class:`ScheduleFree`)::

        v ← β₂ v + (1 − β₂) g²
        u = g / (√(v / (1 − β₂ᵗ)) + ε) + λ y
        y ← (1 − c) y + c z + γ (β (1 − c) − 1) u
        z ← z − γ u

    with γ the (warmed-up) learning rate and c the averaging weight (1/t
    by default). Training takes gradients at y; the model predicts, scores,
    early-stops and is pickled at the average x = y + (1 − 1/β) (z − y),
    automatically: there is no ``train()``/``eval()`` to call.

    Parameters
    ----------
    learning_rate : float, default=0.0025
        Step size α.
    beta : float, default=0.9
        Interpolation β in (0, 1) between the average and the base
        sequence (the package's β₁).
    beta_2 : float, default=0.999
        Decay β₂ in [0, 1) of the second moment.
    epsilon : float, default=1e-8
        ε added to the denominator.
    weight_decay : float, default=0.0
        Decoupled decay λ ≥ 0, at y.
    {schedule_free_parameters}
    schedule : None
        Schedule-free: any schedule is refused.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import ScheduleFreeAdamW
    >>> params, opt = [np.array([1.0, 1.0])], ScheduleFreeAdamW(learning_rate=0.1)
    >>> state = opt.init(params)
    >>> for _ in range(2):
    ...     opt.step(params, [np.array([0.5, -3.0])], state)
    >>> params[0], opt.chain().evaluation_params(state, params)[0]  # y trained, x evaluated
    (array([0.845, 1.155]), array([0.85, 1.15]))
    """

    _parameter_constraints = {
        **_ScheduleFree._parameter_constraints,
        "beta_2": [_unit_interval()],
        "epsilon": [_positive()],
    }

    def transforms(self):
        normalize = ScaleByAdam(beta_1=0.0, beta_2=self.beta_2, epsilon=self.epsilon)
        return [normalize, AddDecayedWeights(self.weight_decay), self._averaging()]


@documented(schedule_free_parameters=_SCHEDULE_FREE_PARAMETERS)
class ScheduleFreeSGD(
    _ScheduleFree, learning_rate=1.0, beta=0.9, weight_decay=0.0, warmup_steps=0, r=0.0, weight_lr_power=2.0
):
    """Schedule-Free SGD (Defazio et al. 2024): momentum by averaging, no schedule.

    Update rule (the ``schedulefree`` package's ``SGDScheduleFree``,
    :class:`ScheduleFree` on the gradient plus the decayed weights)::

        u = g + λ y
        y ← (1 − c) y + c z + γ (β (1 − c) − 1) u
        z ← z − γ u

    with γ the (warmed-up) learning rate and c the averaging weight (1/t
    by default). The model is evaluated at x = y + (1 − 1/β) (z − y), as
    for :class:`ScheduleFreeAdamW`, automatically.

    Parameters
    ----------
    learning_rate : float, default=1.0
        Step size α (the package's default: schedule-free SGD takes larger
        steps than SGD).
    beta : float, default=0.9
        Interpolation β in (0, 1) between the average and the base
        sequence (the package's ``momentum``).
    weight_decay : float, default=0.0
        Decay λ ≥ 0, at y.
    {schedule_free_parameters}
    schedule : None
        Schedule-free: any schedule is refused.
    clip_norm : float, default=None
        If set, the gradient is rescaled so its global norm is at most this.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import ScheduleFreeSGD
    >>> params, opt = [np.array([1.0])], ScheduleFreeSGD(learning_rate=0.1)
    >>> state = opt.init(params)
    >>> opt.step(params, [np.array([1.0])], state)
    >>> params[0]  # the first step weighs 1 in the average: y = z = x
    array([0.9])
    """

    def transforms(self):
        return [AddDecayedWeights(self.weight_decay), self._averaging()]


def _orthogonalized(block):
    """Muon's share: the weight matrices of hidden layers."""
    return block.role == "weight" and len(block.shape) == 2 and not block.output


def _muon_group(block):
    return "muon" if _orthogonalized(block) else "adamw"


@_documented
class Muon(
    Optimizer,
    learning_rate=0.02,
    momentum=0.95,
    nesterov=True,
    weight_decay=0.1,
    ns_coefficients=NEWTON_SCHULZ_COEFFICIENTS,
    ns_steps=5,
    epsilon=1e-7,
    adjust_lr="original",
    adamw_learning_rate=3e-4,
    adamw_beta_1=0.9,
    adamw_beta_2=0.999,
    adamw_epsilon=1e-8,
    adamw_weight_decay=0.01,
):
    """Muon: orthogonalized momentum for the hidden layers' weight matrices,
    AdamW for the rest (Jordan et al. 2024, torch.optim.Muon).

    Update rule of each hidden layer's weight matrix W (torch.optim.Muon,
    :class:`OrthogonalizedMomentum`)::

        b ← μ b + (1 − μ) g
        d = (1 − μ) g + μ b  if nesterov, else b
        W ← W − α (ρ · orthogonalize(d) + λ W)

    ``orthogonalize`` takes d to the nearest semi-orthogonal matrix U Vᵀ
    (d = U Σ Vᵀ) by ``ns_steps`` Newton–Schulz iterations, so every
    direction of the update has about the same size; ρ = √max(1, n_out/n_in)
    (``adjust_lr="original"``) or 0.2 √max(n_in, n_out)
    (``"match_rms_adamw"``). Everything else (the biases and the output
    layer's weights, as torch's documentation and Jordan advise) is trained
    by :class:`AdamW` at ``adamw_learning_rate`` (the documentation's
    example pairs Muon at 0.02 with AdamW at 3e-4). A schedule scales both
    rates alike.

    Muon needs a network with hidden layers: a linear model's coefficients
    are its output layer, which Muon leaves to AdamW, so it is refused
    there (use :class:`AdamW`).

    The Newton–Schulz iterations run in the parameters' dtype; torch's run
    in bfloat16 (its updates agree with ours to about 1e-2).

    Parameters
    ----------
    learning_rate : float, default=0.02
        Step size α of the hidden weight matrices.
    momentum : float, default=0.95
        Momentum μ in [0, 1).
    nesterov : bool, default=True
        Nesterov momentum.
    weight_decay : float, default=0.1
        Decoupled decay λ ≥ 0 of the hidden weight matrices.
    ns_coefficients : tuple of 3 floats, default=(3.4445, -4.7750, 2.0315)
        Coefficients (a, b, c) of the Newton–Schulz polynomial
        X ← a X + (b A + c A²) X, A = X Xᵀ.
    ns_steps : int, default=5
        Newton–Schulz iterations.
    epsilon : float, default=1e-7
        Smallest norm divided by before the iterations.
    adjust_lr : {"original", "match_rms_adamw"}, default="original"
        The factor ρ of the step for a matrix's shape.
    adamw_learning_rate : float, default=3e-4
        Step size of the other parameters.
    adamw_beta_1 : float, default=0.9
        AdamW's decay of the first moment, for the other parameters.
    adamw_beta_2 : float, default=0.999
        AdamW's decay of the second moment.
    adamw_epsilon : float, default=1e-8
        AdamW's ε.
    adamw_weight_decay : float, default=0.01
        AdamW's decoupled decay of the other parameters.
    {shared_parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Muon
    >>> params = [np.zeros((3, 2)), np.zeros(2)]  # a weight matrix (Muon) and a bias (AdamW)
    >>> opt = Muon(learning_rate=0.1, weight_decay=0.0)
    >>> state = opt.init(params)
    >>> grads = [np.array([[1.0, 0.0], [0.0, 0.01], [0.0, 0.0]]), np.array([1.0, -1.0])]
    >>> opt.step(params, grads, state)
    >>> np.linalg.svd(params[0], compute_uv=False).round(2)  # both directions alike
    array([0.07, 0.07])
    >>> params[1]  # AdamW's first step: its learning rate on every coordinate
    array([-0.0003,  0.0003])
    """

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "momentum": [_unit_interval()],
        "nesterov": ["boolean"],
        "weight_decay": [_positive("left")],
        "ns_coefficients": [tuple],
        "ns_steps": [Interval(Integral, 0, None, closed="left")],
        "epsilon": [_positive()],
        "adjust_lr": [StrOptions({"original", "match_rms_adamw"})],
        "adamw_learning_rate": [_positive()],
        "adamw_beta_1": [_unit_interval()],
        "adamw_beta_2": [_unit_interval()],
        "adamw_epsilon": [_positive()],
        "adamw_weight_decay": [_positive("left")],
    }

    def _more_validate_params(self):
        if len(self.ns_coefficients) != 3 or not all(isinstance(c, Real) for c in self.ns_coefficients):
            raise ValueError(f"Muon's ns_coefficients must be 3 numbers (a, b, c); got {self.ns_coefficients!r}.")

    def transforms(self):
        muon = OrthogonalizedMomentum(
            self.momentum, self.nesterov, tuple(self.ns_coefficients), self.ns_steps, self.epsilon, self.adjust_lr
        )
        adamw = [
            ScaleByAdam(self.adamw_beta_1, self.adamw_beta_2, self.adamw_epsilon),
            AddDecayedWeights(self.adamw_weight_decay),
            ScaleBy(self.adamw_learning_rate / self.learning_rate),  # the chain ends with α
        ]
        groups = {"muon": Chain(muon, AddDecayedWeights(self.weight_decay)), "adamw": Chain(*adamw)}
        return [Partition(groups, _muon_group)]

    def init(self, params, *, layout=None, **kwargs):
        if layout is None:
            layout = Layout.of_arrays(params)
        if not any(map(_orthogonalized, layout.blocks)):
            raise ValueError(
                "Muon orthogonalizes the weight matrices of hidden layers, and this model has none: a linear "
                "model's coefficients are its output layer, which Muon would leave to AdamW. Use AdamW (or "
                "another optimizer) here, or Muon on an MLP with hidden layers."
            )
        return super().init(params, layout=layout, **kwargs)
