"""Fine-tune a pretrained network across a domain shift: ways of doing it.

The scenario is the demo's (``python -m skopt_lab``), from the same module,
skopt_lab/_demo/_scenario.py: a network pretrained on 1,000 clean
handwritten digits, and a new camera that sees the other digits tilted by
15 degrees and noisier, with 10 labelled digits per class to adapt on. The
demo compares optimizers; this example compares strategies, all with
Momentum at the demo's fine-tuning rate and budget (a new output layer gets
the from-scratch budget), on the held-out test digits and over several seeds:

- the same network trained from scratch on the few new digits,
- the pretrained network used as it is,
- fine-tuned keeping the pretrained output layer (the classes are the same,
  only the camera changed), with 0 or 1 hidden layers frozen,
- fine-tuned with a new output layer (what a task with new classes needs),
  with 0 or 1 hidden layers frozen.

Run: python examples/finetune_digits.py   (SKOPT_LAB_FAST=1 for a quick run)
"""

import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from skopt_lab import _demo
from skopt_lab.optimizers import DISPLAY_NAMES

# At the demo's fine-tuning rates, Momentum has the lowest mean validation
# log-loss over seeds 10-49 (benchmarks/bench_demo_seeds_RESULTS.md, never a
# test split); Adam, at its rate × 0.3, is among the highest.
OPTIMIZER = "momentum"
STRATEGIES = {  # fine-tuning parameters of each strategy; None: no fine-tuning
    "from scratch": None,
    "pretrained as is": None,
    "kept head, 0 frozen": {"keep_output_layer": True, "freeze_layers": 0},
    "kept head, 1 frozen": {"keep_output_layer": True, "freeze_layers": 1},
    # A new output layer starts from random weights: it gets the budget of
    # training from scratch rather than the fine-tuning one.
    "new head, 0 frozen": {"keep_output_layer": False, "freeze_layers": 0, "max_iter": _demo.SCRATCH_EPOCHS},
    "new head, 1 frozen": {"keep_output_layer": False, "freeze_layers": 1, "max_iter": _demo.SCRATCH_EPOCHS},
}


def scores(model, X, y):
    proba = model.predict_proba(X)
    predicted = model.classes_[proba.argmax(axis=1)]
    return {
        "accuracy": accuracy_score(y, predicted),
        "macro F1": f1_score(y, predicted, average="macro"),
        "ROC-AUC": roc_auc_score(y, proba, multi_class="ovr"),
    }


def strategy_model(name, source, seed):
    """The model a strategy trains (None: the pretrained network as it is)."""
    if name == "from scratch":
        return _demo.from_scratch(seed)
    if STRATEGIES[name] is None:
        return None
    return _demo.fine_tuned(source, _demo.fine_tuning_optimizer(OPTIMIZER), seed, **STRATEGIES[name])


def compare(n_seeds=5):
    """Mean test scores of each strategy over ``n_seeds`` draws of the scenario."""
    results = {name: [] for name in STRATEGIES}
    for seed in range(n_seeds):
        scenario = _demo.make_scenario(seed)
        source = _demo.pretrain(scenario, seed)
        for name in STRATEGIES:
            model = strategy_model(name, source, seed)
            if model is None:
                model = source
            else:
                with warnings.catch_warnings():
                    # A fixed budget of epochs, stopping where it ends, is the point.
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(scenario.X_train, scenario.y_train)
            results[name].append(scores(model, scenario.X_test, scenario.y_test))
    return {name: {metric: float(np.mean([r[metric] for r in runs])) for metric in runs[0]} for name, runs in results.items()}


def main():
    n_seeds = 2 if os.environ.get("SKOPT_LAB_FAST") else 5
    results = compare(n_seeds)
    optimizer = f"{DISPLAY_NAMES[OPTIMIZER]}(lr={_demo.fine_tuning_rate(OPTIMIZER):g})"
    print(
        f"Pretrained on {_demo.N_SOURCE} clean digits; adapted to a camera tilted {_demo.TILT:g}° with noise "
        f"σ = {_demo.NOISE:g} from {_demo.TRAIN_PER_CLASS} digits per class; {optimizer}, "
        f"{_demo.EPOCHS} epochs ({_demo.SCRATCH_EPOCHS} for a new head); mean of {n_seeds} seeds on the test digits."
    )
    print(f"{'strategy':<22} {'accuracy':>9} {'macro F1':>9} {'ROC-AUC':>8}")
    for name, metrics in results.items():
        print(f"{name:<22} {metrics['accuracy']:>9.3f} {metrics['macro F1']:>9.3f} {metrics['ROC-AUC']:>8.3f}")


if __name__ == "__main__":
    main()
