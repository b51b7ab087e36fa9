"""Model parameters in physical units, validated on construction.

One frozen dataclass, :class:`ModelParameters`, carries every number the solver
uses, in SI-like units at the edges (nm, s, K or degC where the name says so,
J/m^2, J/m^3, m^2/s, m^4/(J s)). Scenarios subclass it to add their geometry.
It is converted once to dimensionless solver units by :class:`phasefield.numerics.units.SolverUnits`.

Defaults are estimates chosen to reproduce the paper's time (seconds) and size
(tens of nm) scales, not measured material constants; README.md says how they
were calibrated. Users replace them with ``--set key=value`` or a TOML file.

Overrides are parsed by :func:`phasefield.model.overrides.apply_overrides`: ``key=value`` for scalars,
comma-separated lists for tuples, and ``key.A/B=value`` for one entry of a
pair mapping such as ``interface_energy_J_m2``. A TOML table of a mapping
(:meth:`ModelParameters.from_toml`) likewise changes only the entries it lists;
the others keep their defaults.

Every refusal is a :class:`ParameterError` (a ``ValueError``) whose message is
one line naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import json
import math
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from .misfit import in_relationship, misfit_energy_J_m2
from .overrides import apply_values
from .phases import PHASES, REGISTRY, pair_key
from .values import ParameterError, canonical_value, derived_note, frozen_map, one_line, require, show

BACKEND_NAMES = ("fast", "fipy")
"""Names of the backends (:data:`phasefield.numerics.backend.BACKENDS`) ``backend`` may take."""

TIME_SCHEMES = ("doubling", "bdf2", "bdf2-linear")
"""``time_scheme``: implicit Euler with step doubling, variable-step BDF2 (the default), or BDF2 with
linearly implicit steps (not error-controlled; :mod:`phasefield.numerics.stepping`)."""

GAS_CONSTANT = 8.314462618  # J/(mol K), CODATA 2018 exact
BOLTZMANN = 1.380649e-23  # J/K, SI exact
ZERO_CELSIUS = 273.15


MAX_ACTIVATION_J_MOL = 1.0e6
"""Largest activation energy accepted [J/mol] (10.4 eV per atom): above any
barrier of solid-state migration or diffusion (0.1-5 eV)."""

MIN_REFERENCE_TEMPERATURE_K = ZERO_CELSIUS
"""Lowest reference temperature of the Arrhenius rates [K]: the rates are given
for a solid at processing temperatures; from below 0 degC the extrapolation to
the heating program would exceed exp(Q / (R T_ref)) and overflow double
precision (T_ref = 1 K: exp(24000) at the default Q)."""

SOLVER_MEMORY_FACTOR = frozen_map({2: 60.0, 3: 150.0})
"""Peak memory of a run per cell and per field (order-parameter slots + species), in
units of one float64 (8 bytes), by dimension: FiPy's face and cell variables, the
matrices and the working copies of the step-doubling stepper. Measured with the
peak resident set (``resource.getrusage``) above the baseline after the imports,
fast backend: 2D epitaxy (6 fields) 62 at grid 128 (16384 cells) and 59 at grid
384 (147456 cells), 59 for the difference of the two (~480 bytes per cell and
field); 3D wulff (3 fields) 148 at grid 24 and 146 at grid 48, 145 for the
difference (more faces per cell)."""


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
    # Amorphous/crystal boundaries are cheap: estimates of the magnitude of Turnbull's
    # rule (~0.1 J/m^2 for oxides); no values for these phases were found.
    "amorphous/NH4VO3": 0.1,
    "amorphous/NaH2PO4": 0.1,
    # Particles wet the electrolyte (they attach to NZSP, paper Fig. 1a-d).
    "amorphous/NZSP": 0.3,
    "NH4VO3/NZSP": 0.35,
    "NaH2PO4/NZSP": 0.35,
    "NVP/NZSP": 0.3,
}

_DEFAULT_MOBILITIES = {
    # Interface mobilities at the reference temperature, m^4/(J s). Free surfaces take the
    # default: a surface moves only as fast as matter diffuses to or from it.
    # The reaction front: fast, scaled by the V-site overlap.
    "NH4VO3/NVP": 2e-17,
    # NVP does not grow along NaH2PO4; NaH2PO4 diffuses into NVP (Fig. 5).
    "NaH2PO4/NVP": 2e-18,
    "NH4VO3/NaH2PO4": 2e-18,
}

_DEFAULT_DIFFUSIVITIES = {
    # Bulk transport of the precursor units, m^2/s. NaH2PO4 is the mobile species of the
    # paper (Fig. 5: it diffuses into NVP and along the NVP/NH4VO3 boundary).
    "surroundings": 0.0,
    "amorphous": 1e-17,
    "NH4VO3": 1e-19,
    "NaH2PO4": 2e-16,
    "NVP": 5e-17,
    "NZSP": 0.0,
}

_DEFAULT_SURFACE_DIFFUSIVITIES = {
    # Transport along each phase's free surface, m^2/s, over the effective thickness 2l/3
    # (phasefield.numerics.coefficients.transport_mobility). Estimates: no measured values
    # for these phases were found (notes: only anion tracer values for oxides). NaH2PO4
    # (NaPO3 melts at 619-650 degC) reshapes within seconds (coalescence, paper Fig. S4, S5);
    # NH4VO3 keeps its outline and position (Fig. 3); NVP reshapes slowly (Fig. 5f).
    "amorphous": 1e-17,
    "NH4VO3": 1e-19,
    "NaH2PO4": 1e-16,
    "NVP": 1e-18,
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
        Curvature A of the parabolic free energies of the condensed phases in each
        species density n_k [J/m^3] (1/A is their susceptibility: n_k - rho_k = mu_k / A).
    empty_phase_stiffness
        How many times stiffer the wells of the surroundings and the substrate are
        (they hold no precursor units; matter put there costs this much more).
    interface_energy_J_m2
        Pair interface energies, keys "A/B" [J/m^2]; missing pairs use
        ``default_interface_energy_J_m2``. A mapping given to the constructor
        replaces the default whole; :func:`apply_overrides` and
        :meth:`from_toml` change only the entries they list.
    interface_mobility_m4_Js
        Pair interface mobilities at ``reference_temperature_K``
        [m^4/(J s)]; missing pairs use ``default_interface_mobility_m4_Js``.
    mobility_activation_J_mol, diffusion_activation_J_mol
        Arrhenius activation energies [J/mol], at most :data:`MAX_ACTIVATION_J_MOL`.
    reference_temperature_K
        Temperature at which mobilities and diffusivities are given [K], at
        least :data:`MIN_REFERENCE_TEMPERATURE_K`.
    diffusivity_m2_s
        Bulk diffusivity of the precursor units in each phase [m^2/s] (both species).
    boundary_diffusivity_m2_s
        Diffusivity along condensed/condensed and condensed/substrate boundaries
        [m^2/s], tangential to them, over an effective thickness 2l/3.
    surface_diffusivity_m2_s
        Diffusivity along each condensed phase's free surface [m^2/s], tangential,
        over an effective thickness 2l/3; missing phases: 0.
    v_site_overlap
        Fraction of interface V sites of NH4VO3 matched in NVP (atomistic);
        scales the NH4VO3/NVP mobility.
    misfit_strain
        Residual misfit eps of the NH4VO3/NVP coincidence of the orientation relationship
        (a fraction; a scenario takes it from :mod:`atomistic`); 0: no misfit energy.
        An NVP grain in the relationship with an NH4VO3 grain has their pair energy raised by
        Delta sigma = E / (1 - nu) eps^2 h (:mod:`phasefield.model.misfit`).
    misfit_young_modulus_GPa, misfit_poisson_ratio
        E [GPa] and nu of Delta sigma: NASICON's (Wolfenstine et al., Ionics 2022: E 56-97 GPa,
        nu ~0.26; 76.5 GPa the middle of the range).
    misfit_thickness_nm
        h of Delta sigma, the critical thickness of the coherently strained layer [nm]: an
        assumption (no source), not data.
    misfit_tolerance_deg
        Largest |orientation difference - the relationship's| of an NVP/NH4VO3 grain pair that
        counts as in the relationship [degree].
    incoherent_excess_J_m2
        What an NH4VO3/NVP interface pays over the pair energy when the NVP grain is outside the
        orientation relationship [J/m^2]: the pair energy (0.2) is that of the epitaxial,
        semicoherent interface, a grain turned out of the relationship meets NH4VO3 across an
        incoherent one. Default 0.2, so that it costs 0.4 J/m^2, the package's energy of a boundary
        without a relationship (``default_interface_energy_J_m2``, NH4VO3/NaH2PO4): an estimate,
        no values for these phases (an incoherent interface is "quite similar in structure and
        energy to high-angle grain boundaries", coherent ones 0.01-0.05 J/m^2: materials-science
        textbook, chapter on interfaces, read at banksolar.ru/?p=25668). It also caps the misfit
        energy: a grain in the relationship pays min(Delta sigma, this excess), since an interface
        whose coherency strain would cost more than incoherence loses coherence (misfit
        dislocations). 0: orientation does not matter. Applied by one orientation per order
        parameter, so not with ``grain_reassignment`` (a slot then holds grains of several
        orientations): there no grain pays it.
    nucleus_orientation_offset_deg
        Orientation of an NVP nucleus minus that of the NH4VO3 grain it forms on [degree]; 0
        (the default) puts it in the paper's orientation relationship.
    phase_facet_angles_deg, phase_facet_normals, phase_facet_energies
        Facet anisotropy per phase: outward facet normals in the crystal frame
        (2D: angles, degrees CCW from the crystal x axis; 3D: ``phase_facet_normals``
        as flattened x, y, z triples) and relative energies. A phase without an
        entry is isotropic. Each grain rotates its phase's facets by its
        orientation (:mod:`phasefield.model.anisotropy`).
    facet_sharpness
        Regularization exponent p of the convex gamma (larger: sharper corners).
    facet_stabilization
        S / max_flux_stiffness of a faceted grain: an implicit isotropic
        diffusion kappa S, cancelled by the same term applied explicitly to the
        latest iterate, damps the grid-scale noise of FiPy's explicit
        tangential flux along facets (0 switches it off). It cancels at
        convergence: it changes the cost, not the result. Off (0) by default since
        2026-12-03: ``facet_local_stiffness`` does its work where it is needed.
        Measured alone (README, Speed): 0 halved a grid-64 epitaxy but a grid-128
        one made no progress; 0.5 took 8x the steps of 0.25 at grid 128.
    facet_local_stiffness
        sigma: the implicit face coefficient of a faceted grain (and of its
        isotropic neighbours, by the same weights as gamma) becomes
        kappa [c + sigma max(e.H.e - c, 0)], c = gamma^2 and H the Hessian of
        Gamma^2 / 2 at the face's normal, e the face's axis, and the added part
        is cancelled explicitly on the latest iterate. Across an interface e.H.e
        is the interface stiffness gamma (gamma + gamma''), up to ~p - 1 on a
        facet, which the sweeps otherwise see only explicitly; along it, gamma^2
        (nothing added), and in the bulk nothing. It changes the cost, not the
        result. Why 0.5: the stiffness acts on the interface's tangential
        differences across two cells (FiPy's faceGrad), the implicit term on
        those of one face, 1/cos^2(k dx / 2) times larger at wavenumber k; at
        sigma = 0.5 the sweeps' contraction per mode is at most
        K / (K + 2 c) at both ends (long waves: half of K explicit; the
        grid-scale wave: 2 K too much implicit), K = e.H.e - c. Measured (README,
        Speed): the whole default epitaxy to 12 s 1.32x (grid 128) and 1.29x (grid
        64) faster than ``facet_stabilization`` 0.25 alone, NVP areas within
        0.03 %.
    nucleation_prefactor_per_m_s
        J0 of the NVP nucleation rate per length of NH4VO3/NaH2PO4 contact
        [1/(m s)]. The barrier has no energy of its own: it is that of the
        lens between the precursors built from the pair energies
        ``interface_energy_J_m2`` (:mod:`phasefield.model.nucleation`).
    nucleus_thickness_nm
        Height a of the 2D lens nucleus in the barrier a Sigma/|dg| [nm]; in 3D the
        contact area S holds S / a nucleus sites (:mod:`phasefield.model.nucleation`).
    nucleus_seed_scale
        Planted seed / critical lens (both arc radii). Must exceed the phase-field
        model's own critical size, which is larger than the sharp-interface lens
        for unequal pair energies, with facets and on small particles
        (:mod:`phasefield.model.nucleation`); 4 makes seeds grow from their first step
        in the small epitaxy test at 710 degC.
    crystallization_parent, crystallization_products
        The phase that crystallizes (the amorphous precursor) and the phases its
        nuclei can be (:mod:`phasefield.model.crystallization`).
    crystallization_prefactor_per_m2_s
        J0 of the homogeneous nucleation rate per area of the parent [1/(m^2 s)];
        the barrier a pi sigma^2/|dw| comes from the parent/product pair energy.
        The default is an estimate (no measured rate was found) that crystallizes
        a 20 nm amorphous particle within seconds at 650 degC; 0: no crystallization.
    crystallization_seed_scale
        Planted crystal seed radius / critical radius sigma/|dw|.
    nucleation_interval_s
        How often nucleation is sampled [s]; the rate is integrated over each
        interval and the seeds are planted at its end.
    seed
        Seed of the random generator (nucleation sampling).
    grain_threshold
        A grain is a connected region of one order parameter where eta exceeds this
        (:mod:`phasefield.model.tracking`); 0.5 is the interface centre.
    grain_reassignment
        True: a slot may hold several grains, kept apart by moving one of two that come
        close to another slot of their phase (:mod:`phasefield.model.reassignment`), and
        nuclei go to the slot with most room; False: one grain per slot (grains of one slot
        merge where they meet).
    reassignment_distance_widths
        Two grains of one slot closer than this many interface widths (between their
        cores) are separated. At least 2.5: the eta > 0.01 halo of a grain reaches 1.15
        widths beyond its eta = 0.5 line, so two halos touch below 2.3.
    merge_misorientation_deg
        Two grains of one slot whose orientations differ by at most this many degrees
        are left to merge when they meet (coalescence); others are separated.
    constant_measure_phase
        Every grain of this phase keeps its initial area (3D: volume) through a
        Lagrange multiplier per grain, touching grains' multipliers solved
        together (:mod:`phasefield.model.constraints`); "" for none.
    dt_initial_s, dt_max_s
        First and largest time step [s].
    time_tolerance
        Relative local error allowed per step: the estimate (BDF2: Milne's, of
        the kept step; step doubling: that of the halves) of the error of every
        grain's area (3D: volume) over the largest area change of the step
        (:mod:`phasefield.numerics.stepping`). Why 0.05 with BDF2 (step doubling's default was
        0.2): the whole default epitaxy at grid 64 (ramp, nucleation, facets) reaches its NVP
        area at 12 / 20 s within 0.01 / 0.02 % of step doubling at 0.025 (136.953 / 170.055
        nm^2; -0.02 / -0.02 % since landings may grow the step, 2026-12-03), at 0.07 -0.03 %,
        at 0.1 -0.21 % (frames of 0.5 or 1 s alike). Until 2026-12-02
        the default was 0.1, measured at -0.02 %: then every frame restarted BDF2 with a
        step-doubling step, and those restarts, not the tolerance, held the error (0.1 with 4 s
        frames: -0.20 %); BDF2 now goes on across frames, so the accuracy no longer depends on
        the frame interval. Side by side, 0.05 now against 0.1 then: 51.2 / 82.2 s against 56.1 /
        97.8 s to 12 / 20 s, same NVP areas (README "Speed", time to solution).
    time_scheme
        "bdf2" (the default since 2026-12-02): variable-step BDF2, one implicit solve per step,
        Milne's error estimate from the quadratic predictor (:mod:`phasefield.numerics.bdf2`); the
        first two steps of a run and after every nucleus are step
        doubling's. "doubling": implicit Euler with step doubling (every step taken once whole and
        once as two halves, kept as their Richardson extrapolation, second order; the error
        estimate is that of the halves), three solves per step; the default before, at
        time_tolerance 0.2 (``--set time_scheme=doubling --set time_tolerance=0.2`` repeats it).
        "bdf2-linear": BDF2 whose steps are linearly implicit: one sweep, the coefficients taken
        at the linear predictor (its start-up steps are step doubling's, converged). Fast and not
        error-controlled: Milne's estimate does not see the linearization, which was 0.05-0.07 of
        the true local error estimated on a circle under a heating ramp and 0.33-0.84 on faceted
        epitaxy after nucleation (tests/phasefield/numerics/test_stepping.py), so time_tolerance
        does not bound its error. Whole default epitaxy at time_tolerance 0.1: grid 64 NVP area
        -0.02 / -0.46 / -0.36 % at 8 / 10 / 12 s in 0.32x the wall of "bdf2" at 0.1 beside it; at
        grid 128 (0.05) -0.84 / -1.07 / +0.47 %. For exploring, not for figures.
    max_field_change
        Safety cap: largest change of any order parameter or of c accepted in one step.
    sweeps
        Most sweeps per step (each re-linearizes the coefficients about the
        latest iterate and solves the order parameters and c, Anderson-mixed);
        the sweeps stop when converged, and a step that needs more is retried
        smaller (:meth:`phasefield.numerics.stepping.Simulation.try_step`). 1: one
        linearized solve per step, no convergence check. Faceted epitaxy after
        nucleation (grid 64, time_tolerance 0.1) needed 4 sweeps per solve (median), 6
        at the 90th percentile; with a 10x tighter sweep stop 8 and 14. At
        time_tolerance 0.025, 12 and 50 ran alike (25 and 21 steps for 0.1 s).
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
    sweep_solve_fraction
        Backend "fast": each sweep's linear solves may stop once their residual
        has fallen to this fraction of the residual they started from (the
        previous sweep's iterate), if that is above ``solver_tolerance`` x ||b||.
        The sweeps, not one solve, set a step's accuracy: the error this leaves is
        this fraction of a sweep's own change, which the sweeps' stop already
        bounds (tested: at 1e-3 a step stays within 4 % of that bound); V and P
        stay conserved to round-off (the densities come from the fluxes of the
        solved mu). 0 (the default): every solve to ``solver_tolerance`` (FiPy's
        criterion; backend "fipy" always does that). 1e-3 ran the whole default
        ``epitaxy`` to 12 s at grid 128 in 187 s against 270 s with full solves
        (one after the other, 2026-12-02), NVP areas at 8 / 10 / 12 s within +0.01
        / +0.01 / -0.02 % of theirs; at grid 64 46 s against 50 s, -0.01 / -0.02 %
        at 12 / 20 s against step doubling at 0.025. Not the default: it lets
        accepted steps leave the order parameters' bounds where full solves do not
        (the 3-particle test overview at ``time_tolerance`` 0.5, seed 3: -0.056 at
        1.2 s; the 48-cell test epitaxy at 715 degC, -0.105, under step doubling
        before 2026-12-02; on the BDF2 default that one stays within them, tested).
    order_parameter_amg_after
        Backend "fast": a grain's order-parameter solves switch from Jacobi-CG to CG
        preconditioned by an algebraic multigrid hierarchy of its operator (reused like the
        mu hierarchy, forgotten at every frame) once one Jacobi-CG solve needed more than
        this many iterations; 0: never (Jacobi-CG always). Jacobi's iterations double with
        each refinement of the grid, AMG-CG's stay 5-8, but a V-cycle costs ~25 sparse
        matrix-vector products (~13 Jacobi-CG iterations) and a build about one Jacobi solve
        (reused ~22 solves). Why 120: in one faceted epitaxy step of 2 ms after nucleation
        (``benchmarks/bench_cost_per_cell.py``, every grain switched against none) AMG took 1.25x
        the sweep time at 256^2 (Jacobi: 72 iterations per solve) and 0.91x at 512^2 (148);
        interpolated in log(grid), the two break even at ~117 Jacobi iterations. Runs at 64^2
        and 128^2 stay below it (at most 20 and 51 iterations over their first 2-3 s).
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
    empty_phase_stiffness: float = 1000.0

    interface_energy_J_m2: Mapping[str, float] = field(default_factory=lambda: frozen_map(_DEFAULT_ENERGIES))
    default_interface_energy_J_m2: float = 0.4
    interface_mobility_m4_Js: Mapping[str, float] = field(default_factory=lambda: frozen_map(_DEFAULT_MOBILITIES))
    default_interface_mobility_m4_Js: float = 2e-17
    mobility_activation_J_mol: float = 2.0e5
    reference_temperature_K: float = 973.15

    diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: frozen_map(_DEFAULT_DIFFUSIVITIES))
    boundary_diffusivity_m2_s: float = 2e-16
    surface_diffusivity_m2_s: Mapping[str, float] = field(default_factory=lambda: frozen_map(_DEFAULT_SURFACE_DIFFUSIVITIES))
    diffusion_activation_J_mol: float = 2.0e5

    v_site_overlap: float = 1.0
    misfit_strain: float = 0.0
    misfit_young_modulus_GPa: float = 76.5
    misfit_poisson_ratio: float = 0.26
    misfit_thickness_nm: float = 0.5
    misfit_tolerance_deg: float = 2.0
    incoherent_excess_J_m2: float = 0.2
    nucleus_orientation_offset_deg: float = 0.0

    phase_facet_angles_deg: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}))
    phase_facet_normals: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}))
    phase_facet_energies: Mapping[str, tuple[float, ...]] = field(default_factory=lambda: frozen_map({}))
    facet_sharpness: float = 30.0
    facet_stabilization: float = 0.0
    facet_local_stiffness: float = 0.5

    nucleation_prefactor_per_m_s: float = 5.6e14
    nucleus_thickness_nm: float = 0.5
    nucleus_seed_scale: float = 4.0
    crystallization_parent: str = "amorphous"
    crystallization_products: tuple[str, ...] = ("NH4VO3", "NaH2PO4")
    crystallization_prefactor_per_m2_s: float = 5e25
    crystallization_seed_scale: float = 2.0
    nucleation_interval_s: float = 0.1
    seed: int = 0

    grain_threshold: float = 0.5
    grain_reassignment: bool = False
    reassignment_distance_widths: float = 4.0
    merge_misorientation_deg: float = 1.0

    constant_measure_phase: str = ""

    dt_initial_s: float = 1e-3
    dt_max_s: float = 0.05
    time_tolerance: float = 0.05
    max_field_change: float = 0.1
    time_scheme: str = "bdf2"
    sweeps: int = 12
    backend: str = "fast"
    solver_tolerance: float = 1e-11
    sweep_solve_fraction: float = 0.0
    order_parameter_amg_after: int = 120

    dimensions: ClassVar[tuple[int, ...]] = (2, 3)
    """Numbers of entries of ``domain_nm`` (2D, 3D) the model (or a scenario) runs."""
    derived_from: ClassVar[Mapping[str, str]] = frozen_map({})
    """Fields a subclass computes (``init=False``) -> what to set instead (setting them is refused)."""

    def __post_init__(self) -> None:
        # Canonical values of the declared types (read-only mappings, float tuples), so that
        # equal parameters compare equal and every check below can trust the types.
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            object.__setattr__(self, f.name, canonical_value(f.name, hints[f.name], getattr(self, f.name)))
        self._derive()
        _validate(self)

    def _derive(self) -> None:
        """Hook: set fields computed from others (after type checks, before validation)."""

    def order_parameter_fields(self) -> int:
        """Cell fields of one run: order-parameter slots (surroundings + grains) and the two species.

        A scenario that knows its microstructure returns its own count; the base
        assumes the smallest run (surroundings, one grain, n_V, n_P), so that the memory check
        refuses only grids no run could hold.
        """
        return 4

    def concurrent_runs(self) -> int:
        """Runs of these parameters held in memory at once (a sweep may run several)."""
        return 1

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

    def misfit_energy_J_m2(self) -> float:
        """Delta sigma of the coherently strained coincidence, uncapped [J/m^2]
        (:func:`phasefield.model.misfit.misfit_energy_J_m2`)."""
        return misfit_energy_J_m2(self.misfit_strain, self.misfit_young_modulus_GPa, self.misfit_poisson_ratio, self.misfit_thickness_nm)

    def relationship_excess_J_m2(self) -> float:
        """What an NVP/NH4VO3 grain pair in the orientation relationship pays over the pair energy
        [J/m^2]: the misfit energy, at most the incoherent interface's excess."""
        return min(self.misfit_energy_J_m2(), self.incoherent_excess_J_m2)

    def orientation_excesses_J_m2(self) -> tuple[float, float]:
        """(in, out of the relationship): the excesses an NVP/NH4VO3 grain pair pays as the run applies
        them [J/m^2]; both 0 with ``grain_reassignment`` (they are judged by one orientation per slot)."""
        if self.grain_reassignment:
            return 0.0, 0.0
        return self.relationship_excess_J_m2(), self.incoherent_excess_J_m2

    def nucleus_excess_J_m2(self) -> float:
        """The excess of a fresh NVP nucleus's interface with its NH4VO3 parent [J/m^2]: in the
        relationship unless ``nucleus_orientation_offset_deg`` turns it out of it."""
        related, incoherent = self.orientation_excesses_J_m2()
        return related if in_relationship(self.nucleus_orientation_offset_deg, self.misfit_tolerance_deg) else incoherent

    def facets(self, phase: str):
        """The :class:`phasefield.model.anisotropy.FacetSet` of a phase, or None (isotropic)."""
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
        return REGISTRY[REGISTRY.nucleation.product].chemical_energy(self, temperature_K)

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
        return (_rebuild, (type(self), _init_values(self.to_dict(), type(self))))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        """Build from a dict such as :meth:`to_dict` gives: every value replaces the default whole.

        Derived fields (computed by the class from others) may be present if they equal
        what the class computes, so that ``from_dict(p.to_dict()) == p``.

        Raises
        ------
        ParameterError
            An unknown key, a value of the wrong type or refused by validation, or a
            derived field that differs from what the class computes.
        """
        _require_known(cls, data)
        init = _init_values(data, cls)
        params = cls(**init)
        hints = typing.get_type_hints(cls)
        for name in sorted(set(data) - set(init)):
            derived = getattr(params, name)
            require(canonical_value(name, hints[name], data[name]) == derived, name, data[name], f"{show(derived)} ({derived_note(cls, name)})")
        return params

    @classmethod
    def from_toml(cls, path):
        """Read parameters from a TOML file (top-level keys are field names).

        A table of a mapping parameter changes only the entries it lists, as
        ``--set key.A/B=value`` does; the other entries keep the class defaults.

        Raises
        ------
        ParameterError
            Naming the file for an unreadable file or bad TOML, else as :func:`apply_values`.
        """
        import tomllib

        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ParameterError(f"--params file {os.fspath(path)} is not readable TOML: {one_line(err)}") from None
        try:
            return apply_values(cls(), table)
        except ParameterError as err:
            raise ParameterError(f"--params file {os.fspath(path)}: {err}") from None


