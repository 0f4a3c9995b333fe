"""Compose transforms: one after another (:class:`Chain`), or a different one
for each part of the parameters (:class:`Partition`), as optax's ``chain``
and ``partition``."""

import dataclasses

import numpy as np

from ._protocol import Layout, Transform


class Chain(Transform):
    """Apply transforms one after the other.

    The chain's state is the tuple of its transforms' states; its epoch
    events reach every transform, and the learning rate it reports is the
    last one set (the outermost :class:`ScaleByLearningRate`).

    Parameters
    ----------
    transforms : Transform
        The transforms in order, as separate arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import Chain, ClipByGlobalNorm, Context, Layout, ScaleByLearningRate
    >>> chain = Chain(ClipByGlobalNorm(1.0), ScaleByLearningRate(0.1))
    >>> params = [np.zeros(2)]
    >>> state = chain.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.array([3.0, 4.0])]  # norm 5, clipped to 1
    >>> chain.update(updates, state, params, [np.empty(2)])
    >>> updates[0]
    array([-0.06, -0.08])
    """

    def __init__(self, *transforms):
        self.transforms = transforms

    def __repr__(self):
        return f"Chain({', '.join(map(repr, self.transforms))})"

    def init(self, params, context):
        return tuple(transform.init(params, context) for transform in self.transforms)

    def update(self, updates, state, params, scratch):
        for transform, inner in zip(self.transforms, state):
            transform.update(updates, inner, params, scratch)

    def resume(self, state, previous, *, keep_schedule=False):
        """Continue from ``previous`` when the transforms that keep a state
        have states of the same types in the same order (a changed
        ``clip_norm`` or added weight decay keeps Adam's moments; another
        preconditioner starts afresh): each one then resumes its own (see
        :meth:`Transform.resume`). Otherwise the fresh ``state``."""
        kept = [i for i, inner in enumerate(state) if inner is not None]
        before = [inner for inner in previous if inner is not None] if isinstance(previous, tuple) else None
        if before is None or [type(state[i]) for i in kept] != [type(inner) for inner in before]:
            return state
        resumed = list(state)
        for i, old in zip(kept, before):
            resumed[i] = self.transforms[i].resume(state[i], old, keep_schedule=keep_schedule)
        return tuple(resumed)

    def begin_epoch(self, state):
        rates = [transform.begin_epoch(inner) for transform, inner in zip(self.transforms, state)]
        return next((rate for rate in reversed(rates) if rate is not None), None)

    def end_epoch(self, state, *, loss, validation_score=None):
        for transform, inner in zip(self.transforms, state):
            transform.end_epoch(inner, loss=loss, validation_score=validation_score)

    def on_plateau(self, state):
        acted = [transform.on_plateau(inner) for transform, inner in zip(self.transforms, state)]
        return any(acted)

    def step_scale(self, state, params):
        total = None
        for transform, inner in zip(self.transforms, state):
            total = _multiply(total, transform.step_scale(inner, params))
        return total

    def evaluation_params(self, state, params):
        found = [transform.evaluation_params(inner, params) for transform, inner in zip(self.transforms, state)]
        return next((evaluation for evaluation in reversed(found) if evaluation is not None), None)


def step_sizes(transform, state, params):
    """The per-element step size of the last update, one entry per array of
    ``params``: the product of the transforms' :meth:`Transform.step_scale`
    (the learning rate over any diagonal preconditioner)."""
    scale = transform.step_scale(state, params)
    if scale is None:
        return [1.0] * len(params)
    return scale if isinstance(scale, list) else [scale] * len(params)


def _multiply(total, factor):
    """The product of two step scales (None, a number or array for every
    parameter array, or a list with one per array)."""
    if factor is None:
        return total
    if total is None:
        return factor
    if isinstance(total, list) or isinstance(factor, list):
        n = len(total) if isinstance(total, list) else len(factor)
        totals = total if isinstance(total, list) else [total] * n
        factors = factor if isinstance(factor, list) else [factor] * n
        return [a * b for a, b in zip(totals, factors)]
    return total * factor


@dataclasses.dataclass
class PartitionState:
    """The blocks of each label, and the state of each label's transform."""

    groups: dict
    inner: dict


