"""Tests of skopt_lab.model_selection.BayesSearchCV."""

import re
import warnings

import numpy as np
import pytest
from scipy.stats import loguniform, randint, uniform
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, RandomizedSearchCV

from skopt_lab.model_selection import BayesSearchCV
from skopt_lab.model_selection._space import Space
from skopt_lab.model_selection._surrogate import Proposer
from skopt_lab.optimizers import SGD, Adam

X_DUMMY = np.zeros((10, 1))
CV = KFold(2)


def branin(x, y):
    """Branin's function on [-5, 10] x [0, 15]; its minimum is 0.397887."""
    b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * np.cos(x) + 10


class Objective(BaseEstimator):
    """An estimator whose score is minus Branin's function of (x, y).

    ``fit`` raises where ``x > fail_above``, and records ``sample_weight``.
    ``choice``, ``n`` and ``log_c`` only add dimensions of every kind.
    """

    def __init__(self, x=0.0, y=0.0, choice=None, n=0, c=1.0, fail_above=np.inf):
        self.x = x
        self.y = y
        self.choice = choice
        self.n = n
        self.c = c
        self.fail_above = fail_above

    def fit(self, X, y=None, sample_weight=None):
        if self.x > self.fail_above:
            raise ValueError(f"x={self.x} is above {self.fail_above}")
        self.sample_weight_ = sample_weight
        return self

    def score(self, X, y=None):
        return -branin(self.x, self.y)


BRANIN_SPACE = {"x": uniform(-5, 15), "y": uniform(0, 15)}


def search(param_distributions=BRANIN_SPACE, estimator=None, **kwargs):
    kwargs = {"n_iter": 12, "n_initial_points": 5, "cv": CV, "random_state": 0, **kwargs}
    return BayesSearchCV(estimator or Objective(), param_distributions, **kwargs)


def scores(fitted):
    return fitted.cv_results_["mean_test_score"]


def fitting_counts(out):
    """Candidates per evaluate_candidates call, read from verbose output."""
    return [int(n) for n in re.findall(r"for each of (\d+) candidates", out)]


# 1. Every form of param_distributions that RandomizedSearchCV accepts.
CHOICES = [SGD(), Adam(), None]
SPACES = {
    "continuous": BRANIN_SPACE,
    "log-uniform and discrete": {"c": loguniform(1e-3, 1e2), "n": randint(2, 9)},
    "objects": {"choice": CHOICES, "x": uniform(-5, 15)},
    "tuple and array": {"choice": ("a", "b"), "n": np.arange(5)},
    "list of dicts": [
        {"choice": CHOICES, "c": loguniform(1e-3, 1e2)},
        {"x": uniform(-5, 15), "n": randint(0, 100), "y": [0.0, 7.5]},
    ],
}


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
def test_accepts_randomized_search_spaces(space):
    ours = search(space, n_iter=8).fit(X_DUMMY)
    theirs = RandomizedSearchCV(Objective(), space, n_iter=8, cv=CV, random_state=0).fit(X_DUMMY)

    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    assert len(ours.cv_results_["params"]) == 8
    subspaces = space if isinstance(space, list) else [space]
    for params in ours.cv_results_["params"]:
        subspace = next(s for s in subspaces if s.keys() == params.keys())
        for name, value in params.items():
            values = subspace[name]
            if hasattr(values, "rvs"):
                assert values.support()[0] <= value <= values.support()[1]
                assert isinstance(value, int) == (name == "n")
            else:  # estimators compare by identity: the very objects of the list
                assert any(value is v or value == v for v in values)
    assert ours.best_params_ == ours.cv_results_["params"][ours.best_index_]


# 2. Reproducible.
def test_reproducible_with_random_state():
    space = SPACES["list of dicts"]
    first = search(space, random_state=3).fit(X_DUMMY).cv_results_["params"]
    second = search(space, random_state=3).fit(X_DUMMY).cv_results_["params"]
    other = search(space, random_state=4).fit(X_DUMMY).cv_results_["params"]
    assert first == second
    assert first != other


# 3. No duplicates.
def test_exhausts_a_finite_space_without_duplicates():
    space = {"choice": ["a", "b", "c"], "n": randint(0, 4)}
    with pytest.warns(UserWarning, match="space of parameters 12 is smaller than n_iter=20"):
        fitted = search(space, n_iter=20, n_points=3).fit(X_DUMMY)
    params = [(p["choice"], p["n"]) for p in fitted.cv_results_["params"]]
    assert sorted(params) == [(c, n) for c in "abc" for n in range(4)]


