"""The peers' Hyperband and successive-halving tests, ported to HyperbandSearchCV.

Sources (read from their repositories):

- dask-ml, ``tests/model_selection/test_hyperband.py`` and
  ``tests/model_selection/test_successive_halving.py`` (commit 8e2fbb28),
- scikit-learn, ``sklearn/model_selection/tests/test_successive_halving.py``
  (as shipped with scikit-learn 1.9).

HyperbandSearchCV is synchronous (a rung is trained, then the next is
decided), continues training with ``partial_fit`` for ``resource="epochs"``,
cross-validates every candidate on every fold (the peers: dask-ml one
held-out split, scikit-learn CV) and never evaluates a candidate twice.
What applies of the peers' tests is ported below, each test named after
its source; where we differ by design the test asserts our documented
behaviour and says so (``DESIGN:`` in its comment).

Ported from dask-ml's test_hyperband.py
    test_basic (numpy data, scikit-learn's SGDClassifier and dask-ml's
    ConstantFunction; max_iter 9, 15, 20), test_hyperband_mirrors_paper_and_metadata
    (the number of models per bracket; dask-ml's ``metadata`` attribute is
    not ours), test_cv_results_order_preserved (against our history rows
    instead of ``model_history_``), test_same_random_state_same_params and
    test_random_state_no_seed_different_params (reproducibility, unique
    candidates), test_min_max_iter, test_history (rows in training order),
    test_logs_dont_repeat (our verbose lines), test_dataframe_inputs (pandas
    instead of dask dataframes).
Not ported from it
    test_hyperband_patience (``patience``/``tol`` stop a model on a plateau
    inside dask-ml's asynchronous loop; we have no such parameter: a
    callback, ``NoImprovementStopper``, stops a search between rounds),
    test_successive_halving_params, test_correct_params and
    test_params_passed (how dask-ml's Hyperband builds its
    SuccessiveHalvingSearchCV per bracket, and its parameter names), the
    dask.array and Incremental cases of test_basic (dask-specific: our
    searches run on Dask through joblib, tests/distributed/test_distributed.py).
Ported from dask-ml's test_successive_halving.py
    test_basic_successive_halving and test_sha_max_iter_and_metadata, as one
    bracket (``n_brackets=1``).
Not ported from it
    test_search_patience_infeasible_tol (``patience``, as above).
Ported from scikit-learn's test_successive_halving.py
    test_nan_handling, test_min_max_resources (its int and "smallest"
    rows), test_n_iterations, test_resource_parameter,
    test_random_search_discrete_distributions, test_input_errors,
    test_subsample_splitter_shapes and test_subsample_splitter_determinism
    (through the rows a fold's model sees), test_cv_results,
    test_base_estimator_inputs, test_groups_support, test_min_resources_null,
    test_select_best_index, test_halving_random_search_list_of_dicts.
Not ported from it
    test_aggressive_elimination, test_random_search and
    test_input_errors_randomized (``aggressive_elimination``,
    ``n_candidates`` and ``min_resources="exhaust"`` choose how many
    candidates one halving starts with; Hyperband's brackets fix that by the
    paper's formula, and its last rung always trains ``max_resources``,
    which is what "exhaust" is for), test_top_k (a private helper; the
    promotions it computes are checked by the test_cv_results port).

The design differences the ports assert:

1. Rungs are ``max_resources / factor**k`` rounded, down to
   ``min_resources`` (the Hyperband paper), where scikit-learn's halving
   starts at ``min_resources`` and multiplies by ``factor``: the budgets
   match only when ``max_resources / min_resources`` is a power of
   ``factor`` (then the number of models and of partial_fit calls per fold
   equal dask-ml's exactly).
2. No candidate is evaluated twice: a finite space smaller than a bracket
   is exhausted with a warning, where the peers sample with replacement.
3. The folds are drawn once for the whole search, so a shuffling splitter
   without a seed is accepted (scikit-learn refuses it: "must yield
   consistent folds").
4. ``resource="n_samples"`` subsamples the training fold only and scores
   on the whole validation fold, which is the same at every rung
   (scikit-learn's halving subsamples the validation fold too).
5. ``best_estimator_`` is trained as the search trained the best candidate
   (for epochs: ``partial_fit``, the same number of epochs).
"""

import math

import numpy as np
import pytest
from scipy.stats import expon, loguniform, randint, uniform
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.svm import SVC

