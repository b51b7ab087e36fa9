r"""Crystallization of the amorphous precursor: homogeneous nucleation of crystalline grains.

The as-infiltrated precursor is amorphous (paper Fig. S3, S7; DESIGN O1); below and
above T_c it crystallizes into NH4VO3 and NaH2PO4 nanograins. Classical nucleation in
2D, per area of the parent phase (``crystallization_parent``, the amorphous precursor),
of each phase in ``crystallization_products``:

* Driving force of product p: :math:`\Delta g_p = g_p(T) - g_{parent}(T)` [J/m^3], the
  bulk free energy change of the parent at its as-infiltrated composition (chemical
  potentials zero); a nucleus forms only where :math:`\Delta g_p < 0`. Why not the local
  potentials: the units a fresh seed rejects raise the neighbouring parent's potential by
  as much as :math:`g_{parent}` itself (chemical stiffness 5e8 J/m^3 times a ~0.1 excess),
  and the rate, exponential in :math:`1/|\Delta g|`, then avalanched (measured: over 10^5
  nuclei within 10 ms at 650 degC with the default prefactor). The composition enters the
  growth: a seed in a region depleted of its units dissolves in the phase-field equations.
* Critical disc of height a (``nucleus_thickness_nm``):
  :math:`\Delta G(r) = a(2\pi r\sigma - \pi r^2|\Delta g|)`, so
  :math:`r^* = \sigma/|\Delta g|` and :math:`\Delta G^* = a\pi\sigma^2/|\Delta g|`,
  with :math:`\sigma` = the parent/product pair energy that the phase-field model uses.
* Rate per area of parent: :math:`J = J_0\exp(-\Delta G^*/k_BT)` [1/(m^2 s)]
  (``crystallization_prefactor_per_m2_s``).
* Sampling, every ``nucleation_interval_s`` ending at :math:`t_1`: a Poisson number of
  nuclei with mean :math:`\sum_p A_{parent}\int_{t_0}^{t_1}J_p(T(s))\,ds`
  (:math:`A_{parent} = \sum_c h_{parent,c}A_c` at :math:`t_1`, the heating program
  integrated); each nucleus gets a product in proportion to its term, a cell drawn
  with probability :math:`\propto h_{parent}` and a formation time from the cumulative
  rate. Weighting by the parent's
  fraction means nuclei form only in untransformed matter, the assumption of the
  Kolmogorov-Johnson-Mehl-Avrami (JMAK) law.
* Seed: a disc of radius ``crystallization_seed_scale`` x r* at the planting time
  (r* from the driving force there), planted like an NVP seed
  (:func:`phasefield.model.nucleation.plant`: only the parent is replaced, within the
  particle that holds the site (:func:`phasefield.model.nucleation.particle_owner`), the units
  the seed needs or rejects are exchanged with the parent around it, each species
  conserved to round-off).
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import trapezoid  # numpy's is 2.0+; Debian 12's petsc4py needs numpy 1.24

from .nucleation import time_nodes
from .parameters import BOLTZMANN, ModelParameters
from .phases import PHASES, REGISTRY


def driving_force_J_m3(p: ModelParameters, product: str, temperature_K) -> np.ndarray:
    """Delta g = g_product - g_parent at T [J/m^3] (array-friendly in T)."""
    T = np.asarray(temperature_K, dtype=float)
    i, parent = PHASES.index(product), PHASES.index(p.crystallization_parent)
    g = np.array([REGISTRY.chemical_energies_J_m3(p, t) for t in T.ravel()]).reshape(*T.shape, -1)
    return g[..., i] - g[..., parent]


def critical_radius_nm(p: ModelParameters, product: str, temperature_K) -> np.ndarray:
    """r* = sigma / |Delta g| [nm]; inf where the product is not favoured."""
    dg = driving_force_J_m3(p, product, temperature_K)
    sigma = p.interface_energy(p.crystallization_parent, product)
    with np.errstate(divide="ignore"):
        return np.where(dg < 0.0, sigma / np.abs(dg) * 1e9, np.inf)


def rate_per_m2_s(p: ModelParameters, product: str, temperature_K) -> np.ndarray:
    """J = J0 exp(-a pi sigma^2 / (|Delta g| kT)) per area of parent [1/(m^2 s)]; 0 where Delta g >= 0."""
    T = np.asarray(temperature_K, dtype=float)
    dg = driving_force_J_m3(p, product, T)
    sigma = p.interface_energy(p.crystallization_parent, product)
    with np.errstate(divide="ignore", over="ignore"):
        barrier = np.where(dg < 0.0, p.nucleus_thickness_nm * 1e-9 * np.pi * sigma**2 / np.abs(dg), np.inf)
        return p.crystallization_prefactor_per_m2_s * np.exp(-barrier / (BOLTZMANN * T))


def sample_crystal_nuclei(
    rng: np.random.Generator,
    p: ModelParameters,
    products: tuple[str, ...],
    h: np.ndarray,
    cell_area_nm2: float,
    t0_s: float,
    t1_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crystal nuclei formed in the parent during [t0, t1].

    Parameters
    ----------
    rng
        The run's generator (advanced only when the mean count is > 0).
    p
        Parameters (parent, rate, heating program).
    products
        The phases sampled (those of ``p.crystallization_products`` the run has slots for).
    h
        Phase fractions (phases, cells) at t1.
    cell_area_nm2
        Area of one cell [nm^2].
    t0_s, t1_s
        The interval [s].

    Returns
    -------
    products, cells, times_s
        Product phase index, cell and formation time [s] of each nucleus, sorted by time.
    """
    none = (np.empty(0, dtype=int), np.empty(0, dtype=int), np.empty(0))
    parent = np.clip(h[PHASES.index(p.crystallization_parent)], 0.0, None)
    area_m2 = float(parent.sum()) * cell_area_nm2 * 1e-18
    if p.crystallization_prefactor_per_m2_s == 0.0 or not area_m2 > 0.0 or not products:
        return none
    s = time_nodes(p, t0_s, t1_s)
    T = np.array([p.temperature_K(t) for t in s])
    rates = np.array([rate_per_m2_s(p, product, T) for product in products])  # (products, nodes)
    J = rates.sum(axis=0)
    shares = trapezoid(rates, s, axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (J[1:] + J[:-1]) * np.diff(s))]) * area_m2
    if not cumulative[-1] > 0.0:
        return none
    count = rng.poisson(cumulative[-1])
    if count == 0:
        return none
    kinds = rng.choice(len(products), size=count, p=shares / shares.sum())
    cells = rng.choice(parent.size, size=count, p=parent / parent.sum())
    times = np.interp(rng.uniform(0.0, cumulative[-1], count), cumulative, s)
    order = np.argsort(times)
    product_index = np.array([PHASES.index(name) for name in products])
    return product_index[kinds[order]], cells[order], times[order]
