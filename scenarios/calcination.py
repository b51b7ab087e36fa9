"""The ex situ calcination: 740 degC for 4 h converts the limiting precursor into NVP (paper Fig. S8, S9; O10).

The as-prepared pellet (paper 4.3: NVP precursor infiltrated into NZSP, calcined at 740 degC in
Ar-4 % H2 for 4 h) seen as a row of precursor particles on a flat NZSP surface: NH4VO3 and
NaH2PO4 discs (NH4VO3 radius 4 nm) alternating and touching, ``particles_per_precursor`` of each,
V and P units near the NVP ratio 2:3 with ``limiting_precursor`` (NaH2PO4 by default, the mobile
species of the paper) short by ``excess_fraction`` (10 %) of the other: the NaH2PO4 radius is
the one whose painted units on the run's grid are in that ratio. The precursor starts
crystalline (the amorphous precursor crystallizes below T_c, scenario ``crystallization``; not
repeated here). The furnace heats at 10 K/min (the paper gives no rate: a common furnace rate, a
choice) from T_c = 700 degC (below it the particles only sinter and wet NZSP, scenarios
``coalescence`` and ``wetting``; starting lower costs ~10 wall s per simulated s of that) to
740 degC and holds 4 h (``hold_s`` = 14400 s); ``duration_s`` = ramp + hold is derived.
NVP nucleates at the NH4VO3/NaH2PO4 contacts once T > T_c (:mod:`phasefield.model.nucleation`)
and grows until the limiting precursor is used up. Isotropic interfaces (no facets: they would
triple the cost of a step and the pattern does not depend on them).

Time acceleration (``time_acceleration`` A, default 100). Multiplying every kinetic coefficient
(interface mobilities, bulk, boundary and surface diffusivities, both nucleation prefactors) and
the heating rate by A, and dividing every time of the program by A, is exactly the model run in
time tau = t / A (every rate is per unit time; the solver's time unit is 1 / (L_ref E0), so the
dimensionless equations are the same). The model's numerics also carry times: the first and
largest step (``dt_initial_s``, ``dt_max_s``) and the nucleation sampling interval
(``nucleation_interval_s``), which the package sets for the in situ runs of seconds. Keeping those
in model time is all that the acceleration changes; so this scenario runs in physical time and
multiplies those three by A (``derived``: 0.1 s, 5 s, 10 s at A = 100). The output's ``time`` is
physical time. The equivalence is tested (the accelerated physics against the rescaled model,
``tests/scenarios/test_calcination.py``). What it costs in accuracy: a nucleus is planted up to
A x 0.1 s (10 s) after its formation time (the rate integral and the formation times are exact);
the step error control (``time_tolerance``) is unchanged. Refused: an A that would skip a stage,
i.e. whose nucleation sampling interval would be longer than a tenth of the ramp from T_c to the
hold temperature, where NVP nucleates (:data:`SAMPLES_PER_STAGE`; A <= 240 at 10 K/min), or any
A > 1 with no ramp above T_c.

Stop: the run ends at the end of the hold, or at the first frame where the limiting precursor
dominates no cell (only diffuse interface tails are left of it) and its phase holds less than
``stop_fraction`` (2 %) of the units of its species (the units of each cell
shared among the phases that hold units by their eta^2, :func:`holder_weights`, over the conserved
``amount``); ``conversion_end_s``
says when that was.

Powder XRD (Cu K-alpha) of the first and the last frame, written with the run: each crystalline
phase present (dominant in at least one cell) weighted by its area fraction of the condensed
matter times :func:`atomistic.powder_xrd` (relative intensities, 100 for each phase's strongest
peak), each peak a Gaussian of ``xrd_fwhm_deg`` (0.1 deg) FWHM on a 0.01 deg grid. NH4VO3 and
NaH2PO4 have no bundled atoms: their peak positions are listed (``xrd_peak_*``) with NaN intensity
and they add nothing to the pattern (flag ``xrd_intensity_known``).

With the defaults (44 x 18 cells, ~4 min on 2 shared cores) NVP nucleates at ~708 degC on the ramp
and the run stops at 80 s (713 degC) with NVP holding 98.8 % of the P units: the nm particles convert
long before the hold (README, Scenarios).

What to look at: ``phase_area`` (NaH2PO4 -> 0, NVP grows), ``T`` (ramp, hold), ``nvp_share``
(time, species: the share of each species' units in NVP), ``limiting_left``,
``conversion_end_s``; ``xrd_pattern`` (xrd_time, two_theta) against Fig. S8, ``xrd_phase_fraction``
and the peak list ``xrd_peak_*`` (phase, 2 theta, d, hkl).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import brentq

import atomistic
import phasefield
from phasefield import Disc, Grain, HalfSpace, Microstructure, ModelParameters
from phasefield.model.grains import build_fields
from phasefield.model.phases import DENSITY, SUBSTRATE, SURROUNDINGS
from phasefield.model.values import ParameterError, frozen_map

from .registry import Scenario, with_outputs

PRECURSORS = ("NH4VO3", "NaH2PO4")
SPECIES_OF = {"NH4VO3": 0, "NaH2PO4": 1}
"""The species index (V-bearing 0, P-bearing 1) each precursor holds."""
P_PER_V = 1.5
"""P-bearing per V-bearing units of NVP, 2 NH4VO3 + 3 NaH2PO4 -> Na3V2(PO4)3."""
CRYSTALLINE = ("NH4VO3", "NaH2PO4", "NVP", "NZSP")

SAMPLES_PER_STAGE = 10
"""Fewest nucleation samples over the ramp from T_c to the hold temperature (a choice): the onset
of nucleation is then placed within a tenth of that stage."""

SINK = 0.2
"""Depth of each particle below the NZSP surface, as a fraction of its radius (a choice: particles
attached to the surface, paper Fig. 1a-d)."""

ACCELERATED = ("dt_initial_s", "dt_max_s", "nucleation_interval_s")
"""The numerics' times of :class:`ModelParameters`, multiplied by ``time_acceleration``."""

