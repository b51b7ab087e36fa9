"""`nvp-growth export` and `nvp-growth hrtem`: a real small run exported and read back, the
HRTEM of the interface written, and every bad input refused on one line with exit status 2,
leaving no file."""

from __future__ import annotations

import shutil

import ase.io
import numpy as np
import pytest
import xarray as xr

from phasefield.io.output import write_dataset
from scenarios.cli import main
from scenarios.epitaxy import run as run_epitaxy
from tests.conftest import small_epitaxy, synthetic_run


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """A real run: the small epitaxy to 0.5 s, when its NVP seed (formed at 0.46 s) is there."""
    path = tmp_path_factory.mktemp("run") / "small.nc"
    run_epitaxy(small_epitaxy(duration_s=0.5, output_interval_s=0.5), path)
    return path


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.nc"
    write_dataset(path, synthetic_run())
    return path


def test_export_of_a_real_run_writes_its_grains(small_run, hypothetical_cifs, tmp_path, capsys):
    out = tmp_path / "snapshot.extxyz"
    code = main([
        "export", str(small_run), "--time", "0.5", "--out", str(out), "--thickness", "1",
        "--cif", f"NH4VO3={hypothetical_cifs['NH4VO3']}", "--cif", f"NaH2PO4={hypothetical_cifs['NaH2PO4']}",
    ])
    printed = capsys.readouterr().out
    assert code == 0 and f"wrote {out} (extxyz" in printed
    atoms = ase.io.read(out)
    ds = xr.load_dataset(small_run)
    owner = ds["eta"].isel(time=-1).argmax("grain").values
    present = sorted({int(g) for g in np.unique(owner)} - {0})  # grain 0: the surroundings
    assert list(atoms.info["grains"]) == present
    assert list(atoms.info["grain_phases"]) == [str(ds["grain_phase"].values[g]) for g in present]
    assert "NVP" in atoms.info["grain_phases"] and atoms.info["time_s"] == 0.5
    assert atoms.info["run_file"] == str(small_run) and sorted(set(atoms.get_tags())) == present
    for grain, phase in zip(atoms.info["grains"], atoms.info["grain_phases"]):
        assert f"grain {grain}: {phase}" in printed


def test_export_writes_other_formats(synthetic_file, tmp_path):
    out = tmp_path / "POSCAR"
    assert main(["export", str(synthetic_file), "--time", "1", "--region", "0,11.5,2.5,15", "--out", str(out), "--format", "vasp"]) == 0
    assert set(ase.io.read(out, format="vasp").get_chemical_symbols()) == {"Na", "V", "P", "O"}


def _refused(capsys, code: int, text: str) -> None:
    err = capsys.readouterr().err
    errors = [line for line in err.strip().splitlines() if not line.startswith("WARNING")]  # a CIF's cell warning may precede
    assert code == 2, err
    assert len(errors) == 1 and errors[0].startswith("nvp-growth: error: ") and text in errors[0], err
    assert "Traceback" not in err


EXPORT_BAD = [
    (["--time", "0.7"], "time = 0.7 s is not a frame time"),
    (["--time", "3"], "time = 3 s is outside the run"),
    (["--time", "1", "--region", "0,30,0,5"], "region = 0,30,0,5 nm is not allowed"),
    (["--time", "1", "--region", "0,5,0"], "--region '0,5,0' is malformed"),
    (["--time", "1", "--thickness", "-2"], "thickness = -2.0 nm"),
    (["--time", "1"], "holds NH4VO3, which has no bundled atoms"),
    (["--time", "1", "--cif", "NH4VO3=nowhere.cif"], "CIF nowhere.cif does not exist"),
    (["--time", "1", "--cif", "NH4VO3"], "--cif 'NH4VO3' is malformed; allowed: PHASE=PATH"),
    (["--time", "1", "--cif", "NH4VO3={NaH2PO4}"], "not a multiple of NH4VO3's NH4VO3"),
    (["--time", "1", "--format", "nonsense"], "format = 'nonsense' is not a format ase.io can write"),
]


