"""scikit-learn's own MLP test suite, ported to skopt_lab's MLPs.

Source: sklearn/neural_network/tests/neural_network/test_mlp.py (scikit-learn 1.9). Each
test keeps its data, settings and assertions, with scikit-learn's solvers
translated to our optimizers:

- ``solver="sgd"`` (momentum 0.9, Nesterov) is ``SGD(learning_rate, momentum=0.9, nesterov=True)``;
- ``solver="adam"`` is ``Adam(learning_rate)``;
- ``solver="lbfgs"`` is ``LBFGS(max_fun=...)``;
- ``learning_rate="adaptive"`` is ``ReduceOnPlateau`` with a
  ``min_learning_rate`` (see the README's mapping of scikit-learn options).

Where skopt_lab differs on purpose, the test says so in a comment starting
with "Deliberate difference" and asserts our behaviour instead. Not ported:
``test_fit`` and ``test_gradient`` (a hand-computed SGD step of
scikit-learn's initialisation, and finite differences, which
tests/engine/test_engine.py checks for every loss and activation).
"""

import re
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, make_classification, make_multilabel_classification
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler, scale
from sklearn.utils._testing import assert_allclose, assert_almost_equal, assert_array_equal
from sklearn.utils.fixes import CSR_CONTAINERS

from skopt_lab import MLPClassifier, MLPRegressor
from skopt_lab.optimizers import LBFGS, SGD, Adam, InverseScaling, ReduceOnPlateau

ACTIVATION_TYPES = ["identity", "logistic", "tanh", "relu"]

X_digits, y_digits = load_digits(n_class=3, return_X_y=True)
X_digits_multi = MinMaxScaler().fit_transform(X_digits[:200])
y_digits_multi = y_digits[:200]
X_digits, y_digits = load_digits(n_class=2, return_X_y=True)
X_digits_binary = MinMaxScaler().fit_transform(X_digits[:200])
y_digits_binary = y_digits[:200]
classification_datasets = [(X_digits_multi, y_digits_multi), (X_digits_binary, y_digits_binary)]

X_reg, y_reg = make_regression(n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7)
y_reg = scale(y_reg)
regression_datasets = [(X_reg, y_reg)]

X_iris, y_iris = load_iris(return_X_y=True)


def sgd(learning_rate_init=0.001, momentum=0.9, **kwargs):
    """scikit-learn's solver="sgd" with its defaults."""
    return SGD(learning_rate=learning_rate_init, momentum=momentum, nesterov=momentum > 0, **kwargs)


def solver(name, learning_rate_init=0.001):
    return {"sgd": sgd(learning_rate_init), "adam": Adam(learning_rate_init), "lbfgs": LBFGS()}[name]


def test_alpha():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    alpha_vectors = []
    for alpha in np.arange(2):
        mlp = MLPClassifier(hidden_layer_sizes=10, alpha=alpha, random_state=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)
        alpha_vectors.append(np.array([np.abs(mlp.coefs_[0]).sum(), np.abs(mlp.coefs_[1]).sum()]))
    assert (alpha_vectors[0] > alpha_vectors[1]).all()


@pytest.mark.parametrize("X,y", classification_datasets)
def test_lbfgs_classification(X, y):
    X_train, y_train, X_test = X[:150], y[:150], X[150:]
    for activation in ACTIVATION_TYPES:
        mlp = MLPClassifier(optimizer="lbfgs", hidden_layer_sizes=50, max_iter=150, random_state=1, activation=activation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X_train, y_train)
        y_predict = mlp.predict(X_test)
        assert mlp.score(X_train, y_train) > 0.95
        assert (y_predict.shape[0], y_predict.dtype.kind) == (X_test.shape[0], y_train.dtype.kind)


