"""Property-based tests of every estimator with every optimizer.

Hypothesis draws data sets of random shape (one sample, one feature, more
features than samples), dtype (float32, float64, int32, int64), layout
(C- or F-ordered dense, CSR, CSC, sometimes with unsorted indices), magnitude
(1e-6 to 1e6, constant columns), sample weights with zeros, and labels that
are ints, strings, booleans, mixed-sign ints or integral floats (finite
floats of any sign for regression), together with small, fast
hyperparameters (``max_iter`` of 1 to 4 with ``tol=None``, tiny hidden
layers). The properties:

1. ``fit`` and ``partial_fit`` succeed on valid input, and on invalid input
   raise a ValueError or TypeError, from skopt_lab or scikit-learn (not from
   inside numpy or scipy), whose message names the problem;
2. predictions of a fitted model on finite input are finite, of the right
   shape, and labels come from ``classes_``;
3. X, y and sample_weight (dense arrays, or a sparse matrix's data, indices
   and indptr) are bit-identical before and after fit, partial_fit and
   every prediction method;
4. ``predict_proba`` rows are in [0, 1] and sum to 1;
5. a fixed ``random_state`` gives bit-identical weights, loss curves and
   predictions, for two clones and for a refit of the same estimator.

How many examples run is chosen with the environment variable
``HYPOTHESIS_PROFILE`` (see ``PROFILES`` below and the README's "Property
tests and fuzzing"): ``ci`` (the default) runs a fixed, derandomised set of
examples in about a minute; ``fuzz`` explores.
"""

import math
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import OPTIMIZERS

