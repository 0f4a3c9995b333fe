"""Does ``lr_find`` earn its place? Its suggested rate against a grid search
of the learning rate.

Three problems: an MLP (64 hidden units) on the digits with Adam and with
SGD, and a linear model on breast cancer with SGD, behind a
``StandardScaler``. For each of 5 seeds: a stratified train/test split
(75/25), and a validation split of 20% of the training part. Every model
trains on the rest of the training part for the same fixed epochs
(``tol=None``):

- the grid: 13 rates from 1e-5 to 10 (``np.logspace(-5, 1, 13)``), the best
  chosen on the validation split (never on test);
- ``lr_find`` (100 steps, on the same training rows) and one training at
  its suggestion (a tenth of the rate at the smallest smoothed loss), and
  at the other classic rule (steepest descent of the smoothed loss), for
  comparison.

Printed: medians over the seeds of the test accuracy of each, and the
gradient steps each costs (the finder's steps, and the finder's plus one
training, against the grid's 13 trainings). The bar (issue 23): within 1
point of the grid's test accuracy at no more than a tenth of its steps.

Run: python benchmarks/bench_lr_find.py   (a few minutes)
"""

import math
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, MLPClassifier, lr_find
from skopt_lab.optimizers import get_optimizer

SEEDS = range(5)
GRID = np.logspace(-5, 1, 13)
BATCH_SIZE = 200
PROBLEMS = [  # name, data, estimator, epochs
    ("MLP digits, Adam", load_digits, MLPClassifier(hidden_layer_sizes=(64,), optimizer="adam"), 60),
    ("MLP digits, SGD", load_digits, MLPClassifier(hidden_layer_sizes=(64,), optimizer="sgd"), 60),
    ("linear breast cancer, SGD", load_breast_cancer, LinearClassifier(optimizer="sgd"), 200),
]


def model_at(estimator, rate, epochs, seed):
    """The estimator at learning rate ``rate`` for ``epochs`` fixed epochs, scaled."""
    optimizer = get_optimizer(estimator.optimizer).set_params(learning_rate=rate)
    model = clone(estimator).set_params(optimizer=optimizer, batch_size=BATCH_SIZE, max_iter=epochs, tol=None, random_state=seed)
    return make_pipeline(StandardScaler(), model)


def steps_per_fit(n_rows, epochs):
    return epochs * math.ceil(n_rows / BATCH_SIZE)


def one_seed(load, estimator, epochs, seed):
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, stratify=y_train, random_state=seed)
    started = time.perf_counter()
    grid = []
    for rate in GRID:
        model = model_at(estimator, rate, epochs, seed).fit(X_fit, y_fit)
        grid.append((model.score(X_val, y_val), rate, model.score(X_test, y_test)))
    grid_seconds = time.perf_counter() - started
    best_validation, best_rate, grid_test = max(grid, key=lambda entry: entry[0])
    started = time.perf_counter()
    finder = make_pipeline(StandardScaler(), clone(estimator).set_params(batch_size=BATCH_SIZE, random_state=seed))
    result = lr_find(finder, X_fit, y_fit, random_state=seed)
    suggested = model_at(estimator, result.suggestion, epochs, seed).fit(X_fit, y_fit)
    finder_seconds = time.perf_counter() - started
    steepest = model_at(estimator, result.steepest, epochs, seed).fit(X_fit, y_fit)
    fit_steps = steps_per_fit(len(y_fit), epochs)
    finder_steps = len(result.learning_rates) + result.diverged  # the step that diverged was taken too
    return {
        "grid": grid_test,
        "grid rate": best_rate,
        "suggested": suggested.score(X_test, y_test),
        "suggestion": result.suggestion,
        "steepest": steepest.score(X_test, y_test),
        "steepest rate": result.steepest,
        "grid steps": len(GRID) * fit_steps,
        "finder steps": finder_steps,
        "finder + fit steps": finder_steps + fit_steps,
        "grid seconds": grid_seconds,
        "finder + fit seconds": finder_seconds,
    }


def main():
    # The grid's largest rates diverge (the estimator says so, and keeps its last sound weights): expected here.
    warnings.filterwarnings("ignore", message=".*diverged")
    print(f"{len(SEEDS)} seeds; medians. Grid: {len(GRID)} rates 1e-5..10, best on validation; batch {BATCH_SIZE}.")
    header = (
        "| problem | epochs | grid test acc (rate) | lr_find test acc (rate) | steepest test acc (rate) | difference "
        "| finder steps / grid | finder + training / grid | seconds: grid, finder + training |"
    )
    print(header)
    print("|" + "---|" * 9)
    for name, load, estimator, epochs in PROBLEMS:
        runs = [one_seed(load, estimator, epochs, seed) for seed in SEEDS]

        def median(key):
            return float(np.median([run[key] for run in runs]))

        print(
            f"| {name} | {epochs} | {median('grid'):.3f} ({median('grid rate'):.2g}) "
            f"| {median('suggested'):.3f} ({median('suggestion'):.2g}) "
            f"| {median('steepest'):.3f} ({median('steepest rate'):.2g}) "
            f"| {100 * (median('suggested') - median('grid')):+.1f} points "
            f"| {median('finder steps'):.0f} / {median('grid steps'):.0f} = {median('finder steps') / median('grid steps'):.1%} "
            f"| {median('finder + fit steps') / median('grid steps'):.1%} "
            f"| {median('grid seconds'):.1f}, {median('finder + fit seconds'):.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
