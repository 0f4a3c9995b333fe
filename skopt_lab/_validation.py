"""Checks of the data and parameters of a fit, with messages that name the
problem (the estimators call them before any training)."""

import numpy as np
from scipy import sparse
from sklearn.utils import compute_sample_weight


def check_numeric_targets(y, name):
    """A regressor's targets must be numbers, not labels."""
    values = np.asarray(y)
    if values.dtype.kind in "USO":
        try:
            values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must be numeric for {name}, a regressor; it holds values such as "
                f"{plain(values.ravel()[0])!r}. For class labels, use a classifier."
            ) from None


def plain(value):
    """A numpy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def check_scale(values, dtype, name, what, fix):
    """Refuse data whose squares overflow the training dtype: no loss can be
    computed on it."""
    data = values.data if sparse.issparse(values) else values
    if data.size == 0 or data.dtype.kind not in "iuf":
        return
    limit = np.sqrt(np.finfo(dtype).max)
    largest = max_abs(data)
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in absolute value: beyond {limit:.3g} their "
            f"squares overflow {np.dtype(dtype)} and no loss can be computed. Scale the {what} "
            f"(e.g. {fix})."
        )


def check_counts(y):
    """Targets of the Poisson loss: non-negative, not all zero."""
    if np.min(y) < 0:
        raise ValueError(
            f"loss='poisson' needs non-negative targets (counts or rates); y has values down "
            f"to {np.min(y):g}."
        )
    if not np.any(y):
        raise ValueError("loss='poisson' needs some positive targets; every value of y is 0.")


def check_some_weight(sample_weight):
    if sample_weight is not None and not sample_weight.any():
        # The mean weight normalises the loss; all zeros would make it NaN.
        raise ValueError(
            "The sample weights, multiplied by class_weight, are all zero: "
            "at least one sample must have a non-zero weight."
        )


def compute_class_sample_weight(class_weight, y, sample_weight, incremental):
    """Multiply ``sample_weight`` by the weights of each sample's class."""
    if class_weight is None:
        return sample_weight
    if incremental and class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' is not supported for partial_fit: the class "
            "frequencies of one chunk are not those of the data. Compute the weights "
            "on the whole data (sklearn.utils.class_weight.compute_class_weight) and "
            "pass them as a dict."
        )
    weights = compute_sample_weight(class_weight, y)
    return weights if sample_weight is None else weights * sample_weight


def max_abs(values):
    """The largest absolute value, without an array the size of the data."""
    data = values.data if sparse.issparse(values) else values
    return max(abs(float(np.max(data))), abs(float(np.min(data)))) if data.size else 0.0
