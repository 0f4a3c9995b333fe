"""Behaviour of MLPClassifier and MLPRegressor, fine-tuning included."""

import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import GD, LBFGS, SGD, AdaGrad, Adadelta, Adam, AdamW, Momentum, Nadam, RMSprop

STOCHASTIC = [
    GD(),
    SGD(momentum=0.9, nesterov=True),
    Momentum(),
    AdaGrad(),
    RMSprop(momentum=0.5),
    Adam(),
    AdamW(),
    Nadam(),
    Adadelta(),
]


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=240, n_features=10, n_informative=6, n_classes=3, random_state=0)


def _flat(est):
    return np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])


# ----------------------------------------------------------- resumable state
@pytest.mark.parametrize("optimizer", STOCHASTIC, ids=repr)
def test_partial_fit_equals_fit(classification, optimizer):
    X, y = classification
    params = dict(
        hidden_layer_sizes=(16, 8), optimizer=optimizer, batch_size=50, tol=None, shuffle=False, random_state=0
    )
    fitted = MLPClassifier(max_iter=3, **params).fit(X, y)
    incremental = MLPClassifier(**params)
    for _ in range(3):
        incremental.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(_flat(incremental), _flat(fitted))


def test_partial_fit_equals_fit_with_shuffle_and_dropout():
    X, y = make_regression(n_samples=150, n_features=5, random_state=0)
    params = dict(hidden_layer_sizes=(12,), dropout=0.3, batch_size=32, tol=None, random_state=1)
    fitted = MLPRegressor(max_iter=4, **params).fit(X, y)
    incremental = MLPRegressor(**params)
    for _ in range(4):
        incremental.partial_fit(X, y)
    np.testing.assert_array_equal(_flat(incremental), _flat(fitted))


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (MLPRegressor, dict(hidden_layer_sizes=(12,), dropout=0.3, batch_size=32)),
        (MLPClassifier, dict(hidden_layer_sizes=(12,), optimizer=SGD(momentum=0.9), batch_size=40)),
        (LinearClassifier, dict(penalty="l1", alpha=1e-3, average=True, batch_size=16)),
        (LinearRegressor, dict(optimizer=AdaGrad(), batch_size=1000)),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_several_epochs_in_one_call_equal_the_calls_one_by_one(Estimator, params):
    # partial_fit(n_epochs=n), with which HyperbandSearchCV continues a fold
    # model by a rung's epochs in one call.
    X, y = make_classification(n_samples=150, n_features=5, n_classes=3, n_informative=3, random_state=0)
    regression = Estimator in (MLPRegressor, LinearRegressor)
    if regression:
        y = X @ np.arange(5.0) + 0.1 * y
    classes = {} if regression else {"classes": [0, 1, 2]}
    weights = np.linspace(0.5, 2.0, len(y))
    one_by_one, at_once = Estimator(random_state=1, tol=None, **params), Estimator(random_state=1, tol=None, **params)
    one_by_one.partial_fit(X, y, sample_weight=weights, **classes)
    at_once.partial_fit(X, y, sample_weight=weights, n_epochs=1, **classes)
    for _ in range(4):
        one_by_one.partial_fit(X, y, sample_weight=weights)
    at_once.partial_fit(X, y, sample_weight=weights, n_epochs=4)
    for name in ("coef_", "intercept_", "coefs_", "intercepts_", "loss_curve_", "n_iter_", "t_"):
        if hasattr(one_by_one, name):
            ours, theirs = getattr(at_once, name), getattr(one_by_one, name)
            for a, b in zip(*(v if isinstance(v, list) else [v] for v in (ours, theirs)), strict=True):
                np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(at_once.predict(X), one_by_one.predict(X))


@pytest.mark.parametrize("optimizer", [Adam(), Nadam(), RMSprop(centered=True)], ids=repr)
def test_warm_start_keeps_the_moments(classification, optimizer):
    # scikit-learn's MLP restarts Adam's moments on warm_start; ours continue.
    X, y = classification
    params = dict(hidden_layer_sizes=(16,), optimizer=optimizer, tol=None, shuffle=False, random_state=0)
    reference = MLPClassifier(max_iter=6, **params).fit(X, y)
    warm = MLPClassifier(max_iter=3, warm_start=True, **params).fit(X, y).fit(X, y)
    np.testing.assert_array_equal(_flat(warm), _flat(reference))
    assert warm.n_iter_ == 6 and warm.loss_curve_ == reference.loss_curve_