from skopt_lab import HyperbandSearchCV, LinearClassifier

PARTIAL_FIT_CALLS = []


class ConstantFunction(BaseEstimator):
    """dask-ml's ConstantFunction: scores its ``value``, whatever it learnt."""

    def __init__(self, value=0.0):
        self.value = value

    def fit(self, X, y=None):
        return self

    def partial_fit(self, X, y=None, **kwargs):
        PARTIAL_FIT_CALLS.append(self.value)
        self.t_ = getattr(self, "t_", 1) + X.shape[0]
        self.coef_ = np.asarray(X)[0]
        return self

    def score(self, X, y=None):
        return self.value


class FastClassifier(DummyClassifier):
    """scikit-learn's FastClassifier: a DummyClassifier with parameters a ... z."""

    _parameter_constraints: dict = {
        **DummyClassifier._parameter_constraints,
        **{chr(key): "no_validation" for key in range(ord("a"), ord("z") + 1)},
    }

    def __init__(self, strategy="stratified", random_state=None, constant=None, **kwargs):
        super().__init__(strategy=strategy, random_state=random_state, constant=constant)

    def get_params(self, deep=False):
        params = super().get_params(deep=deep)
        for char in range(ord("a"), ord("z") + 1):
            params[chr(char)] = "whatever"
        return params


class SometimesFailClassifier(DummyClassifier):
    """scikit-learn's SometimesFailClassifier."""

    def __init__(
        self, strategy="stratified", random_state=None, constant=None, n_estimators=10, fail_fit=False,
        fail_predict=False, a=0,
    ):  # fmt: skip
        self.fail_fit = fail_fit
        self.fail_predict = fail_predict
        self.n_estimators = n_estimators
        self.a = a
        super().__init__(strategy=strategy, random_state=random_state, constant=constant)

    def fit(self, X, y):
        if self.fail_fit:
            raise Exception("fitting failed")
        return super().fit(X, y)

    def predict(self, X):
        if self.fail_predict:
            raise Exception("predict failed")
        return super().predict(X)


@pytest.fixture(autouse=True)
def _reset():
    PARTIAL_FIT_CALLS.clear()


def _last_budgets(results):
    """Each candidate's largest budget: its partial_fit calls on one fold."""
    last = {}
    for params, n in zip(results["params"], results["n_resources"]):
        last[repr(sorted(params.items()))] = max(n, last.get(repr(sorted(params.items())), 0))
    return last


# ------------------------------------------------------------------ dask-ml
@pytest.mark.parametrize(
    "library, max_iter, n_models, calls_per_fold",
    [
        # dask-ml: 17 models and 69 partial_fit calls for max_iter=9.
        ("sklearn", 9, 17, 69),
        ("ConstantFunction", 9, 17, 69),
        # DESIGN 1: 15 and 20 are no powers of 3: our rungs [2, 5, 15] and
        # [2, 7, 20] (dask-ml's start at 1 and 3) give 117 and 154 calls per
        # fold where dask-ml counts 101 and 144; the models are the same 17.
        ("ConstantFunction", 15, 17, 117),
        ("ConstantFunction", 20, 17, 154),
    ],
)
def test_basic(library, max_iter, n_models, calls_per_fold):
    rng = np.random.RandomState(42)
    n, d = (50, 2)
    X = rng.normal(size=(n, d))
    y = np.sign(X @ rng.uniform(size=d))
    if library == "sklearn":
        model = SGDClassifier(tol=10, penalty="elasticnet", random_state=42, eta0=0.1)
        params = {
            "loss": ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"],
            "average": [True, False],
            "learning_rate": ["constant", "invscaling", "optimal"],
            "eta0": loguniform(1e-2, 1e0),
        }
    else:
        model = ConstantFunction()
        params = {"value": uniform(0, 1)}
    search = HyperbandSearchCV(model, params, max_resources=max_iter, n_brackets=None, cv=3, random_state=42)
    search.fit(X, y, classes=np.unique(y))

    score = search.best_estimator_.score(X, y)
    assert score == search.score(X, y)
    assert 0 <= score <= 1
    if library == "ConstantFunction":
        assert score == pytest.approx(search.best_score_, rel=1e-15)  # a mean over 3 folds of the value
        assert search.cv_results_["mean_test_score"][search.best_index_] == search.cv_results_["mean_test_score"].max()
    else:
        # DESIGN: our best_score_ is cross-validated, theirs on one split; both
        # are estimates of the score on the whole training data.
        assert abs(score - search.best_score_) < 0.15
    assert type(search.best_estimator_) is type(model)
    assert isinstance(search.best_params_, dict)

    last = _last_budgets(search.cv_results_)
    assert len(last) == n_models
    assert sum(last.values()) == calls_per_fold
    if library == "ConstantFunction":  # one call per epoch, per fold, and the refit's
        best_budget = search.cv_results_["n_resources"][search.best_index_]
        assert len(PARTIAL_FIT_CALLS) == 3 * calls_per_fold + best_budget
    if math.log(max_iter, 3) % 1.0 == 0:
        assert len(last) > max_iter
    else:
        assert len(last) + 3 >= max_iter
    assert set(search.cv_results_["bracket"]) == {0, 1, 2}


