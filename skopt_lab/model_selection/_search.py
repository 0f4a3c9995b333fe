"""What BayesSearchCV and HyperbandSearchCV share: a search in rounds that
can be resumed, extended and stopped.

scikit-learn's ``BaseSearchCV.fit`` keeps its results in local variables and
refits every candidate from scratch, so a search built on it can neither
keep results across fits, nor continue a model from one round to the next,
nor stop when a callback asks. :class:`RoundSearchCV` replaces ``fit`` with
one that runs the same pieces (scorers, metadata routing, ``cv_results_``,
the choice of the best, the refit, callback contexts) around a
:class:`~._state.SearchState`, whose history is plain rows.

A subclass describes its search by hooks that take and return plain data:

- ``_plan(space, X, y, splits, classes)`` checks the input before anything
  is trained and returns the fit's settings (a dict: its ``"resource"``,
  the ``"estimator_params"`` every fresh model gets, the ``"attributes"``
  published by a successful fit, and its own keys);
- ``_next_round(state, proposer, plan)`` returns the round's :class:`Task`
  list (empty when the search is done);
- ``_after_round(state, rows, plan)`` updates ``state.progress`` from the
  round's rows once they are recorded;
- ``_settings(plan)``, ``_new_progress(rng)``, ``_new_proposer(space, rng)``
  and ``_best_index(results, refit_metric)`` as their names say.

With several ``objectives`` the same loop runs: the proposer maximises one
random scalarization of them per proposal (``_observations``), rounds rank
rows by Pareto rank and crowding (``_ranked``), and ``cv_results_`` gets
``pareto_rank``; see :mod:`._pareto`.

The loop trains and scores the tasks (:class:`_Evaluator`), records one
:class:`~._state.Row` per task, writes the checkpoint and asks the callbacks
whether to stop. A task's budget is trained the way ``plan["resource"]``
says: ``"epochs"`` continues every fold model with ``partial_fit`` (in one
call per round if its ``partial_fit`` takes ``n_epochs``), ``"n_samples"``
fits on a subsample of each training fold, the name of a parameter sets it
to the budget, and None fits the candidate as it is.
"""

import inspect
import os
import time
import warnings
from copy import copy, deepcopy
from dataclasses import dataclass, field
from itertools import product
from numbers import Integral
from traceback import format_exc

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, check_random_state, indexable, resample
from sklearn.utils.parallel import Parallel, delayed

from .._compat import (
    RefitCheckedSearchCV,
    _check_method_params,
    _fit_and_score,
    _fit_context,
    _num_samples,
    _score,
    _warn_or_raise_about_fit_failures,
    check_refit_for_multimetric,
    format_results,
    pipeline_fit_params,
    routed_fit_params,
    select_best_index,
)
from .._engine.trainer import PROPAGATE_INTERRUPT
from ._pareto import (
    TIMES,
    check_objectives,
    check_scored,
    front_order,
    objective_columns,
    objective_matrix,
    parego_scores,
    promotion_order,
    random_weights,
    ranks_by_group,
    total_fit_times,
)
from ._space import Space
from ._state import (
    Row,
    SearchState,
    check_checkpoint_path,
    fingerprint,
    load_checkpoint,
    plain,
    save_checkpoint,
    space_fingerprint,
)
from ._surrogate import Proposer

_MULTIMETRIC = (list, tuple, set, dict)


@dataclass(frozen=True)
class Task:
    """One candidate to train and score on every fold in a round (plain data).

    Attributes
    ----------
    candidate : int
        Its index in ``SearchState.candidates``.
    resource : int or None
        Its budget, in the unit of the plan's ``"resource"``; None when the
        estimator trains as it is set.
    info : dict
        More plain columns of its row of ``cv_results_`` (Hyperband's
        ``iter`` and ``bracket``).
    seed : int or None
        Seeds the subsample of ``resource="n_samples"`` (plus the fold's
        index), so that a resumed search draws the same rows.
    """

    candidate: int
    resource: int = None
    info: dict = field(default_factory=dict)
    seed: int = None


