"""Phase-field model of NVP growth from NH4VO3 and NaH2PO4 (FiPy)."""

from .anisotropy import FacetSet, gamma
from .grains import Disc, Grain, HalfSpace, Microstructure, Polygon, Union
from .output import open_run
from .params import ModelParameters, ParameterError, SolverUnits, apply_overrides
from .phases import PHASES
from .shape_analysis import boundary_normals, compare_with_wulff, facet_sharpness
from .stepper import RunInterrupted, Simulation, SimulationError, run
from .wulff import wulff_polygon, wulff_polyhedron

__all__ = [
    "PHASES",
    "Disc",
    "FacetSet",
    "Grain",
    "HalfSpace",
    "Microstructure",
    "ModelParameters",
    "ParameterError",
    "Polygon",
    "RunInterrupted",
    "Simulation",
    "SimulationError",
    "SolverUnits",
    "Union",
    "apply_overrides",
    "boundary_normals",
    "compare_with_wulff",
    "facet_sharpness",
    "gamma",
    "open_run",
    "run",
    "wulff_polygon",
    "wulff_polyhedron",
]
