"""scikit-learn's estimator checks on every estimator with every optimizer,
at the default settings.

No check is expected to fail: there is no expected-failure list.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import OPTIMIZERS, SGD


def _instances():
    for Estimator in (LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor):
        yield Estimator(random_state=0)  # optimizer=None: Adam
        for name in OPTIMIZERS:
            if name not in RECENT:
                yield Estimator(optimizer=name, random_state=0)
        yield Estimator(optimizer=SGD(momentum=0.9, nesterov=True), random_state=0)
    # The recent optimizers once each, at their defaults, to keep the suite's time
    # (Muon refuses linear models: tests/optimizers/test_new_optimizers.py).
    yield MLPRegressor(optimizer="lion", random_state=0)
    yield MLPClassifier(optimizer="schedulefree_adamw", random_state=0)
    yield LinearClassifier(optimizer="schedulefree_sgd", random_state=0)
    yield MLPClassifier(optimizer="muon", random_state=0)


RECENT = {"lion", "schedulefree_adamw", "schedulefree_sgd", "muon"}


# Tiny check data sets often end at max_iter: convergence is tested elsewhere.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
