"""The state of a search, as a value that can be saved, loaded and resumed.

A search that runs in rounds (:class:`BayesSearchCV`,
:class:`HyperbandSearchCV`) keeps everything it needs to continue in one
:class:`SearchState`: the fixed CV splits, the random generator and Gaussian
process of its proposer, the candidates proposed so far, one row of results
per evaluation, its own progress (Hyperband's brackets) and the fold models
it is still training. After every round the state is consistent, so it can
be written to a checkpoint file and resumed from there, or kept by the
estimator and extended by a later ``fit`` with ``warm_start=True``.

Fingerprints guard against resuming the wrong search: one of the data (X, y,
fit parameters and the CV splits), one of ``param_distributions`` and a few
settings that give stored results their meaning.
"""

import os
import pickle
import tempfile
from dataclasses import dataclass, field

import joblib
import numpy as np

# Bumped whenever SearchState changes shape, so an old checkpoint is refused
# with a clear error instead of failing somewhere in the search.
STATE_VERSION = 1


@dataclass
class Row:
    """One evaluation: a candidate, its per-fold results and extra columns.

    ``outs`` are the per-fold dicts of scikit-learn's ``_fit_and_score``;
    ``score`` is the mean test score the search maximises; ``extra`` holds
    the additional ``cv_results_`` columns of the row (Hyperband's
    ``n_resources``, ``iter`` and ``bracket``).
    """

    candidate: int
    outs: list
    score: float
    extra: dict = field(default_factory=dict)


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
    splits : list of (ndarray, ndarray)
        The (train, test) indices of every fold, fixed for the whole search.
    proposer : Proposer
        Proposes candidates; holds the search's random generator and the
        Gaussian process kernel it warm-starts from.
    seen : set
        Keys of every candidate proposed, so none is proposed twice.
    candidates : list of (int, ndarray, ndarray)
        ``(s, u, v)`` of every candidate: subspace, unit coordinates, values.
    rows : list of Row
        One per evaluation, in order: the rows of ``cv_results_``.
    progress : dict
        The search's own position (Hyperband: brackets run, the current one).
    models : dict
        Fold models still being trained, by candidate index.
    """

    settings: dict
    space: str
    data: str
    splits: list
    proposer: object
    seen: set = field(default_factory=set)
    candidates: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    progress: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    version: int = STATE_VERSION

    def add_candidates(self, points):
        """Append ``(s, u, v)`` points; return their candidate indices."""
        start = len(self.candidates)
        self.candidates.extend(points)
        return list(range(start, start + len(points)))

    def observations(self, rows):
        """``(s, u, scores)`` arrays of the candidates of ``rows``, for the model."""
        s, u, _ = zip(*(self.candidates[row.candidate] for row in rows))
        return np.array(s), np.array(u), np.array([row.score for row in rows])

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


_START_AFRESH = "to start a new search, delete the checkpoint or set warm_start=False."


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


def save_checkpoint(state, path):
    """Write ``state`` to ``path`` atomically: a crash never leaves half a file.

    The state is pickled to a temporary file in the same directory, flushed
    to disk, and moved over ``path`` in one ``os.replace``.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_checkpoint(path):
    """The SearchState saved at ``path``; a clear error if it is not one.

    The file is unpickled: load only checkpoints you wrote yourself.
    """
    with open(path, "rb") as f:
        try:
            state = pickle.load(f)
        except Exception as exc:
            raise ValueError(f"checkpoint {os.fspath(path)!r} is not a search checkpoint: {exc}") from exc
    if not isinstance(state, SearchState) or state.version != STATE_VERSION:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} was not written by this version of "
            f"skopt_lab's searches; {_START_AFRESH}"
        )
    return state
