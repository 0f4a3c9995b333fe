"""Multi-objective searches (issue 22): the Pareto front of cv_results_, its
ranks, ParEGO's proposals, NSGA-II's promotions, the refit choice, the
n_parameters scorer and the Pareto plot.

Most searches here run on a toy estimator whose scores are known functions
of its parameters, so that every front can be checked by brute force in
milliseconds."""

import inspect
import itertools
import struct
from copy import deepcopy

import numpy as np
import pytest
from numpydoc import docscrape
from scipy.stats import uniform
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, RandomizedSearchCV
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_lab import BayesSearchCV, HyperbandSearchCV, LinearClassifier, MLPClassifier
from skopt_lab.metrics import n_parameters_scorer
from skopt_lab.model_selection import _pareto
from skopt_lab.model_selection._surrogate import Proposer
from test_search_state import StopAfterFirstRound

X_DUMMY = np.zeros((12, 1))
CV = KFold(3)
SIZES = [1, 2, 4, 8]
SPACE = {"size": SIZES, "x": uniform(0, 1)}


class Toy(BaseEstimator):
    """A "model" whose accuracy grows with its size and with x near 0.3, and
    (trained by partial_fit) with its epochs: a trade-off with its size."""

    def __init__(self, size=1, x=0.0, max_iter=10, fail_above=None, max_epochs=None):
        self.size = size
        self.x = x
        self.max_iter = max_iter
        self.fail_above = fail_above
        self.max_epochs = max_epochs

    def fit(self, X, y=None):
        self._check()
        self.epochs_ = self.max_iter
        return self

    def partial_fit(self, X, y=None):
        self._check()
        self.epochs_ = getattr(self, "epochs_", 0) + 1
        if self.max_epochs is not None and self.epochs_ > self.max_epochs:
            raise ValueError(f"diverged after {self.max_epochs} epochs")
        return self

    def _check(self):
        if self.fail_above is not None and self.x > self.fail_above:
            raise ValueError(f"x={self.x} is above {self.fail_above}")


def accuracy(estimator, X, y=None):
    return 1 - 1 / (estimator.size + 1) - (estimator.x - 0.3) ** 2 - 0.1 / estimator.epochs_


def size(estimator, X, y=None):
    return -float(estimator.size)


SCORING = {"accuracy": accuracy, "size": size}
OBJECTIVES = ["accuracy", "size"]


def bayes(estimator=None, **kwargs):
    params = dict(scoring=SCORING, objectives=OBJECTIVES, n_iter=10, n_initial_points=6, cv=CV, random_state=0)
    return BayesSearchCV(Toy() if estimator is None else estimator, SPACE, **{**params, **kwargs})


def hyperband(estimator=None, **kwargs):
    params = dict(scoring=SCORING, objectives=OBJECTIVES, max_resources=9, cv=CV, random_state=0)
    return HyperbandSearchCV(Toy() if estimator is None else estimator, SPACE, **{**params, **kwargs})


def brute_force_front(values):
    """Indices of the rows of ``values`` (larger is better) no row dominates."""
    n = len(values)
    return {
        i
        for i in range(n)
        if not any(
            all(values[j] >= values[i]) and any(values[j] > values[i]) for j in range(n) if j != i
        )
    }


def brute_force_ranks(values):
    """Ranks by peeling fronts off one after the other."""
    ranks, left, rank = np.zeros(len(values), dtype=int), list(range(len(values))), 0
    while left:
        rank += 1
        front = [left[i] for i in brute_force_front(values[left])]
        ranks[front] = rank
        left = [i for i in left if i not in front]
    return ranks


def columns(search, names=OBJECTIVES):
    return np.column_stack([search.cv_results_[f"mean_test_{name}"] for name in names])


# ------------------------------------------------------------ the front
@pytest.fixture(scope="module")
def fitted():
    return bayes().fit(X_DUMMY)


