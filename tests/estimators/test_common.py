"""scikit-learn's estimator checks: the whole suite on every estimator at its
defaults, and the checks whose outcome depends on the optimizer on every
other optimizer.

Most of scikit-learn's checks exercise the API (parameters, validation of
the input, tags, feature names, unfitted errors), which is the same code
whatever the optimizer: running them once per estimator is enough. What an
optimizer changes is the training itself, so every optimizer is put
through the checks of training: fit and predict on scikit-learn's
problems, every input dtype, sample weights equal to repetitions, pickling
a fitted model, and refitting giving the same model.

No check is expected to fail: there is no expected-failure list.
"""

import pytest
from sklearn.base import clone, is_classifier
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import OPTIMIZERS, SGD, Lion

ESTIMATORS = (LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor)

TRAINING_CHECKS = (
    checks.check_estimators_dtypes,
    checks.check_sample_weight_equivalence_on_dense_data,
    checks.check_estimators_pickle,
    checks.check_fit_idempotent,
)
CLASSIFIER_CHECKS = (checks.check_classifiers_train,)
REGRESSOR_CHECKS = (checks.check_regressors_train,)


# A reference default that the checks' tiny problems cannot take: Lion's
# 1e-4 (set for large transformers) moves a coefficient by at most 0.1 in
# LinearRegressor's 1000 epochs of one step (check_regressors_train wants an
# R² above 0.5).
AT_RATES_THE_CHECKS_TAKE = {(LinearRegressor, "lion"): Lion(learning_rate=1e-3)}


def _other_optimizers(Estimator):
    for name in OPTIMIZERS:
        if name == "muon" and Estimator in (LinearClassifier, LinearRegressor):
            continue  # refused, a linear model having no hidden layer (tests/optimizers/test_new_optimizers.py)
        yield Estimator(optimizer=AT_RATES_THE_CHECKS_TAKE.get((Estimator, name), name), random_state=0)
    yield Estimator(optimizer=SGD(momentum=0.9, nesterov=True), random_state=0)


def _training_checks():
    for Estimator in ESTIMATORS:
        for estimator in _other_optimizers(Estimator):
            own = CLASSIFIER_CHECKS if is_classifier(estimator) else REGRESSOR_CHECKS
            for check in TRAINING_CHECKS + own:
                yield pytest.param(estimator, check, id=f"{estimator!r}-{check.__name__}")


# Tiny check data sets often end at max_iter: convergence is tested elsewhere.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([Estimator(random_state=0) for Estimator in ESTIMATORS])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator, check", list(_training_checks()))
def test_every_optimizer_trains_as_scikit_learn_expects(estimator, check):
    check(type(estimator).__name__, clone(estimator))

