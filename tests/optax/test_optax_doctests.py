"""The examples in the docstrings of ``jaxlite.optax`` run and print what they claim."""
import doctest
import importlib
import pkgutil
import warnings

import pytest

import jaxlite.optax

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(jaxlite.optax.__path__, "jaxlite.optax."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
  module = importlib.import_module(name)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
  assert result.failed == 0


def test_the_public_api_is_documented_by_examples():
  attempted = 0
  for name in MODULES:
    finder = doctest.DocTestFinder()
    attempted += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
  assert attempted >= 80
