"""Training on Dask data: data-parallel on a cluster, block by block without.

One ``LocalCluster`` of 2 worker processes (1 thread each) serves the module;
tests that train on it enter ``client.as_current()`` (the ``on_cluster``
fixture), the others train in this process without a client. The data are
small and cut in uneven blocks, so that every test takes a second or two.
"""

import os
import pickle
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

import joblib  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402

from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor  # noqa: E402
from skopt_lab._engine.dask_rows import Block, block_step_rows, step_rows  # noqa: E402
from skopt_lab._engine.targets import DenseTargets  # noqa: E402
from skopt_lab.optimizers import GD, LBFGS, SGD, Adam  # noqa: E402

pytestmark = [pytest.mark.distributed, pytest.mark.slow]

CHUNKS = (70, 130, 100, 60, 40)  # 400 rows in uneven blocks


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture
def on_cluster(client):
    with client.as_current():
        yield client


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(400, 8, n_informative=5, n_classes=3, random_state=0)
    return X, y, da.from_array(X, chunks=(CHUNKS, 8)), da.from_array(y, chunks=(CHUNKS,))


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(400, 8, noise=5.0, random_state=0)
    y = y / y.std()
    return X, y, da.from_array(X, chunks=(CHUNKS, 8)), da.from_array(y, chunks=(CHUNKS,))


def relative_difference(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(a))


def theta(estimator):
    return estimator._train_state.theta.copy()


# ------------------------------------------------------------------ basics
def test_import_does_not_import_dask():
    code = "import sys, skopt_lab; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_missing_dask_names_the_extra(monkeypatch):
    from skopt_lab import _dask

    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"skopt_lab\[distributed\]"):
        _dask.require("dask.array")


@pytest.mark.parametrize("n_rows", [0, 1, 7, 100])
@pytest.mark.parametrize("n_steps", [1, 3, 8])
def test_every_row_is_in_one_part_of_an_epoch(n_rows, n_steps):
    block = Block(3, np.arange(n_rows)[:, None], DenseTargets(np.zeros((n_rows, 1))), None)
    for seed in (None, 5):
        parts = [np.arange(n_rows)[block.part(step, n_steps, seed)] for step in range(n_steps)]
        assert [len(p) for p in parts] == [block_step_rows(3, n_rows, step, n_steps) for step in range(n_steps)]
        np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(n_rows))
    other_epoch = np.concatenate([block.part(s, n_steps, 6) for s in range(n_steps)])
    if n_rows > 3:
        assert not np.array_equal(other_epoch, np.concatenate([block.part(s, n_steps, 5) for s in range(n_steps)]))


def test_blocks_smaller_than_the_steps_spread_their_rows_over_them():
    sizes = [1] * 10  # ten one-row blocks, ten steps: one row each, not ten in one step
    assert [step_rows(sizes, step, 10) for step in range(10)] == [1] * 10
    assert sum(step_rows([70, 130, 100], step, 7) for step in range(7)) == 300


# --------------------------------------------------------------- exactness
EXACT = [
    (LinearClassifier(GD(learning_rate=0.5), max_iter=15, tol=None, random_state=0), "classification", 1e-10),
    (LinearClassifier(LBFGS(), alpha=1e-3, max_iter=50, random_state=0), "classification", 1e-10),
    (LinearRegressor(GD(learning_rate=0.1), max_iter=15, tol=None, random_state=0), "regression", 1e-10),
    (LinearRegressor(LBFGS(), max_iter=50, random_state=0), "regression", 1e-10),
    (MLPClassifier((16, 8), optimizer=GD(learning_rate=0.3), max_iter=15, tol=None, random_state=0),
     "classification", 1e-8),
    (MLPRegressor((16,), optimizer=GD(learning_rate=0.05), alpha=1e-2, max_iter=15, tol=None, random_state=0),
     "regression", 1e-8),
]  # fmt: skip


