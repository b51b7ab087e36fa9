"""The phase registry: every per-phase table, index and output derives from it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from phasefield import ModelParameters
from phasefield.model.phases import (
    DENSITY,
    PHASES,
    REGISTRY,
    SUBSTRATE,
    SURROUNDINGS,
    V_VALENCE,
    ChemicalEnergy,
    Phase,
    PhaseRegistry,
)

ROOT = Path(__file__).resolve().parents[3]

# A hypothetical phase: a V4+ intermediate that crystallizes above T_x like the amorphous phase.
INTERMEDIATE = Phase(
    "VOPO4",
    composition=0.5,
    v_content=0.5,
    v_valence=4.0,
    chemical_energy=ChemicalEnergy("crystallization_entropy_J_m3K", "crystallization_temperature_K", stable_above=False),
)


def test_output_order_is_unchanged():
    """The netCDF ``phase`` coordinate (and phase_map flag values) keep their order."""
    assert PHASES == ("surroundings", "amorphous", "NH4VO3", "NaH2PO4", "NVP", "NZSP")
    assert (SURROUNDINGS, SUBSTRATE) == ("surroundings", "NZSP")


def test_tables_derive_from_the_registry():
    assert DENSITY == {ph.name: (ph.v_content, ph.composition) for ph in REGISTRY.phases}
    assert V_VALENCE == {"amorphous": 5.0, "NH4VO3": 5.0, "NVP": 3.0}
    assert REGISTRY.condensed == ("amorphous", "NH4VO3", "NaH2PO4", "NVP")


def test_a_copy_with_a_new_phase_appends_it():
    extended = REGISTRY.with_phase(INTERMEDIATE)
    assert extended.names == (*PHASES, "VOPO4")
    assert all(extended.index(name) == i for i, name in enumerate(PHASES))
    assert extended.condensed == (*REGISTRY.condensed, "VOPO4")
    p = ModelParameters()
    g = extended.chemical_energies_J_m3(p, 950.0)
    assert g[-1] == p.crystallization_entropy_J_m3K * (950.0 - p.crystallization_temperature_K)
    assert g[:-1] == REGISTRY.chemical_energies_J_m3(p, 950.0)
    assert REGISTRY.names == PHASES  # the original is untouched


@pytest.mark.parametrize(
    "phase, message",
    [
        (Phase("NVP", composition=0.6), "duplicate"),
        (Phase("gas", composition=0.0, role="surroundings"), "exactly one"),
        (Phase("LATP", composition=0.0, role="substrate"), "at most one"),
        (Phase("odd", composition=1.5), r"\[0, 1\]"),
        (Phase("odd", composition=0.5, role="liquid"), "role"),
    ],
)
def test_a_bad_registry_is_refused(phase, message):
    with pytest.raises(ValueError, match=message):
        REGISTRY.with_phase(phase)


def test_unknown_nucleation_phase_is_refused():
    with pytest.raises(ValueError, match="nucleation"):
        PhaseRegistry(REGISTRY.phases, type(REGISTRY.nucleation)("NVP", "VOPO4", "NaH2PO4"))


def test_adding_a_phase_is_one_registry_entry():
    """With one entry appended to the registry (and nothing else changed), a grain of the new
    phase runs, and the frame reports it last in the ``phase`` coordinate, with its V valence."""
    script = textwrap.dedent(
        """
        import importlib.util, sys
        from pathlib import Path
        src = Path("phasefield/model/phases.py").read_text()
        entry = '        Phase("VOPO4", composition=0.5, v_content=0.5, v_valence=4.0),\\n'
        marker = '        Phase("NZSP", composition=0.0, role=SUBSTRATE_ROLE),\\n'
        assert src.count(marker) == 1
        src = src.replace(marker, marker + entry)
        # the edited registry module stands in for phases.py before anything imports it
        spec = importlib.util.spec_from_loader("phasefield.model.phases", loader=None, origin="phases.py")
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "phasefield.model"
        sys.modules["phasefield.model.phases"] = module
        exec(compile(src, "phases.py", "exec"), module.__dict__)
        import numpy as np
        from phasefield import Disc, Grain, Microstructure, ModelParameters, run
        p = ModelParameters(domain_nm=(16.0, 16.0), grid=16, duration_s=0.002, output_interval_s=0.002, dt_initial_s=1e-3)
        micro = Microstructure(grains=(Grain("NH4VO3"), Grain("VOPO4")), shapes=(Disc((5.0, 8.0), 3.0), Disc((11.0, 8.0), 3.0)))
        ds = run(p, micro)
        assert list(ds.phase.values) == ["surroundings", "amorphous", "NH4VO3", "NaH2PO4", "NVP", "NZSP", "VOPO4"], ds.phase.values
        assert ds.phase_fraction.sel(phase="VOPO4").isel(time=-1) > 0.05
        assert ds.phase_map.attrs["flag_meanings"].split()[-1] == "VOPO4"
        valence = float(ds.mean_V_valence.isel(time=-1))
        assert 4.0 < valence < 5.0, valence
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
