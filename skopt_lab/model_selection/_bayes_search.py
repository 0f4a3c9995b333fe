"""Bayesian hyperparameter search with cross-validation."""

import os
import warnings
from numbers import Integral, Real

import numpy as np

from .._compat import BaseSearchCV, Interval, StrOptions

from ._search import RoundSearchCV, Task
from ._surrogate import Proposer


class BayesSearchCV(RoundSearchCV):
    """Bayesian optimisation of hyperparameters with cross-validation.

    A drop-in replacement for
    :class:`~sklearn.model_selection.RandomizedSearchCV`: same
    ``param_distributions``, same ``cv_results_``, ``best_params_``,
    ``refit``, multi-metric ``scoring`` and metadata routing. Instead of
    sampling every candidate at random, it samples ``n_initial_points`` and
    then, round after round, fits a Gaussian process to the scores so far
    and evaluates the ``n_points`` candidates with the best acquisition.

    Parameters
    ----------
    estimator : estimator object
        Cloned and fitted for every candidate. It must have a ``score``
        method unless ``scoring`` is given.

    param_distributions : dict or list of dicts
        Parameter names (nested keys such as ``optimizer__learning_rate``
        included) mapped to a list of values, which may be any objects and
        are treated as unordered categories, or to a scipy.stats frozen
        distribution: continuous (``uniform``, ``loguniform``, ...) or
        discrete (``randint``, ...). The model sees a numeric parameter
        through its distribution's CDF, so ``loguniform`` is searched on a
        log scale, and discrete ones only ever take valid integer values.

        A list of dicts is a union of subspaces: the model gets one block of
        features per dict plus a categorical "which dict" feature, so what it
        learns about one subspace informs the choice between them.

    n_iter : int, default=50
        Number of candidates evaluated. A finite space (only lists and
        bounded discrete distributions) with fewer points is searched
        exhaustively, with a warning, as ``RandomizedSearchCV`` does.

    n_initial_points : int, default=10
        Candidates drawn before the model takes over, as a Latin hypercube
        (stratified in every parameter) and evaluated in a single call, so
        in parallel. Capped at ``n_iter``.

    acquisition : {"ei", "ucb"}, default="ei"
        How the model's mean and uncertainty rank candidates: expected
        improvement over the best score, or the upper confidence bound
        ``mean + kappa * std`` (scikit-optimize's "LCB" on the loss).

    xi : float, default=0.01
        Improvement over the best score that "ei" asks for, in standard
        deviations of the (transformed) scores so far; larger explores more.

    kappa : float, default=1.96
        Weight of the uncertainty in "ucb"; larger explores more.

    n_points : int, default=1
        Candidates proposed per round and evaluated together, in parallel.
        They are chosen one after the other, each as if the previous ones had
        scored the worst score seen (a constant liar), so they differ. The
        last round is smaller if needed so that exactly ``n_iter``
        candidates are evaluated. Must not exceed ``n_iter``.

    scoring : str, callable, list, tuple or dict, default=None
        As in ``RandomizedSearchCV``. With several metrics, the search
        maximises the one named by ``refit``, which must then be a string,
        unless ``objectives`` names several.

    objectives : list of str, default=None
        Search for the trade-off between several objectives rather than the
        best of one: at least two names, each a scorer name of ``scoring``
        (``"score"`` for a single scorer), maximised, or ``"fit_time"``,
        ``"score_time"`` (the mean seconds of ``cv_results_``), minimised.
        The search then aims at the whole Pareto front (the candidates that
        no other is at least as good as on every objective and better on
        one; see Notes) and publishes it as ``pareto_front_``. A scorer can
        measure anything about the fitted model, its size for example
        (:func:`skopt_lab.metrics.n_parameters_scorer`). Times depend on the
        machine's load: a search with one is not reproducible.

    n_jobs : int, default=None
        Number of jobs to run in parallel; the fits of one round are run
        together. ``-1`` means all processors.

    refit : bool, str, or callable, default=True
        Refit the best estimator on the whole data; see
        ``RandomizedSearchCV``. With ``objectives``, True chooses the member
        of the front with the best first objective, the name of an objective
        the member best on it, and a callable (scikit-learn's convention)
        gets ``cv_results_`` and returns the index to refit.

    cv : int, cross-validation generator or an iterable, default=None
        Cross-validation splitting strategy, as in ``RandomizedSearchCV``.
        The folds are drawn once, when ``fit`` starts, and every round uses
        them. To resume a search (``checkpoint``, ``warm_start``) the
        splitter must split the same way again: an int, or a shuffling
        splitter with an int ``random_state``.

    verbose : int, default=0
        Verbosity, as in ``RandomizedSearchCV``; messages come per round.

    pre_dispatch : int or str, default="2*n_jobs"
        Number of jobs dispatched during parallel execution.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial design, the candidates and the model: an int makes
        the whole search reproducible.

    error_score : "raise" or numeric, default=np.nan
        Score of a candidate whose fit fails, as in ``RandomizedSearchCV``.
        The model treats a non-finite score as the worst score seen.

    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.

    warm_start : bool, default=False
        Continue the previous ``fit`` of this object (on the same data, CV
        splits and space) instead of starting anew: with a larger ``n_iter``
        it evaluates only the new candidates, and ``cv_results_`` keeps the
        earlier ones.

    checkpoint : str or path-like, default=None
        A file to which the search state is written, atomically, after every
        round. If the file exists when ``fit`` starts, the search resumes from
        it (after a crash or Ctrl-C, or to extend it): candidates already
        evaluated are not evaluated again, and with the same
        ``random_state`` the search ends with the same candidates and scores
        as one that was never interrupted; Ctrl-C in the middle of a round
        stops the search with ``KeyboardInterrupt`` and that round is not
        recorded. A checkpoint written for other data, CV splits,
        ``param_distributions`` or scoring is refused with a ValueError, and
        a path in a directory that does not exist before anything is
        trained. The file is a zip archive whose ``state.json`` holds the
        history as plain data (the rows of ``search_state_``).

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One entry per candidate, in evaluation order, with the same keys as
        ``RandomizedSearchCV``'s; with ``objectives`` also ``pareto_rank``:
        1 on the front, 2 on the front of the others, and so on (a candidate
        whose fit failed ranks last).

    pareto_front_ : ndarray of int
        With ``objectives``: the indices into ``cv_results_`` of the front,
        ordered by the first objective, best first (ties by the next).

    best_estimator_ : estimator
        The estimator refitted with the best parameters, if ``refit``.

    best_score_ : float
        Mean cross-validated score of the best candidate (with
        ``objectives``, of the objective it was chosen by, unless a time).

    best_params_ : dict
        Parameters of the best candidate.

    best_index_ : int
        Index of the best candidate in ``cv_results_``.

    scorer_ : function or dict
        Scorer function(s) used on the held-out data.

    n_splits_ : int
        Number of cross-validation splits.

    refit_time_ : float
        Seconds taken to refit the best model, if ``refit``.

    multimetric_ : bool
        Whether several scorers were used.

    search_state_ : SearchState
        Everything needed to continue the search, as plain data (what
        ``checkpoint`` saves and ``warm_start`` continues): the random
        generator and model of the proposer, the candidates, and the
        history, ``search_state_.rows``: one ``Row`` per evaluation with the
        candidate's parameters, the scores of each metric on each fold, the
        fit and score times and a status (``"ok"`` or ``"failed"``), which
        ``cv_results_`` is built from.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : Random search on the same
        parameter distributions.

    Notes
    -----
    The model is a Gaussian process with a Matérn 5/2 kernel, one length
    scale per feature, times a constant, plus white noise. It is fitted to
    the scores standardised and then Yeo-Johnson transformed, so that a few
    very bad candidates do not flatten the differences near the optimum.
    The acquisition is maximised over thousands of random candidates, the
    best of which are refined by a local random search on their numeric
    parameters. No candidate is evaluated twice.

    With ``objectives``, each proposal maximises ParEGO's scalarization of
    them (Knowles, IEEE TEC 2006) with weights ``w`` drawn at random on the
    simplex, a new draw per proposal: every objective is replaced by its
    rank among the candidates so far, rescaled to [0, 1], and a candidate
    scores minus its augmented Chebyshev distance to the best ranks,
    ``max_j w_j d_j + 0.05 * sum_j w_j d_j``. Each draw aims at another
    part of the front, with the Gaussian-process model and acquisition of a
    single objective. Ranks, rather than Knowles' min-max rescaling, make
    the proposals independent of the objectives' units, as the front is: on
    ``benchmarks/bench_multiobjective.py`` (accuracy against the number of
    parameters of an MLP) min-max rescaling let the few large networks
    squeeze all small ones together, and the search neglected them.

    Every round is recorded, also one whose fits all fail (with
    ``error_score``); only if every fit of the search fails does it raise,
    as ``RandomizedSearchCV`` does. The cross-validation splits are drawn
    once, at the start: every round uses the same folds. Ctrl-C in any fit
    of the search (skopt_lab's estimators let it through instead of keeping
    their last sound epoch, as a standalone ``fit`` does) stops the search
    with ``KeyboardInterrupt``.

    A scikit-learn callback (``set_callbacks``) sees each round as a task
    named ``"round"``; when its ``on_fit_task_end`` returns True for a round,
    the search stops there and refits the best candidate so far (see
    :class:`DeadlineStopper` and :class:`NoImprovementStopper`).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skopt_lab.model_selection import BayesSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = BayesSearchCV(
    ...     SVC(),
    ...     {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-4, 1e1)},
    ...     n_iter=12,
    ...     n_initial_points=6,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"])
    12
    >>> sorted(search.best_params_)
    ['C', 'gamma']
    >>> bool(search.best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "n_initial_points": [Interval(Integral, 1, None, closed="left")],
        "acquisition": [StrOptions({"ei", "ucb"})],
        "xi": [Interval(Real, 0, None, closed="left")],
        "kappa": [Interval(Real, 0, None, closed="left")],
        "n_points": [Interval(Integral, 1, None, closed="left")],
        "objectives": [list, tuple, None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "checkpoint": [str, os.PathLike, None],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=50,
        n_initial_points=10,
        acquisition="ei",
        xi=0.01,
        kappa=1.96,
        n_points=1,
        scoring=None,
        objectives=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        warm_start=False,
        checkpoint=None,
    ):
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa
        self.n_points = n_points
        self.objectives = objectives
        self.random_state = random_state
        self.warm_start = warm_start
        self.checkpoint = checkpoint
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )

    def _plan(self, space, X, y, splits, classes):
        if self.n_points > self.n_iter:
            raise ValueError(
                f"n_points={self.n_points} is larger than n_iter={self.n_iter}: "
                "a round cannot propose more candidates than the whole budget."
            )
        if space.size < self.n_iter:
            warnings.warn(
                f"The total space of parameters {space.size} is smaller than "
                f"n_iter={self.n_iter}. Running {space.size} iterations.",
                UserWarning,
            )
        return {"n_iter": int(min(self.n_iter, space.size))}

    def _new_proposer(self, space, rng):
        return Proposer(space, self.acquisition, self.xi, self.kappa, rng)

    def _next_round(self, state, proposer, plan):
        """The initial design first, then ``n_points`` proposals per round."""
        n_iter = plan["n_iter"]
        n_done = len(state.candidates)
        if n_done >= n_iter:
            return []
        n_initial = min(self.n_initial_points, n_iter)
        seen = state.seen(proposer.space)
        if n_done < n_initial:
            batch = proposer.initial(n_initial - n_done, seen)
        else:
            n_points = min(self.n_points, n_iter - n_done)
            s, u, scores = self._observations(state.rows, n_points, proposer.rng, state.rows)
            batch = proposer.propose(s, u, scores, n_points, seen)
        if not batch:
            warnings.warn(
                f"No unevaluated candidate is left after {n_done} of "
                f"n_iter={n_iter}: the search stopped early."
            )
        return [Task(candidate) for candidate in state.add_candidates(batch, proposer.space)]