def test_no_duplicates_in_a_small_discrete_dimension():
    # 2 x 3 points on the discrete part; the model would like to stay on the best.
    space = {"n": randint(0, 2), "choice": [1, 2, 3], "y": [2.275, 12.275]}
    fitted = search(space, n_iter=12, n_initial_points=3).fit(X_DUMMY)
    params = [tuple(p.values()) for p in fitted.cv_results_["params"]]
    assert len(set(params)) == len(params) == 12


def test_an_empty_batch_is_empty():
    assert Proposer(Space(BRANIN_SPACE), rng=0).initial(0, set()) == []


# 4. Failing candidates.
def test_failed_candidates_score_error_score_and_are_avoided():
    estimator = Objective(fail_above=2.5)  # the right half of the space fails
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = search(estimator=estimator, n_iter=20).fit(X_DUMMY)
    assert any(w.category is FitFailedWarning for w in caught)
    # Once, like a random search, although every round re-formats the results.
    assert sum("test scores are non-finite" in str(w.message) for w in caught) == 1
    x = np.array([p["x"] for p in fitted.cv_results_["params"]])
    assert len(x) == 20
    np.testing.assert_array_equal(np.isnan(scores(fitted)), x > 2.5)
    assert fitted.best_params_["x"] <= 2.5
    # After the random start the model has learnt where fits fail.
    assert (x[5:] > 2.5).mean() < (x[:5] > 2.5).mean()


def test_a_round_whose_fits_all_fail_is_recorded():
    # One initial point, in the failing part (as this seed gives): scikit-learn's
    # evaluate_candidates would refuse to record that round; ours keeps it.
    estimator = Objective(fail_above=-1)
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        fitted = search(estimator=estimator, n_iter=6, n_initial_points=1, random_state=1).fit(
            X_DUMMY
        )
    x = np.array([p["x"] for p in fitted.cv_results_["params"]])
    assert len(x) == 6 and x[0] > -1
    np.testing.assert_array_equal(np.isnan(scores(fitted)), x > -1)


@pytest.mark.parametrize("Search", [BayesSearchCV, RandomizedSearchCV])
def test_every_fit_failing_raises_as_randomized_search(Search):
    with pytest.raises(ValueError, match="All the 12 fits failed"):
        Search(Objective(fail_above=-10), BRANIN_SPACE, n_iter=6, cv=CV, random_state=0).fit(
            X_DUMMY
        )


@pytest.mark.parametrize("Search", [BayesSearchCV, RandomizedSearchCV])
def test_error_score_raise_propagates_as_randomized_search(Search):
    with pytest.raises(ValueError, match="is above 2.5"):
        Search(
            Objective(fail_above=2.5), BRANIN_SPACE, n_iter=10, cv=CV, error_score="raise",
            random_state=0,
        ).fit(X_DUMMY)


# 5. Batches.
@pytest.mark.parametrize("n_iter, expected", [(10, [4, 3, 3]), (9, [4, 3, 2])])
def test_batches_run_in_one_parallel_call(capsys, n_iter, expected):
    fitted = search(n_iter=n_iter, n_initial_points=4, n_points=3, n_jobs=2, verbose=1).fit(
        X_DUMMY
    )
    assert fitting_counts(capsys.readouterr().out) == expected
    points = np.array([[p["x"], p["y"]] for p in fitted.cv_results_["params"]])
    for batch in (points[4:7], points[7:]):
        distances = np.linalg.norm(batch[:, None] - batch[None], axis=-1)
        # A constant liar spreads the batch out: no two points within 1% of the range.
        assert distances[np.triu_indices(len(batch), 1)].min() > 0.15


# 6. Better than random search.
def test_beats_random_search_on_branin():
    bayes, random = [], []
    for seed in range(3):
        bayes.append(scores(search(n_iter=25, random_state=seed).fit(X_DUMMY)).max())
        random.append(
            scores(
                RandomizedSearchCV(
                    Objective(), BRANIN_SPACE, n_iter=25, cv=CV, random_state=seed
                ).fit(X_DUMMY)
            ).max()
        )
    assert np.mean(bayes) > np.mean(random)
    assert np.mean(bayes) > -0.6  # the optimum is -0.398


def test_ucb_acquisition_finds_the_optimum_region():
    fitted = search(n_iter=25, acquisition="ucb").fit(X_DUMMY)
    assert fitted.best_score_ > -1.0


# 7. Bad input.
class RvsOnly:
    def rvs(self, random_state=None):
        return 1.0


