"""The Gaussian-process proposer of :class:`BayesSearchCV` and :class:`HyperbandSearchCV`."""

import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import ndtr
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.preprocessing import PowerTransformer
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

# Random candidates on which the acquisition is evaluated each proposal; a
# finite space at most this large is enumerated instead, so it can be
# searched exhaustively without ever proposing a point twice.
N_CANDIDATES = 2000
# Local search: the best few candidates (and the incumbent) are moved by
# Gaussian steps of these sizes (in unit coordinates), coarse to fine.
_N_STARTS = 5
_N_STEPS = 100
_STEP_SIZES = (0.1, 0.03, 0.01)


def _kernel(width):
    # Inputs live in [0, 1] and targets are standardised, which is what makes
    # these fixed bounds sensible for every search space.
    return ConstantKernel(1.0, (1e-2, 1e2)) * Matern(
        length_scale=np.full(width, 0.3), length_scale_bounds=(1e-2, 1e2), nu=2.5
    ) + WhiteKernel(1e-2, (1e-6, 1.0))


def _two_start_lbfgs(default_theta):
    """A GP ``optimizer`` starting from the previous fit and from the default.

    Warm-starting from the last round's hyperparameters converges in a few
    iterations; the second start from the default guards against staying in
    a poor local optimum. Random restarts are much slower (tenths of a second
    each with 100 observations) for little gain.
    """

    def optimizer(obj_func, initial_theta, bounds):
        starts = [initial_theta]
        if not np.allclose(initial_theta, default_theta):
            starts.append(default_theta)
        fits = [
            minimize(obj_func, theta, method="L-BFGS-B", jac=True, bounds=bounds)
            for theta in starts
        ]
        best = min(fits, key=lambda fit: fit.fun)
        return best.x, best.fun

    return optimizer


def _standardise(y):
    """Impute failed evaluations, then map the scores to a normal-like scale.

    Failures (non-finite scores) become as bad as the worst point seen, so
    the model steers away from them without the outliers an arbitrary
    ``error_score`` would add. Scores are typically skewed: a few
    chance-level ones would otherwise dominate the variance and make the
    small differences near the optimum look like noise, so they go through a
    Yeo-Johnson transform fitted by maximum likelihood (it is monotone, so
    the best point stays the best). Standardising first makes the transform
    independent of the score's units.
    """
    y = np.array(y, dtype=float)
    failed = ~np.isfinite(y)
    y[failed] = y[~failed].min()
    if np.ptp(y) == 0:
        return np.zeros_like(y)
    y = (y - y.mean()) / y.std()
    return PowerTransformer(method="yeo-johnson").fit_transform(y[:, None])[:, 0]


