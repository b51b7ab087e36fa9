"""Solver units: the scales that make the equations dimensionless."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.parameters import ModelParameters


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
