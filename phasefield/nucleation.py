r"""Nucleation of NVP at NH4VO3/NaH2PO4 contacts (seeded classical nucleation).

Model (stated, and reproducible from the run's seed):

* NVP can only form where NH4VO3 touches NaH2PO4 (paper Fig. S7). The contact
  is the region weighted by :math:`w = 4 h_{NH_4VO_3} h_{NaH_2PO_4}(1-h_{NVP})`;
  its length is :math:`\ell = \int w\,dA / (k\,l)` with :math:`k` the integral
  of :math:`4h(1-h)` across one flat interface in units of the width l, so a
  straight contact of length :math:`\ell` counts as :math:`\ell`.
* Classical rate per contact length for a disc nucleus of height :math:`a`:
  :math:`J = J_0 \exp(-\Delta G^*/k_BT)`, :math:`\Delta G^* = \pi a
  \sigma_{het}^2/|\Delta g|`, and :math:`J = 0` when :math:`\Delta g \ge 0`
  (below :math:`T_c` NVP never nucleates).
* Every ``nucleation_interval_s`` a Poisson number of nuclei with mean
  :math:`J\ell\Delta t` is drawn; each lands on a contact cell drawn with
  probability :math:`\propto w`. The seed is a disc of radius
  :math:`\max(1.2 r^*, l)` with :math:`r^* = \bar\sigma/|\Delta g|`
  (:math:`\bar\sigma` the mean NVP/precursor energy) that replaces only the
  precursors (c is untouched, so it stays conserved). It takes a free NVP slot
  and the orientation of the NH4VO3 grain under it (epitaxy, paper Fig. 4).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .grains import profile
from .params import BOLTZMANN, ModelParameters
from .phases import PHASES

_A, _S, _NVP = PHASES.index("NH4VO3"), PHASES.index("NaH2PO4"), PHASES.index("NVP")


@dataclass(frozen=True)
class Nucleus:
    """One nucleation event."""

    time_s: float
    slot: int
    center_nm: tuple[float, ...]
    radius_nm: float
    orientation_deg: float


def rate_per_m_s(p: ModelParameters, temperature_K: float) -> float:
    """Classical nucleation rate J per length of NH4VO3/NaH2PO4 contact [1/(m s)]."""
    dg = p.nvp_driving_force_J_m3(temperature_K)
    if dg >= 0.0:
        return 0.0
    barrier = np.pi * p.nucleus_thickness_nm * 1e-9 * p.nucleation_interface_energy_J_m2**2 / abs(dg)
    return p.nucleation_prefactor_per_m_s * float(np.exp(-barrier / (BOLTZMANN * temperature_K)))


def critical_radius_nm(p: ModelParameters, temperature_K: float) -> float:
    """r* = sigma / |dg| of an NVP disc between the precursors [nm]; inf at or below T_c."""
    dg = p.nvp_driving_force_J_m3(temperature_K)
    if dg >= 0.0:
        return float("inf")
    sigma = 0.5 * (p.interface_energy("NH4VO3", "NVP") + p.interface_energy("NaH2PO4", "NVP"))
    return sigma / abs(dg) * 1e9


@functools.lru_cache(maxsize=1)
def _profile_integral() -> float:
    """k = int 4 h (1 - h) dx / l across a flat two-grain interface (h = eta^2/(eta^2+(1-eta)^2))."""
    x = np.linspace(-6.0, 6.0, 24001)
    eta = profile(x, 1.0)
    h = eta**2 / (eta**2 + (1.0 - eta) ** 2)
    return float(np.trapezoid(4.0 * h * (1.0 - h), x))


def contact_weight(h: np.ndarray) -> np.ndarray:
    """w = 4 h_NH4VO3 h_NaH2PO4 (1 - h_NVP) per cell from phase fractions (phases, cells)."""
    return 4.0 * h[_A] * h[_S] * (1.0 - h[_NVP])


def contact_length_nm(h: np.ndarray, cell_area_nm2: float, width_nm: float) -> float:
    """Length of NH4VO3/NaH2PO4 contact [nm] (2D)."""
    return float(contact_weight(h).sum() * cell_area_nm2 / (_profile_integral() * width_nm))


def sample_nuclei(
    rng: np.random.Generator,
    p: ModelParameters,
    temperature_K: float,
    h: np.ndarray,
    cell_area_nm2: float,
    interval_s: float,
) -> np.ndarray:
    """Cells (indices) where nuclei appear during one sampling interval."""
    J = rate_per_m_s(p, temperature_K)
    w = contact_weight(h)
    total = w.sum()
    if J <= 0.0 or total <= 0.0:
        return np.empty(0, dtype=int)
    length_m = contact_length_nm(h, cell_area_nm2, p.interface_width_nm) * 1e-9
    count = rng.poisson(J * length_m * interval_s)
    if count == 0:
        return np.empty(0, dtype=int)
    return rng.choice(w.size, size=count, p=w / total)


def plant(
    eta: np.ndarray,
    grain_phase: np.ndarray,
    slot: int,
    center_nm: np.ndarray,
    radius_nm: float,
    coords_nm: np.ndarray,
    width_nm: float,
) -> np.ndarray:
    """Put an NVP seed into ``slot``, replacing only the precursors under it."""
    out = eta.copy()
    r = np.sqrt(((coords_nm - center_nm[:, None]) ** 2).sum(axis=0))
    disc = profile(r - radius_nm, width_nm)
    precursor = np.isin(grain_phase, (_A, _S))
    share = out[precursor].sum(axis=0)
    seed = disc * np.clip(share, 0.0, 1.0)
    out[precursor] *= 1.0 - disc
    out[slot] = np.maximum(out[slot], seed)
    return out