@dataclasses.dataclass(frozen=True, eq=False)
class Partition(Transform):
    """Apply a different transform to each group of parameter blocks.

    ``label(block)`` names the group of every :class:`Block` of the layout
    (a layer's weight matrix, a bias); each group is transformed by
    ``transforms[label]``, which sees the group's blocks as a list of arrays
    of their own shapes (views: the updates are rewritten in place). This is
    how an optimizer treats weight matrices and biases differently: a
    matrix-wise transform for the hidden layers' weights, another rule for
    the rest (optax's ``partition``).

    Parameters
    ----------
    transforms : dict
        The transform of each label.
    label : callable
        ``label(block) -> hashable``, a key of ``transforms``.

    Examples
    --------
    Decay the weight matrices but not the biases:

    >>> import numpy as np
    >>> from skopt_lab.optimizers import AddDecayedWeights, Chain, Context, Layout, Partition, Transform
    >>> decay_weights = Partition({"weight": AddDecayedWeights(0.5), "bias": Chain()}, lambda block: block.role)
    >>> params = [np.ones((2, 2)), np.ones(2)]
    >>> state = decay_weights.init(params, Context(Layout.of_arrays(params)))
    >>> updates = [np.zeros((2, 2)), np.zeros(2)]
    >>> decay_weights.update(updates, state, params, [np.empty((2, 2)), np.empty(2)])
    >>> updates[0].tolist(), updates[1].tolist()
    ([[0.5, 0.5], [0.5, 0.5]], [0.0, 0.0])
    """

    transforms: dict
    label: object

    def init(self, params, context):
        groups = {}
        for block in context.layout.blocks:
            groups.setdefault(self.label(block), []).append(block)
        unknown = set(groups) - set(self.transforms)
        if unknown:
            raise ValueError(
                f"Partition has no transform for the labels {sorted(map(repr, unknown))}; "
                f"its transforms are labelled {sorted(map(repr, self.transforms))}."
            )
        groups = {label: tuple(blocks) for label, blocks in groups.items()}
        inner = {}
        for label, blocks in groups.items():
            views = [block.view(params) for block in blocks]
            layout = Layout(
                tuple(dataclasses.replace(b, array=i, start=0, stop=b.size) for i, b in enumerate(blocks)),
                context.layout.n_layers,
            )
            inner[label] = self.transforms[label].init(views, dataclasses.replace(context, layout=layout, lr_scale=None))
        return PartitionState(groups, inner)

    def update(self, updates, state, params, scratch):
        for label, blocks in state.groups.items():
            self.transforms[label].update(
                [block.view(updates) for block in blocks],
                state.inner[label],
                [block.view(params) for block in blocks],
                [block.view(scratch) for block in blocks],
            )

    def resume(self, state, previous, *, keep_schedule=False):
        if state.groups != previous.groups:  # other blocks (layers), or grouped otherwise
            return state
        inner = {
            label: self.transforms[label].resume(fresh, previous.inner[label], keep_schedule=keep_schedule)
            if type(fresh) is type(previous.inner[label])
            else fresh
            for label, fresh in state.inner.items()
        }
        return PartitionState(state.groups, inner)

    def begin_epoch(self, state):
        rates = [self.transforms[label].begin_epoch(inner) for label, inner in state.inner.items()]
        return next((rate for rate in reversed(rates) if rate is not None), None)

    def end_epoch(self, state, *, loss, validation_score=None):
        for label, inner in state.inner.items():
            self.transforms[label].end_epoch(inner, loss=loss, validation_score=validation_score)

    def on_plateau(self, state):
        acted = [self.transforms[label].on_plateau(inner) for label, inner in state.inner.items()]
        return any(acted)

    def evaluation_params(self, state, params):
        evaluation = None
        for label, blocks in state.groups.items():
            group = self.transforms[label].evaluation_params(state.inner[label], [block.view(params) for block in blocks])
            if group is not None:
                evaluation = [p.copy() for p in params] if evaluation is None else evaluation
                for block, values in zip(blocks, group):
                    block.view(evaluation)[...] = values
        return evaluation

    def step_scale(self, state, params):
        scales = [np.ones_like(p) for p in params]
        for label, blocks in state.groups.items():
            group = step_sizes(self.transforms[label], state.inner[label], [block.view(params) for block in blocks])
            for block, scale in zip(blocks, group):
                block.view(scales)[...] = scale
        return scales


def find_state(state, state_type):
    """The first state of type ``state_type`` within a chain's state (through
    nested chains, partitions and the states that hold others, such as the
    learning rate's schedule), or None."""
    if isinstance(state, state_type):
        return state
    if isinstance(state, tuple):
        inner = state
    elif isinstance(state, dict):
        inner = state.values()
    elif dataclasses.is_dataclass(state):
        inner = [getattr(state, field.name) for field in dataclasses.fields(state)]
    else:
        return None
    for sub in inner:
        found = find_state(sub, state_type)
        if found is not None:
            return found
    return None
