"""Dense feed-forward networks on one flat parameter vector.

A linear model is a network without hidden layers. All weights and biases
live in one contiguous vector ``theta``: layer i contributes its weight
matrix W_i of shape (fan_in, fan_out), row-major, followed by its bias b_i.
``unpack`` returns views, so fitted attributes such as ``coefs_`` are windows
on the vector the optimizer updates, and freezing the first k layers is
optimizing the suffix ``theta[trainable_offset:]``.
"""

import numpy as np
from scipy import sparse
from scipy.special import expit, ndtr
from sklearn.utils.extmath import safe_sparse_dot

from ..optimizers import Block, Layout

LEAKY_RELU_SLOPE = 0.01
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# Activations: ``apply(z)`` works in place on the pre-activation and returns
# the activation; ``scale_delta(delta, a, z)`` multiplies delta in place by
# f'(z), reading the output ``a`` where it suffices (z is only kept for GELU).
def _identity(z):
    return z


def _identity_grad(delta, a, z):
    pass


def _relu(z):
    return np.maximum(z, 0, out=z)


def _relu_grad(delta, a, z):
    # A multiply by the boolean mask is ~10x faster than delta[a <= 0] = 0.
    np.multiply(delta, a > 0, out=delta)


def _leaky_relu(z):
    return np.maximum(z, LEAKY_RELU_SLOPE * z, out=z)


def _leaky_relu_grad(delta, a, z):
    delta *= np.where(a > 0, 1, LEAKY_RELU_SLOPE).astype(delta.dtype, copy=False)


def _tanh(z):
    return np.tanh(z, out=z)


def _tanh_grad(delta, a, z):
    delta *= 1 - a * a


def _logistic(z):
    return expit(z, out=z)


def _logistic_grad(delta, a, z):
    delta *= a * (1 - a)


def _gelu(z):
    return z * ndtr(z)  # exact GELU, x Φ(x); z is kept for the gradient


def _gelu_grad(delta, a, z):
    delta *= ndtr(z) + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


ACTIVATIONS = {
    "identity": (_identity, _identity_grad),
    "relu": (_relu, _relu_grad),
    "leaky_relu": (_leaky_relu, _leaky_relu_grad),
    "tanh": (_tanh, _tanh_grad),
    "logistic": (_logistic, _logistic_grad),
    "gelu": (_gelu, _gelu_grad),
}
_KEEPS_PREACTIVATION = {"gelu"}
_HE_INIT = {"relu", "leaky_relu", "gelu"}


# The output layer's share of Glorot's initial variance (see
# Network.init_params; benchmarks/bench_output_init.py compares choices).
OUTPUT_INIT_VARIANCE = 1.0


