"""The ``>>>`` examples in the atomistic docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import atomistic

MODULES = sorted(m.name for m in pkgutil.iter_modules(atomistic.__path__, "atomistic."))


@pytest.mark.parametrize("name", ["atomistic", *MODULES])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
