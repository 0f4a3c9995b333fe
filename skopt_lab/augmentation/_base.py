"""The augmentation protocol, its base class and ``Compose``."""

from collections import Counter

from sklearn.base import BaseEstimator, clone


class Augmentation(BaseEstimator):
    """Base class of the augmentations: a transform of training batches.

    An augmentation is a *hyperparameter object*, like an optimizer: it
    holds only its constructor arguments, so ``get_params``/``set_params``/
    ``clone`` work and nested keys such as ``augmentation__std`` can be
    searched. The estimators call it on every training batch of ``fit``
    and ``partial_fit``, freshly drawn each time, and never on what they
    predict, score or validate on.

    The protocol, which any object may follow without subclassing:

    - ``augment(X, Y, rng) -> (X_new, Y_new)`` (required). ``X`` is the
      batch, a dense array of shape (n_rows, n_features) in the training
      dtype (float32 or float64); ``Y`` its encoded targets, a float array
      of shape (n_rows, n_outputs): class indicators for classifiers (one
      column of 0/1 for two classes, one-hot rows for more, the indicator
      matrix for multilabel), the target columns for regressors (as the
      network sees them: standardised with ``normalize_y=True``); ``rng`` a
      ``numpy.random.Generator`` of the fit, seeded by the estimator's
      ``random_state``, the only source of randomness to use (then the same
      ``random_state`` gives the same model, and ``partial_fit`` and
      pickling continue exactly). It must not modify ``X`` or ``Y`` (they
      may be views of the training data) and may return a different number
      of rows.
    - ``validate(n_features)`` (optional): raise a ``ValueError`` when a
      hyperparameter is invalid or the augmentation cannot apply to rows of
      ``n_features`` features. Called once per fit, before training.
    - ``mixes_targets`` (optional, default False): True when ``Y_new`` mixes
      the targets into soft labels (Mixup); losses that need 0/1 classes
      (hinge) then refuse it before training.

    When ``X_new`` has as many rows as ``X``, row i keeps the sample weight
    of row i; when the number of rows changes, the new rows weigh the same,
    and a fit with ``sample_weight`` (or ``class_weight``) refuses such an
    augmentation at its first batch, before any step.

    Subclasses declare their hyperparameters in ``__init__`` (stored
    unchanged, as scikit-learn requires) and their
    ``_parameter_constraints``, and implement ``augment``; ``validate``
    checks the constraints.

    Examples
    --------
    An augmentation that flips the sign of the features of half the rows:

    >>> import numpy as np
    >>> from skopt_lab.augmentation import Augmentation
    >>> class RandomSignFlip(Augmentation):
    ...     def augment(self, X, Y, rng):
    ...         signs = rng.choice(np.array([-1, 1], dtype=X.dtype), size=(len(X), 1))
    ...         return X * signs, Y
    >>> X_new, Y_new = RandomSignFlip().augment(np.ones((4, 2)), np.zeros((4, 1)), np.random.default_rng(0))
    >>> sorted(set(np.abs(X_new).ravel()))
    [np.float64(1.0)]
    """

    #: Whether ``augment`` mixes the targets into soft labels.
    mixes_targets = False

    _parameter_constraints: dict = {}

    def validate(self, n_features=None):
        """Check the hyperparameters, and that the augmentation applies to
        rows of ``n_features`` features.

        Parameters
        ----------
        n_features : int or None, default=None
            Width of the training data, when known.

        Raises
        ------
        ValueError
            Naming the hyperparameter, or the mismatch with the data.
        """
        self._validate_params()

    def augment(self, X, Y, rng):
        """Return an augmented copy of a training batch.

        Parameters
        ----------
        X : ndarray of shape (n_rows, n_features)
            The batch, in the training dtype; not to be modified.
        Y : ndarray of shape (n_rows, n_outputs)
            Its encoded targets; not to be modified.
        rng : numpy.random.Generator
            The fit's random generator.

        Returns
        -------
        X_new : ndarray of shape (n_new_rows, n_features)
        Y_new : ndarray of shape (n_new_rows, n_outputs)
        """
        raise NotImplementedError(f"{type(self).__name__} must implement augment(X, Y, rng).")


