"""Full-batch L-BFGS through scipy.optimize.minimize."""

import contextlib
import functools
import os
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import ThreadpoolController

from .._compat import Interval
from ._base import Optimizer, _positive


class LBFGS(Optimizer):
    """Limited-memory BFGS on the full training set.

    Each iteration builds a quasi-Newton direction from the last ``memory``
    gradient differences and takes a Wolfe line search along it: there is no
    learning rate. The engine hands the flat parameter vector and a function
    returning the full-batch loss and gradient straight to
    ``scipy.optimize.minimize(method="L-BFGS-B")``; the estimator's
    ``max_iter`` bounds the iterations and each iteration is one entry of
    ``loss_curve_``.

    Reference: Nocedal & Wright, *Numerical Optimization*, algorithm 7.5;
    scipy's L-BFGS-B implementation.

    Its ``kind`` is ``"minimize"``: L-BFGS has no step-by-step rule (it
    builds no chain, and ``step`` raises); it is not available for
    ``partial_fit``.

    Parameters
    ----------
    memory : int, default=10
        Number of correction pairs kept (scipy's ``maxcor``).
    max_fun : int, default=15000
        Maximum number of loss evaluations.
    gtol : float, default=1e-5
        Stop when the largest gradient component is below this.
    ftol : float, default=2.2e-9
        Stop when the relative decrease of the loss is below this.
    clip_norm : None
        Accepted for a uniform interface with the other optimizers; it must
        stay None, because a line search needs the true gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skopt_lab.optimizers import LBFGS
    >>> result = LBFGS().minimize(
    ...     lambda x: (float(((x - 3) ** 2).sum()), 2 * (x - 3)),
    ...     np.zeros(2), max_iter=50)
    >>> result.x.round(6)
    array([3., 3.])
    """

    kind = "minimize"

    _parameter_constraints = {
        "memory": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "gtol": [_positive("left")],
        "ftol": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [None],
    }

    def __init__(self, *, memory=10, max_fun=15000, gtol=1e-5, ftol=2.220446049250313e-09, clip_norm=None):
        self.memory = memory
        self.max_fun = max_fun
        self.gtol = gtol
        self.ftol = ftol
        self.clip_norm = clip_norm

    def transforms(self):
        raise TypeError(
            "LBFGS does not take single gradient steps: it runs whole line "
            "searches through LBFGS.minimize. Use a stochastic optimizer "
            "(e.g. 'adam' or 'sgd') for partial_fit or step-by-step training."
        )

    def chain(self):
        return self.transforms()

    def init(self, params, *, validate=True, **options):
        """Validate the hyperparameters; L-BFGS keeps no state between
        iterations of ``minimize`` (returns None)."""
        if validate:
            self.validate()
        return None

    def minimize(self, fun, x0, *, max_iter, callback=None):
        """Minimise ``fun`` from ``x0``.

        Parameters
        ----------
        fun : callable
            ``fun(x) -> (loss, gradient)`` for a flat float64 vector ``x``.
        x0 : ndarray of shape (n_params,)
            Starting point.
        max_iter : int
            Maximum number of L-BFGS iterations.
        callback : callable, default=None
            Called as ``callback(intermediate_result)`` after each iteration;
            raising ``StopIteration`` ends the optimisation.

        Returns
        -------
        result : scipy.optimize.OptimizeResult

        Notes
        -----
        The hyperparameters are checked by :meth:`validate`, which the
        estimators call once per fit.
        """
        with _scipy_blas_single_threaded():
            return minimize(
                fun,
                np.asarray(x0, dtype=np.float64),
                jac=True,
                method="L-BFGS-B",
                callback=callback,
                options={
                    "maxcor": self.memory,
                    "maxfun": self.max_fun,
                    "maxiter": max_iter,
                    "gtol": self.gtol,
                    "ftol": self.ftol,
                },
            )


@functools.cache
def _scipy_own_blas():
    """scipy's bundled BLAS, when it is not the one numpy uses."""
    controller = ThreadpoolController()
    paths = [
        lib.filepath
        for lib in controller.lib_controllers
        if "scipy" in os.path.dirname(lib.filepath) and "numpy" not in os.path.dirname(lib.filepath)
    ]
    return controller.select(filepath=paths) if paths else None


@contextlib.contextmanager
def _scipy_blas_single_threaded():
    """L-BFGS-B's own linear algebra is on vectors of the parameter size;
    several BLAS threads only contend there (5x slower on a busy 2-core
    machine), while the objective keeps numpy's threads."""
    libraries = _scipy_own_blas()
    if libraries is None:
        yield
        return
    with libraries.limit(limits=1):
        yield
