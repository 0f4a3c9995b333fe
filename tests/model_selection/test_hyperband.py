"""HyperbandSearchCV, and what it shares with BayesSearchCV: resuming from a
checkpoint, warm start, callbacks that stop a search, subspace coverage."""

import collections
import os
import pickle

import numpy as np
import pytest
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skopt_lab import BayesSearchCV, HyperbandSearchCV, LinearClassifier, MLPClassifier
from skopt_lab.model_selection import DeadlineStopper, NoImprovementStopper
from skopt_lab.model_selection._surrogate import Proposer
from skopt_lab.optimizers import LBFGS, SGD, Adam

X_DUMMY = np.arange(40.0).reshape(20, 2)
CV = KFold(2)

# Training calls counted by method, in this process (the searches here run
# with n_jobs=None, sequentially).
CALLS = collections.Counter()


class Toy(BaseEstimator):
    """A model whose score rises with training and peaks at x=0.3.

    ``fit`` trains ``max_iter`` epochs and ``partial_fit`` one more; the
    score, ``-(x - 0.3)**2 - 1 / epochs``, also depends a little on the fold.
    Raises KeyboardInterrupt on the training call number ``crash_at``.
    """

    crash_at = None

    def __init__(self, x=0.0, choice="a", max_iter=10):
        self.x = x
        self.choice = choice
        self.max_iter = max_iter

    def _count(self, method):
        if sum(CALLS.values()) + 1 == Toy.crash_at:
            raise KeyboardInterrupt
        CALLS[method] += 1

    def fit(self, X, y=None):
        self._count("fit")
        self.epochs_ = self.max_iter
        return self

    def partial_fit(self, X, y=None):
        self._count("partial_fit")
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        return self

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2) - 1 / self.epochs_ + 1e-3 * X[0, 0]


TOY_SPACE = {"x": uniform(0, 1), "choice": ["a", "b", "c"]}


@pytest.fixture(autouse=True)
def _reset_counts():
    CALLS.clear()
    Toy.crash_at = None


def hyperband(estimator=None, space=TOY_SPACE, **kwargs):
    # Hyperband's whole set of brackets unless told otherwise.
    kwargs = {"max_resources": 9, "n_brackets": None, "cv": CV, "random_state": 0, **kwargs}
    return HyperbandSearchCV(estimator or Toy(), space, **kwargs)


def bayes(estimator=None, space=TOY_SPACE, **kwargs):
    kwargs = {"n_iter": 7, "n_initial_points": 3, "n_points": 2, "cv": CV, "random_state": 0, **kwargs}
    return BayesSearchCV(estimator or Toy(), space, **kwargs)


def _key(params):
    return tuple(sorted((k, v) for k, v in params.items()))


def _same_results(a, b):
    """Same candidates in the same order, with the same fold scores."""
    assert [_key(p) for p in a.cv_results_["params"]] == [_key(p) for p in b.cv_results_["params"]]
    for k in range(a.n_splits_):
        np.testing.assert_array_equal(a.cv_results_[f"split{k}_test_score"], b.cv_results_[f"split{k}_test_score"])
    assert a.best_index_ == b.best_index_


