"""The history of a search is data: plain rows that ``cv_results_``, the
proposer and the checkpoint read; a checkpoint is those rows as JSON and the
fold models apart; a search that raises leaves nothing behind."""

import json
import math
import os
import zipfile
from dataclasses import asdict

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from skopt_lab import BayesSearchCV, HyperbandSearchCV, LinearClassifier
from skopt_lab.model_selection import _state
from skopt_lab.model_selection._state import STATE_VERSION, Row, SearchState, plain

X_CLF, Y_CLF = make_classification(n_samples=60, n_features=4, random_state=0)


def _plain_equal(a, b):
    """Equal as data, NaN equal to NaN."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_rows_are_plain_data_and_cv_results_is_built_from_them():
    search = BayesSearchCV(
        LogisticRegression(),
        {"C": loguniform(1e-3, 1e2), "fit_intercept": [True, False]},
        scoring={"acc": "accuracy", "ll": "neg_log_loss"},
        refit="ll",
        return_train_score=True,
        n_iter=5,
        n_initial_points=3,
        cv=3,
        random_state=0,
    ).fit(X_CLF, Y_CLF)
    rows, results = search.search_state_.rows, search.cv_results_
    assert len(rows) == len(results["params"]) == 5
    for i, row in enumerate(rows):
        data = asdict(row)
        assert _plain_equal(plain(data), data)  # numbers, strings, lists and dicts only
        assert row.status == "ok" and row.resource is None and row.fit_errors == [None] * 3
        assert set(row.test_scores) == set(row.train_scores) == {"acc", "ll"}
        for metric in ("acc", "ll"):
            for fold in range(3):
                assert results[f"split{fold}_test_{metric}"][i] == row.test_scores[metric][fold]
                assert results[f"split{fold}_train_{metric}"][i] == row.train_scores[metric][fold]
            assert results[f"mean_test_{metric}"][i] == pytest.approx(row.mean_test_score(metric))
        assert results["mean_fit_time"][i] == pytest.approx(np.mean(row.fit_time))
        # Values are plain: the number drawn, or the index in the list.
        assert row.values["C"] == results["params"][i]["C"]
        assert [True, False][row.values["fit_intercept"]] == results["params"][i]["fit_intercept"]
        assert row.values == asdict(search.search_state_.candidates[row.candidate])["values"]


class Failing(BaseEstimator):
    def __init__(self, x=0.0):
        self.x = x

    def fit(self, X, y=None):
        if self.x > 0.5:
            raise ValueError(f"x={self.x} is too large")
        return self

    def score(self, X, y=None):
        return -self.x


def test_a_failed_evaluation_is_a_row_with_status_failed():
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        search = BayesSearchCV(Failing(), {"x": uniform(0, 1)}, n_iter=6, n_initial_points=6, cv=KFold(2), random_state=0)
        search.fit(np.zeros((10, 1)))
    for row in search.search_state_.rows:
        failed = row.values["x"] > 0.5
        assert row.status == ("failed" if failed else "ok")
        assert all(("is too large" in e) == failed for e in map(str, row.fit_errors))
        assert np.isnan(row.test_scores["score"]).all() == failed
    assert any(row.status == "failed" for row in search.search_state_.rows)


class Toy(BaseEstimator):
    """Scores higher with x near 0.3 and with more epochs of partial_fit."""

    def __init__(self, x=0.0, max_iter=10):
        self.x = x
        self.max_iter = max_iter

    def fit(self, X, y=None):
        self.epochs_ = self.max_iter
        return self

    def partial_fit(self, X, y=None):
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        return self

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2) - 1 / self.epochs_


class StopAfterFirstRound:
    def setup(self, estimator, context): ...
    def teardown(self, estimator, context): ...
    def on_fit_task_begin(self, estimator, context, **kwargs): ...

    def on_fit_task_end(self, estimator, context, **kwargs):
        return context.task_name == "round"


def test_a_checkpoint_is_the_rows_as_json_and_the_fold_models_apart(tmp_path):
    path = tmp_path / "search.ckpt"
    search = HyperbandSearchCV(
        Toy(), {"x": uniform(0, 1)}, max_resources=9, cv=KFold(2), random_state=0, checkpoint=path
    ).set_callbacks(StopAfterFirstRound())
    search.fit(np.zeros((10, 1)))
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["models.joblib", "state.json"]
        data = json.loads(archive.read("state.json"))
        models = joblib.load(archive.open("models.joblib"))
    state = search.search_state_
    assert data["version"] == STATE_VERSION
    assert _plain_equal(data["rows"], [asdict(row) for row in state.rows])
    assert _plain_equal(data, state.to_data())
    # The promoted candidates' fold models, one epoch trained, to continue.
    assert sorted(models) == sorted(state.progress["bracket"]["alive"]) == sorted(state.models)
    for trained, fold_models in models.values():
        assert trained == 1 and [m.epochs_ for m in fold_models] == [1, 1]
    # Loaded, it is the same state.
    loaded = _state.load_checkpoint(path)
    assert _plain_equal(loaded.to_data(), state.to_data()) and loaded.rows == state.rows


# The fields every checkpoint format writes: the keys of state.json, of its
# rows and candidates, of the proposer's state and of each search's progress.
# Never edit an entry: a change of the fields is a new STATE_VERSION and a
# new entry (STATE_VERSION 1 was a pickle of the whole state).
FORMATS = {
    2: {
        "state": ["candidates", "data", "progress", "proposer", "rows", "settings", "space", "version"],
        "row": [
            "candidate", "fit_errors", "fit_time", "info", "n_test_samples", "resource", "score_time",
            "status", "subspace", "test_scores", "train_scores", "unit", "values",
        ],
        "candidate": ["subspace", "unit", "values"],
        "proposer": ["kernel", "rng"],
        "settings": {
            "BayesSearchCV": ["estimator", "refit metric", "scoring", "search"],
            "HyperbandSearchCV": [
                "estimator", "factor", "max_resources", "min_resources", "refit metric", "resource", "scoring",
                "search",
            ],
        },
        "progress": {"BayesSearchCV": [], "HyperbandSearchCV": ["bracket", "brackets_done", "seed"]},
        "bracket": ["alive", "index", "rung"],
    },
}  # fmt: skip


def test_the_checkpoint_format_version_is_tied_to_its_fields(tmp_path):
    searches = {
        "BayesSearchCV": BayesSearchCV(Toy(), {"x": uniform(0, 1)}, n_iter=2, n_initial_points=2, cv=KFold(2)),
        "HyperbandSearchCV": HyperbandSearchCV(Toy(), {"x": uniform(0, 1)}, max_resources=3, cv=KFold(2)),
    }
    written = {"settings": {}, "progress": {}}
    for name, search in searches.items():
        path = tmp_path / f"{name}.ckpt"
        search.set_params(checkpoint=path).set_callbacks(StopAfterFirstRound()).fit(np.zeros((10, 1)))
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("state.json"))
        written["state"] = sorted(data)
        written["row"] = sorted(data["rows"][0])
        written["candidate"] = sorted(data["candidates"][0])
        written["proposer"] = sorted(data["proposer"])
        written["settings"][name] = sorted(data["settings"])
        written["progress"][name] = sorted(data["progress"])
        if name == "HyperbandSearchCV":
            written["bracket"] = sorted(data["progress"]["bracket"])
    assert written == FORMATS[STATE_VERSION], (
        "The checkpoint's fields changed: bump STATE_VERSION in model_selection/_state.py "
        "and add the new fields to FORMATS under the new version."
    )
    # models are saved apart, with joblib
    assert sorted(set(SearchState.__dataclass_fields__) - {"models"}) == FORMATS[STATE_VERSION]["state"]
    assert sorted(Row.__dataclass_fields__) == FORMATS[STATE_VERSION]["row"]


def test_a_checkpoint_of_another_version_is_refused(tmp_path):
    path = tmp_path / "search.ckpt"
    search = BayesSearchCV(Toy(), {"x": uniform(0, 1)}, n_iter=2, n_initial_points=2, cv=KFold(2), checkpoint=path)
    search.fit(np.zeros((10, 1)))
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("state.json"))
    data["version"] = STATE_VERSION - 1
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("state.json", json.dumps(data))
    with pytest.raises(ValueError, match="was not written by this version of skopt_lab's searches"):
        search.fit(np.zeros((10, 1)))
    path.write_bytes(zipfile.ZipFile.__doc__.encode())  # not an archive at all
    with pytest.raises(ValueError, match="was not written by this version"):
        search.fit(np.zeros((10, 1)))


# --------------------------------------------------- atomic search fits
def _fitted(search):
    return {k: v for k, v in vars(search).items() if k.endswith("_") and not k.startswith("_")}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_resources": 20}, "min_resources=20 is larger than max_resources=9"),
        ({"resource": "n_samples", "max_resources": "auto", "min_resources": 1}, "min_resources=1 gives the first rung"),
        ({"checkpoint": os.path.join("no such directory", "search.ckpt")}, "directory that does not exist"),
    ],
)
def test_a_search_that_raises_leaves_no_fitted_attribute(kwargs, match):
    search = HyperbandSearchCV(Toy(), {"x": uniform(0, 1)}, **{"max_resources": 9, "cv": KFold(2), **kwargs})
    with pytest.raises(ValueError, match=match):
        search.fit(np.zeros((20, 1)))
    assert _fitted(search) == {}


class FailsOnAllRows(Toy):
    """Trains on a fold, but its fit on all 20 rows (the refit) raises."""

    def fit(self, X, y=None):
        if len(X) == 20:
            raise RuntimeError("the refit failed")
        return super().fit(X, y)


def test_a_failed_refit_leaves_the_fitted_search_as_it_was():
    search = BayesSearchCV(FailsOnAllRows(), {"x": uniform(0, 1)}, n_iter=3, n_initial_points=3, cv=KFold(2), random_state=0)
    search.fit(np.zeros((10, 1)))
    before = _fitted(search)
    assert {"best_estimator_", "cv_results_", "search_state_", "n_splits_", "refit_time_"} <= set(before)
    with pytest.raises(RuntimeError, match="the refit failed"):
        search.set_params(n_iter=4, cv=KFold(4)).fit(np.zeros((20, 1)))
    after = _fitted(search)
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)


def test_a_checkpoint_in_a_missing_directory_is_refused_before_any_fit(tmp_path):
    path = tmp_path / "missing" / "search.ckpt"
    calls = []

    class Counting(Toy):
        def partial_fit(self, X, y=None):
            calls.append(1)
            return super().partial_fit(X, y)

    search = HyperbandSearchCV(Counting(), {"x": uniform(0, 1)}, max_resources=9, cv=KFold(2), checkpoint=path)
    with pytest.raises(ValueError, match=rf"checkpoint='{path}'.*directory that does not exist, '{path.parent}'"):
        search.fit(np.zeros((20, 1)))
    assert calls == [] and os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="is a directory"):
        search.set_params(checkpoint=tmp_path).fit(np.zeros((20, 1)))


def test_a_new_fit_drops_what_an_earlier_one_published_and_this_one_does_not():
    search = BayesSearchCV(LinearClassifier(max_iter=3, tol=None), {"alpha": loguniform(1e-5, 1e-1)}, n_iter=2, n_initial_points=2, cv=2)
    search.fit(X_CLF, Y_CLF)
    assert hasattr(search, "best_estimator_")
    search.set_params(refit=False).fit(X_CLF, Y_CLF)
    assert not hasattr(search, "best_estimator_") and not hasattr(search, "refit_time_")
    assert math.isfinite(search.best_score_)
