"""Pareto fronts of accuracy and model size: hypervolume against the peers.

skopt_lab's ``MLPClassifier(tol=None, max_iter=27)`` on digits (pixels / 16),
3-fold stratified CV, over the hidden layer sizes, ``alpha``, the learning
rate and the optimizer. Two deterministic objectives: the cross-validated
accuracy (maximised) and the number of trainable parameters
(``skopt_lab.metrics.n_parameters_scorer``, minimised). Every method gets the
same space, the same folds and the same budget of candidates:

- ``BayesSearchCV(objectives=...)`` (ParEGO: a random Chebyshev
  scalarization per proposal on the Gaussian process);
- not run by default (``--methods ours,fixed,minmax,ehvi``), two ablations
  of our proposer: one fixed, equal weighting of the objectives instead of
  a random one per proposal, and Knowles' min-max rescaling of the
  objectives instead of their ranks; and the other choice of proposer,
  expected hypervolume improvement (``EHVIProposer`` below, for this
  benchmark only);
- ``RandomizedSearchCV`` with the same two scorers;
- Optuna's ``NSGAIISampler`` and ``TPESampler`` (multi-objective TPE) with
  their defaults, the objectives computed by ``cross_validate`` with the
  same scorers and folds;
- ``HyperbandSearchCV(objectives=...)``, the multi-fidelity version (epochs
  as the resource, from 1 up to the same 27, ``factor=3``), whose front is
  that of its models trained 27 epochs. It runs ``n_brackets=None``,
  Hyperband's four brackets once: its budget is not a number of candidates
  (it starts 49, and a rung promotes a third of its candidates or its whole
  Pareto front if that is more); the table gives the epochs each method
  trained per fold (60 candidates: 1,620), a cost that does not depend on
  the machine's load; other settings are in the RESULTS file.

Hypervolume: the objectives are normalised to [0, 1], both minimised: the
error ``1 - accuracy``, and the size on a log scale,
``log(n / N_MIN) / log(N_MAX / N_MIN)`` with ``N_MIN`` and ``N_MAX`` the
smallest and largest networks of the space. The reference point is fixed at
``(1, 1.1)`` (size 0.1 beyond the largest network, so that it counts too),
and the area the candidates dominate inside it is computed exactly by a
sweep over the points sorted by error (``_pareto.hypervolume_2d``). The
last column is the same with the size on a linear scale, ``n / N_MAX``,
which counts the small networks far less.
Hypervolumes depend only on the seeds; times depend on the machine's load.

    python benchmarks/bench_multiobjective.py              # 5 seeds, 60 candidates
    python benchmarks/bench_multiobjective.py --methods ours,fixed,minmax,ehvi
    python benchmarks/bench_multiobjective.py --first-seed 5 --methods ours,hyperband   # held-out seeds 5-9
    python benchmarks/bench_multiobjective.py --seeds 1 --n-iter 20 --methods ours,hyperband --hyperband n_brackets=4
"""

import argparse
import platform
import time
import warnings
from unittest import mock

import numpy as np
import sklearn
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold, cross_validate

from skopt_lab import BayesSearchCV, HyperbandSearchCV, MLPClassifier
from skopt_lab.metrics import n_parameters_scorer
from skopt_lab.model_selection import _pareto
from skopt_lab.model_selection._search import Task
from skopt_lab.model_selection._surrogate import Proposer, _kernel, _standardise, _two_start_lbfgs
from skopt_lab.optimizers import SGD, Adam, RMSprop

EPOCHS = 27
HIDDEN = [(2,), (4,), (8,), (16,), (32,), (64,), (8, 8), (16, 16), (32, 32), (64, 64)]
SPACE = {
    "hidden_layer_sizes": HIDDEN,
    "alpha": loguniform(1e-6, 1e-1),
    "optimizer": [SGD(momentum=0.9), RMSprop(), Adam()],
    "optimizer__learning_rate": loguniform(1e-4, 1e-1),
}
SCORING = {"accuracy": "accuracy", "n_parameters": n_parameters_scorer}
OBJECTIVES = ["accuracy", "n_parameters"]
REFERENCE = (1.0, 1.1)
HYPERBAND = {"n_brackets": None}


def n_parameters(hidden, n_features=64, n_classes=10):
    sizes = (n_features, *hidden, n_classes)
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


N_MIN, N_MAX = min(map(n_parameters, HIDDEN)), max(map(n_parameters, HIDDEN))


