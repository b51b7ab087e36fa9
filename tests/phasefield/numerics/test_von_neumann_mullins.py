"""The von Neumann-Mullins law with the default stepping (issue 9).

With isotropic boundary energy sigma and mobility M (v = M sigma kappa) and
triple junctions at 120 deg, a 2D grain with n sides changes its area at
dA/dt = (pi M sigma / 3) (n - 6), whatever its size and shape (von Neumann
1952, Mullins 1956). Here sigma = 0.4 J/m^2 and M = 2e-17 m^4/(J s) (the
NH4VO3/NH4VO3 pair at the reference temperature): pi M sigma / 3 = 8.378 nm^2/s.

Geometry: all grains NH4VO3 with different orientations (one pair, so one
sigma and one M), the box filled with grains (no surroundings; the box edges
are no-flux, i.e. mirror planes). A regular n-gon of circumradius R in the
middle of a square box, surrounded by n grains bounded by the rays from the
polygon's corners to the box edges, so that every corner of the central grain
is a three-grain junction. The rays are radial: the junction angles start at
120 deg for n = 6 only and relax in the first ~0.5 s (the rate settles within
the first 10 % of the run). dA/dt is the slope of a straight-line fit of the
central grain's area from 25 % of the run to its end (or until the smallest
neighbour falls below 40 nm^2 = 10 l^2, when its own boundaries start to
interact), with the central grain's equivalent radius > 3 l = 6 nm
throughout (asserted).

Resolution: interface width l = 2 nm = 4 cells (the default 4 cells). Coarse:
64^2 cells, a 32 nm box, R = 11.5, 10, 9, 8, 8 nm for n = 4, 5, 6, 7, 8.
Fine: the same physical l and dx with the geometry doubled (128^2 cells,
64 nm, R doubled, runs 2x longer), i.e. half l / R.

Measured (nm^2/s; error = rate / analytic - 1; tol = ``time_tolerance``;
default stepping: tol 0.1, 12 sweeps, dt_max_s 0.05; wall time of one run on
a 2-core machine loaded with other jobs, up to ~2x that of an idle core; the
whole module, 8 runs, took 5 min 15 s with a lighter load, the fine n = 8 run 2 min):

    n  grid   tol    dA/dt    analytic  error    steps  wall
    4   64   0.1    -17.173   -16.755   +2.5 %    173    38 s
    5   64   0.1     -8.553    -8.378   +2.1 %    209    57 s
    5   64   0.025   -8.536    -8.378   +1.9 %    217    72 s
    6   64   0.1     -0.032     0       0.4 % of the n = 5 rate    129    39 s
    7   64   0.1      8.591     8.378   +2.5 %    211    73 s
    8   64   0.1     17.221    16.755   +2.8 %    172    62 s
    8   64   0.025   17.182    16.755   +2.5 %    179    75 s
    4  128   0.1    -16.874   -16.755   +0.7 %    333   189 s
    5  128   0.1     -8.379    -8.378   +0.0 %    411   365 s
    5  128   0.025   -8.366    -8.378   -0.1 %    417   276 s
    7  128   0.1      8.339     8.378   -0.5 %    408   291 s
    8  128   0.1     16.727    16.755   -0.2 %    327   396 s
    8  128   0.025   16.699    16.755   -0.3 %    330   204 s

Time steps: the default dt sits at its cap dt_max_s = 0.05 s most of the run;
a 4x tighter ``time_tolerance`` adds 1-4 % of steps and moves the rate by
0.1-0.2 % at both resolutions; a 4x smaller cap (0.0125 s, 805 and 647 steps)
gave -8.538 and 17.319 for n = 5 and 8 (coarse; fitted over the whole run
after 25 %, where the default gives -8.553 and 17.353): the default stepping
is converged in time to ~0.2 %, an order below the coarse spatial error.

Space: at l/R ~ 0.2 (coarse) the rates are 2-3 % fast for every n (and the
square, initially with rays into the box corners, i.e. boundaries ending in a
four-grain junction with their mirror images, came out -0.6 % coarse and
-2.3 % fine: hence its rotated start). Halving l/R (fine) brings them to
within 0.7 % of the law: the error is the diffuse-interface/triple-junction
correction, O(l/R), and falls with resolution. The coarse tolerance asserted
below, 4 %, is the largest measured error (2.8 %) plus a margin of about a
third of it; the fine-grid check is 1 %.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from phasefield import Grain, HalfSpace, Microstructure, Polygon, run
from tests.conftest import isothermal

WIDTH_NM = 2.0
COARSE_BOX_NM = 32.0
COARSE_GRID = 64  # l = 4 cells
# circumradius of the central n-gon (nm) and simulated time (s) on the coarse grid
GEOMETRY = {4: (11.5, 8.0), 5: (10.0, 10.0), 6: (9.0, 6.0), 7: (8.0, 10.0), 8: (8.0, 8.0)}
# angle of the n-gon's first corner (deg): half a sector, except for the square, whose rays would run
# into the box corners (a boundary ending in a box corner is a four-grain junction with its mirror images)
FIRST_CORNER_DEG = {4: 0.0, 5: 36.0, 6: 30.0, 7: 180.0 / 7, 8: 22.5}
SMALLEST_NEIGHBOUR_NM2 = 10.0 * WIDTH_NM**2


def n_gon_microstructure(
    n: int, size_nm: float, radius_nm: float, first_corner_deg: float, overlap_nm: float = 3.0 * WIDTH_NM
) -> Microstructure:
    """A regular n-gon (circumradius ``radius_nm``) in the middle of a square box, and n neighbours.

    Neighbour k is the sector between the rays from the centre through corners
    k and k + 1 (outside the n-gon, which is painted on top). Neighbour 0 fills
    the box and the others are painted over it in turn, each reaching
    ``overlap_nm`` past its counter-clockwise ray under the next one, so that
    every initial boundary is a clean two-grain profile (painted sectors that
    merely touched would leave a third grain at a quarter along each ray).
    """
    centre = np.full(2, 0.5 * size_nm)
    angles = 2.0 * math.pi * np.arange(n) / n + math.radians(first_corner_deg)
    rays = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    far = 4.0 * size_nm  # well outside the box

    def polygon(points):
        return Polygon(tuple((float(x), float(y)) for x, y in points))

    shapes: list[object] = [HalfSpace(100.0 * size_nm, axis=0)]
    for k in range(1, n):
        a, b = rays[k], rays[(k + 1) % n]
        if k < n - 1:
            shift = overlap_nm * np.array([-b[1], b[0]])  # the counter-clockwise normal of ray k + 1
            shapes.append(polygon((centre, centre + far * a, centre + far * b + shift, centre + shift)))
        else:  # the last one borders neighbour 0, which lies underneath
            shapes.append(polygon((centre, centre + far * a, centre + far * b)))
    shapes.append(polygon(centre + radius_nm * rays))
    grains = tuple(Grain("NH4VO3", 7.0 * k) for k in range(n + 1))  # the orientations do not matter (isotropic)
    return Microstructure(grains=grains, shapes=tuple(shapes))


def analytic_rate(params, n: int) -> float:
    """(pi M sigma / 3)(n - 6) [nm^2/s] of the NH4VO3/NH4VO3 pair at the (isothermal) reference temperature."""
    T = params.hold_temperature_C + 273.15
    m_sigma = params.interface_mobility("NH4VO3", "NH4VO3", T) * params.interface_energy("NH4VO3", "NH4VO3")
    return math.pi * m_sigma * 1e18 / 3.0 * (n - 6)


@functools.lru_cache(maxsize=None)
def measure(n: int, scale: int = 1, **changes) -> tuple[float, float, int]:
    """Fitted dA/dt of the n-gon and the analytic rate [nm^2/s], and the steps of one run.

    ``scale`` multiplies the box, the polygon and (by scale, not scale^2: the
    rate does not depend on size) the simulated time; l and dx stay.
    """
    radius, duration = GEOMETRY[n]
    size = COARSE_BOX_NM * scale
    duration *= scale
    p = isothermal(
        grid=COARSE_GRID * scale,
        domain_nm=(size, size),
        interface_width_nm=WIDTH_NM,
        duration_s=duration,
        output_interval_s=duration / 20,
        **changes,
    )
    ds = run(p, n_gon_microstructure(n, size, radius * scale, FIRST_CORNER_DEG[n]))
    t = ds.time.values
    area = ds.grain_area.values  # grain 0: the surroundings, 1..n: neighbours, n + 1: the n-gon
    assert area[:, 0].max() < 1e-6 * size**2  # the surroundings never appear
    window = (t >= 0.25 * duration - 1e-9) & (np.minimum.accumulate(area[:, 1:-1].min(axis=1)) > SMALLEST_NEIGHBOUR_NM2)
    assert window.sum() >= 8
    assert np.all(area[window, -1] > math.pi * (3.0 * WIDTH_NM) ** 2)  # the n-gon stays larger than 3 widths
    rate = np.polyfit(t[window], area[window, -1], 1)[0]
    expected = analytic_rate(p, n)
    print(f"n = {n}, scale {scale}, {changes or 'default stepping'}: dA/dt = {rate:.3f} nm^2/s, "
          f"analytic {expected:.3f}, error {rate / expected - 1 if n != 6 else rate:+.4f}, fit {t[window][0]:.1f}-{t[window][-1]:.1f} s, "
          f"{ds.attrs['n_steps']} steps")
    return rate, expected, int(ds.attrs["n_steps"])


@pytest.mark.slow
@pytest.mark.parametrize("n", [4, 5, 7, 8])
def test_n_sided_grain_changes_area_at_the_von_neumann_mullins_rate(n):
    """l = 4 cells, l/R ~ 0.2: measured errors +2.1 to +2.8 % (module docstring); asserted 4 %."""
    rate, expected, _ = measure(n)
    assert rate == pytest.approx(expected, rel=0.04)


@pytest.mark.slow
def test_hexagon_keeps_its_area():
    """n = 6: no change, to within 1 % of the n = 5 rate (measured 0.4 %)."""
    rate, _, _ = measure(6)
    _, five, _ = measure(5)
    assert abs(rate) < 0.01 * abs(five)


@pytest.mark.slow
@pytest.mark.parametrize("n", [5, 8])
def test_rate_is_converged_in_the_time_step(n):
    """A 4x tighter time_tolerance moves the fitted rate by < 1 % (measured 0.2 %; the spatial error is 2-3 %)."""
    default, _, steps = measure(n)
    tight, _, tight_steps = measure(n, time_tolerance=0.025)
    assert tight_steps >= steps
    assert tight == pytest.approx(default, rel=0.01)


@pytest.mark.slow
def test_error_falls_with_the_grain_size_over_the_interface_width():
    """Doubling the geometry at the same l and dx (l/R halved): the n = 8 error falls from 2.8 % to 0.2 %."""
    coarse, expected, _ = measure(8)
    fine, _, _ = measure(8, scale=2)
    assert abs(fine - expected) < 0.5 * abs(coarse - expected)
    assert fine == pytest.approx(expected, rel=0.01)
