"""scikit-learn's searches tune our estimators, optimizer hyperparameters included."""

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, make_regression
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, LinearRegressor
from skopt_lab.optimizers import SGD, Adam, CosineAnnealing, ExponentialDecay, RMSprop, StepDecay


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return X[::2], y[::2]


def _pipeline(**params):
    return make_pipeline(StandardScaler(), LinearClassifier(max_iter=30, tol=None, random_state=0, **params))


def test_grid_search_over_optimizers_and_learning_rates(data):
    X, y = data
    grid = {
        "linearclassifier__optimizer": [SGD(momentum=0.9), RMSprop(), Adam()],
        "linearclassifier__optimizer__learning_rate": [1e-4, 1e-2],
    }
    search = GridSearchCV(_pipeline(), grid, cv=3, n_jobs=2, scoring="f1").fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 6
    # Every candidate trained the optimizer it was given, at its learning rate:
    # a tiny learning rate scores worse than a good one for each optimizer.
    scores = results["mean_test_score"].reshape(3, 2)
    assert (scores[:, 1] > scores[:, 0]).all()
    best = search.best_estimator_[-1]
    assert type(best.optimizer_) is type(search.best_params_["linearclassifier__optimizer"])
    assert best.optimizer_.learning_rate == search.best_params_["linearclassifier__optimizer__learning_rate"]
    assert search.best_score_ > 0.95


def test_grid_search_tunes_a_schedule(data):
    X, y = data
    grid = [
        {"linearclassifier__optimizer": [SGD(learning_rate=1.0)]},
        {
            "linearclassifier__optimizer": [SGD(learning_rate=1.0, schedule=StepDecay(step_size=5))],
            "linearclassifier__optimizer__schedule__gamma": [0.5, 0.1],
        },
        {"linearclassifier__optimizer": [SGD(learning_rate=1.0, schedule=CosineAnnealing(warmup_epochs=3))]},
    ]
    search = GridSearchCV(_pipeline(), grid, cv=3, n_jobs=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert len(set(np.round(search.cv_results_["mean_test_score"], 10))) > 1
    fitted = search.best_estimator_[-1]
    assert fitted.optimizer_.get_params() == search.best_params_["linearclassifier__optimizer"].get_params() | {
        k.removeprefix("linearclassifier__optimizer__"): v
        for k, v in search.best_params_.items()
        if k.startswith("linearclassifier__optimizer__")
    }


def test_randomized_search_with_log_uniform_learning_rate(data):
    X, y = data
    distributions = {
        "linearclassifier__optimizer": [Adam(), RMSprop(), SGD(schedule=ExponentialDecay())],
        "linearclassifier__optimizer__learning_rate": loguniform(1e-4, 1e-1),
        "linearclassifier__alpha": loguniform(1e-6, 1e-2),
    }
    search = RandomizedSearchCV(_pipeline(), distributions, n_iter=6, cv=3, n_jobs=2, random_state=0)
    search.fit(X, y)
    learning_rates = [p["linearclassifier__optimizer__learning_rate"] for p in search.cv_results_["params"]]
    assert len(set(learning_rates)) == 6 and all(1e-4 <= lr <= 1e-1 for lr in learning_rates)
    assert search.best_score_ > 0.9

    serial = RandomizedSearchCV(_pipeline(), distributions, n_iter=6, cv=3, n_jobs=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"])


@pytest.mark.parametrize("optimizer", [None, "rmsprop"])
def test_nested_optimizer_keys_work_with_a_default_or_named_optimizer(data, optimizer):
    X, y = data
    search = GridSearchCV(_pipeline(optimizer=optimizer), {"linearclassifier__optimizer__learning_rate": [1e-3, 1e-2]}, cv=2)
    search.fit(X, y)
    expected = {None: "Adam", "rmsprop": "RMSprop"}[optimizer]
    assert type(search.best_estimator_[-1].optimizer_).__name__ == expected
    assert search.best_estimator_[-1].optimizer_.learning_rate == search.best_params_["linearclassifier__optimizer__learning_rate"]
    assert LinearClassifier(optimizer).set_params(optimizer__learning_rate=0.5).optimizer.learning_rate == 0.5
    with pytest.raises(ValueError, match="Unknown optimizer 'nope'"):
        LinearClassifier().set_params(optimizer="nope", optimizer__learning_rate=0.5)


def test_halving_search_uses_max_iter_as_resource():
    X, y = make_regression(n_samples=300, n_features=5, noise=1.0, random_state=0)
    search = HalvingRandomSearchCV(
        LinearRegressor(SGD(), tol=None, random_state=0),
        {"optimizer__learning_rate": loguniform(1e-4, 1e-1), "optimizer__momentum": [0.0, 0.9]},
        resource="max_iter",
        min_resources=5,
        max_resources=45,
        factor=3,
        cv=3,
        random_state=0,
        n_jobs=2,
    ).fit(X, y / y.std())
    assert list(search.n_resources_) == [5, 15, 45]
    assert search.best_estimator_.n_iter_ == 45
    assert search.best_score_ > 0.9
