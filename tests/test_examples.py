"""Every example runs, and the fine-tuning story holds."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _fresh_python import run_python, starts_processes

pytestmark = pytest.mark.slow

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, tmp_path):
    env = {**os.environ, "SKOPT_LAB_FAST": "1", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    # in a temporary folder: what an example writes (a figure) stays out of the repository;
    # as a fresh program, in a fork of this process (tests/_fresh_python.py), or in a new
    # process for an example that starts worker processes
    if starts_processes(path.read_text()):
        result = subprocess.run(
            [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
        )
    else:
        result = run_python([str(path)], cwd=str(tmp_path), env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example should print what it shows"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fine_tuning_beats_training_from_scratch():
    results = _load("finetune_digits").compare(n_seeds=3)
    scratch, as_is = results["from scratch"], results["pretrained as is"]
    # Fine-tuning all layers gains 5 points over training from scratch (seeds
    # 0-2); with the first layer frozen the gain is smaller (about 3), but real.
    for name, gain in (("kept head, 0 frozen", 0.04), ("kept head, 1 frozen", 0.015)):
        for metric in ("accuracy", "macro F1"):
            assert results[name][metric] >= scratch[metric] + gain, (name, metric, results)
        # Adapting to the new camera improves on the pretrained network too.
        assert results[name]["accuracy"] >= as_is["accuracy"] + 0.1, (name, results)
    # When the classes are the same, keeping the output layer is the better
    # start: a new one begins from random weights, and the short fine-tuning
    # budget is not enough for it.
    for frozen in ("0", "1"):
        assert results[f"kept head, {frozen} frozen"]["accuracy"] > results[f"new head, {frozen} frozen"]["accuracy"]


def test_the_example_and_the_demo_share_one_scenario():
    from skopt_lab import _demo

    example = _load("finetune_digits")
    assert example._demo is _demo  # the same module, hence the same constants
    scenario = _demo.make_scenario(0)
    source = _demo.pretrain(scenario, 0)
    model = example.strategy_model("kept head, 0 frozen", source, 0)
    demo_model = _demo.fine_tuned(source, _demo.fine_tuning_optimizer(example.OPTIMIZER), 0)
    assert repr(model.get_params()) == repr(demo_model.get_params())