# 1. Hyperband's brackets and rungs.
def test_brackets_rungs_and_promotions():
    search = hyperband(max_resources=27, proposer="random").fit(X_DUMMY)
    results = search.cv_results_
    assert search.rung_resources_ == [1, 3, 9, 27]
    # Hyperband's full set for 27 / 1 and factor 3: brackets of 27, 12, 6 and 4
    # candidates, a third promoted at each rung.
    counts = collections.Counter(zip(results["bracket"], results["n_resources"]))
    assert counts == {
        (0, 1): 27, (0, 3): 9, (0, 9): 3, (0, 27): 1,
        (1, 3): 12, (1, 9): 4, (1, 27): 1,
        (2, 9): 6, (2, 27): 2,
        (3, 27): 4,
    }  # fmt: skip
    np.testing.assert_array_equal(3 ** results["iter"], results["n_resources"])
    # The promoted are the best of their rung.
    for bracket, rung in {(b, np.log(n) / np.log(3)) for b, n in counts}:
        here = np.flatnonzero((results["bracket"] == bracket) & (results["iter"] == rung))
        promoted = np.flatnonzero((results["bracket"] == bracket) & (results["iter"] == rung + 1))
        best = here[np.argsort(-results["mean_test_score"][here])[: len(promoted)]]
        assert {_key(results["params"][i]) for i in best} == {_key(results["params"][i]) for i in promoted}
    # The best comes from the largest budget; the refit trains with it.
    top = results["n_resources"] == 27
    assert search.best_score_ == results["mean_test_score"][top].max()
    assert results["n_resources"][search.best_index_] == 27
    assert search.best_estimator_.epochs_ == 27
    # Epochs: every candidate trains up to its last rung once per fold, then
    # the refit trains 27 epochs as the folds did, by partial_fit (Toy's
    # takes no n_epochs: one call per epoch).
    last_rung = {}
    for params, n in zip(results["params"], results["n_resources"]):
        last_rung[_key(params)] = n
    assert CALLS == {"partial_fit": 2 * sum(last_rung.values()) + 27}


def test_n_brackets_cycles_from_the_most_aggressive():
    results = hyperband(n_brackets=4, proposer="random").fit(X_DUMMY).cv_results_
    first_budget = {b: results["n_resources"][results["bracket"] == b].min() for b in range(4)}
    assert first_budget == {0: 1, 1: 3, 2: 9, 3: 1}
    # By default, the two most aggressive.
    results = HyperbandSearchCV(Toy(), TOY_SPACE, max_resources=9, cv=CV, random_state=0).fit(X_DUMMY).cv_results_
    assert collections.Counter(zip(results["bracket"], results["n_resources"])) == {
        (0, 1): 9, (0, 3): 3, (0, 9): 1, (1, 3): 5, (1, 9): 1
    }


# 2. Continuing the fold models is exact.
RECORDS = []


class RecordingMLP(MLPClassifier):
    """An MLPClassifier that records its weights after every rung's
    training (and keeps itself alive in the record, so that ids stay unique)."""

    def partial_fit(self, X, y, classes=None, sample_weight=None, n_epochs=1):
        super().partial_fit(X, y, classes=classes, sample_weight=sample_weight, n_epochs=n_epochs)
        RECORDS.append((self, self.n_iter_, X, y, clone(self), [c.copy() for c in self.coefs_]))
        return self


class CountingScaler(StandardScaler):
    def fit(self, X, y=None, sample_weight=None):
        CALLS["scaler fit"] += 1
        return super().fit(X, y, sample_weight=sample_weight)


X_CLF, Y_CLF = make_classification(n_samples=90, n_features=6, n_informative=4, n_classes=3, random_state=0)
MLP_SPACE = {"optimizer": [SGD(momentum=0.9), Adam()], "optimizer__learning_rate": loguniform(1e-3, 1e-1)}


