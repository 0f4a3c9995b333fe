"""Multi-layer perceptrons on the shared engine, with fine-tuning."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, RegressorMixin, TransformerMixin
from sklearn.frozen import FrozenEstimator

from sklearn.utils.validation import check_is_fitted

from .._base import BaseNetworkEstimator, ClassifierTargetsMixin, RegressorTargetsMixin
from .._dask import blockwise
from .._compat import Interval, StrOptions
from .._docs import OPTIMIZER_PARAMETER_DOC, TRAINING_ATTRIBUTES_DOC, TRAINING_PARAMETERS_DOC, fill_doc
from .._engine import losses
from .._engine.network import ACTIVATIONS
from .._engine.plan import FitPlan
from ..optimizers import takes_steps

_DEFAULT_HIDDEN = (100,)
_DEFAULT_ACTIVATION = "relu"

_NETWORK_DOC = """
    hidden_layer_sizes : array-like of int, default=(100,)
        Width of each hidden layer. With ``pretrained``, the hidden layers are
        the pretrained network's: leave the default or give the same sizes.
    activation : {"relu", "tanh", "logistic", "identity", "gelu", "leaky_relu"}, default="relu"
        Hidden-layer activation. With ``pretrained``, the pretrained
        network's activation is used: leave the default or give the same.
"""

_COMMON_DOC = """
    alpha : float, default=1e-4
        L2 penalty ``alpha/2 · ||W||²`` on the weights (not the biases) of
        the trained layers, added to the mean loss.
    dropout : float, default=0.0
        Inverted dropout rate on the hidden layers, in [0, 1); only while
        training.
    {training_parameters}
    pretrained : MLPClassifier, MLPRegressor or FrozenEstimator, default=None
        A fitted network whose hidden layers initialise this one (they are
        copied; the pretrained model is never modified). A new output layer
        is built for this task's targets. Inside a search or
        ``cross_val_score``, wrap it in :class:`sklearn.frozen.FrozenEstimator`:
        cloning an estimator turns a fitted parameter into an unfitted one,
        and ``FrozenEstimator`` is the scikit-learn way to keep its weights.
    freeze_layers : int, default=0
        Number of leading hidden layers kept fixed during training.
    layer_lr_decay : float, default=1.0
        Discriminative fine-tuning: layer ``i`` (counted from the output
        layer, which is 0) trains with the learning rate multiplied by
        ``layer_lr_decay ** i``. Must be 1 with L-BFGS.
    keep_output_layer : bool, default=False
        With ``pretrained``, start the output layer from the pretrained one
        instead of a new random one: for the same targets seen under new
        conditions (domain adaptation). Needs the same classes (or number of
        outputs) as the pretrained network.
