"""Time stepping: error-controlled implicit steps, nucleation events, frames, resume.

One step is implicit Euler with the temperature at its end, solved to
convergence: each sweep re-linearizes the coefficients about the latest
iterate and solves the order parameters, then the species' chemical potentials;
the sweeps are Anderson-mixed
and stop when the grain measures have converged (:meth:`Simulation.try_step`).

The step size is chosen by a local error estimate, by one of two schemes
(``time_scheme``). Step doubling (Richardson): each step of size dt is taken
once whole and once as two halves; since implicit Euler is first order, the
difference of the two results estimates the local error of the halves, and 2
halves - whole (local extrapolation, kept) is second order. Measured on the
epitaxy state at 12 s (grid 64, dt 10-20 ms) the extrapolation cut the local
error of the NVP area 7-9x. BDF2 (the default since 2026-12-02, :mod:`phasefield.numerics.bdf2`):
one implicit solve per step, an implicit Euler step of 2/3 dt (at equal steps)
from a start shifted by the previous state, its sweeps started from the linear
predictor, the error from the difference to the quadratic predictor (Milne's
device; tested: 0.89-0.95 of the true local error of a step, falling as dt^3);
the first two steps of a run and after every event that changes the fields
(nucleus, moved grain) are step doubling's. A frame keeps BDF2's history (the
times and grain measures in its resume state, the fields of the state before it in
its file), so BDF2 goes on across frames and a run resumed from a frame repeats
the uninterrupted one (until 2026-12-02 the step after every frame was step
doubling's: at 0.5 s frames ~10 % of a default run's wall time). The whole default epitaxy at grid 64
reached its NVP area at 12 / 20 s within 0.02 % of step doubling at 0.025, in
0.57 / 0.50x the wall of step doubling at 0.2 (0.20 % off), and within 0.02 % with
sweeps 20, 1 s frames or 25 ms steps alike (README "Speed", time to solution). The error is
measured on the grain measures (area, in 3D volume, of every grain: the
observables), relative to the largest measure change of the step, and a PI
controller (Gustafsson; Hairer & Wanner II, IV.2) picks the next dt so that it
stays near ``time_tolerance``; a step above it is rejected and retried smaller.

Why the sweeps are converged and what the estimator sees (epitaxy after
nucleation, grid 64): with 2 unconverged sweeps and c lagged, the iteration
error, not the implicit-Euler truncation, was most of the time error (25 % of
the NVP area change over 0.2 s at dt = 0.01 s; 2 % with converged sweeps), and
the controller held dt near 2 ms to pay for it. Converged, dt is 10-20 ms at
the default tolerance and 1 s of faceted epitaxy 2.6x faster (benchmarks/bench_versions.py --interval). Step doubling sees every error
source left; the Milne device (truncation from successive step rates) would not
see the facet term's stabilized explicit part (it estimated 1e-3 of the true
local error) when the sweeps were not converged; with converged sweeps and the
stabilizer cancelled at convergence, BDF2's Milne estimate is tested against the true
error. Pointwise norms (max, L1) are dominated by tangential noise of
the facet term that does not shrink with dt; grain measures are not. The
linear solves stop at a residual 1e-11 of the right-hand side: since that
side carries eta / dt, a looser tolerance leaves a per-step error that does not
shrink with dt, under which the estimate cannot fall.

``max_field_change`` stays a safety cap (a step changing any field by more is
retried at half size) and ``dt_max_s`` a cap. Steps land exactly on output and
nucleation times, so a run resumed from a frame repeats the uninterrupted run
step for step (the controller's memory, the last error, is in the resume state).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import math
from dataclasses import dataclass
from importlib import metadata

import fipy as fp
import numpy as np
import xarray as xr

from ..io.frames import Grid, frame_dataset
from ..model import anisotropy, crystallization, nucleation, reassignment, tracking
from ..model import free_energy as fe
from ..model.constraints import grain_measure, hold_measures, measure_gradient, multipliers
from ..model.grains import Disc, Microstructure, build_fields, grain_phase_indices, is_substrate, painted
from ..model.parameters import ModelParameters
from ..model.phases import PHASES, REGISTRY, SURROUNDINGS
from ..model.values import ParameterError
from . import bdf2
from .backend import make_backend
from .coefficients import free_energy, local_coefficients, misfit_energy, step_coefficients
from .geometry import FaceGeometry, grid_mesh
from .guards import FieldFault, SimulationError, non_finite, out_of_bounds
from .units import SolverUnits

log = logging.getLogger(__name__)


def warn_sparsely(count: int, message: str, *args) -> None:
    """Log a repeated event as a WARNING at its 1st, 2nd, 4th, 8th, ... occurrence (``count``) and at
    INFO otherwise: a run with hundreds of refused nuclei or crowded grain pairs shows a few lines,
    each with the count so far, instead of flooding the terminal (every event is counted in the run's
    attributes)."""
    log.log(logging.WARNING if count & (count - 1) == 0 else logging.INFO, message, *args)

def _refuse(state: State, product: str, formed_s: float, why) -> None:
    """Count a nucleus that is not planted in ``state.refused`` (the run's ``n_refused_nuclei``)
    and log why (a WARNING at the 1st, 2nd, 4th, ... refusal: :func:`warn_sparsely`)."""
    state.refused += 1
    warn_sparsely(state.refused, "%s nucleus formed at t=%.3f s refused: %s (%d refused so far)", product, formed_s, why, state.refused)


# A grain whose measure changes by less than this many cells per solver time unit is calm:
# the floor of the error scale, so that a standing-still state does not demand relative accuracy.
_CALM_RATE = 1e-2

# the schemes whose steps are BDF2's once two accepted steps are known
BDF2_SCHEMES = ("bdf2", "bdf2-linear")

_NVP = REGISTRY.index(REGISTRY.nucleation.product)
_A = REGISTRY.index(REGISTRY.nucleation.parent)


def sweep_stop_fraction(time_tolerance: float, scheme: str = "doubling") -> float:
    """The sweeps stop when their estimated iteration error (theta / (1 - theta) x the last residual
    of the grain measures) is below this fraction of time_tolerance x the step's change.

    Step doubling: min(0.2, 2 time_tolerance), so the iteration error left, 2 tol^2 of the change,
    shrinks faster than the truncation error the controller asks for; the step-doubling estimate
    also sees what is left. Why it falls with the tolerance (faceted epitaxy after nucleation, grid
    64, 0.1 s): with a fixed 0.2 the iteration error was a floor of a few % of a step's change that
    did not fall with dt, so tightening time_tolerance to 0.025 collapsed the step (416 steps, 57-62
    s); at 0.05 (this rule) 21 steps, 12.8 s, at 0.02 20 steps, 17.9 s, NVP grown 0.981 / 0.984
    nm^2. A fixed 0.02 at the default tolerance made the small test epitaxy 1.7x slower (66 s
    instead of 38.5 s) for a 0.6 % change of its NVP area.

    BDF2: 0.025, whatever the tolerance. Milne's estimate (:mod:`phasefield.numerics.bdf2`) does
    not see the iteration error, and the sweeps start from the predictor, so what they leave is a lag
    toward it, the same sign every step. The whole default epitaxy at grid 64 to 12 s, time_tolerance
    0.05, against step doubling at 0.025 (136.953 nm^2), with the iteration error left at most p x the
    step's change (p = this fraction x time_tolerance): NVP area -0.19 % at p = 5e-3, -0.01 % at
    1.25e-3 (86.8 s) and 1.25e-4 (133.5 s); at time_tolerance 0.1 and p = 2.5e-3 -0.02 % (71.5 s).

    >>> sweep_stop_fraction(0.1), sweep_stop_fraction(0.025), sweep_stop_fraction(0.2, "bdf2")
    (0.2, 0.05, 0.025)
    """
    if scheme in BDF2_SCHEMES:
        return 0.025
    return min(0.2, 2.0 * time_tolerance)


_ANDERSON_DEPTH = 3


class _Anderson:
    """Anderson mixing of the sweep iterates (type II; Walker & Ni, SIAM J. Numer. Anal. 49, 2011).

    x holds the evolving order parameters and mu; g(x) is one sweep. The next
    iterate is g_k - dG gamma with gamma the least-squares fit of the newest
    residual f_k = g_k - x_k by the last ``depth`` residual differences.
    """

    def __init__(self, depth: int):
        self.depth = depth
        self.x: list[np.ndarray] = []
        self.f: list[np.ndarray] = []

    def mix(self, eta, mu, new_eta, new_mu, evolving) -> tuple[np.ndarray, np.ndarray]:
        x = np.concatenate([eta[evolving].ravel(), mu.ravel()])
        g = np.concatenate([new_eta[evolving].ravel(), new_mu.ravel()])
        self.x.append(x)
        self.f.append(g - x)
        self.x, self.f = self.x[-self.depth - 1 :], self.f[-self.depth - 1 :]
        if len(self.f) > 1:
            dF = np.diff(np.array(self.f), axis=0).T
            dG = dF + np.diff(np.array(self.x), axis=0).T
            gamma = np.linalg.lstsq(dF, self.f[-1], rcond=1e-10)[0]
            g = g - dG @ gamma
        out = new_eta.copy()
        out[evolving] = g[: -mu.size].reshape(len(evolving), -1)
        return out, g[-mu.size :].reshape(mu.shape)


def acceptance_factor(error: float, previous: float, order: int = 2) -> float:
    """Next dt / this dt after an accepted step: the PI controller of Gustafsson (1991).

    ``error`` and ``previous`` are this and the last accepted estimate over
    the tolerance; ``order`` k: the estimate is O(dt^k) (step doubling's, of
    the implicit Euler halves: 2; BDF2's Milne estimate: 3). The integral gain
    is 0.7/k and the proportional 0.4/k (Hairer & Wanner II, IV.2); safety
    0.9; the factor stays in [0.2, 2] so that one odd estimate cannot swing dt.
    """
    error = max(error, 1e-10)
    return min(2.0, max(0.2, 0.9 * error ** (-0.7 / order) * max(previous, 1e-10) ** (0.4 / order)))


def rejection_factor(error: float, order: int = 2) -> float:
    """New dt / rejected dt: the elementary controller (error ~ dt^order) with safety 0.9, at least
    a factor 5 smaller for a non-finite estimate, at most 0.9."""
    if not math.isfinite(error):
        return 0.2
    return min(0.9, max(0.2, 0.9 * error ** (-1.0 / order)))


def _grain_measures(eta: np.ndarray) -> np.ndarray:
    """Measure of every grain in cells: sum of eta_g^2 / sum_j eta_j^2 (as ``grain_area``)."""
    e2 = eta**2
    return (e2 / np.maximum(e2.sum(axis=0), 1e-12)).sum(axis=1)


def _history_entry(state: State) -> tuple:
    """What BDF2 keeps of an accepted state: (time, eta, n, grain measures), copies of the fields
    (nucleation and reassignment change them in place)."""
    return state.time, state.eta.copy(), state.n.copy(), _grain_measures(state.eta)


def _measure_scale(measures: np.ndarray, start: np.ndarray, dt: float) -> float:
    """The largest change of any grain's measure in a step, floored by ``_CALM_RATE`` dt: the
    scale both the sweeps' stop and the time-error estimate are relative to."""
    return float(np.abs(measures - start).max()) + _CALM_RATE * dt


def transported(n: np.ndarray, mu: np.ndarray, mobility_face: np.ndarray, dt: float, geometry: FaceGeometry) -> np.ndarray:
    """n + dt div(M grad mu) / V per species: the densities after a step, from the fluxes.

    Each face's flux leaves one cell and enters the other, so the sum of V n
    does not change beyond round-off, whatever the linear solver's residual.
    """
    return n + dt * np.stack([geometry.flux_divergence(m, mobility_face) for m in mu]) / geometry.volume


def _toward(remaining: float, dt: float) -> float:
    """The step toward a time ``remaining`` ahead when the controller proposes ``dt``.

    Within 10 % of the target, land on it; within two steps, split the rest in
    halves, so that no sliver step is left whose error estimate is all solver
    noise (a sliver of 1e-8 s before a nucleation time was rejected and retried
    without end).
    """
    if remaining <= 1.1 * dt:
        return remaining
    if remaining < 2.0 * dt:
        return 0.5 * remaining
    return dt


@dataclass
class State:
    """Everything that evolves, in solver units except where named."""

    time: float
    eta: np.ndarray
    n: np.ndarray  # (species, cells) densities of the conserved precursor units
    orientation_deg: np.ndarray
    active: np.ndarray
    dt: float
    n_steps: int = 0
    n_rejected: int = 0
    nucleation_index: int = 1
    nuclei: int = 0
    refused: int = 0
    crystals: int = 0  # crystal nuclei planted in the amorphous parent
    merged: int = 0  # of those, planted next to a grain of their slot (no free slot)
    formed_s: list = dataclasses.field(default_factory=list)  # formation times of the planted nuclei [s]
    sites_nm: list = dataclasses.field(default_factory=list)  # their contact cells' centres [nm], in the same order
    error: float = 1.0  # last accepted error estimate / tolerance: the PI controller's memory
    grains: tracking.GrainTable | None = None  # the tracked grains (identity, phase, orientation, cells)
    reassigned: int = 0  # grains moved to another slot
    unresolved: list = dataclasses.field(default_factory=list)  # close pairs [a, b] that found no free slot (they merge)


def check_slots(params: ModelParameters, micro: Microstructure) -> None:
    """Refuse grains sharing slots without reassignment (before any work)."""
    if not params.grain_reassignment and micro.n_shaped_slots < len(micro.grains):
        raise ParameterError(
            f"grain_reassignment = False is not allowed with {len(micro.grains)} grains in {micro.n_shaped_slots} order-parameter slots "
            "(Microstructure.slots); allowed: grain_reassignment = True, or one slot per grain"
        )


def _source_file(cls: type) -> str:
    """The file that defines ``cls`` ("" if none: a class made at run time)."""
    try:
        return inspect.getsourcefile(cls) or ""
    except TypeError:
        return ""


def package_version() -> str:
    try:
        return metadata.version("nvp-growth")
    except metadata.PackageNotFoundError:
        return "unknown"


def _within_particle(owner: np.ndarray, cell: int, distance_nm: np.ndarray) -> np.ndarray:
    """A seed's signed distance with the cells of particles other than the one owning ``cell`` put
    outside it (inf): a seed never crosses a gap (``owner``: :func:`nucleation.particle_owner`)."""
    return np.where(owner == owner[cell], distance_nm, np.inf)


class Simulation:
    """A phase-field run of a microstructure under a parameter set.

    Parameters
    ----------
    params
        Validated physical parameters (any :class:`ModelParameters` subclass).
    micro
        Grains and shapes of the initial state.
    """

    def __init__(self, params: ModelParameters, micro: Microstructure):
        check_slots(params, micro)
        self.params = params
        self.micro = micro
        self.units = SolverUnits.from_parameters(params)
        self.grains = micro.all_grains()
        self.grain_phase = grain_phase_indices(self.grains)
        self.fixed = is_substrate(self.grains)
        # slots whose grains are tracked: every evolving one but the surroundings
        self.tracked = np.flatnonzero(~self.fixed & (self.grain_phase != PHASES.index(SURROUNDINGS)))
        self.reach_cells = params.reassignment_distance_widths * params.interface_width_nm / params.dx_nm
        shape = params.shape
        # the whole grid on every MPI rank (the fields are replicated; only solves are distributed)
        self.mesh = grid_mesh(shape, fp.serialComm)
        self.geometry = FaceGeometry.from_mesh(self.mesh)
        coords = np.asarray(self.mesh.cellCenters.value) * params.dx_nm
        self.grid = Grid(coords_nm=coords, shape=shape, dx_nm=params.dx_nm)
        facets = [params.facets(g.phase) for g in self.grains]
        self.facets = facets if any(f is not None for f in facets) else None
        self.stabilization = [params.facet_stabilization * anisotropy.max_flux_stiffness(f) if f is not None else 0.0 for f in facets]
        # Two sets of equations, for the half steps and for the whole step of step doubling:
        # each keeps its own multigrid hierarchy for its own dt (fast backend).
        self.equations = self._build_equations()
        self.whole_step_equations = self._build_equations()
        self._history: list = []  # BDF2: the last accepted (time, eta, n, grain measures), oldest first
        self.error_order = 2  # the order k of the last step's error estimate (O(dt^k)): what the controller scales by
        self._local = functools.lru_cache(maxsize=8)(lambda T: local_coefficients(params, self.units, T))
        self.cell_measure = params.dx_nm**self.grid.dim
        self.measure_targets: dict[int, float] = {}
        if params.constant_measure_phase:
            start = self.initial_state()
            for g in np.flatnonzero((self.grain_phase == PHASES.index(params.constant_measure_phase)) & start.active):
                self.measure_targets[int(g)] = grain_measure(start.eta, int(g), self.cell_measure)

    def _build_equations(self):
        return make_backend(self.params, self.mesh, self.geometry, n_grains=len(self.grains), anisotropic=self.facets is not None)

    def reset_solvers(self, state: State | None = None) -> None:
        """Forget reused solver state (at every frame: a resumed run repeats the uninterrupted one).

        BDF2's history keeps what a frame carries: the times and grain measures of the states that
        led to ``state`` (:meth:`bdf2_memory`) and the fields of the one before it
        (:meth:`bdf2_previous`); None: nothing."""
        self.equations.reset()
        self.whole_step_equations.reset()
        if state is None:
            self.restore_bdf2_memory([])
        else:
            self.restore_bdf2_memory(self.bdf2_memory(state), self.bdf2_previous(state))

    def bdf2_memory(self, state: State) -> list[list]:
        """[[time, grain measures], ...] of BDF2's history, oldest first, if it ends at ``state``
        (else []): JSON for the resume state. With it and :meth:`bdf2_previous` the first step
        after a frame is BDF2's (Milne's estimate needs the measures of the three states, the
        step the fields of the last two)."""
        if not self._history_leads_to(state):
            return []
        return [[t, [float(x) for x in m]] for t, _, _, m in self._history]

    def bdf2_previous(self, state: State) -> tuple[np.ndarray, np.ndarray] | None:
        """(eta, n) of the accepted state before ``state`` if BDF2's history ends at ``state`` and
        holds them (else None): what a frame stores so that BDF2 goes on across it."""
        h = self._history
        if len(h) < 2 or h[-2][1] is None or not self._history_leads_to(state):
            return None
        return h[-2][1], h[-2][2]

    def restore_bdf2_memory(self, memory: list[list], previous: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """BDF2's history from a resume state's :meth:`bdf2_memory` and, if given, the fields of
        the state before the last (:meth:`bdf2_previous`)."""
        self._history = [(t, None, None, np.asarray(m, dtype=float)) for t, m in memory]
        if previous is not None and len(self._history) >= 2:
            t, _, _, m = self._history[-2]
            self._history[-2] = (t, np.array(previous[0], dtype=float), np.array(previous[1], dtype=float), m)

    def _history_leads_to(self, state: State) -> bool:
        """Whether BDF2's history ends at ``state``: a frame's state (fields not yet filled in) or the last accepted one."""
        h = self._history
        return bool(h) and h[-1][0] == state.time and (h[-1][1] is None or self._ends_at(state))

    def _ends_at(self, state: State) -> bool:
        """Whether BDF2's last history entry holds ``state``'s time and fields (nothing planted or moved since)."""
        h = self._history
        return bool(h) and h[-1][0] == state.time and np.array_equal(h[-1][1], state.eta) and np.array_equal(h[-1][2], state.n)

    # ---- state ------------------------------------------------------------------------------
    def initial_state(self) -> State:
        eta, n = build_fields(self.micro, self.grid.coords_nm, self.params.interface_width_nm)
        active = np.zeros(len(self.grains), dtype=bool)
        active[: 1 + self.micro.n_shaped_slots] = True
        orientation = np.array([g.orientation_deg for g in self.grains], dtype=float)
        state = State(time=0.0, eta=eta, n=n, orientation_deg=orientation, active=active, dt=self.params.dt_initial_s / self.units.time_s)
        state.grains = tracking.GrainTable.empty(len(self.grains), eta.shape[1])
        own, _ = painted(self.micro, self.grid.coords_nm, self.params.interface_width_nm)
        for grain, slot, field in zip(self.micro.grains, self.micro.slot_of_grain, own):
            if slot in self.tracked:
                self.register(state, slot, field > self.params.grain_threshold, grain.orientation_deg)
        self.track(state)
        return state

    # ---- grains -----------------------------------------------------------------------------
    def register(self, state: State, slot: int, cells: np.ndarray, orientation_deg: float) -> int:
        """A new grain in ``slot`` on ``cells`` (matched to its core at the next :meth:`track`); returns its id."""
        grain = state.grains.new(self.grain_phase[slot], orientation_deg, self.time_s(state))
        state.grains.owner[slot, cells] = grain
        return grain

    def track(self, state: State) -> None:
        """Match every tracked slot's grains to the previous ones (:mod:`phasefield.model.tracking`),
        then, with ``grain_reassignment``, separate grains of one slot that came close."""
        self.retrack(state)
        if self.params.grain_reassignment:
            self.reassign(state)

    def retrack(self, state: State) -> None:
        """Rebuild the distances of a table read back from a frame (the grains are the same: a
        resumed run repeats the uninterrupted one)."""
        for slot in self.tracked:
            self._track_slot(state, slot)

    def _track_slot(self, state: State, slot: int) -> None:
        p = self.params
        tracking.update(state.grains, slot, state.eta[slot], self.grid.shape, p.grain_threshold, self.grain_phase[slot],
                        state.orientation_deg[slot], self.time_s(state))

    def reassign(self, state: State) -> None:
        """Move grains among the slots of their phase until no two of one slot are close
        (:mod:`phasefield.model.reassignment`); pairs that cannot be separated are logged once and counted."""
        p = self.params
        table = state.grains
        for _ in range(len(table.phase) + 1):  # each move settles a pair; bounded by the grains
            for slot in self.tracked:
                partners = [int(t) for t in self.tracked if t != slot and self.grain_phase[t] == self.grain_phase[slot]]
                found, stuck = reassignment.next_move(table, slot, partners, self.grid.shape, self.reach_cells, p.merge_misorientation_deg)
                for pair in stuck:
                    if list(pair) not in state.unresolved:
                        state.unresolved.append(list(pair))
                        warn_sparsely(len(state.unresolved), "grains %d and %d of slot %d at t=%.4g s: no %s slot has room; they merge where they meet (%d such pairs)",
                                      *pair, slot, self.time_s(state), PHASES[self.grain_phase[slot]], len(state.unresolved))
                if found is not None:
                    break
            else:
                return
            grain, target = found
            cells = reassignment.move(state.eta, table, grain, int(slot), target)
            state.active[target] = True
            self._track_slot(state, int(slot))
            self._track_slot(state, target)
            state.reassigned += 1
            log.info("grain %d moved from slot %d to slot %d at t=%.4g s (%d cells)", grain, slot, target, self.time_s(state), int(cells.sum()))

    def orientations(self, state: State) -> np.ndarray:
        """Orientation [degree] of the grain owning each cell of each slot (slots, cells): what the facet terms read."""
        return state.grains.cell_orientation(state.orientation_deg)

    def time_s(self, state: State) -> float:
        return state.time * self.units.time_s

    def temperature_K(self, t_solver: float) -> float:
        return self.params.temperature_K(t_solver * self.units.time_s)

    # ---- one step ---------------------------------------------------------------------------
    def try_step(
        self, state: State, dt: float, equations=None, guess: tuple[np.ndarray, np.ndarray] | None = None, linear: bool = False,
        origin: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Solve one step of size dt; returns (eta, n, largest field change).

        The implicit step is a nonlinear system; each sweep re-linearizes the
        coefficients about the latest iterate and solves the order parameters
        and then the species' chemical potentials (:func:`transported`). Plain sweeps (Picard) contract slowly where the explicit
        parts are stiff (measured on epitaxy after nucleation, dt = 0.02 s:
        0.85 per sweep, 6 % of the step's NVP area change left after 12), so
        the iterates are combined by Anderson mixing (type II, depth
        ``_ANDERSON_DEPTH``; Walker & Ni 2011), which left 0.7 % after 8. The
        sweeps stop once the iteration error left, estimated from the
        contraction of successive sweeps as theta / (1 - theta) x the last
        sweep's move of the grain measures (theta = last move / the one
        before; Hairer & Wanner II, IV.8), is below :func:`sweep_stop_fraction` x
        time_tolerance x the step's measure change. With Anderson mixing the
        residual falls faster than the error: on epitaxy after nucleation the
        true iteration error was 5-20x the measure residual, mostly in c; the
        step-doubling estimate sees what is left (tested: it bounds the kept
        step's iteration error), so the controller does not trust an
        unconverged step. A step that has not converged after ``sweeps`` is
        refused (FloatingPointError), and the caller retries it smaller.
        ``guess``: the first iterate (eta, n) if not the start (BDF2: the predictor); the first
        sweep's move is measured from it. ``linear``: one sweep, no convergence demand (the
        linearly implicit step of ``time_scheme`` "bdf2-linear", linearized about ``guess``).
        ``origin``: the time the step starts from, for messages (BDF2's ``state`` is its shifted start).
        """
        equations = self.equations if equations is None else equations
        start_s = (state.time if origin is None else origin) * self.units.time_s  # BDF2: its state, not the shifted start
        step = f"the step from t = {start_s:.6g} s to {(state.time + dt) * self.units.time_s:.6g} s"
        self._require_finite(step, eta=state.eta, n=state.n)
        lc = self._local(self.temperature_K(state.time + dt))
        evolving = np.flatnonzero(state.active & ~self.fixed)
        m0 = _grain_measures(state.eta)
        mixer = _Anderson(_ANDERSON_DEPTH)
        eta, n_guess = (state.eta, state.n) if guess is None else guess
        mu = fe.chemical_potential(n_guess, fe.phase_fractions(eta, self.grain_phase, lc.n_phases), lc)
        m = m0 if guess is None else _grain_measures(eta)  # the first iterate's: a sweep's move is from the last iterate
        previous = math.inf
        # the run's scheme: a BDF2 run's start-up steps are step doubling's, and measured on the whole
        # epitaxy (grid 64, time_tolerance 0.1) their iteration error at step doubling's stop cost
        # 0.2 % of the NVP area at 12 s (at BDF2's: 0.02 %)
        stop = sweep_stop_fraction(self.params.time_tolerance, self.params.time_scheme) * self.params.time_tolerance
        orientation = self.orientations(state) if self.facets is not None else None
        most = 1 if linear else self.params.sweeps
        for _ in range(most):
            k = step_coefficients(eta, mu, self.grain_phase, evolving, lc, self.geometry, self.facets, orientation, self.stabilization,
                                  local_stiffness=self.params.facet_local_stiffness,
                                  grain_orientation_deg=state.orientation_deg)
            if self.measure_targets:
                k = self._with_multipliers(k, eta, evolving)
            # before the solvers, which do not stop on NaN (see guards)
            self._require_finite(step, mu=mu, **{f"the coefficient {f.name}": getattr(k, f.name) for f in dataclasses.fields(k)})
            new_eta, new_mu, _ = equations.step(state.eta, state.n, k, evolving, dt, guess=(eta, mu))
            self._require_finite(step, eta=new_eta, mu=new_mu)
            m_new = _grain_measures(new_eta)
            moved = float(np.abs(m_new - m).max())
            scale = _measure_scale(m_new, m0, dt)
            eta, mu = mixer.mix(eta, mu, new_eta, new_mu, evolving)
            m = _grain_measures(eta)
            theta = moved / previous  # 0 after the first sweep: no contraction known yet
            if moved == 0.0 or (0.0 < theta < 1.0 and theta / (1.0 - theta) * moved <= stop * scale):
                break
            previous = moved
        else:
            if most > 1:
                raise FloatingPointError(f"sweeps did not converge in {most}")
        n = transported(state.n, mu, k.mobility_face, dt, self.geometry)
        self._require_finite(step, eta=eta, mu=mu, n=n)
        change = max(float(np.abs(eta - state.eta).max()), float(np.abs(n - state.n).max()))
        return eta, n, change

    @staticmethod
    def _require_finite(step: str, **fields: np.ndarray) -> None:
        """Raise :class:`FieldFault` naming the first field of ``fields`` that holds NaN or inf."""
        bad = non_finite(fields)
        if bad is not None:
            raise FieldFault(f"{bad} in {step}")

    def allen_cahn_force(self, k, eta: np.ndarray, evolving: np.ndarray) -> np.ndarray:
        """F_i = -dF/d eta_i / V at the iterate, (evolving, cells), with the discrete operators of
        the solves (the two-point flux with the implicit coefficient plus the explicit rest)."""
        V = self.geometry.volume
        force = np.empty((len(evolving), V.size))
        for n, i in enumerate(evolving):
            div = self.geometry.flux_divergence(eta[i], k.grain_kappa(n))
            force[n] = div / V + k.explicit[n] - k.s_plus[n] * eta[i]
        return force

    def _with_multipliers(self, k, eta: np.ndarray, evolving: np.ndarray):
        force = self.allen_cahn_force(k, eta, evolving)
        directions = np.array([measure_gradient(eta, g)[evolving] for g in self.measure_targets])
        lam = multipliers(force, 1.0 / k.tau, directions, self.geometry.volume)
        return dataclasses.replace(k, explicit=k.explicit + np.tensordot(lam, directions, axes=1))

    def doubled_step(self, state: State, dt: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Step doubling: one whole step and two half steps, kept as their Richardson extrapolation.

        Returns (eta, n, largest field change, error estimate / time_tolerance);
        the estimate is that of the two halves, so it bounds the extrapolated
        result's error conservatively. The whole step comes first: if it breaks
        the field-change cap, the halves are not computed.
        """
        whole_eta, whole_n, change = self.try_step(state, dt, self.whole_step_equations)
        if change > self.params.max_field_change:
            return whole_eta, whole_n, change, math.inf
        whole_eta = self._hold(whole_eta)
        # the halves' sweeps start from the start of the step, not from the whole step: started there
        # they took 40 % fewer sweeps but correlated the two results, and the controller took 1.7x the
        # steps for a 6x larger error of the epitaxy NVP growth rate (same wall time)
        eta, n, first = self.try_step(state, 0.5 * dt)
        middle = dataclasses.replace(state, time=state.time + 0.5 * dt, eta=self._hold(eta), n=n)
        eta, n, _ = self.try_step(middle, 0.5 * dt)
        eta = self._hold(eta)
        change = max(change, first, float(np.abs(eta - state.eta).max()), float(np.abs(n - state.n).max()))
        error = self.local_error(state.eta, eta, whole_eta, dt)
        # local extrapolation: 2 halves - whole cancels the O(dt^2) local error; n stays conserved
        return self._hold(2.0 * eta - whole_eta), 2.0 * n - whole_n, change, error

    def take_step(self, state: State, dt: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """One step of ``time_scheme``; returns (eta, n, largest field change, error estimate /
        time_tolerance). BDF2 needs the two accepted states before this one, since anything
        changed the fields (a nucleus planted, a grain moved): the fields of the last one (kept
        across frames, :meth:`bdf2_previous`) and the grain measures of the one before.
        Until then, for a step ratio above :data:`bdf2.MAX_RATIO`, and for a BDF2 result outside
        the order parameters' bounds, the step is step doubling's."""
        if self.params.time_scheme in BDF2_SCHEMES:
            h = self._history
            if h and h[-1][0] == state.time and h[-1][1] is None:  # a frame's state (reset_solvers checked it)
                h[-1] = _history_entry(state)
            elif not self._ends_at(state):
                self._history = [_history_entry(state)]
            h = self._history
            if len(h) == 3 and h[1][1] is not None and dt <= bdf2.MAX_RATIO * (h[-1][0] - h[-2][0]):
                eta, n, change, error = self.bdf2_step(state, dt)
                if out_of_bounds(eta, self.grid.coords_nm) is None:
                    self.error_order = 3
                    return eta, n, change, error
                # BDF2 keeps no sign (a mode that decays more than 4x a step starts the next one past
                # zero): this step is taken by step doubling instead, whose implicit Euler solves do not
                log.debug("BDF2 step from t = %g s left the bounds: step doubling instead", self.time_s(state))
        self.error_order = 2
        return self.doubled_step(state, dt)

    def _remember(self, state: State) -> None:
        """Keep an accepted state for BDF2 (the last three; after a frame, measures only for the older ones)."""
        if self.params.time_scheme in BDF2_SCHEMES:
            self._history = (self._history + [_history_entry(state)])[-3:]

    def bdf2_step(self, state: State, dt: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        """Variable-step BDF2 (:mod:`phasefield.numerics.bdf2`): the implicit Euler step of a dt from
        the shifted start c1 y_n - c0 y_{n-1}, its sweeps started from the linear predictor; the
        error is Milne's, on the grain measures (predictor: the quadratic through the last three),
        over time_tolerance x the step's largest measure change. Returns as :meth:`doubled_step`."""
        (t2, _, _, m2), (t1, _, _, m1), (t0, _, _, m0) = self._history
        start, a, guess = self.bdf2_system(state, dt)
        eta, n, _ = self.try_step(start, a * dt, self.whole_step_equations, guess, linear=self.params.time_scheme == "bdf2-linear", origin=state.time)
        t = t0 + dt
        eta = self._hold(eta)
        change = max(float(np.abs(eta - state.eta).max()), float(np.abs(n - state.n).max()))
        m = _grain_measures(eta)
        predicted = bdf2.extrapolate((t2, t1, t0), (m2, m1, m0), t)
        estimate = bdf2.error_share(dt, t0 - t1, t1 - t2) * float(np.abs(m - predicted).max())
        return eta, n, change, estimate / (self.params.time_tolerance * _measure_scale(m, m0, dt))

    def bdf2_system(self, state: State, dt: float) -> tuple[State, float, tuple[np.ndarray, np.ndarray]]:
        """BDF2's step of dt from ``state`` as an implicit Euler step: (the shifted start, a, the
        predictor (eta, n)); the step is ``try_step(start, a dt, guess=predictor)``."""
        _, (t1, eta1, n1, _), (t0, *_) = self._history
        c1, c0, a = bdf2.shifted_euler(dt / (t0 - t1))
        t = t0 + dt
        still = ~state.active | self.fixed  # kept bit for bit (c1 x - c0 x is x only to round-off)
        shifted, guess = c1 * state.eta - c0 * eta1, bdf2.extrapolate((t1, t0), (eta1, state.eta), t)
        shifted[still], guess[still] = state.eta[still], state.eta[still]
        start = dataclasses.replace(state, time=state.time + (1.0 - a) * dt, eta=shifted, n=c1 * state.n - c0 * n1)
        return start, a, (guess, bdf2.extrapolate((t1, t0), (n1, state.n), t))

    def local_error(self, start: np.ndarray, halves: np.ndarray, whole: np.ndarray, dt: float) -> float:
        """Largest grain-measure difference of the two results over (tolerance x the largest measure change).

        For a first-order scheme the difference between one whole step and two
        halves is the local error of the halves; the scale is the largest change
        of any grain's measure in this step, floored by ``_CALM_RATE`` dt.
        """
        m0, m, mw = (_grain_measures(e) for e in (start, halves, whole))
        scale = _measure_scale(m, m0, dt)
        return float(np.abs(m - mw).max()) / (self.params.time_tolerance * scale)

    def _hold(self, eta: np.ndarray) -> np.ndarray:
        return hold_measures(eta, self.measure_targets, self.cell_measure, movable=~self.fixed)

    def advance(self, state: State, t_end: float) -> State:
        """Step from ``state.time`` to exactly ``t_end`` (solver units)."""
        p = self.params
        dt_max = p.dt_max_s / self.units.time_s
        dt_min = 1e-9 * dt_max
        while state.time < t_end:
            dt = _toward(t_end - state.time, state.dt)
            lands = dt == t_end - state.time
            clipped = dt < state.dt
            try:
                eta, n, change, error = self.take_step(state, dt)
            except FloatingPointError as err:
                change, error, eta, n = math.inf, math.inf, None, None
                log.debug("step rejected at t=%g: %s", state.time, err)
            if change > p.max_field_change or error > 1.0:
                state.n_rejected += 1
                state.dt = dt * (0.5 if change > p.max_field_change else rejection_factor(error, self.error_order))
                if state.dt < dt_min:
                    raise SimulationError(
                        f"time step fell below {dt_min * self.units.time_s:.3g} s at t = {self.time_s(state):.6g} s: the run blew up "
                        "(frames written so far are kept; lower dt_max_s or check the parameters)"
                    )
                continue
            self._require_finite(f"the step from t = {self.time_s(state):.6g} s", eta=eta, n=n)  # the extrapolation too
            state.eta, state.n = eta, n
            state.time = t_end if lands else state.time + dt
            self._remember(state)
            state.n_steps += 1
            bad = out_of_bounds(eta, self.grid.coords_nm)
            if bad is not None:
                raise FieldFault(f"the order parameters left their bounds after the step to t = {self.time_s(state):.6g} s: {bad}")
            self.track(state)
            grown = min(dt * acceptance_factor(error, state.error, self.error_order), dt_max)
            if not clipped:
                state.dt = grown
                state.error = error
            else:  # cut short to land on a time: it may only let the proposal grow, or landings would hold it
                state.dt = max(state.dt, grown)
        return state

    # ---- nucleation -------------------------------------------------------------------------
    def nucleate(self, state: State, rng: np.random.Generator) -> list[nucleation.Nucleus]:
        """Sample the nuclei of the interval that ends now and plant them (see :mod:`phasefield.model.nucleation`).

        A nucleus takes a free NVP slot: one never used, else one whose grain has
        vanished (max eta < ``nucleation.VANISHED``); with ``grain_reassignment``, the
        NVP slot whose grains are farthest from it (:meth:`roomiest_slot`; reassignment
        separates it from a grain of that slot that is too close). With none free (every
        slot's grain sits on the nucleus's cell, with reassignment) it is refused: logged
        as a warning and counted in ``state.refused`` (the run's ``n_refused_nuclei`` attribute);
        so is a nucleus whose precursor cannot supply its seed's units (until 2026-12-03 that
        ended the run with a traceback).
        """
        p = self.params
        t1 = self.time_s(state)
        T = self.temperature_K(state.time)
        h = fe.phase_fractions(state.eta, self.grain_phase, len(PHASES))
        cells, times = nucleation.sample_nuclei(rng, p, h, self.cell_measure, t1 - p.nucleation_interval_s, t1)
        planted = []
        if cells.size and nucleation.seed_nucleus(p, T) is None:  # cooled below T_c within the interval
            log.info("%d NVP nuclei formed before t=%.3f s dissolved: T = %.2f K <= T_c when planted", cells.size, t1, T)
            return planted
        for cell, formed in zip(cells, times):
            slot = self._nvp_slot(state, int(cell))
            if slot is None:
                held = "hold a grain on its cell" if p.grain_reassignment else "hold grains"
                _refuse(state, "NVP", formed, f"all {int((self.grain_phase == _NVP).sum())} NVP slots {held}")
                continue
            try:
                planted.append(self.plant_nucleus(state, slot, int(cell), nucleation.seed_nucleus(p, T), float(formed)))
            except nucleation.SeedRefused as err:  # too little precursor there to give the seed its units
                _refuse(state, "NVP", formed, err)
        return planted + self.crystallize(state, rng)

    def _nvp_slot(self, state: State, cell: int) -> int | None:
        if not self.params.grain_reassignment:
            return self._free_nvp_slot(state)
        slot, room = self.roomiest_slot(state, _NVP, np.arange(cell, cell + 1))
        return slot if room > 0.0 else None

    def roomiest_slot(self, state: State, phase: int, cells: np.ndarray) -> tuple[int, float]:
        """The tracked slot of ``phase`` whose grain cores are farthest from ``cells`` (unused slots
        first on a tie), and that distance [cells] (inf: the slot holds no grain)."""
        slots = [int(s) for s in self.tracked if self.grain_phase[s] == phase]
        rooms = [float(state.grains.distance[s][cells].min(initial=np.inf)) for s in slots]
        best = max(range(len(slots)), key=lambda k: (rooms[k], not state.active[slots[k]], -slots[k]))
        return slots[best], rooms[best]

    def _free_nvp_slot(self, state: State) -> int | None:
        """An NVP slot never used, else one whose grain vanished; None if all hold grains."""
        nvp = self.grain_phase == _NVP
        for free in (nvp & ~state.active, nvp & state.active & (state.eta.max(axis=1) < nucleation.VANISHED)):
            if free.any():
                return int(np.flatnonzero(free)[0])
        return None

    def plant_nucleus(self, state: State, slot: int, cell: int, lens: nucleation.Lens, formed_s: float | None = None) -> nucleation.Nucleus:
        """Plant ``lens`` on the contact at ``cell`` into NVP ``slot`` (n conserved; see
        :func:`phasefield.model.nucleation.plant`); ``formed_s`` is the formation time [s] (default: now).
        Raises :class:`phasefield.model.nucleation.SeedRefused`, with ``state`` unchanged, if the
        precursor there cannot supply the seed's units."""
        p = self.params
        formed_s = self.time_s(state) if formed_s is None else formed_s
        h = fe.phase_fractions(state.eta, self.grain_phase, len(PHASES))
        normal = nucleation.contact_normal(h, self.geometry.gradient, cell)
        center = self.grid.coords_nm[:, cell]
        owner = nucleation.particle_owner(h, self.grid.shape)
        distance = _within_particle(owner, cell, lens.distance(self.grid.coords_nm, center, normal))
        reach = max(lens.half_chord_nm, 2.0 * p.interface_width_nm)
        parents = np.flatnonzero(self.grain_phase == _A)
        orientation = float(state.orientation_deg[slot])
        if parents.size:  # epitaxy: the NH4VO3 grain under the nucleus lends its orientation (0 offset: the relationship)
            parent = float(self.orientations(state)[parents[np.argmax(state.eta[parents, cell])], cell])
            orientation = parent + p.nucleus_orientation_offset_deg
        reuse = not p.grain_reassignment  # with reassignment the slot keeps its other grains
        # first, since it may refuse the seed (SeedRefused): the state is then left as it was
        eta, n = nucleation.plant(state.eta, state.n, self.grain_phase, slot, distance, p.interface_width_nm, reach, reuse=reuse)
        if not (p.grain_reassignment and state.active[slot]):  # a slot's own orientation: that of its first grain
            state.orientation_deg[slot] = orientation
        state.eta, state.n = eta, n
        state.active[slot] = True
        self.register(state, slot, distance <= 0.0, orientation)
        self.track(state)
        state.nuclei += 1
        state.formed_s.append(float(formed_s))
        state.sites_nm.append([float(x) for x in center])
        log.info("NVP nucleus in slot %d formed at t=%.3f s, planted at %.3f s at (%s) nm, lens R=%.2f/%.2f nm",
                 slot, formed_s, self.time_s(state), center, lens.radius_A_nm, lens.radius_S_nm)
        return nucleation.Nucleus(formed_s, slot, tuple(center), lens.equivalent_radius_nm, orientation)

    def crystallize(self, state: State, rng: np.random.Generator) -> list[nucleation.Nucleus]:
        """Sample the crystal nuclei of the interval that ends now in the amorphous parent and plant them
        (:mod:`phasefield.model.crystallization`).

        Only products that have slots in the run are sampled (a scenario without
        NH4VO3 or NaH2PO4 grains does not model their crystallization). A nucleus
        takes a slot of its phase holding no grain within reach of it (the seed's
        radius plus two interface widths): unused slots first, each new grain with
        a random orientation; then slots already holding grains (the nucleus takes
        that slot's orientation; grains of one slot merge where they meet, with no
        boundary). With no such slot it joins the slot whose grains reach least
        into it (counted in ``state.merged``, the run's ``n_merged_crystal_nuclei``):
        a crowded region forms fewer grains than nuclei, though the transformed amount
        follows the nucleation law. With ``grain_reassignment`` every nucleus gets a
        random orientation and the slot of its phase whose grains are farthest from it
        (:meth:`roomiest_slot`); one that lands within two interface widths of a grain
        core of that slot counts as merged, and reassignment separates it from a grain
        that comes close (:meth:`reassign`). Each nucleus is registered as a tracked grain.
        """
        p = self.params
        products = tuple(ph for ph in p.crystallization_products if (self.grain_phase == PHASES.index(ph)).any())
        if not products or p.crystallization_prefactor_per_m2_s == 0.0:
            return []
        t1 = self.time_s(state)
        T = self.temperature_K(state.time)
        h = fe.phase_fractions(state.eta, self.grain_phase, len(PHASES))
        kinds, cells, times = crystallization.sample_crystal_nuclei(rng, p, products, h, self.cell_measure, t1 - p.nucleation_interval_s, t1)
        owner = nucleation.particle_owner(h, self.grid.shape) if cells.size else None  # the particles of the interval, as h
        planted = []
        for kind, cell, formed in zip(kinds, cells, times):
            product = PHASES[kind]
            radius = p.crystallization_seed_scale * float(crystallization.critical_radius_nm(p, product, T))
            if not np.isfinite(radius):  # cooled below the crystallization temperature within the interval
                log.info("%s nucleus formed at t=%.3f s dissolved before planting", product, formed)
                continue
            center = self.grid.coords_nm[:, cell]
            distance = _within_particle(owner, int(cell), Disc(tuple(center), radius).distance(self.grid.coords_nm))
            if p.grain_reassignment:
                slot, room = self.roomiest_slot(state, kind, distance <= 0.0)
                alone = room * p.dx_nm > 2.0 * p.interface_width_nm
            else:
                slot, alone = self._crystal_slot(state, kind, distance <= 2.0 * p.interface_width_nm)
            try:
                state.eta, state.n = nucleation.plant(
                    state.eta, state.n, self.grain_phase, slot, distance, p.interface_width_nm, radius + 2.0 * p.interface_width_nm,
                    parents=(PHASES.index(p.crystallization_parent),), reuse=False,
                )
            except nucleation.SeedRefused as err:  # too little parent left there to give the seed its units
                _refuse(state, product, formed, err)
                continue
            orientation = float(state.orientation_deg[slot])
            if p.grain_reassignment or not state.active[slot]:  # without reassignment a slot's grains share its orientation
                orientation = rng.uniform(0.0, 360.0)
            if not state.active[slot]:
                state.orientation_deg[slot] = orientation
            self.register(state, slot, distance <= 0.0, orientation)
            if not alone:
                state.merged += 1
                log.info("%s nucleus formed at t=%.3f s joins slot %d next to its grain (%d so far)", product, formed, slot, state.merged)
            state.active[slot] = True
            self.track(state)
            state.crystals += 1
            log.info("%s nucleus in slot %d formed at t=%.3f s, planted at %.3f s at (%s) nm, r=%.2f nm",
                     product, slot, formed, t1, center, radius)
            planted.append(nucleation.Nucleus(float(formed), slot, tuple(center), radius, orientation, product))
        return planted

    def _crystal_slot(self, state: State, phase: int, near: np.ndarray) -> tuple[int, bool]:
        """The slot of ``phase`` for a nucleus covering the cells ``near``, and whether no grain is there.

        Unused slots first, then used ones with no grain near; else the one with the
        least of its grains near (the nucleus joins that grain where they meet)."""
        slots = sorted(np.flatnonzero((self.grain_phase == phase) & ~self.fixed), key=lambda s: bool(state.active[s]))
        crowding = [float(state.eta[s, near].max(initial=0.0)) for s in slots]
        best = int(np.argmin(crowding))
        free = [s for s, c in zip(slots, crowding) if c < nucleation.VANISHED]
        return (int(free[0]), True) if free else (int(slots[best]), False)

    # ---- output -----------------------------------------------------------------------------
    def free_energy_J(self, state: State) -> float:
        """Total free energy [J, per metre of thickness in 2D]: the functional the equations descend."""
        lc = self._local(self.temperature_K(state.time))
        orientation = self.orientations(state) if self.facets is not None else None
        total = free_energy(state.eta, state.n, self.grain_phase, lc, self.geometry, self.facets, orientation, state.orientation_deg)
        return total * self.units.energy_J_m3 * self.units.length_m**self.grid.dim

    def misfit_energy_J(self, state: State) -> np.ndarray:
        """The misfit part of :meth:`free_energy_J` per grain [J, per metre of thickness in 2D]: that of its
        interfaces with the NH4VO3 grains it is in the orientation relationship with (0 for every other grain)."""
        lc = self._local(self.temperature_K(state.time))
        orientation = self.orientations(state) if self.facets is not None else None
        energy = misfit_energy(state.eta, self.grain_phase, lc, self.geometry, self.facets, orientation, state.orientation_deg)
        return energy * self.units.energy_J_m3 * self.units.length_m**self.grid.dim

    def frame(self, state: State) -> xr.Dataset:
        lc = self._local(self.temperature_K(state.time))
        return frame_dataset(
            time_s=self.time_s(state),
            temperature_K=self.temperature_K(state.time),
            eta=state.eta,
            n=state.n,
            mu=fe.chemical_potential(state.n, fe.phase_fractions(state.eta, self.grain_phase, len(PHASES)), lc),
            susceptibility=lc.susceptibility,
            energy_J_m3=self.units.energy_J_m3,
            grain_phase=self.grain_phase,
            orientation_deg=state.orientation_deg,
            active=state.active,
            grid=self.grid,
            free_energy_J=self.free_energy_J(state),
            grains=state.grains,
            misfit_energy_J=self.misfit_energy_J(state),
        )

    def static_attrs(self) -> dict:
        p = self.params
        return {
            "Conventions": "CF-1.11",
            "title": "nvp-growth phase-field run",
            "source": f"nvp-growth {package_version()}",
            "history": f"written by nvp-growth {package_version()} (phasefield.run)",
            "package_version": package_version(),
            "parameters": p.to_json(),
            "parameters_class": f"{type(p).__module__}.{type(p).__qualname__}",
            "parameters_source": _source_file(type(p)),
            "seed": p.seed,
            "backend": p.backend,
            "time_scheme": p.time_scheme,
            "time_unit_s": self.units.time_s,
            "energy_unit_J_m3": self.units.energy_J_m3,
            "grid_spacing_nm": p.dx_nm,
        }
