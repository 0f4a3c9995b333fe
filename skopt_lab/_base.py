"""What every estimator of skopt_lab shares: validation, fit, partial_fit.

An estimator *describes* its network (hidden layers, activation, loss,
penalty) and how its targets are encoded; this base class validates the data,
builds the :class:`~skopt_lab._engine.network.Network`, owns the
:class:`~skopt_lab._engine.trainer.TrainingState` and runs the one
:class:`~skopt_lab._engine.trainer.Trainer`.
"""

import dataclasses
import textwrap
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context, is_regressor
from sklearn.callback import CallbackSupportMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data

from ._engine.network import Network
from ._engine.targets import DenseTargets, EncodedTargets
from ._engine.trainer import EpochObserver, Trainer, init_training_state
from .optimizers import OPTIMIZERS, get_optimizer


OPTIMIZER_PARAMETER_DOC = """
    optimizer : None, str or Optimizer, default=None
        How the model is trained: an optimizer object from
        :mod:`skopt_lab.optimizers` (tunable with nested keys such as
        ``optimizer__learning_rate``, which also work on None and names), one
        of the names NAMES, or None for ``Adam()``. ``fit`` trains a clone,
        exposed as ``optimizer_``.
""".replace("NAMES", textwrap.fill(", ".join(f'``"{name}"``' for name in OPTIMIZERS), 62).replace("\n", "\n        "))


TRAINING_PARAMETERS_DOC = """
    batch_size : "auto" or int, default="auto"
        Mini-batch size: "auto" is ``min(200, n_samples)``. Full-batch
        optimizers (GD, L-BFGS) ignore it.
    max_iter : int, default=MAX_ITER
        Maximum number of epochs (iterations for L-BFGS).
    tol : float or None, default=1e-4
        Training stops when the loss (or the validation score, with early
        stopping) has not improved by ``tol`` for ``n_iter_no_change``
        consecutive epochs. None disables the test.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), stop when its score stops improving and restore the best
        weights.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds everything random in training: initial weights, shuffling,
        dropout and the validation split; an int makes training bit-for-bit
        repeatable.
    warm_start : bool, default=False
        Continue from the previous ``fit``'s weights and optimizer state.
    verbose : int, default=0
        1 prints one line per epoch (loss, validation score, learning rate,
        seconds).
"""