"""

_FITTED_DOC = """
    coefs_ : list of ndarray
        Weight matrix of each layer, views of the trained parameter vector.
    intercepts_ : list of ndarray
        Bias vector of each layer, views of the trained parameter vector.
    {training_attributes}
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
"""


class _BaseMLP(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNetworkEstimator):
    _parameter_constraints = {
        **BaseNetworkEstimator._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pretrained": "no_validation",  # checked in fit, with the fitted state
        "freeze_layers": [Interval(Integral, 0, None, closed="left")],
        "layer_lr_decay": [Interval(Real, 0, 1, closed="right")],
        "keep_output_layer": ["boolean"],
    }

    # ------------------------------------------------------------ validation
    def _more_validate_params(self, optimizer, *, incremental):
        super()._more_validate_params(optimizer, incremental=incremental)
        if not takes_steps(optimizer):
            for name, default in (("dropout", 0.0), ("layer_lr_decay", 1.0)):
                if getattr(self, name) != default:
                    raise ValueError(
                        f"{name}={getattr(self, name)} needs a step-based optimizer such as 'adam': "
                        "L-BFGS minimizes a fixed, deterministic objective with no learning rate."
                    )

    def _pretrained_source(self):
        """The fitted network to start from, or None."""
        source = self.pretrained
        if source is None:
            return None
        if isinstance(source, FrozenEstimator):
            source = source.estimator
        if not isinstance(source, _BaseMLP):
            raise TypeError(
                "pretrained must be a fitted MLPClassifier or MLPRegressor of skopt_lab, "
                f"or a FrozenEstimator wrapping one; got {type(source).__name__}."
            )
        if not hasattr(source, "_train_state"):
            raise ValueError(
                "pretrained is not fitted, so there are no weights to start from. If "
                "this estimator was cloned (GridSearchCV, cross_val_score and clone "
                "itself replace a fitted parameter by an unfitted copy), wrap the "
                "pretrained network in sklearn.frozen.FrozenEstimator, which keeps its "
                "weights through cloning: pretrained=FrozenEstimator(network)."
            )
        return source

    def _hidden_layers(self, source):
        """Hidden layer sizes and activation: this estimator's, or the
        pretrained network's, which the parameters may only repeat."""
        requested = _as_sizes(self.hidden_layer_sizes)
        if source is None:
            return requested, self.activation
        sizes, activation = tuple(source._network.layer_sizes[1:-1]), source._network.activation
        if requested not in (sizes, _DEFAULT_HIDDEN):
            raise ValueError(
                f"hidden_layer_sizes={requested} conflicts with the pretrained network's "
                f"hidden layers {sizes}: the hidden layers come from the pretrained "
                "network, so leave hidden_layer_sizes at its default or set it to "
                f"{sizes}."
            )
        if self.activation not in (activation, _DEFAULT_ACTIVATION):
            raise ValueError(
                f"activation={self.activation!r} conflicts with the pretrained network's "
                f"activation {activation!r}; leave the default or set it to {activation!r}."
            )
        return sizes, activation

    def _epochs_without_improvement(self):
        # scikit-learn's MLP stops when the count *exceeds* n_iter_no_change.
        return self.n_iter_no_change + 1

    # ------------------------------------------------------------------ plan
    def _fit_plan(self, n_features, encoder, optimizer, initial):
        """The plan, with the pretrained network resolved and checked once."""
        source = self._pretrained_source()
        sizes, activation = self._hidden_layers(source)
        if self.freeze_layers > len(sizes):
            raise ValueError(
                f"freeze_layers={self.freeze_layers} is larger than the number of hidden "
                f"layers ({len(sizes)}); at most {len(sizes)} can be frozen."
            )
        return FitPlan(
            (n_features, *sizes, encoder.n_outputs),
            activation,
            self._make_loss(encoder),
            l2=self.alpha,
            dropout=self.dropout,
            n_frozen=self.freeze_layers,
            layer_lr_decay=self.layer_lr_decay,
            initial_layers=self._pretrained_layers(source, n_features, encoder),
        )

    def _pretrained_layers(self, source, n_features, encoder):
        """The pretrained (weights, biases) to copy: every hidden layer, and
        the output layer with ``keep_output_layer``."""
        if source is None:
            return ()
        expected = source._network.layer_sizes[0]
        if n_features != expected:
            raise ValueError(
                f"X has {n_features} features, but the pretrained network "
                f"takes {expected}: fine-tuning needs inputs of the same width."
            )
        layers = tuple(zip(*source._layers()))
        if not self.keep_output_layer:
            return layers[:-1]
        source_encoder = source._target_encoder
        same = source._network.layer_sizes[-1] == encoder.n_outputs
        if same and hasattr(encoder, "classes"):
            same = hasattr(source_encoder, "classes") and np.array_equal(source_encoder.classes, encoder.classes)
        if not same:
            raise ValueError(
                "keep_output_layer=True needs the pretrained network's targets: the same "
                "classes for a classifier, the same number of outputs for a regressor. "
                "Use keep_output_layer=False to train a new output layer for a new task."
            )
        return (*layers[:-1], encoder.to_network_layer(*layers[-1]))

    # ------------------------------------------------------------------ API
    @blockwise
    def transform(self, X):
        """Activations of the last hidden layer, for use as features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        features : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            The network's learned representation of X.
        """
        check_is_fitted(self)
        return self._raw_output(X, n_layers=self._network.n_layers - 1)

    @property
    def _n_features_out(self):
        """Width of :meth:`transform`'s output (for get_feature_names_out)."""
        check_is_fitted(self)
        return self._network.layer_sizes[-2]

    @property
    def coefs_(self):
        """Weight matrices, views of the trained parameter vector (the last
        a copy for a regressor that standardises its targets)."""
        return self._layers()[0]

    @property
    def intercepts_(self):
        """Bias vectors, views of the trained parameter vector (the last a
        copy for a regressor that standardises its targets)."""
        return self._layers()[1]


def _as_sizes(hidden_layer_sizes):
    sizes = np.atleast_1d(hidden_layer_sizes)
    if sizes.ndim != 1 or not all(isinstance(s, (Integral, np.integer)) and s > 0 for s in sizes.tolist()):
        raise ValueError(f"hidden_layer_sizes must be positive integers, got {hidden_layer_sizes!r}.")
    return tuple(int(s) for s in sizes)


