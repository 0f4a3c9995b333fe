"""The scikit-learn API every estimator of skopt_lab shares.

``fit`` and ``partial_fit`` are one straight pipeline,
:meth:`BaseNetworkEstimator._fit`, that reads top to bottom:

1. validate every parameter, and every combination of them, before any
   training (``_more_validate_params``, one per estimator family), then the
   data;
2. encode the targets: an encoder object is returned, not set on ``self``;
3. plan the fit from the *current* parameters (``_fit_plan``, one per
   family): an immutable :class:`~skopt_lab._engine.plan.FitPlan`;
4. train: the :class:`~skopt_lab._engine.trainer.Trainer` works on a fresh
   state, or on a copy of the previous fit's;
5. publish the fitted attributes, only now: a fit that raises leaves the
   estimator exactly as it was.

Dask data takes the same path: steps 1-2 happen on its blocks, where they
are (``_dask.fit_data``), and the trainer steps on them where they are.
"""

from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, is_regressor
from sklearn.callback import CallbackSupportMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import (
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._callback_bridge import CallbackBridge
from ._compat import HasMethods, Interval, Options, StrOptions, _check_sample_weight, _fit_context, _get_feature_names
from ._dask import DaskRows, blockwise, is_dask_collection
from ._dask import fit_data as dask_fit_data
from ._dask import score as dask_score
from ._docs import FIT_DATA_DOC, FIT_SUMMARY_DOC, PARTIAL_FIT_EPOCHS_DOC, SCORE_DOC, fill_doc
from ._engine.targets import ClassEncoder, RegressionEncoder
from ._engine.trainer import Averaging, Trainer, TrainingState
from ._validation import check_numeric_targets, check_scale, check_some_weight, plain, unit_max
from .optimizers import OPTIMIZERS, Optimizer, get_optimizer, takes_steps
from .augmentation import Compose
from .augmentation._base import as_augmentation, validate_augmentation


class BaseNetworkEstimator(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of the linear and MLP estimators (private).

    A family (linear models, MLPs) adds its parameters' cross-checks in
    ``_more_validate_params`` and describes what to train in ``_fit_plan``;
    the classifier and regressor mixins encode the targets and decode the
    outputs.
    """

    _parameter_constraints: dict = {
        "optimizer": [None, StrOptions(set(OPTIMIZERS)), Optimizer],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "average": ["boolean", Interval(Integral, 1, None, closed="left")],
        "average_decay": [Interval(Real, 0, 1, closed="neither"), None],
        "verbose": ["verbose"],
        "augmentation": [None, list, HasMethods(["augment"])],
    }

    # n_epochs of partial_fit says how long to train, it is not data to route.
    __metadata_request__partial_fit = {"n_epochs": UNUSED}

    # What a new fit forgets of an earlier one unless it sets it again:
    # feature names (X may have none); families add their own.
    _UNPUBLISHED_BY_FIT = ("feature_names_in_",)

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Nested optimizer keys such as ``optimizer__learning_rate`` also work
        when ``optimizer`` is None or a name: it is first replaced by the
        optimizer object it stands for (``Adam()`` for None). Likewise a
        list given as ``augmentation`` becomes the :class:`Compose` it
        stands for when a nested key such as
        ``augmentation__gaussiannoise__std`` is set.

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
                params = {**params, "optimizer": self._get_optimizer(optimizer)}
        nested_augmentation = [key for key in params if key.startswith("augmentation__")]
        if nested_augmentation:
            augmentation = params.get("augmentation", self.augmentation)
            if augmentation is None:
                raise ValueError(
                    f"{nested_augmentation[0]} sets a parameter of the augmentation, but augmentation "
                    "is None: set augmentation to an object first (for example "
                    "augmentation=GaussianNoise(), or in the search's parameters)."
                )
            if isinstance(augmentation, list):
                params = {**params, "augmentation": Compose(augmentation)}
        return super().set_params(**params)

    @classmethod
    def _get_optimizer(cls, optimizer):
        """A fresh optimizer from the ``optimizer`` parameter; None is the
        family's default."""
        return cls._default_optimizer() if optimizer is None else get_optimizer(optimizer)

    @staticmethod
    def _default_optimizer():
        """What ``optimizer=None`` stands for."""
        return get_optimizer(None)

    @fill_doc(fit_summary=FIT_SUMMARY_DOC, fit_data=FIT_DATA_DOC)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """
        {fit_summary}

        Parameters
        ----------
        {fit_data}
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight=None, *, incremental, classes=None, initial=None, n_epochs=1):
        previous = self._previous_fit(incremental, initial)
        # 1. Parameters, then data: every error is raised before training.
        check_scalar(n_epochs, "n_epochs", Integral, min_val=1)
        optimizer = self._get_optimizer(self.optimizer)
        has_validation = self.early_stopping and not incremental
        self._more_validate_params(optimizer, incremental=incremental)
        optimizer.validate(has_validation=has_validation)
        augmentation = as_augmentation(self.augmentation)
        if is_dask_collection(X):  # 1-2 on the blocks, where they are (skopt_lab/_dask.py)
            if augmentation is not None:
                raise ValueError(
                    f"augmentation={self.augmentation!r} transforms the training batches in this process, "
                    "but X is a Dask collection, whose batches' gradients are computed next to its blocks: "
                    "fit on an in-memory array (or a memory map), or set augmentation=None."
                )
            X, Y, encoder, feature_names = dask_fit_data(
                self, X, y, sample_weight, previous, classes=classes, incremental=incremental
            )
        else:
            X, y, sample_weight, feature_names = self._validate_fit_data(X, y, sample_weight, previous)
            # 2. Targets.
            encoder = self._fit_target_encoder(
                y, classes=classes, previous=previous, incremental=incremental, sample_weight=sample_weight
            )
            Y = encoder.encode(y, X.dtype)
            sample_weight = unit_max(self._class_weighted(y, sample_weight, incremental, encoder))
            check_some_weight(sample_weight)
        # 3. The plan, from the current parameters.
        plan = self._fit_plan(X.shape[1], encoder, optimizer, initial)
        if not isinstance(X, DaskRows):  # Dask targets are checked block by block
            plan.loss.check_targets(y)
        if previous is not None:
            _check_same_network(plan, previous["_network"])
        self._check_augmentation(augmentation, X.shape[1], plan.loss)
        network = plan.network()
        lr_scale = plan.lr_scale(network, X.dtype)
        state = previous["_train_state"].copy() if previous is not None else None
        rng = state.rng if state is not None else _new_rng(self.random_state)
        validation = None
        if has_validation:
            X, Y, y, sample_weight, validation = self._split_validation(X, Y, y, sample_weight, encoder, network, rng)
        if state is None:
            theta = plan.initial_weights(network, rng, X.dtype, Y, sample_weight)
            state = TrainingState(theta=theta, optimizer_state=None, rng=rng)
        elif not self.average:
            state.average, state.n_averaged = None, 0
        # A continued run carries the optimizer's state where its transforms
        # allow (see Chain.resume); partial_fit also continues the schedule.
        state.optimizer_state = optimizer.init(
            [state.theta[network.trainable_offset :]],
            n_epochs=self.max_iter,
            lr_scale=lr_scale,
            layout=network.layout(),
            previous=state.optimizer_state,
            keep_schedule=incremental,
            validate=False,
        )

        # 4. Training.
        def fitted_attributes(state):
            return self._fitted_attributes(network, encoder, state, optimizer, validation is not None, feature_names)

        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        seen_X, seen_y = X.collections if isinstance(X, DaskRows) else (X, y)  # what callbacks see
        if not incremental:
            n_epochs = self.max_iter
        # L-BFGS opens the next iteration before knowing it will not run.
        max_subtasks = n_epochs if takes_steps(optimizer) else n_epochs + 1
        callback_ctx = self._init_callback_context(max_subtasks=max_subtasks)
        callback_ctx.call_on_fit_task_begin(estimator=self, X=seen_X, y=seen_y, metadata=metadata)
        trainer = Trainer(
            network,
            optimizer,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self._epochs_without_improvement(),
            max_iter=self.max_iter,
            verbose=self.verbose,
            validation_score=validation,
            observer=CallbackBridge(self, callback_ctx, {"X": seen_X, "y": seen_y, "metadata": metadata}, fitted_attributes),
            average=Averaging(int(self.average), self.average_decay, network.trainable_offset) if self.average else None,
            augmentation=augmentation,
        )
        if incremental:
            trainer.partial_fit(state, X, Y, sample_weight, n_epochs=n_epochs)
        else:
            trainer.fit(state, X, Y, sample_weight)

        # 5. Publish.
        for name in self._UNPUBLISHED_BY_FIT:
            self.__dict__.pop(name, None)
        for name, value in fitted_attributes(state).items():
            setattr(self, name, value)
        callback_ctx.call_on_fit_task_end(
            estimator=self, X=seen_X, y=seen_y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    # --------------------------------------------------------- 1. validation
    def _previous_fit(self, incremental, initial=None):
        """The fitted attributes a fit continues from, or None for a fresh
        fit (also when it is given starting weights: ``coef_init``)."""
        if not (incremental or self.warm_start) or not hasattr(self, "_train_state"):
            return None
        if initial is not None and any(part is not None for part in initial):
            return None
        return vars(self)

    def _more_validate_params(self, optimizer, *, incremental):
        """Cross-parameter checks of every family; families add their own."""
        if incremental and not takes_steps(optimizer):
            raise ValueError(
                f"partial_fit needs an optimizer that takes gradient steps; "
                f"{type(optimizer).__name__} only minimizes on the full data "
                "at once. Use fit, or an optimizer such as 'sgd' or 'adam'."
            )
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: it trains on the data "
                "it is given and holds none out. Set early_stopping=False, and score a "
                "held-out set between calls."
            )
        for name, value in (("early_stopping", self.early_stopping), ("average", self.average)):
            if value and not takes_steps(optimizer):
                raise ValueError(
                    f"{name}={value} needs an optimizer that trains by steps; "
                    f"{type(optimizer).__name__} minimizes the whole objective at once. "
                    f"Use {name}=False, or an optimizer such as 'sgd' or 'adam'."
                )
        if self.augmentation is not None and not takes_steps(optimizer):
            raise ValueError(
                f"augmentation={self.augmentation!r} draws new training batches at every step, but "
                f"{type(optimizer).__name__} minimizes one fixed objective on the full data at once. "
                "Use a step-based optimizer such as 'adam' or 'sgd', or augmentation=None."
            )
        if self.average_decay is not None and not self.average:
            raise ValueError(
                f"average_decay={self.average_decay} sets how the weights are averaged, "
                "but average=False averages nothing: set average=True (or a number of samples)."
            )

    def _check_augmentation(self, augmentation, n_features, loss):
        """The augmentation's own checks against the data's width, and soft
        targets only for a loss that takes them."""
        if augmentation is None:
            return
        validate_augmentation(augmentation, n_features)
        if getattr(augmentation, "mixes_targets", False) and not loss.takes_soft_targets:
            raise ValueError(
                f"augmentation={self.augmentation!r} mixes the targets into soft labels, but "
                f"loss={getattr(self, 'loss', None)!r} needs 0/1 classes. Use loss='log_loss', "
                "or an augmentation that keeps the targets."
            )

    def _validate_fit_data(self, X, y, sample_weight, previous):
        """Validated X, y, sample_weight and X's feature names.

        A fresh fit records ``n_features_in_`` only when it publishes; a
        continued one checks X against the fitted model.
        """
        check_params = dict(
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=is_regressor(self),
        )
        if is_regressor(self):
            check_numeric_targets(y, type(self).__name__)
        if previous is None:
            feature_names = _get_feature_names(X)
            X, y = check_X_y(X, y, estimator=self, **check_params)
        else:
            feature_names = getattr(self, "feature_names_in_", None)
            X, y = validate_data(self, X, y, reset=False, **check_params)
        if sparse.issparse(X):
            X = X.tocsr()
        if previous is not None and X.dtype != previous["_train_state"].theta.dtype:
            X = X.astype(previous["_train_state"].theta.dtype)
        if not is_regressor(self) and y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_scale(X, X.dtype, "X", "features", "sklearn.preprocessing.StandardScaler")
        if is_regressor(self):
            check_scale(
                y, X.dtype, "y", "targets", "sklearn.compose.TransformedTargetRegressor(transformer=StandardScaler())"
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
            sample_weight = unit_max(sample_weight)
        return X, y, sample_weight, feature_names

    def _class_weighted(self, y, sample_weight, incremental, encoder):
        return sample_weight

    def _epochs_without_improvement(self):
        """How many consecutive epochs without improvement stop training:
        ``n_iter_no_change``, as scikit-learn's SGD estimators count."""
        return self.n_iter_no_change

    # ------------------------------------------------------- 3. training data
    def _split_validation(self, X, Y, y, sample_weight, encoder, network, rng):
        """Hold out the early-stopping split: the training part, and the
        validation score of a parameter vector."""
        if isinstance(X, DaskRows):  # set aside in every block
            return X, Y, y, sample_weight, X.split_validation(self, network, rng)
        seed = int(rng.integers(np.iinfo(np.int32).max))
        stratify = self._stratify(y)
        try:
            train, val = train_test_split(
                np.arange(X.shape[0]), test_size=self.validation_fraction, random_state=seed, stratify=stratify
            )
        except ValueError as exc:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no sample to "
                f"train or validate on with {X.shape[0]} samples ({exc})."
            ) from None
        X_val, y_val = X[val], y[val]
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
        score_output = self._score_output

        def validation_score(theta):
            # R² of near-constant validation targets (variance ~1e-300) overflows
            # to -inf: a useless score for early stopping, not a reason to warn.
            with np.errstate(over="ignore"):
                return score_output(encoder, network.forward(theta, X_val), y_val, w_val, network.loss.link)

        return X[train], Y[train], y[train], w_train, validation_score

    def _stratify(self, y):
        return None

    # ---------------------------------------------------------- 5. publishing
    def _fitted_attributes(self, network, encoder, state, optimizer, has_validation, feature_names):
        """Every attribute a fitted estimator has, for this training state."""
        attributes = {
            "optimizer_": optimizer,
            "_network": network,
            "_target_encoder": encoder,
            "_train_state": state,
            "n_features_in_": network.layer_sizes[0],
            "n_iter_": state.n_iter,
            "t_": state.t,
            # Copies: appending to a published list must not edit the
            # record that partial_fit and warm_start continue.
            "loss_curve_": list(state.loss_curve),
            "learning_rates_": list(state.learning_rates),
            "best_loss_": min(state.loss_curve) if state.loss_curve else np.inf,
            "loss_": state.loss_curve[-1] if state.loss_curve else np.inf,
            "validation_scores_": list(state.validation_scores) if has_validation else None,
            "best_validation_score_": state.best_validation_score if has_validation else None,
            "n_averaged_": state.n_averaged,
            "n_layers_": network.n_layers + 1,
            "n_outputs_": network.layer_sizes[-1],
        }
        if feature_names is not None:
            attributes["feature_names_in_"] = feature_names
        return attributes

    # -------------------------------------------------------------- predicting
    def _raw_output(self, X, n_layers=None):
        """Raw network outputs (or the activations after ``n_layers`` layers)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32))
        theta = self._train_state.model_theta
        if X.dtype != theta.dtype:
            X = X.astype(theta.dtype)
        return self._network.forward(theta, X, n_layers=n_layers)

    def _views(self):
        """(coefs, intercepts) views of the flat parameter vector, in the
        network's units."""
        check_is_fitted(self)
        return self._network.unpack(self._train_state.model_theta)

    def _layers(self):
        """(coefs, intercepts) in the targets' units: views of the flat
        parameter vector, but for a standardised regressor's output layer,
        which is mapped back (a copy)."""
        coefs, intercepts = self._views()
        coefs[-1], intercepts[-1] = self._target_encoder.from_network_layer(coefs[-1], intercepts[-1])
        return coefs, intercepts

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_train_state")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _partial_fit_available(estimator):
    """``partial_fit`` exists unless the optimizer only minimizes whole
    problems (L-BFGS), as scikit-learn's MLP hides it for ``solver="lbfgs"``."""
    try:
        return takes_steps(estimator._get_optimizer(estimator.optimizer))
    except (TypeError, ValueError):
        return True  # let partial_fit report the invalid optimizer


def _new_rng(random_state):
    return np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _check_same_network(plan, network):
    """A continued fit trains the network it continues."""
    if tuple(plan.layer_sizes[1:]) != tuple(network.layer_sizes[1:]):
        raise ValueError(
            f"The network to train has layer sizes {list(plan.layer_sizes[1:])} (hidden layers "
            f"and outputs), but the fitted one being continued has {network.layer_sizes[1:]}; "
            "fit a new model (warm_start=False) to change the network or the task."
        )
    if plan.activation != network.activation:
        raise ValueError(
            f"activation={plan.activation!r} differs from the fitted network's "
            f"{network.activation!r}; fit a new model (warm_start=False) to change it."
        )


class ClassifierTargetsMixin:
    """Label encoding, predictions and scores shared by the classifiers."""

    def _fit_target_encoder(self, y, *, classes, previous, incremental, sample_weight=None):
        if previous is None:
            check_classification_targets(y)
            if incremental and classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            return self._new_encoder(y, classes)
        encoder = previous["_target_encoder"]
        if incremental and classes is not None and not np.array_equal(np.sort(np.unique(classes)), encoder.classes):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} is not the same as on the first call to "
                f"partial_fit, {encoder.classes.tolist()}; fit a new model to change the classes."
            )
        if not incremental and not encoder.multilabel and y.ndim == 1:
            labels = unique_labels(y)
            if not np.array_equal(labels, encoder.classes):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {encoder.classes}, `y` has {labels}; "
                    "set warm_start=False to fit a new model."
                )
        return encoder

    def _new_encoder(self, y, classes):
        if type_of_target(y).startswith("multilabel"):
            if not self._supports_multilabel():
                raise ValueError(
                    f"{type(self).__name__} does not support multilabel targets; "
                    "y must be 1-dimensional."
                )
            labels = np.arange(y.shape[1])
            if classes is not None and not np.array_equal(np.asarray(classes), labels):
                raise ValueError(
                    f"For multilabel targets, classes are the indices of y's {y.shape[1]} columns, "
                    f"{labels.tolist()}; got classes={np.asarray(classes).tolist()}."
                )
            return ClassEncoder(labels, multilabel=True)
        if classes is None:
            labels = unique_labels(y)
            if len(labels) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the "
                    f"data, but the data contains only one class: {plain(labels[0])!r}."
                )
            return ClassEncoder(labels, multilabel=False)
        labels = unique_labels(classes)
        missing = np.setdiff1d(unique_labels(y), labels)
        if missing.size:
            raise ValueError(
                f"classes={[plain(c) for c in labels]} must include every label of y, which also "
                f"has {[plain(c) for c in missing]}: list every class of the problem in `classes`."
            )
        if len(labels) < 2:
            raise ValueError(
                f"classes={[plain(c) for c in labels]} lists one class: a classifier needs at least 2."
            )
        return ClassEncoder(labels, multilabel=False)

    def _supports_multilabel(self):
        return False

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc(n_epochs=PARTIAL_FIT_EPOCHS_DOC)
    def partial_fit(self, X, y, classes=None, sample_weight=None, n_epochs=1):
        """Train for one epoch (or ``n_epochs``) on (X, y), continuing the previous calls.

        The optimizer's state (moments, step count, schedule) and the random
        generator carry over, so n calls with the same data give exactly
        the weights of ``fit`` with ``max_iter=n``. Changed parameters
        (a new learning rate) take effect at the next call. If
        ``partial_fit`` raises, the estimator is left as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (an indicator matrix for multilabel problems).
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem (for multilabel targets, the column
            indices); required on the first call, and the same if given
            again.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        {n_epochs}

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes, n_epochs=n_epochs)

    def _stratify(self, y):
        if y.ndim != 1:
            return None
        labels, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise ValueError(
                "early_stopping holds out a validation split stratified by class, but "
                f"class {plain(labels[counts.argmin()])!r} has only {counts.min()} sample. Give every "
                "class at least 2 samples, or set early_stopping=False."
            )
        return y

    def _score_output(self, encoder, raw, y, sample_weight, link):
        return accuracy_score(y, encoder.decode(raw), sample_weight=sample_weight)

    @fill_doc(score=SCORE_DOC)
    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the given data (subset accuracy for multilabel).

        {score}

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` with respect to ``y``.
        """
        if is_dask_collection(X):
            return dask_score(self, X, y, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    @property
    def classes_(self):
        """Class labels (label indices for multilabel targets)."""
        check_is_fitted(self)
        return self._target_encoder.classes

    @blockwise
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
        raw = self._raw_output(X)
        return self._target_encoder.decode(raw)

    @blockwise
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
        """True, or an AttributeError that says why there are no probabilities."""
        return True

    @available_if(lambda self: self._has_proba())
    @blockwise
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
        raw = self._raw_output(X)
        return self._target_encoder.probabilities(raw, self._network.loss.link)

    @available_if(lambda self: self._has_proba())
    @blockwise
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
        raw = self._raw_output(X)
        return self._target_encoder.probabilities(raw, self._network.loss.log_link)


#: The regression losses for which ``normalize_y`` standardises the targets:
#: those whose value scales with the square of the residual, so that the
#: standardised problem has the same optimum (see the regressors' docstrings).
_STANDARDISED_LOSSES = ("squared_error", "huber", "squared_epsilon_insensitive")


class RegressorTargetsMixin:
    """Target handling, predictions and scores shared by the regressors."""

    def _fit_target_encoder(self, y, *, classes, previous, incremental, sample_weight=None):
        if previous is not None:
            return previous["_target_encoder"]
        if self.normalize_y and self.loss in _STANDARDISED_LOSSES:
            return RegressionEncoder.standardising(y, sample_weight, center=getattr(self, "fit_intercept", True))
        return RegressionEncoder(1 if y.ndim == 1 else y.shape[1], y.ndim)

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    @fill_doc(n_epochs=PARTIAL_FIT_EPOCHS_DOC)
    def partial_fit(self, X, y, sample_weight=None, n_epochs=1):
        """Train for one epoch (or ``n_epochs``) on (X, y), continuing the previous calls.

        The optimizer's state (moments, step count, schedule) and the random
        generator carry over, so n calls with the same data give exactly
        the weights of ``fit`` with ``max_iter=n``. Changed parameters
        (a new learning rate) take effect at the next call. If
        ``partial_fit`` raises, the estimator is left as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        {n_epochs}

        Returns
        -------
        self : object
            The estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, n_epochs=n_epochs)

    def _score_output(self, encoder, raw, y, sample_weight, link):
        return r2_score(y, encoder.decode(link(raw)), sample_weight=sample_weight)

    @fill_doc(score=SCORE_DOC)
    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of the predictions.

        {score}

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` with respect to ``y`` (the mean over
            outputs).
        """
        if is_dask_collection(X):
            return dask_score(self, X, y, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    @blockwise
    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values (through the loss's inverse link: exp for
            ``loss="poisson"``).
        """
        raw = self._raw_output(X)
        return self._target_encoder.decode(self._network.loss.link(raw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
