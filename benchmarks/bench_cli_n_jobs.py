"""Is ``--n-jobs 2`` at least as fast as ``--n-jobs 1`` on the bundled data sets?

    python benchmarks/bench_cli_n_jobs.py [--repeats 3] [--search bayes]

Times ``python -m skopt_lab tune --dataset D --search S --n-jobs J
--no-figures --quiet`` (and the demo, and a larger search) as a user runs
it, a fresh process each time, interleaving the two settings so that a busy moment of the shared
machine hurts both alike, and prints the median wall time of each and their
ratio. Both settings give the same tuned model (the same best parameters),
which the script checks. The command line starts worker processes only
when a search is large enough for them to pay and the machine's load leaves
two cores free (see worthwhile_jobs in skopt_lab/cli.py): the small searches
run in one process either way. Run it on a quiet machine.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

DATASETS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]


def run(argv):
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "skopt_lab", *argv, "--json", "--no-figures", "--quiet"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, json.loads(result.stdout)["tuning"]["best_params"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--search", default="bayes", choices=["bayes", "random", "grid"])
    args = parser.parse_args()
    cases = [(name, ["tune", "--dataset", name, "--search", args.search]) for name in DATASETS]
    cases.append(("demo", ["demo", "--search", args.search]))
    # Searches large enough for worker processes to pay for their start: a
    # Bayesian one (rounds of 3 fits keep 2 workers 2 fits deep) and a random one.
    for search in ("bayes", "random"):
        cases.append(("digits, 40 candidates", ["tune", "--dataset", "digits", "--search", search, "--n-iter", "40"]))
    print(f"{args.search} search, median of {args.repeats} runs (seconds, a fresh process each, install excluded)\n")
    print("| command | --n-jobs 1 | --n-jobs 2 | ratio 2/1 | same best parameters |")
    print("|---|---|---|---|---|")
    for name, argv in cases:
        times = {1: [], 2: []}
        params = {}
        for _ in range(args.repeats):
            for n_jobs in (1, 2):
                seconds, params[n_jobs] = run([*argv, "--n-jobs", str(n_jobs)])
                times[n_jobs].append(seconds)
        one, two = statistics.median(times[1]), statistics.median(times[2])
        print(f"| {' '.join(argv)} | {one:.2f} | {two:.2f} | {two / one:.2f} | {'yes' if params[1] == params[2] else 'NO'} |",
              flush=True)


if __name__ == "__main__":
    main()
