"""Training never fails silently: every way it can go wrong is seen.

One test (or one parametrised family) per silent failure of issue 9; each
failed on the fit path before it was straightened.
"""

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab._engine.trainer import DIVERGENCE_RATIO
from skopt_lab.optimizers import GD, LBFGS, SGD, Adam, ReduceOnPlateau, Transform
from skopt_lab.optimizers._combine import find_state
from skopt_lab.optimizers._transforms import AdamState, TraceState

from test_reliability import ESTIMATORS, _data
from test_reliability import _parameters as _weights

@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X / X.std(axis=0), (y - y.mean()) / y.std()


def _squared_error(regressor, X, y):
    """The training loss of a squared-error regressor: mean of ½ r²."""
    return 0.5 * np.mean((regressor.predict(X) - y) ** 2)


# ------------------------------------------------------- budgets are spoken
@pytest.mark.parametrize(
    "make, data",
    [
        (lambda: LinearRegressor("sgd", max_iter=2), "diabetes"),
        (lambda: MLPClassifier(max_iter=2), "iris"),
        (lambda: LinearClassifier("momentum", max_iter=3), "iris"),
        (lambda: MLPRegressor((8,), optimizer=GD(), max_iter=3), "diabetes"),
    ],
)
def test_reaching_max_iter_unconverged_warns(make, data, request):
    X, y = request.getfixturevalue(data)
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(\d\) reached"):
        make().fit(X, y)


