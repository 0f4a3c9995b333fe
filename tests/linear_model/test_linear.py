"""Behaviour of LinearRegressor and LinearClassifier."""

import re
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skopt_lab import LinearClassifier, LinearRegressor
from skopt_lab.optimizers import (
    GD,
    LBFGS,
    SGD,
    AdaGrad,
    Adadelta,
    Adam,
    AdamW,
    CosineAnnealing,
    ExponentialDecay,
    Momentum,
    Nadam,
    ReduceOnPlateau,
    RMSprop,
    StepDecay,
    Trace,
)
from skopt_lab.optimizers._combine import find_state
from skopt_lab.optimizers._transforms import AdamState, TraceState

STOCHASTIC = [
    GD(),
    SGD(momentum=0.9, nesterov=True),
    Momentum(),
    AdaGrad(),
    RMSprop(centered=True, momentum=0.5),
    Adam(amsgrad=True),
    AdamW(),
    Nadam(),
    Adadelta(),
]


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    return X, y / y.std()


def _weights(est):
    return np.concatenate([np.ravel(est.coef_), np.ravel(est.intercept_)])


# ----------------------------------------------------------- resumable state
@pytest.mark.parametrize("optimizer", STOCHASTIC, ids=repr)
@pytest.mark.parametrize("shuffle", [False, True])
def test_partial_fit_equals_fit(classification, optimizer, shuffle):
    X, y = classification
    params = dict(optimizer=optimizer, batch_size=64, tol=None, shuffle=shuffle, random_state=0)
    fitted = LinearClassifier(max_iter=4, **params).fit(X, y)
    incremental = LinearClassifier(**params)
    for _ in range(4):
        incremental.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(_weights(incremental), _weights(fitted))
    assert incremental.n_iter_ == fitted.n_iter_ == 4
    assert incremental.loss_curve_ == fitted.loss_curve_


@pytest.mark.parametrize("optimizer", [Adam(), RMSprop(), SGD(momentum=0.9)], ids=repr)
def test_warm_start_keeps_optimizer_state(regression, optimizer):
    X, y = regression
    params = dict(optimizer=optimizer, batch_size=50, tol=None, shuffle=False, random_state=0)
    reference = LinearRegressor(max_iter=6, **params).fit(X, y)
    warm = LinearRegressor(max_iter=3, warm_start=True, **params)
    warm.fit(X, y).fit(X, y)
    np.testing.assert_array_equal(_weights(warm), _weights(reference))
    assert warm.n_iter_ == 6
    # Without warm_start a second fit starts again from scratch.
    cold = LinearRegressor(max_iter=3, **params).fit(X, y)
    np.testing.assert_array_equal(_weights(clone(cold).fit(X, y)), _weights(cold))


def test_random_state_makes_training_repeatable(classification):
    X, y = classification
    a = LinearClassifier(SGD(momentum=0.9), batch_size=32, max_iter=5, tol=None, random_state=3).fit(X, y)
    b = LinearClassifier(SGD(momentum=0.9), batch_size=32, max_iter=5, tol=None, random_state=3).fit(X, y)
    c = LinearClassifier(SGD(momentum=0.9), batch_size=32, max_iter=5, tol=None, random_state=4).fit(X, y)
    np.testing.assert_array_equal(_weights(a), _weights(b))
    assert not np.array_equal(_weights(a), _weights(c))


# ---------------------------------------------------------------- data types
@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor])
def test_float32_trains_in_float32(Estimator, classification):
    X, y = classification
    est = Estimator(max_iter=5, tol=None, random_state=0).fit(X.astype(np.float32), y)
    assert est.coef_.dtype == np.float32 and est.intercept_.dtype == np.float32
    assert find_state(est._train_state.optimizer_state, AdamState).m[0].dtype == np.float32
    assert Estimator(max_iter=5, tol=None).fit(X, y).coef_.dtype == np.float64
    if Estimator is LinearRegressor:
        assert est.predict(X).dtype == np.float32
    else:
        assert est.predict_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array])
