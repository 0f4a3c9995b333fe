"""How long does the command line take to read a wide CSV table?

    python benchmarks/bench_cli_csv.py [--repeats 3] [--rows 50]

Writes tables of 1,000 to 100,000 numeric columns (and a label column) and
times, side by side in one process, ``pandas.read_csv`` alone and the
command line's reader (``skopt_lab.cli._data.load_csv``: pandas plus the
column typing, stray values, notes and the preprocessor), median of
``--repeats`` runs each. Reading is linear in the number of columns when
the seconds per 1,000 columns stay flat as the width grows; the ratio is
what our notes cost on top of pandas. (The reader before pandas, quadratic
in the columns, took 75 s on 100,000.)
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas

from skopt_lab.cli._data import load_csv

WIDTHS = (1_000, 10_000, 100_000)


def write_table(path, n_rows, n_columns, seed=0):
    values = np.random.default_rng(seed).normal(size=(n_rows, n_columns)).round(3)
    lines = [",".join(f"x{j}" for j in range(n_columns)) + ",label"]
    lines += [",".join(map(str, row)) + f",{i % 2}" for i, row in enumerate(values)]
    path.write_text("\n".join(lines) + "\n")


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    print(f"{args.rows} rows, median of {args.repeats} runs (seconds)\n")
    print("| columns | pandas.read_csv | load_csv | ratio | load_csv per 1,000 columns |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for width in WIDTHS:
            path = Path(folder) / f"wide_{width}.csv"
            write_table(path, args.rows, width)
            dataset = load_csv(path, "label")
            assert dataset.X.shape == (args.rows, width), dataset.X.shape
            pandas_seconds = median_seconds(lambda: pandas.read_csv(path), args.repeats)
            ours = median_seconds(lambda: load_csv(path, "label"), args.repeats)
            print(f"| {width:,} | {pandas_seconds:.2f} | {ours:.2f} | {ours / pandas_seconds:.2f} "
                  f"| {1000 * ours / width:.3f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
