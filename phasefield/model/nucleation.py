r"""Nucleation of NVP at NH4VO3/NaH2PO4 contacts (seeded classical nucleation).

One nucleus, used for the rate, for the critical size and for the seed: a 2D
heterogeneous nucleus at the contact, i.e. a lens between the two precursors
bounded by an NVP/NH4VO3 arc and an NVP/NaH2PO4 arc, with the pair energies
:math:`\sigma_A = \sigma(NVP/NH_4VO_3)`, :math:`\sigma_S =
\sigma(NVP/NaH_2PO_4)`, :math:`\sigma_{AS} = \sigma(NH_4VO_3/NaH_2PO_4)` that
the phase-field model itself uses, and :math:`|\Delta g| = \Delta S(T - T_c)`
(:meth:`ModelParameters.nvp_driving_force_J_m3`).

* Contact angles (Neumann triangle, force balance at the two triple points):
  :math:`\cos\theta_A = (\sigma_A^2 + \sigma_{AS}^2 - \sigma_S^2) /
  (2\sigma_A\sigma_{AS})` and A <-> S, each the half-angle of its arc, clipped
  to :math:`[0, \pi]` (:math:`\sigma_{AS} \ge \sigma_A + \sigma_S`: NVP wets
  the contact, no barrier; :math:`\sigma_S \ge \sigma_A + \sigma_{AS}`: a full
  disc in NH4VO3).
* Critical lens: arc radii :math:`R_\alpha = \sigma_\alpha/|\Delta g|`
  (Laplace, 2D), half-chord :math:`R_A\sin\theta_A = R_S\sin\theta_S`, area
  :math:`\mathcal{A}^* = \sum_\alpha R_\alpha^2 f(\theta_\alpha)`,
  :math:`f(\theta) = \theta - \sin\theta\cos\theta`.
* Barrier of a nucleus of height :math:`a` (out of plane):
  :math:`\Delta G^* = a|\Delta g|\mathcal{A}^* = a\,\Sigma/|\Delta g|` with the
  shape factor :math:`\Sigma = \sigma_A^2 f(\theta_A) + \sigma_S^2
  f(\theta_S)` (:math:`\pi\sigma^2` for a free disc, which is the limit
  :math:`\sigma_{AS}\to 0`, :math:`\sigma_A = \sigma_S`).
* Rate per contact length :math:`J = J_0\exp(-\Delta G^*/k_BT)`, zero when
  :math:`\Delta g \ge 0` (below :math:`T_c` NVP never nucleates).
* Contact: cells weighted by :math:`w = 4 h_{NH_4VO_3} h_{NaH_2PO_4}(1-h_{NVP})`;
  its length is :math:`\ell = \int w\,dA / (k\,l)` with :math:`k` the integral
  of :math:`4h(1-h)` across one flat interface in units of the width l, so a
  straight contact of length :math:`\ell` counts as :math:`\ell`.
* Sampling: every ``nucleation_interval_s`` (ending at :math:`t_1`), a Poisson
  number of nuclei with mean :math:`\ell\int_{t_0}^{t_1} J(T(s))\,ds` (the
  heating program integrated over the interval, not its end value, which
  overestimates the rate on a ramp); each gets a formation time drawn with
  density :math:`\propto J(T(s))` in the interval and a contact cell drawn
  with probability :math:`\propto w`. The contact length is that at
  :math:`t_1`. For a fixed contact the onset time (the first formation time)
  then follows :math:`P(t_{on} \le t) = 1 - \exp(-\ell\int_0^t J\,ds)`
  exactly (``tests/phasefield/model/test_nucleation.py``, Kolmogorov-Smirnov). The
  seed is planted at :math:`t_1`, up to one interval after its formation time.
* Seed: the critical lens scaled by ``nucleus_seed_scale`` (both radii, same
  angles), oriented along the local contact, planted in a free NVP slot with
  the orientation of the NH4VO3 grain under it (epitaxy, paper Fig. 4), cut to
  the particle that holds the contact (:func:`particle_owner`). It
  replaces only precursor, and each species' density n_k is shifted by the
  change of the local equilibrium density :math:`\hat n_k = \sum_\alpha
  h_\alpha\rho_k^\alpha` (so n = (2/5, 3/5) inside the seed and the chemical
  potentials are unchanged); the units that takes (or gives) come from the
  neighbouring precursor, so the integral of each n_k is conserved to round-off.
* Full slots: a nucleus takes an NVP slot never used, else one whose grain has
  vanished (:data:`VANISHED`); with none free it is refused, logged as a
  warning and counted (the run attribute ``n_refused_nuclei``).

Why the seed is larger than the critical lens (measured, see the tests): rate
and critical size use the same sharp-interface lens, but the phase-field
model's own critical nucleus at the contact is larger whenever the pair
energies differ. With equal energies (0.3 J/m^2 each, theta = 60 deg, 708 degC,
l = 2 nm) 0.8 x the lens shrinks and 1.25 x grows: the lens is critical. With
the defaults (0.2, 0.3, 0.4) the model's critical scale is ~1.3-1.4 (1.25 x
shrinks slowly, 1.5 x grows; it was ~1.9 before the interpolation derivatives
were in the equations): at 705 degC the lens is ~2 nm thick against l = 2 nm,
and NVP's pairs are cheaper than the contact it sits on. With the default facets and the small NaH2PO4 particle of the test
(its depletion by the seed lowers the diffusion potential) 2 x shrinks away,
3 x dips and recovers, 4 x grows from its first step: hence the default
``nucleus_seed_scale`` = 4. The rate is not corrected for this; the model's
own barrier is higher (x ~3.6 isotropic).

The formulas are 2D (per length of contact, a nucleus of height a). 3D keeps the
same nucleus and counts its sites on the contact area S: the 2D rate per length
is that of a slab one nucleus tall (a), so the rate per area is J / a and the mean
number of nuclei S / a int J ds (:func:`nucleation_sites_m`). This is a convention
that keeps the 2D kinetics per unit of contact, not a 3D barrier: the critical
double spherical cap of the same energies (R = 2 sigma / |dg|) costs
(16/3) pi (sigma_A^3 f3(theta_A) + sigma_S^3 f3(theta_S)) / dg^2 with
f3 = (2 - 3 cos + cos^3) / 4 (a free sphere: f3 = 1/2 on both sides), 409 kT at
710 degC for the defaults (the 2D lens: 14.7 kT), and would never nucleate. The 3D
seed is the lens of revolution (the intersection of two balls) with the 2D radii
scaled by ``nucleus_seed_scale``: 2 x the 3D critical lens at the default 4.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import trapezoid  # numpy's is 2.0+; Debian 12's petsc4py needs numpy 1.24

from . import free_energy as fe
from . import tracking
from .grains import profile
from .parameters import BOLTZMANN, ModelParameters
from .phases import DENSITY, PHASES, REGISTRY

_ROLES = REGISTRY.nucleation
_A, _S, _NVP = REGISTRY.index(_ROLES.parent), REGISTRY.index(_ROLES.partner), REGISTRY.index(_ROLES.product)
_DENSITY = np.array([DENSITY[ph] for ph in PHASES])  # (phases, species)
_CONDENSED = [REGISTRY.index(name) for name in REGISTRY.condensed]

VANISHED = 0.05
"""An NVP slot whose largest order parameter is below this holds no grain any more
and can take a new nucleus (the Allen-Cahn tail of a shrunk grain decays from here)."""

QUADRATURE_POINTS = 65
"""Trapezoid nodes of the rate integral over one sampling interval (plus the ramp's end):
relative error < 1e-3 where J matters (|d ln J/dt| < 50/s)."""


@dataclass(frozen=True)
class Lens:
    """A lens nucleus between NH4VO3 (side A) and NaH2PO4 (side S).

    Attributes
    ----------
    radius_A_nm, radius_S_nm
        Radii of the NVP/NH4VO3 and NVP/NaH2PO4 arcs [nm].
    angle_A, angle_S
        Half-angles of the two arcs, seen from their centres [rad].
    """

    radius_A_nm: float
    radius_S_nm: float
    angle_A: float
    angle_S: float

    @property
    def half_chord_nm(self) -> float:
        """Half the length of contact the lens covers [nm]."""
        return self.radius_A_nm * math.sin(self.angle_A)

    @property
    def area_nm2(self) -> float:
        """Area of the lens [nm^2]."""
        return self.radius_A_nm**2 * _segment(self.angle_A) + self.radius_S_nm**2 * _segment(self.angle_S)

    @property
    def equivalent_radius_nm(self) -> float:
        """Radius of the disc of the same area [nm]."""
        return math.sqrt(self.area_nm2 / math.pi)

    def scaled(self, factor: float) -> "Lens":
        return Lens(factor * self.radius_A_nm, factor * self.radius_S_nm, self.angle_A, self.angle_S)

    def distance(self, coords_nm: np.ndarray, center_nm: np.ndarray, normal: np.ndarray) -> np.ndarray:
        """Signed distance to the lens [nm] (negative inside; max of the two disc distances,
        exact except near the two corners). ``normal`` points from NaH2PO4 into NH4VO3."""
        center_nm = np.asarray(center_nm, dtype=float)[:, None]
        n = np.asarray(normal, dtype=float)[:, None]
        # each arc's circle centre lies on the other side of the chord
        centre_A = center_nm - n * self.radius_A_nm * math.cos(self.angle_A)
        centre_S = center_nm + n * self.radius_S_nm * math.cos(self.angle_S)
        d_A = np.sqrt(((coords_nm - centre_A) ** 2).sum(axis=0)) - self.radius_A_nm
        d_S = np.sqrt(((coords_nm - centre_S) ** 2).sum(axis=0)) - self.radius_S_nm
        return np.maximum(d_A, d_S)


@dataclass(frozen=True)
class Nucleus:
    """One nucleation event (times in s, positions in nm, orientation in degrees) of a phase."""

    time_s: float
    slot: int
    center_nm: tuple[float, ...]
    radius_nm: float
    orientation_deg: float
    phase: str = _ROLES.product

    def describe(self) -> str:
        """One line for the user: when, which phase, where and how large."""
        at = ", ".join(f"{x:.3g}" for x in self.center_nm)
        return f"t = {self.time_s:.4g} s: {self.phase} nucleus formed (grain {self.slot}, r = {self.radius_nm:.2g} nm, at ({at}) nm)"


def _segment(angle: float) -> float:
    """Area of a circular segment of half-angle ``angle`` on a unit circle."""
    return angle - math.sin(angle) * math.cos(angle)


def _pair_energies(p: ModelParameters) -> tuple[float, float, float]:
    """(sigma_A, sigma_S, sigma_AS): the nucleus's interfaces with its parent (with the misfit or
    incoherent excess its orientation gives it, :meth:`ModelParameters.nucleus_excess_J_m2`) and its
    partner, and the parent/partner boundary it replaces [J/m^2]."""
    return (
        p.interface_energy(_ROLES.parent, _ROLES.product) + p.nucleus_excess_J_m2(),
        p.interface_energy(_ROLES.partner, _ROLES.product),
        p.interface_energy(_ROLES.parent, _ROLES.partner),
    )


def contact_angles(p: ModelParameters) -> tuple[float, float]:
    """Half-angles (theta_A, theta_S) of the NVP/NH4VO3 and NVP/NaH2PO4 arcs [rad] (Neumann triangle)."""
    s_a, s_s, s_as = _pair_energies(p)
    cos_a = (s_a**2 + s_as**2 - s_s**2) / (2.0 * s_a * s_as)
    cos_s = (s_s**2 + s_as**2 - s_a**2) / (2.0 * s_s * s_as)
    return math.acos(min(max(cos_a, -1.0), 1.0)), math.acos(min(max(cos_s, -1.0), 1.0))


def shape_factor_J2_m4(p: ModelParameters) -> float:
    """Sigma = sigma_A^2 f(theta_A) + sigma_S^2 f(theta_S) [J^2/m^4]; the 2D barrier is Sigma / |dg|."""
    s_a, s_s, _ = _pair_energies(p)
    theta_a, theta_s = contact_angles(p)
    return s_a**2 * _segment(theta_a) + s_s**2 * _segment(theta_s)


def critical_nucleus(p: ModelParameters, temperature_K: float) -> Lens | None:
    """The critical lens at T; None at or below T_c (no nucleus is critical)."""
    dg = p.nvp_driving_force_J_m3(temperature_K)
    if dg >= 0.0:
        return None
    s_a, s_s, _ = _pair_energies(p)
    theta_a, theta_s = contact_angles(p)
    return Lens(s_a / abs(dg) * 1e9, s_s / abs(dg) * 1e9, theta_a, theta_s)


def critical_radius_nm(p: ModelParameters, temperature_K: float) -> float:
    """Equivalent (equal-area) radius of the critical lens [nm]; inf at or below T_c."""
    lens = critical_nucleus(p, temperature_K)
    return float("inf") if lens is None else lens.equivalent_radius_nm


def seed_nucleus(p: ModelParameters, temperature_K: float) -> Lens | None:
    """The lens that is planted at T: ``nucleus_seed_scale`` x the critical one."""
    lens = critical_nucleus(p, temperature_K)
    return None if lens is None else lens.scaled(p.nucleus_seed_scale)


def barrier_J(p: ModelParameters, temperature_K):
    """Delta G* = a Sigma / |dg| [J] of the lens of height a; inf at or below T_c (array-friendly)."""
    dg = np.asarray(p.nvp_driving_force_J_m3(np.asarray(temperature_K, dtype=float)))
    with np.errstate(divide="ignore"):
        out = np.where(dg < 0.0, p.nucleus_thickness_nm * 1e-9 * shape_factor_J2_m4(p) / np.abs(dg), np.inf)
    return out if out.ndim else float(out)


def rate_per_m_s(p: ModelParameters, temperature_K):
    """Classical rate J = J0 exp(-Delta G*/kT) per length of NH4VO3/NaH2PO4 contact [1/(m s)]; 0 at and below T_c."""
    T = np.asarray(temperature_K, dtype=float)
    out = p.nucleation_prefactor_per_m_s * np.exp(-np.asarray(barrier_J(p, T)) / (BOLTZMANN * T))
    return out if out.ndim else float(out)


def rate_integral_s_per_m(p: ModelParameters, t0_s: float, t1_s: float, points: int = QUADRATURE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Nodes s [s] in [t0, t1] and the cumulative int_t0^s J(T(s')) ds' [1/m] there (trapezoid;
    the end of the heating ramp is a node, so the piecewise-linear T is integrated exactly)."""
    s = time_nodes(p, t0_s, t1_s, points)
    J = rate_per_m_s(p, np.array([p.temperature_K(t) for t in s]))
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (J[1:] + J[:-1]) * np.diff(s))])
    return s, cumulative


