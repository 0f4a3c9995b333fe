"""Data-parallel training on a Dask cluster: the same model, wherever the rows live.

Starts a local cluster of 2 worker processes (a real cluster is one line
away: ``Client("tcp://scheduler:8786")``) and generates the data *on the
workers*, block by block (``dask.array.random``), so that it never exists in
this process. Then:

1. a ``LinearClassifier`` trained by full-batch gradient descent on the Dask
   array equals the one trained on the same rows as a NumPy array (a sum
   over blocks is the sum over rows);
2. an ``MLPClassifier`` with Adam and early stopping trains data-parallel:
   every step, each worker computes the gradient of its share of the batch
   next to its blocks, and the optimizer takes one step;
3. predictions on Dask data are lazy Dask arrays, and ``score`` is computed
   block by block.

The held-out rows are a separate Dask array of the same generator: the
model is chosen on nothing, and scored on rows it never saw.

Run: python examples/train_on_dask.py          (1,000,000 rows x 50, 400 MB)
     SKOPT_LAB_FAST=1 python examples/train_on_dask.py   (16,000 rows, seconds)
"""

import os
import time

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

from skopt_lab import LinearClassifier, MLPClassifier
from skopt_lab.optimizers import GD, Adam

FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
N_ROWS, N_FEATURES, BLOCK = (16_000, 20, 4_000) if FAST else (1_000_000, 50, 100_000)


def make_data(n_rows, seed):
    """Rows generated on the workers: 3 classes from a fixed random teacher."""
    X = da.random.default_rng(seed).standard_normal((n_rows, N_FEATURES), chunks=(BLOCK, N_FEATURES))
    teacher = np.random.default_rng(42).standard_normal((N_FEATURES, 3))
    y = X.map_blocks(lambda block: np.argmax(block @ teacher + np.abs(block[:, :3]), axis=1), drop_axis=1, dtype=int)
    return X, y


def main():
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, Client(cluster):
        X, y = make_data(N_ROWS, seed=0)
        X_test, y_test = make_data(N_ROWS // 10, seed=1)
        print(f"{N_ROWS:,} x {N_FEATURES} rows in {len(X.chunks[0])} blocks, on 2 workers")

        # 1. Full-batch GD: the Dask fit is the NumPy fit (a small slice, to compare in memory).
        small_X, small_y = X[: 4 * BLOCK // 10], y[: 4 * BLOCK // 10]
        gd = LinearClassifier(GD(learning_rate=0.5), max_iter=20, tol=None, random_state=0)
        on_dask = gd.fit(small_X, small_y).coef_.copy()
        in_memory = gd.fit(small_X.compute(), small_y.compute()).coef_
        print(f"GD on Dask vs NumPy: largest relative difference of coef_ {np.abs(on_dask - in_memory).max() / np.abs(in_memory).max():.1e}")

        # 2. Data-parallel Adam with early stopping (validation rows set aside in every block).
        started = time.perf_counter()
        mlp = MLPClassifier((64,), optimizer=Adam(learning_rate=1e-2 if FAST else 3e-3), batch_size=5_000,
                            early_stopping=True, max_iter=3 if FAST else 20, random_state=0).fit(X, y)  # fmt: skip
        print(f"MLPClassifier: {mlp.n_iter_} epochs in {time.perf_counter() - started:.1f} s, "
              f"best validation accuracy {mlp.best_validation_score_:.3f}")  # fmt: skip

        # 3. Lazy predictions, block-wise score.
        predictions = mlp.predict(X_test)
        print(f"predict returns {type(predictions).__name__} of {len(predictions.chunks[0])} blocks; "
              f"first labels {predictions[:8].compute().tolist()}")  # fmt: skip
        print(f"held-out accuracy: {mlp.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