def test_front_is_the_brute_force_non_dominated_set(fitted):
    values = columns(fitted)
    front = fitted.pareto_front_
    assert set(front.tolist()) == brute_force_front(values)
    # Ordered by the first objective, best first.
    assert (np.diff(values[front, 0]) <= 0).all()
    np.testing.assert_array_equal(fitted.cv_results_["pareto_rank"], brute_force_ranks(values))
    assert (fitted.cv_results_["pareto_rank"][front] == 1).all()
    # The toy's trade-off: no size is twice on the front, the larger the size the more accurate.
    sizes = -values[front, 1]
    assert len(set(sizes)) == len(sizes) and (np.diff(sizes) < 0).all()


def test_default_refit_is_the_front_member_best_on_the_first_objective(fitted):
    results = fitted.cv_results_
    assert fitted.best_index_ == fitted.pareto_front_[0]
    assert fitted.best_index_ == np.argmax(results["mean_test_accuracy"])
    assert fitted.best_score_ == results["mean_test_accuracy"][fitted.best_index_]
    assert fitted.best_estimator_.size == results["params"][fitted.best_index_]["size"]
    assert fitted.score(X_DUMMY) == pytest.approx(accuracy(fitted.best_estimator_, X_DUMMY))


def test_refit_by_objective_name_or_callable(fitted):
    by_size = bayes(refit="size").fit(X_DUMMY)
    results = by_size.cv_results_
    front = by_size.pareto_front_
    smallest = front[np.argmax(results["mean_test_size"][front])]
    assert by_size.best_index_ == smallest and by_size.best_estimator_.size == min(SIZES)
    # Among the smallest models, the most accurate: the front's member.
    same_size = results["mean_test_size"] == results["mean_test_size"][smallest]
    assert results["mean_test_accuracy"][smallest] == results["mean_test_accuracy"][same_size].max()
    assert by_size.best_score_ == results["mean_test_size"][smallest]
    # score() uses the scorer refit names.
    assert by_size.score(X_DUMMY) == -min(SIZES)

    def second_on_front(results):
        return int(np.flatnonzero(results["pareto_rank"] == 1)[1])

    chosen = bayes(refit=second_on_front, n_iter=8).fit(X_DUMMY)
    assert chosen.best_index_ == second_on_front(chosen.cv_results_)
    assert not hasattr(chosen, "best_score_")  # scikit-learn's rule for a callable refit

    unfitted = bayes(refit=False).fit(X_DUMMY)
    assert not hasattr(unfitted, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        unfitted.score(X_DUMMY)
    np.testing.assert_array_equal(unfitted.pareto_front_, fitted.pareto_front_)


def test_same_with_two_jobs_and_reproducible(fitted):
    serial, again, parallel = (bayes(n_jobs=n_jobs, n_points=2).fit(X_DUMMY) for n_jobs in (1, 1, 2))
    for other in (again, parallel):
        one = serial
        assert one.cv_results_["params"] == other.cv_results_["params"]
        np.testing.assert_array_equal(columns(one), columns(other))
        np.testing.assert_array_equal(one.pareto_front_, other.pareto_front_)
        np.testing.assert_array_equal(one.cv_results_["pareto_rank"], other.cv_results_["pareto_rank"])
    other_seed = bayes(random_state=1, n_iter=6).fit(X_DUMMY)
    assert other_seed.cv_results_["params"] != fitted.cv_results_["params"][:6]


def test_failed_candidates_are_never_on_the_front():
    with pytest.warns(FitFailedWarning, match="fits failed"):
        search = bayes(estimator=Toy(fail_above=0.5), n_iter=12, error_score=0.0).fit(X_DUMMY)
    results = search.cv_results_
    failed = np.array([p["x"] > 0.5 for p in results["params"]])
    assert failed.any() and not failed.all()
    # Their error score (0, and size 0: "smallest") would put them on the front.
    assert not set(search.pareto_front_.tolist()) & set(np.flatnonzero(failed).tolist())
    assert (results["pareto_rank"][failed] == results["pareto_rank"].max()).all()
    ok = np.flatnonzero(~failed)
    assert set(search.pareto_front_.tolist()) == {ok[i] for i in brute_force_front(columns(search)[ok])}


def test_a_time_and_a_single_scorer_as_objectives():
    search = BayesSearchCV(
        Toy(), SPACE, scoring=accuracy, objectives=["score", "fit_time"], n_iter=8,
        n_initial_points=4, cv=CV, random_state=0,
    ).fit(X_DUMMY)
    results = search.cv_results_
    values = np.column_stack([results["mean_test_score"], -results["mean_fit_time"]])
    assert set(search.pareto_front_.tolist()) == brute_force_front(values)
    assert search.best_index_ == search.pareto_front_[0] == np.argmax(results["mean_test_score"])
    assert search.score(X_DUMMY) == pytest.approx(accuracy(search.best_estimator_, X_DUMMY))
    # Chosen by a time: no best_score_ (a time is not a score).
    fastest = BayesSearchCV(
        Toy(), SPACE, scoring=accuracy, objectives=["score", "fit_time"], refit="fit_time", n_iter=4,
        n_initial_points=4, cv=CV, random_state=0,
    ).fit(X_DUMMY)
    front = fastest.pareto_front_
    assert fastest.best_index_ == front[np.argmin(fastest.cv_results_["mean_fit_time"][front])]
    assert not hasattr(fastest, "best_score_")


# -------------------------------------------------------------- bad input
class NeverFit(Toy):
    def fit(self, X, y=None):
        raise AssertionError("fitted before the input was checked")

    partial_fit = fit


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(objectives=["accuracy", "speed"]), r"\['speed'\] is not a scorer name of scoring nor a time"),
        (dict(objectives=["accuracy"]), "names a single objective: give at least two"),
        (dict(objectives=["fit_time", "accuracy", "fit_time"]), r"names \['fit_time'\] more than once"),
        (dict(objectives=["accuracy", "size"], refit="fit_time"), "refit='fit_time' is not one of objectives"),
        (dict(objectives=["accuracy", "size"], refit="nope"), "refit='nope' is not one of objectives"),
        (dict(objectives="accuracy"), "objectives"),
        (dict(objectives=["accuracy", 3]), "must be a list of names"),
        (dict(scoring="accuracy", objectives=["accuracy", "fit_time"]), r"Valid names: the scorers \['score'\]"),
    ],
)
@pytest.mark.parametrize("make", [bayes, hyperband])
def test_bad_objectives_are_refused_before_any_fit(make, kwargs, message):
    search = make(**kwargs).set_params(estimator=NeverFit())
    with pytest.raises(ValueError, match=message):
        search.fit(X_DUMMY)
    assert not hasattr(search, "cv_results_")


