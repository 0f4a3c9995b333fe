"""What augmentation costs per epoch, and what it gains on small data.

**Cost.** Seconds per epoch with and without each augmentation, side by side
in one process: each configuration trains its own model one epoch at a time
(``partial_fit``), the configurations taking turns, and the table reports the
median epoch over ``--repeats`` rounds (after one warm-up epoch each) and its
ratio to no augmentation, in wall time and in the process's CPU time. On a
machine busy with other work, wall time measures the contention more than
the code: ``--blas-threads 1`` and the CPU-time columns then give the ratio
of the work done (the augmentations themselves use one core).

- ``GaussianNoise(std=0.1)``, ``FeatureDropout(rate=0.1)`` and
  ``Mixup(alpha=0.2)`` on the reference MLP workload of ``bench_mlp.py``:
  ``make_classification(n_features=100, n_informative=40, n_classes=5)``,
  50,000 rows, hidden (256, 128), Adam, batch 256, float32 and float64.
  Target: at most 1.3× for GaussianNoise and Mixup.
- ``RandomAffine((8, 8), rotation=10, shift=0.5)`` on all 1,797 digits
  (pixels / 16, float64) with the network of the gain benchmark below.
  Target: at most 2×.

**Gain.** On digits, 20% of the rows (stratified) train an
``MLPClassifier((256, 128), batch_size=32, max_iter=300, tol=None)`` and the
other 80% test it, for seeds 0-4 (the split, the weights and the draws):
once without augmentation, and once with each augmentation at a strength
chosen by 3-fold cross-validation on the training rows only (a
``GridSearchCV`` over a few small strengths; the test rows are never used
to choose). The same on breast cancer (features standardised on the
training rows) for ``GaussianNoise``. The network, the epochs and the batch
size were fixed beforehand from a pilot on the splits of seeds 10-13, the
same for every augmentation and for no augmentation. Target: RandomAffine
raises the median test accuracy by at least 1.5 points.

Run: python benchmarks/bench_augmentation.py              (about 15 minutes)
     python benchmarks/bench_augmentation.py --only cost  (or --only gain)
     python benchmarks/bench_augmentation.py --quick      (a smoke run)
"""

import argparse
import contextlib
import statistics
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skopt_lab import MLPClassifier
from skopt_lab.augmentation import FeatureDropout, GaussianNoise, Mixup, RandomAffine
from skopt_lab.optimizers import Adam

IMAGE = (8, 8)

# ----------------------------------------------------------------- cost
REFERENCE_HIDDEN, REFERENCE_BATCH, REFERENCE_ROWS = (256, 128), 256, 50_000
COST_TARGETS = {"GaussianNoise": 1.3, "Mixup": 1.3, "RandomAffine": 2.0}


def reference_workload():
    X, y = make_classification(n_samples=REFERENCE_ROWS, n_features=100, n_informative=40, n_classes=5, random_state=0)
    return X, y


def time_epochs(models, X, y, repeats):
    """Median (wall, CPU) seconds of one ``partial_fit`` epoch of each model,
    taking turns."""
    classes = np.unique(y)
    for model in models.values():
        model.partial_fit(X, y, classes=classes)  # warm-up: buffers, BLAS
    times = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            model.partial_fit(X, y)
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: tuple(map(statistics.median, zip(*seconds))) for name, seconds in times.items()}


def cost_rows(repeats, quick):
    rows = []
    X, y = reference_workload()
    if quick:
        X, y = X[:5000], y[:5000]
    for dtype in ("float32", "float64"):
        augmentations = {
            "none": None,
            "GaussianNoise(std=0.1)": GaussianNoise(std=0.1),
            "FeatureDropout(rate=0.1)": FeatureDropout(rate=0.1),
            "Mixup(alpha=0.2)": Mixup(alpha=0.2),
        }
        models = {
            name: MLPClassifier(
                REFERENCE_HIDDEN,
                optimizer=Adam(),
                batch_size=REFERENCE_BATCH,
                augmentation=augmentation,
                random_state=0,
            )
            for name, augmentation in augmentations.items()
        }
        rows += _ratios(f"reference MLP, {len(X):,} × 100, {dtype}", time_epochs(models, X.astype(dtype), y, repeats))
    X, y = load_digits(return_X_y=True)
    models = {
        name: digits_model(augmentation)
        for name, augmentation in {"none": None, "RandomAffine(rotation=10, shift=0.5)": AFFINE}.items()
    }
    rows += _ratios(f"digits MLP, {len(X):,} × 64, float64", time_epochs(models, X / 16, y, repeats))
    return rows


def _ratios(workload, medians):
    (base_wall, base_cpu), rows = medians["none"], []
    for name, (wall, cpu) in medians.items():
        target = next((limit for key, limit in COST_TARGETS.items() if name.startswith(key)), None)
        ratios = (wall / base_wall, cpu / base_cpu)
        verdict = "" if target is None or name == "none" else "/".join("yes" if r <= target else "NO" for r in ratios)
        target = f"≤ {target}×" if target and name != "none" else ""
        rows.append((workload, name, wall, cpu, *ratios, target, verdict))
    return rows


