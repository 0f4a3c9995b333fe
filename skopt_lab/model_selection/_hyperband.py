"""Hyperband and BOHB with cross-validation: candidates trained further only
while they stay among the best."""

import os
import time
import warnings
from math import ceil, floor, log
from numbers import Integral, Real
from traceback import format_exc

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils import resample
from sklearn.utils.parallel import delayed

from .._compat import (
    BaseSearchCV,
    Interval,
    StrOptions,
    _check_method_params,
    _MultimetricScorer,
    _num_samples,
    _safe_split,
    _score,
    pipeline_fit_params,
)

from ._search import RoundSearchCV, Task


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
    ``partial_fit``, one call per epoch (one call per rung for skopt_lab's
    estimators, which train several epochs at once to the same model), so
    that rung after rung it is the model ``fit`` would have trained for
    that many epochs. The folds are
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
        Budget of the last rung, and of the final refit. ``"auto"`` is the
        number of samples, for ``resource="n_samples"`` only.

    min_resources : int, default=1
        Smallest budget of a first rung. See Notes for the default.

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
        promotes by the one named by ``refit``, which must then be a string.

    cv : int, cross-validation generator or an iterable, default=5
        Cross-validation splitting strategy, as in ``RandomizedSearchCV``.
        The folds are drawn once, at the start of the search.

    n_jobs : int, default=None
        Number of jobs to run in parallel: the fits of one rung (candidates
        times folds) run together. ``-1`` means all processors. Works with
        joblib's ``"dask"`` backend, which runs them on a cluster.

    refit : bool, str, or callable, default=True
        Train the best candidate with ``max_resources`` on the whole data,
        the same way the search trained it (for ``"epochs"``, by
        ``partial_fit``); see ``RandomizedSearchCV``.

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
        and scores as one that was never interrupted. A checkpoint written
        for other data, CV splits, ``param_distributions``, scoring or
        resources is refused with a ValueError. Checkpoints are pickles:
        load only your own.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and rung, in evaluation order, with the keys of
        ``RandomizedSearchCV``'s plus ``n_resources`` (the budget), ``iter``
        (the rung: 0 for ``min_resources``, up to the rung of
        ``max_resources``) and ``bracket``. The fit time of a row is that of
        its rung only.

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
        saves and ``warm_start`` continues).

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
    as the model has inputs; its batch of candidates is spread out by a
    constant liar, as ``BayesSearchCV``'s ``n_points``.

    A scikit-learn callback (``set_callbacks``) sees each rung as a task
    named ``"round"``; when its ``on_fit_task_end`` returns True, the search
    stops there (see :class:`DeadlineStopper`).

    The defaults, ``min_resources=1`` and ``n_brackets=2``, run the two most
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
        "min_resources": [Interval(Integral, 1, None, closed="left")],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "proposer": [StrOptions({"bayes", "random"})],
        "n_brackets": [Interval(Integral, 1, None, closed="left"), None],
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
        min_resources=1,
        factor=3,
        proposer="bayes",
        n_brackets=2,
        scoring=None,
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

    # ------------------------------------------------------------ checks
    def _check_search(self, space, X, y):
        n_samples = _num_samples(X)
        if self.max_resources != "auto":
            self.max_resources_ = self.max_resources
        elif self.resource == "n_samples":
            self.max_resources_ = n_samples
        else:
            raise ValueError(
                "max_resources='auto' (the number of samples) is only for "
                f"resource='n_samples'; give an int for resource={self.resource!r}."
            )
        if self.min_resources > self.max_resources_:
            raise ValueError(
                f"min_resources={self.min_resources} is larger than "
                f"max_resources={self.max_resources_}: the first rung would train "
                "more than the last."
            )
        searched = {dim.name for dims in space.subspaces for dim in dims}
        self._horizon = {}
        if self.resource == "epochs":
            name, learner = _learner(self.estimator)
            if not hasattr(learner, "partial_fit"):
                raise ValueError(
                    "resource='epochs' trains every candidate further at each rung with "
                    f"partial_fit, which {learner!r} does not have. Use "
                    "resource='n_samples', or the name of an integer parameter such as "
                    "'max_iter' (each rung then refits)."
                )
            horizon = f"{name}__max_iter" if name else "max_iter"
            if "max_iter" in learner.get_params() and horizon not in searched:
                self._horizon = {horizon: self.max_resources_}
        elif self.resource == "n_samples":
            if self.max_resources_ > n_samples:
                raise ValueError(
                    f"max_resources={self.max_resources_} is larger than the number of "
                    f"samples, {n_samples}, for resource='n_samples'."
                )
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
        self.rung_resources_ = _rung_resources(self.min_resources, self.max_resources_, self.factor)

    def _settings(self, X):
        return {
            **super()._settings(X),
            "resource": self.resource,
            "max_resources": self.max_resources_,
            "min_resources": self.min_resources,
            "factor": self.factor,
        }

    # ---------------------------------------------------------- brackets
    def _new_progress(self, rng):
        # Seeds the n_samples subsamples; drawn for every resource so that the
        # candidates do not depend on the resource.
        return {"brackets_done": 0, "bracket": None, "seed": int(rng.randint(np.iinfo(np.int32).max))}

    def _next_round(self, state, space):
        """The next rung of the current bracket, or the first of a new one."""
        progress = state.progress
        top = len(self.rung_resources_) - 1
        if progress["bracket"] is None:
            n_brackets = top + 1 if self.n_brackets is None else self.n_brackets
            index = progress["brackets_done"]
            if index >= n_brackets:
                return []
            s = top - index % (top + 1)
            n_candidates = ceil((top + 1) / (s + 1) * self.factor**s)
            candidates = state.add_candidates(self._propose(state, n_candidates))
            if not candidates:
                warnings.warn(
                    f"No unevaluated candidate is left for bracket {index}: the search stopped early."
                )
                return []
            progress["bracket"] = {"index": index, "rung": top - s, "alive": candidates}
        bracket = progress["bracket"]
        rung = bracket["rung"]
        n_resources = self.rung_resources_[rung]
        if self.verbose > 0:
            print(
                f"Bracket {bracket['index']}, rung {rung}: {len(bracket['alive'])} "
                f"candidates with {n_resources} {self.resource}"
            )
        extra = {"n_resources": n_resources, "iter": rung, "bracket": bracket["index"]}
        return [Task(c, n_resources, extra) for c in bracket["alive"]]

    def _propose(self, state, n):
        """``n`` new candidates: from the model if it has enough to learn from."""
        rows = self._model_rows(state) if self.proposer == "bayes" else []
        if not rows:
            return state.proposer.initial(n, state.seen)
        s, u, scores = state.observations(rows)
        return state.proposer.propose(s, u, scores, n, state.seen)

    @staticmethod
    def _model_rows(state):
        """The rows of the highest rung with enough of them for the model.

        Enough is what BayesSearchCV's initial design gives its model by
        default, 10, or twice the model's inputs if that is more: a bracket
        asks for a whole batch of candidates at once, and a Gaussian process
        fitted to fewer points is so unsure away from them that the batch
        goes to the corners of the space (seen with 9 points and 5 inputs).
        """
        needed = max(10, 2 * state.proposer.space.width)
        by_rung = {}
        for row in state.rows:
            by_rung.setdefault(row.extra["iter"], []).append(row)
        enough = [rung for rung, rows in by_rung.items() if len(rows) >= needed]
        return by_rung[max(enough)] if enough else []

    def _after_round(self, state, tasks):
        """Promote the best ``1 / factor`` of the rung, or close the bracket."""
        progress = state.progress
        bracket = progress["bracket"]
        rows = state.rows[-len(tasks) :]
        promoted = []
        if bracket["rung"] < len(self.rung_resources_) - 1:
            trained = [r for r in rows if np.isfinite(r.score) and all(o["fit_error"] is None for o in r.outs)]
            ranked = sorted(trained, key=lambda r: -r.score)
            promoted = [r.candidate for r in ranked[: max(1, floor(len(rows) / self.factor))]]
        for candidate in bracket["alive"]:
            if candidate not in promoted:
                state.models.pop(candidate, None)
        if promoted:
            bracket["alive"] = promoted
            bracket["rung"] += 1
        else:
            progress["brackets_done"] += 1
            progress["bracket"] = None

    # --------------------------------------------------------- training
    def _row_params(self, space, state, candidate, extra):
        params = super()._row_params(space, state, candidate, extra)
        if self.resource not in ("epochs", "n_samples"):
            params[self.resource] = extra["n_resources"]
        return params

    def _fold_job(self, run, task, params, fold, train, test, callback_ctx):
        if self.resource == "n_samples":
            train = self._subsample(run, train, task.n_resources, fold)
        if self.resource != "epochs":
            return super()._fold_job(run, task, params, fold, train, test, callback_ctx)
        trained, models = run.state.models.get(task.candidate, (0, None))
        if models is None:
            model = clone(run.base_estimator).set_params(**self._horizon)
        else:
            model, params = models[fold], None
        if fold not in run.folds:
            kwargs = run.fit_and_score_kwargs
            run.folds[fold] = _Fold(
                run.base_estimator, run.X, run.y, train, test, kwargs["fit_params"], kwargs["score_params"]
            )
        return delayed(_continue_and_score)(
            model,
            params,
            run.folds[fold],
            n_epochs=task.n_resources - trained,
            classes=run.classes,
            scorer=run.fit_and_score_kwargs["scorer"],
            return_train_score=self.return_train_score,
            error_score=self.error_score,
            caller=self,
            callback_ctx=callback_ctx,
        )

    def _subsample(self, run, train, n_resources, fold):
        """``n_resources / n_samples`` of the fold's training rows, stratified for classifiers."""
        n = floor(len(train) * n_resources / _num_samples(run.X))
        stratify = run.y[train] if run.classes is not None else None
        seed = (run.state.progress["seed"] + fold) % np.iinfo(np.int32).max
        return np.sort(resample(train, replace=False, n_samples=n, stratify=stratify, random_state=seed))

    def _refit_best(self, estimator, X, y, fit_params):
        if self.resource == "epochs" and not self._horizon:
            classes = np.unique(y) if y is not None and is_classifier(estimator) else None
            _train_epochs(estimator, X, y, self.max_resources_, fit_params, classes, first=True)
            return
        if self.resource == "epochs":
            # fit with max_iter=max_resources: for skopt_lab's estimators (tol=None)
            # the very model that many partial_fit calls give, in one call.
            estimator.set_params(**self._horizon)
        elif self.resource != "n_samples":
            estimator.set_params(**{self.resource: self.max_resources_})
        super()._refit_best(estimator, X, y, fit_params)

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best candidate among those trained with the largest budget."""
        if callable(refit):
            return BaseSearchCV._select_best_index(refit, refit_metric, results)
        top = np.flatnonzero(results["n_resources"] == np.max(results["n_resources"]))
        return top[np.argmin(results[f"rank_test_{refit_metric}"][top])]


def _rung_resources(min_resources, max_resources, factor):
    """Budgets ``max_resources / factor**k`` down to ``min_resources``, as distinct ints."""
    n_rungs = floor(log(max_resources / min_resources) / log(factor) + 1e-9) + 1
    budgets = {max(min_resources, round(max_resources / factor**k)) for k in range(n_rungs)}
    return sorted(budgets)


def _learner(estimator):
    """(step name, estimator) of what trains: a Pipeline's last step."""
    if isinstance(estimator, Pipeline):
        return estimator.steps[-1]
    return "", estimator


