"""Data augmentation: the parameter objects, their geometry and statistics,
and what the estimators guarantee with them (training batches only,
reproducible, refused where it makes no sense, tunable in searches)."""

import pickle

import numpy as np
import pytest
from scipy import ndimage, sparse
from scipy.stats import uniform
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skopt_lab import (
    BayesSearchCV,
    HyperbandSearchCV,
    LinearClassifier,
    LinearRegressor,
    MLPClassifier,
    MLPRegressor,
)
from skopt_lab._engine.trainer import InMemoryRows, Trainer
from skopt_lab.augmentation import Augmentation, Compose, FeatureDropout, GaussianNoise, Mixup, RandomAffine
from skopt_lab.optimizers import SGD, Adam

from reference import make_no_augmentation_fits as no_augmentation

ESTIMATORS = (LinearClassifier, LinearRegressor, MLPClassifier, MLPRegressor)
AUGMENTATIONS = [
    GaussianNoise(std=0.3),
    FeatureDropout(rate=0.2),
    Mixup(alpha=0.4),
    RandomAffine((2, 2), rotation=20, shift=0.5, scale=0.1),
    [GaussianNoise(std=0.1), Mixup(alpha=0.2)],
]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


def _targets(Estimator, y):
    return y if Estimator in (LinearClassifier, MLPClassifier) else (y - y.mean()) / y.std()


def _small(Estimator, **params):
    extra = {"hidden_layer_sizes": (8,)} if Estimator in (MLPClassifier, MLPRegressor) else {}
    return Estimator(batch_size=32, max_iter=3, tol=None, random_state=0, **extra, **params)


class Spy(Augmentation):
    """Records every batch it is given (its first column: the rows' ids) and
    returns copies, so training goes on as without augmentation."""

    batches = []

    def augment(self, X, Y, rng):
        Spy.batches.append(X[:, 0].copy())
        return X.copy(), Y.copy()


@pytest.fixture
def spy():
    Spy.batches = []
    yield Spy()
    Spy.batches = []


def _with_ids(X):
    """X with a first column of row ids, 0 to n − 1."""
    return np.column_stack([np.arange(len(X), dtype=float), X])


# ------------------------------------------------------- parameter objects
@pytest.mark.parametrize(
    "augmentation, params",
    [
        (GaussianNoise(), {"std": 0.5}),
        (FeatureDropout(), {"rate": 0.3}),
        (Mixup(), {"alpha": 1.0}),
        (RandomAffine((8, 8)), {"rotation": 15, "shift": 1.0, "scale": 0.1}),
        (Compose([GaussianNoise()]), {"gaussiannoise__std": 0.2}),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, dict) else "",
)
def test_parameter_objects_get_set_and_clone(augmentation, params):
    augmentation.set_params(**params)
    assert {key: augmentation.get_params()[key] for key in params} == params
    copy = clone(augmentation)
    assert copy is not augmentation
    assert repr(copy) == repr(augmentation)


@pytest.mark.parametrize(
    "augmentation, match",
    [
        (GaussianNoise(std=-0.1), "std"),
        (FeatureDropout(rate=1.0), "rate"),
        (Mixup(alpha=-1), "alpha"),
        (RandomAffine((8, 8), rotation=200), "rotation"),
        (RandomAffine((8, 8), shift=-1), "shift"),
        (RandomAffine((8, 8), scale=1.0), "scale"),
        (RandomAffine((8, 0)), "image_shape"),
        (RandomAffine((64,)), "image_shape"),
        (Compose([GaussianNoise(), "noise"]), "augment"),
        (Compose([GaussianNoise(std=-1)]), "std"),
    ],
)
def test_invalid_hyperparameters_are_refused_before_training(augmentation, match, iris):
    X, y = iris
    model = MLPClassifier((4,), augmentation=augmentation, max_iter=1, random_state=0)
    with pytest.raises(ValueError, match=match):
        model.fit(X[:, :4].repeat(16, axis=1), y)
    assert not hasattr(model, "n_iter_")


