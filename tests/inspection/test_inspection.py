"""skopt_lab.inspection: hyperparameter importances and partial dependence of
fitted searches, checked against closed forms and exact enumerations, and
their figures in skopt_lab.plotting."""

import importlib
import inspect
import itertools
import pickle
import struct
import sys

import numpy as np
import pytest
from numpydoc import docscrape
from scipy.stats import loguniform, randint, uniform
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV

import skopt_lab
from skopt_lab import BayesSearchCV, HyperbandSearchCV, plotting
from skopt_lab.inspection import hyperparameter_importances, partial_dependence
from skopt_lab.inspection._fanova import ABSENT, ABSENT_PIECE, ForestANOVA
from skopt_lab.optimizers import SGD, Adam, RMSprop
from skopt_lab.plotting import plot_importances, plot_partial_dependence, save_figure

matplotlib = pytest.importorskip("matplotlib")

# A search over a dummy estimator: fitting does nothing and the score is a
# known function of the parameters, so every search takes milliseconds.
X_DUMMY = np.zeros((4, 1))
ONE_SPLIT = [(np.arange(2), np.arange(2, 4))]


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg")


def _r2(estimate, truth):
    return 1 - np.sum((estimate - truth) ** 2) / np.sum((truth - np.mean(truth)) ** 2)


# ------------------------------------------- the exact fANOVA of a forest
def _lattice_rows(rng, n_rows, subspaces, weights):
    """Rows at the centres of a 4-cell lattice per coordinate, drawn from
    a mixture of subspaces; each subspace lists the cells a coordinate may
    take (None: absent)."""
    chosen = rng.choice(len(subspaces), size=n_rows, p=weights)
    X = np.empty((n_rows, len(subspaces[0])))
    for i, s in enumerate(chosen):
        for k, cells in enumerate(subspaces[s]):
            X[i, k] = ABSENT if cells is None else (rng.choice(cells) + 0.5) / 4
    return X


def _pieces(cells):
    if cells is None:
        return np.array([ABSENT_PIECE])
    return np.array([(c / 4, (c + 1) / 4, 1 / len(cells)) for c in cells])


def _half_cells(cells):
    """The centres of the halves of lattice cells: a node that lacks a value
    splits half-way between its neighbours, so trees are constant on
    half-cells, not on cells."""
    return [ABSENT] if cells is None else [(2 * c + h + 0.5) / 8 for c in cells for h in (0, 1)]


def _enumeration(trees, subspaces, weights):
    """Every point of the half-cell lattice of each subspace, its
    probability under the mixture, and each tree's value there."""
    points, probability = [], []
    for cells_per_coordinate, weight in zip(subspaces, weights):
        options = [_half_cells(cells) for cells in cells_per_coordinate]
        for point in itertools.product(*options):
            points.append(point)
            probability.append(weight * np.prod([1 / len(o) for o in options]))
    points = np.array(points)
    return points, np.array(probability), np.array([tree.predict(points.astype(np.float32)) for tree in trees])


HALF_CENTRES = (np.arange(8) + 0.5) / 8


def _conditional_mean(points, probability, values, pinned):
    """Each tree's mean over the points whose coordinates ``pinned`` (a
    dict coordinate → value) are as given; NaN when they have no probability."""
    at = np.logical_and.reduce([np.isclose(points[:, k], x) for k, x in pinned.items()])
    if probability[at].sum() == 0:
        return np.full(len(values), np.nan), 0.0
    return values[:, at] @ probability[at] / probability[at].sum(), probability[at].sum()