XRD_RANGE_DEG = (10.0, 60.0)
XRD_STEP_DEG = 0.01


def _model_default(name: str) -> float:
    return next(f for f in fields(ModelParameters) if f.name == name).default


@dataclass(frozen=True)
class CalcinationParameters(ModelParameters):
    """Defaults of the calcination scenario.

    Parameters
    ----------
    nh4vo3_radius_nm
        Radius of each NH4VO3 particle [nm].
    nah2po4_radius_nm
        Derived: the NaH2PO4 radius whose painted units (on the run's grid) are in the ratio that
        ``limiting_precursor`` and ``excess_fraction`` set.
    particles_per_precursor
        NH4VO3 particles, and as many NaH2PO4 ones, in a row, alternating.
    limiting_precursor
        The precursor short of the NVP ratio; the other has ``excess_fraction`` more units than
        it needs.
    excess_fraction
        Surplus of the other precursor over 2:3, as a fraction of what NVP takes.
    contact_overlap_nm
        How far neighbouring discs overlap [nm].
    substrate_height_nm
        Height of the NZSP surface [nm].
    nvp_slots
        Order-parameter slots of NVP (reassignment on: each holds several grains).
    hold_s
        Hold at ``hold_temperature_C`` after the ramp [s] (paper: 4 h); ``duration_s`` (derived) = ramp + hold.
    time_acceleration
        A: ``dt_initial_s``, ``dt_max_s`` and ``nucleation_interval_s`` (derived) are A times the
        :class:`ModelParameters` defaults (module docstring).
    stop_fraction
        The run stops at the first frame where the limiting precursor's phase holds less than
        this share of its species' units and dominates no cell.
    xrd_fwhm_deg
        FWHM of the Gaussian of each simulated peak [degree 2 theta].
    """

    nh4vo3_radius_nm: float = 4.0
    particles_per_precursor: int = 2
    limiting_precursor: str = "NaH2PO4"
    excess_fraction: float = 0.1
    contact_overlap_nm: float = 1.0
    substrate_height_nm: float = 4.0
    nvp_slots: int = 2
    hold_s: float = 4 * 3600.0
    time_acceleration: float = 100.0
    stop_fraction: float = 0.02
    xrd_fwhm_deg: float = 0.1
    domain_nm: tuple[float, ...] = (44.0, 18.0)
    grid: int = 44
    start_temperature_C: float = 700.0
    ramp_K_per_s: float = 10.0 / 60.0
    hold_temperature_C: float = 740.0
    output_interval_s: float = 10.0
    grain_reassignment: bool = True
    nah2po4_radius_nm: float = field(default=0.0, init=False)
    duration_s: float = field(default=0.0, init=False)
    dt_initial_s: float = field(default=0.0, init=False)
    dt_max_s: float = field(default=0.0, init=False)
    nucleation_interval_s: float = field(default=0.0, init=False)

    dimensions: ClassVar[tuple[int, ...]] = (2,)
    derived_from: ClassVar = frozen_map(
        {
            "nah2po4_radius_nm": "nh4vo3_radius_nm, limiting_precursor and excess_fraction (the painted units in that ratio)",
            "duration_s": "the heating program: (hold_temperature_C - start_temperature_C) / ramp_K_per_s + hold_s",
            **{name: "time_acceleration (A x the ModelParameters default)" for name in ACCELERATED},
        }
    )

    def _derive(self) -> None:
        self._check_scenario()
        for name in ACCELERATED:
            object.__setattr__(self, name, self.time_acceleration * _model_default(name))
        object.__setattr__(self, "duration_s", self.ramp_s + self.hold_s)

    @property
    def ramp_s(self) -> float:
        """Duration of the heating ramp [s] (0 without one)."""
        if self.ramp_K_per_s == 0.0:
            return 0.0
        return abs(self.hold_temperature_C - self.start_temperature_C) / self.ramp_K_per_s

    @property
    def nucleation_stage_s(self) -> float:
        """Duration of the ramp from T_c (or the start, if above it) to the hold temperature [s]."""
        tc_C = self.critical_temperature_K - 273.15
        if self.ramp_K_per_s == 0.0 or self.hold_temperature_C <= tc_C:
            return 0.0
        return (self.hold_temperature_C - max(self.start_temperature_C, tc_C)) / self.ramp_K_per_s

    def __post_init__(self) -> None:
        super().__post_init__()
        self._check_layout(self.radii_nm(self.nh4vo3_radius_nm * math.sqrt(self.p_per_v)))
        object.__setattr__(self, "nah2po4_radius_nm", _nah2po4_radius(self))
        self._check_layout(self.radii_nm())

    def _check_scenario(self) -> None:
        """The scenario's own numbers, before the derived times are computed from them."""
        if not (math.isfinite(self.time_acceleration) and self.time_acceleration >= 1.0):
            raise ParameterError(f"time_acceleration = {self.time_acceleration!r} is not allowed; allowed: a finite number >= 1")
        if not (math.isfinite(self.hold_s) and self.hold_s > 0):
            raise ParameterError(f"hold_s = {self.hold_s!r} is not allowed; allowed: a finite number > 0 s")
        if self.limiting_precursor not in PRECURSORS:
            raise ParameterError(f"limiting_precursor = {self.limiting_precursor!r} is not allowed; allowed: one of {', '.join(PRECURSORS)}")
        if not 0.0 < self.excess_fraction <= 1.0:
            raise ParameterError(f"excess_fraction = {self.excess_fraction!r} is not allowed; allowed: in (0, 1] (the other precursor's surplus over 2:3)")
        if not 0.0 < self.stop_fraction < 1.0:
            raise ParameterError(f"stop_fraction = {self.stop_fraction!r} is not allowed; allowed: in (0, 1)")
        if not 1 <= self.particles_per_precursor <= 8:
            raise ParameterError(f"particles_per_precursor = {self.particles_per_precursor!r} is not allowed; allowed: an integer in [1, 8]")
        if not 1 <= self.nvp_slots <= 16:
            raise ParameterError(f"nvp_slots = {self.nvp_slots!r} is not allowed; allowed: an integer in [1, 16]")
        if not 0.0 < self.xrd_fwhm_deg <= 2.0:
            raise ParameterError(f"xrd_fwhm_deg = {self.xrd_fwhm_deg!r} is not allowed; allowed: in (0, 2] degree")
        self._check_acceleration()

    def _check_acceleration(self) -> None:
        """Refuse an acceleration whose nucleation sampling would skip the nucleation stage."""
        A = self.time_acceleration
        stage = self.nucleation_stage_s
        interval = A * _model_default("nucleation_interval_s")
        if A == 1.0 or not math.isfinite(stage) or interval * SAMPLES_PER_STAGE <= stage * (1.0 + 1e-12):
            return  # a non-finite stage comes from a temperature or rate that validation refuses
        if stage == 0.0:
            raise ParameterError(
                f"time_acceleration = {A:g} is not allowed without a heating ramp above T_c (ramp_K_per_s = {self.ramp_K_per_s:g}, "
                f"hold_temperature_C = {self.hold_temperature_C:g}): nucleation would not be resolved; allowed: 1"
            )
        most = stage / (SAMPLES_PER_STAGE * _model_default("nucleation_interval_s"))
        raise ParameterError(
            f"time_acceleration = {A:g} is not allowed: nucleation would be sampled every {interval:g} s, fewer than {SAMPLES_PER_STAGE} times "
            f"over the {stage:g} s ramp from T_c to hold_temperature_C; allowed: 1 to {most:g} (or a slower ramp_K_per_s)"
        )

    def _check_layout(self, radii: tuple[float, ...]) -> None:
        """The row of discs of these radii fits the box, three interface widths from its walls (closer, the
        particles spreading on NZSP reach the walls within seconds and their order parameters dip below -0.05)."""
        need = (self.row_span_nm(radii) + 6 * self.interface_width_nm, self.substrate_height_nm + (2.0 - SINK) * max(radii) + 2 * self.interface_width_nm)
        if not self.nh4vo3_radius_nm >= 2 * self.interface_width_nm:
            raise ParameterError(f"nh4vo3_radius_nm = {self.nh4vo3_radius_nm!r} is not allowed; allowed: >= 2 x interface_width_nm = {2 * self.interface_width_nm} nm")
        if not 0 <= self.contact_overlap_nm < min(radii):
            raise ParameterError(f"contact_overlap_nm = {self.contact_overlap_nm!r} is not allowed; allowed: in [0, the smallest radius {min(radii):.3g}) nm")
        if not 2 * self.interface_width_nm <= self.substrate_height_nm:
            raise ParameterError(f"substrate_height_nm = {self.substrate_height_nm!r} is not allowed; allowed: >= 2 x interface_width_nm = {2 * self.interface_width_nm} nm")
        if self.domain_nm[0] < need[0] or self.domain_nm[1] < need[1]:
            raise ParameterError(f"domain_nm = {self.domain_nm} is too small for the particle row; allowed: at least ({need[0]:.1f}, {need[1]:.1f}) nm")

    @property
    def p_per_v(self) -> float:
        """P-bearing per V-bearing units of the precursors (NVP: 1.5)."""
        surplus = 1.0 + self.excess_fraction
        return P_PER_V / surplus if self.limiting_precursor == "NaH2PO4" else P_PER_V * surplus

    @property
    def phases(self) -> tuple[str, ...]:
        """The particles' phases along the row, NH4VO3 first."""
        return PRECURSORS * self.particles_per_precursor

    def radii_nm(self, nah2po4_radius_nm: float | None = None) -> tuple[float, ...]:
        """The particles' radii along the row [nm] (NaH2PO4: ``nah2po4_radius_nm``, default the derived one)."""
        r = {"NH4VO3": self.nh4vo3_radius_nm, "NaH2PO4": self.nah2po4_radius_nm if nah2po4_radius_nm is None else nah2po4_radius_nm}
        return tuple(r[ph] for ph in self.phases)

    def row_span_nm(self, radii: tuple[float, ...]) -> float:
        return 2 * sum(radii) - (len(radii) - 1) * self.contact_overlap_nm

    def order_parameter_fields(self) -> int:
        """Surroundings, the particles, NZSP, the NVP slots and the two species."""
        return 1 + len(self.phases) + 1 + self.nvp_slots + 2