def hypervolume(accuracy, n_params, log_size=True):
    """Normalised hypervolume of the points (accuracy, number of parameters);
    the size on a log scale, or with ``log_size=False`` as ``n / N_MAX``."""
    accuracy, n_params = np.asarray(accuracy, dtype=float), np.asarray(n_params, dtype=float)
    keep = np.isfinite(accuracy) & np.isfinite(n_params)
    size = np.log(n_params[keep] / N_MIN) / np.log(N_MAX / N_MIN) if log_size else n_params[keep] / N_MAX
    return _pareto.hypervolume_2d(np.column_stack([1 - accuracy[keep], size]), REFERENCE)


def data():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def estimator(**params):
    return MLPClassifier(max_iter=EPOCHS, tol=None, random_state=0, **params)


def search_points(search, top_budget_only=False):
    """(accuracy, n_params) of a fitted scikit-learn-style search's candidates."""
    results = search.cv_results_
    keep = np.ones(len(results["params"]), dtype=bool)
    if top_budget_only:
        keep = np.asarray(results["n_resources"]) == np.max(results["n_resources"])
    return results["mean_test_accuracy"][keep], -results["mean_test_n_parameters"][keep]


# ----------------------------------------------------------------- methods
def run_ours(X, y, cv, n_iter, seed):
    search = BayesSearchCV(
        estimator(), SPACE, scoring=SCORING, objectives=OBJECTIVES, n_iter=n_iter, cv=cv, random_state=seed
    )
    return search_points(search.fit(X, y))


def run_fixed_weights(X, y, cv, n_iter, seed):
    """Ablation: the same proposer maximising one equal weighting of the
    objectives every time, instead of a random weighting per proposal."""
    equal = lambda rng, n, k: np.full((n, k), 1.0 / k)  # noqa: E731
    with mock.patch("skopt_lab.model_selection._search.random_weights", equal):
        return run_ours(X, y, cv, n_iter, seed)


def minmax_parego_scores(values, weights):
    """Knowles' ParEGO targets: each objective min-max rescaled to [0, 1]."""
    low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    distance = (high - values) / np.where(high > low, high - low, 1.0)
    weighted = distance[:, None, :] * weights[None, :, :]
    return -(weighted.max(axis=2) + 0.05 * weighted.sum(axis=2))


def run_minmax(X, y, cv, n_iter, seed):
    """Ablation: ParEGO with the objectives min-max rescaled, not ranked."""
    with mock.patch("skopt_lab.model_selection._search.parego_scores", minmax_parego_scores):
        return run_ours(X, y, cv, n_iter, seed)


class EHVIProposer(Proposer):
    """The alternative to ParEGO, for this benchmark only: expected
    hypervolume improvement (Emmerich et al. 2006) under one Gaussian
    process per objective, by Monte Carlo (128 draws per point, the same for
    every point), with the pool and local search of the ParEGO proposer."""

    def propose_ehvi(self, s_obs, u_obs, values, seen):
        finite = ~np.isnan(values).any(axis=1)
        X = self.space.features(s_obs, self.space.values(s_obs, u_obs))[finite]
        # Minimised, on the normal-like scale of the single-objective model.
        losses = -np.column_stack([_standardise(column) for column in values[finite].T])
        gps = []
        self._kernels = getattr(self, "_kernels", None) or [_kernel(self.space.width) for _ in losses.T]
        for j, column in enumerate(losses.T):
            gp = GaussianProcessRegressor(self._kernels[j], optimizer=_two_start_lbfgs(self._default_theta))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gps.append(gp.fit(X, column))
            self._kernels[j] = gp.kernel_
        front = losses[_pareto.pareto_ranks(-losses) == 1]
        reference = losses.max(axis=0) + 0.1 * np.ptp(losses, axis=0)
        draws = self.rng.standard_normal((128, losses.shape[1]))
        s_pool, u_pool = self._pool()
        incumbent = np.flatnonzero(finite)[self.rng.choice(np.flatnonzero(_pareto.pareto_ranks(-losses) == 1))]
        s_cand, u_cand = self._candidates(
            gps, (front, reference, draws), s_pool, u_pool, self._features(s_pool, u_pool),
            s_obs[incumbent], u_obs[incumbent],
        )
        return self._first_unseen(s_cand, u_cand, 1, seen)

    def _acquisition(self, gps, front_reference_draws, X):
        front, reference, draws = front_reference_draws
        predictions = [gp.predict(X, return_std=True) for gp in gps]
        mean = np.column_stack([m for m, _ in predictions])
        std = np.column_stack([sd for _, sd in predictions])
        samples = mean[:, None, :] + std[:, None, :] * draws[None, :, :]  # (n, draws, 2)
        return _improvement_2d(samples.reshape(-1, 2), front, reference).reshape(len(X), -1).mean(axis=1)