@pytest.mark.parametrize("estimator, task, tolerance", EXACT, ids=lambda p: repr(p)[:40] if hasattr(p, "fit") else "")
def test_full_batch_fits_on_the_cluster_equal_the_numpy_fit(on_cluster, estimator, task, tolerance, request):
    X, y, Xd, yd = request.getfixturevalue(task)
    expected = theta(clone(estimator).fit(X, y))
    fitted = clone(estimator).fit(Xd, yd)
    assert relative_difference(expected, theta(fitted)) < tolerance
    assert fitted.n_iter_ == clone(estimator).fit(X, y).n_iter_


def test_without_a_client_blocks_train_here_and_equal_the_numpy_fit(classification):
    X, y, Xd, yd = classification
    estimator = MLPClassifier((16,), optimizer=GD(learning_rate=0.3), alpha=1e-3, max_iter=20, tol=None, random_state=0)
    w = np.random.default_rng(0).uniform(0, 2, len(y))
    expected = theta(clone(estimator).fit(X, y, sample_weight=w))
    assert distributed.client._get_global_client() is None
    fitted = clone(estimator).fit(Xd, yd, sample_weight=da.from_array(w, chunks=CHUNKS))
    assert relative_difference(expected, theta(fitted)) < 1e-8


def test_sample_weight_and_class_weight_on_the_cluster(on_cluster, classification):
    X, y, Xd, yd = classification
    w = np.random.default_rng(0).uniform(0, 2, len(y))
    estimator = LinearClassifier(GD(learning_rate=0.5), class_weight="balanced", max_iter=20, tol=None, random_state=0)
    expected = theta(clone(estimator).fit(X[:350], y[:350], sample_weight=w[:350]))
    # y with a class not present in a block, and weights as a NumPy array cut like X
    fitted = clone(estimator).fit(Xd[:350], yd[:350], sample_weight=w[:350])
    assert relative_difference(expected, theta(fitted)) < 1e-10