TRAINING_ATTRIBUTES_DOC = """
    optimizer_ : Optimizer
        The clone of ``optimizer`` that was trained.
    n_iter_ : int
        Epochs run (L-BFGS iterations), over all calls for ``warm_start`` and
        ``partial_fit``.
    t_ : int
        Number of training samples seen.
    loss_curve_ : list of float
        Objective (mean loss plus penalty) at each epoch.
    learning_rates_ : list of float or None
        Learning rate of each epoch (the optimizer's, times its schedule's
        multiplier); None for L-BFGS, which has none.
    loss_ : float
        Last value of ``loss_curve_``.
    best_loss_ : float
        Lowest value of ``loss_curve_``.
    validation_scores_ : list of float or None
        Validation score at each epoch with ``early_stopping``.
    best_validation_score_ : float or None
        Best validation score with ``early_stopping``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""


def fill_doc(**sections):
    """Class decorator: put shared docstring sections in place of
    ``{name}`` markers (plain replacement, so braces elsewhere are safe)."""

    def decorate(cls):
        doc = cls.__doc__
        for name, text in sections.items():
            doc = doc.replace("    {" + name + "}\n", text.strip("\n") + "\n")
        cls.__doc__ = doc
        return cls

    return decorate


class BaseNetworkEstimator(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of the linear and MLP estimators (private)."""

    _parameter_constraints: dict = {
        "optimizer": [None, StrOptions(set(OPTIMIZERS)), HasMethods(["init", "step"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Nested optimizer keys such as ``optimizer__learning_rate`` also work
        when ``optimizer`` is None or a name: it is first replaced by the
        optimizer object it stands for (``Adam()`` for None).

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        if any(key.startswith("optimizer__") for key in params):
            optimizer = params.get("optimizer", self.optimizer)
            if optimizer is None or isinstance(optimizer, str):
                params = {**params, "optimizer": get_optimizer(optimizer)}
        return super().set_params(**params)

    # ------------------------------------------------- what subclasses describe
    def _hidden_layer_sizes(self):
        return ()

    def _hidden_activation(self):
        return "identity"

    def _penalty(self):
        """(l2, l1) strengths of the weight penalty."""
        return self.alpha, 0.0

    def _dropout(self):
        return 0.0

    def _fit_intercept(self):
        return True

    def _make_loss(self, n_outputs):
        raise NotImplementedError

    def _initial_theta(self, network, rng, dtype, Y, weights):
        """Starting parameters of a fresh fit (fine-tuning overrides this)."""
        theta = network.init_params(rng, dtype)
        if self._fit_intercept():
            network.unpack(theta)[1][-1][...] = network.loss.initial_intercept(Y, weights)
        return theta

    def _n_frozen_layers(self):
        return 0

    def _lr_multiplier(self, network, dtype):
        return None

    # ----------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model with the configured optimizer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight=None, *, incremental, classes=None):
        fresh = not hasattr(self, "_train_state") or not (incremental or self.warm_start)
        X, y = validate_data(
            self,
            X,
            y,
            reset=fresh,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=is_regressor(self),
        )
        if sparse.issparse(X):
            X = X.tocsr()
        if not fresh and X.dtype != self._train_state.theta.dtype:
            X = X.astype(self._train_state.theta.dtype)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        Y = self._encode_targets(y, fresh=fresh, incremental=incremental, classes=classes).astype(X.dtype)
        sample_weight = self._class_weighted(y, sample_weight, incremental, X.dtype)
        if sample_weight is not None and not sample_weight.any():
            # The mean weight normalises the loss; all zeros would make it NaN.
            raise ValueError(
                "The sample weights, multiplied by class_weight, are all zero: "
                "at least one sample must have a non-zero weight."
            )

        if fresh:
            self.optimizer_ = get_optimizer(self.optimizer)
            if incremental:
                self._check_partial_fit_optimizer()
            self._network = self._build_network(X.shape[1], Y.shape[1])
            rng = np.random.default_rng(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            theta = self._initial_theta(self._network, rng, X.dtype, Y, sample_weight)
            self._train_state = init_training_state(self._network, theta, self.optimizer_, rng, self.max_iter)
        else:
            if incremental:
                self._check_partial_fit_optimizer()
            if Y.shape[1] != self._network.layer_sizes[-1]:
                raise ValueError(
                    f"The targets have {Y.shape[1]} outputs but the model being "
                    f"continued has {self._network.layer_sizes[-1]}; fit a new model "
                    "(warm_start=False) to change the task."
                )

        state = self._train_state
        validation = None
        if not incremental and self.early_stopping and _takes_epochs(self.optimizer_):
            X, Y, y, sample_weight, validation = self._split_validation(X, Y, y, sample_weight, state.rng)
        n_epochs = 1 if incremental else self.max_iter
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        # L-BFGS opens the next iteration before knowing it will not run.
        max_subtasks = n_epochs if _takes_epochs(self.optimizer_) else n_epochs + 1
        callback_ctx = self._init_callback_context(max_subtasks=max_subtasks)
        callback_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        trainer = Trainer(
            self._network,
            self.optimizer_,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            max_iter=self.max_iter,
            verbose=self.verbose,
            lr_multiplier=self._lr_multiplier(self._network, X.dtype),
            validation_score=validation,
            observer=_CallbackBridge(self, callback_ctx, X, y, metadata, validation is not None),
        )
        if not incremental:
            state.best_loss, state.no_improvement_count = np.inf, 0
            state.best_validation_score, state.best_theta = -np.inf, None
        trainer.run(state, X, Y, sample_weight, n_epochs, check_convergence=not incremental)
        for name, value in self._fitted_attributes(state, validation is not None).items():
            setattr(self, name, value)
        callback_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={})
        return self

    def _build_network(self, n_features, n_outputs):
        l2, l1 = self._penalty()
        if l1 and not _takes_epochs(self.optimizer_):
            raise ValueError(
                "LBFGS supports only penalty='l2' or None: the l1 part of the "
                "penalty is applied as a proximal step, which needs a step-based "
                "optimizer such as 'sgd' or 'adam'."
            )
        return Network(
            [n_features, *self._hidden_layer_sizes(), n_outputs],
            self._hidden_activation(),
            self._make_loss(n_outputs),
            l2=l2,
            l1=l1,
            dropout=self._dropout(),
            n_frozen=self._n_frozen_layers(),
            fit_intercept=self._fit_intercept(),
        )

    def _check_partial_fit_optimizer(self):
        if not _takes_epochs(self.optimizer_):
            raise ValueError(
                f"partial_fit needs an optimizer that takes gradient steps; "
                f"{type(self.optimizer_).__name__} only minimizes on the full data "
                "at once. Use fit, or an optimizer such as 'sgd' or 'adam'."
            )

    def _split_validation(self, X, Y, y, sample_weight, rng):
        stratify = self._stratify(y)
        seed = int(rng.integers(np.iinfo(np.int32).max))
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]), test_size=self.validation_fraction, random_state=seed, stratify=stratify
            )
        except ValueError as exc:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no sample to "
                f"train or validate on with {X.shape[0]} samples ({exc})."
            ) from None
        X_train, X_val, Y_train, y_train, y_val = X[train], X[val], Y[train], y[train], y[val]
        w_train, w_val = (sample_weight[train], sample_weight[val]) if sample_weight is not None else (None, None)
        if is_regressor(self) and len(val) < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves {len(val)} validation "
                f"sample of {X.shape[0]}; the R² score of early stopping needs at least 2."
            )
        for part, weights in (("training", w_train), ("validation", w_val)):
            if weights is not None and not weights.any():
                raise ValueError(
                    f"Every sample of the early-stopping {part} split has weight zero; "
                    "change validation_fraction or random_state, or give more samples a weight."
                )
        network = self._network

        def validation_score(theta):
            # R² of near-constant validation targets (variance ~1e-300) overflows
            # to -inf: a useless score for early stopping, not a reason to warn.
            with np.errstate(over="ignore"):
                return self._score_output(network.forward(theta, X_val), y_val, w_val)

        return X_train, Y_train, y_train, w_train, validation_score

    def _stratify(self, y):
        return None

    def _class_weighted(self, y, sample_weight, incremental, dtype):
        return sample_weight

    def _fitted_attributes(self, state, has_validation):
        """The public fitted attributes that summarise a training state."""
        return {
            "n_iter_": state.n_iter,
            "t_": state.t,
            "loss_curve_": state.loss_curve,
            "learning_rates_": state.learning_rates,
            "best_loss_": min(state.loss_curve) if state.loss_curve else np.inf,
            "loss_": state.loss_curve[-1] if state.loss_curve else np.inf,
            "validation_scores_": state.validation_scores if has_validation else None,
            "best_validation_score_": state.best_validation_score if has_validation else None,
            "n_layers_": self._network.n_layers + 1,
            "n_outputs_": self._network.layer_sizes[-1],
        }

    # -------------------------------------------------------------- predicting
    def _raw_output(self, X, n_layers=None):
        """Raw network outputs (or the activations after ``n_layers`` layers)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32))
        theta = self._train_state.theta
        if X.dtype != theta.dtype:
            X = X.astype(theta.dtype)
        return self._network.forward(theta, X, n_layers=n_layers)

    def _views(self):
        """(coefs, intercepts) views of the flat parameter vector."""
        if not hasattr(self, "_train_state"):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet.")
        return self._network.unpack(self._train_state.theta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _CallbackBridge(EpochObserver):
    """Reports each epoch to scikit-learn's callbacks (``set_callbacks``) as a
    sub-task of fit, with a snapshot of the model for callbacks that
    evaluate it (``ScoringMonitor``)."""

    def __init__(self, estimator, context, X, y, metadata, has_validation):
        self._estimator = estimator
        self._context = context
        self._data = {"X": X, "y": y, "metadata": metadata}
        self._has_validation = has_validation
        self._epoch = None

    def _snapshot(self):
        estimator = self._estimator
        state = dataclasses.replace(
            estimator._train_state,
            theta=estimator._train_state.theta.copy(),
            loss_curve=list(estimator._train_state.loss_curve),
            learning_rates=list(estimator._train_state.learning_rates),
            validation_scores=list(estimator._train_state.validation_scores),
        )
        return {"_train_state": state, **estimator._fitted_attributes(state, self._has_validation)}

    def begin(self, state):
        self._epoch = self._context.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(
            estimator=self._estimator, reconstruction_attributes=self._snapshot, **self._data
        )

    def end(self, state, info):
        epoch, self._epoch = self._epoch, None
        return epoch.call_on_fit_task_end(
            estimator=self._estimator, reconstruction_attributes=self._snapshot, **self._data
        )

    def cancel(self):
        if self._epoch is not None:
            epoch, self._epoch = self._epoch, None
            epoch.call_on_fit_task_end(estimator=self._estimator)


def _takes_epochs(optimizer):
    """Whether the optimizer trains by gradient steps (not a whole minimize)."""
    return not callable(getattr(optimizer, "minimize", None))


def _partial_fit_available(estimator):
    """``partial_fit`` exists unless the optimizer only minimizes whole
    problems (L-BFGS), as scikit-learn's MLP hides it for ``solver="lbfgs"``."""
    try:
        return _takes_epochs(get_optimizer(estimator.optimizer))
    except (TypeError, ValueError):
        return True  # let partial_fit report the invalid optimizer