# ------------------------------------------------------------ the transforms
def test_gaussian_noise_has_its_std_in_the_training_dtype():
    X = np.full((4000, 5), 2.0, dtype=np.float32)
    Y = np.zeros((4000, 1), dtype=np.float32)
    before = X.copy()
    X_new, Y_new = GaussianNoise(std=0.3).augment(X, Y, np.random.default_rng(0))
    assert X_new.dtype == np.float32
    np.testing.assert_allclose((X_new - X).mean(), 0, atol=0.01)
    np.testing.assert_allclose((X_new - X).std(), 0.3, rtol=0.02)
    assert Y_new is Y
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_noise_is_standard_normal_and_independent(dtype):
    from scipy import stats

    from skopt_lab.augmentation._noise import standard_normal

    z = standard_normal(np.random.default_rng(0), (401, 500), dtype)  # an odd number of values
    assert z.dtype == dtype and z.shape == (401, 500)
    values = z.ravel().astype(np.float64)
    assert stats.kstest(values, "norm").pvalue > 0.01
    np.testing.assert_allclose([values.mean(), values.std(), stats.skew(values), stats.kurtosis(values)], [0, 1, 0, 0], atol=0.02)
    # the two values of each Box-Muller pair (first and second half) are uncorrelated, in value and in size
    half = len(values) // 2
    assert abs(np.corrcoef(values[:half], values[half : 2 * half])[0, 1]) < 0.01
    assert abs(np.corrcoef(values[:half] ** 2, values[half : 2 * half] ** 2)[0, 1]) < 0.01
    # its tails are the normal's, down to 1e-4: counts within 4 standard deviations
    for bound in (2.0, 3.0, 3.7):
        expected = len(values) * 2 * stats.norm.sf(bound)
        assert abs((np.abs(values) > bound).sum() - expected) < 4 * np.sqrt(expected), bound


def test_feature_dropout_zeroes_at_its_rate_without_rescaling():
    X = np.random.default_rng(1).uniform(1, 2, size=(2000, 10))
    X_new, _ = FeatureDropout(rate=0.3).augment(X, np.zeros((2000, 1)), np.random.default_rng(0))
    dropped = X_new == 0
    np.testing.assert_allclose(dropped.mean(), 0.3, atol=0.01)
    np.testing.assert_array_equal(X_new[~dropped], X[~dropped])


def test_mixup_mixes_rows_and_targets_with_the_same_weights():
    rng = np.random.default_rng(0)
    n = 500
    X = rng.normal(size=(n, 3))
    Y = np.eye(4)[rng.integers(0, 4, n)]
    # one feature carries the row's id, so the partner can be recovered
    X[:, 0] = np.arange(n)
    X_new, Y_new = Mixup(alpha=0.4).augment(X, Y, np.random.default_rng(1))
    # replay the draws: weights λ and partners
    replay = np.random.default_rng(1)
    b = replay.beta(0.4, 0.4, size=n)
    weight = np.maximum(b, 1 - b)
    partner = replay.permutation(n)
    np.testing.assert_allclose(X_new, weight[:, None] * X + (1 - weight[:, None]) * X[partner])
    np.testing.assert_allclose(Y_new, weight[:, None] * Y + (1 - weight[:, None]) * Y[partner])
    assert weight.min() >= 0.5
    np.testing.assert_allclose(Y_new.sum(axis=1), 1)  # still a distribution over classes
    assert ((Y_new > 0) & (Y_new < 1)).any()  # soft labels


@pytest.mark.parametrize(
    "augmentation",
    [GaussianNoise(std=0), FeatureDropout(rate=0), Mixup(alpha=0), RandomAffine((2, 3))],
    ids=lambda a: type(a).__name__,
)
def test_zero_strength_returns_the_batch_and_draws_nothing(augmentation):
    X, Y = np.ones((4, 6)), np.ones((4, 1))
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    X_new, Y_new = augmentation.augment(X, Y, rng)
    assert X_new is X and Y_new is Y
    assert rng.bit_generator.state == state


# ----------------------------------------------------- RandomAffine geometry
def _images(shape, n=3):
    return np.random.default_rng(0).random((n, *shape))


@pytest.mark.parametrize("angle", [0, 7.5, -20, 45, 90, 163])
def test_rotation_matches_scipy_rotate_with_bilinear_interpolation(angle):
    images = _images((7, 9))
    ours = RandomAffine((7, 9)).warp(images.reshape(3, -1), angle=angle).reshape(images.shape)
    reference = [ndimage.rotate(image, angle, reshape=False, order=1, mode="grid-constant") for image in images]
    np.testing.assert_allclose(ours, reference, atol=1e-12)


