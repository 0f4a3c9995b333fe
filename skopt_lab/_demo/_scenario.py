"""The demo's scenario: adapt a network pretrained on clean digits to a new sensor.

One implementation, shared by the demo's narrative (:mod:`._story`, what
``python -m skopt_lab`` runs), ``examples/finetune_digits.py`` and
``benchmarks/bench_demo_seeds.py``.

The source task is large: 1,000 clean handwritten digits (scikit-learn's
``load_digits``, 8 × 8 pixels, grey levels 0-16). The target task is small:
the other 797 digits as a new camera records them, tilted by 15 degrees and
noisier, of which only 10 per class are labelled to train on and 5 per class
to validate on; the rest is the test split. Adapting to the tilt takes real
work (the first layer's features must turn), so optimizers that learn at
different speeds end the short fine-tuning budget at different places.

Every choice (the optimizer, the search's hyperparameters, the rates below)
is made on validation data or by cross-validation, never on the test split,
by the validation log-loss: on 50 validation digits, accuracy moves in steps
of 2 points, the log-loss smoothly.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score, log_loss

from scipy import ndimage
from scipy.stats import uniform

from ..augmentation import Compose, GaussianNoise, RandomAffine
from ..neural_network import MLPClassifier
from ..optimizers import OPTIMIZERS, Adam

N_SOURCE = 1000  # clean digits to pretrain on; the other 797 are the target task
# The new camera: the digit turned by TILT degrees, plus pixel noise of
# standard deviation NOISE grey levels (0-16).
TILT, NOISE = 15.0, 4.0
TRAIN_PER_CLASS, VALIDATION_PER_CLASS = 10, 5  # labelled target digits
HIDDEN = (128, 64)
# Fine-tuning budget: 15 epochs of batches of 20, i.e. 75 steps (GD and
# L-BFGS: 15 full-batch steps or iterations).
EPOCHS, BATCH_SIZE = 15, 20

# Each optimizer fine-tunes at its default learning rate times its family's
# factor: the defaults carry each rule's scale (0.01 for the plain-gradient
# rules, AdaGrad and RMSprop; 0.001 for Adam and AdamW, 0.002 for Nadam; 1
# for Adadelta, whose rate multiplies a step it scales itself), and one
# factor per family keeps the comparison about how each rule uses the same
# budget rather than about rates tuned one by one.
FAMILIES = {
    "plain gradient": ("gd", "sgd", "momentum"),
    "adaptive": ("adagrad", "rmsprop", "adam", "adamw", "nadam"),
    "adadelta": ("adadelta",),
}
# Chosen by `python benchmarks/bench_demo_seeds.py --choose-rates`: the
# lowest validation log-loss, averaged over the family and seeds 10-49 (the
# demo's seeds 0-4 are not used). Near the choice the curve is flat: x3 and
# x10 for the plain-gradient family, x0.3 and x1 for the others, differ by
# less than 0.02 of log-loss.
FAMILY_FACTORS = {"plain gradient": 10.0, "adaptive": 0.3, "adadelta": 1.0}
# The search tunes the chosen optimizer's rate within this factor of its
# fine-tuning rate (with its schedule, alpha and freeze_layers).
SEARCH_SPAN = 3
# The search also tunes the augmentation of the training digits, made for
# this camera: random rotations of up to ±MAX_ROTATION degrees (beyond its
# tilt) and extra pixel noise of up to the camera's own (NOISE grey levels,
# on the [0, 1] scale of the pixels). Both ranges start at 0, where the
# augmentation is off, so the search can decline either.
MAX_ROTATION, MAX_NOISE = 20.0, NOISE / 16
ROTATION, NOISE_STD = "augmentation__randomaffine__rotation", "augmentation__gaussiannoise__std"
# From scratch: Adam at its default rate for 50 epochs, chosen the same way.
SCRATCH_RATE, SCRATCH_EPOCHS = 1e-3, 50


@dataclass
class Scenario:
    """The source task (clean digits) and the target task's three splits."""

    X_source: np.ndarray
    y_source: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def X_labelled(self):
        """Every labelled target digit (train + validation), for cross-validation."""
        return np.concatenate([self.X_train, self.X_val])

    @property
    def y_labelled(self):
        return np.concatenate([self.y_train, self.y_val])

    def summary(self):
        return (
            f"digits: pretrained on {len(self.y_source)} clean, adapted to a new camera with "
            f"{len(self.y_train)} train, {len(self.y_val)} validation, {len(self.y_test)} test"
        )


def new_camera(X, rng):
    """What the new camera records of digits ``X`` (rows of 64 grey levels
    0-16): tilted and noisy, scaled to [0, 1] like the source digits."""
    images = X.reshape(-1, 8, 8)
    tilted = ndimage.rotate(images, TILT, axes=(1, 2), reshape=False, order=1)
    grey = tilted.reshape(X.shape) + rng.normal(scale=NOISE, size=X.shape)
    return np.clip(grey, 0, 16) / 16


