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
  format, metadata routing, parameter validation and the methods a fitted
  search has (``predict``, ``score``, ...); there is no public base.
- ``_fit_and_score``, ``_score``, ``_warn_or_raise_about_fit_failures``:
  one fold's evaluation and the handling of failed fits, as
  ``RandomizedSearchCV`` does them.
- ``_check_method_params``, ``_num_samples``, ``_check_sample_weight``,
  ``_get_feature_names``: indexing fit parameters by fold, and validating
  weights and feature names, the way scikit-learn's meta-estimators do.

Private *methods* of ``BaseSearchCV`` that our searches call are called
through the functions at the end of this module (``format_results``, ...),
listed in ``PRIVATE_METHODS``: the test fails when another module calls one
directly, or overrides one: ``RefitCheckedSearchCV`` overrides the check of
``refit``, which a multi-objective search relaxes. (A multi-metric scorer
comes from the public ``check_scoring``, and a fold's rows from the public
``sklearn.utils._safe_indexing``.)
"""

from sklearn.base import _fit_context
from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _score,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
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
    "sklearn.model_selection._search": ["BaseSearchCV"],
    "sklearn.model_selection._validation": [
        "_fit_and_score",
        "_score",
        "_warn_or_raise_about_fit_failures",
    ],
    "sklearn.utils._param_validation": ["HasMethods", "Interval", "Options", "StrOptions"],
    "sklearn.utils.validation": [
        "_check_method_params",
        "_check_sample_weight",
        "_get_feature_names",
        "_num_samples",
    ],
}


#: Private methods of scikit-learn classes that skopt_lab calls, by class:
#: only through the functions below (the test checks that no other module
#: calls them, and that each still exists).
PRIVATE_METHODS = {
    "sklearn.pipeline.Pipeline": ["_check_method_params"],
    "sklearn.model_selection._search.BaseSearchCV": [
        "_check_refit_for_multimetric",
        "_format_results",
        "_get_routed_params_for_fit",
        "_select_best_index",
    ],
}


def pipeline_fit_params(pipeline, params):
    """The fit parameters of each step of ``pipeline``, routed as its
    ``fit`` routes them (``Pipeline._check_method_params``)."""
    return pipeline._check_method_params(method="fit", props=params)


def routed_fit_params(search, params):
    """``search.fit``'s metadata routed to the estimator, scorer and splitter,
    as ``BaseSearchCV.fit`` routes it."""
    return search._get_routed_params_for_fit(params)


def format_results(search, candidate_params, n_splits, out, more_results=None):
    """``cv_results_`` of the per-fold results ``out`` of ``_fit_and_score``
    (candidate by candidate, fold by fold), as ``BaseSearchCV`` builds it."""
    return search._format_results(candidate_params, n_splits, out, more_results)


def select_best_index(refit, refit_metric, results):
    """``best_index_`` as ``BaseSearchCV`` chooses it: ``refit(results)`` if
    callable, else the first of rank 1 for ``refit_metric``."""
    return BaseSearchCV._select_best_index(refit, refit_metric, results)


def check_refit_for_multimetric(search, scores):
    """Raise if ``search.refit`` is not valid for the multi-metric ``scores``."""
    search._check_refit_for_multimetric(scores)


class RefitCheckedSearchCV(BaseSearchCV):
    """``BaseSearchCV`` whose check of ``refit`` against the metrics is the
    subclass's ``_check_refit(scores)``.

    scikit-learn checks ``refit`` (``_check_refit_for_multimetric``) wherever
    it builds the scorers, in metadata routing and sample-weight handling
    too; a search with several ``objectives`` accepts values of ``refit``
    that this check refuses (True, the name of a time), so it overrides
    ``_check_refit``.
    """

    def _check_refit_for_multimetric(self, scores):
        self._check_refit(scores)

    def _check_refit(self, scores):
        BaseSearchCV._check_refit_for_multimetric(self, scores)


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
    "_num_samples",
    "_score",
    "_warn_or_raise_about_fit_failures",
    "PRIVATE_METHODS",
    "RefitCheckedSearchCV",
    "check_refit_for_multimetric",
    "format_results",
    "pipeline_fit_params",
    "routed_fit_params",
    "select_best_index",
]
