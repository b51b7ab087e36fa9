"""Phase-field model of NVP growth from NH4VO3 and NaH2PO4 (FiPy)."""

from .grains import Disc, Grain, HalfSpace, Microstructure, Polygon, Union
from .output import open_run
from .params import ModelParameters, SolverUnits, apply_overrides
from .phases import PHASES
from .stepper import Simulation, SimulationError, run

__all__ = [
    "PHASES",
    "Disc",
    "Grain",
    "HalfSpace",
    "Microstructure",
    "ModelParameters",
    "Polygon",
    "Simulation",
    "SimulationError",
    "SolverUnits",
    "Union",
    "apply_overrides",
    "open_run",
    "run",
]
