"""Data for the command line: scikit-learn's bundled sets, CSV tables, and
splits large enough to mean something.

A :class:`Dataset` carries the raw features, the target, the task
("classification" or "regression") and a scikit-learn preprocessor suited to
the columns: scaling for numeric data, and for a CSV table a
``ColumnTransformer`` that imputes and scales numeric columns and one-hot
encodes categorical ones. A CSV table is read by ``pandas.read_csv`` (the
``cli`` extra); what reading it decided (rows dropped, stray values read as
missing, identifier columns dropped, the task of an integer target) is said
in ``notes``.
"""

import csv
import math
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .._validation import plain
from ._errors import DataError, UsageError

BUNDLED = {
    "digits": ("classification", datasets.load_digits),
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "wine": ("classification", datasets.load_wine),
    "iris": ("classification", datasets.load_iris),
    "diabetes": ("regression", datasets.load_diabetes),
}
# Read as missing, in any case, beside pandas' own markers ("", "NA", "NaN", ...).
MISSING = ("na", "n/a", "nan", "null", "none", "?")
# A column is numeric when at least this share of its present values are
# finite numbers; the others (a stray "inf", "12kg", "unknown") are read as
# missing, with a note, rather than making the column categorical. The
# target follows the same rule.
NUMERIC_SHARE = 0.9
# A text column with more distinct values than this share of the rows (and
# than MAX_CATEGORIES) names rows rather than categories (an id, a name).
IDENTIFIER_SHARE, MAX_CATEGORIES = 0.5, 20
# An integer target is a class label when it has at most MAX_CLASSES values
# and each value is on ROWS_PER_CLASS rows on average: five rows of five
# different prices are a regression, not five classes.
MAX_CLASSES, ROWS_PER_CLASS = 20, 2
TEST_SIZE = 0.25  # the share of the rows held out to test on
LISTED = 20  # notes and messages name at most this many columns


@dataclass
class Dataset:
    name: str
    X: object  # an array, or a DataFrame for a CSV table
    y: np.ndarray
    task: str
    preprocessor: object
    notes: list = field(default_factory=list)

    def summary(self):
        kind = f"{len(np.unique(self.y))} classes" if self.task == "classification" else "regression"
        return f"{self.name}: {self.X.shape[0]} samples, {self.X.shape[1]} columns, {kind}"


def load_bundled(name):
    """A data set bundled with scikit-learn."""
    task, loader = BUNDLED[name]
    X, y = loader(return_X_y=True)
    return Dataset(name, X, y, task, StandardScaler())


def load(args, progress):
    """The data set of ``--dataset``, or of ``--csv`` and ``--target``."""
    dataset = load_csv(args.csv, args.target, args.task) if args.csv else load_bundled(args.dataset)
    progress.line(f"data: {dataset.summary()}")
    return dataset


# ------------------------------------------------------------------ CSV
def _pandas():
    try:
        import pandas
    except ImportError:
        raise UsageError("--csv needs pandas: pip install 'skopt_lab[cli]'") from None
    return pandas


def _listed(names):
    shown = ", ".join(map(str, names[:LISTED]))
    return shown + (f", ... ({len(names) - LISTED} more)" if len(names) > LISTED else "")


def _read_table(path):
    """The table under its header's names, as pandas reads it; refuses a
    header that names a column twice and rows longer than the header."""
    pd = _pandas()
    encoding = "utf-8-sig"  # spreadsheets export UTF-8 with a byte-order mark
    try:
        # The names as written: pandas would rename a second "label" to
        # "label.1", which could also be a column's own name.
        with open(path, newline="", encoding=encoding) as f:
            header = [name.strip() for name in next(csv.reader(f, skipinitialspace=True), [])]
        with warnings.catch_warnings():
            # pandas drops the fields of a row longer than the header, and warns.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                path,
                encoding=encoding,
                skipinitialspace=True,
                index_col=False,  # never take a column for the row labels
                na_values=[spelling for word in MISSING for spelling in (word, word.upper(), word.title())],
                low_memory=False,  # one type per column, however long
            )
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} needs a header row and at least one data row") from None
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, pd.errors.ParserWarning) as exc:
        raise DataError(f"cannot read {path}: {str(exc).strip().splitlines()[0]}") from None
    twice = [name for name, count in Counter(header).items() if count > 1]
    if twice:
        raise DataError(
            f"{path}: the header names {', '.join(map(repr, twice))} more than once; give every column its own name"
        )
    if table.empty:
        raise DataError(f"{path} needs a header row and at least one data row")
    if len(header) != table.shape[1]:
        raise DataError(f"cannot read {path}: its first line is not a header of {table.shape[1]} column names")
    table.columns = header
    return table


