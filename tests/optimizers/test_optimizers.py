"""The optimizers against their reference rules.

Three kinds of reference: closed forms for a constant gradient, a direct
transcription of each documented rule run on random gradients, and
torch.optim's trajectories on random gradients, stored in
tests/reference/torch_trajectories by tests/reference/make_torch_trajectories.py
(and checked against the installed torch, where there is one). Then the
protocol: transforms and their typed states, chains, partitions by layout,
continuing a run, the generated signatures, validation once per fit.
"""

import dataclasses
import inspect
import pickle
from numbers import Real
from unittest import mock

import numpy as np
import pytest
from reference import trajectories
from reference.variants import VARIANTS
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.utils._param_validation import InvalidParameterError

import skopt_lab.optimizers
from skopt_lab import LinearRegressor, MLPClassifier
from skopt_lab.optimizers import (
    GD,
    LBFGS,
    OPTIMIZERS,
    SGD,
    Lion,
    Muon,
    ScheduleFreeAdamW,
    ScheduleFreeSGD,
    AdaGrad,
    Adadelta,
    Adam,
    AdamW,
    AddDecayedWeights,
    Block,
    Chain,
    ClipByGlobalNorm,
    Context,
    ExponentialDecay,
    Interval,
    Layout,
    Momentum,
    Nadam,
    Optimizer,
    Partition,
    RMSprop,
    ScaleByAdam,
    ScaleByLearningRate,
    StepDecay,
    Trace,
    Transform,
    full_batch,
    get_optimizer,
    takes_steps,
)
from skopt_lab.optimizers._combine import find_state, step_sizes
from skopt_lab.optimizers._schedules import ScheduleState
from skopt_lab.optimizers._transforms import (
    AdadeltaState,
    AdamState,
    LearningRateState,
    NadamState,
    RmsState,
    RssState,
    TraceState,
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
    # every step optimizer with a torch.optim counterpart is compared; the
    # recent four, with their own references, in test_new_optimizers.py
    recent = {Lion, ScheduleFreeAdamW, ScheduleFreeSGD, Muon}
    assert {type(variant.optimizer) for variant in VARIANTS} == set(OPTIMIZERS.values()) - {Momentum, LBFGS} - recent


@pytest.mark.torch
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
def _arrays(state):
    """Every array of a chain's state."""
    if isinstance(state, np.ndarray):
        return [state]
    if isinstance(state, (list, tuple)):
        return [a for item in state for a in _arrays(item)]
    if dataclasses.is_dataclass(state):
        return [a for field in dataclasses.fields(state) for a in _arrays(getattr(state, field.name))]
    return []


@pytest.mark.parametrize("optimizer", STEP_OPTIMIZERS, ids=repr)
def test_float32_stays_float32(optimizer):
    params, grads = _problem(dtype=np.float32)
    state = optimizer.init(params)
    for g in grads[:5]:
        optimizer.step(params, g, state)
    assert all(p.dtype == np.float32 for p in params)
    assert all(b.dtype == np.float32 for b in _arrays(state))
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
    opt = SGD(learning_rate=0.5)
    state = opt.init(params, lr_scale=np.array([0.0, 1.0, 2.0]))
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
    with pytest.raises(TypeError, match="subclass of skopt_lab.optimizers.Optimizer"):
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
        (AdamW(beta_1=2.0), "'beta_1' parameter of AdamW"),
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
    assert LBFGS().init([np.zeros(2)]) is None  # no state between iterations
    with pytest.raises(TypeError, match="does not take single gradient steps"):
        LBFGS().step([np.zeros(2)], [np.zeros(2)], None)
    with pytest.raises(TypeError, match="does not take single gradient steps"):
        LBFGS().chain()


# --------------------------------------------------------------------------
# The declared kind of training, read in one place.
@pytest.mark.parametrize(
    "optimizer, steps, whole_data",
    [(Adam(), True, False), (SGD(momentum=0.9), True, False), (GD(), True, True), (LBFGS(), False, True)],
    ids=repr,
)
def test_kind_says_how_an_optimizer_trains(optimizer, steps, whole_data):
    assert takes_steps(optimizer) is steps and full_batch(optimizer) is whole_data


def test_an_unknown_kind_is_refused():
    class Strange(Adam):
        kind = "sometimes"

    with pytest.raises(TypeError, match="kind must be one of"):
        takes_steps(Strange())


# --------------------------------------------------------------------------
# Flat parameter objects: shared hyperparameters, generated signatures.
def test_adamw_inherits_adams_hyperparameters():
    adam, adamw = inspect.signature(Adam).parameters, inspect.signature(AdamW).parameters
    assert list(adamw) == [*list(adam)[:-2], "weight_decay", "schedule", "clip_norm"]
    assert all(adamw[name].default == adam[name].default for name in adam)
    assert list(adam)[0] == "learning_rate" and adam["learning_rate"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(adam[name].kind is inspect.Parameter.KEYWORD_ONLY for name in list(adam)[1:])
    assert AdamW(0.01, beta_1=0.8).get_params() == {
        "learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.999, "epsilon": 1e-8, "amsgrad": False,
        "weight_decay": 0.01, "schedule": None, "clip_norm": None,
    }
    with pytest.raises(TypeError, match="weight_decy"):
        AdamW(weight_decy=0.1)
    with pytest.raises(TypeError):
        Adam(0.01, 0.9)  # only the learning rate is positional


@pytest.mark.parametrize("name", sorted(set(OPTIMIZERS) - {"lbfgs"}))
def test_every_step_optimizer_shares_learning_rate_schedule_and_clip_norm(name):
    parameters = list(inspect.signature(OPTIMIZERS[name]).parameters)
    assert parameters[0] == "learning_rate" and parameters[-2:] == ["schedule", "clip_norm"]
    schedule = StepDecay()
    chain = OPTIMIZERS[name](clip_norm=1.0, schedule=schedule).chain()
    assert isinstance(chain.transforms[0], ClipByGlobalNorm) and isinstance(chain.transforms[-1], ScaleByLearningRate)
    assert chain.transforms[-1].schedule is schedule


def test_adamw_is_adam_with_decoupled_weight_decay():
    assert [type(t) for t in AdamW().chain().transforms] == [ScaleByAdam, AddDecayedWeights, ScaleByLearningRate]
    assert AdamW(weight_decay=0.3).chain().transforms[1] == AddDecayedWeights(0.3)


# --------------------------------------------------------------------------
# Transforms and chains.
def _context(params, **options):
    return Context(Layout.of_arrays(params), **options)


def test_chain_composes_transforms_in_order_with_typed_states():
    params = [np.zeros(2)]
    chain = Chain(Trace(0.5), ClipByGlobalNorm(1.0), ScaleByLearningRate(0.1))
    state = chain.init(params, _context(params))
    assert [type(s) for s in state] == [TraceState, type(None), LearningRateState]
    for g in ([3.0, 4.0], [3.0, 4.0]):
        updates = [np.array(g)]
        chain.update(updates, state, params, [np.empty(2)])
    # momentum 1.5 · (3, 4) has norm 7.5, clipped to 1, then times −0.1
    np.testing.assert_allclose(updates[0], [-0.06, -0.08])
    assert state[0].count == 2


def test_a_transform_written_by_hand_fits_in_an_optimizer():
    class ScaleBySign(Transform):
        def update(self, updates, state, params, scratch):
            for u in updates:
                np.sign(u, out=u)

    class SignSGD(Optimizer, learning_rate=0.1):
        def transforms(self):
            return [ScaleBySign()]

    params = [np.array([1.0, -1.0])]
    opt = SignSGD()
    state = opt.init(params)
    for _ in range(3):
        opt.step(params, [np.array([2.0, -0.01])], state)
    np.testing.assert_allclose(params[0], [0.7, -0.7])
    assert repr(SignSGD(learning_rate=0.2, clip_norm=1.0)) == "SignSGD(clip_norm=1.0, learning_rate=0.2)"
    assert clone(SignSGD(learning_rate=0.2)).learning_rate == 0.2
    # and in an estimator, tuned like a built-in one
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    est = MLPClassifier((4,), optimizer=SignSGD(), max_iter=3, tol=None, random_state=0).fit(X, y)
    assert est.n_iter_ == 3 and est.optimizer_.learning_rate == 0.1


def test_the_former_protocol_is_refused_with_a_pointer_to_the_new_one():
    with pytest.raises(TypeError, match="defines full_batch, update, of the former optimizer protocol.*transforms\\(\\)"):
        class Former(SGD):  # noqa: F841
            full_batch = True

            def update(self, params, grads, state):
                pass


def test_a_custom_optimizer_needs_a_learning_rate_default():
    with pytest.raises(TypeError, match="learning_rate"):
        class NoRate(Optimizer, momentum=0.9):  # noqa: F841
            pass


@pytest.mark.parametrize("optimizer", STEP_OPTIMIZERS, ids=repr)
def test_step_sizes_compose_the_preconditioners(optimizer):
    """The l1 penalty's step size: the learning rate over the optimizer's
    diagonal preconditioner, as its rule states it (momentum aside)."""
    params, grads = _problem()
    state = optimizer.init(params)
    t = 3
    for g in grads[:t]:
        optimizer.step(params, g, state)
    lr, eps = optimizer.learning_rate, getattr(optimizer, "epsilon", None)
    if isinstance(optimizer, (GD, SGD, Momentum)):
        expected = [lr, lr]
    elif isinstance(optimizer, AdaGrad):
        expected = [lr / (np.sqrt(s) + eps) for s in find_state(state, RssState).sum_of_squares]
    elif isinstance(optimizer, RMSprop):
        rms = find_state(state, RmsState)
        means = rms.mean if optimizer.centered else [0.0] * len(params)
        expected = [lr / (np.sqrt(v - m * m) + eps) for v, m in zip(rms.mean_square, means)]
    elif isinstance(optimizer, Adam):
        adam = find_state(state, AdamState)
        second = adam.v_max if optimizer.amsgrad else adam.v
        expected = [lr / (1 - optimizer.beta_1**t) / (np.sqrt(v / (1 - optimizer.beta_2**t)) + eps) for v in second]
    elif isinstance(optimizer, Nadam):
        expected = [lr / (np.sqrt(v / (1 - optimizer.beta_2**t)) + eps) for v in find_state(state, NadamState).v]
    else:
        adadelta = find_state(state, AdadeltaState)
        expected = [
            lr * np.sqrt(w + eps) / np.sqrt(v + eps)
            for v, w in zip(adadelta.mean_square_gradient, adadelta.mean_square_delta)
        ]
    for size, e in zip(step_sizes(optimizer.chain(), state, params), expected):
        np.testing.assert_allclose(size, e, rtol=1e-12)


# --------------------------------------------------------------------------
# Continuing a run: each sub-state whose type and shape still match.
def test_resume_keeps_the_moments_of_the_same_transforms():
    params, grads = _problem()
    previous = Adam().init(params)
    for g in grads[:4]:
        Adam().step(params, g, previous)
    for optimizer in (Adam(learning_rate=0.1), AdamW(), Adam(clip_norm=1.0)):
        state = optimizer.init(params, previous=previous)
        assert find_state(state, AdamState) is find_state(previous, AdamState), optimizer
    assert find_state(Adam(amsgrad=True).init(params, previous=previous), AdamState).count == 0  # v_max: a new layout
    assert find_state(Nadam().init(params, previous=previous), AdamState) is None
    assert find_state(SGD(momentum=0.9).init(params, previous=previous), TraceState).count == 0
    other_shapes = [np.zeros(3), np.zeros(5)]
    assert find_state(Adam().init(other_shapes, previous=previous), AdamState).count == 0


def test_resume_continues_the_schedule_only_when_asked():
    params = [np.zeros(2)]
    optimizer = SGD(learning_rate=1.0, schedule=ExponentialDecay(gamma=0.5))
    chain, previous = optimizer.chain(), optimizer.init(params, n_epochs=10)
    for _ in range(3):
        chain.end_epoch(previous, loss=1.0)
    restarted = optimizer.init(params, n_epochs=10, previous=previous)
    continued = optimizer.init(params, n_epochs=10, previous=previous, keep_schedule=True)
    assert chain.begin_epoch(restarted) == 1.0 and find_state(restarted, ScheduleState).epoch == 0
    assert chain.begin_epoch(continued) == 0.125 and find_state(continued, ScheduleState).epoch == 3


def test_warm_start_carries_adams_moments_to_adamw():
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 2
    params = dict(max_iter=3, tol=None, warm_start=True, random_state=0)
    est = MLPClassifier((5,), optimizer=Adam(), **params).fit(X, y)
    est.set_params(optimizer=AdamW()).fit(X, y)
    assert find_state(est._train_state.optimizer_state, AdamState).count == 6


# --------------------------------------------------------------------------
# The layout of the flat vector, and different transforms for its parts.
def test_estimators_give_the_layout_of_their_trainable_layers():
    X, y = np.random.default_rng(0).normal(size=(30, 4)), np.arange(30) % 3
    seen = []

    class Spy(Transform):
        def init(self, params, context):
            seen.append(context)

        def update(self, updates, state, params, scratch):
            pass

    class SpySGD(SGD):
        def transforms(self):
            return [Spy()]

    est = MLPClassifier((6, 5), optimizer=SpySGD(), max_iter=1, tol=None, random_state=0).fit(X, y)
    layout = seen[0].layout
    assert [(b.name, b.shape, b.layer, b.role) for b in layout.blocks] == [
        ("coefs_[0]", (4, 6), 0, "weight"), ("intercepts_[0]", (6,), 0, "bias"),
        ("coefs_[1]", (6, 5), 1, "weight"), ("intercepts_[1]", (5,), 1, "bias"),
        ("coefs_[2]", (5, 3), 2, "weight"), ("intercepts_[2]", (3,), 2, "bias"),
    ]
    assert layout.n_layers == 3 and seen[0].n_epochs == 1
    trainable = est._train_state.theta[est._network.trainable_offset :]
    for block, coef in zip(layout.blocks[::2], est.coefs_):
        assert np.shares_memory(block.view([trainable]), trainable)
        np.testing.assert_array_equal(block.view([trainable]), coef)


class _PartlyDecayed(Adam, weight_decay=0.5):
    """AdamW's decay on the first layer's weight matrix only."""

    def transforms(self):
        def first_weights(block):
            return "decayed" if block.role == "weight" and block.layer == 0 else "plain"

        decay = Partition({"decayed": AddDecayedWeights(self.weight_decay), "plain": Chain()}, first_weights)
        return [*super().transforms(), decay]


def test_partition_applies_a_transform_per_group_of_blocks():
    layout = Layout(
        (
            Block("coefs_[0]", 0, 0, 6, (2, 3), layer=0),
            Block("intercepts_[0]", 0, 6, 9, (3,), layer=0, role="bias"),
            Block("coefs_[1]", 0, 9, 12, (3, 1), layer=1),
            Block("intercepts_[1]", 0, 12, 13, (1,), layer=1, role="bias"),
        ),
        n_layers=2,
    )
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=13), [rng.normal(size=13) for _ in range(5)]
    runs = {}
    for optimizer in (_PartlyDecayed(learning_rate=0.1), AdamW(learning_rate=0.1, weight_decay=0.5), Adam(learning_rate=0.1)):
        params = [start.copy()]
        state = optimizer.init(params, layout=layout)
        for g in grads:
            optimizer.step(params, [g], state)
        runs[type(optimizer)] = params[0]
    np.testing.assert_allclose(runs[_PartlyDecayed][:6], runs[AdamW][:6], rtol=1e-12)
    np.testing.assert_allclose(runs[_PartlyDecayed][6:], runs[Adam][6:], rtol=1e-12)
    assert not np.allclose(runs[AdamW][6:], runs[Adam][6:])


def test_an_estimator_trains_with_a_partition():
    X, y = np.random.default_rng(0).normal(size=(50, 4)), np.arange(50) % 2
    common = dict(max_iter=30, tol=None, random_state=0, alpha=0.0)
    partly = MLPClassifier((6,), optimizer=_PartlyDecayed(learning_rate=0.01, weight_decay=5.0), **common).fit(X, y)
    plain = MLPClassifier((6,), optimizer=Adam(learning_rate=0.01), **common).fit(X, y)
    assert np.linalg.norm(partly.coefs_[0]) < 0.5 * np.linalg.norm(plain.coefs_[0])
    assert find_state(partly._train_state.optimizer_state, AdamState).count == 30
    restored = pickle.loads(pickle.dumps(partly))
    partly.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_array_equal(restored.coefs_[0], partly.coefs_[0])


def test_partition_writes_through_views_of_any_array():
    params = [np.ones((3, 2)).T, np.ones(2)]  # a transposed, non-contiguous array is one block
    decay = Partition({"weight": AddDecayedWeights(1.0), "bias": Chain()}, lambda block: block.role)
    updates = [np.zeros((3, 2)).T, np.zeros(2)]
    decay.update(updates, decay.init(params, _context(params)), params, [np.empty((2, 3)), np.empty(2)])
    np.testing.assert_array_equal(updates[0], np.ones((2, 3)))
    part = Block("w", 0, 0, 3, (3,))
    with pytest.raises(ValueError, match="not C-contiguous"):
        part.view([np.ones((3, 2)).T])


def test_partition_refuses_an_unlabelled_group():
    params = [np.zeros((2, 2)), np.zeros(2)]
    partition = Partition({"weight": Chain()}, lambda block: block.role)
    with pytest.raises(ValueError, match="no transform for the labels \\[\"'bias'\"\\]"):
        partition.init(params, _context(params))


# --------------------------------------------------------------------------
def test_parameters_are_validated_once_per_fit():
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40, dtype=float)
    schedule = StepDecay()
    with (
        mock.patch.object(Adam, "_validate_params", autospec=True, side_effect=Adam._validate_params) as optimizer,
        mock.patch.object(StepDecay, "_validate_params", autospec=True, side_effect=StepDecay._validate_params) as sched,
    ):
        LinearRegressor(Adam(schedule=schedule), max_iter=2, tol=None).fit(X, y)
        assert optimizer.call_count == 1 and sched.call_count == 1
        LinearRegressor(Adam(schedule=schedule), max_iter=2, tol=None).partial_fit(X, y)
        assert optimizer.call_count == 2 and sched.call_count == 2


