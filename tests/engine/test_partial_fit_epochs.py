"""``partial_fit(X, y, n_epochs=n)``: the public way to continue training by
several epochs in one call, which HyperbandSearchCV detects by signature.

That one call equals n calls is tested on the four estimators in
``tests/neural_network/test_mlp.py::test_several_epochs_in_one_call_equal_the_calls_one_by_one``;
that a user's estimator with such a ``partial_fit`` gets the fast path, in
``tests/model_selection/test_hyperband.py::test_any_partial_fit_with_n_epochs_trains_a_rung_in_one_call``.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.model_selection._search import takes_n_epochs, train_epochs

ESTIMATORS = [LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor]
X, Y = make_classification(n_samples=40, n_features=3, n_informative=2, n_redundant=0, random_state=0)


def _fit_args(Estimator):
    return ({"classes": [0, 1]}, Y) if "Classifier" in Estimator.__name__ else ({}, Y.astype(float))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_our_estimators_take_n_epochs(Estimator):
    assert takes_n_epochs(Estimator())
    # A number of epochs is not metadata to route.
    assert "n_epochs" not in Estimator().get_metadata_routing().partial_fit.requests
    kwargs, y = _fit_args(Estimator)
    fitted = Estimator(tol=None, random_state=0).partial_fit(X, y, n_epochs=3, **kwargs)
    assert fitted.n_iter_ == 3 and len(fitted.loss_curve_) == 3


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("n_epochs, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), ("3", TypeError)])
def test_a_bad_n_epochs_is_refused_naming_it(Estimator, n_epochs, error):
    kwargs, y = _fit_args(Estimator)
    estimator = Estimator()
    with pytest.raises(error, match="n_epochs"):
        estimator.partial_fit(X, y, n_epochs=n_epochs, **kwargs)
    assert not hasattr(estimator, "n_iter_")


def test_other_estimators_train_one_call_per_epoch():
    assert not takes_n_epochs(SGDClassifier())
    calls = []

    class Counting(SGDClassifier):
        def partial_fit(self, X, y, classes=None, sample_weight=None):
            calls.append(classes)
            return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    model = make_pipeline(StandardScaler(), Counting(random_state=0))
    train_epochs(model, X, Y, 4, {}, np.array([0, 1]), first=True)
    # Every class on the first call only; the scaler fitted on it.
    assert [c is not None for c in calls] == [True, False, False, False]
    assert model[-1].t_ == 4 * len(X) + 1