def _row(p: CalcinationParameters, radii: tuple[float, ...]) -> Microstructure:
    """The particle row centred along x, each disc sunk ``SINK`` r into the NZSP surface."""
    x = 0.5 * (p.domain_nm[0] - p.row_span_nm(radii)) + radii[0]
    shapes = []
    for k, r in enumerate(radii):
        if k:
            x += radii[k - 1] + r - p.contact_overlap_nm
        shapes.append(Disc((x, p.substrate_height_nm + (1.0 - SINK) * r), r))
    return Microstructure(
        grains=(*(Grain(ph) for ph in p.phases), Grain(SUBSTRATE, fixed=True)),
        shapes=(*shapes, HalfSpace(p.substrate_height_nm)),
        empty_slots=("NVP",) * p.nvp_slots,
    )


def painted_p_per_v(p: CalcinationParameters, radii: tuple[float, ...]) -> float:
    """P- over V-bearing units of the row painted on the run's grid (diffuse interfaces included)."""
    centres = [(np.arange(n) + 0.5) * p.dx_nm for n in p.shape]
    coords = np.stack([c.ravel() for c in np.meshgrid(*centres, indexing="ij")])
    _, n = build_fields(_row(p, radii), coords, p.interface_width_nm)
    v, phosphorus = n.sum(axis=1)
    return float(phosphorus / v)


