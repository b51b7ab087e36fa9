"""A single grain relaxing to its Wulff shape at constant area (facet anisotropy check).

One NVP grain, a disc (2D) or sphere (3D) of radius 12 nm, sits in the
surroundings at T_c (no driving force for any reaction; c decoupled,
A = 1 J/m^3, and immobile), with a facet-anisotropic interface energy
gamma(n): outward facet normals ``facet_angles_deg`` (2D, degrees CCW from +x
of the Dataset's (x, y) plane, in the grain's frame, rotated by
``orientation_deg``; empty lists: isotropic) or ``facet_normals`` (3D,
flattened x, y, z triples), relative energies ``facet_energies``. Its
area (volume) is held fixed by a Lagrange multiplier, so it relaxes by
interface motion alone towards the shape that minimises the interface
energy: the Wulff construction of the same gamma.

What to look at: ``eta.sel(grain=1).isel(time=-1)`` against ``wulff_x``,
``wulff_y`` (the Wulff polygon scaled to the particle's area, centred on it);
the attributes ``hausdorff_nm`` / ``hausdorff_cells`` and
``max_facet_normal_error_deg`` (over the Wulff edges at least 3 interface
widths long; shorter ones, whose corners leave no straight part, are null in
``facet_normal_errors_deg``). ``free_energy`` is the functional the equations descend, so it falls
until the shape has relaxed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import xarray as xr
from scipy.spatial import ConvexHull
from skimage.measure import marching_cubes

import phasefield
from phasefield import Disc, Grain, Microstructure, ModelParameters
from phasefield.model.anisotropy import FacetSet
from phasefield.model.orientation import grain_rotation
from phasefield.io.output import add_to_run
from phasefield.model.values import ParameterError, frozen_map, one_line
from phasefield.analysis.shape import compare_with_wulff
from phasefield.analysis.wulff import scale_to_measure, wulff_polygon, wulff_polyhedron

from .registry import Scenario

_PHASE = "NVP"


@dataclass(frozen=True)
class WulffParameters(ModelParameters):
    """Defaults of the Wulff scenario.

    Parameters
    ----------
    facet_angles_deg
        2D: outward facet normal angles of the grain's crystal frame, degrees.
    facet_normals
        3D: outward facet normals, flattened (x1, y1, z1, x2, ...); used when
        ``domain_nm`` has three entries.
    facet_energies
        Relative facet energies (one per facet).
    orientation_deg
        Grain orientation, counter-clockwise (3D: about z).
    radius_nm
        Radius of the initial disc or sphere [nm].

    ``phase_facet_angles_deg``, ``phase_facet_normals`` and ``phase_facet_energies``
    are derived from the three facet parameters above (setting them is refused).
    """

    facet_angles_deg: tuple[float, ...] = (0.0, 60.0, 120.0, 180.0, 240.0, 300.0)
    facet_normals: tuple[float, ...] = ()
    facet_energies: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    orientation_deg: float = 0.0
    radius_nm: float = 12.0

    domain_nm: tuple[float, ...] = (48.0, 48.0)
    grid: int = 96
    start_temperature_C: float = 700.0
    hold_temperature_C: float = 700.0
    ramp_K_per_s: float = 0.0
    duration_s: float = 20.0
    output_interval_s: float = 2.0
    chemical_stiffness_J_m3: float = 1.0
    nucleation_prefactor_per_m_s: float = 0.0
    constant_measure_phase: str = _PHASE
    interface_mobility_m4_Js: Mapping[str, float] = field(default_factory=lambda: frozen_map({"surroundings/NVP": 2e-17}))
    diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: frozen_map({"NVP": 1e-30}))
    boundary_diffusivity_m2_s: float = 0.0
    dt_max_s: float = 0.02
    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}), init=False)
    phase_facet_normals: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}), init=False)
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}), init=False)

    derived_from: ClassVar[Mapping[str, str]] = frozen_map(
        dict.fromkeys(("phase_facet_angles_deg", "phase_facet_normals", "phase_facet_energies"), "facet_angles_deg (3D: facet_normals) and facet_energies")
    )

    def _derive(self) -> None:
        """The grain's facets from ``facet_*`` (empty ``facet_energies``: isotropic)."""
        _check_facet_dimension(self)
        angles, normals, energies = {}, {}, {}
        if self.facet_energies:
            if len(self.domain_nm) == 3:
                normals = {_PHASE: self.facet_normals}
            else:
                angles = {_PHASE: self.facet_angles_deg}
            energies = {_PHASE: self.facet_energies}
            _check_facets(self)
        object.__setattr__(self, "phase_facet_angles_deg", frozen_map(angles))
        object.__setattr__(self, "phase_facet_normals", frozen_map(normals))
        object.__setattr__(self, "phase_facet_energies", frozen_map(energies))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.interface_width_nm <= self.radius_nm <= 0.4 * min(self.domain_nm)):
            raise ParameterError(f"radius_nm = {self.radius_nm!r} is not allowed; allowed: in [interface_width_nm, 0.4 x the smallest side of domain_nm]")

    def order_parameter_fields(self) -> int:
        """Surroundings, the grain and the two species."""
        return 4

    @property
    def facet_set(self) -> FacetSet | None:
        return self.facets(_PHASE)