class RoundSearchCV(RefitCheckedSearchCV):
    """Base class of searches that run in rounds around a SearchState."""

    # --------------------------------------------------------------- hooks
    def _plan(self, space, X, y, splits, classes):
        """Raise on bad input before anything is trained; the fit's settings."""
        return {}

    def _settings(self, plan):
        """Settings a resumed search must share with the one that saved."""
        settings = {
            "search": type(self).__name__,
            "estimator": type(self.estimator).__name__,
            "scoring": _describe_scoring(self.scoring),
            "refit metric": self.refit if isinstance(self.refit, str) and self.objectives is None else None,
        }
        if self.objectives is not None:
            # Only when set: a single-objective checkpoint keeps its format.
            settings["objectives"] = list(self.objectives)
        return settings

    def _new_proposer(self, space, rng):
        return Proposer(space, rng=rng)

    def _new_progress(self, rng):
        return {}

    def _after_round(self, state, rows, plan):
        """Update ``state.progress`` once the round's ``rows`` are recorded."""

    def _best_index(self, results, refit_metric):
        """``best_index_`` in ``results`` (``cv_results_``)."""
        return select_best_index(self.refit, refit_metric, results)

    # ----------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)  # estimator is not validated yet
    def fit(self, X, y=None, **params):
        """Run the search, continuing a saved or previous one if asked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets; None for unsupervised learning.
        **params : dict
            Parameters passed to the estimator's ``fit``, the scorer and the
            CV splitter, as in ``RandomizedSearchCV.fit``.

        Returns
        -------
        self : object
            The fitted search.
        """
        return self._fit_search(X, y, params)

    def _fit_search(self, X, y, params, classes=None):
        # Ctrl-C in any fit of the search stops the search (the trainer lets
        # KeyboardInterrupt through): the checkpoint keeps the finished rounds.
        token = PROPAGATE_INTERRUPT.set(True)
        try:
            fitted = self._search(X, y, params, classes)
        finally:
            PROPAGATE_INTERRUPT.reset(token)
        # Published only now: a search that raises leaves the object as it was.
        for name in _PUBLISHED:
            self.__dict__.pop(name, None)
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _search(self, X, y, params, classes):
        """Everything a fit does; returns the fitted attributes, sets none."""
        scorer, scorer_ = self._scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = routed_fit_params(self, params)
        metadata = None if params.get("sample_weight") is None else {"sample_weight": params["sample_weight"]}
        if self.checkpoint is not None:
            check_checkpoint_path(self.checkpoint)
        root_ctx = self._init_callback_context(max_subtasks=1 + (self.refit is not False))
        root_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)

        self._check_objective(multimetric=isinstance(self.scoring, _MULTIMETRIC))
        space = Space(self.param_distributions)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, **routed_params.splitter.split))
        plan = self._plan(space, X, y, splits, classes)
        state = self._start_state(space, plan, (X, y, params, classes, splits))
        proposer = self._new_proposer(space, np.random.RandomState()).set_state(state.proposer)

        search_ctx = root_ctx.subcontext(task_name="search", max_subtasks=None)
        search_ctx.call_on_fit_task_begin(estimator=self)
        with Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch) as parallel:
            evaluator = _Evaluator(self, space, plan, X, y, classes, splits, routed_params, scorer, parallel)
            while tasks := self._next_round(state, proposer, plan):
                round_ctx = search_ctx.subcontext(
                    task_name="round", max_subtasks=len(tasks) * len(splits), sequential_subtasks=False
                ).call_on_fit_task_begin(estimator=self)
                rows = evaluator.evaluate(state, tasks, round_ctx)
                state.rows.extend(rows)
                self._after_round(state, rows, plan)
                state.proposer = proposer.get_state()
                if self.checkpoint is not None:
                    save_checkpoint(state, self.checkpoint)
                stop = round_ctx.call_on_fit_task_end(
                    estimator=self,
                    reconstruction_attributes=lambda: self._interim_attributes(state, space, plan),
                )
                if stop:
                    break
        search_ctx.call_on_fit_task_end(estimator=self)

        if not state.rows:
            raise ValueError("The search evaluated no candidate: is the search space empty?")
        _warn_or_raise_about_fit_failures(
            [{"fit_error": e} for row in state.rows for e in row.fit_errors], self.error_score
        )
        results, names = self._results(state, space, plan)
        multimetric = self._multimetric(names)
        refit_metric = self.refit if multimetric else "score"
        if self.objectives is not None:
            check_scored(self.objectives, names)
        elif callable(self.scoring) and multimetric:
            check_refit_for_multimetric(self, names)

        fitted = {
            **plan.get("attributes", {}),
            "n_splits_": len(splits),
            "multimetric_": multimetric,
            "scorer_": scorer_,
            "cv_results_": results,
            "search_state_": state,
        }
        if self.objectives is not None:
            fitted.update(self._pareto_choice(results, state.rows))
        elif self.refit or not multimetric:
            best = int(self._best_index(results, refit_metric))
            fitted.update(best_index_=best, best_params_=results["params"][best])
            if not callable(self.refit):
                fitted["best_score_"] = results[f"mean_test_{refit_metric}"][best]
        if self.refit:
            best_row = state.rows[fitted["best_index_"]]
            fitted.update(self._refit(root_ctx, evaluator, best_row, fitted["best_params_"], metadata))
        root_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)
        return fitted

    def _scorers(self):
        """The scorer of every fold, and ``scorer_`` (a dict for several metrics),
        built with the public ``check_scoring`` as ``RandomizedSearchCV`` does."""
        if callable(self.scoring):
            return self.scoring, self.scoring
        scorer = check_scoring(self.estimator, self.scoring, raise_exc=self.error_score == "raise")
        if not isinstance(self.scoring, _MULTIMETRIC):
            return scorer, scorer
        named = self.scoring.items() if isinstance(self.scoring, dict) else ((name, name) for name in self.scoring)
        by_name = {name: check_scoring(self.estimator, s) for name, s in named}
        if self.objectives is None:
            check_refit_for_multimetric(self, by_name)
        return scorer, by_name

    def _start_state(self, space, plan, data):
        """A new state, or the one to resume: the checkpoint's, else the last fit's."""
        fresh = SearchState(
            settings=plain(self._settings(plan)),
            space=space_fingerprint(space),
            data=fingerprint(data),
            proposer={},
        )
        if self.checkpoint is not None and os.path.exists(self.checkpoint):
            state = load_checkpoint(self.checkpoint)
            state.check_resumes(fresh, f"checkpoint {os.fspath(self.checkpoint)!r}")
            return state
        if self.warm_start and hasattr(self, "search_state_"):
            self.search_state_.check_resumes(fresh, "The previous fit (warm_start=True)")
            # A copy: a fit that fails half-way leaves the fitted search as it was.
            return deepcopy(self.search_state_)
        rng = check_random_state(self.random_state)
        if not isinstance(self.random_state, Integral):
            # The state keeps its own generator: one drawn from the global (or
            # the given) one, so that two searches do not share their draws.
            rng = np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
        proposer = self._new_proposer(space, rng)
        fresh.progress = plain(self._new_progress(rng))
        fresh.proposer = proposer.get_state()
        return fresh

    def _params(self, space, point, resource, plan):
        """The parameters set on the estimator to train a point (a Candidate
        or a Row) with a budget: a parameter resource is one of them."""
        params = space.params(point.subspace, space.values_row(point.subspace, point.values))
        if plan.get("resource") not in (None, "epochs", "n_samples"):
            params[plan["resource"]] = resource
        return params

    def _results(self, state, space, plan):
        """``cv_results_`` of the rows so far, and the names of its metrics
        (``["score"]`` for a single one)."""
        rows = state.rows
        names = next((list(r.test_scores) for r in rows if list(r.test_scores) != ["score"]), ["score"])
        multimetric = self._multimetric(names)
        outs = [_fold_out(row, fold, names, multimetric) for row in rows for fold in range(len(row.fit_errors))]
        more = {}
        if rows[0].resource is not None:
            more["n_resources"] = [row.resource for row in rows]
        more.update({key: [row.info[key] for row in rows] for key in rows[0].info})
        if self.objectives is not None and "fit_time" in self.objectives and plan.get("resource") == "epochs":
            more["mean_total_fit_time"] = total_fit_times(rows, rows)
        params = [self._params(space, row, row.resource, plan) for row in rows]
        results = format_results(self, params, len(rows[0].fit_errors), outs, more)
        if self.objectives is not None:
            results["pareto_rank"] = self._pareto_ranks(results, rows)
        return results, names

    def _multimetric(self, names):
        """Whether there are several metrics (a callable scorer that returns
        ``{"score": ...}`` counts as one)."""
        return isinstance(self.scoring, _MULTIMETRIC) or names != ["score"]

    def _interim_attributes(self, state, space, plan):
        """What a callback's ``fitted_estimator`` holds at the end of a round."""
        with warnings.catch_warnings():
            # Non-finite scores are warned about once, at the end of the search.
            warnings.simplefilter("ignore", UserWarning)
            results, _ = self._results(state, space, plan)
        if self.objectives is not None:
            return {"cv_results_": results, **self._pareto_choice(results, state.rows, final=False)}
        metric = self.refit if "mean_test_score" not in results else "score"
        best = int(self._best_index(results, metric))
        return {
            "cv_results_": results,
            "best_index_": best,
            "best_score_": results[f"mean_test_{metric}"][best],
            "best_params_": results["params"][best],
        }

    def _refit(self, root_ctx, evaluator, row, best_params, metadata):
        """The best candidate trained on the whole data as the search trained
        it: the same budget (for ``"epochs"`` the same continued training);
        its fitted attributes."""
        # Estimators and parameters are cloned: parameters may be estimators.
        estimator = clone(evaluator.base_estimator).set_params(**clone(best_params, safe=False))
        X, y = evaluator.X, evaluator.y
        refit_ctx = root_ctx.subcontext(task_name="refit-with-best-params")
        with refit_ctx.propagate_callback_context(estimator):
            refit_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            start = time.time()
            fit_params = evaluator.fit_and_score_kwargs["fit_params"]
            if evaluator.resource == "epochs":
                train_epochs(estimator, X, y, row.resource, fit_params, evaluator.classes, first=True)
            elif y is None:
                estimator.fit(X, **fit_params)
            else:
                estimator.fit(X, y, **fit_params)
            refit_time = time.time() - start
        fitted = {"best_estimator_": estimator, "refit_time_": refit_time}
        if hasattr(estimator, "feature_names_in_"):
            fitted["feature_names_in_"] = estimator.feature_names_in_
        refit_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)
        return fitted

    def _check_objective(self, multimetric):
        if self.objectives is not None:
            check_objectives(self.objectives, self._metric_names(), self.refit)
            return
        if multimetric and not isinstance(self.refit, str):
            raise ValueError(
                f"With multi-metric scoring, {type(self).__name__} maximises the metric "
                "named by refit, so refit must be one of the scorer names; got "
                f"refit={self.refit!r}."
            )

    def _objective(self, row):
        """The score the search maximises: the row's mean test score of the
        ``refit`` metric (of the only one)."""
        if list(row.test_scores) == ["score"]:
            return row.mean_test_score()
        self._check_objective(multimetric=True)
        check_refit_for_multimetric(self, row.test_scores)
        return row.mean_test_score(self.refit)

    def _observations(self, rows, n, rng, history):
        """``(s, u, scores)`` arrays of ``rows``, for the proposer's model to
        choose ``n`` points: the objective's scores, or with several
        objectives one column of ParEGO's scores per point, each for weights
        drawn with ``rng`` (the proposer's generator). ``history`` is every
        row so far."""
        s = np.array([row.subspace for row in rows])
        u = np.array([row.unit for row in rows])
        if self.objectives is None:
            return s, u, np.array([self._objective(row) for row in rows])
        weights = random_weights(rng, n, len(self.objectives))
        return s, u, parego_scores(self._objective_matrix(rows, history), weights)

    # ------------------------------------------------- several objectives
    def _metric_names(self):
        """The scorer names of ``scoring`` (``["score"]`` for one scorer);
        None for a callable, which tells them only when it scores."""
        if callable(self.scoring):
            return None
        return list(self.scoring) if isinstance(self.scoring, _MULTIMETRIC) else ["score"]

    def _check_refit(self, scores):
        """scikit-learn's check of ``refit``, which it runs wherever it builds
        the scorers; with objectives, :meth:`_check_objective` checks it."""
        if self.objectives is None:
            super()._check_refit(scores)

    def _objective_matrix(self, rows, history):
        """The objectives of ``rows``, larger is better (see :mod:`._pareto`);
        a model continued from rung to rung (``resource="epochs"``) counts
        its earlier rungs of ``history`` in its fit time."""
        # A callable scoring tells its metrics' names only when it scores.
        scored = next((row.test_scores for row in rows if row.status == "ok"), None)
        check_scored(self.objectives, scored)
        continued = getattr(self, "resource", None) == "epochs"
        return objective_matrix(rows, self.objectives, history if continued else None)

    def _ranked(self, rows, history):
        """The candidates of ``rows`` that trained (status ok, finite
        objectives), best first: by the objective's score, or with several
        objectives by Pareto rank, then crowding distance (NSGA-II's rule).
        ``history`` is every row so far."""
        if self.objectives is None:
            scores = {row.candidate: self._objective(row) for row in rows}
            trained = [row.candidate for row in rows if row.status == "ok" and np.isfinite(scores[row.candidate])]
            return sorted(trained, key=lambda candidate: -scores[candidate])
        return [rows[i].candidate for i in promotion_order(self._objective_matrix(rows, history))]

    def _pareto_values(self, results, rows):
        """The objectives of ``cv_results_``, larger is better; NaN for a row
        whose fit failed (whatever its ``error_score``)."""
        values = objective_columns(results, self.objectives)
        values[[row.status != "ok" for row in rows]] = np.nan
        return values

    def _pareto_ranks(self, results, rows):
        """``cv_results_["pareto_rank"]``: the rank of each row among the rows
        trained with the same budget; a failed row ranks last."""
        values = self._pareto_values(results, rows)
        return ranks_by_group(values, results.get("n_resources", np.zeros(len(rows))))

    def _pareto_front(self, results, rows):
        """``pareto_front_``: the rows of rank 1 (among those of the largest
        budget), best first on the first objective, ties on the next."""
        values = self._pareto_values(results, rows)
        on_front = (results["pareto_rank"] == 1) & ~np.isnan(values).any(axis=1)
        if "n_resources" in results:
            budgets = np.asarray(results["n_resources"])
            on_front &= budgets == budgets.max()
        return front_order(values, np.flatnonzero(on_front))

    def _pareto_choice(self, results, rows, final=True):
        """``pareto_front_`` and the choice on it: ``best_index_``,
        ``best_params_`` and, for a scored objective, ``best_score_``. A
        ``final`` choice with nothing to choose from raises if it is to be
        refitted."""
        front = self._pareto_front(results, rows)
        chosen = {"pareto_front_": front}
        name = self.refit if isinstance(self.refit, str) else self.objectives[0]
        if callable(self.refit):
            best = int(select_best_index(self.refit, None, results))
        elif len(front):
            best = int(front[np.argmax(objective_columns(results, [name])[front, 0])])
        elif self.refit and final:
            raise ValueError(
                "Every candidate trained with the largest budget failed: there is no Pareto "
                "front to refit a model from (see the FitFailedWarning)."
            )
        else:
            return chosen
        chosen.update(best_index_=best, best_params_=results["params"][best])
        if not callable(self.refit) and name not in TIMES:
            chosen["best_score_"] = results[f"mean_test_{name}"][best]
        return chosen

    def score(self, X, y=None, **params):
        """The score of ``best_estimator_`` on the given data.

        As ``RandomizedSearchCV.score``; with several ``objectives``, the
        score of the scorer ``refit`` names, else of the first objective
        that is a scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets; None for unsupervised learning.
        **params : dict
            Parameters passed to the scorer (with metadata routing enabled).

        Returns
        -------
        score : float
            The score of ``best_estimator_``.
        """
        if self.objectives is None or not self.refit or not getattr(self, "multimetric_", False):
            return super().score(X, y, **params)
        scored = [name for name in self.objectives if name not in TIMES]
        if not scored:
            raise ValueError(
                f"objectives={self.objectives!r} has no scorer, so score has none to use: "
                "call best_estimator_'s methods directly."
            )
        metric = self.refit if isinstance(self.refit, str) and self.refit in scored else scored[0]
        # scikit-learn's score uses the scorer refit names: a copy names the metric.
        view = copy(self)
        view.refit = metric
        return RefitCheckedSearchCV.score(view, X, y, **params)