# ------------------------------------------------------- step optimizers
def test_step_optimizers_reach_the_single_process_accuracy(on_cluster):
    X, y = make_classification(2000, 20, n_informative=10, n_classes=3, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    Xd, yd = da.from_array(X_train, chunks=(350, 20)), da.from_array(y_train, chunks=350)
    for make in (
        lambda seed: MLPClassifier((32,), optimizer=Adam(learning_rate=1e-2), batch_size=350, max_iter=6, tol=None,
                                   random_state=seed),
        lambda seed: LinearClassifier(SGD(learning_rate=0.05, momentum=0.9), batch_size=350, max_iter=6, tol=None,
                                      random_state=seed),
    ):  # fmt: skip
        here = np.median([make(seed).fit(X_train, y_train).score(X_test, y_test) for seed in range(3)])
        there = np.median([make(seed).fit(Xd, yd).score(X_test, y_test) for seed in range(3)])
        assert there >= here - 0.01, (make(0), here, there)


def test_a_run_is_reproducible_and_partial_fit_continues_it(on_cluster, classification):
    X, y, Xd, yd = classification
    make = lambda: MLPClassifier((8,), dropout=0.2, batch_size=128, max_iter=2, tol=None, random_state=0)  # noqa: E731
    first = make().fit(Xd, yd)
    assert first.n_iter_ == 2 and first.t_ == 2 * len(y)
    # Two partial_fit calls are fit(max_iter=2), bit for bit; pickled between
    # the two calls, the model continues as if it had not been.
    stepwise = pickle.loads(pickle.dumps(make().partial_fit(Xd, yd, classes=np.unique(y))))
    stepwise.partial_fit(Xd, yd)
    np.testing.assert_array_equal(theta(first), theta(stepwise))
    # Another chunking is another run, as valid.
    rechunked = make().fit(Xd.rechunk((200, 8)), yd.rechunk(200))
    assert not np.array_equal(theta(first), theta(rechunked))


def test_warm_start_averaging_and_fine_tuning_on_the_cluster(on_cluster, classification):
    X, y, Xd, yd = classification
    warm = LinearClassifier(SGD(learning_rate=0.05), average=True, warm_start=True, max_iter=2, tol=None,
                            random_state=0).fit(Xd, yd)  # fmt: skip
    first = warm.n_averaged_
    assert first == 2 * sum(-(-n // 200) for n in [400])  # two epochs of 2 steps of about 200 rows
    warm.fit(Xd, yd)
    assert warm.n_iter_ == 4 and warm.n_averaged_ == 2 * first
    source = MLPClassifier((16, 8), max_iter=5, tol=None, random_state=0).fit(X, y)
    tuned = MLPClassifier(pretrained=FrozenEstimator(source), freeze_layers=1, optimizer=GD(learning_rate=0.2),
                          max_iter=10, tol=None, random_state=0)  # fmt: skip
    expected = clone(tuned).fit(X, y)
    fitted = clone(tuned).fit(Xd, yd)
    assert relative_difference(theta(expected), theta(fitted)) < 1e-8
    np.testing.assert_array_equal(fitted.coefs_[0], source.coefs_[0])  # frozen


def test_early_stopping_validates_on_rows_it_never_trains_on(on_cluster, classification):
    X, y, Xd, yd = classification
    ids = np.arange(len(y)) * 1e-6  # a feature that names each row, too small to matter
    Xi = da.from_array(np.column_stack([X, ids]), chunks=(CHUNKS, 9))
    model = MLPClassifier((8,), optimizer=Adam(learning_rate=0.03), batch_size=100, early_stopping=True, max_iter=15,
                          n_iter_no_change=3, random_state=0)  # fmt: skip
    model.fit(Xi, yd)
    assert len(model.validation_scores_) == model.n_iter_ and model.best_validation_score_ > 0.5
    from skopt_lab._dask import _training_block

    for i, (start, n) in enumerate(zip(np.cumsum((0,) + CHUNKS[:-1]), CHUNKS)):
        block = (np.column_stack([X, ids])[start : start + n], y[start : start + n], None)
        prepared, summary = _training_block(block, i, model._target_encoder, np.float64, None, (0.1, 7, True))
        train, val = np.round(prepared.X[:, -1] * 1e6), np.round(prepared.X_val[:, -1] * 1e6)
        assert len(val) == summary["n_val"] > 0 and not set(train) & set(val)
        assert sorted([*train, *val]) == list(range(start, start + n))


# ------------------------------------------------------------- predicting
def test_predictions_are_lazy_dask_arrays_equal_to_numpy(on_cluster, classification, regression):
    X, y, Xd, yd = classification
    model = MLPClassifier((8,), max_iter=5, tol=None, random_state=0).fit(X, y)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array) and lazy.chunks[0] == CHUNKS
        np.testing.assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12)
    assert model.score(Xd, yd) == pytest.approx(model.score(X, y), abs=1e-12)
    X, y, Xd, yd = regression
    w = np.random.default_rng(0).uniform(0, 2, len(y))
    reg = LinearRegressor(max_iter=3, tol=None, random_state=0).fit(X, y + 10)
    score = reg.score(Xd, yd + 10, sample_weight=da.from_array(w, chunks=CHUNKS))
    assert score == pytest.approx(reg.score(X, y + 10, sample_weight=w), rel=1e-10)


def test_dask_dataframes_fit_and_predict(on_cluster, classification):
    X, y, _, _ = classification
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    Xf, yf = dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(y), npartitions=3)
    estimator = LinearClassifier(GD(learning_rate=0.5), max_iter=20, tol=None, random_state=0)
    expected = clone(estimator).fit(frame, y)
    fitted = clone(estimator).fit(Xf, yf)
    assert relative_difference(theta(expected), theta(fitted)) < 1e-10
    assert list(fitted.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(fitted.predict(Xf).compute(), expected.predict(frame))


# -------------------------------------------------------------- bad input
def test_bad_dask_input_is_refused_before_training(on_cluster, classification):
    X, y, Xd, yd = classification
    model = LinearClassifier(max_iter=2, tol=None)
    with pytest.raises(ValueError, match=r"row chunks of X .* do not match those of y"):
        model.fit(Xd, yd.rechunk(100))
    unknown = dd.from_pandas(pd.DataFrame(X), npartitions=2).values
    with pytest.raises(ValueError, match=r"unknown chunk sizes.*compute_chunk_sizes\(\).*lengths=True"):
        model.fit(unknown, yd)
    with pytest.raises(ValueError, match=r"In block 1 of the Dask data: Input X contains NaN"):
        model.fit(da.where(da.arange(400)[:, None] == 100, np.nan, Xd), yd)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(Xd, yd)
    assert not hasattr(model, "coef_")


def test_a_search_in_this_process_fits_each_fold_on_the_dask_data(classification):
    X, y, Xd, yd = classification
    search = GridSearchCV(LinearClassifier(GD(learning_rate=0.5), max_iter=5, tol=None), {"alpha": [1e-4, 1e-1]}, cv=2)
    on_dask, in_memory = clone(search).fit(Xd, yd), clone(search).fit(X, y)
    np.testing.assert_allclose(on_dask.cv_results_["mean_test_score"], in_memory.cv_results_["mean_test_score"])
    assert on_dask.best_params_ == in_memory.best_params_


def test_a_search_running_its_fits_on_the_cluster_refuses_dask_data(on_cluster, classification):
    X, y, Xd, yd = classification
    search = GridSearchCV(LinearClassifier(max_iter=2, tol=None), {"alpha": [1e-4, 1e-3]}, cv=2, error_score="raise")
    with joblib.parallel_backend("dask"), pytest.raises(ValueError, match="inside a task on a Dask worker"):
        search.fit(Xd, yd)


# ------------------------------------------------------------------ faults
class _AtEpoch:
    """A callback that calls ``action`` at the end of epoch ``epoch``."""

    def __init__(self, epoch, action):
        self.epoch, self.action = epoch, action

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "epoch" and context.task_id == self.epoch:
            self.action()


def test_a_worker_killed_during_a_fit_does_not_change_it(on_cluster, classification):
    X, y, Xd, yd = classification
    estimator = MLPClassifier((16,), optimizer=GD(learning_rate=0.3), max_iter=12, tol=None, random_state=0)
    expected = clone(estimator).fit(Xd, yd)
    victim = sorted(on_cluster.nthreads())[0]
    pid = on_cluster.run(os.getpid, workers=[victim])[victim]

    def kill():
        # The worker dies while the next steps run; its nanny starts another.
        threading.Timer(0.05, os.kill, (pid, signal.SIGKILL)).start()

    fitted = clone(estimator).set_callbacks(_AtEpoch(3, kill)).fit(Xd, yd)
    assert relative_difference(theta(expected), theta(fitted)) < 1e-10
    on_cluster.wait_for_workers(2, timeout=30)
    assert victim not in on_cluster.nthreads()  # it really died


def test_a_lost_connection_is_a_clear_error_and_leaves_the_estimator(classification):
    X, y, Xd, yd = classification
    model = LinearClassifier(SGD(), max_iter=2, tol=None, random_state=0).fit(X, y)
    before = pickle.dumps(model)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address="127.0.0.1:0") as cluster:  # fmt: skip
        with distributed.Client(cluster, set_as_default=False) as lost, lost.as_current():
            model.set_params(warm_start=True, max_iter=6)
            model.set_callbacks(_AtEpoch(1, cluster.close))
            with pytest.raises(ConnectionError, match="lost its connection to the scheduler"):
                model.fit(Xd, yd)
    model.set_params(warm_start=False, max_iter=2)
    del model._skl_callbacks
    assert pickle.dumps(model) == before
