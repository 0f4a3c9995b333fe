import os

# scikit-learn's array API check runs (with NumPy inputs, for estimators
# without array API support) only when scipy's array API mode is on, which
# must be set before scipy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
