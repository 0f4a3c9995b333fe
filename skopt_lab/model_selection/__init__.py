"""Hyperparameter searches in which a model chooses the next candidates."""

from ._bayes_search import BayesSearchCV
from ._callbacks import DeadlineStopper, NoImprovementStopper
from ._hyperband import HyperbandSearchCV

__all__ = ["BayesSearchCV", "DeadlineStopper", "HyperbandSearchCV", "NoImprovementStopper"]