def test_a_failed_fit_leaves_the_fitted_search_as_it_was(fitted):
    search = deepcopy(fitted)
    front = search.pareto_front_.copy()
    with pytest.raises(ValueError, match="more than once"):
        search.set_params(objectives=["size", "size"]).fit(X_DUMMY)
    np.testing.assert_array_equal(search.pareto_front_, front)


def scores_as_dict(estimator, X, y=None):
    return {"accuracy": accuracy(estimator, X), "size": size(estimator, X)}


def test_a_callable_scoring_is_checked_when_it_first_scores(fitted):
    search = bayes(scoring=scores_as_dict).fit(X_DUMMY)
    np.testing.assert_array_equal(search.pareto_front_, fitted.pareto_front_)
    with pytest.raises(ValueError, match=r"names \['speed'\], which the callable scoring did not return"):
        bayes(scoring=scores_as_dict, objectives=["accuracy", "speed"]).fit(X_DUMMY)


# --------------------------------------------------------------- proposals
def test_each_proposal_gets_its_own_random_scalarization(monkeypatch):
    seen = []
    original = Proposer.propose

    def spy(self, s, u, scores, n, already):
        seen.append(np.array(scores))
        return original(self, s, u, scores, n, already)

    monkeypatch.setattr(Proposer, "propose", spy)
    search = bayes(n_iter=10, n_initial_points=6, n_points=2).fit(X_DUMMY)
    assert [scores.shape for scores in seen] == [(6, 2), (8, 2)]
    values = columns(search)
    for scores in seen:
        observed = values[: len(scores)]
        assert not np.allclose(scores[:, 0], scores[:, 1])  # two weightings
        for column in scores.T:
            # A Chebyshev scalarization never ranks a dominated point above
            # the point dominating it.
            for i, j in itertools.permutations(range(len(observed)), 2):
                if (observed[i] >= observed[j]).all() and (observed[i] > observed[j]).any():
                    assert column[i] > column[j]