@pytest.mark.parametrize(
    "subspaces, weights",
    [
        # One subspace, every coordinate uniform on [0, 1]: the classical fANOVA.
        ([[range(4), range(4), range(4)]], [1.0]),
        # A mixture: coordinate 1 decides the subspace (cells 0-1 or 2-3),
        # coordinate 2 exists only in the first, coordinate 0 in both.
        ([[range(4), [0, 1], range(4)], [range(4), [2, 3], None]], [0.3, 0.7]),
    ],
    ids=["unit cube", "mixture with an absent coordinate"],
)
def test_forest_anova_equals_enumeration(subspaces, weights):
    # Brute force: on rows at lattice centres, every tree is constant on
    # half-cells (a node lacking a value splits half-way between its
    # neighbours), so enumerating the half-cell lattice with each point's
    # probability integrates exactly.
    rng = np.random.default_rng(0)
    X = _lattice_rows(rng, 80, subspaces, weights)
    present = X != ABSENT
    y = np.sin(3 * X[:, 0]) + X[:, 1] * X[:, 0] + np.where(present[:, 2], X[:, 2] ** 2, 0) + 0.1 * rng.normal(size=80)
    pieces = [[_pieces(subspace[k]) for subspace in subspaces] for k in range(3)]
    anova = ForestANOVA(X, y, 0, weights, pieces)
    from sklearn.ensemble import RandomForestRegressor

    trees = RandomForestRegressor(64, max_depth=64, random_state=0).fit(X, y).estimators_
    points, probability, values = _enumeration(trees, subspaces, weights)
    mean = values @ probability
    np.testing.assert_allclose(anova.mean, mean, atol=1e-12)
    np.testing.assert_allclose(anova.variance, ((values - mean[:, None]) ** 2) @ probability, atol=1e-12)
    for j in range(3):
        marginal, mass = zip(*[_conditional_mean(points, probability, values, {j: x}) for x in HALF_CENTRES])
        marginal, mass = np.array(marginal).T, np.array(mass)
        np.testing.assert_allclose(anova.marginal(j, HALF_CENTRES).T, marginal, atol=1e-12)  # NaN where absent
        # The main effect's variance over the present values, times their probability.
        seen = mass > 0
        present_mean = marginal[:, seen] @ mass[seen] / mass[seen].sum()
        np.testing.assert_allclose(
            anova.main_effect_variances(j), ((marginal[:, seen] - present_mean[:, None]) ** 2) @ mass[seen], atol=1e-12
        )
    joint = anova.joint_marginal(0, 1, HALF_CENTRES, HALF_CENTRES)
    for i0, i1 in itertools.product(range(8), range(8)):
        expected, _ = _conditional_mean(points, probability, values, {0: HALF_CENTRES[i0], 1: HALF_CENTRES[i1]})
        np.testing.assert_allclose(joint[:, i0, i1], expected, atol=1e-12)  # NaN where no subspace has both


# ------------------------------------ searches with a known decomposition
ACTIVATION_EFFECT = {"relu": 0.75, "tanh": 0.25, "logistic": -0.25, None: -0.75}
WIDTHS = [8, 16, 32, 64, 128]
# Each effect has mean 0 and variance 1 under the search's distribution, so
# that the score sqrt(0.5) f(lr) + sqrt(0.3) g(activation) + sqrt(0.2) h(width)
# (plus nothing from dropout) splits its variance 0.5 / 0.3 / 0.2 / 0.
SHARES = {"learning_rate": 0.5, "activation": 0.3, "width": 0.2, "dropout": 0.0}


def lr_effect(learning_rate):
    """A valley in log10(lr) ~ U(-4, 0): z = log10(lr) + 2 ~ U(-2, 2),
    E z² = 4/3, Var z² = 16/5 - 16/9."""
    z = np.log10(learning_rate) + 2
    return (z**2 - 4 / 3) / np.sqrt(16 / 5 - 16 / 9)


def activation_effect(activation):
    return ACTIVATION_EFFECT[activation] / np.sqrt(0.3125)


def width_effect(width):
    return (WIDTHS.index(width) - 2) / np.sqrt(2)


class Additive(BaseEstimator):
    """Fitting does nothing; the score is an additive function of the
    parameters, with no effect of ``dropout``."""

    def __init__(self, learning_rate=0.01, activation="relu", width=8, dropout=0.0):
        self.learning_rate = learning_rate
        self.activation = activation
        self.width = width
        self.dropout = dropout

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        return float(
            np.sqrt(0.5) * lr_effect(self.learning_rate)
            + np.sqrt(0.3) * activation_effect(self.activation)
            + np.sqrt(0.2) * width_effect(self.width)
        )


TRUE_MARGINALS = {  # the score averaged over the other parameters (all of mean 0)
    "learning_rate": lambda values: np.sqrt(0.5) * lr_effect(np.asarray(values, dtype=float)),
    "activation": lambda values: np.array([np.sqrt(0.3) * activation_effect(v) for v in values]),
    "width": lambda values: np.array([np.sqrt(0.2) * width_effect(v) for v in values]),
}


@pytest.fixture(scope="module")
def randomized():
    space = {
        "learning_rate": loguniform(1e-4, 1),
        "activation": list(ACTIVATION_EFFECT),
        "width": WIDTHS,
        "dropout": uniform(0, 0.5),
    }
    return RandomizedSearchCV(Additive(), space, n_iter=500, cv=ONE_SPLIT, random_state=0).fit(X_DUMMY)


@pytest.fixture(scope="module")
def small_randomized(randomized):
    """The same space with 80 candidates: for what needs no accuracy."""
    return RandomizedSearchCV(Additive(), randomized.param_distributions, n_iter=80, cv=ONE_SPLIT,
                              random_state=0).fit(X_DUMMY)  # fmt: skip