def _nah2po4_radius(p: CalcinationParameters) -> float:
    """The NaH2PO4 radius [nm] whose painted units give ``p_per_v`` (the sharp estimate sqrt(p_per_v) r_A,
    corrected for the diffuse interfaces on the grid)."""
    guess = p.nh4vo3_radius_nm * math.sqrt(p.p_per_v)

    def off(r: float) -> float:
        return painted_p_per_v(p, p.radii_nm(r)) - p.p_per_v

    low, high = 0.5 * guess, 1.5 * guess
    if off(low) * off(high) > 0:
        raise ParameterError(f"excess_fraction = {p.excess_fraction!r} is not allowed with nh4vo3_radius_nm = {p.nh4vo3_radius_nm}: no NaH2PO4 radius within 0.5-1.5 x {guess:.3g} nm gives P/V = {p.p_per_v:.4g}")
    return float(brentq(off, low, high, xtol=1e-6))


def microstructure(p: CalcinationParameters) -> Microstructure:
    """The particle row: NH4VO3 and NaH2PO4 discs alternating on the NZSP surface."""
    return _row(p, p.radii_nm())


# ---- conversion, from the conserved densities ---------------------------------------------------
def holder_weights(ds: xr.Dataset) -> xr.DataArray:
    """Each unit-holding phase's share of a cell, (..., phase, y, x): eta^2 of its slots over that of
    every slot of a phase that holds units (not the surroundings, not NZSP: their wells hold none, so
    the units in their diffuse interfaces belong to the particle); 0 where no such phase is."""
    phase_of = ds.grain_phase.values
    phases = [ph for ph in dict.fromkeys(phase_of) if any(DENSITY[ph])]
    eta2 = ds.eta**2
    parts = xr.concat([eta2.isel(grain=np.flatnonzero(phase_of == ph)).sum("grain") for ph in phases], dim="phase")
    total = parts.sum("phase")
    return (parts / total.where(total > 0)).fillna(0.0).assign_coords(phase=phases)


