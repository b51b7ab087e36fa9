"""Overrides: ``key=value`` strings (``--set``) and typed tables (TOML) applied to a parameter object.

Works on any frozen parameter dataclass (:class:`phasefield.ModelParameters` or a scenario
subclass) through its type hints: tuples take comma-separated values, one entry of a
mapping is set with ``key.A/B=value`` (pairs) or ``key.PHASE=value`` (phases).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from .values import ParameterError, derived_note, mapping_key, require, show


def apply_overrides(params, overrides: Mapping[str, Any] | list[str]):
    """Return a copy of a parameter object with ``key=value`` overrides applied.

    Parameters
    ----------
    params
        A frozen :class:`ModelParameters` (or a scenario subclass).
    overrides
        ``["key=value", ...]`` or ``{"key": "value"}``. Tuples take
        comma-separated values; one entry of a mapping is set with
        ``key.A/B=value`` (pairs) or ``key.PHASE=value`` (phases). A non-string
        value in a dict is taken as it is (as from TOML).

    Raises
    ------
    ParameterError
        Naming the key, the value and what is allowed, for a malformed item, an
        unknown or derived key, a value of the wrong type, or one refused by validation.

    Examples
    --------
    >>> from phasefield import ModelParameters
    >>> p = apply_overrides(ModelParameters(), ["hold_temperature_C=720", "domain_nm=32,32"])
    >>> p.hold_temperature_C, p.domain_nm
    (720.0, (32.0, 32.0))
    """
    values: dict[str, Any] = {}
    for key, text in _override_items(overrides).items():
        name, dot, sub = key.partition(".")
        hint = override_type(type(params), key, text)
        value = _parse_value(key, hint, text) if isinstance(text, str) else text
        if dot:
            entries = values.setdefault(name, {})
            require(isinstance(entries, dict), f"override {key}", text, f"one form for {name}: whole or entries")
            entries[sub] = value
        else:
            values[name] = value
    return apply_values(params, values)


def override_type(cls: type, key: str, value: Any = None) -> Any:
    """The type the override ``key=value`` of parameter class ``cls`` takes: the field's, or
    for ``key.ENTRY`` that of one entry of the mapping parameter ``key``.

    Raises
    ------
    ParameterError
        An unknown or derived key, or an entry of a parameter that is not a mapping
        (the message names the key and ``value``).
    """
    name, dot, _ = key.partition(".")
    hint = _settable_hint(cls, name)
    if not dot:
        return hint
    require(_is_mapping_hint(hint), f"override {key}", value, f"{name} is not a mapping; write {name}=value")
    return typing.get_args(hint)[1]


def parse_override(cls: type, key: str, text: str) -> Any:
    """The typed value of the override ``key=text`` (a tuple for a list, parsed as ``--set`` does).

    Only the text is checked here; the parameter object checks the value when it is built.

    Raises
    ------
    ParameterError
        As :func:`override_type`, or text that is not of the type.
    """
    return _parse_value(key, override_type(cls, key, text), text)


def apply_values(params, values: Mapping[str, Any]):
    """Return a copy of a parameter object with typed values (e.g. a TOML table) applied.

    A mapping value of a mapping parameter changes only the entries it lists (merged
    entry by entry into the current mapping); any other value replaces the parameter.

    Raises
    ------
    ParameterError
        An unknown or derived key, an unknown phase or pair inside a mapping, a value
        of the wrong type, or one refused by validation.
    """
    changes = {}
    for name, value in values.items():
        hint = _settable_hint(type(params), name)
        if _is_mapping_hint(hint) and isinstance(value, Mapping):
            value = {**getattr(params, name), **{mapping_key(name, k): v for k, v in value.items()}}
        changes[name] = value
    return dataclasses.replace(params, **changes)


def _override_items(overrides: Mapping[str, Any] | list[str]) -> dict[str, Any]:
    if isinstance(overrides, Mapping):
        return {str(k).strip(): v for k, v in overrides.items()}
    items = {}
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
            raise ParameterError(f"override {show(item)} is malformed; allowed: key=value (lists comma-separated, mapping entries as key.A/B=value)")
        k, v = item.split("=", 1)
        items[k.strip()] = v.strip()
    return items


def _settable_hint(cls: type, name: Any) -> Any:
    """The type of a parameter one may set, refusing unknown and derived names."""
    by_name = {f.name: f for f in fields(cls)}
    if name not in by_name:
        raise ParameterError(f"parameter {show(name)} is unknown to {cls.__name__}; allowed: {', '.join(sorted(by_name))}")
    if not by_name[name].init:
        raise ParameterError(f"parameter {name!r} is not allowed: {derived_note(cls, name)}")
    return typing.get_type_hints(cls)[name]


def _is_mapping_hint(hint: Any) -> bool:
    return typing.get_origin(hint) in (Mapping, dict) and len(typing.get_args(hint)) == 2


def _parse_value(name: str, hint: Any, text: str) -> Any:
    if typing.get_origin(hint) is tuple:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        elem = args[0] if args else str
        if text.strip() == "":
            return ()
        return tuple(_parse_scalar(name, t.strip(), elem) for t in text.split(","))
    if _is_mapping_hint(hint):
        raise ParameterError(f"override {name!r} is a mapping; set one entry with {name}.A/B=value (pairs) or {name}.PHASE=value (phases)")
    return _parse_scalar(name, text, hint)


def _parse_scalar(name: str, text: str, kind: Any) -> Any:
    try:
        if kind is bool:
            low = text.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        return text
    except ValueError:
        kind_name = getattr(kind, "__name__", kind)
        raise ParameterError(f"override {name} = {show(text)} is not a valid {kind_name}; allowed: a {kind_name}") from None
