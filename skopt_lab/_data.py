"""Data for the command line: scikit-learn's bundled sets and CSV tables.

A :class:`Dataset` carries the raw features, the target, the task
("classification" or "regression") and a scikit-learn preprocessor suited to
the columns: scaling for numeric data, and for a CSV table a
``ColumnTransformer`` that imputes and scales numeric columns and one-hot
encodes categorical ones. What reading a table decided (rows dropped, stray
values read as missing, identifier columns dropped) is said in ``notes``.
"""

import csv
import math
from dataclasses import dataclass, field

import numpy as np
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

BUNDLED = {
    "digits": ("classification", datasets.load_digits),
    "breast_cancer": ("classification", datasets.load_breast_cancer),
    "wine": ("classification", datasets.load_wine),
    "iris": ("classification", datasets.load_iris),
    "diabetes": ("regression", datasets.load_diabetes),
}
_MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}
# A column is numeric when at least this share of its present values are
# finite numbers; the others (a stray "inf", "12kg", "unknown") are read as
# missing, with a note, rather than making the column categorical.
NUMERIC_SHARE = 0.9
# A text column with more distinct values than this share of the rows (and
# than MAX_CATEGORIES) names rows rather than categories (an id, a name).
IDENTIFIER_SHARE, MAX_CATEGORIES = 0.5, 20


class DataError(ValueError):
    """A problem with the user's data, reported in one line."""


@dataclass
class Dataset:
    name: str
    X: np.ndarray
    y: np.ndarray
    task: str
    preprocessor: object
    notes: list = field(default_factory=list)

    def summary(self):
        kind = f"{len(np.unique(self.y))} classes" if self.task == "classification" else "regression"
        return f"{self.name}: {self.X.shape[0]} samples, {self.X.shape[1]} columns, {kind}"


def load_bundled(name):
    task, loader = BUNDLED[name]
    X, y = loader(return_X_y=True)
    return Dataset(name, X, y, task, StandardScaler())


def _is_missing(value):
    return value.strip().lower() in _MISSING


def _as_number(value):
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _to_float(X):
    """Object columns of numbers (None for missing) to a float array."""
    return np.asarray(X, dtype=float)


def _column_kind(name, values, notes):
    """"numeric", "categorical" or None (dropped) for a feature column; what
    was decided beyond the obvious goes to ``notes``."""
    present = [v.strip() for v in values if not _is_missing(v)]
    if not present:
        notes.append(f"dropped column {name!r}: every value is missing")
        return None
    strays = [v for v in present if _as_number(v) is None]
    if len(strays) <= (1 - NUMERIC_SHARE) * len(present):
        if strays:
            shown = ", ".join(repr(v) for v in sorted(set(strays))[:3]) + (", ..." if len(set(strays)) > 3 else "")
            notes.append(
                f"column {name!r} is numeric: read its {len(strays)} value(s) that are not finite numbers "
                f"({shown}) as missing"
            )
        return "numeric"
    distinct = len(set(present))
    if distinct > max(MAX_CATEGORIES, IDENTIFIER_SHARE * len(values)):
        notes.append(
            f"dropped column {name!r}: {distinct} different values in {len(values)} rows name rows "
            "(an identifier?) rather than categories"
        )
        return None
    return "categorical"


def load_csv(path, target, task="auto"):
    """Read a CSV table with a header; ``target`` names the column to predict.

    A column whose present values are (at least 90%) finite numbers is
    numeric, its other values read as missing; a text column with more
    distinct values than half the rows (and than 20) is an identifier and is
    dropped; the other columns are categorical. Rows with a missing target
    are dropped. Each of these decisions is reported in ``notes``. ``task="auto"`` is classification for a non-numeric target or
    one with at most 20 distinct integer values, regression otherwise.
    """
    try:
        # utf-8-sig: spreadsheets export UTF-8 with a byte-order mark
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if len(rows) < 2:
        raise DataError(f"{path} needs a header row and at least one data row")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if target not in header:
        raise DataError(f"no column {target!r} in {path}; columns are: {', '.join(header)}")
    width = len(header)
    short = [i + 2 for i, row in enumerate(body) if len(row) != width]
    if short:
        raise DataError(f"{path}: line {short[0]} has not {width} fields like the header")
    if width < 2:
        raise DataError(f"{path} has no feature column besides the target")

    target_index = header.index(target)
    notes = []
    kept = [row for row in body if not _is_missing(row[target_index])]
    if len(kept) < len(body):
        notes.append(f"dropped {len(body) - len(kept)} rows with a missing {target!r}")
    if not kept:
        raise DataError(f"every value of {target!r} is missing")

    raw_target = [row[target_index].strip() for row in kept]
    numbers = [_as_number(v) for v in raw_target]
    numeric_target = all(n is not None for n in numbers)
    if task == "auto":
        few_integers = numeric_target and len(set(numbers)) <= 20 and all(n.is_integer() for n in numbers)
        task = "classification" if not numeric_target or few_integers else "regression"
    if task == "regression":
        if not numeric_target:
            bad = next(v for v, n in zip(raw_target, numbers) if n is None)
            raise DataError(f"the regression target {target!r} is not numeric (value {bad!r})")
        y = np.array(numbers)
    else:
        y = np.array(raw_target, dtype=object)
        if numeric_target:
            y = np.array(numbers)
            if all(n.is_integer() for n in numbers):
                y = y.astype(int)
        if len(np.unique(y)) < 2:
            raise DataError(f"the target {target!r} has a single class ({y[0]!r}): nothing to classify")

    feature_names = [h for i, h in enumerate(header) if i != target_index]
    columns = [[row[i] for row in kept] for i in range(width) if i != target_index]
    kinds = [_column_kind(name, values, notes) for name, values in zip(feature_names, columns)]
    kept_columns = [j for j, kind in enumerate(kinds) if kind is not None]
    if not kept_columns:
        raise DataError(f"{path} has no usable feature column besides the target {target!r}")
    X = np.empty((len(kept), len(kept_columns)), dtype=object)
    numeric, categorical = [], []
    for k, j in enumerate(kept_columns):
        values = columns[j]
        if kinds[j] == "numeric":
            X[:, k] = [np.nan if _is_missing(v) or _as_number(v) is None else _as_number(v) for v in values]
            numeric.append(k)
        else:
            X[:, k] = [None if _is_missing(v) else v.strip() for v in values]
            categorical.append(k)
    transformers = []
    if numeric:
        transformers.append(
            ("numeric", make_pipeline(FunctionTransformer(_to_float), SimpleImputer(), StandardScaler()), numeric)
        )
    if categorical:
        transformers.append(
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent", missing_values=None),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            )
        )
    names = [feature_names[j] for j in kept_columns]
    notes.append(
        f"{len(numeric)} numeric column(s), {len(categorical)} categorical: "
        + ", ".join(f"{names[k]}{'' if k in numeric else ' (categorical)'}" for k in range(len(names)))
    )
    name = f"{path} (target {target!r})"
    return Dataset(name, X, y, task, ColumnTransformer(transformers), notes)