def _train_epochs(model, X, y, n_epochs, fit_params, classes, *, first):
    """Train ``model`` ``n_epochs`` more epochs, one ``partial_fit`` call each
    (one call in all for skopt_lab's estimators).

    The first call of a classifier is told every class. In a Pipeline the
    steps before the last are fitted on the first call only (later calls
    only transform) and the last step trains.
    """
    learner, Xt, params = model, X, fit_params
    if isinstance(model, Pipeline):
        routed = pipeline_fit_params(model, fit_params)
        for name, step in model.steps[:-1]:
            if step is None or step == "passthrough":
                continue
            if not first:
                Xt = step.transform(Xt)
            elif hasattr(step, "fit_transform"):
                Xt = step.fit_transform(Xt, y, **routed[name].fit_transform)
            else:
                Xt = step.fit(Xt, y, **routed[name].fit).transform(Xt)
        name, learner = model.steps[-1]
        params = routed[name].fit
    if hasattr(learner, "partial_fit") and hasattr(learner, "_partial_fit_epochs"):
        # skopt_lab's estimators train the epochs in one call, to the same model.
        learner._partial_fit_epochs(Xt, y, n_epochs, classes=classes if first else None, **params)
        return
    for epoch in range(n_epochs):
        if first and epoch == 0 and classes is not None:
            learner.partial_fit(Xt, y, classes=classes, **params)
        elif y is None:
            learner.partial_fit(Xt, **params)
        else:
            learner.partial_fit(Xt, y, **params)


