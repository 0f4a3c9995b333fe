"""Augmentations that perturb the features or mix the rows of a batch."""

from numbers import Real

import numpy as np

from .._compat import Interval
from ._base import Augmentation


class GaussianNoise(Augmentation):
    """Add Gaussian noise to every feature.

    ``x̃ = x + ε``, ε ~ N(0, std²) drawn independently for every value of the
    batch, in the training dtype (Keras's ``GaussianNoise`` layer). The
    features should be on a common scale (standardised) for one ``std`` to
    suit them all. ``std=0`` leaves the batch as it is and draws nothing.
    In float32 the normal values come from a vectorised Box-Muller
    transform of the generator's raw bits, in a third of the time of numpy's
    ``standard_normal``, so that the noise costs a small part of a
    training step.

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise, in the units of the features.

    See Also
    --------
    FeatureDropout : Zeroes features instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.augmentation import GaussianNoise
    >>> X = np.zeros((1000, 2), dtype=np.float32)
    >>> X_new, _ = GaussianNoise(std=0.5).augment(X, np.zeros((1000, 1)), np.random.default_rng(0))
    >>> X_new.dtype, round(float(X_new.std()), 1)
    (dtype('float32'), 0.5)
    """

    _parameter_constraints = {"std": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, std=0.1):
        self.std = std

    def augment(self, X, Y, rng):
        """X plus fresh noise; Y as it is. See :meth:`Augmentation.augment`."""
        if not self.std:
            return X, Y
        noisy = standard_normal(rng, X.shape, X.dtype)
        noisy *= self.std
        noisy += X
        return noisy, Y


class FeatureDropout(Augmentation):
    """Zero each feature of each row with probability ``rate``.

    ``x̃ = x ⊙ m``, ``m`` ~ Bernoulli(1 − rate) drawn independently for every
    value: the masking noise of denoising autoencoders (Vincent et al.,
    2008), without rescaling the features that are kept (unlike
    dropout inside a network). ``rate=0`` leaves the batch as it is.

    Parameters
    ----------
    rate : float, default=0.1
        Probability that a value is zeroed, in [0, 1).

    See Also
    --------
    GaussianNoise : Additive noise instead.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.augmentation import FeatureDropout
    >>> X_new, _ = FeatureDropout(rate=0.25).augment(np.ones((1000, 4)), np.zeros((1000, 1)), np.random.default_rng(0))
    >>> round(float((X_new == 0).mean()), 2)
    0.25
    """

    _parameter_constraints = {"rate": [Interval(Real, 0, 1, closed="left")]}

    def __init__(self, rate=0.1):
        self.rate = rate

    def augment(self, X, Y, rng):
        """X with values zeroed at random; Y as it is. See :meth:`Augmentation.augment`."""
        if not self.rate:
            return X, Y
        kept = rng.random(X.shape, dtype=X.dtype) >= self.rate
        return np.multiply(X, kept, dtype=X.dtype), Y


class Mixup(Augmentation):
    """Mix pairs of rows and their targets (Zhang et al., 2018, "mixup").

    Each row i of the batch is paired with row j = π(i) of a random
    permutation π of the batch and replaced by::

        x̃ᵢ = λᵢ xᵢ + (1 − λᵢ) xⱼ,   ỹᵢ = λᵢ yᵢ + (1 − λᵢ) yⱼ,
        λᵢ = max(bᵢ, 1 − bᵢ),  bᵢ ~ Beta(alpha, alpha)

    with its own λᵢ per row. Taking the larger of bᵢ and 1 − bᵢ (as fastai
    does) leaves the mixed pairs distributed as in the paper, and keeps
    each new row closest to row i, whose sample weight it keeps. For
    classifiers ``y`` are the class-indicator rows, so the loss sees soft
    labels; losses that need 0/1 classes (hinge) refuse Mixup. Small
    ``alpha`` mixes little (λ near 1), ``alpha=1`` uniformly; ``alpha=0``
    leaves the batch as it is.

    Parameters
    ----------
    alpha : float, default=0.2
        Both parameters of the Beta distribution, at least 0.

    See Also
    --------
    GaussianNoise : Noise on the features only.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.augmentation import Mixup
    >>> X, Y = np.array([[0.0], [1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> X_new, Y_new = Mixup(alpha=1.0).augment(X, Y, np.random.default_rng(3))
    >>> bool(np.allclose(Y_new[:, 1], X_new[:, 0]))  # the targets mix as the features do
    True
    """

    mixes_targets = True

    _parameter_constraints = {"alpha": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, alpha=0.2):
        self.alpha = alpha

    def augment(self, X, Y, rng):
        """Rows and targets mixed with a random partner. See :meth:`Augmentation.augment`."""
        if not self.alpha:
            return X, Y
        n = X.shape[0]
        b = rng.beta(self.alpha, self.alpha, size=n)
        weight = np.maximum(b, 1 - b).astype(X.dtype)[:, None]
        partner = rng.permutation(n)
        return _mix(X, partner, weight), _mix(Y, partner, weight.astype(Y.dtype, copy=False))


def _mix(values, partner, weight):
    """``weight · values + (1 − weight) · values[partner]``, as
    ``values[partner] + weight · (values − values[partner])``."""
    mixed = np.take(values, partner, axis=0)
    difference = np.subtract(values, mixed)
    difference *= weight
    mixed += difference
    return mixed


def standard_normal(rng, shape, dtype):
    """Independent N(0, 1) values in ``dtype``, drawn from ``rng``.

    float64: ``rng.standard_normal``. float32: the Box-Muller transform::

        z₁ = r cos(2π u₂),  z₂ = r sin(2π u₂),  r = √(−2 log u₁)

    with u₁ in (0, 1] and u₂ in [0, 1) uniform, each the top 24 bits of one
    of ``rng``'s raw 32-bit words: numpy's vectorised float32 log, sqrt, cos
    and sin make it about 3 times faster than ``standard_normal``'s scalar
    ziggurat (in float64 they are not vectorised, and it is slower). Its
    values are bounded by √(2 · 24 log 2) ≈ 5.8, beyond which a normal value
    lies with probability 7e-9.
    """
    if np.dtype(dtype) != np.float32:
        return rng.standard_normal(shape, dtype=dtype)
    size = int(np.prod(shape))
    half = (size + 1) // 2
    step = np.float32(2.0**-24)
    uniform = (rng.bit_generator.random_raw(half).view(np.uint32) >> np.uint32(8)).astype(np.float32)
    uniform *= step
    radius, angle = uniform[:half], uniform[half:]
    radius += step  # (0, 1]: the log is finite
    np.log(radius, out=radius)
    radius *= np.float32(-2.0)
    np.sqrt(radius, out=radius)
    angle *= np.float32(2 * np.pi)
    values = np.empty(2 * half, dtype=np.float32)
    np.cos(angle, out=values[:half])
    np.sin(angle, out=values[half:])
    values[:half] *= radius
    values[half:] *= radius
    return values[:size].reshape(shape)
