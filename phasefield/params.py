"""Model parameters in physical units, validated on construction.

One frozen dataclass, :class:`ModelParameters`, carries every number the solver
uses, in SI-like units at the edges (nm, s, K or degC where the name says so,
J/m^2, J/m^3, m^2/s, m^4/(J s)). Scenarios subclass it to add their geometry.
It is converted once to dimensionless solver units by :class:`SolverUnits`.

Defaults are estimates chosen to reproduce the paper's time (seconds) and size
(tens of nm) scales, not measured material constants; README.md says how they
were calibrated. Users replace them with ``--set key=value`` or a TOML file.

Overrides are parsed by :func:`apply_overrides`: ``key=value`` for scalars,
comma-separated lists for tuples, and ``key.A/B=value`` for one entry of a
pair mapping such as ``interface_energy_J_m2``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .phases import PHASES, SUBSTRATE, SURROUNDINGS, pair_key, parse_pair_key, phase_index

GAS_CONSTANT = 8.314462618  # J/(mol K), CODATA 2018 exact
BOLTZMANN = 1.380649e-23  # J/K, SI exact
ZERO_CELSIUS = 273.15


def _frozen_map(d: Mapping[str, float]) -> types.MappingProxyType:
    return types.MappingProxyType(dict(d))


_DEFAULT_ENERGIES = {
    # Surface energies (against the surroundings): estimates for oxide and
    # phosphate surfaces. No measured values for these phases were found.
    "surroundings/amorphous": 0.3,
    "surroundings/NH4VO3": 0.5,
    "surroundings/NaH2PO4": 0.45,
    "surroundings/NVP": 0.6,
    "surroundings/NZSP": 0.8,
    # Interphase boundaries. The epitaxial NH4VO3/NVP interface is semi-coherent
    # (8 % misfit after 3:2 coincidence, paper Fig. 4) and cheaper than a
    # random boundary.
    "NH4VO3/NVP": 0.2,
    "NaH2PO4/NVP": 0.3,
    "NH4VO3/NaH2PO4": 0.4,
    # Particles wet the electrolyte (they attach to NZSP, paper Fig. 1a-d).
    "amorphous/NZSP": 0.3,
    "NH4VO3/NZSP": 0.35,
    "NaH2PO4/NZSP": 0.35,
    "NVP/NZSP": 0.3,
}

_DEFAULT_MOBILITIES = {
    # Interface mobilities at the reference temperature, m^4/(J s).
    # NH4VO3 keeps its outline (paper Fig. 3): its free surface barely moves.
    "surroundings/NH4VO3": 2e-20,
    # NVP reshapes slowly (Fig. 5f); moving it needs V, which barely moves.
    "surroundings/NVP": 4e-19,
    "surroundings/NaH2PO4": 2e-17,
    "surroundings/amorphous": 2e-18,
    # The reaction front: fast, scaled by the V-site overlap.
    "NH4VO3/NVP": 2e-17,
    # NVP does not grow along NaH2PO4; NaH2PO4 diffuses into NVP (Fig. 5).
    "NaH2PO4/NVP": 2e-18,
    "NH4VO3/NaH2PO4": 2e-18,
}

_DEFAULT_DIFFUSIVITIES = {
    # NaH2PO4 transport (the only mobile species, paper Fig. 5), m^2/s.
    "surroundings": 0.0,
    "amorphous": 1e-17,
    "NH4VO3": 1e-19,
    "NaH2PO4": 2e-16,
    "NVP": 5e-17,
    "NZSP": 0.0,
}


@dataclass(frozen=True)
class ModelParameters:
    """Every physical parameter of the phase-field model.

    Parameters
    ----------
    domain_nm
        Size of the simulation box along x, y (, z) [nm].
    grid
        Number of cells along x; the other directions use the same spacing.
    interface_width_nm
        Common diffuse-interface width l of every pair (1/|d eta/dx| at the
        centre) [nm]; must span at least 2 cells.
    start_temperature_C, ramp_K_per_s, hold_temperature_C
        Heating program: linear ramp from the start to the hold temperature
        [degC, K/s, degC].
    duration_s, output_interval_s
        Simulated time and spacing of output frames [s].
    critical_temperature_K
        T_c above which NVP is stable relative to the precursors [K].
    reaction_entropy_J_m3K
        dS of dG_NVP(T) = dS (T_c - T) per volume [J/(m^3 K)].
    crystallization_temperature_K, crystallization_entropy_J_m3K
        Same for the amorphous precursor relative to the crystalline
        precursors: g_am = dS_x (T - T_x).
    chemical_stiffness_J_m3
        Curvature A of the parabolic phase free energies in c [J/m^3].
    interface_energy_J_m2
        Pair interface energies, keys "A/B" [J/m^2]; missing pairs use
        ``default_interface_energy_J_m2``.
    interface_mobility_m4_Js
        Pair interface mobilities at ``reference_temperature_K``
        [m^4/(J s)]; missing pairs use ``default_interface_mobility_m4_Js``.
    mobility_activation_J_mol, diffusion_activation_J_mol
        Arrhenius activation energies [J/mol].
    reference_temperature_K
        Temperature at which mobilities and diffusivities are given [K].
    diffusivity_m2_s
        Bulk diffusivity of the NaH2PO4 fraction in each phase [m^2/s].
    boundary_diffusivity_m2_s, surface_diffusivity_m2_s
        Extra diffusivity along condensed/condensed boundaries and along
        condensed/surroundings surfaces [m^2/s].
    v_site_overlap
        Fraction of interface V sites of NH4VO3 matched in NVP (atomistic);
        scales the NH4VO3/NVP mobility.
    phase_facet_angles_deg, phase_facet_normals, phase_facet_energies
        Facet anisotropy per phase: outward facet normals in the crystal frame
        (2D: angles, degrees CCW from the crystal x axis; 3D: ``phase_facet_normals``
        as flattened x, y, z triples) and relative energies. A phase without an
        entry is isotropic. Each grain rotates its phase's facets by its
        orientation (:mod:`phasefield.anisotropy`).
    facet_sharpness
        Regularization exponent p of the convex gamma (larger: sharper corners).
    facet_stabilization
        S / max_flux_stiffness of a faceted grain: an implicit isotropic
        diffusion kappa S, cancelled by the same term applied explicitly to the
        latest iterate, damps the grid-scale noise of FiPy's explicit
        tangential flux along facets (0 switches it off).
    nucleation_prefactor_per_m_s
        J0 of the NVP nucleation rate per length of NH4VO3/NaH2PO4 contact
        [1/(m s)]. The barrier has no energy of its own: it is that of the
        lens between the precursors built from the pair energies
        ``interface_energy_J_m2`` (:mod:`phasefield.nucleation`).
    nucleus_thickness_nm
        Height a of the 2D lens nucleus in the barrier a Sigma/|dg| [nm].
    nucleus_seed_scale
        Planted seed / critical lens (both arc radii). Must exceed the phase-field
        model's own critical size, which is larger than the sharp-interface lens
        for unequal pair energies, with facets and on small particles
        (:mod:`phasefield.nucleation`); 4 makes seeds grow from their first step
        in the small epitaxy test at 710 degC.
    nucleation_interval_s
        How often nucleation is sampled [s]; the rate is integrated over each
        interval and the seeds are planted at its end.
    seed
        Seed of the random generator (nucleation sampling).
    constant_measure_phase
        Grains of this phase keep their initial area (3D: volume) through a
        Lagrange multiplier (:mod:`phasefield.constraints`); "" for none.
    dt_initial_s, dt_max_s
        First and largest time step [s].
    time_tolerance
        Relative local error allowed per step: the step-doubling estimate of
        the error of every grain's area (3D: volume) over the largest area
        change of the step (:mod:`phasefield.stepper`). The default 0.1 keeps the
        measured observables within 3 % of their dt -> 0 limit (README "Accuracy").
    max_field_change
        Safety cap: largest change of any order parameter or of c accepted in one step.
    sweeps
        Most sweeps per step (each re-linearizes the coefficients about the
        latest iterate and solves the order parameters and c, Anderson-mixed);
        the sweeps stop when converged, and a step that needs more is retried
        smaller (:meth:`phasefield.stepper.Simulation.try_step`). 1: one
        linearized solve per step, no convergence check.
    backend
        "fast" (FiPy-built discretization, numpy-refreshed, scipy CG) or
        "fipy" (plain FiPy terms and solver).
    solver_tolerance
        Relative residual of the linear solves, ||r|| <= tol ||b|| (FiPy's
        "RHS" criterion). The right-hand side carries eta / dt, so the solve
        error is ~tol per cell whatever the step: at 1e-8 it was 1-2 % of a
        grain's area change per step at dt = 1e-3 s (epitaxy, grid 64, before
        T_c), a noise floor under the time-error estimate that drove dt toward
        zero. 1e-11 costs ~5 % more per step.
    """

    domain_nm: tuple[float, ...] = (64.0, 64.0)
    grid: int = 128
    interface_width_nm: float = 2.0

    start_temperature_C: float = 650.0
    ramp_K_per_s: float = 20.0
    hold_temperature_C: float = 710.0
    duration_s: float = 20.0
    output_interval_s: float = 0.5

    critical_temperature_K: float = 973.15
    reaction_entropy_J_m3K: float = 5e6
    crystallization_temperature_K: float = 873.15
    crystallization_entropy_J_m3K: float = 1e6
    chemical_stiffness_J_m3: float = 5e8

    interface_energy_J_m2: Mapping[str, float] = field(default_factory=lambda: _frozen_map(_DEFAULT_ENERGIES))
    default_interface_energy_J_m2: float = 0.4
    interface_mobility_m4_Js: Mapping[str, float] = field(default_factory=lambda: _frozen_map(_DEFAULT_MOBILITIES))
    default_interface_mobility_m4_Js: float = 2e-17
    mobility_activation_J_mol: float = 2.0e5
    reference_temperature_K: float = 973.15

    diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: _frozen_map(_DEFAULT_DIFFUSIVITIES))
    boundary_diffusivity_m2_s: float = 2e-16
    surface_diffusivity_m2_s: float = 0.0
    diffusion_activation_J_mol: float = 2.0e5

    v_site_overlap: float = 1.0

    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: _frozen_map({}))
    phase_facet_normals: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: _frozen_map({}))
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: _frozen_map({}))
    facet_sharpness: float = 30.0
    facet_stabilization: float = 0.25

    nucleation_prefactor_per_m_s: float = 5.6e14
    nucleus_thickness_nm: float = 0.5
    nucleus_seed_scale: float = 4.0
    nucleation_interval_s: float = 0.1
    seed: int = 0

    constant_measure_phase: str = ""

    dt_initial_s: float = 1e-3
    dt_max_s: float = 0.05
    time_tolerance: float = 0.1
    max_field_change: float = 0.1
    sweeps: int = 12
    backend: str = "fast"
    solver_tolerance: float = 1e-11

    def __post_init__(self) -> None:
        # Canonical, read-only mappings and float tuples, so that equal parameters compare equal.
        for name in ("interface_energy_J_m2", "interface_mobility_m4_Js"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ValueError(f"{name} = {value!r} is not allowed; allowed: a mapping 'A/B' -> number")
            object.__setattr__(self, name, _frozen_map({parse_pair_key(k): v for k, v in value.items()}))
        object.__setattr__(self, "diffusivity_m2_s", _frozen_map(self.diffusivity_m2_s))
        for name in ("phase_facet_angles_deg", "phase_facet_normals", "phase_facet_energies"):
            object.__setattr__(self, name, _frozen_map({k: tuple(float(x) for x in v) for k, v in getattr(self, name).items()}))
        object.__setattr__(self, "domain_nm", tuple(float(v) for v in self.domain_nm))
        _validate(self)

    # ---- derived quantities in physical units -------------------------------------------
    @property
    def dim(self) -> int:
        return len(self.domain_nm)

    @property
    def dx_nm(self) -> float:
        """Grid spacing [nm]."""
        return self.domain_nm[0] / self.grid

    @property
    def shape(self) -> tuple[int, ...]:
        """Cells along (x, y (, z))."""
        return tuple(max(1, round(L / self.dx_nm)) for L in self.domain_nm)

    def interface_energy(self, a: str, b: str) -> float:
        """Interface energy of the phase pair (a, b) [J/m^2]."""
        return self.interface_energy_J_m2.get(pair_key(a, b), self.default_interface_energy_J_m2)

    def interface_mobility(self, a: str, b: str, temperature_K: float) -> float:
        """Arrhenius interface mobility of the pair (a, b) at T [m^4/(J s)]."""
        mu = self.interface_mobility_m4_Js.get(pair_key(a, b), self.default_interface_mobility_m4_Js)
        if pair_key(a, b) == "NH4VO3/NVP":
            mu *= self.v_site_overlap
        return mu * _arrhenius(self.mobility_activation_J_mol, temperature_K, self.reference_temperature_K)

    def facets(self, phase: str):
        """The :class:`phasefield.anisotropy.FacetSet` of a phase, or None (isotropic)."""
        from .anisotropy import FacetSet

        if phase in self.phase_facet_normals:
            normals = [self.phase_facet_normals[phase][i : i + self.dim] for i in range(0, len(self.phase_facet_normals[phase]), self.dim)]
            return FacetSet(normals, self.phase_facet_energies[phase], self.facet_sharpness)
        if phase in self.phase_facet_angles_deg:
            return FacetSet.from_angles(self.phase_facet_angles_deg[phase], self.phase_facet_energies[phase], self.facet_sharpness)
        return None

    def diffusivity(self, phase: str, temperature_K: float) -> float:
        """Arrhenius bulk diffusivity of c in a phase at T [m^2/s]."""
        return self.diffusivity_m2_s.get(phase, 0.0) * self.diffusion_factor(temperature_K)

    def diffusion_factor(self, temperature_K: float) -> float:
        """Arrhenius factor exp(-Q/R (1/T - 1/T_ref)) of every diffusivity."""
        return _arrhenius(self.diffusion_activation_J_mol, temperature_K, self.reference_temperature_K)

    def temperature_K(self, time_s: float) -> float:
        """Temperature of the heating program at a time [K]."""
        start, hold = self.start_temperature_C, self.hold_temperature_C
        if self.ramp_K_per_s == 0.0 or start == hold:
            return hold + ZERO_CELSIUS
        t_ramp = abs(hold - start) / self.ramp_K_per_s
        frac = min(time_s / t_ramp, 1.0)
        return start + frac * (hold - start) + ZERO_CELSIUS

    def nvp_driving_force_J_m3(self, temperature_K: float) -> float:
        """dG_NVP(T) = dS (T_c - T) [J/m^3]; negative (favourable) above T_c."""
        return self.reaction_entropy_J_m3K * (self.critical_temperature_K - temperature_K)

    # ---- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every field."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Mapping):
                v = dict(v)
            elif isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out

    def __reduce__(self):
        # Read-only mappings do not pickle; rebuild (and re-validate) from plain values.
        return (_rebuild, (type(self), self.to_dict()))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        """Build from a dict such as :meth:`to_dict` gives (or a parsed TOML table)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"parameter(s) {', '.join(unknown)} unknown to {cls.__name__}; allowed: {', '.join(sorted(known))}")
        kwargs = {}
        hints = typing.get_type_hints(cls)
        for name, value in data.items():
            kwargs[name] = _coerce_whole(name, hints[name], value)
        return cls(**kwargs)

    @classmethod
    def from_toml(cls, path):
        """Read parameters from a TOML file (top-level keys are field names)."""
        import tomllib

        with open(path, "rb") as fh:
            return cls.from_dict(tomllib.load(fh))