@pytest.fixture(scope="module")
def grid():
    space = {
        "learning_rate": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        "activation": list(ACTIVATION_EFFECT),
        "width": WIDTHS,
        "dropout": [0.0, 0.25, 0.5],
    }
    return GridSearchCV(Additive(), space, cv=ONE_SPLIT).fit(X_DUMMY)


def test_importances_match_the_analytical_shares(randomized):
    importances = hyperparameter_importances(randomized, random_state=0)
    assert list(importances) == ["learning_rate", "activation", "width", "dropout"]  # decreasing
    assert sum(importances.values()) == pytest.approx(1.0)
    for name, share in SHARES.items():
        assert importances[name] == pytest.approx(share, abs=0.05), (name, importances)
    assert importances["dropout"] < 0.02


def test_importances_of_a_grid_use_the_grid_as_its_distribution(grid):
    # On a grid every value is equally likely: the shares are the variances
    # of each effect over its listed values.
    values = grid.param_grid
    variance = {
        "learning_rate": np.var(TRUE_MARGINALS["learning_rate"](values["learning_rate"])),
        "activation": np.var(TRUE_MARGINALS["activation"](values["activation"])),
        "width": np.var(TRUE_MARGINALS["width"](values["width"])),
        "dropout": 0.0,
    }
    total = sum(variance.values())
    importances = hyperparameter_importances(grid, random_state=0)
    for name in SHARES:
        assert importances[name] == pytest.approx(variance[name] / total, abs=0.05), (name, importances)
    assert importances["dropout"] < 0.02


@pytest.mark.parametrize("search_name", ["randomized", "grid"])
@pytest.mark.parametrize("name", ["learning_rate", "activation", "width"])
def test_partial_dependence_recovers_the_true_marginal(search_name, name, request):
    search = request.getfixturevalue(search_name)
    result = partial_dependence(search, name, random_state=0)
    truth = TRUE_MARGINALS[name](result.grid_values[0])
    if search_name == "grid":  # the other effects' means over the grid's values are not 0
        truth += search.cv_results_["mean_test_score"].mean() - truth.mean()
    assert _r2(result.average, truth) >= 0.9
    assert result.average.shape == result.std.shape == (len(result.grid_values[0]),)
    assert (result.std >= 0).all() and result.std.max() > 0  # the trees disagree somewhere
    assert result.params == [name] and result.metric == "score" and result.n_resources is None
    assert result.n_rows == len(result.candidate_scores) == len(search.cv_results_["params"])
    np.testing.assert_array_equal(result.candidate_scores, search.cv_results_["mean_test_score"])


def test_scales_and_grids(small_randomized, grid):
    randomized = small_randomized
    lr = partial_dependence(randomized, "learning_rate", grid_resolution=5, random_state=0)
    assert lr.scales == ["log"]
    np.testing.assert_allclose(lr.grid_values[0], [1e-4, 1e-3, 1e-2, 1e-1, 1.0])  # loguniform's bounds
    dropout = partial_dependence(randomized, "dropout", grid_resolution=3, random_state=0)
    assert dropout.scales == ["linear"]
    np.testing.assert_allclose(dropout.grid_values[0], [0.0, 0.25, 0.5])
    width = partial_dependence(randomized, "width", random_state=0)
    assert width.scales == ["log"]  # a geometric list
    assert width.grid_values[0].tolist() == WIDTHS
    activation = partial_dependence(grid, "activation", random_state=0)
    assert activation.scales == ["categorical"]
    assert activation.grid_values[0].dtype == object and activation.grid_values[0].tolist() == list(ACTIVATION_EFFECT)
    assert activation.candidate_values[0].dtype == object
    # A geometric list of numbers is ranked, so each value is a cell of equal
    # width: the same as on a log scale. An arithmetic list is linear.
    assert partial_dependence(grid, "dropout", random_state=0).scales == ["linear"]
    # At most grid_resolution values of a list, its ends included.
    assert partial_dependence(grid, "width", grid_resolution=3, random_state=0).grid_values[0].tolist() == [8, 32, 128]


class Counter(BaseEstimator):
    """An integer parameter drawn from randint: the grid is integers; the
    score peaks at n = 12."""

    def __init__(self, n=1, scale=1.0):
        self.n = n
        self.scale = scale

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        return float(-(((self.n - 12) / 10) ** 2) + 0.1 * self.scale)


