"""Does the demo's story hold on every seed?

    python benchmarks/bench_demo_seeds.py                 # seeds 0-4, the acceptance table
    python benchmarks/bench_demo_seeds.py --seeds 10-49   # more seeds
    python benchmarks/bench_demo_seeds.py --choose-rates  # how the fine-tuning rates were chosen

For each seed it runs ``python -m skopt_lab --json --random-state SEED
--no-figures --quiet`` in a fresh process (timed, as a user runs it) and
checks what the demo claims:

- the optimizer it picks (on validation) beats "(pretrained as is)" and
  "(from scratch)" on the test split, by at least 2 points of accuracy on
  average over the seeds;
- at least 5 distinct test accuracies among GD, SGD, Momentum, AdaGrad,
  RMSprop and Adam (coinciding pairs are explained in the demo's output);
- the tuned model scores at least as well as "(pretrained as is)".

It also reports, not as a check, the augmentation the search tuned and
whether it helped: the demo's cross-validated comparison with its
strengths set to 0 (which decides), and both models' test accuracy.

``--choose-rates`` shows how ``skopt_lab._demo.FAMILY_FACTORS`` and the
from-scratch settings were chosen: on the validation digits of seeds 10-49
only (never a test split, never the demo's seeds 0-4), the family factor of
the default learning rates with the lowest mean validation log-loss.
"""

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np
from joblib import Parallel, delayed

SIX = ["GD", "SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"]
BASELINES = ["(pretrained as is)", "(from scratch)"]
FACTORS = [0.1, 0.3, 1.0, 3.0, 10.0]
SCRATCH = [(1e-3, 15), (1e-3, 50), (1e-3, 150), (3e-3, 15), (3e-3, 50), (1e-2, 50)]


def run_demo(seed):
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "skopt_lab", "--json", "--random-state", str(seed), "--no-figures", "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout), time.perf_counter() - started


def story(report):
    """What the acceptance checks, from one seed's JSON report."""
    rows = {row["optimizer"]: row for row in report["comparison"]}
    tuning = report["tuning"]
    picked = rows[tuning["optimizer"]]["accuracy"]
    baseline = max(rows[name]["accuracy"] for name in BASELINES)
    return {
        "picked": tuning["optimizer"],
        "picked accuracy": picked,
        "as is": rows["(pretrained as is)"]["accuracy"],
        "from scratch": rows["(from scratch)"]["accuracy"],
        "margin": picked - baseline,
        "distinct": len({rows[name]["accuracy"] for name in SIX}),
        "tuned": tuning["test"]["accuracy"],
        "augmentation": _augmentation(tuning),
    }


def _augmentation(tuning):
    """The tuned augmentation and whether it helped (cross-validated), or why there is none."""
    if "augmentation" not in tuning:
        return "none (L-BFGS)"
    params, effect = tuning["best_params"], tuning["augmentation"]
    return (
        f"±{params['augmentation__randomaffine__rotation']:.1f}°, σ {params['augmentation__gaussiannoise__std']:.3f}: "
        f"{'helped' if effect['helped'] else 'did not help'} (CV {effect['cv_score_with']:.3f} vs "
        f"{effect['cv_score_without']:.3f}; test {effect['test_with']['accuracy']:.3f} vs "
        f"{effect['test_without']['accuracy']:.3f})"
    )


