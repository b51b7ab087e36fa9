"""The ``>>>`` examples in the docstrings of every package run and give what they show."""

from __future__ import annotations

import doctest
import importlib
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
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
