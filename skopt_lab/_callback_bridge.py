"""scikit-learn's callbacks (``set_callbacks``) told about every epoch."""

from ._engine.trainer import EpochObserver


class CallbackBridge(EpochObserver):
    """Reports each epoch to scikit-learn's callbacks as a sub-task of fit,
    with a snapshot of the model for callbacks that evaluate it
    (``ScoringMonitor``).

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted, as the callbacks see it.
    context : CallbackContext
        The fit's callback context.
    data : dict
        ``X``, ``y`` and ``metadata`` of the fit, passed to the hooks.
    snapshot : callable
        ``snapshot(state)``: the fitted attributes the model would have with
        a copy of this training state, computed only if a callback asks.
    """

    def __init__(self, estimator, context, data, snapshot):
        self._estimator = estimator
        self._context = context
        self._data = data
        self._snapshot = snapshot
        self._epoch = None

    def begin(self, state):
        self._epoch = self._context.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(
            estimator=self._estimator, reconstruction_attributes=lambda: self._snapshot(state.copy()), **self._data
        )

    def end(self, state, info):
        epoch, self._epoch = self._epoch, None
        return epoch.call_on_fit_task_end(
            estimator=self._estimator, reconstruction_attributes=lambda: self._snapshot(state.copy()), **self._data
        )

    def cancel(self):
        if self._epoch is not None:
            epoch, self._epoch = self._epoch, None
            epoch.call_on_fit_task_end(estimator=self._estimator)
