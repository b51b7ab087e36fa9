"""Shared helpers for the tests: isothermal parameter sets on small grids."""

from __future__ import annotations

import pytest

from phasefield import ModelParameters


def isothermal(temperature_C: float = 700.0, **changes) -> ModelParameters:
    """Parameters held at one temperature (no ramp), with test-sized defaults overridable."""
    base = dict(start_temperature_C=temperature_C, hold_temperature_C=temperature_C, ramp_K_per_s=0.0)
    base.update(changes)
    return ModelParameters(**base)


@pytest.fixture
def tmp_nc(tmp_path):
    return tmp_path / "run.nc"


def small_epitaxy(**changes):
    """The epitaxy scenario shrunk for tests: 48 x 29 cells, 710 degC from the start, 3 s.

    ``time_tolerance`` 0.5, the loosest allowed: these tests check behaviour (output,
    resume, nucleation), not time accuracy, which tests/phasefield/numerics/test_stepping.py checks.
    """
    from scenarios.epitaxy import EpitaxyParameters

    base = dict(
        grid=48,
        domain_nm=(40.0, 24.0),
        nh4vo3_radius_nm=8.0,
        nah2po4_radius_nm=6.0,
        start_temperature_C=710.0,
        hold_temperature_C=710.0,
        ramp_K_per_s=0.0,
        duration_s=3.0,
        output_interval_s=0.5,
        time_tolerance=0.5,
    )
    base.update(changes)
    return EpitaxyParameters(**base)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """A finished small epitaxy run file (4 frames, 0-0.75 s; an NVP nucleus forms at 0.46 s),
    written once for every test that reads a run (views, command line); ~10 s on 2 cores."""
    from scenarios.epitaxy import run

    path = tmp_path_factory.mktemp("small_run") / "small.nc"
    run(small_epitaxy(duration_s=0.75, output_interval_s=0.25), path)
    return path


@pytest.fixture(scope="session")
def epitaxy_4s(tmp_path_factory):
    """The small epitaxy at 710 degC for 4 s (an NVP nucleus at 0.46 s, never painted) written to a file,
    for tests/scenarios/test_epitaxy.py and tests/phasefield/test_accessor.py: both modules are in the
    xdist group ``epitaxy_4s``, so one worker computes it once (~45 s)."""
    from scenarios.epitaxy import run

    path = tmp_path_factory.mktemp("epitaxy_4s") / "run.nc"
    params = small_epitaxy(duration_s=4.0)
    run(params, path)
    return path, params


SMALL_PROCESS = dict(
    grid=40,
    domain_nm=(24.0, 20.0),
    particle_radius_nm=8.0,
    substrate_height_nm=4.0,
    slots_per_phase=2,
    start_temperature_C=655.0,  # crystallizes in the first second of the 20 K/s ramp; T_c crossed at 2.25 s
    duration_s=3.0,
    output_interval_s=0.1,
    time_tolerance=0.5,
)
"""The small whole process (scenarios.crystallization's parameters) of the threshold tests and notebook."""


@pytest.fixture(scope="session")
def threshold_sweep(tmp_path_factory):
    """The threshold sweep of :data:`SMALL_PROCESS` held at 690 and 715 degC, run once from the command
    line (``thr.nc`` and its members ``thr/hold_temperature_C=<T>.nc``): for tests/scenarios/test_threshold.py
    and the threshold notebook's test, which reruns it on the same file (the members are kept, as the
    notebook says). Both are in the xdist group ``threshold``, so one worker computes it (~70 s)."""
    from scenarios.cli import main

    tmp = tmp_path_factory.mktemp("threshold")
    changes = [f"{key}={','.join(map(str, value)) if isinstance(value, tuple) else value}" for key, value in SMALL_PROCESS.items()]
    out = tmp / "thr.nc"
    args = ["run", "threshold", "--out", str(out), "--set", "temperatures_C=690,715", "-q"]
    for change in changes:
        args += ["--set", change]
    assert main(args) == 0
    return out


# Hypothetical structures, only to exercise the CIF paths (no NH4VO3 or NaH2PO4 coordinates are
# bundled or were read): the bundled cells and space groups of the phases with MADE-UP atom
# positions, chosen so that the formula is right and no two atoms overlap (NH4VO3: shortest
# distance 1.06 Å, N-H; NaH2PO4: PO4 tetrahedra with P-O 1.53 Å and O-H 0.97 Å, other pairs
# >= 2.3 Å, > 1.8 Å with H). They are not the real structures.
_ATOM_SITES = """loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
"""

