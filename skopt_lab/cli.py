"""The command line: compare optimizers, tune, evaluate and plot.

``python -m skopt_lab`` (or ``skopt-lab``) runs the demo on the digits: a
network pretrained on clean digits is fine-tuned to a noisier sensor with
every optimizer of the package, the best is tuned by a search, and the
figures are written. ``compare`` and ``tune`` run the same steps on a bundled
data set or a CSV file. Results go to stdout (a table, or JSON with
``--json``), progress to stderr, figures and a JSON report to ``--out``.
"""

import argparse
import contextlib
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
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
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import __version__
from ._data import BUNDLED, DataError, load_bundled, load_csv
from .linear_model import LinearClassifier, LinearRegressor
from .model_selection import BayesSearchCV
from .neural_network import MLPClassifier, MLPRegressor
from .optimizers import DISPLAY_NAMES, OPTIMIZERS, CosineAnnealing, ExponentialDecay

SCHEDULES = (None, CosineAnnealing(warmup_epochs=3), ExponentialDecay(gamma=0.97))
# The registry lists the seed document's six first.
ALL_OPTIMIZERS = list(OPTIMIZERS)
DISPLAY = DISPLAY_NAMES


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
    line every ``every`` seconds with the epoch or the number of fits done.
    """

    max_propagation_depth = None  # also follow the fits inside a search

    def __init__(self, progress, label, every=2.0):
        self.progress, self.label, self.every = progress, label, every
        self.fits = self.rounds = 0
        self.last = time.perf_counter()

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "round":
            self.rounds += 1
            self.progress.line(f"{self.label}: round {self.rounds} evaluated ({self.fits} fits)")
            self.last = time.perf_counter()
            return
        if context.task_name == "fit" and context.parent is not None:
            self.fits += 1
            message = f"{self.label}: {self.fits} fits done"
        elif context.task_name == "epoch":
            message = f"{self.label}: epoch {context.task_id + 1}"
        else:
            return
        if time.perf_counter() - self.last >= self.every:
            self.progress.line(message)
            self.last = time.perf_counter()


# ------------------------------------------------------------------ models
def make_estimator(task, kind, optimizer, random_state, **params):
    """Our estimator for the task; regression targets are standardised so
    that every optimizer's default learning rate suits them."""
    if kind == "linear":
        Estimator = LinearClassifier if task == "classification" else LinearRegressor
        model = Estimator(optimizer, random_state=random_state, **params)
    else:
        Estimator = MLPClassifier if task == "classification" else MLPRegressor
        model = Estimator((64,), optimizer=optimizer, random_state=random_state, **params)
    if task == "regression":
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


def evaluate(model, X, y, task):
    """Test metrics computed with scikit-learn's metrics."""
    predicted = model.predict(X)
    if task == "regression":
        return {
            "R2": r2_score(y, predicted),
            "MAE": mean_absolute_error(y, predicted),
            "RMSE": root_mean_squared_error(y, predicted),
        }
    proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    metrics = {
        "accuracy": accuracy_score(y, predicted),
        "precision": precision_score(y, predicted, average="macro", zero_division=0),
        "recall": recall_score(y, predicted, average="macro", zero_division=0),
        "F1": f1_score(y, predicted, average="macro", zero_division=0),
    }
    if proba is not None:
        classes = core(model).classes_
        if len(classes) == 2:
            metrics["ROC-AUC"] = roc_auc_score(y, proba[:, 1])
        elif set(np.unique(y)) == set(classes):
            metrics["ROC-AUC"] = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return metrics