@pytest.mark.parametrize("X,y", regression_datasets)
def test_lbfgs_regression(X, y):
    for activation in ACTIVATION_TYPES:
        mlp = MLPRegressor(optimizer="lbfgs", hidden_layer_sizes=50, max_iter=200, tol=1e-3, random_state=1, activation=activation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)
        assert mlp.score(X, y) > (0.80 if activation == "identity" else 0.98)


@pytest.mark.parametrize("X,y", classification_datasets)
def test_lbfgs_classification_maxfun(X, y):
    for activation in ACTIVATION_TYPES:
        mlp = MLPClassifier(
            optimizer=LBFGS(max_fun=10), hidden_layer_sizes=50, max_iter=150, random_state=1, activation=activation
        )
        with pytest.warns(ConvergenceWarning, match="max_fun=10"):
            mlp.fit(X, y)
        assert 10 >= mlp.n_iter_


@pytest.mark.parametrize("X,y", regression_datasets)
def test_lbfgs_regression_maxfun(X, y):
    for activation in ACTIVATION_TYPES:
        mlp = MLPRegressor(
            optimizer=LBFGS(max_fun=10), hidden_layer_sizes=50, tol=0.0, max_iter=150, random_state=1,
            activation=activation,
        )
        with pytest.warns(ConvergenceWarning, match="max_fun=10"):
            mlp.fit(X, y)
        assert 10 >= mlp.n_iter_


def test_learning_rate_warmstart():
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    for schedule in [InverseScaling(power_t=0.25), None]:
        mlp = MLPClassifier(
            optimizer=sgd(schedule=schedule), hidden_layer_sizes=4, max_iter=1, warm_start=True, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)
            mlp.fit(X, y)
        prev_eta, post_eta = mlp.learning_rates_
        # Deliberate difference: scikit-learn's invscaling continues its decay
        # over a warm fit (its rate after 8 samples); each of our fits runs
        # its schedule from the first epoch, as documented for warm_start,
        # while partial_fit continues it.
        assert prev_eta == post_eta == 0.001
    mlp = MLPClassifier(optimizer=sgd(schedule=InverseScaling(power_t=0.25)), hidden_layer_sizes=4, random_state=0)
    for _ in range(2):
        mlp.partial_fit(X, y, classes=[0, 1])
    assert mlp.learning_rates_[1] == pytest.approx(0.001 / 2**0.25)


