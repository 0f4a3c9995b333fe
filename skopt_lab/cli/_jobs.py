"""How many processes a search's fits run in.

``--n-jobs N`` is what the user asked, and is done. Without it, the command
line decides: worker processes, one per core, only when the search is large
enough for them to pay for their start and the machine's cores are free.
"""

import os

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier
from sklearn.model_selection import train_test_split

from ._models import fit_quietly, innermost

# A worker process of a parallel search imports scikit-learn and skopt_lab
# before its first fit: about 1.6 s on the 2-core development machine; each
# parallel call (a Bayesian round) costs some more to dispatch. A search runs
# in parallel only when that is expected to save more than a worker's start
# (benchmarks/bench_cli_n_jobs.py measures both ways).
WORKER_START_SECONDS, DISPATCH_SECONDS = 2.0, 0.05


def search_jobs(requested, plan, model, X, y, progress, fit_seconds=None):
    """The ``n_jobs`` of a search of ``plan`` (its fits and parallel calls):
    ``requested`` when given, else the number of cores when workers are
    expected to save more than their start, else 1."""
    if requested is not None:
        if effective_n_jobs(requested) > 1:
            progress.line(f"running the search's {plan.fits} fits in {effective_n_jobs(requested)} worker processes "
                          f"(--n-jobs {requested})")  # fmt: skip
        return requested
    cores = os.cpu_count() or 1
    if cores == 1 or cores_busy():
        return 1
    if fit_seconds is None:
        fit_seconds = seconds_per_fit(model, X, y, plan.cv)
    per_call = plan.fits / plan.calls
    speed_up = per_call / np.ceil(per_call / cores)
    saved = plan.fits * fit_seconds * (1 - 1 / speed_up) - WORKER_START_SECONDS - plan.calls * DISPATCH_SECONDS
    if saved < WORKER_START_SECONDS:
        return 1
    progress.line(
        f"running the search's {plan.fits} fits in {cores} worker processes: they take about "
        f"{plan.fits * fit_seconds:.0f}s in one process, and workers should save about {saved:.0f}s "
        "(--n-jobs 1 keeps them here)"
    )
    return cores


def cores_busy():
    """Whether other processes keep the machine's cores busy: a load average
    over the last minute (which counts this process) above the number of
    cores."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return False


def seconds_per_fit(model, X, y, cv):
    """A fit's seconds on a cross-validation fold, from a fit of a fifth of
    its epochs, scaled up: an upper bound (a fit's fixed cost counts five
    times, and training may stop early), for a fifth of a fit's time."""
    stratify = y if is_classifier(model) else None
    X_fold, _, y_fold, _ = train_test_split(X, y, test_size=1 / cv, random_state=0, stratify=stratify)
    max_iter = innermost(model).max_iter

    def seconds(epochs):
        short = clone(model)
        innermost(short).set_params(max_iter=epochs)
        return fit_quietly(short, X_fold, y_fold)

    seconds(1)  # the first fit of a process pays for lazy imports and caches
    fifth = max(1, max_iter // 5)
    return seconds(fifth) * max_iter / fifth
