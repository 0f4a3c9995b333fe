"""The data sets and pipelines of the defaults check (tests/estimators/test_defaults.py)."""

from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

#: name -> (loader, is a regression)
DATASETS = {
    "breast_cancer": (load_breast_cancer, False),
    "diabetes": (load_diabetes, True),
    "digits": (load_digits, False),
    "iris": (load_iris, False),
    "wine": (load_wine, False),
}


def pipeline(estimator, scaled):
    """The estimator on the raw features, or behind a StandardScaler."""
    return make_pipeline(StandardScaler(), estimator) if scaled else estimator