def test_multilabel_classification():
    X, y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    mlp = MLPClassifier(
        optimizer="lbfgs", hidden_layer_sizes=50, alpha=1e-5, max_iter=150, random_state=0, activation="logistic"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    assert mlp.score(X, y) > 0.97

    mlp = MLPClassifier(optimizer=sgd(0.2), hidden_layer_sizes=50, max_iter=150, random_state=0, activation="logistic", alpha=1e-5)
    for _ in range(100):
        mlp.partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    assert mlp.score(X, y) > 0.9

    # early stopping works on multilabel targets (their split is not stratified)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(early_stopping=True).fit(X, y).predict(X)


def test_multioutput_regression():
    X, y = make_regression(n_samples=200, n_targets=5, random_state=11)
    mlp = MLPRegressor(optimizer="lbfgs", hidden_layer_sizes=50, max_iter=200, tol=1e-2, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    assert mlp.score(X, y) > 0.9


def test_partial_fit_classes_error():
    X, y = [[3, 2]], [0]
    clf = MLPClassifier(optimizer=sgd())
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError):
        clf.partial_fit(X, y, classes=[1, 2])


def test_partial_fit_classification():
    for X, y in classification_datasets:
        mlp = MLPClassifier(optimizer=sgd(0.2), max_iter=100, random_state=1, tol=0, alpha=1e-5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)
        pred1 = mlp.predict(X)
        mlp = MLPClassifier(optimizer=sgd(0.2), random_state=1, alpha=1e-5)
        for _ in range(100):
            mlp.partial_fit(X, y, classes=np.unique(y))
        assert_array_equal(pred1, mlp.predict(X))
        assert mlp.score(X, y) > 0.95


def test_partial_fit_unseen_classes():
    clf = MLPClassifier(random_state=0)
    clf.partial_fit([[1], [2], [3]], ["a", "b", "c"], classes=["a", "b", "c", "d"])
    clf.partial_fit([[4]], ["d"])
    assert clf.score([[1], [2], [3], [4]], ["a", "b", "c", "d"]) > 0


def test_partial_fit_regression():
    X, y = X_reg, y_reg
    for momentum in [0, 0.9]:
        n_epochs = 100  # scikit-learn's budget, for plain SGD too
        params = dict(activation="relu", random_state=1, batch_size=X.shape[0])
        mlp = MLPRegressor(optimizer=sgd(0.01, momentum=momentum), max_iter=n_epochs, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)
        pred1 = mlp.predict(X)
        mlp = MLPRegressor(optimizer=sgd(0.01, momentum=momentum), **params)
        for _ in range(n_epochs):
            mlp.partial_fit(X, y)
        assert_allclose(pred1, mlp.predict(X))
        assert mlp.score(X, y) > 0.65


def test_partial_fit_errors():
    X, y = [[3, 2], [1, 6]], [1, 0]
    with pytest.raises(ValueError):
        MLPClassifier(optimizer=sgd()).partial_fit(X, y, classes=[2])
    assert not hasattr(MLPClassifier(optimizer="lbfgs"), "partial_fit")


def test_nonfinite_params():
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    # Deliberate difference: scikit-learn trains, then finds non-finite
    # weights; we refuse such data before training, naming its scale.
    with pytest.raises(ValueError, match="X has values up to .* squares overflow float64"):
        MLPRegressor().fit(X, y)


def test_predict_proba_binary():
    X, y = X_digits_binary[:50], y_digits_binary[:50]
    clf = MLPClassifier(hidden_layer_sizes=5, activation="logistic", random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    y_proba, y_log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert y_proba.shape == (50, 2)
    assert_array_equal(y_proba.argmax(axis=1), y_log_proba.argmax(axis=1))
    assert_allclose(y_log_proba, np.log(y_proba))
    assert roc_auc_score(y, y_proba[:, 1]) == 1.0


def test_predict_proba_multiclass():
    X, y = X_digits_multi[:10], y_digits_multi[:10]
    clf = MLPClassifier(hidden_layer_sizes=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    y_proba, y_log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert y_proba.shape == (10, np.unique(y).size)
    assert_array_equal(y_proba.argmax(axis=1), y_log_proba.argmax(axis=1))
    assert_allclose(y_log_proba, np.log(y_proba))


def test_predict_proba_multilabel():
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    clf = MLPClassifier(optimizer="lbfgs", hidden_layer_sizes=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    y_proba = clf.predict_proba(X)
    assert y_proba.shape == Y.shape
    assert_array_equal(y_proba > 0.5, Y)
    y_log_proba = clf.predict_log_proba(X)
    assert (y_proba.sum(1) - 1).dot(y_proba.sum(1) - 1) > 1e-10
    assert_array_equal(y_proba.argmax(axis=1), y_log_proba.argmax(axis=1))
    # Deliberate difference: scikit-learn's predict_log_proba is
    # log(predict_proba); ours is computed from the scores, so it keeps the
    # digits that rounding the probabilities near 1 loses.
    assert_allclose(y_log_proba, np.log(y_proba), rtol=1e-7, atol=1e-15)


def test_shuffle():
    X, y = make_regression(n_samples=50, n_features=5, n_targets=1, random_state=0)
    params = dict(hidden_layer_sizes=1, max_iter=1, batch_size=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for shuffle in [True, False]:
            mlp1 = MLPRegressor(shuffle=shuffle, **params).fit(X, y)
            mlp2 = MLPRegressor(shuffle=shuffle, **params).fit(X, y)
            assert np.array_equal(mlp1.coefs_[0], mlp2.coefs_[0])
        mlp1 = MLPRegressor(shuffle=True, **params).fit(X, y)
        mlp2 = MLPRegressor(shuffle=False, **params).fit(X, y)
    assert not np.array_equal(mlp1.coefs_[0], mlp2.coefs_[0])


@pytest.mark.parametrize("csr_container", CSR_CONTAINERS)
def test_sparse_matrices(csr_container):
    X, y = X_digits_binary[:50], y_digits_binary[:50]
    mlp = MLPClassifier(optimizer="lbfgs", hidden_layer_sizes=15, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pred1 = mlp.fit(X, y).predict(X)
        pred2 = mlp.fit(csr_container(X), y).predict(csr_container(X))
    assert_almost_equal(pred1, pred2)
    assert_array_equal(mlp.predict(X), mlp.predict(csr_container(X)))


def test_tolerance():
    X, y = [[3, 2], [1, 6]], [1, 0]
    clf = MLPClassifier(tol=0.5, max_iter=3000, optimizer=sgd()).fit(X, y)
    assert clf.max_iter > clf.n_iter_


def test_verbose_sgd(capsys):
    X, y = [[3, 2], [1, 6]], [1, 0]
    clf = MLPClassifier(optimizer=sgd(), max_iter=2, verbose=10, hidden_layer_sizes=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.partial_fit(X, y)
    out, _ = capsys.readouterr()
    assert "Epoch" in out  # scikit-learn prints "Iteration"


@pytest.mark.parametrize("MLPEstimator", [MLPClassifier, MLPRegressor])
def test_early_stopping(MLPEstimator):
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    tol = 0.2
    mlp = MLPEstimator(tol=tol, max_iter=3000, optimizer=sgd(), early_stopping=True).fit(X, y)
    assert mlp.max_iter > mlp.n_iter_
    # Deliberate difference: scikit-learn sets best_loss_ to None with early
    # stopping; ours is still the lowest training loss, which is known.
    assert mlp.best_loss_ == min(mlp.loss_curve_)
    valid_scores = mlp.validation_scores_
    assert isinstance(valid_scores, list)
    assert max(valid_scores) == mlp.best_validation_score_
    assert mlp.best_validation_score_ + tol > valid_scores[-2]
    assert mlp.best_validation_score_ + tol > valid_scores[-1]

    mlp = MLPEstimator(tol=tol, max_iter=3000, optimizer=sgd(), early_stopping=False).fit(X, y)
    assert mlp.validation_scores_ is None
    assert mlp.best_validation_score_ is None
    assert mlp.best_loss_ is not None


def test_adaptive_learning_rate():
    X, y = [[3, 2], [1, 6]], [1, 0]
    adaptive = sgd(schedule=ReduceOnPlateau(factor=0.2, patience=np.inf, min_learning_rate=1e-6))
    clf = MLPClassifier(tol=0.5, max_iter=3000, optimizer=adaptive).fit(X, y)
    assert clf.max_iter > clf.n_iter_
    assert 1e-6 > clf.learning_rates_[-1]


def test_warm_start():
    X, y = X_iris, y_iris
    y_2classes = np.array([0] * 75 + [1] * 75)
    y_3classes = np.array([0] * 40 + [1] * 40 + [2] * 70)
    y_3classes_alt = np.array([0] * 50 + [1] * 50 + [3] * 50)
    y_4classes = np.array([0] * 37 + [1] * 37 + [2] * 38 + [3] * 38)
    y_5classes = np.array([0] * 30 + [1] * 30 + [2] * 30 + [3] * 30 + [4] * 30)
    params = dict(hidden_layer_sizes=2, optimizer="lbfgs", warm_start=True, random_state=42, tol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(**params).fit(X, y)
        clf.fit(X, y)
        clf.fit(X, y_3classes)
        for y_i in (y_2classes, y_3classes_alt, y_4classes, y_5classes):
            clf = MLPClassifier(**params).fit(X, y)
            message = (
                "warm_start can only be used where `y` has the same classes as in the previous call to fit."
                " Previously got [0 1 2], `y` has %s" % np.unique(y_i)
            )
            with pytest.raises(ValueError, match=re.escape(message)):
                clf.fit(X, y_i)


@pytest.mark.parametrize("MLPEstimator", [MLPClassifier, MLPRegressor])
def test_warm_start_full_iteration(MLPEstimator):
    clf = MLPEstimator(hidden_layer_sizes=2, optimizer=sgd(), warm_start=True, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_iris, y_iris)
        assert clf.n_iter_ == 3
        clf.fit(X_iris, y_iris)
    # Deliberate difference: each warm fit runs max_iter more epochs, as in
    # scikit-learn, but our n_iter_ counts every epoch of the model (as
    # partial_fit's does), where scikit-learn's restarts from 0.
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6


def test_n_iter_no_change():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    for n_iter_no_change in [2, 5, 10, 50, 100]:
        clf = MLPClassifier(tol=0.01, max_iter=3000, optimizer=sgd(), n_iter_no_change=n_iter_no_change).fit(X, y)
        assert clf._train_state.no_improvement_count == n_iter_no_change + 1
        assert 3000 > clf.n_iter_


def test_n_iter_no_change_inf():
    X, y = X_digits_binary[:100], y_digits_binary[:100]
    clf = MLPClassifier(tol=1e9, max_iter=3000, optimizer=sgd(), n_iter_no_change=np.inf)
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3000\)"):
        clf.fit(X, y)
    assert clf.n_iter_ == 3000
    assert clf._train_state.no_improvement_count == clf.n_iter_ - 1


def test_early_stopping_stratified():
    X, y = [[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1]
    # scikit-learn's message names the class too; ours adds what to do.
    with pytest.raises(ValueError, match=r"stratified by class, but class 1 has only 1 sample"):
        MLPClassifier(early_stopping=True).fit(X, y)


def test_mlp_early_stopping_string_labels():
    X, y = make_classification(n_samples=200, n_features=10, n_classes=3, n_informative=5, random_state=42)
    y = np.array(["class_a", "class_b", "class_c"], dtype=object)[y]
    mlp = MLPClassifier(early_stopping=True, max_iter=50, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    assert mlp.validation_scores_ is not None
    assert len(mlp.validation_scores_) == mlp.n_iter_
    assert np.isfinite(mlp.validation_scores_).all()


def test_mlp_classifier_dtypes_casting():
    params = dict(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=100, tol=1e-1)
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp_64 = MLPClassifier(**params).fit(X[:300], y[:300])
        mlp_32 = MLPClassifier(**params).fit(X[:300].astype(np.float32), y[:300])
    assert_array_equal(mlp_64.predict(X[300:]), mlp_32.predict(X[300:].astype(np.float32)))
    assert_allclose(mlp_64.predict_proba(X[300:]), mlp_32.predict_proba(X[300:].astype(np.float32)), rtol=1e-02)


def test_mlp_regressor_dtypes_casting():
    params = dict(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=150, tol=1e-3)
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp_64 = MLPRegressor(**params).fit(X[:300], y[:300])
        mlp_32 = MLPRegressor(**params).fit(X[:300].astype(np.float32), y[:300])
    # Deliberate difference: with normalize_y the float32 model adds the
    # targets' mean (4.5) back to its outputs in float32, so a prediction near
    # 0 is only good to about 1e-6 in absolute terms; scikit-learn's test
    # has rtol alone.
    assert_allclose(mlp_64.predict(X[300:]), mlp_32.predict(X[300:].astype(np.float32)), rtol=5e-04, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_mlp_param_dtypes(dtype, Estimator):
    X, y = load_digits(return_X_y=True)
    X = X.astype(dtype)
    mlp = Estimator(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=50, tol=1e-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X[:300], y[:300])
    pred = mlp.predict(X[300:])
    assert all(intercept.dtype == dtype for intercept in mlp.intercepts_)
    assert all(coef.dtype == dtype for coef in mlp.coefs_)
    if Estimator == MLPRegressor:
        assert pred.dtype == dtype


def test_mlp_loading_from_joblib_partial_fit(tmp_path):
    pre_trained = MLPRegressor(hidden_layer_sizes=(42,), random_state=42, optimizer=Adam(0.01), max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pre_trained.fit([[2]], [4])
    joblib.dump(pre_trained, tmp_path / "mlp.pkl")
    loaded = joblib.load(tmp_path / "mlp.pkl")
    for _ in range(200):
        loaded.partial_fit([[2]], [1])
    assert_allclose(loaded.predict([[2]]), [1], rtol=1e-4)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_preserve_feature_names(Estimator):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(data=rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(data=np.full(10, 1), name="colname_y")
    if Estimator is MLPClassifier:
        y[:5] = 0  # Deliberate difference: a classifier needs two classes
    model = Estimator(early_stopping=True, validation_fraction=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)


@pytest.mark.parametrize("MLPEstimator", [MLPClassifier, MLPRegressor])
def test_mlp_warm_start_with_early_stopping(MLPEstimator):
    mlp = MLPEstimator(max_iter=10, random_state=0, warm_start=True, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X_iris, y_iris)
        n_validation_scores = len(mlp.validation_scores_)
        mlp.set_params(max_iter=20)
        mlp.fit(X_iris, y_iris)
    assert len(mlp.validation_scores_) > n_validation_scores


@pytest.mark.parametrize("MLPEstimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("name", ["sgd", "adam", "lbfgs"])
def test_mlp_warm_start_no_convergence(MLPEstimator, name):
    model = MLPEstimator(
        optimizer=solver(name), warm_start=True, early_stopping=False, max_iter=10, n_iter_no_change=np.inf,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X_iris, y_iris)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20)
    with pytest.warns(ConvergenceWarning):
        model.fit(X_iris, y_iris)
    # Deliberate difference: n_iter_ counts every epoch (see above).
    assert model.n_iter_ == 30


@pytest.mark.parametrize("MLPEstimator", [MLPClassifier, MLPRegressor])
def test_mlp_partial_fit_after_fit(MLPEstimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPEstimator(early_stopping=True, random_state=0).fit(X_iris, y_iris)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        mlp.partial_fit(X_iris, y_iris)


def test_mlp_diverging_loss():
    mlp = MLPRegressor(
        hidden_layer_sizes=100, activation="identity", optimizer=SGD(learning_rate=1), alpha=0.0001,
        max_iter=20, early_stopping=True, n_iter_no_change=10, random_state=0,
    )
    # Deliberate difference: scikit-learn trains on into NaN (its last
    # validation score is NaN); we stop at the divergence, say so, and keep
    # the best weights, whose validation scores are all finite.
    with pytest.warns(ConvergenceWarning, match="diverged"):
        mlp.fit(X_iris, y_iris)
    assert np.isfinite(mlp.validation_scores_).all()
    assert np.isfinite(mlp.predict(X_iris)).all()


def test_mlp_sample_weight_with_early_stopping():
    X, y = make_regression(n_samples=100, n_features=2, n_informative=2, random_state=42)
    params = dict(hidden_layer_sizes=10, optimizer=Adam(0.01), early_stopping=True, tol=1e-2, batch_size=10, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m1 = MLPRegressor(**params).fit(X, y, sample_weight=np.ones_like(y))
        m2 = MLPRegressor(**params).fit(X, y, sample_weight=None)
    assert_allclose(m1.predict(X), m2.predict(X))


def test_minimum_input_sample_size():
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    # scikit-learn: "The validation set is too small"; ours names the parameter.
    with pytest.raises(ValueError, match="validation_fraction=0.1 leaves 1 validation sample of 2"):
        MLPRegressor(early_stopping=True, random_state=0).fit(X, y)
