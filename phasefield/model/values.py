"""Parameter values: their canonical types, the keys of mapping parameters, one-line errors.

Shared by :mod:`phasefield.model.parameters` (the dataclass canonicalizes every field
on construction) and :mod:`phasefield.model.overrides` (``--set`` and TOML values).
"""

from __future__ import annotations

import math
import numbers
import reprlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .phases import parse_pair_key, phase_index

_PAIR_MAPPINGS = frozenset({"interface_energy_J_m2", "interface_mobility_m4_Js"})
_PHASE_MAPPINGS = frozenset({"diffusivity_m2_s", "surface_diffusivity_m2_s", "phase_facet_angles_deg", "phase_facet_normals", "phase_facet_energies"})


class ParameterError(ValueError):
    """A refused parameter value; the message is one line naming the parameter,
    the value and what is allowed."""


def frozen_map(d: Mapping[str, Any]) -> types.MappingProxyType:
    """A read-only copy of a mapping (the form of every mapping parameter)."""
    return types.MappingProxyType(dict(d))


def one_line(err: BaseException | str) -> str:
    """The text of an error on one line (messages of other libraries may span several)."""
    return " ".join(str(err).split())


def show(value: Any) -> str:
    """A short one-line repr of a value for an error message (long lists and strings elided)."""
    if isinstance(value, Mapping):
        value = dict(value)
    r = reprlib.Repr()
    r.maxstring, r.maxother, r.maxlist, r.maxtuple, r.maxdict, r.maxlevel = 60, 60, 8, 8, 8, 3
    return one_line(r.repr(value))


def canonical_value(name: str, hint: Any, value: Any) -> Any:
    """``value`` as the canonical form of the type ``hint`` of parameter ``name``.

    Numbers become finite floats (ints for ``int``), lists become tuples, mappings
    become read-only mappings with canonical phase or pair keys. Other hints pass the
    value through.

    Raises
    ------
    ParameterError
        The value is not of the type (a string for a number, a number for a list, ...)
        or not finite.
    """
    origin = typing.get_origin(hint)
    if hint is float:
        return _finite(name, value)
    if hint is int:
        return _integer(name, value)
    if hint is str:
        require(isinstance(value, str), name, value, "a string")
        return value
    if origin is tuple:
        return _tuple(name, hint, value)
    if origin in (Mapping, dict) or hint in (Mapping, dict):
        return _mapping(name, hint, value)
    return value


def _finite(name: str, value: Any) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    try:
        number = float(value) if ok else math.nan
    except OverflowError:  # an int beyond the float range
        number = math.nan
    require(math.isfinite(number), name, value, "a finite number")
    return number


def _integer(name: str, value: Any) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    require(ok, name, value, "an integer")
    return int(value)


def _is_list(value: Any) -> bool:
    return (isinstance(value, Sequence) and not isinstance(value, (str, bytes))) or (isinstance(value, np.ndarray) and value.ndim == 1)


def _tuple(name: str, hint: Any, value: Any) -> tuple:
    elem = next((a for a in typing.get_args(hint) if a is not Ellipsis), Any)
    kind = "numbers" if elem in (float, int) else "values"
    require(_is_list(value), name, value, f"a list of {kind}")
    try:
        return tuple(canonical_value(name, elem, v) for v in value)
    except ParameterError:
        raise ParameterError(f"{name} = {show(value)} is not allowed; allowed: a list of finite {kind}") from None


def _mapping(name: str, hint: Any, value: Any) -> types.MappingProxyType:
    args = typing.get_args(hint)
    item = args[1] if len(args) == 2 else Any
    require(isinstance(value, Mapping), name, value, f"a mapping {_key_form(name)} -> {_item_form(item)}")
    return frozen_map({mapping_key(name, k): canonical_value(f"{name}[{k}]", item, v) for k, v in value.items()})


def _key_form(name: str) -> str:
    return "'A/B' (a phase pair)" if name in _PAIR_MAPPINGS else "phase" if name in _PHASE_MAPPINGS else "key"


def _item_form(item: Any) -> str:
    return "list of numbers" if typing.get_origin(item) is tuple else "number" if item is float else "value"


def mapping_key(name: str, key: Any) -> str:
    """The canonical key of an entry of mapping parameter ``name`` (pair "A/B" or phase).

    Raises
    ------
    ParameterError
        Naming the parameter, for a key that is no phase (pair) of the model.
    """
    require(isinstance(key, str), f"{name} key", key, "a string")
    try:
        if name in _PAIR_MAPPINGS:
            return parse_pair_key(key)
        if name in _PHASE_MAPPINGS:
            phase_index(key)
        return key
    except ValueError as err:
        raise ParameterError(f"{name}[{key!r}]: {one_line(err)}") from None


def require(cond: bool, name: str, value: Any, allowed: str) -> None:
    if not cond:
        raise ParameterError(f"{name} = {show(value)} is not allowed; allowed: {allowed}")


def derived_note(cls: type, name: str) -> str:
    source = cls.derived_from.get(name, "its other parameters")
    return f"{name} is derived by {cls.__name__} from {source}; set that instead"