@pytest.mark.parametrize("optimizer", [SGD(momentum=0.9), Adam(), Adadelta()], ids=repr)
def test_pickle_in_the_middle_of_training_resumes_exactly(classification, optimizer):
    X, y = classification
    params = dict(hidden_layer_sizes=(16,), optimizer=optimizer, dropout=0.2, batch_size=40, random_state=0)
    uninterrupted = MLPClassifier(**params)
    interrupted = MLPClassifier(**params)
    for _ in range(2):
        uninterrupted.partial_fit(X, y, classes=[0, 1, 2])
        interrupted.partial_fit(X, y, classes=[0, 1, 2])
    resumed = pickle.loads(pickle.dumps(interrupted))
    for _ in range(3):
        uninterrupted.partial_fit(X, y)
        resumed.partial_fit(X, y)
    np.testing.assert_array_equal(_flat(resumed), _flat(uninterrupted))


def test_random_state_reproducible_and_init_suited_to_activation():
    X, y = make_regression(n_samples=50, n_features=400, random_state=0)
    a = MLPRegressor((300, 200), max_iter=1, tol=None, random_state=5).fit(X, y)
    b = MLPRegressor((300, 200), max_iter=1, tol=None, random_state=5).fit(X, y)
    np.testing.assert_array_equal(_flat(a), _flat(b))
    relu = MLPRegressor(
        (300, 200), max_iter=1, tol=None, optimizer=SGD(learning_rate=1e-12), normalize_y=False, random_state=0
    )
    tanh = clone(relu).set_params(activation="tanh")
    W_relu, W_tanh = relu.fit(X, y).coefs_[1], tanh.fit(X, y).coefs_[1]
    # He (fan_out) for ReLU: U(±√(6/200)), std √(2/200); Glorot for tanh: std √(2/500)
    assert W_relu.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert W_tanh.std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)
    # The output layer: Glorot's variance, and the bias at the target mean.
    assert relu.coefs_[-1].std() == pytest.approx(np.sqrt(2 / 201), rel=0.15)
    assert relu.intercepts_[-1][0] == pytest.approx(y.mean(), rel=1e-6)
    # Standardised targets: the same start in the targets' units, scaled by their spread.
    standardised = clone(relu).set_params(normalize_y=True).fit(X, y)
    scale = standardised._target_encoder.scale[0]  # the power of two nearest the std
    assert y.std() / 2**0.5 <= scale <= y.std() * 2**0.5
    assert standardised.coefs_[-1].std() == pytest.approx(scale * np.sqrt(2 / 201), rel=0.15)
    assert standardised.intercepts_[-1][0] == pytest.approx(y.mean(), rel=1e-6)


# ---------------------------------------------------------------- targets
def test_binary_multiclass_and_multilabel():
    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    binary = MLPClassifier((16,), max_iter=50, tol=None, random_state=0).fit(X, np.array(["a", "b"])[y])
    assert binary.coefs_[-1].shape == (16, 1) and binary.predict_proba(X).shape == (200, 2)
    assert set(binary.predict(X)) <= {"a", "b"}

    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, Y = make_multilabel_classification(n_samples=300, n_features=8, n_classes=4, random_state=0)
    X_train, X_test, Y_train, Y_test = X[:200], X[200:], Y[:200], Y[200:]
    multilabel = MLPClassifier((32,), max_iter=200, tol=None, random_state=0).fit(X_train, Y_train)
    proba = multilabel.predict_proba(X_test)
    assert proba.shape == (100, 4) and not np.allclose(proba.sum(axis=1), 1)  # independent labels
    assert multilabel.predict(X_test).shape == Y_test.shape
    reference = SklearnMLP((32,), max_iter=200, random_state=0)
    with pytest.warns(ConvergenceWarning):  # scikit-learn warns at max_iter
        reference.fit(X_train, Y_train)
    hamming = (multilabel.predict(X_test) == Y_test).mean()
    assert hamming >= (reference.predict(X_test) == Y_test).mean() - 0.02 and hamming > 0.7
    np.testing.assert_array_equal(multilabel.classes_, np.arange(4))


def test_multi_output_regression_and_huber():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2, random_state=0)
    y = y / y.std(axis=0)
    reg = MLPRegressor((32,), optimizer="lbfgs", max_iter=1000, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200, 2) and reg.score(X, y) > 0.95
    huber = MLPRegressor((32,), loss="huber", epsilon=1.0, optimizer="lbfgs", max_iter=1000, random_state=0)
    huber.fit(X, y)
    assert huber.score(X, y) > 0.9