def time_nodes(p: ModelParameters, t0_s: float, t1_s: float, points: int = QUADRATURE_POINTS) -> np.ndarray:
    """Quadrature nodes of [t0, t1] [s]: ``points`` equally spaced plus the end of the heating ramp
    if it falls inside (T(t) is piecewise linear, so the trapezoid rule then integrates T exactly)."""
    s = np.linspace(t0_s, t1_s, points)
    t_ramp = _ramp_end_s(p)
    return np.union1d(s, [t_ramp]) if t0_s < t_ramp < t1_s else s


def _ramp_end_s(p: ModelParameters) -> float:
    if p.ramp_K_per_s == 0.0:
        return 0.0
    return abs(p.hold_temperature_C - p.start_temperature_C) / p.ramp_K_per_s


@functools.lru_cache(maxsize=1)
def _profile_integral() -> float:
    """k = int 4 h (1 - h) dx / l across a flat two-grain interface (h = eta^2/(eta^2+(1-eta)^2))."""
    x = np.linspace(-6.0, 6.0, 24001)
    eta = profile(x, 1.0)
    h = eta**2 / (eta**2 + (1.0 - eta) ** 2)
    return float(trapezoid(4.0 * h * (1.0 - h), x))


def contact_weight(h: np.ndarray) -> np.ndarray:
    """w = 4 h_NH4VO3 h_NaH2PO4 (1 - h_NVP) per cell from phase fractions (phases, cells)."""
    return 4.0 * h[_A] * h[_S] * (1.0 - h[_NVP])