@contextlib.contextmanager
def _expected_warnings():
    """Silence what the command line expects: a short budget ending before
    convergence, and pipeline steps that cannot pass the progress callback
    on (ColumnTransformer, TransformedTargetRegressor)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="The estimator .* does not support callbacks", category=UserWarning)
        yield


def fit_quietly(model, X, y):
    """Fit and time it."""
    started = time.perf_counter()
    with _expected_warnings():
        model.fit(X, y)
    return time.perf_counter() - started


def run_comparison(make_model, names, X_train, y_train, X_test, y_test, task, progress):
    """Fit one model per optimizer; rows of the comparison table."""
    rows, models = [], {}
    for name in names:
        model = make_model(name)
        model.set_callbacks(Heartbeat(progress, DISPLAY[name]))
        seconds = fit_quietly(model, X_train, y_train)
        model.set_callbacks()
        metrics = evaluate(model, X_test, y_test, task)
        rows.append({"optimizer": DISPLAY[name], "epochs": core(model).n_iter_, "fit seconds": seconds, **metrics})
        models[name] = model
        headline = next(iter(metrics))
        progress.line(f"{DISPLAY[name]}: {core(model).n_iter_} epochs, {headline} {metrics[headline]:.3f}")
    return rows, models


def best_name(rows, models, task):
    key = "F1" if task == "classification" else "R2"
    best = max(range(len(rows)), key=lambda i: rows[i][key])
    return list(models)[best]


def search_space(prefix, names, search, finetune=False):
    """What a search explores, one subspace per optimizer: its learning rate
    around the default (log scale), a schedule, and the L2 penalty ``alpha``
    (and which layers to freeze when fine-tuning). Lists for a grid search."""
    grid = search == "grid"
    space = []
    for name in names:
        optimizer = OPTIMIZERS[name]()
        subspace = {f"{prefix}optimizer": [optimizer]}
        if hasattr(optimizer, "learning_rate"):
            base = optimizer.learning_rate
            subspace[f"{prefix}optimizer__learning_rate"] = (
                [base / 10, base, base * 10] if grid else loguniform(base / 10, base * 10)
            )
            subspace[f"{prefix}optimizer__schedule"] = list(SCHEDULES)
        subspace[f"{prefix}alpha"] = [1e-5, 1e-3] if grid else loguniform(1e-6, 1e-1)
        if finetune:
            subspace[f"{prefix}freeze_layers"] = [0, 1]
        space.append(subspace)
    return space


def run_search(model, space, X, y, args, progress, scoring):
    kwargs = dict(cv=args.cv, scoring=scoring, n_jobs=args.n_jobs, error_score=np.nan)
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
    search.set_callbacks(Heartbeat(progress, f"{args.search} search"))
    with _expected_warnings():
        search.fit(X, y)
    search.set_callbacks()
    progress.line(
        f"{args.search} search: {len(search.cv_results_['params'])} candidates, best CV {scoring} "
        f"{search.best_score_:.3f}"
    )
    return search


# ------------------------------------------------------------------ output
def write_figures(models, searches, tuned, out, progress):
    """Loss curves, search progress and the tuned schedule, as PNG files."""
    from . import plotting

    try:
        plotting._matplotlib_figure()
    except ImportError as exc:
        progress.line(f"no figures: {exc}")
        return {}
    out.mkdir(parents=True, exist_ok=True)
    estimators = {DISPLAY[name]: core(model) for name, model in models.items()}
    paths = {"loss_curves": plotting.save_figure(plotting.plot_loss_curves(estimators), out / "loss_curves.png")}
    if searches:
        paths["search_progress"] = plotting.save_figure(
            plotting.plot_search_progress(searches), out / "search_progress.png"
        )
    optimizer = core(tuned).optimizer_ if tuned is not None else None
    if optimizer is not None and getattr(optimizer, "learning_rate", None) is not None:
        paths["schedule"] = plotting.save_figure(
            plotting.plot_schedule(_schedule_choices(optimizer), core(tuned).max_iter), out / "schedule.png"
        )
    for path in paths.values():
        progress.line(f"wrote {path}")
    return {key: str(path) for key, path in paths.items()}


def _schedule_choices(tuned_optimizer):
    """The tuned learning rate under each schedule the search could pick."""
    choices = {}
    for schedule in SCHEDULES:
        candidate = clone(tuned_optimizer).set_params(schedule=schedule)
        name = "constant" if schedule is None else type(schedule).__name__
        chosen = _same_schedule(schedule, tuned_optimizer.schedule)
        choices[f"{name}{' (tuned)' if chosen else ''}"] = candidate
    return choices


def _same_schedule(a, b):
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a.get_params() == b.get_params()


def format_table(rows):
    columns = list(rows[0])
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(columns, widths)))]
    lines += ["  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(lines)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


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


def report(args, data_summary, notes, rows, tuned_summary, figures, out):
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
        out.mkdir(parents=True, exist_ok=True)
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
        print(format_table(rows))
    if tuned_summary:
        print()
        print(f"Tuned with {tuned_summary['search']} search ({tuned_summary['candidates']} candidates):")
        for key, value in tuned_summary["best_params"].items():
            print(f"  {key} = {_param(value)}")
        print("Tuned model on the test split: " + ", ".join(f"{k} {_cell(v)}" for k, v in tuned_summary["test"].items()))
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
    stratify = dataset.y if dataset.task == "classification" and np.unique(dataset.y, return_counts=True)[1].min() > 1 else None
    try:
        return train_test_split(dataset.X, dataset.y, test_size=0.25, random_state=random_state, stratify=stratify)
    except ValueError as exc:
        raise DataError(f"cannot split {dataset.name} into train and test: {exc}") from None


def command_compare(args, progress, tune=False):
    dataset = _dataset(args)
    progress.line(f"data: {dataset.summary()}")
    X_train, X_test, y_train, y_test = _split(dataset, args.random_state)

    def make_model(name, optimizer=None):
        estimator = make_estimator(
            dataset.task, args.estimator, optimizer or OPTIMIZERS[name](), args.random_state, max_iter=args.max_iter
        )
        return make_pipeline(dataset.preprocessor, estimator)

    rows, models, searches, tuned, tuned_summary = [], {}, {}, None, None
    if tune:
        scoring = "f1_macro" if dataset.task == "classification" else "r2"
        prefix = _param_prefix(dataset.task, args.estimator)
        space = search_space(prefix, args.optimizers, args.search)
        search = run_search(make_model(args.optimizers[0]), space, X_train, y_train, args, progress, scoring)
        searches = {f"{args.search} search": search}
        tuned = search.best_estimator_
        tuned_summary = _tuned_summary(search, prefix, args.search, evaluate(tuned, X_test, y_test, dataset.task))
        models = {_name_of(core(tuned).optimizer_): tuned}
    else:
        rows, models = run_comparison(
            make_model, args.optimizers, X_train, y_train, X_test, y_test, dataset.task, progress
        )
    figures = write_figures(models, searches, tuned, args.out, progress) if args.out is not None else {}
    report(args, dataset.summary(), dataset.notes, rows, tuned_summary, figures, args.out)
    return 0


def _param_prefix(task, kind):
    """Where our estimator's parameters sit in the pipeline of make_estimator."""
    if task == "regression":
        return "transformedtargetregressor__regressor__"
    return ("linearclassifier" if kind == "linear" else "mlpclassifier") + "__"


