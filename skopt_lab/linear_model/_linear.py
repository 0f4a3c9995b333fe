"""Linear models trained by any optimizer: networks without hidden layers."""

from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseNetworkEstimator, ClassifierTargetsMixin, RegressorTargetsMixin
from .._compat import Interval, StrOptions, _fit_context
from .._docs import (
    FIT_DATA_DOC,
    FIT_SUMMARY_DOC,
    OPTIMIZER_PARAMETER_DOC,
    TRAINING_ATTRIBUTES_DOC,
    TRAINING_PARAMETERS_DOC,
    fill_doc,
)
from .._engine import losses
from .._engine.plan import FitPlan
from .._validation import compute_class_sample_weight
from ..optimizers import Adam, Lion, ScheduleFreeAdamW, ScheduleFreeSGD, takes_steps

_COMMON_DOC = """
    penalty : {"l2", "l1", "elasticnet"} or None, default="l2"
        Regularisation of the coefficients (not the intercept):
        ``alpha · (l1_ratio ||w||₁ + (1 − l1_ratio)/2 ||w||²)``. The l1 part is
        applied as a proximal (soft-thresholding) step after each optimizer
        step, so coefficients become exactly zero; it needs a step-based
        optimizer (not ``"lbfgs"``).
    alpha : float, default=1e-4
        Strength of the penalty.
    l1_ratio : float or None, default=0.15
        Share of l1 in the elastic net, in [0, 1]; "l1" is 1 and "l2" is 0.
        None is accepted when ``penalty`` is not "elasticnet", as in
        scikit-learn.
    fit_intercept : bool, default=True
        Whether to learn an intercept.
    {training_parameters}
"""

# Optimizers the l1 penalty's proximal step (scaled by each weight's step
# size) does not suit, and why.
_AVERAGED = "the model is evaluated at an average of its iterates, where the l1 penalty's exact zeros do not survive."
_NO_L1 = {
    ScheduleFreeAdamW: _AVERAGED,
    ScheduleFreeSGD: _AVERAGED,
    Lion: "its steps are signs, α per weight whatever the gradient, so the l1 penalty's proximal step has no step "
    "size to scale with (scaled by α it zeroes nothing; by 1/|momentum| it zeroes the informative weights too).",
}



_PROBABILISTIC_LOSSES = ("log_loss", "modified_huber")


