r"""Ghost films: the energy of a flat interface once a third phase coats it.

In this multi-order-parameter model (:mod:`phasefield.model.free_energy`: pair-interpolated
:math:`\kappa(\eta)` and :math:`m(\eta)`, the three-grain term :data:`~phasefield.model.free_energy.GAMMA_3`)
a third phase k can sit inside an i|j interface at :math:`\eta_k \approx 0.3` as a film a few
interface widths thick. Its pairs with i and j take part of the interpolation weight, so where
their energies are low enough the film *lowers* the interface's energy, although the sharp-interface
film (an i|k plus a k|j interface) costs more whenever :math:`\sigma_{ik} + \sigma_{jk} > \sigma_{ij}`.
Once such a film is lower, it spreads from every contact line along the whole interface, and the
interface then carries less than its :math:`\sigma_{ij}`: Young's law is met with the lowered energy
(README, Limitations).

:func:`film_check` measures it for one interface and one third phase: the flat interface relaxed
from a seeded layer of the third phase and without it, at the model's own discretization. The
energies are differences of the model's free energy, not a formula of this module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from phasefield import Grain, HalfSpace, Microstructure, ModelParameters, run
from phasefield.model.phases import PHASES, REGISTRY, SUBSTRATE, SURROUNDINGS, pair_key
from phasefield.model.values import require

_MOBILITY_M4_JS = 1e-16
"""Pair mobility of the check: flat profiles and films relax within a second of model time at
l = 2 nm (measured on the wetting scenario's 60 degree set: the film energy is the same to 1e-13
relative after 2, 4, 8 and 16 s)."""


@dataclass(frozen=True)
class FilmCheck:
    """What a third phase does to a flat interface.

    Attributes
    ----------
    interface
        The interface's phases (lower, upper).
    third
        The phase seeded as a layer between them.
    amplitude
        Largest order parameter of the third phase after relaxation from the seeded layer: ~0.3 where a
        film stays (stable or metastable), ~0 where the layer dissolved.
    energy_J_m2
        Energy per area of the interface relaxed from the seeded layer [J/m^2].
    bare_energy_J_m2
        Energy per area of the interface without the third phase [J/m^2] (the pair energy, to the
        discretization's accuracy).
    """

    interface: tuple[str, str]
    third: str
    amplitude: float
    energy_J_m2: float
    bare_energy_J_m2: float

    @property
    def relative_change(self) -> float:
        """(energy with the film - bare energy) / bare energy: negative where the film lowers the interface."""
        return self.energy_J_m2 / self.bare_energy_J_m2 - 1.0


def film_check(params: ModelParameters, lower: str, upper: str, third: str, duration_s: float = 2.0, layer_widths: float = 0.5) -> FilmCheck:
    """Relax a flat ``lower``|``upper`` interface with and without a layer of ``third`` between them.

    ``params`` gives the pair energies, the interface width and the cell size. The check replaces the
    geometry (a column two interface widths wide, at least 8 cells, and twelve high, ``lower`` fixed
    below its middle) and the mobilities of the three pairs (:data:`_MOBILITY_M4_JS`), and switches the
    chemistry and transport off (a stiffness of 1 J/m^3: the densities follow the phases at no cost;
    bulk D 1e-30 m^2/s; no nucleation or crystallization). It runs at the temperature where the bulk
    energy g(T) of NVP or the amorphous phase vanishes if one of them takes part (its
    ``critical_temperature_K`` or ``crystallization_temperature_K``; else the hold temperature), so
    that only interface energies decide. The seeded layer is ``layer_widths`` interface widths thick.
    The two runs take ~1.5 s at 4 cells per width.

    Raises
    ------
    ParameterError
        If a phase is not one of the model's, the three are not distinct, ``lower`` is the surroundings
        (it is held fixed as the substrate is), the substrate is not ``lower``, or both NVP and the
        amorphous phase take part (no temperature makes both bulk energies vanish).
    """
    phases = (lower, upper, third)
    for name, phase in zip(("lower", "upper", "third"), phases):
        require(phase in PHASES, name, phase, f"one of {', '.join(PHASES)}")
    require(len(set(phases)) == 3, "phases", phases, "three different phases")
    require(lower != SURROUNDINGS, "lower", lower, "a condensed phase or the substrate (it is held fixed)")
    require(SUBSTRATE not in (upper, third), "phases", phases, f"the substrate {SUBSTRATE} as lower only (it never moves)")
    # the temperature at which the bulk energies g(T) of the three phases vanish: only interfaces decide
    neutral = {REGISTRY[ph].chemical_energy.temperature for ph in phases if REGISTRY[ph].chemical_energy}
    require(len(neutral) <= 1, "phases", phases, "at most one phase with a bulk energy g(T) (NVP, amorphous)")
    temperature_C = getattr(params, neutral.pop()) - 273.15 if neutral else params.hold_temperature_C
    l_nm, dx = params.interface_width_nm, params.dx_nm
    nx = max(8, round(2.0 * l_nm / dx))  # at least the 8 cells a grid needs
    width, height = nx * dx, max(8, round(12.0 * l_nm / dx)) * dx
    pairs = {pair_key(a, b): _MOBILITY_M4_JS for a, b in ((lower, upper), (lower, third), (upper, third))}
    base = {f.name: getattr(params, f.name) for f in dataclasses.fields(ModelParameters) if f.init}  # a scenario's own checks dropped
    changes = dict(
        domain_nm=(width, height),
        grid=nx,
        duration_s=duration_s,
        output_interval_s=duration_s,
        ramp_K_per_s=0.0,
        start_temperature_C=temperature_C,
        hold_temperature_C=temperature_C,
        chemical_stiffness_J_m3=1.0,
        diffusivity_m2_s={REGISTRY.condensed[0]: 1e-30},  # a path must exist; this one moves nothing
        surface_diffusivity_m2_s={},
        boundary_diffusivity_m2_s=0.0,
        interface_mobility_m4_Js=dict(params.interface_mobility_m4_Js, **pairs),
        nucleation_prefactor_per_m_s=0.0,
        crystallization_prefactor_per_m2_s=0.0,
        constant_measure_phase="",
    )
    p = ModelParameters(**(base | changes))
    y0 = 0.5 * height
    energies, amplitude = [], 0.0
    for layer in (layer_widths * l_nm, 0.0):
        grains, shapes = [], []
        if upper != SURROUNDINGS:
            # painted from deep inside the lower phase, the later shapes on top: no gap (the surroundings fill
            # what is left) but the seeded one, where the surroundings are the third phase
            seeded_gap = layer > 0.0 and third == SURROUNDINGS
            grains.append(Grain(upper))
            shapes.append(HalfSpace(y0 + layer if seeded_gap else y0 - 4.0 * l_nm, below=False))
        if third != SURROUNDINGS and layer > 0.0:
            grains.append(Grain(third))
            shapes.append(HalfSpace(y0 + layer))
        grains.append(Grain(lower, fixed=True))  # painted last, on top
        shapes.append(HalfSpace(y0))
        ds = run(p, Microstructure(grains=tuple(grains), shapes=tuple(shapes)))
        final = ds.isel(time=-1)
        energies.append(float(final.free_energy) / (width * 1e-9))
        if layer > 0.0:
            amplitude = float(final.eta.where(final.grain_phase == third).max())
    return FilmCheck((lower, upper), third, amplitude, energies[0], energies[1])
