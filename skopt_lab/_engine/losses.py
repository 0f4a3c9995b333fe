"""Losses: value and gradient with respect to the network's raw outputs.

Every loss works on a raw output matrix ``raw`` of shape (n, k) and a float
target matrix ``Y`` of the same shape (one-hot or 0/1 indicators for
classifiers). ``value_and_gradient(raw, Y, weights, grad)`` returns
``Σᵢ wᵢ lᵢ`` and writes ``wᵢ ∂lᵢ/∂rawᵢ`` into ``grad``, where ``weights`` is
a per-sample array or a scalar (the trainer passes normalised sample weights
divided by the batch size, so the value is a weighted mean). Everything is
computed in the dtype of ``raw`` and written in place: no loss allocates an
array as large as the batch more than once.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, xlogy

from .._validation import check_counts


def _weighted_rows(values, weights):
    """Σᵢ wᵢ values[i] for a vector of per-sample values."""
    if np.ndim(weights) == 0:
        return float(weights) * float(values.sum())
    return float(np.dot(weights, values))


def _scale_rows(grad, weights):
    grad *= weights if np.ndim(weights) == 0 else weights[:, None]


def log_sigmoid_complement(raw):
    """log(1 + exp(raw)), computed without overflow for any raw."""
    return np.logaddexp(0, raw)


class Loss:
    """Base class: a loss on raw outputs and the inverse link for predictions."""

    #: whether the targets are continuous (regression) or indicators
    is_regression = False
    #: whether targets between the 0/1 indicators (Mixup's) are meaningful
    takes_soft_targets = True

    def value_and_gradient(self, raw, Y, weights, grad):
        raise NotImplementedError

    def link(self, raw):
        """Map raw outputs to predictions (identity unless overridden)."""
        return raw

    def log_link(self, raw):
        """log of :meth:`link` (log-probabilities for probabilistic losses)."""
        with np.errstate(divide="ignore"):
            return np.log(self.link(raw))

    def check_targets(self, y):
        """Refuse targets the loss is not defined on (any by default), with a
        message that names the problem, before training."""

    def initial_intercept(self, Y, weights):
        """Starting output bias: the weighted target mean for regression, zero
        otherwise (log-losses start at the class prior instead). ``Y`` is a
        DenseTargets or EncodedTargets."""
        if not self.is_regression:
            return np.zeros(Y.shape[1], dtype=Y.dtype)
        return Y.column_means(weights).astype(Y.dtype)


# Priors are clipped so that a class missing from the first data seen (a
# partial_fit chunk) does not start with a bias the optimizer takes
# thousands of steps to undo.
_PRIOR_CLIP = 1e-3


def _class_prior(Y, weights):
    return np.clip(Y.column_means(weights), _PRIOR_CLIP, 1 - _PRIOR_CLIP)


class SquaredError(Loss):
    """l = ½ Σₖ (rawₖ − yₖ)²."""

    is_regression = True

    def value_and_gradient(self, raw, Y, weights, grad):
        np.subtract(raw, Y, out=grad)
        value = 0.5 * _weighted_rows(np.einsum("ij,ij->i", grad, grad), weights)
        _scale_rows(grad, weights)
        return value


class Huber(Loss):
    """l = Σₖ ½ rₖ² if |rₖ| ≤ ε else ε (|rₖ| − ε/2), with r = raw − y."""

    is_regression = True

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def value_and_gradient(self, raw, Y, weights, grad):
        eps = self.epsilon
        np.subtract(raw, Y, out=grad)
        abs_r = np.abs(grad)
        per_element = np.where(abs_r <= eps, 0.5 * grad * grad, eps * (abs_r - 0.5 * eps))
        value = _weighted_rows(per_element.sum(axis=1), weights)
        np.clip(grad, -eps, eps, out=grad)
        _scale_rows(grad, weights)
        return value


class EpsilonInsensitive(Loss):
    """l = Σₖ max(0, |rawₖ − yₖ| − ε) (the support vector regression loss)."""

    is_regression = True

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def value_and_gradient(self, raw, Y, weights, grad):
        np.subtract(raw, Y, out=grad)
        excess = np.abs(grad) - self.epsilon
        value = _weighted_rows(np.maximum(excess, 0).sum(axis=1), weights)
        np.sign(grad, out=grad)
        grad[excess <= 0] = 0
        _scale_rows(grad, weights)
        return value


class SquaredEpsilonInsensitive(Loss):
    """l = Σₖ max(0, |rawₖ − yₖ| − ε)² (scikit-learn's SGDRegressor loss)."""

    is_regression = True

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def value_and_gradient(self, raw, Y, weights, grad):
        np.subtract(raw, Y, out=grad)
        excess = np.maximum(np.abs(grad) - self.epsilon, 0)
        value = _weighted_rows(np.einsum("ij,ij->i", excess, excess), weights)
        np.sign(grad, out=grad)
        grad *= 2 * excess
        _scale_rows(grad, weights)
        return value


class HalfPoisson(Loss):
    """Half the Poisson deviance with a log link, μ = exp(raw):

    l = Σₖ yₖ log(yₖ / μₖ) − yₖ + μₖ, gradient μ − y.

    The objective of scikit-learn's ``PoissonRegressor`` (mean half
    deviance); targets must be non-negative.
    """

    is_regression = True

    def value_and_gradient(self, raw, Y, weights, grad):
        np.exp(raw, out=grad)
        per_element = grad - Y * raw + xlogy(Y, Y) - Y
        value = _weighted_rows(per_element.sum(axis=1), weights)
        grad -= Y
        _scale_rows(grad, weights)
        return value

    def link(self, raw):
        return np.exp(raw)

    def check_targets(self, y):
        check_counts(y)

    def initial_intercept(self, Y, weights):
        """The log of the (weighted) target mean: the best constant model."""
        # a split whose targets are all 0 starts at μ = tiny, not log(0)
        mean = np.maximum(Y.column_means(weights), np.finfo(Y.dtype).tiny)
        return np.log(mean).astype(Y.dtype)


def regression_loss(name, epsilon):
    """The regression loss an estimator's ``loss`` parameter names."""
    if name == "huber":
        return Huber(epsilon)
    if name == "epsilon_insensitive":
        return EpsilonInsensitive(epsilon)
    if name == "squared_epsilon_insensitive":
        return SquaredEpsilonInsensitive(epsilon)
    if name == "poisson":
        return HalfPoisson()
    return SquaredError()


class BinaryLogLoss(Loss):
    """Logistic loss on each output independently (binary and multilabel).

    l = Σₖ log(1 + exp(rawₖ)) − yₖ rawₖ, gradient σ(raw) − y.
    """

    def value_and_gradient(self, raw, Y, weights, grad):
        per_element = log_sigmoid_complement(raw)
        per_element -= Y * raw
        value = _weighted_rows(per_element.sum(axis=1), weights)
        expit(raw, out=grad)
        grad -= Y
        _scale_rows(grad, weights)
        return value

    def initial_intercept(self, Y, weights):
        """The log-odds of each output's (weighted) prior."""
        prior = _class_prior(Y, weights)
        return np.log(prior / (1 - prior)).astype(Y.dtype)

    def link(self, raw):
        """σ(raw), kept strictly inside (0, 1): beyond |raw| ≈ 37 the
        logistic rounds to exactly 0 or 1 in float64, a certainty that no
        finite score means."""
        proba = expit(raw)
        low, high = _open_unit_interval(proba.dtype)
        return np.clip(proba, low, high, out=proba)

    def log_link(self, raw):
        """log σ(raw), computed without overflow, within the bounds of
        :meth:`link` so that it is the log of the probabilities."""
        low, high = _open_unit_interval(raw.dtype)
        return np.clip(log_expit(raw), np.log(low), np.log(high))


def _open_unit_interval(dtype):
    """The smallest and largest probabilities below 1 of a float dtype."""
    info = np.finfo(dtype)
    return info.tiny, 1 - info.epsneg


class MultinomialLogLoss(Loss):
    """Softmax cross-entropy: l = logΣₖ exp(rawₖ) − Σₖ yₖ rawₖ."""

    def value_and_gradient(self, raw, Y, weights, grad):
        np.subtract(raw, _row_max(raw)[:, None], out=grad)
        true_logit = np.einsum("ij,ij->i", grad, Y)
        np.exp(grad, out=grad)
        normaliser = grad @ np.ones(grad.shape[1], dtype=grad.dtype)
        value = _weighted_rows(np.log(normaliser) - true_logit, weights)
        grad /= normaliser[:, None]
        grad -= Y
        _scale_rows(grad, weights)
        return value

    def initial_intercept(self, Y, weights):
        """The centred log of the (weighted) class priors."""
        log_prior = np.log(_class_prior(Y, weights))
        return (log_prior - log_prior.mean()).astype(Y.dtype)

    def link(self, raw):
        return softmax(raw)

    def log_link(self, raw):
        return log_softmax(raw, axis=1)


def _row_max(raw):
    """Maximum of each row; for a few columns a loop over them is several
    times faster than numpy's reduction along the short axis."""
    if raw.shape[1] > 16:
        return raw.max(axis=1)
    result = raw[:, 0].copy()
    for j in range(1, raw.shape[1]):
        np.maximum(result, raw[:, j], out=result)
    return result


def softmax(raw):
    """Row-wise softmax, shifted by the row maximum so no exp overflows."""
    out = raw - raw.max(axis=1, keepdims=True)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


class _MarginLoss(Loss):
    """Losses of the margin z = s · raw with s = ±1 (one-vs-rest for k > 1)."""

    takes_soft_targets = False

    def value_and_gradient(self, raw, Y, weights, grad):
        sign = 2 * Y - 1
        margin = sign * raw
        per_element, dloss_dmargin = self._loss_and_derivative(margin)
        value = _weighted_rows(per_element.sum(axis=1), weights)
        np.multiply(dloss_dmargin, sign, out=grad)
        _scale_rows(grad, weights)
        return value


class Hinge(_MarginLoss):
    """l = max(0, 1 − z)."""

    def _loss_and_derivative(self, z):
        return np.maximum(1 - z, 0), -(z < 1).astype(z.dtype)


class Perceptron(_MarginLoss):
    """l = max(0, −z): scikit-learn's perceptron loss, a hinge at 0 (a zero
    margin still gets a gradient, so training starts from zero weights)."""

    def _loss_and_derivative(self, z):
        return np.maximum(-z, 0), -(z <= 0).astype(z.dtype)


class MarginSquaredError(_MarginLoss):
    """l = ½ (1 − z)²: least squares on the ±1 targets of each class, as
    scikit-learn's ``SGDClassifier(loss="squared_error")``."""

    def _loss_and_derivative(self, z):
        residual = 1 - z
        return 0.5 * residual * residual, -residual


class SquaredHinge(_MarginLoss):
    """l = max(0, 1 − z)²."""

    def _loss_and_derivative(self, z):
        slack = np.maximum(1 - z, 0)
        return slack * slack, -2 * slack


class ModifiedHuber(_MarginLoss):
    """l = max(0, 1 − z)² for z ≥ −1, −4z otherwise (Zhang 2004)."""

    def _loss_and_derivative(self, z):
        slack = np.maximum(1 - z, 0)
        linear = z < -1
        return np.where(linear, -4 * z, slack * slack), np.where(linear, -4, -2 * slack).astype(z.dtype)

    def link(self, raw):
        """Probability estimates of SGDClassifier: (clip(raw, −1, 1) + 1) / 2,
        normalised over classes for one-vs-rest (uniform where all are 0)."""
        proba = (np.clip(raw, -1, 1) + 1) / 2
        if proba.shape[1] > 1:
            total = proba.sum(axis=1, keepdims=True)
            empty = total[:, 0] == 0
            proba[empty] = 1.0
            total[empty] = proba.shape[1]
            proba /= total
        return proba
