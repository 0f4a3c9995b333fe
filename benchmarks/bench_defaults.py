"""Defaults against scikit-learn's defaults, on every bundled data set.

Each estimator at its defaults, 5-fold cross-validated (scikit-learn's
``cross_val_score(cv=5)``: accuracy or R²) on the raw features and behind a
``StandardScaler``, beside scikit-learn's own estimator at its defaults
(``SGDClassifier``/``SGDRegressor`` for the linear models, its MLPs for
ours; ``random_state=0`` on both sides). scikit-learn's scores are the ones
stored in ``tests/reference/default_scores.json`` (rewritten by
``tests/reference/make_default_scores.py``), the bar ``tests/estimators/test_defaults.py``
holds us to: at least theirs − 0.02 everywhere.

Run: python benchmarks/bench_defaults.py   (about a minute)
"""

import json
import pathlib
import sys
import warnings

from sklearn.model_selection import cross_val_score

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reference.defaults import DATASETS, pipeline  # noqa: E402

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor  # noqa: E402

OURS = {
    ("linear", False): LinearClassifier,
    ("linear", True): LinearRegressor,
    ("mlp", False): MLPClassifier,
    ("mlp", True): MLPRegressor,
}
NAMES = {
    ("linear", False): "SGDClassifier",
    ("linear", True): "SGDRegressor",
    ("mlp", False): "MLPClassifier",
    ("mlp", True): "MLPRegressor",
}


def main():
    reference = json.loads((ROOT / "tests" / "reference" / "default_scores.json").read_text())
    print(f"scikit-learn {reference['scikit-learn']} (stored), 5-fold CV, accuracy (R² for diabetes)\n")
    print("| data set | model | features | skopt_lab | scikit-learn | difference |")
    print("|---|---|---|---|---|---|")
    for name, (load, is_regression) in sorted(DATASETS.items()):
        X, y = load(return_X_y=True)
        for kind in ("linear", "mlp"):
            for scaled in (False, True):
                model = pipeline(OURS[kind, is_regression](random_state=0), scaled)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ours = cross_val_score(model, X, y, cv=reference["cv"]).mean()
                theirs = reference["scores"][f"{name}/{kind}/{'scaled' if scaled else 'raw'}"]
                print(
                    f"| {name} | {OURS[kind, is_regression].__name__} vs {NAMES[kind, is_regression]} | "
                    f"{'standardised' if scaled else 'raw'} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
