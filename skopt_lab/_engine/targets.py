"""Training targets without an n × n_classes matrix.

Regression and multilabel targets are dense float matrices. Class labels are
stored as :class:`EncodedTargets`: one small integer code per sample and a
codebook whose rows are the encoded classes (the one-hot rows, or ``[0]`` and
``[1]`` for a single logistic output). Batches gather their rows from the
codebook into a reused buffer, so a data set of a million samples and a
hundred classes costs a million codes, not a hundred million floats.

Row indices are always valid (a permutation, or codes of known classes), so
batches are gathered with ``np.take(..., mode="clip")``: numpy buffers ``out``
in the default mode, which doubled the cost of copying a batch.

Both kinds answer the few questions the engine asks: ``shape``, ``dtype``,
``astype``, row subsets (``targets[indices]``), batch rows
(``rows(indices, out)``), the whole matrix (``dense()``) and the weighted
column means (``column_means(weights)``, for the initial output bias).
"""

import numpy as np


class DenseTargets:
    """A float target matrix of shape (n_samples, n_outputs)."""

    def __init__(self, values):
        self.values = values

    @property
    def shape(self):
        return self.values.shape

    @property
    def dtype(self):
        return self.values.dtype

    def astype(self, dtype):
        return DenseTargets(self.values.astype(dtype, copy=False))

    def __getitem__(self, indices):
        return DenseTargets(self.values[indices])

    def rows(self, indices, out):
        """Rows ``indices`` (an index array, or a slice for a view)."""
        if isinstance(indices, slice):
            return self.values[indices]
        return np.take(self.values, indices, axis=0, out=out, mode="clip")

    def dense(self):
        return self.values

    def column_means(self, weights):
        return np.average(self.values, axis=0, weights=weights)


class EncodedTargets:
    """Rows of ``codebook`` picked by integer ``codes``."""

    def __init__(self, codes, codebook):
        self.codes = codes
        self.codebook = codebook

    @property
    def shape(self):
        return (len(self.codes), self.codebook.shape[1])

    @property
    def dtype(self):
        return self.codebook.dtype

    def astype(self, dtype):
        return EncodedTargets(self.codes, self.codebook.astype(dtype, copy=False))

    def __getitem__(self, indices):
        return EncodedTargets(self.codes[indices], self.codebook)

    def rows(self, indices, out):
        return np.take(self.codebook, self.codes[indices], axis=0, out=out, mode="clip")

    def dense(self):
        return self.codebook[self.codes]

    def column_means(self, weights):
        counts = np.bincount(self.codes, weights=weights, minlength=len(self.codebook))
        return counts @ self.codebook / counts.sum()


class ClassEncoder:
    """Class labels to network targets and back; a value, never mutated.

    Two classes have one logistic output (codebook rows ``[0]`` and ``[1]``),
    more classes one output each (one-hot rows), and multilabel indicator
    matrices one output per label.

    Parameters
    ----------
    classes : ndarray
        The sorted labels (column indices for multilabel targets).
    multilabel : bool
        Whether the targets are an indicator matrix.
    """

    def __init__(self, classes, multilabel):
        self.classes = classes
        self.multilabel = multilabel
        if multilabel:
            self.codebook = None
        elif len(classes) == 2:
            self.codebook = np.array([[0.0], [1.0]])
        else:
            self.codebook = np.eye(len(classes))

    @property
    def n_outputs(self):
        return len(self.classes) if self.multilabel or len(self.classes) > 2 else 1

    def encode(self, y, dtype):
        """Targets for the network, in ``dtype``.

        Raises
        ------
        ValueError
            If ``y`` holds labels outside ``classes`` or is of the other
            kind (labels against an indicator matrix).
        """
        if self.multilabel != (y.ndim == 2):
            fitted = "a multilabel indicator matrix" if self.multilabel else "class labels (1-D y)"
            given = "a multilabel indicator matrix" if y.ndim == 2 else "class labels (1-D y)"
            raise ValueError(f"y is {given}, but the model was fitted on {fitted}.")
        if self.multilabel:
            if y.shape[1] != len(self.classes):
                raise ValueError(
                    f"y has {y.shape[1]} labels (columns), but the model was fitted on {len(self.classes)}."
                )
            return DenseTargets(y.astype(dtype))
        codes = np.searchsorted(self.classes, y)
        known = self.classes[np.minimum(codes, len(self.classes) - 1)] == y
        if not known.all():
            raise ValueError(
                f"y contains labels not in classes_ {self.classes.tolist()}: "
                f"{np.unique(y[~known]).tolist()}. Pass every label in `classes` on the first call "
                "to partial_fit, or fit a new model."
            )
        return EncodedTargets(codes.astype(np.min_scalar_type(len(self.classes))), self.codebook.astype(dtype))

    def decode(self, raw):
        """Predicted labels from raw network outputs."""
        if self.multilabel:
            return (raw > 0).astype(int)
        if raw.shape[1] == 1:
            return self.classes[(raw[:, 0] > 0).astype(int)]
        return self.classes[np.argmax(raw, axis=1)]

    def probabilities(self, raw, link):
        """Class probabilities (or their log) through the loss's ``link``."""
        if not self.multilabel and raw.shape[1] == 1:
            return np.hstack([link(-raw), link(raw)])
        return link(raw)

    def scaled_threshold(self, threshold):
        """A loss threshold in the targets' units, in the network's (the same)."""
        return threshold

    def to_network_layer(self, W, b):
        """An output layer in the targets' units, in the network's (the same)."""
        return W, b

    def from_network_layer(self, W, b):
        """The network's output layer in the targets' units (the same)."""
        return W, b


