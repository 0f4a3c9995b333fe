"""Public API documentation: numpydoc sections that match the code."""

import inspect

import pytest
from numpydoc import docscrape as numpydoc

import skopt_lab
from skopt_lab import augmentation, optimizers


PUBLIC_CLASSES = [getattr(skopt_lab, name) for name in skopt_lab.__all__ if inspect.isclass(getattr(skopt_lab, name))]
PUBLIC_CLASSES += [
    getattr(module, name)
    for module in (optimizers, augmentation)
    for name in module.__all__
    if inspect.isclass(getattr(module, name))
]
# The parameter-constraint classes skopt_lab.optimizers re-exports are
# scikit-learn's, documented there.
PUBLIC_CLASSES = [cls for cls in PUBLIC_CLASSES if cls.__module__.startswith("skopt_lab")]


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda c: c.__name__)
def test_parameters_documented_in_signature_order(cls):
    doc = numpydoc.ClassDoc(cls)
    documented = [p.name for p in doc["Parameters"]]
    assert documented == list(inspect.signature(cls).parameters)
    assert doc["Summary"], f"{cls.__name__} has no summary line"


@pytest.mark.parametrize("cls", [c for c in PUBLIC_CLASSES if c is not optimizers.Schedule], ids=lambda c: c.__name__)
def test_public_classes_have_examples(cls):
    assert numpydoc.ClassDoc(cls)["Examples"], f"{cls.__name__} has no Examples section"
