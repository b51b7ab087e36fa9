"""FFT spots: of a known cosine image, of TEM-like grains at random orientations (|g| = 1/d,
angle = orientation + reflection angle), and the NH4VO3/NVP orientation relationship."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import atomistic
from phasefield.model.values import ParameterError
from phasefield.view import Region, fft_spots, tem_image
from scenarios.optics import tem_optics
from tests.phasefield.view.synthetic import grains_run, grid


def _angle_gap(a: float, b: float) -> float:
    """|a - b| of two spot angles in degrees, modulo 180 (g and -g are one spot pair)."""
    return abs((a - b + 90.0) % 180.0 - 90.0)


def test_spots_of_two_cosines_have_their_frequencies_angles_and_amplitude_ratio():
    # A 12.8 x 9.6 nm image (pixel 0.05 nm) of cos(2 pi g1 . r) + 0.5 cos(2 pi g2 . r): two spots,
    # the second at half the first's amplitude (the window weighs both full-field waves alike;
    # 3 % for the side lobes of the other wave). Positions within one FFT pixel (1/12.8, 1/9.6 nm^-1).
    x = (np.arange(256) + 0.5) * 0.05
    y = (np.arange(192) + 0.5) * 0.05
    waves = [(2.6, 33.0, 1.0), (1.9, 141.0, 0.5)]  # |g| 1/nm, angle deg, amplitude
    values = sum(a * np.cos(2 * np.pi * g * (np.cos(np.radians(t)) * x[None, :] + np.sin(np.radians(t)) * y[:, None])) for g, t, a in waves)
    image = xr.DataArray(values, dims=("y", "x"), coords={"x": x, "y": y})
    spots = fft_spots(image, count=4)
    assert spots.sizes["spot"] == 2  # nothing else above 5 % of the strongest
    for k, (g, angle, _) in enumerate(waves):
        assert abs(float(spots.g[k]) - g) < 1 / 12.8
        assert _angle_gap(float(spots.angle[k]), angle) < math.degrees((1 / 12.8) / g)
    assert float(spots.amplitude[1]) == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("phase, seed", [("NVP", 1), ("NH4VO3", 2), ("NaH2PO4", 3), ("NZSP", 4)])
def test_the_strongest_spot_of_a_grain_is_at_one_over_d_and_its_orientation(phase, seed):
    # One grain over an unequal region (10.4 x 13.0 nm) at a random orientation: its strongest
    # spot lies within one FFT pixel (1/L) of 1/d, and within the FFT's angular resolution
    # ((1/L) / |g| radians, L the shorter side) of orientation + the reflection's angle.
    theta = float(np.random.default_rng(seed).uniform(0.0, 360.0))
    x, y = grid(40, 40, 0.5)
    ds = grains_run(x, y, [(phase, theta, np.ones((40, 40), bool))])
    optics = tem_optics()
    region = Region(3.0, 13.4, 2.0, 15.0)
    spots = fft_spots(tem_image(ds, 0.0, optics), region)
    look = optics.phases[phase]
    g = 1 / look.fringe_spacing_nm
    assert abs(float(spots.g[0]) - g) < 1 / 10.4
    assert _angle_gap(float(spots.angle[0]), theta + look.fringe_angle_deg) < math.degrees((1 / 10.4) / g)


def test_nvp_in_the_orientation_relationship_with_nh4vo3_shows_the_angle_of_the_orientation_matrix():
    # An NVP grain beside the NH4VO3 grain it grew from (same orientation, as nucleation gives it).
    # The angle between their spots, (2 0 2) NVP and (1 0 0) NH4VO3, must be the one between the
    # plane normals when NVP is rotated into NH4VO3 by atomistic.orientation_matrix under the
    # paper's relationship (atomistic.paper.NH4VO3_NVP), both seen down [0 1 2] NH4VO3.
    frame = atomistic.viewing_frame("NH4VO3", (0, 1, 2))
    rotation = atomistic.orientation_matrix("NH4VO3", "NVP", atomistic.NH4VO3_NVP)
    g_a = frame @ atomistic.plane_normal("NH4VO3", (1, 0, 0))
    g_b = frame @ rotation @ atomistic.plane_normal("NVP", (2, 0, 2))
    assert abs(g_b[2]) < 1e-9 * np.linalg.norm(g_b)  # in the viewing plane: the zone law holds
    expected = math.degrees(math.atan2(g_b[1], g_b[0]) - math.atan2(g_a[1], g_a[0]))
    theta = float(np.random.default_rng(3).uniform(0.0, 360.0))
    x, y = grid(96, 48, 0.5)
    left = np.broadcast_to(x < 24.0, (48, 96))
    ds = grains_run(x, y, [("NH4VO3", theta, left), ("NVP", theta, ~left)])
    image = tem_image(ds, 0.0, tem_optics())
    a = fft_spots(image, Region(1.0, 23.0, 1.0, 23.0), count=1)
    b = fft_spots(image, Region(25.0, 47.0, 1.0, 23.0), count=1)
    # resolution: the sum of the two spots' angular resolutions (1/22 nm^-1 over |g|)
    resolution = math.degrees((1 / 22.0) / float(a.g[0]) + (1 / 22.0) / float(b.g[0]))
    assert _angle_gap(float(b.angle[0]) - float(a.angle[0]), expected) < resolution
    assert abs(expected) > 3 * resolution  # the two spots are resolved apart


def test_a_region_outside_the_image_or_too_small_is_refused():
    x = (np.arange(64) + 0.5) * 0.1
    image = xr.DataArray(np.zeros((64, 64)), dims=("y", "x"), coords={"x": x, "y": x})
    with pytest.raises(ParameterError, match=r"region = 0,9,0,2 nm is outside the image; allowed: inside x 0..6.4, y 0..6.4 nm$"):
        fft_spots(image, Region(0, 9, 0, 2))
    with pytest.raises(ParameterError, match="at least 16 per side"):
        fft_spots(image, Region(0, 1, 0, 6))
