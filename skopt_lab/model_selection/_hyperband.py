"""Hyperband and BOHB with cross-validation: candidates trained further only
while they stay among the best."""

import os
import warnings
from math import ceil, floor, log
from numbers import Integral, Real

import numpy as np
from sklearn.base import is_classifier

from .._compat import BaseSearchCV, Interval, StrOptions, _fit_context, _num_samples
from ._pareto import pareto_ranks
from ._search import RoundSearchCV, Task, learner


class HyperbandSearchCV(RoundSearchCV):
    """Hyperband search with cross-validation, its candidates proposed by a model.

    Hyperband (Li et al., JMLR 2018) runs *brackets* of successive halving:
    many candidates are trained with a small budget of a *resource* (epochs,
    samples, or an integer parameter such as ``max_iter``), and only the best
    ``1 / factor`` of them go on, with ``factor`` times the budget, up to
    ``max_resources``. Brackets differ in how many candidates they start
    with and how small their first budget is, which hedges against early
    scores that mislead. With ``proposer="bayes"`` (BOHB, Falkner et al.,
    ICML 2018) the candidates of each new bracket come from the Gaussian
    process of :class:`BayesSearchCV`, fitted to the scores of the largest
    budget at which enough candidates have been evaluated.

    With ``resource="epochs"`` a candidate promoted from 3 to 9 epochs
    trains 6 more: each of its cross-validation fold models *continues* with
    ``partial_fit``, so that rung after rung it is the model ``fit`` would
    have trained for that many epochs. An estimator whose ``partial_fit``
    has an ``n_epochs`` parameter (skopt_lab's four, or yours) trains a
    rung's epochs in one call, ``partial_fit(X, y, n_epochs=6)``; any other
    is called once per epoch. (A keyword of ``partial_fit``, not a method
    of its own: it is the same operation repeated, an estimator offers it
    with one parameter, and the search reads it from the signature;
    ``**kwargs`` does not count, as it might ignore it.) The folds are
    drawn once and stay the same for the whole search.

    Parameters
    ----------
    estimator : estimator object
        Cloned for every candidate. With ``resource="epochs"`` it (or the
        last step of a :class:`~sklearn.pipeline.Pipeline`) must have
        ``partial_fit``; a pipeline's earlier steps are fitted once per
        candidate and fold. Its ``max_iter``, if it has one that is not
        searched, is set to ``max_resources``, so that learning-rate
        schedules span the whole budget and ``n`` epochs of ``partial_fit``
        are what ``fit`` does with ``max_iter=n``.

    param_distributions : dict or list of dicts
        As for :class:`BayesSearchCV` and ``RandomizedSearchCV``: lists of
        values (any objects), frozen scipy.stats distributions, or a list of
        such dicts (subspaces).

    resource : str, default="epochs"
        What a rung's budget counts: ``"epochs"`` (training continues from
        rung to rung), ``"n_samples"`` (each rung refits on that many rows
        of every training fold, a stratified subsample for classifiers, and
        scores on the whole validation fold), or the name of an integer
        parameter of the estimator, such as ``"max_iter"`` (each rung refits
        with that value), as scikit-learn's halving searches do.

    max_resources : int or "auto", default=81
        Budget of the last rung. ``"auto"`` is the number of samples, for
        ``resource="n_samples"`` only.

    min_resources : int or "smallest", default="smallest"
        Smallest budget of a first rung. ``"smallest"`` is scikit-learn's
        halving searches' rule: 1, and for ``resource="n_samples"`` two
        samples per fold (per fold and class for a classifier), so that the
        first rung trains on every class. For ``"n_samples"`` a value that
        leaves a training fold without a sample (of every class) is refused.
        See Notes for the default.

    factor : float, default=3
        Budget multiplier from one rung to the next; ``1 / factor`` of the
        candidates are promoted. Must be larger than 1.

    proposer : {"bayes", "random"}, default="bayes"
        Where each bracket's candidates come from: the Gaussian process
        (BOHB), or a random Latin hypercube design (plain Hyperband). The
        first bracket, before there is anything to learn from, is random in
        both cases.

    n_brackets : int or None, default=2
        Number of brackets to run, the most aggressive first (most
        candidates, smallest first budget), cycling through Hyperband's set
        of ``floor(log(max_resources / min_resources) / log(factor)) + 1``
        brackets. None runs that whole set once. See Notes for the default.

    scoring : str, callable, list, tuple or dict, default=None
        As in ``RandomizedSearchCV``. With several metrics, the search
        promotes by the one named by ``refit``, which must then be a string,
        unless ``objectives`` names several.

    objectives : list of str, default=None
        Search for the trade-off between several objectives, as in
        :class:`BayesSearchCV`: at least two scorer names of ``scoring``
        (maximised) or ``"fit_time"``, ``"score_time"`` (minimised). A rung
        then promotes by NSGA-II's rule: lowest Pareto rank first, and
        within a rank the largest crowding distance (the candidates that
        spread the front); it promotes its whole Pareto front when that is
        more than ``1 / factor`` of it (no member of a front is better than
        another, as successive halving always keeps the best of one
        objective), and ``proposer="bayes"`` draws ParEGO's random
        scalarizations. The Pareto front, ``pareto_front_``, is that of the
        rows trained with the largest budget reached: a front mixing budgets
        would compare models trained for different times. With
        ``resource="epochs"``, ``"fit_time"`` is the time a fold model
        trained up to the row's budget, over all its rungs
        (``cv_results_["mean_total_fit_time"]``).

    cv : int, cross-validation generator or an iterable, default=5
        Cross-validation splitting strategy, as in ``RandomizedSearchCV``.
        The folds are drawn once, at the start of the search.

    n_jobs : int, default=None
        Number of jobs to run in parallel: the fits of one rung (candidates
        times folds) run together. ``-1`` means all processors. Works with
        joblib's ``"dask"`` backend, which runs them on a cluster.

    refit : bool, str, or callable, default=True
        Train the best candidate on the whole data the way the search
        trained the model it scored: with the same budget (``max_resources``
        unless a callback stopped the search earlier) and, for ``"epochs"``,
        by ``partial_fit`` from a fresh model, so no ``tol`` stops it early;
        ``"n_samples"`` refits on every row. See ``RandomizedSearchCV``.
        With ``objectives``, True chooses the member of the front with the
        best first objective, the name of an objective the member best on
        it, and a callable gets ``cv_results_`` and returns an index.

    random_state : int, RandomState instance or None, default=None
        Seeds the candidates, the model and the subsamples: an int makes the
        search reproducible (given an estimator with a fixed random_state).

    error_score : "raise" or numeric, default=np.nan
        Score of a candidate whose training fails, as in
        ``RandomizedSearchCV``. Such a candidate is never promoted.

    verbose : int, default=0
        Verbosity: a message per rung.

    warm_start : bool, default=False
        Continue the previous ``fit`` of this object (same data, splits and
        space): with a larger ``n_brackets`` only the new brackets run, and
        ``cv_results_`` keeps the earlier rows.

    checkpoint : str or path-like, default=None
        A file to which the search state (fold models included) is written,
        atomically, after every rung. If it exists when ``fit`` starts, the
        search resumes from it: finished rungs are not run again, and with
        the same ``random_state`` the search ends with the same candidates
        and scores as one that was never interrupted; Ctrl-C in the middle
        of a rung stops the search with ``KeyboardInterrupt`` and that rung
        is not recorded. A checkpoint written for other data, CV splits,
        ``param_distributions``, scoring or resources is refused with a
        ValueError, and a path in a directory that does not exist before
        anything is trained. The file is a zip archive: the history as JSON
        (``state.json``) and the fold models being trained with joblib
        (``models.joblib``, a pickle: load only your own checkpoints).

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and rung, in evaluation order, with the keys of
        ``RandomizedSearchCV``'s plus ``n_resources`` (the budget), ``iter``
        (the rung: 0 for ``min_resources``, up to the rung of
        ``max_resources``) and ``bracket``. The fit time of a row is that of
        its rung only. With ``objectives``, ``pareto_rank`` ranks each row
        among the rows of the same budget (1 on their front), and, if
        ``"fit_time"`` is one, ``mean_total_fit_time`` adds up the rungs.

    pareto_front_ : ndarray of int
        With ``objectives``: the indices into ``cv_results_`` of the front
        of the rows trained with the largest budget reached, ordered by the
        first objective, best first (ties by the next).

    best_estimator_ : estimator
        The best candidate trained with ``max_resources`` on the whole data,
        if ``refit``.

    best_score_ : float
        Mean cross-validated score of the best candidate at the largest
        budget reached.

    best_params_ : dict
        Parameters of that candidate.

    best_index_ : int
        Index of its row in ``cv_results_``.

    rung_resources_ : list of int
        The budget of each rung, smallest first.

    max_resources_ : int
        ``max_resources``, with ``"auto"`` resolved.

    min_resources_ : int
        ``min_resources``, with ``"smallest"`` resolved.

    scorer_ : function or dict
        Scorer function(s) used on the held-out data.

    n_splits_ : int
        Number of cross-validation splits.

    refit_time_ : float
        Seconds taken to refit the best model, if ``refit``.

    multimetric_ : bool
        Whether several scorers were used.

    search_state_ : SearchState
        Everything needed to continue the search (what ``checkpoint``
        saves and ``warm_start`` continues), as plain data but the fold
        models; ``search_state_.rows`` is the history, one ``Row`` per
        candidate and rung (as ``BayesSearchCV``'s).

    See Also
    --------
    BayesSearchCV : Every candidate trained with the full budget.
    sklearn.model_selection.HalvingRandomSearchCV : One bracket of random
        candidates, refitted from scratch at every rung.

    Notes
    -----
    Bracket ``s`` (``s = s_max`` down to 0) starts ``ceil((s_max + 1) /
    (s + 1) * factor**s)`` candidates at the rung ``s`` below the last, as
    in the Hyperband paper. A candidate whose training fails on any fold is
    not promoted. The model of ``proposer="bayes"`` learns from the rung
    with the largest budget that holds at least 10 scores, or twice as many
    as the model has inputs (with ``objectives``, 10: every point of the
    batch has its own weighting of them); its batch of candidates is spread
    out by a constant liar, as ``BayesSearchCV``'s ``n_points``.

    A scikit-learn callback (``set_callbacks``) sees each rung as a task
    named ``"round"``; when its ``on_fit_task_end`` returns True, the search
    stops there (see :class:`DeadlineStopper`). Ctrl-C in any fit stops the
    search with ``KeyboardInterrupt`` (skopt_lab's estimators let it
    through inside a search).

    The defaults, ``min_resources=1`` (``"smallest"`` for epochs) and
    ``n_brackets=2``, run the two most
    aggressive of Hyperband's brackets: with ``max_resources=81`` and
    ``factor=3``, 81 candidates from 1 epoch and 34 from 3, each bracket
    taking one to 81 epochs, for a quarter of the epochs of 30 candidates
    trained 81 epochs each. Screening many candidates cheaply is where
    Hyperband saves time; its other brackets start few candidates with 9 to
    81 epochs, which costs per candidate what :class:`BayesSearchCV` costs.
    On ``benchmarks/bench_hyperband.py`` (an MLP on digits, 3 seeds) these
    defaults came within 0.002 of BayesSearchCV's best CV score, training a
    quarter of its epochs in 0.35 to 0.46 of its time (each rung is
    scored, and the first bracket's scores are modelled), and beat
    HalvingRandomSearchCV, whereas the whole set of brackets took longer
    than BayesSearchCV, and starting from 3 epochs (``min_resources=3``)
    scored 0.004 lower. Where early scores mislead (a
    learning rate that leads at 27 epochs and falls behind at 81), run more
    brackets, up to ``n_brackets=None``.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from skopt_lab import LinearClassifier, HyperbandSearchCV
    >>> from skopt_lab.optimizers import SGD, Adam
    >>> X, y = load_iris(return_X_y=True)
    >>> search = HyperbandSearchCV(
    ...     LinearClassifier(tol=None, random_state=0),
    ...     {"optimizer": [SGD(), Adam()], "optimizer__learning_rate": loguniform(1e-4, 1e-1)},
    ...     max_resources=9,
    ...     cv=3,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> search.rung_resources_
    [1, 3, 9]
    >>> int(search.cv_results_["n_resources"][search.best_index_])
    9
    >>> search.best_estimator_.n_iter_
    9
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "resource": [str],
        "max_resources": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_resources": [Interval(Integral, 1, None, closed="left"), StrOptions({"smallest"})],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "proposer": [StrOptions({"bayes", "random"})],
        "n_brackets": [Interval(Integral, 1, None, closed="left"), None],
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
        resource="epochs",
        max_resources=81,
        min_resources="smallest",
        factor=3,
        proposer="bayes",
        n_brackets=2,
        scoring=None,
        objectives=None,
        cv=5,
        n_jobs=None,
        refit=True,
        random_state=None,
        error_score=np.nan,
        verbose=0,
        warm_start=False,
        checkpoint=None,
    ):
        self.param_distributions = param_distributions
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.factor = factor
        self.proposer = proposer
        self.n_brackets = n_brackets
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
            error_score=error_score,
            return_train_score=False,
        )

    @_fit_context(prefer_skip_nested_validation=False)  # estimator is not validated yet
    def fit(self, X, y=None, *, classes=None, **params):
        """Run the search, continuing a saved or previous one if asked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets; None for unsupervised learning.
        classes : array-like of shape (n_classes,), default=None
            Every class of a classification problem, as ``partial_fit``
            takes them (dask-ml's convention). With ``resource="epochs"``
            the first ``partial_fit`` call of every model (the refit's
            included) gets them; by default a classifier's get the labels
            of ``y``. Must include every label of ``y``. Other resources
            train with ``fit``, which takes no classes.
        **params : dict
            Parameters passed to the estimator's ``fit`` (``partial_fit``),
            the scorer and the CV splitter, as in ``RandomizedSearchCV.fit``.

        Returns
        -------
        self : object
            The fitted search.
        """
        return self._fit_search(X, y, params, classes)

    # ------------------------------------------------------------ checks
    def _plan(self, space, X, y, splits, classes):
        """Check the input; the budgets, and how every model trains."""
        n_samples = _num_samples(X)
        if self.max_resources != "auto":
            max_resources = self.max_resources
        elif self.resource == "n_samples":
            max_resources = n_samples
        else:
            raise ValueError(
                "max_resources='auto' (the number of samples) is only for "
                f"resource='n_samples'; give an int for resource={self.resource!r}."
            )
        if classes is not None:
            _check_classes(classes, y)
        min_resources = self._min_resources(y, len(splits), max_resources)
        if min_resources > max_resources:
            raise ValueError(
                f"min_resources={self.min_resources} is larger than "
                f"max_resources={max_resources}: the first rung would train "
                "more than the last."
                + (f" ('smallest' is {min_resources} here.)" if self.min_resources == "smallest" else "")
            )
        searched = {dim.name for dims in space.subspaces for dim in dims}
        horizon = {}
        if self.resource == "epochs":
            name, model = learner(self.estimator)
            if not hasattr(model, "partial_fit"):
                raise ValueError(
                    "resource='epochs' trains every candidate further at each rung with "
                    f"partial_fit, which {model!r} does not have. Use "
                    "resource='n_samples', or the name of an integer parameter such as "
                    "'max_iter' (each rung then refits)."
                )
            key = f"{name}__max_iter" if name else "max_iter"
            if "max_iter" in model.get_params() and key not in searched:
                horizon = {key: max_resources}
        elif self.resource == "n_samples":
            if max_resources > n_samples:
                raise ValueError(
                    f"max_resources={max_resources} is larger than the number of "
                    f"samples, {n_samples}, for resource='n_samples'."
                )
            _check_smallest_subsample(self.min_resources, min_resources, n_samples, splits, y, self.estimator)
        elif self.resource not in self.estimator.get_params():
            raise ValueError(
                f"resource={self.resource!r} must be 'epochs', 'n_samples' or the name "
                f"of an integer parameter of the estimator; {type(self.estimator).__name__} "
                f"has no parameter {self.resource!r}."
            )
        elif self.resource in searched:
            raise ValueError(
                f"resource={self.resource!r} is set by the search at every rung: "
                "remove it from param_distributions."
            )
        rung_resources = _rung_resources(min_resources, max_resources, self.factor)
        return {
            "resource": self.resource,
            "estimator_params": horizon,
            "rung_resources": rung_resources,
            "attributes": {
                "max_resources_": max_resources,
                "min_resources_": min_resources,
                "rung_resources_": rung_resources,
            },
        }

    def _min_resources(self, y, n_splits, max_resources):
        """``min_resources``, with "smallest" resolved as scikit-learn's halving
        searches resolve it: 1, or for ``"n_samples"`` two samples per fold
        (and per class, for a classifier)."""
        if self.min_resources != "smallest":
            return self.min_resources
        if self.resource != "n_samples":
            return 1
        n_classes = len(np.unique(y)) if y is not None and is_classifier(self.estimator) else 1
        return 2 * n_splits * n_classes

    def _settings(self, plan):
        attributes = plan["attributes"]
        return {
            **super()._settings(plan),
            "resource": self.resource,
            "max_resources": attributes["max_resources_"],
            "min_resources": attributes["min_resources_"],
            "factor": self.factor,
        }

    # ---------------------------------------------------------- brackets
    def _new_progress(self, rng):
        # Seeds the n_samples subsamples; drawn for every resource so that the
        # candidates do not depend on the resource.
        return {"brackets_done": 0, "bracket": None, "seed": int(rng.randint(np.iinfo(np.int32).max))}

    def _next_round(self, state, proposer, plan):
        """The next rung of the current bracket, or the first of a new one."""
        progress = state.progress
        rung_resources = plan["rung_resources"]
        top = len(rung_resources) - 1
        if progress["bracket"] is None:
            n_brackets = top + 1 if self.n_brackets is None else self.n_brackets
            index = progress["brackets_done"]
            if index >= n_brackets:
                return []
            s = top - index % (top + 1)
            n_candidates = ceil((top + 1) / (s + 1) * self.factor**s)
            candidates = state.add_candidates(self._propose(state, proposer, n_candidates), proposer.space)
            if not candidates:
                warnings.warn(
                    f"No unevaluated candidate is left for bracket {index}: the search stopped early."
                )
                return []
            progress["bracket"] = {"index": index, "rung": top - s, "alive": candidates}
        bracket = progress["bracket"]
        rung = bracket["rung"]
        n_resources = rung_resources[rung]
        if self.verbose > 0:
            print(
                f"Bracket {bracket['index']}, rung {rung}: {len(bracket['alive'])} "
                f"candidates with {n_resources} {self.resource}"
            )
        info = {"iter": rung, "bracket": bracket["index"]}
        return [Task(c, n_resources, info, seed=progress["seed"]) for c in bracket["alive"]]

    def _propose(self, state, proposer, n):
        """``n`` new candidates: from the model if it has enough to learn from."""
        seen = state.seen(proposer.space)
        # With objectives every point of the batch gets its own weights (and
        # model fit), which spreads the batch: BayesSearchCV's 10 rows are
        # enough (on bench_multiobjective, waiting for 2 * width rows left
        # four brackets random and cost a tenth of the hypervolume).
        needed = 10 if self.objectives is not None else max(10, 2 * proposer.space.width)
        rows = self._model_rows(state.rows, needed) if self.proposer == "bayes" else []
        if not rows:
            return proposer.initial(n, seen)
        s, u, scores = self._observations(rows, n, proposer.rng, state.rows)
        return proposer.propose(s, u, scores, n, seen)

    @staticmethod
    def _model_rows(rows, needed):
        """The rows of the highest rung with at least ``needed`` of them.

        Enough is what BayesSearchCV's initial design gives its model by
        default, 10, or twice the model's inputs if that is more: a bracket
        asks for a whole batch of candidates at once, and a Gaussian process
        fitted to fewer points is so unsure away from them that the batch
        goes to the corners of the space (seen with 9 points and 5 inputs).
        """
        by_rung = {}
        for row in rows:
            by_rung.setdefault(row.info["iter"], []).append(row)
        enough = [rung for rung, rung_rows in by_rung.items() if len(rung_rows) >= needed]
        return by_rung[max(enough)] if enough else []

    def _after_round(self, state, rows, plan):
        """Promote the best ``1 / factor`` of the rung, or close the bracket."""
        progress = state.progress
        bracket = progress["bracket"]
        promoted = []
        if bracket["rung"] < len(plan["rung_resources"]) - 1:
            n_promoted = max(1, floor(len(rows) / self.factor))
            if self.objectives is not None:
                # No member of a rung's Pareto front is better than another:
                # as successive halving always keeps the best of one
                # objective, it keeps the whole front of several.
                values = self._objective_matrix(rows, state.rows)
                on_front = (pareto_ranks(values) == 1) & ~np.isnan(values).any(axis=1)
                n_promoted = max(n_promoted, int(on_front.sum()))
            promoted = self._ranked(rows, state.rows)[:n_promoted]
        for candidate in bracket["alive"]:
            if candidate not in promoted:
                state.models.pop(candidate, None)
        if promoted:
            bracket["alive"] = promoted
            bracket["rung"] += 1
        else:
            progress["brackets_done"] += 1
            progress["bracket"] = None

    def _best_index(self, results, refit_metric):
        """The best candidate among those trained with the largest budget
        (with several objectives, ``_pareto_choice`` chooses instead)."""
        if callable(self.refit):
            return super()._best_index(results, refit_metric)
        top = np.flatnonzero(results["n_resources"] == np.max(results["n_resources"]))
        return top[np.argmin(results[f"rank_test_{refit_metric}"][top])]


def _rung_resources(min_resources, max_resources, factor):
    """Budgets ``max_resources / factor**k`` down to ``min_resources``, as distinct ints."""
    n_rungs = floor(log(max_resources / min_resources) / log(factor) + 1e-9) + 1
    budgets = {max(min_resources, round(max_resources / factor**k)) for k in range(n_rungs)}
    return sorted(budgets)


def _check_classes(classes, y):
    """``classes`` (of ``fit``) must include every label of y."""
    missing = np.setdiff1d(np.unique(y), np.asarray(classes))
    if missing.size:
        raise ValueError(
            f"classes must include every label of y; {missing.tolist()} are missing "
            f"from classes={np.asarray(classes).tolist()}."
        )


def _check_smallest_subsample(min_resources, smallest, n_samples, splits, y, estimator):
    """The first rung of ``resource="n_samples"`` must give every training
    fold a sample (a sample of every class, for a classifier)."""
    needed = len(np.unique(y)) if y is not None and is_classifier(estimator) else 1
    shortest = min(len(train) for train, _ in splits)
    if shortest * smallest // n_samples >= needed:
        return
    enough = -(-needed * n_samples // shortest)  # ceil
    described = f"min_resources={min_resources!r}" + (f" ({smallest})" if min_resources == "smallest" else "")
    raise ValueError(
        f"{described} gives the first rung {shortest * smallest // n_samples} training "
        f"samples in a fold of {shortest} (the fraction {smallest}/{n_samples} of its rows), "
        f"fewer than the {needed} it needs"
        + (" (one per class)" if needed > 1 else "")
        + f"; set min_resources to at least {enough}."
    )
