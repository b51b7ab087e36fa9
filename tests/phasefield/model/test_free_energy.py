"""The free energy's equation of state: a condensed particle compressed by its Laplace pressure.

Reference the code does not contain: mechanical equilibrium of a disc (Laplace, Gibbs-Thomson),
p_in - p_out = sigma / R, with each phase's pressure from its bulk free energy. A condensed
phase's parabolic well f = A/2 (n - 1)^2 (rest density 1, susceptibility chi = 1/A, README The
model: n - rho = mu / A) gives mu = A x for the excess x = n - 1 and the pressure
p = n mu - f = A (x + x^2/2); the surroundings (rest density 0, ``empty_phase_stiffness`` k times
stiffer) at the same mu hold p_out = A x^2 / (2k). So

    x + (1 - 1/k) x^2 / 2 = s,    s = sigma / (R A),

whose small-s limit is the linear law x = sigma / (R A): the excess scales as 1/R and 1/A.
"""

from __future__ import annotations

import numpy as np
import pytest

from phasefield import Disc, Grain, Microstructure, ModelParameters, run
from phasefield.analysis.shape import contour, fit_circle
from tests.conftest import isothermal


def laplace_excess(sigma_J_m2: float, radius_nm: float, stiffness_J_m3: float, empty_phase_stiffness: float) -> float:
    """Density excess n - 1 inside a disc whose pressure exceeds the surroundings' by sigma / R.

    Parameters
    ----------
    sigma_J_m2 : float
        Interface energy of the disc with the surroundings.
    radius_nm : float
        Disc radius.
    stiffness_J_m3 : float
        A, the condensed phase's chemical stiffness (1 / susceptibility).
    empty_phase_stiffness : float
        k, how many times stiffer the surroundings are.

    Returns
    -------
    float
        The positive root x of x + (1 - 1/k) x^2 / 2 = sigma / (R A).
    """
    s = sigma_J_m2 / (radius_nm * 1e-9 * stiffness_J_m3)
    a = 0.5 * (1.0 - 1.0 / empty_phase_stiffness)
    return 2.0 * s / (1.0 + np.sqrt(1.0 + 4.0 * a * s))


def _relaxed_disc(radius_nm: float, stiffness_J_m3: float) -> tuple[ModelParameters, float, np.ndarray]:
    """An isolated NaH2PO4 disc in the surroundings (700 degC, nucleation off) relaxed for 0.5 s.

    l = 2 nm at 4 cells per width, two widths of surroundings around it. Attachment and bulk
    diffusion are set fast (the equilibrium does not depend on them): the excess is settled to
    1e-6 within 0.25 s (two frames: 0.25 and 0.5 s). Returns the parameters, the radius of the last frame's 0.5 contour (nm),
    and the excess n_P - 1 of the interior (more than two widths inside that contour) per frame.
    """
    width = 2.0
    side = 2.0 * radius_nm + 4.0 * width
    p = isothermal(
        grid=int(round(side / 0.5)),
        domain_nm=(side, side),
        interface_width_nm=width,
        duration_s=0.5,
        output_interval_s=0.25,
        nucleation_prefactor_per_m_s=0.0,
        chemical_stiffness_J_m3=stiffness_J_m3,
        interface_mobility_m4_Js={"surroundings/NaH2PO4": 1e-14},
        diffusivity_m2_s={"NaH2PO4": 1e-15},
        time_tolerance=0.5,
        dt_max_s=0.25,
    )
    ds = run(p, Microstructure(grains=(Grain("NaH2PO4"),), shapes=(Disc((0.5 * side, 0.5 * side), radius_nm),)))
    centre, radius = fit_circle(contour(ds.eta.sel(grain=1).isel(time=-1).values, p.dx_nm)[0])
    y, x = np.meshgrid(ds.y.values, ds.x.values, indexing="ij")
    inner = np.hypot(x - centre[0], y - centre[1]) < radius - 2.0 * width
    n = ds.n.sel(species="P-bearing unit").values  # (time, y, x)
    return p, radius, n[:, inner].mean(axis=1) - 1.0


@pytest.mark.parametrize("radius_nm, stiffness_J_m3", [(6.0, 5e8), (10.0, 5e8), (6.0, 1e9)], ids=["R6-A5e8", "R10-A5e8", "R6-A1e9"])
def test_a_disc_holds_the_density_excess_of_its_laplace_pressure(radius_nm, stiffness_J_m3):
    """The interior excess n - 1 of a relaxed disc equals :func:`laplace_excess` at the radius of its
    0.5 contour within 2 %, for two radii and two stiffnesses (so it scales as 1/R and 1/A).

    Tolerance 2 %: the discrete interface energy at 4 cells per width is 0.9 % below sigma
    (README Accuracy: 0.397 against 0.400 J/m^2), and R is read from the 0.5 contour, which in a
    diffuse interface may sit a fraction of l off the surface of tension: a correction of order
    l/R (0.21-0.36 here) times that fraction. Measured (2026-12-01): 0.36-0.51 % below the
    reference, not growing from l/R = 0.21 to 0.36, so that fraction is small. The linear law
    sigma / (R A) alone is 4.3-7.9 % above these excesses (the x^2/2 of the pressure), so a wrong
    equation of state fails the test, as does a wrong susceptibility or interface energy.
    The run is checked to be settled: the last two frames' excesses within 1e-4 relative, 200x
    below the tolerance (measured at R = 6 nm: 4e-6 with step doubling, 2e-5 with BDF2 at
    time_tolerance 0.5, whose frames scatter by that much around the value step doubling settles at).
    """
    p, radius, excess = _relaxed_disc(radius_nm, stiffness_J_m3)
    assert excess[-1] == pytest.approx(excess[-2], rel=1e-4)
    sigma = p.interface_energy("surroundings", "NaH2PO4")
    expected = laplace_excess(sigma, radius, stiffness_J_m3, p.empty_phase_stiffness)
    print(f"R = {radius:.3f} nm, A = {stiffness_J_m3:g}: n - 1 = {excess[-1]:.5f}, Laplace {expected:.5f}, linear {sigma / (radius * 1e-9 * stiffness_J_m3):.5f}")
    assert excess[-1] == pytest.approx(expected, rel=0.02)