@pytest.mark.parametrize("pipeline", [False, True], ids=["estimator", "pipeline"])
def test_continuation_equals_training_straight_through(pipeline):
    RECORDS.clear()
    mlp = RecordingMLP((8,), tol=None, random_state=0)
    estimator = make_pipeline(CountingScaler(), mlp) if pipeline else mlp
    space = {f"recordingmlp__{k}" if pipeline else k: v for k, v in MLP_SPACE.items()}
    # A shuffling splitter without a seed splits differently at every call:
    # the search draws its folds once.
    search = HyperbandSearchCV(
        estimator, space, max_resources=9, n_brackets=None, cv=KFold(3, shuffle=True), random_state=0
    )
    search.fit(X_CLF, Y_CLF)
    best = search.best_estimator_[-1] if pipeline else search.best_estimator_

    by_model = collections.defaultdict(list)
    for record in RECORDS:
        if record[0] is not best:  # the refit's, below
            by_model[id(record[0])].append(record)
    reached = collections.Counter()
    for records in by_model.values():
        epochs = [r[1] for r in records]
        # One call per rung, from the first to the model's last: never restarted.
        assert epochs in ([1], [1, 3], [1, 3, 9], [3], [3, 9], [9])
        # The same training rows at every rung.
        assert all(np.array_equal(r[2], records[0][2]) for r in records)
        reached[epochs[-1]] += 1
        if epochs[-1] == 9:
            _, _, X_fold, y_fold, model, coefs = records[-1]
            assert model.max_iter == 9  # set to max_resources
            straight = clone(model).fit(X_fold, y_fold)  # 9 epochs in one fit
            for ours, theirs in zip(coefs, straight.coefs_):
                np.testing.assert_array_equal(ours, theirs)
    # Bracket 0: 9, 3, 1 candidates at 1, 3, 9 epochs; bracket 1: 5 then 1; bracket 2: 3.
    assert reached == {1: 3 * (9 - 3), 3: 3 * (3 - 1 + 5 - 1), 9: 3 * (1 + 1 + 3)}
    if pipeline:  # fitted once per candidate and fold, then once for the refit
        assert CALLS["scaler fit"] == 3 * (9 + 5 + 3) + 1
    # The refit trained as the folds did, 9 epochs in one partial_fit call:
    # the model 9 calls of partial_fit give.
    assert [r[1] for r in RECORDS if r[0] is best] == [9]
    assert best.max_iter == best.n_iter_ == 9
    Xt = search.best_estimator_[:-1].transform(X_CLF) if pipeline else X_CLF
    by_epoch = clone(best)
    for _ in range(9):
        MLPClassifier.partial_fit(by_epoch, Xt, Y_CLF, classes=np.unique(Y_CLF))
    np.testing.assert_array_equal(by_epoch.coefs_[0], best.coefs_[0])


def test_a_candidate_that_cannot_be_trained_further_is_not_promoted():
    space = {"optimizer": [Adam(), LBFGS()], "alpha": loguniform(1e-5, 1e-1)}
    with pytest.warns(FitFailedWarning, match="has no attribute 'partial_fit'"), pytest.warns(UserWarning, match="non-finite"):
        search = HyperbandSearchCV(
            MLPClassifier((4,), tol=None, random_state=0), space, max_resources=3, cv=2, n_brackets=1, random_state=0
        ).fit(X_CLF, Y_CLF)
    results = search.cv_results_
    lbfgs = np.array([isinstance(p["optimizer"], LBFGS) for p in results["params"]])
    assert lbfgs.any() and np.isnan(results["mean_test_score"][lbfgs]).all()
    assert not lbfgs[results["iter"] == 1].any()
    assert isinstance(search.best_params_["optimizer"], Adam)


# 3. The other resources refit at every rung.
class SizeProbe(BaseEstimator):
    """Scores the number of rows and the ``budget`` it was trained with."""

    def __init__(self, x=0.0, budget=1):
        self.x = x
        self.budget = budget

    def fit(self, X, y=None):
        self.n_rows_ = len(X)
        return self

    def score(self, X, y=None):
        return 1000 * self.n_rows_ + self.budget + self.x / 10


