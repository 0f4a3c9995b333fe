"""The models the commands train: how they are built, fitted (with the
warnings and errors a user should see) and scored on the test split."""

import contextlib
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.pipeline import make_pipeline

from ..linear_model import LinearClassifier, LinearRegressor
from ..neural_network import MLPClassifier, MLPRegressor
from ._errors import DataError

# Raised by scikit-learn for pipeline steps that cannot pass callbacks on
# (a CSV table's ColumnTransformer): progress is then coarser.
NO_CALLBACKS = "The estimator .* does not support callbacks"
HIDDEN = (64,)  # the MLP of compare and tune


def _estimator_class(task, kind):
    if kind == "linear":
        return LinearClassifier if task == "classification" else LinearRegressor
    return MLPClassifier if task == "classification" else MLPRegressor


def make_model(dataset, kind, optimizer, random_state, **params):
    """The data set's preprocessing followed by our estimator for its task
    (whose regressors standardise their targets themselves, so that every
    optimizer's default learning rate suits them)."""
    if kind == "mlp":
        params["hidden_layer_sizes"] = HIDDEN
    estimator = _estimator_class(dataset.task, kind)(optimizer=optimizer, random_state=random_state, **params)
    return make_pipeline(clone(dataset.preprocessor), estimator)


def param_prefix(task, kind):
    """Where our estimator's parameters sit in a model of :func:`make_model`."""
    return _estimator_class(task, kind).__name__.lower() + "__"


def innermost(model):
    """Our estimator, the last step of a pipeline."""
    return model[-1] if hasattr(model, "steps") else model


def evaluate(model, X, y, task):
    """Test metrics computed with scikit-learn's metrics (ROC-AUC when the
    test split holds the classes it needs)."""
    predicted = model.predict(X)
    if task == "regression":
        return {
            "R2": r2_score(y, predicted),
            "MAE": mean_absolute_error(y, predicted),
            "RMSE": root_mean_squared_error(y, predicted),
        }
    metrics = {
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, average="macro", zero_division=0),
        "recall": recall_score(y, predicted, average="macro", zero_division=0),
        "F1": f1_score(y, predicted, average="macro", zero_division=0),
    }
    classes, present = innermost(model).classes_, set(np.unique(y))
    if hasattr(model, "predict_proba") and len(present) > 1:
        proba = model.predict_proba(X)
        if len(classes) == 2:
            metrics["ROC-AUC"] = roc_auc_score(y, proba[:, 1])
        elif present == set(classes):
            metrics["ROC-AUC"] = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return metrics


def _is_budget_warning(warning):
    """A fit that stopped at its ``max_iter`` (or L-BFGS at ``max_fun``):
    what a fixed budget means, not news. A divergence is news."""
    return issubclass(warning.category, ConvergenceWarning) and "diverged" not in str(warning.message)


@contextlib.contextmanager
def data_errors(model):
    """What an estimator refuses to train on (a ValueError that names the
    problem, such as features too large to square) is the user's data: one
    line, exit code 2."""
    try:
        yield
    except ValueError as exc:
        name = type(innermost(getattr(model, "estimator", model))).__name__
        lines = str(exc).strip().splitlines()
        # A search whose fits all failed tells why in its message's last "...Error: ..." line.
        causes = [line.split("Error: ", 1)[1] for line in lines[1:] if "Error: " in line]
        reason = f"{lines[0]} {causes[-1]}" if causes else lines[0]
        raise DataError(f"{name} cannot train on this data: {reason}") from None


def fit_quietly(model, X, y):
    """Fit and time it. Stopping at the budget of epochs is expected and
    silent; any other warning (a divergence, a data problem) goes on to the
    command's warning report."""
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, data_errors(model):
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=NO_CALLBACKS, category=UserWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - started
    for warning in caught:
        if not _is_budget_warning(warning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return seconds