@dataclass
class _Cells:
    """A table's cells as three arrays, made in a few vectorized passes
    whatever the number of columns: ``values`` as read (objects),
    ``numbers`` (floats, NaN where a value is missing or not a number;
    booleans are categories, not 0 and 1) and ``present``."""

    names: list
    values: np.ndarray
    numbers: np.ndarray
    present: np.ndarray

    @classmethod
    def of(cls, table):
        pd = _pandas()
        values = table.to_numpy(dtype=object)
        kinds = np.array([dtype.kind for dtype in table.dtypes])
        numeric = np.isin(kinds, ["i", "u", "f"])
        text = ~numeric & (kinds != "b")
        numbers = np.full(values.shape, np.nan)
        numbers[:, numeric] = values[:, numeric].astype(float)
        as_numbers = pd.to_numeric(pd.Series(values[:, text].ravel(), dtype=object), errors="coerce")
        numbers[:, text] = as_numbers.to_numpy(dtype=float).reshape(len(values), -1)
        return cls(list(table.columns), values, numbers, ~pd.isna(values))

    def rows(self, kept):
        """The cells of the ``kept`` rows."""
        return _Cells(self.names, self.values[kept], self.numbers[kept], self.present[kept])

    def text(self, j):
        """Column ``j``'s values as stripped text (NaN where missing)."""
        values, present = self.values[:, j], self.present[:, j]
        text = np.full(len(values), np.nan, dtype=object)
        text[present] = [str(value).strip() for value in values[present]]
        return text

    def strays(self, j):
        """Where column ``j`` holds a value that is not a finite number."""
        return self.present[:, j] & ~np.isfinite(self.numbers[:, j])

    def numeric(self, j):
        """Whether column ``j`` is numeric: a present value, and at most a
        tenth of them stray."""
        n_present = self.present[:, j].sum(axis=0)
        return (n_present > 0) & (self.strays(j).sum(axis=0) <= (1 - NUMERIC_SHARE) * n_present)

    def stray_note(self, j):
        strays = sorted({str(value).strip() for value in self.values[self.strays(j), j]})
        shown = ", ".join(map(repr, strays[:3])) + (", ..." if len(strays) > 3 else "")
        return (
            f"column {self.names[j]!r} is numeric: read its {self.strays(j).sum()} value(s) that are not finite "
            f"numbers ({shown}) as missing"
        )


def _target(cells, target, task, notes):
    """(the target's values, the rows that have one, the task)."""
    j = cells.names.index(target)
    if not cells.present[:, j].any():
        raise DataError(f"every value of {target!r} is missing")
    if cells.numeric(j):
        if cells.strays(j).any():
            notes.append(cells.stray_note(j))
        finite = np.isfinite(cells.numbers[:, j])
        kept, values = finite, cells.numbers[finite, j]
    elif task == "regression":
        bad = cells.values[cells.strays(j), j][0]
        raise DataError(f"the regression target {target!r} is not numeric (value {plain(bad)!r})")
    else:
        kept = cells.present[:, j]
        values = cells.text(j)[kept]
    if not kept.all():
        notes.append(f"dropped {(~kept).sum()} rows with a missing {target!r}")
    integers = values.dtype.kind == "f" and bool(np.all(values == np.round(values)))
    if task == "auto":
        task = "classification" if values.dtype.kind == "O" else "regression"
        if integers:
            n_values = len(np.unique(values))
            if n_values <= MAX_CLASSES and n_values * ROWS_PER_CLASS <= len(values):
                task = "classification"
                notes.append(
                    f"target {target!r}: {n_values} different integers on {len(values)} rows, read as classes "
                    "(--task regression to predict it as a number)"
                )
            else:
                notes.append(
                    f"target {target!r}: {n_values} different integers on {len(values)} rows, too many for classes: "
                    "predicted as a number (--task classification to read them as classes)"
                )
    if task == "classification":
        values = values.astype(int) if integers else values
        if len(np.unique(values)) < 2:
            raise DataError(f"the target {target!r} has a single class ({plain(values[0])!r}): nothing to classify")
    return values, kept, task


def _feature_columns(cells, features, notes):
    """The ``features`` (column indices) to keep, as (numeric, categorical)
    indices; what is dropped, and stray values, go to notes."""
    features = np.asarray(features)
    empty = features[~cells.present[:, features].any(axis=0)]
    if len(empty):
        dropped = [cells.names[j] for j in empty]
        notes.append(
            f"dropped column {dropped[0]!r}: every value is missing"
            if len(dropped) == 1
            else f"dropped {len(dropped)} columns in which every value is missing: {_listed(dropped)}"
        )
    numeric = features[cells.numeric(features)]
    notes.extend(cells.stray_note(j) for j in numeric[cells.strays(numeric).any(axis=0)])
    categorical = []
    for j in np.setdiff1d(features, np.concatenate([numeric, empty])):
        text = cells.text(j)
        distinct = len(set(text[cells.present[:, j]]))
        if distinct > max(MAX_CATEGORIES, IDENTIFIER_SHARE * len(text)):
            notes.append(
                f"dropped column {cells.names[j]!r}: {distinct} different values in {len(text)} rows name rows "
                "(an identifier?) rather than categories"
            )
        else:
            categorical.append(j)
    return numeric, np.array(categorical, dtype=int)


