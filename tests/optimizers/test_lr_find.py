"""The learning-rate range test, skopt_lab.lr_find."""

import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, lr_find
from skopt_lab._lr_find import SMOOTHING
from skopt_lab.optimizers import OPTIMIZERS, Context, Layout, ScheduleFree, ScheduleFreeSGD, takes_steps


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_gradient_descent_on_a_quadratic_diverges_past_two_over_the_curvature():
    # Full-batch steps on least squares: the loss falls for rates below 2/L
    # (L the Hessian's largest eigenvalue) and grows by |1 − αL|² per step above.
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    design = np.hstack([X, np.ones((len(X), 1))])
    curvature = np.linalg.eigvalsh(design.T @ design / len(X)).max()
    model = LinearRegressor(optimizer="sgd", batch_size=len(X), alpha=0.0, random_state=0)
    result = lr_find(model, X, y, min_lr=1e-4, max_lr=100.0, n_steps=100, random_state=0)
    assert result.diverged
    assert 2 / curvature < result.learning_rates[-1] < 10 * 2 / curvature
    assert result.suggestion < 2 / curvature
    assert result.losses[-1] > result.losses.min()


def test_the_result_is_the_smoothed_loss_of_a_geometric_sweep(cancer):
    X, y = cancer
    result = lr_find(LinearClassifier(optimizer="adam", batch_size=32), X, y, min_lr=1e-5, max_lr=1e-2, n_steps=30, random_state=0)
    assert not result.diverged and len(result.learning_rates) == 30
    np.testing.assert_allclose(result.learning_rates, np.geomspace(1e-5, 1e-2, 30))
    average, expected = 0.0, []
    for i, loss in enumerate(result.raw_losses):
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        expected.append(average / (1 - SMOOTHING ** (i + 1)))
    np.testing.assert_allclose(result.losses, expected)
    assert result.raw_losses[-1] < result.raw_losses[0]  # it learned
    assert result.suggestion == pytest.approx(result.learning_rates[np.argmin(result.losses)] / 10)
    assert result.learning_rates[0] <= result.steepest <= result.learning_rates[np.argmin(result.losses)]


def test_the_estimator_given_is_untouched(cancer):
    X, y = cancer
    fresh = MLPClassifier(hidden_layer_sizes=(8,), optimizer="sgd", random_state=0)
    before = pickle.dumps(fresh)
    lr_find(fresh, X, y, n_steps=20, random_state=0)
    assert pickle.dumps(fresh) == before
    fitted = MLPClassifier(hidden_layer_sizes=(8,), optimizer="sgd", max_iter=2, tol=None, random_state=0).fit(X, y)
    coefs = [c.copy() for c in fitted.coefs_]
    result = lr_find(fitted, X, y, n_steps=20, random_state=0)
    assert all(np.array_equal(a, b) for a, b in zip(coefs, fitted.coefs_))
    assert fitted.optimizer == "sgd"
    # A clone: it starts from fresh weights, as the unfitted one did.
    np.testing.assert_array_equal(result.raw_losses, lr_find(fresh, X, y, n_steps=20, random_state=0).raw_losses)


@pytest.mark.parametrize("name", [name for name, cls in OPTIMIZERS.items() if takes_steps(cls())])
def test_every_step_optimizer_can_be_tested(name):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = MLPClassifier(hidden_layer_sizes=(6,), optimizer=name, batch_size=30, random_state=0)
    result = lr_find(model, X, y, n_steps=25, random_state=0)
    assert np.all(np.isfinite(result.losses))
    assert result.learning_rates[0] == 1e-7 and result.suggestion > 0


def test_lbfgs_is_refused_before_any_training(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="lr_find needs an optimizer that takes gradient steps; L-BFGS"):
        lr_find(LinearClassifier(optimizer="lbfgs"), X, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"min_lr": 0.0}, "min_lr must be a number > 0"),
        ({"max_lr": -1.0}, "max_lr must be a number > 0"),
        ({"min_lr": 1.0, "max_lr": 0.5}, "max_lr must be above min_lr"),
        ({"n_steps": 3}, "n_steps must be an integer >= 5"),
        ({"n_steps": 10.5}, "n_steps must be an integer >= 5"),
    ],
)
def test_bad_arguments_are_named(cancer, kwargs, message):
    X, y = cancer
    with pytest.raises(ValueError, match=message):
        lr_find(LinearClassifier(), X, y, **kwargs)


