"""Multi-layer perceptrons whose optimizer is a hyperparameter, with fine-tuning."""

from ._mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