def test_sparse_and_float32(classification):
    X, y = classification
    X = np.where(np.abs(X) > 0.8, X, 0)
    dense = MLPClassifier((16,), max_iter=5, tol=None, random_state=0).fit(X, y)
    sparse_fit = MLPClassifier((16,), max_iter=5, tol=None, random_state=0).fit(sparse.csr_matrix(X), y)
    np.testing.assert_allclose(_flat(sparse_fit), _flat(dense), rtol=1e-6, atol=1e-9)
    single = MLPClassifier((16,), max_iter=5, tol=None, random_state=0).fit(X.astype(np.float32), y)
    assert all(w.dtype == np.float32 for w in single.coefs_)
    assert single.predict_proba(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(_flat(single), _flat(dense), rtol=1e-3, atol=1e-4)


def test_transform_feeds_a_pipeline(classification):
    X, y = classification
    net = MLPClassifier((16, 6), optimizer=Adam(learning_rate=0.01), max_iter=100, tol=None, random_state=0)
    net.fit(X, y)
    features = net.transform(X)
    assert features.shape == (len(X), 6) and (features >= 0).all()  # ReLU activations
    np.testing.assert_array_equal(net.get_feature_names_out(), [f"mlpclassifier{i}" for i in range(6)])
    pipe = make_pipeline(FrozenEstimator(net), LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) > 0.8


def test_dropout_only_while_training(classification):
    X, y = classification
    net = MLPClassifier((32,), dropout=0.5, optimizer=Adam(learning_rate=0.01), max_iter=100, tol=None, random_state=0)
    net.fit(X, y)
    np.testing.assert_array_equal(net.predict_proba(X), net.predict_proba(X))
    assert net.score(X, y) > 0.8
    with pytest.raises(InvalidParameterError, match="'dropout' parameter of MLPClassifier must be a float in the range \\[0.0, 1.0\\)"):
        MLPClassifier(dropout=1.0).fit(X, y)
    with pytest.raises(ValueError, match=r"dropout=0.2 needs a step-based optimizer"):
        MLPClassifier(dropout=0.2, optimizer="lbfgs").fit(X, y)


# ------------------------------------------------------------ fine-tuning
@pytest.fixture(scope="module")
def pretrained():
    X, y = make_classification(n_samples=400, n_features=12, n_informative=8, n_classes=4, random_state=1)
    return MLPClassifier((24, 16), max_iter=100, tol=None, random_state=0).fit(X, y)


@pytest.mark.parametrize("wrap", [False, True])
def test_fine_tuning_copies_hidden_layers_and_builds_a_new_head(pretrained, wrap):
    X, y = make_classification(n_samples=100, n_features=12, n_classes=2, random_state=2)
    before = _flat(pretrained).copy()
    source = FrozenEstimator(pretrained) if wrap else pretrained
    tuned = MLPClassifier(pretrained=source, freeze_layers=2, max_iter=30, tol=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(_flat(pretrained), before)  # never modified
    assert [w.shape for w in tuned.coefs_] == [(12, 24), (24, 16), (16, 1)]  # new binary head
    for i in range(2):  # frozen hidden layers: exactly the pretrained weights
        np.testing.assert_array_equal(tuned.coefs_[i], pretrained.coefs_[i])
        np.testing.assert_array_equal(tuned.intercepts_[i], pretrained.intercepts_[i])
    assert not np.shares_memory(tuned.coefs_[0], pretrained.coefs_[0])


def test_fine_tuning_without_freezing_starts_from_pretrained(pretrained):
    X, y = make_classification(n_samples=100, n_features=12, n_classes=3, n_informative=5, random_state=3)
    tuned = MLPClassifier(pretrained=pretrained, optimizer=SGD(learning_rate=1e-6), max_iter=1, tol=None).fit(X, y)
    np.testing.assert_allclose(tuned.coefs_[0], pretrained.coefs_[0], atol=1e-5)
    regressor = MLPRegressor(pretrained=pretrained, freeze_layers=1, max_iter=5, tol=None).fit(X, y.astype(float))
    assert regressor.coefs_[-1].shape == (16, 1)


def test_layer_lr_decay_slows_earlier_layers(pretrained):
    X, y = make_classification(n_samples=100, n_features=12, n_classes=2, random_state=2)
    kwargs = dict(pretrained=pretrained, optimizer=SGD(learning_rate=0.05), max_iter=5, tol=None, random_state=0)
    plain = MLPClassifier(**kwargs).fit(X, y)
    decayed = MLPClassifier(layer_lr_decay=0.01, **kwargs).fit(X, y)

    def moved(est, i):
        return np.abs(est.coefs_[i] - pretrained.coefs_[i]).max()

    assert moved(decayed, 0) < moved(plain, 0) / 20  # lr × 0.01² on the first layer
    assert moved(decayed, 1) < moved(plain, 1) / 5  # lr × 0.01 on the second
    with pytest.raises(ValueError, match=r"layer_lr_decay=\S+ needs a step-based optimizer"):
        MLPClassifier(pretrained=pretrained, optimizer="lbfgs", layer_lr_decay=0.5).fit(X, y)


def test_fine_tuning_errors(pretrained):
    X, y = make_classification(n_samples=60, n_features=12, random_state=0)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(5,\) conflicts with the pretrained network's hidden layers \(24, 16\)"):
        MLPClassifier((5,), pretrained=pretrained).fit(X, y)
    with pytest.raises(ValueError, match="activation='tanh' conflicts"):
        MLPClassifier(activation="tanh", pretrained=pretrained).fit(X, y)
    with pytest.raises(ValueError, match="X has 7 features, but the pretrained network takes 12"):
        MLPClassifier(pretrained=pretrained).fit(X[:, :7], y)
    with pytest.raises(ValueError, match="freeze_layers=3 is larger than the number of hidden layers \\(2\\)"):
        MLPClassifier(pretrained=pretrained, freeze_layers=3).fit(X, y)
    with pytest.raises(ValueError, match="pretrained is not fitted.*FrozenEstimator"):
        MLPClassifier(pretrained=clone(pretrained)).fit(X, y)
    with pytest.raises(TypeError, match="pretrained must be a fitted MLPClassifier or MLPRegressor"):
        MLPClassifier(pretrained=LogisticRegression()).fit(X, y)
    MLPClassifier((24, 16), pretrained=pretrained, max_iter=2, tol=None).fit(X, y)  # the same sizes are fine


def test_grid_search_fine_tunes_from_the_pretrained_weights(pretrained):
    X, y = make_classification(n_samples=120, n_features=12, n_classes=2, random_state=4)
    search = GridSearchCV(
        MLPClassifier(pretrained=FrozenEstimator(pretrained), max_iter=20, tol=None, random_state=0),
        {"freeze_layers": [1, 2], "optimizer__learning_rate": [1e-3, 1e-2]},
        cv=3,
    ).fit(X, y)
    best = search.best_estimator_
    frozen = best.freeze_layers
    for i in range(frozen):
        np.testing.assert_array_equal(best.coefs_[i], pretrained.coefs_[i])
    # A plain (unfrozen) parameter would be cloned into an unfitted network.
    with pytest.raises(ValueError, match="FrozenEstimator"):
        GridSearchCV(MLPClassifier(pretrained=pretrained), {"freeze_layers": [1]}, cv=2, error_score="raise").fit(X, y)


# ---------------------------------------------------------------- errors
def test_partial_fit_errors(classification):
    X, y = classification
    net = MLPClassifier((8,)).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"y contains labels not in classes_ \[0, 1, 2\]: \[5\]"):
        net.partial_fit(X[:3], [0, 5, 1])
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is expecting 10 features"):
        net.partial_fit(X[:, :4], y)
    assert not hasattr(MLPClassifier(optimizer=LBFGS()), "partial_fit")
    with pytest.raises(InvalidParameterError, match="'hidden_layer_sizes' parameter"):
        MLPClassifier(hidden_layer_sizes="big").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive integers"):
        MLPClassifier(hidden_layer_sizes=(10, 0)).fit(X, y)


def test_keep_output_layer_needs_the_same_targets(pretrained):
    X, y = make_classification(n_samples=80, n_features=12, n_informative=6, n_classes=4, random_state=5)
    kept = MLPClassifier(pretrained=pretrained, keep_output_layer=True, optimizer=SGD(learning_rate=1e-9), max_iter=1, tol=None)
    kept.fit(X, y)
    np.testing.assert_allclose(kept.coefs_[-1], pretrained.coefs_[-1], atol=1e-6)
    np.testing.assert_allclose(kept.predict_proba(X), pretrained.predict_proba(X), atol=1e-5)
    with pytest.raises(ValueError, match="keep_output_layer=True needs the pretrained network's targets"):
        MLPClassifier(pretrained=pretrained, keep_output_layer=True).fit(X, y % 2)
