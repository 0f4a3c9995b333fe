"""The transform protocol: what a gradient transformation is, and what it
is told about the parameters.

A :class:`Transform` is one small step of an optimizer's rule (clipping, a
preconditioner, decoupled weight decay, the learning rate), in the manner of
optax's gradient transformations, but in place: it holds only its
hyperparameters, creates its own typed state in ``init`` and rewrites the
updates in ``update`` without allocating.
"""

import dataclasses

import numpy as np


def global_norm(arrays):
    """Euclidean norm of a list of arrays taken as one vector."""
    return float(np.sqrt(sum(float(np.vdot(a, a)) for a in arrays)))


# ------------------------------------------------------------------ layout
@dataclasses.dataclass(frozen=True)
class Block:
    """One named part of the parameters: a layer's weight matrix or bias.

    Parameters
    ----------
    name : str
        What the part is, as the fitted attributes name it
        (``"coefs_[0]"``, ``"intercepts_[0]"``).
    array : int
        Index of the parameter array the part lives in.
    start : int
        Offset of the part in that array, flattened.
    stop : int
        End of the part in that array, flattened.
    shape : tuple of int
        Shape of the part (fan_in, fan_out) for a weight matrix.
    layer : int or None, default=None
        Index of its layer, from 0 at the input; None when unknown.
    role : {"weight", "bias"}, default="weight"
        A weight matrix (or any array of 2 or more dimensions) or a bias
        vector.
    output : bool, default=False
        Whether the part belongs to the output layer (a linear model's
        coefficients do); :class:`~skopt_lab.optimizers.Muon` leaves the
        output layer to AdamW.

    Examples
    --------
    >>> from skopt_lab.optimizers import Block
    >>> Block("coefs_[0]", array=0, start=0, stop=6, shape=(2, 3), layer=0).size
    6
    """

    name: str
    array: int
    start: int
    stop: int
    shape: tuple
    layer: int | None = None
    role: str = "weight"
    output: bool = False

    @property
    def size(self):
        return self.stop - self.start

    def view(self, arrays):
        """The part of ``arrays`` (the parameters, or arrays shaped like
        them) this block describes, as a view of its shape: writing to it
        writes to the array."""
        array = arrays[self.array]
        if self.start == 0 and self.stop == array.size:
            return array.reshape(self.shape)
        if not array.flags.c_contiguous:  # a flat copy would take the writes
            raise ValueError(f"Block {self.name!r} is part of an array that is not C-contiguous.")
        return array.reshape(-1)[self.start : self.stop].reshape(self.shape)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Which parts of the parameter arrays are which layer's weights.

    The estimators train one flat vector; its layout names the slices that
    are each layer's weight matrix and bias, so that a transform can treat
    matrices differently (:class:`~skopt_lab.optimizers.Partition`).
    Arrays given to an optimizer by hand form one block each.

    Parameters
    ----------
    blocks : tuple of Block
        The parts, covering every parameter once.
    n_layers : int or None, default=None
        Number of layers of the network (the last is the output layer);
        None when unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Layout
    >>> layout = Layout.of_arrays([np.zeros((2, 3)), np.zeros(3)])
    >>> [(block.name, block.role) for block in layout.blocks]
    [('params[0]', 'weight'), ('params[1]', 'bias')]
    """

    blocks: tuple
    n_layers: int | None = None

    @classmethod
    def of_arrays(cls, params):
        """One block per array: a weight for 2 or more dimensions, else a bias."""
        return cls(
            tuple(
                Block(f"params[{i}]", i, 0, p.size, p.shape, role="weight" if p.ndim >= 2 else "bias")
                for i, p in enumerate(params)
            )
        )


@dataclasses.dataclass(frozen=True, eq=False)
class Context:
    """What a training run tells its transforms when they create their state.

    Parameters
    ----------
    layout : Layout
        The parameters' parts (layers' weights and biases).
    n_epochs : int, default=1
        Length of the run in epochs: the horizon of a schedule that needs
        one (cosine annealing).
    lr_scale : ndarray or None, default=None
        Per-element factors of the learning rate (layer-wise rates in
        fine-tuning), shaped like the one parameter array they apply to.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Context, Layout
    >>> params = [np.zeros(3)]
    >>> Context(Layout.of_arrays(params), n_epochs=10).n_epochs
    10
    """

    layout: Layout
    n_epochs: int = 1
    lr_scale: np.ndarray | None = None


# --------------------------------------------------------------- transforms
class Transform:
    """A gradient transformation: a small part of an optimizer's rule.

    A transform holds only its hyperparameters. It creates its own typed
    state (a small dataclass, or None if it keeps nothing between steps) and
    rewrites the updates in place, allocating nothing:

    - ``state = transform.init(params, context)``, with ``params`` a list of
      float arrays and ``context`` a :class:`Context` (their layout, the
      run's length, per-element learning-rate factors);
    - ``transform.update(updates, state, params, scratch)``: ``updates``
      (a list shaped like ``params``: the gradient, as transformed by the
      earlier transforms of the chain) is rewritten in place, and so is the
      state; ``params`` are read, never written; ``scratch`` is a list of
      work arrays shaped like ``params`` that the transform may overwrite
      (no value survives the call).

    The last transform of a chain leaves the updates that are *added* to the
    parameters (:class:`ScaleByLearningRate` turns a direction into a step
    down the gradient). Optional hooks, with defaults that do nothing:

    - ``resume(state, previous, *, keep_schedule)``: the state a continued
      run starts from, given this transform's state of the previous run; by
      default the previous state when its arrays still have the same shapes
      and dtypes (:func:`same_layout`), else the fresh one;
    - ``begin_epoch(state)``, ``end_epoch(state, loss=...,
      validation_score=...)``, ``on_plateau(state)``: the epoch's events,
      which only the learning rate's schedule uses;
    - ``step_scale(state, params)``: the factor by which the transform
      scaled the last gradient, per element (a diagonal preconditioner's
      1/(√v + ε), the learning rate), or None; an l1 penalty's proximal step
      multiplies them;
    - ``evaluation_params(state, params)``: where the model is to be
      evaluated, if not at the parameters being trained (a schedule-free
      method trains at y and evaluates at x): a list shaped like ``params``,
      or None. The estimators then predict, score, early-stop and pickle
      with these parameters, refreshed after each epoch.

    Examples
    --------
    A transform that keeps the sign of the update, and its use by hand:

    >>> import numpy as np
    >>> from skopt_lab.optimizers import Chain, Context, Layout, ScaleByLearningRate, Transform
    >>> class ScaleBySign(Transform):
    ...     def update(self, updates, state, params, scratch):
    ...         for u in updates:
    ...             np.sign(u, out=u)  # u ← sign(u)
    >>> params = [np.array([1.0, -2.0])]
    >>> chain = Chain(ScaleBySign(), ScaleByLearningRate(0.5))
    >>> state = chain.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([3.0, -1.0])]
    >>> chain.update(updates, state, params, [np.empty(2)])
    >>> params[0] += updates[0]
    >>> params[0]
    array([ 0.5, -1.5])
    """

    def init(self, params, context):
        """The transform's state for ``params`` (None: it keeps nothing)."""
        return None

    def update(self, updates, state, params, scratch):
        """Rewrite ``updates`` (and ``state``) in place."""
        raise NotImplementedError(f"{type(self).__name__} must implement update(updates, state, params, scratch).")

    def resume(self, state, previous, *, keep_schedule=False):
        """The state to continue from: ``previous`` if its arrays still have
        the shapes and dtypes of the fresh ``state``, else ``state``."""
        return previous if same_layout(state, previous) else state

    def begin_epoch(self, state):
        """An epoch begins; return its learning rate if this transform sets one."""
        return None

    def end_epoch(self, state, *, loss, validation_score=None):
        """An epoch ended with this training loss and validation score."""

    def on_plateau(self, state):
        """The stopping rule found a plateau: True if this transform acted
        (cut the learning rate) and training goes on."""
        return False

    def step_scale(self, state, params):
        """Per-element factor of the last update on the gradient, or None."""
        return None

    def evaluation_params(self, state, params):
        """The parameters to evaluate the model at, if not ``params`` (None)."""
        return None


def same_layout(a, b):
    """Whether two states have the same structure: the same types, and
    arrays of the same shapes and dtypes (the values may differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same_layout, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_layout(a[key], b[key]) for key in a)
    if dataclasses.is_dataclass(a):
        return all(same_layout(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return True
