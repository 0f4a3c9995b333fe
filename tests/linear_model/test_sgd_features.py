"""What users of scikit-learn's SGD and MLP estimators bring with them.

Each feature is checked against its scikit-learn reference: SGDClassifier
and SGDRegressor on the same objective from the same starting point (plain
SGD, batch size 1, constant learning rate: the two libraries then take the
same steps), PoissonRegressor for the Poisson loss, and a transcription of
scikit-learn's adaptive learning-rate rule.
"""

import dataclasses
import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import PoissonRegressor, SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import OPTIMIZERS, SGD, Adam, Chain, ReduceOnPlateau, Transform
from skopt_lab.optimizers._combine import find_state

RNG = np.random.default_rng(0)


def _same_steps(**params):
    """Settings under which our linear models and scikit-learn's SGD take
    identical steps."""
    return dict(batch_size=1, shuffle=False, tol=None, **params)


def _assert_same_fit(Ours, Reference, X, y, coef_init, intercept_init, *, eta0, **params):
    """Ours and scikit-learn's SGD estimator, 5 epochs from the same start,
    end at the same weights."""
    # scikit-learn trains coef_init in place: give it a copy
    reference = Reference(learning_rate="constant", eta0=eta0, alpha=1e-3, max_iter=5, shuffle=False, tol=None, **params)
    reference.fit(X, y, coef_init=coef_init.copy(), intercept_init=intercept_init.copy())
    ours = Ours(SGD(learning_rate=eta0), alpha=1e-3, max_iter=5, **_same_steps(**params))
    ours.fit(X, y, coef_init=coef_init, intercept_init=intercept_init)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-12, atol=1e-13)


# ------------------------------------------------------- starting weights
@pytest.mark.parametrize("average", [False, True, 10])
@pytest.mark.parametrize(
    "data, loss",
    # Multiclass margin losses are one-vs-rest: scikit-learn's objective.
    [("binary", "log_loss"), ("binary", "hinge"), ("binary", "modified_huber"), ("multiclass", "hinge")],
)
def test_coef_init_and_averaging_match_sgd_classifier(data, loss, average, request):
    X, y = request.getfixturevalue(data)
    n_outputs = 1 if data == "binary" else 3
    coef_init, intercept_init = RNG.normal(size=(n_outputs, 5)), RNG.normal(size=n_outputs)
    _assert_same_fit(LinearClassifier, SGDClassifier, X, y, coef_init, intercept_init, eta0=0.05, loss=loss, average=average)


@pytest.mark.parametrize("average", [False, True, 25])
@pytest.mark.parametrize("loss", ["squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"])
def test_coef_init_averaging_and_losses_match_sgd_regressor(regression, loss, average):
    X, y = regression
    coef_init, intercept_init = RNG.normal(size=5), RNG.normal(size=1)
    _assert_same_fit(LinearRegressor, SGDRegressor, X, y, coef_init, intercept_init, eta0=0.01, loss=loss, average=average)


def test_coef_init_is_not_modified_and_shapes_are_checked(binary, multiclass):
    X, y = binary
    coef_init = np.ones((1, 5))
    LinearClassifier("sgd", max_iter=2, tol=None).fit(X, y, coef_init=coef_init)
    np.testing.assert_array_equal(coef_init, 1.0)
    LinearClassifier("sgd", max_iter=2, tol=None).fit(X, y, coef_init=np.ones(5))  # a vector for two classes
    with pytest.raises(ValueError, match=r"coef_init has shape \(2, 5\), but this problem needs \(1, 5\)"):
        LinearClassifier().fit(X, y, coef_init=np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"intercept_init has shape \(3,\), but this problem needs \(1,\)"):
        LinearClassifier().fit(X, y, intercept_init=np.ones(3))
    X3, y3 = multiclass
    with pytest.raises(ValueError, match=r"coef_init has shape \(5,\), but this problem needs \(3, 5\): one row per class"):
        LinearClassifier().fit(X3, y3, coef_init=np.ones(5))
    with pytest.raises(ValueError, match=r"one row per output"):
        LinearRegressor().fit(X, y.astype(float), coef_init=np.ones((2, 5)))