class Proposer:
    """Proposes the next points of a search from the scores so far.

    Parameters
    ----------
    space : Space
    acquisition : {"ei", "ucb"}, default="ei"
    xi, kappa : float, default=0.01 and 1.96
        Exploration parameters of "ei" and "ucb", in units of the standard
        deviation of the transformed scores.
    rng : numpy.random.RandomState
        The search's random generator: the proposer owns it, so that saving
        the proposer saves where the search's randomness stands.
    """

    def __init__(self, space, acquisition="ei", xi=0.01, kappa=1.96, rng=None):
        self.space = space
        self.acquisition = acquisition
        self.xi = xi
        self.kappa = kappa
        self.rng = check_random_state(rng)
        self._kernel = _kernel(space.width)
        self._default_theta = self._kernel.theta

    def get_state(self):
        """The proposer's state as plain data: its random generator and the
        Gaussian-process hyperparameters the next fit starts from."""
        name, keys, pos, has_gauss, cached_gaussian = self.rng.get_state(legacy=True)
        kernel = self._kernel.get_params()
        return {
            "rng": [name, keys.tolist(), int(pos), int(has_gauss), float(cached_gaussian)],
            "kernel": {h.name: np.asarray(kernel[h.name]).tolist() for h in self._kernel.hyperparameters},
        }

    def set_state(self, state):
        """Continue from a state of :meth:`get_state` (exactly: the same proposals follow)."""
        name, keys, pos, has_gauss, cached_gaussian = state["rng"]
        self.rng.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached_gaussian))
        self._kernel = _kernel(self.space.width).set_params(
            **{k: np.asarray(v) if isinstance(v, list) else v for k, v in state["kernel"].items()}
        )
        return self

    def _pool(self):
        """Candidate points: the whole space when small, random points otherwise."""
        if self.space.size <= N_CANDIDATES:
            s, u = self.space.grid()
            order = self.rng.permutation(len(s))
            return s[order], u[order]
        return self.space.random(N_CANDIDATES, self.rng)

    def initial(self, n, seen):
        """``n`` space-filling points not in ``seen``: a Latin hypercube.

        Where the design repeats itself (discrete spaces) it is topped up
        from the candidate pool.
        """
        s0, u0 = self.space.latin_hypercube(n, self.rng)
        s1, u1 = self._pool()
        return self._first_unseen(np.r_[s0, s1], np.r_[u0, u1], n, seen)

    def _first_unseen(self, s, u, n, seen):
        """The first ``n`` points whose key is not in ``seen``, added to it."""
        values = self.space.values(s, u)
        chosen = []
        for i in range(len(s) if n > 0 else 0):
            key = self.space.key(s[i], values[i])
            if key not in seen:
                seen.add(key)
                chosen.append((s[i], u[i], values[i]))
                if len(chosen) == n:
                    break
        return chosen

    def propose(self, s_obs, u_obs, scores, n, seen):
        """``n`` new points, chosen one after the other by the acquisition.

        ``scores`` is what the model learns to maximise: one score per
        observation, or an array of shape (n_observations, n) with one column
        per point to choose (ParEGO's scalarizations of several objectives,
        each with its own Gaussian-process fit). Each point after the first
        is chosen as if the previous ones had scored the worst score seen so
        far (a pessimistic constant liar), so the batch spreads out instead
        of piling onto one optimum. Returns fewer than ``n`` points only when
        no unseen candidate is left.
        """
        scores = np.asarray(scores, dtype=float)
        if not np.isfinite(scores).any():
            return self.initial(n, seen)
        per_point = scores.ndim == 2
        X = self.space.features(s_obs, self.space.values(s_obs, u_obs))
        with threadpool_limits(1), warnings.catch_warnings():
            # Hyperparameters at their bounds (an irrelevant parameter's long
            # length scale) are expected here and say nothing to the user.
            warnings.simplefilter("ignore", ConvergenceWarning)
            s_pool, u_pool = self._pool()
            # The pool's model inputs, computed once for the whole batch.
            X_pool = self._features(s_pool, u_pool)
            chosen = []
            for i in range(n):
                observed = _standardise(scores[:, i] if per_point else scores)
                y = np.r_[observed, np.full(len(chosen), observed.min())]
                # The kernel's hyperparameters are fitted to each new target;
                # a liar only adds a point to the same one.
                refit = i == 0 or per_point
                gp = GaussianProcessRegressor(
                    self._kernel, optimizer=_two_start_lbfgs(self._default_theta) if refit else None
                ).fit(X, y)
                if refit:
                    self._kernel = gp.kernel_
                incumbent = np.argmax(observed)
                s_cand, u_cand = self._candidates(
                    gp, y, s_pool, u_pool, X_pool, s_obs[incumbent], u_obs[incumbent]
                )
                point = self._first_unseen(s_cand, u_cand, 1, seen)
                if not point:
                    break
                chosen += point
                s_new, u_new, v_new = point[0]
                X = np.vstack([X, self.space.features(np.array([s_new]), v_new[None])])
        return chosen

    def _features(self, s, u):
        return self.space.features(s, self.space.values(s, u))

    def _acquisition(self, gp, y, X):
        """The acquisition of points with model inputs ``X``; higher is better."""
        mean, std = gp.predict(X, return_std=True)
        if self.acquisition == "ucb":
            return mean + self.kappa * std
        std = np.maximum(std, 1e-12)
        improvement = mean - y.max() - self.xi
        z = improvement / std
        return improvement * ndtr(z) + std * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)

    def _candidates(self, gp, y, s_pool, u_pool, X_pool, s_best, u_best):
        """Pool and locally refined points, best acquisition first."""
        acq = self._acquisition(gp, y, X_pool)
        if self.space.size > N_CANDIDATES:
            top = np.argsort(acq)[-_N_STARTS:]
            s_loc, u_loc, acq_loc = self._local_search(
                gp, y, np.r_[s_pool[top], s_best], np.r_[u_pool[top], u_best[None]]
            )
            s_pool, u_pool, acq = np.r_[s_pool, s_loc], np.r_[u_pool, u_loc], np.r_[acq, acq_loc]
        order = np.argsort(-acq, kind="stable")
        return s_pool[order], u_pool[order]

    def _local_search(self, gp, y, s, u):
        """Improve each start by random steps on its numeric coordinates.

        Categorical coordinates stay fixed; discrete numeric ones move through
        the same unit coordinates and are snapped to integers by ppf. Returns
        the moved points and their acquisition.
        """
        best = self._acquisition(gp, y, self._features(s, u))
        starts = np.arange(len(s))
        mask = self.space.numeric_mask[s][:, None, :]
        s_trial = np.repeat(s, _N_STEPS)
        for size in _STEP_SIZES:
            steps = size * self.rng.standard_normal((len(s), _N_STEPS, u.shape[1])) * mask
            trial = np.clip(u[:, None, :] + steps, 0, 1)
            acq = self._acquisition(gp, y, self._features(s_trial, trial.reshape(len(s_trial), -1)))
            acq = acq.reshape(len(s), _N_STEPS)
            pick = acq.argmax(axis=1)
            better = acq[starts, pick] > best
            u = np.where(better[:, None], trial[starts, pick], u)
            best = np.where(better, acq[starts, pick], best)
        return s, u, best