def _name_of(optimizer):
    return next(name for name, cls in OPTIMIZERS.items() if type(optimizer) is cls)


def _tuned_summary(search, prefix, kind, test_metrics):
    params = {key.removeprefix(prefix): value for key, value in search.best_params_.items()}
    return {
        "search": kind,
        "candidates": len(search.cv_results_["params"]),
        "best_cv_score": search.best_score_,
        "best_params": params,
        "test": test_metrics,
    }


def command_tune(args, progress):
    return command_compare(args, progress, tune=True)


def command_demo(args, progress):
    """Fine-tune a network pretrained on clean digits to a noisier sensor."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(args.random_state)
    X = X / 16.0
    source = MLPClassifier((128, 64), early_stopping=True, random_state=args.random_state)
    fit_quietly(source, X[:1000], y[:1000])
    progress.line(f"pretrained a (128, 64) network on 1000 clean digits ({source.n_iter_} epochs)")

    X_noisy = np.clip(X[1000:] + rng.normal(scale=6.0 / 16, size=X[1000:].shape), 0, 1)
    y_target = y[1000:]
    train = np.concatenate([rng.choice(np.flatnonzero(y_target == c), 10, replace=False) for c in range(10)])
    test = np.setdiff1d(np.arange(len(y_target)), train)
    X_train, y_train, X_test, y_test = X_noisy[train], y_target[train], X_noisy[test], y_target[test]
    progress.line(f"new sensor: {len(train)} labelled noisy digits to adapt, {len(test)} to test")

    frozen = FrozenEstimator(source)

    def make_model(name, optimizer=None):
        return MLPClassifier(
            pretrained=frozen,
            keep_output_layer=True,
            optimizer=optimizer or OPTIMIZERS[name](),
            max_iter=args.max_iter,
            tol=None,
            random_state=args.random_state,
        )

    rows, models = run_comparison(make_model, args.optimizers, X_train, y_train, X_test, y_test, "classification", progress)
    as_is = evaluate(source, X_test, y_test, "classification")
    rows.insert(0, {"optimizer": "(pretrained as is)", "epochs": 0, "fit seconds": 0.0, **as_is})
    best = best_name(rows[1:], models, "classification")
    space = search_space("", [best], args.search, finetune=True)
    search = run_search(make_model(best), space, X_train, y_train, args, progress, "f1_macro")
    tuned = search.best_estimator_
    tuned_summary = _tuned_summary(search, "", args.search, evaluate(tuned, X_test, y_test, "classification"))
    figures = write_figures(models, {f"{args.search} search": search}, tuned, args.out, progress) if args.out else {}
    notes = [
        "pretrained on 1000 clean digits; fine-tuned with each optimizer (10 noisy digits per class, "
        "Gaussian pixel noise σ = 6 grey levels) keeping the output layer; metrics on the other noisy digits",
        f"best optimizer: {DISPLAY[best]}; then tuned its learning rate, schedule, alpha and freeze_layers",
    ]
    report(args, f"digits through a noisy sensor: {len(train)} train, {len(test)} test", notes, rows, tuned_summary, figures, args.out)
    return 0


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
    return names


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def build_parser():
    common = _Parser(add_help=False)
    data = common.add_argument_group("data")
    data.add_argument("--dataset", choices=sorted(BUNDLED), default="digits",
                      help="a data set bundled with scikit-learn (diabetes is regression; default: digits)")
    data.add_argument("--csv", metavar="PATH", help="your own table: a CSV file with a header row")
    data.add_argument("--target", metavar="COLUMN", help="the column of --csv to predict")
    data.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                      help="what --target is (auto: a non-numeric target, or one with <= 20 integer values, is a class)")
    model = common.add_argument_group("model and training")
    model.add_argument("--estimator", choices=["linear", "mlp"], default="mlp",
                       help="LinearClassifier/LinearRegressor or MLPClassifier/MLPRegressor (default: mlp)")
    model.add_argument("--optimizers", type=_optimizer_list, metavar="LIST",
                       help=f"comma-separated optimizers, or 'all' (default: all; sgd,rmsprop,adam for tune): "
                       f"{', '.join(ALL_OPTIMIZERS)}")
    model.add_argument("--max-iter", type=_positive_int, default=100, metavar="N",
                       help="epochs per fit (L-BFGS iterations) (default: 100)")
    tuning = common.add_argument_group("tuning")
    tuning.add_argument("--search", choices=["bayes", "random", "grid"], default="bayes",
                        help="BayesSearchCV, RandomizedSearchCV or GridSearchCV (default: bayes)")
    tuning.add_argument("--n-iter", type=_positive_int, default=12, metavar="N",
                        help="candidates evaluated by a bayes or random search (default: 12)")
    tuning.add_argument("--cv", type=_cv_folds, default=3, metavar="K", help="cross-validation folds (default: 3)")
    tuning.add_argument("--n-jobs", type=int, default=1, metavar="N", help="parallel fits in the search (default: 1)")
    output = common.add_argument_group("output")
    output.add_argument("--random-state", type=int, default=0, metavar="SEED",
                        help="seed of splits, initial weights and searches (default: 0)")
    output.add_argument("--out", type=Path, default=Path("skopt_lab_output"), metavar="DIR",
                        help="folder for the PNG figures and report.json (default: ./skopt_lab_output)")
    output.add_argument("--no-figures", dest="out", action="store_const", const=None,
                        help="write no figures and no report file")
    output.add_argument("--json", action="store_true", help="print the report as JSON on stdout instead of tables")
    output.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    parser = _Parser(
        prog="skopt-lab",
        description="Compare, tune and evaluate optimizers of scikit-learn models.",
        epilog="Without a command, runs the demo. Every command takes these options:\n\n"
        + common.format_help().split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skopt_lab {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    commands.add_parser("demo", parents=[common], help="the whole story on the digits: fine-tune, compare, tune, plot",
                        description="Pretrain a network on clean digits, fine-tune it to a noisier sensor with every "
                        "optimizer, tune the best one and write the figures.")
    commands.add_parser("compare", parents=[common], help="compare optimizers on a data set",
                        description="Train one model per optimizer and compare their test metrics.")
    commands.add_parser("tune", parents=[common], help="tune hyperparameters on a data set",
                        description="Search over the optimizers (default: sgd, rmsprop, adam), each with its "
                        "learning rate around its default, a schedule, and the penalty alpha.")
    return parser


def _cv_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("--cv needs at least 2 folds")
    return value


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["demo", *argv]
    try:
        args = build_parser().parse_args(argv)
        if args.optimizers is None:
            args.optimizers = ["sgd", "rmsprop", "adam"] if args.command == "tune" else list(ALL_OPTIMIZERS)
        progress = Progress(args.quiet)
        return COMMANDS[args.command](args, progress)
    except (UsageError, DataError) as exc:
        print(f"skopt-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skopt-lab: interrupted", file=sys.stderr)
        return 130
