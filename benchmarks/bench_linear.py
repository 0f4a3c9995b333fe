"""Time to a test accuracy: LinearClassifier's optimizers against scikit-learn.

The workload of the foundation issue: ``make_classification(n_samples=250_000,
n_features=100, n_informative=20, random_state=0)`` (binary), split 200,000
train / 50,000 test by ``train_test_split(random_state=0)``, standardised by a
StandardScaler fitted on the training part, float64 (``--dtype float32``
trains ours and LogisticRegression in float32).

Target. A reference LogisticRegression is converged on the objective every
contender of ours minimises (mean log-loss + alpha/2 ||w||², alpha = 1e-4, so
``C = 1 / (alpha · n_train)``, ``tol=1e-10``); the target is its test accuracy
minus ``--target-gap`` (0.5 points). Both are printed.

Time to target is training wall time only, from the start of training until
the end of the first epoch (iteration) whose model reaches the target on the
test set; test-set evaluation is never charged to a contender:

- epoch-based contenders (ours with a step optimizer, SGDClassifier) are
  trained with ``partial_fit`` on the whole training set, one call per epoch;
  only the ``partial_fit`` calls are timed, and the model is scored on the
  test set between them. Both libraries pay the same per-call input
  validation. SGDClassifier gets ``random_state=RandomState(seed)`` rather
  than an int: with an int every ``partial_fit`` call would reseed and replay
  the same sample order, which its own ``fit`` does not do;
- full-fit contenders (LogisticRegression with lbfgs, our LBFGS) are timed as
  one complete ``fit`` at default tolerance; they reach the target if the
  converged model does. Two extra rows give the time to target *within* the
  iterations: LogisticRegression refitted from scratch with max_iter = 1, 2,
  ... (the time of the first fit that reaches the target: an oracle, a user
  would not know that max_iter in advance), and our LBFGS with a callback
  (``set_callbacks``) that scores each iteration's snapshot, subtracts its
  own time, and stops training at the target.

Budget: every epoch-based contender stops at the target, or after
``--max-epochs`` epochs (30) or ``--max-seconds`` of training (60 s), and is
then "not reached". Contenders run one after another in one process, in an
order rotated at every repeat; the table gives medians over ``--repeats``
rounds (3). The seed (``--seed``, 0) is the same in every round, so epochs
and accuracies repeat exactly and only the timings vary.

Contenders: our ten optimizers at their default settings (batch_size="auto",
i.e. 200); three tuned settings, chosen from a short exploration of this
data: GD with learning rate 1.5 ≈ 1/L (L = λ_max(XᵀX/n)/4, the curvature
bound of the log-loss), since its default 0.01 is far too small a step for
full-batch descent, and SGD 0.1 and Adam 1e-2 with batches of 1024 (fewer,
cheaper steps per epoch, with a learning rate raised to match); and
scikit-learn's SGDClassifier(loss="log_loss") at its defaults (the reference
of the ratios), SGDClassifier(average=True) (averaged SGD, its documented
fast setting, so that our tuned rows face a tuned baseline too) and
LogisticRegression() at its defaults (lbfgs, C=1.0, tol=1e-4).

Full-batch fits (``--full-batch``): what a full-batch fit pays before its
first epoch to merge repeated rows, timed side by side in one process on
the training split: the former rule, which put every full-batch fit's rows
through ``np.unique(..., axis=0)`` (a sort of the rows and a copy of X),
against the current one, which only hashes the rows to find repeats and
merges them (a copy) only when there are repeats or unequal weights. Whole
fits are timed both ways: our L-BFGS at its defaults and GD (lr=1.5, 5
epochs), without and with integer sample weights.

Run: python benchmarks/bench_linear.py               (about 1 minute on a busy 2-core machine)
     python benchmarks/bench_linear.py --quick       (50,000 training rows, 1 repeat)
     python benchmarks/bench_linear.py --profile     (where an epoch of ours spends its time)
     python benchmarks/bench_linear.py --full-batch  (the full-batch fits, former and current rule)
"""

import argparse
import contextlib
import cProfile
import os
import platform
import pstats
import statistics
import subprocess
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

import skopt_lab
from skopt_lab import LinearClassifier
from skopt_lab._engine import trainer
from skopt_lab._engine.targets import DenseTargets
from skopt_lab.optimizers import GD, LBFGS, SGD, Adadelta, AdaGrad, Adam, AdamW, Momentum, Nadam, RMSprop

ALPHA = 1e-4
N_FEATURES = 100
N_INFORMATIVE = 20