@pytest.mark.parametrize(
    "angle, shift, scale", [(0, (1.5, -0.25), 0.0), (0, 0, 0.2), (30, (-1, 2), -0.15), (-12, (0.4, 0.7), 0.05)]
)
def test_rotation_shift_and_scale_match_scipy_affine_transform(angle, shift, scale):
    images = _images((8, 6, 2))
    ours = RandomAffine((8, 6, 2)).warp(images.reshape(3, -1), angle=angle, shift=shift, scale=scale)
    # source = A (p − c − t) / s + c for output pixel p, per channel
    theta = np.deg2rad(angle)
    A = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]]) / (1 + scale)
    centre = (np.array([8, 6]) - 1) / 2
    offset = centre - A @ (centre + np.asarray(shift, dtype=float))
    reference = [
        np.stack(
            [ndimage.affine_transform(image[..., c], A, offset, order=1, mode="grid-constant") for c in range(2)],
            axis=-1,
        )
        for image in images
    ]
    np.testing.assert_allclose(ours.reshape(images.shape), reference, atol=1e-12)


def test_a_positive_shift_moves_the_content_down_and_right():
    image = np.zeros((1, 5, 5))
    image[0, 2, 2] = 1.0
    moved = RandomAffine((5, 5)).warp(image.reshape(1, -1), shift=(1, 2)).reshape(5, 5)
    assert moved[3, 4] == 1.0 and moved.sum() == 1.0


def test_the_identity_transform_returns_the_input_exactly():
    images = _images((8, 8), n=5).reshape(5, -1).astype(np.float32)
    out = RandomAffine((8, 8)).warp(images, angle=0, shift=0, scale=0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, images)


def test_random_affine_stays_within_its_ranges():
    # A dot at the centre: its centre of mass moves by the shift only.
    n = 2000
    images = np.zeros((n, 9, 9))
    images[:, 4, 4] = 1.0
    X = images.reshape(n, -1)
    before = X.copy()
    X_new, _ = RandomAffine((9, 9), shift=1.5).augment(X, np.zeros((n, 1)), np.random.default_rng(0))
    np.testing.assert_array_equal(X, before)
    moved = X_new.reshape(n, 9, 9)
    rows = (moved.sum(axis=2) * np.arange(9)).sum(axis=1) / moved.sum(axis=(1, 2)) - 4
    assert np.abs(rows).max() <= 1.5 + 1e-9
    assert np.abs(rows).max() > 1.4  # the range is used, both ways
    assert rows.min() < -1.4


def test_random_affine_keeps_no_buffer_when_pickled():
    augmentation = RandomAffine((8, 8), rotation=10)
    augmentation.augment(np.ones((4, 64)), np.ones((4, 1)), np.random.default_rng(0))
    assert "_cache" in vars(augmentation)
    assert "_cache" not in vars(pickle.loads(pickle.dumps(augmentation)))


# ------------------------------------------------------------------ Compose
def test_compose_names_its_steps_like_make_pipeline():
    compose = Compose([GaussianNoise(), RandomAffine((8, 8)), GaussianNoise(std=0.2)])
    assert [name for name, _ in compose.named_steps()] == ["gaussiannoise-1", "randomaffine", "gaussiannoise-2"]
    compose.set_params(**{"gaussiannoise-2__std": 0.5, "randomaffine__rotation": 12})
    assert compose.steps[2].std == 0.5 and compose.steps[1].rotation == 12
    compose.set_params(randomaffine=Mixup())
    assert isinstance(compose.steps[1], Mixup)
    with pytest.raises(ValueError, match="steps are named"):
        compose.set_params(noise__std=1)


def test_compose_applies_steps_in_order():
    compose = Compose([GaussianNoise(std=0.5), FeatureDropout(rate=0.5)])
    X, Y = np.ones((50, 4)), np.ones((50, 1))
    X_new, _ = compose.augment(X, Y, np.random.default_rng(0))
    rng = np.random.default_rng(0)
    expected, _ = FeatureDropout(rate=0.5).augment(GaussianNoise(std=0.5).augment(X, Y, rng)[0], Y, rng)
    np.testing.assert_array_equal(X_new, expected)


