"""Run Python code as a fresh ``python`` process would, in a fork of the
test process.

A new interpreter spends about two seconds importing scikit-learn, scipy,
pandas and matplotlib before the first line of a README block or an example
runs; the tests ran some twenty of them. A fork of the test process, which
has imported them already, runs the same code with what a fresh program
has of its own: ``__main__`` with fresh globals, ``sys.argv``, the working
directory, the environment, Python's warning filters as ``PYTHONWARNINGS``
sets them (none of pytest's), and its own stdout, stderr and exit code.
Code that starts worker processes (a Dask cluster, joblib's ``n_jobs``)
keeps a real new process (:func:`subprocess.run`): Dask's workers
re-import ``__main__``, and joblib's reusable pool, inherited from the test
process by the fork without its threads, would wait forever.
"""

import io
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings


def starts_processes(code):
    """Whether ``code`` starts worker processes: then it must run in a new
    process, not in a fork of this one."""
    return "dask" in code or "n_jobs" in code


def run_python(argv, *, cwd, env, timeout=300):
    """Like ``subprocess.run([sys.executable, *argv], capture_output=True,
    text=True, ...)`` for ``argv`` of the forms ``[path, *args]``,
    ``["-m", module, *args]`` and ``["-c", code]``."""
    if not hasattr(os, "fork"):
        return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(argv, cwd, env, out, err)  # never returns
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired(argv, timeout)
            time.sleep(0.01)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return subprocess.CompletedProcess(argv, os.waitstatus_to_exitcode(status), stdout, stderr)


def _child(argv, cwd, env, out, err):
    code = 1
    try:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        # pytest records warnings (catch_warnings(record=True) replaces how
        # they are shown): a fresh program prints them on stderr.
        warnings.showwarning = warnings._showwarning_orig
        warnings._showwarnmsg_impl = _print_warning
        warnings.resetwarnings()
        for action in filter(None, env.get("PYTHONWARNINGS", "").split(",")):
            warnings.simplefilter(action.split(":")[0])
        if not env.get("PYTHONWARNINGS"):  # Python's own defaults
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__", append=True)
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.filterwarnings("ignore", category=category, append=True)
        if argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]
            sys.path[0] = cwd
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        elif argv[0] == "-c":
            sys.argv = ["-c", *argv[2:]]
            sys.path[0] = cwd
            exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
        else:
            sys.argv = [str(argv[0]), *argv[1:]]
            sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
            runpy.run_path(str(argv[0]), run_name="__main__")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _print_warning(message):
    """What Python does with a warning to show (``warnings._showwarnmsg_impl``)."""
    file = message.file if message.file is not None else sys.stderr
    try:
        file.write(warnings._formatwarnmsg(message))
    except OSError:
        pass