def _improvement_2d(points, front, reference):
    """The hypervolume each point (minimised, 2-D) adds to ``front``'s:
    the area between it and the front's staircase, inside ``reference``."""
    front = front[np.argsort(front[:, 0])]
    # The staircase: over [x_j, x_j+1) the front dominates down to height h_j.
    edges = np.r_[front[:, 0], reference[0]]
    heights = np.minimum.accumulate(front[:, 1])
    starts, ends = np.r_[-np.inf, edges[:-1]], edges
    tops = np.r_[reference[1], heights]
    width = np.clip(ends[None, :] - np.maximum(points[:, :1], starts[None, :]), 0, None)
    return (width * np.clip(tops[None, :] - points[:, 1:], 0, None)).sum(axis=1)


class EHVISearchCV(BayesSearchCV):
    """BayesSearchCV whose proposals maximise EHVI instead of ParEGO's scores."""

    def _new_proposer(self, space, rng):
        return EHVIProposer(space, rng=rng)

    def _next_round(self, state, proposer, plan):
        if len(state.candidates) < min(self.n_initial_points, plan["n_iter"]):
            return super()._next_round(state, proposer, plan)
        if len(state.candidates) >= plan["n_iter"]:
            return []
        s = np.array([row.subspace for row in state.rows])
        u = np.array([row.unit for row in state.rows])
        batch = proposer.propose_ehvi(s, u, self._objective_matrix(state.rows, state.rows), state.seen(proposer.space))
        return [Task(candidate) for candidate in state.add_candidates(batch, proposer.space)]


def run_ehvi(X, y, cv, n_iter, seed):
    search = EHVISearchCV(
        estimator(), SPACE, scoring=SCORING, objectives=OBJECTIVES, n_iter=n_iter, cv=cv, random_state=seed
    )
    return search_points(search.fit(X, y))


def run_random(X, y, cv, n_iter, seed):
    search = RandomizedSearchCV(
        estimator(), SPACE, scoring=SCORING, refit=False, n_iter=n_iter, cv=cv, random_state=seed
    )
    return search_points(search.fit(X, y))


def run_hyperband(X, y, cv, n_iter, seed, **kwargs):
    search = HyperbandSearchCV(
        MLPClassifier(tol=None, random_state=0), SPACE, scoring=SCORING, objectives=OBJECTIVES,
        max_resources=EPOCHS, cv=cv, random_state=seed, **{**HYPERBAND, **kwargs},
    )
    search.fit(X, y)
    # Each candidate's fold models continue from rung to rung: it trained as many epochs as its largest budget.
    reached = {}
    for params, budget in zip(search.cv_results_["params"], search.cv_results_["n_resources"]):
        key = repr(sorted(params.items()))
        reached[key] = max(reached.get(key, 0), budget)
    return (*search_points(search, top_budget_only=True), sum(reached.values()))


def run_optuna(sampler):
    def run(X, y, cv, n_iter, seed):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        folds = list(cv.split(X, y))

        def objective(trial):
            optimizers = SPACE["optimizer"]
            params = {
                "hidden_layer_sizes": HIDDEN[trial.suggest_categorical("hidden", list(range(len(HIDDEN))))],
                "alpha": trial.suggest_float("alpha", 1e-6, 1e-1, log=True),
                "optimizer": clone(optimizers[trial.suggest_categorical("optimizer", list(range(len(optimizers))))]),
                "optimizer__learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True),
            }
            scores = cross_validate(estimator().set_params(**params), X, y, cv=folds, scoring=SCORING)
            return scores["test_accuracy"].mean(), -scores["test_n_parameters"].mean()

        samplers = {"nsga2": optuna.samplers.NSGAIISampler, "tpe": optuna.samplers.TPESampler}
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=samplers[sampler](seed=seed))
        study.optimize(objective, n_trials=n_iter)
        values = np.array([trial.values for trial in study.trials])
        return values[:, 0], values[:, 1]

    return run