@pytest.mark.parametrize("max_iter, aggressiveness", [(27, 3), (30, 4)])
def test_hyperband_mirrors_paper_and_metadata(max_iter, aggressiveness):
    # dask-ml draws its values from a list as long as max_iter, with
    # replacement. DESIGN 2: we never evaluate a value twice, so for 27 the
    # list runs out after the first bracket (with a warning).
    values = list(np.random.RandomState(0).rand(max_iter))
    search = HyperbandSearchCV(
        ConstantFunction(), {"value": values}, max_resources=max_iter, factor=aggressiveness,
        n_brackets=None, cv=2, random_state=0,
    )  # fmt: skip
    # The paper's bracket s of s_max + 1: ceil((s_max + 1) / (s + 1) * eta**s) models.
    s_max = math.floor(math.log(max_iter) / math.log(aggressiveness))
    paper = [math.ceil((s_max + 1) / (s + 1) * aggressiveness**s) for s in range(s_max, -1, -1)]
    assert paper == {27: [27, 12, 6, 4], 30: [16, 6, 3]}[max_iter]  # dask-ml's n_models per bracket
    if sum(paper) > len(values):
        with pytest.warns(UserWarning, match="No unevaluated candidate is left for bracket 1"):
            search.fit(np.zeros((10, 4)))
    else:
        search.fit(np.zeros((10, 4)))
    results = search.cv_results_
    n_models = []
    for bracket in sorted(set(results["bracket"])):
        here = results["bracket"] == bracket
        n_models.append(len({repr(p) for p, h in zip(results["params"], here) if h}))
    assert n_models == (paper[:1] if sum(paper) > len(values) else paper)
    if aggressiveness == 3:
        assert search.best_score_ == max(values)


def test_cv_results_order_preserved():
    search = HyperbandSearchCV(ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, cv=2, random_state=42)
    search.fit(np.zeros((10, 4)))
    # Our history (search_state_.rows) in place of dask-ml's model_history_.
    for i, row in enumerate(search.search_state_.rows):
        assert row.info["bracket"] == search.cv_results_["bracket"][i]
        assert row.values["value"] == search.cv_results_["params"][i]["value"]
        assert np.allclose(row.mean_test_score(), search.cv_results_["mean_test_score"][i])


def test_same_random_state_same_params():
    make = lambda seed: HyperbandSearchCV(  # noqa: E731
        ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, cv=2, random_state=seed
    ).fit(np.zeros((10, 4)))
    first, second = make(0), make(0)
    values = [p["value"] for p in first.cv_results_["params"]]
    assert values == [p["value"] for p in second.cv_results_["params"]]
    # Unique candidates: a candidate's rows (one per rung) share its value only.
    by_candidate = {row.candidate: row.values["value"] for row in first.search_state_.rows}
    assert len(set(by_candidate.values())) == len(by_candidate)


def test_random_state_no_seed_different_params():
    fit = lambda seed: [  # noqa: E731
        p["value"]
        for p in HyperbandSearchCV(
            ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, cv=2, random_state=seed
        ).fit(np.zeros((10, 4))).cv_results_["params"]
    ]
    assert fit(None) != fit(None)
    assert fit(0) == fit(0)


def test_min_max_iter():
    search = HyperbandSearchCV(ConstantFunction(), {"value": uniform(0, 1)}, max_resources=1, cv=2)
    search.fit(np.zeros((10, 4)))
    assert search.rung_resources_ == [1]
    assert search.best_score_ > 0


