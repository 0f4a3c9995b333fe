"""skopt_lab.plotting: figures drawn from real fits, written as PNG files."""

import importlib
import inspect
import struct
import sys

import numpy as np
import pytest
from numpydoc import docscrape
from scipy.stats import loguniform
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skopt_lab
from skopt_lab import BayesSearchCV, LinearClassifier, MLPClassifier
from skopt_lab import plotting
from skopt_lab.optimizers import LBFGS, SGD, Adam, CosineAnnealing, ExponentialDecay, ReduceOnPlateau, StepDecay
from skopt_lab.plotting import (
    plot_learning_rates,
    plot_loss_curves,
    plot_schedule,
    plot_search_progress,
    save_figure,
)

matplotlib = pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _agg_backend(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=80, n_features=6, random_state=0)


def _linear(optimizer, data, **params):
    return LinearClassifier(optimizer, max_iter=6, tol=None, random_state=0, **params).fit(*data)


@pytest.fixture(scope="module")
def models(data):
    return [_linear(SGD(learning_rate=0.1), data), _linear(Adam(learning_rate=0.01), data)]


@pytest.fixture(scope="module")
def early_stopped(data):
    return _linear(Adam(learning_rate=0.05), data, early_stopping=True, validation_fraction=0.25)


def _check_png(path, min_width=400):
    content = path.read_bytes()
    assert content[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", content[16:24])  # the IHDR chunk comes first
    assert min_width <= width <= 2000 and 200 <= height <= 2000, (width, height)
    assert len(content) > 10_000  # axes, lines and text, not a blank canvas


def _legend(ax):
    """Legend texts of the plot in ``ax``: the figure's legend in a figure the
    function made, the Axes' own in Axes given to it."""
    legend = ax.get_legend() or ax.figure.legends[0]
    return [text.get_text() for text in legend.get_texts()]


def _line(ax, label):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line


# ------------------------------------------------------------- loss curves
def test_loss_curves_png_lines_and_labels(models, tmp_path):
    fig = plot_loss_curves(models)
    path = save_figure(fig, tmp_path / "loss.png")
    assert path == tmp_path / "loss.png"
    _check_png(path)
    (ax,) = fig.axes  # no validation scores, one panel
    assert len(ax.get_lines()) == len(models)
    assert _legend(ax) == ["SGD(lr=0.1)", "Adam(lr=0.01)"]
    for line, model in zip(ax.get_lines(), models):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, model.n_iter_ + 1))
        np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "training loss" and ax.get_title()


def test_loss_curves_validation_panel(models, early_stopped, tmp_path):
    fig = plot_loss_curves({"plain": models[0], "early stopping": early_stopped})
    _check_png(save_figure(fig, tmp_path / "loss_val.png"))
    loss_ax, val_ax = fig.axes
    assert _legend(loss_ax) == ["plain", "early stopping"]
    (val_line,) = val_ax.get_lines()  # only the estimator that has validation scores
    np.testing.assert_array_equal(val_line.get_ydata(), early_stopped.validation_scores_)
    np.testing.assert_array_equal(val_line.get_xdata(), np.arange(1, len(early_stopped.validation_scores_) + 1))
    assert val_line.get_color() == _line(loss_ax, "early stopping").get_color()
    assert val_ax.get_ylabel() == "validation score" and val_ax.get_xlabel() == "epoch"

    assert len(plot_loss_curves([early_stopped], validation=False).axes) == 1


def test_loss_curves_on_given_axes(early_stopped):
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    assert plot_loss_curves([early_stopped], ["es"], ax=ax) is fig
    loss_ax, twin = fig.axes  # the validation scores went to a twin y axis
    assert twin.get_lines()[0].get_linestyle() == "--"
    assert "dashed" in twin.get_ylabel()

    fig = matplotlib.figure.Figure()
    pair = fig.subplots(1, 2)
    plot_loss_curves([early_stopped], ax=pair)
    assert [len(ax.get_lines()) for ax in pair] == [1, 1]


