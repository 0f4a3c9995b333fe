"""What every test module shares: the path to the stored references, one
BLAS thread per test process, and the small data sets several modules use.

The data sets are loaded once per session and handed out read-only, so a
test (or an estimator) that wrote into its input would fail loudly instead
of changing the data of the tests after it.
"""

import os
import sys
from pathlib import Path

# scikit-learn's array API check runs (with NumPy inputs, for estimators
# without array API support) only when scipy's array API mode is on, which
# must be set before scipy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# `from reference import ...` from the test modules in the folders below:
# tests/reference holds the stored trajectories and fixtures and the scripts
# that make them.
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """The tests' matrices are small: with pytest-xdist workers on a 2-core
    machine, several BLAS threads per worker only spin against each other
    (seen: 14x slower). Benchmarks, not tests, measure threaded speed."""
    with threadpool_limits(limits=1):
        yield


def _read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False
    return arrays


@pytest.fixture(scope="session")
def iris():
    """Iris as loaded: 150 rows, 4 features, 3 balanced classes."""
    return _read_only(*load_iris(return_X_y=True))


@pytest.fixture(scope="session")
def binary():
    """60 rows, 5 features, 2 classes."""
    return _read_only(*make_classification(n_samples=60, n_features=5, random_state=0))


@pytest.fixture(scope="session")
def multiclass():
    """90 rows, 5 features, 3 classes."""
    return _read_only(*make_classification(n_samples=90, n_features=5, n_informative=3, n_classes=3, random_state=0))


@pytest.fixture(scope="session")
def regression():
    """60 rows, 5 features, a target of unit standard deviation."""
    X, y = make_regression(n_samples=60, n_features=5, noise=1.0, random_state=0)
    return _read_only(X, y / y.std())