class ClassifierTargetsMixin:
    """Label encoding, predictions and scores shared by the classifiers."""

    def _encode_targets(self, y, *, fresh, incremental, classes):
        if incremental and fresh and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if fresh:
            labels = np.asarray(classes) if classes is not None else y
            if y.ndim == 2 and not self._supports_multilabel():
                raise ValueError(
                    f"{type(self).__name__} does not support multilabel targets; "
                    "y must be 1-dimensional."
                )
            self._label_binarizer = LabelBinarizer().fit(labels)
            self.classes_ = self._label_binarizer.classes_
            if len(self.classes_) < 2 and y.ndim == 1:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contains only one class: {self.classes_[0]}."
                )
        if y.ndim == 2:
            self._multilabel = True
            return DenseTargets(self._label_binarizer.transform(y).astype(np.float64))
        self._multilabel = False
        codes = np.searchsorted(self.classes_, y)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{unknown.tolist()}. Pass every label in `classes` on the first call "
                "to partial_fit, or fit a new model."
            )
        # One logistic output for two classes, one-hot rows otherwise.
        codebook = np.array([[0.0], [1.0]]) if len(self.classes_) == 2 else np.eye(len(self.classes_))
        return EncodedTargets(codes.astype(np.min_scalar_type(len(self.classes_))), codebook)

    def _supports_multilabel(self):
        return False

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on (X, y), continuing the previous calls.

        The optimizer's state (moments, step count, schedule) and the random
        generator carry over, so n calls with ``shuffle=False`` give exactly
        the weights of ``fit`` with ``max_iter=n``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (an indicator matrix for multilabel problems).
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _stratify(self, y):
        if y.ndim != 1:
            return None
        _, counts = np.unique(y, return_counts=True)
        return y if counts.min() >= 2 else None

    def _score_output(self, raw, y, sample_weight):
        return accuracy_score(y, self._decode(raw), sample_weight=sample_weight)

    def _decode(self, raw):
        if self._multilabel:
            return (raw > 0).astype(int)
        if raw.shape[1] == 1:
            return self.classes_[(raw[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(raw, axis=1)]

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels (an indicator matrix for multilabel targets).
        """
        return self._decode(self._raw_output(X))

    def decision_function(self, X):
        """Raw scores of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary problems, the score of ``classes_[1]``; otherwise one
            column per class.
        """
        raw = self._raw_output(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw


    def _has_proba(self):
        return True

    @available_if(lambda self: self._has_proba())
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class in the order of ``classes_`` (of each
            label, independently, for multilabel problems).
        """
        return self._probabilities(X)

    @available_if(lambda self: self._has_proba())
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed without overflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        return self._probabilities(X, log=True)

    def _probabilities(self, X, log=False):
        raw = self._raw_output(X)
        loss = self._network.loss
        link = loss.log_link if log else loss.link
        if self._multilabel:
            return link(raw)
        if raw.shape[1] == 1:
            return np.hstack([link(-raw), link(raw)])
        return link(raw)


class RegressorTargetsMixin:
    """Target handling, predictions and scores shared by the regressors."""

    def _encode_targets(self, y, *, fresh, incremental, classes):
        if fresh:
            self._y_ndim = y.ndim
        return DenseTargets(y.reshape(-1, 1) if y.ndim == 1 else y)

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on (X, y), continuing the previous calls.

        The optimizer's state (moments, step count, schedule) and the random
        generator carry over, so n calls with ``shuffle=False`` give exactly
        the weights of ``fit`` with ``max_iter=n``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _score_output(self, raw, y, sample_weight):
        return r2_score(y, raw[:, 0] if y.ndim == 1 else raw, sample_weight=sample_weight)

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        raw = self._raw_output(X)
        return raw[:, 0] if self._y_ndim == 1 else raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def compute_class_sample_weight(class_weight, y, sample_weight, incremental, dtype):
    """Multiply ``sample_weight`` by the weights of each sample's class."""
    if class_weight is None:
        return sample_weight
    if incremental and class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' is not supported for partial_fit: the class "
            "frequencies of one chunk are not those of the data. Compute the weights "
            "on the whole data (sklearn.utils.class_weight.compute_class_weight) and "
            "pass them as a dict."
        )
    weights = compute_sample_weight(class_weight, y).astype(dtype)
    return weights if sample_weight is None else weights * sample_weight
