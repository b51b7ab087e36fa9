"""Facet anisotropy in the solver: relaxed shapes against the independent Wulff construction.

The Wulff polygon is built by phasefield.analysis.wulff (half-plane intersection of the
facets), independently of the solver; the particle's 0.5 contour is compared
with it after equal-area scaling (phasefield.analysis.shape).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from phasefield.model.anisotropy import FacetSet
from phasefield.analysis.shape import compare_with_wulff
from phasefield.analysis.wulff import facet_areas, scale_to_measure, wulff_polygon
from scenarios.trimming import TrimmingParameters
from scenarios.trimming import run as run_trimming
from scenarios.wulff import WulffParameters, run

SMALL = dict(domain_nm=(32.0, 32.0), grid=64, radius_nm=8.0)


def test_area_is_held_and_isotropic_gamma_relaxes_to_a_circle():
    p = WulffParameters(**SMALL, facet_angles_deg=(), facet_energies=(), duration_s=2.0, output_interval_s=1.0)
    ds = run(p)
    area = ds.grain_area.sel(grain=1).values
    np.testing.assert_allclose(area, area[0], rtol=1e-8)  # the Lagrange multiplier holds the area
    # a circle stays a circle: within half a cell of the equal-area circle
    assert ds.attrs["hausdorff_cells"] < 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    "facets",
    [
        dict(facet_angles_deg=(0.0, 60.0, 120.0, 180.0, 240.0, 300.0), facet_energies=(1.0,) * 6),
        dict(facet_angles_deg=(0.0, 90.0, 180.0, 270.0), facet_energies=(1.0,) * 4),
        dict(facet_angles_deg=(0.0, 90.0, 180.0, 270.0), facet_energies=(1.0, 1.3, 1.0, 1.3), orientation_deg=17.0),
    ],
    ids=["6-fold", "4-fold", "uneven-rotated"],
)
def test_relaxed_shape_matches_wulff_construction(facets):
    """Issue criterion: within 2 grid cells (equal-area), facet normals within 3 degrees.

    Measured (20 s, 96^2, r = 12 nm, dx = 0.5 nm, ~75 s each on a quiet machine): 6-fold
    0.77 cells, 0.43 deg; 4-fold 1.01 cells, 0.07 deg; uneven rotated 1.53 cells, 0.30 deg.
    """
    ds = run(WulffParameters(**facets))
    assert ds.attrs["max_facet_normal_error_deg"] < 3.0
    assert ds.attrs["hausdorff_cells"] < 2.0


def _corner_angles_deg(polygon: np.ndarray) -> np.ndarray:
    """Interior angles of a convex counter-clockwise polygon, degrees."""
    back = np.roll(polygon, 1, axis=0) - polygon
    ahead = np.roll(polygon, -1, axis=0) - polygon
    cos = (back * ahead).sum(axis=1) / np.linalg.norm(back, axis=1) / np.linalg.norm(ahead, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def random_facet_sets(count: int = 20, seed: int = 20261130) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """Seeded random 2D facet sets: 4-8 facets, random normal angles and energies in [1, 1.6].

    Kept: neighbouring normals 10-170 deg apart (bounded shape, distinct facets) and a
    smallest Wulff corner of at least 40 deg (sharper tips are thinner than two interface
    widths over a length W / sin(theta/2) and stick out of the box).  Every other set must
    have an acute corner (< 60 deg), rare otherwise; facets left off the Wulff shape come
    with the energy spread (a test checks both are there).
    """
    rng = np.random.default_rng(seed)
    sets = []
    while len(sets) < count:
        k = int(rng.integers(4, 9))
        angles = np.sort(rng.uniform(0.0, 360.0, k)).round(1)
        gaps = np.diff(np.append(angles, angles[0] + 360.0))
        energies = rng.uniform(1.0, 1.6, k).round(3)
        if gaps.max() >= 170.0 or gaps.min() < 10.0:
            continue
        sharpest = _corner_angles_deg(wulff_polygon(FacetSet.from_angles(angles, energies))).min()
        if sharpest < 40.0 or (len(sets) % 2 == 0 and sharpest >= 60.0):
            continue
        sets.append((tuple(map(float, angles)), tuple(map(float, energies))))
    return sets


def random_set_parameters(angles, energies, radius_nm: float = 8.0, dx_nm: float = 0.5) -> WulffParameters:
    """Wulff scenario for one random set: a disc of radius_nm in a box that holds the
    equal-area Wulff shape about the disc centre with 3 nm (1.5 interface widths) to spare."""
    polygon = scale_to_measure(wulff_polygon(FacetSet.from_angles(angles, energies)), np.pi * radius_nm**2)
    reach = np.abs(polygon - polygon.mean(axis=0)).max() + 3.0
    side = max(4.0 * np.ceil(2.0 * reach / 4.0), 2.5 * radius_nm)
    return WulffParameters(
        facet_angles_deg=angles,
        facet_energies=energies,
        radius_nm=radius_nm,
        domain_nm=(side, side),
        grid=int(round(side / dx_nm)),
        duration_s=RANDOM_DURATION_S,
        output_interval_s=RANDOM_DURATION_S / 4,
    )


RANDOM_DURATION_S = 12.0
RANDOM_SETS = random_facet_sets()


def test_random_facet_sets_include_acute_corners_and_excluded_facets():
    fs = [FacetSet.from_angles(a, e) for a, e in RANDOM_SETS]
    acute = sum(_corner_angles_deg(wulff_polygon(f)).min() < 60.0 for f in fs)
    excluded = sum(np.any(facet_areas(f) == 0.0) for f in fs)
    assert len(fs) >= 20 and acute >= 5 and excluded >= 3
    assert {len(f.normals) for f in fs} >= {4, 6, 8}


@pytest.mark.slow
@pytest.mark.parametrize("angles, energies", RANDOM_SETS, ids=[f"set{i}" for i in range(len(RANDOM_SETS))])
def test_random_convex_facet_sets_relax_to_their_wulff_shapes(angles, energies):
    """Any convex facet set relaxes at constant area to its Wulff polygon (half-plane
    intersection, independent of the solver): within 2 cells (equal area), facet normals
    within 3 deg.

    dx = 0.5 nm, interface width W = 4 cells, r = 8 nm, 12 s (the shapes stop changing after
    6-9 s). Left out, and why:
    * normals of Wulff edges shorter than 3 W (the scenario's rule): their rounded corners
      leave no straight part to fit;
    * at an acute vertex (theta < 60 deg), the zone within W / (2 sin(theta/2)) of it, where
      the two facets' diffuse profiles overlap (a point on the bisector at that distance is
      W/2 from both planes): the 0.5 contour rounds off there and falls 1.0-3.2 cells short
      of the vertex (README, Accuracy). The shortfall is checked to stay inside that zone.
    """
    p = random_set_parameters(angles, energies)
    ds = run(p)
    polygon = wulff_polygon(FacetSet.from_angles(angles, energies))
    shape = compare_with_wulff(ds.eta.sel(grain=1).isel(time=-1).values, p.dx_nm, polygon, min_edge_length=3.0 * p.interface_width_nm)
    acute = shape.corner_deg < 60.0
    overlap = np.where(acute, 0.5 * p.interface_width_nm / np.sin(np.radians(shape.corner_deg / 2)), 0.0)
    assert shape.hausdorff_away_from_vertices(overlap) / p.dx_nm < 2.0
    assert np.all(shape.vertex_distance[acute] < overlap[acute])
    assert shape.max_normal_error_deg < 3.0
    if not acute.any():  # nothing left out: the scenario's own figure
        assert ds.attrs["hausdorff_cells"] < 2.0


@pytest.mark.slow
def test_cube_facets_relax_to_a_cube_like_shape_in_3d():
    """Measured: 0.93 cells from the equal-volume Wulff cube (mean 0.18 nm), 24^3 cells, 4 s."""
    p = WulffParameters(
        domain_nm=(18.0, 18.0, 18.0),
        grid=24,
        radius_nm=5.0,
        facet_normals=(1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1),
        facet_energies=(1.0,) * 6,
        duration_s=4.0,
        output_interval_s=2.0,
    )
    ds = run(p)
    volume = ds.grain_area.sel(grain=1).values
    np.testing.assert_allclose(volume, volume[0], rtol=1e-8)
    assert ds.attrs["hausdorff_cells"] < 2.0
    # and an isotropic gamma gives a sphere (compared with the equal-volume sphere)
    sphere = run(dataclasses.replace(p, facet_normals=(), facet_energies=(), facet_angles_deg=()))  # phase_facet_* are derived, not keywords
    assert sphere.attrs["hausdorff_cells"] < 1.0


def test_growing_particle_trims_its_boundary_into_facets():
    p = TrimmingParameters(domain_nm=(40.0, 40.0), grid=80, lobes_nm=(18, 20, 5, 23, 22, 3.5, 20.5, 15, 4), duration_s=0.75, output_interval_s=0.25)
    ds = run_trimming(p)
    sharp = ds.facet_sharpness.values
    facets = ds.sizes["facet_normal"]
    random_share = facets * 2 * p.sharpness_tolerance_deg / 360.0  # boundary normals spread evenly
    assert sharp[0] == pytest.approx(random_share, abs=0.05)  # the irregular start is not faceted
    assert sharp[-1] > 2.0 * sharp[0]  # growth trims it
    assert ds.phase_area.sel(phase="NVP").values[-1] > ds.phase_area.sel(phase="NVP").values[0]
    # the boundary-normal distribution peaks at facet normals
    last = ds.boundary_normal_length.isel(time=-1)
    peak = float(last.normal_angle[int(last.argmax())])
    assert np.min(np.abs((ds.facet_normal_deg.values - peak + 180) % 360 - 180)) <= 5.0