def make_scenario(random_state):
    """Draw the source digits, the sensor's noise and the target splits from a seed."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(random_state)
    order = rng.permutation(len(y))
    source, target = order[:N_SOURCE], order[N_SOURCE:]
    X_target, y_target = new_camera(X[target], rng), y[target]
    per_class = TRAIN_PER_CLASS + VALIDATION_PER_CLASS
    labelled = np.stack([rng.choice(np.flatnonzero(y_target == c), per_class, replace=False) for c in range(10)])
    train, val = labelled[:, :TRAIN_PER_CLASS].ravel(), labelled[:, TRAIN_PER_CLASS:].ravel()
    test = np.setdiff1d(np.arange(len(y_target)), labelled)
    return Scenario(
        X[source] / 16, y[source],
        X_target[train], y_target[train],
        X_target[val], y_target[val],
        X_target[test], y_target[test],
    )  # fmt: skip


def source_network(random_state):
    """The network to pretrain on the clean digits (unfitted), with early stopping."""
    return MLPClassifier(HIDDEN, early_stopping=True, random_state=random_state)


def pretrain(scenario, random_state):
    """The source network, trained on the clean digits."""
    return source_network(random_state).fit(scenario.X_source, scenario.y_source)


def family(name):
    """The family of optimizer ``name`` in FAMILIES, or None (L-BFGS)."""
    return next((key for key, names in FAMILIES.items() if name in names), None)


def fine_tuning_rate(name, factors=None):
    """Optimizer ``name``'s fine-tuning rate: its default learning rate times
    its family's factor (``factors`` maps families to factors instead of
    FAMILY_FACTORS); None for L-BFGS, which has no learning rate."""
    default = getattr(OPTIMIZERS[name](), "learning_rate", None)
    if default is None:
        return None
    return default * (FAMILY_FACTORS if factors is None else factors)[family(name)]


def fine_tuning_optimizer(name, factors=None):
    """Optimizer ``name`` at its fine-tuning rate."""
    rate = fine_tuning_rate(name, factors)
    return OPTIMIZERS[name]() if rate is None else OPTIMIZERS[name](learning_rate=rate)


def fine_tuned(source, optimizer, random_state, **params):
    """An unfitted network that starts from ``source``, keeping its output
    layer (the classes are the same, only the camera changed)."""
    network = MLPClassifier(
        pretrained=FrozenEstimator(source),
        keep_output_layer=True,
        optimizer=optimizer,
        batch_size=BATCH_SIZE,
        max_iter=EPOCHS,
        tol=None,
        random_state=random_state,
    )
    return network.set_params(**params)


def from_scratch(random_state, rate=SCRATCH_RATE, epochs=SCRATCH_EPOCHS):
    """The same network from random weights, trained on the same digits."""
    return MLPClassifier(
        HIDDEN,
        optimizer=Adam(learning_rate=rate),
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        tol=None,
        random_state=random_state,
    )


def augmentation(rotation=0.0, std=0.0):
    """The training digits' augmentation: rotated by up to ±``rotation``
    degrees, then noised by N(0, ``std``²); both 0 leave them as they are."""
    return Compose([RandomAffine((8, 8), rotation=rotation), GaussianNoise(std=std)])


def augmentation_space(search):
    """What the search explores of the augmentation: each strength from 0
    (off) to its largest, uniformly; for a grid search, off or both at half
    their largest (two candidates per point of the rest of the grid, not four)."""
    if search == "grid":
        return {"augmentation": [augmentation(), augmentation(MAX_ROTATION / 2, MAX_NOISE / 2)]}
    return {ROTATION: uniform(0, MAX_ROTATION), NOISE_STD: uniform(0, MAX_NOISE)}


def describe_augmentation(augmentation):
    """The demo's augmentation as a readable string, with its values."""
    rotate, noise = augmentation.steps
    return (
        f"Compose([RandomAffine({rotate.image_shape}, rotation={rotate.rotation:.4g}), "
        f"GaussianNoise(std={noise.std:.4g})])"
    )


def without_augmentation(model):
    """An unfitted copy of ``model`` with every augmentation strength at 0."""
    return clone(model).set_params(**{ROTATION: 0.0, NOISE_STD: 0.0})


def validation_scores(model, X, y):
    """Accuracy and log-loss on validation data: what the demo chooses by."""
    proba = model.predict_proba(X)
    return {
        "accuracy": accuracy_score(y, model.classes_[proba.argmax(axis=1)]),
        "log-loss": log_loss(y, proba, labels=model.classes_),
    }


def choose(candidates):
    """The key of the best validation scores (a dict key -> scores): the lowest log-loss."""
    return min(candidates, key=lambda key: candidates[key]["log-loss"])
