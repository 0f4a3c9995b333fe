"""Lion, Schedule-Free AdamW and SGD, and Muon against their references, and
the schedule-free methods' two sequences inside the estimators.

The references' trajectories on an MLP's and a linear model's losses are
stored in tests/reference/recent_trajectories (made by
tests/reference/make_recent_trajectories.py); with torch, lion-pytorch and
schedulefree installed, the files are checked against a fresh run too.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning

from reference import recent
from skopt_lab import LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor
from skopt_lab.optimizers import (
    OPTIMIZERS,
    CosineAnnealing,
    Lion,
    Muon,
    ScheduleFreeAdamW,
    ScheduleFreeSGD,
    get_optimizer,
    orthogonalize,
)

REGENERATE = "rerun python tests/reference/make_recent_trajectories.py where torch, lion-pytorch and schedulefree are installed"
FLOAT64 = [v for v in recent.VARIANTS if not v.bfloat16]
BFLOAT16 = [v for v in recent.VARIANTS if v.bfloat16]


def _our_run(variant):
    """Our optimizer on the variant's problem, closed loop: the parameters
    after every step, and where the model is evaluated."""
    network, X, Y, theta = recent.problem(variant.problem)
    optimizer = clone(variant.optimizer)
    theta = theta.copy()
    state = optimizer.init([theta], layout=network.layout())
    chain = optimizer.chain()
    steps, evaluations = [], []
    for _ in range(recent.N_STEPS):
        updates = [recent.gradient(network, X, Y, theta)]
        chain.update(updates, state, [theta], [np.empty_like(theta)])
        theta += updates[0]
        steps.append(theta.copy())
        evaluation = chain.evaluation_params(state, [theta])
        evaluations.append(None if evaluation is None else evaluation[0])
    return steps, evaluations


def _stored(variant):
    file = recent.path(variant)
    assert file.exists(), f"{file} is missing: {REGENERATE}"
    return recent.load(file)


@pytest.mark.parametrize("variant", FLOAT64, ids=lambda v: v.id)
def test_matches_the_stored_reference_trajectory(variant):
    stored = _stored(variant)
    assert stored["metadata"]["optimizer_repr"] == repr(variant.optimizer), REGENERATE
    steps, evaluations = _our_run(variant)
    np.testing.assert_allclose(steps, stored["steps"], rtol=1e-10, atol=1e-10)
    assert np.abs(stored["steps"][-1] - stored["params"]).max() > 0.1  # the run went somewhere
    if "evaluations" in stored:  # schedule-free: the reference's eval() point
        np.testing.assert_allclose(evaluations, stored["evaluations"], rtol=1e-10, atol=1e-10)
        assert np.abs(stored["evaluations"][-1] - stored["steps"][-1]).max() > 1e-3
    else:
        assert all(evaluation is None for evaluation in evaluations)


@pytest.mark.parametrize("variant", BFLOAT16, ids=lambda v: v.id)
def test_muon_agrees_with_torch_bfloat16_newton_schulz_to_its_precision(variant):
    # torch.optim.Muon casts to bfloat16 (8 bits of mantissa) before
    # orthogonalizing: 50 steps of ours in float64 stay within 1e-2 of it.
    stored = _stored(variant)
    steps, _ = _our_run(variant)
    error = np.abs(np.array(steps) - stored["steps"]).max()
    assert error < 1e-2
    assert error > 1e-6  # it is bfloat16's error, not none


@pytest.mark.parametrize("variant", recent.VARIANTS, ids=lambda v: v.id)
def test_stored_trajectory_is_the_reference_run(variant):
    pytest.importorskip("torch")
    pytest.importorskip("lion_pytorch")
    pytest.importorskip("schedulefree")
    stored = _stored(variant)
    params, grads, steps, evaluations, _ = recent.reference_run(variant)
    np.testing.assert_allclose(steps, stored["steps"], rtol=1e-12, atol=1e-12, err_msg=REGENERATE)
    np.testing.assert_allclose(grads, stored["grads"], rtol=1e-12, atol=1e-12, err_msg=REGENERATE)
    if evaluations:
        np.testing.assert_allclose(evaluations, stored["evaluations"], rtol=1e-12, atol=1e-12, err_msg=REGENERATE)


def test_the_stored_problems_cover_mlp_and_linear_losses():
    problems = {(type(v.optimizer), v.problem) for v in FLOAT64}
    for optimizer in (Lion, ScheduleFreeAdamW, ScheduleFreeSGD):
        assert {(optimizer, "mlp"), (optimizer, "linear")} <= problems
    assert (Muon, "mlp") in problems


def test_new_optimizers_are_registered_by_name():
    for name, cls in [("lion", Lion), ("schedulefree_adamw", ScheduleFreeAdamW), ("schedulefree_sgd", ScheduleFreeSGD), ("muon", Muon)]:
        assert OPTIMIZERS[name] is cls
        assert type(get_optimizer(name)) is cls


def test_defaults_are_the_references():
    assert Lion().get_params() == {
        "learning_rate": 1e-4, "beta_1": 0.9, "beta_2": 0.99, "weight_decay": 0.0, "schedule": None, "clip_norm": None
    }  # fmt: skip
    sf = ScheduleFreeAdamW()
    assert (sf.learning_rate, sf.beta, sf.beta_2, sf.epsilon, sf.weight_decay, sf.warmup_steps) == (0.0025, 0.9, 0.999, 1e-8, 0, 0)
    assert (sf.r, sf.weight_lr_power) == (0.0, 2.0)
    assert (ScheduleFreeSGD().learning_rate, ScheduleFreeSGD().beta) == (1.0, 0.9)
    muon = Muon()
    assert (muon.momentum, muon.nesterov, muon.weight_decay, muon.ns_steps, muon.epsilon) == (0.95, True, 0.1, 5, 1e-7)
    assert tuple(muon.ns_coefficients) == (3.4445, -4.7750, 2.0315)


def test_orthogonalize_flattens_the_singular_values():
    # M = U Σ Vᵀ with singular values 1 to 1e-2 goes to U f(Σ) Vᵀ, f(σ) ≈ 1.
    rng = np.random.default_rng(0)
    for shape in [(6, 3), (3, 6), (4, 4)]:
        k = min(shape)
        u, _ = np.linalg.qr(rng.normal(size=(shape[0], k)))
        v, _ = np.linalg.qr(rng.normal(size=(shape[1], k)))
        matrix = u @ np.diag(np.logspace(0, -2, k)) @ v.T
        core = u.T @ orthogonalize(matrix, n_steps=10) @ v
        np.testing.assert_allclose(core - np.diag(np.diag(core)), 0, atol=1e-10)
        assert np.diag(core).min() > 0.6 and np.diag(core).max() < 1.25


# ------------------------------------------------------------- estimators
def _regression():
    X, y = load_diabetes(return_X_y=True)
    return X[:150], y[:150]


def _sf_mlp(**params):
    return MLPRegressor(
        hidden_layer_sizes=(8,), optimizer=ScheduleFreeSGD(learning_rate=0.05), batch_size=30, shuffle=False,
        tol=None, random_state=0, **params,
    )  # fmt: skip


@pytest.mark.parametrize("optimizer", [ScheduleFreeSGD(learning_rate=0.05), ScheduleFreeAdamW(learning_rate=0.01)], ids=repr)
def test_schedule_free_estimator_predicts_at_the_average_not_the_iterate(optimizer):
    X, y = _regression()
    model = _sf_mlp(max_iter=5).set_params(optimizer=optimizer).fit(X, y)
    state = model._train_state
    chain = model.optimizer.chain()
    x = chain.evaluation_params(state.optimizer_state, [state.theta])[0]
    assert np.abs(x - state.theta).max() > 1e-3  # the two sequences are apart
    at_x = model._network.forward(x, X)[:, 0]
    at_y = model._network.forward(state.theta, X)[:, 0]
    raw = model._raw_output(X)[:, 0]
    np.testing.assert_allclose(raw, at_x)
    assert np.abs(raw - at_y).max() > 1e-6
    assert model.score(X, y) == pytest.approx(1 - ((y - model.predict(X)) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def test_schedule_free_early_stopping_keeps_the_best_average():
    X, y = _regression()
    long = _sf_mlp(max_iter=12, early_stopping=True, n_iter_no_change=100).fit(X, y)
    best = int(np.argmax(long.validation_scores_)) + 1
    assert best < 12, "the test needs a best epoch before the last"
    short = _sf_mlp(max_iter=best, early_stopping=True, n_iter_no_change=100).fit(X, y)
    # The long run restored the average x of its best epoch, the one the short run ends at.
    np.testing.assert_allclose(long.predict(X), short.predict(X))
    assert long.best_validation_score_ == pytest.approx(short.validation_scores_[-1])


def test_schedule_free_partial_fit_continues_both_sequences():
    X, y = _regression()
    once = _sf_mlp().partial_fit(X, y, n_epochs=4)
    twice = _sf_mlp().partial_fit(X, y, n_epochs=2).partial_fit(X, y, n_epochs=2)
    np.testing.assert_allclose(twice.predict(X), once.predict(X), rtol=1e-12)
    np.testing.assert_allclose(twice._train_state.theta, once._train_state.theta, rtol=1e-12)
    restarted = _sf_mlp().partial_fit(X, y, n_epochs=2)  # a fresh z would move differently
    restarted._train_state.optimizer_state = clone(restarted.optimizer).init(
        [restarted._train_state.theta], layout=restarted._network.layout()
    )
    restarted.partial_fit(X, y, n_epochs=2)
    assert np.abs(restarted.predict(X) - once.predict(X)).max() > 1e-3


def test_schedule_free_warm_start_continues_both_sequences():
    X, y = _regression()
    straight = _sf_mlp(max_iter=6).fit(X, y)
    warm = _sf_mlp(max_iter=3, warm_start=True).fit(X, y).fit(X, y)
    np.testing.assert_allclose(warm.predict(X), straight.predict(X), rtol=1e-10)


def test_schedule_free_pickles_with_both_sequences():
    X, y = _regression()
    model = _sf_mlp().partial_fit(X, y, n_epochs=3)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    np.testing.assert_array_equal(copy.partial_fit(X, y).predict(X), model.partial_fit(X, y).predict(X))


@pytest.mark.parametrize("Optimizer", [ScheduleFreeAdamW, ScheduleFreeSGD])
def test_schedule_free_refuses_a_schedule_before_training(Optimizer):
    X, y = _regression()
    model = _sf_mlp().set_params(optimizer=Optimizer(schedule=CosineAnnealing()))
    with pytest.raises(ValueError, match="takes no schedule.*warmup_steps"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_schedule_free_linear_model_predicts_at_the_average():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    model = LinearClassifier(optimizer=ScheduleFreeSGD(learning_rate=0.1), max_iter=4, tol=None, random_state=0).fit(X, y)
    state = model._train_state
    x = model.optimizer.chain().evaluation_params(state.optimizer_state, [state.theta])[0]
    np.testing.assert_allclose(model.decision_function(X), model._network.forward(x, X)[:, 0])


@pytest.mark.parametrize("Estimator", [LinearRegressor, LinearClassifier])
def test_muon_on_a_linear_model_is_refused_clearly_and_leaves_it_as_it_was(Estimator):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = Estimator(optimizer="adam", max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    before = pickle.dumps(model)
    model.set_params(optimizer=Muon(), warm_start=True)
    with pytest.raises(ValueError, match="Muon orthogonalizes the weight matrices of hidden layers.*linear model.*AdamW"):
        model.fit(X, y)
    model.set_params(optimizer="adam", warm_start=False)
    assert pickle.dumps(model) == before


def test_muon_orthogonalizes_the_hidden_layers_and_leaves_the_output_layer_to_adamw():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    muon = Muon(learning_rate=0.1, weight_decay=0.0, momentum=0.0, nesterov=False, ns_steps=10, adamw_weight_decay=0.0)
    model = MLPClassifier(hidden_layer_sizes=(5,), optimizer=muon, batch_size=60, max_iter=1, alpha=0, random_state=0)
    frozen = clone(model).set_params(optimizer=Muon(learning_rate=1e-300, adamw_learning_rate=1e-300))
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    with pytest.warns(ConvergenceWarning):
        start = frozen.fit(X, y).coefs_  # the same initial weights, not moved
    singular = np.linalg.svd(model.coefs_[0] - start[0], compute_uv=False)
    singular = singular[singular > 1e-8]  # the gradient's rank
    assert len(singular) >= 2
    assert np.all((singular > 0.6 * 0.1 * np.sqrt(5 / 4)) & (singular < 1.25 * 0.1 * np.sqrt(5 / 4)))  # α ρ each
    np.testing.assert_allclose(np.abs(model.coefs_[1] - start[1]), 3e-4, rtol=1e-5)  # AdamW's first step (ε aside)
