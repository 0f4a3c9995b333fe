"""scikit-learn callbacks that stop a search between two rounds.

:class:`BayesSearchCV` and :class:`HyperbandSearchCV` report every round
(a batch of candidates, a rung) to their callbacks as a task named
``"round"``; a callback whose ``on_fit_task_end`` returns True for it stops
the search, which then refits the best candidate so far. These two follow
scikit-learn's ``FitCallback`` protocol (``sklearn.callback``) and are set
with ``search.set_callbacks(...)``. Set on anything else, they never stop it.
"""

import time

import numpy as np


class _RoundStopper:
    """Callback hooks that do nothing except at the end of a round."""

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass


class DeadlineStopper(_RoundStopper):
    """Stop a search at the end of the first round that ends after a deadline.

    Parameters
    ----------
    seconds : float
        Time allowed, counted from the start of the search's ``fit``. A round
        already running is finished (its results are kept), so the search
        overruns by at most one round plus the refit.

    See Also
    --------
    NoImprovementStopper : Stop when the best score stops improving.

    Examples
    --------
    >>> from scipy.stats import uniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skopt_lab.model_selection import BayesSearchCV, DeadlineStopper
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     SVC(), {"C": uniform(0.1, 10)}, n_iter=20, n_initial_points=3, random_state=0
    ... ).set_callbacks(DeadlineStopper(seconds=0))
    >>> len(search.fit(X, y).cv_results_["params"])  # stopped after the first round
    3
    """

    def __init__(self, seconds):
        self.seconds = seconds

    def setup(self, estimator, context):
        self._start = time.monotonic()

    def on_fit_task_end(self, estimator, context):
        return context.task_name == "round" and time.monotonic() - self._start >= self.seconds


class NoImprovementStopper(_RoundStopper):
    """Stop a search when its best score has not improved for some rounds.

    Parameters
    ----------
    n_rounds : int
        Number of consecutive rounds without improvement after which the
        search stops.
    min_delta : float, default=0.0
        Smallest increase of the search's ``best_score_`` that counts as an
        improvement. For :class:`HyperbandSearchCV` that is the best score at
        the largest budget reached, which rises as candidates are promoted.

    See Also
    --------
    DeadlineStopper : Stop after a given time.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skopt_lab.model_selection import BayesSearchCV, NoImprovementStopper
    >>> X, y = load_iris(return_X_y=True)
    >>> # Every candidate scores the same: nothing improves after the first round.
    >>> search = BayesSearchCV(
    ...     SVC(), {"tol": [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4]},
    ...     n_iter=6, n_initial_points=2, random_state=0,
    ... ).set_callbacks(NoImprovementStopper(n_rounds=2))
    >>> len(search.fit(X, y).cv_results_["params"])
    4
    """

    def __init__(self, n_rounds, min_delta=0.0):
        self.n_rounds = n_rounds
        self.min_delta = min_delta

    def setup(self, estimator, context):
        self._best = -np.inf
        self._rounds_without_improvement = 0

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "round" or fitted_estimator is None:
            return False
        score = fitted_estimator.best_score_
        if score > self._best + self.min_delta:
            self._best, self._rounds_without_improvement = score, 0
        else:
            self._rounds_without_improvement += 1
        return self._rounds_without_improvement >= self.n_rounds
