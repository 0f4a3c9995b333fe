"""The one training loop every estimator uses.

The trainer never asks which estimator it trains: it receives a
:class:`~skopt_lab._engine.network.Network` (the model and its objective), an
optimizer and a :class:`TrainingState`, and runs epochs. Per epoch it permutes
the rows once, gathers contiguous slices of that permutation into reused
batch buffers, asks the network for loss and gradient, hands the gradient to
the optimizer, and at the epoch's end records the loss, scores the
validation split, steps the schedule and decides whether to stop. An
augmentation, when the fit has one, transforms each training batch just
before the forward pass, and nothing else (see :func:`_augmented`).

The optimizer is its chain of transforms (``optimizer.chain()``): each step,
the chain rewrites the gradient buffer in place into the update, which is
added to the parameters. The trainer reads no key of the chain's state.
Optimizers that minimize the full objective at once (L-BFGS, ``kind ==
"minimize"``) take the flat parameter vector and the full-batch objective
instead of the epoch loop.

Where the rows live is the trainer's one data seam, :class:`Rows`: the loop
asks it for the loss and gradient of each step's batch and never touches the
rows. :class:`InMemoryRows` holds arrays in this process; the blocks of a Dask
array are another kind (``skopt_lab._engine.dask_rows``), whose workers
compute the summed gradients next to their data.
"""

import contextlib
import contextvars
import copy
import dataclasses
import functools
import itertools
import math
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from .._validation import max_abs
from ..optimizers import full_batch, takes_steps
from ..optimizers._combine import step_sizes

# Training has diverged once a batch loss exceeds this multiple of the loss at
# the start (floored at 1): adaptive optimizers with an absurd learning rate
# keep the loss finite but astronomically large, never NaN.
DIVERGENCE_RATIO = 1e4

# Above this absolute value, the data's scale is worth mentioning when
# training warns.
LARGE_SCALE = 1e3

# Below this many multiply-adds in a batch's forward pass, BLAS threads cannot
# pay for their synchronisation; on a busy machine they spin against other
# processes instead (seen: 10x slower fine-tuning of a digits network).
SMALL_BATCH_FLOPS = 4e6

# True while a search (skopt_lab's BayesSearchCV, HyperbandSearchCV) runs the
# fit: Ctrl-C must then stop the search, so training lets KeyboardInterrupt
# through instead of keeping the last sound epoch with a warning.
PROPAGATE_INTERRUPT = contextvars.ContextVar("skopt_lab_propagate_interrupt", default=False)


@dataclasses.dataclass
class TrainingState:
    """Everything that changes while training, kept between ``partial_fit``
    calls and pickled with the estimator so training resumes exactly.

    The optimizer's moments, step counts and schedule live in
    ``optimizer_state``, the state of its chain of transforms (one typed
    state each), which only the chain writes.
    """

    theta: np.ndarray
    optimizer_state: object
    rng: np.random.Generator
    n_iter: int = 0
    t: int = 0
    loss_curve: list = dataclasses.field(default_factory=list)
    validation_scores: list = dataclasses.field(default_factory=list)
    learning_rates: list = dataclasses.field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    best_theta: np.ndarray | None = None
    # The loss divergence is judged against, settled in the first epoch (see
    # Trainer._diverging).
    loss_scale: float | None = None
    loss_scale_settled: bool = False
    order: np.ndarray | None = None
    # Averaged weights (Polyak-Ruppert or exponential) and the number of
    # iterates in them, with averaging.
    average: np.ndarray | None = None
    n_averaged: int = 0
    # The l1 penalty owed and applied to each weight (see _truncate_l1).
    l1: dict | None = None
    # Where the optimizer evaluates the model when that is not the iterate
    # (Transform.evaluation_params; schedule-free methods), after each epoch.
    evaluation: np.ndarray | None = None

    @property
    def model_theta(self):
        """The parameters the model predicts with: the average of the
        iterates once averaging has begun, else the optimizer's evaluation
        point if it keeps one apart from the iterate, else the iterate."""
        if self.n_averaged:
            return self.average
        return self.theta if self.evaluation is None else self.evaluation

    def copy(self):
        """An independent copy: training it leaves this state untouched."""
        return dataclasses.replace(
            self,
            theta=self.theta.copy(),
            optimizer_state=_copy_into(self.optimizer_state, None),
            rng=_copy_generator(self.rng),
            loss_curve=list(self.loss_curve),
            validation_scores=list(self.validation_scores),
            learning_rates=list(self.learning_rates),
            best_theta=_copy_into(self.best_theta, None),
            order=_copy_into(self.order, None),
            average=_copy_into(self.average, None),
            l1=_copy_into(self.l1, None),
            evaluation=_copy_into(self.evaluation, None),
        )