# ----------------------------------------------------------------- profiles
#
# Examples are per *parametrisation*: each property runs once per estimator
# and optimizer (4 x 10 = 40 parametrisations), so "ci" runs 40 x 8 = 320
# examples of each property.
#
# "ci" is derandomised: every run (and every pytest-xdist worker) tries the
# same examples, seeded by the test's node id, so CI is never red because
# Hypothesis happened to discover an old bug in someone else's pull request
# (derandomize=True also turns the example database off). Finding new bugs
# is the job of "fuzz", which draws fresh examples on every run and stores
# failing ones in the example database (.hypothesis/examples) so that the
# next run replays them first.
#
# The profiles are settings objects applied to these tests only, not
# registered with settings.load_profile: loading a profile would change the
# settings of every Hypothesis test in the session (and Hypothesis already
# has a built-in profile named "ci", which it loads itself when $CI is set).
# No deadline: timings on a shared 2-core machine are meaningless.
PROFILES = {
    "ci": settings(max_examples=8, deadline=None, derandomize=True, print_blob=True),
    "fuzz": settings(max_examples=500, deadline=None, derandomize=False, print_blob=True),
}
_PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if _PROFILE_NAME not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE={_PROFILE_NAME!r}: use one of {sorted(PROFILES)}.")
PROFILE = settings(
    PROFILES[_PROFILE_NAME],
    # HYPOTHESIS_MAX_EXAMPLES=n overrides the profile's count (per parametrisation).
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", PROFILES[_PROFILE_NAME].max_examples)),
    # Data sets of up to 30 x 40 entries are large by Hypothesis' standards,
    # and an example fits several models: both are the point of these tests.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------- parametrisation
ESTIMATORS = {
    "LinearClassifier": LinearClassifier,
    "LinearRegressor": LinearRegressor,
    "MLPClassifier": MLPClassifier,
    "MLPRegressor": MLPRegressor,
}
# The optimizers the linear models' l1 penalty refuses (L-BFGS; Lion and the
# schedule-free ones: tests/linear_model/test_sgd_features.py).
NO_L1_PENALTY = ("lbfgs", "lion", "schedulefree_adamw", "schedulefree_sgd")
# Muon refuses linear models (no hidden layer: tests/optimizers/test_new_optimizers.py).
PAIRS = [(e, o) for e in ESTIMATORS for o in OPTIMIZERS if not (e.startswith("Linear") and o == "muon")]
EVERY_ESTIMATOR_AND_OPTIMIZER = pytest.mark.parametrize("estimator_name, optimizer", PAIRS)
CLASSIFIERS_AND_OPTIMIZERS = pytest.mark.parametrize(
    "estimator_name, optimizer", [(e, o) for e, o in PAIRS if e.endswith("Classifier")]
)
# Properties 3 and 4 read what a fit does with its inputs and how the output
# layer turns scores into probabilities: code an optimizer enters only by
# how it trains (steps; a full batch, whose repeated rows are merged;
# minimizing at once), by where it evaluates the model (schedule-free) and
# by Muon's partition of the layers. One optimizer of each of these stands
# for the others, as in tests/estimators/test_common.py; properties 1, 2 and
# 5, whose outcome the optimizer decides, run on every pair.
ONE_OF_EACH_WAY = ("sgd", "adam", "gd", "lbfgs", "schedulefree_adamw", "muon")
assert set(ONE_OF_EACH_WAY) <= set(OPTIMIZERS)
EVERY_ESTIMATOR_AND_EACH_WAY = pytest.mark.parametrize(
    "estimator_name, optimizer", [(e, o) for e, o in PAIRS if o in ONE_OF_EACH_WAY]
)
CLASSIFIERS_AND_EACH_WAY = pytest.mark.parametrize(
    "estimator_name, optimizer", [(e, o) for e, o in PAIRS if o in ONE_OF_EACH_WAY and e.endswith("Classifier")]
)

# The label sets; a drawn problem uses the first 2 to 4 of one of them.
CLASS_LABELS = {
    "int": np.array([0, 1, 2, 3]),
    "mixed_sign_int": np.array([-10, 7, 0, -1]),
    "str": np.array(["ant", "bee", "cat", "dog"]),
    "object_str": np.array(["ant", "bee", "cat", "dog"], dtype=object),
    "bool": np.array([False, True]),
    "integral_float": np.array([-1.0, 1.0, 2.0, 30.0]),
    # Not class labels for scikit-learn: non-integral floats are a
    # regression target, which classifiers reject.
    "continuous": np.array([0.5, 1.25, -2.5, 3.75]),
}

# What a clear error message for each kind of invalid input must contain
# (case-insensitive): the messages of scikit-learn's validation and of
# skopt_lab's own checks.
PROBLEM_KEYWORDS = {
    "NaN in X": r"NaN",
    "infinity in X": r"infinity",
    "NaN in y": r"NaN",
    "NaN in sample_weight": r"NaN",
    "infinity in sample_weight": r"infinity",
    "all sample weights zero": r"weight",
    "negative sample weight": r"negative",
    "sample_weight of the wrong length": r"sample_weight|shape|samples",
    "all class-weighted sample weights zero": r"weight",
    "fewer than 2 classes": r"class",
    "continuous labels for a classifier": r"label type|continuous",
    "string targets for a regressor": r"string|float|numeric",
    "l1 penalty with LBFGS": r"LBFGS|penalty",
    "l1 penalty with a sign or averaging method": r"supports only penalty='l2' or None",
    "dropout with LBFGS": r"dropout",
    "class_weight='balanced' in partial_fit": r"balanced",
    "too few samples for the validation split": r"validation",
    "early_stopping with LBFGS": r"early_stopping",
    "early_stopping in partial_fit": r"early_stopping",
    # Possible problems: the fit may also succeed (cleanly).
    "one validation sample for R²": r"validation",
    "zero-weight samples and early stopping": r"validation",
}

# Warnings training may legitimately give with these tiny max_iter and tol=None.
LBFGS_MAX_ITER = re.compile(r"LBFGS: maximum iterations")
DIVERGED = re.compile(r"diverged in epoch")


# ------------------------------------------------------------------- the cases
@dataclass
class Case:
    """One drawn problem: data, estimator parameters and what is wrong with it."""

    estimator_name: str
    optimizer: str
    params: dict
    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None
    classes: np.ndarray | None  # for partial_fit of classifiers
    stiff: bool  # whether the problem may legitimately diverge, see _check_warnings
    valid: bool
    # Per method ("fit", "partial_fit"): problems the input certainly has
    # (an error is required), and problems it may have depending on a random
    # split (an error is allowed, a clean success too).
    problems: dict = field(default_factory=dict)
    maybe: dict = field(default_factory=dict)

    def make(self, partial_fit=False):
        params = self.params
        if partial_fit and self.valid:
            # Valid for fit, refused by partial_fit (property 1 checks how).
            params = {**params, "early_stopping": False}
            if params.get("class_weight") == "balanced":
                params["class_weight"] = None
        return ESTIMATORS[self.estimator_name](**params)

    @property
    def is_classifier(self):
        return self.estimator_name.endswith("Classifier")


def _estimator_params(draw, estimator_name, optimizer, valid):
    """Small, fast hyperparameters: a few epochs without convergence test."""
    lbfgs = optimizer == "lbfgs"
    no_l1 = optimizer in NO_L1_PENALTY
    params = {
        "optimizer": optimizer,
        "max_iter": draw(st.integers(1, 4)),
        "tol": None,  # no "not converged" ConvergenceWarning after max_iter epochs
        "random_state": draw(st.integers(0, 2**31 - 1)),
        "alpha": draw(st.sampled_from([1e-4, 0.0, 1.0])),
        "batch_size": draw(st.sampled_from(["auto", 1, 3, 200])),
        "shuffle": draw(st.booleans()),
        "early_stopping": draw(st.sampled_from([False, False, True])),
        "validation_fraction": draw(st.sampled_from([0.1, 0.2, 0.5])),
    }
    if estimator_name.startswith("Linear"):
        penalty = draw(st.sampled_from(["l2", None] if valid and no_l1 else ["l2", "l1", "elasticnet", None]))
        params.update(penalty=penalty, l1_ratio=draw(st.sampled_from([0.15, 0.0, 1.0])))
        params["fit_intercept"] = draw(st.booleans())
        if estimator_name == "LinearClassifier":
            params["loss"] = draw(st.sampled_from(["log_loss", "hinge", "squared_hinge", "modified_huber"]))
            # "dict" is replaced by a dict over the labels once they are drawn.
            params["class_weight"] = draw(st.sampled_from([None, "balanced", "dict"]))
        else:
            params["loss"] = draw(st.sampled_from(["squared_error", "huber", "epsilon_insensitive"]))
            params["epsilon"] = draw(st.sampled_from([0.1, 1.0]))
    else:
        params["hidden_layer_sizes"] = draw(st.sampled_from([(4,), (3, 2), (1,)]))
        params["activation"] = draw(
            st.sampled_from(["relu", "tanh", "logistic", "identity", "gelu", "leaky_relu"])
        )
        params["dropout"] = 0.0 if valid and lbfgs else draw(st.sampled_from([0.0, 0.0, 0.3]))
        if estimator_name == "MLPRegressor":
            params["loss"] = draw(st.sampled_from(["squared_error", "huber"]))
    return params


def _float_array(draw, shape):
    # hnp.arrays fills most entries with one drawn value and sets a few
    # others: repeated values and constant columns come for free.
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(-1, 1, allow_subnormal=False)))


