"""The ``>>>`` examples in the docstrings of every package run and give what they show.

Every ``>>>`` line of a module's source must be an example doctest runs (a module without
examples passes only because it has none; one whose examples doctest does not collect fails)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import atomistic
import phasefield
import scenarios

MODULES = sorted(
    name
    for package in (atomistic, phasefield, scenarios)
    for name in (package.__name__, *(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")))
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    examples = sum(line.lstrip().startswith(">>>") for line in inspect.getsource(module).splitlines())
    assert result.attempted == examples