class Compose(Augmentation):
    """Apply several augmentations, one after the other.

    ``augmentation=[a, b]`` on an estimator means ``Compose([a, b])``. Each
    step is reachable by a name made from its class, as in
    :func:`sklearn.pipeline.make_pipeline` (lower case, with ``-1``,
    ``-2`` ... when a class repeats): ``augmentation__randomaffine__rotation``,
    ``augmentation__gaussiannoise__std``; ``augmentation__steps`` replaces
    the whole list.

    Parameters
    ----------
    steps : list of augmentations
        Applied in order; each receives what the previous one returned.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.augmentation import Compose, GaussianNoise, RandomAffine
    >>> augmentation = Compose([RandomAffine((8, 8), rotation=10), GaussianNoise(std=0.05)])
    >>> sorted(augmentation.get_params())[:4]
    ['gaussiannoise', 'gaussiannoise__std', 'randomaffine', 'randomaffine__image_shape']
    >>> augmentation.set_params(randomaffine__rotation=20).steps[0]
    RandomAffine(image_shape=(8, 8), rotation=20)
    >>> X_new, Y_new = augmentation.augment(np.ones((3, 64)), np.ones((3, 1)), np.random.default_rng(0))
    >>> X_new.shape
    (3, 64)
    """

    _parameter_constraints = {"steps": [list]}

    def __init__(self, steps):
        self.steps = steps

    @property
    def mixes_targets(self):
        """Whether a step mixes the targets."""
        return any(getattr(step, "mixes_targets", False) for step in self.steps)

    def named_steps(self):
        """(name, step) pairs: the lower-case class name, numbered when repeated.

        Returns
        -------
        pairs : list of (str, object)
        """
        names = [type(step).__name__.lower() for step in self.steps]
        counts, seen = Counter(names), Counter()
        numbered = []
        for name in names:
            seen[name] += 1
            numbered.append(f"{name}-{seen[name]}" if counts[name] > 1 else name)
        return list(zip(numbered, self.steps))

    def get_params(self, deep=True):
        """The parameters, and with ``deep`` every step's under its name.

        Parameters
        ----------
        deep : bool, default=True
            Include the steps and their parameters.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=False)
        if deep and isinstance(self.steps, list):
            for name, step in self.named_steps():
                params[name] = step
                if hasattr(step, "get_params"):
                    params.update({f"{name}__{key}": value for key, value in step.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        """Set ``steps``, a step by name, or a step's parameter (``name__key``).

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self : Compose
        """
        if "steps" in params:
            self.steps = params.pop("steps")
        nested = {}
        for key, value in params.items():
            steps = dict(self.named_steps())
            name, _, sub_key = key.partition("__")
            if name not in steps:
                raise ValueError(
                    f"Invalid parameter {name!r} for {self!r}: its steps are named {list(steps)} "
                    "(lower-case class names), and it has the parameter 'steps'."
                )
            if sub_key:
                nested.setdefault(name, {})[sub_key] = value
            else:
                self.steps = [value if step_name == name else step for step_name, step in self.named_steps()]
        steps = dict(self.named_steps())
        for name, sub_params in nested.items():
            steps[name].set_params(**sub_params)
        return self

    def validate(self, n_features=None):
        super().validate(n_features)
        for step in self.steps:
            if not callable(getattr(step, "augment", None)):
                raise ValueError(
                    "Every augmentation step needs an augment(X, Y, rng) method, such as the classes of "
                    f"skopt_lab.augmentation; got {step!r}."
                )
            validate_augmentation(step, n_features)

    def augment(self, X, Y, rng):
        """Every step in turn. See :meth:`Augmentation.augment`."""
        for step in self.steps:
            X, Y = step.augment(X, Y, rng)
        return X, Y


def as_augmentation(augmentation):
    """The augmentation a fit trains with: None, a clone of the object, or
    a ``Compose`` of clones for a list."""
    if augmentation is None:
        return None
    if isinstance(augmentation, list):
        augmentation = Compose(augmentation)
    return clone(augmentation, safe=False)


def validate_augmentation(augmentation, n_features=None):
    """Call an augmentation's optional ``validate(n_features)``."""
    validate = getattr(augmentation, "validate", None)
    if callable(validate):
        validate(n_features)