def _draw_X(draw, n_samples, n_features):
    dtype = np.dtype(draw(st.sampled_from(["float64", "float32", "int64", "int32"])))
    scale = 10.0 ** draw(st.integers(-6, 6))
    values = _float_array(draw, (n_samples, n_features))
    for column in draw(st.sets(st.integers(0, n_features - 1), max_size=3)):
        values[:, column] = draw(st.floats(-1, 1, allow_subnormal=False))
    values *= scale
    X = np.rint(values).astype(dtype) if dtype.kind == "i" else values.astype(dtype)
    layout = draw(st.sampled_from(["C", "F", "csr", "csc"]))
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout in ("csr", "csc"):
        keep = draw(hnp.arrays(np.bool_, X.shape))
        X = sparse.csr_matrix(X * keep) if layout == "csr" else sparse.csc_matrix(X * keep)
        if draw(st.booleans()):
            _unsort_indices(X)
    return X


def _unsort_indices(X):
    """Reverse each row's (CSR) or column's (CSC) entries: valid, unsorted."""
    for start, stop in zip(X.indptr[:-1], X.indptr[1:]):
        X.indices[start:stop] = X.indices[start:stop][::-1].copy()
        X.data[start:stop] = X.data[start:stop][::-1].copy()
    X.has_sorted_indices = False


def _inject_non_finite(draw, X, y, sample_weight):
    """Put a NaN or an infinity into X, y or sample_weight; name the problem."""
    targets = ["X", "y"] + (["sample_weight"] if sample_weight is not None else [])
    where = draw(st.sampled_from(targets))
    value = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    if where == "y" and y.dtype.kind != "f":
        return X, y, sample_weight, []  # only float targets can hold a NaN
    if where == "y":
        value = np.nan  # scikit-learn reports infinities in y as NaN or infinity
    if where == "X":
        X = X.astype(np.float64, copy=True)
        data = X.data if sparse.issparse(X) else X.reshape(-1, order="A")
        if data.size == 0:
            return X, y, sample_weight, []
        data[draw(st.integers(0, data.size - 1))] = value
        return X, y, sample_weight, ["NaN in X" if np.isnan(value) else "infinity in X"]
    array = (y if where == "y" else sample_weight).astype(np.float64)
    array[draw(st.integers(0, array.size - 1))] = value
    kind = "NaN" if np.isnan(value) else "infinity"
    if where == "y":
        return X, array, sample_weight, [f"{kind} in y"]
    return X, y, array, [f"{kind} in sample_weight"]


