"""Data-parallel training on Dask: speed with 1 and 2 workers, and scale.

Speed. A compute-heavy MLP workload: 200,000 x 200 float32 rows generated
lazily on the workers (``dask.array.random``, blocks of 12,500 rows; 3
classes from a fixed random teacher), ``MLPClassifier((512, 256))`` with
Adam and batches of 20,000 rows (10 steps per epoch). Side by side in one
run: the epoch time on a ``LocalCluster`` of 1 single-threaded worker and on
one of 2, interleaved, medians over the repeats; the same data through
dask-ml's ``Incremental`` (``partial_fit`` on each block in turn, which is
how dask-ml trains an estimator on Dask data) on the 2-worker cluster; and,
for reference, our fit on the same rows as a NumPy array in this process
(one BLAS thread). Also the per-step overhead: the time of a step of a
model with next to nothing to compute (21 parameters); and a control
without Dask: the same matrix products in 2 processes at once against 1,
which says whether the machine can show a parallel speed-up at all now (on
a shared machine it often cannot: read the ratio with it).

Scale. A ``LinearClassifier`` (SGD, batches of 50,000 rows, 1 epoch) fits a
Dask array of --gb GB (float64, 100 columns) generated lazily on the 2
workers; the client process's memory (VmHWM, reset before the fit, and
RssAnon sampled every 2 ms; Linux) must grow by less than 10% of the data's
size. The scheduler of a ``LocalCluster`` runs in this process and is
counted too.

Run: python benchmarks/bench_distributed.py [--repeats 3] [--epochs 3] [--batch 20000] [--gb 2.0] [--skip-scale] [--skip-speed]
     SKOPT_LAB_FAST=1 python benchmarks/bench_distributed.py   (small, a smoke test)
"""

import argparse
import os
import statistics
import subprocess
import threading
import time
import warnings

import numpy as np

FAST = bool(os.environ.get("SKOPT_LAB_FAST"))


def make_data(n_rows, n_features, block_rows, dtype, seed=0):
    """X and y as Dask arrays computed on the workers, block by block."""
    import dask.array as da

    X = da.random.default_rng(seed).standard_normal((n_rows, n_features), chunks=(block_rows, n_features))
    X = X.astype(dtype)
    teacher = np.random.default_rng(42).standard_normal((n_features, 3)).astype(dtype)
    y = X.map_blocks(lambda block: np.argmax(block @ teacher + 0.5 * np.abs(block[:, :3]), axis=1),
                     drop_axis=1, dtype=np.int64)  # fmt: skip
    return X, y


class EpochClock:
    """A scikit-learn callback that records each epoch's wall time."""

    def __init__(self):
        self.seconds, self._started = [], None

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        if context.task_name == "epoch":
            self._started = time.perf_counter()

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "epoch" and self._started is not None:
            self.seconds.append(time.perf_counter() - self._started)
            self._started = None


def mlp(epochs, batch_size):
    from skopt_lab import MLPClassifier
    from skopt_lab.optimizers import Adam

    return MLPClassifier((512, 256), optimizer=Adam(), batch_size=batch_size, max_iter=epochs, tol=None, random_state=0)


def epoch_times(client, X, y, epochs, batch_size):
    """Epoch times of one fit on ``client``'s cluster (the first epoch,
    which also prepares the blocks, is not counted)."""
    clock = EpochClock()
    with client.as_current():
        model = mlp(epochs + 1, batch_size).set_callbacks(clock).fit(X, y)
    return clock.seconds[1:], model


def incremental_epoch(client, X, y, batch_size):
    """One pass of dask-ml's Incremental over the blocks (its epoch)."""
    from dask_ml.wrappers import Incremental

    with client.as_current():
        started = time.perf_counter()
        Incremental(mlp(1, batch_size), shuffle_blocks=True, random_state=0).fit(X, y, classes=[0, 1, 2])
        return time.perf_counter() - started


