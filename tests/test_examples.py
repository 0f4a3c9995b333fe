"""Every example runs, and the fine-tuning story holds."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path):
    env = {**os.environ, "SKOPT_LAB_FAST": "1", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "an example should print what it shows"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fine_tuning_beats_training_from_scratch():
    results = _load("finetune_digits").compare(n_seeds=3)
    scratch = results["from scratch"]
    for name in ("kept head, 0 frozen", "kept head, 1 frozen"):
        for metric in ("accuracy", "macro F1"):
            assert results[name][metric] >= scratch[metric] + 0.05, (name, metric, results)
        # Adapting to the new sensor improves on the pretrained network too.
        assert results[name]["accuracy"] > results["pretrained as is"]["accuracy"]
    assert results["new head, 1 frozen"]["accuracy"] > scratch["accuracy"]
