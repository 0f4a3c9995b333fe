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


def compute_class_sample_weight(class_weight, y, sample_weight, incremental, classes):
    """Multiply ``sample_weight`` by the weights of each sample's class.

    A dict gives weight 1 to the classes it omits and may name classes
    absent from ``y`` (a ``partial_fit`` chunk), as in scikit-learn.
    """
    if class_weight is None:
        return sample_weight
    if class_weight == "balanced":
        if incremental:
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the class "
                "frequencies of one chunk are not those of the data. Compute the weights "
                "on the whole data (sklearn.utils.class_weight.compute_class_weight) and "
                "pass them as a dict."
            )
        weights = compute_sample_weight("balanced", y)
    else:
        per_class = np.array([class_weight.get(label, 1.0) for label in classes.tolist()], dtype=np.float64)
        bad = ~(np.isfinite(per_class) & (per_class >= 0))
        if bad.any():
            raise ValueError(
                "class_weight must give each class a finite, non-negative weight; got "
                f"{per_class[bad].tolist()} for the classes {classes[bad].tolist()}."
            )
        weights = per_class[np.searchsorted(classes, y)]
    if sample_weight is None:
        return weights
    weighted = weights * sample_weight
    if not np.isfinite(weighted).all():
        raise ValueError(
            "sample_weight multiplied by class_weight overflows: give smaller class weights."
        )
    return weighted


def unit_max(weights):
    """Sample weights divided by their largest: the loss is a weighted mean,
    so this changes no model, and weights near the float maximum overflow
    neither a sum nor a product with class weights."""
    if weights is None:
        return None
    largest = weights.max() if weights.size else 0
    return weights / largest if largest > 0 else weights


def max_abs(values):
    """The largest absolute value, without an array the size of the data."""
    data = values.data if sparse.issparse(values) else values
    return max(abs(float(np.max(data))), abs(float(np.min(data)))) if data.size else 0.0