def test_max_iter_is_no_warning_with_tol_none(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = MLPClassifier((8,), max_iter=3, tol=None, random_state=0).fit(X, y)
    assert est.n_iter_ == 3


def test_large_targets_warn_and_name_their_scale(diabetes):
    X, y = diabetes
    # A power of two, so that standardising the large targets gives the small ones bit for bit.
    large = y * 2.0**20
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations.*y has values up to .*e\+0[68].*standardise the targets"):
        est = MLPRegressor((16,), max_iter=30, normalize_y=False, random_state=0).fit(X, large)
    assert est.score(X, large) < 0.1  # what the warning is about
    # Standardised (the default), the same targets train as well as small ones.
    est = MLPRegressor((16,), max_iter=30, tol=None, random_state=0).fit(X, large)
    small = MLPRegressor((16,), max_iter=30, tol=None, random_state=0).fit(X, y)
    assert est.score(X, large) == pytest.approx(small.score(X, y), abs=1e-6)


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_lbfgs_stopping_on_max_fun_warns(Estimator, iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"max_fun=5\) was reached"):
        est = Estimator((8,), optimizer=LBFGS(max_fun=5), random_state=0).fit(X, y)
    assert est.n_iter_ <= 5


def test_lbfgs_stopping_on_max_iter_warns(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"LBFGS: maximum iterations \(3\) reached"):
        MLPClassifier((8,), optimizer="lbfgs", max_iter=3, random_state=0).fit(X, y)


# ------------------------------------------- warm_start uses the parameters
def test_warm_start_uses_the_current_learning_rate(iris):
    X, y = iris
    est = MLPClassifier((10,), max_iter=5, tol=None, warm_start=True, random_state=0).fit(X, y)
    before = _weights(est)
    est.set_params(optimizer=Adam(learning_rate=1e-12)).fit(X, y)
    # Adam's steps have length about the learning rate: 5 epochs of 1e-12
    assert np.abs(_weights(est) - before).max() < 1e-10
    assert est.optimizer_.learning_rate == 1e-12


def test_warm_start_uses_the_current_alpha(diabetes):
    X, y = diabetes
    params = dict(optimizer=SGD(learning_rate=0.05), max_iter=20, tol=None, random_state=0, warm_start=True)
    kept = LinearRegressor(**params).fit(X, y)
    shrunk = LinearRegressor(**params).fit(X, y)
    kept.fit(X, y)
    shrunk.set_params(alpha=10.0).fit(X, y)
    assert np.linalg.norm(shrunk.coef_) < 0.5 * np.linalg.norm(kept.coef_)


def test_warm_start_keeps_moments_only_for_the_same_optimizer_class(iris):
    X, y = iris
    est = MLPClassifier((10,), max_iter=3, tol=None, warm_start=True, random_state=0).fit(X, y)
    assert find_state(est._train_state.optimizer_state, AdamState).count == 3
    est.set_params(optimizer=Adam(learning_rate=1e-2)).fit(X, y)
    assert find_state(est._train_state.optimizer_state, AdamState).count == 6  # same class: moments carried
    est.set_params(optimizer=SGD(momentum=0.9)).fit(X, y)
    assert find_state(est._train_state.optimizer_state, TraceState).count == 3  # new class: a fresh start
    assert find_state(est._train_state.optimizer_state, AdamState) is None


def test_warm_start_restarts_the_schedule(diabetes):
    from skopt_lab.optimizers import ExponentialDecay

    X, y = diabetes
    opt = SGD(learning_rate=0.01, schedule=ExponentialDecay(gamma=0.5))
    est = LinearRegressor(opt, max_iter=3, tol=None, warm_start=True, random_state=0).fit(X, y).fit(X, y)
    np.testing.assert_allclose(est.learning_rates_, [0.01, 0.005, 0.0025] * 2)


def test_warm_start_refuses_another_network(iris):
    X, y = iris
    est = MLPClassifier((10,), max_iter=2, tol=None, warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"layer sizes \[20, 3\].*\[10, 3\].*warm_start=False"):
        est.set_params(hidden_layer_sizes=(20,)).fit(X, y)
    with pytest.raises(ValueError, match="activation='tanh' differs"):
        est.set_params(hidden_layer_sizes=(10,), activation="tanh").fit(X, y)


# ----------------------------------------- a fit that raises changes nothing
def _failing_calls(X, y):
    yield "partial_fit 2-D y", lambda e: e.partial_fit(X, np.eye(3)[y])
    yield "partial_fit new classes", lambda e: e.partial_fit(X, y, classes=[0, 1, 2, 3])
    yield "partial_fit unknown label", lambda e: e.partial_fit(X, y + 5)
    yield "partial_fit wrong width", lambda e: e.partial_fit(X[:, :2], y)
    yield "partial_fit NaN", lambda e: e.partial_fit(np.full_like(X, np.nan), y)
    yield "warm fit other classes", lambda e: e.set_params(warm_start=True).fit(X[y < 2], y[y < 2])
    yield "partial_fit early stopping", lambda e: e.set_params(early_stopping=True).partial_fit(X, y)
    yield "fit bad optimizer", lambda e: e.set_params(optimizer=SGD(nesterov=True)).fit(X, y)


@pytest.mark.parametrize("call", [name for name, _ in _failing_calls(None, None)])
@pytest.mark.parametrize("Estimator", [LinearClassifier, MLPClassifier])
def test_a_failed_call_leaves_a_fitted_classifier_as_it_was(Estimator, call, iris):
    X, y = iris
    est = Estimator(optimizer=SGD(learning_rate=0.05), max_iter=5, tol=None, random_state=0).fit(X, y)
    est.partial_fit(X, y)
    before = pickle.dumps(est)
    predictions, n_iter, classes = est.predict(X), est.n_iter_, est.classes_.copy()
    failing = dict(_failing_calls(X, y))[call]
    params = est.get_params()
    with pytest.raises(ValueError):
        failing(est)
    est.set_params(**params)
    assert pickle.dumps(est) == before
    np.testing.assert_array_equal(est.predict(X), predictions)
    assert est.n_iter_ == n_iter and np.array_equal(est.classes_, classes)


@pytest.mark.parametrize(
    "name, params, call",
    [
        ("MLPClassifier", {"optimizer": SGD(nesterov=True)}, "fit"),
        ("LinearRegressor", {"optimizer": SGD(schedule=ReduceOnPlateau(monitor="validation_score"))}, "fit"),
        ("MLPRegressor", {"optimizer": Adam(schedule=ReduceOnPlateau(monitor="validation_score"))}, "partial_fit"),
        ("LinearClassifier", {"optimizer": "lbfgs", "penalty": "l1"}, "fit"),
        ("MLPClassifier", {"optimizer": "lbfgs", "dropout": 0.2}, "fit"),
        ("MLPClassifier", {"optimizer": "lbfgs", "early_stopping": True}, "fit"),
        ("MLPRegressor", {"freeze_layers": 2}, "fit"),
        ("LinearClassifier", {"early_stopping": True}, "partial_fit"),
    ],
)
def test_configuration_errors_come_before_training_and_leave_it_unfitted(name, params, call):
    X, y = _data(name)
    est = ESTIMATORS[name](**params)
    kwargs = {"classes": np.unique(y)} if call == "partial_fit" and name.endswith("Classifier") else {}

    class Spy:  # a callback would see any epoch that ran
        max_propagation_depth = None
        epochs = 0

        def setup(self, estimator, context): ...
        def teardown(self, estimator, context): ...
        def on_fit_task_begin(self, estimator, context, **kwargs):
            Spy.epochs += context.task_name == "epoch"
        def on_fit_task_end(self, estimator, context, **kwargs): ...

    est.set_callbacks(Spy())
    with pytest.raises(ValueError):
        getattr(est, call)(X, y, **kwargs)
    assert Spy.epochs == 0
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not hasattr(est, "n_features_in_")


# ----------------------------------------------------------- class changes
def test_partial_fit_refuses_other_classes():
    X, y = np.array([[3.0, 2.0], [1.0, 6.0]]), np.array([0, 1])
    est = LinearClassifier("sgd").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes=\[1, 2\] is not the same as on the first call"):
        est.partial_fit(X, y, classes=[1, 2])
    est.partial_fit(X, y, classes=[1, 0])  # the same set, in another order
    assert est.classes_.tolist() == [0, 1]


def test_warm_fit_refuses_a_subset_of_the_classes(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning):
        est = MLPClassifier((4,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"warm_start can only be used where `y` has the same classes"):
        est.fit(X[y < 2], y[y < 2])


def test_multilabel_partial_fit_with_classes():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=60, n_classes=4, random_state=0)
    est = MLPClassifier((16,), optimizer=Adam(learning_rate=0.01), random_state=0)
    for _ in range(60):
        est.partial_fit(X, Y, classes=[0, 1, 2, 3])
    assert est.classes_.tolist() == [0, 1, 2, 3]
    assert est.predict(X).shape == Y.shape and est.score(X, Y) > 0.5
    with pytest.raises(ValueError, match="indices of y's 4 columns"):
        MLPClassifier((4,)).partial_fit(X, Y, classes=["a", "b", "c", "d"])


# ------------------------------------------- validation rows stay out of it
class _TrainingTargets:
    """A callback that records the targets the fit trains on."""

    max_propagation_depth = None
    y = None

    def setup(self, estimator, context): ...
    def teardown(self, estimator, context): ...
    def on_fit_task_begin(self, estimator, context, *, X=None, y=None, **kwargs):
        if context.task_name == "fit":
            self.y = y
    def on_fit_task_end(self, estimator, context, **kwargs): ...


def test_initial_intercept_comes_from_the_training_split_only(diabetes):
    X, y = diabetes
    y = y + np.where(np.arange(len(y)) % 3 == 0, 5.0, 0.0)  # rows with another mean
    recorder = _TrainingTargets()
    # A learning rate of 1e-12 leaves the intercept where it started.
    est = LinearRegressor(
        SGD(learning_rate=1e-12), early_stopping=True, validation_fraction=0.3, max_iter=1, tol=None, random_state=0
    ).set_callbacks(recorder)
    est.fit(X, y)
    assert len(recorder.y) < len(y)
    np.testing.assert_allclose(est.intercept_, [recorder.y.mean()], atol=1e-9)
    assert abs(recorder.y.mean() - y.mean()) > 1e-3  # so the test tells them apart


def test_initial_class_prior_comes_from_the_training_split_only():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, weights=[0.6, 0.3, 0.1], random_state=0)
    recorder = _TrainingTargets()
    est = MLPClassifier(
        (4,), optimizer=SGD(learning_rate=1e-12), early_stopping=True, validation_fraction=0.3, max_iter=1,
        tol=None, random_state=0,
    ).set_callbacks(recorder)
    est.fit(X, y)
    prior = np.bincount(recorder.y, minlength=3) / len(recorder.y)
    expected = np.log(prior) - np.log(prior).mean()
    np.testing.assert_allclose(est.intercepts_[-1], expected, atol=1e-9)


