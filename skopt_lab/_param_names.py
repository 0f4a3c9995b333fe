"""Constructor parameter names, found once per class."""

import functools

from sklearn.base import BaseEstimator


class CachedParamNames:
    """Mixin for scikit-learn parameter objects: ``get_params``,
    ``set_params`` and ``clone`` ask for the constructor's parameter names,
    which scikit-learn finds by inspecting ``__init__``'s signature at every
    call (a tenth of a millisecond, several times per ``partial_fit``); a
    class's names never change."""

    @classmethod
    def _get_param_names(cls):
        return list(_param_names(cls))


@functools.cache
def _param_names(cls):
    return tuple(BaseEstimator._get_param_names.__func__(cls))
