"""Searches run their fits on a Dask cluster through joblib's "dask" backend.

A ``distributed.LocalCluster`` of two worker processes stands in for a real
cluster. Each search is run twice, with joblib's default backend and inside
``joblib.parallel_backend("dask")``, and must give the same results; the
fits of the second run must have happened on the workers. HyperbandSearchCV
sends its fold models to the workers, which train them further and send them
back, rung after rung.
"""

import collections
import os

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_worker
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skopt_lab import BayesSearchCV, HyperbandSearchCV, LinearClassifier
from skopt_lab.optimizers import SGD, Adam

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

# Fits counted by the process that ran them: "local" in the test process,
# the worker's address in a worker process (which imports this module to
# unpickle _CountingClassifier).
_FITS = collections.Counter()


def _where():
    try:
        return get_worker().address
    except ValueError:  # not inside a task of a Dask worker
        return "local"


def _fit_counts():
    """Run on each worker by ``client.run``: what this process fitted, then reset."""
    counts = dict(_FITS)
    _FITS.clear()
    return counts


class _CountingClassifier(LinearClassifier):
    """A LinearClassifier that records where it was trained (fit, or a search's
    training of several epochs at once, partial_fit(n_epochs=...))."""

    def fit(self, X, y, **fit_params):
        _FITS[_where()] += 1
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, sample_weight=None, n_epochs=1):
        _FITS[_where()] += 1
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight, n_epochs=n_epochs)


ESTIMATOR = _CountingClassifier(optimizer=SGD(), max_iter=30, tol=None, random_state=0)
OPTIMIZERS = [SGD(momentum=0.9), Adam()]


def _grid_search():
    grid = {"optimizer": OPTIMIZERS, "optimizer__learning_rate": [1e-3, 1e-2, 1e-1]}
    return GridSearchCV(ESTIMATOR, grid, cv=3, error_score="raise")


def _bayes_search():
    space = {"optimizer": OPTIMIZERS, "optimizer__learning_rate": loguniform(1e-4, 1.0)}
    return BayesSearchCV(
        ESTIMATOR, space, n_iter=8, n_initial_points=4, n_points=2, cv=3, random_state=0, error_score="raise"
    )


def _hyperband_search():
    space = {"optimizer": OPTIMIZERS, "optimizer__learning_rate": loguniform(1e-4, 1.0)}
    return HyperbandSearchCV(
        ESTIMATOR, space, max_resources=9, n_brackets=2, cv=3, random_state=0, error_score="raise"
    )


def _training_calls(search):
    """(training calls of the cross-validation, of the refit): one per
    row of ``cv_results_`` and fold, a fit or a rung's epochs at once (and
    HyperbandSearchCV's refit trains its epochs at once too)."""
    return len(search.cv_results_["params"]) * search.n_splits_, 1


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def client():
    # Worker processes on this machine. Every server listens on a port the OS
    # picks, so that clusters started at the same time by pytest-xdist workers
    # cannot clash: the scheduler and workers do by default, and so does the
    # scheduler's HTTP server with "127.0.0.1:0". (dashboard_address=None only
    # drops the dashboard pages: the HTTP server still takes port 8787, or
    # warns "Port 8787 is already in use" and moves.)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        yield client


def _comparable(params):
    """best_params_ with the optimizer replaced by its parameters: optimizers
    have no ``__eq__``, and the two searches fit different copies."""
    return {k: (v.__class__, v.get_params()) if hasattr(v, "get_params") else v for k, v in params.items()}


@pytest.mark.parametrize(
    "make_search",
    [_grid_search, _bayes_search, _hyperband_search],
    ids=["GridSearchCV", "BayesSearchCV", "HyperbandSearchCV"],
)
def test_search_on_a_dask_cluster_matches_the_default_backend(client, data, make_search):
    X, y = data
    _FITS.clear()
    client.run(_fit_counts)

    reference = make_search().fit(X, y)
    n_fits, n_refit = _training_calls(reference)
    assert _FITS == {"local": n_fits + n_refit}  # the fits and the refit, all in this process
    _FITS.clear()

    with joblib.parallel_backend("dask"):
        search = make_search().fit(X, y)

    # Every fit of the search ran on a worker, each in the worker process it
    # reports, which is not this one; only the refit ran here.
    assert _FITS == {"local": n_refit}
    worker_counts = client.run(_fit_counts)
    assert set(worker_counts) == set(client.scheduler_info()["workers"])
    assert all(set(counts) <= {address} for address, counts in worker_counts.items())
    assert sum(sum(counts.values()) for counts in worker_counts.values()) == n_fits
    assert os.getpid() not in client.run(os.getpid).values()

    assert _comparable(search.best_params_) == _comparable(reference.best_params_)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"])
    # The comparison is not vacuous: the candidates score differently.
    assert len(np.unique(reference.cv_results_["mean_test_score"])) > 1
