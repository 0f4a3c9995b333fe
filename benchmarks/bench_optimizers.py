"""Which optimizer pays on which problem: time to a target accuracy, at each
optimizer's default learning rate and at its ``lr_find`` rate.

Two problems, an MLP (64 hidden units, batches of 200) behind a
``StandardScaler`` on the digits and on breast cancer. For each of 3 seeds:
a stratified train/test split (75/25) and a validation split of 20% of the
training part; every step optimizer trains on the rest, epoch by epoch
(``partial_fit``), for at most EPOCHS epochs, once at its default learning
rate and once at the rate ``lr_find`` suggests on the same rows.

The target, fixed before the runs: 95% of the best validation accuracy any
run reaches on that problem. Reported, medians over the seeds: the epochs
and the seconds of training until the validation accuracy first reaches the
target (— when it never does: the median counts such a run as never), the
finder's seconds apart, and the test accuracy after the last epoch (for
context; nothing is chosen on it). L-BFGS has no learning rate and no
epochs of mini-batch steps, so it is not in the table.

Seconds depend on the machine's load; epochs do not.

Run: python benchmarks/bench_optimizers.py   (several minutes)
"""

import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import MLPClassifier, lr_find
from skopt_lab.optimizers import DISPLAY_NAMES, OPTIMIZERS, takes_steps

SEEDS = range(3)
EPOCHS = 50
TARGET_FRACTION = 0.95
PROBLEMS = {"digits": load_digits, "breast cancer": load_breast_cancer}
STEP_OPTIMIZERS = [name for name, cls in OPTIMIZERS.items() if takes_steps(cls())]


def curve(optimizer, rate, splits, seed):
    """Validation accuracy and cumulative training seconds after each epoch."""
    X_fit, y_fit, X_val, y_val, X_test, y_test = splits
    scaler = StandardScaler().fit(X_fit)
    X_fit, X_val, X_test = scaler.transform(X_fit), scaler.transform(X_val), scaler.transform(X_test)
    if rate is not None:
        optimizer = clone(optimizer).set_params(learning_rate=rate)
    model = MLPClassifier(hidden_layer_sizes=(64,), optimizer=optimizer, batch_size=200, random_state=seed)
    classes, scores, seconds, spent = np.unique(y_fit), [], [], 0.0
    for _ in range(EPOCHS):
        started = time.perf_counter()
        model.partial_fit(X_fit, y_fit, classes=classes)
        spent += time.perf_counter() - started
        scores.append(model.score(X_val, y_val))
        seconds.append(spent)
    return np.array(scores), np.array(seconds), model.score(X_test, y_test)


def splits_of(load, seed):
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, stratify=y_train, random_state=seed)
    return X_fit, y_fit, X_val, y_val, X_test, y_test


def runs_of(load):
    runs = {}  # (optimizer, setting): per seed, (scores, seconds, test accuracy, rate, finder seconds)
    for seed in SEEDS:
        splits = splits_of(load, seed)
        for name in STEP_OPTIMIZERS:
            optimizer = OPTIMIZERS[name]()
            runs.setdefault((name, "default"), []).append((*curve(optimizer, None, splits, seed), optimizer.learning_rate, 0.0))
            started = time.perf_counter()
            finder = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), optimizer=optimizer, batch_size=200, random_state=seed))
            rate = lr_find(finder, splits[0], splits[1], random_state=seed).suggestion
            finder_seconds = time.perf_counter() - started
            runs.setdefault((name, "lr_find"), []).append((*curve(optimizer, rate, splits, seed), rate, finder_seconds))
    return runs


def to_target(scores, seconds, target):
    reached = np.flatnonzero(scores >= target)
    if not len(reached):
        return np.inf, np.inf
    return reached[0] + 1, seconds[reached[0]]


def cell(value, fmt):
    return "—" if not np.isfinite(value) else format(value, fmt)


def main():
    warnings.filterwarnings("ignore", message=".*diverged")  # a suggested rate too large is a result here
    print(f"MLP (64,), batches of 200, at most {EPOCHS} epochs; medians of {len(SEEDS)} seeds.")
    for problem, load in PROBLEMS.items():
        runs = runs_of(load)
        best = max(scores.max() for per_seed in runs.values() for scores, *_ in per_seed)
        target = TARGET_FRACTION * best
        print(f"\n{problem}: target validation accuracy {target:.3f} ({TARGET_FRACTION:.0%} of the best, {best:.3f})\n")
        print("| optimizer | default rate | epochs | seconds | test acc | lr_find rate | epochs | seconds (+ finder) | test acc |")
        print("|" + "---|" * 9)
        for name in STEP_OPTIMIZERS:
            row = [DISPLAY_NAMES[name]]
            for setting in ("default", "lr_find"):
                per_seed = runs[(name, setting)]
                reached = [to_target(scores, seconds, target) for scores, seconds, *_ in per_seed]
                epochs = float(np.median([r[0] for r in reached]))
                seconds = float(np.median([r[1] for r in reached]))
                test = float(np.median([run[2] for run in per_seed]))
                rate = float(np.median([run[3] for run in per_seed]))
                finder = float(np.median([run[4] for run in per_seed]))
                timing = cell(seconds, ".2f") + (f" (+ {finder:.2f})" if setting == "lr_find" else "")
                row += [f"{rate:.2g}", cell(epochs, ".0f"), timing, f"{test:.3f}"]
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