def test_loss_curves_with_given_validation_curves_and_baselines(models, tmp_path):
    # What the demo draws: a validation loss recorded by a callback, per
    # estimator, and the baselines as labelled horizontal lines.
    curves = {"SGD(lr=0.1)": [0.9, 0.7, 0.6, 0.55, 0.5, 0.5], "Adam(lr=0.01)": [0.8, 0.6]}
    fig = plot_loss_curves(
        models, validation_curves=curves, validation_label="validation log-loss",
        baselines={"as is": 0.95, "from scratch": 0.65}, title="Fine-tuning: log-loss per epoch",
    )  # fmt: skip
    _check_png(save_figure(fig, tmp_path / "loss_baselines.png"))
    loss_ax, val_ax = fig.axes
    assert loss_ax.get_title() == "Fine-tuning: log-loss per epoch"
    assert val_ax.get_ylabel() == "validation log-loss"
    sgd, adam, as_is, scratch = val_ax.get_lines()
    np.testing.assert_array_equal(sgd.get_ydata(), curves["SGD(lr=0.1)"])
    np.testing.assert_array_equal(adam.get_xdata(), [1, 2])
    assert list(as_is.get_ydata()) == [0.95, 0.95] and list(scratch.get_ydata()) == [0.65, 0.65]
    assert as_is.get_linestyle() != scratch.get_linestyle()
    assert _legend(loss_ax) == ["SGD(lr=0.1)", "Adam(lr=0.01)", "as is", "from scratch"]
    # One sequence per estimator, in order, also works; a label naming no curve does not.
    fig = plot_loss_curves(models, validation_curves=[None, [0.3, 0.2]])
    assert len(fig.axes[1].get_lines()) == 1
    with pytest.raises(ValueError, match=r"name no curve: \['Adam'\]"):
        plot_loss_curves(models, validation_curves={"Adam": [0.1]})
    with pytest.raises(ValueError, match="Got 1 validation_curves for 2 estimators"):
        plot_loss_curves(models, validation_curves=[[0.1]])


def test_loss_curves_validation_panel_ignores_a_wild_first_epoch(models):
    # One curve starts at R² = -4 (a first step too large), the others near 0.5.
    curves = [[-4.0, 0.3, 0.45, 0.5, 0.52, 0.5], [0.2, 0.35, 0.45, 0.5, 0.5, 0.51]]
    bottom, top = plot_loss_curves(models, validation_curves=curves).axes[1].get_ylim()
    assert -4.0 < bottom < 0.2 and 0.52 < top < 1.0
    # Without an outlier, matplotlib's own limits stay.
    bottom, top = plot_loss_curves(models, validation_curves=[[0.2, 0.4], [0.3, 0.5]]).axes[1].get_ylim()
    assert bottom < 0.2 and top > 0.5


def test_loss_curves_every_line_distinguishable(data):
    # Ten optimizers whose curves nearly coincide stay apart: each line has
    # its own color and marker; past ten, the line style changes.
    models = [_linear(SGD(learning_rate=0.1), data) for _ in range(12)]
    lines = plot_loss_curves(models).axes[0].get_lines()
    styles = {(line.get_color(), line.get_marker(), line.get_linestyle()) for line in lines}
    assert len(styles) == 12 and len({line.get_color() for line in lines[:10]}) == 10
    assert len({line.get_marker() for line in lines[:10]}) == 10


def test_loss_curves_label_lbfgs_iterations(models, data):
    lbfgs = _linear(LBFGS(), data)  # tol=None: stopping at max_iter is what was asked
    assert plot_loss_curves([models[0], lbfgs], ["SGD", "L-BFGS"]).axes[0].get_xlabel() == "epoch (L-BFGS: iteration)"
    assert plot_loss_curves([lbfgs]).axes[0].get_xlabel() == "iteration"


def test_loss_curves_of_pipeline_and_mlp(data):
    pipe = make_pipeline(StandardScaler(), LinearClassifier("adam", max_iter=4, tol=None, random_state=0)).fit(*data)
    mlp = MLPClassifier((4,), optimizer=SGD(momentum=0.9), max_iter=4, tol=None, random_state=0).fit(*data)
    ax = plot_loss_curves([pipe, mlp]).axes[0]
    assert _legend(ax) == ["Adam", "SGD(momentum=0.9)"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), pipe[-1].loss_curve_)


def test_default_labels_shorten_and_disambiguate(data):
    scheduled = Adam(learning_rate=0.01, schedule=StepDecay(step_size=5, gamma=1 / 3))
    models = [_linear(scheduled, data)] + [_linear(Adam(learning_rate=0.01), data) for _ in range(2)]
    assert _legend(plot_loss_curves(models).axes[0]) == [
        "Adam(lr=0.01, schedule=StepDecay(step_size=5, gamma=0.3333))",
        "Adam(lr=0.01) #1",
        "Adam(lr=0.01) #2",
    ]