def test_integer_distribution_gives_an_integer_grid():
    search = RandomizedSearchCV(
        Counter(), {"n": randint(1, 31), "scale": uniform(0, 1)}, n_iter=60, cv=ONE_SPLIT, random_state=0
    ).fit(X_DUMMY)
    result = partial_dependence(search, "n", grid_resolution=8, random_state=0)
    grid = result.grid_values[0]
    assert grid.dtype.kind == "i" and grid[0] == 1 and grid[-1] == 30 and len(grid) == 8
    truth = -(((grid - 12) / 10) ** 2) + 0.1 * 0.5  # scale's mean effect is 0.1 E[scale]
    assert _r2(result.average, truth) >= 0.9
    assert list(hyperparameter_importances(search, random_state=0))[0] == "n"


# ------------------------------------------ parameters only some rows have
OPTIMIZER_EFFECT = {"SGD": 0.0, "Adam": np.sqrt(0.6), "RMSprop": -np.sqrt(0.6)}


class Conditional(BaseEstimator):
    """The score depends on the optimizer's class, its learning rate, and
    SGD's momentum, which only SGD rows have."""

    def __init__(self, optimizer=None, dropout=0.0):
        self.optimizer = optimizer
        self.dropout = dropout

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def score(self, X, y=None):
        name = type(self.optimizer).__name__
        momentum = np.sqrt(4.8) * (self.optimizer.momentum - 0.5) if name == "SGD" else 0.0
        return float(OPTIMIZER_EFFECT[name] + np.sqrt(0.5) * lr_effect(self.optimizer.learning_rate) + momentum)


CONDITIONAL_SPACE = [
    {
        "optimizer": [SGD()],
        "optimizer__learning_rate": loguniform(1e-4, 1),
        "optimizer__momentum": uniform(0, 1),
        "dropout": uniform(0, 0.5),
    },
    {"optimizer": [Adam(), RMSprop()], "optimizer__learning_rate": loguniform(1e-4, 1), "dropout": uniform(0, 0.5)},
]


@pytest.fixture(scope="module")
def conditional():
    return RandomizedSearchCV(Conditional(), CONDITIONAL_SPACE, n_iter=500, cv=ONE_SPLIT, random_state=0).fit(X_DUMMY)


@pytest.fixture(scope="module")
def small_conditional():
    return RandomizedSearchCV(Conditional(), CONDITIONAL_SPACE, n_iter=100, cv=ONE_SPLIT, random_state=0).fit(X_DUMMY)


def test_a_parameter_some_rows_lack_is_measured_where_it_exists(conditional):
    # Each dict is drawn half the time. Under that mixture the optimizer
    # (SGD 1/2, Adam 1/4, RMSprop 1/4) explains Var = 0.5 * 0.6 = 0.3, the
    # learning rate 0.5, and SGD's momentum, of variance 0.4 among SGD rows,
    # 0.5 * 0.4 = 0.2 (law of total variance); dropout nothing.
    importances = hyperparameter_importances(conditional, random_state=0)
    expected = {"optimizer__learning_rate": 0.5, "optimizer": 0.3, "optimizer__momentum": 0.2, "dropout": 0.0}
    for name, share in expected.items():
        assert importances[name] == pytest.approx(share, abs=0.05), (name, importances)
    # Where momentum exists, the score moves with it as the function says;
    # the optimizer's dependence is its effect (momentum averages to 0).
    momentum = partial_dependence(conditional, "optimizer__momentum", random_state=0)
    assert _r2(momentum.average, np.sqrt(4.8) * (momentum.grid_values[0] - 0.5)) >= 0.9
    assert momentum.n_rows == sum("optimizer__momentum" in row for row in conditional.cv_results_["params"])
    optimizer = partial_dependence(conditional, "optimizer", random_state=0)
    assert [type(o).__name__ for o in optimizer.grid_values[0]] == ["SGD", "Adam", "RMSprop"]
    np.testing.assert_allclose(optimizer.average, list(OPTIMIZER_EFFECT.values()), atol=0.15)
    # Momentum with another optimizer than SGD was never drawn: no value.
    pair = partial_dependence(conditional, ["optimizer", "optimizer__momentum"], grid_resolution=5, random_state=0)
    assert pair.average.shape == (3, 5)
    assert np.isfinite(pair.average[0]).all() and np.isnan(pair.average[1:]).all()


def test_categories_are_matched_by_repr_when_not_identical(small_conditional):
    # Results pickled apart from the search (a saved report, say) hold
    # copies of the optimizers, not the objects of the search space.
    conditional = small_conditional
    copy = pickle.loads(pickle.dumps(conditional))
    copy.cv_results_ = pickle.loads(pickle.dumps(conditional.cv_results_))
    space_objects = [o for subspace in copy.param_distributions for o in subspace["optimizer"]]
    assert not any(row["optimizer"] is o for row in copy.cv_results_["params"] for o in space_objects)
    assert hyperparameter_importances(copy, random_state=3) == hyperparameter_importances(conditional, random_state=3)