def test_early_stopping_refuses_a_class_of_one_sample(iris):
    X, y = iris
    y = y.copy()
    y[0] = 7
    with pytest.raises(ValueError, match=r"stratified by class, but class 7 has only 1 sample"):
        MLPClassifier((4,), early_stopping=True).fit(X, y)


# ------------------------------------------ diverged weights are not kept
def test_a_step_exploding_at_an_epochs_end_is_not_kept():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    y = y / y.std()
    # GD just above its stability limit: every epoch is one step, and each
    # step's result is only judged at the next epoch's first batch.
    params = dict(optimizer=GD(learning_rate=2.3), penalty=None, tol=None, random_state=0)
    start_loss = _squared_error(LinearRegressor(max_iter=1, **{**params, "optimizer": GD(1e-300)}).fit(X, y), X, y)
    threshold = DIVERGENCE_RATIO * max(start_loss, 1.0)
    kept = []
    for max_iter in range(1, 25):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = LinearRegressor(max_iter=max_iter, **params).fit(X, y)
        loss = _squared_error(est, X, y)
        assert loss <= threshold, (max_iter, loss)
        warned = any("diverged" in str(w.message) for w in caught)
        kept.append((est.n_iter_, warned))
    # Once the run diverges, every longer run warns and keeps the same epoch.
    first = next(i for i, (_, warned) in enumerate(kept) if warned)
    assert {n for n, _ in kept[first:]} == {kept[first][0]}
    assert all(warned for _, warned in kept[first:])


