"""HyperbandSearchCV against full-budget and successive-halving searches.

Tunes skopt_lab's ``MLPClassifier((64,), tol=None)`` on standardised digits
over ``optimizer`` in ``[SGD(momentum=0.9), RMSprop(), Adam()]``,
``optimizer__learning_rate ~ loguniform(1e-4, 1e-1)`` and
``alpha ~ loguniform(1e-6, 1e-1)``, with up to 81 epochs per candidate:

- ``BayesSearchCV(n_iter=30)`` and ``RandomizedSearchCV(n_iter=30)``, every
  candidate trained 81 epochs;
- scikit-learn's ``HalvingRandomSearchCV(resource="max_iter",
  min_resources=3, max_resources=81, factor=3)``, which refits every
  candidate from scratch at each rung;
- ``HyperbandSearchCV`` with its defaults, ``proposer="bayes"`` (BOHB) and
  ``"random"`` (Hyperband), whose candidates continue from rung to rung.

For each seed the digits are split into a training part (75%) and a
held-out test part (25%), stratified; the scaler is fitted on the training
part; every search uses the same 3-fold stratified, shuffled CV of the
training part and the same seed. Reported, as means over seeds: the best
mean CV accuracy (at 81 epochs; for the halving searches, at the largest
budget reached), the test accuracy of the refitted best model, the wall time
of the search (refit included) and the epochs trained in total (CV fits and
refit). The methods run one after the other for each seed, in one process.

    python benchmarks/bench_hyperband.py                # 3 seeds, markdown table
    python benchmarks/bench_hyperband.py --seeds 1 --methods "HyperbandSearchCV (bayes)"
"""

import argparse
import time
import warnings

import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, RandomizedSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skopt_lab import BayesSearchCV, HyperbandSearchCV, MLPClassifier
from skopt_lab.optimizers import SGD, Adam, RMSprop

MAX_EPOCHS = 81
N_ITER = 30


def space():
    return {
        "optimizer": [SGD(momentum=0.9), RMSprop(), Adam()],
        "optimizer__learning_rate": loguniform(1e-4, 1e-1),
        "alpha": loguniform(1e-6, 1e-1),
    }


def task(seed):
    """(X_train, X_test, y_train, y_test) of digits, standardised on the training part."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def mlp(seed, max_iter=MAX_EPOCHS):
    return MLPClassifier((64,), tol=None, max_iter=max_iter, random_state=seed)


def bayes_search(seed, cv, n_jobs):
    return BayesSearchCV(mlp(seed), space(), n_iter=N_ITER, cv=cv, random_state=seed, n_jobs=n_jobs)


def randomized_search(seed, cv, n_jobs):
    return RandomizedSearchCV(mlp(seed), space(), n_iter=N_ITER, cv=cv, random_state=seed, n_jobs=n_jobs)


def halving_search(seed, cv, n_jobs):
    return HalvingRandomSearchCV(
        mlp(seed), space(), resource="max_iter", min_resources=3, max_resources=MAX_EPOCHS, factor=3,
        cv=cv, random_state=seed, n_jobs=n_jobs,
    )  # fmt: skip


def hyperband_search(proposer, **kwargs):
    def make(seed, cv, n_jobs):
        return HyperbandSearchCV(
            mlp(seed), space(), max_resources=MAX_EPOCHS, proposer=proposer, cv=cv, random_state=seed,
            n_jobs=n_jobs, **kwargs,
        )  # fmt: skip

    return make


METHODS = {
    "BayesSearchCV(n_iter=30)": bayes_search,
    "RandomizedSearchCV(n_iter=30)": randomized_search,
    "HalvingRandomSearchCV": halving_search,
    "HyperbandSearchCV (bayes)": hyperband_search("bayes"),
    "HyperbandSearchCV (random)": hyperband_search("random"),
}


def epochs_trained(search):
    """Epochs of every CV fit and of the refit (``tol=None`` trains exactly ``max_iter``)."""
    results = search.cv_results_
    if isinstance(search, HyperbandSearchCV):
        # A candidate's fold models train by partial_fit up to its last rung; the refit, the best one's.
        last_rung = {repr(p): n for p, n in zip(results["params"], results["n_resources"])}
        return sum(last_rung.values()) * search.n_splits_ + search.max_resources_
    budgets = [p.get("max_iter", MAX_EPOCHS) for p in results["params"]]
    return sum(budgets) * search.n_splits_ + search.best_estimator_.max_iter


def run(make_search, seed, n_jobs):
    """(best CV score, test accuracy, seconds, epochs) of one search."""
    X_train, X_test, y_train, y_test = task(seed)
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    search = make_search(seed, cv, n_jobs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Failed candidates (a diverging learning rate) score NaN, as intended.
        warnings.simplefilter("ignore")
        search.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return search.best_score_, search.score(X_test, y_test), seconds, epochs_trained(search)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated method names")
    parser.add_argument("--n-jobs", type=int, default=1, help="jobs per search (default 1)")
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",")]

    rows = {m: [] for m in methods}
    # One BLAS thread: the matrices are small, and every method gets the same.
    with threadpool_limits(1):
        for seed in range(args.seeds):
            for method in methods:
                rows[method].append(run(METHODS[method], seed, args.n_jobs))
                score, test, seconds, epochs = rows[method][-1]
                print(f"seed {seed} {method}: CV {score:.4f} test {test:.4f} {seconds:.1f} s {epochs} epochs", flush=True)

    print(f"\nMeans over {args.seeds} seeds, 3-fold CV, n_jobs={args.n_jobs}.\n")
    print("| method | best CV score | test accuracy | wall time (s) | epochs trained |")
    print("| --- | --- | --- | --- | --- |")
    for method, results in rows.items():
        score, test, seconds, epochs = np.mean(results, axis=0)
        print(f"| {method} | {score:.4f} | {test:.4f} | {seconds:.1f} | {epochs:.0f} |")
    if "HyperbandSearchCV (bayes)" not in rows:
        return
    ours = np.mean(rows["HyperbandSearchCV (bayes)"], axis=0)
    if "BayesSearchCV(n_iter=30)" in rows:
        bayes = np.mean(rows["BayesSearchCV(n_iter=30)"], axis=0)
        print(
            f"\nHyperbandSearchCV (bayes) against BayesSearchCV: CV score {ours[0] - bayes[0]:+.4f}, "
            f"wall time x{ours[2] / bayes[2]:.2f}, epochs x{ours[3] / bayes[3]:.2f}."
        )
    if "HalvingRandomSearchCV" in rows:
        halving = np.mean(rows["HalvingRandomSearchCV"], axis=0)
        print(f"HyperbandSearchCV (bayes) against HalvingRandomSearchCV: CV score {ours[0] - halving[0]:+.4f}.")


if __name__ == "__main__":
    main()