def test_without_a_search_space_the_rows_are_read_as_lists(conditional):
    class Rows(BaseEstimator):  # any object with a search's cv_results_
        def fit(self, X=None, y=None):
            self.cv_results_ = conditional.cv_results_
            return self

    importances = hyperparameter_importances(Rows().fit(), random_state=0)
    assert list(importances)[:3] == ["optimizer__learning_rate", "optimizer", "optimizer__momentum"]
    assert importances["dropout"] < 0.02
    assert partial_dependence(Rows().fit(), "optimizer__learning_rate").scales == ["log"]


# ------------------------------------------------- which rows are analysed
class Fragile(Additive):
    """Additive, but the score is NaN (a failed fit) for learning rates
    above 0.5."""

    def score(self, X, y=None):
        return np.nan if self.learning_rate > 0.5 else super().score(X, y)


def test_failed_candidates_are_left_out_with_a_warning():
    space = {"learning_rate": [0.01, 0.1, 0.9], "activation": list(ACTIVATION_EFFECT), "width": [8, 16]}
    with pytest.warns(UserWarning, match="test scores are non-finite"):
        search = GridSearchCV(Fragile(), space, cv=ONE_SPLIT).fit(X_DUMMY)
    with pytest.warns(UserWarning, match=r"^8 of the 24 candidates have a NaN or infinite score"):
        importances = hyperparameter_importances(search, random_state=0)
    assert set(importances) == {"learning_rate", "activation", "width"}
    with pytest.warns(UserWarning, match="8 of the 24"):
        result = partial_dependence(search, "learning_rate", random_state=0)
    assert result.n_rows == 16 and np.isfinite(result.candidate_scores).all()
    assert 0.9 not in result.candidate_values[0]


def test_too_few_rows_is_a_clear_error():
    search = GridSearchCV(Additive(), {"learning_rate": [0.01, 0.1], "width": [8, 16]}, cv=ONE_SPLIT).fit(X_DUMMY)
    assert hyperparameter_importances(search, random_state=0)  # 4 rows model 2 parameters
    with pytest.warns(UserWarning, match="test scores are non-finite"):
        failing = GridSearchCV(Fragile(), {"learning_rate": [0.01, 0.9], "width": [8, 16]}, cv=ONE_SPLIT).fit(X_DUMMY)
    # Two rows are left, in which only the width varies.
    message = r"needs at least 3 candidates with a finite score to model 1 parameter; GridSearchCV has 2\."
    with pytest.warns(UserWarning, match="2 of the 4"), pytest.raises(ValueError, match=message):
        hyperparameter_importances(failing)
    with pytest.warns(UserWarning, match="2 of the 4"), pytest.raises(ValueError, match="partial_dependence needs"):
        partial_dependence(failing, "width")


def _score_of(estimator, X, y=None):
    return estimator.score(X)


def _minus_width(estimator, X, y=None):
    return -float(estimator.width)


def test_metric_picks_the_scorer_of_a_multimetric_search():
    search = GridSearchCV(
        Additive(),
        {"learning_rate": [1e-4, 1e-2, 1.0], "width": WIDTHS},
        scoring={"objective": _score_of, "small": _minus_width},
        refit="small",
        cv=ONE_SPLIT,
    ).fit(X_DUMMY)
    # The refit metric by default: minus the width depends on the width alone.
    assert hyperparameter_importances(search, random_state=0)["width"] > 0.99
    assert hyperparameter_importances(search, metric="objective", random_state=0)["learning_rate"] > 0.5
    assert partial_dependence(search, "width", metric="small").metric == "small"
    with pytest.raises(ValueError, match=r"no 'mean_test_f1'.*\['objective', 'small'\]"):
        hyperparameter_importances(search, metric="f1")
    search.set_params(refit=False)
    with pytest.raises(ValueError, match="choose one with metric="):
        hyperparameter_importances(search)


class Budgeted(Additive):
    """Additive, with an integer budget that a multi-fidelity search sets."""

    def __init__(self, learning_rate=0.01, activation="relu", width=8, dropout=0.0, budget=1):
        super().__init__(learning_rate, activation, width, dropout)
        self.budget = budget