# ------------------------------------------------- absurd scales are named
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_absurd_feature_scale_is_refused(name):
    X, y = _data(name)
    with pytest.raises(ValueError, match=r"X has values up to .*e\+30\d.*overflow float64.*Scale the features"):
        ESTIMATORS[name]().fit(X * 1e300, y)
    with pytest.raises(ValueError, match=r"overflow float32"):
        ESTIMATORS[name]().fit((X * 1e20).astype(np.float32), y)


@pytest.mark.parametrize("name", ["LinearRegressor", "MLPRegressor"])
def test_absurd_target_scale_is_refused(name):
    X, y = _data(name)
    with pytest.raises(ValueError, match=r"y has values up to .*e\+20\d.*Scale the targets"):
        ESTIMATORS[name]().fit(X, y * 1e200)


# ------------------------------------------------------ Ctrl-C keeps work
@dataclasses.dataclass
class _Steps:
    count: int


class _InterruptAt(Transform):
    """Raises KeyboardInterrupt at step ``at``, as Ctrl-C does in the middle
    of numpy's work (half-way through writing the parameters)."""

    def __init__(self, at):
        self.at = at

    def init(self, params, context):
        return _Steps(0)

    def update(self, updates, state, params, scratch):
        state.count += 1
        if state.count == self.at:
            params[0][: params[0].size // 2] = np.nan
            raise KeyboardInterrupt


class _InterruptedAdam(Adam, interrupt_at=10):
    """Adam whose step ``interrupt_at`` is interrupted."""

    def transforms(self):
        return [_InterruptAt(self.interrupt_at), *super().transforms()]


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_ctrl_c_keeps_the_last_completed_epoch(name):
    X, y = _data(name)
    params = dict(batch_size=30, tol=None, random_state=0)  # 4 steps per epoch
    with pytest.warns(ConvergenceWarning, match=r"was interrupted in epoch 3 \(KeyboardInterrupt\).*weights of epoch 2"):
        est = ESTIMATORS[name](optimizer=_InterruptedAdam(interrupt_at=10), max_iter=50, **params).fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    reference = ESTIMATORS[name](optimizer=Adam(), max_iter=2, **params).fit(X, y)
    np.testing.assert_array_equal(_weights(est), _weights(reference))
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), reference.predict(X))


def test_ctrl_c_in_partial_fit_keeps_the_previous_calls(iris):
    X, y = iris
    est = MLPClassifier((8,), optimizer=_InterruptedAdam(interrupt_at=3), batch_size=100, random_state=0)
    est.partial_fit(X, y, classes=[0, 1, 2])  # steps 1-2
    before = _weights(est)
    with pytest.warns(ConvergenceWarning, match="interrupted"):
        est.partial_fit(X, y)  # step 3 is interrupted
    np.testing.assert_array_equal(_weights(est), before)
    assert est.n_iter_ == 1


def test_ctrl_c_during_lbfgs_keeps_the_last_iteration(iris):
    X, y = iris

    class Interrupt:
        max_propagation_depth = None

        def setup(self, estimator, context): ...
        def teardown(self, estimator, context): ...
        def on_fit_task_begin(self, estimator, context, **kwargs): ...
        def on_fit_task_end(self, estimator, context, **kwargs):
            if context.task_name == "epoch" and context.task_id == 4:
                raise KeyboardInterrupt

    with pytest.warns(ConvergenceWarning, match="interrupted"):
        est = MLPClassifier((8,), optimizer="lbfgs", random_state=0).set_callbacks(Interrupt()).fit(X, y)
    assert est.n_iter_ == 5
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        reference = MLPClassifier((8,), optimizer="lbfgs", max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_allclose(_weights(est), _weights(reference))


# ------------------------------------------------------- clear messages
def test_transform_before_fit_is_not_fitted_error(iris):
    with pytest.raises(NotFittedError):
        MLPClassifier().transform(iris[0])


@pytest.mark.parametrize("Estimator", [LinearRegressor, MLPRegressor])
def test_non_numeric_regression_targets_name_y(Estimator, iris):
    X, _ = iris
    with pytest.raises(ValueError, match=r"y must be numeric for .*Regressor.*'setosa'.*use a classifier"):
        Estimator().fit(X, np.array(["setosa"] * len(X)))


@pytest.mark.parametrize("name", ["AdaGrad", "RMSprop", "Adam", "AdamW", "Nadam", "Adadelta"])
def test_zero_epsilon_is_refused_before_training(name, iris):
    from skopt_lab import optimizers

    X, y = iris
    est = MLPClassifier((4,), optimizer=getattr(optimizers, name)(epsilon=0))
    with pytest.raises(InvalidParameterError, match=rf"'epsilon' parameter of {name} must be a float in the range \(0.0, inf\)"):
        est.fit(X, y)
    assert not hasattr(est, "n_iter_")