def test_history():
    search = HyperbandSearchCV(ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, cv=2, random_state=42)
    search.fit(np.zeros((10, 4)))
    rows = search.search_state_.rows
    # In training order: brackets one after the other, rungs rising in each.
    assert [r.info["bracket"] for r in rows] == sorted(r.info["bracket"] for r in rows)
    for bracket in {r.info["bracket"] for r in rows}:
        rungs = [r.info["iter"] for r in rows if r.info["bracket"] == bracket]
        assert rungs == sorted(rungs)
    by_candidate = {}
    for row in rows:
        by_candidate.setdefault(row.candidate, []).append(row.resource)
    assert all(np.all(np.diff(budgets) >= 1) for budgets in by_candidate.values())


def test_logs_dont_repeat(capsys):
    search = HyperbandSearchCV(
        ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, n_brackets=None, cv=2, random_state=42, verbose=1
    )
    search.fit(np.zeros((10, 4)))
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Bracket")]
    rungs = {(b, i) for b, i in zip(search.cv_results_["bracket"], search.cv_results_["iter"])}
    assert len(lines) == len(set(lines)) == len(rungs) == 3 + 2 + 1


def test_dataframe_inputs():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 5, 6, 7]})
    y = pd.Series([False, True, True, False])
    search = HyperbandSearchCV(ConstantFunction(), {"value": uniform(0, 1)}, max_resources=9, cv=2, random_state=42)
    search.fit(X, y)
    assert search.best_score_ == search.cv_results_["mean_test_score"].max()


def test_basic_successive_halving():
    X, y = make_classification(random_state=0)
    search = HyperbandSearchCV(
        SGDClassifier(tol=1e-3), {"alpha": loguniform(1e-3, 1e0)}, max_resources=10, min_resources=5, n_brackets=1, cv=3
    )
    search.fit(X, y, classes=np.unique(y))
    assert search.best_score_ > 0
    assert isinstance(search.best_estimator_, SGDClassifier)


@pytest.mark.parametrize("r", [2, 3])
@pytest.mark.parametrize("n", [9, 22])
def test_sha_max_iter_and_metadata(n, r):
    # One bracket of successive halving from r epochs; dask-ml passes the
    # number of models n, ours follows from the budgets (DESIGN 1).
    X, y = make_classification(random_state=0)
    max_iter = r * 3 ** (1 if n == 9 else 2)
    search = HyperbandSearchCV(
        SGDClassifier(tol=1e-3), {"alpha": loguniform(1e-3, 1e0)}, max_resources=max_iter, min_resources=r,
        n_brackets=1, cv=2,
    )  # fmt: skip
    search.fit(X, y, classes=np.unique(y))
    last = _last_budgets(search.cv_results_)
    assert min(last.values()) == r
    # One model trained to completion (fewer than factor at the top).
    assert sum(budget == max_iter for budget in last.values()) < 3


# ------------------------------------------------------------- scikit-learn
@pytest.mark.parametrize("fail_at", ("fit", "predict"))
def test_nan_handling(fail_at):
    X, y = make_classification(n_samples=1_000, random_state=0)
    search = HyperbandSearchCV(
        SometimesFailClassifier(), {f"fail_{fail_at}": [False, True], "a": range(3)},
        resource="n_estimators", max_resources=6, min_resources=1, factor=2, cv=3, random_state=0,
    )  # fmt: skip
    expected = FitFailedWarning if fail_at == "fit" else UserWarning
    with pytest.warns(expected), pytest.warns(UserWarning, match="One or more of the test scores are non-finite"):
        search.fit(X, y)
    assert not search.best_params_[f"fail_{fail_at}"]
    scores = search.cv_results_["mean_test_score"]
    ranks = search.cv_results_["rank_test_score"]
    assert np.isnan(scores).any()
    unique_nan_ranks = np.unique(ranks[np.isnan(scores)])
    assert unique_nan_ranks.shape[0] == 1
    assert (unique_nan_ranks[0] >= ranks).all()