def units_in_phases(ds: xr.Dataset) -> xr.DataArray:
    """Integral of each holding phase's share of the units, (..., phase, species) [nm^2]."""
    cell = float((ds.x[1] - ds.x[0]) * (ds.y[1] - ds.y[0]))
    return (holder_weights(ds) * ds.n).sum(("y", "x")) * cell


def limiting_left(ds: xr.Dataset, p: CalcinationParameters) -> xr.DataArray:
    """The share of its species' units (the conserved ``amount``) that the limiting precursor's phase holds."""
    species = SPECIES_OF[p.limiting_precursor]
    return units_in_phases(ds).sel(phase=p.limiting_precursor).isel(species=species) / ds.amount.isel(species=species)


def dominates_somewhere(frame: xr.Dataset, phase: str) -> bool:
    """Whether ``phase`` is the dominant phase of at least one cell of a frame (its ``phase_map``)."""
    flags = dict(zip(frame.phase_map.attrs["flag_meanings"].split(), frame.phase_map.attrs["flag_values"]))
    return bool((frame.phase_map.values == flags[phase]).any())


def converted(p: CalcinationParameters):
    """The stop criterion for :func:`phasefield.run`'s ``until``: the limiting precursor holds less than
    ``stop_fraction`` of its species and dominates no cell (no particle of it is left, only the diffuse
    tails of interfaces)."""
    return lambda frame: limiting_left(frame, p).values.item() < p.stop_fraction and not dominates_somewhere(frame, p.limiting_precursor)


