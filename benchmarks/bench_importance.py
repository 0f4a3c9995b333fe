"""Hyperparameter importances: how fast, and whether they agree with Optuna.

    python benchmarks/bench_importance.py            # both parts
    python benchmarks/bench_importance.py --speed    # only the timing
    python benchmarks/bench_importance.py --agreement

1. Speed. ``hyperparameter_importances`` of a search with 1,000 rows of
   8 parameters (3 log-uniform, 2 uniform, an integer, 2 categorical, one
   of them optimizer objects), the median of 5 runs, beside Optuna's
   ``FanovaImportanceEvaluator`` on the same trials (1 run: it is slow),
   in one process. The target is at most 1 s for ours.

2. Agreement. Three real searches (``RandomizedSearchCV``, 3-fold): an MLP
   over digits, a linear model over breast cancer, an SVC over digits.
   Their trials go to an Optuna study (``optuna.create_study`` +
   ``study.add_trial(optuna.trial.create_trial(...))``: the same
   parameters, distributions and mean cross-validated scores), and the
   Spearman rank correlation between our importances and those of Optuna's
   ``FanovaImportanceEvaluator`` is printed for three seeds of each side's
   forest, twice: with Optuna as it is, and with each log-uniform
   parameter given to Optuna as its log10 (the same trials on the scale
   the search drew them). The target is >= 0.8.

Optuna is a reference for this script only (``pip install optuna``); no
test or runtime code needs it. Optuna's fANOVA averages over the raw
values of log-scaled parameters (``transform_log=False`` in
``optuna/importance/_fanova/_evaluator.py``), where we average over the
search's own distribution, log-uniform on a log scale: on
``loguniform(1e-6, 1e-1)`` nine tenths of Optuna's average lie above
1e-2. It also codes categories one-hot, where we give each category a
cell of equal width, and it leaves out parameters that some trials lack
(the spaces here have none).
"""

import argparse
import os
import time
import warnings

import numpy as np
from scipy.stats import loguniform, randint, spearmanr, uniform
from sklearn.base import BaseEstimator
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_lab import LinearClassifier, MLPClassifier
from skopt_lab.inspection import hyperparameter_importances
from skopt_lab.optimizers import SGD, AdaGrad, Adam, RMSprop

try:
    import optuna
except ImportError:  # the tables say what is missing
    optuna = None

SEEDS = (0, 1, 2)


# ------------------------------------------------------------ to Optuna
def _is_log(spec):
    return getattr(getattr(spec, "dist", None), "name", None) in ("loguniform", "reciprocal")


def optuna_distribution(spec, log_values):
    """The Optuna distribution of a scikit-learn search-space entry; with
    ``log_values``, a log-uniform one becomes a uniform one over log10."""
    name = getattr(getattr(spec, "dist", None), "name", None)
    if _is_log(spec):
        low, high = spec.support()
        if log_values:
            return optuna.distributions.FloatDistribution(np.log10(low), np.log10(high))
        return optuna.distributions.FloatDistribution(low, high, log=True)
    if name == "uniform":
        low, high = spec.support()
        return optuna.distributions.FloatDistribution(low, high)
    if name == "randint":
        low, high = spec.support()
        return optuna.distributions.IntDistribution(int(low), int(high))
    return optuna.distributions.CategoricalDistribution([optuna_choice(value) for value in spec])


