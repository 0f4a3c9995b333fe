"""Out-of-core training: partial_fit over the chunks of a file on disk.

Writes a few GB of float32 rows (by default 3 GB: 7.5M rows x 100 features),
chunk by chunk, into an ``np.memmap`` in a temporary directory. The labels (3
classes) come from a fixed random teacher: a linear part plus ``|x . b|``
terms that no linear model can represent, and 5% of them are replaced by
random ones. A ``LinearClassifier`` and an ``MLPClassifier`` (64,) then train
with one ``partial_fit`` call per chunk of the read-only file (``classes=``
on every call, needed on the first); the last rows are held out and predicted
chunk by chunk. The example prints rows/s, held-out accuracy and memory.

What the memory table measures (Linux, /proc/self/status), for the training
phase and then the prediction phase, against the baseline of the process when
training starts. "RSS (VmHWM)" is the kernel's exact high-water mark of the
resident set, reset through /proc/self/clear_refs at the start of each phase.
The resident set also counts the file's pages while they are mapped
(RssFile): page cache, shared and reclaimable, not the process's own memory.
"The data never sits in memory whole" is a claim about the anonymous memory
(RssAnon), the process's own, for which the kernel keeps no high-water mark:
a background thread samples RssAnon and RssFile every 2 ms. Each chunk is
mapped on its own (``np.memmap`` with an offset) and unmapped after use, so
the file's pages, and VmHWM with them, stay at about one chunk too;
``--whole-file`` maps the file once and slices it, the obvious code, to show
VmHWM then growing with every page read while the anonymous memory does not.
"At end" anonymous memory may include memory that the C allocator keeps for
reuse after the arrays were freed.

Run: python examples/out_of_core.py [--gb 3] [--chunk 100000] [--passes 1] [--dir DIR] [--whole-file]
     SKOPT_LAB_FAST=1 python examples/out_of_core.py      (40 MB, a few seconds)
"""

import argparse
import json
import math
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skopt_lab import LinearClassifier, MLPClassifier

FAST = bool(os.environ.get("SKOPT_LAB_FAST"))
N_FEATURES, CLASSES, NOISE = 100, np.arange(3), 0.05
ROW_BYTES = 4 * N_FEATURES
MODELS = {
    "LinearClassifier": lambda **params: LinearClassifier(batch_size=1000, random_state=0, **params),
    "MLPClassifier": lambda **params: MLPClassifier((64,), batch_size=1000, random_state=0, **params),
}


# ------------------------------------------------------------------- data
def teacher(seed=42):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((N_FEATURES, 3)), rng.standard_normal((N_FEATURES, 16))
    A, B = A / np.linalg.norm(A, axis=0), B / np.linalg.norm(B, axis=0)
    return 3 * A.astype(np.float32), B.astype(np.float32), rng.standard_normal((16, 3)).astype(np.float32)


def label(X, rng, weights):
    A, B, C = weights
    logits = X @ A + (np.abs(X @ B) - math.sqrt(2 / math.pi)) @ C  # E|x . b| = sqrt(2/pi)
    y = np.argmax(logits, axis=1).astype(np.int8)
    noisy = rng.random(len(y)) < NOISE
    y[noisy] = rng.integers(0, len(CLASSES), noisy.sum())
    return y


def write_data(directory, n_rows, chunk, seed=0):
    """``X.f32`` (n_rows x N_FEATURES float32) and ``y.i8``, written one chunk
    at a time through a writable memmap: never more than a chunk in memory."""
    directory = Path(directory)
    X = np.memmap(directory / "X.f32", dtype=np.float32, mode="w+", shape=(n_rows, N_FEATURES))
    y = np.memmap(directory / "y.i8", dtype=np.int8, mode="w+", shape=(n_rows,))
    rng, weights = np.random.default_rng(seed), teacher()
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        X[start:stop] = rng.standard_normal((stop - start, N_FEATURES), dtype=np.float32)
        y[start:stop] = label(X[start:stop], rng, weights)
    X.flush(), y.flush()
    del X, y  # unmap