# ---- powder XRD --------------------------------------------------------------------------------
def peak_table(two_theta_max: float = XRD_RANGE_DEG[1]) -> xr.Dataset:
    """The peaks of every crystalline phase within the range: phase, 2 theta, d, hkl, relative intensity (NaN: no atoms)."""
    rows = []
    for ph in CRYSTALLINE:
        table = atomistic.powder_xrd(ph, two_theta_max, two_theta_min=XRD_RANGE_DEG[0])
        table["phase"] = ph
        rows.append(table)
    table = pd.concat(rows, ignore_index=True)
    hkl = [f"({h} {k} {l})" for h, k, l in zip(table.h, table.k, table.l)]
    return xr.Dataset(
        {
            "xrd_peak_phase": ("xrd_peak", table.phase.to_numpy(dtype=str), {"long_name": "phase of the peak"}),
            "xrd_peak_two_theta": ("xrd_peak", table.two_theta.to_numpy(), {"units": "degree", "long_name": "peak position 2 theta, Cu K-alpha"}),
            "xrd_peak_d": ("xrd_peak", table.d.to_numpy() / 10.0, {"units": "nm", "long_name": "d-spacing"}),
            "xrd_peak_hkl": ("xrd_peak", np.array(hkl, dtype=str), {"long_name": "reflection of the peak's strongest family"}),
            "xrd_peak_intensity": ("xrd_peak", table.intensity.to_numpy(), {"units": "1", "long_name": "relative intensity within its phase (100: strongest; NaN: no atom model)"}),
        }
    )


def crystalline_fractions(frame: xr.Dataset) -> np.ndarray:
    """Area fraction of the condensed matter of each of :data:`CRYSTALLINE` in one frame; 0 for a phase
    that dominates no cell (only the diffuse tail of an interface is left of it)."""
    area = frame.phase_area
    condensed = area.drop_sel(phase=SURROUNDINGS).sum("phase")
    return np.array([float(area.sel(phase=ph) / condensed) if dominates_somewhere(frame, ph) else 0.0 for ph in CRYSTALLINE])