@pytest.mark.parametrize(
    "min_resources, max_resources, expected_min, expected_rungs",
    [
        # scikit-learn: min_resources_ 20, n_resources_ [20, 60] (6 candidates
        # need 2 iterations). DESIGN 1: ours start at max_resources.
        ("smallest", "auto", 20, [37, 111, 333, 1000]),
        (50, "auto", 50, [111, 333, 1000]),
        # scikit-learn: [20], one iteration. Ours: the one rung is max_resources.
        ("smallest", 30, 20, [30]),
    ],
)
def test_min_max_resources(min_resources, max_resources, expected_min, expected_rungs):
    X, y = make_classification(n_samples=1000, random_state=0)
    search = HyperbandSearchCV(
        FastClassifier(), {"a": [1, 2], "b": [1, 2, 3]}, resource="n_samples", factor=3,
        min_resources=min_resources, max_resources=max_resources, n_brackets=1,
    )  # fmt: skip
    search.fit(X, y)
    assert search.min_resources_ == expected_min  # 'smallest': 2 * n_splits * n_classes, as scikit-learn's
    assert search.rung_resources_ == expected_rungs


@pytest.mark.parametrize(
    "max_resources, n_possible_iterations",
    [("auto", 9), (1024, 9), (700, 8), (512, 8), (511, 7), (32, 4), (31, 3), (16, 3), (4, 1)],
)
def test_n_iterations(max_resources, n_possible_iterations):
    # scikit-learn's n_possible_iterations_ (rungs from min_resources=4 and
    # factor=2 up to max_resources) is our number of rungs.
    X, y = make_classification(n_samples=1024, random_state=1)
    search = HyperbandSearchCV(
        FastClassifier(), {"a": [1, 2], "b": list(range(10))}, resource="n_samples", cv=2, factor=2,
        max_resources=max_resources, min_resources=4, n_brackets=1,
    )  # fmt: skip
    search.fit(X, y)
    assert len(search.rung_resources_) == n_possible_iterations
    assert search.rung_resources_[-1] == (1024 if max_resources == "auto" else max_resources)


def test_resource_parameter():
    X, y = make_classification(n_samples=1000, random_state=0)
    search = HyperbandSearchCV(
        FastClassifier(), {"a": [1, 2], "b": list(range(10))}, cv=2, resource="c", max_resources=10, factor=3,
        n_brackets=1,
    )  # fmt: skip
    search.fit(X, y)
    # scikit-learn: {1, 3, 9}. DESIGN 1: ours end at max_resources.
    assert set(search.cv_results_["n_resources"]) == {1, 3, 10}
    for r_i, params, param_c in zip(
        search.cv_results_["n_resources"], search.cv_results_["params"], search.cv_results_["param_c"]
    ):
        assert r_i == params["c"] == param_c
    assert search.best_estimator_.c == search.best_params_["c"] == 10

    with pytest.raises(ValueError, match="resource='1234' must be 'epochs', 'n_samples' or the name"):
        HyperbandSearchCV(FastClassifier(), {"a": [1, 2]}, cv=2, resource="1234", max_resources=10).fit(X, y)
    with pytest.raises(ValueError, match="resource='c' is set by the search at every rung"):
        HyperbandSearchCV(
            FastClassifier(), {"a": [1, 2], "b": [1, 2], "c": [1, 3]}, cv=2, resource="c", max_resources=10
        ).fit(X, y)


@pytest.mark.parametrize("param_distributions, n_values", [({"a": [1, 2]}, 2), ({"a": randint(1, 3)}, 2)])
def test_random_search_discrete_distributions(param_distributions, n_values):
    # scikit-learn samples 10 candidates from randint(1, 3), with
    # replacement. DESIGN 2: ours evaluates each of its 2 values once.
    X, y = make_classification(n_samples=1024, random_state=0)
    search = HyperbandSearchCV(FastClassifier(), param_distributions, resource="n_samples", max_resources="auto", n_brackets=1)
    with pytest.warns(UserWarning, match="No unevaluated candidate"):
        search.set_params(n_brackets=2).fit(X, y)
    first_rung = search.cv_results_["iter"] == search.cv_results_["iter"].min()
    assert first_rung.sum() == n_values


@pytest.mark.parametrize(
    "params, expected_error_message",
    [
        ({"resource": "not_a_parameter"}, "resource='not_a_parameter' must be 'epochs', 'n_samples' or the name"),
        ({"resource": "a", "max_resources": 100}, "resource='a' is set by the search at every rung"),
        ({"max_resources": "auto", "resource": "b"}, "max_resources='auto' .* is only for resource='n_samples'"),
        ({"min_resources": 15, "max_resources": 14, "resource": "b"}, "min_resources=15 is larger than max_resources=14"),
        ({"min_resources": 0.5}, "'min_resources' parameter"),
        ({"max_resources": -10}, "'max_resources' parameter"),
    ],
)
def test_input_errors(params, expected_error_message):
    X, y = make_classification(100)
    search = HyperbandSearchCV(FastClassifier(), {"a": [1]}, **{"resource": "n_samples", **params})
    with pytest.raises(ValueError, match=expected_error_message):
        search.fit(X, y)