def test_parego_finds_the_whole_front_of_the_toy():
    """With 16 candidates ParEGO's front comes within 2% of the toy's true
    front's hypervolume, and dominates more than random search's."""
    reference = (1.0, 9.0)  # (1 - accuracy, size): beyond the worst

    def hypervolume(values):
        values = values[_pareto.pareto_ranks(values) == 1]
        return _pareto.hypervolume_2d(np.column_stack([1 - values[:, 0], -values[:, 1]]), reference)

    # The true front: every size with x = 0.3, trained 10 epochs.
    best = hypervolume(np.array([[1 - 1 / (s + 1) - 0.01, -s] for s in SIZES]))
    ours, random = [], []
    for seed in range(3):
        ours.append(hypervolume(columns(bayes(n_iter=16, random_state=seed).fit(X_DUMMY))))
        randomized = RandomizedSearchCV(Toy(), SPACE, scoring=SCORING, refit=False, n_iter=16, cv=CV,
                                        random_state=seed)
        random.append(hypervolume(columns(randomized.fit(X_DUMMY))))
    assert np.mean(ours) > 0.98 * best
    assert np.mean(ours) > np.mean(random)


# ------------------------------------------------------------- Hyperband
def test_hyperband_front_is_that_of_the_largest_budget_and_promotes_by_nsga2():
    search = hyperband(n_brackets=None).fit(X_DUMMY)
    results = search.cv_results_
    budgets = np.asarray(results["n_resources"])
    values = columns(search)
    top = np.flatnonzero(budgets == budgets.max())
    assert len(top) > 2
    assert set(search.pareto_front_.tolist()) == {top[i] for i in brute_force_front(values[top])}
    assert search.best_index_ == search.pareto_front_[0]
    assert results["n_resources"][search.best_index_] == 9 and search.best_estimator_.epochs_ == 9
    # Ranks are within each budget.
    for budget in np.unique(budgets):
        rows = np.flatnonzero(budgets == budget)
        np.testing.assert_array_equal(results["pareto_rank"][rows], brute_force_ranks(values[rows]))
    # Each rung promotes by rank, then crowding distance: a third of it, or its whole front if that is more.
    params = [(p["size"], p["x"]) for p in results["params"]]
    whole_fronts = 0
    for (bracket, rung), rows in _rungs(results).items():
        following = _rungs(results).get((bracket, rung + 1))
        if following is None:
            continue
        front_size = int((brute_force_ranks(values[rows]) == 1).sum())
        assert len(following) == max(1, len(rows) // 3, front_size)
        whole_fronts += front_size > len(rows) // 3
        promoted = {params[i] for i in following}
        expected = {params[rows[i]] for i in _nsga2_order(values[rows])[: len(following)]}
        assert promoted == expected
    assert whole_fronts  # the toy has a rung whose front is more than a third of it


def _rungs(results):
    rungs = {}
    for i, key in enumerate(zip(results["bracket"], results["iter"])):
        rungs.setdefault(key, []).append(i)
    return {key: np.array(rows) for key, rows in rungs.items()}


def _nsga2_order(values):
    """Deb et al.'s rule written out: by rank, then by crowding distance
    (the extremes of each objective first), then by position."""
    ranks = brute_force_ranks(values)
    crowding = np.zeros(len(values))
    for rank in set(ranks):
        members = np.flatnonzero(ranks == rank)
        if len(members) <= 2:
            crowding[members] = np.inf
            continue
        for j in range(values.shape[1]):
            ordered = members[np.argsort(values[members, j], kind="stable")]
            span = values[ordered[-1], j] - values[ordered[0], j]
            crowding[ordered[0]] = crowding[ordered[-1]] = np.inf
            for before, this, after in zip(ordered, ordered[1:], ordered[2:]):
                crowding[this] += (values[after, j] - values[before, j]) / span if span else 0.0
    return sorted(range(len(values)), key=lambda i: (ranks[i], -crowding[i], i))


def test_hyperband_is_the_same_with_two_jobs_and_reproducible():
    one = hyperband().fit(X_DUMMY)
    two = hyperband(n_jobs=2).fit(X_DUMMY)
    again = hyperband().fit(X_DUMMY)
    for other in (two, again):
        assert one.cv_results_["params"] == other.cv_results_["params"]
        np.testing.assert_array_equal(one.pareto_front_, other.pareto_front_)
        np.testing.assert_array_equal(one.cv_results_["pareto_rank"], other.cv_results_["pareto_rank"])


def test_hyperband_fit_time_adds_up_a_candidates_rungs():
    search = hyperband(objectives=["accuracy", "fit_time"]).fit(X_DUMMY)
    results = search.cv_results_
    params = [(p["size"], p["x"]) for p in results["params"]]
    for i, point in enumerate(params):
        earlier = [j for j in range(len(params)) if params[j] == point and results["n_resources"][j] <= results["n_resources"][i]]
        assert results["mean_total_fit_time"][i] == pytest.approx(results["mean_fit_time"][earlier].sum())
    top = np.flatnonzero(results["n_resources"] == 9)
    values = np.column_stack([results["mean_test_accuracy"], -results["mean_total_fit_time"]])
    assert set(search.pareto_front_.tolist()) == {top[i] for i in brute_force_front(values[top])}


def test_no_front_when_every_model_of_the_largest_budget_failed():
    failures = pytest.warns(FitFailedWarning, match="diverged after 3 epochs")
    with failures, pytest.warns(UserWarning, match="test scores are non-finite"):
        unrefitted = hyperband(estimator=Toy(max_epochs=3), refit=False).fit(X_DUMMY)
    budgets = np.asarray(unrefitted.cv_results_["n_resources"])
    assert budgets.max() == 9 and np.isnan(unrefitted.cv_results_["mean_test_accuracy"][budgets == 9]).all()
    assert len(unrefitted.pareto_front_) == 0 and not hasattr(unrefitted, "best_index_")
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        with pytest.raises(ValueError, match="no Pareto front to refit a model from"):
            hyperband(estimator=Toy(max_epochs=3)).fit(X_DUMMY)


def test_a_resumed_search_ends_as_an_uninterrupted_one(tmp_path):
    path = tmp_path / "search.ckpt"
    full = hyperband().fit(X_DUMMY)
    hyperband(checkpoint=path).set_callbacks(StopAfterFirstRound()).fit(X_DUMMY)
    resumed = hyperband(checkpoint=path).fit(X_DUMMY)
    assert resumed.cv_results_["params"] == full.cv_results_["params"]
    np.testing.assert_array_equal(resumed.pareto_front_, full.pareto_front_)
    assert resumed.search_state_.settings["objectives"] == OBJECTIVES
    with pytest.raises(ValueError, match="objectives="):
        hyperband(checkpoint=path, objectives=["size", "accuracy"]).fit(X_DUMMY)


# --------------------------------------------------------- Pareto helpers
def test_ranks_and_front_against_brute_force_with_ties_and_failures():
    rng = np.random.RandomState(0)
    for _ in range(20):
        values = rng.randint(0, 4, size=(15, rng.randint(2, 4))).astype(float)  # many ties
        values[rng.rand(15) < 0.2, 0] = np.nan
        finite = np.flatnonzero(~np.isnan(values).any(axis=1))
        ranks = _pareto.pareto_ranks(values)
        np.testing.assert_array_equal(ranks[finite], brute_force_ranks(values[finite]))
        assert (ranks[np.isnan(values).any(axis=1)] == ranks[finite].max() + 1).all()


def test_crowding_distance_by_hand():
    values = np.array([[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0]])
    # The middle points: (3 - 0) / 4 + (4 - 1) / 4 and (4 - 1) / 4 + (3 - 0) / 4.
    np.testing.assert_allclose(_pareto.crowding_distances(values), [np.inf, 1.5, 1.5, np.inf])
    assert _pareto.promotion_order(np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 0.0], [0.5, 0.9], [np.nan, 5]])).tolist() == [
        0, 2, 3, 1,
    ]


