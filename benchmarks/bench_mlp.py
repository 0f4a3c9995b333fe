"""MLP training speed: skopt_lab against scikit-learn and a plain PyTorch loop.

The reference workload of the MLP issue: ``make_classification(n_features=100,
n_informative=40, n_classes=5, random_state=0)`` with 50,000 training rows
(10,000 more rows of the same draw are the test set), hidden layers
(256, 128), ReLU, Adam (learning rate 1e-3), batch size 256, 10 epochs, no
early stopping. Every contender trains in float32 and float64 in this one
process, interleaved over ``--repeats`` rounds; the table reports the median
seconds per epoch, ratios to scikit-learn and PyTorch, the GFLOP/s of the
matrix products against a measured GEMM peak, and peak memory. Peak memory
is measured in a fresh subprocess per contender, as the growth of the
resident set's high-water mark (reset through /proc/self/clear_refs) during
``fit``.

Both libraries minimise the same objective: scikit-learn adds
``alpha / (2 · batch_size) · ||W||²`` to each batch's mean loss, so ours gets
``alpha = 1e-4 / 256``. The training loss is the log-loss of the final model
on the training data, computed by scikit-learn for both.

Run: python benchmarks/bench_mlp.py            (about 5 minutes)
     python benchmarks/bench_mlp.py --quick    (2 epochs, 1 repeat)
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.neural_network import MLPClassifier as SklearnMLP

from skopt_lab import MLPClassifier
from skopt_lab.optimizers import Adam

HIDDEN = (256, 128)
BATCH = 256
N_TRAIN = 50_000
DTYPES = ("float32", "float64")


def workload():
    X, y = make_classification(
        n_samples=N_TRAIN + 10_000, n_features=100, n_informative=40, n_classes=5, random_state=0
    )
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def matmul_flops_per_epoch(n_features, n_classes):
    """Forward products, weight gradients, and deltas below the output layer."""
    sizes = [n_features, *HIDDEN, n_classes]
    pairs = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * N_TRAIN * (2 * sum(pairs) + sum(pairs[1:]))


def gemm_peak(dtype, size=1024):
    a = np.random.default_rng(0).standard_normal((size, size)).astype(dtype)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = min(_time(lambda: np.matmul(a, a, out=out)) for _ in range(5))
    return 2 * size**3 / best / 1e9


def _time(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


# ---------------------------------------------------------------- contenders
def fit_ours(X, y, dtype, epochs):
    model = MLPClassifier(
        HIDDEN,
        optimizer=Adam(learning_rate=1e-3),
        alpha=1e-4 / BATCH,
        batch_size=BATCH,
        max_iter=epochs,
        tol=None,
        random_state=0,
    )
    return model.fit(X.astype(dtype, copy=False), y)


def fit_sklearn(X, y, dtype, epochs):
    model = SklearnMLP(
        HIDDEN,
        solver="adam",
        learning_rate_init=1e-3,
        alpha=1e-4,
        batch_size=BATCH,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X.astype(dtype, copy=False), y)


def fit_torch(X, y, dtype, epochs):
    import torch

    torch.manual_seed(0)
    torch_dtype = getattr(torch, dtype)
    X_t, y_t = torch.tensor(X, dtype=torch_dtype), torch.tensor(y)
    layers, width = [], X.shape[1]
    for size in HIDDEN:
        layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
        width = size
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width, int(y.max()) + 1)).to(torch_dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for start in range(0, len(X_t), BATCH):
            rows = order[start : start + BATCH]
            optimizer.zero_grad()
            loss_function(model(X_t[rows]), y_t[rows]).backward()
            optimizer.step()
    return model


CONTENDERS = {"skopt_lab": fit_ours, "scikit-learn": fit_sklearn, "PyTorch": fit_torch}


def has_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- memory
def _reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def measure_memory(name, dtype, epochs):
    """Run in a subprocess: MiB the peak resident set grows by during fit."""
    X, y, _, _ = workload()
    X = X.astype(dtype)  # the caller's data, in the dtype it trains in
    if name == "PyTorch":
        import torch  # noqa: F401 - the import itself is not part of fit's footprint
    _reset_peak_rss()
    baseline = _rss_kib("VmRSS")
    CONTENDERS[name](X, y, dtype, epochs)
    return (_rss_kib("VmHWM") - baseline) / 1024


def memory_in_subprocess(name, dtype, epochs):
    output = subprocess.run(
        [sys.executable, __file__, "--memory-of", name, dtype, str(epochs)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# ---------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing rounds (median reported)")
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 repeat")
    parser.add_argument("--memory-of", nargs=3, metavar=("NAME", "DTYPE", "EPOCHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        name, dtype, epochs = args.memory_of
        print(json.dumps(measure_memory(name, dtype, int(epochs))))
        return
    if args.quick:
        args.epochs, args.repeats = 2, 1

    X, y, X_test, y_test = workload()
    names = [name for name in CONTENDERS if name != "PyTorch" or has_torch()]
    seconds = {(name, dtype): [] for name in names for dtype in DTYPES}
    models = {}
    for round_ in range(args.repeats):
        for dtype in DTYPES:
            for name in names:
                started = time.perf_counter()
                models[name, dtype] = CONTENDERS[name](X, y, dtype, args.epochs)
                seconds[name, dtype].append((time.perf_counter() - started) / args.epochs)
                print(f"round {round_ + 1}: {name} {dtype} {seconds[name, dtype][-1]:.3f} s/epoch", file=sys.stderr)

    flops = matmul_flops_per_epoch(X.shape[1], len(np.unique(y)))
    print(
        f"Workload: {N_TRAIN} x {X.shape[1]}, hidden {HIDDEN}, ReLU, Adam, batch {BATCH}, "
        f"{args.epochs} epochs; median of {args.repeats} interleaved runs; "
        f"{flops / 1e9:.1f} GFLOP of matrix products per epoch."
    )
    print()
    print("| dtype | library | s/epoch | vs scikit-learn | vs PyTorch | GFLOP/s (% of GEMM peak) | peak memory (MiB) | train log-loss | test accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for dtype in DTYPES:
        peak = gemm_peak(dtype)
        median = {name: statistics.median(seconds[name, dtype]) for name in names}
        for name in names:
            rate = flops / median[name] / 1e9
            versus_torch = f"{median[name] / median['PyTorch']:.2f}x" if "PyTorch" in median else "n/a"
            memory = memory_in_subprocess(name, dtype, args.epochs)
            if name == "PyTorch":
                quality = ("", "")
            else:
                model = models[name, dtype]
                train_loss = log_loss(y, model.predict_proba(X.astype(dtype)))
                accuracy = accuracy_score(y_test, model.predict(X_test.astype(dtype)))
                quality = (f"{train_loss:.4f}", f"{accuracy:.4f}")
            print(
                f"| {dtype} | {name} | {median[name]:.3f} | {median[name] / median['scikit-learn']:.2f}x "
                f"| {versus_torch} | {rate:.0f} ({100 * rate / peak:.0f}% of {peak:.0f}) | {memory:.1f} "
                f"| {quality[0]} | {quality[1]} |"
            )


if __name__ == "__main__":
    main()
