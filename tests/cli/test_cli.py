"""The command line: the demo's story, every command on every bundled data
set and on CSV files, and mistakes that end in one line with exit code 2.

Every test runs in a temporary folder: a command run without --out writes
there, never to the ./skopt_lab_output of whoever runs the tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skopt_lab import _demo
from skopt_lab._demo import _scenario, _story
from skopt_lab.cli import _compare, _data, _jobs, _models, _parser, _progress, _report, main
from skopt_lab.optimizers import DISPLAY_NAMES, OPTIMIZERS

FAST = ["--max-iter", "15", "--quiet"]
SIX = ["GD", "SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


WITHOUT = """import sys

class Without:  # as if {module} were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "{module}":
            raise ImportError(f"No module named {{name!r}}")

sys.meta_path.insert(0, Without())
from skopt_lab.cli import main

code = main(sys.argv[1:])
assert "{module}" not in sys.modules
sys.exit(code)
"""


def python_m_skopt_lab(*argv, timeout=120, cwd=None, without=None):
    """The command as a user runs it, in a fresh process (stderr of worker
    processes included); ``without``: as if that module were not installed."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    command = [sys.executable, "-c", WITHOUT.format(module=without)] if without else [sys.executable, "-m", "skopt_lab"]
    return subprocess.run([*command, *argv], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def _listing(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else None


@pytest.fixture(scope="module", autouse=True)
def the_users_output_folder_is_left_alone():
    # What the README's main command wrote to ./skopt_lab_output (the folder
    # pytest runs in) is neither written nor deleted by these tests.
    users = Path.cwd() / "skopt_lab_output"
    before = _listing(users)
    yield
    assert _listing(users) == before


@pytest.fixture(autouse=True)
def in_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# ------------------------------------------------------------ 1. the demo
@pytest.fixture(scope="module")
def demo_seed_0(tmp_path_factory):
    """The demo as the README runs it, with seed 0 (its default)."""
    out = tmp_path_factory.mktemp("demo")
    result = python_m_skopt_lab("--json", "--random-state", "0", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr, out


@pytest.mark.slow
def test_demo_story_holds_on_seed_0(demo_seed_0):
    # The acceptance of the demo on one seed; benchmarks/bench_demo_seeds.py runs seeds 0-4.
    report, _, _ = demo_seed_0
    rows = {row["optimizer"]: row for row in report["comparison"]}
    tuning = report["tuning"]
    picked = rows[tuning["optimizer"]]
    for baseline in ("(pretrained as is)", "(from scratch)"):
        assert picked["accuracy"] > rows[baseline]["accuracy"] + 0.01, (baseline, picked)
    assert len({rows[name]["accuracy"] for name in SIX}) >= 5
    assert tuning["test"]["accuracy"] >= rows["(pretrained as is)"]["accuracy"]


@pytest.mark.slow
def test_demo_report_shape(demo_seed_0):
    report, _, out = demo_seed_0
    names = [row["optimizer"] for row in report["comparison"]]
    demo_optimizers = [name for name in OPTIMIZERS if name not in _parser.RECENT]  # compare runs the recent ones
    assert names == ["(pretrained as is)", "(from scratch)", *(DISPLAY_NAMES[name] for name in demo_optimizers)]
    for row in report["comparison"]:
        assert {"optimizer", "accuracy", "precision", "recall", "F1", "ROC-AUC"} <= set(row)
        assert 0 <= row["accuracy"] <= 1 and 0.5 <= row["ROC-AUC"] <= 1
    tuning = report["tuning"]
    assert tuning["optimizer"] in names[2:]
    searched = {"optimizer", "optimizer__learning_rate", "optimizer__schedule", "alpha", "freeze_layers",
                _scenario.ROTATION, _scenario.NOISE_STD}  # fmt: skip
    assert searched | {"augmentation"} == set(tuning["best_params"])
    assert tuning["scoring"] == "neg_log_loss" and tuning["cv"] == 3 and tuning["best_cv_score"] < 0
    assert {"accuracy", "precision", "recall", "F1", "ROC-AUC"} == set(tuning["test"])
    assert json.loads((out / "report.json").read_text())["comparison"] == report["comparison"]


@pytest.mark.slow
def test_demo_tunes_the_augmentation_and_reports_it_readably(demo_seed_0):
    report, _, _ = demo_seed_0
    params = report["tuning"]["best_params"]
    assert json.loads(json.dumps(params)) == params  # plain JSON values, no objects
    rotation, std = params[_scenario.ROTATION], params[_scenario.NOISE_STD]
    assert 0 <= rotation <= _scenario.MAX_ROTATION and 0 <= std <= _scenario.MAX_NOISE
    assert params["augmentation"] == f"Compose([RandomAffine((8, 8), rotation={rotation:.4g}), GaussianNoise(std={std:.4g})])"
    notes = " ".join(report["notes"])
    assert "augmentation (rotation, noise) are then tuned by bayes search" in notes


@pytest.mark.slow
def test_demo_says_whether_augmentation_helped_as_cross_validation_says(demo_seed_0):
    report, _, _ = demo_seed_0
    tuning = report["tuning"]
    effect = tuning["augmentation"]
    assert effect["cv_score_with"] == tuning["best_cv_score"] and effect["test_with"] == tuning["test"]
    assert effect["cv_score_with"] != effect["cv_score_without"]  # the augmentation changed the training
    assert effect["helped"] == (effect["cv_score_with"] > effect["cv_score_without"])
    verdict = effect["verdict"]
    assert verdict.startswith(f"augmentation {'helped' if effect['helped'] else 'did not help'} on this seed: ")
    assert (
        f"cross-validated neg_log_loss {effect['cv_score_with']:.3f} with it, {effect['cv_score_without']:.3f} "
        "with its strengths set to 0" in verdict
    )
    assert (
        f"test accuracy {effect['test_with']['accuracy']:.3f} with it, "
        f"{effect['test_without']['accuracy']:.3f} without (reported, never used)" in verdict
    )


def test_without_augmentation_sets_only_its_strengths_to_0():
    model = _demo.fine_tuned(None, OPTIMIZERS["sgd"](), 0, augmentation=_demo.augmentation(10.0, 0.1))
    without = _demo.without_augmentation(model)
    before, after = model.get_params(), without.get_params()
    assert (after[_scenario.ROTATION], after[_scenario.NOISE_STD]) == (0.0, 0.0)
    assert (before[_scenario.ROTATION], before[_scenario.NOISE_STD]) == (10.0, 0.1)  # the model is not changed
    changed = {key for key in before if repr(before[key]) != repr(after[key])}
    steps = {"augmentation", "augmentation__steps", "augmentation__randomaffine", "augmentation__gaussiannoise"}
    assert changed == steps | {_scenario.ROTATION, _scenario.NOISE_STD}  # the objects holding the two strengths


@pytest.mark.slow
def test_demo_reports_importances_and_draws_them(demo_seed_0):
    report, _, out = demo_seed_0
    tuning = report["tuning"]
    importances = tuning["importances"]
    assert set(importances) == set(tuning["best_params"]) - {"augmentation"}  # every searched parameter
    assert sum(importances.values()) == pytest.approx(1.0)
    assert list(importances.values()) == sorted(importances.values(), reverse=True)
    assert importances["optimizer"] == 0.0  # one optimizer is searched: it cannot explain anything
    assert "functional ANOVA" in tuning["importances_method"] and "importances_skipped" not in tuning
    for name in ("importances", "partial_dependence"):
        assert Path(report["figures"][name]) == out / f"{name}.png"
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.slow
def test_demo_human_output_says_whether_augmentation_helped(capsys, tmp_path):
    code, out, _ = run(capsys, "--optimizers", "sgd,adam", "--max-iter", "5", "--n-iter", "8", "--out", str(tmp_path),
                       "--quiet")  # fmt: skip
    assert code == 0
    tuning = json.loads((tmp_path / "report.json").read_text())["tuning"]
    assert out.count(tuning["augmentation"]["verdict"]) == 1
    rotation, std = tuning["best_params"][_scenario.ROTATION], tuning["best_params"][_scenario.NOISE_STD]
    rotations = f"random rotations of up to ±{rotation:.1f}°" if rotation else "no rotation"
    noise = f"extra pixel noise of σ = {std:.3f}" if std else "no extra noise"
    assert f"augmentation of the training digits, tuned by the search: {rotations} (searched from 0 to 20°) and {noise}" in out
    assert f"  augmentation = {tuning['best_params']['augmentation']}" in out
    shares = ", ".join(f"{name} {share:.2f}" for name, share in tuning["importances"].items())
    assert f"Importances (share of the cross-validated score's variance each explains alone): {shares}" in out
    assert {"importances.png", "partial_dependence.png"} <= {p.name for p in tmp_path.iterdir()}


@pytest.mark.slow
def test_demo_chooses_on_validation_and_says_so(demo_seed_0):
    report, _, _ = demo_seed_0
    rows = report["comparison"][2:]
    lowest = min(rows, key=lambda row: row["validation log-loss"])
    assert report["tuning"]["optimizer"] == lowest["optimizer"]
    notes = " ".join(report["notes"])
    assert "chosen on validation, never on test" in notes and "cross-validated on the 150 labelled digits" in notes


@pytest.mark.slow
def test_demo_choices_do_not_depend_on_the_test_labels(capsys, monkeypatch):
    # Shuffle the test labels: every choice (optimizer, tuned parameters)
    # stays the same; only the test metrics change.
    argv = ["--optimizers", "gd,sgd,adam,adadelta,lbfgs", "--n-iter", "4", "--no-figures", "--quiet"]
    honest = run_json(capsys, *argv)
    make_scenario = _scenario.make_scenario

    def shuffled_test_labels(random_state):
        scenario = make_scenario(random_state)
        scenario.y_test = np.random.default_rng(1).permutation(scenario.y_test)
        return scenario

    monkeypatch.setattr(_scenario, "make_scenario", shuffled_test_labels)
    shuffled = run_json(capsys, *argv)
    assert shuffled["tuning"]["optimizer"] == honest["tuning"]["optimizer"]
    assert shuffled["tuning"]["best_params"] == honest["tuning"]["best_params"]
    assert shuffled["tuning"]["best_cv_score"] == honest["tuning"]["best_cv_score"]
    assert shuffled["tuning"]["test"]["accuracy"] < honest["tuning"]["test"]["accuracy"] - 0.3
    # whether augmentation helped is decided by cross-validation too
    for key in ("helped", "cv_score_with", "cv_score_without"):
        assert shuffled["tuning"]["augmentation"][key] == honest["tuning"]["augmentation"][key]


@pytest.mark.slow
def test_demo_human_output_figures_and_progress(tmp_path):
    stale = tmp_path / "search_progress.png"
    stale.write_bytes(b"an earlier run")
    # The README's main command installs the plot extra, not pandas: the demo needs none.
    result = python_m_skopt_lab(
        "--max-iter", "5", "--n-iter", "3", "--optimizers", "sgd,adam,lbfgs", "--out", str(tmp_path),
        without="pandas",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Data: digits: pretrained on 1000 clean, adapted to a new camera")
    header = next(line for line in out.splitlines() if line.startswith("optimizer"))
    assert header.split() == ["optimizer", "epochs", "fit", "seconds", "val", "loss", "val", "acc", "accuracy",
                              "precision", "recall", "F1", "ROC-AUC"]  # fmt: skip
    table = out.split("\n\n")[1].splitlines()
    marked = [line.split()[0] for line in table if line.split()[0].endswith("*") and line[0] != "*"]
    assert len(marked) == 1 and marked[0][:-1] in ("SGD", "Adam", "L-BFGS")  # an optimizer, not a baseline
    assert "* the optimizer chosen: lowest validation log-loss" in out
    assert "Tuned model on the test split: accuracy" in out
    for name in ("loss_curves", "search_progress"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG_SIGNATURE
    # L-BFGS, chosen on this short budget, has no learning rate to plot
    assert marked == ["L-BFGS*"] and not (tmp_path / "schedule.png").exists()
    assert "no schedule figure: the tuned model's optimizer (L-BFGS) has no learning rate" in result.stderr
    assert "] pretrained a (128, 64) network" in result.stderr
    assert "warning" not in result.stderr  # stopping at the budget of epochs is expected, not news


def test_coinciding_accuracies_are_explained():
    # Adam and AdamW differ by a decoupled weight decay of a few 1e-6 per
    # step: over 15 epochs it changes no prediction, and the demo says why.
    scenario = _demo.make_scenario(0)
    source = _demo.pretrain(scenario, 0)
    models = {
        name: _demo.fine_tuned(source, _demo.fine_tuning_optimizer(name), 0).fit(scenario.X_train, scenario.y_train)
        for name in ("adam", "adamw", "gd")
    }
    rows = [{"optimizer": DISPLAY_NAMES[name], "accuracy": model.score(scenario.X_test, scenario.y_test)}
            for name, model in models.items()]  # fmt: skip
    (note,) = _story.coincidences(models, rows, scenario)
    assert note.startswith("Adam and AdamW have the same test accuracy: they predict every test digit alike.")
    adamw = models["adamw"].optimizer_
    assert f"weight_decay × learning rate = {adamw.weight_decay * adamw.learning_rate:.0e} per step, 75 steps" in note
    assert adamw.weight_decay * adamw.learning_rate < 1e-5
    rows[2]["accuracy"] = rows[0]["accuracy"]  # the same count of correct digits, not the same digits
    notes = _story.coincidences(models, rows, scenario)
    assert any(n.startswith("Adam and GD have the same test accuracy by coincidence: they disagree on") for n in notes)


def test_demo_validation_curve_is_the_model_at_each_epoch():
    scenario = _demo.make_scenario(0)
    source = _demo.pretrain(scenario, 0)
    curve = _progress.ValidationCurve(lambda model: _demo.validation_scores(model, scenario.X_val, scenario.y_val))
    model = _demo.fine_tuned(source, _demo.fine_tuning_optimizer("sgd"), 0).set_callbacks(curve)
    model.fit(scenario.X_train, scenario.y_train)
    assert len(curve.scores) == model.n_iter_ == _demo.EPOCHS
    assert curve.scores[-1] == _demo.validation_scores(model, scenario.X_val, scenario.y_val)
    shorter = _demo.fine_tuned(source, _demo.fine_tuning_optimizer("sgd"), 0, max_iter=3)
    shorter.fit(scenario.X_train, scenario.y_train)
    assert curve.scores[2] == _demo.validation_scores(shorter, scenario.X_val, scenario.y_val)


def test_demo_scenario_splits_are_disjoint_and_balanced():
    scenario = _demo.make_scenario(3)
    assert len(scenario.y_source) == _demo.N_SOURCE
    assert np.bincount(scenario.y_train).tolist() == [_demo.TRAIN_PER_CLASS] * 10
    assert np.bincount(scenario.y_val).tolist() == [_demo.VALIDATION_PER_CLASS] * 10
    assert len(scenario.y_train) + len(scenario.y_val) + len(scenario.y_test) + _demo.N_SOURCE == 1797
    rows = {row.tobytes() for row in np.concatenate([scenario.X_train, scenario.X_val, scenario.X_test])}
    assert len(rows) == 797  # no target digit twice
    assert scenario.X_train.min() >= 0 and scenario.X_train.max() <= 1


# --------------------------------------------------- compare and tune
@pytest.mark.parametrize("dataset", ["digits", "breast_cancer", "wine", "iris", "diabetes"])
@pytest.mark.parametrize("estimator", ["linear", "mlp"])
def test_compare_on_each_bundled_data_set(capsys, dataset, estimator):
    report = run_json(
        capsys, "compare", "--dataset", dataset, "--estimator", estimator, "--optimizers", "adam,sgd,lbfgs",
        "--no-figures", *FAST,
    )
    rows = report["comparison"]
    assert [r["optimizer"] for r in rows] == ["Adam", "SGD", "L-BFGS"]
    expected = {"R2", "MAE", "RMSE"} if dataset == "diabetes" else {"accuracy", "precision", "recall", "F1", "ROC-AUC"}
    for row in rows:
        assert expected <= set(row) and row["epochs"] >= 1 and row["fit seconds"] > 0
    if dataset != "diabetes":
        assert max(r["accuracy"] for r in rows) > 0.8
    assert any("score every epoch (the validation curves of loss_curves.png)" in n for n in report["notes"])


@pytest.mark.parametrize("search", ["bayes", "random", "grid"])
def test_tune_with_each_search(capsys, search, tmp_path):
    n_iter = [] if search == "grid" else ["--n-iter", "4"]  # a grid search evaluates its whole grid
    report = run_json(
        capsys, "tune", "--dataset", "wine", "--estimator", "linear", "--search", search, *n_iter,
        "--optimizers", "adam", "--out", str(tmp_path), "--quiet",
    )  # the default 100 epochs: 15 full-batch Adam steps at lr ~1e-3 cannot fit wine
    tuning = report["tuning"]
    assert tuning["search"] == search and tuning["scoring"] == "f1_macro" and tuning["cv"] == 3
    assert "the tuned model is refitted on the whole training split (133 samples)" in report["notes"]
    assert tuning["candidates"] == (2 * 3 * 3 if search == "grid" else 4)  # alpha x lr x schedule
    assert {"optimizer", "optimizer__learning_rate", "alpha"} <= set(tuning["best_params"])
    assert tuning["test"]["accuracy"] > 0.8
    assert set(report["figures"]) == {"loss_curves", "search_progress", "schedule", "importances", "partial_dependence"}
    for path in report["figures"].values():
        assert Path(path).read_bytes()[:8] == PNG_SIGNATURE
    assert json.loads((tmp_path / "report.json").read_text())["tuning"]["search"] == search
    importances = tuning["importances"]  # named as in best_params, without the pipeline step's prefix
    assert set(importances) == set(tuning["best_params"]) and sum(importances.values()) == pytest.approx(1.0)
    assert "functional ANOVA" in tuning["importances_method"]


def test_tune_importances_are_the_librarys(iris):
    from scipy.stats import loguniform
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skopt_lab.cli._search import tuned_summary
    from skopt_lab.inspection import hyperparameter_importances

    X, y = iris
    space = {"logisticregression__C": loguniform(1e-4, 1e2), "logisticregression__fit_intercept": [True, False]}
    search = RandomizedSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), space, n_iter=8, cv=3,
                                random_state=0).fit(X, y)  # fmt: skip
    summary = tuned_summary(search, "logisticregression__", "random", {}, random_state=0)
    expected = hyperparameter_importances(search, random_state=0)
    assert summary["importances"] == {name.removeprefix("logisticregression__"): v for name, v in expected.items()}
    assert summary["importances"]["C"] > 0.5  # regularisation strength over six decades matters on iris


def test_tune_with_too_few_candidates_for_importances_says_so_and_draws_none(capsys, tmp_path):
    # Adam's learning rate, schedule and alpha need 4 candidates for the surrogate; 2 are too few.
    code, out, err = run(capsys, "tune", "--dataset", "iris", "--estimator", "linear", "--optimizers", "adam",
                         "--n-iter", "2", "--max-iter", "10", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    assert out.count("No importances: hyperparameter_importances needs at least 4 candidates") == 1
    assert "importances" not in err  # said once, in the report
    tuning = json.loads((tmp_path / "report.json").read_text())["tuning"]
    assert tuning["importances"] is None and "needs at least 4 candidates" in tuning["importances_skipped"]
    written = {p.name for p in tmp_path.iterdir()}
    assert {"loss_curves.png", "search_progress.png", "report.json"} <= written
    assert not {"importances.png", "partial_dependence.png"} & written


def _dominated(point, others):
    return any(all(o >= p for o, p in zip(other, point)) and other != point for other in others)


def test_tune_with_objectives_prints_draws_and_reports_the_pareto_front(capsys, tmp_path):
    code, out, err = run(capsys, "tune", "--objectives", "accuracy,n_parameters", "--n-iter", "10", "--max-iter", "5",
                         "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert code == 0, err
    report = json.loads((tmp_path / "report.json").read_text())
    tuning = report["tuning"]
    assert tuning["objectives"] == ["accuracy", "n_parameters"] and tuning["scoring"] == "accuracy"
    front = tuning["pareto_front"]
    # The members are non-dominated among themselves (accuracy up, size down), best accuracy first, and the
    # refitted model is the most accurate, whose score is the tuned model's cross-validated score.
    points = [(row["accuracy"], -row["n_parameters"]) for row in front]
    assert not any(_dominated(point, points) for point in points)
    assert [row["accuracy"] for row in front] == sorted((row["accuracy"] for row in front), reverse=True)
    assert [row["refitted"] for row in front] == [True] + [False] * (len(front) - 1)
    assert front[0]["accuracy"] == tuning["best_cv_score"]
    for row in front:  # the sizes searched, 64 pixels in and 10 classes out, counted as the MLP counts them
        (hidden,) = row["hidden_layer_sizes"]
        assert hidden in (4, 8, 16, 32, 64) and row["n_parameters"] == 64 * hidden + hidden + hidden * 10 + 10
    assert Path(report["figures"]["pareto_front"]).read_bytes()[:8] == PNG_SIGNATURE
    # stdout prints the same front, one line per member, the refitted one marked
    table = out[out.index("Pareto front of accuracy, n_parameters (cross-validated; * refitted):"):].splitlines()
    assert table[1].split()[:2] == ["accuracy", "n_parameters"]
    for line, row in zip(table[2:], front):
        assert line.startswith("*" if row["refitted"] else " ")
        assert f"{row['accuracy']:.3f}" in line and str(row["n_parameters"]) in line
    assert table[2 + len(front)].startswith("Figure (")


def test_objectives_of_the_other_task_are_refused_before_any_training(capsys, monkeypatch):
    from skopt_lab.cli import _tune

    monkeypatch.setattr(_tune, "run_search", lambda *args, **kwargs: pytest.fail("a search ran"))
    code, _, err = run(capsys, "tune", "--dataset", "wine", "--objectives", "r2,n_parameters", "--quiet")
    assert code == 2 and "r2 is not a classification metric" in err


def test_tune_a_regressor(capsys):
    report = run_json(capsys, "tune", "--dataset", "diabetes", "--estimator", "mlp", "--n-iter", "3",
                      "--no-figures", *FAST)
    assert report["tuning"]["test"]["R2"] > 0.2
    assert report["tuning"]["best_params"]["optimizer"] in ("SGD()", "RMSprop()", "Adam()")


def test_tune_searches_no_schedule_for_the_schedule_free_optimizers(capsys):
    # They refuse a schedule: a space that offered one would make those
    # candidates fail (each a FitFailedWarning) instead of being tuned.
    code, out, err = run(capsys, "tune", "--dataset", "iris", "--optimizers", "schedulefree_adamw,schedulefree_sgd,adam",
                         "--n-iter", "6", "--no-figures", "--max-iter", "15")  # fmt: skip
    assert code == 0, err
    assert "arning" not in err and "failed" not in (out + err).lower(), err


def test_human_output_and_progress(capsys, tmp_path):
    code, out, err = run(capsys, "compare", "--dataset", "iris", "--estimator", "linear", "--optimizers",
                         "adam,rmsprop", "--max-iter", "10", "--out", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0].startswith("Data: iris: 150 samples, 4 columns, 3 classes")
    header = next(line for line in out.splitlines() if line.startswith("optimizer"))
    assert header.split() == ["optimizer", "epochs", "fit", "seconds", "accuracy", "precision", "recall", "F1", "ROC-AUC"]
    progress = err.splitlines()
    assert progress[0].startswith("[") and "s] data: iris" in progress[0]
    assert any("Adam: 10 epochs, test accuracy" in line for line in progress)
    assert (tmp_path / "loss_curves.png").exists() and f"Figure (loss_curves): {tmp_path}" in out


@pytest.mark.parametrize("dataset", ["wine", "diabetes"])
def test_compare_validation_curves_score_held_out_data(dataset):
    # compare holds 10% of the training split out of training, and scores
    # every epoch's model on it (accuracy, or R²).
    data_set = _data.load_bundled(dataset)
    X_train, X_test, y_train, y_test = _data.split(data_set, 0)
    data = _compare.ComparisonData.split(data_set, X_train, y_train, X_test, y_test, 0)
    assert len(data.y_val) == int(np.ceil(0.1 * len(y_train))) and len(data.y_fit) + len(data.y_val) == len(y_train)

    def make_model(name):
        return _models.make_model(data_set, "mlp", OPTIMIZERS[name](), 0, max_iter=7)

    rows, models, curves = _compare.run_comparison(make_model, ["sgd"], data, data_set.task, _progress.Progress(True))
    model, curve = models["sgd"], curves["sgd"]
    assert len(curve) == 7 and curve[-1] == pytest.approx(model.score(data.X_val, data.y_val))
    if dataset == "diabetes":  # the test metrics are in the target's own units
        assert rows[0]["MAE"] == pytest.approx(np.abs(model.predict(X_test) - y_test).mean())
        assert rows[0]["MAE"] > 10  # diabetes' target runs from 25 to 346


def test_compare_removes_the_figures_of_an_earlier_tune(capsys, tmp_path):
    run_json(capsys, "tune", "--dataset", "iris", "--estimator", "linear", "--optimizers", "adam", "--n-iter", "2",
             "--out", str(tmp_path), "--quiet")  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == {"loss_curves.png", "search_progress.png", "schedule.png",
                                                    "report.json"}  # fmt: skip
    report = run_json(capsys, "compare", "--dataset", "iris", "--estimator", "linear", "--optimizers", "adam",
                      "--out", str(tmp_path), *FAST)  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == {"loss_curves.png", "report.json"}
    assert set(report["figures"]) == {"loss_curves"}


# ------------------------------------------------------------ CSV files
@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    size = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    weight = rng.normal(size=n)
    label = np.where(size + (color == "red") > 0.3, "big", "small")
    price = 3 * size + 2 * (color == "blue") + 0.1 * rng.normal(size=n)
    lines = ["size,color,weight,label,price"]
    for i in range(n):
        w = "" if i % 17 == 0 else f"{weight[i]:.3f}"  # missing feature values
        c = "" if i % 23 == 0 else color[i]
        lab = "" if i in (5, 9) else label[i]  # two rows without a label
        lines.append(f"{size[i]:.3f},{c},{w},{lab},{price[i]:.3f}")
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _summary_note(report):
    return next(note for note in report["notes"] if "numeric column(s)" in note)


def test_csv_classification_with_numeric_and_categorical_columns(capsys, table):
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs,adam", "--no-figures", *FAST)
    assert "dropped 2 rows with a missing 'label'" in report["notes"][0]
    assert "color (categorical)" in _summary_note(report)
    assert "3 numeric column(s), 1 categorical" in _summary_note(report)
    assert report["comparison"][0]["accuracy"] > 0.8


def test_csv_regression_and_tuning(capsys, table):
    report = run_json(capsys, "tune", "--csv", str(table), "--target", "price", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--n-iter", "3", "--no-figures", *FAST)
    assert report["data"].endswith("regression")
    assert report["tuning"]["test"]["R2"] > 0.9


def test_csv_exported_with_a_byte_order_mark(capsys, table):
    bom = table.with_name("excel.csv")
    bom.write_text(table.read_text(), encoding="utf-8-sig")  # what spreadsheets export
    assert bom.read_bytes()[:3] == b"\xef\xbb\xbf"
    report = run_json(capsys, "compare", "--csv", str(bom), "--target", "size", "--task", "regression",
                      "--estimator", "linear", "--optimizers", "lbfgs", "--no-figures", *FAST)
    assert report["data"].startswith(f"{bom} (target 'size')")
    # The header's first column, "size" behind the mark, is found; the others are read as usual.
    assert _summary_note(report) == "2 numeric column(s), 2 categorical: color (categorical), weight, " \
        "label (categorical), price"  # fmt: skip


def test_csv_numeric_column_with_stray_values(capsys, table):
    lines = table.read_text().splitlines()
    for i, stray in ((3, "inf"), (11, "12kg"), (40, "-inf")):
        fields = lines[i].split(",")
        fields[2] = stray  # the weight column
        lines[i] = ",".join(fields)
    table.write_text("\n".join(lines) + "\n")
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)
    assert "column 'weight' is numeric: read its 3 value(s) that are not finite numbers ('-inf', '12kg', 'inf') " \
           "as missing" in report["notes"]  # fmt: skip
    assert "3 numeric column(s), 1 categorical" in _summary_note(report)  # not one-hot encoded


def test_csv_identifier_column_is_dropped_with_a_note(capsys, table):
    lines = table.read_text().splitlines()
    lines = [f"customer,{line}" if i == 0 else f"C{1000 + i},{line}" for i, line in enumerate(lines)]
    table.write_text("\n".join(lines) + "\n")
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)
    assert "dropped column 'customer': 118 different values in 118 rows name rows (an identifier?) rather than " \
           "categories" in report["notes"]  # fmt: skip
    assert "customer" not in _summary_note(report)
    assert report["comparison"][0]["accuracy"] > 0.8


def _test_rows(labels):
    """The rows the command line's split (test_size=0.25, stratified, seed 0) puts in the test split."""
    from sklearn.model_selection import train_test_split

    return set(train_test_split(np.arange(len(labels)), test_size=0.25, random_state=0, stratify=labels)[1])


@pytest.fixture
def unobserved(tmp_path):
    """A table whose 'probe' column has one value, in a row of the test
    split: training never observes it, and scikit-learn's SimpleImputer
    warns that it skips the feature."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    labels = np.where(x > 0, "yes", "no")
    observed = min(_test_rows(labels))
    lines = ["x,probe,label"] + [
        f"{x[i]:.3f},{'1.5' if i == observed else ''},{labels[i]}" for i in range(120)
    ]
    path = tmp_path / "unobserved.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_library_warnings_are_one_line_each_and_silent_with_quiet(capsys, unobserved):
    argv = ["compare", "--csv", str(unobserved), "--target", "label", "--estimator", "linear",
            "--optimizers", "lbfgs", "--no-figures", "--max-iter", "15"]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == 0
    warned = [line for line in err.splitlines() if "] warning (" in line]
    # One line per warning, however often it came, and no raw output of
    # warnings.warn: no file names, no source lines.
    assert len(warned) == 1 and "] warning (UserWarning): Skipping features without any observed values" in warned[0]
    assert all(line.startswith("[") for line in err.splitlines()) and ".py:" not in err
    code, out, err = run(capsys, *argv, "--quiet")
    assert code == 0 and err == "" and out


@pytest.mark.slow
def test_quiet_silences_worker_processes_too(unobserved, tmp_path):
    # A parallel search (--n-jobs 2 starts workers, however small the
    # search): the warnings of its folds (the unobserved feature) must not
    # reach stderr either. (Without --quiet the same data warn:
    # test_library_warnings_are_one_line_each_and_silent_with_quiet.)
    quiet = python_m_skopt_lab(
        "tune", "--csv", str(unobserved), "--target", "label", "--estimator", "linear", "--search", "random",
        "--n-iter", "4", "--optimizers", "sgd", "--n-jobs", "2", "--no-figures", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


# ------------------------------------------------- CSV: what issue 24 found
def test_csv_is_read_by_pandas(capsys, table, monkeypatch):
    import pandas

    read_csv, paths = pandas.read_csv, []

    def spy(path, *args, **kwargs):
        paths.append(str(path))
        return read_csv(path, *args, **kwargs)

    monkeypatch.setattr(pandas, "read_csv", spy)
    quoted = table.with_name("quoted.csv")  # a quoted field holding the delimiter and a line break
    quoted.write_text(table.read_text().replace(",red,", ',"red, or\nscarlet",'))
    report = run_json(capsys, "compare", "--csv", str(quoted), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)  # fmt: skip
    assert paths == [str(quoted)]
    assert report["data"].startswith(f"{quoted} (target 'label'): 118 samples, 4 columns, 2 classes")


def test_without_pandas_csv_exits_2_naming_the_extra(tmp_path):
    # (The demo runs without pandas: test_demo_human_output_figures_and_progress.)
    result = python_m_skopt_lab("compare", "--csv", "table.csv", "--target", "label", cwd=tmp_path, without="pandas")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "skopt-lab: error: --csv needs pandas: pip install 'skopt_lab[cli]'\n"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["compare", "tune"])
def test_without_matplotlib_the_results_come_without_figures(tmp_path, command):
    more = ["--n-iter", "4"] if command == "tune" else []
    result = python_m_skopt_lab(command, "--dataset", "iris", "--estimator", "linear", "--optimizers", "adam",
                                "--max-iter", "5", "--out", "out", *more, cwd=tmp_path, without="matplotlib")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "] no figures: skopt_lab.plotting needs matplotlib: pip install 'skopt_lab[plot]'" in result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json"} and "Figure (" not in result.stdout
    if command == "tune":  # the importances need no matplotlib
        importances = json.loads((tmp_path / "out" / "report.json").read_text())["tuning"]["importances"]
        assert sum(importances.values()) == pytest.approx(1.0) and "Importances (" in result.stdout


@pytest.mark.parametrize("header, twice", [("x,label,label", "'label'"), ("x,x,label", "'x'"), ("a,b,a,b,label", "'a', 'b'")])
def test_csv_header_naming_a_column_twice_is_refused(capsys, tmp_path, header, twice):
    # The second "label" must not become a feature (test accuracy 1.000 on random labels).
    path = tmp_path / "twice.csv"
    width = len(header.split(","))
    path.write_text(header + "\n" + "".join(",".join([str(i % 2)] * width) + "\n" for i in range(40)))
    code, out, err = run(capsys, "compare", "--csv", str(path), "--target", "label", "--quiet")
    assert code == 2 and out == ""
    assert err == f"skopt-lab: error: {path}: the header names {twice} more than once; give every column its own name\n"


def test_csv_stray_values_in_a_numeric_target_are_read_as_missing(capsys, table):
    lines = table.read_text().splitlines()
    for i, stray in ((3, "inf"), (11, "12kg")):
        fields = lines[i].split(",")
        fields[4] = stray  # the price column
        lines[i] = ",".join(fields)
    table.write_text("\n".join(lines) + "\n")
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "price", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)  # fmt: skip
    # One "inf" does not turn the regression into a 118-class classification.
    assert report["data"] == f"{table} (target 'price'): 118 samples, 4 columns, regression"
    assert report["notes"][:2] == [
        "column 'price' is numeric: read its 2 value(s) that are not finite numbers ('12kg', 'inf') as missing",
        "dropped 2 rows with a missing 'price'",
    ]
    assert report["comparison"][0]["R2"] > 0.9


def test_csv_task_inference_few_rows_of_integers_are_a_regression(capsys, tmp_path):
    five = tmp_path / "five.csv"
    five.write_text("rooms,price\n1,100\n2,180\n3,260\n4,330\n5,420\n")
    report = run_json(capsys, "compare", "--csv", str(five), "--target", "price", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)  # fmt: skip
    assert report["data"] == f"{five} (target 'price'): 5 samples, 1 columns, regression"  # not 5 classes
    assert "target 'price': 5 different integers on 5 rows, too many for classes: predicted as a number " \
           "(--task classification to read them as classes)" in report["notes"]  # fmt: skip
    # Integers that repeat are classes, and the note says how to change it.
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("x,grade\n" + "".join(f"{i},{i % 3}\n" for i in range(12)))
    dataset = _data.load_csv(repeated, "grade")
    assert dataset.task == "classification" and dataset.y.tolist() == [i % 3 for i in range(12)]
    assert "target 'grade': 3 different integers on 12 rows, read as classes (--task regression to predict it as " \
           "a number)" in dataset.notes  # fmt: skip


@pytest.mark.parametrize("cv", [2, 3, 4, 5, 6])
def test_splits_too_small_to_mean_anything_are_refused_with_the_rows_needed(cv):
    # Each class needs cv rows in the training split (one per fold) and one
    # in the test split; a regression needs 2 rows for each R² (the test
    # split's and each fold's). Exactly the rows named are enough.
    need = _data.rows_needed(cv, 1)
    classes = _data.Dataset("t", np.zeros((3 * need, 1)), np.repeat([7, 8, 9], need), "classification", None)
    X_train, X_test, y_train, y_test = _data.split(classes, 0, cv=cv)
    assert np.unique(y_train, return_counts=True)[1].min() >= cv and set(y_test) == {7, 8, 9}
    short = _data.Dataset("t", np.zeros((3 * need - 1, 1)), np.repeat([7, 8, 9], [need, need, need - 1]),
                          "classification", None)  # fmt: skip
    with pytest.raises(_data.DataError) as error:
        _data.split(short, 0, cv=cv)
    assert str(error.value) == (
        f"--cv {cv}: class 9 has only {need - 1} row{'s' * (need > 2)}; every class needs at least {need}: {cv} in "
        "the training split (one per fold) and 1 in the test split"
    )
    need = _data.rows_needed(2 * cv, 2)
    numbers = _data.Dataset("t", np.zeros((need, 1)), np.arange(need, dtype=float), "regression", None)
    assert len(_data.split(numbers, 0, cv=cv)[2]) >= 2 * cv
    numbers = _data.Dataset("t", np.zeros((need - 1, 1)), np.arange(need - 1, dtype=float), "regression", None)
    with pytest.raises(_data.DataError, match=rf"^--cv {cv}: t has only {need - 1} rows; a regression needs at least "
                       rf"{need}: 2 to test on \(R² needs 2\) and {2 * cv} to train on \(2 per fold\)$"):  # fmt: skip
        _data.split(numbers, 0, cv=cv)


def test_csv_trailing_blank_lines_are_accepted(capsys, table):
    table.write_text(table.read_text() + "\n\n")
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--no-figures", *FAST)  # fmt: skip
    assert report["data"].startswith(f"{table} (target 'label'): 118 samples")


def test_csv_wide_table_is_read_in_time_linear_in_its_columns(tmp_path):
    # 20,000 columns: the former reader, quadratic in the columns, took
    # seconds on this (75 s on 100,000); it is now read in about one
    # (benchmarks/bench_cli_csv.py times both widths).
    n_rows, n_columns = 12, 20_000
    values = np.random.default_rng(0).normal(size=(n_rows, n_columns)).round(2)
    values[:, 5] = np.nan  # a column without any value
    lines = [",".join(f"x{j}" for j in range(n_columns)) + ",kind,label"]
    lines += [",".join(map(str, row)) + f",{'ab'[i % 2]},{i % 2}" for i, row in enumerate(values)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    dataset = _data.load_csv(path, "label")
    assert dataset.X.shape == (n_rows, n_columns) and dataset.task == "classification"
    assert "dropped column 'x5': every value is missing" in dataset.notes
    summary = dataset.notes[-1]
    assert summary.startswith(f"{n_columns - 1} numeric column(s), 1 categorical: x0, x1, x2, x3, x4, x6, ")
    assert summary.endswith(f", x20, ... ({n_columns - 20} more)")


# --------------------------------------------- --out, progress and --n-jobs
def test_a_command_that_fails_leaves_out_as_it_was(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    earlier = {"report.json": b"{}", "loss_curves.png": b"an earlier run", "notes.txt": b"the user's"}
    for name, content in earlier.items():
        (out / name).write_bytes(content)
    huge = tmp_path / "huge.csv"  # refused by the estimator, after the run has begun
    huge.write_text("x,distance,label\n" + "".join(f"{i % 7},{(i % 5 - 2) * 1e160:.1e},{'ab'[i % 2]}\n" for i in range(60)))
    for argv in (
        ["tune", "--dataset", "iris", "--cv", "200"],
        ["compare", "--csv", str(tmp_path / "missing.csv"), "--target", "y"],
        ["compare", "--csv", str(huge), "--target", "label", "--optimizers", "adam"],
    ):
        code, _, err = run(capsys, *argv, "--out", str(out), "--quiet")
        assert code == 2, err
        assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    # Without --out, the default ./skopt_lab_output is neither created nor touched.
    code, _, _ = run(capsys, "tune", "--dataset", "iris", "--cv", "200", "--quiet")
    assert code == 2 and not (tmp_path / "skopt_lab_output").exists()


@pytest.mark.parametrize("dataset", ["iris", "diabetes"])  # a pipeline's steps, and a target transformer
def test_progress_counts_the_real_fits_and_shows_the_total(capsys, monkeypatch, dataset):
    monkeypatch.setattr(_progress, "HEARTBEAT_SECONDS", 0.0)  # a line for every fit
    code, _, err = run(capsys, "tune", "--dataset", dataset, "--estimator", "linear", "--search", "random",
                       "--n-iter", "4", "--optimizers", "adam", "--max-iter", "5", "--no-figures", "--n-jobs", "1")
    assert code == 0
    fits = [line.split("] ", 1)[1] for line in err.splitlines() if "fits done" in line]
    assert fits == [f"random search: {k} of 12 fits done" for k in range(1, 13)]
    assert "random search: 4 candidates × 3 folds = 12 fits and a refit in" in err


@pytest.mark.parametrize("search", ["bayes", "random"])
def test_parallel_search_reports_its_fits(capsys, search):
    argv = ["tune", "--dataset", "iris", "--estimator", "linear", "--search", search, "--n-iter", "6",
            "--optimizers", "adam", "--no-figures", "--max-iter", "15"]  # fmt: skip
    code, out, err = run(capsys, *argv, "--n-jobs", "2")
    assert code == 0
    assert "running the search's 18 fits in 2 worker processes (--n-jobs 2)" in err
    assert "6 candidates × 3 folds = 18 fits and a refit" in err and " 0 of 18" not in err
    if search == "bayes":  # 2 initial candidates, then one per round, each on 3 folds
        rounds = [line.split("] ", 1)[1] for line in err.splitlines() if "evaluated" in line]
        assert rounds == [f"bayes search: round {k} evaluated ({3 * (k + 1)} of 18 fits)" for k in range(1, 6)]
    code, sequential, _ = run(capsys, *argv, "--n-jobs", "1")
    assert sequential.split("Tuned")[1] == out.split("Tuned")[1]  # the same search either way


def test_explicit_n_jobs_is_respected_and_the_probe_decides_only_without_it(capsys, monkeypatch):
    from skopt_lab.cli import _tune

    n_jobs, run_search = [], _tune.run_search

    def spy(*args, **kwargs):
        search = run_search(*args, **kwargs)
        n_jobs.append(search.n_jobs)
        return search

    monkeypatch.setattr(_tune, "run_search", spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    argv = ["tune", "--dataset", "iris", "--estimator", "linear", "--search", "random", "--n-iter", "3",
            "--optimizers", "adam", "--no-figures", "--max-iter", "5"]  # fmt: skip
    # A busy machine: --n-jobs 2 is what the user asked, and is done.
    monkeypatch.setattr(os, "getloadavg", lambda: (3.5, 3.0, 2.0))
    code, _, err = run(capsys, *argv, "--n-jobs", "2")
    assert code == 0 and n_jobs[-1] == 2 and "running the search's 9 fits in 2 worker processes (--n-jobs 2)" in err
    code, _, err = run(capsys, *argv)  # not given: the busy cores decide
    assert code == 0 and n_jobs[-1] == 1 and "worker processes" not in err
    # Free cores, --n-jobs not given: workers when they save more than their start.
    monkeypatch.setattr(os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    monkeypatch.setattr(_jobs, "WORKER_START_SECONDS", 1e6)
    code, _, err = run(capsys, *argv)
    assert code == 0 and n_jobs[-1] == 1 and "worker processes" not in err
    monkeypatch.setattr(_jobs, "WORKER_START_SECONDS", 0.0)
    monkeypatch.setattr(_jobs, "DISPATCH_SECONDS", 0.0)
    code, _, err = run(capsys, *argv)
    assert code == 0 and n_jobs[-1] == 2 and "running the search's 9 fits in 2 worker processes: they take about" in err
    code, _, err = run(capsys, *argv, "--n-jobs", "1")  # and --n-jobs 1 keeps them here
    assert code == 0 and n_jobs[-1] == 1 and "worker processes" not in err


# ------------------------------------------------------------ mistakes
@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--csv", "/no/such/file.csv", "--target", "y"], "no such file: /no/such/file.csv"),
        (["compare", "--csv", "TABLE", "--target", "nope"], "no column 'nope' in"),
        (["compare", "--optimizers", "adam,adamax"], "unknown optimizer 'adamax'"),
        (["compare", "--csv", "ONECLASS", "--target", "label"], "single class ('a')"),
        (["compare", "--csv", "ONEINT", "--target", "label"], "single class (1): nothing"),  # not np.int64(1)
        (["compare", "--csv", "TABLE", "--target", "color", "--task", "regression"], "regression target 'color' is not numeric"),
        (["compare", "--csv", "IDS", "--target", "label"], "no usable feature column besides the target 'label'"),
        (["compare", "--csv", "LONGROW", "--target", "label"], "cannot read"),
        (["compare", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["compare", "--csv", "HUGE", "--target", "label"], "X has values up to"),
        (["tune", "--csv", "HUGE", "--target", "label", "--n-iter", "2"], "X has values up to"),
        (["tune", "--cv", "1"], "--cv needs at least 2 folds"),
        (["tune", "--n-jobs", "0"], "0 jobs"),
        (["compare", "--random-state", "-1"], "-1 is not a seed: give an integer from 0 to 4294967295"),
        (["compare", "--target", "label"], "--target is for --csv files"),
        (["compare", "--csv", "TABLE"], "--csv needs --target COLUMN"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        # Split problems: the rows that would be needed
        (["tune", "--cv", "1000"], "--cv 1000: class 8 has only 174 rows; every class needs at least 1334: 1000 in "
                                   "the training split (one per fold) and 1 in the test split"),
        (["tune", "--dataset", "iris", "--cv", "200"], "--cv 200: class 0 has only 50 rows; every class needs at least 267"),
        (["tune", "--csv", "FEW", "--target", "label", "--cv", "3"], "--cv 3: class 'b' has only 3 rows; every class "
                                                                     "needs at least 4"),
        (["compare", "--csv", "SINGLE", "--target", "label"], "class 'c' has only 1 row; every class needs at least 2: "
                                                              "1 to train on and 1 in the test split"),
        (["tune", "--csv", "FIVE", "--target", "price"], "has only 5 rows; a regression needs at least 8: 2 to test on "
                                                         "(R² needs 2) and 6 to train on (2 per fold)"),
        (["demo", "--cv", "16"], "--cv 16: class 0 has only 15 samples in the labelled digits"),
        # Options of another command are refused, not ignored
        (["demo", "--csv", "TABLE", "--target", "label"], "demo does not take --csv (an option of compare and tune"),
        (["demo", "--dataset", "wine"], "demo does not take --dataset"),
        (["demo", "--estimator=linear"], "demo does not take --estimator"),
        (["compare", "--cv", "5"], "compare does not take --cv (an option of demo and tune"),
        (["compare", "--search", "grid"], "compare does not take --search"),
        (["compare", "--n-jobs", "2"], "compare does not take --n-jobs"),
        (["--csv", "TABLE"], "demo does not take --csv"),  # no command: the demo
        # Options the command would ignore, or that contradict each other
        (["compare", "--dataset", "iris", "--task", "regression"], "--task regression: iris is a classification data set"),
        (["tune", "--task", "regression"], "--task regression: digits is a classification data set"),
        (["tune", "--dataset", "diabetes", "--task", "classification"], "--task classification: diabetes is a regression"),
        # --objectives: names checked before any data is read
        (["tune", "--objectives", "accuracy,size"], "unknown objective 'size'; choose at least two of accuracy, "),
        (["tune", "--objectives", "accuracy"], "one objective (accuracy): give at least two"),
        (["tune", "--objectives", "fit_time,accuracy,fit_time"], "fit_time named twice: name each objective once"),
        (["tune", "--objectives", "fit_time,score_time"], "only times: give at least one metric of the model"),
        (["tune", "--objectives", "accuracy,n_parameters", "--search", "random"], "--objectives needs --search bayes"),
        (["tune", "--dataset", "diabetes", "--objectives", "accuracy,n_parameters"],
         "--objectives accuracy,n_parameters: accuracy is not a regression metric"),
        (["compare", "--objectives", "accuracy,n_parameters"], "compare does not take --objectives (an option of tune"),
        (["demo", "--objectives", "accuracy,n_parameters"], "demo does not take --objectives"),
        (["tune", "--search", "grid", "--n-iter", "5"], "--n-iter is for bayes and random searches: a grid search "
                                                        "evaluates its whole grid"),
        (["demo", "--n-iter", "5", "--search", "grid"], "--n-iter is for bayes and random searches"),
        (["compare", "--dataset", "wine", "--csv", "TABLE", "--target", "label"], "--dataset wine and --csv"),
        (["compare", "--out", "A_DIR", "--no-figures"], "--out and --no-figures contradict each other"),
        # --out is checked before any training
        (["--out", "A_FILE"], "is a file, not a folder"),
        (["compare", "--out", "A_FILE/figures"], "cannot write there (Not a directory)"),
        (["tune", "--out", "/proc/skopt_lab"], "--out /proc/skopt_lab: cannot write there"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, tmp_path, table, argv, message):
    one_class = tmp_path / "one.csv"
    one_class.write_text("x,label\n1,a\n2,a\n3,a\n")
    one_int = tmp_path / "one_int.csv"
    one_int.write_text("x,label\n1,1\n2,1\n3,1\n")
    ids = tmp_path / "ids.csv"
    ids.write_text("name,label\n" + "".join(f"row{i},{'ab'[i % 2]}\n" for i in range(60)))
    few = tmp_path / "few.csv"
    few.write_text("x,label\n" + "".join(f"{i},a\n" for i in range(20)) + "0.5,b\n1.5,b\n2.5,b\n")
    single = tmp_path / "single.csv"
    single.write_text("x,label\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(20)) + "0.5,c\n")
    five = tmp_path / "five.csv"
    five.write_text("rooms,price\n1,100\n2,180\n3,260\n4,330\n5,420\n")
    long_row = tmp_path / "long_row.csv"
    long_row.write_text("x,label\n1,a\n2,b,3\n")
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    huge = tmp_path / "huge.csv"  # a column in absurd units: scaling overflows, training refuses
    huge.write_text("x,distance,label\n" + "".join(f"{i % 7},{(i % 5 - 2) * 1e160:.1e},{'ab'[i % 2]}\n" for i in range(60)))
    paths = {"TABLE": table, "ONECLASS": one_class, "ONEINT": one_int, "IDS": ids, "FEW": few, "SINGLE": single,
             "FIVE": five, "LONGROW": long_row, "A_FILE": a_file, "A_DIR": tmp_path / "a_dir", "HUGE": huge}  # fmt: skip

    def fill(arg):
        key, _, rest = arg.partition("/")
        return str(paths[key]) + _ + rest if key in paths else arg

    argv = [fill(arg) for arg in argv]
    code, out, err = run(capsys, *argv, "--quiet")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skopt-lab: error: ") and message in lines[0], err
    assert "Traceback" not in err and out == ""
    assert a_file.read_text() == "not a folder"
    assert not (tmp_path / "skopt_lab_output").exists()


@pytest.mark.parametrize("command", ["demo", "compare", "tune"])
def test_out_is_checked_before_any_work(capsys, tmp_path, command):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "figures", Path("/proc/skopt_lab")):
        code, stdout, err = run(capsys, command, "--out", str(out))  # no --quiet: nothing ran before
        assert code == 2 and stdout == "" and len(err.splitlines()) == 1 and err.startswith("skopt-lab: error: --out")
    created = tmp_path / "new" / "folder"
    assert _report.check_out(created) is None and not (tmp_path / "new").exists()  # created when results are written


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in _parser.COMMANDS:
        assert command in text
    for group in _parser.option_groups().values():
        assert group.title in text
        for action in group.actions:
            for option in action.option_strings:
                assert option in text, option
            assert action.help, action.option_strings
    for group in ("data (compare, tune)", "training (every command)", "tuning (demo, tune)", "several objectives (tune)",
                  "output (every command)"):
        assert group in text
