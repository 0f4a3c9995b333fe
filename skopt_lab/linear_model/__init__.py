"""Linear models whose optimizer is a hyperparameter."""

from ._linear import LinearClassifier, LinearRegressor

__all__ = ["LinearClassifier", "LinearRegressor"]