def _rebuild(cls, data):
    return cls.from_dict(data)


def _arrhenius(q_J_mol: float, T: float, T_ref: float) -> float:
    return math.exp(-q_J_mol / GAS_CONSTANT * (1.0 / T - 1.0 / T_ref))


def _coerce_whole(name: str, hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return tuple(float(v) if _is_float_tuple(hint) else v for v in value)
    if origin in (Mapping, dict) or hint is Mapping:
        if _mapping_of_tuples(hint):
            return _frozen_map({k: tuple(float(x) for x in v) for k, v in dict(value).items()})
        return _frozen_map({k: float(v) for k, v in dict(value).items()})
    return value


def _mapping_of_tuples(hint: Any) -> bool:
    args = typing.get_args(hint)
    return len(args) == 2 and typing.get_origin(args[1]) is tuple


def _is_float_tuple(hint: Any) -> bool:
    return float in typing.get_args(hint)


# ---- validation ------------------------------------------------------------------------------
def _require(cond: bool, name: str, value: Any, allowed: str) -> None:
    if not cond:
        raise ValueError(f"{name} = {value!r} is not allowed; allowed: {allowed}")


def _validate_nucleation(p: ModelParameters) -> None:
    """The nucleation inputs, each with its full allowed range (before the generic finiteness check)."""
    checks = (
        ("nucleation_prefactor_per_m_s", lambda v: v >= 0, "a finite number >= 0 1/(m s) (0: no nucleation)"),
        ("nucleus_thickness_nm", lambda v: v > 0, "a finite number > 0 nm"),
        ("nucleus_seed_scale", lambda v: v > 1, "a finite number > 1 (the seed must be larger than the critical nucleus)"),
        ("nucleation_interval_s", lambda v: v > 0, "a finite number > 0 s"),
    )
    for name, ok, allowed in checks:
        v = getattr(p, name)
        _require(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and ok(v), name, v, allowed)


def _validate(p: ModelParameters) -> None:
    _validate_nucleation(p)
    for f in fields(p):
        v = getattr(p, f.name)
        if isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
            _require(math.isfinite(v), f.name, v, "a finite number")
    _require(len(p.domain_nm) in (2, 3), "domain_nm", p.domain_nm, "2 or 3 lengths in nm (x, y[, z])")
    _require(all(L > 0 for L in p.domain_nm), "domain_nm", p.domain_nm, "positive lengths in nm")
    _require(isinstance(p.grid, int) and p.grid >= 8, "grid", p.grid, "an integer >= 8 (cells along x)")
    cells = p.interface_width_nm / p.dx_nm
    _require(
        cells >= 2.0,
        "interface_width_nm",
        p.interface_width_nm,
        f">= 2 grid cells = {2 * p.dx_nm:.3g} nm at grid {p.grid} over {p.domain_nm[0]} nm (raise grid or the width)",
    )
    for name in ("start_temperature_C", "hold_temperature_C"):
        _require(getattr(p, name) > -ZERO_CELSIUS, name, getattr(p, name), "> -273.15 degC (above absolute zero)")
    for name in ("critical_temperature_K", "crystallization_temperature_K", "reference_temperature_K"):
        _require(getattr(p, name) > 0, name, getattr(p, name), "> 0 K")
    _require(p.ramp_K_per_s >= 0, "ramp_K_per_s", p.ramp_K_per_s, ">= 0 K/s (0 = start at the hold temperature)")
    _require(p.duration_s > 0, "duration_s", p.duration_s, "> 0 s")
    _require(0 < p.output_interval_s <= p.duration_s, "output_interval_s", p.output_interval_s, f"in (0, duration_s = {p.duration_s}] s")
    _require(p.reaction_entropy_J_m3K > 0, "reaction_entropy_J_m3K", p.reaction_entropy_J_m3K, "> 0 J/(m^3 K)")
    _require(p.crystallization_entropy_J_m3K >= 0, "crystallization_entropy_J_m3K", p.crystallization_entropy_J_m3K, ">= 0")
    _require(p.chemical_stiffness_J_m3 > 0, "chemical_stiffness_J_m3", p.chemical_stiffness_J_m3, "> 0 J/m^3")
    _check_pairs("interface_energy_J_m2", p.interface_energy_J_m2, lambda v: v > 0, "> 0 J/m^2")
    _require(p.default_interface_energy_J_m2 > 0, "default_interface_energy_J_m2", p.default_interface_energy_J_m2, "> 0 J/m^2")
    _check_pairs("interface_mobility_m4_Js", p.interface_mobility_m4_Js, lambda v: v > 0, "> 0 m^4/(J s) (a boundary must be able to move)")
    _require(p.default_interface_mobility_m4_Js > 0, "default_interface_mobility_m4_Js", p.default_interface_mobility_m4_Js, "> 0")
    for name in ("mobility_activation_J_mol", "diffusion_activation_J_mol"):
        _require(getattr(p, name) >= 0, name, getattr(p, name), ">= 0 J/mol")
    for phase, D in p.diffusivity_m2_s.items():
        phase_index(phase)
        _require(D >= 0, f"diffusivity_m2_s[{phase}]", D, ">= 0 m^2/s")
    condensed = [ph for ph in PHASES if ph not in (SURROUNDINGS, SUBSTRATE)]
    _require(
        any(p.diffusivity_m2_s.get(ph, 0.0) > 0 for ph in condensed) or p.boundary_diffusivity_m2_s > 0,
        "diffusivity_m2_s",
        dict(p.diffusivity_m2_s),
        "at least one condensed phase (or the boundaries) with D > 0",
    )
    for name in ("boundary_diffusivity_m2_s", "surface_diffusivity_m2_s"):
        _require(getattr(p, name) >= 0, name, getattr(p, name), ">= 0 m^2/s")
    _require(0 < p.v_site_overlap <= 1, "v_site_overlap", p.v_site_overlap, "in (0, 1]")
    _require(p.facet_sharpness >= 2, "facet_sharpness", p.facet_sharpness, ">= 2")
    _require(p.facet_stabilization >= 0, "facet_stabilization", p.facet_stabilization, ">= 0")
    for name in ("phase_facet_angles_deg", "phase_facet_normals"):
        for phase in getattr(p, name):
            phase_index(phase)
            _require(phase in p.phase_facet_energies, f"phase_facet_energies[{phase}]", None, f"relative energies for the facets of {name}[{phase}]")
    for phase in p.phase_facet_energies:
        phase_index(phase)
        _require(phase in p.phase_facet_angles_deg or phase in p.phase_facet_normals, f"phase_facet_angles_deg[{phase}]", None, f"facet normals for phase_facet_energies[{phase}]")
        try:
            p.facets(phase)
        except ValueError as err:
            raise ValueError(f"facets of {phase} (phase_facet_angles_deg / phase_facet_normals / phase_facet_energies): {err}") from None
    _require(isinstance(p.seed, int) and p.seed >= 0, "seed", p.seed, "an integer >= 0")
    _require(0 < p.dt_initial_s <= p.dt_max_s, "dt_initial_s", p.dt_initial_s, f"in (0, dt_max_s = {p.dt_max_s}] s")
    _require(0 < p.time_tolerance <= 0.5, "time_tolerance", p.time_tolerance, "in (0, 0.5] (relative local error per step)")
    _require(0 < p.max_field_change <= 0.5, "max_field_change", p.max_field_change, "in (0, 0.5]")
    _require(p.constant_measure_phase in ("", *PHASES), "constant_measure_phase", p.constant_measure_phase, f"'' or one of {', '.join(PHASES)}")
    _require(isinstance(p.sweeps, int) and 1 <= p.sweeps <= 50, "sweeps", p.sweeps, "an integer in [1, 50]")
    _require(p.backend in ("fast", "fipy"), "backend", p.backend, "'fast' or 'fipy'")
    _require(0 < p.solver_tolerance < 1e-2, "solver_tolerance", p.solver_tolerance, "in (0, 1e-2)")


def _check_pairs(name: str, mapping: Mapping[str, float], ok, allowed: str) -> None:
    for key, v in mapping.items():
        _require(isinstance(v, (int, float)) and math.isfinite(v) and ok(v), f"{name}[{key}]", v, allowed)


# ---- overrides -------------------------------------------------------------------------------
def apply_overrides(params, overrides: Mapping[str, str] | list[str]):
    """Return a copy of a parameter object with ``key=value`` overrides applied.

    Parameters
    ----------
    params
        A frozen :class:`ModelParameters` (or a scenario subclass).
    overrides
        ``["key=value", ...]`` or ``{"key": "value"}``. Tuples take
        comma-separated values; one pair of a mapping is set with
        ``key.A/B=value``.

    Raises
    ------
    ValueError
        Naming the key, the value and what is allowed, for a malformed item, an
        unknown key, a value of the wrong type, or one refused by validation.

    Examples
    --------
    >>> p = apply_overrides(ModelParameters(), ["hold_temperature_C=720", "domain_nm=32,32"])
    >>> p.hold_temperature_C, p.domain_nm
    (720.0, (32.0, 32.0))
    """
    if not isinstance(overrides, Mapping):
        items = {}
        for item in overrides:
            if "=" not in item:
                raise ValueError(f"override {item!r} is malformed; allowed: key=value (lists comma-separated, pairs as key.A/B=value)")
            k, v = item.split("=", 1)
            items[k.strip()] = v.strip()
        overrides = items
    hints = typing.get_type_hints(type(params))
    changes: dict[str, Any] = {}
    for key, text in overrides.items():
        name, _, sub = key.partition(".")
        if name not in hints:
            raise ValueError(f"override key {name!r} is unknown; allowed: {', '.join(sorted(hints))}")
        hint = hints[name]
        if sub:
            if typing.get_origin(hint) is not Mapping and hint is not Mapping:
                raise ValueError(f"override {key!r}: {name} is not a mapping; write {name}=value")
            current = dict(changes.get(name, getattr(params, name)))
            entry = parse_pair_key(sub) if "/" in sub else (phase_index(sub), sub)[1]
            if _mapping_of_tuples(hint):
                current[entry] = tuple(_parse_scalar(key, t.strip(), float) for t in text.split(","))
            else:
                current[entry] = _parse_scalar(key, text, float)
            changes[name] = _frozen_map(current)
        else:
            changes[name] = _parse_value(name, hint, text)
    return dataclasses.replace(params, **changes)


def _parse_value(name: str, hint: Any, text: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        elem = args[0] if args else str
        if text.strip() == "":
            return ()
        return tuple(_parse_scalar(name, t.strip(), elem) for t in text.split(","))
    if origin is Mapping or hint is Mapping:
        raise ValueError(f"override {name!r} is a mapping; set one entry with {name}.A/B=value")
    return _parse_scalar(name, text, hint)


def _parse_scalar(name: str, text: str, kind: Any) -> Any:
    try:
        if kind is bool:
            low = text.lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        return text
    except ValueError:
        raise ValueError(f"override {name} = {text!r} is not a valid {getattr(kind, '__name__', kind)}") from None


# ---- solver units ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SolverUnits:
    """Scales that make the equations dimensionless.

    Length: the grid spacing dx. Energy density: E0 = sigma_ref / l with
    sigma_ref the largest pair energy. Time: tau0 = 1 / (L_ref E0) with
    L_ref = 4 mu_ref / (3 l) the Allen-Cahn mobility of the reference
    interface mobility (Moelans et al., PRB 78 (2008) 024113, gamma = 1.5).
    """

    length_m: float
    energy_J_m3: float
    time_s: float

    @classmethod
    def from_parameters(cls, p: ModelParameters) -> "SolverUnits":
        l_m = p.interface_width_nm * 1e-9
        sigma_ref = max([p.default_interface_energy_J_m2, *p.interface_energy_J_m2.values()])
        mu_ref = p.default_interface_mobility_m4_Js
        E0 = sigma_ref / l_m
        L_ref = 4.0 * mu_ref / (3.0 * l_m)
        return cls(length_m=p.dx_nm * 1e-9, energy_J_m3=E0, time_s=1.0 / (L_ref * E0))