@st.composite
def cases(draw, estimator_name, optimizer, *, valid=True, probabilistic=False):
    """A problem for ``estimator_name`` trained by ``optimizer``.

    With ``valid=True`` the data and parameters are correct, so fit and
    partial_fit must succeed; otherwise they may also be invalid, and the
    problems are listed in ``problems`` and ``maybe``.
    ``probabilistic`` restricts LinearClassifier to losses with predict_proba.
    """
    classifier = estimator_name.endswith("Classifier")
    params = _estimator_params(draw, estimator_name, optimizer, valid)
    if probabilistic and estimator_name == "LinearClassifier":
        params["loss"] = draw(st.sampled_from(["log_loss", "modified_huber"]))

    # A valid classification problem for fit needs two samples of two classes.
    n_samples = draw(st.integers(2 if classifier and valid else 1, 30))
    n_features = draw(st.integers(1, 40))
    X = _draw_X(draw, n_samples, n_features)

    classes = None
    if classifier:
        kinds = [k for k in CLASS_LABELS if valid is False or k != "continuous"]
        labels = CLASS_LABELS[draw(st.sampled_from(kinds))]
        n_classes = draw(st.integers(2, len(labels)))
        codes = draw(hnp.arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
        if valid and len(np.unique(codes)) < 2:
            codes[-1] = (codes[0] + 1) % n_classes
        y = labels[codes]
        # partial_fit's classes: those of y, sometimes with one y lacks.
        classes = np.unique(labels[: n_classes if draw(st.booleans()) else codes.max() + 1])
    else:
        kind = draw(st.sampled_from(["float64", "float32", "int", "bool"] + ([] if valid else ["str"])))
        values = _float_array(draw, n_samples) * 10.0 ** draw(st.integers(-6, 6))
        if kind == "int":
            values = np.rint(values)
        y = {
            "float64": values,
            "float32": values.astype(np.float32),
            "int": values.astype(np.int64),
            "bool": values > 0,
            "str": np.array(["low", "high"])[(values > 0).astype(int)],
        }[kind]

    sample_weight = None
    weighting = draw(st.sampled_from(["none", "with_zeros", "positive"] + ([] if valid else ["all_zero"])))
    if weighting != "none":
        elements = st.sampled_from([0.0, 0.5, 1.0, 3.0]) if weighting == "with_zeros" else st.floats(0.01, 100)
        sample_weight = draw(hnp.arrays(np.float64, n_samples, elements=elements))
        if weighting == "all_zero":
            sample_weight[:] = 0
        elif not sample_weight.any():
            sample_weight[draw(st.integers(0, n_samples - 1))] = 1.0
        sample_weight *= 10.0 ** draw(st.integers(-6, 6))
        if draw(st.booleans()):
            sample_weight = sample_weight.astype(X.dtype if X.dtype.kind == "f" else np.float32)

    if classifier and params.get("class_weight") == "dict":
        # One weight per label of y and of partial_fit's classes.
        params["class_weight"] = {
            label: draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])) for label in np.unique(np.r_[classes, y])
        }
        effective = _class_weighted(y, sample_weight, params["class_weight"])
        if valid and not effective.any():
            heaviest = y[np.argmax(sample_weight)] if sample_weight is not None else y[0]
            params["class_weight"][heaviest] = 1.0

    problems = []
    if not valid and draw(st.integers(0, 4)) == 0:
        X, y, sample_weight, problems = _inject_non_finite(draw, X, y, sample_weight)
    if not valid and sample_weight is not None and draw(st.integers(0, 9)) == 0:
        if draw(st.booleans()):
            sample_weight = sample_weight.copy()
            sample_weight[draw(st.integers(0, n_samples - 1))] = -1.0
            problems.append("negative sample weight")
        else:
            sample_weight = np.r_[sample_weight, 1.0].astype(sample_weight.dtype)
            problems.append("sample_weight of the wrong length")

    fit_problems, partial_fit_problems, maybe = list(problems), list(problems), []
    if sample_weight is not None and not np.any(sample_weight):
        fit_problems.append("all sample weights zero")
        partial_fit_problems.append("all sample weights zero")
    elif classifier and isinstance(params.get("class_weight"), dict) and not problems:
        if not _class_weighted(y, sample_weight, params["class_weight"]).any():
            fit_problems.append("all class-weighted sample weights zero")
            partial_fit_problems.append("all class-weighted sample weights zero")
    if classifier:
        if y.dtype.kind == "f" and np.any(y != np.rint(y)):
            fit_problems.append("continuous labels for a classifier")
            partial_fit_problems.append("continuous labels for a classifier")
        if len(np.unique(y)) < 2:
            fit_problems.append("fewer than 2 classes")
        if len(classes) < 2:
            partial_fit_problems.append("fewer than 2 classes")
        if params.get("class_weight") == "balanced" and not valid:
            partial_fit_problems.append("class_weight='balanced' in partial_fit")
    elif y.dtype.kind == "U":
        fit_problems.append("string targets for a regressor")
        partial_fit_problems.append("string targets for a regressor")
    if optimizer in NO_L1_PENALTY:
        penalty = params.get("penalty")
        l1_share = {"l1": 1.0, "elasticnet": params.get("l1_ratio"), "l2": 0.0, None: 0.0}[penalty]
        if params.get("penalty", None) is not None and params["alpha"] * l1_share > 0:
            if optimizer == "lbfgs":
                fit_problems.append("l1 penalty with LBFGS")
            else:
                fit_problems.append("l1 penalty with a sign or averaging method")
                partial_fit_problems.append("l1 penalty with a sign or averaging method")
    if optimizer == "lbfgs":
        if params.get("dropout"):
            fit_problems.append("dropout with LBFGS")
        if params["early_stopping"]:
            if valid:
                params["early_stopping"] = False
            else:
                fit_problems.append("early_stopping with LBFGS")
    elif params["early_stopping"]:
        if not valid:
            partial_fit_problems.append("early_stopping in partial_fit")
        # fit holds out ceil(validation_fraction * n) samples, stratified for
        # classifiers, as sklearn's train_test_split does.
        n_val = math.ceil(params["validation_fraction"] * n_samples)
        n_train = n_samples - n_val
        if classifier:
            labels, counts = np.unique(y, return_counts=True)
            # the split is stratified: a class of one sample is refused
            too_few = n_train < 1 or counts.min() < 2 or min(n_val, n_train) < len(labels)
        else:
            too_few = n_train < 1
            if n_val < 2:
                maybe.append("one validation sample for R²")
        if too_few:
            fit_problems.append("too few samples for the validation split")
        # (Input already invalid, NaN labels or wrong-length weights, fails before the split.)
        if not problems and (sample_weight is not None or isinstance(params.get("class_weight"), dict)):
            weights = _class_weighted(y, sample_weight, params.get("class_weight")) if classifier else sample_weight
            if not np.all(weights > 0):
                maybe.append("zero-weight samples and early stopping")
        if valid and (too_few or maybe):
            # Properties 2 to 5 need a fit that must succeed: without early
            # stopping here (property 1 covers these cases).
            params["early_stopping"], maybe = False, []
            fit_problems = [p for p in fit_problems if p != "too few samples for the validation split"]
    assert not valid or not (fit_problems or partial_fit_problems), (fit_problems, partial_fit_problems)

    stiff = _curvature_bound(X, sample_weight) >= 100
    if estimator_name == "MLPRegressor" and y.dtype.kind in "fi":
        stiff = stiff or np.nanmax(np.abs(y), initial=0) >= 100
    return Case(
        estimator_name, optimizer, params, X, y, sample_weight, classes, bool(stiff), valid,
        problems={"fit": fit_problems, "partial_fit": partial_fit_problems},
        maybe={"fit": maybe, "partial_fit": []},
    )