class RegressionEncoder:
    """Regression targets to a (n_samples, n_outputs) matrix and back.

    With ``offset`` and ``scale`` the network learns the standardised
    targets ``(y − offset) / scale`` and its outputs are mapped back by
    ``raw · scale + offset``, as ``TransformedTargetRegressor`` with a
    ``StandardScaler`` would: the optimizers' default steps then suit any
    target scale.

    Parameters
    ----------
    n_outputs : int
        Number of targets.
    y_ndim : int
        1 when fitted on a 1-D y, whose predictions are then 1-D too.
    offset, scale : ndarray of shape (n_outputs,) or None
        The standardisation of the targets; None trains on y as it is.
    """

    multilabel = False

    def __init__(self, n_outputs, y_ndim, offset=None, scale=None):
        self.n_outputs = n_outputs
        self.y_ndim = y_ndim
        self.offset = offset
        self.scale = scale

    @classmethod
    def standardising(cls, y, sample_weight, center=True):
        """An encoder that standardises each column of ``y`` by its
        (weighted) mean and standard deviation (rounded to a power of two);
        a constant column keeps the scale 1, as in ``StandardScaler``. Without ``center`` (a model
        without intercept, which could not add the mean back) the columns
        are only divided by their root mean square."""
        values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        offset = np.average(values, axis=0, weights=sample_weight) if center else np.zeros(values.shape[1])
        variance = np.average((values - offset) ** 2, axis=0, weights=sample_weight)
        scale = np.sqrt(variance)
        # A spread lost in the rounding of the mean (|y| ~ 1e16 times it) is
        # no spread to standardise by.
        negligible = ~(scale > 10 * np.finfo(np.float64).eps * np.maximum(np.abs(offset), 1.0))
        scale[negligible] = 1.0
        # The scale as a power of two (dividing by it is exact) and the offset
        # to float32's precision: the same data given as repeated rows or as
        # integer weights, whose sums round differently in the last bits,
        # then trains on exactly the same targets.
        scale = np.exp2(np.round(np.log2(scale)))
        offset = offset.astype(np.float32).astype(np.float64)
        return cls(values.shape[1], np.ndim(y), offset, scale)

    def encode(self, y, dtype):
        """Targets for the network, in ``dtype``.

        Raises
        ------
        ValueError
            If ``y`` has another number of outputs than the model.
        """
        values = y.reshape(-1, 1) if y.ndim == 1 else y
        if values.shape[1] != self.n_outputs:
            raise ValueError(
                f"y has {values.shape[1]} outputs, but the model was fitted on {self.n_outputs}."
            )
        if self.scale is not None:
            values = (values - self.offset) / self.scale
        return DenseTargets(values.astype(dtype, copy=False))

    def decode(self, raw):
        """Predictions in the targets' units, 1-D when the model was fitted
        on a 1-D y."""
        if self.scale is not None:
            raw = (raw * self.scale + self.offset).astype(raw.dtype, copy=False)
        return raw[:, 0] if self.y_ndim == 1 else raw

    def scaled_threshold(self, threshold):
        """A loss threshold (``epsilon``) in the targets' units, in the network's."""
        return threshold if self.scale is None else threshold / self.scale

    def to_network_layer(self, W, b):
        """An output layer ``(W, b)`` given in the targets' units (``coef_init``,
        a pretrained output layer) in the network's, either part may be None."""
        if self.scale is None:
            return W, b
        return (
            None if W is None else W / self.scale,
            None if b is None else (b - self.offset) / self.scale,
        )

    def from_network_layer(self, W, b):
        """The network's output layer ``(W, b)`` in the targets' units: the
        published ``coef_`` and ``intercept_`` (copies when standardised)."""
        if self.scale is None:
            return W, b
        dtype = W.dtype
        return (W * self.scale).astype(dtype, copy=False), (b * self.scale + self.offset).astype(dtype, copy=False)
