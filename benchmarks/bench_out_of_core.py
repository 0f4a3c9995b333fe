"""Out-of-core training: peak memory of chunked partial_fit does not grow with the file.

Writes data files of two sizes (default 0.5 and 2 GB of float32 rows, 100
features; ``--quick``: 0.2 and 0.8 GB) with the generator of
``examples/out_of_core.py`` and trains its LinearClassifier and
MLPClassifier (64,) on each, one ``partial_fit`` per 100,000-row chunk (38
MiB), each run in a fresh subprocess (``examples/out_of_core.py --data DIR
--json``) so that peaks do not mix. The table gives the peak resident set
(the kernel's VmHWM, reset when training starts and again when prediction
starts), its growth over the process's RSS when training starts, that growth
in chunks, and the growth of the anonymous memory (the process's own,
sampled every 2 ms) during training and during prediction (the held-out rows,
chunk by chunk). With one memmap per chunk, the peak stays at about one chunk
whatever the file size: the chunk's mapped file pages, plus, for the MLP's
predictions, its hidden activations (100,000 x 64 float32 = 24 MiB). With the
whole file mapped once (``whole``), VmHWM counts every page of the file read
so far (file-backed, reclaimable page cache) and grows with the file, while
the anonymous memory still does not. Reads come from a warm page cache (the
file was just written), so rows/s is not limited by the disk.

Then two checks against ``fit`` on a small file (20,000 training rows,
20,000 held out): n passes of ``partial_fit`` over the data as one chunk
(``shuffle=False``) give bitwise the weights of ``fit(max_iter=n,
shuffle=False, tol=None)``; and chunked ``partial_fit`` (5 chunks per pass,
shuffled, a different algorithm) reaches ``fit``'s held-out accuracy within
0.01.

Run: python benchmarks/bench_out_of_core.py            (about 3 minutes)
     python benchmarks/bench_out_of_core.py --quick    (about 1 minute)
"""

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).parents[1] / "examples" / "out_of_core.py"
spec = importlib.util.spec_from_file_location("out_of_core", EXAMPLE)
ooc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ooc)

TOLERANCE = 0.01  # accuracy, chunked partial_fit against fit


def run_in_subprocess(directory, chunk, model, whole_file, passes):
    command = [sys.executable, str(EXAMPLE), "--data", str(directory), "--json", "--models", model]
    command += ["--chunk", str(chunk), "--passes", str(passes)] + (["--whole-file"] if whole_file else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def memory_table(sizes_gb, chunk, mappings, passes, directory):
    chunk_mib = chunk * ooc.ROW_BYTES / 2**20
    print(
        f"Chunks of {chunk:,} rows ({chunk_mib:.0f} MiB), {passes} pass(es); memory in MiB; growth over the RSS "
        "of the process when training starts; anonymous growth during training / during prediction.\n\n"
        "| file | rows | mapping | model | baseline RSS | peak RSS (VmHWM) | RSS growth | in chunks "
        "| anonymous growth | seconds | rows/s | accuracy |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    sampling_error = 0.0
    for gb in sizes_gb:
        with tempfile.TemporaryDirectory(dir=directory, prefix="skopt_lab_bench_ooc_") as data:
            ooc.write_data(data, int(gb * 1e9 / ooc.ROW_BYTES), chunk)
            for mapping in mappings:
                for model in ooc.MODELS:
                    r = run_in_subprocess(data, chunk, model, mapping == "whole", passes)
                    base, phases = r["baseline"], (r["training"], r["prediction"])
                    peak = max(phase["VmHWM"] for phase in phases)
                    anon = [phase["RssAnon"] - base["RssAnon"] for phase in phases]
                    sampling_error = max(sampling_error, *(p["VmHWM"] - p["sampled VmRSS"] for p in phases))
                    print(
                        f"| {gb:g} GB | {r['rows']:,} | {mapping} | {model} | {base['VmRSS']:.0f} | {peak:.0f} "
                        f"| +{peak - base['VmRSS']:.0f} | {(peak - base['VmRSS']) / chunk_mib:.2f} "
                        f"| +{anon[0]:.0f} / +{anon[1]:.0f} | {r['seconds']:.1f} | {r['rows/s']:,.0f} "
                        f"| {r['accuracy']:.3f} |",
                        flush=True,
                    )
    print(f"\n(The sampled peaks of RSS were at most {sampling_error:.1f} MiB below VmHWM.)")


def weights(model):
    if hasattr(model, "coefs_"):
        return [*model.coefs_, *model.intercepts_]
    return [model.coef_, model.intercept_]


def check_against_fit(n_passes, directory, n_train=20_000, n_chunks=5):
    ok = True
    with tempfile.TemporaryDirectory(dir=directory, prefix="skopt_lab_bench_ooc_") as data:
        ooc.write_data(data, 2 * n_train, n_train)
        file = ooc.DataFile(data)
        (X, y), (X_test, y_test) = file.chunks(0, 2 * n_train, n_train)
        X_in_memory, y_in_memory = np.array(X), np.array(y)
        for name, make in ooc.MODELS.items():
            fitted = make(shuffle=False, max_iter=n_passes, tol=None).fit(X_in_memory, y_in_memory)
            one_chunk = make(shuffle=False)
            for _ in range(n_passes):
                one_chunk.partial_fit(X, y, classes=ooc.CLASSES)
            same = all(a.tobytes() == b.tobytes() for a, b in zip(weights(one_chunk), weights(fitted)))
            print(
                f"{name}: {n_passes} x partial_fit(memmap, one chunk, shuffle=False) vs "
                f"fit(max_iter={n_passes}, shuffle=False, tol=None): weights "
                f"{'bitwise equal' if same else 'DIFFER'}"
            )
            fitted = make(max_iter=n_passes, tol=None).fit(X_in_memory, y_in_memory)
            chunked = make()
            for _ in range(n_passes):
                for X_chunk, y_chunk in file.chunks(0, n_train, n_train // n_chunks):
                    chunked.partial_fit(X_chunk, y_chunk, classes=ooc.CLASSES)
            a, b = chunked.score(X_test, y_test), fitted.score(X_test, y_test)
            close = abs(a - b) <= TOLERANCE
            print(
                f"{name}: {n_passes} passes of partial_fit over {n_chunks} chunks, shuffled: held-out accuracy "
                f"{a:.4f} vs fit's {b:.4f}, difference {a - b:+.4f} "
                f"({'within' if close else 'OUTSIDE'} {TOLERANCE})"
            )
            ok &= same and close
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,2", help="file sizes in GB, comma-separated")
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per partial_fit")
    parser.add_argument("--mappings", default="chunk,whole", help="'chunk' (a memmap per chunk), 'whole' or both")
    parser.add_argument("--passes", type=int, default=1, help="passes over each file")
    parser.add_argument("--fit-passes", type=int, default=10, help="passes of the checks against fit")
    parser.add_argument("--dir", help="where to write the data (default: the system's temporary directory)")
    parser.add_argument("--quick", action="store_true", help="0.2 and 0.8 GB files")
    args = parser.parse_args()
    sizes = [0.2, 0.8] if args.quick else [float(s) for s in args.sizes.split(",")]

    print(f"$ python {' '.join(sys.argv)}\n")
    memory_table(sizes, args.chunk, args.mappings.split(","), args.passes, args.dir)
    print()
    if not check_against_fit(args.fit_passes, args.dir):
        sys.exit("a check against fit failed")


if __name__ == "__main__":
    main()