def acceptance(seeds):
    print("| seed | picked (on validation) | its test accuracy | pretrained as is | from scratch | margin "
          "| distinct among the six | tuned | tuned ≥ as is | augmentation tuned: did it help | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for seed in seeds:
        report, seconds = run_demo(seed)
        s = story(report)
        results.append(s)
        print(
            f"| {seed} | {s['picked']} | {s['picked accuracy']:.3f} | {s['as is']:.3f} | {s['from scratch']:.3f} "
            f"| {s['margin']:+.3f} | {s['distinct']} | {s['tuned']:.3f} | {'yes' if s['tuned'] >= s['as is'] else 'NO'} "
            f"| {s['augmentation']} | {seconds:.1f} |",
            flush=True,
        )
    margins = [s["margin"] for s in results]
    holds = (
        all(m > 0 for m in margins)
        and np.mean(margins) >= 0.02
        and all(s["distinct"] >= 5 for s in results)
        and all(s["tuned"] >= s["as is"] for s in results)
    )
    print(f"\nmean margin {np.mean(margins):+.3f}; the story holds on every seed: {'yes' if holds else 'NO'}")
    return holds


# --------------------------------------------------------- choosing the rates
def _validation_losses(seed, factors):
    """Validation log-loss of every fine-tuned optimizer at every factor, and
    of the from-scratch settings, on one seed."""
    from sklearn.exceptions import ConvergenceWarning

    from skopt_lab import _demo

    warnings.simplefilter("ignore", ConvergenceWarning)
    scenario = _demo.make_scenario(seed)
    source = _demo.pretrain(scenario, seed)
    losses = {}
    for family, names in _demo.FAMILIES.items():
        for factor in factors:
            for name in names:
                optimizer = _demo.fine_tuning_optimizer(name, {family: factor})
                model = _demo.fine_tuned(source, optimizer, seed).fit(scenario.X_train, scenario.y_train)
                losses[name, factor] = _demo.validation_scores(model, scenario.X_val, scenario.y_val)["log-loss"]
    for rate, epochs in SCRATCH:
        model = _demo.from_scratch(seed, rate, epochs).fit(scenario.X_train, scenario.y_train)
        losses["scratch", rate, epochs] = _demo.validation_scores(model, scenario.X_val, scenario.y_val)["log-loss"]
    return losses


def choose_rates(seeds):
    from skopt_lab import _demo
    from skopt_lab.optimizers import DISPLAY_NAMES

    per_seed = Parallel(n_jobs=2)(delayed(_validation_losses)(seed, FACTORS) for seed in seeds)
    mean = {key: float(np.mean([losses[key] for losses in per_seed])) for key in per_seed[0]}
    print(f"Mean validation log-loss over seeds {seeds[0]}-{seeds[-1]}, by factor of the default learning rate:\n")
    print("| optimizer | family | " + " | ".join(f"× {f:g}" for f in FACTORS) + " |")
    print("|---|---|" + "---|" * len(FACTORS))
    for family, names in _demo.FAMILIES.items():
        for name in names:
            cells = " | ".join(f"{mean[name, f]:.3f}" for f in FACTORS)
            print(f"| {DISPLAY_NAMES[name]} | {family} | {cells} |")
    print()
    for family, names in _demo.FAMILIES.items():
        by_factor = {f: np.mean([mean[name, f] for name in names]) for f in FACTORS}
        best = min(by_factor, key=by_factor.get)
        print(f"{family}: family mean " + ", ".join(f"× {f:g} {v:.3f}" for f, v in by_factor.items())
              + f" -> factor {best:g} (FAMILY_FACTORS has {_demo.FAMILY_FACTORS[family]:g})")
    scratch = {key[1:]: value for key, value in mean.items() if key[0] == "scratch"}
    best = min(scratch, key=scratch.get)
    print("from scratch (Adam rate, epochs): " + ", ".join(f"{k} {v:.3f}" for k, v in scratch.items())
          + f" -> {best} (the demo has {(_demo.SCRATCH_RATE, _demo.SCRATCH_EPOCHS)})")


def _seed_range(text):
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=_seed_range, help="a seed or a range such as 10-49 (default: 0-4, "
                        "or 10-49 with --choose-rates)")
    parser.add_argument("--choose-rates", action="store_true", help="redo the choice of the fine-tuning rates")
    args = parser.parse_args()
    if args.choose_rates:
        choose_rates(args.seeds or list(range(10, 50)))
    else:
        sys.exit(0 if acceptance(args.seeds or list(range(5))) else 1)