def test_loss_curves_not_log_scale_for_non_positive_losses(models):
    class Shifted(BaseEstimator):  # a loss curve that crosses zero (e.g. an objective with a constant dropped)
        def __init__(self):
            self.loss_curve_ = [1.0, 0.0, -1.0]

        def fit(self, X=None, y=None):
            return self

    ax = plot_loss_curves([models[0], Shifted()]).axes[0]
    assert ax.get_yscale() == "linear"
    assert _legend(ax)[1] == "Shifted"


def test_loss_curves_bad_input(models, data):
    with pytest.raises(NotFittedError):
        plot_loss_curves([LinearClassifier()])
    with pytest.raises(NotFittedError):
        plot_loss_curves([make_pipeline(StandardScaler(), LinearClassifier())])
    with pytest.raises(TypeError, match="has no loss_curve_"):
        plot_loss_curves([LogisticRegression().fit(*data)])
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curves([])
    with pytest.raises(ValueError, match="1 labels for 2 estimators"):
        plot_loss_curves(models, ["only one"])
    with pytest.raises(ValueError, match="not both"):
        plot_loss_curves({"a": models[0]}, ["b"])


# ---------------------------------------------------------- search progress
@pytest.fixture(scope="module")
def grid_with_failures(data):
    estimator = LinearClassifier("sgd", max_iter=5, tol=None, random_state=0)
    # Negative learning rates fail to fit and score NaN, one of them first.
    grid = {"optimizer__learning_rate": [-1.0, 0.001, 0.1, -2.0, 1.0, 0.01]}
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="test scores are non-finite"):
        return GridSearchCV(estimator, grid, cv=3).fit(*data)


def test_search_progress_running_best_skips_failures(grid_with_failures, tmp_path):
    scores = grid_with_failures.cv_results_["mean_test_score"]
    assert np.isnan(scores[[0, 3]]).all()
    fig = plot_search_progress(grid_with_failures)
    _check_png(save_figure(fig, tmp_path / "search.png"))
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    assert line.get_label() == "GridSearchCV"
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 7))
    best = np.asarray(line.get_ydata(), dtype=float)
    expected, so_far = [], np.nan
    for score in scores:
        if not np.isnan(score) and not so_far >= score:
            so_far = score
        expected.append(so_far)
    np.testing.assert_allclose(best, expected)  # NaN where expected is NaN
    assert np.isnan(best[0])  # nothing to show before the first successful fit
    assert not np.isnan(best[1:]).any() and (np.diff(best[1:]) >= 0).all()
    assert best[-1] == pytest.approx(grid_with_failures.best_score_)
    assert ax.get_xlabel() == "candidates evaluated"
    assert ax.get_ylabel() == "best cross-validated accuracy so far"  # the estimator's own score


def test_search_progress_of_several_searches(grid_with_failures, data):
    estimator = LinearClassifier("sgd", max_iter=5, tol=None, random_state=0)
    space = {"optimizer__learning_rate": loguniform(1e-3, 1.0)}
    randomized = RandomizedSearchCV(estimator, space, n_iter=3, cv=3, random_state=0).fit(*data)
    bayes = BayesSearchCV(estimator, space, n_iter=4, n_initial_points=2, cv=3, random_state=0).fit(*data)
    searches = [grid_with_failures, randomized, bayes, randomized]
    ax = plot_search_progress(searches).axes[0]
    assert _legend(ax) == ["GridSearchCV", "RandomizedSearchCV #1", "BayesSearchCV", "RandomizedSearchCV #2"]
    for line, search in zip(ax.get_lines(), searches):
        assert len(line.get_xdata()) == len(search.cv_results_["params"])
        assert np.nanmax(line.get_ydata()) == pytest.approx(search.best_score_)
    # One scatter of each candidate's score per search, and one of the
    # triangles standing for the scores below the axis.
    bottom = ax.get_ylim()[0]
    clipped = [search for search in searches if np.nanmin(search.cv_results_["mean_test_score"]) < bottom]
    assert len(ax.collections) == len(searches) + len(clipped)


