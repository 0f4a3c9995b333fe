"""What a fit publishes, what it does to the data of a full-batch objective,
and which family checks what."""

import pickle
from unittest import mock

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_iris, make_regression

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab._engine import trainer
from skopt_lab._engine.targets import DenseTargets, EncodedTargets
from skopt_lab.optimizers import SGD, AdaGrad


# ------------------------------------------------------ published records
@pytest.mark.parametrize("name", ["loss_curve_", "learning_rates_", "validation_scores_"])
def test_published_records_are_copies(name):
    X, y = load_iris(return_X_y=True)
    est = MLPClassifier((5,), early_stopping=True, warm_start=True, max_iter=3, tol=None, random_state=0).fit(X, y)
    published = getattr(est, name)
    record = list(published)
    published.append(123.0)
    published[0] = -1.0
    assert getattr(est._train_state, name[:-1]) == record  # the training state's own record
    est.fit(X, y)  # warm start: continues the records
    assert getattr(est, name)[:3] == record and len(getattr(est, name)) == 6


def test_partial_fit_continues_the_true_loss_curve():
    X, y = load_iris(return_X_y=True)
    est = LinearClassifier(SGD(), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    est.loss_curve_.clear()
    est.partial_fit(X, y)
    assert len(est.loss_curve_) == 2 and est.best_loss_ == min(est.loss_curve_)


# ------------------------------------------- full-batch data, merged rows
def _classification(n=15, seed=42):
    rng = np.random.RandomState(seed)
    return rng.rand(n, 2 * n), rng.randint(0, 3, size=n), rng.randint(0, 5, size=n)


def test_data_without_repeats_or_weights_is_used_as_it_is():
    X, y, _ = _classification()
    Y = EncodedTargets(y.astype(np.uint8), np.eye(3))
    assert trainer.merge_repeated_rows(X, Y, None) is None
    assert trainer.merge_repeated_rows(sparse.csr_matrix(X), Y, None) is None
    # the same X rows with other targets are other rows
    assert trainer.merge_repeated_rows(np.vstack([X, X]), DenseTargets(np.r_[y, y + 1.0][:, None]), None) is None


@pytest.mark.parametrize("container", [np.asarray, sparse.csr_matrix, sparse.csr_array])
def test_repeated_rows_and_integer_weights_merge_into_the_same_rows(container):
    X, y, weights = _classification()
    order = np.random.default_rng(0).permutation(len(y))
    repeated = trainer.merge_repeated_rows(
        container(X.repeat(weights, axis=0)), EncodedTargets(y.repeat(weights).astype(np.uint8), np.eye(3)), None
    )
    weighted = trainer.merge_repeated_rows(
        container(X[order]), EncodedTargets(y[order].astype(np.uint8), np.eye(3)), weights[order].astype(float)
    )
    for a, b in zip(repeated, weighted):
        a, b = (a.toarray(), b.toarray()) if sparse.issparse(a) else (a, b)
        a, b = (a.dense(), b.dense()) if hasattr(a, "dense") else (a, b)
        np.testing.assert_array_equal(a, b)
    assert repeated[0].shape[0] == np.count_nonzero(weights)  # weight 0: dropped
    np.testing.assert_array_equal(np.sort(repeated[2]), np.sort(weights[weights > 0]))


def test_rows_of_equal_hash_are_compared_exactly():
    X, y, weights = _classification()
    Y = DenseTargets(y[:, None].astype(float))
    expected = trainer.merge_repeated_rows(X.repeat(weights, axis=0), Y[np.repeat(np.arange(len(y)), weights)], None)
    with mock.patch.object(trainer, "_row_hashes", lambda X, Y: np.zeros(X.shape[0], dtype=np.uint64)):
        collided = trainer.merge_repeated_rows(X.repeat(weights, axis=0), Y[np.repeat(np.arange(len(y)), weights)], None)
    by_row = {row.tobytes(): total for row, total in zip(expected[0], expected[2])}
    assert {row.tobytes(): total for row, total in zip(collided[0], collided[2])} == by_row


@pytest.mark.parametrize(
    "estimator",
    # the two fits whose rounding runs away without the merge
    [
        MLPRegressor(optimizer="lbfgs", max_iter=200, tol=None, random_state=0),
        LinearClassifier(AdaGrad(), max_iter=1000, tol=None, random_state=0),
    ],
    ids=["MLPRegressor-lbfgs", "LinearClassifier-adagrad"],
)
def test_repeated_rows_fit_as_integer_weights(estimator):
    X, y, weights = _classification()
    order = np.random.default_rng(1).permutation(len(y))
    repeated = pickle.loads(pickle.dumps(estimator)).fit(X.repeat(weights, axis=0), y.repeat(weights))
    weighted = pickle.loads(pickle.dumps(estimator)).fit(X[order], y[order], sample_weight=weights[order])
    np.testing.assert_array_equal(repeated._train_state.theta, weighted._train_state.theta)


def test_equal_weights_are_no_weights():
    X, y = make_regression(n_samples=60, n_features=4, random_state=0)
    for batch_size in (16, "auto"):
        params = dict(batch_size=batch_size, max_iter=5, tol=None, random_state=0)
        none = LinearRegressor(**params).fit(X, y)
        twos = LinearRegressor(**params).fit(X, y, sample_weight=np.full(60, 2.0))
        np.testing.assert_array_equal(none.coef_, twos.coef_)


# --------------------------------------------- each family checks its own
def test_poisson_targets_are_checked_by_the_loss():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    for Estimator in (LinearRegressor, MLPRegressor):
        with pytest.raises(ValueError, match="loss='poisson' needs non-negative targets"):
            Estimator(loss="poisson").fit(X, y)
        with pytest.raises(ValueError, match="loss='poisson' needs non-negative targets"):
            Estimator(loss="poisson").partial_fit(X, y)
        Estimator(loss="squared_error", max_iter=2, tol=None).fit(X, y)  # any sign for the others


def test_the_pretrained_network_is_resolved_once_per_fit():
    from sklearn.frozen import FrozenEstimator

    X, y = load_iris(return_X_y=True)
    source = MLPClassifier((6,), max_iter=5, tol=None, random_state=0).fit(X, y)
    tuned = MLPClassifier(pretrained=FrozenEstimator(source), freeze_layers=1, max_iter=2, tol=None, random_state=0)
    with mock.patch.object(MLPClassifier, "_pretrained_source", autospec=True, side_effect=MLPClassifier._pretrained_source) as resolve:
        tuned.fit(X, y)
    assert resolve.call_count == 1
    with pytest.raises(ValueError, match="freeze_layers=2 is larger than the number of hidden layers \\(1\\)"):
        tuned.set_params(freeze_layers=2).fit(X, y)


def test_a_fit_forgets_sparsify():
    X, y = load_iris(return_X_y=True)
    est = LinearClassifier(penalty="l1", max_iter=5, tol=None, random_state=0).fit(X, y).sparsify()
    assert sparse.issparse(est.coef_)
    assert not sparse.issparse(est.fit(X, y).coef_)
