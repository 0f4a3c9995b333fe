"""Bayesian hyperparameter search with cross-validation."""

import warnings
from math import ceil
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._space import Space
from ._surrogate import Proposer


class BayesSearchCV(BaseSearchCV):
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
        maximises the one named by ``refit``, which must then be a string.

    n_jobs : int, default=None
        Number of jobs to run in parallel; the fits of one round are run
        together. ``-1`` means all processors.

    refit : bool, str, or callable, default=True
        Refit the best estimator on the whole data; see
        ``RandomizedSearchCV``.

    cv : int, cross-validation generator or an iterable, default=None
        Cross-validation splitting strategy, as in ``RandomizedSearchCV``.
        Use a splitter whose splits do not change between calls (an int, or
        a shuffling splitter with an int ``random_state``): every round
        splits again.

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

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One entry per candidate, in evaluation order, with the same keys as
        ``RandomizedSearchCV``'s.

    best_estimator_ : estimator
        The estimator refitted with the best parameters, if ``refit``.

    best_score_ : float
        Mean cross-validated score of the best candidate.

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

    When every fit of a round fails, scikit-learn refuses to record the
    round; its candidates are then evaluated again with the next round, so
    that they appear in ``cv_results_`` with ``error_score``. Only if the
    last round fails entirely are they missing, with a warning.

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
        "random_state": ["random_state"],
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
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
    ):
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.n_initial_points = n_initial_points
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa
        self.n_points = n_points
        self.random_state = random_state
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

    def _objective(self, results):
        """The mean test scores the search maximises."""
        if "mean_test_score" in results:
            return results["mean_test_score"]
        if not isinstance(self.refit, str):
            raise ValueError(
                "With multi-metric scoring, BayesSearchCV maximises the metric "
                "named by refit, so refit must be one of the scorer names; got "
                f"refit={self.refit!r}."
            )
        return results[f"mean_test_{self.refit}"]

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        """Evaluate ``n_iter`` candidates, round after round."""
        if self.n_points > self.n_iter:
            raise ValueError(
                f"n_points={self.n_points} is larger than n_iter={self.n_iter}: "
                "a round cannot propose more candidates than the whole budget."
            )
        space = Space(self.param_distributions)
        n_iter = self.n_iter
        if space.size < n_iter:
            warnings.warn(
                f"The total space of parameters {space.size} is smaller than "
                f"n_iter={n_iter}. Running {space.size} iterations.",
                UserWarning,
            )
            n_iter = int(space.size)
        n_initial = min(self.n_initial_points, n_iter)
        proposer = Proposer(
            space, self.acquisition, self.xi, self.kappa, check_random_state(self.random_state)
        )
        search_ctx = callback_ctx.subcontext(
            task_name="search", max_subtasks=1 + ceil((n_iter - n_initial) / self.n_points)
        ).call_on_fit_task_begin(estimator=self)

        seen = set()
        batch = proposer.initial(n_initial, seen)
        evaluated, pending = [], []
        scores = np.empty(0)
        while batch:
            candidates = pending + batch
            n_done = len(evaluated) + len(candidates)
            last = n_done >= n_iter
            results = self._evaluate_round(
                evaluate_candidates,
                [space.params(s, v) for s, _, v in candidates],
                search_ctx,
                last=last,
                # A search in which every fit failed raises, as a random search does.
                may_fail=bool(evaluated) or not last,
            )
            if results is None:
                pending = candidates
            else:
                evaluated, pending = evaluated + candidates, []
                scores = self._objective(results)
            if last:
                break
            s, u, _ = (np.array(a) for a in zip(*(evaluated + pending)))
            batch = proposer.propose(
                s,
                u,
                np.r_[scores, np.full(len(pending), np.nan)],
                min(self.n_points, n_iter - n_done),
                seen,
            )
        if pending:
            warnings.warn(
                f"Every fit of the last {len(pending)} candidates failed; scikit-learn "
                "does not record such a round, so they are missing from cv_results_."
            )
        if not batch:
            warnings.warn(
                f"No unevaluated candidate is left after {len(evaluated)} of "
                f"n_iter={n_iter}: the search stopped early."
            )
        search_ctx.call_on_fit_task_end(estimator=self)

    def _evaluate_round(self, evaluate_candidates, params, search_ctx, *, last, may_fail):
        """Evaluate one round; None if every fit failed and ``may_fail``."""
        round_ctx = search_ctx.subcontext(
            task_name="round",
            max_subtasks=len(params) * self.n_splits_,
            sequential_subtasks=False,
        ).call_on_fit_task_begin(estimator=self)
        try:
            with warnings.catch_warnings():
                if not last:
                    # Every round re-formats all results so far: warn about
                    # non-finite scores once, at the end, as a random search does.
                    warnings.filterwarnings(
                        "ignore", message="One or more of the test scores are non-finite"
                    )
                return evaluate_candidates(params, callback_ctx=round_ctx)
        except ValueError as exc:
            # scikit-learn's "All the N fits failed"; any other error, and the
            # estimator's own errors under error_score="raise", propagate.
            if may_fail and "fits failed" in str(exc) and self.error_score != "raise":
                return None
            raise
        finally:
            round_ctx.call_on_fit_task_end(estimator=self)