def test_custom_optimizer_constraints_need_no_private_import():
    class Signum(Optimizer, learning_rate=1e-3, momentum=0.9):
        _parameter_constraints = {**Optimizer._parameter_constraints, "momentum": [Interval(Real, 0, 1, closed="left")]}

        def transforms(self):
            return [Trace(self.momentum)]

    with pytest.raises(ValueError, match="'momentum' parameter of Signum"):
        Signum(momentum=1.5).validate()


# --------------------------------------------------------------------------
# An optimizer that evaluates the model elsewhere than where it trains it
# (as schedule-free methods do): the estimators predict, score, early-stop
# and pickle with its evaluation parameters.
@dataclasses.dataclass
class _AverageState:
    count: int
    average: list


class _EvaluateAtTheAverage(Transform):
    """Last in a chain: the running mean of the iterates, where the model is evaluated."""

    def init(self, params, context):
        return _AverageState(0, [p.copy() for p in params])

    def update(self, updates, state, params, scratch):
        state.count += 1
        for average, p, u in zip(state.average, params, updates):
            average += (p + u - average) * (1.0 / state.count)  # ā ← ā + (θ − ā)/k

    def evaluation_params(self, state, params):
        return state.average


class _AveragedSGD(SGD):
    def chain(self):
        return Chain(*super().chain().transforms, _EvaluateAtTheAverage())