def test_a_list_means_compose(iris):
    X, y = iris
    steps = [GaussianNoise(std=0.2), Mixup(alpha=0.3)]
    as_list = _small(MLPClassifier, augmentation=steps).fit(X, y)
    as_compose = _small(MLPClassifier, augmentation=Compose(steps)).fit(X, y)
    np.testing.assert_array_equal(as_list._train_state.theta, as_compose._train_state.theta)


def test_nested_keys_of_a_list_make_it_a_compose():
    model = MLPClassifier(augmentation=[GaussianNoise(), Mixup()])
    model.set_params(augmentation__mixup__alpha=0.7)
    assert isinstance(model.augmentation, Compose)
    assert model.augmentation.steps[1].alpha == 0.7
    assert model.get_params()["augmentation__mixup__alpha"] == 0.7


def test_nested_keys_without_an_augmentation_name_the_problem():
    with pytest.raises(ValueError, match="augmentation is None"):
        MLPClassifier().set_params(augmentation__std=0.1)


# ------------------------------------------------------------ no augmentation
def test_no_augmentation_gives_the_weights_of_before():
    """Fits stored by tests/reference/make_no_augmentation_fits.py with the
    code before augmentation existed: bit for bit the same."""
    stored = np.load(no_augmentation.PATH)
    now = no_augmentation.arrays(no_augmentation.fits())
    assert stored.files == list(now)
    for name in stored.files:
        np.testing.assert_array_equal(now[name], stored[name], err_msg=name)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_zero_strength_is_no_augmentation(Estimator, iris):
    X, y = iris
    y = _targets(Estimator, y)
    plain = _small(Estimator).fit(X, y)
    zero = _small(Estimator, augmentation=[GaussianNoise(std=0), RandomAffine((2, 2))]).fit(X, y)
    np.testing.assert_array_equal(zero._train_state.theta, plain._train_state.theta)
    assert zero._train_state.rng.bit_generator.state == plain._train_state.rng.bit_generator.state


# ------------------------------------------------------------ training
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("augmentation", AUGMENTATIONS, ids=repr)
def test_augmentation_changes_training_reproducibly(Estimator, augmentation, iris):
    X, y = iris
    y = _targets(Estimator, y)
    plain = _small(Estimator).fit(X, y)
    first = _small(Estimator, augmentation=augmentation).fit(X, y)
    second = _small(Estimator, augmentation=clone(augmentation, safe=False)).fit(X, y)
    np.testing.assert_array_equal(first._train_state.theta, second._train_state.theta)
    assert not np.array_equal(first._train_state.theta, plain._train_state.theta)
    assert np.isfinite(first.predict(X)).all() if Estimator in (LinearRegressor, MLPRegressor) else True


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("augmentation", AUGMENTATIONS, ids=repr)
def test_partial_fit_calls_equal_fit_and_pickling_changes_nothing(Estimator, augmentation, iris):
    X, y = iris
    y = _targets(Estimator, y)
    fitted = _small(Estimator, augmentation=augmentation).fit(X, y)
    kwargs = {"classes": np.unique(y)} if Estimator in (LinearClassifier, MLPClassifier) else {}
    stepped = _small(Estimator, augmentation=augmentation)
    pickled = _small(Estimator, augmentation=augmentation)
    for epoch in range(3):
        stepped.partial_fit(X, y, **kwargs)
        pickled.partial_fit(X, y, **kwargs)
        if epoch == 1:
            pickled = pickle.loads(pickle.dumps(pickled))
    np.testing.assert_array_equal(stepped._train_state.theta, fitted._train_state.theta)
    np.testing.assert_array_equal(pickled._train_state.theta, fitted._train_state.theta)
    assert stepped.loss_curve_ == fitted.loss_curve_


def test_float32_and_sparse_batches_reach_the_augmentation_dense_in_the_training_dtype(iris):
    X, y = iris
    seen = []

    class Recorder(Augmentation):
        def augment(self, X, Y, rng):
            seen.append((type(X), X.dtype.name, Y.dtype.name, Y.shape))
            return X, Y

    _small(MLPClassifier, augmentation=Recorder()).fit(sparse.csr_matrix(X.astype(np.float32)), y)
    assert set(seen) == {(np.ndarray, "float32", "float32", (32, 3)), (np.ndarray, "float32", "float32", (22, 3))}