def _rebuild(cls, data):
    return cls(**data)


def _init_values(data: Mapping[str, Any], cls: type) -> dict[str, Any]:
    """The entries of ``data`` the constructor takes (derived fields are recomputed)."""
    init = {f.name for f in fields(cls) if f.init}
    return {k: v for k, v in data.items() if k in init}


def _require_known(cls: type, data: Mapping[str, Any]) -> None:
    known = {f.name for f in fields(cls)}
    unknown = sorted(str(k) for k in set(data) - known)
    if unknown:
        raise ParameterError(f"parameter(s) {', '.join(unknown)} unknown to {cls.__name__}; allowed: {', '.join(sorted(known))}")


def _arrhenius(q_J_mol: float, T: float, T_ref: float) -> float:
    return math.exp(-q_J_mol / GAS_CONSTANT * (1.0 / T - 1.0 / T_ref))


# ---- validation ------------------------------------------------------------------------------
def _validate_nucleation(p: ModelParameters) -> None:
    """The nucleation inputs, each with its full allowed range."""
    checks = (
        ("nucleation_prefactor_per_m_s", lambda v: v >= 0, "a finite number >= 0 1/(m s) (0: no nucleation)"),
        ("nucleus_thickness_nm", lambda v: v > 0, "a finite number > 0 nm"),
        ("nucleus_seed_scale", lambda v: v > 1, "a finite number > 1 (the seed must be larger than the critical nucleus)"),
        ("nucleation_interval_s", lambda v: v > 0, "a finite number > 0 s"),
        ("crystallization_prefactor_per_m2_s", lambda v: v >= 0, "a finite number >= 0 1/(m^2 s) (0: no crystallization)"),
        ("crystallization_seed_scale", lambda v: v > 1, "a finite number > 1 (the seed must be larger than the critical nucleus)"),
    )
    for name, ok, allowed in checks:
        require(ok(getattr(p, name)), name, getattr(p, name), allowed)
    condensed = REGISTRY.condensed
    require(p.crystallization_parent in condensed, "crystallization_parent", p.crystallization_parent, f"one of {', '.join(condensed)}")
    require(
        p.crystallization_parent not in p.crystallization_products,
        "crystallization_products",
        p.crystallization_products,
        f"phases other than crystallization_parent = {p.crystallization_parent!r} (a phase does not crystallize into itself)",
    )
    for product in p.crystallization_products:
        allowed = [ph for ph in condensed if ph != p.crystallization_parent]
        require(product in allowed, "crystallization_products", p.crystallization_products, f"phases among {', '.join(allowed)}")