def _class_weighted(y, sample_weight, class_weight):
    """sample_weight times the weight of each sample's class (all ones for None)."""
    weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if isinstance(class_weight, dict):
        weights = weights * np.array([class_weight[label] for label in y])
    return weights


def _curvature_bound(X, sample_weight):
    """max_i w_i/mean(w) (||x_i||² + 1): bounds the curvature of any batch's
    squared loss (non-finite entries count as 0)."""
    X = X.toarray() if sparse.issparse(X) else np.asarray(X)
    X = np.where(np.isfinite(X), X, 0).astype(np.float64)
    bound = np.einsum("ij,ij->i", X, X) + 1
    if sample_weight is not None:
        w = np.where(np.isfinite(sample_weight), sample_weight, 0).astype(np.float64)
        if w.shape == bound.shape and w.sum() > 0:
            bound *= w / w.mean()
    return bound.max()


# --------------------------------------------------------------------- helpers
@dataclass
class Outcome:
    result: object
    error: BaseException | None
    warnings: list


def _call(function, *args, **kwargs):
    """Run ``function`` and record its warnings instead of raising them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return Outcome(function(*args, **kwargs), None, caught)
        except Exception as exc:  # judged by the caller
            return Outcome(None, exc, caught)


def _check_warnings(outcome, case, method):
    """Fail on any warning but the two these fits may legitimately give.

    - L-BFGS stops after max_iter iterations with a ConvergenceWarning
      whatever ``tol`` is (scipy's own gtol/ftol tests decide convergence,
      and 1 to 4 iterations rarely meet them): allowed for "lbfgs" in fit.
    - Training that diverges stops with a ConvergenceWarning and keeps the
      last finite weights. With the default learning rates (1e-3 to 1) that
      is expected only where the problem is stiff: allowed when the
      curvature bound ``max_i w_i/mean(w) (||x_i||² + 1)`` is at least 100
      (gradient descent with learning rate 0.01 is stable below 200), or
      for an MLPRegressor whose targets reach 100 (the output weights'
      first steps scale the hidden layers' gradients by the targets). A
      divergence on a better-conditioned problem is a bug. Predictions must
      stay finite either way.
    """
    for w in outcome.warnings:
        message = str(w.message)
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        if issubclass(w.category, ConvergenceWarning):
            if case.optimizer == "lbfgs" and method == "fit" and LBFGS_MAX_ITER.search(message):
                continue
            if DIVERGED.search(message):
                event("diverged")
                if case.stiff:
                    continue
        raise AssertionError(f"{method} warned unexpectedly: {w.category.__name__}: {message}")


def _innermost_file(exc):
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename


def _check_outcome(outcome, case, method):
    """Valid input: success. Invalid input: a clear ValueError or TypeError.

    Returns whether ``method`` succeeded.
    """
    exc = outcome.error
    problems, maybe = case.problems.get(method, []), case.maybe.get(method, [])
    if exc is None:
        if problems:
            raise AssertionError(f"{method} accepted invalid input ({', '.join(problems)}) without an error")
        _check_warnings(outcome, case, method)
        return True
    if not problems and not maybe:
        raise AssertionError(f"{method} failed on valid input: {type(exc).__name__}: {exc}") from exc
    if not isinstance(exc, (ValueError, TypeError)):
        raise AssertionError(f"{method} raised {type(exc).__name__}, not ValueError/TypeError: {exc}") from exc
    message = str(exc)
    where = _innermost_file(exc)
    # An error raised inside numpy or scipy speaks of their internals, not
    # of the user's input (a ValueError from np.average, an AxisError...).
    if not any(f"{os.sep}{package}{os.sep}" in where for package in ("skopt_lab", "sklearn")):
        raise AssertionError(f"{method} raised from {where}: {type(exc).__name__}: {message}") from exc
    pattern = "|".join(PROBLEM_KEYWORDS[p] for p in problems + maybe)
    if not re.search(pattern, message, flags=re.IGNORECASE):
        raise AssertionError(
            f"{method} on input with {problems + maybe} raised {type(exc).__name__} whose message does not "
            f"name the problem (expected /{pattern}/): {message!r}"
        ) from exc
    return False


def _snapshot(value):
    """A deep copy of an input, to compare bit for bit afterwards."""
    if value is None:
        return None
    if sparse.issparse(value):
        return (value.format, value.shape, value.dtype, value.data.copy(), value.indices.copy(), value.indptr.copy())
    return (type(value), value.dtype, value.shape, value.flags["C_CONTIGUOUS"], np.array(value, copy=True))


def _same(before, value, name):
    if before is None:
        assert value is None
        return
    if sparse.issparse(value):
        fmt, shape, dtype, data, indices, indptr = before
        assert (value.format, value.shape, value.dtype) == (fmt, shape, dtype), f"{name}'s type changed"
        for part, old in (("data", data), ("indices", indices), ("indptr", indptr)):
            new = getattr(value, part)
            assert new.dtype == old.dtype and np.array_equal(new, old, equal_nan=new.dtype.kind == "f"), (
                f"{name}.{part} was modified"
            )
        return
    kind, dtype, shape, c_contiguous, array = before
    assert (type(value), value.dtype, value.shape) == (kind, dtype, shape), f"{name}'s type changed"
    assert value.flags["C_CONTIGUOUS"] == c_contiguous, f"{name}'s memory layout changed"
    assert np.array_equal(value, array, equal_nan=array.dtype.kind == "f"), f"{name} was modified"


def _fitted(case):
    """[(method, estimator)]: a fit model, and a partial_fit one (two calls)
    when the optimizer allows partial_fit. Valid cases only."""
    X, y, w = case.X, case.y, case.sample_weight
    fitted = []
    estimator = case.make()
    outcome = _call(estimator.fit, X, y, sample_weight=w)
    _check_outcome(outcome, case, "fit")
    fitted.append(("fit", estimator))
    estimator = case.make(partial_fit=True)
    if hasattr(estimator, "partial_fit"):
        extra = {"classes": case.classes} if case.is_classifier else {}
        for _ in range(2):
            outcome = _call(estimator.partial_fit, X, y, sample_weight=w, **extra)
            _check_outcome(outcome, case, "partial_fit")
        fitted.append(("partial_fit", estimator))
    return fitted


def _prediction_methods(estimator):
    names = ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform"]
    return [name for name in names if hasattr(estimator, name)]


def _describe(case):
    X = case.X
    layout = X.format if sparse.issparse(X) else ("F" if not X.flags["C_CONTIGUOUS"] else "C")
    note(
        f"{case.estimator_name}({case.params})\nX: {X.shape} {X.dtype} {layout}, stiff: {case.stiff}\n"
        f"X: {X.toarray() if sparse.issparse(X) else X!r}\ny: {case.y.dtype} {case.y[:10]!r}\nsample_weight: "
        f"{None if case.sample_weight is None else case.sample_weight[:10]!r}\nclasses: {case.classes!r}\n"
        f"problems: {case.problems}, possible problems: {case.maybe}"
    )


def _flip(X):
    """Other finite input of the same magnitude: rows reversed, signs flipped."""
    return -X[::-1] if not sparse.issparse(X) else -X[np.arange(X.shape[0])[::-1]]


# ------------------------------------------------------------------ properties
@EVERY_ESTIMATOR_AND_OPTIMIZER
@PROFILE
@given(data=st.data())
def test_fit_succeeds_or_raises_a_clear_error(estimator_name, optimizer, data):
    """Property 1: valid input fits; invalid input gets a ValueError or
    TypeError from skopt_lab or scikit-learn that names the problem. The
    inputs are never modified, whatever the outcome."""
    case = data.draw(cases(estimator_name, optimizer, valid=False))
    _describe(case)
    X, y, w = case.X, case.y, case.sample_weight
    before = [_snapshot(v) for v in (X, y, w)]

    estimator = case.make()
    _check_outcome(_call(estimator.fit, X, y, sample_weight=w), case, "fit")

    estimator = case.make(partial_fit=True)
    if hasattr(estimator, "partial_fit"):
        extra = {"classes": case.classes} if case.is_classifier else {}
        if _check_outcome(_call(estimator.partial_fit, X, y, sample_weight=w, **extra), case, "partial_fit"):
            outcome = _call(estimator.partial_fit, X, y, sample_weight=w)
            _check_outcome(outcome, case, "partial_fit")
    else:
        assert optimizer == "lbfgs"

    for name, value, old in zip(("X", "y", "sample_weight"), (X, y, w), before):
        _same(old, value, name)


@EVERY_ESTIMATOR_AND_OPTIMIZER
@PROFILE
@given(data=st.data())
def test_predictions_on_finite_input_are_finite(estimator_name, optimizer, data):
    """Property 2: after fit (and partial_fit), every prediction method gives
    finite values of the right shape; labels come from classes_; X of the
    wrong width is a clear ValueError."""
    case = data.draw(cases(estimator_name, optimizer))
    _describe(case)
    n_samples, n_features = case.X.shape
    for method, estimator in _fitted(case):
        if case.is_classifier:
            expected = np.unique(case.y) if method == "fit" else case.classes
            assert np.array_equal(estimator.classes_, np.unique(expected)), (estimator.classes_, expected)
        n_classes = len(estimator.classes_) if case.is_classifier else None
        for X in (case.X, _flip(case.X)):
            for name in _prediction_methods(estimator):
                outcome = _call(getattr(estimator, name), X)
                assert outcome.error is None, f"{method} then {name}: {outcome.error!r}"
                assert not outcome.warnings, f"{method} then {name} warned: {outcome.warnings[0].message}"
                out = outcome.result
                assert isinstance(out, np.ndarray), type(out)
                if name == "predict" and case.is_classifier:
                    assert out.shape == (n_samples,)
                    assert np.isin(out, estimator.classes_).all(), f"labels {out} not in {estimator.classes_}"
                    continue
                assert out.dtype.kind == "f", (name, out.dtype)
                shape = {
                    "predict": (n_samples,),
                    "predict_proba": (n_samples, n_classes),
                    "predict_log_proba": (n_samples, n_classes),
                    "decision_function": (n_samples,) if n_classes == 2 else (n_samples, n_classes),
                    "transform": (n_samples, estimator.get_params().get("hidden_layer_sizes", (0,))[-1]),
                }[name]
                assert out.shape == shape, (name, out.shape, shape)
                if name == "predict_log_proba":
                    # log(0) = -inf is a correct log-probability (modified_huber
                    # gives probabilities of exactly 0); NaN and +inf are not.
                    assert not np.isnan(out).any() and (out <= 0).all(), f"{method} then {name}: {out}"
                else:
                    assert np.isfinite(out).all(), f"{method} then {name} is not finite: {out}"
        wider = sparse.hstack([case.X, case.X[:, :1]]) if sparse.issparse(case.X) else np.hstack([case.X, case.X[:, :1]])
        with pytest.raises(ValueError, match="features"):
            estimator.predict(wider)


@EVERY_ESTIMATOR_AND_EACH_WAY
@PROFILE
@given(data=st.data())
def test_inputs_are_never_modified(estimator_name, optimizer, data):
    """Property 3: X, y and sample_weight are bit-identical after fit,
    partial_fit and every prediction method."""
    case = data.draw(cases(estimator_name, optimizer))
    _describe(case)
    inputs = {"X": case.X, "y": case.y, "sample_weight": case.sample_weight}
    if case.classes is not None:
        inputs["classes"] = case.classes
    before = {name: _snapshot(value) for name, value in inputs.items()}
    for method, estimator in _fitted(case):
        for name, value in inputs.items():
            _same(before[name], value, f"{name} (after {method})")
        for prediction in _prediction_methods(estimator):
            _call(getattr(estimator, prediction), case.X)
            _same(before["X"], case.X, f"X (after {method} and {prediction})")


@CLASSIFIERS_AND_EACH_WAY
@PROFILE
@given(data=st.data())
def test_predict_proba_rows_are_distributions(estimator_name, optimizer, data):
    """Property 4: predict_proba is in [0, 1], rows sum to 1, the predicted
    class has the largest probability, and predict_log_proba is its log."""
    case = data.draw(cases(estimator_name, optimizer, probabilistic=True))
    _describe(case)
    for method, estimator in _fitted(case):
        for X in (case.X, _flip(case.X)):
            proba = estimator.predict_proba(X)
            # float32 training predicts in float32: a few ulps per class.
            tol = 8 * np.finfo(proba.dtype).eps * proba.shape[1]
            assert np.isfinite(proba).all(), proba
            assert (proba >= 0).all() and (proba <= 1).all(), f"{method}: probabilities outside [0, 1]: {proba}"
            np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=tol, err_msg=f"{method}: row sums")
            predicted = np.searchsorted(estimator.classes_, estimator.predict(X))
            chosen = proba[np.arange(len(proba)), predicted]
            assert (chosen >= proba.max(axis=1) - tol).all(), f"{method}: predict disagrees with predict_proba"
            log_proba = estimator.predict_log_proba(X)
            np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-3, atol=tol, err_msg=f"{method}: log")


@EVERY_ESTIMATOR_AND_OPTIMIZER
@PROFILE
@given(data=st.data())
def test_fixed_random_state_is_bit_for_bit_repeatable(estimator_name, optimizer, data):
    """Property 5: with an int random_state, two clones fit (or partial_fit)
    to bit-identical weights, loss curves and predictions, and so does a
    second fit of the same estimator."""
    case = data.draw(cases(estimator_name, optimizer))
    _describe(case)

    def weights(estimator):
        if estimator_name.startswith("Linear"):
            return [estimator.coef_, estimator.intercept_]
        return [*estimator.coefs_, *estimator.intercepts_]

    def summary(estimator):
        arrays = weights(estimator) + [np.asarray(estimator.loss_curve_, dtype=float)]
        arrays += [getattr(estimator, name)(case.X) for name in _prediction_methods(estimator)]
        return [np.array(a, copy=True) for a in arrays] + [estimator.n_iter_, estimator.t_]

    def equal(first, second):
        return len(first) == len(second) and all(
            np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind == "f") for a, b in zip(first, second)
        )

    first = {method: (estimator, summary(estimator)) for method, estimator in _fitted(case)}
    second = dict(_fitted(case))
    for method, (estimator, result) in first.items():
        assert equal(result, summary(second[method])), f"two {method}s with random_state differ"
    estimator, result = first["fit"]
    _check_outcome(_call(estimator.fit, case.X, case.y, sample_weight=case.sample_weight), case, "fit")
    assert equal(result, summary(estimator)), "a second fit of the same estimator differs from the first"


# ----------------------------------------------------------- explicit examples
@EVERY_ESTIMATOR_AND_OPTIMIZER
def test_all_zero_sample_weight_is_a_clear_error(estimator_name, optimizer):
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    estimator = ESTIMATORS[estimator_name](optimizer=optimizer, max_iter=2, tol=None)
    with pytest.raises(ValueError, match="(?i)weight"):
        estimator.fit(X, y, sample_weight=np.zeros(6))
    if hasattr(estimator, "partial_fit"):
        extra = {"classes": [0, 1]} if is_classifier(estimator) else {}
        with pytest.raises(ValueError, match="(?i)weight"):
            estimator.partial_fit(X, y, sample_weight=np.zeros(6), **extra)


@CLASSIFIERS_AND_OPTIMIZERS
@pytest.mark.parametrize("labels", [[1, 1, 1], ["a", "a", "a"], [True, True, True]])
def test_single_class_is_a_clear_error(estimator_name, optimizer, labels):
    X = np.arange(6.0).reshape(3, 2)
    estimator = ESTIMATORS[estimator_name](optimizer=optimizer, max_iter=2, tol=None)
    with pytest.raises(ValueError, match="class"):
        estimator.fit(X, np.array(labels))
    if hasattr(estimator, "partial_fit"):
        with pytest.raises(ValueError, match="class"):
            estimator.partial_fit(X, np.array(labels), classes=np.unique(labels))


# Regressions found by the fuzz profile.
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_class_weight_that_zeroes_every_sample_is_a_clear_error(optimizer):
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    estimator = LinearClassifier(optimizer=optimizer, class_weight={0: 0.0, 1: 0.0}, max_iter=2, tol=None)
    with pytest.raises(ValueError, match="multiplied by class_weight, are all zero"):
        estimator.fit(X, y)
    if hasattr(estimator, "partial_fit"):
        with pytest.raises(ValueError, match="multiplied by class_weight, are all zero"):
            estimator.partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize("estimator_name", ["LinearRegressor", "MLPRegressor"])
def test_early_stopping_needs_two_validation_samples_for_r2(estimator_name):
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    estimator = ESTIMATORS[estimator_name](early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match=r"validation_fraction=0.1 leaves 1 validation sample of 5"):
        estimator.fit(X, y)


@pytest.mark.parametrize("optimizer", [name for name in OPTIMIZERS if name not in ("lbfgs", "muon")])
def test_divergence_is_judged_against_the_loss_on_all_the_data(optimizer):  # on a linear model: no Muon
    # The first batch, (0, 0), fits exactly: its loss of 0 is no scale for
    # the second's 5e5, which no weight can change (x = 0, no intercept).
    X, y = np.zeros((2, 1)), np.array([0.0, 1000.0])
    estimator = LinearRegressor(
        optimizer, fit_intercept=False, batch_size=1, shuffle=False, max_iter=3, tol=None, normalize_y=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        estimator.fit(X, y)
    assert estimator.n_iter_ == 3
    np.testing.assert_allclose(estimator.loss_curve_, [250_000.0] * 3)


def test_r2_of_near_constant_validation_targets_is_minus_infinity_without_warning():
    X, y = np.ones((22, 1)), np.zeros(22)
    y[0], y[13] = 10.0, 7e-162  # random_state=0 holds out 13 and zeros: variance ~1e-325
    estimator = LinearRegressor("rmsprop", early_stopping=True, shuffle=False, max_iter=1, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.fit(X, y)
    assert estimator.validation_scores_ == [-np.inf]