def test_search_progress_keeps_an_outlier_from_flattening_the_plot(tmp_path):
    class Search(BaseEstimator):  # any object with a search's cv_results_
        scoring = "r2"

        def fit(self, X=None, y=None):
            scores = [0.55, 0.61, -2.2, 0.58, 0.63, 0.60]  # one diverged candidate
            self.cv_results_ = {"mean_test_score": np.array(scores), "params": [{}] * len(scores)}
            return self

    scores = Search().fit().cv_results_["mean_test_score"]
    fig = plot_search_progress(Search().fit())
    _check_png(save_figure(fig, tmp_path / "outlier.png"))
    (ax,) = fig.axes
    bottom, top = ax.get_ylim()
    assert ax.get_ylabel() == "best cross-validated r2 so far"
    assert -2.2 < bottom < 0.5 and 0.63 < top < 0.7  # the others keep the height of the plot
    dots, triangles = ax.collections
    hidden = np.isnan(np.ma.filled(dots.get_offsets()[:, 1].astype(float), np.nan))
    assert hidden.tolist() == [False, False, True, False, False, False]
    assert triangles.get_offsets().tolist() == [[3.0, bottom]]
    assert [text.get_text() for text in ax.texts] == ["-2.2"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.maximum.accumulate(scores))


def test_search_progress_halving_uses_last_iteration(data):
    search = HalvingGridSearchCV(
        LinearClassifier("sgd", max_iter=5, tol=None, random_state=0),
        {"optimizer__learning_rate": [0.001, 0.01, 0.1, 1.0]},
        cv=3,
        min_resources=20,
        random_state=0,
    ).fit(*data)
    iterations = search.cv_results_["iter"]
    last = search.cv_results_["mean_test_score"][iterations == iterations.max()]
    assert len(last) < len(iterations)
    (line,) = plot_search_progress([search]).axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), np.maximum.accumulate(last))


def test_search_progress_multimetric(data):
    search = GridSearchCV(
        LinearClassifier("sgd", max_iter=5, tol=None, random_state=0),
        {"optimizer__learning_rate": [0.001, 0.1]},
        scoring={"acc": "accuracy", "bacc": "balanced_accuracy"},
        refit="acc",
        cv=3,
    ).fit(*data)
    results = search.cv_results_
    for metric, key in [(None, "mean_test_acc"), ("bacc", "mean_test_bacc")]:
        ax = plot_search_progress([search], metric=metric).axes[0]
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.maximum.accumulate(results[key]))
    assert "bacc" in ax.get_ylabel()
    with pytest.raises(ValueError, match=r"no 'mean_test_f1'.*\['acc', 'bacc'\]"):
        plot_search_progress([search], metric="f1")
    search.set_params(refit=False)
    with pytest.raises(ValueError, match="choose one with metric="):
        plot_search_progress([search])


def test_search_progress_bad_input(grid_with_failures):
    with pytest.raises(NotFittedError):
        plot_search_progress([GridSearchCV(LinearClassifier(), {"alpha": [1.0]})])
    with pytest.raises(ValueError, match="empty"):
        plot_search_progress({})
    with pytest.raises(ValueError, match="2 labels for 1 searches"):
        plot_search_progress([grid_with_failures], labels=["a", "b"])


# ---------------------------------------------------------------- schedules
def test_schedules_as_multipliers(tmp_path):
    schedules = {
        "step": StepDecay(step_size=3, gamma=0.5),
        "cosine": CosineAnnealing(warmup_epochs=2),
        "plateau": ReduceOnPlateau(factor=0.5, patience=2),
    }
    fig = plot_schedule(schedules, 12)
    _check_png(save_figure(fig, tmp_path / "schedule.png"))
    (ax,) = fig.axes
    assert _legend(ax) == list(schedules)
    for line, schedule in zip(ax.get_lines(), schedules.values()):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 13))
        np.testing.assert_allclose(line.get_ydata(), schedule.curve(12))
    assert ax.get_ylabel() == "learning-rate multiplier" and ax.get_xlabel() == "epoch"


