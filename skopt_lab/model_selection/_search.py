"""What BayesSearchCV and HyperbandSearchCV share: a search in rounds that
can be resumed, extended and stopped.

scikit-learn's ``BaseSearchCV.fit`` keeps its results in local variables and
refits every candidate from scratch, so a search built on it can neither
keep results across fits, nor continue a model from one round to the next,
nor stop when a callback asks. :class:`RoundSearchCV` replaces ``fit`` with
one that runs the same pieces (scorers, metadata routing, ``_format_results``,
``_select_best_index``, the refit, callback contexts) around a
:class:`~._state.SearchState`: a subclass plans each round from the state
(``_next_round``) and updates it from the scores (``_after_round``).
"""

import os
import time
import warnings
from copy import deepcopy
from itertools import product

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, indexable
from sklearn.utils.parallel import Parallel, delayed

from .._compat import (
    BaseSearchCV,
    _check_method_params,
    _fit_and_score,
    _fit_context,
    _insert_error_scores,
    _MultimetricScorer,
    _warn_or_raise_about_fit_failures,
)

from ._space import Space
from ._state import Row, SearchState, fingerprint, load_checkpoint, save_checkpoint, space_fingerprint
from ._surrogate import Proposer


class Task:
    """One candidate to evaluate in a round, with its extra result columns."""

    def __init__(self, candidate, n_resources=None, extra=None):
        self.candidate = candidate
        self.n_resources = n_resources
        self.extra = extra or {}