def test_hypervolume_against_a_grid_count():
    rng = np.random.RandomState(0)
    for _ in range(10):
        points = rng.randint(0, 10, size=(6, 2))
        reference = (10, 10)
        cells = itertools.product(range(10), range(10))  # unit cells [a, a+1) x [b, b+1)
        dominated = sum(any(p[0] <= a and p[1] <= b for p in points) for a, b in cells)
        assert _pareto.hypervolume_2d(points, reference) == dominated


# ---------------------------------------------------- n_parameters_scorer
def test_n_parameters_counts_weights_and_biases(iris):
    X, y = iris
    ours = MLPClassifier((5, 3), max_iter=3, tol=None, random_state=0).fit(X, y)
    theirs = SklearnMLPClassifier((5, 3), max_iter=3, random_state=0)
    with pytest.warns(Warning, match="Maximum iterations"):
        theirs.fit(X, y)
    expected = (4 * 5 + 5) + (5 * 3 + 3) + (3 * 3 + 3)
    assert n_parameters_scorer(ours, X, y) == n_parameters_scorer(theirs, X, y) == -expected
    assert -n_parameters_scorer(ours) == sum(a.size for a in ours.coefs_ + ours.intercepts_)
    linear = LinearClassifier(max_iter=3, tol=None, random_state=0).fit(X, y)
    logistic = LogisticRegression(max_iter=500).fit(X, y)
    assert n_parameters_scorer(linear) == n_parameters_scorer(logistic) == -(4 * 3 + 3)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=3, tol=None, random_state=0)).fit(X, y)
    assert n_parameters_scorer(pipeline, X, y) == -((4 * 5 + 5) + (5 * 3 + 3))


