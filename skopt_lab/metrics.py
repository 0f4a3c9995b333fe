"""Scorers that measure a fitted model rather than its predictions.

A scorer is a callable ``(estimator, X, y) -> float``, greater is better:
scikit-learn's searches take it in a ``scoring`` dict beside the usual
metrics, and a multi-objective search (``objectives=``) trades one off
against another.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["n_parameters_scorer"]


def n_parameters_scorer(estimator, X=None, y=None):
    """Minus the number of trainable weights of a fitted model.

    A scorer (greater is better, hence the minus sign) for searching for
    small models: the weights and biases that training updates. For
    skopt_lab's estimators, that is their parameter vector without the
    layers frozen by ``freeze_layers``; for other models with ``coefs_``
    and ``intercepts_`` (scikit-learn's MLPs) or ``coef_`` and
    ``intercept_`` (its linear models), the sizes of those arrays. In a
    :class:`~sklearn.pipeline.Pipeline` only the last step counts. It does
    not depend on ``X`` and ``y``, which are there for the scorer protocol.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        The model to measure.
    X : array-like, default=None
        The data the search scores on; ignored.
    y : array-like, default=None
        Its targets; ignored.

    Returns
    -------
    score : float
        Minus the number of trainable weights.

    Raises
    ------
    TypeError
        If the model keeps its weights in none of the attributes above.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skopt_lab import MLPClassifier
    >>> from skopt_lab.metrics import n_parameters_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((5,), max_iter=5, tol=None, random_state=0).fit(X, y)
    >>> n_parameters_scorer(model, X, y)  # (4 * 5 + 5) + (5 * 3 + 3)
    -43.0

    In a search, beside the accuracy:

    >>> from skopt_lab import BayesSearchCV
    >>> search = BayesSearchCV(
    ...     MLPClassifier(max_iter=5, tol=None, random_state=0),
    ...     {"hidden_layer_sizes": [(2,), (5,), (10,)]},
    ...     scoring={"accuracy": "accuracy", "n_parameters": n_parameters_scorer},
    ...     objectives=["accuracy", "n_parameters"], n_iter=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> sorted(int(-n) for n in search.cv_results_["mean_test_n_parameters"])
    [19, 43, 83]
    >>> [int(-search.cv_results_["mean_test_n_parameters"][i]) for i in search.pareto_front_][-1]
    19
    """
    model = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    check_is_fitted(model)
    network = getattr(model, "_network", None)
    if network is not None:  # skopt_lab: the trainer optimizes theta[trainable_offset:]
        return -float(network.n_params - network.trainable_offset)
    for weights, biases in (("coefs_", "intercepts_"), ("coef_", "intercept_")):
        if hasattr(model, weights):
            arrays = _as_list(getattr(model, weights)) + _as_list(getattr(model, biases, []))
            return -float(sum(np.size(a) for a in arrays))
    raise TypeError(
        f"n_parameters_scorer counts the weights of skopt_lab's estimators and of models with "
        f"coefs_/intercepts_ or coef_/intercept_; {type(model).__name__} has none of them."
    )


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]