class DataFile:
    """The read-only data, read in chunks of rows: each chunk mapped on its own
    (unmapped when the caller drops it), or, with ``whole_file``, sliced from
    one mapping of the whole file kept for the object's lifetime."""

    def __init__(self, directory, whole_file=False):
        self.directory = Path(directory)
        self.n_rows = os.path.getsize(self.directory / "y.i8")
        self.whole = self._map(0, self.n_rows) if whole_file else None

    def _map(self, start, stop):
        n, path = stop - start, self.directory
        X = np.memmap(path / "X.f32", dtype=np.float32, mode="r", offset=start * ROW_BYTES, shape=(n, N_FEATURES))
        return X, np.memmap(path / "y.i8", dtype=np.int8, mode="r", offset=start, shape=(n,))

    def chunks(self, start, stop, size):
        for lo in range(start, stop, size):
            hi = min(lo + size, stop)
            yield self._map(lo, hi) if self.whole is None else (self.whole[0][lo:hi], self.whole[1][lo:hi])


# ----------------------------------------------------------------- memory
def status_mib():
    """VmRSS, VmHWM, RssAnon and RssFile from /proc/self/status, in MiB
    (None where unavailable)."""
    values = dict.fromkeys(("VmRSS", "VmHWM", "RssAnon", "RssFile"))
    try:
        with open("/proc/self/status") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in values:
                    values[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values


def reset_hwm():
    """Set the kernel's high-water mark VmHWM to the current RSS (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False  # not Linux, or not allowed: VmHWM covers the whole process


class MemoryMonitor:
    """Peak memory of successive phases of this process, in MiB.

    ``phase()`` returns the peaks since the start or the previous phase and
    starts a new one: VmHWM, the kernel's exact high-water mark of the whole
    RSS, reset through clear_refs; and the peaks of RssAnon, RssFile and
    VmRSS, which a background thread samples every 2 ms (the kernel keeps no
    high-water mark for the parts; the sampled VmRSS against VmHWM shows
    whether the sampling catches the peaks).
    """

    def __init__(self):
        self.hwm_reset = reset_hwm()
        self.baseline = status_mib()
        self._peaks, self._lock, self._stop = dict(self.baseline), threading.Lock(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        if self.baseline["VmRSS"] is not None:
            self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.002):
            now = status_mib()
            with self._lock:
                for name in ("VmRSS", "RssAnon", "RssFile"):
                    self._peaks[name] = max(self._peaks[name], now[name])

    def phase(self):
        with self._lock:
            now = status_mib()
            peaks = {name: max(self._peaks[name], now[name]) for name in ("VmRSS", "RssAnon", "RssFile")}
            peaks["sampled VmRSS"], peaks["VmHWM"] = peaks.pop("VmRSS"), now["VmHWM"]
            reset_hwm()
            self._peaks = status_mib()
        return peaks

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return status_mib()


# --------------------------------------------------------------- training
def train_and_evaluate(name, data, n_train, n_test, chunk, passes=1):
    """Train one model on the first ``n_train`` rows of ``data`` (a DataFile),
    chunk by chunk, and predict the next ``n_test``; returns the results."""
    model = MODELS[name]()
    with threadpool_limits(limits=1):  # batches of 1000 x 100 are too small for BLAS threads
        memory = MemoryMonitor()
        started = time.perf_counter()
        for _ in range(passes):
            for X, y in data.chunks(0, n_train, chunk):
                model.partial_fit(X, y, classes=CLASSES)
                del X, y  # unmapped before the next chunk is mapped
        seconds = time.perf_counter() - started
        training = memory.phase()
        correct = 0
        for X, y in data.chunks(n_train, n_train + n_test, chunk):
            correct += int((model.predict(X) == y).sum())
            del X, y
        prediction = memory.phase()
        end = memory.stop()
    return {
        "model": name, "rows": data.n_rows, "train rows": n_train, "chunk": chunk,
        "chunk MiB": chunk * ROW_BYTES / 2**20, "passes": passes, "whole file": data.whole is not None,
        "seconds": seconds, "rows/s": passes * n_train / seconds, "accuracy": correct / n_test,
        "HWM reset": memory.hwm_reset, "baseline": memory.baseline,
        "training": training, "prediction": prediction, "end": end,
    }  # fmt: skip


def report(r):
    """The results of ``train_and_evaluate`` as text."""
    lines = [
        f"{r['model']:<17} {r['seconds']:6.1f} s {r['rows/s']:>11,.0f} rows/s   held-out accuracy {r['accuracy']:.3f}"
    ]
    base, train, pred, end, chunk = r["baseline"], r["training"], r["prediction"], r["end"], r["chunk MiB"]
    if base["VmRSS"] is None:
        return lines[0] + "\n    (no /proc/self/status: memory not measured on this system)"
    lines.append(f"    {'MiB':<24} {'baseline':>8} {'training':>12} {'prediction':>12} {'at end':>7}")
    for what, key, now in (
        ("RSS (VmHWM)", "VmHWM", "VmRSS"),
        ("  anonymous (sampled)", "RssAnon", "RssAnon"),
        ("  file-backed (sampled)", "RssFile", "RssFile"),
    ):
        cells = [f"{phase[key]:6.0f} {phase[key] - base[now]:+5.0f}" for phase in (train, pred)]
        lines.append(f"    {what:<24} {base[now]:8.0f} {cells[0]:>12} {cells[1]:>12} {end[now]:7.0f}")
    peak = max(train["VmHWM"], pred["VmHWM"]) - base["VmRSS"]
    anon = max(train["RssAnon"], pred["RssAnon"]) - base["RssAnon"]
    lines.append(
        f"    peak growth over the baseline: RSS {peak / chunk:.2f} chunks of {chunk:.0f} MiB, anonymous "
        f"{anon / chunk:.2f}{'' if r['HWM reset'] else ' (VmHWM not reset: it covers the whole process)'}"
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=0.04 if FAST else 3.0, help="size of the data file")
    parser.add_argument("--chunk", type=int, default=10_000 if FAST else 100_000, help="rows per partial_fit")
    parser.add_argument("--test-rows", type=int, default=None, help="held-out rows (default: 2 chunks)")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--dir", help="where to write the data (default: a temporary directory)")
    parser.add_argument("--whole-file", action="store_true", help="map the file once and slice it")
    parser.add_argument("--models", default=",".join(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # for the benchmark
    parser.add_argument("--data", help=argparse.SUPPRESS)  # an existing data directory (benchmark)
    args = parser.parse_args()
    n_test = args.test_rows or 2 * args.chunk

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="skopt_lab_ooc_") as tmp:
        directory = args.data or tmp
        if not args.data:
            n_rows, started = int(args.gb * 1e9 / ROW_BYTES), time.perf_counter()
            write_data(directory, n_rows, args.chunk)
            print(
                f"wrote {n_rows:,} rows x {N_FEATURES} float32 ({n_rows * ROW_BYTES / 1e9:.2f} GB) to "
                f"{directory} in {time.perf_counter() - started:.1f} s; chunks of {args.chunk:,} rows "
                f"({args.chunk * ROW_BYTES / 2**20:.0f} MiB); the last {n_test:,} rows held out; "
                f"{'the whole file mapped once' if args.whole_file else 'one memmap per chunk'}"
            )
        for name in args.models.split(","):
            data = DataFile(directory, args.whole_file)  # a fresh mapping per model
            result = train_and_evaluate(name, data, data.n_rows - n_test, n_test, args.chunk, args.passes)
            print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    main()
