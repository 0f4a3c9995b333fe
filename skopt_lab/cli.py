"""The command line: compare optimizers, tune, evaluate and plot.

``python -m skopt_lab`` (or ``skopt-lab``) runs the demo on the digits: a
network pretrained on clean digits is fine-tuned to a tilted, noisier camera
with every optimizer of the package, the one with the lowest validation loss
is tuned by a cross-validated search, and the figures are written (the
scenario is in :mod:`skopt_lab._demo`). ``compare`` and ``tune`` run the same
steps on a bundled data set or a CSV file. Results go to stdout (a table, or
JSON with ``--json``), progress to stderr, figures and a JSON report to
``--out``. Mistakes are one line on stderr and exit code 2.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import loguniform
from sklearn.base import clone, is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV, check_cv, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import __version__, _demo
from ._data import BUNDLED, DataError, load_bundled, load_csv
from .linear_model import LinearClassifier, LinearRegressor
from .model_selection import BayesSearchCV
from .neural_network import MLPClassifier, MLPRegressor
from .optimizers import DISPLAY_NAMES, OPTIMIZERS, CosineAnnealing, ExponentialDecay, display_name

SCHEDULES = (None, CosineAnnealing(warmup_epochs=3), ExponentialDecay(gamma=0.97))
ALL_OPTIMIZERS = list(OPTIMIZERS)  # the seed document's six first
DISPLAY = DISPLAY_NAMES
TUNE_OPTIMIZERS = ["sgd", "rmsprop", "adam"]
COMPARE_EPOCHS = 100
VALIDATION_FRACTION = 0.1  # of the training split, held out by compare to draw validation curves
FIGURES = ("loss_curves", "search_progress", "schedule")
# A worker process of a parallel search imports scikit-learn and skopt_lab
# before its first fit: about 1.6 s on the 2-core development machine; each
# parallel call (a Bayesian round) costs some more to dispatch. A search runs
# in parallel only when that is expected to save more than a worker's start
# (benchmarks/bench_cli_n_jobs.py measures both ways).
WORKER_START_SECONDS, DISPATCH_SECONDS = 2.0, 0.05
OUTPUTS = tuple(f"{name}.png" for name in FIGURES) + ("report.json",)
# Raised by scikit-learn for pipeline steps that cannot pass callbacks on
# (ColumnTransformer, TransformedTargetRegressor): progress is then coarser.
_NO_CALLBACKS = "The estimator .* does not support callbacks"


class UsageError(Exception):
    """A mistake on the command line or in the data: one line, exit code 2."""


# ------------------------------------------------------------------ progress
class Progress:
    """One line per step on stderr, prefixed by the elapsed time."""

    def __init__(self, quiet):
        self.quiet = quiet
        self.started = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.started

    def line(self, message):
        if not self.quiet:
            print(f"[{self.elapsed():6.1f}s] {message}", file=sys.stderr, flush=True)


class Heartbeat:
    """A scikit-learn callback that keeps long fits and searches talking.

    It reports each round of a Bayesian search, and otherwise at most one
    line every ``every`` seconds with the epoch (``epochs=True``) or the
    number of fits done (the refit of the best candidate included).
    With ``--n-jobs`` > 1 a search's fits run in worker processes, each with
    its own copy of this callback, whose counts would be wrong: the copies
    stay silent, and fits are counted here, in the main process, from the
    size of each round the search announces (``max_subtasks``).
    """

    max_propagation_depth = None  # also follow the fits inside a search

    def __init__(self, progress, label, every=2.0, epochs=True):
        self.progress, self.label, self.every, self.epochs = progress, label, every, epochs
        self.pid = os.getpid()
        self.fits = 0  # fits of the rounds finished
        self.in_round = 0  # fits finished in this process in the current round
        self.rounds = 0
        self.last = time.perf_counter()

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if os.getpid() != self.pid:
            return
        if context.task_name == "round" or context.task_name == "search" and not self.rounds:
            # A Bayesian search's round, or a grid or random search's only batch.
            self.fits += context.max_subtasks or self.in_round
            self.in_round = 0
            if context.task_name == "round":
                self.rounds += 1
                self.progress.line(f"{self.label}: round {self.rounds} evaluated ({self.fits} fits)")
                self.last = time.perf_counter()
            return
        if context.task_name == "fit" and context.parent is not None:
            self.in_round += 1
            message = f"{self.label}: {self.fits + self.in_round} fits done"
        elif context.task_name == "epoch" and self.epochs:
            message = f"{self.label}: epoch {context.task_id + 1}"
        else:
            return
        if time.perf_counter() - self.last >= self.every:
            self.progress.line(message)
            self.last = time.perf_counter()


# ------------------------------------------------------------------ models
def make_estimator(task, kind, optimizer, random_state, scale_target=True, **params):
    """Our estimator for the task; regression targets are standardised (by
    a TransformedTargetRegressor unless ``scale_target`` is false, when the
    caller does it) so that every optimizer's default learning rate suits
    them."""
    if kind == "linear":
        Estimator = LinearClassifier if task == "classification" else LinearRegressor
        model = Estimator(optimizer, random_state=random_state, **params)
    else:
        Estimator = MLPClassifier if task == "classification" else MLPRegressor
        model = Estimator((64,), optimizer=optimizer, random_state=random_state, **params)
    if task == "regression" and scale_target:
        model = TransformedTargetRegressor(model, transformer=StandardScaler())
    return model


def core(model):
    """Our estimator inside a pipeline or target transformer."""
    while True:
        if hasattr(model, "steps"):
            model = model.steps[-1][1]
        elif isinstance(model, TransformedTargetRegressor):
            model = getattr(model, "regressor_", model.regressor)
        else:
            return model


def evaluate(model, X, y, task, target_scaler=None):
    """Test metrics computed with scikit-learn's metrics (ROC-AUC when the
    test split holds the classes it needs); ``target_scaler`` maps a
    regressor's predictions back to the target's units."""
    predicted = model.predict(X)
    if target_scaler is not None:
        predicted = target_scaler.inverse_transform(predicted.reshape(-1, 1)).ravel()
    if task == "regression":
        return {
            "R2": r2_score(y, predicted),
            "MAE": mean_absolute_error(y, predicted),
            "RMSE": root_mean_squared_error(y, predicted),
        }
    metrics = {
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, average="macro", zero_division=0),
        "recall": recall_score(y, predicted, average="macro", zero_division=0),
        "F1": f1_score(y, predicted, average="macro", zero_division=0),
    }
    classes, present = core(model).classes_, set(np.unique(y))
    if hasattr(model, "predict_proba") and len(present) > 1:
        proba = model.predict_proba(X)
        if len(classes) == 2:
            metrics["ROC-AUC"] = roc_auc_score(y, proba[:, 1])
        elif present == set(classes):
            metrics["ROC-AUC"] = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return metrics


def _is_budget_warning(warning):
    """A fit that stopped at its ``max_iter`` (or L-BFGS at ``max_fun``):
    what a fixed budget means, not news. A divergence is news."""
    return issubclass(warning.category, ConvergenceWarning) and "diverged" not in str(warning.message)


@contextlib.contextmanager
def _data_errors(model):
    """What an estimator refuses to train on (a ValueError that names the
    problem, such as features too large to square) is the user's data: one
    line, exit code 2."""
    try:
        yield
    except ValueError as exc:
        name = type(core(getattr(model, "estimator", model))).__name__
        lines = str(exc).strip().splitlines()
        # A search whose fits all failed tells why in its message's last "...Error: ..." line.
        causes = [line.split("Error: ", 1)[1] for line in lines[1:] if "Error: " in line]
        reason = f"{lines[0]} {causes[-1]}" if causes else lines[0]
        raise DataError(f"{name} cannot train on this data: {reason}") from None


def fit_quietly(model, X, y):
    """Fit and time it. Stopping at the budget of epochs is expected and
    silent; any other warning (a divergence, a data problem) goes on to the
    command's warning report."""
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, _data_errors(model):
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=_NO_CALLBACKS, category=UserWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - started
    for warning in caught:
        if not _is_budget_warning(warning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return seconds


def run_comparison(make_model, names, data, task, progress):
    """Fit one model per optimizer on ``data.X_fit``, recording its
    validation score after each epoch on ``data.X_val``; rows of the
    comparison table, with test metrics."""
    rows, models, curves = [], {}, {}
    for name in names:
        model = make_model(name)
        curve = _demo.ValidationCurve(data.validation_score(model)) if data.X_val is not None else None
        model.set_callbacks(*filter(None, [curve, Heartbeat(progress, DISPLAY[name])]))
        seconds = fit_quietly(model, data.X_fit, data.y_fit)
        model.set_callbacks()
        metrics = evaluate(model, data.X_test, data.y_test, task, data.target_scaler)
        rows.append({"optimizer": DISPLAY[name], "epochs": core(model).n_iter_, "fit seconds": seconds, **metrics})
        models[name], curves[name] = model, curve.scores if curve is not None else None
        headline = next(iter(metrics))
        progress.line(f"{DISPLAY[name]}: {core(model).n_iter_} epochs, test {headline} {metrics[headline]:.3f}")
    return rows, models, curves


def search_space(prefix, names, search, finetune=False, rates=None, span=10):
    """What a search explores, one subspace per optimizer: its learning rate
    within a factor ``span`` of ``rates[name]`` (default: the optimizer's
    default rate), on a log scale; a schedule; the L2 penalty ``alpha``; and
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
            subspace[f"{prefix}optimizer__schedule"] = list(SCHEDULES)
        subspace[f"{prefix}alpha"] = [1e-5, 1e-3] if grid else loguniform(1e-6, 1e-1)
        if finetune:
            subspace[f"{prefix}freeze_layers"] = [0, 1]
        space.append(subspace)
    return space


def _parallel_calls(space, args):
    """(fits, parallel calls) of the search: a grid or random search sends
    all its fits at once, a Bayesian search one round of candidates × folds
    after its initial design."""
    if args.search != "bayes":
        n = len(ParameterGrid(space)) if args.search == "grid" else args.n_iter
        return n * args.cv, 1
    n_initial = max(1, min(5, args.n_iter // 3))
    return args.n_iter * args.cv, 1 + args.n_iter - n_initial


def worthwhile_jobs(model, space, X, y, args, progress, fit_seconds=None):
    """``--n-jobs``, or 1 when worker processes would not pay for their
    start: the time they are expected to save, fits × seconds per fit ×
    (1 − 1/speed-up), where a call of k fits runs ceil(k / jobs) fits deep,
    less the start and the dispatch of each call, must exceed a worker's
    start. The seconds per fit are ``fit_seconds`` when known, else
    measured on the first cross-validation fold."""
    n_jobs = args.n_jobs if args.n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + args.n_jobs)
    if n_jobs == 1:
        return 1
    if _cores_busy():
        progress.line(
            f"--n-jobs {args.n_jobs}: the machine's cores are busy (load {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores); worker processes would wait for them: running the fits here"
        )
        return 1
    n_jobs = min(n_jobs, os.cpu_count() or 1)
    if fit_seconds is None:
        fit_seconds = _seconds_per_fit(model, X, y, args.cv)
    n_fits, n_calls = _parallel_calls(space, args)
    per_call = n_fits / n_calls
    speed_up = per_call / np.ceil(per_call / n_jobs)
    saved = n_fits * fit_seconds * (1 - 1 / speed_up) - WORKER_START_SECONDS - n_calls * DISPATCH_SECONDS
    if saved < WORKER_START_SECONDS:
        progress.line(
            f"--n-jobs {args.n_jobs}: the {n_fits} fits take about {n_fits * fit_seconds:.1f}s in this process; "
            f"worker processes would save too little for their start (about {WORKER_START_SECONDS:g}s each): "
            "running them here"
        )
        return 1
    return args.n_jobs


def _cores_busy():
    """Whether other processes keep the machine's cores busy: a load average
    over the last minute (which counts this process) above the number of
    cores."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return False


def _seconds_per_fit(model, X, y, cv):
    """A fit's seconds on a cross-validation fold, from a fit of a fifth of
    its epochs, scaled up: an upper bound (a fit's fixed cost counts five
    times, and training may stop early), for a fifth of a fit's time."""
    train, _ = next(check_cv(cv, y, classifier=is_classifier(model)).split(X, y))
    X_fold, y_fold = _rows(X, train), y[train]
    max_iter = core(model).max_iter

    def seconds(epochs):
        short = clone(model)
        core(short).set_params(max_iter=epochs)
        return fit_quietly(short, X_fold, y_fold)

    seconds(1)  # the first fit of a process pays for lazy imports and caches
    fifth = max(1, max_iter // 5)
    return seconds(fifth) * max_iter / fifth


def _rows(X, indices):
    return X.iloc[indices] if hasattr(X, "iloc") else X[indices]


def run_search(model, space, X, y, args, progress, scoring, fit_seconds=None):
    n_jobs = worthwhile_jobs(model, space, X, y, args, progress, fit_seconds)
    kwargs = dict(cv=args.cv, scoring=scoring, n_jobs=n_jobs, error_score=np.nan)
    if args.search == "grid":
        search = GridSearchCV(model, space, **kwargs)
    elif args.search == "random":
        search = RandomizedSearchCV(model, space, n_iter=args.n_iter, random_state=args.random_state, **kwargs)
    else:
        search = BayesSearchCV(
            model,
            space,
            n_iter=args.n_iter,
            n_initial_points=max(1, min(5, args.n_iter // 3)),
            random_state=args.random_state,
            **kwargs,
        )
    search.set_callbacks(Heartbeat(progress, f"{args.search} search", epochs=False))
    started = time.perf_counter()
    with warnings.catch_warnings(), _data_errors(search):
        # Candidates train on a budget; one that diverges shows as a bad score.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=_NO_CALLBACKS, category=UserWarning)
        search.fit(X, y)
    search.set_callbacks()
    n_candidates = len(search.cv_results_["params"])
    progress.line(
        f"{args.search} search: {n_candidates} candidates × {search.n_splits_} folds = "
        f"{n_candidates * search.n_splits_} fits and a refit in {time.perf_counter() - started:.1f}s, "
        f"best cross-validated {scoring} {search.best_score_:.3f}"
    )
    return search


def _tuned_summary(search, prefix, kind, test_metrics, **extra):
    params = {key.removeprefix(prefix): value for key, value in search.best_params_.items()}
    return {
        **extra,
        "search": kind,
        "candidates": len(search.cv_results_["params"]),
        "scoring": search.scoring,
        "cv": search.n_splits_,
        "best_cv_score": search.best_score_,
        "best_params": params,
        "test": test_metrics,
    }


# ------------------------------------------------------------------ output
def prepare_out(out):
    """Check and create the output folder before any training, and remove
    the files an earlier run wrote there, so that no stale figure sits beside
    a new report."""
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
        for name in OUTPUTS:
            (out / name).unlink(missing_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


class Figures:
    """Saves the figures of a run under ``out``, as PNG files, and remembers
    their paths; ``available`` is false (and says why) without matplotlib."""

    def __init__(self, out, progress):
        from . import plotting

        self.out, self.progress, self.plotting, self.paths = out, progress, plotting, {}
        try:
            plotting._matplotlib_figure()
            self.available = True
        except ImportError as exc:
            progress.line(f"no figures: {exc}")
            self.available = False

    def save(self, name, figure):
        self.paths[name] = str(self.plotting.save_figure(figure, self.out / f"{name}.png"))
        self.progress.line(f"wrote {self.paths[name]}")

    def learning_rates(self, tuned):
        """The learning rate the tuned model used per epoch (none for L-BFGS)."""
        model = core(tuned)
        if any(rate is not None for rate in getattr(model, "learning_rates_", None) or []):
            label = self.plotting._short_repr(model.optimizer_)
            figure = self.plotting.plot_learning_rates({label: model}, title="Learning rate used by the tuned model")
            self.save("schedule", figure)
        else:
            self.progress.line(
                f"no schedule figure: the tuned model's optimizer ({display_name(model.optimizer_)}) "
                "has no learning rate"
            )


def write_figures(dataset, models, curves, n_validation, search, tuned, out, progress):
    """compare and tune: loss curves (with the validation score per epoch
    when ``curves`` has them), search progress and the tuned model's
    learning rate."""
    figures = Figures(out, progress)
    if not figures.available:
        return {}
    plot = figures.plotting
    score = "accuracy" if dataset.task == "classification" else "R²"
    has_validation = bool(curves) and any(curve is not None for curve in curves.values())
    figures.save("loss_curves", plot.plot_loss_curves(
        {DISPLAY[name]: core(model) for name, model in models.items()},
        validation_curves={DISPLAY[name]: curve for name, curve in curves.items()} if curves else None,
        validation_label=f"validation {score} ({n_validation} held-out samples)",
        title=f"{dataset.name}: training loss" + (f" and validation {score}" if has_validation else "") + " per epoch",
    ))  # fmt: skip
    if search is not None:
        figures.save("search_progress", plot.plot_search_progress(
            {type(search).__name__: search}, title=f"Tuning on {dataset.name}"
        ))  # fmt: skip
        figures.learning_rates(tuned)
    return figures.paths


_SHORT_HEADERS = {"validation log-loss": "val loss", "validation accuracy": "val acc"}


def format_table(rows, marked=()):
    """The rows as aligned text columns; rows whose optimizer is in
    ``marked`` get a ``*``."""
    columns = list(rows[0])
    cells = [[_cell(row[c]) + ("*" if c == "optimizer" and row[c] in marked else "") for c in columns] for row in rows]
    headers = [_SHORT_HEADERS.get(c, c) for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines += ["  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(lines)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def _param(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, bool)) or value is None:
        return value
    return repr(value)


def report(args, data_summary, notes, rows, tuned_summary, figures, out, table_notes=()):
    result = {
        "command": args.command,
        "data": data_summary,
        "notes": notes,
        "comparison": rows,
        "tuning": tuned_summary,
        "figures": figures,
    }
    result = _jsonable(result)
    if out is not None:
        (out / "report.json").write_text(json.dumps(result, indent=2))
        result["report"] = str(out / "report.json")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Data: {data_summary}")
    for note in notes:
        print(f"  {note}")
    if rows:
        print()
        print(format_table(rows, marked=[tuned_summary["optimizer"]] if tuned_summary and "optimizer" in tuned_summary else ()))
        for note in table_notes:
            print(note)
    if tuned_summary:
        print()
        picked = f" {tuned_summary['optimizer']}" if "optimizer" in tuned_summary else ""
        print(
            f"Tuned{picked} with {tuned_summary['search']} search ({tuned_summary['candidates']} candidates, "
            f"{tuned_summary['cv']}-fold cross-validated {tuned_summary['scoring']} "
            f"{_cell(tuned_summary['best_cv_score'])}):"
        )
        for key, value in tuned_summary["best_params"].items():
            print(f"  {key} = {_param(value)}")
        print("Tuned model on the test split: " + ", ".join(f"{k} {_cell(v)}" for k, v in tuned_summary["test"].items()))
        by_name = {row["optimizer"]: row for row in rows}
        if picked and "accuracy" in tuned_summary["test"]:
            before = [f"{name} {by_name[name]['accuracy']:.3f}" for name in (picked.strip(), *BASELINES) if name in by_name]
            print("  test accuracy before tuning: " + ", ".join(before))
    for name, path in figures.items():
        print(f"Figure ({name}): {path}")
    if out is not None:
        print(f"Report: {out / 'report.json'}")


# ------------------------------------------------------------------ commands
def _dataset(args):
    if args.csv:
        if not args.target:
            raise UsageError("--csv needs --target COLUMN")
        return load_csv(args.csv, args.target, args.task)
    if args.target:
        raise UsageError("--target is for --csv files")
    return load_bundled(args.dataset)


def _split(dataset, random_state):
    counts = np.unique(dataset.y, return_counts=True)[1]
    stratify = dataset.y if dataset.task == "classification" and counts.min() > 1 else None
    try:
        split = train_test_split(dataset.X, dataset.y, test_size=0.25, random_state=random_state, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"cannot split {dataset.name} into train and test: {exc}") from None
    if dataset.task == "classification" and len(np.unique(split[2])) < 2:
        raise DataError(f"the training split of {dataset.name} holds a single class: give more rows of each class")
    return split


def check_folds(cv, y, task, what):
    """``cv`` folds must fit the data: a one-line error, not a traceback or
    a warning from deep inside a search."""
    if cv > len(y):
        raise UsageError(f"--cv {cv}: {what} has only {len(y)} samples; use --cv {len(y)} or fewer")
    if task == "classification":
        classes, counts = np.unique(y, return_counts=True)
        smallest = counts.argmin()
        if counts[smallest] < cv:
            fix = f"use --cv {counts[smallest]} or fewer" if counts[smallest] >= 2 else "give it more rows"
            raise UsageError(
                f"--cv {cv}: class {_plain(classes[smallest])!r} has only {counts[smallest]} samples in {what}, "
                f"and every fold needs one; {fix}"
            )


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _can_hold_out(y, task, fraction=VALIDATION_FRACTION):
    """Whether a stratified validation split of ``fraction`` leaves every
    class on both sides."""
    n_validation = int(np.ceil(fraction * len(y)))
    if task == "regression":
        return n_validation >= 2 and len(y) - n_validation >= 2
    counts = np.unique(y, return_counts=True)[1]
    return counts.min() >= 2 and len(counts) <= n_validation <= len(y) - len(counts)


@dataclass
class ComparisonData:
    """compare's splits: models fit on ``X_fit``, draw their validation
    curve on ``X_val`` (None when the data are too few to hold some out)
    and are scored on ``X_test``. Regression targets are standardised by
    ``target_scaler``, fitted on ``y_fit``."""

    X_fit: object
    y_fit: np.ndarray
    X_val: object
    y_val: np.ndarray
    X_test: object
    y_test: np.ndarray
    target_scaler: object = None

    @classmethod
    def split(cls, dataset, X_train, y_train, X_test, y_test, random_state):
        X_fit, X_val, y_fit, y_val = X_train, None, y_train, None
        if _can_hold_out(y_train, dataset.task):
            stratify = y_train if dataset.task == "classification" else None
            X_fit, X_val, y_fit, y_val = train_test_split(
                X_train, y_train, test_size=VALIDATION_FRACTION, random_state=random_state, stratify=stratify
            )
        scaler = None
        if dataset.task == "regression":
            scaler = StandardScaler().fit(y_fit.reshape(-1, 1))
            y_fit = scaler.transform(y_fit.reshape(-1, 1)).ravel()
            y_val = None if y_val is None else scaler.transform(y_val.reshape(-1, 1)).ravel()
        return cls(X_fit, y_fit, X_val, y_val, X_test, y_test, scaler)

    def validation_score(self, pipeline):
        """The score (accuracy, or R², which scaling the target leaves alone)
        on the validation split of a snapshot of the pipeline's last step."""
        transformed = []

        def score(snapshot):
            if not transformed:  # the pipeline's preprocessing is fitted before its last step
                transformed.append(pipeline[:-1].transform(self.X_val))
            return snapshot.score(transformed[0], self.y_val)

        return score


def command_compare(args, progress):
    dataset = _dataset(args)
    progress.line(f"data: {dataset.summary()}")
    X_train, X_test, y_train, y_test = _split(dataset, args.random_state)
    data = ComparisonData.split(dataset, X_train, y_train, X_test, y_test, args.random_state)
    notes = list(dataset.notes)
    if data.X_val is None:
        notes.append("too few samples to hold out a validation split: every model trains on the whole training split")
    else:
        notes.append(
            f"each model trains on {len(data.y_fit)} samples of the training split; the other {len(data.y_val)} "
            "score every epoch (the validation curves of loss_curves.png); test metrics on the test split"
        )
    max_iter = args.max_iter or COMPARE_EPOCHS

    def make_model(name):
        estimator = make_estimator(
            dataset.task, args.estimator, OPTIMIZERS[name](), args.random_state, scale_target=False, max_iter=max_iter
        )
        return make_pipeline(clone(dataset.preprocessor), estimator)

    rows, models, curves = run_comparison(make_model, args.optimizers, data, dataset.task, progress)
    figures = {}
    if args.out is not None:
        figures = write_figures(dataset, models, curves, 0 if data.y_val is None else len(data.y_val), None, None, args.out, progress)
    report(args, dataset.summary(), notes, rows, None, figures, args.out)
    return 0


def command_tune(args, progress):
    dataset = _dataset(args)
    progress.line(f"data: {dataset.summary()}")
    X_train, X_test, y_train, y_test = _split(dataset, args.random_state)
    check_folds(args.cv, y_train, dataset.task, "the training split")

    def make_model(name):
        estimator = make_estimator(
            dataset.task, args.estimator, OPTIMIZERS[name](), args.random_state, max_iter=args.max_iter or COMPARE_EPOCHS
        )
        return make_pipeline(dataset.preprocessor, estimator)

    scoring = "f1_macro" if dataset.task == "classification" else "r2"
    prefix = _param_prefix(dataset.task, args.estimator)
    space = search_space(prefix, args.optimizers, args.search)
    search = run_search(make_model(args.optimizers[0]), space, X_train, y_train, args, progress, scoring)
    tuned = search.best_estimator_
    tuned_summary = _tuned_summary(search, prefix, args.search, evaluate(tuned, X_test, y_test, dataset.task))
    models = {_name_of(core(tuned).optimizer_): tuned}
    figures = write_figures(dataset, models, None, 0, search, tuned, args.out, progress) if args.out is not None else {}
    notes = [*dataset.notes, f"the tuned model is refitted on the whole training split ({len(y_train)} samples)"]
    report(args, dataset.summary(), notes, [], tuned_summary, figures, args.out)
    return 0


def _param_prefix(task, kind):
    """Where our estimator's parameters sit in the pipeline of make_estimator."""
    if task == "regression":
        return "transformedtargetregressor__regressor__"
    return ("linearclassifier" if kind == "linear" else "mlpclassifier") + "__"


def _name_of(optimizer):
    return next(name for name, cls in OPTIMIZERS.items() if type(optimizer) is cls)


# ------------------------------------------------------------------ the demo
def command_demo(args, progress):
    """Pretrain on clean digits, fine-tune to a tilted, noisier camera with
    each optimizer, pick the lowest validation loss, tune it by
    cross-validation, evaluate everything on the test digits."""
    seed = args.random_state
    scenario = _demo.make_scenario(seed)
    check_folds(args.cv, scenario.y_labelled, "classification", "the labelled digits")
    epochs = args.max_iter or _demo.EPOCHS
    source = _demo.source_network(seed)
    fit_quietly(source, scenario.X_source, scenario.y_source)
    progress.line(f"pretrained a {_demo.HIDDEN} network on {len(scenario.y_source)} clean digits ({source.n_iter_} epochs)")

    def row(name, model, epochs_run, seconds):
        validation = _demo.validation_scores(model, scenario.X_val, scenario.y_val)
        return {
            "optimizer": name,
            "epochs": epochs_run,
            "fit seconds": seconds,
            "validation log-loss": validation["log-loss"],
            "validation accuracy": validation["accuracy"],
            **evaluate(model, scenario.X_test, scenario.y_test, "classification"),
        }

    scratch = _demo.from_scratch(seed)
    seconds = fit_quietly(scratch, scenario.X_train, scenario.y_train)
    rows = [row(BASELINES[0], source, 0, 0.0), row(BASELINES[1], scratch, scratch.n_iter_, seconds)]
    models, curves = {}, {}
    for name in args.optimizers:
        model = _demo.fine_tuned(source, _demo.fine_tuning_optimizer(name), seed, max_iter=epochs)
        curve = _demo.ValidationCurve(lambda snapshot: _demo.validation_scores(snapshot, scenario.X_val, scenario.y_val))
        model.set_callbacks(curve, Heartbeat(progress, DISPLAY[name]))
        seconds = fit_quietly(model, scenario.X_train, scenario.y_train)
        model.set_callbacks()
        rows.append(row(DISPLAY[name], model, model.n_iter_, seconds))
        models[name], curves[name] = model, [scores["log-loss"] for scores in curve.scores]
        progress.line(
            f"{DISPLAY[name]}: validation log-loss {rows[-1]['validation log-loss']:.3f}, "
            f"test accuracy {rows[-1]['accuracy']:.3f}"
        )

    by_name = {row["optimizer"]: row for row in rows}
    best = _demo.choose({name: {"log-loss": by_name[DISPLAY[name]]["validation log-loss"]} for name in models})
    progress.line(f"lowest validation log-loss: {DISPLAY[best]}; tuning it by {args.cv}-fold cross-validation")
    # Fine-tuning moves pretrained weights: rates far above the chosen one
    # (the edge of stability) can score well in cross-validation and still
    # wreck the refit on all the labelled digits, so the search stays near.
    space = search_space(
        "", [best], args.search, finetune=True, rates={best: _demo.fine_tuning_rate(best)}, span=_demo.SEARCH_SPAN
    )
    base = _demo.fine_tuned(source, _demo.fine_tuning_optimizer(best), seed, max_iter=epochs)
    search = run_search(
        base, space, scenario.X_labelled, scenario.y_labelled, args, progress, "neg_log_loss",
        fit_seconds=by_name[DISPLAY[best]]["fit seconds"],
    )  # fmt: skip
    tuned = search.best_estimator_
    test = evaluate(tuned, scenario.X_test, scenario.y_test, "classification")
    tuned_summary = _tuned_summary(search, "", args.search, test, optimizer=DISPLAY[best])

    notes = _demo_notes(scenario, source, args, epochs, best, by_name, tuned_summary["best_params"])
    table_notes = [
        "* the optimizer chosen: lowest validation log-loss (val loss). Only the val columns and the search's "
        "cross-validation are used to choose; the test columns are reported, never used.",
        *_coincidences(models, rows, scenario),
    ]
    figures = {}
    if args.out is not None:
        figures = write_demo_figures(models, curves, by_name, search, tuned, best, scenario, args, progress)
    report(args, scenario.summary(), notes, rows, tuned_summary, figures, args.out, table_notes)
    return 0


def _demo_notes(scenario, source, args, epochs, best, by_name, tuned_params):
    rates = ", ".join(
        f"{DISPLAY[name]} {_demo.fine_tuning_rate(name):g}" if _demo.fine_tuning_rate(name) else
        f"{DISPLAY[name]} runs {epochs} iterations" for name in args.optimizers
    )  # fmt: skip
    tuned = ", ".join(key.replace("optimizer__", "") for key in tuned_params if key != "optimizer")
    labelled = len(scenario.y_labelled)
    return [
        f"source: a {_demo.HIDDEN} network pretrained on {len(scenario.y_source)} clean digits "
        f"({source.n_iter_} epochs, early stopping)",
        f"target: the other digits through a new camera, tilted {_demo.TILT:g}° with pixel noise "
        f"σ = {_demo.NOISE:g} grey levels; {len(scenario.y_train)} labelled to train on, "
        f"{len(scenario.y_val)} to validate on, {len(scenario.y_test)} to test",
        f"each optimizer fine-tunes the pretrained network (output layer kept) for {epochs} epochs of batches "
        f"of {_demo.BATCH_SIZE} at its default learning rate × its family's factor (chosen on validation "
        f"data of other seeds): {rates}",
        f"(from scratch): the same network from random weights, Adam(lr={_demo.SCRATCH_RATE:g}) for "
        f"{_demo.SCRATCH_EPOCHS} epochs on the same {len(scenario.y_train)} digits",
        f"chosen on validation, never on test: {DISPLAY[best]} has the lowest validation log-loss "
        f"({by_name[DISPLAY[best]]['validation log-loss']:.3f}); its {tuned} are then tuned by {args.search} "
        f"search, {args.cv}-fold cross-validated on the {labelled} labelled digits (train + validation)",
    ]


def _coincidences(models, rows, scenario):
    """Optimizers with the same test accuracy, and why: the same predictions
    for a reason we can name, or a coincidence of counts."""
    accuracy = {row["optimizer"]: row["accuracy"] for row in rows}
    names = list(models)
    notes = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if accuracy[DISPLAY[a]] != accuracy[DISPLAY[b]]:
                continue
            disagree = int((models[a].predict(scenario.X_test) != models[b].predict(scenario.X_test)).sum())
            pair = f"{DISPLAY[a]} and {DISPLAY[b]} have the same test accuracy"
            if disagree:
                notes.append(f"{pair} by coincidence: they disagree on {disagree} test digits.")
            else:
                reason = _same_training(models[a], models[b], len(scenario.y_train))
                notes.append(f"{pair}: they predict every test digit alike. {reason}")
    return notes


def _same_training(a, b, n_train):
    """Why two fine-tuned models may end alike."""
    kinds = {_name_of(a.optimizer_), _name_of(b.optimizer_)}
    if kinds == {"adam", "adamw"}:
        adamw = a.optimizer_ if _name_of(a.optimizer_) == "adamw" else b.optimizer_
        steps = a.n_iter_ * -(-n_train // _demo.BATCH_SIZE)
        return (
            f"AdamW is Adam plus a weight decay of weight_decay × learning rate = "
            f"{adamw.weight_decay * adamw.learning_rate:.0e} per step, {steps} steps here: "
            "too little to change a prediction."
        )
    if kinds == {"gd", "sgd"} and _demo.BATCH_SIZE >= n_train:
        return "SGD's batches hold every training digit, which makes it GD."
    return "Their probabilities still differ (see the validation log-loss)."


def write_demo_figures(models, curves, by_name, search, tuned, best, scenario, args, progress):
    """The demo's loss curves (training and validation log-loss, with the
    baselines), the search's progress and the tuned learning rate."""
    figures = Figures(args.out, progress)
    if not figures.available:
        return {}
    plot = figures.plotting
    figures.save("loss_curves", plot.plot_loss_curves(
        {DISPLAY[name]: model for name, model in models.items()},
        validation_curves={DISPLAY[name]: curve for name, curve in curves.items()},
        validation_label=f"validation log-loss ({len(scenario.y_val)} digits)",
        baselines={name: by_name[name]["validation log-loss"] for name in BASELINES},
        title=f"Fine-tuning to a tilted, noisy camera (digits, {len(scenario.y_train)} to train on): log-loss per epoch",
    ))  # fmt: skip
    figures.save("search_progress", plot.plot_search_progress(
        {f"{args.search} search over {DISPLAY[best]}": search},
        title=f"Tuning {DISPLAY[best]}: {search.n_splits_}-fold cross-validation on "
        f"{len(scenario.y_labelled)} labelled digits",
    ))  # fmt: skip
    figures.learning_rates(tuned)
    return figures.paths


BASELINES = ("(pretrained as is)", "(from scratch)")
COMMANDS = {"demo": command_demo, "compare": command_compare, "tune": command_tune}


# ------------------------------------------------------------------ parsing
class _Parser(argparse.ArgumentParser):
    """Errors in one line, exit code 2, no usage dump."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def _optimizer_list(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if text.strip().lower() == "all":
        return list(ALL_OPTIMIZERS)
    unknown = [name for name in names if name not in OPTIMIZERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown optimizer {', '.join(map(repr, unknown)) or repr(text)}; choose from {', '.join(OPTIMIZERS)} or 'all'"
        )
    return list(dict.fromkeys(names))


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def _cv_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("--cv needs at least 2 folds")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: give a positive number, or -1 for every core")
    return value


def _option_groups():
    """The options, in groups; each command takes some of the groups."""
    data = _Parser(add_help=False)
    group = data.add_argument_group("data (compare, tune)")
    group.add_argument("--dataset", choices=sorted(BUNDLED), default="digits",
                       help="a data set bundled with scikit-learn (diabetes is regression; default: digits)")
    group.add_argument("--csv", metavar="PATH", help="your own table: a CSV file with a header row")
    group.add_argument("--target", metavar="COLUMN", help="the column of --csv to predict")
    group.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                       help="what --target is (auto: a non-numeric target, or one with <= 20 integer values, is a class)")
    group.add_argument("--estimator", choices=["linear", "mlp"], default="mlp",
                       help="LinearClassifier/LinearRegressor or MLPClassifier/MLPRegressor (default: mlp)")

    training = _Parser(add_help=False)
    group = training.add_argument_group("training (every command)")
    group.add_argument("--optimizers", type=_optimizer_list, metavar="LIST",
                       help=f"comma-separated optimizers, or 'all' (default: all; {','.join(TUNE_OPTIMIZERS)} for "
                       f"tune): {', '.join(ALL_OPTIMIZERS)}")
    group.add_argument("--max-iter", type=_positive_int, metavar="N",
                       help=f"epochs per fit, iterations for L-BFGS (default: {_demo.EPOCHS} of fine-tuning in the "
                       f"demo, {COMPARE_EPOCHS} for compare and tune)")
    group.add_argument("--random-state", type=int, default=0, metavar="SEED",
                       help="seed of data splits, initial weights and searches (default: 0)")

    tuning = _Parser(add_help=False)
    group = tuning.add_argument_group("tuning (demo, tune)")
    group.add_argument("--search", choices=["bayes", "random", "grid"], default="bayes",
                       help="BayesSearchCV, RandomizedSearchCV or GridSearchCV (default: bayes)")
    group.add_argument("--n-iter", type=_positive_int, default=12, metavar="N",
                       help="candidates evaluated by a bayes or random search (default: 12)")
    group.add_argument("--cv", type=_cv_folds, default=3, metavar="K",
                       help="cross-validation folds of the search (default: 3)")
    group.add_argument("--n-jobs", type=_n_jobs, default=1, metavar="N",
                       help="fits the search runs in parallel, -1 for every core (default: 1)")

    output = _Parser(add_help=False)
    group = output.add_argument_group("output (every command)")
    group.add_argument("--out", type=Path, default=Path("skopt_lab_output"), metavar="DIR",
                       help="folder for the PNG figures and report.json, created if needed; the files of an "
                       "earlier run there are replaced (default: ./skopt_lab_output)")
    group.add_argument("--no-figures", dest="out", action="store_const", const=None,
                       help="write no figures and no report file")
    group.add_argument("--json", action="store_true", help="print the report as JSON on stdout instead of tables")
    group.add_argument("--quiet", action="store_true", help="no progress lines and no warnings on stderr")
    return {"data": data, "training": training, "tuning": tuning, "output": output}


COMMAND_GROUPS = {
    "demo": ("training", "tuning", "output"),
    "compare": ("data", "training", "output"),
    "tune": ("data", "training", "tuning", "output"),
}


def build_parser():
    groups = _option_groups()
    parser = _Parser(
        prog="skopt-lab",
        description="Compare, tune and evaluate optimizers of scikit-learn models.",
        epilog="Without a command, runs the demo. The options, and the commands that take them:\n\n"
        + "\n".join(group.format_help().split("\n", 1)[1] for group in groups.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skopt_lab {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    parser.commands = commands.choices  # command name -> its parser
    descriptions = {
        "demo": ("the whole story on the digits: pretrain, fine-tune, compare, tune, evaluate, plot",
                 "Pretrain a network on clean digits, fine-tune it to a tilted, noisier camera with every optimizer, "
                 "choose the lowest validation loss, tune it by cross-validation and evaluate on test digits."),
        "compare": ("compare optimizers on a data set",
                    "Train one model per optimizer and compare their test metrics."),
        "tune": ("tune hyperparameters on a data set",
                 f"Search over the optimizers (default: {', '.join(TUNE_OPTIMIZERS)}), each with its learning rate "
                 "around its default, a schedule, and the penalty alpha, by cross-validation on the training split."),
    }
    for command, (summary, description) in descriptions.items():
        commands.add_parser(command, parents=[groups[g] for g in COMMAND_GROUPS[command]], help=summary,
                            description=description)
    return parser


def _refuse_foreign_options(parser, argv):
    """An option of another command is refused by name, not ignored."""
    command, subparsers = argv[0], parser.commands
    if command not in subparsers:
        return
    own = set(subparsers[command]._option_string_actions)
    for arg in argv[1:]:
        option = arg.split("=", 1)[0]
        if option.startswith("--") and option not in own:
            takers = [name for name, sub in subparsers.items() if option in sub._option_string_actions]
            if takers:
                raise UsageError(
                    f"{command} does not take {option} (an option of {' and '.join(takers)}; "
                    f"see skopt-lab {command} --help)"
                )


def parse_args(argv):
    parser = build_parser()
    if argv and not argv[0].startswith("-"):
        _refuse_foreign_options(parser, argv)
    args = parser.parse_args(argv)
    if args.optimizers is None:
        args.optimizers = list(TUNE_OPTIMIZERS) if args.command == "tune" else list(ALL_OPTIMIZERS)
    return args


def _report_warnings(caught, progress):
    """One line per distinct warning that reached the command's level."""
    seen = set()
    for warning in caught:
        message = str(warning.message).strip().splitlines()[0]
        if (warning.category, message) not in seen:
            seen.add((warning.category, message))
            progress.line(f"warning ({warning.category.__name__}): {message}")


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["demo", *argv]
    try:
        args = parse_args(argv)
        progress = Progress(args.quiet)
        prepare_out(args.out)
        with warnings.catch_warnings(record=True) as caught:
            # --quiet silences every warning, in worker processes too
            # (scikit-learn hands its warning filters to its joblib workers).
            warnings.simplefilter("ignore" if args.quiet else "default")
            code = COMMANDS[args.command](args, progress)
        _report_warnings(caught, progress)
        return code
    except (UsageError, DataError) as exc:
        print(f"skopt-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skopt-lab: interrupted", file=sys.stderr)
        return 130