@pytest.mark.parametrize(
    "space, kwargs, error, match",
    [
        ({}, {}, ValueError, "empty dict"),
        ([], {}, ValueError, "non-empty dict"),
        ({"x": []}, {}, ValueError, "parameter 'x' is empty"),
        ({"x": 3.0}, {}, TypeError, "'x' must be a list of values or a scipy.stats"),
        ({"x": "abc"}, {}, TypeError, "'x' must be a list of values or a scipy.stats"),
        ({"x": RvsOnly()}, {}, TypeError, "'x' has rvs but no cdf or ppf"),
        (BRANIN_SPACE, {"n_iter": 0}, ValueError, "'n_iter' parameter"),
        (BRANIN_SPACE, {"n_iter": 3, "n_points": 4}, ValueError, "n_points=4 is larger than"),
        (BRANIN_SPACE, {"acquisition": "poi"}, ValueError, "'acquisition' parameter"),
    ],
)
def test_bad_input(space, kwargs, error, match):
    with pytest.raises(error, match=match):
        search(space, **kwargs).fit(X_DUMMY)


# 8. Multimetric scoring, train scores, metadata routing.
X_CLF, Y_CLF = make_classification(n_samples=60, n_features=4, random_state=0)
LOGISTIC_SPACE = {"C": loguniform(1e-3, 1e2)}


def test_multimetric_refit_and_train_scores_as_randomized_search():
    kwargs = dict(
        scoring={"acc": "accuracy", "ll": "neg_log_loss"},
        refit="ll",
        return_train_score=True,
        n_iter=6,
        cv=3,
        random_state=0,
    )
    ours = BayesSearchCV(LogisticRegression(), LOGISTIC_SPACE, n_initial_points=3, **kwargs)
    theirs = RandomizedSearchCV(LogisticRegression(), LOGISTIC_SPACE, **kwargs)
    ours.fit(X_CLF, Y_CLF)
    theirs.fit(X_CLF, Y_CLF)

    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    assert "mean_train_acc" in ours.cv_results_
    assert ours.best_index_ == np.argmax(ours.cv_results_["mean_test_ll"])
    assert ours.best_score_ == ours.cv_results_["mean_test_ll"][ours.best_index_]
    assert ours.best_estimator_.C == ours.best_params_["C"]
    assert set(ours.scorer_) == {"acc", "ll"}


@pytest.mark.parametrize("refit", [False, lambda results: 0])
def test_multimetric_needs_a_named_refit_metric(refit):
    with pytest.raises(ValueError, match="refit must be one of the scorer names"):
        BayesSearchCV(
            LogisticRegression(), LOGISTIC_SPACE, scoring=["accuracy", "f1"], refit=refit,
            n_iter=3, n_initial_points=2, cv=3,
        ).fit(X_CLF, Y_CLF)


@pytest.mark.parametrize("Search", [BayesSearchCV, RandomizedSearchCV])
def test_metadata_routing_as_randomized_search(Search):
    weights = np.arange(1.0, 11.0)
    with config_context(enable_metadata_routing=True):
        estimator = Objective().set_fit_request(sample_weight=True)
        fitted = Search(estimator, BRANIN_SPACE, n_iter=4, cv=CV, error_score="raise").fit(
            X_DUMMY, sample_weight=weights
        )
        np.testing.assert_array_equal(fitted.best_estimator_.sample_weight_, weights)

        # Passing metadata nobody requested is the same error in both.
        with pytest.raises(ValueError, match="sample_weight"):
            Search(Objective(), BRANIN_SPACE, n_iter=4, cv=CV).fit(X_DUMMY, sample_weight=weights)


def test_callbacks_see_every_round():
    class TaskNames:
        def __init__(self):
            self.names = []

        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            self.names.append(context.task_name)

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

        def teardown(self, estimator, context):
            pass

    recorder = TaskNames()
    search(n_iter=8, n_initial_points=4, n_points=2).set_callbacks(recorder).fit(X_DUMMY)
    assert recorder.names.count("round") == 3
    assert recorder.names.count("search") == 1


# 9. Nested optimizer parameters on skopt_lab's own estimators.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_tunes_nested_optimizer_parameters_of_linear_classifier():
    from skopt_lab.linear_model import LinearClassifier

    optimizers = [SGD(), Adam()]
    fitted = BayesSearchCV(
        LinearClassifier(optimizer=SGD(), max_iter=20),
        {"optimizer": optimizers, "optimizer__learning_rate": loguniform(1e-3, 1)},
        n_iter=6,
        n_initial_points=3,
        cv=2,
        random_state=0,
        error_score="raise",
    ).fit(X_CLF, Y_CLF)

    best = fitted.best_estimator_.optimizer
    assert type(best) in (SGD, Adam)
    assert best.learning_rate == fitted.best_params_["optimizer__learning_rate"]
    assert fitted.best_score_ > 0.5
    # The candidates' optimizers are set on copies: the list is untouched.
    assert [o.learning_rate for o in optimizers] == [SGD().learning_rate, Adam().learning_rate]
