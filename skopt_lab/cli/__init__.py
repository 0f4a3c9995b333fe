"""The command line: compare optimizers, tune, evaluate and plot.

``python -m skopt_lab`` (or ``skopt-lab``) runs the demo on the digits: a
network pretrained on clean digits is fine-tuned to a tilted, noisier camera
with every optimizer of the package, the one with the lowest validation loss
is tuned by a cross-validated search, and the figures are written (the
scenario and its narrative are in :mod:`skopt_lab._demo`). ``compare`` and
``tune`` run the same steps on a bundled data set or a CSV file. Results go
to stdout (a table, or JSON with ``--json``), progress to stderr, figures
and a JSON report to ``--out``. Mistakes are one line on stderr and exit
code 2.

One concern per module:

- ``_parser``: the commands, their options, and the combinations refused;
- ``_data``: bundled data sets, CSV tables (pandas), splits large enough;
- ``_models``: the models trained, fitted with the warnings that matter, scored;
- ``_search``: the search space, the search's plan of fits, running it;
- ``_jobs``: how many processes a search runs in;
- ``_progress``: progress lines and the callbacks that feed them;
- ``_report``: tables, JSON, figures and ``--out``;
- ``_compare``, ``_tune`` and ``skopt_lab._demo._story``: the commands, each
  a ``run(args, progress)``.
"""

import sys
import warnings

from .._demo import _story
from . import _compare, _tune
from ._errors import DataError, UsageError
from ._parser import parse_args
from ._progress import Progress
from ._report import check_out

__all__ = ["main"]

COMMANDS = {"demo": _story, "compare": _compare, "tune": _tune}


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["demo", *argv]
    try:
        args = parse_args(argv)
        progress = Progress(args.quiet)
        check_out(args.out)
        with warnings.catch_warnings(record=True) as caught:
            # --quiet silences every warning, in worker processes too
            # (scikit-learn hands its warning filters to its joblib workers).
            warnings.simplefilter("ignore" if args.quiet else "default")
            code = COMMANDS[args.command].run(args, progress)
        progress.warnings(caught)
        return code
    except (UsageError, DataError) as exc:
        print(f"skopt-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skopt-lab: interrupted", file=sys.stderr)
        return 130