@pytest.mark.parametrize("optimizer", [Adam(), LBFGS()], ids=repr)
def test_sparse_matches_dense(classification, container, optimizer):
    X, y = classification
    X = np.where(np.abs(X) > 1, X, 0)
    params = dict(optimizer=optimizer, max_iter=10, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = LinearClassifier(**params).fit(X, y)
        sparse_est = LinearClassifier(**params).fit(container(X), y)
    np.testing.assert_allclose(_weights(sparse_est), _weights(dense), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(sparse_est.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-7)


def test_coef_is_a_view_of_the_parameter_vector(classification):
    X, y = classification
    clf = LinearClassifier(max_iter=3, tol=None).fit(X, y)
    assert np.shares_memory(clf.coef_, clf._train_state.theta)
    assert clf.coef_.shape == (3, X.shape[1]) and clf.intercept_.shape == (3,)
    binary = LinearClassifier(max_iter=3, tol=None).fit(X, y == 0)
    assert binary.coef_.shape == (1, X.shape[1]) and binary.decision_function(X).shape == (len(X),)


# ------------------------------------------------------------------ targets
def test_multi_output_regression(regression):
    X, y = regression
    Y = np.column_stack([y, -2 * y + 1])
    reg = LinearRegressor("lbfgs", alpha=0.0).fit(X, Y)
    assert reg.coef_.shape == (2, X.shape[1]) and reg.predict(X).shape == Y.shape
    single = LinearRegressor("lbfgs", alpha=0.0).fit(X, y)
    np.testing.assert_allclose(reg.coef_[1], -2 * single.coef_, rtol=1e-4, atol=1e-6)
    assert single.coef_.shape == (X.shape[1],) and single.predict(X).shape == y.shape


def test_huber_resists_outliers():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1))
    y = 3 * X[:, 0] + 0.1 * rng.normal(size=200)
    y[:10] += 50  # gross outliers
    kwargs = dict(optimizer=Adam(learning_rate=0.05), alpha=0.0, max_iter=500, tol=None, random_state=0)
    huber = LinearRegressor(loss="huber", epsilon=1.0, **kwargs).fit(X, y)
    squared = LinearRegressor(**kwargs).fit(X, y)
    assert abs(squared.intercept_[0]) > 2  # pulled by the outliers' mean shift of 2.5
    assert abs(huber.intercept_[0]) < 0.1 and abs(huber.coef_[0] - 3) < 0.2
    eps_insensitive = LinearRegressor(loss="epsilon_insensitive", epsilon=0.1, **kwargs).fit(X, y)
    assert abs(eps_insensitive.intercept_[0]) < 0.1 and abs(eps_insensitive.coef_[0] - 3) < 0.2


@pytest.mark.parametrize("loss", ["log_loss", "hinge", "squared_hinge", "modified_huber"])
def test_classifier_losses(classification, loss):
    X, y = classification
    clf = LinearClassifier(loss=loss, max_iter=300, tol=None, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.7
    assert hasattr(clf, "predict_proba") == (loss in ("log_loss", "modified_huber"))
    if hasattr(clf, "predict_proba"):
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-6, atol=1e-12)


