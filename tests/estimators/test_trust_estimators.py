"""Trust, second round (issue 24): what a user of scikit-learn's estimators
types must work, and a silent wrong result is an error or a right result.

Each test is named after the point it checks.
"""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_classification
from sklearn.linear_model import SGDClassifier, SGDRegressor

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import GD, LBFGS, SGD


def _state(estimator):
    return {k: v for k, v in vars(estimator).items()}


# ------------------------------------------------ non-finite starting values
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("part", ["coef_init", "intercept_init"])
def test_non_finite_starting_values_are_refused_naming_the_argument(part, bad, binary):
    X, y = binary
    start = {"coef_init": np.zeros((1, 5)), "intercept_init": np.zeros(1)}
    start[part][0] = bad
    clf = LinearClassifier(max_iter=2, tol=None)
    with pytest.raises(ValueError, match=rf"{part} has NaN or infinite values"):
        clf.fit(X, y, **{part: start[part]})
    assert not hasattr(clf, "coef_")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_non_finite_or_negative_class_weight_is_refused_naming_it(bad, binary):
    X, y = binary
    with pytest.raises(ValueError, match=r"class_weight must give each class a finite, non-negative weight.*\[1\]"):
        LinearClassifier(class_weight={0: 1.0, 1: bad}).fit(X, y)


# ------------------------------------------------ huge uniform sample weights
@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_uniformly_huge_sample_weights_train_the_unit_weight_model(Estimator, optimizer, binary):
    X, y = binary
    params = dict(optimizer=optimizer, max_iter=5, tol=None, random_state=0)
    if Estimator in (MLPClassifier, MLPRegressor):
        params["hidden_layer_sizes"] = (4,)
    unit = Estimator(**params).fit(X, y, sample_weight=np.ones(len(y)))
    huge = Estimator(**params).fit(X, y, sample_weight=np.full(len(y), 1e308))
    np.testing.assert_array_equal(huge._train_state.theta, unit._train_state.theta)
    assert np.isfinite(huge.predict(X).astype(float)).all()


def test_class_weight_times_huge_sample_weights_is_normalised_not_overflowed(binary):
    X, y = binary
    params = dict(optimizer="adam", max_iter=3, tol=None, random_state=0, class_weight={0: 1.0, 1: 10.0})
    unit = LinearClassifier(**params).fit(X, y)
    huge = LinearClassifier(**params).fit(X, y, sample_weight=np.full(len(y), 1e308))
    np.testing.assert_allclose(huge.coef_, unit.coef_, rtol=1e-12)


# ------------------------------------------------------------- partial_fit
def test_partial_fit_with_class_weight_accepts_a_chunk_without_some_classes(binary):
    X, y = binary
    ours = LinearClassifier(class_weight={1: 3.0}, random_state=0)
    ours.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])  # class 1 absent from this chunk
    ours.partial_fit(X, y)
    SGDClassifier(class_weight={1: 3.0}).partial_fit(X[y == 0], y[y == 0], classes=[0, 1])  # as scikit-learn
    # the dict's weights are applied where the class appears
    weighted = LinearClassifier(class_weight={1: 3.0}, max_iter=1, tol=None, shuffle=False, random_state=0).fit(X, y)
    explicit = LinearClassifier(max_iter=1, tol=None, shuffle=False, random_state=0).fit(
        X, y, sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    np.testing.assert_allclose(weighted.coef_, explicit.coef_, rtol=1e-12)


def test_partial_fit_classes_must_include_every_label_and_says_so(binary):
    X, y = binary
    clf = LinearClassifier()
    with pytest.raises(ValueError, match=r"classes=\[0\] must include every label of y, which also has \[1\]"):
        clf.partial_fit(X, y, classes=[0])
    assert not hasattr(clf, "classes_")
    with pytest.raises(ValueError, match=r"classes=\[0\] lists one class"):
        clf.partial_fit(X[y == 0], y[y == 0], classes=[0])


# ------------------------------------------------ what scikit-learn's SGD users type
@pytest.mark.parametrize("penalty", ["l2", "l1", None])
def test_l1_ratio_none_is_accepted_with_a_penalty_other_than_elasticnet(penalty, binary):
    X, y = binary
    LinearClassifier(penalty=penalty, l1_ratio=None, max_iter=2, tol=None).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be set when penalty is 'elasticnet'"):
        LinearClassifier(penalty="elasticnet", l1_ratio=None).fit(X, y)


@pytest.mark.parametrize("n_iter_no_change", [1, 3, 5])
def test_n_iter_no_change_stops_when_scikit_learns_sgd_stops(n_iter_no_change, regression):
    # The same steps (plain SGD, batch 1, unshuffled), so the same losses;
    # both stop after n_iter_no_change epochs without improvement.
    X, y = regression
    common = dict(alpha=0.0, tol=0.05, n_iter_no_change=n_iter_no_change, max_iter=200)
    # (scikit-learn trains coef_init in place: each gets its own)
    reference = SGDRegressor(learning_rate="constant", eta0=0.05, shuffle=False, **common)
    reference.fit(X, y, coef_init=np.zeros(5), intercept_init=np.zeros(1))
    ours = LinearRegressor(SGD(learning_rate=0.05), batch_size=1, shuffle=False, normalize_y=False, **common)
    ours.fit(X, y, coef_init=np.zeros(5), intercept_init=np.zeros(1))
    assert ours.n_iter_ == reference.n_iter_ < 200
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-10)


