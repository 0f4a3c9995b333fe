"""Compare optimizers on one model: same data, same network, same budget.

Trains a LinearClassifier on the breast-cancer data with each optimizer of
the package and prints epochs, fit time and test metrics computed with
scikit-learn's metrics.

Run: python examples/compare_optimizers.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os
import time
import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier
from skopt_lab.optimizers import GD, LBFGS, SGD, AdaGrad, Adadelta, Adam, AdamW, Momentum, Nadam, RMSprop

MAX_ITER = 20 if os.environ.get("SKOPT_LAB_FAST") else 300

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

optimizers = {
    "GD": GD(learning_rate=0.5),
    "SGD": SGD(learning_rate=0.05),
    "Momentum": Momentum(learning_rate=0.1),
    "AdaGrad": AdaGrad(learning_rate=0.1),
    "RMSprop": RMSprop(learning_rate=0.01),
    "Adam": Adam(learning_rate=0.01),
    "AdamW": AdamW(learning_rate=0.01),
    "Nadam": Nadam(learning_rate=0.01),
    "Adadelta": Adadelta(),
    "L-BFGS": LBFGS(),
}

print(f"{'optimizer':<10} {'epochs':>6} {'seconds':>8} {'accuracy':>9} {'F1':>6} {'ROC-AUC':>8}")
for name, optimizer in optimizers.items():
    model = make_pipeline(StandardScaler(), LinearClassifier(optimizer, max_iter=MAX_ITER, random_state=0))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a short budget is the point here
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    predicted = model.predict(X_test)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    print(
        f"{name:<10} {model[-1].n_iter_:>6} {seconds:>8.3f} {accuracy_score(y_test, predicted):>9.3f} "
        f"{f1_score(y_test, predicted):>6.3f} {auc:>8.3f}"
    )
