"""The blocks of a Dask array as the trainer's rows: data-parallel training.

Each block of rows is prepared where it is computed (validated, targets
encoded, class weights applied, early-stopping rows set aside) into a
:class:`Block`. Two kinds of :class:`~skopt_lab._engine.trainer.Rows` then
answer the trainer:

- :class:`ClusterRows`, with a ``distributed.Client``: the prepared blocks are
  persisted on the workers and never leave them. A step sends the parameters
  once (inside the tasks when they are small, else one scatter to every
  worker) and one task per worker thread, which
  sums the loss and gradient of its blocks' share of the step's batch; the
  client adds these partial sums and the penalty, and the optimizer takes the
  step with its one state: PyTorch's DistributedDataParallel, with Dask's
  scheduler in place of the all-reduce. A step's batch takes part ``s`` of
  ``S`` (the steps of the epoch) of every block, in an order each block draws
  from the epoch's seed, so every row is used once per epoch and each batch
  samples every block. A worker that dies loses nothing but time: its blocks
  are recomputed from their lineage and its tasks run again elsewhere.
- :class:`LocalRows`, without a client: one block at a time is computed in
  this process (bounded memory, the out-of-core path); mini-batches are
  taken within a block, blocks in an order drawn per epoch.

Everything random (block orders, dropout masks) derives from one seed per
epoch drawn from the fit's generator, so a run is reproducible for a given
``random_state`` and chunking, whichever worker computes what; full-batch
objectives (GD, L-BFGS) are sums over blocks, equal to the in-memory ones.
The functions named ``_on_blocks*`` run where the blocks are.
"""

import dataclasses
import math
import threading

import numpy as np
from .trainer import Rows

@dataclasses.dataclass
class Block:
    """One block of training rows, prepared, where it is held.

    ``X`` and ``Y`` (DenseTargets or EncodedTargets) are the training rows,
    ``weights`` their sample weights (None for all 1); ``X_val``, ``y_val``,
    ``w_val`` the early-stopping rows set aside from this block (None when
    there is no validation split).
    """

    index: int
    X: object
    Y: object
    weights: np.ndarray | None
    X_val: object = None
    y_val: np.ndarray | None = None
    w_val: np.ndarray | None = None

    def __post_init__(self):
        self._order = (None, None)

    @property
    def n_rows(self):
        return self.X.shape[0]

    def part(self, step, n_steps, seed):
        """The rows the block gives to step ``step`` of ``n_steps``: indices
        into its order for the epoch of ``seed``, or a slice (``seed`` None:
        the rows' own order)."""
        k = _part_of(self.index, step, n_steps)
        start, stop = k * self.n_rows // n_steps, (k + 1) * self.n_rows // n_steps
        if seed is None:
            return slice(start, stop)
        if self._order[0] != seed:  # drawn once per epoch, kept for its steps
            self._order = (seed, np.random.default_rng([seed, self.index]).permutation(self.n_rows))
        return self._order[1][start:stop]

    def rows(self, part):
        weights = None if self.weights is None else self.weights[part]
        return self.X[part], self.Y[part].dense(), weights


# Up to this many bytes of parameters per step (all tasks together), the
# parameters travel inside the step's tasks; beyond, they are scattered to
# every worker once and the tasks refer to them. Measured on a local cluster
# of 2 workers, a step's round trip took 21 ms with 100 parameters inside
# the tasks against 44 ms scattered, and 43 ms against 64 ms with 240,000.
EMBED_BYTES = 4 * 2**20

# The order of a pass that is not an epoch's (full-batch objectives, losses
# for the divergence test): the rows' own, no dropout.
_NO_EPOCH = (0, False)


def _part_of(index, step, n_steps):
    """The part of block ``index`` that step ``step`` takes: shifted by the
    block's index, so that blocks smaller than the number of steps spread
    their rows over different steps."""
    return (step + index) % n_steps


