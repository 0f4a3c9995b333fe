"""Tune an optimizer's hyperparameters with grid, random and Bayesian search.

The same pipeline and the same search space for the three searches: which
optimizer, its learning rate (log scale) and the L2 penalty of an
MLPClassifier on the breast-cancer data. BayesSearchCV takes exactly what
RandomizedSearchCV takes; the grid uses three values per numeric parameter.
Each tuned model is evaluated on a held-out split with scikit-learn's metrics.

Run: python examples/tune_searches.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os
import time
import warnings

from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import BayesSearchCV, MLPClassifier
from skopt_lab.optimizers import SGD, Adam, RMSprop

FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
N_ITER = 6 if FAST else 15

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pipeline = make_pipeline(StandardScaler(), MLPClassifier((32,), max_iter=30 if FAST else 100, random_state=0))

optimizers = [SGD(momentum=0.9), RMSprop(), Adam()]
distributions = {
    "mlpclassifier__optimizer": optimizers,
    "mlpclassifier__optimizer__learning_rate": loguniform(1e-4, 1e-1),
    "mlpclassifier__alpha": loguniform(1e-6, 1e-1),
}
grid = {
    "mlpclassifier__optimizer": optimizers,
    "mlpclassifier__optimizer__learning_rate": [1e-3, 1e-2] if FAST else [1e-4, 1e-3, 1e-2],
    "mlpclassifier__alpha": [1e-4] if FAST else [1e-5, 1e-3],
}
searches = {
    "grid": GridSearchCV(pipeline, grid, scoring="f1", cv=3),
    "random": RandomizedSearchCV(pipeline, distributions, n_iter=N_ITER, scoring="f1", cv=3, random_state=0),
    "bayes": BayesSearchCV(pipeline, distributions, n_iter=N_ITER, n_initial_points=4, scoring="f1", cv=3, random_state=0),
}

print(f"{'search':<7} {'candidates':>10} {'seconds':>8} {'CV F1':>6} {'test F1':>8} {'ROC-AUC':>8}  best")
for name, search in searches.items():
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short budgets are the point of a search
        search.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    best = search.best_params_
    summary = (
        f"{type(best['mlpclassifier__optimizer']).__name__}, "
        f"lr={best['mlpclassifier__optimizer__learning_rate']:.2g}, alpha={best['mlpclassifier__alpha']:.2g}"
    )
    test_f1 = f1_score(y_test, search.predict(X_test))
    auc = roc_auc_score(y_test, search.predict_proba(X_test)[:, 1])
    print(
        f"{name:<7} {len(search.cv_results_['params']):>10} {seconds:>8.1f} {search.best_score_:>6.3f} "
        f"{test_f1:>8.3f} {auc:>8.3f}  {summary}"
    )