def test_n_iter_no_change_counts_as_scikit_learn_in_each_family(binary):
    # A tol no epoch can meet: the first epoch improves on an infinite best
    # loss, then scikit-learn's SGD estimators stop once n_iter_no_change
    # epochs have not improved, its MLP once more than n_iter_no_change.
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    X, y = binary
    never = dict(tol=1e9, n_iter_no_change=3, max_iter=50)
    assert LinearClassifier(random_state=0, **never).fit(X, y).n_iter_ == SGDClassifier(**never).fit(X, y).n_iter_ == 4
    assert MLPClassifier((4,), random_state=0, **never).fit(X, y).n_iter_ == 5
    assert SklearnMLP((4,), random_state=0, **never).fit(X, y).n_iter_ == 5


@pytest.mark.parametrize("loss", ["perceptron", "squared_error"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_and_squared_error_classifier_losses_match_sgd_classifier(loss, n_classes):
    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, n_classes=n_classes, random_state=0)
    n_outputs = 1 if n_classes == 2 else n_classes
    coef_init = np.random.default_rng(0).normal(size=(n_outputs, 5))
    intercept_init = np.zeros(n_outputs)
    reference = SGDClassifier(
        loss=loss, learning_rate="constant", eta0=0.01, alpha=1e-3, max_iter=5, shuffle=False, tol=None
    ).fit(X, y, coef_init=coef_init.copy(), intercept_init=intercept_init.copy())
    ours = LinearClassifier(
        SGD(learning_rate=0.01), loss=loss, alpha=1e-3, max_iter=5, batch_size=1, shuffle=False, tol=None
    ).fit(X, y, coef_init=coef_init, intercept_init=intercept_init)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-12, atol=1e-13)
    assert not hasattr(ours, "predict_proba")


def test_intercept_init_none_starts_at_the_best_constant_and_says_so(regression):
    X, y = regression
    assert "None starts each at the best constant" in LinearRegressor.fit.__doc__
    start = LinearRegressor(SGD(learning_rate=1e-12), max_iter=1, tol=None, normalize_y=False).fit(X, y + 7)
    np.testing.assert_allclose(start.intercept_, [np.mean(y + 7)], rtol=1e-9)
    np.testing.assert_allclose(start.coef_, 0.0, atol=1e-9)


# ------------------------------------------------------ normalize_y
def test_normalize_y_keeps_the_optimum_of_squared_error_and_l2(regression):
    X, y = regression
    y = 300 * y + 1000
    exact = dict(optimizer=LBFGS(gtol=1e-12, ftol=0), alpha=0.1, max_iter=1000)
    raw = LinearRegressor(normalize_y=False, **exact).fit(X, y)
    standardised = LinearRegressor(**exact).fit(X, y)
    np.testing.assert_allclose(standardised.coef_, raw.coef_, rtol=1e-7)
    np.testing.assert_allclose(standardised.intercept_, raw.intercept_, rtol=1e-7)
    np.testing.assert_allclose(standardised.predict(X), raw.predict(X), rtol=1e-7)


@pytest.mark.parametrize("loss", ["huber", "squared_epsilon_insensitive"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_normalize_y_rescales_epsilon_and_l1_so_the_optimum_stays(loss, penalty, regression):
    X, y = regression
    y = 50 * y - 20
    params = dict(optimizer=GD(learning_rate=0.3), loss=loss, epsilon=5.0, penalty=penalty, alpha=0.05, max_iter=400, tol=None)
    raw = LinearRegressor(normalize_y=False, **params).fit(X, y)
    standardised = LinearRegressor(**params).fit(X, y)
    assert standardised._target_encoder.scale[0] == 64  # the power of two nearest the std, 50
    np.testing.assert_allclose(standardised.coef_, raw.coef_, rtol=1e-9)
    np.testing.assert_allclose(standardised.intercept_, raw.intercept_, rtol=1e-9)


def test_normalize_y_is_kept_by_warm_start_and_partial_fit(regression):
    X, y = regression
    first = LinearRegressor(random_state=0).partial_fit(X[:20], 10 * y[:20])
    encoder = first._target_encoder
    first.partial_fit(X, 10 * y)
    assert first._target_encoder is encoder
    assert np.isfinite(first.predict(X)).all()


def test_large_targets_train_at_the_defaults(regression):
    X, y = load_diabetes(return_X_y=True)
    assert LinearRegressor(random_state=0).fit(X, y).score(X, y) > 0.45
    assert LinearRegressor(random_state=0).fit(X, y * 1e6).score(X, y * 1e6) > 0.45