def test_coef_init_and_warm_start_interact_as_in_scikit_learn(regression):
    # scikit-learn: starting weights make a fresh fit; warm_start supplies
    # the part that is not given.
    X, y = regression
    params = dict(optimizer=SGD(learning_rate=0.01), max_iter=3, **_same_steps())
    warm = LinearRegressor(warm_start=True, **params).fit(X, y)
    fitted_intercept = warm.intercept_.copy()
    coef_init = RNG.normal(size=5)
    warm.fit(X, y, coef_init=coef_init)
    reference = LinearRegressor(**params).fit(X, y, coef_init=coef_init, intercept_init=fitted_intercept)
    np.testing.assert_array_equal(warm.coef_, reference.coef_)
    assert warm.n_iter_ == 3  # a fresh fit: the epochs restart


# ------------------------------------------------------------- averaging
@dataclasses.dataclass
class _Iterates:
    values: list


class _RecordNextIterate(Transform):
    """Last in a chain: records the parameters the step leads to."""

    def init(self, params, context):
        return _Iterates([])

    def update(self, updates, state, params, scratch):
        state.values.append(params[0] + updates[0])


def _recorded_iterates(Optimizer):
    """An optimizer that records the parameters after each of its steps."""

    class Recording(Optimizer):
        def chain(self):
            return Chain(*super().chain().transforms, _RecordNextIterate())

    return Recording


@pytest.mark.parametrize("Optimizer", [SGD, Adam])
@pytest.mark.parametrize("decay", [None, 0.9])
@pytest.mark.parametrize("start", [True, 7])
def test_averaging_is_the_recursion_over_the_iterates(Optimizer, decay, start, regression):
    X, y = regression
    est = LinearRegressor(
        _recorded_iterates(Optimizer)(learning_rate=0.01), average=start, average_decay=decay, batch_size=4,
        max_iter=3, tol=None, normalize_y=False, random_state=0,  # iterates and coef_ in the same units
    ).fit(X, y)
    iterates = find_state(est._train_state.optimizer_state, _Iterates).values
    # transcription: step k (1-based) has seen 4k samples
    average, k = None, 0
    for step, theta in enumerate(iterates, start=1):
        if 4 * step < int(start):
            continue
        k += 1
        rate = 1 / k if decay is None else max(1 - decay, 1 / k)
        average = theta.copy() if average is None else average + rate * (theta - average)
    assert est.n_averaged_ == k == len(iterates) - (int(start) - 1) // 4
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], average, rtol=1e-12)
    # the model predicts with the average, not with the last iterate
    assert not np.allclose(iterates[-1], average)


@pytest.mark.parametrize("Estimator", [LinearClassifier, MLPClassifier])
def test_partial_fit_and_pickling_continue_the_average(Estimator, multiclass):
    X, y = multiclass
    params = dict(optimizer=Adam(learning_rate=0.01), average=10, average_decay=0.95, batch_size=16, random_state=0)
    fitted = Estimator(max_iter=6, tol=None, **params).fit(X, y)
    incremental = Estimator(**params)
    for _ in range(3):
        incremental.partial_fit(X, y, classes=[0, 1, 2])
    incremental = pickle.loads(pickle.dumps(incremental))
    for _ in range(3):
        incremental.partial_fit(X, y)
    np.testing.assert_array_equal(incremental.predict_proba(X), fitted.predict_proba(X))
    assert incremental.n_averaged_ == fitted.n_averaged_ > 0


def test_averaging_needs_step_optimizers_and_decay_needs_average(binary):
    X, y = binary
    with pytest.raises(ValueError, match="average=True needs an optimizer that trains by steps"):
        LinearClassifier("lbfgs", average=True).fit(X, y)
    with pytest.raises(ValueError, match="average_decay=0.9 .* average=False averages nothing"):
        LinearClassifier(average_decay=0.9).fit(X, y)


# -------------------------------------------------- exact zeros with l1
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_truncation_matches_sgd_classifier(penalty):
    X, y = make_classification(n_samples=200, n_features=20, n_informative=3, n_redundant=0, shuffle=False, random_state=0)
    start = dict(coef_init=np.zeros((1, 20)), intercept_init=np.zeros(1))
    reference = SGDClassifier(
        loss="log_loss", penalty=penalty, learning_rate="constant", eta0=0.02, alpha=0.01, max_iter=10, shuffle=False,
        tol=None,
    ).fit(X, y, **{k: v.copy() for k, v in start.items()})
    ours = LinearClassifier(SGD(learning_rate=0.02), penalty=penalty, alpha=0.01, max_iter=10, **_same_steps())
    ours.fit(X, y, **start)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-13)
    np.testing.assert_array_equal(ours.coef_ == 0, reference.coef_ == 0)
    assert (reference.coef_ == 0).sum() >= 3


