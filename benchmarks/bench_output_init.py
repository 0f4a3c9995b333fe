"""How the output layer should start: a tenth of Glorot's variance, or all of it.

Our MLPs start the output layer's weights with Glorot's variance, as
scikit-learn's MLP does (``OUTPUT_INIT_VARIANCE`` in
``skopt_lab/_engine/network.py``); a tenth of it was our earlier choice. This script trains both
variants, side by side in one process, with the same seeds (median over
``--seeds``), and scikit-learn's MLP beside them:

- **sgd-regression**: plain SGD as scikit-learn's ``solver="sgd"`` runs it
  (learning rate 1e-3, Nesterov momentum 0.9, batches of 200), on the
  standardised diabetes and Friedman #1 data; the number of epochs to reach
  95% of the training R² scikit-learn's MLP reaches in 200 epochs.
- **adam-classification**: the defaults (Adam 1e-3), on the standardised
  digits, breast cancer and wine data; test accuracy after 20 and 200
  epochs, and the training log-loss after 20 epochs.

Run: python benchmarks/bench_output_init.py [--seeds 5]
"""

import argparse
import statistics
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine, make_friedman1
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.preprocessing import StandardScaler

from skopt_lab import MLPClassifier, MLPRegressor
from skopt_lab._engine import network
from skopt_lab.optimizers import SGD

DEFAULT = network.OUTPUT_INIT_VARIANCE
VARIANTS = {"a tenth of Glorot": 0.1, "Glorot (ours and scikit-learn's)": 1.0}


def _regression_sets():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    X, y = make_friedman1(n_samples=1000, random_state=0)
    yield "friedman1", X, y


def _epochs_to(curve, target):
    reached = [i + 1 for i, r2 in enumerate(curve) if r2 >= target]
    return reached[0] if reached else np.inf


def _r2_curve_ours(X, y, seed, epochs, normalize_y):
    model = MLPRegressor(
        optimizer=SGD(learning_rate=1e-3, momentum=0.9, nesterov=True),
        batch_size=200,
        normalize_y=normalize_y,
        random_state=seed,
    )
    curve = []
    for _ in range(epochs):
        model.partial_fit(X, y)
        curve.append(model.score(X, y))
    return curve


def _r2_curve_sklearn(X, y, seed, epochs):
    model = SklearnMLPRegressor(solver="sgd", random_state=seed, tol=0, max_iter=1)
    curve = []
    for _ in range(epochs):
        model.partial_fit(X, y)
        curve.append(model.score(X, y))
    return curve


def regression(seeds, epochs=200):
    print(f"sgd-regression: epochs to 95% of scikit-learn's training R² after {epochs} epochs (median of {len(seeds)} seeds)")
    print("| data | normalize_y | " + " | ".join(VARIANTS) + " | scikit-learn |")
    print("|---|---|" + "---|" * (len(VARIANTS) + 1))
    for name, X, y in _regression_sets():
        X = StandardScaler().fit_transform(X)
        reference = {seed: _r2_curve_sklearn(X, y, seed, epochs) for seed in seeds}
        targets = {seed: 0.95 * max(curve) for seed, curve in reference.items()}
        sklearn_epochs = statistics.median(_epochs_to(reference[s], targets[s]) for s in seeds)
        for normalize in (True, False):
            cells = []
            for gain in VARIANTS.values():
                network.OUTPUT_INIT_VARIANCE = gain
                found = [_epochs_to(_r2_curve_ours(X, y, seed, epochs, normalize), targets[seed]) for seed in seeds]
                cells.append(f"{statistics.median(found):g}")
            print(f"| {name} | {normalize} | " + " | ".join(cells) + f" | {sklearn_epochs:g} |", flush=True)
    network.OUTPUT_INIT_VARIANCE = DEFAULT


def classification(seeds):
    sets = {"digits": load_digits, "breast_cancer": load_breast_cancer, "wine": load_wine}
    print(f"\nadam-classification: test accuracy after 20 / 200 epochs, training log-loss after 20 (median of {len(seeds)} seeds)")
    print("| data | " + " | ".join(VARIANTS) + " | scikit-learn |")
    print("|---|" + "---|" * (len(VARIANTS) + 1))
    for name, load in sets.items():
        X, y = load(return_X_y=True)
        cells = []
        for gain in [*VARIANTS.values(), None]:
            acc20, acc200, loss20 = [], [], []
            for seed in seeds:
                X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=seed)
                scaler = StandardScaler().fit(X_train)
                X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
                for epochs, acc in ((20, acc20), (200, acc200)):
                    if gain is None:
                        model = SklearnMLPClassifier(max_iter=epochs, tol=0, random_state=seed)
                    else:
                        network.OUTPUT_INIT_VARIANCE = gain
                        model = MLPClassifier(max_iter=epochs, tol=None, random_state=seed)
                    model.fit(X_train, y_train)
                    acc.append(model.score(X_test, y_test))
                    if epochs == 20:
                        loss20.append(log_loss(y_train, model.predict_proba(X_train)))
            cells.append(
                f"{statistics.median(acc20):.3f} / {statistics.median(acc200):.3f} ({statistics.median(loss20):.3f})"
            )
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    network.OUTPUT_INIT_VARIANCE = DEFAULT


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # budgets reached by design
        regression(seeds)
        classification(seeds)


if __name__ == "__main__":
    main()