@fill_doc(
    network_parameters=_NETWORK_DOC,
    optimizer_parameter=OPTIMIZER_PARAMETER_DOC,
    common_parameters=_COMMON_DOC,
    training_parameters=TRAINING_PARAMETERS_DOC.replace("MAX_ITER", "200"),
    fitted_attributes=_FITTED_DOC,
    training_attributes=TRAINING_ATTRIBUTES_DOC,
)
class MLPClassifier(ClassifierTargetsMixin, ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by a pluggable optimizer.

    Binary problems have one logistic output, multiclass problems a softmax
    over one output per class, multilabel problems one logistic output per
    label; the loss is the log-loss. ``pretrained`` fine-tunes a fitted
    network on a new task.

    Parameters
    ----------
    {network_parameters}
    {optimizer_parameter}
    {common_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (label indices for multilabel targets).
    {fitted_attributes}

    See Also
    --------
    MLPRegressor : The regression counterpart.
    sklearn.neural_network.MLPClassifier : scikit-learn's network, with a
        fixed set of solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skopt_lab import MLPClassifier
    >>> from skopt_lab.optimizers import RMSprop
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     MLPClassifier((64,), optimizer=RMSprop(learning_rate=1e-3), early_stopping=True, random_state=0),
    ... ).fit(X[:1000], y[:1000])
    >>> clf.score(X[1000:], y[1000:]) > 0.85
    True

    Fine-tune it on new data for exactly 50 epochs (``tol=None``), keeping
    its hidden layer fixed:

    >>> from sklearn.frozen import FrozenEstimator
    >>> tuned = MLPClassifier(
    ...     pretrained=FrozenEstimator(clf[-1]), freeze_layers=1, max_iter=50, tol=None, random_state=0
    ... ).fit(clf[0].transform(X[1000:1100]), y[1000:1100])
    >>> tuned.coefs_[0].shape
    (64, 64)
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer=None,
        alpha=0.0001,
        dropout=0.0,
        augmentation=None,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        random_state=None,
        warm_start=False,
        average=False,
        average_decay=None,
        verbose=0,
        pretrained=None,
        freeze_layers=0,
        layer_lr_decay=1.0,
        keep_output_layer=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.alpha = alpha
        self.dropout = dropout
        self.augmentation = augmentation
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.average = average
        self.average_decay = average_decay
        self.verbose = verbose
        self.pretrained = pretrained
        self.freeze_layers = freeze_layers
        self.layer_lr_decay = layer_lr_decay
        self.keep_output_layer = keep_output_layer

    def _make_loss(self, encoder):
        if encoder.n_outputs == 1 or encoder.multilabel:
            return losses.BinaryLogLoss()
        return losses.MultinomialLogLoss()

    def _supports_multilabel(self):
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


@fill_doc(
    network_parameters=_NETWORK_DOC,
    optimizer_parameter=OPTIMIZER_PARAMETER_DOC,
    common_parameters=_COMMON_DOC,
    training_parameters=TRAINING_PARAMETERS_DOC.replace("MAX_ITER", "200"),
    fitted_attributes=_FITTED_DOC,
    training_attributes=TRAINING_ATTRIBUTES_DOC,
)
class MLPRegressor(RegressorTargetsMixin, RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by a pluggable optimizer.

    One linear output per target. ``pretrained`` fine-tunes a fitted
    network (a classifier's hidden layers too) on a new regression task.

    Parameters
    ----------
    {network_parameters}
    {optimizer_parameter}
    loss : {"squared_error", "huber", "poisson"}, default="squared_error"
        ``½ r²``; Huber's loss, quadratic for ``|r| ≤ epsilon`` and
        linear beyond, with ``r`` the residual; or half the Poisson deviance
        with a log link (positive predictions ``exp(output)``; targets must
        be non-negative counts or rates).
    epsilon : float, default=0.1
        Threshold of the "huber" loss, in the units of the target.
    normalize_y : bool, default=True
        Train on the standardised targets ``(y − mean) / std`` (per output,
        weighted by ``sample_weight``) and map the predictions back, as
        ``TransformedTargetRegressor(transformer=StandardScaler())`` would,
        for the "squared_error" and "huber" losses (``epsilon`` rescaled):
        the optimizers' default learning rates then suit targets of any
        scale. The last layer's ``coefs_`` and ``intercepts_`` are in the
        targets' units; ``loss_curve_`` is the loss of the standardised
        targets, and ``alpha`` acts on that loss. The mean and scale are
        those of the first ``fit`` (or ``partial_fit`` call) of a model.
        "poisson" trains on the raw counts. scikit-learn's ``MLPRegressor``
        does not standardise (``normalize_y=False``).
    {common_parameters}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    MLPClassifier : The classification counterpart.
    sklearn.neural_network.MLPRegressor : scikit-learn's network.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skopt_lab import MLPRegressor
    >>> X, y = make_regression(n_samples=300, n_features=4, noise=0.1, random_state=0)
    >>> reg = MLPRegressor((32,), optimizer="lbfgs", max_iter=2000, random_state=0).fit(X, y / y.std())
    >>> reg.score(X, y / y.std()) > 0.99
    True
    """

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "huber", "poisson"})],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "normalize_y": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer=None,
        loss="squared_error",
        epsilon=0.1,
        normalize_y=True,
        alpha=0.0001,
        dropout=0.0,
        augmentation=None,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        random_state=None,
        warm_start=False,
        average=False,
        average_decay=None,
        verbose=0,
        pretrained=None,
        freeze_layers=0,
        layer_lr_decay=1.0,
        keep_output_layer=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.loss = loss
        self.epsilon = epsilon
        self.normalize_y = normalize_y
        self.alpha = alpha
        self.dropout = dropout
        self.augmentation = augmentation
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.average = average
        self.average_decay = average_decay
        self.verbose = verbose
        self.pretrained = pretrained
        self.freeze_layers = freeze_layers
        self.layer_lr_decay = layer_lr_decay
        self.keep_output_layer = keep_output_layer

    def _make_loss(self, encoder):
        return losses.regression_loss(self.loss, encoder.scaled_threshold(self.epsilon))