def _check_facet_dimension(p: WulffParameters) -> None:
    """Refuse the facet parameter of the other dimension, which the run would ignore."""
    if len(p.domain_nm) == 2 and p.facet_normals:
        raise ParameterError(f"facet_normals = {p.facet_normals} is not allowed with a 2D domain_nm = {p.domain_nm}; allowed: () (2D facets are facet_angles_deg)")
    default_angles = next(f.default for f in dataclasses.fields(p) if f.name == "facet_angles_deg")
    if len(p.domain_nm) == 3 and p.facet_angles_deg not in ((), default_angles):
        raise ParameterError(
            f"facet_angles_deg = {p.facet_angles_deg} is not allowed with a 3D domain_nm = {p.domain_nm}; allowed: the default or () (3D facets are facet_normals)"
        )


def _check_facets(p: WulffParameters) -> None:
    """Refuse a facet set that gives no bounded Wulff shape, naming the wulff parameters."""
    three_d = len(p.domain_nm) == 3
    names = f"{'facet_normals' if three_d else 'facet_angles_deg'} / facet_energies (domain_nm = {p.domain_nm}, facet_sharpness = {p.facet_sharpness})"
    try:
        if three_d:
            normals = [p.facet_normals[i : i + 3] for i in range(0, len(p.facet_normals), 3)]
            FacetSet(normals, p.facet_energies, p.facet_sharpness)
        else:
            FacetSet.from_angles(p.facet_angles_deg, p.facet_energies, p.facet_sharpness)
    except ValueError as err:
        raise ParameterError(f"{names} = {p.facet_normals if three_d else p.facet_angles_deg} / {p.facet_energies} are not allowed: {one_line(err)}") from None


def microstructure(p: WulffParameters) -> Microstructure:
    centre = tuple(0.5 * L for L in p.domain_nm)
    return Microstructure(grains=(Grain(_PHASE, p.orientation_deg),), shapes=(Disc(centre, p.radius_nm),))


