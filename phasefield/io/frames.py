"""One output frame: the fields and their diagnostics as a CF-annotated Dataset.

Everything leaves here in physical units (nm, s, K, J): fields on (y, x) with
``time`` first, time series per phase or grain, and the static description
of the grains. Every variable carries ``units`` and ``long_name``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..model import free_energy as fe
from ..model.phases import PHASES, REGISTRY, SPECIES, SURROUNDINGS
from ..model.tracking import GrainTable

_AXES = ("x", "y", "z")


@dataclass(frozen=True)
class Grid:
    """Cell-centre coordinates of the mesh in nm and the field shape (z, y, x order)."""

    coords_nm: np.ndarray  # (dim, cells)
    shape: tuple[int, ...]  # cells along x, y (, z)
    dx_nm: float

    @property
    def dim(self) -> int:
        return len(self.shape)

    @property
    def field_dims(self) -> tuple[str, ...]:
        return tuple(reversed(_AXES[: self.dim]))

    def to_field(self, values: np.ndarray) -> np.ndarray:
        """Cells -> array of shape ([z,] y, x) (FiPy numbers cells x-fastest)."""
        return values.reshape(values.shape[:-1] + tuple(reversed(self.shape)))

    def axis_nm(self, k: int) -> np.ndarray:
        return (np.arange(self.shape[k]) + 0.5) * self.dx_nm


def frame_dataset(
    *,
    time_s: float,
    temperature_K: float,
    eta: np.ndarray,
    n: np.ndarray,
    mu: np.ndarray,
    susceptibility: np.ndarray,
    energy_J_m3: float,
    grain_phase: np.ndarray,
    orientation_deg: np.ndarray,
    active: np.ndarray,
    grid: Grid,
    free_energy_J: float,
    grains: GrainTable,
    misfit_energy_J: np.ndarray | None = None,
) -> xr.Dataset:
    """Build the Dataset of one frame (time dimension of length 1).

    ``n`` and ``mu`` are the species' densities and chemical potentials
    (species, cells; mu in solver units of ``energy_J_m3``), ``susceptibility``
    chi per phase (solver units). ``free_energy_J`` is the total free energy
    already in J (per metre of thickness in 2D); ``misfit_energy_J`` its misfit part per grain
    (same units; default 0). ``grains``: the tracked grains, written as
    ``grain_id`` (the grain each cell of each slot belongs to) and ``tracked_grains`` (the
    living grains per phase); their phase and orientation go to the run's ``grain_table``
    attribute (:func:`grain_table_attribute`).
    """
    n_phases = len(PHASES)
    cell_measure = grid.dx_nm**grid.dim
    h = fe.phase_fractions(eta, grain_phase, n_phases)
    phase_amount = h.sum(axis=1) * cell_measure
    total = eta.shape[1] * cell_measure
    e2 = eta**2
    hg = e2 / np.maximum(e2.sum(axis=0), 1e-12)
    grain_amount = hg.sum(axis=1) * cell_measure
    with np.errstate(invalid="ignore", divide="ignore"):
        centroids = [(hg * grid.coords_nm[k]).sum(axis=1) * cell_measure / grain_amount for k in range(grid.dim)]
    empty = grain_amount < 0.5 * cell_measure
    v_weight = np.array([ph.v_content for ph in REGISTRY.phases])
    v_val = np.array([ph.v_valence for ph in REGISTRY.phases])
    v_amount = v_weight @ h
    mean_valence = float((v_val @ (h * v_weight[:, None])).sum() / max(v_amount.sum(), 1e-30))
    surroundings = PHASES.index(SURROUNDINGS)
    condensed = 1.0 - h[surroundings]
    # the surroundings' own share of the matter: h_s n_s with n_s = chi_s mu (it holds no units at mu = 0)
    in_surroundings = (h[surroundings] * susceptibility[surroundings] * mu).sum(axis=1) * cell_measure
    units_total = n.sum(axis=0)
    c = np.where(units_total > 1e-3, n[SPECIES.index("P")] / np.where(units_total > 1e-3, units_total, 1.0), 0.0)
    fdims = grid.field_dims
    unit_amount = "nm2" if grid.dim == 2 else "nm3"
    measure = "area" if grid.dim == 2 else "volume"
    energy_units, per_thickness = ("J m-1", " per unit thickness") if grid.dim == 2 else ("J", "")
    data = {
        "T": (("time",), [temperature_K], {"units": "K", "long_name": "temperature"}),
        "n": (("time", "species", *fdims), grid.to_field(n)[None], {"units": "1", "long_name": "density of precursor units (per volume of a condensed phase full of units)"}),
        "mu": (("time", "species", *fdims), grid.to_field(mu * energy_J_m3)[None], {"units": "J m-3", "long_name": "chemical potential of the precursor units"}),
        "c": (("time", *fdims), grid.to_field(c)[None], {"units": "1", "long_name": "P-bearing fraction of the precursor units (n_P / (n_V + n_P); 0 where there are none)"}),
        "eta": (("time", "grain", *fdims), grid.to_field(eta)[None], {"units": "1", "long_name": "grain order parameter"}),
        "phase_map": (
            ("time", *fdims),
            grid.to_field(np.argmax(h, axis=0).astype("i1"))[None],
            {
                "units": "1",
                "long_name": "index of the locally dominant phase",
                "flag_values": np.arange(n_phases, dtype="i1"),
                "flag_meanings": " ".join(PHASES),
            },
        ),
        "phase_fraction": (("time", "phase"), (phase_amount / total)[None], {"units": "1", "long_name": f"{measure} fraction of each phase"}),
        "phase_area": (("time", "phase"), phase_amount[None], {"units": unit_amount, "long_name": f"{measure} of each phase"}),
        "grain_area": (("time", "grain"), grain_amount[None], {"units": unit_amount, "long_name": f"{measure} of each grain"}),
        "orientation": (("time", "grain"), orientation_deg[None], {"units": "degree", "long_name": "in-plane crystal orientation of each slot (of its first grain; the tracked grains' own are in grain_table)"}),
        "active": (("time", "grain"), active.astype("i1")[None], {"units": "1", "long_name": "grain slot in use (1) or empty (0)"}),
        "grain_id": (
            ("time", "grain", *fdims),
            grid.to_field(grains.owner.astype("i4"))[None],
            {"units": "1", "long_name": "tracked grain each cell of each slot belongs to (the slot's nearest grain core; 0: none)"},
        ),
        "tracked_grains": (("time", "phase"), _grains_per_phase(grains, n_phases)[None], {"units": "1", "long_name": "number of tracked grains of each phase"}),
        "mean_V_valence": (("time",), [mean_valence], {"units": "1", "long_name": "V-weighted mean V oxidation state"}),
        "amount": (("time", "species"), (n.sum(axis=1) * cell_measure)[None], {"units": unit_amount, "long_name": f"integral of n ({measure} of a full condensed phase; conserved)"}),
        "amount_in_surroundings": (("time", "species"), in_surroundings[None], {"units": unit_amount, "long_name": "the surroundings' share of the integral of n (h_s chi_s mu)"}),
        "condensed_area": (("time",), [float(condensed.sum() * cell_measure)], {"units": unit_amount, "long_name": f"{measure} of condensed matter"}),
        "free_energy": (("time",), [free_energy_J], {"units": energy_units, "long_name": "total free energy" + per_thickness}),
        "misfit_energy": (
            ("time", "grain"),
            (np.zeros(eta.shape[0]) if misfit_energy_J is None else np.asarray(misfit_energy_J, dtype=float))[None],
            {"units": energy_units, "long_name": "epitaxial misfit energy of the grain's interfaces with NH4VO3 grains in the orientation relationship" + per_thickness},
        ),
    }
    for k, axis in enumerate(_AXES[: grid.dim]):
        vals = np.where(empty, np.nan, centroids[k])
        data[f"centroid_{axis}"] = (("time", "grain"), vals[None], {"units": "nm", "long_name": f"{axis} of the grain centroid"})
    coords = {
        # elapsed time since the start of the run: a simulation has no calendar epoch, and a
        # "seconds since <date>" unit would make xarray decode it to dates (see tests/phasefield/io/test_cf_compliance.py)
        "time": ("time", [time_s], {"units": "s", "standard_name": "time", "long_name": "time since the start of the run", "axis": "T"}),
        "phase": ("phase", np.array(PHASES, dtype=object), {"units": "1", "long_name": "phase label"}),
        "species": ("species", np.array([f"{k}-bearing unit" for k in SPECIES], dtype=object), {"units": "1", "long_name": "conserved species"}),
        "grain": ("grain", np.arange(eta.shape[0]), {"units": "1", "long_name": "grain (order-parameter slot) index"}),
        "grain_phase": ("grain", np.array([PHASES[i] for i in grain_phase], dtype=object), {"units": "1", "long_name": "phase of each grain"}),
    }
    for k, axis in enumerate(_AXES[: grid.dim]):
        # no CF "axis" attribute: CF reads X, Y, Z as longitude, latitude and vertical
        coords[axis] = (axis, grid.axis_nm(k), {"units": "nm", "long_name": f"{axis} position of cell centres"})
    return xr.Dataset(data, coords=coords)


def resume_fields(grid: Grid, eta: np.ndarray, n: np.ndarray) -> dict[str, tuple]:
    """The fields of the accepted state before a frame, as variables without ``time`` (named in
    :data:`phasefield.io.output.RESUME_VARIABLES`): with them a resumed BDF2 run goes on across
    the frame as the uninterrupted run does."""
    fdims = grid.field_dims
    return {
        "bdf2_previous_eta": (("grain", *fdims), grid.to_field(eta), {"units": "1", "long_name": "grain order parameter of the accepted state before this frame (for resume)"}),
        "bdf2_previous_n": (("species", *fdims), grid.to_field(n), {"units": "1", "long_name": "density of precursor units of the accepted state before this frame (for resume)"}),
    }


def _grains_per_phase(grains: GrainTable, n_phases: int) -> np.ndarray:
    """Living tracked grains of each phase."""
    alive = grains.alive()
    return np.bincount(np.asarray(grains.phase, dtype=int)[alive - 1], minlength=n_phases).astype("i4")


def grain_table_attribute(grains: GrainTable) -> str:
    """The run attribute ``grain_table``: JSON lists indexed by grain id - 1 (phase as a name,
    orientation in degree, born and ended in s (null while alive), merged_into: 0 for none)."""
    records = grains.records()
    return json.dumps({**records, "phase": [PHASES[i] for i in records["phase"]], "units": {"orientation_deg": "degree", "born_s": "s", "ended_s": "s"}})