# Every attribute a fit may publish; those it does not set this time are
# removed, so that none is left from an earlier fit with other settings.
_PUBLISHED = (
    "n_splits_", "multimetric_", "scorer_", "cv_results_", "search_state_", "best_index_", "best_params_",
    "best_score_", "best_estimator_", "refit_time_", "feature_names_in_", "pareto_front_",
)  # fmt: skip


def _describe_scoring(scoring):
    if scoring is None or isinstance(scoring, str):
        return scoring
    if isinstance(scoring, (list, tuple, set)) and all(isinstance(s, str) for s in scoring):
        return sorted(scoring)
    try:
        return fingerprint(scoring)
    except Exception:  # an unpicklable callable: compare by name only
        return getattr(scoring, "__name__", type(scoring).__name__)


def _fold_out(row, fold, names, multimetric):
    """One fold of a row in the form of ``_fit_and_score``'s result."""

    def scores(by_metric):
        # A row whose every fold failed under a callable scorer did not learn
        # its metrics' names: its error score stands for each.
        value = {name: by_metric.get(name, by_metric.get("score"))[fold] for name in names}
        return value if multimetric else value["score"]

    out = {
        "fit_error": row.fit_errors[fold],
        "test_scores": scores(row.test_scores),
        "fit_time": row.fit_time[fold],
        "score_time": row.score_time[fold],
    }
    if row.train_scores is not None:
        out["train_scores"] = scores(row.train_scores)
    return out


