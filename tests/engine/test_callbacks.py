"""scikit-learn's callbacks (sklearn.callback) see every epoch of our estimators."""

import numpy as np
import pytest
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from skopt_lab import LinearClassifier, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import LBFGS, SGD


class Recorder:
    """A FitCallback that records every task it is told about."""

    max_propagation_depth = None  # also an AutoPropagatedCallback: searches pass it down

    def __init__(self):
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.estimator_name, context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.estimator_name, context.task_name, context.task_id, fitted_estimator))

    def epochs(self, estimator_name):
        return [e for e in self.events if e[0] == "end" and e[1] == estimator_name and e[2] == "epoch"]


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, random_state=0)


@pytest.mark.parametrize("Estimator", [LinearClassifier, MLPClassifier])
def test_a_callback_sees_every_epoch_with_a_fitted_snapshot(Estimator, data):
    X, y = data
    recorder = Recorder()
    est = Estimator(max_iter=7, tol=None, random_state=0).set_callbacks(recorder).fit(X, y)
    epochs = recorder.epochs(Estimator.__name__)
    assert [e[3] for e in epochs] == list(range(7))
    assert recorder.events[0] == ("setup", "fit") and recorder.events[-1] == ("teardown", "fit")
    begins = [e for e in recorder.events if e[0] == "begin" and e[2] == "epoch"]
    assert len(begins) == len(epochs)
    # The snapshot at the end of epoch k predicts as the model did then.
    third = epochs[2][4]
    assert third.n_iter_ == 3 and third.loss_curve_ == est.loss_curve_[:3]
    assert not np.array_equal(third.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(epochs[-1][4].predict_proba(X), est.predict_proba(X))


def test_a_callback_can_stop_training(data):
    X, y = data

    class StopAfterThree(Recorder):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator)
            return context.task_name == "epoch" and context.task_id == 2

    est = MLPRegressor((8,), max_iter=50, tol=None).set_callbacks(StopAfterThree()).fit(X, y.astype(float))
    assert est.n_iter_ == 3


def test_lbfgs_iterations_are_tasks(data):
    X, y = data
    recorder = Recorder()
    est = LinearClassifier(LBFGS(), random_state=0).set_callbacks(recorder).fit(X, y)
    epochs = recorder.epochs("LinearClassifier")
    completed = [e for e in epochs if e[4] is not None]
    assert len(completed) == est.n_iter_ > 0
    # The iteration opened last, which never ran, is closed too, without a model.
    begins = sum(1 for e in recorder.events if e[0] == "begin" and e[2] == "epoch")
    assert begins == len(epochs) == est.n_iter_ + 1


def test_partial_fit_is_one_epoch_task(data):
    X, y = data
    recorder = Recorder()
    est = MLPClassifier((8,)).set_callbacks(recorder)
    est.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert len(recorder.epochs("MLPClassifier")) == 2


def test_callbacks_propagate_from_a_search(data):
    X, y = data
    recorder = Recorder()
    search = GridSearchCV(
        LinearClassifier(SGD(), max_iter=4, tol=None, random_state=0),
        {"optimizer__learning_rate": [0.01, 0.1]},
        cv=2,
    ).set_callbacks(recorder)
    search.fit(X, y)
    # 2 candidates x 2 folds + the refit, 4 epochs each
    assert len(recorder.epochs("LinearClassifier")) == 5 * 4


def test_scoring_monitor_scores_each_epoch(data):
    X, y = data
    monitor = ScoringMonitor(scoring="accuracy")
    net = MLPClassifier((16,), max_iter=5, tol=None, random_state=0).set_callbacks(monitor).fit(X, y)
    scores = [row["accuracy"] for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(scores) == 5 and all(0 <= s <= 1 for s in scores)
    assert scores[-1] == net.score(X, y)


def test_progress_bar_shows_epochs(data, capsys):
    X, y = data
    MLPClassifier((8,), max_iter=3, tol=None, random_state=0).set_callbacks(ProgressBar()).fit(X, y)
    assert "MLPClassifier - fit" in capsys.readouterr().out
    search = GridSearchCV(MLPClassifier((8,), max_iter=3, tol=None, random_state=0), {"alpha": [1e-4, 1e-2]}, cv=2)
    search.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(X, y)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "MLPClassifier - fit" in out


def test_verbose_prints_one_line_per_epoch(data, capsys):
    X, y = data
    MLPClassifier((8,), max_iter=3, tol=None, verbose=1, early_stopping=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    for k, line in enumerate(lines, start=1):
        assert line.startswith(f"Epoch {k}: loss ") and "validation score" in line and "learning rate 0.001" in line
        assert line.endswith(" s")
