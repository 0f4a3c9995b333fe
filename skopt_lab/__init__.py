"""skopt_lab: scikit-learn estimators whose optimizer is a tunable hyperparameter."""

from ._lr_find import LRFinderResult, lr_find
from .linear_model import LinearClassifier, LinearRegressor
from .model_selection import BayesSearchCV, HyperbandSearchCV
from .neural_network import MLPClassifier, MLPRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "BayesSearchCV",
    "HyperbandSearchCV",
    "LRFinderResult",
    "LinearClassifier",
    "LinearRegressor",
    "MLPClassifier",
    "MLPRegressor",
    "__version__",
    "lr_find",
]
