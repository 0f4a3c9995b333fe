"""Dask inputs of the estimators: training data, predictions and scores.

``fit`` and ``partial_fit`` accept a ``dask.array.Array`` or
``dask.dataframe.DataFrame`` X (and y, ``sample_weight`` as Dask arrays or
Series with the same blocks). :func:`fit_data` does on the blocks what the
estimators do on arrays, before any training: it validates every block where
it is computed (on the workers with a ``distributed.Client``, else in this
process one block at a time), gathers small summaries (labels and their
counts, the data's scale, weight totals), lets the estimator decide its
targets' encoding from them, and returns the rows the trainer steps on
(:mod:`skopt_lab._engine.dask_rows`). Prediction methods map over the
blocks and return lazy Dask arrays, as dask-ml's ``ParallelPostFit``;
``score`` computes block-wise statistics and combines them.

Nothing here imports dask until a Dask collection is given: ``import
skopt_lab`` does not import it.
"""

import functools
import importlib
import math
import sys

import numpy as np
from scipy import sparse
from sklearn.base import is_regressor
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, check_X_y, validate_data

from ._compat import _check_sample_weight, _get_feature_names
from ._engine.trainer import Rows
from ._validation import check_counts, check_numeric_targets, check_scale, check_some_weight, compute_class_sample_weight

EXTRA = "pip install 'skopt_lab[distributed]'"


def is_dask_collection(*objects):
    """Whether any of ``objects`` is a Dask collection (without importing dask)."""
    if "dask" not in sys.modules:
        return False
    from dask.base import is_dask_collection as is_collection

    return any(is_collection(obj) for obj in objects)


