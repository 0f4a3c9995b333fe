"""Interpretable optimization: which hyperparameters mattered in a fitted
search, and how its cross-validated score depends on each.

- :func:`hyperparameter_importances`: each parameter's share of the score's
  variance (functional ANOVA main effects on a random forest surrogate);
- :func:`partial_dependence`: the score averaged over the other parameters,
  along one parameter or over a pair.

Both read any fitted search's public ``cv_results_`` (scikit-learn's
``GridSearchCV``, ``RandomizedSearchCV``, the halving searches, and
skopt_lab's ``BayesSearchCV`` and ``HyperbandSearchCV``). The figures are
:func:`skopt_lab.plotting.plot_importances` and
:func:`skopt_lab.plotting.plot_partial_dependence`.
"""

from ._inspection import hyperparameter_importances, partial_dependence

__all__ = ["hyperparameter_importances", "partial_dependence"]