def compare(ds: xr.Dataset, p: WulffParameters) -> tuple[xr.Dataset, dict]:
    """The final shape against the equal-measure Wulff shape: variables and attributes to add."""
    eta = ds.eta.sel(grain=1).isel(time=-1).values
    if len(p.domain_nm) == 2:
        if p.facet_set is None:  # isotropic: the Wulff shape is a circle (a 720-gon)
            t = np.radians(np.arange(720) * 0.5)
            polygon = np.stack([np.cos(t), np.sin(t)], axis=1)
        else:
            polygon = wulff_polygon(p.facet_set, p.orientation_deg)
        # facets shorter than 3 interface widths have no straight middle to fit a normal to
        result = compare_with_wulff(eta, p.dx_nm, polygon, min_edge_length=3.0 * p.interface_width_nm)
        # the contour's coordinates start at the first cell centre: shift to the Dataset's x, y
        shift = 0.5 * p.dx_nm
        vertex = xr.Dataset(
            {
                "wulff_x": ("wulff_vertex", result.polygon[:, 0] + shift, {"units": "nm", "long_name": "x of the equal-area Wulff polygon"}),
                "wulff_y": ("wulff_vertex", result.polygon[:, 1] + shift, {"units": "nm", "long_name": "y of the equal-area Wulff polygon"}),
            },
            coords={"wulff_vertex": ("wulff_vertex", np.arange(len(result.polygon)), {"units": "1", "long_name": "Wulff polygon vertex"})},
        )
        if p.facet_set is None:
            return vertex, {"hausdorff_nm": result.hausdorff, "hausdorff_cells": result.hausdorff_cells}
        attrs = {
            "hausdorff_nm": result.hausdorff,
            "hausdorff_cells": result.hausdorff_cells,
            "max_facet_normal_error_deg": result.max_normal_error_deg,
            "facet_normal_errors_deg": json_list(result.normal_error_deg),
        }
        return vertex, attrs
    final = ds.isel(time=-1).sel(grain=1)
    volume = float(final.grain_area)  # the frame's grain measure and centroid (phasefield.io.frames)
    surface, _, _, _ = marching_cubes(eta, 0.5, spacing=(p.dx_nm,) * 3)  # (z, y, x) order
    points = surface[:, ::-1] + 0.5 * p.dx_nm
    centre = np.array([float(final[f"centroid_{axis}"]) for axis in "xyz"])
    if p.facet_set is None:  # isotropic: the equal-volume sphere
        radius = (3.0 * volume / (4.0 * np.pi)) ** (1.0 / 3.0)
        distance = np.abs(np.linalg.norm(points - centre, axis=1) - radius)
        return xr.Dataset(), {"hausdorff_nm": float(distance.max()), "hausdorff_cells": float(distance.max() / p.dx_nm), "mean_surface_distance_nm": float(distance.mean())}
    hull = wulff_polyhedron(p.facet_set, grain_rotation(p.orientation_deg, 3))
    vertices = scale_to_measure(hull.points[hull.vertices], volume)
    scaled = ConvexHull(vertices)
    # |max_k (n_k . x - d_k)|: exact distance to the surface inside, a lower bound outside near edges
    normals, offsets = scaled.equations[:, :3], -scaled.equations[:, 3]
    signed = (points - centre) @ normals.T - offsets
    distance = np.abs(signed.max(axis=1))
    vertex = xr.Dataset(
        {
            "wulff_vertex_xyz": (("wulff_vertex", "xyz"), vertices + centre, {"units": "nm", "long_name": "vertices of the equal-volume Wulff polyhedron"}),
        },
        coords={
            "wulff_vertex": ("wulff_vertex", np.arange(len(vertices)), {"units": "1", "long_name": "Wulff polyhedron vertex"}),
            "xyz": ("xyz", ["x", "y", "z"], {"units": "1", "long_name": "Cartesian component"}),
        },
    )
    attrs = {"hausdorff_nm": float(distance.max()), "hausdorff_cells": float(distance.max() / p.dx_nm), "mean_surface_distance_nm": float(distance.mean())}
    return vertex, attrs


def json_list(values) -> str:
    return json.dumps([None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)])


def run(p: WulffParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, **options)
    extra, attrs = compare(ds, p)
    attrs.update(
        anisotropy_method="convex l_p support function of the Wulff vertices (phasefield.model.anisotropy)",
        facet_sharpness=p.facet_sharpness,
        orientation_deg=p.orientation_deg,
        facet_energies=json_list(p.facet_energies) if p.facet_energies else "isotropic",
        facet_angles_deg=json_list(p.facet_angles_deg) if len(p.domain_nm) == 2 else "",
        facet_normals=json_list(p.facet_normals) if len(p.domain_nm) == 3 else "",
    )
    ds = ds.merge(extra).assign_attrs(attrs)
    if out is not None:
        add_to_run(out, extra, attrs)
    return ds


SCENARIO = Scenario(
    name="wulff",
    summary="anisotropy check: one grain relaxes at constant area to the Wulff shape of its gamma(n)",
    parameters=WulffParameters,
    run=run,
)
