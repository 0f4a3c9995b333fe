"""Docstring sections the estimators share, written once."""

import textwrap

from .optimizers import OPTIMIZERS

_NAMES = textwrap.fill(", ".join(f'``"{name}"``' for name in OPTIMIZERS), 62).replace("\n", "\n        ")

OPTIMIZER_PARAMETER_DOC = f"""
    optimizer : None, str or Optimizer, default=None
        How the model is trained: an optimizer object from
        :mod:`skopt_lab.optimizers` (tunable with nested keys such as
        ``optimizer__learning_rate``, which also work on None and names), one
        of the names {_NAMES}, or None for ``Adam()``. ``fit`` trains a
        clone, exposed as ``optimizer_``.
"""


TRAINING_PARAMETERS_DOC = """
    augmentation : None, augmentation or list of augmentations, default=None
        Transforms every training batch afresh, only while training, with
        the fit's random generator: an object of
        :mod:`skopt_lab.augmentation` (``GaussianNoise``, ``FeatureDropout``,
        ``Mixup``, ``RandomAffine``), a list of them (applied in order, as
        ``Compose``) or any object with an ``augment(X, Y, rng)`` method.
        Predictions, scores and the early-stopping validation split are
        never augmented; ``loss_curve_`` is the loss on the augmented
        batches, and the convergence test (``tol``) reads that noisier
        loss: prefer ``early_stopping=True`` (its validation split is
        clean) or ``tol=None`` with a fixed ``max_iter``. Tunable with
        nested keys such as ``augmentation__std``; the built-in
        augmentations draw nothing at a strength of 0, which turns them
        off. Needs a step-based optimizer (not L-BFGS).
    batch_size : "auto" or int, default="auto"
        Mini-batch size: "auto" is ``min(200, n_samples)``. Full-batch
        optimizers (GD, L-BFGS) ignore it.
    max_iter : int, default=MAX_ITER
        Maximum number of epochs (iterations for L-BFGS) of one ``fit``.
        When training stops at this budget without having converged, a
        ``ConvergenceWarning`` says so (L-BFGS also warns when it runs out
        of ``max_fun`` loss evaluations).
    tol : float or None, default=1e-4
        Training stops when the loss (or the validation score, with early
        stopping) has not improved by ``tol`` for ``n_iter_no_change``
        consecutive epochs. None disables the test: ``fit`` then trains
        exactly ``max_iter`` epochs, and reaching them is no warning.
    n_iter_no_change : int or inf, default=10
        Epochs without improvement before stopping, counted as scikit-learn
        counts them: the linear models stop after ``n_iter_no_change`` such
        epochs (as ``SGDClassifier``), the MLPs after one more (as
        ``MLPClassifier``); ``np.inf`` never stops on a plateau.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), stop when its score stops improving and restore the best
        weights. Needs a step-based optimizer (not L-BFGS); ``partial_fit``
        has no validation split and refuses it.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.
    shuffle : bool, default=True
        Shuffle the samples at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds everything random in training: initial weights, shuffling,
        dropout, augmentation and the validation split; an int makes
        training bit-for-bit repeatable.
    warm_start : bool, default=False
        Continue from the previous ``fit`` instead of starting afresh: train
        ``max_iter`` more epochs from its weights, with the *current*
        parameters (optimizer, learning rate, ``alpha``, ...). Carried over:
        the weights, the random generator and the optimizer's moments and
        step counts, wherever its transforms' states still match (the same
        kinds in the same order, on the same trainable layers: Adam to AdamW
        keeps them, another rule starts afresh); the learning-rate schedule
        starts again from its first epoch. The network's shape and the
        classes must stay the same.
    average : bool or int, default=False
        Average the weights over the training steps, and predict with the
        average (Polyak-Ruppert averaging, scikit-learn's SGD ``average``),
        whatever the step optimizer: True from the first step, an int n
        once n samples have been seen. ``partial_fit``, ``warm_start`` and
        pickled models continue the average.
    average_decay : float or None, default=None
        None averages the weights uniformly; a decay in (0, 1) makes it an
        exponential moving average (the common variant for Adam), uniform
        until its window of ``1 / (1 - average_decay)`` steps is filled.
    verbose : int, default=0
        1 prints one line per epoch (loss, validation score, learning rate,
        seconds).
"""

TRAINING_ATTRIBUTES_DOC = """
    optimizer_ : Optimizer
        The clone of ``optimizer`` that was trained.
    n_iter_ : int
        Epochs run (L-BFGS iterations), over all calls for ``warm_start`` and
        ``partial_fit`` (scikit-learn's MLP counts a warm ``fit`` from 0).
    t_ : int
        Number of training samples seen.
    loss_curve_ : list of float
        Objective (mean loss plus penalty) at each epoch (a copy of the
        training record, which ``partial_fit`` and ``warm_start`` continue);
        with an ``augmentation``, on the augmented batches (as Keras reports
        it).
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
    n_averaged_ : int
        Number of training steps in the averaged weights (0 without
        ``average``, or before it starts).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""


FIT_SUMMARY_DOC = """
        Fit the model with the configured optimizer.

        Training stops at ``max_iter`` epochs, at convergence, on divergence
        or on Ctrl-C; the last three keep the weights of the last sound epoch
        and, like reaching ``max_iter`` unconverged, say so with a
        ``ConvergenceWarning``. If ``fit`` raises, the estimator is left as
        it was.
"""

PARTIAL_FIT_EPOCHS_DOC = """
        n_epochs : int, default=1
            Epochs to train in this call, each a pass over (X, y):
            ``partial_fit(X, y, n_epochs=n)`` is the model of ``n`` calls
            with ``n_epochs=1``, without validating the data and copying the
            training state again for every epoch. The one difference is on
            divergence: training stops at the first diverging step with one
            ``ConvergenceWarning``, where the calls would each warn. This is
            the documented way to continue training by several epochs:
            ``HyperbandSearchCV`` trains a rung in one call of any
            estimator whose ``partial_fit`` has an ``n_epochs`` parameter.
"""

FIT_DATA_DOC = """
        X : {array-like, sparse matrix, Dask array or DataFrame} of shape (n_samples, n_features)
            Training data; float32 data trains in float32. Dask data (with
            y and ``sample_weight`` in the same blocks) trains data-parallel
            on the workers of an active ``distributed.Client``, else block by
            block in this process.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
"""

SCORE_DOC = """
        On Dask data it is computed block by block, where the blocks are.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask array or DataFrame} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets (Dask, in the same blocks, when X is).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
"""


def fill_doc(**sections):
    """Decorator of a class or function: put shared docstring sections in
    place of ``{name}`` markers, each alone on its line; a section may hold
    markers of its own (plain replacement, so braces elsewhere are safe)."""

    def fill(doc):
        lines = []
        for line in doc.split("\n"):
            name = line.strip()[1:-1] if line.strip().startswith("{") and line.strip().endswith("}") else None
            lines.append(fill(sections[name].strip("\n")) if name in sections else line)
        return "\n".join(lines)

    def decorate(documented):
        documented.__doc__ = fill(documented.__doc__)
        return documented

    return decorate