def test_multi_fidelity_searches_use_the_largest_budget_and_say_so():
    space = {"learning_rate": loguniform(1e-4, 1), "activation": list(ACTIVATION_EFFECT), "width": WIDTHS}
    search = HyperbandSearchCV(
        Budgeted(), space, resource="budget", max_resources=9, n_brackets=None, cv=ONE_SPLIT, random_state=0
    ).fit(X_DUMMY)
    budgets = search.cv_results_["n_resources"]
    at_most = (budgets == 9).sum()
    message = rf"HyperbandSearchCV: only the {at_most} candidates evaluated with n_resources=9, the largest"
    with pytest.warns(UserWarning, match=message):
        importances = hyperparameter_importances(search, random_state=0)
    assert set(importances) == set(space)
    with pytest.warns(UserWarning, match=message):
        result = partial_dependence(search, "learning_rate", random_state=0)
    assert result.n_resources == 9 and result.n_rows == at_most
    # Another budget on request, with no warning: all of its rows.
    chosen = partial_dependence(search, "learning_rate", n_resources=3, random_state=0)
    assert chosen.n_resources == 3 and chosen.n_rows == (budgets == 3).sum()
    with pytest.raises(ValueError, match=r"n_resources=4 is not a budget of this search; its budgets: \[1, 3, 9\]"):
        hyperparameter_importances(search, n_resources=4)
    with pytest.raises(ValueError, match="n_resources=3 is for multi-fidelity searches"):
        hyperparameter_importances(GridSearchCV(Additive(), {"width": WIDTHS}, cv=ONE_SPLIT).fit(X_DUMMY),
                                   n_resources=3)  # fmt: skip


@pytest.mark.parametrize("halving", [HalvingGridSearchCV, HalvingRandomSearchCV])
def test_halving_searches_use_their_last_iteration(halving):
    if halving is HalvingGridSearchCV:
        search = halving(Additive(), {"learning_rate": [1e-4, 1e-3, 1e-2, 1e-1, 1.0], "width": WIDTHS}, factor=2,
                         min_resources=10, cv=2)  # fmt: skip
    else:
        search = halving(Additive(), {"learning_rate": loguniform(1e-4, 1), "width": WIDTHS}, n_candidates=60,
                         factor=2, min_resources=10, cv=2, random_state=0)  # fmt: skip
    search.fit(np.zeros((80, 1)), np.arange(80) % 2)
    results = search.cv_results_
    last = results["iter"] == results["iter"].max()
    assert 3 <= last.sum() < len(last)
    message = rf"{halving.__name__}: only the {last.sum()} candidates evaluated with n_resources="
    with pytest.warns(UserWarning, match=message):
        result = partial_dependence(search, "width", random_state=0)
    assert result.n_resources == results["n_resources"].max() and result.n_rows == last.sum()
    np.testing.assert_array_equal(result.candidate_scores, results["mean_test_score"][last])


def test_bayes_search():
    space = {"learning_rate": loguniform(1e-4, 1), "activation": list(ACTIVATION_EFFECT), "dropout": uniform(0, 0.5)}
    search = BayesSearchCV(Additive(), space, n_iter=16, n_initial_points=8, cv=ONE_SPLIT, random_state=0)
    importances = hyperparameter_importances(search.fit(X_DUMMY), random_state=0)
    assert set(importances) == set(space) and sum(importances.values()) == pytest.approx(1.0)
    assert importances["dropout"] < max(importances["learning_rate"], importances["activation"])


def test_same_random_state_same_answers(small_randomized):
    randomized = small_randomized
    first = hyperparameter_importances(randomized, random_state=7)
    assert hyperparameter_importances(randomized, random_state=7) == first
    assert hyperparameter_importances(randomized, random_state=np.random.RandomState(7)) == first
    assert hyperparameter_importances(randomized, random_state=8) != first  # another forest
    one = partial_dependence(randomized, ["learning_rate", "width"], random_state=7)
    two = partial_dependence(randomized, ["learning_rate", "width"], random_state=7)
    np.testing.assert_array_equal(one.average, two.average)
    np.testing.assert_array_equal(one.std, two.std)


def test_constant_parameters_and_constant_scores():
    search = GridSearchCV(Additive(), {"learning_rate": [1e-4, 1e-2, 1.0], "width": WIDTHS, "dropout": [0.3]},
                          cv=ONE_SPLIT).fit(X_DUMMY)  # fmt: skip
    importances = hyperparameter_importances(search, random_state=0)
    assert importances["dropout"] == 0.0 and list(importances)[-1] == "dropout"
    flat = partial_dependence(search, "dropout", random_state=0)
    assert flat.grid_values[0].tolist() == [0.3] and flat.average.shape == (1,)
    same = GridSearchCV(Additive(), {"dropout": [0.1, 0.2, 0.3]}, cv=ONE_SPLIT).fit(X_DUMMY)
    with pytest.warns(UserWarning, match="No parameter explains any of the variance.*every importance is 0"):
        assert hyperparameter_importances(same) == {"dropout": 0.0}