def resolve_batch_size(batch_size, n_samples, optimizer):
    """``"auto"`` is min(200, n); full-batch optimizers use every sample."""
    if full_batch(optimizer):
        return n_samples
    if batch_size == "auto":
        return min(200, n_samples)
    return max(1, min(batch_size, n_samples))


class Trainer:
    """Runs epochs of mini-batch optimization on a :class:`TrainingState`.

    The two entry points own their resets: :meth:`fit` starts the
    convergence test afresh and runs up to ``max_iter`` epochs, warning when
    it stops at that budget; :meth:`partial_fit` runs one epoch. Both stop
    cleanly on divergence and on Ctrl-C, keeping the weights of the last
    epoch known to be sound, with a ``ConvergenceWarning`` that says so
    (inside a search, ``PROPAGATE_INTERRUPT``, Ctrl-C is raised instead).

    Parameters
    ----------
    network : Network
    optimizer : Optimizer
        The fitted estimator's own clone (``optimizer_``); a step optimizer
        is run through its chain of transforms.
    batch_size : "auto" or int
    shuffle : bool
    tol : float or None
        Minimum improvement of the training loss (or validation score with
        early stopping); None disables the convergence test, and ``fit``
        then runs exactly ``max_iter`` epochs without warning.
    n_iter_no_change : int or inf
        Consecutive epochs without ``tol`` improvement that stop training.
    max_iter : int
        Epochs of ``fit``.
    verbose : int
        1 prints one line per epoch.
    validation_score : callable or None
        ``validation_score(theta) -> float``, higher is better. Given when
        the estimator holds out a validation split (early stopping).
    observer : EpochObserver or None
        Told when each epoch begins and ends (the estimators connect
        scikit-learn's callbacks here); it may ask training to stop.
    average : Averaging or None
        Average the iterates of a step optimizer; the model predicts with
        the average.
    augmentation : object or None
        Transforms every training batch (``augment(X, Y, rng)``, drawing
        from the state's generator); the loss recorded is the augmented
        batches'. Never applied to the validation score or to the loss
        evaluations of the divergence checks.
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
        validation_score=None,
        observer=None,
        average=None,
        augmentation=None,
    ):
        self.network = network
        self.optimizer = optimizer
        self.chain = optimizer.chain() if takes_steps(optimizer) else None
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.max_iter = max_iter
        self.verbose = verbose
        self.validation_score = validation_score
        self.observer = observer if observer is not None else EpochObserver()
        self.average = average
        self.augmentation = augmentation

    # ------------------------------------------------------------------ API
    def fit(self, state, X, Y, sample_weight):
        """Train up to ``max_iter`` epochs (L-BFGS iterations) with the
        convergence test; restores the best weights with a validation split."""
        state.best_loss, state.no_improvement_count = math.inf, 0
        state.best_validation_score, state.best_theta = -math.inf, None
        return self._run(state, X, Y, sample_weight, self.max_iter, check_convergence=True)

    def partial_fit(self, state, X, Y, sample_weight, n_epochs=1):
        """Train ``n_epochs`` epochs (one by default), without convergence test."""
        return self._run(state, X, Y, sample_weight, n_epochs, check_convergence=False)

    def _run(self, state, X, Y, sample_weight, n_epochs, *, check_convergence):
        if isinstance(X, Rows):  # rows held elsewhere, prepared by their source
            return self._train(state, X, X.n_rows, n_epochs, check_convergence)
        n_samples = X.shape[0]
        batch_size = resolve_batch_size(self.batch_size, n_samples, self.optimizer)
        if sample_weight is not None and np.all(sample_weight == sample_weight[0]):
            sample_weight = None  # the loss is a weighted mean: equal weights are none
        if batch_size >= n_samples and self.augmentation is None:
            merged = merge_repeated_rows(X, Y, sample_weight)
            if merged is not None:
                X, Y, sample_weight = merged
                batch_size = X.shape[0]
        with _blas_threads(batch_size * self.network.n_params):
            rows = InMemoryRows(X, Y, sample_weight, state.theta.dtype, augmentation=self.augmentation)
            return self._train(state, rows, n_samples, n_epochs, check_convergence)

    def _train(self, state, rows, n_samples, n_epochs, check_convergence):
        if self.chain is None:
            return self._minimize(state, rows, n_samples, n_epochs, check_convergence)
        return self._epochs(state, rows, n_samples, n_epochs, check_convergence)

    # --------------------------------------------------------- epoch loop
    def _epochs(self, state, rows, n_samples, n_epochs, check_convergence):
        """Epochs over ``rows``, which stand for ``n_samples`` training samples."""
        network, chain, theta = self.network, self.chain, state.theta
        n_rows = rows.n_rows
        batch_size = resolve_batch_size(self.batch_size, n_rows, self.optimizer)
        n_batches = math.ceil(n_rows / batch_size)
        trainable = theta[network.trainable_offset :]
        # The gradient is computed into `update`, which the chain rewrites
        # into the step; `scratch` is the chain's work space.
        update, scratch = np.empty_like(trainable), np.empty_like(trainable)
        l1_strength = network.l1_strength(theta.dtype) if network.has_l1 else None
        if l1_strength is not None and (state.l1 is None or state.l1["total"].shape != trainable.shape):
            state.l1 = {"total": np.zeros_like(trainable), "applied": np.zeros_like(trainable)}
        gather = rows.batches(batch_size, shuffle=self.shuffle and n_batches > 1)
        # the fit's generator draws dropout masks and augmentations
        rng = state.rng if network.dropout or self.augmentation is not None else None
        # The state at the end of the last epoch whose weights passed the
        # divergence test, and at the start of the epoch running: a step
        # that explodes is only seen in the next batch's loss, so the start
        # of an epoch is sound only once its first batch has passed.
        # (None until the first epoch's first batch has passed: the run's
        # start is then the only state there is to return to.)
        sound, epoch_start = None, _Snapshot()
        current_start = None  # the snapshot of the epoch running, if one is
        stopped = interrupted = False
        diverged = None

        try:
            for _ in range(n_epochs):
                self.observer.begin(state)
                started = time.perf_counter()
                epoch_start.take(state)
                current_start = epoch_start
                learning_rate = chain.begin_epoch(state.optimizer_state)
                order = gather.permutation(state)
                total, rows_done = 0.0, 0
                # A diverging run may overflow: it is detected below and
                # reported as one ConvergenceWarning rather than numpy's
                # RuntimeWarnings.
                with np.errstate(over="ignore", invalid="ignore"):
                    for i, (value, batch_rows) in enumerate(gather.gradients(order, network, theta, update, rng)):
                        if state.loss_scale is None:
                            state.loss_scale = value
                        if self._diverging(state, value, current_start.theta, rows):
                            diverged = value
                            break
                        if i == 0:
                            sound, epoch_start = epoch_start, sound if sound is not None else _Snapshot()
                        chain.update([update], state.optimizer_state, [trainable], [scratch])
                        trainable += update
                        if l1_strength is not None:
                            penalty = step_sizes(chain, state.optimizer_state, [trainable])[0] * l1_strength
                            _truncate_l1(trainable, penalty, state.l1, remember=n_batches > 1)
                        total += value * batch_rows
                        if self.average is not None:
                            rows_done += batch_rows
                            # (rows stand for samples: all of them in one batch)
                            self.average.update(state, trainable, state.t + rows_done * n_samples // n_rows)
                if diverged is not None:
                    break
                state.n_iter += 1
                state.t += n_samples
                loss = total / n_rows
                if not state.loss_scale_settled:
                    state.loss_scale, state.loss_scale_settled = max(state.loss_scale, loss), True
                stopped = self._end_epoch(state, loss, learning_rate, started, check_convergence)
                current_start = None
                if stopped:
                    break
            if diverged is None:
                diverged = self._check_last_step(state, rows)
        except KeyboardInterrupt:
            if PROPAGATE_INTERRUPT.get():
                raise
            # The interrupted epoch's partial steps and records are dropped.
            interrupted = True
            if current_start is not None:
                current_start.restore(state)

        if diverged is not None:
            self.observer.cancel()
            (sound if sound is not None else current_start).restore(state)
            self._warn(state, "diverged", f" (the loss reached {diverged:.3g})", rows)
        elif interrupted:
            self.observer.cancel()
            self._warn(state, "was interrupted", " (KeyboardInterrupt)", rows)
        if check_convergence:
            self._restore_best(state)
            if not (stopped or interrupted or diverged is not None) and self.tol is not None:
                self._warn_budget(
                    f"maximum iterations ({self.max_iter}) reached and the optimization hasn't converged yet.",
                    rows,
                )
        return state

    def _check_last_step(self, state, rows):
        """The loss after the last step, if it diverged, else None.

        Every other step is judged by the next batch's loss; the last one
        would otherwise be kept unjudged, so it is judged on the first batch
        (all of it when the epoch is one batch, as the next epoch would).
        """
        theta = state.theta
        if not np.isfinite(theta).all():
            return math.nan
        with np.errstate(over="ignore", invalid="ignore"):
            value = self._mean_loss(theta, rows, n_batches=1)
        return value if not value <= _divergence_threshold(state) else None

    def _end_epoch(self, state, loss, learning_rate, started, check_convergence):
        """Record the epoch, step the schedule, and say whether to stop."""
        self._evaluate_where_the_optimizer_says(state)
        state.loss_curve.append(loss)
        state.learning_rates.append(learning_rate)
        score = self.validation_score(state.model_theta) if self.validation_score else None
        if score is not None:
            state.validation_scores.append(score)
        if self.chain is not None:
            self.chain.end_epoch(state.optimizer_state, loss=loss, validation_score=score)

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
        """Stop once ``n_iter_no_change`` consecutive epochs have not
        improved the validation score (early stopping) or the training loss
        by ``tol``."""
        if score is not None:
            improved = self.tol is None or score >= state.best_validation_score + self.tol
            if score > state.best_validation_score:
                state.best_validation_score = score
                state.best_theta = state.model_theta.copy()
        else:
            improved = self.tol is None or loss <= state.best_loss - self.tol
        state.best_loss = min(state.best_loss, loss)
        state.no_improvement_count = 0 if improved else state.no_improvement_count + 1
        if state.no_improvement_count >= self.n_iter_no_change:
            if self.chain.on_plateau(state.optimizer_state):
                state.no_improvement_count = 0
                if self.verbose:
                    print("Plateau: the schedule cut the learning rate; training goes on.", flush=True)
                return False
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
            if state.n_averaged:
                state.average[...] = state.best_theta
            if state.evaluation is not None:
                state.evaluation[...] = state.best_theta

    def _evaluate_where_the_optimizer_says(self, state):
        """Refresh ``state.evaluation`` from the chain's evaluation
        parameters, or set it to None when they are the iterate."""
        offset = self.network.trainable_offset
        evaluation = None
        if self.chain is not None:
            evaluation = self.chain.evaluation_params(state.optimizer_state, [state.theta[offset:]])
        if evaluation is None:
            state.evaluation = None
            return
        if state.evaluation is None or state.evaluation.shape != state.theta.shape:
            state.evaluation = state.theta.copy()
        state.evaluation[offset:] = evaluation[0]

    def _diverging(self, state, batch_loss, epoch_start, rows):
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
            state.loss_scale = max(state.loss_scale, self._mean_loss(epoch_start, rows))
            state.loss_scale_settled = True
            return not batch_loss <= _divergence_threshold(state)
        return True

    def _mean_loss(self, theta, rows, n_batches=None):
        """The data term of the loss of ``theta`` over the rows (or their
        first ``n_batches`` batches), without dropout."""
        batch_size = resolve_batch_size(self.batch_size, rows.n_rows, self.optimizer)
        return rows.mean_loss(self.network, theta, batch_size, n_batches)

    def _warn(self, state, what, detail, rows):
        """A training run ended early: say why and which weights were kept."""
        lr = getattr(self.optimizer, "learning_rate", None)
        advice = ""
        if what == "diverged":
            advice = f" Try a smaller learning_rate than {lr:g}." if lr is not None else " Check the data's scale."
        warnings.warn(
            f"Training with {self.optimizer!r} {what} in epoch {state.n_iter + 1}{detail}; stopped "
            f"and kept the weights of epoch {state.n_iter}, the last ones known to be "
            f"sound.{advice}{_scale_note(rows, self.network)}",
            ConvergenceWarning,
        )

    def _warn_budget(self, message, rows):
        warnings.warn(f"{type(self.optimizer).__name__}: {message}{_scale_note(rows, self.network)}", ConvergenceWarning)

    # --------------------------------------------------------- L-BFGS path
    def _minimize(self, state, rows, n_samples, max_iter, check_convergence):
        """L-BFGS on ``rows``, which stand for ``n_samples`` training samples."""
        network, theta = self.network, state.theta
        trainable = theta[network.trainable_offset :]
        start = trainable.copy()
        grad = np.empty_like(trainable)
        clock = [time.perf_counter()]
        last_iterate = start.copy()

        def objective(x):
            trainable[...] = x
            value = rows.value_and_gradient(network, theta, grad)
            return value, grad.astype(np.float64)

        def after_iteration(intermediate_result):
            state.n_iter += 1
            state.t += n_samples
            trainable[...] = intermediate_result.x
            last_iterate[...] = trainable
            stop = self._end_epoch(state, float(intermediate_result.fun), None, clock[0], False)
            clock[0] = time.perf_counter()
            if stop:
                raise StopIteration
            self.observer.begin(state)

        self.observer.begin(state)
        try:
            result = self.optimizer.minimize(objective, trainable, max_iter=max_iter, callback=after_iteration)
        except KeyboardInterrupt:
            if PROPAGATE_INTERRUPT.get():
                raise
            trainable[...] = last_iterate
            self._warn(state, "was interrupted", " (KeyboardInterrupt)", rows)
            return state
        finally:
            self.observer.cancel()  # the iteration begun last never ran
        if np.isfinite(result.x).all() and np.isfinite(result.fun):
            trainable[...] = result.x
        else:
            trainable[...] = start
            self._warn(state, "diverged", f" (the loss reached {float(result.fun):.3g})", rows)
            return state
        if check_convergence and result.status == 1:
            # scipy's status 1 is a budget: max_iter, or max_fun evaluations
            if result.nfev >= self.optimizer.max_fun:
                self._warn_budget(
                    f"the maximum number of loss evaluations (max_fun={self.optimizer.max_fun}) was "
                    f"reached after {result.nit} iterations and the optimization hasn't converged yet.",
                    rows,
                )
            elif self.tol is not None:
                self._warn_budget(
                    f"maximum iterations ({max_iter}) reached and the optimization hasn't converged yet.", rows
                )
        return state


def merge_repeated_rows(X, Y, sample_weight):
    """The rows of a full-batch objective merged and ordered by content, or
    None when the data needs neither.

    A full-batch objective is a weighted sum over the rows: repeated rows
    and integer weights are the same objective, but summed in other orders
    they round differently, and a non-convex L-BFGS path or AdaGrad on
    gradients near 0 amplifies that rounding until the fits differ
    (scikit-learn's ``check_sample_weight_equivalence``). So when the data
    has repeated rows of (X, Y), or unequal weights, the rows are merged
    into distinct ones with their total weight (rows of total weight 0
    dropped) and ordered by their content only. Data with neither, the
    common case, is used as it is, without a copy: finding repeated rows
    costs a hash of each row and a sort of the hashes.

    Returns
    -------
    None, or (X_rows, Y_rows, weights) with X_rows sparse if X is, Y_rows
    targets of Y's kind and weights of Y's dtype.
    """
    keys = _row_hashes(X, Y)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    distinct = np.r_[True, keys[1:] != keys[:-1]]  # where a distinct row starts, in `order`
    if sample_weight is None and distinct.all():
        return None
    starts = np.flatnonzero(distinct)
    lengths = np.diff(np.r_[starts, len(keys)])
    for start, length in zip(starts[lengths > 1], lengths[lengths > 1]):
        # Rows of equal hash: repeats of one row, or (rarely) a collision.
        # They are ordered by content and compared exactly.
        rows = order[start : start + length]
        contents = [_row_bytes(X, Y, i) for i in rows]
        ranked = sorted(range(length), key=contents.__getitem__)
        order[start : start + length] = rows[ranked]
        for position in range(1, length):
            distinct[start + position] = contents[ranked[position]] != contents[ranked[position - 1]]
    weights = np.ones(X.shape[0], dtype=Y.dtype) if sample_weight is None else sample_weight.astype(Y.dtype)
    totals = np.bincount(np.cumsum(distinct) - 1, weights=weights[order]).astype(Y.dtype)
    first, kept = order[distinct], totals > 0
    return X[first[kept]], Y[first[kept]], totals[kept]


def _row_hashes(X, Y):
    """A 64-bit hash of each row of (X, Y), exact integer arithmetic on the
    values' bits, so that equal rows have equal hashes wherever they are."""
    multipliers = np.random.default_rng(0).integers(1, 2**63, size=X.shape[1] + Y.shape[1], dtype=np.uint64) | 1
    hashes = np.zeros(X.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        if sparse.issparse(X):
            X = X.tocsr()
            terms = _bits(X.data) * multipliers[X.indices]
            nonempty = np.diff(X.indptr) > 0
            hashes[nonempty] = np.add.reduceat(terms, X.indptr[:-1][nonempty])
        else:
            for start in range(0, X.shape[0], 4096):  # in blocks: no temporary the size of X
                block = slice(start, start + 4096)
                hashes[block] = (_bits(X[block]) * multipliers[: X.shape[1]]).sum(axis=1)
        if hasattr(Y, "codes"):  # class codes: one per row
            hashes += Y.codes.astype(np.uint64) * multipliers[-1]
        else:
            hashes += (_bits(Y.dense()) * multipliers[X.shape[1] :]).sum(axis=1)
    return hashes


def _bits(values):
    """The bits of float values as unsigned integers (-0.0 and 0.0 differ)."""
    values = np.ascontiguousarray(values)
    return values.view(np.uint64 if values.dtype.itemsize == 8 else np.uint32).astype(np.uint64, copy=False)


def _row_bytes(X, Y, i):
    """Row ``i`` of (X, Y) as bytes, for exact comparisons and ordering."""
    row = X[i : i + 1]
    if sparse.issparse(row):
        row = sparse.csr_matrix(row)
        row.sum_duplicates()
        return row.indices.tobytes() + row.data.tobytes() + Y[[i]].dense().tobytes()
    return np.ascontiguousarray(row).tobytes() + Y[[i]].dense().tobytes()


class Averaging:
    """Averages the iterates of a step optimizer, after each step.

    From the step at which ``start`` samples have been seen, the average
    ā of the trainable parameters θ moves towards them::

        ā ← ā + r (θ − ā),   r = 1/k                    (Polyak-Ruppert)
                             r = max(1 − decay, 1/k)    (exponential)

    with k the number of iterates averaged so far: the uniform average of
    scikit-learn's ``average=True`` (or ``average=start``), or an
    exponential moving average, which starts as the uniform one until its
    window of 1/(1 − decay) iterates is filled, so that it is not biased
    towards the first weights.

    Parameters
    ----------
    start : int
        Samples seen before the first averaged iterate (1: from the first
        step).
    decay : float or None
        None for the uniform average, else the decay of the exponential one.
    offset : int
        Start of the trainable parameters in the flat vector.
    """

    def __init__(self, start, decay, offset):
        self.start = start
        self.decay = decay
        self.offset = offset
        self._difference = None

    def update(self, state, trainable, samples_seen):
        if samples_seen < self.start:
            return
        if state.average is None:
            state.average = state.theta.copy()
        state.n_averaged += 1
        rate = 1.0 / state.n_averaged
        if self.decay is not None:
            rate = max(1.0 - self.decay, rate)
        average = state.average[self.offset :]
        if self._difference is None or self._difference.shape != average.shape:
            self._difference = np.empty_like(average)
        np.subtract(trainable, average, out=self._difference)
        self._difference *= rate
        average += self._difference


class _Snapshot:
    """The training state at the end of an epoch, to return to.

    Buffers are reused from one epoch to the next, so taking a snapshot
    allocates nothing after the first epoch.
    """

    def __init__(self, state=None):
        self.theta = self.optimizer_state = self.order = self.average = self.l1 = self.evaluation = None
        if state is not None:
            self.take(state)

    def take(self, state):
        self.theta = _copy_into(state.theta, self.theta)
        self.optimizer_state = _copy_into(state.optimizer_state, self.optimizer_state)
        self.order = _copy_into(state.order, self.order)
        self.average = _copy_into(state.average, self.average)
        self.n_averaged = state.n_averaged
        self.l1 = _copy_into(state.l1, self.l1)
        self.evaluation = _copy_into(state.evaluation, self.evaluation)
        self.rng = copy.deepcopy(state.rng.bit_generator.state)
        self.n_iter, self.t = state.n_iter, state.t
        self.records = len(state.loss_curve), len(state.learning_rates), len(state.validation_scores)
        self.best = (state.best_loss, state.best_validation_score, state.no_improvement_count, state.best_theta)

    def restore(self, state):
        state.theta[...] = self.theta
        state.optimizer_state = _copy_into(self.optimizer_state, state.optimizer_state)
        state.order = _copy_into(self.order, state.order)
        state.average = _copy_into(self.average, state.average)
        state.n_averaged = self.n_averaged
        state.l1 = _copy_into(self.l1, state.l1)
        state.evaluation = _copy_into(self.evaluation, state.evaluation)
        state.rng.bit_generator.state = self.rng
        state.n_iter, state.t = self.n_iter, self.t
        for records, length in zip((state.loss_curve, state.learning_rates, state.validation_scores), self.records):
            del records[length:]
        state.best_loss, state.best_validation_score, state.no_improvement_count, state.best_theta = self.best


def _copy_generator(rng):
    """An independent generator in the same state (cheaper than deepcopy)."""
    copied = np.random.Generator(type(rng.bit_generator)())
    copied.bit_generator.state = rng.bit_generator.state
    return copied


def _copy_into(source, target):
    """A copy of ``source`` (arrays, lists, tuples, dicts, dataclasses,
    scalars) reusing the arrays of ``target`` where they fit; returns the
    copy."""
    if isinstance(source, np.ndarray):
        if isinstance(target, np.ndarray) and target.shape == source.shape and target.dtype == source.dtype:
            np.copyto(target, source)
            return target
        return source.copy()
    if isinstance(source, list):
        if not isinstance(target, list) or len(target) != len(source):
            target = [None] * len(source)
        target[:] = [_copy_into(s, t) for s, t in zip(source, target)]
        return target
    if isinstance(source, tuple):
        if not isinstance(target, tuple) or len(target) != len(source):
            target = (None,) * len(source)
        return tuple(_copy_into(s, t) for s, t in zip(source, target))
    if dataclasses.is_dataclass(source) and not isinstance(source, type):
        reuse = type(target) is type(source)
        copied = target if reuse else copy.copy(source)
        for field in dataclasses.fields(source):
            value = _copy_into(getattr(source, field.name), getattr(target, field.name) if reuse else None)
            object.__setattr__(copied, field.name, value)
        return copied
    if isinstance(source, dict):
        if not isinstance(target, dict):
            target = {}
        for key in list(target):
            if key not in source:
                del target[key]
        for key, value in source.items():
            target[key] = _copy_into(value, target.get(key))
        return target
    if source is None or isinstance(source, (bool, int, float, str, np.generic)):
        return source
    return copy.deepcopy(source)


def _scale_note(rows, network):
    """Advice appended to a warning when the data's scale is large."""
    scale_X, scale_Y = rows.max_abs(targets=network.loss.is_regression)
    if max(scale_X, scale_Y) <= LARGE_SCALE:
        return ""
    what = "X" if scale_X >= scale_Y else "y"
    fix = "standardise the features (StandardScaler)" if what == "X" else (
        "standardise the targets (normalize_y=True, or TransformedTargetRegressor(transformer=StandardScaler()))"
    )
    return (
        f" The data's scale may be the cause: {what} has values up to {max(scale_X, scale_Y):.3g} in "
        f"absolute value, while the optimizers' default learning rates suit values of order 1; {fix}."
    )


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


def _truncate_l1(params, penalty, l1, *, remember):
    """Apply the l1 penalty of one step, with exact zeros.

    Tsuruoka, Tsujii & Ananiadou's (2009) cumulative penalty, as scikit-learn's
    SGD applies it: ``total`` is the penalty each weight could have received
    so far (the sum of its step sizes times the strength), ``applied`` what
    it did receive; a weight is moved towards 0 by the difference, and
    clipped at 0. Penalty a weight did not receive because it was clipped
    stays owed, so the noise of stochastic gradients cannot keep pushing a
    useless weight off 0. With ``remember=False`` (a full-batch step, which
    has no such noise) only this step's penalty is applied: the proximal
    step of ISTA, ``θ ← sign(θ) max(|θ| − penalty, 0)``.
    """
    total, applied = l1["total"], l1["applied"]
    if remember:
        total += penalty
    else:
        total[...] = penalty
        applied[...] = 0
    before = params.copy()
    shrunk_positive = np.maximum(params - (total + applied), 0)
    shrunk_negative = np.minimum(params + (total - applied), 0)
    params[...] = np.where(params > 0, shrunk_positive, np.where(params < 0, shrunk_negative, params))
    applied += params - before


def _augmented(augmentation, X, Y, weights, rng):
    """A training batch through ``augmentation.augment``, checked.

    The augmentation receives a dense X (a sparse batch is densified) and
    the batch's target rows, and may not change the dtype or the widths.
    Rows keep their weights when their number is unchanged; otherwise the
    new rows weigh the same, which sample weights cannot be spread over.
    """
    if sparse.issparse(X):
        X = X.toarray()
    n_rows, dtype = X.shape[0], X.dtype
    X_new, Y_new = augmentation.augment(X, Y, rng)
    X_new, Y_new = np.asarray(X_new, dtype=dtype), np.asarray(Y_new, dtype=dtype)
    if X_new.ndim != 2 or X_new.shape[1] != X.shape[1] or Y_new.shape != (X_new.shape[0], Y.shape[1]):
        raise ValueError(
            f"augmentation {augmentation!r} turned a batch X of shape {X.shape} and targets Y of shape "
            f"{Y.shape} into X of shape {X_new.shape} and Y of shape {Y_new.shape}; it must keep the "
            "numbers of features and of target columns, and return as many target rows as rows."
        )
    if X_new.shape[0] != n_rows:
        if np.ndim(weights):
            raise ValueError(
                f"augmentation {augmentation!r} turned a batch of {n_rows} rows into {X_new.shape[0]}, "
                "so the rows' sample weights (sample_weight or class_weight) no longer apply: fit "
                "without weights, or with an augmentation that keeps the number of rows."
            )
        weights = 1.0 / X_new.shape[0]
    return X_new, Y_new, weights


def _format_epoch(info):
    parts = [f"Epoch {info['epoch']}: loss {info['loss']:.6f}"]
    if info["validation_score"] is not None:
        parts.append(f"validation score {info['validation_score']:.6f}")
    if info["learning_rate"] is not None:
        parts.append(f"learning rate {info['learning_rate']:.3g}")
    parts.append(f"{info['seconds']:.2f} s")
    return ", ".join(parts)


class Rows:
    """Where the training rows live: the trainer's data seam.

    The trainer never reads rows itself. It asks its ``Rows`` for:

    - ``n_rows``, the number of training rows;
    - ``batches(batch_size, shuffle=...)``, an epoch's batches: an object
      with ``permutation(state)`` (the epoch's order, drawn from the fit's
      generator ``state.rng``) and ``gradients(order, network, theta, grad,
      rng)``, which for each step of the epoch writes the gradient of the
      step's batch (a weighted mean over its rows, the penalty included)
      into ``grad`` and yields ``(loss, rows in the batch)``; ``theta`` may
      change between steps, and ``rng`` is not None when the network draws
      dropout masks or the batches are augmented (only rows held in this
      process augment theirs: the estimators refuse an augmentation with
      rows held elsewhere);
    - ``mean_loss(network, theta, batch_size, n_batches=None)``, the data
      term of the loss over all rows, or over the first ``n_batches``
      unshuffled batches, without dropout;
    - ``value_and_gradient(network, theta, grad)``, the full-batch objective
      with the rows' weights normalised to sum 1 (L-BFGS);
    - ``max_abs(targets)``, the largest absolute value of X and, if
      ``targets``, of the targets (for the advice on the data's scale).
    """

    n_rows: int


class InMemoryRows(Rows):
    """Rows held in this process: X, encoded targets Y and sample weights,
    and the augmentation of their training batches, if any."""

    def __init__(self, X, Y, sample_weight, dtype, augmentation=None):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.augmentation = augmentation
        self.n_rows = X.shape[0]
        self.weights = None
        if sample_weight is not None:  # normalised to mean 1 for the batches
            self.weights = (sample_weight / sample_weight.mean()).astype(dtype, copy=False)
        self._full_batch = None

    def batches(self, batch_size, *, shuffle):
        return _BatchGatherer(self.X, self.Y, self.weights, batch_size, shuffle=shuffle, augmentation=self.augmentation)

    def mean_loss(self, network, theta, batch_size, n_batches=None):
        total, n_rows = 0.0, 0
        for Xb, Yb, wb in itertools.islice(self.batches(batch_size, shuffle=False).batches(None), n_batches):
            raw = network.forward(theta, Xb)
            total += network.loss.value_and_gradient(raw, Yb, wb, np.empty_like(raw)) * Xb.shape[0]
            n_rows += Xb.shape[0]
        return total / n_rows

    def value_and_gradient(self, network, theta, grad):
        if self._full_batch is None:
            n_rows, weights = self.n_rows, self.sample_weight
            self._full_batch = self.Y.dense(), 1.0 / n_rows if weights is None else weights / weights.sum()
        Y, weights = self._full_batch
        return network.value_and_gradient(theta, self.X, Y, weights, grad)

    def max_abs(self, targets):
        return max_abs(self.X), max_abs(self.Y.dense()) if targets else 0.0


class _BatchGatherer:
    """Yields (X, Y, weights) batches in the order of a permutation.

    Shuffled batches are gathered into buffers allocated once per call, so
    memory stays at one batch beyond the data; unshuffled batches of dense
    arrays are views. ``Y`` is a DenseTargets or EncodedTargets.
    Per-sample loss weights are divided by the batch size so every batch's
    loss is a weighted mean. An augmentation transforms the batches of
    :meth:`gradients` (the training steps), and no others.
    """

    def __init__(self, X, Y, weights, batch_size, *, shuffle, augmentation=None):
        self.X, self.Y, self.weights = X, Y, weights
        self.augmentation = augmentation
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

    def gradients(self, order, network, theta, grad, rng):
        """Per batch: its gradient written into ``grad``; yields (loss, rows)."""
        for Xb, Yb, wb in self.batches(order):
            n_rows = Xb.shape[0]
            if self.augmentation is not None:
                Xb, Yb, wb = _augmented(self.augmentation, Xb, Yb, wb, rng)
            yield network.value_and_gradient(theta, Xb, Yb, wb, grad, rng), n_rows

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
