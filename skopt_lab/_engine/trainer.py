"""The one training loop every estimator uses.

The trainer never asks which estimator it trains: it receives a
:class:`~skopt_lab._engine.network.Network` (the model and its objective), an
optimizer and a :class:`TrainingState`, and runs epochs. Per epoch it permutes
the rows once, gathers contiguous slices of that permutation into reused
batch buffers, asks the network for loss and gradient, hands the gradient to
the optimizer, and at the epoch's end records the loss, scores the
validation split, steps the schedule and decides whether to stop.

Full-batch line-search optimizers (L-BFGS) take the flat parameter vector and
the full-batch objective instead of the epoch loop.
"""

import contextlib
import functools
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

# Training has diverged once a batch loss exceeds this multiple of the loss at
# the start (floored at 1): adaptive optimizers with an absurd learning rate
# keep the loss finite but astronomically large, never NaN.
DIVERGENCE_RATIO = 1e4

# Below this many multiply-adds in a batch's forward pass, BLAS threads cannot
# pay for their synchronisation; on a busy machine they spin against other
# processes instead (seen: 10x slower fine-tuning of a digits network).
SMALL_BATCH_FLOPS = 4e6


@dataclass
class TrainingState:
    """Everything that changes while training, kept between ``partial_fit``
    calls and pickled with the estimator so training resumes exactly."""

    theta: np.ndarray
    optimizer_state: dict
    schedule_state: dict | None
    rng: np.random.Generator
    n_iter: int = 0
    t: int = 0
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    best_theta: np.ndarray | None = None
    # The loss divergence is judged against, settled in the first epoch (see
    # Trainer._diverging).
    loss_scale: float | None = None
    loss_scale_settled: bool = False
    order: np.ndarray | None = None


def init_training_state(network, theta, optimizer, rng, max_iter):
    """Fresh state: optimizer buffers and schedule state for ``theta``."""
    trainable = theta[network.trainable_offset :]
    schedule = getattr(optimizer, "schedule", None)
    return TrainingState(
        theta=theta,
        optimizer_state=optimizer.init([trainable]),
        schedule_state=schedule.init(max_iter) if schedule is not None else None,
        rng=rng,
    )


def resolve_batch_size(batch_size, n_samples, optimizer):
    """``"auto"`` is min(200, n); full-batch optimizers use every sample."""
    if optimizer.full_batch:
        return n_samples
    if batch_size == "auto":
        return min(200, n_samples)
    return max(1, min(batch_size, n_samples))


