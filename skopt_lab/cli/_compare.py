"""``compare``: one model per optimizer on a data set, with a validation
curve per model and test metrics."""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from .._lr_find import lr_find
from ..optimizers import DISPLAY_NAMES, OPTIMIZERS, takes_steps
from ._data import load, split
from ._models import data_errors, evaluate, fit_quietly, innermost, make_model
from ._progress import FitHeartbeat, ValidationCurve
from ._report import Figures, report

EPOCHS = 100  # per fit of compare and tune, unless --max-iter says otherwise
VALIDATION_FRACTION = 0.1  # of the training split, held out by compare to draw validation curves


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
    and are scored on ``X_test``."""

    X_fit: object
    y_fit: np.ndarray
    X_val: object
    y_val: np.ndarray
    X_test: object
    y_test: np.ndarray

    @classmethod
    def split(cls, dataset, X_train, y_train, X_test, y_test, random_state):
        X_fit, X_val, y_fit, y_val = X_train, None, y_train, None
        if _can_hold_out(y_train, dataset.task):
            stratify = y_train if dataset.task == "classification" else None
            X_fit, X_val, y_fit, y_val = train_test_split(
                X_train, y_train, test_size=VALIDATION_FRACTION, random_state=random_state, stratify=stratify
            )
        return cls(X_fit, y_fit, X_val, y_val, X_test, y_test)

    def validation_score(self, pipeline):
        """The score (accuracy, or R²) on the validation split of a snapshot
        of the pipeline's last step."""
        transformed = []

        def score(snapshot):
            if not transformed:  # the pipeline's preprocessing is fitted before its last step
                transformed.append(pipeline[:-1].transform(self.X_val))
            return snapshot.score(transformed[0], self.y_val)

        return score


def run_comparison(make, names, data, task, progress):
    """Fit ``make(name)``, one model per optimizer name, on ``data.X_fit``,
    recording its validation score after each epoch on ``data.X_val``; rows
    of the comparison table, with test metrics."""
    rows, models, curves = [], {}, {}
    for name in names:
        model = make(name)
        curve = ValidationCurve(data.validation_score(model)) if data.X_val is not None else None
        model.set_callbacks(*filter(None, [curve, FitHeartbeat(progress, DISPLAY_NAMES[name])]))
        seconds = fit_quietly(model, data.X_fit, data.y_fit)
        model.set_callbacks()
        metrics = evaluate(model, data.X_test, data.y_test, task)
        epochs = innermost(model).n_iter_
        rows.append({"optimizer": DISPLAY_NAMES[name], "epochs": epochs, "fit seconds": seconds, **metrics})
        models[name], curves[name] = model, curve.scores if curve is not None else None
        headline = next(iter(metrics))
        progress.line(f"{DISPLAY_NAMES[name]}: {epochs} epochs, test {headline} {metrics[headline]:.3f}")
    return rows, models, curves


def suggest_rate(model, name, data, random_state, progress):
    """The range test of ``model`` (a pipeline) on the training samples."""
    progress.line(f"{DISPLAY_NAMES[name]}: learning-rate range test")
    with data_errors(model):
        result = lr_find(model, data.X_fit, data.y_fit, random_state=random_state)
    progress.line(f"{DISPLAY_NAMES[name]}: suggested learning rate {result.suggestion:.3g}")
    return result


def loss_curves(figures, dataset, models, curves=None, n_validation=0):
    """loss_curves.png of compare and tune: the training loss per epoch, and
    the validation score per epoch where ``curves`` has them."""
    score = "accuracy" if dataset.task == "classification" else "R²"
    has_validation = bool(curves) and any(curve is not None for curve in curves.values())
    figures.draw(
        "loss_curves",
        figures.plotting.plot_loss_curves,
        {label: innermost(model) for label, model in models.items()},
        validation_curves=curves or None,
        validation_label=f"validation {score} ({n_validation} held-out samples)",
        title=f"{dataset.name}: training loss" + (f" and validation {score}" if has_validation else "") + " per epoch",
    )


def run(args, progress):
    dataset = load(args, progress)
    X_train, X_test, y_train, y_test = split(dataset, args.random_state)
    data = ComparisonData.split(dataset, X_train, y_train, X_test, y_test, args.random_state)
    notes = list(dataset.notes)
    if data.X_val is None:
        notes.append("too few samples to hold out a validation split: every model trains on the whole training split")
    else:
        notes.append(
            f"each model trains on {len(data.y_fit)} samples of the training split; the other {len(data.y_val)} "
            "score every epoch (the validation curves of loss_curves.png); test metrics on the test split"
        )

    found = {}  # optimizer name: its range test, with --lr-find

    def make(name):
        optimizer = OPTIMIZERS[name]()
        model = make_model(dataset, args.estimator, optimizer, args.random_state, max_iter=args.max_iter or EPOCHS)
        if args.lr_find and takes_steps(optimizer):
            found[name] = suggest_rate(model, name, data, args.random_state, progress)
            model[-1].set_params(optimizer=optimizer.set_params(learning_rate=found[name].suggestion))
        return model

    rows, models, curves = run_comparison(make, args.optimizers, data, dataset.task, progress)
    if args.lr_find:
        for row, name in zip(rows, args.optimizers):
            row["learning rate"] = found[name].suggestion if name in found else None
        notes.append(
            "--lr-find: each optimizer ran at a tenth of the learning rate of the lowest loss of a range test "
            "on its training samples (skopt_lab.lr_find; lr_find.png); L-BFGS has no learning rate"
        )
    figures = None
    if args.out is not None:
        figures = Figures(args.out, progress)
        if found:
            title = f"{dataset.name}: learning-rate range test on the training split"
            figures.draw("lr_find", figures.plotting.plot_lr_find, [found[name] for name in found], title=title)
        loss_curves(
            figures,
            dataset,
            {DISPLAY_NAMES[name]: model for name, model in models.items()},
            {DISPLAY_NAMES[name]: curve for name, curve in curves.items()},
            0 if data.y_val is None else len(data.y_val),
        )
    report(args, dataset.summary(), notes, rows, None, figures)
    return 0