MAX_GRID = 10**7
"""Largest ``grid`` looked at further (beyond any machine's memory; keeps dx a float)."""


def _validate_grid(p: ModelParameters) -> None:
    """Box, resolution and interface width (in this order: each check needs the previous)."""
    allowed_dims = " or ".join(str(d) for d in p.dimensions)
    axes = "x, y[, z]" if 3 in p.dimensions else "x, y"
    require(len(p.domain_nm) in p.dimensions, "domain_nm", p.domain_nm, f"{allowed_dims} lengths in nm ({axes}) for {type(p).__name__}")
    require(all(L > 0 for L in p.domain_nm), "domain_nm", p.domain_nm, "positive lengths in nm")
    require(8 <= p.grid <= MAX_GRID, "grid", p.grid, f"an integer in [8, {MAX_GRID}] (cells along x)")
    require(p.dx_nm > 0, "domain_nm", p.domain_nm, f"domain_nm[0] / grid = {p.dx_nm} nm > 0 (a representable cell size)")
    require(all(L / p.dx_nm <= MAX_GRID for L in p.domain_nm), "domain_nm", p.domain_nm, f"at most {MAX_GRID} cells of dx = domain_nm[0] / grid along every side")
    cells = p.interface_width_nm / p.dx_nm
    require(
        cells >= 2.0,
        "interface_width_nm",
        p.interface_width_nm,
        f">= 2 grid cells = {2 * p.dx_nm:.3g} nm at grid {p.grid} over domain_nm[0] = {p.domain_nm[0]} nm (raise grid or the width, or shrink domain_nm)",
    )
    _validate_memory(p)


