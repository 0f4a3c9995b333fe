"""Ctrl-C during a search's candidate stops the search (issue 24).

The interrupt is raised deterministically, as Ctrl-C would be, inside the
training loop of one fold model: a callback set on the estimator (and
cloned with it into every fold model) raises KeyboardInterrupt at the end of
the n-th epoch trained in this process. A standalone ``fit`` turns it into a
warning and keeps the last sound epoch; inside a search it must stop the
search, record nothing of the interrupted round, keep the finished rounds in
the checkpoint and resume to the results of a run never interrupted.
"""

import os

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skopt_lab import BayesSearchCV, HyperbandSearchCV, LinearClassifier
from skopt_lab.model_selection._state import load_checkpoint
from skopt_lab.optimizers import SGD, Adam

X, Y = make_classification(n_samples=80, n_features=5, random_state=0)
SPACE = {"optimizer": [SGD(), Adam()], "optimizer__learning_rate": loguniform(1e-3, 1e-1)}


class Epochs:
    """Counts the epochs trained in this process (all fits, n_jobs=1), and
    raises KeyboardInterrupt at the end of epoch number ``interrupt_at``."""

    count = 0
    interrupt_at = None

    def setup(self, estimator, context): ...
    def teardown(self, estimator, context): ...
    def on_fit_task_begin(self, estimator, context, **kwargs): ...

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch" and fitted_estimator is not None:  # an epoch that ended
            Epochs.count += 1
            if Epochs.count == Epochs.interrupt_at:
                raise KeyboardInterrupt


class EpochsAtRoundEnd:
    """A search's callback: the epoch count when each round ended."""

    def __init__(self):
        self.ends = []

    def setup(self, estimator, context): ...
    def teardown(self, estimator, context): ...
    def on_fit_task_begin(self, estimator, context, **kwargs): ...

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "round":
            self.ends.append(Epochs.count)


@pytest.fixture(autouse=True)
def _reset():
    Epochs.count, Epochs.interrupt_at = 0, None


def estimator():
    return LinearClassifier(max_iter=4, tol=None, random_state=0).set_callbacks(Epochs())


SEARCHES = {
    "BayesSearchCV": lambda **kw: BayesSearchCV(
        estimator(), SPACE, n_iter=6, n_initial_points=2, n_points=2, cv=2, random_state=0, n_jobs=1, **kw
    ),
    "HyperbandSearchCV": lambda **kw: HyperbandSearchCV(
        estimator(), SPACE, max_resources=9, n_brackets=1, cv=2, random_state=0, n_jobs=1, **kw
    ),
}


def _same_results(a, b):
    assert [repr(p) for p in a.cv_results_["params"]] == [repr(p) for p in b.cv_results_["params"]]
    for key in ("split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score"):
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key])
    assert a.best_index_ == b.best_index_


@pytest.mark.parametrize("name", SEARCHES)
def test_ctrl_c_during_a_candidate_stops_the_search_and_resumes_exactly(name, tmp_path):
    make = SEARCHES[name]
    rounds = EpochsAtRoundEnd()
    uninterrupted = make().set_callbacks(rounds).fit(X, Y)
    assert len(rounds.ends) == 3

    # Interrupted in the middle of the second round's third fold model.
    Epochs.count, Epochs.interrupt_at = 0, rounds.ends[0] + 5
    path = tmp_path / "search.ckpt"
    search = make(checkpoint=path)
    # No ConvergenceWarning: with filterwarnings=error it would be raised in
    # place of the interrupt, and a swallowed interrupt would be a warning.
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, Y)
    assert Epochs.count == Epochs.interrupt_at  # stopped at once: no further epoch
    assert not hasattr(search, "cv_results_")
    # The checkpoint holds the first round only: nothing of the interrupted one.
    saved = load_checkpoint(path)
    assert len(saved.rows) == {"BayesSearchCV": 2, "HyperbandSearchCV": 9}[name]
    assert os.listdir(tmp_path) == ["search.ckpt"]

    Epochs.interrupt_at = None
    resumed = make(checkpoint=path).fit(X, Y)
    _same_results(resumed, uninterrupted)
    for a, b in zip(resumed.search_state_.rows, uninterrupted.search_state_.rows):
        assert a.test_scores == b.test_scores and a.values == b.values

    # A standalone fit keeps its behaviour: the interrupt is a warning, and
    # the model is that of the last sound epoch.
    Epochs.count, Epochs.interrupt_at = 0, 3
    with pytest.warns(ConvergenceWarning, match="interrupted"):
        alone = estimator().fit(X, Y)
    assert alone.n_iter_ == 2


def test_ctrl_c_in_the_refit_stops_the_search_too(tmp_path):
    rounds = EpochsAtRoundEnd()
    SEARCHES["BayesSearchCV"]().set_callbacks(rounds).fit(X, Y)
    Epochs.count, Epochs.interrupt_at = 0, rounds.ends[-1] + 2
    path = tmp_path / "search.ckpt"
    with pytest.raises(KeyboardInterrupt):
        SEARCHES["BayesSearchCV"](checkpoint=path).fit(X, Y)
    assert len(load_checkpoint(path).rows) == 6  # every round was finished