HYPOTHETICAL_CIFS = {
    "NH4VO3": """# HYPOTHETICAL NH4VO3 (made-up positions on the bundled Pbcm cell), for tests only
data_NH4VO3_hypothetical
_symmetry_space_group_name_H-M 'P b c m'
_space_group_IT_number 57
_cell_length_a 4.92
_cell_length_b 11.79
_cell_length_c 5.83
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
""" + _ATOM_SITES + """V1 V 0.40 0.10 0.25
O1 O 0.15 0.20 0.25
O2 O 0.60 0.07 0.00
N1 N 0.10 0.40 0.25
H1 H 0.20 0.43 0.10
H2 H -0.05 0.35 0.15
""",
    "NaH2PO4": """# HYPOTHETICAL NaH2PO4 (made-up positions on the bundled P21/c cell), for tests only
data_NaH2PO4_hypothetical
_symmetry_space_group_name_H-M 'P 1 21/c 1'
_space_group_IT_number 14
_cell_length_a 6.81
_cell_length_b 13.49
_cell_length_c 7.33
_cell_angle_alpha 90
_cell_angle_beta 92.9
_cell_angle_gamma 90
""" + _ATOM_SITES + """P1 P 0.8918 0.4165 0.8142
O1 O 0.9969 0.5158 0.8452
O2 O 0.6827 0.4238 0.8802
O3 O 0.0041 0.3352 0.9210
O4 O 0.8834 0.3913 0.6105
H1 H 0.0635 0.5787 0.8648
H2 H 0.0754 0.2837 0.9888
P2 P 0.6001 0.8734 0.0889
O5 O 0.4952 0.9059 0.2586
O6 O 0.6108 0.7601 0.0833
O7 O 0.8083 0.9163 0.0962
O8 O 0.4861 0.9112 0.9175
H3 H 0.4286 0.9266 0.3662
H4 H 0.9403 0.9435 0.1008
Na1 Na 0.2750 0.7386 0.6788
Na2 Na 0.2335 0.3326 0.6800
""",
}


@pytest.fixture(scope="session")
def hypothetical_cifs(tmp_path_factory):
    """{phase: path} of the hypothetical NH4VO3 and NaH2PO4 CIFs above."""
    folder = tmp_path_factory.mktemp("hypothetical_cifs")
    paths = {}
    for phase, text in HYPOTHETICAL_CIFS.items():
        paths[phase] = folder / f"{phase}_hypothetical.cif"
        paths[phase].write_text(text)
    return paths


def synthetic_run(dx_nm: float = 0.5, shape: tuple[int, int] = (36, 48)):
    """A run Dataset made by hand (the variables export reads, as a run writes them): frames at
    0, 0.5 and 1 s of a 24 x 18 nm box holding the surroundings (grain 0), an NVP disc (grain 1,
    r = 4.5 nm at 1 s, orientation 37.3 deg), an NZSP substrate strip (grain 2, y < 2 nm), an
    amorphous disc (grain 3) and an NH4VO3 disc touching the NVP (grain 4, -12 deg). Profiles
    are tanh of width 0.5 nm; the NVP disc grows from 3.5 to 4.5 nm over the frames."""
    import numpy as np
    import xarray as xr

    ny, nx = shape
    x = (np.arange(nx) + 0.5) * dx_nm
    y = (np.arange(ny) + 0.5) * dx_nm
    X, Y = np.meshgrid(x, y)
    times = np.array([0.0, 0.5, 1.0])

    def disc(cx, cy, r):
        return 0.5 * (1.0 - np.tanh((np.hypot(X - cx, Y - cy) - r) / 0.5))

    frames = []
    for t in times:
        grains = [disc(8.0, 9.0, 3.5 + t), 0.5 * (1.0 - np.tanh((Y - 2.0) / 0.5)), disc(18.5, 12.5, 2.5), disc(15.2, 7.0, 3.0)]
        grains.insert(0, np.clip(1.0 - np.max(grains, axis=0), 0.0, 1.0))
        frames.append(np.stack(grains))
    eta = np.stack(frames)
    phases = np.array(["surroundings", "NVP", "NZSP", "amorphous", "NH4VO3"], dtype=object)
    orientation = np.tile([0.0, 37.3, 0.0, 0.0, -12.0], (len(times), 1))
    return xr.Dataset(
        {
            "eta": (("time", "grain", "y", "x"), eta, {"units": "1", "long_name": "grain order parameter"}),
            "orientation": (("time", "grain"), orientation, {"units": "degree", "long_name": "in-plane crystal orientation of each grain"}),
        },
        coords={
            "time": ("time", times, {"units": "s", "long_name": "time since the start of the run"}),
            "x": ("x", x, {"units": "nm", "long_name": "x position of cell centres"}),
            "y": ("y", y, {"units": "nm", "long_name": "y position of cell centres"}),
            "grain": ("grain", np.arange(len(phases)), {"units": "1", "long_name": "grain index"}),
            "grain_phase": ("grain", phases, {"units": "1", "long_name": "phase of each grain"}),
        },
        attrs={"package_version": "synthetic"},
    )
