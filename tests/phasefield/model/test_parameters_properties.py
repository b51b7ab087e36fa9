"""Property: any value thrown at the parameter layer is refused on one line naming the
parameter, or gives a valid parameter object; never another exception, never a hang.

Three ways in: the Python API (constructor keywords), ``apply_overrides`` strings, and TOML
text read by ``from_toml``. Validation only: nothing runs.
"""

from __future__ import annotations

import json
import math
import string
import tempfile
import time
from dataclasses import fields
from pathlib import Path

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from phasefield import PHASES, ModelParameters, apply_overrides
from scenarios.below_tc import BelowTcParameters
from scenarios.epitaxy import EpitaxyParameters
from scenarios.threshold import ThresholdParameters
from scenarios.trimming import TrimmingParameters
from scenarios.wulff import WulffParameters

CLASSES = (ModelParameters, EpitaxyParameters, BelowTcParameters, ThresholdParameters, TrimmingParameters, WulffParameters)
PAIRS = tuple(f"{a}/{b}" for a in PHASES for b in PHASES)
SETTINGS = settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SECONDS = 60.0  # validation of one value takes ~1-20 ms; a hang (no end) fails here. 10 s once failed on a loaded 2-core machine

keys = st.one_of(st.sampled_from(PHASES + PAIRS), st.text(string.ascii_letters + "/_", max_size=8))
specials = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1e308, -1e308, 5e-324, 10**30, -(10**30), 2**63])
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    specials,
    st.text(string.printable, max_size=8),
)
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(keys, kids, max_size=3), max_leaves=10)


def plausible(default):
    """Values near a field's default, so that many draws are valid."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(min_value=-2 * abs(default) - 2, max_value=3 * abs(default) + 20)
    if isinstance(default, float):
        return st.floats(-2.0, 3.0).map(lambda f: default * f if default else f)
    if isinstance(default, tuple):
        return st.lists(st.floats(-100, 1000), max_size=8)
    if isinstance(default, str):
        return st.sampled_from(("", "fast", "fipy", *PHASES, "x"))
    if hasattr(default, "items"):
        item = st.lists(st.floats(-10, 400), min_size=1, max_size=8) if any(isinstance(v, tuple) for v in default.values()) else st.floats(-1e-15, 1.0)
        return st.dictionaries(keys, item, max_size=3)
    return values


@st.composite
def field_and_value(draw, init_only: bool):
    cls = draw(st.sampled_from(CLASSES))
    default = cls()
    names = [f.name for f in fields(cls) if f.init or not init_only]
    name = draw(st.sampled_from(names))
    value = draw(st.one_of(values, plausible(getattr(default, name))))
    return cls, name, value


def check(build, cls, name: str) -> str:
    """Build; a refusal must be a one-line ValueError naming ``name``, else the object is valid."""
    start = time.perf_counter()
    try:
        params = build()
    except ValueError as err:
        message = str(err)
        assert "\n" not in message and name in message, message
        return "refused"
    finally:
        assert time.perf_counter() - start < SECONDS
    assert type(params) is cls
    assert cls.from_dict(params.to_dict()) == params  # re-validates from plain values
    return "valid"


@SETTINGS
@given(field_and_value(init_only=True))
def test_python_api_refuses_or_builds(case):
    cls, name, value = case
    event(check(lambda: cls(**{name: value}), cls, name))


def _override_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


@SETTINGS
@given(field_and_value(init_only=False), st.one_of(st.none(), st.none(), keys), st.one_of(st.none(), st.none(), st.text(string.printable, max_size=12)))
def test_overrides_refuse_or_build(case, sub, raw):
    cls, name, value = case
    key = name if sub is None else f"{name}.{sub}"
    text = _override_text(value) if raw is None else raw
    assume("\n" not in text and "\r" not in text)
    event(check(lambda: apply_overrides(cls(), [f"{key}={text}"]), cls, name))


def toml_literal(value) -> str:
    """``value`` written as TOML (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_literal(v)}" for k, v in value.items()) + "}"


@SETTINGS
@given(field_and_value(init_only=False))
def test_toml_refuses_or_builds(case):
    cls, name, value = case
    assume(not (isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63))  # TOML integers are 64-bit
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        path.write_text(f"{name} = {toml_literal(value)}\n")
        event(check(lambda: cls.from_toml(path), cls, name))
