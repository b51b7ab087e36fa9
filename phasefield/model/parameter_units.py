"""Units of parameters, read from their names.

Every dimensional parameter names its unit at the end (``hold_temperature_C``,
``interface_mobility_m4_Js``, :mod:`phasefield.model.parameters`); a name without such an
ending is a pure number (a count, a ratio, a tolerance, relative facet energies) or a label
(a phase or backend name), both "1" as the run files' ``phase`` labels are. The units are
UDUNITS strings, as in the run files' ``units`` attributes.
"""

from __future__ import annotations

from .overrides import override_type

NAME_UNITS: tuple[tuple[str, str], ...] = (
    # longest ending first: "_K_per_s" before "_s", "_per_m2_s" before "_m2_s"
    ("_per_m2_s", "m-2 s-1"),
    ("_per_m_s", "m-1 s-1"),
    ("_K_per_s", "K s-1"),
    ("_J_m3K", "J m-3 K-1"),
    ("_m4_Js", "m4 J-1 s-1"),
    ("_J_mol", "J mol-1"),
    ("_m2_s", "m2 s-1"),
    ("_J_m2", "J m-2"),
    ("_J_m3", "J m-3"),
    ("_GPa", "GPa"),
    ("_deg", "degree"),
    ("_nm", "nm"),
    ("_C", "degC"),
    ("_K", "K"),
    ("_s", "s"),
)
"""Name ending -> unit of the value."""


def parameter_units(cls: type, key: str) -> str:
    """The unit of the override ``key`` (a field, or ``field.ENTRY`` of a mapping) of ``cls``.

    Returns
    -------
    str
        The UDUNITS string of the name's ending; "1" for a name without one.

    Raises
    ------
    ParameterError
        An unknown or derived key (:func:`phasefield.model.overrides.override_type`).

    Examples
    --------
    >>> from phasefield import ModelParameters
    >>> parameter_units(ModelParameters, "interface_energy_J_m2.NH4VO3/NVP"), parameter_units(ModelParameters, "grid")
    ('J m-2', '1')
    """
    override_type(cls, key)  # an unknown key has no unit
    name = key.partition(".")[0]
    return next((unit for ending, unit in NAME_UNITS if name.endswith(ending)), "1")
