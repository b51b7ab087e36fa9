"""Time to write a movie of a long, large run (issue 13: 200 frames of 256^2 in under a minute).

Run:  python benchmarks/bench_movie.py [--frames 200] [--grid 256] [--tem-frames 5] [--dir /tmp]

Builds a synthetic run of ``--frames`` frames on ``--grid`` x ``--grid`` cells (0.5 nm, so a
128 nm box): an NH4VO3 and a NaH2PO4 particle with an NVP disc growing at their contact, a
temperature ramp; writes it as a netCDF run file and times ``nvp-growth movie`` on it (reading
the file included) for the phases and c views as mp4 and gif. The tem view (fine pixel 0.05 nm)
is timed per frame on ``--tem-frames`` frames, over the whole box and over a 32 nm region.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import xarray as xr

from phasefield.model.phases import PHASES
from phasefield.view import Region, write_movie
from phasefield.view.tem import fine_axes, tem_frame
from scenarios.cli import main
from scenarios.optics import tem_optics

DX_NM = 0.5


def synthetic_run(frames: int, grid: int) -> xr.Dataset:
    """Two touching particles and an NVP disc growing at the contact; eta for the first frames."""
    x = (np.arange(grid) + 0.5) * DX_NM
    box = grid * DX_NM
    xx, yy = np.meshgrid(x, x)
    a = np.hypot(xx - 0.35 * box, yy - 0.5 * box) < 0.25 * box
    s = (np.hypot(xx - 0.68 * box, yy - 0.5 * box) < 0.12 * box) & ~a
    radius = np.linspace(0.0, 0.15 * box, frames)
    contact = np.hypot(xx - 0.58 * box, yy - 0.5 * box)
    phase_map = np.zeros((frames, grid, grid), "i1")
    c = np.zeros((frames, grid, grid))
    for k in range(frames):
        nvp = (contact < radius[k]) & (a | s)
        phase_map[k][a] = PHASES.index("NH4VO3")
        phase_map[k][s] = PHASES.index("NaH2PO4")
        phase_map[k][nvp] = PHASES.index("NVP")
        c[k][s] = 1.0
        c[k][nvp] = 0.6
    times = np.linspace(0.0, 20.0, frames)
    return xr.Dataset(
        {
            "phase_map": (("time", "y", "x"), phase_map, {"units": "1"}),
            "c": (("time", "y", "x"), c, {"units": "1"}),
            "T": ("time", 833.15 + np.minimum(20.0 * times, 150.0), {"units": "K"}),
        },
        coords={"time": ("time", times, {"units": "s"}), "x": ("x", x, {"units": "nm"}), "y": ("y", x, {"units": "nm"})},
    )


def tem_run(ds: xr.Dataset, frames: int) -> xr.Dataset:
    """The first frames of ``ds`` as order parameters (one grain per phase present)."""
    phases = ["surroundings", "NH4VO3", "NaH2PO4", "NVP"]
    eta = np.stack([(ds.phase_map.values[:frames] == PHASES.index(p)).astype(float) for p in phases], axis=1)
    return xr.Dataset(
        {
            "eta": (("time", "grain", "y", "x"), eta),
            "orientation": (("time", "grain"), np.tile([0.0, 10.0, 37.0, 10.0], (frames, 1))),
            "active": (("time", "grain"), np.ones((frames, 4), "i1")),
            "T": ds.T[:frames],
        },
        coords={"time": ds.time[:frames], "x": ds.x, "y": ds.y, "grain_phase": ("grain", np.array(phases, dtype=object))},
    )


def main_bench() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--grid", type=int, default=256)
    ap.add_argument("--tem-frames", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_movie_", dir=args.dir))
    ds = synthetic_run(args.frames, args.grid)
    run = work / "run.nc"
    ds.to_netcdf(run, encoding={v: {"zlib": True} for v in ("phase_map", "c")})
    print(f"{args.frames} frames of {args.grid}^2 cells ({args.grid * DX_NM:g} nm box), run file {run.stat().st_size / 1e6:.1f} MB")
    for view in ("phases", "c"):
        for suffix in (".mp4", ".gif"):
            out = work / f"{view}{suffix}"
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["movie", str(run), "--out", str(out), "--view", view, "-q"]) == 0
            seconds = time.perf_counter() - start
            frames = imageio_ffmpeg.count_frames_and_secs(str(out))[0] if suffix == ".mp4" else "-"
            print(f"  nvp-growth movie --view {view:6s} {suffix}: {seconds:6.1f} s ({1e3 * seconds / args.frames:.0f} ms/frame), "
                  f"{out.stat().st_size / 1e6:.1f} MB, video frames {frames}")
    small = tem_run(ds, args.tem_frames)
    optics = tem_optics()
    box = args.grid * DX_NM
    for label, region in (("whole box", Region(0, box, 0, box)), ("32 nm region", Region(0.4 * box, 0.4 * box + 32, 0.3 * box, 0.3 * box + 32))):
        xs, ys = fine_axes(region, 0.05)
        start = time.perf_counter()
        for k in range(args.tem_frames):
            tem_frame(small.isel(time=k), optics, xs, ys)
        image_s = (time.perf_counter() - start) / args.tem_frames
        out = work / f"tem_{label.split()[0]}.mp4"
        start = time.perf_counter()
        write_movie(small, out, view="tem", optics=optics, region=region)
        movie_s = (time.perf_counter() - start) / args.tem_frames
        print(f"  tem view, {label} ({xs.size} x {ys.size} px at 0.05 nm): image {1e3 * image_s:.0f} ms/frame, movie {1e3 * movie_s:.0f} ms/frame")
    print(f"files in {work}")


if __name__ == "__main__":
    main_bench()
