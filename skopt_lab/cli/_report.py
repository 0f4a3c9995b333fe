"""What a command leaves behind: the tables or JSON on stdout, and the
figures and ``report.json`` in ``--out``.

``--out`` is checked before any training, and left as it was: the files of
an earlier run there are replaced only when a run has results to write, so
a command that ends in an error has changed nothing.
"""

import json
import os
import tempfile

import numpy as np

from ..optimizers import display_name
from ._errors import UsageError

# Every figure a command may write (a command writes some of them); the
# stale ones of an earlier run are removed when a run writes its own.
FIGURES = ("loss_curves", "search_progress", "schedule", "importances", "partial_dependence", "pareto_front", "lr_find")
OUTPUTS = tuple(f"{name}.png" for name in FIGURES) + ("report.json",)


def check_out(out):
    """Refuse an ``--out`` the run could not write to, changing nothing there."""
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        if out.is_dir():
            with tempfile.TemporaryFile(dir=out):
                pass
        else:  # created when the results are written: can its nearest existing folder take it?
            nearest = next(folder for folder in out.parents if os.path.lexists(folder))
            os.rmdir(tempfile.mkdtemp(dir=nearest))
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None


def clear_out(out):
    """Create ``out`` if needed and remove what an earlier run wrote there,
    so that no stale figure sits beside a new report."""
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out / name).unlink(missing_ok=True)


class Figures:
    """Draws the figures of a run into ``out`` (cleared first), as PNG files,
    and remembers their paths; without matplotlib it says so once and draws
    nothing."""

    def __init__(self, out, progress):
        from .. import plotting

        clear_out(out)
        self.out, self.progress, self.plotting, self.paths = out, progress, plotting, {}
        self.available = True

    def draw(self, name, plot, *args, **kwargs):
        """Save ``plot(*args, **kwargs)``, a function of skopt_lab.plotting, as ``name``.png."""
        if not self.available:
            return
        try:
            figure = plot(*args, **kwargs)
        except ImportError as exc:  # plotting names the extra that installs matplotlib
            self.progress.line(f"no figures: {exc}")
            self.available = False
            return
        self.paths[name] = str(self.plotting.save_figure(figure, self.out / f"{name}.png"))
        self.progress.line(f"wrote {self.paths[name]}")

    def learning_rates(self, model):
        """The learning rate the tuned ``model`` (our estimator) used per
        epoch; none for L-BFGS, which has no learning rate."""
        if any(rate is not None for rate in getattr(model, "learning_rates_", None) or []):
            title = "Learning rate used by the tuned model"
            self.draw("schedule", self.plotting.plot_learning_rates, model, title=title)
        else:
            self.progress.line(
                f"no schedule figure: the tuned model's optimizer ({display_name(model.optimizer_)}) "
                "has no learning rate"
            )

    def importances(self, search, tuning, prefix, random_state, title):
        """Which of the search's hyperparameters mattered (``importances``)
        and the partial dependence of the score on the two most important
        (``partial_dependence``); none when ``tuning`` (the report's object)
        has no importances, which the report says."""
        if tuning["importances"] is None:
            return
        self.draw("importances", self.plotting.plot_importances, search, random_state=random_state,
                  title=f"Which hyperparameters mattered: {title}")  # fmt: skip
        top = [prefix + name for name, share in tuning["importances"].items() if share > 0][:2]
        if top:
            self.draw("partial_dependence", self.plotting.plot_partial_dependence, search, top,
                      random_state=random_state)  # fmt: skip


_SHORT_HEADERS = {"validation log-loss": "val loss", "validation accuracy": "val acc"}


def format_table(rows, marked=()):
    """The rows as aligned text columns; rows whose optimizer is in
    ``marked`` get a ``*``."""
    columns = list(rows[0])
    cells = [[cell(row[c], c) + ("*" if c == "optimizer" and row[c] in marked else "") for c in columns] for row in rows]
    headers = [_SHORT_HEADERS.get(c, c) for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines += ["  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))) for r in cells]
    return "\n".join(lines)


def cell(value, column=None):
    """A table cell: floats with 3 decimals (learning rates with 3
    significant digits)."""
    if isinstance(value, float) and column == "learning rate":
        return f"{value:.3g}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def _param(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def pareto_table(front, objectives):
    """The Pareto front of a multi-objective search as text: the refitted
    member marked ``*``, the objectives, then the parameters."""
    rows = [
        {"": "*" if row["refitted"] else "",
         **{key: cell(value) if key in objectives else _param(value) for key, value in row.items() if key != "refitted"}}
        for row in front
    ]  # fmt: skip
    return format_table(rows)


def jsonable(value):
    """``value`` with numpy numbers as Python ones, non-finite floats as
    None and other objects (optimizers, schedules) as their repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, bool)) or value is None:
        return value
    return repr(value)


def _print_importances(tuning):
    if tuning.get("importances") is not None:
        shares = ", ".join(f"{name} {share:.2f}" for name, share in tuning["importances"].items())
        print(f"Importances (share of the cross-validated score's variance each explains alone): {shares}")
    elif "importances_skipped" in tuning:
        print(f"No importances: {tuning['importances_skipped']}")


def report(args, data_summary, notes, rows, tuned_summary, figures=None, table_notes=(), tuning_notes=()):
    """Print the results (a table, or JSON with ``--json``) and write
    ``report.json`` to ``--out``, beside the run's ``figures`` (a
    :class:`Figures`, which cleared ``--out``, or None)."""
    out = args.out
    if out is not None and figures is None:
        clear_out(out)
    figures = figures.paths if figures is not None else {}
    result = jsonable({
        "command": args.command,
        "data": data_summary,
        "notes": notes,
        "comparison": rows,
        "tuning": tuned_summary,
        "figures": figures,
    })  # fmt: skip
    if out is not None:
        (out / "report.json").write_text(json.dumps(result, indent=2))
        result["report"] = str(out / "report.json")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Data: {data_summary}")
    for note in notes:
        print(f"  {note}")
    if rows:
        print()
        marked = [tuned_summary["optimizer"]] if tuned_summary and "optimizer" in tuned_summary else ()
        print(format_table(rows, marked=marked))
        for note in table_notes:
            print(note)
    if tuned_summary:
        print()
        picked = f" {tuned_summary['optimizer']}" if "optimizer" in tuned_summary else ""
        print(
            f"Tuned{picked} with {tuned_summary['search']} search ({tuned_summary['candidates']} candidates, "
            f"{tuned_summary['cv']}-fold cross-validated {tuned_summary['scoring']} "
            f"{cell(tuned_summary['best_cv_score'])}):"
        )
        for key, value in tuned_summary["best_params"].items():
            print(f"  {key} = {_param(value)}")
        print("Tuned model on the test split: " + ", ".join(f"{k} {cell(v)}" for k, v in tuned_summary["test"].items()))
        for note in tuning_notes:
            print(f"  {note}")
        _print_importances(tuned_summary)
        if "pareto_front" in tuned_summary:
            print()
            print(f"Pareto front of {', '.join(tuned_summary['objectives'])} (cross-validated; * refitted):")
            print(pareto_table(tuned_summary["pareto_front"], tuned_summary["objectives"]))
    for name, path in figures.items():
        print(f"Figure ({name}): {path}")
    if out is not None:
        print(f"Report: {out / 'report.json'}")
