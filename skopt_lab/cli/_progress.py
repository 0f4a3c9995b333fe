"""What the command line says while it works, and what it records while a
model trains: progress lines on stderr (each prefixed by the elapsed time),
scikit-learn callbacks that keep long fits and searches talking or record a
validation score per epoch, and one line per warning."""

import os
import sys
import time

HEARTBEAT_SECONDS = 2.0  # at most one progress line this often within a fit or a search


class Progress:
    """One line per step on stderr, prefixed by the elapsed time."""

    def __init__(self, quiet):
        self.quiet = quiet
        self.started = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.started

    def line(self, message):
        if not self.quiet:
            print(f"[{self.elapsed():6.1f}s] {message}", file=sys.stderr, flush=True)

    def warnings(self, caught):
        """One line per distinct warning that reached the command's level."""
        seen = set()
        for warning in caught:
            message = str(warning.message).strip().splitlines()[0]
            if (warning.category, message) not in seen:
                seen.add((warning.category, message))
                self.line(f"warning ({warning.category.__name__}): {message}")


class _Callback:
    """scikit-learn's callback protocol (``sklearn.callback``), doing
    nothing but at the end of a task: subclasses say what."""

    max_propagation_depth = None  # also follow the fits inside a search or a pipeline

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass


class _Throttled:
    """Says a message at most once every ``every`` seconds."""

    def __init__(self, progress, every):
        self.progress, self.every = progress, every
        self.last = time.perf_counter()

    def say(self, message, now=False):
        if now or time.perf_counter() - self.last >= self.every:
            self.progress.line(message)
            self.last = time.perf_counter()


class FitHeartbeat(_Callback):
    """Keeps a long fit talking: its epoch, at most every ``every`` seconds."""

    def __init__(self, progress, label, every=None):
        self.label = label
        self.talk = _Throttled(progress, HEARTBEAT_SECONDS if every is None else every)

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.talk.say(f"{self.label}: epoch {context.task_id + 1}")


class SearchHeartbeat(_Callback):
    """Keeps a search talking: each round of a Bayesian search, and the
    cross-validation fits done out of ``total``, at most every ``every``
    seconds.

    A fit of the search is a task whose parent is the search's batch of fits
    (``"search"``, or a Bayesian search's ``"round"``): the steps of a
    pipeline and the refit are not counted. With ``--n-jobs`` > 1 the fits
    run in worker processes, each with its own copy of this callback, whose
    counts would be wrong: the copies stay silent, and fits are counted here,
    in the main process, from the size of each batch the search announces.
    """

    BATCHES = ("search", "round")

    def __init__(self, progress, label, total, every=None):
        self.label, self.total = label, total
        self.talk = _Throttled(progress, HEARTBEAT_SECONDS if every is None else every)
        self.pid = os.getpid()
        self.fits = 0  # fits of the batches finished
        self.in_batch = 0  # fits finished in this process in the current batch
        self.rounds = 0

    def on_fit_task_end(self, estimator, context):
        if os.getpid() != self.pid:
            return
        if context.task_name in self.BATCHES and (context.task_name == "round" or not self.rounds):
            # A Bayesian search's round, or a grid or random search's only batch.
            self.fits += context.max_subtasks or self.in_batch
            self.in_batch = 0
            if context.task_name == "round":
                self.rounds += 1
                message = f"{self.label}: round {self.rounds} evaluated ({self.fits} of {self.total} fits)"
                self.talk.say(message, now=True)
        elif context.parent is not None and context.parent.task_name in self.BATCHES:
            self.in_batch += 1
            self.talk.say(f"{self.label}: {self.fits + self.in_batch} of {self.total} fits done")


class ValidationCurve(_Callback):
    """Records a validation score after each epoch.

    ``score(model)`` scores the model as it was at the end of the epoch (a
    fitted snapshot); ``scores`` lists one result per epoch (per iteration
    for L-BFGS). Set on a Pipeline, it reaches the pipeline's last step.
    """

    def __init__(self, score):
        self.score = score
        self.scores = []

    def setup(self, estimator, context):
        self.scores = []

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.scores.append(self.score(fitted_estimator))