METHODS = {
    "ours": ("BayesSearchCV(objectives) (ParEGO on ranks)", run_ours),
    "random": ("RandomizedSearchCV", run_random),
    "nsga2": ("Optuna NSGAIISampler", run_optuna("nsga2")),
    "tpe": ("Optuna TPESampler (multi-objective TPE)", run_optuna("tpe")),
    "hyperband": ("HyperbandSearchCV(objectives)", run_hyperband),
    "fixed": ("ablation: BayesSearchCV, one fixed weighting", run_fixed_weights),
    "minmax": ("ablation: BayesSearchCV, ParEGO on min-max rescaled objectives", run_minmax),
    "ehvi": ("alternative: BayesSearchCV with EHVI (one GP per objective)", run_ehvi),
}
DEFAULT_METHODS = ["ours", "random", "nsga2", "tpe", "hyperband"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--n-iter", type=int, default=60, help="candidates per search (default 60)")
    parser.add_argument(
        "--methods", default=",".join(DEFAULT_METHODS), help=f"comma-separated, of {list(METHODS)}"
    )
    parser.add_argument(
        "--hyperband", default="", help="HyperbandSearchCV parameters, e.g. n_brackets=None,factor=2 (ints or None)"
    )
    args = parser.parse_args(argv)
    given = (p.split("=") for p in args.hyperband.split(",") if p)
    hyperband_params = {**HYPERBAND, **{k: None if v == "None" else int(v) for k, v in given}}
    methods = [m.strip() for m in args.methods.split(",")]
    X, y = data()

    volumes = {m: [] for m in methods}
    linear_volumes = {m: [] for m in methods}
    seconds = {m: [] for m in methods}
    cpu_seconds = {m: [] for m in methods}  # this process's CPU time: less sensitive to the load than wall time
    fronts = {m: [] for m in methods}
    epochs = {m: [] for m in methods}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        cv = StratifiedKFold(3, shuffle=True, random_state=seed)
        for method in methods:  # interleaved, so that the load changes hit every method alike
            start, cpu_start = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarnings of short budgets
                run = METHODS[method][1]
                extra = hyperband_params if method == "hyperband" else {}
                accuracy, n_params, *trained = run(X, y, cv, args.n_iter, seed, **extra)
            epochs[method].append(trained[0] if trained else args.n_iter * EPOCHS)  # per fold
            seconds[method].append(time.perf_counter() - start)
            cpu_seconds[method].append(time.process_time() - cpu_start)
            volumes[method].append(hypervolume(accuracy, n_params))
            linear_volumes[method].append(hypervolume(accuracy, n_params, log_size=False))
            fronts[method].append(int((_pareto.pareto_ranks(np.column_stack([accuracy, -n_params])) == 1).sum()))
            print(
                f"seed {seed} {method:>9}: hypervolume {volumes[method][-1]:.4f}, "
                f"{len(accuracy)} points, front of {fronts[method][-1]}, {epochs[method][-1]} epochs, "
                f"{seconds[method][-1]:.1f} s ({cpu_seconds[method][-1]:.1f} s CPU)",
                flush=True,
            )

    print()
    print(
        f"seeds {args.first_seed}-{args.first_seed + args.seeds - 1}, {args.n_iter} candidates, 3-fold CV, MLP up to {EPOCHS} epochs; "
        f"HyperbandSearchCV {hyperband_params}; scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}"
    )
    base = "ours" if "ours" in methods else methods[0]
    print()
    print(
        f"| method | median hypervolume | per seed | vs {base} | median wall time (s) | time vs {base} "
        f"| CPU time vs {base} | front size (median) | epochs per fold (median) | hypervolume, linear size (vs {base}) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for method in methods:
        hv, t = np.median(volumes[method]), np.median(seconds[method])
        per_seed = " ".join(f"{v:.4f}" for v in volumes[method])
        ratio_hv = hv / np.median(volumes[base])
        ratio_t = np.median(np.array(seconds[method]) / np.array(seconds[base]))
        ratio_cpu = np.median(np.array(cpu_seconds[method]) / np.array(cpu_seconds[base]))
        linear = np.median(linear_volumes[method])
        print(
            f"| {METHODS[method][0]} | {hv:.4f} | {per_seed} | {ratio_hv:.3f} | {t:.1f} | {ratio_t:.2f} | {ratio_cpu:.2f} | "
            f"{np.median(fronts[method]):.0f} | {np.median(epochs[method]):.0f} | {linear:.4f} ({linear / np.median(linear_volumes[base]):.3f}) |"
        )


if __name__ == "__main__":
    main()