def test_n_samples_subsamples_the_training_folds():
    X = np.arange(90.0)[:, None]
    search = HyperbandSearchCV(
        SizeProbe(), {"x": uniform(0, 1)}, resource="n_samples", max_resources="auto", min_resources=10,
        cv=KFold(3), random_state=0,
    ).fit(X)
    results = search.cv_results_
    assert search.rung_resources_ == [10, 30, 90]
    # Each rung trains on n_resources / n_samples of the 60 rows of a training fold.
    n_rows = np.floor(results["mean_test_score"] / 1000)
    np.testing.assert_array_equal(n_rows, 60 * results["n_resources"] // 90)
    assert search.best_estimator_.n_rows_ == 90  # the refit uses every row


def test_an_integer_parameter_as_the_resource():
    search = hyperband(SizeProbe(), {"x": uniform(0, 1)}, resource="budget", cv=KFold(2)).fit(X_DUMMY)
    results = search.cv_results_
    budgets = [p["budget"] for p in results["params"]]
    np.testing.assert_array_equal(budgets, results["n_resources"])
    np.testing.assert_array_equal(results["mean_test_score"] % 1000 // 1, results["n_resources"])
    assert search.best_params_["budget"] == 9
    assert search.best_estimator_.budget == 9 and search.best_estimator_.n_rows_ == 20


# 4. Reproducible, and the same in parallel.
def test_reproducible_with_random_state():
    first = hyperband(random_state=1).fit(X_DUMMY)
    second = hyperband(random_state=1).fit(X_DUMMY)
    other = hyperband(random_state=2).fit(X_DUMMY)
    _same_results(first, second)
    assert [_key(p) for p in first.cv_results_["params"]] != [_key(p) for p in other.cv_results_["params"]]


def test_two_jobs_equal_one():
    kwargs = dict(max_resources=9, cv=3, random_state=0, n_brackets=2)
    estimator = MLPClassifier((8,), tol=None, random_state=0)
    one = HyperbandSearchCV(estimator, MLP_SPACE, n_jobs=1, **kwargs).fit(X_CLF, Y_CLF)
    two = HyperbandSearchCV(estimator, MLP_SPACE, n_jobs=2, **kwargs).fit(X_CLF, Y_CLF)
    assert [repr(p) for p in one.cv_results_["params"]] == [repr(p) for p in two.cv_results_["params"]]
    np.testing.assert_array_equal(one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(one.best_estimator_.coefs_[0], two.best_estimator_.coefs_[0])


@pytest.mark.parametrize("proposer", ["bayes", "random"])
def test_the_model_learns_from_the_highest_rung_with_enough_scores(proposer, monkeypatch):
    observed = []
    original = Proposer.propose

    def spy(self, s, u, scores, n, seen):
        observed.append((len(scores), n))
        return original(self, s, u, scores, n, seen)

    monkeypatch.setattr(Proposer, "propose", spy)
    hyperband(max_resources=27, n_brackets=4, proposer=proposer).fit(X_DUMMY)
    if proposer == "random":
        assert observed == []
        return
    # The model needs 10 scores (at least 2 per input: x and 3 one-hot choices).
    # After bracket 0 (27, 9, 3, 1 candidates at 1, 3, 9, 27 epochs) only the
    # rung of 1 epoch has enough: 27 scores for bracket 1's 12 candidates.
    # After bracket 1 (12, 4, 1 at 3, 9, 27) the rung of 3 epochs has 21, for
    # bracket 2's 6; after bracket 2 (6, 2 at 9, 27) the rung of 9 has 13.
    assert observed == [(27, 12), (21, 6), (13, 4)]


# 5. Bad input.
@pytest.mark.parametrize(
    "estimator, kwargs, match",
    [
        (None, {"resource": "budget"}, "resource='budget' must be 'epochs', 'n_samples' or the name"),
        (MLPClassifier(optimizer=LBFGS()), {}, "partial_fit, which MLPClassifier.*LBFGS.* does not have"),
        (None, {"min_resources": 10}, "min_resources=10 is larger than max_resources=9"),
        (None, {"factor": 1}, "'factor' parameter of HyperbandSearchCV must be a float in the range \\(1"),
        (None, {"factor": 0.5}, "'factor' parameter"),
        (None, {"resource": "x"}, "resource='x' is set by the search at every rung"),
        (None, {"max_resources": "auto"}, "max_resources='auto' .* is only for resource='n_samples'"),
        (None, {"resource": "n_samples", "max_resources": 30}, "max_resources=30 is larger than the number of samples, 20"),
        (None, {"proposer": "tpe"}, "'proposer' parameter"),
    ],
)
def test_bad_input(estimator, kwargs, match):
    with pytest.raises(ValueError, match=match):
        hyperband(estimator, **kwargs).fit(X_DUMMY, np.arange(20) % 2)
    assert not CALLS  # refused before anything trained


# 6. Warm start and checkpoints, for both searches.
class Callback:
    """scikit-learn's FitCallback protocol, doing nothing."""

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass


# (make, budget parameter, small budget, large budget, training calls of the refit)
SEARCHES = {
    "BayesSearchCV": (bayes, "n_iter", 7, 11, {"fit": 1}),
    # The best candidate's 9 epochs, by partial_fit as the search trained it.
    "HyperbandSearchCV": (hyperband, "n_brackets", 1, 3, {"partial_fit": 9}),
}


@pytest.mark.parametrize("name", SEARCHES)
def test_warm_start_evaluates_only_the_new_candidates(name):
    make, budget, small, large, refit_calls = SEARCHES[name]
    uninterrupted = make(**{budget: large}).fit(X_DUMMY)
    n_calls = sum(CALLS.values())
    CALLS.clear()
    search = make(**{budget: small}, warm_start=True).fit(X_DUMMY)
    first_rows = len(search.cv_results_["params"])
    first_calls = sum(CALLS.values())
    search.set_params(**{budget: large}).fit(X_DUMMY)

    _same_results(search, uninterrupted)
    assert 0 < first_rows < len(search.cv_results_["params"])
    # Only the refit is trained twice.
    assert sum(CALLS.values()) == n_calls + sum(refit_calls.values())
    assert first_calls < n_calls


@pytest.mark.parametrize("name", SEARCHES)
def test_checkpoint_resumes_after_a_crash(name, tmp_path):
    make, budget, _, large, refit_calls = SEARCHES[name]
    rounds = []

    class RoundCalls(Callback):
        """Records how many training calls were made when each round ended."""

        def on_fit_task_end(self, estimator, context):
            if context.task_name == "round":
                rounds.append(sum(CALLS.values()))

    uninterrupted = make(**{budget: large}).set_callbacks(RoundCalls()).fit(X_DUMMY)
    n_calls = sum(CALLS.values())
    assert len(rounds) > 3
    CALLS.clear()

    path = tmp_path / "search.pkl"
    Toy.crash_at = rounds[2] + 1  # the first training call of the fourth round
    with pytest.raises(KeyboardInterrupt):
        make(**{budget: large}, checkpoint=path).fit(X_DUMMY)
    assert os.listdir(tmp_path) == ["search.pkl"]  # written atomically, no temporary file left
    CALLS.clear()
    Toy.crash_at = None

    resumed = make(**{budget: large}, checkpoint=str(path)).fit(X_DUMMY)
    _same_results(resumed, uninterrupted)
    # The three finished rounds are not run again.
    assert sum(CALLS.values()) == n_calls - rounds[2]

    # A finished search resumes with nothing left to run.
    CALLS.clear()
    again = make(**{budget: large}, checkpoint=path).fit(X_DUMMY)
    _same_results(again, uninterrupted)
    assert CALLS == refit_calls


@pytest.mark.parametrize("name", SEARCHES)
def test_a_checkpoint_of_another_search_is_refused(name, tmp_path):
    make = SEARCHES[name][0]
    path = tmp_path / "search.pkl"
    make(checkpoint=path).fit(X_DUMMY)
    CALLS.clear()
    with pytest.raises(ValueError, match="was written for different data"):
        make(checkpoint=path).fit(X_DUMMY + 1)
    with pytest.raises(ValueError, match="was written for different data"):
        make(checkpoint=path, cv=KFold(2, shuffle=True, random_state=0)).fit(X_DUMMY)
    with pytest.raises(ValueError, match="was written for a different param_distributions"):
        make(space={**TOY_SPACE, "x": uniform(0, 2)}, checkpoint=path).fit(X_DUMMY)
    with pytest.raises(ValueError, match="scoring=None there but"):
        make(scoring="r2", checkpoint=path).fit(X_DUMMY, np.arange(20.0))
    assert not CALLS
    path.write_bytes(pickle.dumps({"not": "a state"}))
    with pytest.raises(ValueError, match="was not written by this version"):
        make(checkpoint=path).fit(X_DUMMY)


def test_warm_start_refuses_other_data():
    search = bayes(warm_start=True).fit(X_DUMMY)
    with pytest.raises(ValueError, match=r"The previous fit \(warm_start=True\) was written for different data"):
        search.fit(X_DUMMY[::-1])
    # The failed fit left the search as it was.
    assert len(search.search_state_.rows) == 7


def test_the_state_is_a_value_that_resumes_elsewhere(tmp_path):
    search = hyperband(n_brackets=2, warm_start=True).fit(X_DUMMY)
    copy = pickle.loads(pickle.dumps(search))
    CALLS.clear()
    copy.set_params(n_brackets=3).fit(X_DUMMY)
    reference = hyperband(n_brackets=3).fit(X_DUMMY)
    _same_results(copy, reference)


# 7. Callbacks stop a search.
class StopAtRound(Callback):
    def __init__(self, n):
        self.n = n
        self.rounds = 0

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "round":
            self.rounds += 1
            return self.rounds == self.n
        return False


def test_a_callback_stops_bayes_search_after_a_round():
    search = bayes(n_iter=5, n_initial_points=2, n_points=1).set_callbacks(StopAtRound(2)).fit(X_DUMMY)
    assert len(search.cv_results_["params"]) == 3
    assert search.best_params_ == search.cv_results_["params"][np.argmax(search.cv_results_["mean_test_score"])]


def test_a_callback_stops_hyperband_after_a_rung():
    search = hyperband().set_callbacks(StopAtRound(2)).fit(X_DUMMY)
    results = search.cv_results_
    assert list(np.unique(results["n_resources"])) == [1, 3]
    assert results["n_resources"][search.best_index_] == 3
    # Refitted with the budget its score is from (the search stopped before
    # max_resources): best_estimator_ is the model that was scored.
    assert search.best_estimator_.epochs_ == 3


def test_deadline_stopper():
    assert len(bayes().set_callbacks(DeadlineStopper(seconds=0)).fit(X_DUMMY).cv_results_["params"]) == 3
    assert len(bayes().set_callbacks(DeadlineStopper(seconds=600)).fit(X_DUMMY).cv_results_["params"]) == 7


def test_no_improvement_stopper():
    # Every candidate scores the same: the best is set in round 1 and never improves.
    flat = {"choice": list("abcdefgh")}
    search = bayes(space=flat, n_iter=8, n_initial_points=2, n_points=1).set_callbacks(NoImprovementStopper(2))
    assert len(search.fit(X_DUMMY).cv_results_["params"]) == 4
    # Hyperband's best improves with every rung of the first bracket, then stalls.
    search = hyperband(space={"choice": list(range(20))}, n_brackets=3).set_callbacks(NoImprovementStopper(1))
    results = search.fit(X_DUMMY).cv_results_
    assert list(np.unique(results["bracket"])) == [0, 1]
    assert results["bracket"][-1] == 1 and results["iter"][-1] == 1  # bracket 1's first rung did not improve


# 8. Every subspace is in the initial design.
SUBSPACES = [{"x": uniform(0, 1)}, {"choice": ["a", "b"]}, {"x": uniform(0, 1), "choice": ["c"]}]


def test_every_subspace_is_in_the_initial_design():
    # Drawn in proportion, one of 3 subspaces was missing from 4 points 11% of the time.
    everyone = {("x",), ("choice",), ("choice", "x")}
    for seed in range(30):
        bayes_search = bayes(space=SUBSPACES, n_iter=4, n_initial_points=4, random_state=seed).fit(X_DUMMY)
        assert {tuple(sorted(p)) for p in bayes_search.cv_results_["params"]} == everyone
        first_rung = hyperband(space=SUBSPACES, n_brackets=1, random_state=seed).fit(X_DUMMY).cv_results_["params"][:9]
        assert {tuple(sorted(p)) for p in first_rung} == everyone


# 9. What issue 24 found: the refit is the model scored, classes, n_samples.
def test_the_refit_is_the_model_the_search_scored_even_with_tol():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    estimator = LinearClassifier(Adam(learning_rate=1.0), random_state=0)  # default tol=1e-4
    search = HyperbandSearchCV(
        estimator, {"alpha": loguniform(1e-6, 1e-4)}, max_resources=27, n_brackets=1, cv=3, random_state=0
    ).fit(X, y)
    assert search.cv_results_["n_resources"][search.best_index_] == 27
    best = search.best_estimator_
    assert best.n_iter_ == 27 and best.max_iter == 27
    # The same as the fold models: 27 continued epochs, no stopping rule.
    continued = clone(best).partial_fit(X, y, classes=[0, 1], n_epochs=27)
    np.testing.assert_array_equal(best.coef_, continued.coef_)
    # Not vacuous: fit(max_iter=27), what the refit was, stops early on tol.
    assert clone(best).fit(X, y).n_iter_ < 27


def test_fit_takes_classes_as_dask_ml_and_the_refit_does_not_pass_them_to_fit():
    X, y = make_classification(n_samples=60, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    space = {"alpha": loguniform(1e-5, 1e-2)}
    kwargs = dict(max_resources=3, n_brackets=1, cv=2, random_state=0, error_score="raise")
    search = HyperbandSearchCV(LinearClassifier(tol=None, random_state=0), space, **kwargs)
    search.fit(X, y, classes=[0, 1, 2, 3])  # a class y does not have
    assert search.best_estimator_.classes_.tolist() == [0, 1, 2, 3]
    # Other resources refit with fit, which takes no classes.
    other = HyperbandSearchCV(LinearClassifier(tol=None, random_state=0), space, resource="max_iter", **kwargs)
    assert other.fit(X, y, classes=[0, 1, 2]).best_estimator_.classes_.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"classes must include every label of y; \[2\] are missing"):
        search.fit(X, y, classes=[0, 1])


def test_n_samples_works_with_the_default_min_resources():
    X, y = make_classification(n_samples=300, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    fits = []

    class Recording(LinearClassifier):
        def fit(self, X, y, sample_weight=None):
            fits.append(np.unique(y).size)
            return super().fit(X, y, sample_weight)

    search = HyperbandSearchCV(
        Recording(max_iter=5, tol=None, random_state=0), {"alpha": loguniform(1e-5, 1e-2)},
        resource="n_samples", max_resources="auto", cv=3, random_state=0, error_score="raise",
    ).fit(X, y)
    # scikit-learn's "smallest": 2 samples per fold and class.
    assert search.min_resources_ == 2 * 3 * 3
    assert search.rung_resources_ == [33, 100, 300]  # 300 / 3**k, down to 18
    assert min(search.cv_results_["n_resources"]) == 33
    assert min(fits) == 3  # every class in every subsample (22 rows), stratified


class PartialFitWithEpochs(BaseEstimator):
    """A user's estimator whose partial_fit takes n_epochs."""

    def __init__(self, x=0.0):
        self.x = x

    def fit(self, X, y=None):
        raise AssertionError("HyperbandSearchCV trains by partial_fit")

    def partial_fit(self, X, y=None, n_epochs=1):
        CALLS["partial_fit"] += 1
        self.epochs_ = getattr(self, "epochs_", 0) + n_epochs
        return self

    def score(self, X, y=None):
        return -((self.x - 0.3) ** 2) - 1 / self.epochs_


class PartialFitWithKwargs(PartialFitWithEpochs):
    def partial_fit(self, X, y=None, **kwargs):  # n_epochs would land in kwargs: not the fast path
        assert not kwargs
        return super().partial_fit(X, y)


@pytest.mark.parametrize("Estimator", [PartialFitWithEpochs, PartialFitWithKwargs])
def test_any_partial_fit_with_n_epochs_trains_a_rung_in_one_call(Estimator):
    search = hyperband(Estimator(), {"x": uniform(0, 1)}, n_brackets=1, proposer="random").fit(X_DUMMY)
    results = search.cv_results_
    # Bracket 0 of 9 / 1: 9, 3, 1 candidates at 1, 3, 9 epochs, on 2 folds.
    assert results["n_resources"].tolist() == [1] * 9 + [3] * 3 + [9]
    assert search.best_estimator_.epochs_ == 9
    if Estimator is PartialFitWithEpochs:  # one call per fold and rung, and one for the refit
        assert CALLS["partial_fit"] == 2 * 13 + 1
    else:  # one call per epoch
        assert CALLS["partial_fit"] == 2 * (9 * 1 + 3 * 2 + 1 * 6) + 9
