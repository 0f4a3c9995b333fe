"""The private engine: gradients by finite differences, and the trainer."""

import numpy as np
import pytest
from scipy import sparse

from skopt_lab._engine import losses
from skopt_lab._engine.network import ACTIVATIONS, Network

LOSSES = {
    "squared_error": (losses.SquaredError(), "regression"),
    "huber": (losses.Huber(epsilon=0.5), "regression"),
    "epsilon_insensitive": (losses.EpsilonInsensitive(epsilon=0.1), "regression"),
    "binary_log_loss": (losses.BinaryLogLoss(), "indicator"),
    "multinomial_log_loss": (losses.MultinomialLogLoss(), "one_hot"),
    "hinge": (losses.Hinge(), "indicator"),
    "squared_hinge": (losses.SquaredHinge(), "indicator"),
    "modified_huber": (losses.ModifiedHuber(), "indicator"),
}


def _targets(kind, rng, n, k):
    if kind == "regression":
        return rng.normal(size=(n, k)) * 2
    if kind == "indicator":
        return (rng.random((n, k)) > 0.5).astype(float)
    return np.eye(k)[rng.integers(0, k, size=n)]


def _finite_difference(f, theta, eps=1e-6):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("l2, weighted", [(0.0, False), (0.3, True)])
def test_gradient_matches_finite_differences(loss_name, activation, l2, weighted):
    rng = np.random.default_rng(0)
    loss, kind = LOSSES[loss_name]
    n, sizes = 7, [4, 5, 3, 3]
    network = Network(sizes, activation, loss, l2=l2)
    theta = network.init_params(rng, np.float64) + 0.1 * rng.normal(size=network.n_params)
    X = rng.normal(size=(n, sizes[0]))
    Y = _targets(kind, rng, n, sizes[-1])
    weights = rng.random(n) / n if weighted else 1.0 / n
    grad = np.empty(network.n_params)
    network.value_and_gradient(theta, X, Y, weights, grad)

    def objective(t):
        return network.value_and_gradient(t, X, Y, weights, np.empty(network.n_params))

    # Kinks of relu, hinge and the like are measure-zero: random points avoid them.
    np.testing.assert_allclose(grad, _finite_difference(objective, theta), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n_frozen", [1, 2])
def test_frozen_layers_have_no_gradient_and_match_the_full_one(n_frozen):
    rng = np.random.default_rng(1)
    sizes = [4, 6, 5, 2]
    full = Network(sizes, "tanh", losses.MultinomialLogLoss(), l2=0.1)
    frozen = Network(sizes, "tanh", losses.MultinomialLogLoss(), l2=0.1, n_frozen=n_frozen)
    theta = full.init_params(rng, np.float64)
    X, Y = rng.normal(size=(9, 4)), np.eye(2)[rng.integers(0, 2, size=9)]
    grad_full, grad_frozen = np.empty(full.n_params), np.empty(full.n_params - frozen.trainable_offset)
    value_full = full.value_and_gradient(theta, X, Y, 1 / 9, grad_full)
    frozen.value_and_gradient(theta, X, Y, 1 / 9, grad_frozen)
    np.testing.assert_allclose(grad_frozen, grad_full[frozen.trainable_offset :], rtol=1e-12)
    assert value_full > 0


def test_sparse_input_gives_the_same_gradient():
    rng = np.random.default_rng(2)
    network = Network([6, 4, 3], "relu", losses.MultinomialLogLoss(), l2=0.01)
    theta = network.init_params(rng, np.float64)
    X = np.where(rng.random((8, 6)) > 0.6, rng.normal(size=(8, 6)), 0)
    Y = np.eye(3)[rng.integers(0, 3, size=8)]
    dense, sparse_grad = np.empty(network.n_params), np.empty(network.n_params)
    value = network.value_and_gradient(theta, X, Y, 1 / 8, dense)
    assert value == pytest.approx(network.value_and_gradient(theta, sparse.csr_matrix(X), Y, 1 / 8, sparse_grad))
    np.testing.assert_allclose(sparse_grad, dense, rtol=1e-12, atol=1e-15)


def test_float32_network_computes_in_float32():
    rng = np.random.default_rng(3)
    network = Network([5, 8, 2], "gelu", losses.BinaryLogLoss())
    theta = network.init_params(rng, np.float32)
    X = rng.normal(size=(4, 5)).astype(np.float32)
    Y = np.ones((4, 2), dtype=np.float32)
    grad = np.empty(network.n_params, dtype=np.float32)
    network.value_and_gradient(theta, X, Y, np.float32(0.25), grad)
    assert theta.dtype == grad.dtype == network.forward(theta, X).dtype == np.float32


@pytest.mark.parametrize("loss", [losses.MultinomialLogLoss(), losses.BinaryLogLoss()], ids=type)
def test_log_losses_are_stable_for_huge_logits(loss):
    raw = np.array([[1e4, -1e4], [-1e4, 1e4], [0.0, 3e4]])
    Y = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    grad = np.empty_like(raw)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact enough
        value = loss.value_and_gradient(raw, Y, 1.0, grad)
        proba = loss.link(raw)
        log_proba = loss.log_link(raw)
    assert np.isfinite(value) and np.isfinite(grad).all() and np.isfinite(log_proba).all()
    # softmax: only row 2 is wrong, by 2e4; per output: two wrong logits of 1e4, and log 2 at 0
    expected = 2e4 if isinstance(loss, losses.MultinomialLogLoss) else 2e4 + np.log(2)
    assert value == pytest.approx(expected, rel=1e-12)
    assert ((proba >= 0) & (proba <= 1)).all()
