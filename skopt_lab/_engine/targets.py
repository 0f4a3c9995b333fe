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