def step_overhead(client, X, y, steps=30):
    """Seconds per step of a model with 21 parameters (6 features, 3
    classes): next to nothing to compute, the step is its overhead."""
    from skopt_lab import LinearClassifier
    from skopt_lab.optimizers import SGD

    clock = EpochClock()
    model = LinearClassifier(SGD(), batch_size=X.shape[0] // steps, max_iter=3, tol=None, random_state=0)
    with client.as_current():
        model.set_callbacks(clock).fit(X[:, :6], y)
    return statistics.median(clock.seconds[1:]) / steps


def _products(_):
    """Seconds of 20 float32 1500 x 1500 matrix products on one BLAS thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        a = np.random.default_rng(0).random((1500, 1500), dtype=np.float32)
        started = time.perf_counter()
        for _ in range(20):
            a @ a
        return time.perf_counter() - started


def parallel_capacity():
    """How much longer the same products take in each of 2 processes at
    once than in 1 alone: 1.0 on 2 free cores, 2.0 when 2 processes get no
    more done than 1 (a machine too busy to show any parallel speed-up)."""
    import multiprocessing

    alone = _products(0)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        together = max(pool.map(_products, [0, 1]))
    return together / alone


def speed(args):
    from distributed import Client, LocalCluster
    from threadpoolctl import threadpool_limits

    n_rows, n_features, block_rows, batch = (20_000, 50, 2_500, 5_000) if FAST else (200_000, 200, 12_500, args.batch)
    X, y = make_data(n_rows, n_features, block_rows, np.float32)
    clusters = {}
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address="127.0.0.1:0")
        clusters[workers] = (cluster, Client(cluster, set_as_default=False))
    times = {1: [], 2: []}
    results = {}
    try:
        for _ in range(args.repeats):  # interleaved: the machine's load falls on both alike
            for workers, (_, client) in clusters.items():
                seconds, model = epoch_times(client, X, y, args.epochs, batch)
                times[workers] += seconds
                results[workers] = model
        incremental = [incremental_epoch(clusters[2][1], X, y, batch) for _ in range(max(1, args.repeats - 1))]
        overhead = step_overhead(clusters[2][1], X, y)
        with clusters[2][1].as_current():
            X_np, y_np = X.compute(), y.compute()
        with threadpool_limits(limits=1):
            clock = EpochClock()
            mlp(args.epochs + 1, batch).set_callbacks(clock).fit(X_np, y_np)
            in_memory = clock.seconds[1:]
    finally:
        for cluster, client in clusters.values():
            client.close()
            cluster.close()
    one, two = statistics.median(times[1]), statistics.median(times[2])
    rows = [
        ("skopt_lab, LocalCluster 1 worker x 1 thread", one, len(times[1])),
        ("skopt_lab, LocalCluster 2 workers x 1 thread", two, len(times[2])),
        ("dask-ml Incremental, 2 workers x 1 thread", statistics.median(incremental), len(incremental)),
        ("skopt_lab, NumPy array in this process, 1 thread", statistics.median(in_memory), len(in_memory)),
    ]
    print(f"\nSpeed: {n_rows:,} x {n_features} float32 in blocks of {block_rows:,} rows, MLP (512, 256), Adam, "
          f"batches of {batch:,} ({-(-n_rows // batch)} steps per epoch)")  # fmt: skip
    print("| how | s/epoch (median) | epochs timed | vs 1 worker |")
    print("|---|---|---|---|")
    for name, seconds, count in rows:
        print(f"| {name} | {seconds:.2f} | {count} | {seconds / one:.2f}x |")
    print(f"2 workers / 1 worker: {two / one:.2f} (target at most 0.65)")
    print(f"Control without Dask: matrix products in each of 2 processes at once took {parallel_capacity():.2f}x "
          "their time in 1 alone (1.0 on 2 free cores; 2.0: no parallel speed-up is possible now)")  # fmt: skip
    print(f"Per-step overhead (a 21-parameter model, 2 workers): {overhead * 1000:.1f} ms")
    a, b = results[1]._train_state.theta, results[2]._train_state.theta
    print(f"1 and 2 workers train the same steps on the same rows: their weights differ by {np.abs(a - b).max() / np.abs(a).max():.1e} "
          "(relative, float32: only the grouping of the partial sums differs)")  # fmt: skip


# ------------------------------------------------------------------ scale
def _status():
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon"):
                values[name] = int(rest.split()[0]) / 1024
    return values


def scale(args):
    from distributed import Client, LocalCluster

    from skopt_lab import LinearClassifier
    from skopt_lab.optimizers import SGD

    gb = 0.05 if FAST else args.gb
    n_features = 100
    n_rows = int(gb * 1e9 / (8 * n_features))
    X, y = make_data(n_rows, n_features, 50_000, np.float64, seed=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, Client(
        cluster
    ) as client:
        model = LinearClassifier(SGD(learning_rate=0.01), batch_size=50_000, max_iter=1, tol=None, random_state=0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # VmHWM := VmRSS
        before = _status()
        peak_anon, stop = [before["RssAnon"]], threading.Event()

        def sample():
            while not stop.wait(0.002):
                peak_anon[0] = max(peak_anon[0], _status()["RssAnon"])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        after = _status()
        workers = client.run(lambda: __import__("psutil").Process().memory_info().rss / 2**20)
        held = sum(workers.values())
        tail = min(200_000, n_rows // 10)
        score = model.score(X[-tail:], y[-tail:])
    data_mib = n_rows * n_features * 8 / 2**20
    growth = after["VmHWM"] - before["VmRSS"]
    anon = peak_anon[0] - before["RssAnon"]
    print(f"\nScale: {n_rows:,} x {n_features} float64 = {data_mib * 2**20 / 1e9:.2f} GB generated on 2 workers; "
          f"LinearClassifier(SGD), batches of 50,000, 1 epoch in {seconds:.1f} s (data generation included); "
          f"accuracy on its last {tail:,} rows {score:.3f}")  # fmt: skip
    print("| client process (MiB) | before fit | peak during fit | growth | growth / data size |")
    print("|---|---|---|---|---|")
    print(f"| RSS (VmHWM) | {before['VmRSS']:.0f} | {after['VmHWM']:.0f} | {growth:+.0f} | {growth / data_mib:.1%} |")
    print(f"| anonymous (sampled) | {before['RssAnon']:.0f} | {peak_anon[0]:.0f} | {anon:+.0f} | {anon / data_mib:.1%} |")
    print(f"Workers' resident memory after the fit: {held:.0f} MiB (the data lives there). "
          f"Target: growth < 10% of the data: {'met' if growth < 0.1 * data_mib else 'NOT met'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2 if FAST else 3)
    parser.add_argument("--epochs", type=int, default=1 if FAST else 3)
    parser.add_argument("--gb", type=float, default=2.2)
    parser.add_argument("--batch", type=int, default=20_000, help="rows per step of the speed part")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)  # dask's notes on ports and large graphs
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")  # fmt: skip
    if not args.skip_speed:
        speed(args)
    if not args.skip_scale:
        scale(args)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
