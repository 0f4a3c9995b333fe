import os

# scikit-learn's array API check runs (with NumPy inputs, for estimators
# without array API support) only when scipy's array API mode is on, which
# must be set before scipy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """The tests' matrices are small: with pytest-xdist workers on a 2-core
    machine, several BLAS threads per worker only spin against each other
    (seen: 14x slower). Benchmarks, not tests, measure threaded speed."""
    with threadpool_limits(limits=1):
        yield
