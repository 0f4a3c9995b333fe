"""Quality on scikit-learn's bundled data sets against scikit-learn's models.

Each comparison uses the same objective on both sides: our ``alpha`` is the
penalty per sample, so ``LogisticRegression(C)`` corresponds to
``alpha = 1 / (C · n_train)`` and ``Ridge(alpha=a)`` to ``alpha = a / n_train``.
The MLPs are compared with scikit-learn's MLPs at both libraries' defaults.
Accuracies are averaged over three stratified held-out splits, because one
test sample of wine is already 2.2 points.
"""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import LBFGS, SGD, Adam, ExponentialDecay

pytestmark = pytest.mark.slow

SEEDS = (0, 1, 2)


def _mean_test_scores(make_model, load, stratify=True):
    X, y = load(return_X_y=True)
    scores = []
    for seed in SEEDS:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, random_state=seed, stratify=y if stratify else None
        )
        model = make_pipeline(StandardScaler(), make_model(len(y_train))).fit(X_train, y_train)
        scores.append(model.score(X_test, y_test))
    return np.mean(scores)


@pytest.mark.parametrize("load", [load_breast_cancer, load_wine, load_digits], ids=lambda f: f.__name__)
@pytest.mark.parametrize("optimizer, tolerance", [(LBFGS(), 0.005), (Adam(), 0.01)], ids=["LBFGS", "Adam"])
def test_linear_classifier_matches_logistic_regression(load, optimizer, tolerance):
    reference = _mean_test_scores(lambda n: LogisticRegression(C=1.0, max_iter=10_000), load)
    ours = _mean_test_scores(lambda n: LinearClassifier(optimizer, alpha=1 / n, random_state=0), load)
    assert ours >= reference - tolerance, (ours, reference)
    if isinstance(optimizer, LBFGS):  # the same optimum, so the same predictions up to ties
        assert abs(ours - reference) <= tolerance


# Adam with a constant step keeps circling the optimum of a convex problem; a
# decaying learning rate lets it settle there, given the epochs to do so: while
# it still circles, the loss does not improve for n_iter_no_change epochs and
# the default tol would stop it early.
@pytest.mark.parametrize(
    "optimizer, budget",
    [(LBFGS(), {}), (SGD(), {}), (Adam(learning_rate=0.3, schedule=ExponentialDecay(gamma=0.99)), {"tol": None, "max_iter": 500})],
    ids=["LBFGS", "SGD", "Adam-decayed"],
)
def test_linear_regressor_matches_ridge(optimizer, budget):
    reference = _mean_test_scores(lambda n: Ridge(alpha=1.0), load_diabetes, stratify=False)
    ours = _mean_test_scores(
        lambda n: LinearRegressor(optimizer, alpha=1 / n, random_state=0, **budget), load_diabetes, stratify=False
    )
    assert abs(ours - reference) <= 0.01 * abs(reference), (ours, reference)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # both sides stop at max_iter
@pytest.mark.parametrize("load", [load_breast_cancer, load_wine, load_digits], ids=lambda f: f.__name__)
def test_mlp_classifier_matches_scikit_learn(load):
    reference = _mean_test_scores(lambda n: SklearnMLPClassifier(random_state=0), load)
    ours = _mean_test_scores(lambda n: MLPClassifier(random_state=0), load)
    assert ours >= reference - 0.01, (ours, reference)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_mlp_regressor_matches_scikit_learn():
    reference = _mean_test_scores(lambda n: SklearnMLPRegressor(random_state=0), load_diabetes, stratify=False)
    ours = _mean_test_scores(lambda n: MLPRegressor(random_state=0), load_diabetes, stratify=False)
    assert ours >= reference - 0.02, (ours, reference)