def block_step_rows(index, n_rows, step, n_steps):
    """Rows that block ``index`` of ``n_rows`` rows gives to a step."""
    k = _part_of(index, step, n_steps)
    return (k + 1) * n_rows // n_steps - k * n_rows // n_steps


def step_rows(sizes, step, n_steps):
    """Rows of step ``step`` of ``n_steps`` over blocks of ``sizes`` rows."""
    return sum(block_step_rows(index, n_rows, step, n_steps) for index, n_rows in enumerate(sizes))


# ------------------------------------------------------- work on the blocks
_THREAD = threading.local()


def _thread_network(network):
    """A copy of ``network`` for this thread: its batch buffers are its own
    when a worker runs several tasks at once."""
    copies = getattr(_THREAD, "networks", None)
    if copies is None or copies[0] is not network:
        copies = _THREAD.networks = (network, network.without_penalty())
    return copies[1]


def _on_blocks(network, theta, blocks, step, n_steps, epoch, scale, gradient=True):
    """Σ over ``blocks`` of the weighted loss (and its gradient) of part
    ``step`` of ``n_steps`` of each, every row's weight times ``scale``.

    ``epoch`` is ``(seed, shuffle)``: the epoch's seed orders the blocks'
    rows (with ``shuffle``) and draws dropout masks. Returns ``(loss,
    gradient)`` (gradient None without ``gradient``); the network is used
    without its penalty, which the caller adds once.
    """
    seed, shuffle = epoch
    network = _thread_network(network)
    total, total_grad = 0.0, None
    grad = np.empty(network.n_params - network.trainable_offset, dtype=theta.dtype)
    for block in blocks:
        part = block.part(step, n_steps, seed if shuffle else None)
        Xb, Yb, wb = block.rows(part)
        if Xb.shape[0] == 0:
            continue
        weights = scale if wb is None else wb * scale
        if gradient:
            rng = np.random.default_rng([seed, step, block.index]) if network.dropout else None
            total += network.value_and_gradient(theta, Xb, Yb, weights, grad, rng)
            total_grad = grad.copy() if total_grad is None else np.add(total_grad, grad, out=total_grad)
        else:
            raw = network.forward(theta, Xb)
            total += network.loss.value_and_gradient(raw, Yb, weights, np.empty_like(raw))
    if gradient and total_grad is None:
        total_grad = np.zeros_like(grad)
    return total, total_grad


def _on_blocks_validation(network, theta, blocks, statistics):
    """The statistics of the validation score of each of ``blocks``."""
    return [
        statistics.block(network.forward(theta, block.X_val), block.y_val, block.w_val)
        for block in blocks
        if block.X_val is not None and block.X_val.shape[0]
    ]


# --------------------------------------------------------------- the rows
class BlockRows(Rows):
    """What both kinds share: the blocks' sizes and weights, and the
    objective assembled from per-block sums.

    Parameters
    ----------
    sizes : list of int
        Training rows of each block.
    weight_total : float or None
        Σ of the training rows' sample weights (None: no weights).
    max_abs : (float, float)
        Largest absolute value of X and of the targets.
    """

    def __init__(self, sizes, weight_total, max_abs):
        self.sizes = list(sizes)
        self.n_rows = sum(self.sizes)
        self.weight_total = weight_total
        self._max_abs = max_abs

    def max_abs(self, targets):
        return self._max_abs[0], self._max_abs[1] if targets else 0.0

    def _scale(self, n_rows):
        """Weight of each row in a mean over ``n_rows`` rows (weights
        normalised to mean 1, as in memory)."""
        mean_weight = 1.0 if self.weight_total is None else self.weight_total / self.n_rows
        return 1.0 / (mean_weight * n_rows)

    def value_and_gradient(self, network, theta, grad):
        value = self._sum(network, theta, grad, step=0, n_steps=1, epoch=_NO_EPOCH, scale=self._scale(self.n_rows))
        return network.add_penalty(theta, grad, value)

    def mean_loss(self, network, theta, batch_size, n_batches=None):
        n_steps = max(1, math.ceil(self.n_rows / batch_size)) if n_batches else 1
        rows = step_rows(self.sizes, 0, n_steps)
        return self._sum(network, theta, None, step=0, n_steps=n_steps, epoch=_NO_EPOCH, scale=self._scale(rows))


