"""The helper that runs README blocks and examples as fresh programs, in a
fork of the test process: what such a program would see and report."""

import os
import sys

from _fresh_python import run_python, starts_processes


def test_output_exit_code_cwd_and_environment(tmp_path):
    code = "import os, sys; print(os.getcwd(), os.environ['ONLY_HERE']); sys.exit(3)"
    result = run_python(["-c", code], cwd=str(tmp_path), env={"ONLY_HERE": "yes"})
    assert result.returncode == 3
    assert result.stdout == f"{tmp_path} yes\n"
    assert "ONLY_HERE" not in os.environ


def test_a_warning_is_printed_as_pythonwarnings_says_not_raised_as_pytest_says(tmp_path):
    code = "import warnings; warnings.warn('look here'); print('went on')"
    result = run_python(["-c", code], cwd=str(tmp_path), env={"PYTHONWARNINGS": "default"})
    assert result.returncode == 0, result.stderr
    assert "UserWarning: look here" in result.stderr and result.stdout == "went on\n"


def test_an_exception_is_a_traceback_and_exit_code_1(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys\nprint(sys.argv[1:], __name__)\nraise ValueError('broken')\n")
    result = run_python([script, "--flag"], cwd=str(tmp_path), env={})
    assert result.returncode == 1
    assert result.stdout == "['--flag'] __main__\n"
    assert "ValueError: broken" in result.stderr and "Traceback" in result.stderr


def test_no_name_comes_from_the_test_process(tmp_path):
    sys.modules["__main__"].LEAK = "from the test process"
    try:
        result = run_python(["-c", "print(LEAK)"], cwd=str(tmp_path), env={})
    finally:
        del sys.modules["__main__"].LEAK
    assert result.returncode == 1 and "NameError" in result.stderr


def test_a_module_runs_as_python_m(tmp_path):
    result = run_python(["-m", "skopt_lab", "--help"], cwd=str(tmp_path), env={})
    assert result.returncode == 0, result.stderr
    assert "usage: skopt-lab" in result.stdout


def test_code_that_starts_worker_processes_is_told_apart():
    assert starts_processes("GridSearchCV(model, grid, n_jobs=2)")
    assert starts_processes("from dask.distributed import Client")
    assert not starts_processes("MLPClassifier().fit(X, y)")