def powder_pattern(fractions: np.ndarray, peaks: xr.Dataset, two_theta: np.ndarray, fwhm_deg: float) -> np.ndarray:
    """sum over phases of fraction x sum over peaks of I_rel x Gaussian(FWHM), scaled to 100 at its maximum
    (NaN intensities add nothing)."""
    sigma = fwhm_deg / (2.0 * math.sqrt(2.0 * math.log(2.0)))
    weight = dict(zip(CRYSTALLINE, fractions))
    w = np.array([weight[ph] for ph in peaks.xrd_peak_phase.values]) * np.nan_to_num(peaks.xrd_peak_intensity.values)
    keep = w > 0
    offset = two_theta[:, None] - peaks.xrd_peak_two_theta.values[keep][None, :]
    pattern = (w[keep] * np.exp(-0.5 * (offset / sigma) ** 2)).sum(axis=1)
    return 100.0 * pattern / pattern.max() if pattern.max() > 0 else pattern


def xrd(ds: xr.Dataset, fwhm_deg: float, times: tuple[int, ...] = (0, -1)) -> xr.Dataset:
    """The XRD outputs of the frames ``times`` (indices): phase fractions, pattern and the peak list."""
    peaks = peak_table()
    two_theta = np.round(np.arange(XRD_RANGE_DEG[0], XRD_RANGE_DEG[1] + 0.5 * XRD_STEP_DEG, XRD_STEP_DEG), 6)
    fractions = np.array([crystalline_fractions(ds.isel(time=t)) for t in times])
    patterns = np.array([powder_pattern(f, peaks, two_theta, fwhm_deg) for f in fractions])
    known = np.array([np.isfinite(peaks.xrd_peak_intensity.values[peaks.xrd_peak_phase.values == ph]).all() for ph in CRYSTALLINE]).astype(np.int8)
    out = xr.Dataset(
        {
            "xrd_phase_fraction": (("xrd_time", "crystal_phase"), fractions, {"units": "1", "long_name": "area fraction of the condensed matter (0: dominant in no cell)"}),
            "xrd_intensity_known": ("crystal_phase", known, {"units": "1", "long_name": "1: atom model, intensities computed; 0: positions only"}),
            "xrd_pattern": (("xrd_time", "two_theta"), patterns, {"units": "1", "long_name": f"simulated powder pattern, Cu K-alpha, Gaussian FWHM {fwhm_deg:g} deg, 100 at its maximum"}),
        },
        coords={
            "xrd_time": ("xrd_time", ds.time.values[list(times)], {"units": "s", "long_name": "time of the frame of the pattern"}),
            "crystal_phase": list(CRYSTALLINE),
            "two_theta": ("two_theta", two_theta, {"units": "degree", "long_name": "diffraction angle 2 theta"}),
        },
    )
    return out.merge(peaks)


def run(p: CalcinationParameters, out=None, **options) -> xr.Dataset:
    ds = phasefield.run(p, microstructure(p), out, until=converted(p), **options)
    left = limiting_left(ds, p)
    shares = units_in_phases(ds).sel(phase="NVP") / ds.amount
    ended = float(ds.time.values[-1]) if converted(p)(ds.isel(time=[-1])) else math.nan
    extra = xr.Dataset(
        {
            "nvp_share": (("time", "species"), shares.values, {"units": "1", "long_name": "share of each species' units held by NVP (see holder_weights)"}),
            "limiting_left": ("time", left.values, {"units": "1", "long_name": f"units of {p.limiting_precursor} in its phase over those at the start"}),
            "conversion_end_s": ((), ended, {"units": "s", "long_name": f"time the run stopped with {p.limiting_precursor} below stop_fraction (NaN: not reached)"}),
        }
    ).merge(xrd(ds, p.xrd_fwhm_deg))
    return with_outputs(ds, extra, out)


SCENARIO = Scenario(
    name="calcination",
    summary="Fig. S8, S9: the ex situ anneal, 740 degC for 4 h (accelerated), converts the limiting precursor into NVP; powder XRD of the result",
    parameters=CalcinationParameters,
    run=run,
)