def test_an_estimator_without_optimizer_is_refused(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="lr_find tests a skopt_lab estimator.*LogisticRegression"):
        lr_find(LogisticRegression(), X, y)


class CountingScaler(TransformerMixin, BaseEstimator):
    fits = 0

    def fit(self, X, y=None):
        type(self).fits += 1
        self.scaler_ = StandardScaler().fit(X)
        return self

    def transform(self, X):
        return self.scaler_.transform(X)


def test_in_a_pipeline_the_last_step_is_tested_the_others_fitted_once():
    X, y = load_breast_cancer(return_X_y=True)
    CountingScaler.fits = 0
    pipeline = make_pipeline(CountingScaler(), LinearClassifier(optimizer="sgd", batch_size=50))
    result = lr_find(pipeline, X, y, n_steps=40, random_state=0)
    assert CountingScaler.fits == 1
    assert not hasattr(pipeline.steps[0][1], "scaler_")  # the pipeline given is untouched too
    alone = lr_find(LinearClassifier(optimizer="sgd", batch_size=50), StandardScaler().fit_transform(X), y, n_steps=40, random_state=0)
    np.testing.assert_allclose(result.raw_losses, alone.raw_losses)


def test_it_stops_early_when_the_loss_diverges(cancer):
    X, y = cancer
    model = LinearClassifier(optimizer="sgd", batch_size=64, random_state=0)
    wide = lr_find(model, X, y, min_lr=1e-3, max_lr=1e4, n_steps=100, random_state=0)
    assert wide.diverged and len(wide.learning_rates) < 100
    assert wide.losses[-1] > 2 * wide.losses.min()
    narrow = lr_find(model, X, y, min_lr=1e-4, max_lr=1e-2, n_steps=30, random_state=0)
    assert not narrow.diverged and len(narrow.learning_rates) == 30


def test_plot_draws_the_smoothed_loss_and_the_suggestion(cancer):
    pytest.importorskip("matplotlib")
    X, y = cancer
    result = lr_find(LinearClassifier(optimizer="sgd", batch_size=64), X, y, n_steps=30, random_state=0)
    ax = result.plot()
    curve, point = ax.get_lines()[:2]
    np.testing.assert_allclose(curve.get_ydata(), result.losses)
    assert point.get_xdata()[0] == result.suggestion
    assert ax.get_xscale() == "log"


def test_schedule_free_keeps_z_when_the_learning_rate_changes():
    # lr_find changes the rate at every step: z, and the average x, stay put.
    params = [np.array([1.0, -1.0])]
    slow, fast = ScheduleFree(0.1), ScheduleFree(0.4)
    state = slow.init(params, Context(Layout.of_arrays(params)))
    updates = [np.array([1.0, 2.0])]
    slow.update(updates, state, params, [np.empty(2)])
    params[0] += -0.1 * updates[0]
    updates = [np.array([0.5, 0.5])]
    slow.update(updates, state, params, [np.empty(2)])
    params[0] += -0.1 * updates[0]
    before = slow.evaluation_params(state, params)[0]
    resumed = fast.resume(fast.init(params, Context(Layout.of_arrays(params))), state)
    np.testing.assert_allclose(fast.evaluation_params(resumed, params)[0], before)
    assert np.abs(before - params[0]).max() > 1e-3


def test_schedule_free_estimator_under_lr_find(cancer):
    X, y = cancer
    result = lr_find(LinearClassifier(optimizer=ScheduleFreeSGD(), batch_size=64), X, y, n_steps=40, random_state=0)
    assert np.all(np.isfinite(result.losses)) and result.raw_losses.min() < result.raw_losses[0]
