"""Reliability: divergence ends cleanly, nothing is lost between sessions."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import GD, LBFGS, OPTIMIZERS, SGD, Adam

STEP_OPTIMIZERS = [name for name in OPTIMIZERS if name != "lbfgs"]
ESTIMATORS = {
    "LinearClassifier": lambda **kw: LinearClassifier(**kw),
    "LinearRegressor": lambda **kw: LinearRegressor(**kw),
    "MLPClassifier": lambda **kw: MLPClassifier((8,), **kw),
    "MLPRegressor": lambda **kw: MLPRegressor((8,), **kw),
}
# Every estimator with every step optimizer, but Muon on a linear model, which
# it refuses (no hidden layer: tests/optimizers/test_new_optimizers.py).
EVERY_ESTIMATOR_AND_STEP_OPTIMIZER = pytest.mark.parametrize(
    "name, optimizer",
    [(name, o) for name in sorted(ESTIMATORS) for o in STEP_OPTIMIZERS if not (name.startswith("Linear") and o == "muon")],
)


def _data(name):
    if name.endswith("Classifier"):
        return make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0)
    X, y = make_regression(n_samples=120, n_features=6, noise=1.0, random_state=0)
    return X, y / y.std()


def _parameters(est):
    return np.concatenate([np.ravel(a) for a in est._views()[0] + est._views()[1]])


# ------------------------------------------------------------- divergence
@EVERY_ESTIMATOR_AND_STEP_OPTIMIZER
def test_absurd_learning_rate_ends_with_finite_weights_and_a_warning(name, optimizer):
    X, y = _data(name)
    opt = OPTIMIZERS[optimizer](learning_rate=1e6)
    est = ESTIMATORS[name](optimizer=opt, max_iter=30, tol=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match=rf"{type(opt).__name__}\(.*diverged in epoch (\d+).*smaller learning_rate") as record:
        est.fit(X * 100, y)
    epoch = int(record[0].message.args[0].split("diverged in epoch ")[1].split()[0])
    assert est.n_iter_ == epoch - 1 < 30
    assert np.isfinite(_parameters(est)).all()
    outputs = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    assert np.isfinite(outputs).all()


def test_divergence_keeps_the_weights_of_the_last_finite_epoch():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    # Just above GD's stability limit (2 / largest curvature): the loss grows
    # geometrically and crosses the divergence threshold after a few epochs.
    params = dict(optimizer=GD(learning_rate=2.3), penalty=None, tol=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        diverged = LinearRegressor(max_iter=200, **params).fit(X, y / y.std())
    assert 2 <= diverged.n_iter_ < 200
    reference = LinearRegressor(max_iter=diverged.n_iter_, **params).fit(X, y / y.std())
    np.testing.assert_array_equal(diverged.coef_, reference.coef_)
    np.testing.assert_array_equal(diverged.intercept_, reference.intercept_)


def test_a_diverging_candidate_only_scores_badly_in_a_search():
    X, y = _data("MLPClassifier")
    search = GridSearchCV(
        MLPClassifier((8,), optimizer=SGD(), max_iter=20, tol=None, random_state=0),
        {"optimizer__learning_rate": [0.05, 1e6], "optimizer__clip_norm": [None, 1.0]},
        cv=3,
        error_score="raise",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    assert any(issubclass(w.category, ConvergenceWarning) and "diverged" in str(w.message) for w in caught)
    scores = dict(zip(map(str, search.cv_results_["params"]), search.cv_results_["mean_test_score"]))
    assert np.isfinite(list(scores.values())).all()
    assert search.best_params_["optimizer__learning_rate"] == 0.05
    assert scores[str({"optimizer__clip_norm": None, "optimizer__learning_rate": 1e6})] < search.best_score_


def test_clip_norm_is_a_tunable_hyperparameter():
    X, y = _data("LinearRegressor")
    plain = LinearRegressor(SGD(learning_rate=0.1), max_iter=5, tol=None, random_state=0).fit(X, y)
    clipped = LinearRegressor(SGD(learning_rate=0.1, clip_norm=0.01), max_iter=5, tol=None, random_state=0).fit(X, y)
    assert not np.allclose(plain.coef_, clipped.coef_)
    # each of 5 epochs x 1 batch moved the weights by at most lr x clip_norm
    assert np.linalg.norm(np.r_[clipped.coef_, clipped.intercept_ - np.mean(y)]) <= 5 * 0.1 * 0.01 + 1e-12


# ------------------------------------------------------------ nothing lost
@EVERY_ESTIMATOR_AND_STEP_OPTIMIZER
def test_pickled_checkpoint_resumes_exactly(name, optimizer):
    X, y = _data(name)
    kwargs = dict(optimizer=optimizer, batch_size=32, random_state=0)
    if name.startswith("MLP"):
        kwargs["dropout"] = 0.1  # the random generator's state must travel too
    fit_kwargs = {"classes": np.unique(y)} if name.endswith("Classifier") else {}
    uninterrupted, interrupted = ESTIMATORS[name](**kwargs), ESTIMATORS[name](**kwargs)
    for est in (uninterrupted, interrupted):
        for _ in range(3):
            est.partial_fit(X, y, **fit_kwargs)
    resumed = pickle.loads(pickle.dumps(interrupted))
    del interrupted
    for est in (uninterrupted, resumed):
        for _ in range(3):
            est.partial_fit(X, y)
    np.testing.assert_array_equal(_parameters(resumed), _parameters(uninterrupted))
    assert resumed.n_iter_ == uninterrupted.n_iter_ == 6
    assert resumed.loss_curve_ == uninterrupted.loss_curve_


@pytest.mark.parametrize("optimizer", [Adam(), LBFGS()], ids=repr)
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_joblib_round_trip_gives_identical_predictions(name, optimizer, tmp_path):
    X, y = _data(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ESTIMATORS[name](optimizer=optimizer, max_iter=20, random_state=0).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    loaded = joblib.load(path)
    methods = ["predict"] + [m for m in ("predict_proba", "decision_function", "transform") if hasattr(est, m)]
    for method in methods:
        np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))


@pytest.mark.parametrize("name", ["LinearClassifier", "MLPRegressor"])
def test_parallel_search_gives_the_same_scores(name):
    X, y = _data(name)
    grid = {"optimizer": [SGD(momentum=0.9), Adam()], "optimizer__learning_rate": [1e-3, 1e-2], "alpha": [1e-4, 1e-2]}
    estimator = ESTIMATORS[name](max_iter=10, tol=None, random_state=0)
    serial = GridSearchCV(clone(estimator), grid, cv=3, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(clone(estimator), grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(serial.cv_results_["split0_test_score"], parallel.cv_results_["split0_test_score"])
