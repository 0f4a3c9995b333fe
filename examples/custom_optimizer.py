"""Write your own optimizer and tune it like the built-in ones.

Signum (Bernstein et al., 2018, "signSGD: Compressed Optimisation for
Non-Convex Problems") steps along the sign of a momentum:

    m ← β m + (1 − β) g
    θ ← θ − α sign(m)

An optimizer is a chain of small gradient transforms. Signum's momentum is
the built-in ``Ema`` transform; its sign is a transform of three lines, and
the optimizer itself declares its hyperparameters and their defaults in its
class statement. Subclassing ``Optimizer`` gives it get_params/set_params/
clone, validation of its hyperparameters (declared with the constraint
classes ``skopt_lab.optimizers`` exports), the shared ``learning_rate``,
``schedule`` and ``clip_norm``, and a place in every estimator and search.

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
from skopt_lab.optimizers import Adam, Ema, Interval, Optimizer, Transform


class ScaleBySign(Transform):
    """u ← sign(u): keeps no state between steps."""

    def update(self, updates, state, params, scratch):
        for u in updates:
            np.sign(u, out=u)


class Signum(Optimizer, learning_rate=1e-3, momentum=0.9):
    """Signum: the sign of a moving average of the gradients."""

    _parameter_constraints = {
        **Optimizer._parameter_constraints,
        "momentum": [Interval(Real, 0, 1, closed="left")],
    }

    def transforms(self):
        # m ← β m + (1 − β) g, then sign(m); the chain adds clipping before
        # and −α (times the schedule) after.
        return [Ema(self.momentum), ScaleBySign()]


FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(StandardScaler(), MLPClassifier((64,), max_iter=15 if FAST else 60, tol=None, random_state=0))

search = GridSearchCV(
    model,
    [
        {"mlpclassifier__optimizer": [Signum()], "mlpclassifier__optimizer__learning_rate": [3e-4, 1e-3, 3e-3]},
        {"mlpclassifier__optimizer": [Adam()], "mlpclassifier__optimizer__learning_rate": [1e-3, 3e-3, 1e-2]},
    ],
    cv=3,
).fit(X_train, y_train)

for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    optimizer = params["mlpclassifier__optimizer"]
    print(f"{type(optimizer).__name__:<6} lr={params['mlpclassifier__optimizer__learning_rate']:<7g} CV accuracy {score:.3f}")
best = search.best_estimator_[-1].optimizer_
print(f"best: {best!r}, test accuracy {search.score(X_test, y_test):.3f}")