@pytest.mark.parametrize("args, text", EXPORT_BAD)
def test_export_bad_input_is_refused_on_one_line(synthetic_file, hypothetical_cifs, tmp_path, capsys, args, text):
    out = tmp_path / "snapshot.extxyz"
    args = [a.format(**hypothetical_cifs) for a in args]
    _refused(capsys, main(["export", str(synthetic_file), "--out", str(out), *args]), text)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_export_refuses_what_is_not_a_run(hypothetical_cifs, tmp_path, capsys):
    _refused(capsys, main(["export", str(hypothetical_cifs["NH4VO3"]), "--time", "0", "--out", str(tmp_path / "a.extxyz")]), "is not a run file")
    _refused(capsys, main(["export", str(tmp_path / "none.nc"), "--time", "0", "--out", str(tmp_path / "a.extxyz")]), "none.nc does not exist")
    _refused(capsys, main(["export", str(tmp_path / "none.nc"), "--time", "0", "--out", str(tmp_path / "a.lmp")]), "('lmp') is not a format")
    assert list(tmp_path.iterdir()) == []


def test_hrtem_of_the_interface_writes_the_image_and_indexed_spots(hypothetical_cifs, tmp_path, capsys):
    out = tmp_path / "interface.nc"
    code = main(["hrtem", "--cif", f"NH4VO3={hypothetical_cifs['NH4VO3']}", "--sampling", "0.2", "--width-nm", "1.3", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and "beam along [0 1 2] NH4VO3 // [1 2 -1] NVP" in printed and "(Scherzer)" in printed
    ds = xr.load_dataset(out)
    assert ds["image"].attrs["units"] == "1" and ds["x"].attrs["units"] == "Å" and ds["kx"].attrs["units"] == "1/Å"
    indexed = ds["spot_indexed"].values.astype(bool)
    found = {(str(p), int(h), int(k), int(l)) for p, h, k, l in zip(ds["spot_phase"].values[indexed], ds["spot_h"].values[indexed], ds["spot_k"].values[indexed], ds["spot_l"].values[indexed])}
    assert {("NH4VO3", 1, 0, 0), ("NH4VO3", -1, 0, 0)} & found
    assert "NH4VO3 (1 0 0)" in printed or "NH4VO3 (-1 0 0)" in printed
    assert ds.attrs["energy_keV"] == 200.0 and ds.attrs["defocus_is_scherzer"] == 1


HRTEM_BAD = [
    (["--out", "{tmp}/a.png"], "the interface needs exactly the NH4VO3 CIF"),
    (["--cif", "NVP={NH4VO3}", "--out", "{tmp}/a.png"], "--cif NVP: the interface needs exactly the NH4VO3 CIF"),
    (["--cif", "NH4VO3={NH4VO3}", "--out", "{tmp}/a.tif"], "the extension .tif is not allowed; allowed: .png, .nc"),
    (["--cif", "NH4VO3={NaH2PO4}", "--out", "{tmp}/a.png"], "not a multiple of NH4VO3's NH4VO3"),
    (["--cif", "NH4VO3={NH4VO3}", "--cs-mm", "-1", "--out", "{tmp}/a.png"], "Cs_mm = -1.0 is not allowed"),
    (["--cif", "NH4VO3={NH4VO3}", "--sampling", "5", "--out", "{tmp}/a.png"], "sampling_A = 5.0 is not allowed"),
    (["--atoms", "{NH4VO3}", "--out", "{tmp}/a.png"], "the atoms have no grains"),
    (["--atoms", "{tmp}/none.extxyz", "--out", "{tmp}/a.png"], "--atoms"),
]


@pytest.mark.parametrize("args, text", HRTEM_BAD)
def test_hrtem_bad_input_is_refused_on_one_line(hypothetical_cifs, tmp_path, capsys, args, text):
    args = [a.format(tmp=tmp_path, **hypothetical_cifs) for a in args]
    _refused(capsys, main(["hrtem", *args]), text)
    assert list(tmp_path.iterdir()) == []


def test_a_cif_path_moved_after_export_is_named(synthetic_file, hypothetical_cifs, tmp_path, capsys):
    cif = tmp_path / "moved.cif"
    shutil.copy(hypothetical_cifs["NH4VO3"], cif)
    snap = tmp_path / "s.extxyz"
    assert main(["export", str(synthetic_file), "--time", "1", "--region", "12,20,3,11", "--cif", f"NH4VO3={cif}", "--out", str(snap)]) == 0
    cif.unlink()
    capsys.readouterr()
    _refused(capsys, main(["hrtem", "--atoms", str(snap), "--out", str(tmp_path / "s.png")]), "moved.cif, which is not found")