class ClusterRows(BlockRows):
    """Blocks persisted on the workers of a Dask cluster.

    Parameters
    ----------
    client : distributed.Client
    blocks : list of Future
        The prepared :class:`Block` of each block of rows.
    sizes, weight_total, max_abs
        See :class:`BlockRows`.
    """

    def __init__(self, client, blocks, sizes, weight_total, max_abs):
        super().__init__(sizes, weight_total, max_abs)
        self.client = client
        self.blocks = blocks
        self._network = (None, None)  # the network, and its copy on the workers
        self._groups = None

    def batches(self, batch_size, *, shuffle):
        return _ClusterEpoch(self, batch_size, shuffle)

    def value_and_gradient(self, network, theta, grad):
        self._groups = None  # look where the blocks are now: L-BFGS has no epochs to do it
        return super().value_and_gradient(network, theta, grad)

    def groups(self):
        """The blocks in one group per worker thread, each group on one
        worker, from where the blocks are now (a replaced worker's blocks
        are recomputed elsewhere)."""
        with connection_errors(self.client):
            who_has = self.client.who_has(self.blocks)
            threads = self.client.nthreads()
        by_worker = {}
        for i, block in enumerate(self.blocks):
            holders = who_has.get(block.key) or [None]
            by_worker.setdefault(holders[0], []).append(i)
        groups = []
        for worker, indices in by_worker.items():
            n_groups = max(1, min(len(indices), threads.get(worker, 1)))
            groups += [(worker, indices[k::n_groups]) for k in range(n_groups)]
        # In the blocks' order, so that the partial sums are added in the
        # same order by every run whose blocks are placed alike.
        groups.sort(key=lambda group: group[1][0])
        self._groups = [(worker, [self.blocks[i] for i in indices]) for worker, indices in groups]
        return self._groups

    def run(self, function, network, theta, *args):
        """``function(network, theta, blocks, *args)`` on every group where
        its blocks are (the network without its penalty, sent once); the
        results, gathered."""
        groups = self._groups or self.groups()
        client = self.client
        with connection_errors(client):
            if self._network[0] is not network:
                self._network = network, client.scatter(network.without_penalty(), broadcast=True, hash=False)
            if theta.nbytes * len(groups) <= EMBED_BYTES:
                theta_future = theta  # in the tasks themselves: one message each, no scatter's round trip
            else:
                theta_future = client.scatter(theta, broadcast=True, hash=False, direct=True)
            futures = [
                client.submit(function, self._network[1], theta_future, blocks, *args, pure=False, **_near(worker))
                for worker, blocks in groups
            ]
            return client.gather(futures)

    def _sum(self, network, theta, grad, *, step, n_steps, epoch, scale):
        results = self.run(_on_blocks, network, theta, step, n_steps, epoch, scale, grad is not None)
        if grad is not None:
            grad[...] = 0
            for _, partial in results:
                grad += partial
        return float(sum(value for value, _ in results))

    def validation_statistics(self, network, theta, statistics):
        return [part for parts in self.run(_on_blocks_validation, network, theta, statistics) for part in parts]


def _near(worker):
    """Run on ``worker`` if it is alive, else anywhere (its blocks are then
    recomputed from their lineage)."""
    return {} if worker is None else {"workers": [worker], "allow_other_workers": True}