class Trainer:
    """Runs epochs of mini-batch optimization on a :class:`TrainingState`.

    Parameters
    ----------
    network : Network
    optimizer : Optimizer
        The fitted estimator's own clone (``optimizer_``).
    batch_size : "auto" or int
    shuffle : bool
    tol : float or None
        Minimum improvement of the training loss (or validation score with
        early stopping); None disables the convergence test.
    n_iter_no_change : int
        Epochs without ``tol`` improvement before stopping.
    max_iter : int
        Epochs of ``fit``; also the horizon of schedules.
    verbose : int
        1 prints one line per epoch.
    lr_multiplier : ndarray or None
        Per-parameter learning-rate factors (layer-wise decay in fine-tuning).
    validation_score : callable or None
        ``validation_score(theta) -> float``, higher is better. Given when
        the estimator holds out a validation split (early stopping).
    observer : EpochObserver or None
        Told when each epoch begins and ends (the estimators connect
        scikit-learn's callbacks here); it may ask training to stop.
    """

    def __init__(
        self,
        network,
        optimizer,
        *,
        batch_size="auto",
        shuffle=True,
        tol=1e-4,
        n_iter_no_change=10,
        max_iter=200,
        verbose=0,
        lr_multiplier=None,
        validation_score=None,
        observer=None,
    ):
        self.network = network
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_iter = max_iter
        self.verbose = verbose
        self.lr_multiplier = lr_multiplier
        self.validation_score = validation_score
        self.observer = observer if observer is not None else EpochObserver()

    # ------------------------------------------------------------------ API
    def run(self, state, X, Y, sample_weight, n_epochs, *, check_convergence=True):
        """Train for at most ``n_epochs`` epochs (iterations for L-BFGS).

        ``check_convergence=False`` (``partial_fit``) runs exactly
        ``n_epochs`` unless the loss diverges, and never warns about
        convergence.
        """
        weights = None
        if sample_weight is not None:
            mean = sample_weight.mean()
            weights = (sample_weight / mean).astype(state.theta.dtype, copy=False)
        batch_size = resolve_batch_size(self.batch_size, X.shape[0], self.optimizer)
        with _blas_threads(batch_size * self.network.n_params):
            if self.optimizer.full_batch and not _takes_steps(self.optimizer):
                return self._minimize(state, X, Y, weights, n_epochs, check_convergence)
            return self._epochs(state, X, Y, weights, n_epochs, check_convergence)

    # --------------------------------------------------------- epoch loop
    def _epochs(self, state, X, Y, weights, n_epochs, check_convergence):
        network, optimizer, theta = self.network, self.optimizer, state.theta
        n_samples = X.shape[0]
        batch_size = resolve_batch_size(self.batch_size, n_samples, optimizer)
        n_batches = math.ceil(n_samples / batch_size)
        trainable = theta[network.trainable_offset :]
        grad = np.empty_like(trainable)
        l1_strength = network.l1 * network.weight_mask(theta.dtype) if network.l1 else None
        gather = _BatchGatherer(X, Y, weights, batch_size, shuffle=self.shuffle and n_batches > 1)
        dropout_rng = state.rng if network.dropout else None
        last_finite = np.empty_like(theta)  # the weights at the start of the epoch
        stopped, diverged = None, False

        for _ in range(n_epochs):
            self.observer.begin(state)
            started = time.perf_counter()
            learning_rate = self._set_learning_rate(state)
            np.copyto(last_finite, theta)
            order = gather.permutation(state)
            total = 0.0
            # A diverging run may overflow: it is detected below and reported
            # as one ConvergenceWarning rather than numpy's RuntimeWarnings.
            with np.errstate(over="ignore", invalid="ignore"):
                for Xb, Yb, wb in gather.batches(order):
                    value = network.value_and_gradient(theta, Xb, Yb, wb, grad, dropout_rng)
                    if state.loss_scale is None:
                        state.loss_scale = value
                    if self._diverging(state, value, last_finite, X, Y, weights):
                        break
                    optimizer.step([trainable], [grad], state.optimizer_state)
                    if l1_strength is not None:
                        _soft_threshold(trainable, state.optimizer_state["learning_rate"] * l1_strength)
                    total += value * Xb.shape[0]
                diverged = not (value <= _divergence_threshold(state)) or not np.isfinite(trainable).all()
            if diverged:
                theta[...] = last_finite
                # The moments are as corrupt as the weights were: start them afresh.
                state.optimizer_state = optimizer.init([trainable])
                self.observer.cancel()
                self._warn_divergence(state, value)
                break

            state.n_iter += 1
            state.t += n_samples
            loss = total / n_samples
            if not state.loss_scale_settled:
                state.loss_scale, state.loss_scale_settled = max(state.loss_scale, loss), True
            stopped = self._end_epoch(state, loss, learning_rate, started, check_convergence)
            if stopped:
                break

        if check_convergence:
            self._restore_best(state)
            ran_out = stopped is None and not diverged
            if ran_out and self.tol is not None:
                warnings.warn(
                    f"{type(optimizer).__name__}: maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
        return state

    def _set_learning_rate(self, state):
        """The epoch's learning rate: base × schedule (× per-parameter factors)."""
        base = getattr(self.optimizer, "learning_rate", None)
        if base is None:
            return None
        schedule = getattr(self.optimizer, "schedule", None)
        if schedule is not None:
            base = base * schedule.multiplier(state.schedule_state)
        lr = base if self.lr_multiplier is None else base * self.lr_multiplier
        state.optimizer_state["learning_rate"] = lr
        return base

    def _end_epoch(self, state, loss, learning_rate, started, check_convergence):
        """Record the epoch, step the schedule, and say whether to stop."""
        state.loss_curve.append(loss)
        state.learning_rates.append(learning_rate)
        score = self.validation_score(state.theta) if self.validation_score else None
        if score is not None:
            state.validation_scores.append(score)
        schedule = getattr(self.optimizer, "schedule", None)
        if schedule is not None:
            schedule.end_epoch(state.schedule_state, loss=loss, validation_score=score)

        stop = self._update_no_improvement(state, loss, score) if check_convergence else False
        info = {
            "epoch": state.n_iter,
            "loss": loss,
            "validation_score": score,
            "learning_rate": learning_rate,
            "seconds": time.perf_counter() - started,
        }
        if self.verbose:
            print(_format_epoch(info), flush=True)
        if self.observer.end(state, info) and not stop:
            stop = "callback"
        return stop

    def _update_no_improvement(self, state, loss, score):
        """scikit-learn's MLP rule: stop after ``n_iter_no_change`` epochs
        without ``tol`` improvement of the validation score (early stopping)
        or of the training loss."""
        if score is not None:
            improved = self.tol is None or score >= state.best_validation_score + self.tol
            if score > state.best_validation_score:
                state.best_validation_score = score
                state.best_theta = state.theta.copy()
        else:
            improved = self.tol is None or loss <= state.best_loss - self.tol
        state.best_loss = min(state.best_loss, loss)
        state.no_improvement_count = 0 if improved else state.no_improvement_count + 1
        if state.no_improvement_count > self.n_iter_no_change:
            if self.verbose:
                what = "Validation score" if score is not None else "Training loss"
                print(
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping.",
                    flush=True,
                )
            return "converged"
        return False

    def _restore_best(self, state):
        if self.validation_score is not None and state.best_theta is not None:
            state.theta[...] = state.best_theta

    def _diverging(self, state, batch_loss, epoch_start, X, Y, weights):
        """Whether a batch loss is non-finite or has exploded past the scale.

        In the first epoch the scale is the first batch's loss: free, but
        rough, since a batch of one sample the initial weights happen to fit
        has loss 0 and the next sample's ordinary loss would read as
        divergence. So when a finite loss of the first epoch exceeds it, the
        scale becomes the initial weights' (``epoch_start``) mean loss on all
        the data, and the test is made again. After the first epoch the scale
        is settled: at least that epoch's mean loss, every batch of which
        passed the test.
        """
        if batch_loss <= _divergence_threshold(state):
            return False
        if not state.loss_scale_settled and math.isfinite(batch_loss):
            state.loss_scale = max(state.loss_scale, self._mean_loss(epoch_start, X, Y, weights))
            state.loss_scale_settled = True
            return not batch_loss <= _divergence_threshold(state)
        return True

    def _mean_loss(self, theta, X, Y, weights):
        """The data term of the loss of ``theta`` over all of X, batch by batch."""
        network, total = self.network, 0.0
        batch_size = resolve_batch_size(self.batch_size, X.shape[0], self.optimizer)
        gather = _BatchGatherer(X, Y, weights, batch_size, shuffle=False)
        for Xb, Yb, wb in gather.batches(None):
            raw = network.forward(theta, Xb)
            total += network.loss.value_and_gradient(raw, Yb, wb, np.empty_like(raw)) * Xb.shape[0]
        return total / X.shape[0]

    def _warn_divergence(self, state, value):
        lr = getattr(self.optimizer, "learning_rate", None)
        advice = (
            f"Try a smaller learning_rate than {lr:g}." if lr is not None else "Check the data's scale."
        )
        warnings.warn(
            f"Training with {self.optimizer!r} diverged in epoch {state.n_iter + 1} "
            f"(the loss reached {value:.3g}); stopped and kept the weights of epoch "
            f"{state.n_iter}, the last finite ones. {advice}",
            ConvergenceWarning,
        )

    # --------------------------------------------------------- L-BFGS path
    def _minimize(self, state, X, Y, weights, max_iter, check_convergence):
        network, theta = self.network, state.theta
        trainable = theta[network.trainable_offset :]
        start = trainable.copy()
        grad = np.empty_like(trainable)
        batch_weights = (1.0 / X.shape[0]) if weights is None else weights / X.shape[0]
        Y_all = Y.dense()
        clock = [time.perf_counter()]

        def objective(x):
            trainable[...] = x
            value = network.value_and_gradient(theta, X, Y_all, batch_weights, grad)
            return value, grad.astype(np.float64)

        def after_iteration(intermediate_result):
            state.n_iter += 1
            state.t += X.shape[0]
            trainable[...] = intermediate_result.x
            stop = self._end_epoch(state, float(intermediate_result.fun), None, clock[0], False)
            clock[0] = time.perf_counter()
            if stop:
                raise StopIteration
            self.observer.begin(state)

        self.observer.begin(state)
        try:
            result = self.optimizer.minimize(objective, trainable, max_iter=max_iter, callback=after_iteration)
        finally:
            self.observer.cancel()  # the iteration begun last never ran
        if np.isfinite(result.x).all() and np.isfinite(result.fun):
            trainable[...] = result.x
        else:
            trainable[...] = start
            self._warn_divergence(state, float(result.fun))
        if check_convergence and result.status == 1 and result.nit >= max_iter:
            warnings.warn(
                f"LBFGS: maximum iterations ({max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return state


class EpochObserver:
    """Hooks around each epoch (each L-BFGS iteration); the default does nothing.

    ``begin(state)`` starts an epoch; it is closed either by
    ``end(state, info)``, whose truthy return value stops training, or by
    ``cancel()`` when the epoch did not complete (divergence, or the L-BFGS
    iteration begun last that never ran). ``cancel`` without an open epoch
    does nothing.
    """

    def begin(self, state):
        pass

    def end(self, state, info):
        return False

    def cancel(self):
        pass


@functools.cache
def _thread_controller():
    return ThreadpoolController()


def _blas_threads(batch_flops):
    """One BLAS thread for small batches, the library's default otherwise."""
    if batch_flops < SMALL_BATCH_FLOPS:
        return _thread_controller().limit(limits=1, user_api="blas")
    return contextlib.nullcontext()


def _divergence_threshold(state):
    return DIVERGENCE_RATIO * max(state.loss_scale, 1.0)


def _takes_steps(optimizer):
    """Whether a full-batch optimizer uses the step protocol (GD) rather than
    its own minimize (L-BFGS)."""
    return not callable(getattr(optimizer, "minimize", None))


def _soft_threshold(params, threshold):
    """Proximal step of ``threshold · |θ|``: shrink towards 0, exact zeros."""
    shrunk = np.abs(params) - threshold
    np.maximum(shrunk, 0, out=shrunk)
    np.copysign(shrunk, params, out=params)


def _format_epoch(info):
    parts = [f"Epoch {info['epoch']}: loss {info['loss']:.6f}"]
    if info["validation_score"] is not None:
        parts.append(f"validation score {info['validation_score']:.6f}")
    if info["learning_rate"] is not None:
        parts.append(f"learning rate {info['learning_rate']:.3g}")
    parts.append(f"{info['seconds']:.2f} s")
    return ", ".join(parts)


class _BatchGatherer:
    """Yields (X, Y, weights) batches in the order of a permutation.

    Shuffled batches are gathered into buffers allocated once per call, so
    memory stays at one batch beyond the data; unshuffled batches of dense
    arrays are views. ``Y`` is a DenseTargets or EncodedTargets.
    Per-sample loss weights are divided by the batch size so every batch's
    loss is a weighted mean.
    """

    def __init__(self, X, Y, weights, batch_size, *, shuffle):
        self.X, self.Y, self.weights = X, Y, weights
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n_samples = X.shape[0]
        if shuffle and not sparse.issparse(X):
            self._X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self._Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)

    def permutation(self, state):
        """The epoch's order of the rows, or None when not shuffling.

        Shuffles the previous epoch's order in place (a uniform permutation
        all the same), in the smallest integer type: no index array per
        epoch. The order lives in the training state, so ``partial_fit``
        continues it as ``fit`` would.
        """
        if not self.shuffle:
            return None
        if state.order is None or len(state.order) != self.n_samples:
            state.order = np.arange(self.n_samples, dtype=np.min_scalar_type(self.n_samples))
        state.rng.shuffle(state.order)
        return state.order

    def batches(self, order):
        for start in range(0, self.n_samples, self.batch_size):
            stop = min(start + self.batch_size, self.n_samples)
            n = stop - start
            if order is None:
                Xb, Yb = self.X[start:stop], self.Y.rows(slice(start, stop), self._Y_buffer[:n])
                wb = None if self.weights is None else self.weights[start:stop]
            else:
                idx = order[start:stop]
                if sparse.issparse(self.X):
                    Xb = self.X[idx]
                else:
                    # mode="clip": the indices are valid, and the default mode buffers out
                    Xb = np.take(self.X, idx, axis=0, out=self._X_buffer[:n], mode="clip")
                Yb = self.Y.rows(idx, self._Y_buffer[:n])
                wb = None if self.weights is None else self.weights[idx]
            yield Xb, Yb, (1.0 / n) if wb is None else wb / n