def test_classifier_targets_reach_the_augmentation_as_class_indicators(iris):
    X, y = iris
    seen = []

    class Recorder(Augmentation):
        def augment(self, X, Y, rng):
            seen.append(Y.copy())
            return X, Y

    _small(LinearClassifier, augmentation=Recorder()).fit(X, y == 2)  # binary: one 0/1 column
    assert set(np.unique(np.vstack(seen))) == {0.0, 1.0} and seen[0].shape[1] == 1


def test_the_recorded_loss_is_the_augmented_batches():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -1.0, 0.5]

    class ShiftTargets(Augmentation):
        def augment(self, X, Y, rng):
            return X, Y + 10.0

    # Learning rate ~0: the weights stay at their start, so each epoch's
    # loss is the start's loss on the augmented targets, about ½·10².
    model = LinearRegressor(
        SGD(learning_rate=1e-12), augmentation=ShiftTargets(), normalize_y=False, max_iter=2, tol=None
    )
    model.fit(X, y)
    clean = 0.5 * np.mean((model.predict(X) - y) ** 2)
    assert clean < 2.0
    np.testing.assert_allclose(model.loss_curve_, 0.5 * np.mean((model.predict(X) - y - 10) ** 2), rtol=1e-6)


def test_divergence_with_augmentation_still_warns(iris):
    X, y = iris
    model = MLPRegressor((8,), optimizer=SGD(learning_rate=10.0), augmentation=GaussianNoise(0.1), random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.fit(X, _targets(MLPRegressor, y))


def test_a_user_augmentation_without_the_base_class_works(iris):
    X, y = iris

    class Jitter:  # the bare protocol
        def augment(self, X, Y, rng):
            return X + rng.normal(scale=0.1, size=X.shape), Y

    model = _small(MLPClassifier, augmentation=Jitter()).fit(X, y)
    assert model.score(X, y) > 0.5


@pytest.mark.parametrize(
    "returned, match",
    [
        (lambda X, Y: (X[:, :2], Y), "numbers of features"),
        (lambda X, Y: (X, Y[:-1]), "as many target rows"),
        (lambda X, Y: (X, Y[:, :1]), "target columns"),
    ],
)
def test_a_misshapen_augmentation_is_named(returned, match, iris):
    X, y = iris

    class Broken(Augmentation):
        def augment(self, X, Y, rng):
            return returned(X, Y)

    model = _small(MLPClassifier, augmentation=Broken())
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


# --------------------------------------------------- rows and sample weights
class Doubled(Augmentation):
    """Every row twice: the same mean loss, with twice the rows."""

    def augment(self, X, Y, rng):
        return np.vstack([X, X]), np.vstack([Y, Y])


def test_new_rows_weigh_the_same(iris):
    X, y = iris
    plain = _small(MLPClassifier).fit(X, y)
    doubled = _small(MLPClassifier, augmentation=Doubled()).fit(X, y)
    np.testing.assert_allclose(doubled._train_state.theta, plain._train_state.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(doubled.loss_curve_, plain.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("weights", ["sample_weight", "class_weight"])
def test_sample_weights_refuse_an_augmentation_that_changes_the_rows(weights, iris):
    X, y = iris
    X, y = X[:120], y[:120]  # classes of 50, 50 and 20 rows: "balanced" weights are unequal (equal ones are none)
    fitted = _small(LinearClassifier).fit(X, y)
    before = fitted._train_state.theta.copy()
    fitted.set_params(augmentation=Doubled(), warm_start=True)
    if weights == "class_weight":
        fitted.set_params(class_weight="balanced")
    kwargs = {"sample_weight": np.linspace(0.5, 1.5, len(y))} if weights == "sample_weight" else {}
    with pytest.raises(ValueError, match="sample weights"):
        fitted.fit(X, y, **kwargs)
    np.testing.assert_array_equal(fitted._train_state.theta, before)
    assert fitted.n_iter_ == 3


def test_rows_keep_their_weights_when_their_number_is_unchanged(iris, spy):
    X, y = iris
    weights = np.linspace(0.2, 3.0, len(y))
    plain = _small(MLPClassifier).fit(X, y, sample_weight=weights)
    copied = _small(MLPClassifier, augmentation=spy).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(copied._train_state.theta, plain._train_state.theta)


# ------------------------------------------- where augmentation never goes
def test_predictions_and_scores_are_never_augmented(iris, spy):
    X, y = iris
    model = _small(MLPClassifier, augmentation=spy).fit(X, y)
    n_batches = len(Spy.batches)
    assert n_batches == 3 * 5  # 3 epochs of 150 rows in batches of 32
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform"):
        getattr(model, method)(X)
    model.score(X, y)
    assert len(Spy.batches) == n_batches


def test_early_stopping_validation_rows_are_never_augmented(iris, spy):
    X, y = iris
    X_ids = _with_ids(X)
    model = _small(MLPClassifier, augmentation=spy, early_stopping=True, validation_fraction=0.2).fit(X_ids, y)
    seen = np.unique(np.concatenate(Spy.batches)).astype(int)
    assert len(seen) == 120  # the training split, every row of it
    assert len(model.validation_scores_) == 3
    # every epoch saw exactly the training rows
    per_epoch = np.array_split(np.concatenate(Spy.batches), 3)
    assert all(np.array_equal(np.sort(epoch), seen) for epoch in per_epoch)


def test_a_searchs_test_folds_are_never_augmented(iris, spy):
    X, y = iris
    X_ids = _with_ids(X)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X_ids))
    search = GridSearchCV(_small(MLPClassifier, augmentation=spy), {"alpha": [1e-4, 1e-3]}, cv=folds, refit=False)
    Spy.batches = []
    search.fit(X_ids, y)
    # each fit is 3 epochs of ceil(100 / 32) = 4 batches
    fits = [np.concatenate(Spy.batches[i : i + 12]) for i in range(0, len(Spy.batches), 12)]
    assert len(fits) == 6
    for fit, (train, test) in zip(fits, folds * 2):
        assert set(fit.astype(int)) == set(train)


def test_divergence_checks_evaluate_the_loss_on_the_data_as_it_is(iris):
    """``_mean_loss`` and ``_check_last_step`` judge the weights on the
    training rows themselves: an augmentation there would make them random."""
    X, y = iris

    class Forbidden(Augmentation):
        def augment(self, X, Y, rng):
            raise AssertionError("augmented outside the training batches")

    model = _small(MLPClassifier).fit(X, y)
    trainer = Trainer(model._network, Adam(), batch_size=32, augmentation=Forbidden())
    state = model._train_state.copy()
    rows = InMemoryRows(X, model._target_encoder.encode(y, X.dtype), None, X.dtype, augmentation=Forbidden())
    assert np.isfinite(trainer._mean_loss(state.theta, rows))
    assert trainer._check_last_step(state, rows) is None
    # while the training batches of the same rows are augmented
    gather = rows.batches(32, shuffle=False)
    grad = np.empty_like(state.theta)
    with pytest.raises(AssertionError, match="augmented outside"):
        next(gather.gradients(None, model._network, state.theta, grad, state.rng))


# --------------------------------------------------------------- refusals
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_lbfgs_refuses_augmentation_naming_both(Estimator, iris):
    X, y = iris
    model = Estimator(optimizer="lbfgs", augmentation=GaussianNoise())
    with pytest.raises(ValueError, match=r"augmentation=GaussianNoise\(\).*LBFGS"):
        model.fit(X, _targets(Estimator, y))
    assert not hasattr(model, "n_iter_")


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge", "modified_huber", "perceptron", "squared_error"])
def test_mixup_is_refused_by_losses_without_soft_targets(loss, iris):
    X, y = iris
    fitted = _small(LinearClassifier, loss=loss).fit(X, y)
    before = fitted._train_state.theta.copy()
    fitted.set_params(augmentation=[GaussianNoise(), Mixup()], warm_start=True)
    with pytest.raises(ValueError, match=rf"Mixup.*loss='{loss}'"):
        fitted.fit(X, y)
    np.testing.assert_array_equal(fitted._train_state.theta, before)
    # the other augmentations keep the targets: fine with every loss
    _small(LinearClassifier, loss=loss, augmentation=GaussianNoise()).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_soft_targets_are_fine_for_every_other_loss(Estimator, iris):
    X, y = iris
    _small(Estimator, augmentation=Mixup()).fit(X, _targets(Estimator, y))


def test_random_affine_of_another_width_is_refused_naming_both(digits):
    X, y = digits
    model = MLPClassifier(augmentation=RandomAffine((8, 9), rotation=10))
    with pytest.raises(ValueError, match=r"image_shape=\(8, 9\).*72 values.*64 features"):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")


def test_dask_data_refuses_augmentation_before_training(iris):
    da = pytest.importorskip("dask.array")
    X, y = iris
    model = _small(MLPClassifier, augmentation=GaussianNoise())
    with pytest.raises(ValueError, match=r"augmentation=GaussianNoise\(\).*Dask"):
        model.fit(da.from_array(X, chunks=50), da.from_array(y, chunks=50))
    assert not hasattr(model, "n_iter_")


# ----------------------------------------------------------------- searches
def test_grid_search_tunes_nested_augmentation_keys(iris):
    X, y = iris
    model = _small(MLPClassifier, augmentation=[GaussianNoise(), Mixup()])
    grid = {
        "augmentation__gaussiannoise__std": [0.0, 0.3],
        "augmentation__mixup__alpha": [0.0, 0.4],
    }
    search = GridSearchCV(model, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_.augmentation
    assert best.steps[0].std == search.best_params_["augmentation__gaussiannoise__std"]
    assert model.augmentation[0].std == 0.1  # the search's estimator is untouched
    # the zero-strength candidate is exactly the model without augmentation
    off = clone(model).set_params(augmentation__gaussiannoise__std=0.0, augmentation__mixup__alpha=0.0).fit(X, y)
    np.testing.assert_array_equal(off._train_state.theta, _small(MLPClassifier).fit(X, y)._train_state.theta)


def test_grid_search_tunes_the_steps_and_the_augmentation_itself(iris):
    X, y = iris
    grid = [
        {"augmentation": [None, GaussianNoise(0.2)]},
        {"augmentation": [Compose([GaussianNoise()])], "augmentation__steps": [[Mixup()], [FeatureDropout()]]},
    ]
    search = GridSearchCV(_small(MLPClassifier), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


def test_randomized_search_tunes_an_augmentation_parameter(iris):
    X, y = iris
    search = RandomizedSearchCV(
        _small(MLPClassifier, augmentation=GaussianNoise()),
        {"augmentation__std": uniform(0, 0.5)},
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert 0 <= search.best_estimator_.augmentation.std <= 0.5


def test_bayes_search_tunes_rotation_with_zero_included(digits):
    X, y = digits
    search = BayesSearchCV(
        _small(MLPClassifier, augmentation=RandomAffine((8, 8))),
        {"augmentation__rotation": [0.0, 5.0, 10.0, 20.0], "augmentation__shift": uniform(0, 1)},
        n_iter=5,
        n_initial_points=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    rotations = [params["augmentation__rotation"] for params in search.cv_results_["params"]]
    assert set(rotations) <= {0.0, 5.0, 10.0, 20.0}
    assert search.best_estimator_.augmentation.rotation == search.best_params_["augmentation__rotation"]


def test_hyperband_search_tunes_an_augmentation_parameter(iris):
    X, y = iris
    search = HyperbandSearchCV(
        MLPClassifier((8,), batch_size=32, tol=None, random_state=0, augmentation=GaussianNoise()),
        {"augmentation__std": [0.0, 0.2, 0.5]},
        max_resources=9,
        factor=3,
        n_brackets=1,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert search.best_params_["augmentation__std"] in (0.0, 0.2, 0.5)


# ------------------------------------------------ scikit-learn's own checks
# A row repeated k times is augmented k times independently, a row of weight
# k once: with augmentation, weights and repetitions are the same only in
# expectation, as for any training that draws per row.
_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": "augmentation draws per row: weights equal repetitions only in expectation",
    "check_sample_weight_equivalence_on_sparse_data": "augmentation draws per row: weights equal repetitions only in expectation",
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [LinearClassifier(augmentation=[GaussianNoise(0.01), Mixup(0.1)], random_state=0)],
    expected_failed_checks=lambda estimator: _WEIGHT_CHECKS,
)
def test_sklearn_checks_with_augmentation(estimator, check):
    check(estimator)