def optuna_choice(value):
    """Optuna's categories are None, bool, int, float or str: objects by repr."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else repr(value)


def optuna_importances(search, seed, log_values=False):
    """Optuna's fANOVA importances (normalised, as get_param_importances
    gives them) of the search's trials, with finite scores only. With
    ``log_values`` each log-uniform parameter is given as its log10, the
    scale on which the search drew it (Optuna's fANOVA otherwise averages
    over raw values: ``transform_log=False``)."""
    space = search.param_distributions
    distributions = {name: optuna_distribution(spec, log_values) for name, spec in space.items()}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize")
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        if not np.isfinite(score):
            continue
        values = {name: optuna_value(value, space[name], distributions[name], log_values)
                  for name, value in params.items()}  # fmt: skip
        study.add_trial(optuna.trial.create_trial(params=values, distributions=distributions, value=float(score)))
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    return optuna.importance.get_param_importances(study, evaluator=evaluator)


def optuna_value(value, spec, distribution, log_values):
    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return optuna_choice(value)
    return float(np.log10(value)) if log_values and _is_log(spec) else value


# ----------------------------------------------------------------- speed
class Synthetic(BaseEstimator):
    """Eight parameters; fitting does nothing and the score is a smooth
    function of five of them with an interaction, so that building the
    1,000-row search takes seconds, not hours."""

    def __init__(self, lr=0.01, alpha=1e-4, tol=1e-3, momentum=0.5, dropout=0.1, layers=2,
                 activation="relu", optimizer=None):  # fmt: skip
        self.lr, self.alpha, self.tol, self.momentum = lr, alpha, tol, momentum
        self.dropout, self.layers, self.activation, self.optimizer = dropout, layers, activation, optimizer

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        u = np.log10(self.lr) + 2
        bonus = {"relu": 0.2, "tanh": 0.0, "logistic": -0.3}[self.activation]
        seed = int(1e6 * self.momentum) % 2**31
        return float(-(u**2) - 0.3 * np.log10(self.alpha) * self.dropout + 0.1 * self.layers + bonus
                     + (0.5 if type(self.optimizer).__name__ == "Adam" else 0.0) * self.momentum
                     + 0.05 * np.random.default_rng(seed).normal())  # fmt: skip


def speed(repeats=5):
    space = {
        "lr": loguniform(1e-4, 1), "alpha": loguniform(1e-6, 1e-1), "tol": loguniform(1e-5, 1e-1),
        "momentum": uniform(0, 1), "dropout": uniform(0, 0.5), "layers": randint(1, 6),
        "activation": ["relu", "tanh", "logistic"], "optimizer": [SGD(), Adam(), RMSprop()],
    }  # fmt: skip
    search = RandomizedSearchCV(Synthetic(), space, n_iter=1000, cv=[(np.arange(2), np.arange(2, 4))],
                                random_state=0).fit(np.zeros((4, 1)))  # fmt: skip
    n_rows, n_params = len(search.cv_results_["params"]), len(space)
    ours, cpu = [], []
    for seed in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        importances = hyperparameter_importances(search, random_state=seed)
        ours.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"\n## Speed: {n_rows} rows x {n_params} parameters (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)\n")  # fmt: skip
    print("| implementation | wall seconds (median) | CPU seconds (median) | runs | wall vs ours |")
    print("|---|---|---|---|---|")
    median = float(np.median(ours))
    print(f"| skopt_lab hyperparameter_importances | {median:.3f} | {np.median(cpu):.3f} | {repeats} | 1.00x |")
    if optuna is not None:
        started, started_cpu = time.perf_counter(), time.process_time()
        reference = optuna_importances(search, seed=0)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
        print(f"| Optuna FanovaImportanceEvaluator | {seconds:.3f} | {cpu_seconds:.3f} | 1 | {seconds / median:.1f}x |")
        rho = spearmanr([importances[n] for n in space], [reference[n] for n in space]).statistic
        print(f"\nSpearman between the two on these trials: {rho:.2f}")
    else:
        print("| Optuna FanovaImportanceEvaluator | not installed | | | |")
    print(f"\nTarget: at most 1 s for ours: {'yes' if median <= 1.0 else 'NO'} ({median:.3f} s of wall time; "
          "on a shared machine CPU time is the steadier figure).")  # fmt: skip
    return median


# ------------------------------------------------------------- agreement
def mlp_digits():
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=15, tol=None, random_state=0))
    p = "mlpclassifier__"
    space = {
        p + "optimizer": [SGD(momentum=0.9), RMSprop(), Adam()],
        p + "optimizer__learning_rate": loguniform(1e-4, 1e-1),
        p + "alpha": loguniform(1e-6, 1e-1),
        p + "batch_size": [16, 64, 256],
        p + "hidden_layer_sizes": [(16,), (32,), (64,)],
        p + "activation": ["relu", "tanh"],
    }
    return "MLP over digits", model, space, X, y, 50


def linear_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LinearClassifier(max_iter=10, tol=None, random_state=0))
    p = "linearclassifier__"
    space = {
        p + "optimizer": [SGD(), AdaGrad(), RMSprop(), Adam()],
        p + "optimizer__learning_rate": loguniform(1e-5, 1),
        p + "alpha": loguniform(1e-6, 1),
        p + "penalty": ["l2", "l1", "elasticnet"],
        p + "l1_ratio": uniform(0, 1),
        p + "batch_size": [8, 32, 128],
    }
    return "linear model over breast cancer", model, space, X, y, 80


def svc_digits():
    X, y = load_digits(return_X_y=True)
    space = {
        "C": loguniform(1e-2, 1e3),
        "gamma": loguniform(1e-5, 1e-1),
        "kernel": ["rbf", "poly", "sigmoid"],
        "degree": [2, 3, 4],
        "coef0": uniform(-1, 2),
        "shrinking": [True, False],
    }
    return "SVC over digits", make_pipeline(StandardScaler(), SVC()), space, X, y, 60


def agreement():
    print("\n## Agreement with Optuna's fANOVA on the same trials\n")
    if optuna is None:
        print("Optuna is not installed (pip install optuna): nothing to compare with.")
        return []
    lowest = []
    for make in (mlp_digits, linear_breast_cancer, svc_digits):
        title, model, space, X, y, n_iter = make()
        if "svc" in model.named_steps:  # the pipeline's step prefix
            space = {f"svc__{name}": spec for name, spec in space.items()}
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # short training budgets on purpose
            warnings.filterwarnings("ignore", message=".*test scores are non-finite")
            search = RandomizedSearchCV(model, space, n_iter=n_iter, cv=3, random_state=0, error_score=np.nan,
                                        n_jobs=1).fit(X, y)  # fmt: skip
        seconds = time.perf_counter() - started
        scores = search.cv_results_["mean_test_score"]
        print(f"### {title}: {len(scores)} candidates ({np.isnan(scores).sum()} failed), "
              f"best {np.nanmax(scores):.3f}, search {seconds:.0f} s\n")  # fmt: skip
        names = list(space)
        ours = {}
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*candidates have a NaN")
            for seed in SEEDS:
                ours[seed] = hyperparameter_importances(search, random_state=seed)
        short = [name.split("__", 1)[-1] for name in names]
        for log_values in (False, True):
            label = "Optuna (log10 of log-uniform values)" if log_values else "Optuna as it is (raw values)"
            print(f"Against {label}:\n")
            print("| seed | " + " | ".join(short) + " | Spearman |")
            print("|---" * (len(names) + 2) + "|")
            rhos = []
            for seed in SEEDS:
                theirs = optuna_importances(search, seed, log_values)
                rho = spearmanr([ours[seed][n] for n in names], [theirs[n] for n in names]).statistic
                rhos.append(rho)
                print(f"| {seed} ours | " + " | ".join(f"{ours[seed][n]:.3f}" for n in names) + f" | {rho:.2f} |")
                print(f"| {seed} Optuna | " + " | ".join(f"{theirs[n]:.3f}" for n in names) + " | |")
            print(f"\nSpearman over seeds {list(SEEDS)}: {', '.join(f'{r:.2f}' for r in rhos)}; lowest "
                  f"{min(rhos):.2f} (target >= 0.8: {'yes' if min(rhos) >= 0.8 else 'NO'})\n")  # fmt: skip
            lowest.append((title, label, min(rhos)))
    return lowest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true", help="only the timing")
    parser.add_argument("--agreement", action="store_true", help="only the comparison with Optuna")
    args = parser.parse_args()
    both = not (args.speed or args.agreement)
    if args.speed or both:
        speed()
    if args.agreement or both:
        agreement()


if __name__ == "__main__":
    main()
