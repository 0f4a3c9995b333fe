"""The README for users: its code blocks run as written, its two commands are
the ones CI and users run, and it points only to what a user can find."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from _fresh_python import run_python, starts_processes

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def blocks(language):
    return [code for lang, code in BLOCK.findall(README) if lang == language]


def _first_line(code):
    return next(line for line in code.splitlines() if line.strip() and not line.startswith(("import", "from")))


PYTHON = blocks("python")


def run(argv, cwd, timeout=300, new_process=False):
    """``python *argv`` as a user runs it: in a fork of this process that has
    what a fresh program has (tests/_fresh_python.py), or in a new process
    for code that starts worker processes."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "default", "OPENBLAS_NUM_THREADS": "1"}
    if new_process:
        return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    return run_python([str(arg) for arg in argv], cwd=str(cwd), env=env, timeout=timeout)


def test_readme_has_the_blocks_these_tests_run():
    # quick start, fine-tuning, augmentation, a custom optimizer, lr_find, optimizers, BayesSearchCV,
    # HyperbandSearchCV, multi-objective, importances, 2 x Dask
    assert len(PYTHON) == 12
    assert any("Client()" in code for code in PYTHON)


@pytest.mark.parametrize("code", PYTHON, ids=[_first_line(code)[:40] for code in PYTHON])
def test_python_block_runs_as_written(code, tmp_path):
    # Each block as a script of its own, as a fresh program: no name may come
    # from another block.
    script = tmp_path / "block.py"
    script.write_text(code)
    result = run([script], tmp_path, new_process=starts_processes(code))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "a README block should print what it shows"
    if "dask" not in code:  # Dask may warn about ports taken by another cluster
        assert "Warning" not in result.stderr, result.stderr
    if "FrozenEstimator" in code:  # the fine-tuning block shows the gain it claims
        as_is, tuned = map(float, re.findall(r"\d\.\d{3}", result.stdout))
        assert tuned > as_is + 0.05, result.stdout


def test_command_line_block_runs_as_written(tmp_path):
    (code,) = [code for code in blocks("bash") if "compare --csv" in code]
    for line in code.strip().splitlines():
        argv = shlex.split(line)
        assert argv[0] == "python"
        result = run(argv[1:], tmp_path)
        assert result.returncode == 0, (line, result.stderr)
    assert (tmp_path / "skopt_lab_output" / "report.json").exists()


def test_the_two_commands_are_marked_for_ci():
    commands = {}
    for name in ("main command", "test command"):
        match = re.search(rf"<!-- {name} -->\n```bash\n(.*?)\n```\n<!-- /{name} -->", README, re.S)
        assert match, name
        commands[name] = match.group(1)
    assert commands == {
        "main command": 'pip install -e ".[plot]" && python -m skopt_lab',
        "test command": 'pip install -e ".[test]" && pytest -n auto',
    }
    # .ci/run extracts the test command the same way.
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test command -->" in ci


def test_no_install_of_a_published_release():
    installs = [line for line in README.splitlines() if "pip install" in line]
    assert installs and all("pip install -e " in line for line in installs), installs


def test_links_and_figures_point_to_files_of_the_repository():
    targets = re.findall(r"\]\(([^)#]+)\)", README)
    local = [t for t in targets if not t.startswith("http")]
    assert {"docs/images/loss_curves.png", "docs/images/search_progress.png", "docs/images/schedule.png"} <= set(local)
    for target in local:
        assert (ROOT / target).exists(), target
    for path in re.findall(r"`((?:benchmarks|examples|tests|skopt_lab)/[\w./*]+)`", README):
        assert list(ROOT.glob(path)), path
    for image in ("loss_curves", "search_progress", "schedule"):
        assert (ROOT / "docs" / "images" / f"{image}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_user_sections_come_before_developer_material():
    headings = re.findall(r"^## (.+)$", README, re.M)
    users = ["The two commands", "What the demo shows, and how to read it", "Quick start", "The command line"]
    assert headings[: len(users)] == users
    developer = [headings.index(h) for h in ("Benchmarks", "Property tests and fuzzing", "How it is built")]
    assert developer == sorted(developer) and min(developer) > headings.index("BayesSearchCV")
    assert "seed document" not in README and "the MLP issue" not in README