def test_string_labels_and_binary_probabilities(classification):
    X, y = classification
    labels = np.array(["no", "yes"])[(y == 1).astype(int)]
    clf = LinearClassifier("lbfgs").fit(X, labels)
    assert set(clf.predict(X)) <= {"no", "yes"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    from scipy.special import expit

    np.testing.assert_allclose(proba[:, 1], expit(clf.decision_function(X)))


def test_class_weight(classification):
    X, y = classification
    kwargs = dict(optimizer="lbfgs", max_iter=500)
    balanced = LinearClassifier(class_weight="balanced", **kwargs).fit(X[:200], y[:200])
    counts = np.bincount(y[:200])
    explicit = {c: len(y[:200]) / (3 * counts[c]) for c in range(3)}
    as_dict = LinearClassifier(class_weight=explicit, **kwargs).fit(X[:200], y[:200])
    np.testing.assert_allclose(balanced.coef_, as_dict.coef_, rtol=1e-5, atol=1e-7)
    heavy = LinearClassifier(class_weight={0: 100.0, 1: 1.0, 2: 1.0}, **kwargs).fit(X, y)
    assert (heavy.predict(X) == 0).mean() > (y == 0).mean()
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported for partial_fit"):
        LinearClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_integer_sample_weight_equals_repetition(classification):
    X, y = classification
    sw = np.random.default_rng(0).integers(0, 4, size=len(y))
    weighted = LinearClassifier("lbfgs", max_iter=500).fit(X, y, sample_weight=sw)
    repeated = LinearClassifier("lbfgs", max_iter=500).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------ penalty
def test_l1_penalty_matches_saga_with_exact_zeros():
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(
        n_samples=400, n_features=30, n_informative=3, n_redundant=0, class_sep=2.0, shuffle=False, random_state=0
    )
    alpha = 0.02
    # Full-batch GD with the proximal l1 step is ISTA: it converges to the
    # exact l1-penalised logistic regression.
    l1 = LinearClassifier(GD(learning_rate=0.5), penalty="l1", alpha=alpha, max_iter=3000, tol=None).fit(X, y)
    reference = LogisticRegression(l1_ratio=1.0, solver="saga", C=1 / (len(y) * alpha), tol=1e-10, max_iter=100_000)
    reference.fit(X, y)
    np.testing.assert_allclose(l1.coef_, reference.coef_, atol=1e-8)
    np.testing.assert_array_equal(l1.coef_ == 0, reference.coef_ == 0)
    assert (l1.coef_[0, 3:] == 0).sum() >= 10 and (l1.coef_[0, :3] != 0).all()

    kwargs = dict(optimizer=SGD(learning_rate=0.05), alpha=0.05, max_iter=100, tol=None, random_state=0)
    zeros = {
        penalty: (LinearClassifier(penalty=penalty, l1_ratio=0.5, **kwargs).fit(X, y).coef_ == 0).sum()
        for penalty in ("l1", "elasticnet", "l2")
    }
    assert zeros["l1"] > zeros["elasticnet"] > zeros["l2"] == 0
    with pytest.raises(ValueError, match="LBFGS supports only penalty='l2' or None"):
        LinearClassifier("lbfgs", penalty="l1").fit(X, y)


def test_penalty_none_and_fit_intercept_false(regression):
    X, y = regression
    reg = LinearRegressor(LBFGS(gtol=1e-9, ftol=0), penalty=None, fit_intercept=False).fit(X, y + 5)
    np.testing.assert_array_equal(reg.intercept_, [0.0])
    exact = np.linalg.lstsq(X, y + 5, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, exact, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------- engine features
def test_early_stopping_restores_best_weights(classification):
    X, y = classification
    clf = LinearClassifier(
        SGD(learning_rate=0.5), early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.validation_scores_[-1] <= clf.best_validation_score_
    without = LinearClassifier(max_iter=3, tol=None).fit(X, y)
    assert without.validation_scores_ is None and without.best_validation_score_ is None


def test_tol_stops_training(regression):
    X, y = regression
    reg = LinearRegressor(SGD(learning_rate=0.05), tol=1e-3, n_iter_no_change=2, max_iter=500, random_state=0).fit(X, y)
    assert reg.n_iter_ < 500
    assert len(reg.loss_curve_) == reg.n_iter_


def test_batch_size_auto_and_full_batch(regression, capsys):
    X, y = regression

    class CountedGD(GD):
        def transforms(self):
            return [Trace(0.0)]  # b ← g, d = b: GD, with a step count

    def steps(est):
        return find_state(est._train_state.optimizer_state, TraceState).count

    reg = LinearRegressor(SGD(momentum=0.5), batch_size=10, max_iter=1, tol=None).fit(X, y)
    assert steps(reg) == 30
    auto = LinearRegressor(SGD(momentum=0.5), max_iter=1, tol=None).fit(X, y)
    assert steps(auto) == 2  # min(200, 300) per batch
    gd = LinearRegressor(CountedGD(), batch_size=10, max_iter=3, tol=None).fit(X, y)
    assert steps(gd) == 3  # one full-batch step per epoch


@pytest.mark.parametrize(
    "schedule, multipliers",
    [
        (StepDecay(step_size=2, gamma=0.5), [1, 1, 0.5, 0.5, 0.25]),
        (ExponentialDecay(gamma=0.9), [0.9**k for k in range(5)]),
        # warm-up epoch, then half a cosine over the remaining 3 epochs to 0
        (CosineAnnealing(warmup_epochs=1), [0.5, 1.0, 0.75, 0.25, 0.0]),
    ],
)
def test_schedule_sets_each_epochs_learning_rate(regression, schedule, multipliers, capsys):
    X, y = regression
    reg = LinearRegressor(SGD(learning_rate=0.1, schedule=schedule), max_iter=5, tol=None, verbose=1).fit(X, y)
    np.testing.assert_allclose(reg.learning_rates_, 0.1 * np.array(multipliers), rtol=1e-12)
    printed = [float(v) for v in re.findall(r"learning rate ([0-9.e-]+)", capsys.readouterr().out)]
    np.testing.assert_allclose(printed, 0.1 * np.array(multipliers), rtol=1e-3)


def test_reduce_on_plateau_divides_the_learning_rate(regression):
    X, y = regression
    reg = LinearRegressor(
        SGD(learning_rate=0.1, schedule=ReduceOnPlateau(factor=0.5, patience=2, threshold=0.01)),
        max_iter=60,
        tol=None,
        random_state=0,
    ).fit(X, y)
    assert reg.learning_rates_[0] == 0.1 and reg.learning_rates_[-1] <= 0.1 / 4
    assert sorted(reg.learning_rates_, reverse=True) == reg.learning_rates_


def test_verbose_prints_one_line_per_epoch(regression, capsys):
    X, y = regression
    LinearRegressor(max_iter=4, tol=None, verbose=1, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert re.match(r"Epoch 1: loss [0-9.]+, validation score -?[0-9.]+, learning rate 0.003, [0-9.]+ s", lines[0])


@pytest.mark.parametrize("optimizer", STOCHASTIC, ids=repr)
def test_divergence_keeps_finite_weights(regression, optimizer):
    X, y = regression
    optimizer = clone(optimizer).set_params(learning_rate=1e6)
    reg = LinearRegressor(optimizer, max_iter=50, tol=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match=rf"{type(optimizer).__name__}.*diverged.*smaller learning_rate"):
        reg.fit(X * 1e3, y)
    assert np.isfinite(reg.coef_).all() and np.isfinite(reg.intercept_).all()
    assert reg.n_iter_ < 50 and len(reg.loss_curve_) == reg.n_iter_
    assert np.isfinite(reg.predict(X)).all()


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor])
def test_bad_input_errors(Estimator, classification):
    X, y = classification
    est = Estimator(max_iter=2, tol=None)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(X_nan, y)
    X_inf = X.copy()
    X_inf[1, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        est.fit(X_inf, y)
    with pytest.raises(ValueError, match="0 sample"):
        est.fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        est.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero number"):
        est.fit(X, y, sample_weight=np.zeros(len(y)))
    est.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 8 features"):
        est.predict(X[:, :3])
    with pytest.raises(InvalidParameterError, match="'optimizer' parameter .* must be None, a str among .*'adam'"):
        Estimator(optimizer="adamm").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'learning_rate' parameter of Adam must be a float in the range"):
        Estimator(optimizer=Adam(learning_rate=-1)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'beta_1' parameter of Adam"):
        Estimator(optimizer=Adam(beta_1=1.0)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter"):
        Estimator(max_iter=0).fit(X, y)


def test_classifier_specific_errors(classification):
    X, y = classification
    y_nan = y.astype(float)
    y_nan[0] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN|Unknown label type"):
        LinearClassifier().fit(X, y_nan)
    with pytest.raises(ValueError, match="at least 2 classes .* only one class: 1"):
        LinearClassifier().fit(X, np.ones(len(X)))
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        LinearClassifier().partial_fit(X, y)
    clf = LinearClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=re.escape("y contains labels not in classes_ [0, 1, 2]: [7]")):
        clf.partial_fit(X[:2], [0, 7])
    with pytest.raises(ValueError, match="Input y contains infinity"):
        LinearRegressor().fit(X, np.full(len(X), np.inf))
    with pytest.raises(AttributeError, match="partial_fit"):
        LinearClassifier("lbfgs").partial_fit


@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor])
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_inputs_are_not_modified(Estimator, optimizer, classification):
    X, y = classification
    X = np.asfortranarray(X)
    sw = np.linspace(0.5, 2, len(y))
    copies = X.copy(), y.copy(), sw.copy()
    stochastic = optimizer == "adam"
    est = Estimator(optimizer, max_iter=5 if stochastic else 1000, tol=None, early_stopping=stochastic)
    est.fit(X, y, sample_weight=sw)
    est.predict(X)
    for original, copy in zip((X, y, sw), copies):
        np.testing.assert_array_equal(original, copy)
    opt = Adam()
    Estimator(opt, max_iter=2, tol=None).fit(X, y)
    assert opt.get_params() == Adam().get_params()  # the user's optimizer is cloned, never trained
