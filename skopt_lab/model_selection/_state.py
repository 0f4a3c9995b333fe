"""The state of a search, as data that can be saved, loaded and resumed.

A search that runs in rounds (:class:`BayesSearchCV`,
:class:`HyperbandSearchCV`) keeps everything it needs to continue in one
:class:`SearchState`: the candidates proposed so far, the history (one
:class:`Row` per evaluation), the proposer's random generator and model
hyperparameters, its own progress (Hyperband's brackets), and the fold
models it is still training. All but the fold models are plain values
(numbers, strings, lists and dicts of them): ``cv_results_``, the proposer,
Hyperband's promotions and any later analysis read the rows, and nothing
else. After every round the state is consistent, so it can be written to a
checkpoint file and resumed from there, or kept by the estimator and
extended by a later ``fit`` with ``warm_start=True``.

A checkpoint is a zip archive holding ``state.json`` (the plain part) and,
when there are fold models being trained, ``models.joblib``. The CV splits
are not saved: a resumed search splits again, and the data fingerprint
guarantees the splits are the same.

Fingerprints guard against resuming the wrong search: one of the data (X, y,
fit parameters and the CV splits), one of ``param_distributions`` and a few
settings that give stored results their meaning.
"""

import dataclasses
import io
import json
import os
import pickle
import tempfile
import zipfile
from dataclasses import dataclass, field

import joblib
import numpy as np

# The format of state.json. Bump it whenever a field of SearchState, Row or
# Candidate (or of what a search keeps in them) changes:
# tests/model_selection/test_search_state.py ties each version to the fields it writes, and
# an older checkpoint is refused with a clear error instead of failing
# somewhere in the search. Version 1 was a pickle of the whole state.
STATE_VERSION = 2


@dataclass
class Candidate:
    """A point of the search space, as plain values.

    Attributes
    ----------
    subspace : int
        Which dict of ``param_distributions`` it comes from.
    unit : list of float
        Its unit coordinates, what the proposer's model sees.
    values : dict
        Parameter name -> the number drawn from its distribution (an int
        for a discrete one), or the index of the value in its list.
    """

    subspace: int
    unit: list
    values: dict


@dataclass
class Row:
    """One evaluation of a candidate, as plain values: a row of ``cv_results_``.

    Attributes
    ----------
    candidate : int
        Index of the candidate in ``SearchState.candidates``; the same in
        every row of a candidate (Hyperband evaluates it at several budgets).
    subspace, unit, values
        The candidate's point, as in :class:`Candidate`, repeated so that a
        row is read without anything else.
    resource : int or None
        The budget it was trained with (Hyperband's ``n_resources``), None
        when the estimator trains as it is set (BayesSearchCV).
    status : {"ok", "failed"}
        "failed" when training raised on some fold; that fold's scores are
        the search's ``error_score`` and ``fit_errors`` says why.
    test_scores : dict
        Metric name (``"score"`` for a single scorer) -> the score of each
        fold, in fold order.
    train_scores : dict or None
        The same on the training rows, if ``return_train_score``.
    fit_time, score_time : list of float
        Seconds per fold (for Hyperband, of this budget's training only).
    n_test_samples : list of int
        Validation rows per fold.
    fit_errors : list of (str or None)
        The traceback of each fold whose training raised, else None.
    info : dict
        More columns of the row in ``cv_results_`` (Hyperband: ``iter``,
        the rung, and ``bracket``).
    """

    candidate: int
    subspace: int
    unit: list
    values: dict
    resource: object
    status: str
    test_scores: dict
    train_scores: object
    fit_time: list
    score_time: list
    n_test_samples: list
    fit_errors: list
    info: dict = field(default_factory=dict)

    def mean_test_score(self, metric="score"):
        """The mean over folds of ``test_scores[metric]`` (NaN if a fold failed)."""
        return float(np.mean(self.test_scores[metric]))


