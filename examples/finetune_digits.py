"""Fine-tune a pretrained network across a domain shift.

The source task: 1,000 clean handwritten digits. The target task: the same
ten digits as seen through a noisier sensor (Gaussian pixel noise, clipped to
the valid 0-16 range), with only a few labelled samples per class. We compare,
on held-out noisy digits and over several seeds:

- the same network trained from scratch on the few noisy samples,
- the pretrained network used as it is,
- fine-tuned with a new output layer (what a new task needs), with 1 or 2 of
  the hidden layers frozen (2 frozen is a linear probe of the features),
- fine-tuned keeping the pretrained output layer (the classes are the same,
  only the sensor changed), with 0 or 1 hidden layers frozen and a small
  learning rate, so that adaptation starts from what the network knows.

Run: python examples/finetune_digits.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from skopt_lab import MLPClassifier
from skopt_lab.optimizers import Adam

N_SOURCE = 1000
NOISE = 6.0  # pixel noise of the new sensor, in grey levels (0-16)
PER_CLASS = 10
HIDDEN = (128, 64)


def noisy_sensor(X, rng):
    """What the new sensor records: the digit plus pixel noise, clipped."""
    return np.clip(X + rng.normal(scale=NOISE, size=X.shape), 0, 16)


def pretrain(X, y, seed=0):
    """The source model: a network trained on clean digits."""
    net = MLPClassifier(HIDDEN, optimizer=Adam(learning_rate=1e-3), early_stopping=True, random_state=seed)
    return net.fit(X / 16, y)


def few_shot_split(X, y, rng):
    """A few labelled noisy samples per class for training, the rest for testing."""
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), PER_CLASS, replace=False) for c in np.unique(y)])
    test = np.setdiff1d(np.arange(len(y)), train)
    return train, test


def scores(model, X, y):
    proba = model.predict_proba(X)
    predicted = model.classes_[proba.argmax(axis=1)]
    return {
        "accuracy": accuracy_score(y, predicted),
        "macro F1": f1_score(y, predicted, average="macro"),
        "ROC-AUC": roc_auc_score(y, proba, multi_class="ovr"),
    }


def compare(n_seeds=5, max_iter=200):
    """Mean test scores of each strategy over ``n_seeds`` few-shot draws."""
    X, y = load_digits(return_X_y=True)
    source = pretrain(X[:N_SOURCE], y[:N_SOURCE])
    frozen_source = FrozenEstimator(source)
    X_target, y_target = X[N_SOURCE:], y[N_SOURCE:]

    def fine_tuned(freeze_layers, keep_output_layer, learning_rate):
        return lambda seed: MLPClassifier(
            pretrained=frozen_source,
            freeze_layers=freeze_layers,
            keep_output_layer=keep_output_layer,
            optimizer=Adam(learning_rate=learning_rate),
            max_iter=max_iter,
            tol=None,
            random_state=seed,
        )

    strategies = {
        "from scratch": lambda seed: MLPClassifier(HIDDEN, max_iter=max_iter, tol=None, random_state=seed),
        "pretrained as is": None,
        "new head, 1 frozen": fine_tuned(1, False, 1e-3),
        "new head, 2 frozen": fine_tuned(2, False, 1e-3),
        "kept head, 0 frozen": fine_tuned(0, True, 1e-4),
        "kept head, 1 frozen": fine_tuned(1, True, 1e-4),
    }
    results = {name: [] for name in strategies}
    for seed in range(n_seeds):
        rng = np.random.default_rng(seed)
        X_noisy = noisy_sensor(X_target, rng) / 16
        train, test = few_shot_split(X_noisy, y_target, rng)
        for name, make in strategies.items():
            model = source if make is None else make(seed).fit(X_noisy[train], y_target[train])
            results[name].append(scores(model, X_noisy[test], y_target[test]))
    return {name: {metric: float(np.mean([r[metric] for r in runs])) for metric in runs[0]} for name, runs in results.items()}


def main():
    fast = bool(os.environ.get("SKOPT_LAB_FAST"))
    results = compare(n_seeds=2 if fast else 5, max_iter=60 if fast else 200)
    print(f"Pretrained on {N_SOURCE} clean digits; {PER_CLASS} noisy digits per class to adapt (σ = {NOISE}).")
    print(f"{'strategy':<22} {'accuracy':>9} {'macro F1':>9} {'ROC-AUC':>8}")
    for name, metrics in results.items():
        print(f"{name:<22} {metrics['accuracy']:>9.3f} {metrics['macro F1']:>9.3f} {metrics['ROC-AUC']:>8.3f}")


if __name__ == "__main__":
    main()
