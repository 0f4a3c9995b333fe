"""The optimizers against their reference rules.

Three kinds of reference: closed forms for a constant gradient, a direct
transcription of each documented rule run on random gradients, and
torch.optim's trajectories on random gradients, stored in
tests/reference/torch_trajectories by tests/reference/make_torch_trajectories.py
(and checked against the installed torch, where there is one).
"""

import math
import pickle

import numpy as np
import pytest
from reference import trajectories
from reference.variants import VARIANTS
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import skopt_lab.optimizers
from skopt_lab.optimizers import (
    GD,
    LBFGS,
    OPTIMIZERS,
    SGD,
    AdaGrad,
    Adadelta,
    Adam,
    AdamW,
    Momentum,
    Nadam,
    Optimizer,
    RMSprop,
    get_optimizer,
)

N_STEPS = 50
RTOL = 1e-10

# The variants compared with torch.optim, and the seed's Momentum rule, which
# has no torch.optim counterpart: its references are the transcription and
# the closed form.
STEP_OPTIMIZERS = [variant.optimizer for variant in VARIANTS] + [Momentum(learning_rate=0.05, beta=0.8)]


def _problem(seed=0, dtype=np.float64):
    """Two parameter arrays of different shapes and 50 random gradients."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=5).astype(dtype)]
    grads = [[rng.normal(size=p.shape).astype(dtype) * 2.0 ** rng.integers(-3, 3) for p in params] for _ in range(N_STEPS)]
    return params, grads


def _trajectory(optimizer, params, grads):
    """The parameters after every step, through the public protocol."""
    params = [p.copy() for p in params]
    state = optimizer.init(params)
    steps = []
    for g in grads:
        optimizer.step(params, g, state)
        steps.append([p.copy() for p in params])
    return steps


def _run(optimizer, params, grads):
    return _trajectory(optimizer, params, grads)[-1]


# --------------------------------------------------------------------------
# Direct transcriptions of the documented rules, one array at a time.
def _reference(opt, theta, grads):
    theta = theta.copy()
    lr = getattr(opt, "learning_rate", None)
    buf = {name: np.zeros_like(theta) for name in ("a", "b", "c")}
    mu_product = 1.0
    if isinstance(opt, AdaGrad):
        buf["a"][:] = opt.initial_accumulator_value
    for t, g in enumerate(grads, start=1):
        if isinstance(opt, GD):
            theta = theta - lr * g
        elif isinstance(opt, SGD):
            mu, tau = opt.momentum, opt.dampening
            if mu:
                buf["a"] = g.copy() if t == 1 else mu * buf["a"] + (1 - tau) * g
                d = g + mu * buf["a"] if opt.nesterov else buf["a"]
            else:
                d = g
            theta = theta - lr * d
        elif isinstance(opt, Momentum):
            buf["a"] = opt.beta * buf["a"] + (1 - opt.beta) * g
            theta = theta - lr * buf["a"]
        elif isinstance(opt, AdaGrad):
            buf["a"] = buf["a"] + g**2
            theta = theta - lr * g / (np.sqrt(buf["a"]) + opt.epsilon)
        elif isinstance(opt, RMSprop):
            rho = opt.rho
            buf["a"] = rho * buf["a"] + (1 - rho) * g**2
            if opt.centered:
                buf["b"] = rho * buf["b"] + (1 - rho) * g
                r = np.sqrt(buf["a"] - buf["b"] ** 2) + opt.epsilon
            else:
                r = np.sqrt(buf["a"]) + opt.epsilon
            if opt.momentum:
                buf["c"] = opt.momentum * buf["c"] + g / r
                theta = theta - lr * buf["c"]
            else:
                theta = theta - lr * g / r
        elif isinstance(opt, Adam):  # and AdamW
            if isinstance(opt, AdamW):
                theta = theta - lr * opt.weight_decay * theta
            b1, b2 = opt.beta_1, opt.beta_2
            buf["a"] = b1 * buf["a"] + (1 - b1) * g
            buf["b"] = b2 * buf["b"] + (1 - b2) * g**2
            v = buf["b"]
            if opt.amsgrad:
                buf["c"] = np.maximum(buf["c"], buf["b"])
                v = buf["c"]
            m_hat = buf["a"] / (1 - b1**t)
            theta = theta - lr * m_hat / (np.sqrt(v / (1 - b2**t)) + opt.epsilon)
        elif isinstance(opt, Nadam):
            b1, b2, psi = opt.beta_1, opt.beta_2, opt.momentum_decay
            mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            mu_product *= mu_t
            buf["a"] = b1 * buf["a"] + (1 - b1) * g
            buf["b"] = b2 * buf["b"] + (1 - b2) * g**2
            d = np.sqrt(buf["b"] / (1 - b2**t)) + opt.epsilon
            theta = (
                theta
                - lr * (1 - mu_t) / (1 - mu_product) * g / d
                - lr * mu_next / (1 - mu_product * mu_next) * buf["a"] / d
            )
        elif isinstance(opt, Adadelta):
            rho, eps = opt.rho, opt.epsilon
            buf["a"] = rho * buf["a"] + (1 - rho) * g**2
            delta = np.sqrt(buf["b"] + eps) / np.sqrt(buf["a"] + eps) * g
            buf["b"] = rho * buf["b"] + (1 - rho) * delta**2
            theta = theta - lr * delta
        else:  # pragma: no cover
            raise AssertionError(opt)
    return theta


@pytest.mark.parametrize("optimizer", STEP_OPTIMIZERS, ids=repr)
def test_matches_documented_rule(optimizer):
    params, grads = _problem()
    ours = _run(optimizer, params, grads)
    for i, p in enumerate(params):
        expected = _reference(optimizer, p, [g[i] for g in grads])
        np.testing.assert_allclose(ours[i], expected, rtol=RTOL, atol=0)


# --------------------------------------------------------------------------
# Closed forms for a constant gradient g over t steps.
def _closed_form(opt, theta0, g, t):
    lr = opt.learning_rate
    k = np.arange(1, t + 1)
    if isinstance(opt, GD):
        return theta0 - t * lr * g
    if isinstance(opt, SGD):  # b_k = g Σ_{j<k} μ^j, plain when μ = 0, no dampening
        mu = opt.momentum
        b = g[None] * ((1 - mu**k) / (1 - mu))[:, None]
        d = g[None] + mu * b if opt.nesterov else b
        return theta0 - lr * d.sum(axis=0)
    if isinstance(opt, Momentum):  # v_k = g (1 − β^k)
        return theta0 - lr * g * np.sum(1 - opt.beta**k)
    if isinstance(opt, AdaGrad):  # s_k = s0 + k g²
        s = opt.initial_accumulator_value + k[:, None] * g[None] ** 2
        return theta0 - lr * np.sum(g[None] / (np.sqrt(s) + opt.epsilon), axis=0)
    if isinstance(opt, Adam) and not isinstance(opt, AdamW):
        # m̂ = g and v̂ = g² exactly: every step is α g / (|g| + ε)
        return theta0 - t * lr * g / (np.abs(g) + opt.epsilon)
    raise AssertionError(opt)  # pragma: no cover


CLOSED_FORM = [
    GD(learning_rate=0.1),
    SGD(learning_rate=0.1),
    SGD(learning_rate=0.01, momentum=0.9),
    SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
    Momentum(learning_rate=0.1, beta=0.9),
    AdaGrad(learning_rate=0.1, initial_accumulator_value=0.1),
    Adam(learning_rate=0.01),
    Adam(learning_rate=0.01, amsgrad=True),
]


@pytest.mark.parametrize("optimizer", CLOSED_FORM, ids=repr)
def test_constant_gradient_closed_form(optimizer):
    theta0 = np.array([1.0, -2.0, 0.7])  # no cancellation to zero after 50 steps
    g = np.array([0.3, -1.5, 4.0])
    params = _run(optimizer, [theta0], [[g]] * N_STEPS)
    np.testing.assert_allclose(params[0], _closed_form(optimizer, theta0, g, N_STEPS), rtol=RTOL)


# --------------------------------------------------------------------------
# torch.optim's trajectories on the same gradients, stored by
# tests/reference/make_torch_trajectories.py.
REGENERATE = "rerun python tests/reference/make_torch_trajectories.py where torch is installed"


def _assert_same_trajectory(actual, expected, context):
    assert len(actual) == len(expected)
    for t, (actual_step, expected_step) in enumerate(zip(actual, expected), start=1):
        for i, (a, e) in enumerate(zip(actual_step, expected_step)):
            np.testing.assert_allclose(a, e, rtol=RTOL, atol=1e-14, err_msg=f"{context}: step {t}, array {i}")


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.id)
def test_matches_stored_torch_trajectory(variant):
    stored = trajectories.load(trajectories.path(variant.id))
    described = trajectories.describe(variant.optimizer)
    assert {key: stored.metadata[key] for key in described} == described, f"{variant.id} changed: {REGENERATE}"
    optimizer_class = getattr(skopt_lab.optimizers, stored.metadata["optimizer"])
    rebuilt = optimizer_class(**stored.metadata["optimizer_params"])
    assert type(rebuilt) is type(variant.optimizer)
    assert rebuilt.get_params() == variant.optimizer.get_params()
    ours = _trajectory(rebuilt, stored.params, stored.grads)
    _assert_same_trajectory(ours, stored.steps, f"{variant.optimizer!r} against {stored.metadata['torch_class']}")


def test_every_torch_variant_has_its_stored_trajectory():
    ids = [variant.id for variant in VARIANTS]
    assert len(set(ids)) == len(ids)
    stored = {file.stem for file in trajectories.TORCH_DIR.glob("*.npz")}
    missing, stale = sorted(set(ids) - stored), sorted(stored - set(ids))
    assert not missing, f"no stored trajectory for {missing}: {REGENERATE}"
    assert not stale, f"stored trajectories without a variant: {stale}: {REGENERATE}"
    # every step optimizer with a torch.optim counterpart is compared
    assert {type(variant.optimizer) for variant in VARIANTS} == set(OPTIMIZERS.values()) - {Momentum, LBFGS}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.id)
def test_matches_torch(variant):
    """The stored trajectory is what the installed torch gives now."""
    torch = pytest.importorskip("torch")
    stored = trajectories.load(trajectories.path(variant.id))
    now = trajectories.torch_steps(variant.optimizer, stored.params, stored.grads)
    context = (
        f"torch {torch.__version__} no longer gives the trajectory stored with torch "
        f"{stored.metadata['torch_version']}; if torch changed on purpose, {REGENERATE}"
    )
    _assert_same_trajectory(now, stored.steps, context)


# --------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", STEP_OPTIMIZERS, ids=repr)
def test_float32_stays_float32(optimizer):
    params, grads = _problem(dtype=np.float32)
    state = optimizer.init(params)
    for g in grads[:5]:
        optimizer.step(params, g, state)
    assert all(p.dtype == np.float32 for p in params)
    buffers = [a for v in state.values() if isinstance(v, list) for a in v if isinstance(a, np.ndarray)]
    assert all(b.dtype == np.float32 for b in buffers)
    expected = _run(clone(optimizer), _problem()[0], _problem()[1][:5])
    np.testing.assert_allclose(params[0], expected[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("optimizer", STEP_OPTIMIZERS, ids=repr)
def test_step_leaves_gradients_alone_and_state_pickles(optimizer):
    params, grads = _problem()
    originals = [g.copy() for g in grads[0]]
    state = optimizer.init(params)
    optimizer.step(params, grads[0], state)
    for g, original in zip(grads[0], originals):
        np.testing.assert_array_equal(g, original)
    restored = pickle.loads(pickle.dumps(state))
    copy = [p.copy() for p in params]
    optimizer.step(params, grads[1], state)
    optimizer.step(copy, grads[1], restored)
    np.testing.assert_array_equal(params[0], copy[0])


def test_learning_rate_may_be_per_element():
    params = [np.ones(3)]
    opt = SGD()
    state = opt.init(params)
    state["learning_rate"] = np.array([0.0, 0.5, 1.0])
    opt.step(params, [np.ones(3)], state)
    np.testing.assert_array_equal(params[0], [1.0, 0.5, 0.0])


def test_clip_norm_rescales_global_norm():
    params = [np.zeros(2), np.zeros(1)]
    opt = SGD(learning_rate=1.0, clip_norm=1.0)
    grads = [np.array([3.0, 0.0]), np.array([4.0])]  # global norm 5
    state = opt.init(params)
    opt.step(params, grads, state)
    np.testing.assert_allclose(params[0], [-0.6, 0.0])
    np.testing.assert_allclose(params[1], [-0.8])
    np.testing.assert_array_equal(grads[1], [4.0])  # the caller's gradient is untouched
    small = [np.zeros(1)]
    opt.step(small, [np.array([0.5])], opt.init(small))
    np.testing.assert_allclose(small[0], [-0.5])  # below the threshold: unchanged


def test_sklearn_parameter_object_protocol():
    opt = Adam(learning_rate=0.01, amsgrad=True)
    assert opt.get_params()["learning_rate"] == 0.01
    assert repr(opt) == "Adam(amsgrad=True, learning_rate=0.01)"
    copy = clone(opt)
    assert copy is not opt and copy.get_params() == opt.get_params()
    copy.set_params(learning_rate=0.5)
    assert opt.learning_rate == 0.01 and copy.learning_rate == 0.5


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_string_shortcuts(name):
    assert type(get_optimizer(name)) is OPTIMIZERS[name]


def test_unknown_string_lists_the_names():
    with pytest.raises(ValueError, match="Unknown optimizer 'adamax'.*'gd'.*'lbfgs'"):
        get_optimizer("adamax")
    with pytest.raises(TypeError, match="instance, not the class Adam"):
        get_optimizer(Adam)
    with pytest.raises(TypeError, match="init\\(params\\) and step"):
        get_optimizer(object())


@pytest.mark.parametrize(
    "optimizer, message",
    [
        (SGD(learning_rate=-1.0), "'learning_rate' parameter of SGD must be a float in the range \\(0.0, inf\\)"),
        (Adam(beta_1=1.0), "'beta_1' parameter of Adam must be a float in the range \\[0.0, 1.0\\)"),
        (Adam(beta_2=-0.1), "'beta_2' parameter of Adam"),
        (Momentum(beta=1.5), "'beta' parameter of Momentum"),
        (RMSprop(rho=1.0), "'rho' parameter of RMSprop"),
        (AdaGrad(epsilon=-1.0), "'epsilon' parameter of AdaGrad"),
        (AdamW(weight_decay=-0.1), "'weight_decay' parameter of AdamW"),
        (SGD(clip_norm=0.0), "'clip_norm' parameter of SGD"),
        (LBFGS(memory=0), "'memory' parameter of LBFGS"),
        (LBFGS(clip_norm=1.0), "'clip_norm' parameter of LBFGS must be None"),
    ],
)
def test_invalid_hyperparameters(optimizer, message):
    with pytest.raises(InvalidParameterError, match=message):
        optimizer.init([np.zeros(2)])


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True\\) requires momentum > 0"):
        SGD(nesterov=True).init([np.zeros(2)])


def test_params_must_be_a_list_of_float_arrays():
    with pytest.raises(TypeError, match="list of arrays"):
        Adam().init(np.zeros(3))
    with pytest.raises(TypeError, match="float arrays"):
        Adam().init([np.zeros(3, dtype=int)])


def test_lbfgs_minimizes_a_quadratic_and_refuses_steps():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    result = LBFGS().minimize(lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), np.zeros(2), max_iter=100)
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-6)
    with pytest.raises(TypeError, match="does not take single gradient steps"):
        LBFGS().step([np.zeros(2)], [np.zeros(2)], LBFGS().init([np.zeros(2)]))


def test_custom_optimizer_through_the_protocol():
    class SignSGD(Optimizer):
        def __init__(self, learning_rate=0.1, clip_norm=None):
            self.learning_rate = learning_rate
            self.clip_norm = clip_norm

        def update(self, params, grads, state):
            for p, g in zip(params, grads):
                p -= state["learning_rate"] * np.sign(g)

    params = [np.array([1.0, -1.0])]
    opt = SignSGD()
    state = opt.init(params)
    for _ in range(3):
        opt.step(params, [np.array([2.0, -0.01])], state)
    np.testing.assert_allclose(params[0], [0.7, -0.7])
    assert state["step"] == 3
    assert math.isclose(clone(opt).learning_rate, 0.1)
