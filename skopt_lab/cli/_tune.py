"""``tune``: a cross-validated search over optimizers, their learning rates,
a schedule and the penalty, on the training split; the best refitted on
all of it and scored on the test split. With ``--objectives``, a
multi-objective search whose Pareto front is reported."""

from ..metrics import n_parameters_scorer
from ..optimizers import OPTIMIZERS, display_name
from ._compare import EPOCHS, loss_curves
from ._data import load, split
from ._errors import UsageError
from ._models import evaluate, innermost, make_model, param_prefix
from ._report import Figures, report
from ._search import pareto_summary, run_search, search_space, tuned_summary

OPTIMIZERS_TUNED = ("sgd", "rmsprop", "adam")  # tune's default --optimizers
# --objectives: name -> scorer, None for the times cv_results_ measures
OBJECTIVES = {
    "accuracy": "accuracy",
    "f1_macro": "f1_macro",
    "r2": "r2",
    "neg_mean_absolute_error": "neg_mean_absolute_error",
    "n_parameters": n_parameters_scorer,
    "fit_time": None,
    "score_time": None,
}
METRIC_TASKS = {"accuracy": "classification", "f1_macro": "classification", "r2": "regression",
                "neg_mean_absolute_error": "regression"}  # fmt: skip
# The hidden layer sizes searched when the size of the MLP is an objective: up to compare's (64,).
HIDDEN_SIZES = [(4,), (8,), (16,), (32,), (64,)]


def objectives_search(objectives, task, prefix, kind, space):
    """The scoring dict and space of a search for ``objectives``, refusing
    a metric of the other task before any training."""
    wrong = [name for name in objectives if METRIC_TASKS.get(name, task) != task]
    if wrong:
        raise UsageError(f"--objectives {','.join(objectives)}: {', '.join(wrong)} is not a {task} metric")
    if "n_parameters" in objectives and kind == "mlp":
        space = [{**subspace, f"{prefix}hidden_layer_sizes": HIDDEN_SIZES} for subspace in space]
    return {name: OBJECTIVES[name] for name in objectives if OBJECTIVES[name] is not None}, space


def run(args, progress):
    dataset = load(args, progress)
    X_train, X_test, y_train, y_test = split(dataset, args.random_state, cv=args.cv)
    scoring = "f1_macro" if dataset.task == "classification" else "r2"
    prefix = param_prefix(dataset.task, args.estimator)
    space = search_space(prefix, args.optimizers, args.search)
    model = make_model(dataset, args.estimator, OPTIMIZERS[args.optimizers[0]](), args.random_state,
                       max_iter=args.max_iter or EPOCHS)  # fmt: skip
    if args.objectives:
        scoring, space = objectives_search(args.objectives, dataset.task, prefix, args.estimator, space)
    search = run_search(model, space, X_train, y_train, args, progress, scoring, objectives=args.objectives)
    tuned = search.best_estimator_
    test = evaluate(tuned, X_test, y_test, dataset.task)
    summary = tuned_summary(search, prefix, args.search, test, random_state=args.random_state)
    if args.objectives:
        summary.update(pareto_summary(search, prefix))
    figures = None
    if args.out is not None:
        figures = Figures(args.out, progress)
        loss_curves(figures, dataset, {display_name(innermost(tuned).optimizer_): tuned})
        figures.draw("search_progress", figures.plotting.plot_search_progress, {type(search).__name__: search},
                     title=f"Tuning on {dataset.name}")  # fmt: skip
        figures.learning_rates(innermost(tuned))
        figures.importances(search, summary, prefix, args.random_state, f"tuning on {dataset.name}")
        if args.objectives:
            figures.draw("pareto_front", figures.plotting.plot_pareto_front, search, args.objectives[:2])
    notes = [*dataset.notes, f"the tuned model is refitted on the whole training split ({len(y_train)} samples)"]
    report(args, dataset.summary(), notes, [], summary, figures)
    return 0