def load_csv(path, target, task="auto"):
    """Read a CSV table with a header; ``target`` names the column to predict.

    A column whose present values are (at least 90%) finite numbers is
    numeric, its other values read as missing; a text column with more
    distinct values than half the rows (and than 20) is an identifier and is
    dropped; the other columns are categorical. The target follows the same
    rule, and rows with a missing target are dropped. ``task="auto"`` is
    classification for a text target, or for integers with at most 20
    values each on two rows on average; regression otherwise. Each of these
    decisions is reported in ``notes``.
    """
    pd = _pandas()
    table = _read_table(path)
    if target not in table.columns:
        raise DataError(f"no column {target!r} in {path}; columns are: {_listed(list(table.columns))}")
    if table.shape[1] < 2:
        raise DataError(f"{path} has no feature column besides the target")
    cells = _Cells.of(table)
    notes = []
    y, rows, task = _target(cells, target, task, notes)
    cells = cells.rows(rows)
    features = [j for j, name in enumerate(cells.names) if name != target]
    numeric, categorical = _feature_columns(cells, features, notes)
    if not len(numeric) and not len(categorical):
        raise DataError(f"{path} has no usable feature column besides the target {target!r}")
    numbers = cells.numbers[:, numeric]
    names = [cells.names[j] for j in numeric] + [cells.names[j] for j in categorical]
    X = pd.concat(
        [
            pd.DataFrame(np.where(np.isfinite(numbers), numbers, np.nan), columns=names[: len(numeric)]),
            pd.DataFrame({cells.names[j]: cells.text(j) for j in categorical}, dtype=object),
        ],
        axis=1,
    )
    transformers = []
    if len(numeric):
        transformers.append(("numeric", make_pipeline(SimpleImputer(), StandardScaler()), names[: len(numeric)]))
    if len(categorical):
        encode = make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        )
        transformers.append(("categorical", encode, names[len(numeric) :]))
    in_order = sorted([*numeric, *categorical])
    is_categorical = set(categorical.tolist())
    notes.append(
        f"{len(numeric)} numeric column(s), {len(categorical)} categorical: "
        + _listed([f"{cells.names[j]} (categorical)" if j in is_categorical else cells.names[j] for j in in_order])
    )
    dataset = X[[cells.names[j] for j in in_order]]
    return Dataset(f"{path} (target {target!r})", dataset, y, task, ColumnTransformer(transformers), notes)


# ------------------------------------------------------------------ splits
def rows_needed(train, test, share=TEST_SIZE):
    """The fewest rows whose test share (rounded up) holds ``test`` rows and
    leaves ``train`` to train on."""
    n = train + test
    while math.ceil(share * n) < test or n - math.ceil(share * n) < train:
        n += 1
    return n


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


def split(dataset, random_state, cv=None):
    """(X_train, X_test, y_train, y_test): a quarter of the rows to test on,
    stratified by class. Refuses data too small for the splits to mean
    anything, with the rows that would be needed: a class must have rows on
    both sides (and ``cv`` in the training split, one per fold); R² needs 2
    rows of a regression's test split (and of each fold)."""
    option = f"--cv {cv}: " if cv else ""
    if dataset.task == "classification":
        per_fold = cv or 1
        need = rows_needed(per_fold, 1)
        classes, counts = np.unique(dataset.y, return_counts=True)
        if counts.min() < need:
            for_train = f"{per_fold} in the training split (one per fold)" if cv else "1 to train on"
            raise DataError(
                f"{option}class {plain(classes[counts.argmin()])!r} has only {_rows(counts.min())}; every class "
                f"needs at least {need}: {for_train} and 1 in the test split"
            )
    else:
        train = 2 * (cv or 1)
        need = rows_needed(train, 2)
        if len(dataset.y) < need:
            for_train = f"{train} to train on (2 per fold)" if cv else f"{train} to train on"
            raise DataError(
                f"{option}{dataset.name} has only {_rows(len(dataset.y))}; a regression needs at least {need}: "
                f"2 to test on (R² needs 2) and {for_train}"
            )
    stratify = dataset.y if dataset.task == "classification" else None
    parts = train_test_split(dataset.X, dataset.y, test_size=TEST_SIZE, random_state=random_state, stratify=stratify)
    if cv:
        check_folds(cv, parts[2], dataset.task, "the training split")
    return parts


def check_folds(cv, y, task, what):
    """``cv`` folds must fit the data: a one-line error, not a traceback or
    a warning from deep inside a search."""
    if cv > len(y):
        raise UsageError(f"--cv {cv}: {what} has only {len(y)} samples; use --cv {len(y)} or fewer")
    if task == "classification":
        classes, counts = np.unique(y, return_counts=True)
        smallest = counts.argmin()
        if counts[smallest] < cv:
            fix = f"use --cv {counts[smallest]} or fewer" if counts[smallest] >= 2 else "give it more rows"
            raise UsageError(
                f"--cv {cv}: class {plain(classes[smallest])!r} has only {counts[smallest]} samples in {what}, "
                f"and every fold needs one; {fix}"
            )