def test_bad_input(small_randomized):
    randomized = small_randomized
    with pytest.raises(NotFittedError):
        hyperparameter_importances(GridSearchCV(Additive(), {"width": WIDTHS}))
    with pytest.raises(ValueError, match=r"'depth' is not a parameter of this search; its parameters: \["):
        partial_dependence(randomized, "depth")
    for params in (["width", "dropout", "activation"], [], ["width", "width"], [3]):
        with pytest.raises(ValueError, match="params must be one parameter name or a pair"):
            partial_dependence(randomized, params)
    for resolution in (1, 2.5, True):
        with pytest.raises(ValueError, match="grid_resolution must be an integer >= 2"):
            partial_dependence(randomized, "width", grid_resolution=resolution)


def test_pair_never_in_one_row():
    split = [{"width": WIDTHS, "learning_rate": [1e-3, 1e-1]}, {"dropout": [0.1, 0.4], "learning_rate": [1e-3, 1e-1]}]
    search = GridSearchCV(Additive(), split, cv=ONE_SPLIT).fit(X_DUMMY)
    with pytest.raises(ValueError, match="'width' and 'dropout' never appear in the same row"):
        partial_dependence(search, ["width", "dropout"])


# ------------------------------------------------------------------ figures
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_png(path):
    content = path.read_bytes()
    assert content[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", content[16:24])
    assert 400 <= width <= 2500 and 200 <= height <= 2000, (width, height)
    assert len(content) > 10_000


def test_plot_importances(small_conditional, tmp_path):
    conditional = small_conditional
    fig = plot_importances(conditional, random_state=0)
    _check_png(save_figure(fig, tmp_path / "importances.png"))
    (ax,) = fig.axes
    importances = hyperparameter_importances(conditional, random_state=0)
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == list(importances)[::-1]  # the most important on top
    widths = [bar.get_width() for bar in ax.patches]
    np.testing.assert_allclose(widths, list(importances.values())[::-1])
    assert [text.get_text() for text in ax.texts] == [f"{v:.2f}" for v in list(importances.values())[::-1]]
    assert ax.get_xlabel() == "share of the variance of the cross-validated score"
    assert ax.get_title() == "Hyperparameter importances"


def test_plot_importances_shortens_a_shared_step_prefix(tmp_path):
    from sklearn.pipeline import Pipeline

    search = GridSearchCV(
        Pipeline([("model", Additive())]),
        {"model__learning_rate": [1e-4, 1e-2, 1.0], "model__width": WIDTHS},
        cv=ONE_SPLIT,
    ).fit(X_DUMMY)
    fig = matplotlib.figure.Figure()
    assert plot_importances(search, random_state=0, title="Which mattered", ax=fig.add_subplot()) is fig
    ax = fig.axes[0]
    assert sorted(label.get_text() for label in ax.get_yticklabels()) == ["learning_rate", "width"]
    assert ax.get_title() == "Which mattered"


def test_plot_partial_dependence_panels(small_conditional, tmp_path):
    conditional = small_conditional
    params = ["optimizer__learning_rate", "optimizer", ("optimizer__learning_rate", "optimizer__momentum")]
    fig = plot_partial_dependence(conditional, params, grid_resolution=10, random_state=0)
    _check_png(save_figure(fig, tmp_path / "dependence.png"))
    lr_ax, optimizer_ax, pair_ax, colorbar = fig.axes
    # One parameter on a log scale: the curve, its band, the candidates.
    lr = partial_dependence(conditional, "optimizer__learning_rate", grid_resolution=10, random_state=0)
    (curve,) = lr_ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), lr.grid_values[0])
    np.testing.assert_allclose(curve.get_ydata(), lr.average)
    assert lr_ax.get_xscale() == "log" and lr_ax.get_xlabel() == "optimizer__learning_rate"
    candidates, band = lr_ax.collections
    np.testing.assert_allclose(candidates.get_offsets(), np.column_stack([lr.candidate_values[0], lr.candidate_scores]))
    band_y = band.get_paths()[0].vertices[:, 1]
    assert band_y.min() == pytest.approx((lr.average - lr.std).min())
    assert band_y.max() == pytest.approx((lr.average + lr.std).max())
    # A categorical parameter: one tick per category, a point and error bar each.
    assert [t.get_text() for t in optimizer_ax.get_xticklabels()] == ["SGD", "Adam", "RMSprop"]
    optimizer = partial_dependence(conditional, "optimizer", random_state=0)
    (error_bars,) = optimizer_ax.containers
    np.testing.assert_allclose(error_bars.lines[0].get_ydata(), optimizer.average)
    assert optimizer_ax.get_ylim() == lr_ax.get_ylim()  # curves share their y limits
    # A pair: filled contours, the candidates where both exist, a colour bar.
    assert pair_ax.get_xscale() == "log" and pair_ax.get_ylabel() == "optimizer__momentum"
    assert isinstance(pair_ax.collections[0], matplotlib.contour.ContourSet)
    points = pair_ax.collections[-1].get_offsets()
    assert len(points) == sum("optimizer__momentum" in row for row in conditional.cv_results_["params"])
    assert "cross-validated score" in colorbar.get_ylabel()
    assert fig.legends and "(100 candidates)" in fig.get_suptitle()