class _ClusterEpoch:
    """An epoch of steps, each over its part of every block."""

    def __init__(self, rows, batch_size, shuffle):
        self.rows = rows
        self.n_steps = max(1, math.ceil(rows.n_rows / batch_size))
        self.shuffle = shuffle

    def permutation(self, state):
        """The epoch's seed (block orders, dropout), from the fit's generator."""
        self.rows.groups()  # where the blocks are, once per epoch
        return int(state.rng.integers(2**63)), self.shuffle

    def gradients(self, epoch, network, theta, grad, rng):
        for step in range(self.n_steps):
            rows = step_rows(self.rows.sizes, step, self.n_steps)
            if rows == 0:
                continue
            value = self.rows._sum(network, theta, grad, step=step, n_steps=self.n_steps, epoch=epoch,
                                   scale=self.rows._scale(rows))  # fmt: skip
            yield network.add_penalty(theta, grad, value), rows


class LocalRows(BlockRows):
    """Blocks computed one at a time in this process.

    Parameters
    ----------
    load : callable
        ``load(i)``: the prepared :class:`Block` ``i``, computed anew.
    sizes, weight_total, max_abs
        See :class:`BlockRows`.
    """

    def __init__(self, load, sizes, weight_total, max_abs):
        super().__init__(sizes, weight_total, max_abs)
        self.load = load

    def batches(self, batch_size, *, shuffle):
        return _LocalEpoch(self, batch_size, shuffle)

    def _sum(self, network, theta, grad, *, step, n_steps, epoch, scale):
        value, total = 0.0, None
        for i in range(len(self.sizes)):
            if block_step_rows(i, self.sizes[i], step, n_steps) == 0:
                continue
            block_value, block_grad = _on_blocks(network, theta, [self.load(i)], step, n_steps, epoch, scale,
                                                 grad is not None)  # fmt: skip
            value += block_value
            if grad is not None:
                total = block_grad if total is None else np.add(total, block_grad, out=total)
        if grad is not None:
            grad[...] = 0 if total is None else total
        return value

    def validation_statistics(self, network, theta, statistics):
        return [part for i in range(len(self.sizes)) for part in _on_blocks_validation(network, theta, [self.load(i)], statistics)]


class _LocalEpoch:
    """An epoch over the blocks one after the other (in an order drawn from
    the epoch's seed), in mini-batches within each block; a full batch sums
    every block."""

    def __init__(self, rows, batch_size, shuffle):
        self.rows = rows
        self.batch_size = batch_size
        self.shuffle = shuffle

    def permutation(self, state):
        return int(state.rng.integers(2**63)), self.shuffle

    def gradients(self, epoch, network, theta, grad, rng):
        rows = self.rows
        if self.batch_size >= rows.n_rows:  # the full batch: every block, summed
            value = rows._sum(network, theta, grad, step=0, n_steps=1, epoch=epoch, scale=rows._scale(rows.n_rows))
            yield network.add_penalty(theta, grad, value), rows.n_rows
            return
        seed, shuffle = epoch
        order = np.random.default_rng(seed).permutation(len(rows.sizes)) if shuffle else range(len(rows.sizes))
        for i in order:
            if rows.sizes[i] == 0:
                continue
            block = rows.load(int(i))
            n_steps = math.ceil(rows.sizes[i] / self.batch_size)
            for step in range(n_steps):
                n = block_step_rows(i, rows.sizes[i], step, n_steps)
                value, block_grad = _on_blocks(network, theta, [block], step, n_steps, epoch, rows._scale(n))
                grad[...] = block_grad
                yield network.add_penalty(theta, grad, value), n


# ------------------------------------------------------------ connection
class connection_errors:
    """Turns a lost connection to the scheduler into one clear error."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            return False
        from concurrent.futures import CancelledError

        from distributed.comm.core import CommClosedError

        if isinstance(error, (CancelledError, CommClosedError, OSError, TimeoutError)) or self.client.status in (
            "closed",
            "closing",
        ):
            raise ConnectionError(
                f"Training on the Dask cluster lost its connection to the scheduler "
                f"({type(error).__name__}: {error}). The estimator was left as it was before this "
                "fit; reconnect a Client and fit again."
            ) from error
        return False