# ----------------------------------------------------------------- gain
HIDDEN, BATCH, EPOCHS = (256, 128), 32, 300
AFFINE = RandomAffine(IMAGE, rotation=10, shift=0.5)


def digits_model(augmentation, max_iter=EPOCHS, random_state=0):
    return MLPClassifier(
        HIDDEN, batch_size=BATCH, max_iter=max_iter, tol=None, augmentation=augmentation, random_state=random_state
    )


# Candidate strengths, searched by cross-validation on the training rows.
GAIN_CASES = [
    (
        "digits",
        "RandomAffine",
        RandomAffine(IMAGE),
        {"augmentation__rotation": [5.0, 10.0], "augmentation__shift": [0.5, 1.0]},
    ),
    ("digits", "Mixup", Mixup(), {"augmentation__alpha": [0.1, 0.2, 0.4]}),
    ("breast_cancer", "GaussianNoise", GaussianNoise(), {"augmentation__std": [0.1, 0.2, 0.4]}),
]


def load(name):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return X / 16, y
    return load_breast_cancer(return_X_y=True)


def pipeline(dataset, augmentation, seed, epochs):
    model = digits_model(augmentation, max_iter=epochs, random_state=seed)
    # Images keep their pixel scale (an affine map of standardised pixels
    # would fill the borders with the mean); tabular features are standardised.
    return model if dataset == "digits" else make_pipeline(StandardScaler(), model)


def gain_rows(seeds, epochs, n_jobs):
    rows = []
    for dataset, name, augmentation, grid in GAIN_CASES:
        X, y = load(dataset)
        for seed in seeds:
            X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.2, stratify=y, random_state=seed)
            plain = pipeline(dataset, None, seed, epochs).fit(X_train, y_train).score(X_test, y_test)
            estimator = pipeline(dataset, augmentation, seed, epochs)
            prefix = "" if dataset == "digits" else "mlpclassifier__"
            search = GridSearchCV(
                estimator,
                {prefix + key: values for key, values in grid.items()},
                cv=StratifiedKFold(3, shuffle=True, random_state=seed),
                n_jobs=n_jobs,
            ).fit(X_train, y_train)
            chosen = {key.removeprefix(prefix).removeprefix("augmentation__"): value for key, value in search.best_params_.items()}
            rows.append((dataset, name, seed, plain, search.score(X_test, y_test), chosen))
            print(f"  {dataset} {name} seed {seed}: {rows[-1][3]:.4f} -> {rows[-1][4]:.4f} {chosen}", flush=True)
    return rows


def gain_summary(rows):
    summary = []
    for dataset, name, _, _ in GAIN_CASES:
        mine = [row for row in rows if row[:2] == (dataset, name)]
        plain = statistics.median(row[3] for row in mine)
        augmented = statistics.median(row[4] for row in mine)
        gains = [row[4] - row[3] for row in mine]
        summary.append((dataset, name, plain, augmented, augmented - plain, sum(g > 0 for g in gains), len(gains)))
    return summary


# --------------------------------------------------------------- output
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["cost", "gain"])
    parser.add_argument("--repeats", type=int, default=7, help="timed epochs per configuration")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=1, help="processes for the cross-validation")
    parser.add_argument("--blas-threads", type=int, help="limit BLAS to this many threads in the cost part")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small data, few epochs")
    args = parser.parse_args()
    repeats, seeds, epochs = (2, 1, 5) if args.quick else (args.repeats, args.seeds, EPOCHS)

    if args.only != "gain":
        threads = args.blas_threads
        print(f"Seconds per epoch, median of {repeats} interleaved epochs; BLAS threads: {threads or 'default'}\n")
        print("| workload | augmentation | wall s/epoch | CPU s/epoch | wall vs none | CPU vs none | target | holds (wall/CPU) |")
        print("|---|---|---|---|---|---|---|---|")
        limit = threadpool_limits(threads, user_api="blas") if threads else contextlib.nullcontext()
        with limit:
            rows = cost_rows(repeats, args.quick)
        for workload, name, wall, cpu, wall_ratio, cpu_ratio, target, verdict in rows:
            print(
                f"| {workload} | {name} | {wall:.4f} | {cpu:.4f} | {wall_ratio:.2f}× | {cpu_ratio:.2f}× | {target} | {verdict} |"
            )
        print()
    if args.only != "cost":
        print(f"Test accuracy, 20% of the rows for training, seeds 0-{seeds - 1} ({epochs} epochs)")
        rows = gain_rows(range(seeds), epochs, args.n_jobs)
        print("\n| data | augmentation (strength by 3-fold CV on the training rows) | none | augmented | gain (points) | seeds gaining |")
        print("|---|---|---|---|---|---|")
        for dataset, name, plain, augmented, gain, gaining, total in gain_summary(rows):
            print(f"| {dataset} | {name} | {plain:.4f} | {augmented:.4f} | {100 * gain:+.2f} | {gaining} of {total} |")
        print("\nPer seed: data, augmentation, seed, none, augmented, strength chosen")
        for dataset, name, seed, plain, augmented, chosen in rows:
            print(f"  {dataset} {name} {seed} {plain:.4f} {augmented:.4f} {chosen}")


if __name__ == "__main__":
    main()
