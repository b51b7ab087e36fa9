"""Cost of appending a frame to a run file early and late in a run, side by side in one run.

Run:  python benchmarks/bench_output.py [--frames 1010] [--grid 128] [--dir /tmp]

Writes ``--frames`` frames of the epitaxy state (``--grid`` x ``--grid`` cells,
7 grains: 2 particles and 4 NVP slots besides the surroundings) with
:func:`phasefield.io.output.append_frame` and times each append; prints the median
append time over frames 10-19 and over frames 1000-1009 and their ratio (1 if
an append costs the frame, not the file), then the one-off merge of the tail
into the run file at the end of the run, and what the former writer paid per
frame at that size at least (a synced copy of the whole file).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from phasefield import Simulation
from phasefield.io.output import append_frame, merge
from scenarios.epitaxy import EpitaxyParameters, microstructure


def frames(grid: int, count: int):
    """``count`` (frame, attrs) pairs of a 7-grain run whose fields change a little each frame.

    The diagnostics are those of the first frame (building a frame is not what is timed).
    """
    p = EpitaxyParameters(grid=grid, domain_nm=(64.0, 64.0), nvp_slots=4, nh4vo3_radius_nm=14.0, nah2po4_radius_nm=12.0)
    sim = Simulation(p, microstructure(p))
    state = sim.initial_state()
    first = sim.frame(state)
    attrs = sim.static_attrs()
    rng = np.random.default_rng(0)
    eta, n = first.eta.values, first.n.values
    for index in range(count):
        eta = np.clip(eta + 1e-3 * rng.standard_normal(eta.shape), 0.0, 1.0)
        n = np.clip(n + 1e-3 * rng.standard_normal(n.shape), 0.0, 1.0)
        frame = first.assign(eta=(first.eta.dims, eta, first.eta.attrs), n=(first.n.dims, n, first.n.attrs))
        frame = frame.assign_coords(time=("time", [index * p.output_interval_s], first.time.attrs))
        yield frame, dict(attrs, resume_state=f'{{"frame": {index}}}')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=1010)
    ap.add_argument("--grid", type=int, default=128)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_output_", dir=args.dir))
    out = work / "run.nc"
    seconds = []
    try:
        for frame, attrs in frames(args.grid, args.frames):
            t0 = time.perf_counter()
            append_frame(out, frame, attrs)
            seconds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        merge(out)
        merged = time.perf_counter() - t0
        t0 = time.perf_counter()
        shutil.copyfile(out, work / "copy.nc")
        fd = os.open(work / "copy.nc", os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        copy = time.perf_counter() - t0
        size_mb = out.stat().st_size / 1e6
    finally:
        shutil.rmtree(work, ignore_errors=True)
    early = statistics.median(seconds[10:20])
    late = statistics.median(seconds[1000:1010]) if len(seconds) >= 1010 else statistics.median(seconds[-10:])
    print(f"{args.grid}x{args.grid} cells, 7 grains, {args.frames} frames, run file {size_mb:.0f} MB after the merge")
    print(f"{'append at frame':>18s} {'10-19':>10s} {'1000-1009':>10s} {'ratio':>7s}")
    print(f"{'median [ms]':>18s} {1e3 * early:10.1f} {1e3 * late:10.1f} {late / early:7.2f}")
    print(f"merge of the tail at the end of the run (once): {merged:.1f} s")
    print(f"copy + fsync of the whole file (the former writer paid this for every frame, at this size): {copy:.2f} s")


if __name__ == "__main__":
    main()
