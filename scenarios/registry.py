"""The registry of named scenarios, and user scenarios loaded from files.

A scenario is a parameter class (a frozen :class:`phasefield.ModelParameters`
subclass with the scenario's documented defaults) and a ``run(params, out,
**options) -> xarray.Dataset`` function. A user scenario is a Python file that
defines ``SCENARIO = Scenario(...)``; ``nvp-growth run path/to/file.py`` runs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from phasefield import ModelParameters
from phasefield.io.output import add_to_run
from phasefield.numerics.parallel import ranks
from phasefield.model.values import one_line


class ScenarioFileError(ValueError):
    """A user scenario file that cannot be loaded; the message is one line naming the file."""


@dataclass(frozen=True)
class Scenario:
    """A named, runnable scenario.

    Parameters
    ----------
    name
        Name used on the command line.
    summary
        One line: what it reproduces (the paper figure) and what to look at.
    parameters
        Its parameter class; ``parameters()`` gives the documented defaults.
    run
        ``run(params, out, **options) -> xarray.Dataset``.
    is_sweep
        Whether ``run`` is itself a sweep (:mod:`scenarios.sweep`): it takes
        ``on_member`` (a line per member) and cannot be a member of a sweep (its members
        run on workers, which cannot start workers of their own).
    """

    name: str
    summary: str
    parameters: type[ModelParameters]
    run: Callable[..., xr.Dataset]
    is_sweep: bool = False


def with_outputs(ds: xr.Dataset, extra: xr.Dataset, out) -> xr.Dataset:
    """The run's Dataset with a scenario's headline outputs, which go into the run file ``out`` too
    (by MPI rank 0 alone: see :mod:`phasefield.numerics.parallel`)."""
    if out is not None:
        ranks().agree(lambda: add_to_run(out, extra, {}))
    return ds.merge(extra)


_MODULES = ("epitaxy", "below_tc", "threshold", "wulff", "trimming", "wetting", "coalescence", "crystallization", "overview", "calcination")


def scenarios() -> dict[str, Scenario]:
    """All built-in scenarios by name."""
    out = {}
    for module in _MODULES:
        sc = importlib.import_module(f"scenarios.{module}").SCENARIO
        out[sc.name] = sc
    return out


def get(name: str) -> Scenario:
    """A scenario by name, or from a ``.py`` file defining ``SCENARIO``."""
    if name.endswith(".py"):
        return load_file(name)
    known = scenarios()
    if name not in known:
        raise ValueError(f"scenario = {name!r} is unknown; allowed: {', '.join(sorted(known))}, or a .py file defining SCENARIO")
    return known[name]


def load_file(path: str | Path) -> Scenario:
    """Load a user scenario from a Python file that defines ``SCENARIO``.

    Raises
    ------
    FileNotFoundError
        No such file.
    ScenarioFileError
        The file is not readable, has a syntax error (with its line), fails while it is
        executed (its imports included), or defines no ``SCENARIO``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"scenario file {path} does not exist")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    # registered as importlib's recipe does, so that its classes name their file (a run records it:
    # ds.nvp.parameters finds the class once the file is loaded again)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        where = "" if err.filename in (None, str(path)) else f" of {err.filename} (imported)"
        raise ScenarioFileError(f"scenario file {path}: syntax error at line {err.lineno}{where}: {one_line(err.msg)}") from err
    except Exception as err:  # user code: any failure, reported as one line naming the file
        raise ScenarioFileError(f"scenario file {path} failed to load: {type(err).__name__}: {one_line(err)}") from err
    sc = getattr(module, "SCENARIO", None)
    if not isinstance(sc, Scenario):
        raise ScenarioFileError(f"scenario file {path} defines no SCENARIO = scenarios.Scenario(...)")
    return sc
