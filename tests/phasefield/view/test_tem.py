"""TEM-like images: mass-thickness contrast against hand-computed numbers, the 2:3 amorphous
mix, fringes only in crystals, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phasefield.model.values import ParameterError
from phasefield.view import NotARunError, Region, tem_image
from scenarios.optics import tem_optics
from tests.phasefield.view.synthetic import grains_run, grid


def _stripes(phases: list[str], cells: int = 12, dx_nm: float = 0.5):
    """Vertical stripes of ``cells`` cells, one grain per phase, orientation 0, then vacuum."""
    x, y = grid(cells * (len(phases) + 1), cells, dx_nm)
    grains = [(p, 0.0, np.broadcast_to((x >= k * cells * dx_nm) & (x < (k + 1) * cells * dx_nm), (y.size, x.size))) for k, p in enumerate(phases)]
    return grains_run(x, y, grains), cells * dx_nm


def _stripe_log_intensity(image, k: int, width_nm: float) -> float:
    """ln I/I0 at the middle of stripe k (two cells from either edge: bilinear interpolation mixes
    neighbours only within one cell of a boundary)."""
    centre = (k + 0.5) * width_nm
    values = image.sel(x=slice(centre - 1.0, centre + 1.0)).values
    return float(np.log(values.mean()))


def test_mass_thickness_in_the_rutherford_limit_matches_a_hand_computation():
    # I/I0 = exp(-t sum_i n_i sigma_i). At a large aperture (alpha = 0.5 rad) sigma_i tends to
    # Rutherford's gamma^2 lambda^4 Z_i^2 / (4 pi^3 a0^2 alpha^2), so Q = K sum_i n_i Z_i^2 with
    # K = gamma^2 lambda^4 / (4 pi^3 a0^2 alpha^2); 200 kV: lambda = 2.5079 pm, gamma = 1 + 200/511
    # = 1.3914, a0 = 0.529177 Å: K = 1.9360 x 3.9560e-7 / (4 x 31.006 x 0.28003 x 0.25) = 8.8208e-8 Å^2.
    # NVP: cell sqrt(3)/2 x 8.73382^2 x 21.91438 = 1447.67 Å^3 holding 6 Na3V2P3O12:
    #   sum N Z^2 = 18 x 11^2 + 12 x 23^2 + 18 x 15^2 + 72 x 8^2 = 17184 -> 11.8701 per Å^3.
    # NH4VO3: cell 4.92 x 11.79 x 5.83 = 338.180 Å^3 holding 4 NH4VO3:
    #   sum N Z^2 = 4 x 7^2 + 16 x 1^2 + 4 x 23^2 + 12 x 8^2 = 3096 -> 9.15490 per Å^3.
    # Q_NVP = 8.8208e-8 x 11.8701 = 1.04704e-6 / Å = 1.04704e-5 / nm: ln I = -0.0104704 at t = 1 um;
    # ln I_NVP / ln I_NH4VO3 = 11.8701 / 9.15490 = 1.29659.
    # Tolerance 1 %: the screening of the nucleus lowers each sigma below Rutherford by
    # ~(theta_0 / alpha)^2, theta_0 ~ 7.5 Z^(1/3) mrad at 200 kV: <= 0.6 % for V at 0.5 rad.
    optics = tem_optics(aperture_mrad=500.0, thickness_nm=1000.0, fringe_contrast=0.0)
    ds, width = _stripes(["NVP", "NH4VO3"])
    image = tem_image(ds, 0.0, optics, pixel_nm=0.1)
    ln_nvp, ln_nh4vo3, ln_vacuum = (_stripe_log_intensity(image, k, width) for k in range(3))
    assert ln_nvp == pytest.approx(-0.0104704, rel=0.01)
    assert ln_nvp / ln_nh4vo3 == pytest.approx(1.29659, rel=0.01)
    assert ln_vacuum == 0.0  # the surroundings are vacuum: I = I0


def test_the_amorphous_precursor_is_the_2_3_mix_of_the_two_crystals():
    # Q is linear in the atom densities, so the mix 2 NH4VO3 + 3 NaH2PO4 in the volume 2 v_A + 3 v_S
    # (v = cell volume / Z) has Q_am = w Q_A + (1 - w) Q_S with w = 2 v_A / (2 v_A + 3 v_S):
    # v_A = 338.180 / 4 = 84.545 Å^3, v_S = 6.81 x 13.49 x 7.33 x sin(92.9 deg) / 8 = 672.52 / 8
    # = 84.065 Å^3, w = 169.09 / (169.09 + 252.20) = 0.40137, whatever the cross-sections.
    # Tolerance 1e-4 relative: float32 image values (6e-8) over ln I ~ -0.08 at t = 20 nm.
    optics = tem_optics(fringe_contrast=0.0)
    ds, width = _stripes(["amorphous", "NH4VO3", "NaH2PO4"])
    image = tem_image(ds, 0.0, optics, pixel_nm=0.1)
    ln_am, ln_a, ln_s = (_stripe_log_intensity(image, k, width) for k in range(3))
    assert ln_am == pytest.approx(0.40137 * ln_a + 0.59863 * ln_s, rel=1e-4)
    assert ln_a < ln_am < ln_s < 0.0


def test_fringes_only_inside_crystals_with_the_rms_of_a_cosine():
    # Inside an NVP grain I = I_bf (1 + m cos(2 pi g . r)): its relative rms over many periods is
    # m / sqrt(2) (0.2 / 1.4142 = 0.14142; 2 % for the partial periods of a 5 nm window); an
    # amorphous region is uniform (float32: rms < 1e-6).
    rng = np.random.default_rng(7)
    ds, width = _stripes(["NVP", "amorphous"])
    ds["orientation"][:, 1] = rng.uniform(0, 360)
    image = tem_image(ds, 0.0, tem_optics(fringe_contrast=0.2))
    for k, expected in ((0, 0.2 / math.sqrt(2)), (1, 0.0)):
        centre = (k + 0.5) * width
        inside = image.sel(x=slice(centre - 1.5, centre + 1.5), y=slice(0.5, 5.5)).values
        assert inside.std() / inside.mean() == pytest.approx(expected, rel=0.02, abs=1e-6)


def test_refusals_name_the_value_and_what_is_allowed():
    ds, _ = _stripes(["NVP"])
    optics = tem_optics()
    with pytest.raises(ParameterError, match=r"time = 3 s is outside the run; allowed: 0 to 0 s"):
        tem_image(ds, 3.0, optics)
    with pytest.raises(ParameterError, match=r"region = 0,50,0,5 nm is outside the box; allowed: inside x 0..12, y 0..6 nm"):
        tem_image(ds, 0.0, optics, region=Region(0, 50, 0, 5))
    with pytest.raises(ParameterError, match=r"pixel = 0.2 nm is not allowed; allowed: > 0 and < 0.1787 nm"):
        tem_image(ds, 0.0, optics, pixel_nm=0.2)
    with pytest.raises(NotARunError, match="no eta"):
        tem_image(ds.drop_vars("eta"), 0.0, optics)
    with pytest.raises(ParameterError, match="x0 < x1"):
        Region(5, 1, 0, 2)
    with pytest.raises(ParameterError, match="malformed"):
        Region.parse("1,2,3")