class _Fold:
    """One fold's training and validation rows and metadata, split once per fit."""

    def __init__(self, estimator, X, y, train, test, fit_params, score_params):
        self.X_train, self.y_train = _safe_split(estimator, X, y, train)
        self.X_test, self.y_test = _safe_split(estimator, X, y, test, train)
        self.fit_params = _check_method_params(X, params=fit_params, indices=train)
        self.score_params_train = _check_method_params(X, params=score_params, indices=train)
        self.score_params_test = _check_method_params(X, params=score_params, indices=test)


def _continue_and_score(
    model,
    parameters,
    fold,
    *,
    n_epochs,
    classes,
    scorer,
    return_train_score,
    error_score,
    caller,
    callback_ctx,
):
    """scikit-learn's ``_fit_and_score`` for a fold model trained further.

    ``model`` is the fold's model from the previous rung (``parameters`` is
    None), or a fresh clone to which ``parameters`` are set; ``fold`` is a
    :class:`_Fold`. Returns the same result dict, with the trained model under
    ``"estimator"`` (None if its training failed: it cannot be continued).
    """
    first = parameters is not None
    if first:
        model.set_params(**clone(parameters, safe=False))
    callback_ctx.call_on_fit_task_begin(estimator=caller, X=fold.X_train, y=fold.y_train)
    result = {"fit_error": None}
    start = time.time()
    try:
        _train_epochs(model, fold.X_train, fold.y_train, n_epochs, fold.fit_params, classes, first=first)
    except Exception:
        if error_score == "raise":
            raise
        result["fit_error"] = format_exc()
        failed = {name: error_score for name in scorer._scorers} if isinstance(scorer, _MultimetricScorer) else error_score
        test_scores = train_scores = failed
        model = None
    fit_time = time.time() - start
    if model is not None:
        test_scores = _score(model, fold.X_test, fold.y_test, scorer, fold.score_params_test, error_score)
        if return_train_score:
            train_scores = _score(model, fold.X_train, fold.y_train, scorer, fold.score_params_train, error_score)
    callback_ctx.call_on_fit_task_end(estimator=caller, X=fold.X_train, y=fold.y_train)
    result.update(test_scores=test_scores, n_test_samples=_num_samples(fold.X_test), estimator=model)
    if return_train_score:
        result["train_scores"] = train_scores
    result.update(fit_time=fit_time, score_time=time.time() - start - fit_time)
    return result