# Not L-BFGS, Lion nor the schedule-free ones, which refuse the l1 penalty
# (below), nor Muon, which refuses linear models.
@pytest.mark.parametrize(
    "optimizer", [name for name in OPTIMIZERS if name not in ("lbfgs", "lion", "schedulefree_adamw", "schedulefree_sgd", "muon")]
)
def test_every_step_optimizer_zeroes_what_scikit_learn_zeroes(optimizer):
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=4, n_redundant=0, class_sep=1.5, shuffle=False, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    reference = SGDClassifier(penalty="l1", alpha=0.02, max_iter=1000, tol=1e-6, random_state=0).fit(X, y)
    ours = LinearClassifier(optimizer, penalty="l1", alpha=0.02, batch_size=32, max_iter=200, tol=None, random_state=0)
    ours.fit(X, y)
    zeroed = reference.coef_[0] == 0
    assert zeroed.sum() >= 10  # the noise features
    assert (ours.coef_[0][zeroed] == 0).mean() >= 0.8
    assert (ours.coef_[0][:4] != 0).sum() >= 3  # informative features survive


@pytest.mark.parametrize(
    "optimizer, why",
    [("schedulefree_adamw", "evaluated at an average"), ("schedulefree_sgd", "evaluated at an average"), ("lion", "steps are signs")],
)
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_optimizers_the_l1_penalty_does_not_suit_refuse_it_before_training(optimizer, why, penalty):
    # Schedule-free: the model is the average x of the iterates, the proximal steps' zeros are made at y.
    # Lion: no per-weight step size to scale the proximal step by.
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    model = LinearClassifier(optimizer, penalty=penalty, max_iter=3)
    with pytest.raises(ValueError, match=f"supports only penalty='l2' or None: .*{why}"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_sparsify_and_densify():
    X, y = make_classification(n_samples=200, n_features=20, n_informative=3, n_redundant=0, random_state=0)
    clf = LinearClassifier(SGD(0.02), penalty="l1", alpha=0.01, batch_size=1, max_iter=10, tol=None, random_state=0).fit(X, y)
    dense = clf.coef_.copy()
    predictions, proba = clf.predict(X), clf.predict_proba(X)
    assert (dense == 0).any()
    assert sparse.issparse(clf.sparsify().coef_) and clf.coef_.nnz == (dense != 0).sum()
    np.testing.assert_array_equal(clf.predict(X), predictions)
    np.testing.assert_allclose(clf.predict_proba(X), proba)
    np.testing.assert_array_equal(clf.densify().coef_, dense)
    clf.sparsify().partial_fit(X, y)  # training goes on from the same weights
    assert not sparse.issparse(clf.coef_)
    with pytest.raises(Exception, match="must be fitted before sparsifying"):
        LinearClassifier().sparsify()


# ------------------------------------------------------ adaptive schedule
def _scikit_learn_adaptive_rates(losses, learning_rate, tol, n_iter_no_change):
    """scikit-learn's SGD estimators' rule (``_sgd_fast``: ``learning_rate=
    "adaptive"`` divides the rate by 5 once ``n_iter_no_change`` epochs have
    not improved, and stops at 1e-6) replayed on a loss curve: the rate of
    each epoch, and whether training stopped after the last."""
    best, count, rates = np.inf, 0, []
    for loss in losses:
        rates.append(learning_rate)
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count >= n_iter_no_change:
            if learning_rate <= 1e-6:
                return rates, True
            learning_rate /= 5
            count = 0
    return rates, False


def test_reduce_on_plateau_with_min_learning_rate_is_scikit_learns_adaptive_rule(regression):
    X, y = regression
    adaptive = SGD(learning_rate=0.05, schedule=ReduceOnPlateau(factor=0.2, patience=np.inf, min_learning_rate=1e-6))
    est = LinearRegressor(adaptive, tol=1e-3, n_iter_no_change=2, max_iter=500, random_state=0).fit(X, y)
    rates, stopped = _scikit_learn_adaptive_rates(est.loss_curve_, 0.05, tol=1e-3, n_iter_no_change=2)
    assert stopped and est.n_iter_ < 500
    np.testing.assert_allclose(est.learning_rates_, rates, rtol=1e-12)
    assert len(set(rates)) >= 3  # the rate was cut several times before stopping


def test_without_min_learning_rate_a_plateau_stops_training(regression):
    X, y = regression
    opt = SGD(learning_rate=0.05, schedule=ReduceOnPlateau(factor=0.2, patience=np.inf))
    est = LinearRegressor(opt, tol=1e-3, n_iter_no_change=2, max_iter=500, random_state=0).fit(X, y)
    assert len(set(est.learning_rates_)) == 1


@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor])
def test_n_iter_no_change_inf_never_stops_on_a_plateau(Estimator, binary):
    X, y = binary
    est = Estimator(tol=1e9, n_iter_no_change=np.inf, max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(30\)"):
        est.fit(X, y)
    assert est.n_iter_ == 30


# --------------------------------------------------------- Poisson loss
@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    return X, rng.poisson(np.exp(X @ [0.3, -0.2, 0.1, 0.0] + 0.5))


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_poisson_linear_regressor_is_poisson_regressor(counts, alpha):
    X, y = counts
    reference = PoissonRegressor(alpha=alpha, tol=1e-12, max_iter=1000).fit(X, y)
    ours = LinearRegressor(loss="poisson", optimizer="lbfgs", alpha=alpha, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-4)
    assert (ours.predict(X) > 0).all()


def test_poisson_with_a_step_optimizer_and_an_mlp(counts):
    X, y = counts
    reference = PoissonRegressor(alpha=0.0).fit(X, y)
    adam = LinearRegressor(Adam(0.03), loss="poisson", alpha=0.0, batch_size=len(y), max_iter=500, tol=None, random_state=0)
    np.testing.assert_allclose(adam.fit(X, y).predict(X), reference.predict(X), rtol=1e-3)
    # averaged mini-batch SGD gets close too
    averaged = LinearRegressor(SGD(0.05), loss="poisson", alpha=0.0, batch_size=32, average=True, max_iter=300, tol=None, random_state=0)
    np.testing.assert_allclose(averaged.fit(X, y).predict(X), reference.predict(X), rtol=0.01)
    # scikit-learn's test_mlp_vs_poisson_glm_equivalent: one identity hidden unit
    mlp = MLPRegressor((1,), activation="identity", loss="poisson", alpha=0.0, optimizer="lbfgs", random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    np.testing.assert_allclose(mlp.predict(X), reference.predict(X), rtol=1e-3)


@pytest.mark.parametrize("Estimator", [LinearRegressor, MLPRegressor])
def test_poisson_refuses_negative_or_all_zero_targets(Estimator, counts):
    X, y = counts
    with pytest.raises(ValueError, match=r"loss='poisson' needs non-negative targets.*down to -1"):
        Estimator(loss="poisson").fit(X, np.where(np.arange(len(y)) == 3, -1, y))
    with pytest.raises(ValueError, match=r"every value of y is 0"):
        Estimator(loss="poisson").fit(X, np.zeros(len(y)))


# ------------------------------------------------- probability estimates
@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_missing_predict_proba_names_the_losses_that_have_it(loss, binary):
    X, y = binary
    clf = LinearClassifier(loss=loss, max_iter=2, tol=None).fit(X, y)
    assert not hasattr(clf, "predict_proba") and not hasattr(clf, "predict_log_proba")
    with pytest.raises(AttributeError, match="has no attribute 'predict_proba'") as info:
        clf.predict_proba(X)
    # scikit-learn's available_if chains the reason as the cause.
    assert isinstance(info.value.__cause__, AttributeError)
    assert f"not available for loss='{loss}': only 'log_loss' and 'modified_huber'" in str(info.value.__cause__)


@pytest.mark.parametrize("Estimator", [LinearClassifier, LinearRegressor])
def test_partial_fit_refuses_early_stopping(Estimator, binary):
    X, y = binary
    kwargs = {"classes": [0, 1]} if Estimator is LinearClassifier else {}
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        Estimator(early_stopping=True).partial_fit(X, y, **kwargs)
