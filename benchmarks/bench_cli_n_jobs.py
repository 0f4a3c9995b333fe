"""Does running a search's fits in worker processes pay, from the command line?

    python benchmarks/bench_cli_n_jobs.py [--repeats 3] [--search bayes]

Times ``python -m skopt_lab tune --dataset D --search S --no-figures
--quiet`` (and the demo, and a larger search) as a user runs it, a fresh
process each time, with ``--n-jobs 1``, ``--n-jobs 2`` and without
``--n-jobs``, interleaving the settings so that a busy moment of the shared
machine hurts them alike, and prints the median wall time of each and the
ratios to ``--n-jobs 1``. ``--n-jobs 2`` always starts two workers, as asked;
without ``--n-jobs`` the command line starts them only when the search is
large enough for them to pay and the machine's load leaves the cores free
(see ``search_jobs`` in skopt_lab/cli/_jobs.py). Every setting gives the same
tuned model (the same best parameters), which the script checks. Run it on a
quiet machine.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

DATASETS = ["iris", "wine", "breast_cancer", "digits", "diabetes"]
SETTINGS = {"--n-jobs 1": ["--n-jobs", "1"], "--n-jobs 2": ["--n-jobs", "2"], "not given": []}


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
    print("| command | --n-jobs 1 | --n-jobs 2 | not given | ratio 2/1 | ratio not given/1 | same best parameters |")
    print("|---|---|---|---|---|---|---|")
    for name, argv in cases:
        times = {setting: [] for setting in SETTINGS}
        params = {}
        for _ in range(args.repeats):
            for setting, n_jobs in SETTINGS.items():
                seconds, params[setting] = run([*argv, *n_jobs])
                times[setting].append(seconds)
        medians = {setting: statistics.median(values) for setting, values in times.items()}
        one, two, auto = medians.values()
        same = len({json.dumps(p, sort_keys=True) for p in params.values()}) == 1
        print(f"| {' '.join(argv)} | {one:.2f} | {two:.2f} | {auto:.2f} | {two / one:.2f} | {auto / one:.2f} "
              f"| {'yes' if same else 'NO'} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
