"""``compare --lr-find``, and the recent optimizers on the command line."""

import json

import pytest

from skopt_lab.cli import _compare, main


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a run without --out writes here


def _json_of(capsys, *argv):
    code = main([*argv, "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_each_optimizer_trains_at_its_suggested_rate_and_the_figure_is_written(capsys, monkeypatch, tmp_path):
    suggested, trained = {}, {}

    def spy_lr_find(model, X, y, **kwargs):
        result = real_lr_find(model, X, y, **kwargs)
        suggested[result.label] = result.suggestion
        return result

    def spy_fit(model, X, y):
        optimizer = model[-1].optimizer
        trained[type(optimizer).__name__] = getattr(optimizer, "learning_rate", None)
        return real_fit(model, X, y)

    real_lr_find, real_fit = _compare.lr_find, _compare.fit_quietly
    monkeypatch.setattr(_compare, "lr_find", spy_lr_find)
    monkeypatch.setattr(_compare, "fit_quietly", spy_fit)
    out = tmp_path / "out"
    report = _json_of(
        capsys, "compare", "--dataset", "iris", "--optimizers", "sgd,schedulefree_adamw,lbfgs", "--max-iter", "5",
        "--lr-find", "--out", str(out),
    )  # fmt: skip
    assert set(suggested) == {"SGD", "Schedule-Free AdamW"}  # L-BFGS has no learning rate to test
    assert trained["SGD"] == suggested["SGD"]
    assert trained["ScheduleFreeAdamW"] == suggested["Schedule-Free AdamW"]
    rates = {row["optimizer"]: row["learning rate"] for row in report["comparison"]}
    assert rates == {"SGD": suggested["SGD"], "Schedule-Free AdamW": suggested["Schedule-Free AdamW"], "L-BFGS": None}
    assert report["figures"]["lr_find"] == str(out / "lr_find.png")
    assert (out / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any("--lr-find" in note for note in report["notes"])


def test_without_lr_find_the_defaults_run_and_no_figure_is_drawn(capsys, tmp_path):
    report = _json_of(capsys, "compare", "--dataset", "iris", "--optimizers", "lion", "--max-iter", "3", "--out", str(tmp_path / "o"))
    assert "learning rate" not in report["comparison"][0]
    assert "lr_find" not in report["figures"]
    assert report["comparison"][0]["optimizer"] == "Lion"


def test_compare_runs_the_recent_optimizers_by_default(capsys):
    from skopt_lab.cli import _parser

    args = _parser.parse_args(["compare"])
    assert {"lion", "schedulefree_adamw", "schedulefree_sgd", "muon"} <= set(args.optimizers)
    linear = _parser.parse_args(["compare", "--estimator", "linear"])
    assert "muon" not in linear.optimizers and "lion" in linear.optimizers  # Muon needs hidden layers
    assert "lion" not in _parser.parse_args(["demo"]).optimizers  # the demo's rates are per family of the others


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tune", "--lr-find"], "tune does not take --lr-find (an option of compare"),
        (["demo", "--lr-find"], "demo does not take --lr-find"),
        (["compare", "--estimator", "linear", "--optimizers", "muon"], "--optimizers muon needs hidden layers"),
        (["demo", "--optimizers", "lion"], "the demo fine-tunes with"),
    ],
)
def test_mistakes_are_refused_in_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_later_run_removes_the_lr_find_figure_of_an_earlier_one(capsys, tmp_path):
    out = tmp_path / "out"
    _json_of(capsys, "compare", "--dataset", "iris", "--optimizers", "sgd", "--max-iter", "2", "--lr-find", "--out", str(out))
    assert (out / "lr_find.png").exists()
    _json_of(capsys, "compare", "--dataset", "iris", "--optimizers", "sgd", "--max-iter", "2", "--out", str(out))
    assert not (out / "lr_find.png").exists()
