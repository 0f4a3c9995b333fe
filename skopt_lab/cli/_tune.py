"""``tune``: a cross-validated search over optimizers, their learning rates,
a schedule and the penalty, on the training split; the best refitted on
all of it and scored on the test split."""

from ..optimizers import OPTIMIZERS, display_name
from ._compare import EPOCHS, loss_curves
from ._data import load, split
from ._models import evaluate, innermost, make_model, param_prefix
from ._report import Figures, report
from ._search import run_search, search_space, tuned_summary

OPTIMIZERS_TUNED = ("sgd", "rmsprop", "adam")  # tune's default --optimizers


def run(args, progress):
    dataset = load(args, progress)
    X_train, X_test, y_train, y_test = split(dataset, args.random_state, cv=args.cv)
    scoring = "f1_macro" if dataset.task == "classification" else "r2"
    prefix = param_prefix(dataset.task, args.estimator)
    space = search_space(prefix, args.optimizers, args.search)
    model = make_model(dataset, args.estimator, OPTIMIZERS[args.optimizers[0]](), args.random_state,
                       max_iter=args.max_iter or EPOCHS)  # fmt: skip
    search = run_search(model, space, X_train, y_train, args, progress, scoring)
    tuned = search.best_estimator_
    test = evaluate(tuned, X_test, y_test, dataset.task)
    summary = tuned_summary(search, prefix, args.search, test, random_state=args.random_state)
    figures = None
    if args.out is not None:
        figures = Figures(args.out, progress)
        loss_curves(figures, dataset, {display_name(innermost(tuned).optimizer_): tuned})
        figures.draw("search_progress", figures.plotting.plot_search_progress, {type(search).__name__: search},
                     title=f"Tuning on {dataset.name}")  # fmt: skip
        figures.learning_rates(innermost(tuned))
        figures.importances(search, summary, prefix, args.random_state, f"tuning on {dataset.name}")
    notes = [*dataset.notes, f"the tuned model is refitted on the whole training split ({len(y_train)} samples)"]
    report(args, dataset.summary(), notes, [], summary, figures)
    return 0