class _LinearModel(BaseNetworkEstimator):
    # A fit leaves the coefficients dense: it forgets sparsify().
    _UNPUBLISHED_BY_FIT = (*BaseNetworkEstimator._UNPUBLISHED_BY_FIT, "_sparse_coef")

    _parameter_constraints = {
        **BaseNetworkEstimator._parameter_constraints,
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
    }

    @staticmethod
    def _default_optimizer():
        # A linear model has one layer to fit, often in a few steps per epoch
        # (batch_size="auto" is the whole of a small data set): Adam's 1e-3
        # left iris, and diabetes's large coefficients, undertrained after
        # max_iter epochs; 3e-3 matched scikit-learn's SGD estimators on
        # every bundled data set, raw and standardised
        # (tests/estimators/test_defaults.py), where 1e-2 overshot on raw wine.
        return Adam(learning_rate=0.003)

    def _penalty(self):
        """(l2, l1) strengths of the penalty on the coefficients."""
        ratio = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": self.l1_ratio}[self.penalty]
        alpha = 0.0 if self.penalty is None else self.alpha
        return alpha * (1 - ratio), alpha * ratio

    def _more_validate_params(self, optimizer, *, incremental):
        super()._more_validate_params(optimizer, incremental=incremental)
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'; got l1_ratio=None.")
        if self._penalty()[1] and not takes_steps(optimizer):
            raise ValueError(
                "LBFGS supports only penalty='l2' or None: the l1 part of the "
                "penalty is applied as a proximal step, which needs a step-based "
                "optimizer such as 'sgd' or 'adam'."
            )
        why = next((why for cls, why in _NO_L1.items() if isinstance(optimizer, cls)), None)
        if self._penalty()[1] and why:
            raise ValueError(
                f"{type(optimizer).__name__} supports only penalty='l2' or None: {why} "
                "Use another optimizer for a sparse model."
            )

    @fill_doc(fit_summary=FIT_SUMMARY_DOC, fit_data=FIT_DATA_DOC)
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """
        {fit_summary}

        Parameters
        ----------
        {fit_data}
        coef_init : array-like of shape (n_outputs, n_features), default=None
            Starting coefficients: one row per class (a single row, or a
            vector, for two classes) or per output. As in scikit-learn's SGD
            estimators, starting weights make a fresh fit even with
            ``warm_start``, which then only supplies the part not given.
            None starts from zero.
        intercept_init : array-like of shape (n_outputs,), default=None
            Starting intercepts. None starts each at the best constant
            model of the training targets: the (weighted) mean of a
            regressor's targets (the log of it for ``loss="poisson"``), the
            log-odds of a classifier's class frequencies (clipped to
            [0.001, 0.999]) for ``log_loss``, zero for the margin losses.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False, initial=(coef_init, intercept_init))

    def _fit_plan(self, n_features, encoder, optimizer, initial):
        l2, l1 = self._penalty()
        if l1 and getattr(encoder, "scale", None) is not None:
            # The standardised problem has the same optimum only if each
            # output's l1 strength is divided by its target scale (the loss
            # is divided by scale², the coefficients by scale).
            l1 = l1 / encoder.scale
        return FitPlan(
            (n_features, encoder.n_outputs),
            "identity",
            self._make_loss(encoder),
            l2=l2,
            l1=l1,
            fit_intercept=self.fit_intercept,
            initial_layers=self._initial_layer(n_features, encoder, initial),
        )

    def _initial_layer(self, n_features, encoder, initial):
        """``((coef_init.T, intercept_init),)`` in the network's layout and
        units, checked against the problem, or () when none is given."""
        coef_init, intercept_init = initial if initial is not None else (None, None)
        if coef_init is None and intercept_init is None:
            return ()
        n_outputs = encoder.n_outputs
        if self.warm_start and hasattr(self, "_train_state"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        what = "class (a single row for two classes)" if is_classifier(self) else "output"
        W = b = None
        if coef_init is not None:
            coef = np.asarray(coef_init, dtype=np.float64)
            coef = coef[None, :] if coef.ndim == 1 else coef
            if coef.shape != (n_outputs, n_features):
                raise ValueError(
                    f"coef_init has shape {np.shape(coef_init)}, but this problem needs "
                    f"({n_outputs}, {n_features}): one row per {what}, one column per feature."
                )
            W = coef.T
        if intercept_init is not None:
            b = np.asarray(intercept_init, dtype=np.float64).reshape(-1)
            if b.shape != (n_outputs,):
                raise ValueError(
                    f"intercept_init has shape {np.shape(intercept_init)}, but this problem needs "
                    f"({n_outputs},): one intercept per {what}."
                )
        for name, part in (("coef_init", W), ("intercept_init", b)):
            if part is not None and not np.isfinite(part).all():
                raise ValueError(f"{name} has NaN or infinite values: starting weights must be finite.")
        return (encoder.to_network_layer(W, b),)

    @property
    def coef_(self):
        """Coefficients: a view of the trained parameter vector, or a
        scipy.sparse matrix after :meth:`sparsify`."""
        if hasattr(self, "_sparse_coef"):
            scale = getattr(self._target_encoder, "scale", None)
            return self._sparse_coef if scale is None else sparse.csr_matrix(sparse.diags(scale) @ self._sparse_coef)
        coef = self._layers()[0][0].T
        return coef[0] if self._squeeze_output() else coef

    def sparsify(self):
        """Make ``coef_`` a scipy.sparse CSR matrix, used by the predictions.

        With an l1 (or elastic net) penalty many coefficients are exactly 0,
        and predicting through a sparse matrix is faster. The training state
        is kept, so :meth:`densify`, ``partial_fit`` and a warm ``fit`` go
        on from the same weights (and leave ``coef_`` dense).

        Returns
        -------
        self : object
            The estimator, with sparse coefficients.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skopt_lab import LinearClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = LinearClassifier(penalty="l1", alpha=0.02, max_iter=300, tol=None, random_state=0).fit(X, y)
        >>> clf.sparsify().coef_.format, clf.coef_.nnz < clf.coef_.shape[0] * clf.coef_.shape[1]
        ('csr', True)
        """
        check_is_fitted(self, msg="Estimator, %(name)s, must be fitted before sparsifying.")
        self._sparse_coef = sparse.csr_matrix(self._views()[0][0].T)
        return self

    def densify(self):
        """Make ``coef_`` a dense array again (the default after fitting).

        Returns
        -------
        self : object
            The estimator, with dense coefficients.
        """
        check_is_fitted(self, msg="Estimator, %(name)s, must be fitted before densifying.")
        self.__dict__.pop("_sparse_coef", None)
        return self

    def _raw_output(self, X, n_layers=None):
        if not hasattr(self, "_sparse_coef"):
            return super()._raw_output(X, n_layers)
        X = validate_data(self, X, reset=False, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32))
        raw = safe_sparse_dot(X, self._sparse_coef.T, dense_output=True)
        return np.asarray(raw + self._views()[1][0], dtype=self._train_state.theta.dtype)

    @property
    def intercept_(self):
        """Intercepts, a view of the trained parameter vector (a copy for a
        regressor that standardises its targets)."""
        return self._layers()[1][0]

    def _squeeze_output(self):
        return False


@fill_doc(
    optimizer_parameter=OPTIMIZER_PARAMETER_DOC,
    common_parameters=_COMMON_DOC,
    training_parameters=TRAINING_PARAMETERS_DOC.replace("MAX_ITER", "1000"),
    training_attributes=TRAINING_ATTRIBUTES_DOC,
)
class LinearRegressor(RegressorTargetsMixin, RegressorMixin, _LinearModel):
    """Linear regression trained by a pluggable optimizer.

    Minimises ``mean(loss) + penalty`` over mini-batches with any optimizer
    of :mod:`skopt_lab.optimizers`, on the same training engine as the MLPs.

    Parameters
    ----------
    {optimizer_parameter}
    loss : {"squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive", \
            "poisson"}, default="squared_error"
        ``½ r²``; Huber's loss, quadratic for ``|r| ≤ epsilon`` and linear
        beyond; ``max(0, |r| − epsilon)`` or its square, with ``r`` the
        residual; or half the Poisson deviance with a log link (predictions
        ``exp(X @ coef_ + intercept_)`` are positive; targets must be
        non-negative counts or rates), the objective of
        :class:`sklearn.linear_model.PoissonRegressor`.
    epsilon : float, default=0.1
        Threshold of the "huber" and the epsilon-insensitive losses, in the
        targets' units.
    normalize_y : bool, default=True
        Train on the standardised targets ``(y − mean) / std`` (per output,
        weighted by ``sample_weight``) and map the predictions back, as
        ``TransformedTargetRegressor(transformer=StandardScaler())`` would:
        the optimizers' default learning rates suit targets of any scale.
        For the losses that scale with the squared residual
        ("squared_error", "huber", "squared_epsilon_insensitive", with
        ``epsilon`` and the l1 strength rescaled accordingly) the optimum is
        the same as on the raw targets; only its conditioning changes.
        ``coef_`` and ``intercept_`` are in the targets' units, but
        ``loss_curve_`` is the loss of the standardised targets.
        "epsilon_insensitive" and "poisson" train on the raw targets. The
        mean and scale are those of the first ``fit`` (or ``partial_fit``
        call) of a model, kept by ``warm_start`` and ``partial_fit``.
    {common_parameters}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_outputs, n_features)
        Coefficients.
    intercept_ : ndarray of shape (n_outputs,)
        Intercepts.
    {training_attributes}

    See Also
    --------
    LinearClassifier : The classifier counterpart.
    sklearn.linear_model.SGDRegressor : Plain SGD with a learning-rate schedule.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skopt_lab import LinearRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = LinearRegressor(optimizer="lbfgs").fit(X, y)
    >>> round(reg.score(X, y), 3)
    1.0
    """

    _parameter_constraints = {
        **_LinearModel._parameter_constraints,
        "loss": [
            StrOptions({"squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive", "poisson"})
        ],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "normalize_y": ["boolean"],
    }

    def __init__(
        self,
        optimizer=None,
        *,
        loss="squared_error",
        epsilon=0.1,
        normalize_y=True,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        augmentation=None,
        batch_size="auto",
        max_iter=1000,
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
    ):
        self.optimizer = optimizer
        self.loss = loss
        self.epsilon = epsilon
        self.normalize_y = normalize_y
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
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

    def _make_loss(self, encoder):
        return losses.regression_loss(self.loss, encoder.scaled_threshold(self.epsilon))

    def _squeeze_output(self):
        return self._target_encoder.y_ndim == 1


@fill_doc(
    optimizer_parameter=OPTIMIZER_PARAMETER_DOC,
    common_parameters=_COMMON_DOC,
    training_parameters=TRAINING_PARAMETERS_DOC.replace("MAX_ITER", "1000"),
    training_attributes=TRAINING_ATTRIBUTES_DOC,
)
class LinearClassifier(ClassifierTargetsMixin, ClassifierMixin, _LinearModel):
    """Linear classifier trained by a pluggable optimizer.

    Binary problems have one output; multiclass problems one output per
    class, coupled by the softmax for ``log_loss`` (multinomial) and
    one-vs-rest for the margin losses.

    Parameters
    ----------
    {optimizer_parameter}
    loss : {"log_loss", "hinge", "squared_hinge", "modified_huber", "perceptron", \
            "squared_error"}, default="log_loss"
        Logistic regression, a linear SVM, its squared variant, the
        smoothed hinge of Zhang (2004), the perceptron's ``max(0, −z)``, or
        least squares on ±1 targets, with ``z`` the margin (scikit-learn's
        ``SGDClassifier`` losses of the same names; its "huber" and
        epsilon-insensitive classifier losses have no counterpart here).
        ``log_loss`` and ``modified_huber`` give probability estimates.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, multiplied with ``sample_weight``;
        "balanced" uses ``n_samples / (n_classes · bincount(y))``.
    {common_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    {training_attributes}

    See Also
    --------
    LinearRegressor : The regression counterpart.
    sklearn.linear_model.LogisticRegression : The reference for ``log_loss``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skopt_lab import LinearClassifier
    >>> from skopt_lab.optimizers import SGD
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     LinearClassifier(SGD(learning_rate=0.1, momentum=0.9), random_state=0),
    ... ).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints = {
        **_LinearModel._parameter_constraints,
        "loss": [StrOptions({"log_loss", "hinge", "squared_hinge", "modified_huber", "perceptron", "squared_error"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        optimizer=None,
        *,
        loss="log_loss",
        class_weight=None,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        augmentation=None,
        batch_size="auto",
        max_iter=1000,
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
    ):
        self.optimizer = optimizer
        self.loss = loss
        self.class_weight = class_weight
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
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

    def _make_loss(self, encoder):
        if self.loss == "log_loss":
            return losses.BinaryLogLoss() if encoder.n_outputs == 1 else losses.MultinomialLogLoss()
        return {
            "hinge": losses.Hinge,
            "squared_hinge": losses.SquaredHinge,
            "modified_huber": losses.ModifiedHuber,
            "perceptron": losses.Perceptron,
            "squared_error": losses.MarginSquaredError,
        }[self.loss]()

    def _class_weighted(self, y, sample_weight, incremental, encoder):
        return compute_class_sample_weight(self.class_weight, y, sample_weight, incremental, encoder.classes)

    def _has_proba(self):
        """Probabilities exist for the log-loss and the modified Huber loss;
        otherwise the AttributeError says which losses have them."""
        if self.loss not in _PROBABILISTIC_LOSSES:
            raise AttributeError(
                f"predict_proba and predict_log_proba are not available for loss={self.loss!r}: only "
                f"{' and '.join(map(repr, _PROBABILISTIC_LOSSES))} estimate probabilities."
            )
        return True
