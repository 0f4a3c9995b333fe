"""The command line's arguments: the commands, the groups of options each
takes, and the mistakes refused in one line before any work (an option of
another command, options that contradict or would be ignored)."""

import argparse
from pathlib import Path

from .. import __version__
from .. import _demo
from ..optimizers import OPTIMIZERS, Muon
from ._compare import EPOCHS
from ._data import BUNDLED
from ._errors import UsageError
from ._search import N_ITER, SEARCHES
from ._tune import OBJECTIVES, OPTIMIZERS_TUNED

PROG = "skopt-lab"
# The optimizers of issue 23, which compare runs beside the others; the demo's
# fine-tuning rates are set per family of the older ones (skopt_lab/_demo).
RECENT = ("lion", "schedulefree_adamw", "schedulefree_sgd", "muon")
DEFAULT_OUT = Path("skopt_lab_output")


class _Parser(argparse.ArgumentParser):
    """Errors in one line, exit code 2, no usage dump."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


class OptionGroup:
    """Options that several commands take: a parent parser with one
    argument group, and the options it holds."""

    def __init__(self, title):
        self.title = title
        self.parser = _Parser(add_help=False)
        self._group = self.parser.add_argument_group(title)
        self.actions = []

    def add(self, *flags, **kwargs):
        self.actions.append(self._group.add_argument(*flags, **kwargs))

    @property
    def options(self):
        return {flag for action in self.actions for flag in action.option_strings}

    def help(self):
        """The group's section of the help, without the usage lines."""
        text = self.parser.format_help()
        return text[text.index(f"{self.title}:") :]