def _per_metric(fold_scores, names):
    """Scores of each fold (floats, or dicts of several metrics) as
    metric -> list over folds; a failed fold's float counts for every metric.
    ``names`` are the metrics, or None if only the scores can tell."""
    names = names or next((list(s) for s in fold_scores if isinstance(s, dict)), ["score"])
    return {name: [float(s[name] if isinstance(s, dict) else s) for s in fold_scores] for name in names}


def _in_search(function, *args, **kwargs):
    """Run ``function`` as a fit of a search, where it runs (also in a worker
    process): Ctrl-C stops it, and the search, instead of ending the fit."""
    token = PROPAGATE_INTERRUPT.set(True)
    try:
        return function(*args, **kwargs)
    finally:
        PROPAGATE_INTERRUPT.reset(token)


class _Evaluator:
    """Trains and scores a round's tasks on every fold, in one parallel call.

    Owned by :meth:`RoundSearchCV.fit`; the hooks never see it.
    """

    def __init__(self, search, space, plan, X, y, classes, splits, routed_params, scorer, parallel):
        self.search = search
        self.space = space
        self.plan = plan
        self.resource = plan.get("resource")
        self.X, self.y = X, y
        self.splits = splits
        self.parallel = parallel
        self.base_estimator = clone(search.estimator).set_params(**plan.get("estimator_params", {}))
        if callable(search.scoring):
            self.metrics = None  # known from its first scores
        elif isinstance(search.scoring, _MULTIMETRIC):
            self.metrics = list(search.scoring)
        else:
            self.metrics = ["score"]
        if classes is None and y is not None and is_classifier(search.estimator):
            classes = np.unique(y)
        self.classes = classes
        self.fit_and_score_kwargs = dict(
            scorer=scorer,
            fit_params=routed_params.estimator.fit,
            score_params=routed_params.scorer.score,
            return_train_score=search.return_train_score,
            return_n_test_samples=True,
            return_times=True,
            error_score=search.error_score,
            verbose=search.verbose,
        )
        # The data of each fold, split once per fit, for models trained further.
        self.folds = {}

    def evaluate(self, state, tasks, round_ctx):
        """The rows of ``tasks``; the fold models trained further go to ``state.models``."""
        n_splits = len(self.splits)
        if self.search.verbose > 0:
            print(
                f"Fitting {n_splits} folds for each of {len(tasks)} candidates, "
                f"totalling {len(tasks) * n_splits} fits"
            )
        jobs = [
            self._job(state, task, fold, round_ctx.subcontext(task_name="candidate-split-evaluation", task_id=i))
            for i, (task, fold) in enumerate(product(tasks, range(n_splits)))
        ]
        outs = self.parallel(jobs)
        rows = []
        for i, task in enumerate(tasks):
            fold_outs = outs[i * n_splits : (i + 1) * n_splits]
            models = [out.pop("estimator", None) for out in fold_outs]
            if any(m is not None for m in models):
                state.models[task.candidate] = (task.resource, models)
            rows.append(_row(state.candidates[task.candidate], task, fold_outs, self.metrics))
        return rows

    def _job(self, state, task, fold, callback_ctx):
        """The delayed call training and scoring ``task`` on one fold."""
        params = self.search._params(self.space, state.candidates[task.candidate], task.resource, self.plan)
        train, test = self.splits[fold]
        if self.resource == "n_samples":
            train = self._subsample(train, task.resource, task.seed + fold)
        if self.resource != "epochs":
            return delayed(_in_search)(
                _fit_and_score,
                clone(self.base_estimator),
                self.X,
                self.y,
                train=train,
                test=test,
                parameters=params,
                split_progress=(fold, len(self.splits)),
                caller=self.search,
                callback_ctx=callback_ctx,
                **self.fit_and_score_kwargs,
            )
        trained, models = state.models.get(task.candidate, (0, None))
        model = clone(self.base_estimator) if models is None else models[fold]
        if models is not None:
            params = None
        return delayed(_in_search)(
            _continue_and_score,
            model,
            params,
            self._fold(fold),
            n_epochs=task.resource - trained,
            classes=self.classes,
            scorer=self.fit_and_score_kwargs["scorer"],
            return_train_score=self.search.return_train_score,
            error_score=self.search.error_score,
            caller=self.search,
            callback_ctx=callback_ctx,
        )

    def _fold(self, fold):
        if fold not in self.folds:
            train, test = self.splits[fold]
            kwargs = self.fit_and_score_kwargs
            self.folds[fold] = _Fold(self.X, self.y, train, test, kwargs["fit_params"], kwargs["score_params"])
        return self.folds[fold]

    def _subsample(self, train, n_resources, seed):
        """``n_resources / n_samples`` of a fold's training rows, stratified for classifiers."""
        n = len(train) * n_resources // _num_samples(self.X)
        stratify = _safe_indexing(self.y, train) if self.classes is not None else None
        seed %= np.iinfo(np.int32).max
        return np.sort(resample(train, replace=False, n_samples=n, stratify=stratify, random_state=seed))