def require(module):
    """Import ``module`` of dask, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"Dask inputs need {module.split('.')[0]} ({exc.name} is missing): {EXTRA}.") from exc


def active_client():
    """The ``distributed.Client`` to train on, or None to train here.

    Inside a task of a Dask worker (a search whose fits run on the cluster
    through joblib's ``"dask"`` backend), Dask data cannot be trained on:
    the task would wait for the cluster it runs on.
    """
    try:
        distributed = importlib.import_module("distributed")
    except ImportError:
        return None
    try:
        distributed.get_worker()
    except ValueError:
        pass
    else:
        raise ValueError(
            "A Dask collection reached fit inside a task on a Dask worker (a search running its fits on "
            "the cluster, with joblib's 'dask' backend?): such a search cannot hand Dask data to its "
            "fits. Give the search NumPy arrays (joblib.parallel_backend('dask', scatter=[X, y]) sends "
            "them to the workers once), or fit the estimator itself on the Dask data."
        )
    try:
        return distributed.get_client()
    except ValueError:
        return None


# ------------------------------------------------------------------ inputs
def _is_frame(obj):
    return hasattr(obj, "npartitions") and hasattr(obj, "to_delayed") and not hasattr(obj, "chunks")


def _unknown_chunks(name, array):
    if any(isinstance(c, float) and math.isnan(c) for c in array.chunks[0]):
        raise ValueError(
            f"{name} is a Dask array of unknown chunk sizes (NaN chunks, e.g. from a dataframe's .values): "
            f"its blocks cannot be matched row by row. Compute them first: {name}.compute_chunk_sizes(), "
            "or df.to_dask_array(lengths=True)."
        )


def _check_features(estimator, X):
    """X's number of features and feature names are the fitted model's
    (checked on a DataFrame's empty pandas frame), before any compute."""
    check_is_fitted(estimator)
    validate_data(estimator, X._meta if _is_frame(X) else X, reset=False, skip_check_array=True)


def _blocks_of(name, values, X, n_blocks):
    """One delayed part per block of X for y or sample_weight (or Nones)."""
    if values is None:
        return [None] * n_blocks
    if is_dask_collection(values):
        if _is_frame(values):
            parts = list(values.to_delayed())
        else:
            _unknown_chunks(name, values)
            if values.ndim not in (1, 2):
                raise ValueError(f"{name} must be 1- or 2-dimensional; got a Dask array of shape {values.shape}.")
            if not _is_frame(X) and values.chunks[0] != X.chunks[0]:
                raise ValueError(
                    f"The row chunks of X {X.chunks[0]} do not match those of {name} {values.chunks[0]}: "
                    f"each block of X needs its {name}. Rechunk one like the other, e.g. "
                    f"{name}.rechunk({{0: X.chunks[0]}})."
                )
            if values.ndim == 2:
                values = values.rechunk({1: -1})
            parts = list(values.to_delayed().reshape(-1))
    else:
        if _is_frame(X):
            raise ValueError(
                f"{name} must be a Dask collection with the same partitions as the Dask DataFrame X "
                f"(a Dask Series), not {type(values).__name__}."
            )
        values = np.asarray(values)
        if values.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but {name} has {values.shape[0]}.")
        bounds = np.cumsum((0,) + X.chunks[0])
        parts = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    if len(parts) != n_blocks:
        raise ValueError(
            f"X has {n_blocks} blocks (partitions) but {name} has {len(parts)}: each block of X needs its {name}."
        )
    return parts


def _input_blocks(X, y, sample_weight):
    """(X's delayed blocks, y's, sample_weight's, n_features, X's dtype)."""
    if _is_frame(X):
        dtypes = set(np.dtype(d) if d.kind in "fiub" else np.dtype(object) for d in X.dtypes)
        dtype = np.float32 if dtypes == {np.dtype(np.float32)} else np.float64
        x_parts, n_features = list(X.to_delayed()), len(X.columns)
    else:
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-dimensional Dask array X, got shape {X.shape}.")
        _unknown_chunks("X", X)
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        X = X.rechunk({1: -1})
        x_parts, n_features = list(X.to_delayed()[:, 0]), X.shape[1]
    return (
        x_parts,
        _blocks_of("y", y, X, len(x_parts)),
        _blocks_of("sample_weight", sample_weight, X, len(x_parts)),
        n_features,
        dtype,
    )


# ------------------------------------------------- work where blocks are
def _checked_block(x, y, w, index, dtype, regressor, name, poisson):
    """The block's rows validated as ``fit`` validates arrays."""
    try:
        if y is None:
            raise ValueError("y is required: fit needs targets for every block.")
        if regressor:
            check_numeric_targets(y, name)
        x, y = check_X_y(
            x, y, accept_sparse=("csr", "csc"), dtype=dtype, multi_output=True, y_numeric=regressor
        )
        if sparse.issparse(x):
            x = x.tocsr()
        if not regressor and y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_scale(x, dtype, "X", "features", "sklearn.preprocessing.StandardScaler")
        if regressor:
            check_scale(y, dtype, "y", "targets",
                        "sklearn.compose.TransformedTargetRegressor(transformer=StandardScaler())")  # fmt: skip
            if poisson and y.size and np.min(y) < 0:
                check_counts(y)
        if w is not None:
            w = _check_sample_weight(w, x, dtype=dtype, ensure_non_negative=True)
    except ValueError as exc:
        raise ValueError(f"In block {index} of the Dask data: {exc}") from None
    return x, y, w


def _summary(block, regressor):
    """What the client needs to know of a block: small, whatever its size."""
    from ._validation import max_abs

    x, y, w = block
    summary = {
        "n": x.shape[0],
        "max_abs_X": max_abs(x),
        "y_shape": y.shape[1:],
        "weight": None if w is None else float(w.sum()),
    }
    if regressor:
        summary["max_abs_y"] = max_abs(y)
        summary["any_positive"] = bool(np.any(y > 0))
        values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        summary["moments"] = _moments(values, None if w is None else np.asarray(w, dtype=np.float64))
    elif y.ndim == 2:
        summary["labels"] = np.unique(y, axis=0)  # indicator rows, for the target's type
    else:
        labels, inverse = np.unique(y, return_inverse=True)
        summary["labels"] = labels
        summary["counts"] = np.bincount(inverse, minlength=len(labels))
        summary["weights"] = None if w is None else np.bincount(inverse, weights=w, minlength=len(labels))
    return summary


def _moments(values, weights):
    """(total weight, weighted mean, weighted sum of squared deviations) of
    each column; merged over blocks by :func:`_merge_moments`."""
    weights = np.ones(len(values)) if weights is None else weights
    total = weights.sum()
    mean = weights @ values / total if total > 0 else np.zeros(values.shape[1])
    return total, mean, weights @ (values - mean) ** 2


def _merge_moments(parts):
    """Chan et al.'s parallel merge of :func:`_moments` (with any further
    entries of the tuples summed)."""
    merged = None
    for part in parts:
        if merged is None:
            merged = part
            continue
        (wa, ma, sa, *rest_a), (wb, mb, sb, *rest_b) = merged, part
        w = wa + wb
        delta = mb - ma
        mean = ma + delta * (wb / w) if w > 0 else ma
        squares = sa + sb + delta**2 * (wa * wb / w if w > 0 else 0.0)
        merged = (w, mean, squares, *[a + b for a, b in zip(rest_a, rest_b)])
    return merged


def _training_block(block, index, encoder, dtype, class_weights, validation):
    """The prepared :class:`~skopt_lab._engine.dask_rows.Block` of a block,
    and its summary: training rows, their weights and target sums."""
    from ._engine.dask_rows import Block
    from ._engine.targets import EncodedTargets

    x, y, w = block
    Y = encoder.encode(y, dtype)
    if class_weights is not None:
        w = class_weights[Y.codes] if w is None else w * class_weights[Y.codes]
    X_val = y_val = w_val = None
    if validation is not None:
        fraction, seed, stratify = validation
        rows = np.arange(x.shape[0])
        try:
            train, val = train_test_split(
                rows, test_size=fraction, random_state=np.random.RandomState([seed, index]),
                stratify=y if stratify else None,
            )  # fmt: skip
        except ValueError:  # a block too small to split, or to stratify
            order = np.random.default_rng([seed, index]).permutation(x.shape[0])
            n_val = int(round(fraction * x.shape[0]))
            train, val = np.sort(order[n_val:]), np.sort(order[:n_val])
        X_val, y_val, w_val = x[val], y[val], None if w is None else w[val]
        x, Y, w = x[train], Y[train], None if w is None else w[train]
    prepared = Block(index, x, Y, w, X_val, y_val, w_val)
    if isinstance(Y, EncodedTargets):
        sums = np.bincount(Y.codes, weights=w, minlength=len(Y.codebook))
    else:
        sums = (Y.values.sum(axis=0) if w is None else w @ Y.values).astype(np.float64)
    summary = {
        "n": x.shape[0],
        "weight": None if w is None else float(w.sum()),
        "target_sums": sums,
        "n_val": 0 if X_val is None else X_val.shape[0],
        "val_weight": None if w_val is None else float(w_val.sum()),
    }
    return prepared, summary


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


# ------------------------------------------------------------------- fit
class DaskTargets:
    """The encoded training targets as ``plan.initial_weights`` asks for
    them: their shape, dtype and (block weights included) column means."""

    def __init__(self, rows, n_outputs, dtype, codebook):
        self.rows, self.shape, self.dtype, self.codebook = rows, (None, n_outputs), np.dtype(dtype), codebook

    def column_means(self, weights):
        sums = sum(s["target_sums"] for s in self.rows.prepared().summaries)
        if self.codebook is not None:
            return sums @ self.codebook / sums.sum()
        total = self.rows.prepared().weight_total
        return sums / (self.rows.n_rows if total is None else total)


class DaskRows(Rows):
    """The Dask data of a fit: validated and summarised; prepared (encoded,
    the validation split set aside) on first use, into the trainer's rows.

    Attributes
    ----------
    shape : (int, int)
        Rows and features.
    dtype : numpy dtype
        The training dtype.
    collections : (X, y)
        The Dask inputs as given (for callbacks).
    """

    def __init__(self, client, raw, summaries, n_features, dtype, encoder, class_weights, collections):
        self.client, self.raw, self.summaries = client, raw, summaries
        self.shape = (sum(s["n"] for s in summaries), n_features)
        self.dtype = np.dtype(dtype)
        self.encoder, self.class_weights, self.collections = encoder, class_weights, collections
        self.validation = None
        self._rows = None
        self.max_abs_values = (
            max(s["max_abs_X"] for s in summaries),
            max((s.get("max_abs_y", 0.0) for s in summaries), default=0.0),
        )

    def prepared(self):
        """The trainer's rows (:class:`ClusterRows` or :class:`LocalRows`),
        the blocks prepared on first call."""
        if self._rows is None:
            self._rows = self._prepare()
        return self._rows

    def _prepare(self):
        from ._engine.dask_rows import ClusterRows, LocalRows

        args = (self.encoder, self.dtype, self.class_weights, self.validation)
        if self.client is not None:
            from ._engine.dask_rows import connection_errors

            with connection_errors(self.client):
                pairs = [self.client.submit(_training_block, raw, i, *args, pure=False) for i, raw in enumerate(self.raw)]
                blocks = self.client.map(_first, pairs, pure=False)
                summaries = self.client.gather(self.client.map(_second, pairs, pure=False))
                del pairs
            self.raw = None  # released: the prepared blocks keep their lineage
            rows = ClusterRows(self.client, blocks, *self._totals(summaries))
        else:
            raw = self.raw

            def load(i):
                return _training_block(raw[i].compute(), i, *args)[0]

            summaries = [_training_block(r.compute(), i, *args)[1] for i, r in enumerate(raw)]
            rows = LocalRows(load, *self._totals(summaries))
        rows.summaries = summaries
        self._check_splits(summaries)
        return rows

    def _totals(self, summaries):
        weights = [s["weight"] for s in summaries]
        total = None if weights[0] is None else float(sum(weights))
        return [s["n"] for s in summaries], total, self.max_abs_values

    def _check_splits(self, summaries):
        if self.validation is None:
            return
        fraction = self.validation[0]
        n_train, n_val = sum(s["n"] for s in summaries), sum(s["n_val"] for s in summaries)
        if n_train == 0 or n_val == 0:
            raise ValueError(
                f"validation_fraction={fraction} leaves no sample to train or validate on in the "
                f"blocks of the Dask data ({n_train} training, {n_val} validation rows)."
            )
        for part, key in (("training", "weight"), ("validation", "val_weight")):
            if summaries[0][key] is not None and not sum(s[key] for s in summaries) > 0:
                raise ValueError(
                    f"Every sample of the early-stopping {part} split has weight zero; "
                    "change validation_fraction or random_state, or give more samples a weight."
                )

    # The trainer's questions, answered by the prepared rows.
    @property
    def n_rows(self):
        return self.prepared().n_rows

    def batches(self, batch_size, *, shuffle):
        return self.prepared().batches(batch_size, shuffle=shuffle)

    def mean_loss(self, network, theta, batch_size, n_batches=None):
        return self.prepared().mean_loss(network, theta, batch_size, n_batches)

    def value_and_gradient(self, network, theta, grad):
        return self.prepared().value_and_gradient(network, theta, grad)

    def max_abs(self, targets):
        return self.max_abs_values[0], self.max_abs_values[1] if targets else 0.0

    def split_validation(self, estimator, network, rng):
        """Set the early-stopping rows aside in every block; returns the
        validation score of a parameter vector, computed where they are."""
        seed = int(rng.integers(np.iinfo(np.int32).max))
        regressor = is_regressor(estimator)
        stratify = not regressor and not self.encoder.multilabel
        self.validation = (estimator.validation_fraction, seed, stratify)
        rows = self.prepared()
        if regressor and sum(s["n_val"] for s in rows.summaries) < 2:
            raise ValueError(
                f"validation_fraction={estimator.validation_fraction} leaves fewer than 2 validation "
                "samples in the blocks of the Dask data; the R² score of early stopping needs at least 2."
            )
        statistics = score_statistics(estimator, self.encoder, network.loss.link, raw=True)

        def validation_score(theta):
            with np.errstate(over="ignore"):
                return statistics.score(rows.validation_statistics(network, theta, statistics))

        return validation_score


def fit_data(estimator, X, y, sample_weight, previous, *, classes, incremental):
    """The Dask counterpart of the data steps of ``fit`` (validation, target
    encoding, class weights), every check made before training.

    Returns
    -------
    rows : DaskRows
    Y : DaskTargets
    encoder : the target encoder
    feature_names : ndarray or None
    """
    require("dask.array")
    augmentation = getattr(estimator, "augmentation", None)
    if augmentation is not None:
        raise ValueError(
            f"augmentation={augmentation!r} is not supported on Dask data: the batches of a Dask fit are "
            "summed on the workers, where no augmentation runs. Fit on NumPy arrays to augment, or set "
            "augmentation=None."
        )
    regressor = is_regressor(estimator)
    if previous is not None:
        _check_features(estimator, X)
        feature_names = getattr(estimator, "feature_names_in_", None)
    else:
        feature_names = _get_feature_names(X._meta) if _is_frame(X) else None
    if not regressor and is_dask_collection(y) and not _is_frame(y) and y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    x_parts, y_parts, w_parts, n_features, dtype = _input_blocks(X, y, sample_weight)
    if previous is not None:
        dtype = previous["_train_state"].theta.dtype
    dask = require("dask")
    checks = (dtype, regressor, type(estimator).__name__, getattr(estimator, "loss", None) == "poisson")
    raw = [dask.delayed(_checked_block)(x, yb, w, i, *checks) for i, (x, yb, w) in enumerate(zip(x_parts, y_parts, w_parts))]
    client = active_client()
    if client is not None:
        from ._engine.dask_rows import connection_errors

        with connection_errors(client):
            # Block i on worker i mod n: balanced, and placed alike by every run.
            workers = sorted(client.nthreads())
            raw = [client.compute(block, workers=[workers[i % len(workers)]], allow_other_workers=True)
                   for i, block in enumerate(raw)]  # fmt: skip
            summaries = client.gather(client.map(_summary, raw, regressor=regressor, pure=False))
    else:
        summaries = [_summary(block.compute(), regressor) for block in raw]
    stand_in, class_weights = _targets(estimator, summaries, regressor, incremental, dtype)
    encoder = estimator._fit_target_encoder(stand_in, classes=classes, previous=previous, incremental=incremental)
    encoder.encode(stand_in, dtype)  # labels outside `classes` are refused here, before training
    if class_weights is not None:
        class_weights = _class_weights(estimator, encoder, summaries, incremental)
    rows = DaskRows(client, raw, summaries, n_features, dtype, encoder, class_weights, (X, y))
    codebook = getattr(encoder, "codebook", None)
    targets = DaskTargets(rows, encoder.n_outputs, dtype, None if encoder.multilabel else codebook)
    return rows, targets, encoder, feature_names


def _targets(estimator, summaries, regressor, incremental, dtype):
    """A small y with the data's target type and labels, for the
    estimator's encoder; and whether class weights apply."""
    weighted = getattr(estimator, "class_weight", None) is not None
    if not weighted and summaries[0]["weight"] is not None:
        check_some_weight(np.array([sum(s["weight"] for s in summaries)]))
    if regressor:
        if getattr(estimator, "loss", None) == "poisson" and not any(s["any_positive"] for s in summaries):
            check_counts(np.zeros(1))
        # Two rows with the data's (weighted) mean and variance: the
        # estimator's encoder standardises by them (normalize_y).
        total, mean, squares = _merge_moments(s["moments"] for s in summaries)
        std = np.sqrt(squares / total) if total > 0 else np.zeros_like(mean)
        stand_in = np.stack([mean - std, mean + std])
        return (stand_in[:, 0] if not summaries[0]["y_shape"] else stand_in), None
    labels = np.unique(np.concatenate([s["labels"] for s in summaries]), axis=0 if summaries[0]["y_shape"] else None)
    return labels, (True if weighted else None)


def _class_weights(estimator, encoder, summaries, incremental):
    """Each class's weight (in the encoder's order), from the labels' counts."""
    classes = encoder.classes
    counts, weights = np.zeros(len(classes)), np.zeros(len(classes))
    for s in summaries:
        codes = np.searchsorted(classes, s["labels"])
        np.add.at(counts, codes, s["counts"])
        np.add.at(weights, codes, s["counts"] if s["weights"] is None else s["weights"])
    if estimator.class_weight == "balanced":
        compute_class_sample_weight("balanced", classes, None, incremental, classes)  # refuses partial_fit
        present = counts > 0
        per_class = np.ones(len(classes))
        per_class[present] = counts.sum() / (present.sum() * counts[present])
    else:  # one sample per class: each gets its class's weight
        per_class = compute_class_sample_weight(estimator.class_weight, classes, None, incremental, classes)
    check_some_weight(np.array([per_class @ weights]))
    return per_class


# ------------------------------------------------------------ predicting
def blockwise(method):
    """Make a prediction method map over the blocks of a Dask input,
    returning a lazy Dask array (the method as it is for other inputs)."""

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            return method(self, X, *args, **kwargs)
        return _map_blocks(functools.partial(method, self), self, X)

    return wrapper


def _map_blocks(function, estimator, X):
    da = require("dask.array")
    _check_features(estimator, X)
    dtype = estimator._train_state.theta.dtype
    sample = X._meta_nonempty.iloc[:1] if _is_frame(X) else np.zeros((1, estimator.n_features_in_), dtype=dtype)
    meta = function(sample)
    if _is_frame(X):
        blocks = [require("dask").delayed(function)(part) for part in X.to_delayed()]
        return da.concatenate(
            [da.from_delayed(b, shape=(math.nan, *meta.shape[1:]), dtype=meta.dtype, meta=meta[:0]) for b in blocks]
        )
    X = X.rechunk({1: -1})
    if meta.ndim == 1:
        return X.map_blocks(function, chunks=(X.chunks[0],), drop_axis=1, dtype=meta.dtype, meta=meta[:0])
    return X.map_blocks(function, chunks=(X.chunks[0], meta.shape[1:]), dtype=meta.dtype, meta=meta[:0])


# --------------------------------------------------------------- scoring
class _Accuracy:
    """Accuracy from block-wise (correct weight, total weight); subset
    accuracy for multilabel targets, as ``accuracy_score``."""

    def __init__(self, predictions):
        self.predictions = predictions

    def block(self, output, y, w):
        correct = self.predictions(output) == y
        if correct.ndim == 2:
            correct = correct.all(axis=1)
        w = np.ones(len(y)) if w is None else w
        return np.array([w @ correct, w.sum()], dtype=np.float64)

    def combine(self, parts):
        return sum(parts)

    def score(self, total):
        return float(total[0] / total[1])


class _R2:
    """R² (the mean over outputs, as ``r2_score``) from block-wise weight,
    mean, sum of squared deviations and of squared residuals, merged as in
    Chan et al.'s parallel variance."""

    def __init__(self, predictions):
        self.predictions = predictions

    def block(self, output, y, w):
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        residuals = y - np.asarray(self.predictions(output), dtype=np.float64).reshape(len(y), -1)
        w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
        return (*_moments(y, w), w @ residuals**2)

    def combine(self, parts):
        return _merge_moments(parts)

    def score(self, total):
        _, _, squares, residuals = total
        scores = np.where(squares > 0, 1 - residuals / np.where(squares > 0, squares, 1), np.where(residuals > 0, 0.0, 1.0))
        return float(np.mean(scores))


class _Statistics:
    """A score from statistics computed block by block (``block``) and
    combined on the client (``combine``, then ``score``)."""

    def __init__(self, kind):
        self.kind = kind

    def block(self, output, y, w):
        return self.kind.block(output, y, w)

    def score(self, parts):
        return self.kind.score(self.kind.combine(parts))


def _identity(values):
    return values


def _decode_labels(encoder, raw):
    return encoder.decode(raw)


def _decode_values(encoder, link, raw):
    return encoder.decode(link(raw))


def score_statistics(estimator, encoder, link, *, raw):
    """The statistics of the estimator's score (accuracy or R²), on raw
    network outputs (``raw``) or on predictions."""
    regressor = is_regressor(estimator)
    if not raw:
        predictions = _identity
    elif regressor:
        predictions = functools.partial(_decode_values, encoder, link)
    else:
        predictions = functools.partial(_decode_labels, encoder)
    return _Statistics((_R2 if regressor else _Accuracy)(predictions))


def _score_block(estimator, statistics, x, y, w):
    return statistics.block(estimator.predict(x), np.asarray(y), None if w is None else np.asarray(w, dtype=np.float64))


def score(estimator, X, y, sample_weight):
    """The estimator's score on Dask data, computed block by block."""
    dask = require("dask")
    _check_features(estimator, X)
    x_parts, y_parts, w_parts, _, _ = _input_blocks(X, y, sample_weight)
    statistics = score_statistics(estimator, None, None, raw=False)
    parts = [dask.delayed(_score_block)(estimator, statistics, *p) for p in zip(x_parts, y_parts, w_parts)]
    client = active_client()
    if client is not None:
        from ._engine.dask_rows import connection_errors

        with connection_errors(client):
            results = client.gather(client.compute(parts))
    else:
        results = [part.compute() for part in parts]
    return statistics.score(list(results))