class Network:
    """A dense network: its shape, hidden activation, loss and penalties.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, hidden_1, ..., n_outputs]``.
    activation : str
        Hidden-layer activation, a key of ``ACTIVATIONS``.
    loss : Loss
        Output loss (its link gives predictions).
    l2, l1 : float
        Penalty ``l2/2 ||W||² + l1 ||W||₁`` on the weights (not biases) of
        trainable layers. The trainer applies the l1 part as a proximal step.
    dropout : float
        Inverted dropout rate on hidden layers while training.
    n_frozen : int
        Number of leading layers that are not trained.
    fit_intercept : bool
        Whether the output layer's bias is trained (it stays at zero if not).
    """

    def __init__(
        self,
        layer_sizes,
        activation,
        loss,
        *,
        l2=0.0,
        l1=0.0,
        dropout=0.0,
        n_frozen=0,
        fit_intercept=True,
    ):
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.activation = activation
        self.loss = loss
        self.l2 = l2
        self.l1 = l1
        self.dropout = dropout
        self.n_frozen = n_frozen
        self.fit_intercept = fit_intercept
        self.n_layers = len(self.layer_sizes) - 1
        self._apply, self._scale_delta = ACTIVATIONS[activation]
        self._slices = []  # (weight slice, bias slice) of each layer in theta
        offset = 0
        for fan_in, fan_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            w = slice(offset, offset + fan_in * fan_out)
            b = slice(w.stop, w.stop + fan_out)
            self._slices.append((w, b))
            offset = b.stop
        self.n_params = offset
        self.trainable_offset = self._slices[n_frozen][0].start if n_frozen < self.n_layers else offset
        self._workspace = None

    def __getstate__(self):
        return {**self.__dict__, "_workspace": None}

    # ------------------------------------------------------------ parameters
    def unpack(self, theta):
        """Lists of weight and bias views of ``theta``, layer by layer."""
        coefs, intercepts = [], []
        for (w, b), fan_in, fan_out in zip(self._slices, self.layer_sizes[:-1], self.layer_sizes[1:]):
            coefs.append(theta[w].reshape(fan_in, fan_out))
            intercepts.append(theta[b])
        return coefs, intercepts

    def weight_mask(self, dtype):
        """1 on trainable weights, 0 on biases: the part the penalty acts on."""
        return self._on_trainable_weights(1, dtype)

    @property
    def has_l1(self):
        return bool(np.any(self.l1))

    def l1_strength(self, dtype):
        """The l1 strength of every trainable parameter (0 on biases)."""
        return self._on_trainable_weights(self.l1, dtype)

    def _on_trainable_weights(self, value, dtype):
        """``value`` (a scalar, or one per output unit) on every trainable
        weight, 0 on the biases, as a vector of the trainable parameters."""
        out = np.zeros(self.n_params - self.trainable_offset, dtype=dtype)
        layers = zip(self._slices, self.layer_sizes[:-1], self.layer_sizes[1:])
        for (w, _), fan_in, fan_out in list(layers)[self.n_frozen :]:
            window = out[w.start - self.trainable_offset : w.stop - self.trainable_offset]
            window.reshape(fan_in, fan_out)[...] = value
        return out

    def init_params(self, rng, dtype):
        """Random initial parameters: He for ReLU-like activations, Glorot otherwise.

        Hidden layers with ReLU, leaky ReLU or GELU draw weights and biases
        from He's uniform U(±√(6 / fan_out)), the variant of He et al. (2015,
        §2.2) that preserves the variance of back-propagated gradients; the
        forward variant √(6 / fan_in) starts wide first layers on few inputs
        so rough that they generalise worse on small tabular data (2 points on
        wine). Other hidden layers use Glorot's U(±√(6 / (fan_in + fan_out)))
        (√2 instead of √6 for the logistic, as scikit-learn). Random biases
        spread the units' thresholds, as scikit-learn and PyTorch do.

        The output layer's weights get Glorot's variance, as in
        scikit-learn, and its bias zero (the estimators then set it to the
        class prior or the target mean). A tenth of that variance, which
        keeps the first predictions closer to the bias, was our earlier
        choice: ``benchmarks/bench_output_init.py`` found it slower with
        plain SGD on regressions (Friedman #1: more than 200 epochs to
        scikit-learn's R² against 191), a stall that stopped training at
        chance level on the raw wine data, and no better test accuracy
        after 200 epochs of Adam on digits, breast cancer and wine.

        A network without hidden layers (a linear model, a convex problem)
        starts from zero, as scikit-learn's linear models do.
        """
        theta = np.zeros(self.n_params, dtype=dtype)
        if self.n_layers == 1:
            return theta
        coefs, intercepts = self.unpack(theta)
        for W, b in zip(coefs[:-1], intercepts[:-1]):
            fan_in, fan_out = W.shape
            if self.activation in _HE_INIT:
                bound = np.sqrt(6.0 / fan_out)
            else:
                gain = 2.0 if self.activation == "logistic" else 6.0
                bound = np.sqrt(gain / (fan_in + fan_out))
            W[...] = rng.uniform(-bound, bound, size=W.shape)
            b[...] = rng.uniform(-bound, bound, size=b.shape)
        fan_in, fan_out = coefs[-1].shape
        bound = np.sqrt(6.0 * OUTPUT_INIT_VARIANCE / (fan_in + fan_out))
        coefs[-1][...] = rng.uniform(-bound, bound, size=coefs[-1].shape)
        return theta

    def layer_of_parameters(self):
        """Layer index of every trainable parameter (for per-layer learning rates)."""
        layers = np.empty(self.n_params - self.trainable_offset, dtype=np.intp)
        for i in range(self.n_frozen, self.n_layers):
            w, b = self._slices[i]
            layers[w.start - self.trainable_offset : b.stop - self.trainable_offset] = i
        return layers

    def layout(self):
        """The trainable parameters, ``theta[trainable_offset:]``, part by
        part: each trainable layer's weight matrix and bias, for the
        optimizer's transforms."""
        offset, blocks = self.trainable_offset, []
        for i in range(self.n_frozen, self.n_layers):
            (w, b), shape = self._slices[i], (self.layer_sizes[i], self.layer_sizes[i + 1])
            output = i == self.n_layers - 1
            blocks.append(Block(f"coefs_[{i}]", 0, w.start - offset, w.stop - offset, shape, layer=i, output=output))
            blocks.append(
                Block(f"intercepts_[{i}]", 0, b.start - offset, b.stop - offset, shape[1:], layer=i, role="bias", output=output)
            )
        return Layout(tuple(blocks), n_layers=self.n_layers)

    # --------------------------------------------------------------- forward
    def forward(self, theta, X, *, n_layers=None):
        """Raw outputs (or, with ``n_layers``, the activations after that many
        layers) for inference: no dropout, fresh arrays."""
        coefs, intercepts = self.unpack(theta)
        n_layers = self.n_layers if n_layers is None else n_layers
        a = X
        for i in range(n_layers):
            z = safe_sparse_dot(a, coefs[i], dense_output=True)
            z += intercepts[i]
            a = self._apply(z) if i < self.n_layers - 1 else z
        return a

    def predict(self, theta, X):
        """Output after the loss's inverse link (probabilities for log-loss)."""
        return self.loss.link(self.forward(theta, X))

    # ------------------------------------------------------ training objective
    def _buffers(self, n_rows, dtype):
        ws = self._workspace
        if ws is None or ws["rows"] < n_rows or ws["dtype"] != dtype:
            widths = self.layer_sizes[1:]
            hidden = widths[:-1]
            ws = self._workspace = {
                "rows": n_rows,
                "dtype": dtype,
                "out": [np.empty((n_rows, k), dtype) for k in widths],
                "delta": [np.empty((n_rows, k), dtype) for k in widths],
                "pre": [np.empty((n_rows, k), dtype) for k in hidden]
                if self.activation in _KEEPS_PREACTIVATION
                else None,
                "mask": [np.empty((n_rows, k), dtype) for k in hidden] if self.dropout else None,
                "dropped": [np.empty((n_rows, k), dtype) for k in hidden] if self.dropout else None,
                # l2·W for the largest weight matrix; scipy's BLAS axpy would
                # avoid it, but a second BLAS thread pool in the loop made
                # numpy's matrix products 20x slower.
                "penalty": np.empty(max(a * b for a, b in zip(self.layer_sizes[:-1], widths)), dtype),
                "ones": np.ones(n_rows, dtype),
                "views": None,
            }
        return ws

    def _layer_views(self, ws, theta, grad):
        """Per-layer views of ``theta`` and ``grad``, cached while both stay
        the same arrays (the whole of a training run)."""
        cached = ws["views"]
        if cached is None or cached[0] is not theta or cached[1] is not grad:
            cached = ws["views"] = (theta, grad, *self.unpack(theta), *self._unpack_grad(grad))
        return cached[2:]

    def value_and_gradient(self, theta, X, Y, weights, grad, rng=None):
        """Objective on a batch; writes its gradient into ``grad``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
        X : ndarray or sparse matrix of shape (n, n_features)
        Y : ndarray of shape (n, n_outputs)
            Encoded targets.
        weights : float or ndarray of shape (n,)
            Per-sample weights of the loss, already divided by the batch size.
        grad : ndarray of shape (n_params - trainable_offset,)
            Receives the gradient with respect to the trainable parameters.
        rng : numpy Generator, default=None
            Source of dropout masks; required when ``dropout > 0``.

        Returns
        -------
        value : float
            ``Σᵢ wᵢ lᵢ + l2/2 ||W||² + l1 ||W||₁`` over trainable weights.
        """
        n, dtype = X.shape[0], theta.dtype
        ws = self._buffers(n, dtype)
        coefs, intercepts, grad_coefs, grad_intercepts = self._layer_views(ws, theta, grad)
        last = self.n_layers - 1
        outputs, inputs = [], []  # per layer: activation out, and what the next layer reads

        a = X
        for i in range(self.n_layers):
            z = ws["out"][i][:n]
            if sparse.issparse(a):
                z[...] = a @ coefs[i]
            else:
                np.matmul(a, coefs[i], out=z)
            z += intercepts[i]
            if i < last:
                if ws["pre"] is not None:
                    np.copyto(ws["pre"][i][:n], z)
                    z[...] = self._apply(ws["pre"][i][:n])
                else:
                    self._apply(z)
                outputs.append(z)
                if self.dropout:
                    mask = ws["mask"][i][:n]
                    rng.random(out=mask, dtype=dtype)
                    np.greater_equal(mask, self.dropout, out=mask)
                    mask *= 1.0 / (1.0 - self.dropout)
                    z = np.multiply(z, mask, out=ws["dropped"][i][:n])
            inputs.append(a)
            a = z

        delta = ws["delta"][last][:n]
        value = self.loss.value_and_gradient(a, Y, weights, delta)

        for i in range(last, self.n_frozen - 1, -1):
            gW, gb = grad_coefs[i], grad_intercepts[i]
            if sparse.issparse(inputs[i]):
                gW[...] = inputs[i].T @ delta
            else:
                np.matmul(inputs[i].T, delta, out=gW)
            if i < last or self.fit_intercept:
                np.dot(ws["ones"][:n], delta, out=gb)  # column sums: BLAS is 2x np.sum here
            else:
                gb[...] = 0
            if i > self.n_frozen:
                previous = ws["delta"][i - 1][:n]
                np.matmul(delta, coefs[i].T, out=previous)
                if self.dropout:
                    previous *= ws["mask"][i - 1][:n]
                pre = ws["pre"][i - 1][:n] if ws["pre"] is not None else None
                self._scale_delta(previous, outputs[i - 1], pre)
                delta = previous
        return self.add_penalty(theta, grad, value)

    def add_penalty(self, theta, grad, value):
        """``value`` plus the penalty of ``theta``, whose gradient is added to
        ``grad`` (the data term's gradient): done once per objective, also
        when the data term is a sum computed elsewhere (over Dask blocks)."""
        if not (self.l2 or self.has_l1):
            return value
        ws = self._buffers(1, theta.dtype)
        coefs, _, grad_coefs, _ = self._layer_views(ws, theta, grad)
        for i in range(self.n_layers - 1, self.n_frozen - 1, -1):
            if self.l2:
                gW = grad_coefs[i]
                gW += np.multiply(coefs[i], self.l2, out=ws["penalty"][: gW.size].reshape(gW.shape))
                value += 0.5 * self.l2 * float(np.vdot(coefs[i], coefs[i]))
            if self.has_l1:
                value += float(np.sum(np.abs(coefs[i]) * self.l1))
        return value

    def without_penalty(self):
        """The same network with no penalty: the data term alone."""
        return Network(
            self.layer_sizes,
            self.activation,
            self.loss,
            dropout=self.dropout,
            n_frozen=self.n_frozen,
            fit_intercept=self.fit_intercept,
        )

    def _unpack_grad(self, grad):
        """Views of the trainable gradient, indexed by layer (None if frozen)."""
        coefs, intercepts = [None] * self.n_layers, [None] * self.n_layers
        for i in range(self.n_frozen, self.n_layers):
            (w, b), off = self._slices[i], self.trainable_offset
            coefs[i] = grad[w.start - off : w.stop - off].reshape(self.layer_sizes[i], self.layer_sizes[i + 1])
            intercepts[i] = grad[b.start - off : b.stop - off]
        return coefs, intercepts
