"""Phase-field model of NVP growth from NH4VO3 and NaH2PO4 (FiPy).

Layers, each importing only those before it: :mod:`.model` (the physics), :mod:`.io`
(frames and run files), :mod:`.numerics` (discretization, backends, stepping),
:mod:`.driver` (runs), :mod:`.analysis` (of finished runs), :mod:`.view` (movies, TEM-like
images, plots of runs; imported on its own: ``import phasefield.view``), :mod:`.export` (a
finished run's snapshot as atoms: the one layer that imports :mod:`atomistic`; not imported
here), :mod:`.accessor` (``ds.nvp`` on any run's Dataset, registered on import).
"""

from . import accessor as _accessor  # noqa: F401  (registers ds.nvp)
from .analysis.shape import boundary_normals, compare_with_wulff, facet_sharpness
from .analysis.wulff import wulff_polygon, wulff_polyhedron
from .driver import RunInterrupted, run
from .io.output import NotARunError, open_run
from .model.anisotropy import FacetSet, gamma
from .model.grains import Disc, Grain, HalfSpace, Intersection, Microstructure, Polygon, Union
from .model.overrides import apply_overrides
from .model.parameters import ModelParameters
from .model.values import ParameterError
from .model.phases import PHASES
from .numerics.guards import FieldFault
from .numerics.stepping import Simulation, SimulationError
from .numerics.units import SolverUnits

__all__ = [
    "PHASES",
    "Disc",
    "FacetSet",
    "FieldFault",
    "Grain",
    "HalfSpace",
    "Intersection",
    "Microstructure",
    "NotARunError",
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
