"""Every private scikit-learn name skopt_lab uses, in one place.

scikit-learn keeps these names out of its public API and may change them in
any release. Importing them here, and nowhere else, means that a new
scikit-learn release that moves or changes one breaks this file, visibly,
instead of failing somewhere in a search or a fit; ``tests/test_compat.py``
lists them, and fails when code elsewhere in the package imports a private
scikit-learn name directly.

Why each is worth its risk:

- ``_fit_context``: validates constructor parameters at ``fit`` and skips
  nested validation, exactly as scikit-learn's own estimators do.
- the parameter-constraint classes (``Interval``, ``StrOptions``, ...):
  declaring ``_parameter_constraints`` the way scikit-learn's estimators do
  gives the same error messages; ``skopt_lab.optimizers`` re-exports them
  so that a user's optimizer declares its constraints without a private
  import.
- ``BaseSearchCV``: our searches keep scikit-learn's ``cv_results_``
  format, scorers, metadata routing and refit; there is no public base.
- ``_MultimetricScorer``: tells a search's multi-metric scorer from a
  single one, and names its metrics.
- ``_fit_and_score``, ``_score``, ``_insert_error_scores``,
  ``_warn_or_raise_about_fit_failures``: one fold's evaluation and the
  handling of failed fits, as ``RandomizedSearchCV`` does them.
- ``_check_method_params``, ``_safe_split``, ``_num_samples``,
  ``_check_sample_weight``, ``_get_feature_names``: indexing fit
  parameters and data by fold, and validating weights and feature names,
  the way scikit-learn's meta-estimators do.
"""

from sklearn.base import _fit_context
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _get_feature_names,
    _num_samples,
)

#: The private scikit-learn names imported above, by module (the test keeps
#: this list and the imports in step).
PRIVATE_NAMES = {
    "sklearn.base": ["_fit_context"],
    "sklearn.metrics._scorer": ["_MultimetricScorer"],
    "sklearn.model_selection._search": ["BaseSearchCV"],
    "sklearn.model_selection._validation": [
        "_fit_and_score",
        "_insert_error_scores",
        "_score",
        "_warn_or_raise_about_fit_failures",
    ],
    "sklearn.utils._param_validation": ["HasMethods", "Interval", "Options", "StrOptions"],
    "sklearn.utils.metaestimators": ["_safe_split"],
    "sklearn.utils.validation": [
        "_check_method_params",
        "_check_sample_weight",
        "_get_feature_names",
        "_num_samples",
    ],
}


def pipeline_fit_params(pipeline, params):
    """The fit parameters of each step of ``pipeline``, routed as its
    ``fit`` routes them (``Pipeline._check_method_params``)."""
    return pipeline._check_method_params(method="fit", props=params)


__all__ = [
    "PRIVATE_NAMES",
    "BaseSearchCV",
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_and_score",
    "_fit_context",
    "_get_feature_names",
    "_insert_error_scores",
    "_MultimetricScorer",
    "_num_samples",
    "_safe_split",
    "_score",
    "_warn_or_raise_about_fit_failures",
    "pipeline_fit_params",
]