# ------------------------------------------------------------------ types
def _optimizer_list(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if text.strip().lower() == "all":
        return list(OPTIMIZERS)
    unknown = [name for name in names if name not in OPTIMIZERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown optimizer {', '.join(map(repr, unknown)) or repr(text)}; "
            f"choose from {', '.join(OPTIMIZERS)} or 'all'"
        )
    return list(dict.fromkeys(names))


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _positive_int(text):
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def _seed(text):
    value = _integer(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is not a seed: give an integer from 0 to {2**32 - 1}")
    return value


def _cv_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("--cv needs at least 2 folds")
    return value


def _objective_list(text):
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name not in OBJECTIVES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown objective {', '.join(map(repr, unknown))}; choose at least two of {', '.join(OBJECTIVES)}"
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise argparse.ArgumentTypeError(f"{', '.join(twice)} named twice: name each objective once")
    if len(names) < 2:
        raise argparse.ArgumentTypeError(f"one objective ({names[0]}): give at least two, comma-separated")
    if all(OBJECTIVES[name] is None for name in names):
        raise argparse.ArgumentTypeError("only times: give at least one metric of the model, e.g. accuracy")
    return names


def _n_jobs(text):
    value = _integer(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: give a positive number, or -1 for every core")
    return value


# ------------------------------------------------------------------ options
def option_groups():
    """The options, in groups; each command takes some of the groups."""
    data = OptionGroup("data (compare, tune)")
    data.add("--dataset", choices=sorted(BUNDLED),
             help="a data set bundled with scikit-learn (diabetes is regression; default: digits)")
    data.add("--csv", metavar="PATH", help="your own table: a CSV file with a header row (needs pandas: the cli extra)")
    data.add("--target", metavar="COLUMN", help="the column of --csv to predict")
    data.add("--task", choices=["auto", "classification", "regression"], default="auto",
             help="what --target is (auto: a text target is a class, and so is an integer one with at most 20 "
             "values, each on 2 rows on average; a bundled data set's task cannot be changed)")
    data.add("--estimator", choices=["linear", "mlp"], default="mlp",
             help="LinearClassifier/LinearRegressor or MLPClassifier/MLPRegressor (default: mlp)")

    training = OptionGroup("training (every command)")
    training.add("--optimizers", type=_optimizer_list, metavar="LIST",
                 help=f"comma-separated optimizers, or 'all' (default: all; {','.join(OPTIMIZERS_TUNED)} for "
                 f"tune): {', '.join(OPTIMIZERS)}")
    training.add("--max-iter", type=_positive_int, metavar="N",
                 help=f"epochs per fit, iterations for L-BFGS (default: {_demo.EPOCHS} of fine-tuning in the "
                 f"demo, {EPOCHS} for compare and tune)")
    training.add("--random-state", type=_seed, default=0, metavar="SEED",
                 help="seed of data splits, initial weights and searches (default: 0)")

    finder = OptionGroup("learning rate (compare)")
    finder.add("--lr-find", action="store_true",
               help="run each optimizer at the learning rate of a range test (skopt_lab.lr_find) on the training "
               "split instead of its default, and draw lr_find.png")

    tuning = OptionGroup("tuning (demo, tune)")
    tuning.add("--search", choices=SEARCHES, default="bayes",
               help="BayesSearchCV, RandomizedSearchCV or GridSearchCV (default: bayes)")
    tuning.add("--n-iter", type=_positive_int, metavar="N",
               help=f"candidates evaluated by a bayes or random search (default: {N_ITER}); a grid search "
               "evaluates its whole grid")
    tuning.add("--cv", type=_cv_folds, default=3, metavar="K", help="cross-validation folds of the search (default: 3)")
    tuning.add("--n-jobs", type=_n_jobs, metavar="N",
               help="worker processes running the search's fits, -1 for one per core (default: one per core when "
               "the search is large enough for them to pay for their start and the cores are free, else none)")

    objectives = OptionGroup("several objectives (tune)")
    objectives.add("--objectives", type=_objective_list, metavar="LIST",
                   help="comma-separated objectives of a multi-objective Bayesian search, e.g. accuracy,n_parameters "
                   f"(of {', '.join(OBJECTIVES)}; metrics are maximised, n_parameters and times minimised): "
                   "the MLP's hidden layer sizes join the search, the Pareto front is printed and drawn "
                   "(pareto_front.png), and the tuned model is the front's best on the first metric")

    output = OptionGroup("output (every command)")
    output.add("--out", type=Path, metavar="DIR",
               help=f"folder for the PNG figures and report.json, created if needed; the files of an earlier run "
               f"there are replaced when this run has its results (default: ./{DEFAULT_OUT})")
    output.add("--no-figures", action="store_true", help="write no figures and no report file")
    output.add("--json", action="store_true", help="print the report as JSON on stdout instead of tables")
    output.add("--quiet", action="store_true", help="no progress lines and no warnings on stderr")
    return {"data": data, "training": training, "finder": finder, "tuning": tuning, "objectives": objectives, "output": output}


COMMANDS = {  # command: (its option groups, summary, description)
    "demo": (
        ("training", "tuning", "output"),
        "the whole story on the digits: pretrain, fine-tune, compare, tune, evaluate, plot",
        "Pretrain a network on clean digits, fine-tune it to a tilted, noisier camera with every optimizer, "
        "choose the lowest validation loss, tune it by cross-validation and evaluate on test digits.",
    ),
    "compare": (
        ("data", "training", "finder", "output"),
        "compare optimizers on a data set",
        "Train one model per optimizer and compare their test metrics.",
    ),
    "tune": (
        ("data", "training", "tuning", "objectives", "output"),
        "tune hyperparameters on a data set",
        f"Search over the optimizers (default: {', '.join(OPTIMIZERS_TUNED)}), each with its learning rate "
        "around its default, a schedule, and the penalty alpha, by cross-validation on the training split.",
    ),
}


def build_parser(groups=None):
    groups = groups or option_groups()
    parser = _Parser(
        prog=PROG,
        description="Compare, tune and evaluate optimizers of scikit-learn models.",
        epilog="Without a command, runs the demo. The options, and the commands that take them:\n\n"
        + "\n".join(group.help() for group in groups.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skopt_lab {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    for command, (names, summary, description) in COMMANDS.items():
        commands.add_parser(command, parents=[groups[name].parser for name in names], help=summary,
                            description=description)  # fmt: skip
    return parser


def options_of(command, groups):
    return {option for name in COMMANDS[command][0] for option in groups[name].options}


def _refuse_foreign_options(argv, groups):
    """An option of another command is refused by name, not ignored."""
    command = argv[0]
    if command not in COMMANDS:
        return
    own = options_of(command, groups)
    for arg in argv[1:]:
        option = arg.split("=", 1)[0]
        if option.startswith("--") and option not in own:
            takers = [name for name in COMMANDS if option in options_of(name, groups)]
            if takers:
                raise UsageError(
                    f"{command} does not take {option} (an option of {' and '.join(takers)}; "
                    f"see {PROG} {command} --help)"
                )


def _refuse_ignored_combinations(args):
    """Options that contradict each other, or that the command would
    ignore, are refused rather than ignored."""
    if args.out is not None and args.no_figures:
        raise UsageError("--out and --no-figures contradict each other: --no-figures writes no files")
    if hasattr(args, "csv"):
        if args.target and not args.csv:
            raise UsageError("--target is for --csv files")
        if args.csv and not args.target:
            raise UsageError("--csv needs --target COLUMN")
        if args.csv and args.dataset:
            raise UsageError(f"--dataset {args.dataset} and --csv {args.csv}: give one data set")
        own = BUNDLED[args.dataset or "digits"][0]
        if not args.csv and args.task not in ("auto", own):
            raise UsageError(f"--task {args.task}: {args.dataset or 'digits'} is a {own} data set")
    if getattr(args, "objectives", None) and args.search != "bayes":
        raise UsageError(f"--objectives needs --search bayes: a {args.search} search has no multi-objective mode")
    if getattr(args, "search", None) == "grid" and args.n_iter is not None:
        raise UsageError("--n-iter is for bayes and random searches: a grid search evaluates its whole grid")


def _choose_optimizers(args):
    """The default optimizers of each command; the ones it cannot run are
    refused by name."""
    everything = args.optimizers is None or args.optimizers == list(OPTIMIZERS)  # the default, or 'all'
    if args.command == "tune":
        args.optimizers = list(OPTIMIZERS_TUNED) if args.optimizers is None else args.optimizers
    elif args.command in (None, "demo"):
        recent = [name for name in args.optimizers or () if name in RECENT]
        if recent and not everything:
            raise UsageError(
                f"the demo fine-tunes with {', '.join(name for name in OPTIMIZERS if name not in RECENT)}: "
                f"compare runs {', '.join(recent)} (see {PROG} compare --help)"
            )
        args.optimizers = [name for name in OPTIMIZERS if name not in RECENT] if everything else args.optimizers
    else:
        args.optimizers = list(OPTIMIZERS) if args.optimizers is None else args.optimizers
    if getattr(args, "estimator", None) == "linear" and "muon" in args.optimizers:
        if not everything:
            raise UsageError(f"--optimizers muon needs hidden layers: {Muon.__name__} refuses --estimator linear")
        args.optimizers.remove("muon")


def parse_args(argv):
    groups = option_groups()
    parser = build_parser(groups)
    if argv and not argv[0].startswith("-"):
        _refuse_foreign_options(argv, groups)
    args = parser.parse_args(argv)
    _refuse_ignored_combinations(args)
    _choose_optimizers(args)
    if hasattr(args, "dataset"):
        args.dataset = args.dataset or (None if args.csv else "digits")
    if hasattr(args, "n_iter") and args.search != "grid":
        args.n_iter = args.n_iter or N_ITER
    args.out = None if args.no_figures else args.out or DEFAULT_OUT
    return args