@pytest.mark.parametrize("cv", [KFold(shuffle=True), ShuffleSplit()], ids=["KFold", "ShuffleSplit"])
def test_input_errors_inconsistent_folds_are_fine(cv):
    # scikit-learn refuses these: "must yield consistent folds". DESIGN 3:
    # we draw the folds once, so every rung uses the same ones.
    X, y = make_classification(100, random_state=0)
    search = HyperbandSearchCV(FastClassifier(), {"a": [1, 2]}, resource="n_samples", max_resources="auto", cv=cv)
    search.set_params(min_resources=40, n_brackets=1).fit(X, y)
    assert search.n_splits_ == cv.get_n_splits()


class Recording(FastClassifier):
    """Records the rows each fold model is fitted and scored on."""

    seen = []

    def fit(self, X, y):
        Recording.seen.append(("fit", len(X), X[:, 0].copy()))
        return super().fit(X, y)

    def predict(self, X):
        Recording.seen.append(("predict", len(X), X[:, 0].copy()))
        return super().predict(X)


def test_subsample_splitter_shapes_and_determinism():
    # scikit-learn's _SubsampleMetaSplitter with subsample_test=False: a
    # fraction of each training fold, the whole validation fold (DESIGN 4).
    Recording.seen = []
    X, y = make_classification(100, random_state=0)
    search = HyperbandSearchCV(
        Recording(), {"a": [1, 2, 3]}, resource="n_samples", max_resources="auto", min_resources=20, factor=5,
        cv=KFold(5), n_brackets=1, refit=False, random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    assert search.rung_resources_ == [20, 100]
    fits = [s for s in Recording.seen if s[0] == "fit"]
    predicts = [s for s in Recording.seen if s[0] == "predict"]
    # 3 candidates at 20 of 100 rows (16 of each fold's 80), 1 at 100 (all 80).
    assert [n for _, n, _ in fits] == [16] * 15 + [80] * 5
    assert [n for _, n, _ in predicts] == [20] * 20
    # The same validation rows at every rung, for every candidate.
    for k, (_, _, rows) in enumerate(predicts):
        np.testing.assert_array_equal(rows, predicts[k % 5][2])
    # The same subsample of a fold for every candidate of a rung.
    for k in range(5, 15):
        np.testing.assert_array_equal(fits[k][2], fits[k % 5][2])


def test_cv_results():
    rng = np.random.RandomState(0)

    def scorer(est, X, y):
        return rng.rand()

    X, y = make_classification(n_samples=1000, random_state=0)
    search = HyperbandSearchCV(
        FastClassifier(), {"a": ("l1", "l2"), "b": list(range(30))}, resource="n_samples", max_resources="auto",
        factor=2, scoring=scorer, n_brackets=1, random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    results = search.cv_results_
    assert isinstance(results["iter"], np.ndarray) and isinstance(results["n_resources"], np.ndarray)
    scores = results["mean_test_score"]
    assert len(np.unique(scores)) == len(scores)  # no ties

    table = {}  # candidate -> {rung: score}
    for params, rung, score in zip(results["params"], results["iter"], scores):
        table.setdefault(repr(sorted(params.items())), {})[rung] = score
    rungs = sorted(set(results["iter"]))
    for rung, next_rung in zip(rungs, rungs[1:]):
        here = {c: s[rung] for c, s in table.items() if rung in s}
        kept = {c for c, s in table.items() if next_rung in s}
        # A candidate left out is never evaluated again.
        assert kept <= set(here)
        assert len(kept) == max(1, math.floor(len(here) / 2))
        # Everything left out scored below everything kept.
        assert max(s for c, s in here.items() if c not in kept) < min(here[c] for c in kept)
    # The best is the best of the last rung, even if an earlier score is higher.
    last = results["iter"] == max(rungs)
    best_last = np.flatnonzero(last)[np.argmax(scores[last])]
    assert search.best_index_ == best_last
    assert scores[best_last] < scores.max()
    assert results["params"][best_last] != results["params"][np.argmax(scores)]


def test_base_estimator_inputs():
    Recording.seen = []
    n_samples, n_splits = 1024, 2
    X, y = make_classification(n_samples=n_samples, random_state=0)
    search = HyperbandSearchCV(
        Recording(), {"a": ("l1", "l2"), "b": list(range(30))}, resource="n_samples", max_resources="auto",
        factor=2, cv=n_splits, refit=False, n_brackets=1, random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    fits = [n for kind, n, _ in Recording.seen if kind == "fit"]
    predicts = [n for kind, n, _ in Recording.seen if kind == "predict"]
    assert len(fits) == len(predicts) == n_splits * len(search.cv_results_["params"])
    # Each fold model trains on n_resources / n_samples of its 512 training
    # rows and is scored on all 512 validation rows (DESIGN 4).
    np.testing.assert_array_equal(fits[::n_splits], 512 * search.cv_results_["n_resources"] // n_samples)
    assert set(predicts) == {512}
    budgets, counts = np.unique(search.cv_results_["n_resources"], return_counts=True)
    assert budgets.tolist() == search.rung_resources_
    assert all(np.diff(counts) <= 0)  # fewer candidates at every rung


def test_groups_support():
    rng = np.random.RandomState(0)
    X, y = make_classification(n_samples=50, n_classes=2, random_state=0)
    groups = rng.randint(0, 3, 50)
    clf = LinearClassifier(tol=None, random_state=0)
    grid = {"alpha": [1e-4]}
    for cv in [LeaveOneGroupOut(), LeavePGroupsOut(2), GroupKFold(n_splits=3), GroupShuffleSplit(random_state=0)]:
        search = HyperbandSearchCV(clf, grid, cv=cv, max_resources=3, n_brackets=1, random_state=0)
        with pytest.raises(ValueError, match="The 'groups' parameter should not be None."):
            search.fit(X, y)
        search.fit(X, y, groups=groups)
    for cv in [StratifiedKFold(), StratifiedShuffleSplit(random_state=0)]:
        HyperbandSearchCV(clf, grid, cv=cv, max_resources=3, n_brackets=1).fit(X, y)


def test_min_resources_null():
    search = HyperbandSearchCV(FastClassifier(), {"a": [1]}, resource="n_samples", max_resources="auto")
    # scikit-learn: "min_resources_=0: you might have passed an empty dataset X."
    with pytest.raises(ValueError, match="0 sample"):
        search.fit(np.empty(0).reshape(0, 3), [])


def test_select_best_index():
    results = {  # not a real-world result dict
        "n_resources": np.array([1, 1, 1, 1, 3, 3, 9, 9, 9]),
        "mean_test_score": np.array([4, 3, 5, 1, 11, 10, 5, 6, 9]),
        "rank_test_score": np.array([6, 7, 5, 9, 1, 2, 5, 4, 3]),
        "params": np.array(["a", "b", "c", "d", "e", "f", "g", "h", "i"]),
    }
    search = HyperbandSearchCV(ConstantFunction(), {"value": [1]})
    assert search._best_index(results, "score") == 8  # 'i': the best of the largest budget


def test_halving_random_search_list_of_dicts():
    X, y = make_classification(n_samples=150, n_features=4, random_state=42)
    params = [
        {"kernel": ["rbf"], "C": expon(scale=10), "gamma": expon(scale=0.1)},
        {"kernel": ["poly"], "degree": [2, 3]},
    ]
    # Hyperband has no return_train_score: the training scores are not here.
    search = HyperbandSearchCV(SVC(), params, cv=3, resource="n_samples", max_resources="auto", random_state=0)
    search.fit(X, y)
    results = search.cv_results_
    n = len(results["params"])
    for key in ("param_C", "param_degree", "param_gamma", "param_kernel", "mean_test_score", "rank_test_score",
                "split0_test_score", "split2_test_score", "std_test_score", "mean_fit_time", "std_score_time",
                "n_resources", "iter", "bracket"):  # fmt: skip
        assert len(results[key]) == n, key
    assert results["param_C"].dtype.kind == "f" and results["param_degree"].dtype.kind == "i"
    assert results["param_kernel"].dtype.kind == "O"
    for i in range(n):
        poly = results["param_kernel"][i] == "poly"
        assert results["param_C"].mask[i] == results["param_gamma"].mask[i] == poly
        assert results["param_degree"].mask[i] != poly
    assert clone(search.best_estimator_).get_params()["kernel"] == search.best_params_["kernel"]