def test_optimizers_as_learning_rates():
    optimizers = [Adam(learning_rate=0.1, schedule=CosineAnnealing()), SGD(learning_rate=0.05)]
    ax = plot_schedule(optimizers, 8).axes[0]
    cosine, constant = ax.get_lines()
    np.testing.assert_allclose(cosine.get_ydata(), 0.1 * np.asarray(CosineAnnealing().curve(8)))
    np.testing.assert_allclose(constant.get_ydata(), np.full(8, 0.05))
    assert _legend(ax) == ["Adam(lr=0.1, schedule=CosineAnnealing())", "SGD(lr=0.05)"]
    assert ax.get_ylabel() == "learning rate"
    # One schedule alone, drawn into given Axes, gets its short repr as label.
    fig = matplotlib.figure.Figure()
    assert plot_schedule(StepDecay(), 1, ax=fig.add_subplot()) is fig
    assert _legend(fig.axes[0]) == ["StepDecay"]


def test_learning_rates_actually_used(data, tmp_path):
    # What the tuned model used, epoch by epoch: the recorded learning_rates_.
    decayed = _linear(SGD(learning_rate=0.1, schedule=ExponentialDecay(gamma=0.5)), data)
    warm = MLPClassifier((4,), optimizer=Adam(learning_rate=0.01, schedule=CosineAnnealing(warmup_epochs=2)),
                         max_iter=6, tol=None, random_state=0).fit(*data)  # fmt: skip
    fig = plot_learning_rates({"decayed": decayed, "warm": warm}, title="Learning rate used")
    _check_png(save_figure(fig, tmp_path / "rates.png"))
    (ax,) = fig.axes
    first, second = ax.get_lines()
    np.testing.assert_allclose(first.get_ydata(), decayed.learning_rates_)
    np.testing.assert_allclose(first.get_ydata(), 0.1 * 0.5 ** np.arange(6))
    np.testing.assert_allclose(second.get_ydata(), warm.learning_rates_)
    assert ax.get_title() == "Learning rate used" and ax.get_ylabel() == "learning rate"
    assert _legend(ax) == ["decayed", "warm"]
    assert _legend(plot_learning_rates(decayed).axes[0]) == ["SGD(lr=0.1, schedule=ExponentialDecay(gamma=0.5))"]
    with pytest.raises(TypeError, match="recorded no learning_rates_.*L-BFGS"):
        plot_learning_rates(_linear(LBFGS(), data))
    with pytest.raises(NotFittedError):
        plot_learning_rates(LinearClassifier())


@pytest.mark.parametrize("n_epochs", [0, -3, 2.5, True])
def test_schedule_bad_n_epochs(n_epochs):
    with pytest.raises(ValueError, match="n_epochs must be an integer >= 1"):
        plot_schedule(StepDecay(), n_epochs)


def test_schedule_bad_input():
    with pytest.raises(TypeError, match="with a learning_rate"):
        plot_schedule(LBFGS(), 5)
    with pytest.raises(ValueError, match="separately"):
        plot_schedule([StepDecay(), Adam()], 5)
    with pytest.raises(ValueError, match="empty"):
        plot_schedule([], 5)


# ------------------------------------------------------- saving, matplotlib
def test_save_figure_creates_directories(tmp_path):
    path = save_figure(plot_schedule(StepDecay(step_size=2), 6), str(tmp_path / "out" / "lr.png"))
    assert path == tmp_path / "out" / "lr.png"
    _check_png(path)


def test_clear_error_without_matplotlib(monkeypatch, models):
    for name in [name for name in sys.modules if name == "matplotlib" or name.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    # The module imports without matplotlib; only drawing needs it.
    monkeypatch.delitem(sys.modules, "skopt_lab.plotting")
    monkeypatch.setattr(skopt_lab, "plotting", plotting)
    fresh = importlib.import_module("skopt_lab.plotting")
    assert fresh is not plotting
    calls = [
        lambda: fresh.plot_loss_curves(models),
        lambda: fresh.plot_search_progress([]),
        lambda: fresh.plot_schedule(StepDecay(), 3),
        lambda: fresh.plot_learning_rates(models),
        lambda: fresh.save_figure(None, "unused.png"),
    ]
    for call in calls:
        with pytest.raises(ImportError, match=r"needs matplotlib: pip install 'skopt_lab\[plot\]'") as info:
            call()
        assert isinstance(info.value.__cause__, ImportError)


@pytest.mark.parametrize(
    "function", [plot_learning_rates, plot_loss_curves, plot_search_progress, plot_schedule, save_figure]
)
def test_docstrings_match_signatures(function):
    doc = docscrape.FunctionDoc(function)
    assert [p.name for p in doc["Parameters"]] == list(inspect.signature(function).parameters)
    assert doc["Returns"] and doc["Examples"] and doc["Summary"]