@pytest.mark.parametrize("early_stopping", [False, True])
def test_estimators_evaluate_where_the_optimizer_says(early_stopping):
    X, y = load_iris(return_X_y=True)
    common = dict(batch_size=20, max_iter=8, tol=None, early_stopping=early_stopping, random_state=0)
    ours = MLPClassifier((5,), optimizer=_AveragedSGD(learning_rate=0.1), **common).fit(X, y)
    # the trainer's own averaging of the iterates is the same model
    averaged = MLPClassifier((5,), optimizer=SGD(learning_rate=0.1), average=True, **common).fit(X, y)
    np.testing.assert_array_equal(ours.predict_proba(X), averaged.predict_proba(X))
    if early_stopping:  # scored at the average, and the best average restored
        assert ours.validation_scores_ == averaged.validation_scores_
    else:
        assert not np.array_equal(ours._train_state.theta, ours._train_state.model_theta)
    restored = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(restored.predict_proba(X), ours.predict_proba(X))


def test_partial_fit_continues_both_sequences():
    X, y = load_iris(return_X_y=True)
    common = dict(batch_size=20, random_state=0)
    ours = MLPClassifier((5,), optimizer=_AveragedSGD(learning_rate=0.1), **common)
    averaged = MLPClassifier((5,), optimizer=SGD(learning_rate=0.1), average=True, **common)
    for _ in range(3):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        averaged.partial_fit(X, y, classes=[0, 1, 2])
        ours = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(ours.coefs_[0], averaged.coefs_[0])
