"""The private scikit-learn names we use are all in skopt_lab/_compat.py.

A new scikit-learn release may move or change a private name; this test
keeps every such use in one file, so the breakage shows there. It lists
them, and fails when any other module imports a private scikit-learn name
or calls (or overrides) a private method of a scikit-learn class listed in
``_compat.PRIVATE_METHODS``.
"""

import ast
import importlib
import pathlib

import skopt_lab
from skopt_lab import _compat

PACKAGE = pathlib.Path(skopt_lab.__file__).parent
EXAMPLES = PACKAGE.parent / "examples"

# Names with a leading underscore that scikit-learn documents as public API
# (they are in its API reference), by module.
PUBLIC_DESPITE_UNDERSCORE = {"sklearn.utils": {"_safe_indexing"}}


def _is_private_import(node):
    module = node.module or ""
    if not module.startswith("sklearn"):
        return False
    if any(part.startswith("_") for part in module.split(".")):
        return True
    public = PUBLIC_DESPITE_UNDERSCORE.get(module, set())
    return any(alias.name.startswith("_") and alias.name not in public for alias in node.names)


def _private_imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, node.module, [alias.name for alias in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and _is_private_import(node)
    ]


def test_private_sklearn_imports_only_in_compat():
    offenders = {}
    for path in [*PACKAGE.rglob("*.py"), *EXAMPLES.glob("*.py")]:
        if path == PACKAGE / "_compat.py":
            continue
        found = _private_imports(path)
        if found:
            offenders[str(path.relative_to(PACKAGE.parent))] = found
    assert not offenders, f"import private scikit-learn names through skopt_lab._compat: {offenders}"


def test_compat_lists_exactly_what_it_imports():
    imported = {}
    for _, module, names in _private_imports(PACKAGE / "_compat.py"):
        imported.setdefault(module, []).extend(names)
    assert {m: sorted(n) for m, n in imported.items()} == {m: sorted(n) for m, n in _compat.PRIVATE_NAMES.items()}


def test_every_listed_name_exists_in_this_scikit_learn():
    for module, names in _compat.PRIVATE_NAMES.items():
        loaded = importlib.import_module(module)
        for name in names:
            assert hasattr(loaded, name), f"{module}.{name} is gone in this scikit-learn"


def _private_method_uses(path, names):
    """(line, name) of every call or override of a method in ``names``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.lineno, node.attr))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            found.append((node.lineno, f"def {node.name}"))
    return found


def test_private_sklearn_methods_only_through_compat():
    names = {name for methods in _compat.PRIVATE_METHODS.values() for name in methods}
    offenders = {}
    for path in [*PACKAGE.rglob("*.py"), *EXAMPLES.glob("*.py")]:
        if path == PACKAGE / "_compat.py":
            continue
        found = _private_method_uses(path, names)
        if found:
            offenders[str(path.relative_to(PACKAGE.parent))] = found
    assert not offenders, f"call private scikit-learn methods through skopt_lab._compat's functions: {offenders}"


def test_the_method_test_would_see_a_direct_call(tmp_path):
    module = tmp_path / "uses.py"
    module.write_text("def f(search, results):\n    return search._format_results(results)\n")
    assert _private_method_uses(module, {"_format_results"}) == [(2, "_format_results")]


def test_every_listed_method_exists_in_this_scikit_learn():
    for qualified, methods in _compat.PRIVATE_METHODS.items():
        module, _, name = qualified.rpartition(".")
        owner = getattr(importlib.import_module(module), name)
        for method in methods:
            assert callable(getattr(owner, method, None)), f"{qualified}.{method} is gone in this scikit-learn"


def test_no_upper_bound_on_scikit_learn():
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    assert '"scikit-learn>=1.9"' in pyproject
