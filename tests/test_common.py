"""scikit-learn's estimator checks on every estimator, with several optimizers.

No check is expected to fail: there is no expected-failure list.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skopt_lab import LinearClassifier, LinearRegressor
from skopt_lab.optimizers import LBFGS, SGD, Adam, RMSprop

OPTIMIZERS = [None, "sgd", SGD(momentum=0.9, nesterov=True), RMSprop(), Adam(), LBFGS()]

ESTIMATORS = [Estimator(optimizer, random_state=0) for Estimator in (LinearClassifier, LinearRegressor) for optimizer in OPTIMIZERS]


# Tiny check data sets often end at max_iter: convergence is tested elsewhere.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