def grid_memory_bytes(p: ModelParameters) -> int:
    """Estimated peak memory of the runs of ``p`` [bytes]: cells x fields x 8 bytes x
    :data:`SOLVER_MEMORY_FACTOR` of the dimension x concurrent runs."""
    cells = math.prod(p.shape)
    return math.ceil(cells * p.order_parameter_fields() * 8 * SOLVER_MEMORY_FACTOR[p.dim]) * p.concurrent_runs()


def available_memory_bytes() -> int | None:
    """Memory the machine can give a new run now [bytes] (MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _validate_memory(p: ModelParameters) -> None:
    need, free = grid_memory_bytes(p), available_memory_bytes()
    if free is None or need <= free:
        return
    runs = p.concurrent_runs()
    shape = "x".join(str(n) for n in p.shape)
    sweep = f" x {runs} concurrent runs (workers)" if runs > 1 else ""
    raise ParameterError(
        f"grid = {p.grid} is not allowed: {shape} cells over domain_nm = {show(p.domain_nm)} x {p.order_parameter_fields()} fields{sweep} "
        f"need ~{need / 2**30:.3g} GiB, {free / 2**30:.3g} GiB available; allowed: a coarser grid or a smaller domain_nm"
    )


def _validate_temperatures(p: ModelParameters) -> None:
    for name in ("start_temperature_C", "hold_temperature_C"):
        require(getattr(p, name) > -ZERO_CELSIUS, name, getattr(p, name), "> -273.15 degC (above absolute zero)")
    for name in ("critical_temperature_K", "crystallization_temperature_K"):
        require(getattr(p, name) > 0, name, getattr(p, name), "> 0 K")
    require(
        p.reference_temperature_K >= MIN_REFERENCE_TEMPERATURE_K,
        "reference_temperature_K",
        p.reference_temperature_K,
        f">= {MIN_REFERENCE_TEMPERATURE_K} K (the rates are those of a solid at processing temperatures; a lower reference overflows their Arrhenius extrapolation)",
    )
    for name in ("mobility_activation_J_mol", "diffusion_activation_J_mol"):
        require(0 <= getattr(p, name) <= MAX_ACTIVATION_J_MOL, name, getattr(p, name), f"in [0, {MAX_ACTIVATION_J_MOL:g}] J/mol (10 eV per atom: above any solid-state migration barrier)")
    require(p.ramp_K_per_s >= 0, "ramp_K_per_s", p.ramp_K_per_s, ">= 0 K/s (0 = start at the hold temperature)")


def _validate_facets(p: ModelParameters) -> None:
    require(p.facet_sharpness >= 2, "facet_sharpness", p.facet_sharpness, ">= 2")
    require(p.facet_stabilization >= 0, "facet_stabilization", p.facet_stabilization, ">= 0")
    require(p.facet_local_stiffness >= 0, "facet_local_stiffness", p.facet_local_stiffness, ">= 0")
    for name in ("phase_facet_angles_deg", "phase_facet_normals"):
        for phase in getattr(p, name):
            require(phase in p.phase_facet_energies, f"phase_facet_energies[{phase}]", None, f"relative energies for the facets of {name}[{phase}]")
    for phase in p.phase_facet_energies:
        require(phase in p.phase_facet_angles_deg or phase in p.phase_facet_normals, f"phase_facet_angles_deg[{phase}]", None, f"facet normals for phase_facet_energies[{phase}]")
        try:
            p.facets(phase)
        except ValueError as err:
            names = "phase_facet_angles_deg / phase_facet_normals / phase_facet_energies / facet_sharpness"
            raise ParameterError(f"facets of {phase} ({names}) are not allowed: {one_line(err)}") from None


def _validate(p: ModelParameters) -> None:
    _validate_nucleation(p)
    _validate_grid(p)
    _validate_temperatures(p)
    require(p.duration_s > 0, "duration_s", p.duration_s, "> 0 s")
    require(0 < p.output_interval_s <= p.duration_s, "output_interval_s", p.output_interval_s, f"in (0, duration_s = {p.duration_s}] s")
    require(p.reaction_entropy_J_m3K > 0, "reaction_entropy_J_m3K", p.reaction_entropy_J_m3K, "> 0 J/(m^3 K)")
    require(p.crystallization_entropy_J_m3K >= 0, "crystallization_entropy_J_m3K", p.crystallization_entropy_J_m3K, ">= 0")
    require(p.chemical_stiffness_J_m3 > 0, "chemical_stiffness_J_m3", p.chemical_stiffness_J_m3, "> 0 J/m^3")
    _check_pairs("interface_energy_J_m2", p.interface_energy_J_m2, lambda v: v > 0, "> 0 J/m^2")
    require(p.default_interface_energy_J_m2 > 0, "default_interface_energy_J_m2", p.default_interface_energy_J_m2, "> 0 J/m^2")
    _check_pairs("interface_mobility_m4_Js", p.interface_mobility_m4_Js, lambda v: v > 0, "> 0 m^4/(J s) (a boundary must be able to move)")
    require(p.default_interface_mobility_m4_Js > 0, "default_interface_mobility_m4_Js", p.default_interface_mobility_m4_Js, "> 0")
    _check_pairs("diffusivity_m2_s", p.diffusivity_m2_s, lambda v: v >= 0, ">= 0 m^2/s")
    condensed = REGISTRY.condensed
    require(
        any(p.diffusivity_m2_s.get(ph, 0.0) > 0 or p.surface_diffusivity_m2_s.get(ph, 0.0) > 0 for ph in condensed) or p.boundary_diffusivity_m2_s > 0,
        "diffusivity_m2_s",
        p.diffusivity_m2_s,
        "at least one transport path with D > 0 (a condensed phase's bulk or surface, or boundary_diffusivity_m2_s): without one no matter moves",
    )
    require(p.boundary_diffusivity_m2_s >= 0, "boundary_diffusivity_m2_s", p.boundary_diffusivity_m2_s, ">= 0 m^2/s")
    _check_pairs("surface_diffusivity_m2_s", p.surface_diffusivity_m2_s, lambda v: v >= 0, ">= 0 m^2/s")
    require(p.empty_phase_stiffness >= 1, "empty_phase_stiffness", p.empty_phase_stiffness, ">= 1 (the surroundings hold no units)")
    require(0 < p.v_site_overlap <= 1, "v_site_overlap", p.v_site_overlap, "in (0, 1]")
    _validate_misfit(p)
    _validate_facets(p)
    require(p.seed >= 0, "seed", p.seed, "an integer >= 0")
    _validate_tracking(p)
    require(0 < p.dt_initial_s <= p.dt_max_s, "dt_initial_s", p.dt_initial_s, f"in (0, dt_max_s = {p.dt_max_s}] s")
    require(0 < p.time_tolerance <= 0.5, "time_tolerance", p.time_tolerance, "in (0, 0.5] (relative local error per step)")
    require(0 < p.max_field_change <= 0.5, "max_field_change", p.max_field_change, "in (0, 0.5]")
    require(p.constant_measure_phase in ("", *PHASES), "constant_measure_phase", p.constant_measure_phase, f"'' or one of {', '.join(PHASES)}")
    require(1 <= p.sweeps <= 50, "sweeps", p.sweeps, "an integer in [1, 50]")
    require(p.time_scheme in TIME_SCHEMES, "time_scheme", p.time_scheme, " or ".join(map(repr, TIME_SCHEMES)))
    require(p.backend in BACKEND_NAMES, "backend", p.backend, " or ".join(map(repr, BACKEND_NAMES)))
    require(0 < p.solver_tolerance < 1e-2, "solver_tolerance", p.solver_tolerance, "in (0, 1e-2)")
    require(0 <= p.sweep_solve_fraction <= 0.01, "sweep_solve_fraction", p.sweep_solve_fraction, "in [0, 0.01]")
    require(p.order_parameter_amg_after >= 0, "order_parameter_amg_after", p.order_parameter_amg_after, "an integer >= 0 (0: never)")


MAX_MISFIT_TOLERANCE_DEG = 30.0
"""Largest ``misfit_tolerance_deg`` (a choice): HRTEM and its FFT identify a relationship to a few
degrees (README, Seeing a run: spots within 2 deg), so a pair 30 deg off is not in it."""


def _validate_misfit(p: ModelParameters) -> None:
    require(abs(p.misfit_strain) <= 0.5, "misfit_strain", p.misfit_strain, "in [-0.5, 0.5] (a coincidence misfit; 0: no misfit energy)")
    require(p.misfit_young_modulus_GPa > 0, "misfit_young_modulus_GPa", p.misfit_young_modulus_GPa, "> 0 GPa")
    require(-1 < p.misfit_poisson_ratio < 0.5, "misfit_poisson_ratio", p.misfit_poisson_ratio, "in (-1, 0.5) (an isotropic solid)")
    require(p.misfit_thickness_nm > 0, "misfit_thickness_nm", p.misfit_thickness_nm, "> 0 nm")
    require(
        0 <= p.misfit_tolerance_deg <= MAX_MISFIT_TOLERANCE_DEG,
        "misfit_tolerance_deg",
        p.misfit_tolerance_deg,
        f"in [0, {MAX_MISFIT_TOLERANCE_DEG:g}] degree",
    )
    require(0 <= p.incoherent_excess_J_m2 <= 2.0, "incoherent_excess_J_m2", p.incoherent_excess_J_m2, "in [0, 2] J/m^2 (0: orientation does not matter)")
    # the misfit pairs are judged by one orientation per slot; with reassignment a slot holds
    # grains of several orientations (phasefield.model.tracking)
    require(
        p.misfit_strain == 0 or not p.grain_reassignment,
        "grain_reassignment",
        p.grain_reassignment,
        f"false while misfit_strain is not 0 (it is {p.misfit_strain:g}): the misfit energy reads one orientation per order parameter",
    )


def _validate_tracking(p: ModelParameters) -> None:
    """Grain tracking and reassignment (:mod:`phasefield.model.tracking`, :mod:`phasefield.model.reassignment`)."""
    require(0 < p.grain_threshold < 1, "grain_threshold", p.grain_threshold, "in (0, 1)")
    require(isinstance(p.grain_reassignment, bool), "grain_reassignment", p.grain_reassignment, "true or false")
    require(
        2.5 <= p.reassignment_distance_widths <= 20,
        "reassignment_distance_widths",
        p.reassignment_distance_widths,
        "in [2.5, 20] interface widths (below 2.3 the eta > 0.01 halos of two grains touch)",
    )
    require(0 <= p.merge_misorientation_deg <= 180, "merge_misorientation_deg", p.merge_misorientation_deg, "in [0, 180] degree")


def _check_pairs(name: str, mapping: Mapping[str, float], ok, allowed: str) -> None:
    for key, v in mapping.items():
        require(ok(v), f"{name}[{key}]", v, allowed)


