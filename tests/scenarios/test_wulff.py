"""Facet anisotropy in the solver: relaxed shapes against the independent Wulff construction.

The Wulff polygon is built by phasefield.wulff (half-plane intersection of the
facets), independently of the solver; the particle's 0.5 contour is compared
with it after equal-area scaling (phasefield.shape_analysis).
"""

from __future__ import annotations

import numpy as np
import pytest

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

    Measured (20 s, 96^2, r = 12 nm, dx = 0.5 nm, ~75 s each): 6-fold 0.72 cells,
    0.38 deg; 4-fold 1.18 cells, 0.07 deg; uneven rotated 1.59 cells, 0.27 deg.
    """
    ds = run(WulffParameters(**facets))
    assert ds.attrs["max_facet_normal_error_deg"] < 3.0
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
    sphere = run(WulffParameters(**{**p.to_dict(), "facet_normals": (), "facet_energies": (), "facet_angles_deg": ()}))
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
