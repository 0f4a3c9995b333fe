"""Defaults that fit the problem: every estimator at its defaults, on every
bundled data set, raw and standardised, scores at least as well as
scikit-learn's own estimator at its defaults, within 0.02 (5-fold CV).

scikit-learn's scores are stored in ``reference/default_scores.json`` (its
MLP takes minutes on the raw digits); ``reference/make_default_scores.py``
writes them.
"""

import json
import pathlib
import warnings

import pytest
from sklearn.model_selection import cross_val_score

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from reference.defaults import DATASETS, pipeline

pytestmark = pytest.mark.slow

REFERENCE = json.loads((pathlib.Path(__file__).parents[1] / "reference" / "default_scores.json").read_text())
OURS = {
    ("linear", False): LinearClassifier,
    ("linear", True): LinearRegressor,
    ("mlp", False): MLPClassifier,
    ("mlp", True): MLPRegressor,
}


@pytest.mark.parametrize("scaled", [False, True], ids=["raw", "scaled"])
@pytest.mark.parametrize("kind", ["linear", "mlp"])
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_defaults_do_as_well_as_scikit_learns(name, kind, scaled):
    load, is_regression = DATASETS[name]
    X, y = load(return_X_y=True)
    model = pipeline(OURS[kind, is_regression](random_state=0), scaled)
    with warnings.catch_warnings():
        # A budget reached on the raw data is warned about, and tested elsewhere.
        warnings.simplefilter("ignore")
        ours = cross_val_score(model, X, y, cv=REFERENCE["cv"]).mean()
    reference = REFERENCE["scores"][f"{name}/{kind}/{'scaled' if scaled else 'raw'}"]
    assert ours >= reference - 0.02, f"{ours:.3f} < scikit-learn's {reference:.3f} - 0.02"