def _row(candidate, task, outs, metrics):
    """The Row of ``task``, from its folds' results."""
    fit_errors = [out["fit_error"] for out in outs]
    return Row(
        candidate=task.candidate,
        subspace=candidate.subspace,
        unit=list(candidate.unit),
        values=dict(candidate.values),
        resource=task.resource,
        status="ok" if all(e is None for e in fit_errors) else "failed",
        test_scores=_per_metric([out["test_scores"] for out in outs], metrics),
        train_scores=_per_metric([out["train_scores"] for out in outs], metrics) if "train_scores" in outs[0] else None,
        fit_time=[float(out["fit_time"]) for out in outs],
        score_time=[float(out["score_time"]) for out in outs],
        n_test_samples=[int(out["n_test_samples"]) for out in outs],
        fit_errors=fit_errors,
        info=dict(task.info),
    )


# ------------------------------------------------------ continued training
def learner(estimator):
    """(step name, estimator) of what trains: a Pipeline's last step."""
    if isinstance(estimator, Pipeline):
        return estimator.steps[-1]
    return "", estimator


def takes_n_epochs(estimator):
    """Whether ``estimator.partial_fit`` has an ``n_epochs`` parameter: the
    documented way to train several epochs in one call (skopt_lab's
    estimators have it; ``**kwargs`` does not count)."""
    try:
        parameter = inspect.signature(estimator.partial_fit).parameters.get("n_epochs")
    except (AttributeError, TypeError, ValueError):
        return False
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def train_epochs(model, X, y, n_epochs, fit_params, classes, *, first):
    """Train ``model`` ``n_epochs`` more epochs with ``partial_fit``: in one
    call if it takes ``n_epochs``, else one call per epoch.

    The first call of a classifier is told every class. In a Pipeline the
    steps before the last are fitted on the first call only (later calls
    only transform) and the last step trains.
    """
    model_learner, Xt, params = model, X, fit_params
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
        name, model_learner = model.steps[-1]
        params = routed[name].fit
    data = (Xt,) if y is None else (Xt, y)
    calls = [{"n_epochs": n_epochs}] if takes_n_epochs(model_learner) else [{}] * n_epochs
    for i, call in enumerate(calls):
        if first and i == 0 and classes is not None:
            call = {**call, "classes": classes}
        model_learner.partial_fit(*data, **call, **params)


class _Fold:
    """One fold's training and validation rows and metadata, split once per fit."""

    def __init__(self, X, y, train, test, fit_params, score_params):
        self.X_train, self.y_train = _safe_indexing(X, train), None if y is None else _safe_indexing(y, train)
        self.X_test, self.y_test = _safe_indexing(X, test), None if y is None else _safe_indexing(y, test)
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

    ``model`` is the fold's model from the previous round (``parameters`` is
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
        train_epochs(model, fold.X_train, fold.y_train, n_epochs, fold.fit_params, classes, first=first)
    except Exception:
        if error_score == "raise":
            raise
        result["fit_error"] = format_exc()
        test_scores = train_scores = error_score
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
