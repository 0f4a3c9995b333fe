"""Data augmentation during training.

Pass an augmentation as an estimator's ``augmentation`` (or a list of them,
meaning :class:`Compose`): every training batch of ``fit`` and
``partial_fit`` is transformed afresh before the forward pass, drawing from
the fit's random generator; predictions, scores, the early-stopping
validation split and a search's test folds never are. Augmentations are
parameter objects, tunable with nested keys such as ``augmentation__std``
or ``augmentation__rotation`` in any scikit-learn search.

To write your own, follow the protocol of :class:`Augmentation`: an
``augment(X, Y, rng) -> (X_new, Y_new)`` method.
"""

from ._affine import RandomAffine
from ._base import Augmentation, Compose
from ._noise import FeatureDropout, GaussianNoise, Mixup

__all__ = ["Augmentation", "Compose", "FeatureDropout", "GaussianNoise", "Mixup", "RandomAffine"]