class RoundSearchCV(BaseSearchCV):
    """Base class of searches that run in rounds around a SearchState.

    Subclasses implement ``_next_round(state, space)`` (the tasks of the next
    round, or an empty list when done) and may override ``_after_round``,
    ``_check_search``, ``_settings``, ``_new_progress``, ``_fold_job``,
    ``_row_params`` and ``_refit_best``.
    """

    # --------------------------------------------------------------- hooks
    def _check_search(self, space, X, y):
        """Raise on bad input before anything is trained."""

    def _settings(self, X):
        """Settings a resumed search must share with the one that saved."""
        return {
            "search": type(self).__name__,
            "estimator": type(self.estimator).__name__,
            "scoring": _describe_scoring(self.scoring),
            "refit metric": self.refit if isinstance(self.refit, str) else None,
        }

    def _new_proposer(self, space, rng):
        return Proposer(space, rng=rng)

    def _new_progress(self, rng):
        return {}

    def _after_round(self, state, tasks):
        """Update the state's progress once the round's rows are recorded."""

    def _row_params(self, space, state, candidate, extra):
        """The parameters of a row of ``cv_results_``."""
        s, _, v = state.candidates[candidate]
        return space.params(s, v)

    def _fold_job(self, run, task, params, fold, train, test, callback_ctx):
        """The delayed call evaluating ``task`` on one fold."""
        return delayed(_fit_and_score)(
            clone(run.base_estimator),
            run.X,
            run.y,
            train=train,
            test=test,
            parameters=params,
            split_progress=(fold, len(run.state.splits)),
            caller=self,
            callback_ctx=callback_ctx,
            **run.fit_and_score_kwargs,
        )

    def _refit_best(self, estimator, X, y, fit_params):
        if y is None:
            estimator.fit(X, **fit_params)
        else:
            estimator.fit(X, y, **fit_params)

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
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        metadata = None if params.get("sample_weight") is None else {"sample_weight": params["sample_weight"]}
        root_ctx = self._init_callback_context(max_subtasks=1 + (self.refit is not False))
        root_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)

        self._check_objective(multimetric=isinstance(scorers, _MultimetricScorer))
        space = Space(self.param_distributions)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, **routed_params.splitter.split))
        self.n_splits_ = len(splits)
        self._check_search(space, X, y)
        state = self._start_state(space, splits, X, y, params)

        search_ctx = root_ctx.subcontext(task_name="search", max_subtasks=None)
        search_ctx.call_on_fit_task_begin(estimator=self)
        with Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch) as parallel:
            run = _Run(self, state, space, X, y, routed_params, scorers, parallel, search_ctx)
            while tasks := self._next_round(state, space):
                run.evaluate(tasks)
                self._after_round(state, tasks)
                if run.end_round():
                    break
        search_ctx.call_on_fit_task_end(estimator=self)

        outs = [out for row in state.rows for out in row.outs]
        if not outs:
            raise ValueError("The search evaluated no candidate: is the search space empty?")
        _warn_or_raise_about_fit_failures(outs, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(outs, self.error_score)
        results = self._results(state, space)
        self.multimetric_ = isinstance(outs[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(outs[0]["test_scores"])
            refit_metric = self.refit

        if self.refit or not self.multimetric_:
            self.best_index_ = int(self._select_best_index(self.refit, refit_metric, results))
            if not callable(self.refit):
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self._refit(root_ctx, X, y, routed_params.estimator.fit, metadata)
        self.scorer_ = getattr(scorers, "_scorers", scorers)
        self.cv_results_ = results
        self.search_state_ = state
        root_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)
        return self

    def _start_state(self, space, splits, X, y, params):
        """A new state, or the one to resume: the checkpoint's, else the last fit's."""
        fresh = SearchState(
            settings=self._settings(X),
            space=space_fingerprint(space),
            data=fingerprint((X, y, params, splits)),
            splits=splits,
            proposer=None,
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
        fresh.proposer = self._new_proposer(space, rng)
        fresh.progress = self._new_progress(rng)
        return fresh

    def _results(self, state, space):
        """``cv_results_`` of the rows so far."""
        params = [self._row_params(space, state, row.candidate, row.extra) for row in state.rows]
        outs = [out for row in state.rows for out in row.outs]
        more = {key: [row.extra[key] for row in state.rows] for key in state.rows[0].extra}
        return self._format_results(params, self.n_splits_, outs, more)

    def _interim_attributes(self, state, space):
        """What a callback's ``fitted_estimator`` holds at the end of a round."""
        with warnings.catch_warnings():
            # Non-finite scores are warned about once, at the end of the search.
            warnings.simplefilter("ignore", UserWarning)
            results = self._results(state, space)
        metric = self.refit if "mean_test_score" not in results else "score"
        best = int(self._select_best_index(self.refit, metric, results))
        return {
            "cv_results_": results,
            "best_index_": best,
            "best_score_": results[f"mean_test_{metric}"][best],
            "best_params_": results["params"][best],
        }

    def _refit(self, root_ctx, X, y, fit_params, metadata):
        # Estimators and parameters are cloned: parameters may be estimators.
        self.best_estimator_ = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
        refit_ctx = root_ctx.subcontext(task_name="refit-with-best-params")
        with refit_ctx.propagate_callback_context(self.best_estimator_):
            refit_ctx.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            start = time.time()
            self._refit_best(self.best_estimator_, X, y, fit_params)
            self.refit_time_ = time.time() - start
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_
        refit_ctx.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)

    def _check_objective(self, multimetric):
        if multimetric and not isinstance(self.refit, str):
            raise ValueError(
                f"With multi-metric scoring, {type(self).__name__} maximises the metric "
                "named by refit, so refit must be one of the scorer names; got "
                f"refit={self.refit!r}."
            )

    def _objective(self, test_scores):
        """The score the search maximises, from one fold's test scores."""
        if not isinstance(test_scores, dict):
            return test_scores
        self._check_objective(multimetric=True)
        return test_scores[self.refit]


def _describe_scoring(scoring):
    if scoring is None or isinstance(scoring, str):
        return scoring
    if isinstance(scoring, (list, tuple, set)) and all(isinstance(s, str) for s in scoring):
        return sorted(scoring)
    try:
        return fingerprint(scoring)
    except Exception:  # an unpicklable callable: compare by name only
        return getattr(scoring, "__name__", type(scoring).__name__)


class _Run:
    """One ``fit``'s evaluation of rounds: the data, the scorers, the workers."""

    def __init__(self, search, state, space, X, y, routed_params, scorers, parallel, search_ctx):
        self.search = search
        self.state = state
        self.space = space
        self.X, self.y = X, y
        self.parallel = parallel
        self.search_ctx = search_ctx
        self.base_estimator = clone(search.estimator)
        self.classes = np.unique(y) if y is not None and is_classifier(search.estimator) else None
        self.fit_and_score_kwargs = dict(
            scorer=scorers,
            fit_params=routed_params.estimator.fit,
            score_params=routed_params.scorer.score,
            return_train_score=search.return_train_score,
            return_n_test_samples=True,
            return_times=True,
            error_score=search.error_score,
            verbose=search.verbose,
        )
        self._round_ctx = None
        # Data of each fold a search may split once and reuse at every round.
        self.folds = {}

    def evaluate(self, tasks):
        """Evaluate ``tasks`` on every fold in one parallel call; record the rows."""
        search, state = self.search, self.state
        n_splits = len(state.splits)
        self._round_ctx = self.search_ctx.subcontext(
            task_name="round", max_subtasks=len(tasks) * n_splits, sequential_subtasks=False
        ).call_on_fit_task_begin(estimator=search)
        if search.verbose > 0:
            print(
                f"Fitting {n_splits} folds for each of {len(tasks)} candidates, "
                f"totalling {len(tasks) * n_splits} fits"
            )
        jobs = [
            search._fold_job(
                self,
                task,
                search._row_params(self.space, state, task.candidate, task.extra),
                fold,
                *state.splits[fold],
                self._round_ctx.subcontext(task_name="candidate-split-evaluation", task_id=i),
            )
            for i, (task, fold) in enumerate(product(tasks, range(n_splits)))
        ]
        outs = self.parallel(jobs)
        for i, task in enumerate(tasks):
            task_outs = outs[i * n_splits : (i + 1) * n_splits]
            models = [out.pop("estimator", None) for out in task_outs]
            if any(m is not None for m in models):
                state.models[task.candidate] = (task.n_resources, models)
            score = np.mean([search._objective(out["test_scores"]) for out in task_outs])
            state.rows.append(Row(task.candidate, task_outs, float(score), task.extra))

    def end_round(self):
        """Save the state, close the round; True if a callback stops the search."""
        if self.search.checkpoint is not None:
            save_checkpoint(self.state, self.search.checkpoint)
        return self._round_ctx.call_on_fit_task_end(
            estimator=self.search,
            reconstruction_attributes=lambda: self.search._interim_attributes(self.state, self.space),
        )
