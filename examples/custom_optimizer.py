"""Write your own optimizer and tune it like the built-in ones.

Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms")
takes the sign of an interpolation between the momentum and the gradient:

    c = β₁ m + (1 − β₁) g
    θ ← θ − α (sign(c) + λ θ)
    m ← β₂ m + (1 − β₂) g

Subclassing ``Optimizer`` gives it get_params/set_params/clone, gradient
clipping, validation of its hyperparameters, learning-rate schedules and a
place in every estimator and search.

Run: python examples/custom_optimizer.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os
from numbers import Real

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import MLPClassifier
from skopt_lab.optimizers import Adam, Interval, Optimizer


class Lion(Optimizer):
    """Lion: the sign of an interpolated momentum, with decoupled weight decay."""

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, learning_rate=1e-4, *, beta_1=0.9, beta_2=0.99, weight_decay=0.0, schedule=None, clip_norm=None):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.clip_norm = clip_norm

    def init_state(self, params):
        return {"m": [np.zeros_like(p) for p in params]}

    def update(self, params, grads, state):
        lr = state["learning_rate"]
        for p, g, m, c in zip(params, grads, state["m"], state["scratch"]):
            np.multiply(m, self.beta_1, out=c)  # c = β₁ m + (1 − β₁) g
            c += (1 - self.beta_1) * g
            np.sign(c, out=c)
            c += self.weight_decay * p  # θ ← θ − α (sign(c) + λ θ)
            p -= lr * c
            m *= self.beta_2  # m ← β₂ m + (1 − β₂) g
            m += (1 - self.beta_2) * g


FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=15 if FAST else 60, tol=None, random_state=0))

search = GridSearchCV(
    model,
    [
        {"mlpclassifier__optimizer": [Lion()], "mlpclassifier__optimizer__learning_rate": [1e-4, 3e-4, 1e-3]},
        {"mlpclassifier__optimizer": [Adam()], "mlpclassifier__optimizer__learning_rate": [1e-3, 3e-3, 1e-2]},
    ],
    cv=3,
).fit(X_train, y_train)

for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    optimizer = params["mlpclassifier__optimizer"]
    print(f"{type(optimizer).__name__:<5} lr={params['mlpclassifier__optimizer__learning_rate']:<7g} CV accuracy {score:.3f}")
best = search.best_estimator_[-1].optimizer_
print(f"best: {best!r}, test accuracy {search.score(X_test, y_test):.3f}")
