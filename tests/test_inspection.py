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
from sklearn.model_selection import GridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV

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


def test_scales_and_grids(randomized, grid):
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


def test_categories_are_matched_by_repr_when_not_identical(conditional):
    # Results pickled apart from the search (a saved report, say) hold
    # copies of the optimizers, not the objects of the search space.
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