def test_plot_partial_dependence_categorical_pair_and_given_axes(grid):
    fig = matplotlib.figure.Figure()
    axes = fig.subplots(1, 3)
    pairs = ["width", ("activation", "learning_rate"), ("width", "learning_rate")]
    returned = plot_partial_dependence(grid, pairs, random_state=0, ax=axes)
    assert returned is fig
    width_ax, pair_ax, numbers_ax = axes
    assert width_ax.get_xscale() == "log" and width_ax.get_legend() is not None
    mesh = pair_ax.collections[0]
    assert isinstance(mesh, matplotlib.collections.QuadMesh)
    result = partial_dependence(grid, ["activation", "learning_rate"], random_state=0)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(5, 4), result.average.T)
    assert [t.get_text() for t in pair_ax.get_xticklabels()] == ["relu", "tanh", "logistic", "None"]
    # A list of five numbers is discrete too: one cell, one tick per value.
    assert [t.get_text() for t in pair_ax.get_yticklabels()] == ["0.0001", "0.001", "0.01", "0.1", "1"]
    candidates = sorted(map(tuple, pair_ax.collections[1].get_offsets().tolist()))
    assert candidates == sorted((float(a), float(b)) for a in range(4) for b in range(5) for _ in range(15))
    # Two lists of numbers: integers as integers, each candidate in its cell.
    assert [t.get_text() for t in numbers_ax.get_xticklabels()] == ["8", "16", "32", "64", "128"]
    candidates = sorted(map(tuple, numbers_ax.collections[1].get_offsets().tolist()))
    assert candidates == sorted((float(a), float(b)) for a in range(5) for b in range(5) for _ in range(12))
    with pytest.raises(ValueError, match="Got 3 Axes for 2 items of params"):
        plot_partial_dependence(grid, ["width", "dropout"], ax=axes)
    with pytest.raises(ValueError, match="Each item of params must be a parameter name or a pair"):
        plot_partial_dependence(grid, [("width", "dropout", "activation")])
    with pytest.raises(ValueError, match="params is empty"):
        plot_partial_dependence(grid, [])


class Diverging(Additive):
    """A large learning rate diverges: a score far below the others."""

    def score(self, X, y=None):
        return -50.0 if self.learning_rate > 0.5 else super().score(X, y)


def test_plot_partial_dependence_keeps_diverged_candidates_from_flattening_it():
    search = RandomizedSearchCV(Diverging(), {"learning_rate": loguniform(1e-4, 1), "width": WIDTHS}, n_iter=80,
                                cv=ONE_SPLIT, random_state=0).fit(X_DUMMY)  # fmt: skip
    assert (search.cv_results_["mean_test_score"] == -50).any()
    (ax,) = plot_partial_dependence(search, "width", random_state=0).axes
    result = partial_dependence(search, "width", random_state=0)
    low, high = ax.get_ylim()
    assert -50 < low <= (result.average - result.std).min() and high >= (result.average + result.std).max()


def test_plots_need_matplotlib(monkeypatch, small_randomized):
    randomized = small_randomized
    for name in [name for name in sys.modules if name == "matplotlib" or name.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "skopt_lab.plotting")
    monkeypatch.setattr(skopt_lab, "plotting", plotting)
    fresh = importlib.import_module("skopt_lab.plotting")
    for call in (lambda: fresh.plot_importances(randomized), lambda: fresh.plot_partial_dependence(randomized, "width")):
        with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'skopt_lab\[plot\]'"):
            call()
    # The analysis itself needs no matplotlib.
    assert hyperparameter_importances(randomized, random_state=0)


@pytest.mark.parametrize(
    "function", [hyperparameter_importances, partial_dependence, plot_importances, plot_partial_dependence]
)
def test_docstrings_match_signatures(function):
    doc = docscrape.FunctionDoc(function)
    assert [p.name for p in doc["Parameters"]] == list(inspect.signature(function).parameters)
    assert doc["Returns"] and doc["Examples"] and doc["Summary"]
