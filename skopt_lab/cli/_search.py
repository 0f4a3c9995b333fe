"""The cross-validated search of ``tune`` and the demo: what it explores,
how many fits it takes, running it, and what it found."""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV

from ..inspection import hyperparameter_importances
from ..model_selection import BayesSearchCV
from ..optimizers import OPTIMIZERS, CosineAnnealing, ExponentialDecay
from ._jobs import search_jobs
from ._models import NO_CALLBACKS, data_errors
from ._progress import SearchHeartbeat

SCHEDULES = (None, CosineAnnealing(warmup_epochs=3), ExponentialDecay(gamma=0.97))
SEARCHES = ("bayes", "random", "grid")
N_ITER = 12  # candidates of a bayes or random search


def search_space(prefix, names, search, *, finetune=False, rates=None, span=10):
    """What a search explores, one subspace per optimizer: its learning rate
    within a factor ``span`` of ``rates[name]`` (default: the optimizer's
    default rate), on a log scale; a schedule (unless the optimizer is
    schedule-free); the L2 penalty ``alpha``; and
    which layers to freeze when fine-tuning. Lists for a grid search."""
    grid = search == "grid"
    space = []
    for name in names:
        optimizer = OPTIMIZERS[name]()
        subspace = {f"{prefix}optimizer": [optimizer]}
        if hasattr(optimizer, "learning_rate"):
            base = (rates or {}).get(name) or optimizer.learning_rate
            subspace[f"{prefix}optimizer__learning_rate"] = (
                [base / span, base, base * span] if grid else loguniform(base / span, base * span)
            )
            if optimizer.takes_schedule:
                subspace[f"{prefix}optimizer__schedule"] = list(SCHEDULES)
        subspace[f"{prefix}alpha"] = [1e-5, 1e-3] if grid else loguniform(1e-6, 1e-1)
        if finetune:
            subspace[f"{prefix}freeze_layers"] = [0, 1]
        space.append(subspace)
    return space


@dataclass(frozen=True)
class SearchPlan:
    """How many candidates a search evaluates, on how many folds, and in how
    many parallel calls: a grid or random search sends all its fits at once,
    a Bayesian search one round of candidates × folds after its initial
    design."""

    kind: str
    candidates: int
    cv: int
    initial: int  # a Bayesian search's random first candidates

    @classmethod
    def of(cls, kind, space, n_iter, cv):
        candidates = len(ParameterGrid(space)) if kind == "grid" else n_iter
        return cls(kind, candidates, cv, max(1, min(5, candidates // 3)))

    @property
    def fits(self):
        return self.candidates * self.cv

    @property
    def calls(self):
        return 1 + self.candidates - self.initial if self.kind == "bayes" else 1


def run_search(model, space, X, y, args, progress, scoring, fit_seconds=None, objectives=None):
    """Search ``space`` around ``model`` as ``args`` say (--search, --n-iter,
    --cv, --n-jobs, --random-state), saying how it goes on ``progress``;
    with ``objectives`` (a Bayesian search), for their Pareto front, the
    refitted model being its best on the first metric."""
    plan = SearchPlan.of(args.search, space, args.n_iter, args.cv)
    n_jobs = search_jobs(args.n_jobs, plan, model, X, y, progress, fit_seconds)
    kwargs = dict(cv=args.cv, scoring=scoring, n_jobs=n_jobs, error_score=np.nan)
    if args.search == "grid":
        search = GridSearchCV(model, space, **kwargs)
    elif args.search == "random":
        search = RandomizedSearchCV(model, space, n_iter=plan.candidates, random_state=args.random_state, **kwargs)
    else:
        search = BayesSearchCV(
            model,
            space,
            n_iter=plan.candidates,
            n_initial_points=plan.initial,
            random_state=args.random_state,
            **kwargs,
            **(dict(objectives=objectives, refit=next(iter(scoring))) if objectives else {}),
        )
    search.set_callbacks(SearchHeartbeat(progress, f"{args.search} search", plan.fits))
    started = time.perf_counter()
    with warnings.catch_warnings(), data_errors(search):
        # Candidates train on a budget; one that diverges shows as a bad score.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=NO_CALLBACKS, category=UserWarning)
        search.fit(X, y)
    search.set_callbacks()
    n_candidates = len(search.cv_results_["params"])
    found = (f"a Pareto front of {len(search.pareto_front_)}, the refitted one's cross-validated "
             f"{search.refit} {search.best_score_:.3f}" if objectives else
             f"best cross-validated {scoring} {search.best_score_:.3f}")  # fmt: skip
    progress.line(
        f"{args.search} search: {n_candidates} candidates × {search.n_splits_} folds = "
        f"{n_candidates * search.n_splits_} fits and a refit in {time.perf_counter() - started:.1f}s, {found}"
    )
    return search


def tuned_summary(search, prefix, kind, test_metrics, *, random_state=None, **extra):
    """The report's ``tuning`` object: what the search found, its test
    metrics, and which hyperparameters mattered (``importances``)."""
    params = {key.removeprefix(prefix): value for key, value in search.best_params_.items()}
    shares, why_not = importances(search, prefix, random_state)
    return {
        **extra,
        "search": kind,
        "candidates": len(search.cv_results_["params"]),
        "scoring": search.scoring,
        "cv": search.n_splits_,
        "best_cv_score": search.best_score_,
        "best_params": params,
        "test": test_metrics,
        "importances": shares,
        **({"importances_method": IMPORTANCE_METHOD} if shares is not None else {"importances_skipped": why_not}),
    }


IMPORTANCE_METHOD = (
    "share of the variance of the mean cross-validated score explained by each parameter alone: functional "
    "ANOVA main effects on a random forest fitted to the search's candidates "
    "(skopt_lab.inspection.hyperparameter_importances); no uncertainty is given"
)


def importances(search, prefix, random_state):
    """Each searched parameter's importance (name without ``prefix`` ->
    share, decreasing), and None; or None and why, when the search has too
    few candidates for the surrogate (a short search is not an error)."""
    try:
        shares = hyperparameter_importances(search, random_state=random_state)
    except ValueError as exc:
        if "candidates with a finite" not in str(exc):
            raise
        return None, str(exc)
    return {name.removeprefix(prefix): share for name, share in shares.items()}, None


def pareto_summary(search, prefix):
    """The report's multi-objective part: the objectives, the metric the
    refitted model was chosen on, and the Pareto front, one row per member
    (best first on the first objective) with its cross-validated objectives
    (parameters and seconds as positive numbers), its parameters, and
    whether it is the refitted model."""
    results, front = search.cv_results_, []
    for index in search.pareto_front_:
        row = {"refitted": bool(index == search.best_index_)}
        for name in search.objectives:
            if name in ("fit_time", "score_time"):
                row[name] = results[f"mean_{name}"][index]
            else:
                value = results[f"mean_test_{name}"][index]
                row[name] = int(round(-value)) if name == "n_parameters" else value
        row.update({key.removeprefix(prefix): value for key, value in results["params"][index].items()})
        front.append(row)
    return {"objectives": list(search.objectives), "scoring": search.refit, "pareto_front": front}
