"""Hyperparameter search in which a model chooses the next candidates."""

from ._bayes_search import BayesSearchCV

__all__ = ["BayesSearchCV"]