def contact_length_nm(h: np.ndarray, cell_area_nm2: float, width_nm: float) -> float:
    """Length of NH4VO3/NaH2PO4 contact [nm] (2D); 3D, with the cell volume: its area [nm^2]."""
    return float(contact_weight(h).sum() * cell_area_nm2 / (_profile_integral() * width_nm))


def nucleation_sites_m(p: ModelParameters, h: np.ndarray, cell_measure_nm: float) -> float:
    """The contact as a length of nucleus sites [m]: its length (2D), its area / a (3D).

    ``cell_measure_nm`` is the cell area [nm^2] (2D) or volume [nm^3] (3D); a is
    ``nucleus_thickness_nm``, the height of the 2D nucleus (module docstring).
    """
    measure = contact_length_nm(h, cell_measure_nm, p.interface_width_nm)
    if p.dim == 3:
        measure = measure / p.nucleus_thickness_nm
    return measure * 1e-9


def sample_nuclei(
    rng: np.random.Generator,
    p: ModelParameters,
    h: np.ndarray,
    cell_area_nm2: float,
    t0_s: float,
    t1_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nuclei formed during the sampling interval [t0, t1].

    Parameters
    ----------
    rng
        The run's generator (advanced only when the mean count is > 0).
    p
        Parameters (rate, heating program, interface width).
    h
        Phase fractions (phases, cells) at t1.
    cell_area_nm2
        Area of one cell [nm^2] (3D: its volume [nm^3]).
    t0_s, t1_s
        The interval [s].

    Returns
    -------
    cells, times_s
        Contact cells (indices, drawn with probability proportional to w) and
        formation times [s], sorted by time.
    """
    none = (np.empty(0, dtype=int), np.empty(0))
    w = contact_weight(h)
    total = w.sum()
    if total <= 0.0 or p.nucleation_prefactor_per_m_s == 0.0:
        return none
    s, cumulative = rate_integral_s_per_m(p, t0_s, t1_s)
    if cumulative[-1] <= 0.0:
        return none
    length_m = nucleation_sites_m(p, h, cell_area_nm2)
    count = rng.poisson(length_m * cumulative[-1])
    if count == 0:
        return none
    # times: inverse of the cumulative rate (events of a Poisson process given their number)
    times = np.sort(np.interp(rng.uniform(0.0, cumulative[-1], count), cumulative, s))
    return rng.choice(w.size, size=count, p=w / total), times


def onset_cdf(p: ModelParameters, length_nm: float, t_s) -> np.ndarray:
    """P(first nucleus by t) = 1 - exp(-l int_0^t J(T(s)) ds) on a fixed contact of length l [nm]."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    s, cumulative = rate_integral_s_per_m(p, 0.0, float(t.max()), points=max(QUADRATURE_POINTS, int(t.max() / 1e-3) + 1))
    return 1.0 - np.exp(-length_nm * 1e-9 * np.interp(t, s, cumulative))


def contact_normal(h: np.ndarray, gradient, cell: int) -> np.ndarray:
    """Unit normal of the contact at a cell, from NaH2PO4 into NH4VO3 (x axis if undefined).

    ``gradient`` is a sequence of (cells x cells) operators, one per axis."""
    g = np.array([float((G[cell] @ (h[_A] - h[_S])).item()) for G in gradient])
    norm = float(np.linalg.norm(g))
    if not norm > 0.0:
        g, norm = np.eye(len(gradient))[0], 1.0
    return g / norm


def particle_owner(h: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The particle each cell is nearest to, (cells,): its label from 1 (all 0 with no particle).

    A particle is a face-connected region whose condensed share (phase fractions ``h``,
    (phases, cells), summed over every phase but the surroundings and the substrate) exceeds
    1/2 (:func:`tracking.cores`); each cell goes to the nearest particle (Euclidean, on the grid:
    :func:`tracking.voronoi`), so a particle owns its half of the gaps around it. ``shape`` is
    ``Grid.shape``. A seed planted on a contact is cut to the cells of its particle: it may not
    cross empty space into another particle, whatever its size (the default seed, 4 x the
    critical lens, is 23 nm wide at 710 degC, far wider than the 0-2 nm gaps between
    ``overview``'s particles).
    """
    labels, _ = tracking.cores(h[_CONDENSED].sum(axis=0), shape, 0.5)
    owner, _ = tracking.voronoi(labels, shape)
    return owner


def plant(
    eta: np.ndarray,
    n: np.ndarray,
    grain_phase: np.ndarray,
    slot: int,
    distance_nm: np.ndarray,
    width_nm: float,
    reach_nm: float,
    parents: tuple[int, ...] = (_A, _S),
    reuse: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Put a seed into ``slot``, replacing only its parent phases under it, and adjust n.

    Parameters
    ----------
    eta, n
        Order parameters (grains, cells) and species densities (species, cells).
    grain_phase
        Phase index of each grain.
    slot
        The (empty) NVP slot.
    distance_nm
        Signed distance to the seed's outline [nm], negative inside.
    width_nm
        Interface width l [nm] (the seed gets the equilibrium profile).
    reach_nm
        How far outside the seed the neighbouring parent gives or takes the
        units the seed needs [nm].
    parents
        Phase indices the seed may replace and take units from (default: the
        precursors, for an NVP seed at their contact).
    reuse
        The slot holds at most the tail of a vanished grain (cleared first); False:
        it may hold other grains of its phase away from the seed (kept).

    Returns
    -------
    eta, n
        New arrays; sum(n_k) is unchanged to round-off for each species and
        n - n_hat(eta) is unchanged inside the seed.
    """
    out = eta.copy()
    if reuse:
        out[slot] = 0.0  # a reused slot may hold the tail of a vanished grain
    disc = profile(distance_nm, width_nm)
    replaced = np.isin(grain_phase, parents)
    share = np.clip(out[replaced].sum(axis=0), 0.0, 1.0)
    out[replaced] *= 1.0 - disc
    out[slot] += disc * share
    n_phases = len(PHASES)
    h_new = fe.phase_fractions(out, grain_phase, n_phases)
    shifted = n + _DENSITY.T @ (h_new - fe.phase_fractions(eta, grain_phase, n_phases))
    donor = np.clip(h_new[list(parents)].sum(axis=0), 0.0, 1.0)
    balanced = [_balance(row, float(row.sum() - old.sum()), donor, distance_nm, width_nm, reach_nm) for row, old in zip(shifted, n)]
    return out, np.array(balanced)


class SeedRefused(ValueError):
    """A seed whose parent cannot supply the units it needs (:func:`plant`): the caller refuses the
    nucleus (logged and counted) instead of planting it with negative densities or unconserved units."""


def _balance(n: np.ndarray, excess: float, donor: np.ndarray, distance_nm: np.ndarray, width_nm: float, reach_nm: float) -> np.ndarray:
    """Remove ``excess`` (the change of sum(n) of one species) from the parent near the seed.

    Each cell gives (or takes) in proportion to what it holds of the species,
    times its parent fraction ``donor`` and a kernel that is 1 from the seed's edge to
    ``reach_nm`` beyond it; a cell gives at most what it holds, so n stays
    non-negative. If the neighbourhood cannot, the whole parent does.
    """
    if excess == 0.0:
        return n
    held = np.clip(n, 0.0, None)
    near = (1.0 - profile(distance_nm, width_nm)) * profile(distance_nm - reach_nm, width_nm)
    for kernel in (near, np.ones_like(n)):
        k = donor * kernel
        w = k * held
        # the share a cell loses of what it holds is excess k / sum(w) <= 1
        if w.sum() > 0.0 and (excess < 0.0 or excess * k.max() <= w.sum()):
            return n - excess * w / w.sum()
    raise SeedRefused(f"a seed needs {excess:.3g} cells worth of units that its parent phase cannot supply")
