"""The user's mistakes: the command line reports them in one line on stderr
and exits with code 2, before any training where it can."""


class UsageError(Exception):
    """A mistake on the command line: an option, a combination, a path."""


class DataError(ValueError):
    """A problem with the user's data: a file, a column, a split too small."""
