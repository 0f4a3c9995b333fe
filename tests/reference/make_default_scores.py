"""Write ``default_scores.json``: scikit-learn's own estimators at their
defaults, 5-fold cross-validated on every bundled data set, raw and behind a
StandardScaler, the bar ``tests/estimators/test_defaults.py`` holds our defaults to.

scikit-learn's MLP takes minutes on the raw digits, too long for every test
run, so its scores are stored; rerun this script (a few minutes) after a
scikit-learn upgrade:

    python tests/reference/make_default_scores.py
"""

import json
import pathlib
import sys
import warnings

import sklearn
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor

if __name__ == "__main__":
    # Run as a script, Python puts this folder first on the path: put tests/
    # there instead, so that the package `reference` imports.
    sys.path[0] = str(pathlib.Path(__file__).resolve().parents[1])

from reference.defaults import DATASETS, pipeline  # noqa: E402

REFERENCES = {
    ("linear", False): SGDClassifier,
    ("linear", True): SGDRegressor,
    ("mlp", False): MLPClassifier,
    ("mlp", True): MLPRegressor,
}
PATH = pathlib.Path(__file__).with_name("default_scores.json")


def main():
    scores = {}
    for name, (load, is_regression) in DATASETS.items():
        X, y = load(return_X_y=True)
        for kind in ("linear", "mlp"):
            for scaled in (False, True):
                model = pipeline(REFERENCES[kind, is_regression](random_state=0), scaled)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # both libraries' budgets end unconverged on raw data
                    score = float(cross_val_score(model, X, y, cv=5).mean())
                key = f"{name}/{kind}/{'scaled' if scaled else 'raw'}"
                scores[key] = score
                print(f"{key}: {score:.4f}", flush=True)
    PATH.write_text(json.dumps({"scikit-learn": sklearn.__version__, "cv": 5, "scores": scores}, indent=1) + "\n")


if __name__ == "__main__":
    main()
