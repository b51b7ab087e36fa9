"""nvp-growth movie, tem and plot: what they write and print, and every bad input refused with
exit status 2 and one line naming what was wrong and what is allowed (no file written)."""

from __future__ import annotations

import re

import imageio_ffmpeg
import pytest
import xarray as xr

from scenarios.cli import main


def test_movie_tem_and_plot_write_their_files(small_run, tmp_path, capsys):
    movie = tmp_path / "run.mp4"
    assert main(["movie", str(small_run), "--out", str(movie), "--view", "c", "--fps", "5", "-q"]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(movie))[0] == 4
    figure = tmp_path / "tem.png"
    assert main(["tem", str(small_run), "--time", "0.75", "--region", "6,22,4,20", "--out", str(figure)]) == 0
    printed = capsys.readouterr().out
    # the first spot is NH4VO3 (1 0 0), 0.492 nm, at the grain's orientation (0 deg in the epitaxy)
    first = re.search(r"spot 1: \|g\| = ([\d.]+) 1/nm \(d = ([\d.]+) nm\), angle ([\d.]+) deg", printed)
    assert first and abs(float(first.group(2)) - 0.492) < 0.492**2 / 16  # one FFT pixel (1/16 nm^-1) in d
    assert min(float(first.group(3)), 180 - float(first.group(3))) < 1.0
    assert figure.exists()
    timeline = tmp_path / "timeline.svg"
    assert main(["plot", str(small_run), "--out", str(timeline)]) == 0
    assert "timeline of the run" in capsys.readouterr().out and timeline.exists()


BAD = [
    (["movie", "{run}", "--view", "sem"], r"argument --view: invalid choice: 'sem' \(choose from '?phases'?, '?c'?, '?tem'?\)"),
    (["movie", "{run}", "--out", "{tmp}/m.avi"], r"--out .*m\.avi: the extension \.avi is not supported; allowed: \.mp4, \.gif"),
    (["movie", "{run}", "--out", "{tmp}/m.mp4", "--fps", "-1"], r"fps = -1\.0 is not allowed; allowed: a number > 0"),
    (["movie", "{run}", "--out", "{tmp}/m.mp4", "--region", "0,99,0,5"], r"region = 0,99,0,5 nm is outside the box; allowed: inside x 0\.\.40, y 0\.\.24\.1667 nm"),
    (["movie", "{run}", "--out", "{tmp}/m.mp4", "--region", "1,2"], r"region = '1,2' is malformed; allowed: x0,x1,y0,y1 in nm"),
    (["movie", "{tmp}/notes.nc", "--out", "{tmp}/m.mp4"], r"notes\.nc is not a readable netCDF file .*; allowed: a run file written by `nvp-growth run`"),
    (["movie", "{tmp}/other.nc", "--out", "{tmp}/m.mp4"], r"other\.nc is not a run file \(no time dimension\); allowed: a run file"),
    (["movie", "{tmp}/missing.nc", "--out", "{tmp}/m.mp4"], r"missing\.nc does not exist"),
    (["tem", "{run}", "--time", "9", "--out", "{tmp}/t.png"], r"time = 9 s is outside the run; allowed: 0 to 0\.75 s \(4 frames\)"),
    (["tem", "{run}", "--time", "0.5", "--pixel", "0.3", "--out", "{tmp}/t.png"], r"pixel = 0\.3 nm is not allowed; allowed: > 0 and < 0\.1787 nm"),
    (["tem", "{run}", "--time", "0.5", "--region=-5,10,0,10", "--out", "{tmp}/t.png"], r"region = -5,10,0,10 nm is outside the box"),
    (["tem", "{run}", "--time", "0.5", "--out", "{tmp}/t.gif"], r"the extension \.gif is not supported; allowed: \.png, \.svg, \.pdf"),
    (["tem", "{run}", "--time", "0.5", "--cif", "amorphous=a.cif", "--out", "{tmp}/t.png"], r"--cif amorphous=\.\.\.: 'amorphous' is not a crystal of the model; allowed: NH4VO3, NaH2PO4, NVP, NZSP"),
    (["tem", "{run}", "--time", "0.5", "--cif", "NH4VO3={tmp}/none.cif", "--out", "{tmp}/t.png"], r"none\.cif"),
    (["movie", "{run}", "--out", "{tmp}/m.mp4", "--cif", "NH4VO3=a.cif"], r"--cif NH4VO3=a\.cif is not allowed with --view phases; allowed: --cif with --view tem"),
    (["plot", "{tmp}/other.nc", "--out", "{tmp}/p.png"], r"other\.nc is neither a run \(with phase_area, T, mean_V_valence\) nor a sweep summary"),
    (["plot", "{run}", "--out", "{tmp}/p.bmp"], r"the extension \.bmp is not supported; allowed: \.png, \.svg, \.pdf"),
]


def _status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:  # argparse's usage errors exit (status 2) instead of returning
        return stop.code


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(x for x in a if "{" not in x) for a, _ in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(small_run, tmp_path, capsys, argv, message):
    (tmp_path / "notes.nc").write_text("not a netCDF file")
    xr.Dataset({"x": ("x", [1.0, 2.0])}).to_netcdf(tmp_path / "other.nc")
    before = sorted(p.name for p in tmp_path.iterdir())
    status = _status([a.format(run=small_run, tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("nvp-growth: error: ") and "Traceback" not in err
    assert re.search(message, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_cif_of_another_phase_is_refused_for_the_tem_density(small_run, tmp_path, capsys, hypothetical_cifs):
    status = _status(["tem", str(small_run), "--time", "0.5", "--cif", f"NH4VO3={hypothetical_cifs['NaH2PO4']}", "--out", str(tmp_path / "t.png")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "NH4VO3" in err and "allowed: a CIF of NH4VO3" in err, err
    assert not (tmp_path / "t.png").exists()
