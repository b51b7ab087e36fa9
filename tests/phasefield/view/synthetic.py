"""Small hand-made runs for the view tests: grains given by masks on a grid."""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasefield.model.phases import PHASES, SURROUNDINGS


def grid(nx: int, ny: int, dx_nm: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre coordinates (x, y) in nm."""
    return (np.arange(nx) + 0.5) * dx_nm, (np.arange(ny) + 0.5) * dx_nm


def grains_run(
    x: np.ndarray,
    y: np.ndarray,
    grains: list[tuple[str, float, np.ndarray]],
    times: tuple[float, ...] = (0.0,),
    temperature_K: float = 983.15,
) -> xr.Dataset:
    """A run with grain 0 the surroundings (1 - the others) and one grain per (phase, orientation
    in degree, mask on (y, x)), the same in every frame; the variables the views read."""
    masks = np.array([m.astype(float) for _, _, m in grains])
    eta = np.concatenate([np.clip(1.0 - masks.sum(axis=0), 0.0, 1.0)[None], masks])
    phases = [SURROUNDINGS] + [p for p, _, _ in grains]
    index = np.array([PHASES.index(p) for p in phases])
    phase_map = index[np.argmax(eta, axis=0)].astype("i1")
    nt, ng = len(times), len(phases)
    return xr.Dataset(
        {
            "eta": (("time", "grain", "y", "x"), np.broadcast_to(eta, (nt, *eta.shape)).copy()),
            "orientation": (("time", "grain"), np.tile([0.0] + [o for _, o, _ in grains], (nt, 1)), {"units": "degree"}),
            "active": (("time", "grain"), np.ones((nt, ng), "i1")),
            "phase_map": (("time", "y", "x"), np.broadcast_to(phase_map, (nt, *phase_map.shape)).copy()),
            "T": (("time",), np.full(nt, temperature_K), {"units": "K"}),
        },
        coords={"time": ("time", list(times), {"units": "s"}), "x": x, "y": y, "grain": np.arange(ng),
                "grain_phase": ("grain", np.array(phases, dtype=object))},
    )