# ------------------------------------------------------------------- data
def workload(n_samples, dtype, seed=0):
    X, y = make_classification(
        n_samples=n_samples, n_features=N_FEATURES, n_informative=N_INFORMATIVE, random_state=seed
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train.astype(dtype), X_test.astype(dtype), y_train, y_test, X_train, X_test


def reference_accuracy(X_train, y_train, X_test, y_test):
    """Test accuracy of the converged optimum of our objective (alpha = 1e-4)."""
    reference = LogisticRegression(C=1.0 / (ALPHA * X_train.shape[0]), tol=1e-10, max_iter=10_000)
    started = time.perf_counter()
    reference.fit(X_train, y_train)
    return reference.score(X_test, y_test), int(reference.n_iter_[0]), time.perf_counter() - started


# ------------------------------------------------------------- contenders
class Contender:
    """A row of the table: how to build the estimator and how to time it."""

    def __init__(self, name, settings, make, kind, group):
        self.name, self.settings, self.make, self.kind, self.group = name, settings, make, kind, group


def ours(optimizer, settings, group, **params):
    name = f"LinearClassifier({type(optimizer).__name__})"
    return Contender(
        name,
        settings,
        lambda seed: LinearClassifier(optimizer, alpha=ALPHA, random_state=seed, **params),
        "epochs",
        group,
    )


def contenders():
    rows = [
        Contender(
            "SGDClassifier",
            'loss="log_loss", defaults (alpha=1e-4, learning_rate="optimal")',
            lambda seed: SGDClassifier(loss="log_loss", random_state=np.random.RandomState(seed)),
            "epochs",
            "scikit-learn",
        ),
        Contender(
            "SGDClassifier",
            'loss="log_loss", average=True (tuned)',
            lambda seed: SGDClassifier(loss="log_loss", average=True, random_state=np.random.RandomState(seed)),
            "epochs",
            "scikit-learn",
        ),
        Contender(
            "LogisticRegression",
            "defaults (lbfgs, C=1.0, tol=1e-4): full fit",
            lambda seed: LogisticRegression(),
            "fit",
            "scikit-learn",
        ),
        Contender(
            "LogisticRegression",
            "defaults, smallest max_iter reaching the target (oracle)",
            lambda seed: LogisticRegression(),
            "max_iter_scan",
            "scikit-learn",
        ),
        ours(GD(), "default (lr=0.01, full batch)", "default"),
        ours(SGD(), "default (lr=0.01, batch 200)", "default"),
        ours(Momentum(), "default (lr=0.01, beta=0.9, batch 200)", "default"),
        ours(AdaGrad(), "default (lr=0.01, batch 200)", "default"),
        ours(RMSprop(), "default (lr=0.01, batch 200)", "default"),
        ours(Adam(), "default (lr=1e-3, batch 200)", "default"),
        ours(AdamW(), "default (lr=1e-3, weight_decay=0.01, batch 200)", "default"),
        ours(Nadam(), "default (lr=2e-3, batch 200)", "default"),
        ours(Adadelta(), "default (lr=1.0, batch 200)", "default"),
        Contender(
            "LinearClassifier(LBFGS)",
            "default (memory=10, gtol=1e-5): full fit",
            lambda seed: LinearClassifier(LBFGS(), alpha=ALPHA, random_state=seed),
            "fit",
            "default",
        ),
        Contender(
            "LinearClassifier(LBFGS)",
            "default, stopped by a callback at the target",
            lambda seed: LinearClassifier(LBFGS(), alpha=ALPHA, random_state=seed),
            "fit_callback",
            "default",
        ),
        ours(GD(learning_rate=1.5), "lr=1.5 ≈ 1/L (tuned)", "tuned"),
        ours(SGD(learning_rate=0.1), "lr=0.1, batch_size=1024 (tuned)", "tuned", batch_size=1024),
        ours(Adam(learning_rate=1e-2), "lr=1e-2, batch_size=1024 (tuned)", "tuned", batch_size=1024),
    ]
    return rows


# ----------------------------------------------------------------- timing
class Budget:
    def __init__(self, max_epochs, max_seconds):
        self.max_epochs, self.max_seconds = max_epochs, max_seconds


def result(reached_at, seconds, epochs_run, train_seconds, accuracy):
    return {
        "epochs": reached_at if reached_at is not None else epochs_run,
        "seconds": seconds if reached_at is not None else None,
        "per_epoch": train_seconds / max(epochs_run, 1),
        "spent": train_seconds,
        "accuracy": accuracy,
    }


def time_epochs(estimator, data, target, budget):
    """partial_fit epoch by epoch; only the partial_fit calls are timed."""
    X_train, y_train, X_test, y_test = data
    classes = np.unique(y_train)
    trained = 0.0
    accuracy = None
    for epoch in range(1, budget.max_epochs + 1):
        started = time.perf_counter()
        estimator.partial_fit(X_train, y_train, classes=classes)
        trained += time.perf_counter() - started
        accuracy = estimator.score(X_test, y_test)  # untimed
        if accuracy >= target:
            return result(epoch, trained, epoch, trained, accuracy)
        if trained >= budget.max_seconds:
            break
    return result(None, None, epoch, trained, accuracy)


def time_fit(estimator, data, target, budget):
    """One complete fit at the estimator's own tolerance."""
    X_train, y_train, X_test, y_test = data
    started = time.perf_counter()
    estimator.fit(X_train, y_train)
    trained = time.perf_counter() - started
    accuracy = estimator.score(X_test, y_test)
    n_iter = int(np.max(estimator.n_iter_))
    reached = n_iter if accuracy >= target else None
    return result(reached, trained, n_iter, trained, accuracy)


def time_max_iter_scan(estimator, data, target, budget):
    """Fresh fits with max_iter = 1, 2, ...: the time of the first that reaches the target."""
    X_train, y_train, X_test, y_test = data
    spent, accuracy, fit_seconds = 0.0, None, 0.0
    for max_iter in range(1, 101):
        estimator.set_params(max_iter=max_iter)
        started = time.perf_counter()
        estimator.fit(X_train, y_train)
        fit_seconds = time.perf_counter() - started
        spent += fit_seconds
        accuracy = estimator.score(X_test, y_test)
        n_iter = int(np.max(estimator.n_iter_))
        if accuracy >= target:
            return result(n_iter, fit_seconds, n_iter, fit_seconds, accuracy)
        if n_iter < max_iter or spent >= budget.max_seconds:  # converged below the target, or out of time
            break
    return result(None, None, n_iter, fit_seconds, accuracy)


class StopAtTarget:
    """A scikit-learn callback: scores each epoch's (iteration's) snapshot on
    the test set, keeps the time it spends itself, and stops training when the
    target is reached."""

    def __init__(self, X_test, y_test, target):
        self.X_test, self.y_test, self.target = X_test, y_test, target
        self.reset()

    def reset(self):
        self.own_seconds, self.reached_at, self.reached_clock, self.accuracy, self.epochs = 0.0, None, None, None, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "epoch" or fitted_estimator is None:
            return False
        entered = time.perf_counter()
        self.epochs += 1
        self.accuracy = fitted_estimator.score(self.X_test, self.y_test)
        stop = self.accuracy >= self.target and self.reached_at is None
        if stop:
            self.reached_at, self.reached_clock = self.epochs, entered - self.own_seconds
        self.own_seconds += time.perf_counter() - entered
        return stop


def time_fit_callback(estimator, data, target, budget):
    X_train, y_train, X_test, y_test = data
    callback = StopAtTarget(X_test, y_test, target)
    estimator.set_callbacks(callback)
    started = time.perf_counter()
    estimator.fit(X_train, y_train)
    trained = time.perf_counter() - started - callback.own_seconds
    if callback.reached_at is None:
        return result(None, None, callback.epochs, trained, callback.accuracy)
    return result(callback.reached_at, callback.reached_clock - started, callback.epochs, trained, callback.accuracy)


TIMERS = {
    "epochs": time_epochs,
    "fit": time_fit,
    "max_iter_scan": time_max_iter_scan,
    "fit_callback": time_fit_callback,
}


# ----------------------------------------------------------------- report
def median_row(runs):
    seconds = [r["seconds"] if r["seconds"] is not None else float("inf") for r in runs]
    med = statistics.median(seconds)
    return {
        "seconds": None if med == float("inf") else med,
        "epochs": statistics.median(r["epochs"] for r in runs),
        "per_epoch": statistics.median(r["per_epoch"] for r in runs),
        "accuracy": statistics.median(r["accuracy"] for r in runs),
        "spent": statistics.median(r["spent"] for r in runs),
    }


def format_ratio(seconds, reference):
    """Ratio to a reference row; when the reference missed the target, the
    training time it spent bounds the ratio from above ("<")."""
    if seconds is None:
        return "—"
    if reference["seconds"] is None:
        return f"< {seconds / reference['spent']:.2f}x"
    return f"{seconds / reference['seconds']:.2f}x"


def table(rows, medians, budget):
    baseline = medians[0]  # SGDClassifier, defaults
    tuned_baseline = medians[1]  # SGDClassifier(average=True)
    lines = [
        (
            "| contender | settings | epochs (iter.) to target | s to target | vs SGDClassifier "
            "| vs SGDClassifier(average=True) | s / epoch (iter.) | final test accuracy |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for row, med in zip(rows, medians, strict=True):
        if med["seconds"] is None:
            epochs, seconds = f"not reached ({med['epochs']:g})", "not reached"
        else:
            epochs, seconds = f"{med['epochs']:g}", f"{med['seconds']:.3f}"
        lines.append(
            f"| {row.name} | {row.settings} | {epochs} | {seconds} | {format_ratio(med['seconds'], baseline)} "
            f"| {format_ratio(med['seconds'], tuned_baseline)} | {med['per_epoch']:.3f} | {med['accuracy']:.4f} |"
        )
    return "\n".join(lines)


def library_revision():
    """The git commit of the skopt_lab being measured (and whether it has local changes)."""
    package = os.path.dirname(os.path.abspath(skopt_lab.__file__))
    try:
        commit = subprocess.run(
            ["git", "-C", package, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", package, "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {commit}" + (" with local changes" if dirty else "")


def blas_summary():
    return ", ".join(
        f"{info['internal_api']} {info.get('version', '')} ({info['num_threads']} threads)"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    )


# ---------------------------------------------------------------- profile
def _cumulative(stats, filename_end, function):
    """Cumulative seconds of one function in a cProfile run."""
    return sum(
        value[3]
        for (filename, _, name), value in stats.stats.items()
        if name == function and filename.replace(os.sep, "/").endswith(filename_end)
    )


def profile_epochs(X_train, y_train, seed, n_epochs=5):
    """Where the time of one partial_fit epoch of ours goes (cProfile shares
    of a few epochs, scaled to the unprofiled median epoch time), against
    SGDClassifier's epoch; and what the batch gather costs with np.take's
    default mode="raise" (which buffers ``out``) against mode="clip"."""
    classes = np.unique(y_train)
    sgd = SGDClassifier(loss="log_loss", random_state=np.random.RandomState(seed))
    sgd.partial_fit(X_train, y_train, classes=classes)
    sgd_epoch = statistics.median(_timed(sgd.partial_fit, X_train, y_train) for _ in range(n_epochs))
    print(f"SGDClassifier: {sgd_epoch * 1e3:.0f} ms per partial_fit epoch (median of {n_epochs}).")
    parts = [
        ("validate_data (finite check of X)", "sklearn/utils/validation.py", "validate_data"),
        ("_encode_targets (label checks)", "skopt_lab/_base.py", "_encode_targets"),
        ("shuffle", "skopt_lab/_engine/trainer.py", "permutation"),
        ("batch gather (np.take of X and Y rows)", "skopt_lab/_engine/trainer.py", "batches"),
        ("value_and_gradient", "skopt_lab/_engine/network.py", "value_and_gradient"),
        ("optimizer step (its chain's update)", "skopt_lab/optimizers/_combine.py", "update"),
    ]
    for batch_size in (200, 1024):
        est = LinearClassifier(Adam(), alpha=ALPHA, batch_size=batch_size, random_state=seed)
        est.partial_fit(X_train, y_train, classes=classes)
        epoch = statistics.median(_timed(est.partial_fit, X_train, y_train) for _ in range(n_epochs))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n_epochs):
            est.partial_fit(X_train, y_train)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = _cumulative(stats, "skopt_lab/_base.py", "_fit")
        n_batches = -(-X_train.shape[0] // batch_size)
        print(
            f"\nLinearClassifier(Adam(), batch_size={batch_size}): {epoch * 1e3:.0f} ms per partial_fit epoch "
            f"({epoch / sgd_epoch:.2f}x SGDClassifier), {n_batches} batches."
        )
        print("| part of the epoch | share (cProfile) | ms per epoch | µs per batch |")
        print("|---|---|---|---|")
        accounted = 0.0
        for label, filename, function in parts:
            share = _cumulative(stats, filename, function) / total
            accounted += share
            print(f"| {label} | {share:.0%} | {share * epoch * 1e3:.1f} | {share * epoch / n_batches * 1e6:.0f} |")
        rest = 1 - accounted
        print(
            f"| rest (loop, bookkeeping) | {rest:.0%} | {rest * epoch * 1e3:.1f} "
            f"| {rest * epoch / n_batches * 1e6:.0f} |"
        )

    print("\nGathering one shuffled epoch of X into the batch buffer (median of 5, ms):")
    print("| batch size | np.take(out=buf) as in the trainer (mode='raise') | np.take(out=buf, mode='clip') | ratio |")
    print("|---|---|---|---|")
    order = np.random.default_rng(seed).permutation(X_train.shape[0]).astype(np.min_scalar_type(X_train.shape[0]))
    for batch_size in (200, 1024, 4096):
        buffer = np.empty((batch_size, X_train.shape[1]), dtype=X_train.dtype)
        times = {"raise": [], "clip": []}
        for _ in range(5):
            for mode, seconds in times.items():
                seconds.append(_timed(_gather_epoch, X_train, order, buffer, mode))
        raised, clipped = (statistics.median(times[mode]) for mode in ("raise", "clip"))
        print(f"| {batch_size} | {raised * 1e3:.1f} | {clipped * 1e3:.1f} | {clipped / raised:.2f} |")


# ------------------------------------------------------ full-batch fits
def former_distinct_rows(X, Y, sample_weight):
    """The rule every full-batch fit followed before: the distinct rows of
    (X, Y) by np.unique over the rows (dense X), with their total weight."""
    weights = np.ones(X.shape[0], dtype=Y.dtype) if sample_weight is None else sample_weight.astype(Y.dtype)
    rows, inverse = np.unique(np.hstack([X, Y.dense()]), axis=0, return_inverse=True)
    X_rows, Y_rows = np.ascontiguousarray(rows[:, : X.shape[1]]), np.ascontiguousarray(rows[:, X.shape[1] :])
    totals = np.bincount(inverse.ravel(), weights=weights, minlength=Y_rows.shape[0]).astype(Y.dtype)
    kept = totals > 0
    return X_rows[kept], DenseTargets(Y_rows[kept]), totals[kept]


@contextlib.contextmanager
def full_batch_rule(rule):
    """Fit with the ``"former"`` or the ``"current"`` full-batch rule."""
    if rule == "current":
        yield
        return
    current = trainer.merge_repeated_rows
    trainer.merge_repeated_rows = former_distinct_rows
    try:
        yield
    finally:
        trainer.merge_repeated_rows = current


def full_batch_fits(X_train, y_train, seed, repeats):
    """Seconds of full-batch preparation and of whole full-batch fits, with
    the former rule and the current one (medians of ``repeats``)."""
    weights = np.random.default_rng(seed).integers(1, 4, size=X_train.shape[0]).astype(X_train.dtype)
    Y = DenseTargets(y_train[:, None].astype(X_train.dtype))
    rules = {"former": former_distinct_rows, "current": trainer.merge_repeated_rows}
    fits = {
        "LinearClassifier(LBFGS()) fit": lambda: LinearClassifier(LBFGS(), alpha=ALPHA, random_state=seed),
        "LinearClassifier(GD(lr=1.5), max_iter=5) fit": lambda: LinearClassifier(
            GD(learning_rate=1.5), alpha=ALPHA, max_iter=5, tol=None, random_state=seed
        ),
    }
    print(
        f"\nFull-batch fits on the {X_train.shape[0]:,} x {X_train.shape[1]} training split "
        f"(median of {repeats}, seconds). Former rule: np.unique over the rows of every full-batch fit; "
        "current: a hash of each row, and a merge only for repeated rows or unequal weights."
    )
    print("| what | sample_weight | former rule | current rule | saved |")
    print("|---|---|---|---|---|")
    for label, sample_weight in (("no", None), ("integers 1-3", weights)):
        prepare = {rule: [] for rule in rules}
        for _ in range(repeats):
            for rule, function in rules.items():
                prepare[rule].append(_timed(function, X_train, Y, sample_weight))
        former, current = (statistics.median(prepare[rule]) for rule in rules)
        print(f"| merging repeated rows, before the first epoch | {label} | {former:.2f} | {current:.2f} | {former - current:.2f} |")
        for name, make in fits.items():
            seconds = {rule: [] for rule in rules}
            for _ in range(repeats):
                for rule in rules:
                    estimator = make()
                    with full_batch_rule(rule), warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        seconds[rule].append(_timed(lambda: estimator.fit(X_train, y_train, sample_weight=sample_weight)))
            former, current = (statistics.median(seconds[rule]) for rule in rules)
            print(f"| {name} | {label} | {former:.2f} | {current:.2f} | {former - current:.2f} ({former / current:.1f}x) |")


def _gather_epoch(X, order, buffer, mode):
    batch_size = buffer.shape[0]
    for start in range(0, X.shape[0], batch_size):
        idx = order[start : start + batch_size]
        np.take(X, idx, axis=0, out=buffer[: len(idx)], mode=mode)


def _timed(function, *args):
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 training rows, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="rounds of the whole measurement (3)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--target-gap", type=float, default=0.005, help="target = reference accuracy - gap")
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0, help="random_state of every contender")
    parser.add_argument(
        "--profile", action="store_true", help="instead of the table: where an epoch of our partial_fit spends its time"
    )
    parser.add_argument(
        "--full-batch", action="store_true", help="instead of the table: full-batch fits, former and current rule"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    n_samples = 62_500 if args.quick else 250_000
    budget = Budget(args.max_epochs, args.max_seconds)

    clock = time.perf_counter()
    load_before = os.getloadavg()
    X_train, X_test, y_train, y_test, X64_train, X64_test = workload(n_samples, np.dtype(args.dtype))
    print(
        f"Workload: make_classification({n_samples:,} x {N_FEATURES}, n_informative={N_INFORMATIVE}), "
        f"{X_train.shape[0]:,} train / {X_test.shape[0]:,} test, standardised, {args.dtype}."
    )
    print(
        f"skopt_lab {library_revision()}; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"BLAS: {blas_summary()}."
    )
    print(f"Load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
    if args.profile or args.full_batch:
        if args.profile:
            profile_epochs(X_train, y_train, args.seed)
        else:
            full_batch_fits(X_train, y_train, args.seed, repeats)
        load_after = os.getloadavg()
        print(f"\nLoad average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
        return

    ref_accuracy, ref_iter, ref_seconds = reference_accuracy(X64_train, y_train, X64_test, y_test)
    target = ref_accuracy - args.target_gap
    print(
        f"Reference: LogisticRegression(C=1/(alpha·n)={1.0 / (ALPHA * X_train.shape[0]):.3g}, tol=1e-10) "
        f"test accuracy {ref_accuracy:.4f} ({ref_iter} iterations, {ref_seconds:.2f} s); "
        f"target {target:.4f} (reference - {args.target_gap:g})."
    )
    print(
        f"Budget {budget.max_epochs} epochs / {budget.max_seconds:g} s of training; median of {repeats} "
        f"round(s), order rotated each round; seed {args.seed}.",
        flush=True,
    )

    rows = contenders()
    runs = [[] for _ in rows]
    data = {
        "ours": (X_train, y_train, X_test, y_test),
        # SGDClassifier only trains in float64: give it float64 so no
        # partial_fit call pays a conversion.
        "float64": (X64_train, y_train, X64_test, y_test),
    }
    for round_ in range(repeats):
        shift = round_ * len(rows) // repeats  # each round starts elsewhere in the list
        for index in list(range(shift, len(rows))) + list(range(shift)):
            row = rows[index]
            estimator = row.make(args.seed)
            row_data = data["float64"] if isinstance(estimator, SGDClassifier) else data["ours"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                runs[index].append(TIMERS[row.kind](estimator, row_data, target, budget))
            last = runs[index][-1]
            shown = f"{last['seconds']:.3f} s" if last["seconds"] is not None else "not reached"
            print(f"  round {round_ + 1}: {row.name} [{row.settings}]: {shown}, epochs {last['epochs']}", flush=True)

    medians = [median_row(r) for r in runs]
    load_after = os.getloadavg()
    print()
    print(table(rows, medians, budget))
    print()
    ours_reached = [
        (m["seconds"], row)
        for m, row in zip(medians, rows, strict=True)
        if row.group != "scikit-learn" and m["seconds"] is not None
    ]
    if ours_reached:
        seconds, row = min(ours_reached, key=lambda pair: pair[0])
        baseline = medians[0]
        if baseline["seconds"] is None:
            comparison = f"SGDClassifier did not reach the target in {baseline['spent']:.2f} s of training"
        else:
            verdict = "faster" if seconds < baseline["seconds"] else "slower"
            comparison = (
                f"{baseline['seconds'] / seconds:.1f}x {verdict} than SGDClassifier ({baseline['seconds']:.3f} s)"
            )
        print(f"Fastest of ours: {row.name} [{row.settings}], {seconds:.3f} s: {comparison}.")
    print(f"Load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"Total wall time: {time.perf_counter() - clock:.0f} s")


if __name__ == "__main__":
    main()