@dataclass
class SearchState:
    """Everything a search needs to continue where it stopped.

    Attributes
    ----------
    settings : dict
        Settings a resumed search must share, name -> value.
    space : str
        Fingerprint of ``param_distributions``.
    data : str
        Fingerprint of X, y, the fit parameters and the CV splits.
    proposer : dict
        The proposer's state: its random generator (the search's) and the
        Gaussian-process hyperparameters it warm-starts from.
    candidates : list of Candidate
        Every candidate proposed, in order; none is proposed twice.
    rows : list of Row
        One per evaluation, in order: the rows of ``cv_results_``.
    progress : dict
        The search's own position (Hyperband: brackets run, the current one).
    models : dict
        Fold models still being trained, by candidate index:
        ``(epochs trained, [one model per fold])``. Not plain data: a
        checkpoint stores them apart, with joblib.
    version : int
        The format of the plain part (``STATE_VERSION``).
    """

    settings: dict
    space: str
    data: str
    proposer: dict
    candidates: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    progress: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    version: int = STATE_VERSION

    def add_candidates(self, points, space):
        """Append the ``(s, u, v)`` points of a proposal; return their indices."""
        start = len(self.candidates)
        self.candidates.extend(
            Candidate(subspace=int(s), unit=u.tolist(), values=space.plain_values(s, v)) for s, u, v in points
        )
        return list(range(start, start + len(points)))

    def seen(self, space):
        """The keys of every candidate proposed, for the proposer to avoid."""
        return {space.key(c.subspace, space.values_row(c.subspace, c.values)) for c in self.candidates}

    def check_resumes(self, other, source):
        """Raise a ValueError unless ``other`` (this fit's) may continue this state."""
        changed = [k for k in sorted(self.settings.keys() | other.settings.keys()) if self.settings.get(k) != other.settings.get(k)]
        if changed:
            described = ", ".join(
                f"{k}={self.settings.get(k)!r} there but {other.settings.get(k)!r} here" for k in changed
            )
            raise ValueError(f"{source} was written by a different search ({described}); {_START_AFRESH}")
        if self.space != other.space:
            raise ValueError(f"{source} was written for a different param_distributions; {_START_AFRESH}")
        if self.data != other.data:
            raise ValueError(
                f"{source} was written for different data: X, y, the fit parameters or "
                "the cross-validation splits differ (a shuffling splitter needs an int "
                f"random_state to split the same way twice); {_START_AFRESH}"
            )

    def to_data(self):
        """The plain part of the state: what ``state.json`` holds."""
        return {f.name: _as_data(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "models"}

    @classmethod
    def from_data(cls, data, models=None):
        """The state whose plain part is ``data`` (from :meth:`to_data`)."""
        data = dict(data)
        data["candidates"] = [Candidate(**c) for c in data["candidates"]]
        data["rows"] = [Row(**r) for r in data["rows"]]
        return cls(**data, models=models or {})


_START_AFRESH = "to start a new search, delete the checkpoint or set warm_start=False."


def plain(value):
    """``value`` with numpy scalars and arrays turned into Python numbers and
    lists, and tuples into lists: what it reads as after a JSON round trip."""
    return json.loads(json.dumps(value, default=_json_default))


def _as_data(value):
    if isinstance(value, list):
        return [_as_data(v) for v in value]
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value


def _json_default(value):
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not plain data: {value!r}")


def fingerprint(value):
    """A hash of ``value``: equal for equal data, stable across processes."""
    return joblib.hash(value)


def space_fingerprint(space):
    """A hash of a Space's dimensions: names, value lists and distributions.

    Frozen scipy.stats distributions are described by their family and
    arguments (their pickle would include a random generator); list values by
    their own hash, or by ``repr`` if they cannot be pickled.
    """
    return fingerprint([[_describe(dim) for dim in dims] for dims in space.subspaces])


def _describe(dim):
    if hasattr(dim, "dist"):
        dist = dim.dist
        family = getattr(getattr(dist, "dist", None), "name", None)
        if family is not None:
            return (dim.name, family, dist.args, sorted(dist.kwds.items()))
        return (dim.name, _hash_or_repr(dist))
    return (dim.name, [_hash_or_repr(v) for v in dim.values])


def _hash_or_repr(value):
    try:
        return fingerprint(value)
    except (pickle.PicklingError, TypeError, AttributeError):
        return repr(value)


STATE_FILE = "state.json"
MODELS_FILE = "models.joblib"


def check_checkpoint_path(path):
    """Raise a ValueError, before any training, if ``path`` cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(
            f"checkpoint={os.fspath(path)!r} is in a directory that does not exist, "
            f"{directory!r}: create it first, or choose another path."
        )
    if os.path.isdir(path):
        raise ValueError(f"checkpoint={os.fspath(path)!r} is a directory; give the path of a file.")


def save_checkpoint(state, path):
    """Write ``state`` to ``path`` atomically: a crash never leaves half a file.

    The zip archive is written to a temporary file in the same directory,
    flushed to disk, and moved over ``path`` in one ``os.replace``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w") as archive:
                text = json.dumps(state.to_data(), default=_json_default)
                archive.writestr(STATE_FILE, text, compress_type=zipfile.ZIP_DEFLATED)
                if state.models:
                    with archive.open(MODELS_FILE, "w") as models:
                        joblib.dump(state.models, models)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_checkpoint(path):
    """The SearchState saved at ``path``; a clear error if it is not one.

    ``state.json`` is read as JSON; the fold models, if any, are unpickled
    by joblib: load only checkpoints you wrote yourself.
    """
    old = (
        f"checkpoint {os.fspath(path)!r} was not written by this version of "
        f"skopt_lab's searches; {_START_AFRESH}"
    )
    if not zipfile.is_zipfile(path):
        raise ValueError(old)
    with zipfile.ZipFile(path) as archive:
        try:
            data = json.loads(archive.read(STATE_FILE))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"checkpoint {os.fspath(path)!r} is not a search checkpoint: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(old)
        models = None
        if MODELS_FILE in archive.namelist():
            models = joblib.load(io.BytesIO(archive.read(MODELS_FILE)))
    return SearchState.from_data(data, models)
