r"""Epitaxial misfit energy of the NH4VO3/NVP interface, for grains in the orientation relationship.

The model (stated; README "The model"): an NVP grain that meets an NH4VO3 grain in the
orientation relationship of the paper (Fig. 4: (1 2 -1) NH4VO3 // (2 -1 0) NVP) shares a
coincidence lattice with it whose residual misfit :math:`\varepsilon` (the m:n coincidence's
:math:`\delta = (m d_{sub} - n d_{epi}) / (m d_{sub})`, computed by :mod:`atomistic` and passed
in by the scenario) is taken up elastically. Their pair energy becomes
:math:`\sigma + \Delta\sigma` with the coherency energy of a strained layer of thickness h,

.. math::

    \Delta\sigma(\varepsilon) = M\,\varepsilon^2\,h,\qquad M = \frac{E}{1-\nu} = \frac{2\mu(1+\nu)}{1-\nu},

the biaxial modulus M of an isotropic crystal (Matthews & Blakeslee's coherent branch, the
form of ``notes/matter-and-crystallization.md`` section 5). Above the critical thickness the
layer relaxes by misfit dislocations and the energy per area saturates near its value at
h = h_c, so h is read as that critical thickness. E and nu are NASICON's (the framework NVP
shares; no elastic constants of NVP itself were found): Young's modulus 56-97 GPa and
Poisson's ratio ~0.26 (Wolfenstine, Go, Kim & Sakamoto, "Mechanical properties of NaSICON:
a brief review", Ionics 2022, abstract); the default E = 76.5 GPa is the middle of that range.
h has no source (an assumption, not data): 0.5 nm.

Which grains: an NVP grain whose orientation differs from the NH4VO3 grain's by the
relationship's difference within a tolerance. In this package an NVP grain in the paper's
relationship has the same ``orientation`` as its NH4VO3 parent (its facets and lattice are
turned into the NH4VO3 frame through the relationship: ``scenarios/facets.py``,
``atomistic.grain_frames``), so the relationship's difference is
:data:`RELATIONSHIP_DIFFERENCE_DEG` = 0, compared modulo 360 degrees. Any other NVP grain
keeps the plain pair energy.
"""

from __future__ import annotations

import numpy as np

RELATIONSHIP_DIFFERENCE_DEG = 0.0
"""NVP orientation minus NH4VO3 orientation of a grain pair in the paper's relationship (degrees):
0 by the package's frame convention (module docstring)."""


def biaxial_modulus_Pa(young_modulus_GPa: float, poisson_ratio: float) -> float:
    """M = E / (1 - nu) [Pa], the biaxial modulus of an isotropic solid.

    >>> round(biaxial_modulus_Pa(74.0, 0.26) / 1e9, 6)
    100.0
    """
    return young_modulus_GPa * 1e9 / (1.0 - poisson_ratio)


def misfit_energy_J_m2(strain: float, young_modulus_GPa: float, poisson_ratio: float, thickness_nm: float) -> float:
    """Delta sigma = M eps^2 h [J/m^2] (module docstring).

    >>> misfit_energy_J_m2(0.0, 76.5, 0.26, 0.5)
    0.0
    >>> round(misfit_energy_J_m2(0.1, 74.0, 0.26, 1.0), 6)
    1.0
    """
    return biaxial_modulus_Pa(young_modulus_GPa, poisson_ratio) * strain**2 * thickness_nm * 1e-9


def orientation_difference_deg(a, b):
    """a - b wrapped into [-180, 180) degrees.

    >>> float(orientation_difference_deg(359.0, 1.0)), float(orientation_difference_deg(10.0, 190.0))
    (-2.0, -180.0)
    """
    return (np.asarray(a, dtype=float) - np.asarray(b, dtype=float) + 180.0) % 360.0 - 180.0


def in_relationship(difference_deg, tolerance_deg: float):
    """Whether an NVP minus NH4VO3 orientation difference is the relationship's within ``tolerance_deg``
    (modulo 360 degrees).

    >>> bool(in_relationship(359.0, 2.0)), bool(in_relationship(30.0, 2.0))
    (True, False)
    """
    return np.abs(orientation_difference_deg(difference_deg, RELATIONSHIP_DIFFERENCE_DEG)) <= tolerance_deg


def relationship_pairs(grain_phase: np.ndarray, orientation_deg: np.ndarray, parent: int, product: int, tolerance_deg: float) -> np.ndarray:
    """(grains, grains) 0/1 matrix: 1 for a product grain and a parent grain in the relationship.

    Symmetric, zero diagonal. A pair is in the relationship when the product's orientation minus
    the parent's is :data:`RELATIONSHIP_DIFFERENCE_DEG` within ``tolerance_deg`` (modulo 360).

    >>> relationship_pairs(np.array([1, 2, 2]), np.array([10.0, 11.0, 40.0]), 1, 2, 2.0)
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    gp = np.asarray(grain_phase)
    theta = np.asarray(orientation_deg, dtype=float)
    close = in_relationship(theta[:, None] - theta[None, :], tolerance_deg)
    pairs = close & (gp[:, None] == product) & (gp[None, :] == parent)
    return (pairs | pairs.T).astype(float)
