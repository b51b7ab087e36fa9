"""Movies: one video frame per Dataset frame (mp4 and gif, every view), the frames written so far
of a run still being written, the phase colours, refusals, and nothing half-written."""

from __future__ import annotations

import json

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from phasefield import open_run
from phasefield.io.output import append_frame, frame_count, tail_dir
from phasefield.model.phases import PHASES
from phasefield.model.values import ParameterError
from phasefield.view import PHASE_COLOURS, MovieFrames, NotARunError, Region, read_run, write_movie
from phasefield.view.movie import VIEW_VARIABLES
from scenarios.optics import tem_optics


def video_frames(path) -> int:
    """Frames in a video file, counted by imageio-ffmpeg (mp4) or imageio's Pillow plugin (gif)."""
    if path.suffix == ".mp4":
        return imageio_ffmpeg.count_frames_and_secs(str(path))[0]
    return iio.improps(path, plugin="pillow", index=None).shape[0]


@pytest.mark.parametrize("view", ["phases", "c", "tem"])
@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_one_video_frame_per_frame_of_a_finished_run(small_run, tmp_path, view, suffix):
    ds = read_run(small_run, VIEW_VARIABLES[view])
    optics = tem_optics() if view == "tem" else None
    region = Region(4.0, 30.0, 2.0, 22.0) if view == "tem" else None  # a smaller fine grid: faster
    out = write_movie(ds, tmp_path / f"movie{suffix}", view=view, optics=optics, region=region, fps=4)
    assert video_frames(out) == ds.sizes["time"] == 4
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_a_run_still_being_written_gives_the_frames_written_so_far(small_run, tmp_path):
    # frames appended as the driver does (the first is the run file, the next ones its tail in
    # path.d/), never merged: what a run looks like while it is going or after a kill -9
    full = open_run(small_run)
    path = tmp_path / "going.nc"
    for i in range(3):
        append_frame(path, full.isel(time=[i]), {"n_steps": i})
    assert len(list(tail_dir(path).glob("frame-*.nc"))) == 2 and frame_count(path) == 3
    ds = read_run(path, VIEW_VARIABLES["phases"])
    np.testing.assert_array_equal(ds.phase_map.values, full.phase_map.values[:3])
    for suffix in (".mp4", ".gif"):
        assert video_frames(write_movie(ds, tmp_path / f"going{suffix}")) == 3


def test_each_phase_is_drawn_in_its_colour(small_run):
    # the pixel at each grain's centroid, in the last frame, has its phase's PHASE_COLOURS entry
    full = open_run(small_run)
    frames = MovieFrames(full, "phases")
    rgb = frames.render(len(frames) - 1)
    height = rgb.shape[0]
    last = full.isel(time=-1)
    drawn = set()
    for grain in range(last.sizes["grain"]):
        phase = str(last.grain_phase.values[grain])
        cx, cy = float(last.centroid_x[grain]), float(last.centroid_y[grain])
        if phase == "surroundings" or not np.isfinite(cx):
            continue
        cell = last.phase_map.sel(x=cx, y=cy, method="nearest")
        assert PHASES[int(cell)] == phase  # the centroid lies inside the grain (convex particles)
        px, py = frames.image.axes.transData.transform((cx, cy))
        colour = rgb[height - 1 - int(py), int(px)]
        np.testing.assert_array_equal(colour, np.round(255 * np.array(to_rgb(PHASE_COLOURS[phase]))).astype(np.uint8))
        drawn.add(phase)
    assert drawn == {"NH4VO3", "NaH2PO4", "NVP"}
    assert json.loads(full.attrs["nucleus_formation_times_s"])  # the NVP grain is a nucleus of the run


def test_bad_input_is_refused_before_anything_is_written(small_run, tmp_path):
    ds = read_run(small_run, ("phase_map", *VIEW_VARIABLES["tem"]))
    cases = [
        (dict(out=tmp_path / "m.avi"), ParameterError, r"the extension \.avi is not supported; allowed: \.mp4, \.gif"),
        (dict(view="sem"), ParameterError, r"view = 'sem' is unknown; allowed: phases, c, tem"),
        (dict(fps=0), ParameterError, r"fps = 0 is not allowed; allowed: a number > 0"),
        (dict(view="tem"), ParameterError, r"optics = None is not allowed for the tem view"),
        (dict(region=Region(0, 100, 0, 10)), ParameterError, r"region = 0,100,0,10 nm is outside the box; allowed: inside x 0..40, y 0..24.1667 nm"),
        (dict(view="c"), NotARunError, r"the Dataset has no c"),
    ]
    for options, error, message in cases:
        options = {"out": tmp_path / "m.mp4", **options}
        with pytest.raises(error, match=message):
            write_movie(ds, **options)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "text.nc").write_text("not a netCDF file")
    with pytest.raises(NotARunError, match=r"text.nc is not a readable netCDF file"):
        read_run(tmp_path / "text.nc", VIEW_VARIABLES["phases"])


def test_a_movie_that_fails_midway_leaves_no_file(small_run, tmp_path):
    ds = read_run(small_run, VIEW_VARIABLES["phases"])
    ds["phase_map"][2] = 99  # no such phase: the third frame cannot be drawn
    for suffix in (".mp4", ".gif"):
        with pytest.raises(IndexError):
            write_movie(ds, tmp_path / f"broken{suffix}")
    assert list(tmp_path.iterdir()) == []
