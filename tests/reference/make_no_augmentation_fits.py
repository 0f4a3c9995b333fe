"""Store fits made before augmentation existed, for ``augmentation=None``.

Written with the code of main at 5557e31 (the optimizers as chains of
transforms), which has no ``augmentation``
parameter (the script uses only what it had); ``tests/augmentation/test_augmentation.py``
checks that the same fits with ``augmentation=None`` still give exactly these
weights and loss curves. Every fit here draws from the random generator that
augmentations use (shuffling, dropout, the early-stopping split, weight
initialisation), so an augmentation hook that consumed it, or changed the
batch loop, would show. Rewrite the file only when training changes on
purpose (a new default), from a checkout of that change::

    python tests/reference/make_no_augmentation_fits.py
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import GD, SGD, Adam

PATH = Path(__file__).with_name("no_augmentation_fits.npz")


def data():
    X, y = load_iris(return_X_y=True)
    X_reg, y_reg = load_diabetes(return_X_y=True)
    X_reg, y_reg = X_reg[:150], (y_reg[:150] - y_reg.mean()) / y_reg.std()
    return StandardScaler().fit_transform(X), y, StandardScaler().fit_transform(X_reg), y_reg


def fits():
    """name -> (fitted estimator), the same calls on main and after."""
    X, y, X_reg, y_reg = data()
    weights = np.linspace(0.5, 2.0, len(y))
    common = dict(max_iter=6, tol=None, random_state=0)
    models = {
        "mlp_classifier_dropout": MLPClassifier((16, 8), optimizer=Adam(), dropout=0.2, batch_size=32, **common).fit(X, y),
        "mlp_classifier_early_stopping": MLPClassifier(
            (16,), optimizer=SGD(learning_rate=0.05, momentum=0.9), batch_size=16, early_stopping=True, **common
        ).fit(X, y, sample_weight=weights),
        "mlp_regressor": MLPRegressor((12,), batch_size=20, **common).fit(X_reg, y_reg),
        "linear_classifier_float32": LinearClassifier(batch_size=10, **common).fit(X.astype(np.float32), y),
        "linear_regressor_gd": LinearRegressor(GD(learning_rate=0.1), **common).fit(X_reg, y_reg),
    }
    partial = MLPClassifier((8,), batch_size=25, random_state=0)
    for _ in range(3):
        partial.partial_fit(X, y, classes=np.unique(y))
    models["mlp_classifier_partial_fit"] = partial
    return models


def arrays(models):
    out = {}
    for name, model in models.items():
        out[f"{name}__theta"] = model._train_state.theta
        out[f"{name}__loss_curve"] = np.asarray(model.loss_curve_)
    return out


if __name__ == "__main__":
    np.savez(PATH, **arrays(fits()))
    print(f"wrote {PATH}")
