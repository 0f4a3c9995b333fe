"""The command line: every command on every bundled data set and on a CSV."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skopt_lab.cli import build_parser, main

FAST = ["--max-iter", "15", "--quiet"]


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


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


@pytest.mark.parametrize("search", ["bayes", "random", "grid"])
def test_tune_with_each_search(capsys, search, tmp_path):
    report = run_json(
        capsys, "tune", "--dataset", "wine", "--estimator", "linear", "--search", search, "--n-iter", "4",
        "--optimizers", "adam", "--out", str(tmp_path), "--quiet",
    )  # the default 100 epochs: 15 full-batch Adam steps at lr ~1e-3 cannot fit wine
    tuning = report["tuning"]
    assert tuning["search"] == search
    assert tuning["candidates"] == (2 * 3 * 3 if search == "grid" else 4)  # alpha x lr x schedule
    assert {"optimizer", "optimizer__learning_rate", "alpha"} <= set(tuning["best_params"])
    assert tuning["test"]["accuracy"] > 0.8
    for path in report["figures"].values():
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "report.json").read_text())["tuning"]["search"] == search


def test_tune_a_regressor(capsys):
    report = run_json(capsys, "tune", "--dataset", "diabetes", "--estimator", "mlp", "--n-iter", "3",
                      "--no-figures", *FAST)
    assert report["tuning"]["test"]["R2"] > 0.2
    assert report["tuning"]["best_params"]["optimizer"] in ("SGD()", "RMSprop()", "Adam()")


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


def test_csv_classification_with_numeric_and_categorical_columns(capsys, table):
    report = run_json(capsys, "compare", "--csv", str(table), "--target", "label", "--estimator", "linear",
                      "--optimizers", "lbfgs,adam", "--no-figures", *FAST)
    assert "dropped 2 rows with a missing 'label'" in report["notes"][0]
    assert "color (categorical)" in report["notes"][1] and "3 numeric column(s), 1 categorical" in report["notes"][1]
    assert report["comparison"][0]["accuracy"] > 0.8


def test_csv_regression_and_tuning(capsys, table):
    report = run_json(capsys, "tune", "--csv", str(table), "--target", "price", "--estimator", "linear",
                      "--optimizers", "lbfgs", "--n-iter", "3", "--no-figures", *FAST)
    assert report["data"].endswith("regression")
    assert report["tuning"]["test"]["R2"] > 0.9


def test_human_output_and_progress(capsys, tmp_path):
    code, out, err = run(capsys, "compare", "--dataset", "iris", "--estimator", "linear", "--optimizers",
                         "adam,rmsprop", "--max-iter", "10", "--out", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0].startswith("Data: iris: 150 samples, 4 columns, 3 classes")
    header = next(line for line in out.splitlines() if line.startswith("optimizer"))
    assert header.split() == ["optimizer", "epochs", "fit", "seconds", "accuracy", "precision", "recall", "F1", "ROC-AUC"]
    progress = err.splitlines()
    assert progress[0].startswith("[") and "s] data: iris" in progress[0]
    assert any("Adam: 10 epochs, accuracy" in line for line in progress)
    assert (tmp_path / "loss_curves.png").exists() and f"Figure (loss_curves): {tmp_path}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "--csv", "/no/such/file.csv", "--target", "y"], "no such file: /no/such/file.csv"),
        (["compare", "--csv", "TABLE", "--target", "nope"], "no column 'nope' in"),
        (["compare", "--optimizers", "adam,adamax"], "unknown optimizer 'adamax'"),
        (["compare", "--csv", "ONECLASS", "--target", "label"], "single class"),
        (["compare", "--csv", "TABLE", "--target", "color", "--task", "regression"], "regression target 'color' is not numeric"),
        (["compare", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["compare", "--cv", "1"], "--cv needs at least 2 folds"),
        (["compare", "--target", "label"], "--target is for --csv files"),
        (["compare", "--csv", "TABLE"], "--csv needs --target COLUMN"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, tmp_path, table, argv, message):
    one_class = tmp_path / "one.csv"
    one_class.write_text("x,label\n1,a\n2,a\n3,a\n")
    argv = [{"TABLE": str(table), "ONECLASS": str(one_class)}.get(a, a) for a in argv]
    code, out, err = run(capsys, *argv, "--quiet")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skopt-lab: error: ") and message in lines[0]
    assert "Traceback" not in err


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    parser = build_parser()
    subparsers = parser._subparsers._group_actions[0].choices
    for command, subparser in subparsers.items():
        assert command in text
        for action in subparser._actions:
            for option in action.option_strings:
                assert option in text, option
            assert action.help, action.option_strings


def test_demo_runs_end_to_end(tmp_path):
    # The full demo is the README's first command; here with a small budget.
    result = subprocess.run(
        [sys.executable, "-m", "skopt_lab", "--max-iter", "10", "--n-iter", "3", "--optimizers", "sgd,adam,lbfgs",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "(pretrained as is)" in result.stdout and "Tuned model on the test split: accuracy" in result.stdout
    for name in ("loss_curves", "search_progress", "schedule"):
        assert (tmp_path / f"{name}.png").exists()
    assert "] pretrained a (128, 64) network" in result.stderr
