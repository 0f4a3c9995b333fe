"""The demo's narrative: what ``python -m skopt_lab`` runs on the scenario,
and how it tells it.

Pretrain on clean digits, fine-tune to a tilted, noisier camera with each
optimizer, pick the lowest validation loss, tune it by cross-validation,
evaluate everything on the test digits; then the table, its notes (how each
row was trained, why two rows coincide) and the figures.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score

from ..cli._data import check_folds
from ..cli._models import evaluate, fit_quietly
from ..cli._progress import FitHeartbeat, ValidationCurve
from ..cli._report import Figures, report
from ..cli._search import run_search, search_space, tuned_summary
from ..optimizers import DISPLAY_NAMES, display_name
from . import _scenario as scenarios

BASELINES = ("(pretrained as is)", "(from scratch)")


def run(args, progress):
    seed = args.random_state
    scenario = scenarios.make_scenario(seed)
    check_folds(args.cv, scenario.y_labelled, "classification", "the labelled digits")
    epochs = args.max_iter or scenarios.EPOCHS
    source = scenarios.source_network(seed)
    fit_quietly(source, scenario.X_source, scenario.y_source)
    progress.line(
        f"pretrained a {scenarios.HIDDEN} network on {len(scenario.y_source)} clean digits ({source.n_iter_} epochs)"
    )

    def row(name, model, epochs_run, seconds):
        validation = scenarios.validation_scores(model, scenario.X_val, scenario.y_val)
        return {
            "optimizer": name,
            "epochs": epochs_run,
            "fit seconds": seconds,
            "validation log-loss": validation["log-loss"],
            "validation accuracy": validation["accuracy"],
            **evaluate(model, scenario.X_test, scenario.y_test, "classification"),
        }

    scratch = scenarios.from_scratch(seed)
    seconds = fit_quietly(scratch, scenario.X_train, scenario.y_train)
    rows = [row(BASELINES[0], source, 0, 0.0), row(BASELINES[1], scratch, scratch.n_iter_, seconds)]
    models, curves = {}, {}
    for name in args.optimizers:
        model = scenarios.fine_tuned(source, scenarios.fine_tuning_optimizer(name), seed, max_iter=epochs)
        curve = ValidationCurve(lambda snapshot: scenarios.validation_scores(snapshot, scenario.X_val, scenario.y_val))
        model.set_callbacks(curve, FitHeartbeat(progress, DISPLAY_NAMES[name]))
        seconds = fit_quietly(model, scenario.X_train, scenario.y_train)
        model.set_callbacks()
        rows.append(row(DISPLAY_NAMES[name], model, model.n_iter_, seconds))
        models[name], curves[name] = model, [scores["log-loss"] for scores in curve.scores]
        progress.line(
            f"{DISPLAY_NAMES[name]}: validation log-loss {rows[-1]['validation log-loss']:.3f}, "
            f"test accuracy {rows[-1]['accuracy']:.3f}"
        )

    by_name = {row["optimizer"]: row for row in rows}
    losses = {name: {"log-loss": by_name[DISPLAY_NAMES[name]]["validation log-loss"]} for name in models}
    best = scenarios.choose(losses)
    progress.line(f"lowest validation log-loss: {DISPLAY_NAMES[best]}; tuning it by {args.cv}-fold cross-validation")
    # Fine-tuning moves pretrained weights: rates far above the chosen one
    # (the edge of stability) can score well in cross-validation and still
    # wreck the refit on all the labelled digits, so the search stays near.
    rates = {best: scenarios.fine_tuning_rate(best)}
    space = search_space("", [best], args.search, finetune=True, rates=rates, span=scenarios.SEARCH_SPAN)
    # The camera tilts and adds noise: the search tunes rotations and noise
    # of the training digits too, from 0 (off) up. Not with L-BFGS, the one
    # optimizer without a family: it minimises one fixed objective, which a
    # fresh augmentation per step would change (the estimators refuse it).
    augmented = scenarios.family(best) is not None
    extra = {"augmentation": scenarios.augmentation()} if augmented else {}
    for subspace in space:
        subspace.update(scenarios.augmentation_space(args.search) if augmented else {})
    base = scenarios.fine_tuned(source, scenarios.fine_tuning_optimizer(best), seed, max_iter=epochs, **extra)
    search = run_search(
        base, space, scenario.X_labelled, scenario.y_labelled, args, progress, "neg_log_loss",
        fit_seconds=by_name[DISPLAY_NAMES[best]]["fit seconds"],
    )  # fmt: skip
    tuned = search.best_estimator_
    test = evaluate(tuned, scenario.X_test, scenario.y_test, "classification")
    summary = tuned_summary(search, "", args.search, test, random_state=seed, optimizer=DISPLAY_NAMES[best])

    table_notes = [
        "* the optimizer chosen: lowest validation log-loss (val loss). Only the val columns and the search's "
        "cross-validation are used to choose; the test columns are reported, never used.",
        *coincidences(models, rows, scenario),
    ]
    before = [f"{name} {by_name[name]['accuracy']:.3f}" for name in (DISPLAY_NAMES[best], *BASELINES)]
    tuning_notes = ["test accuracy before tuning: " + ", ".join(before)]
    if augmented:
        params = tuned.get_params()  # the strengths, also when a grid searched whole augmentations
        readable = {"augmentation": scenarios.describe_augmentation(tuned.augmentation),
                    **{key: params[key] for key in (scenarios.ROTATION, scenarios.NOISE_STD)}}  # fmt: skip
        summary["best_params"] = dict(sorted({**summary["best_params"], **readable}.items()))
        summary["augmentation"] = augmentation_effect(search, test, scenario, args)
        table_notes.append(f"augmentation of the training digits, tuned by the search: {_strengths(tuned)}")
        tuning_notes.append(summary["augmentation"]["verdict"])
    else:
        table_notes.append(f"no augmentation: {DISPLAY_NAMES[best]} minimises one fixed objective, which a fresh "
                           "augmentation of every step would change")  # fmt: skip
    notes = _notes(scenario, source, args, epochs, best, by_name, summary["best_params"])
    figures = None
    if args.out is not None:
        figures = Figures(args.out, progress)
        _figures(figures, models, curves, by_name, search, tuned, best, scenario, args, summary)
    report(args, scenario.summary(), notes, rows, summary, figures, table_notes, tuning_notes=tuning_notes)
    return 0


def _strengths(model):
    """The tuned augmentation of ``model`` in words."""
    params = model.get_params()
    rotation, std = params[scenarios.ROTATION], params[scenarios.NOISE_STD]
    rotations = f"random rotations of up to ±{rotation:.1f}°" if rotation else "no rotation"
    noise = f"extra pixel noise of σ = {std:.3f}" if std else "no extra noise"
    return (
        f"{rotations} (searched from 0 to {scenarios.MAX_ROTATION:g}°) and {noise} (searched from 0 to "
        f"{scenarios.MAX_NOISE:g}, on pixels scaled to [0, 1])"
    )


def augmentation_effect(search, test, scenario, args):
    """Did augmentation help? The tuned model (``test``: its test metrics)
    against the same model with every augmentation strength at 0, both
    cross-validated on the search's own folds of the labelled digits (that
    decides), both scored on test (reported, never used)."""
    tuned = search.best_estimator_
    params = tuned.get_params()
    cv_with = float(search.best_score_)
    declined = params[scenarios.ROTATION] == 0 and params[scenarios.NOISE_STD] == 0
    if declined:
        cv_without, test_without = cv_with, test
    else:
        without = scenarios.without_augmentation(tuned)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # the budget of epochs, as in the search
            cv_without = float(np.mean(cross_val_score(
                without, scenario.X_labelled, scenario.y_labelled, cv=args.cv, scoring=search.scoring
            )))  # fmt: skip
        fit_quietly(without, scenario.X_labelled, scenario.y_labelled)
        test_without = evaluate(without, scenario.X_test, scenario.y_test, "classification")
    helped = cv_with > cv_without
    if declined:
        verdict = "augmentation did not help on this seed: the search set every strength to 0"
    else:
        verdict = (
            f"augmentation {'helped' if helped else 'did not help'} on this seed: cross-validated "
            f"{search.scoring} {cv_with:.3f} with it, {cv_without:.3f} with its strengths set to 0 and the other "
            f"tuned values kept ({search.n_splits_}-fold on the labelled digits: this decides); test accuracy "
            f"{test['accuracy']:.3f} with it, {test_without['accuracy']:.3f} without (reported, never used)"
        )
    return {
        "helped": helped,
        "decided_by": f"{search.n_splits_}-fold cross-validated {search.scoring} on the labelled digits",
        "cv_score_with": cv_with,
        "cv_score_without": cv_without,
        "test_with": test,
        "test_without": test_without,
        "verdict": verdict,
    }


def _notes(scenario, source, args, epochs, best, by_name, tuned_params):
    rates = ", ".join(
        f"{DISPLAY_NAMES[name]} {scenarios.fine_tuning_rate(name):g}" if scenarios.fine_tuning_rate(name) else
        f"{DISPLAY_NAMES[name]} runs {epochs} iterations" for name in args.optimizers
    )  # fmt: skip
    tuned = [key.replace("optimizer__", "") for key in tuned_params if key != "optimizer" and "augmentation" not in key]
    tuned = ", ".join(tuned + (["augmentation (rotation, noise)"] if "augmentation" in tuned_params else []))
    labelled = len(scenario.y_labelled)
    return [
        f"source: a {scenarios.HIDDEN} network pretrained on {len(scenario.y_source)} clean digits "
        f"({source.n_iter_} epochs, early stopping)",
        f"target: the other digits through a new camera, tilted {scenarios.TILT:g}° with pixel noise "
        f"σ = {scenarios.NOISE:g} grey levels; {len(scenario.y_train)} labelled to train on, "
        f"{len(scenario.y_val)} to validate on, {len(scenario.y_test)} to test",
        f"each optimizer fine-tunes the pretrained network (output layer kept) for {epochs} epochs of batches "
        f"of {scenarios.BATCH_SIZE} at its default learning rate × its family's factor (chosen on validation "
        f"data of other seeds): {rates}",
        f"(from scratch): the same network from random weights, Adam(lr={scenarios.SCRATCH_RATE:g}) for "
        f"{scenarios.SCRATCH_EPOCHS} epochs on the same {len(scenario.y_train)} digits",
        f"chosen on validation, never on test: {DISPLAY_NAMES[best]} has the lowest validation log-loss "
        f"({by_name[DISPLAY_NAMES[best]]['validation log-loss']:.3f}); its {tuned} are then tuned by {args.search} "
        f"search, {args.cv}-fold cross-validated on the {labelled} labelled digits (train + validation)",
    ]


def coincidences(models, rows, scenario):
    """Optimizers with the same test accuracy, and why: the same predictions
    for a reason we can name, or a coincidence of counts."""
    accuracy = {row["optimizer"]: row["accuracy"] for row in rows}
    names = list(models)
    notes = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if accuracy[DISPLAY_NAMES[a]] != accuracy[DISPLAY_NAMES[b]]:
                continue
            disagree = int((models[a].predict(scenario.X_test) != models[b].predict(scenario.X_test)).sum())
            pair = f"{DISPLAY_NAMES[a]} and {DISPLAY_NAMES[b]} have the same test accuracy"
            if disagree:
                notes.append(f"{pair} by coincidence: they disagree on {disagree} test digits.")
            else:
                reason = _same_training(models[a], models[b], len(scenario.y_train))
                notes.append(f"{pair}: they predict every test digit alike. {reason}")
    return notes


def _same_training(a, b, n_train):
    """Why two fine-tuned models may end alike."""
    kinds = {display_name(a.optimizer_), display_name(b.optimizer_)}
    if kinds == {"Adam", "AdamW"}:
        adamw = a.optimizer_ if display_name(a.optimizer_) == "AdamW" else b.optimizer_
        steps = a.n_iter_ * -(-n_train // scenarios.BATCH_SIZE)
        return (
            f"AdamW is Adam plus a weight decay of weight_decay × learning rate = "
            f"{adamw.weight_decay * adamw.learning_rate:.0e} per step, {steps} steps here: "
            "too little to change a prediction."
        )
    if kinds == {"GD", "SGD"} and scenarios.BATCH_SIZE >= n_train:
        return "SGD's batches hold every training digit, which makes it GD."
    return "Their probabilities still differ (see the validation log-loss)."


def _figures(figures, models, curves, by_name, search, tuned, best, scenario, args, summary):
    """The demo's loss curves (training and validation log-loss, with the
    baselines), the search's progress, the tuned learning rate, and which
    hyperparameters mattered."""
    plot = figures.plotting
    figures.draw(
        "loss_curves",
        plot.plot_loss_curves,
        {DISPLAY_NAMES[name]: model for name, model in models.items()},
        validation_curves={DISPLAY_NAMES[name]: curve for name, curve in curves.items()},
        validation_label=f"validation log-loss ({len(scenario.y_val)} digits)",
        baselines={name: by_name[name]["validation log-loss"] for name in BASELINES},
        title=f"Fine-tuning to a tilted, noisy camera (digits, {len(scenario.y_train)} to train on): "
        "log-loss per epoch",
    )
    figures.draw(
        "search_progress",
        plot.plot_search_progress,
        {f"{args.search} search over {DISPLAY_NAMES[best]}": search},
        title=f"Tuning {DISPLAY_NAMES[best]}: {search.n_splits_}-fold cross-validation on "
        f"{len(scenario.y_labelled)} labelled digits",
    )
    figures.learning_rates(tuned)
    figures.importances(search, summary, "", args.random_state, f"{DISPLAY_NAMES[best]} on the tilted camera")