def test_n_parameters_leaves_out_frozen_layers(iris):
    from sklearn.frozen import FrozenEstimator

    X, y = iris
    source = MLPClassifier((6, 5), max_iter=3, tol=None, random_state=0).fit(X, y)
    tuned = MLPClassifier(pretrained=FrozenEstimator(source), freeze_layers=1, max_iter=2, tol=None, random_state=0)
    tuned.fit(X, y)
    assert n_parameters_scorer(tuned) == -((6 * 5 + 5) + (5 * 3 + 3))  # not the first layer's 4 * 6 + 6


def test_n_parameters_bad_input(iris):
    with pytest.raises(NotFittedError):
        n_parameters_scorer(MLPClassifier())
    with pytest.raises(TypeError, match="SVC has none of them"):
        n_parameters_scorer(SVC().fit(*iris))


def test_documented_as_the_public_functions():
    from skopt_lab.plotting import plot_pareto_front

    for function in (n_parameters_scorer, plot_pareto_front):
        doc = docscrape.FunctionDoc(function)
        assert [p.name for p in doc["Parameters"]] == list(inspect.signature(function).parameters)
        assert doc["Returns"] and doc["Examples"] and doc["Summary"]


# ------------------------------------------------------------------ plot
@pytest.fixture
def agg(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg")


def test_plot_pareto_front_draws_candidates_front_and_choice(agg, fitted, tmp_path):
    from skopt_lab.plotting import plot_pareto_front, save_figure

    fig = plot_pareto_front(fitted)
    path = save_figure(fig, tmp_path / "front.png")
    content = path.read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", content[16:24])[0] >= 400
    (ax,) = fig.axes
    shown = columns(fitted)  # as scored: only n_parameters_scorer and times are drawn positive
    candidates, front_points, star = ax.collections
    np.testing.assert_allclose(candidates.get_offsets(), shown)
    np.testing.assert_allclose(front_points.get_offsets(), shown[fitted.pareto_front_])
    np.testing.assert_allclose(star.get_offsets(), shown[[fitted.best_index_]])
    (line,) = ax.get_lines()
    assert line.get_label() == "Pareto front"
    steps = np.column_stack([line.get_xdata(), line.get_ydata()])
    # Through every front member; each corner is dominated by its two neighbours
    # (worse accuracy, larger size) and moves along one axis at a time.
    for point in shown[fitted.pareto_front_]:
        assert (np.abs(steps - point).sum(axis=1) < 1e-12).any()
    assert ((np.diff(steps, axis=0) == 0).any(axis=1)).all()
    assert ax.get_xlabel() == "cross-validated accuracy" and ax.get_ylabel() == "cross-validated size"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["candidates", "Pareto front", "refit choice"]


def test_plot_pareto_front_of_other_searches(agg, iris):
    from skopt_lab.plotting import plot_pareto_front

    X, y = iris
    search = RandomizedSearchCV(
        MLPClassifier(max_iter=3, tol=None, random_state=0),
        {"hidden_layer_sizes": [(2,), (4,), (8,)], "alpha": uniform(0, 1)},
        scoring={"accuracy": "accuracy", "n_parameters": n_parameters_scorer},
        refit="accuracy", n_iter=5, cv=3, random_state=0,
    ).fit(X, y)
    ax = plot_pareto_front(search, objectives=["n_parameters", "accuracy"]).axes[0]
    assert ax.get_xlabel() == "trainable parameters"
    values = np.column_stack([search.cv_results_["mean_test_n_parameters"], search.cv_results_["mean_test_accuracy"]])
    front = sorted(brute_force_front(values))
    np.testing.assert_allclose(ax.collections[1].get_offsets(), values[front] * [-1, 1])
    with pytest.raises(ValueError, match="was not fitted with objectives"):
        plot_pareto_front(search)
    with pytest.raises(ValueError, match="draws two different objectives"):
        plot_pareto_front(search, objectives=["accuracy"])
    with pytest.raises(ValueError, match="'speed' is neither a metric"):
        plot_pareto_front(search, objectives=["accuracy", "speed"])
    with pytest.raises(NotFittedError):
        plot_pareto_front(BayesSearchCV(Toy(), SPACE))


def test_plot_pareto_front_of_hyperband_greys_smaller_budgets(agg):
    from skopt_lab.plotting import plot_pareto_front

    search = hyperband().fit(X_DUMMY)
    fig = plot_pareto_front(search)
    budgets = np.asarray(search.cv_results_["n_resources"])
    lower, candidates = fig.axes[0].collections[:2]
    assert len(lower.get_offsets()) == (budgets < 9).sum() and len(candidates.get_offsets()) == (budgets == 9).sum()
    assert [t.get_text() for t in fig.legends[0].get_texts()][0] == "smaller budgets"
