"""Time to solution against the first version (issue 14's "10x at 1 %"), side by side in one run.

Run:  git worktree add /tmp/nvp-first 0ce9345   # the package when issue 14 was filed (2026-11-24)
      python benchmarks/bench_first_version.py --reference /tmp/nvp-first [--grid 64] [--at 12]
          [--reference-dt 0.05 0.005 0.0025 0.00125] [--variant time_tolerance=0.05] ...

Each run is the whole default ``epitaxy`` (heating ramp, seeded nucleation, facets) from t = 0 to
``--at`` seconds at ``--grid``, in a fresh subprocess with one BLAS thread, one after another. The
reference tree runs at each ``--reference-dt`` as its fixed step (its dt_max_s, from dt_initial_s =
min(dt, 1 ms)): that version took fixed steps of 2 unconverged sweeps, first order in time, so
its dt -> 0 limit is the Richardson extrapolation 2 A(dt/2) - A(dt) of its two smallest steps
(which must halve). This tree runs its defaults and each ``--variant``; its limit is the run with
the smallest ``time_tolerance`` (a variant such as ``time_scheme=doubling,time_tolerance=0.025``).
Printed per run: the NVP area at ``--at``, its deviation from its own tree's limit, wall time and
steps; then, per tree, the fastest run within 1 % of its limit and the ratio of the two walls.
The two trees' models differ (matter transport, the complete variation, ...), so each is compared
with its own converged answer, as the issue asks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench_time_to_solution import parse_variant
from bench_versions import one_thread_env

HERE = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
import phasefield
assert phasefield.__file__.startswith({root!r}), phasefield.__file__
from scenarios.epitaxy import EpitaxyParameters, run
p = EpitaxyParameters(grid={grid}, duration_s={until!r}, output_interval_s=0.5, **json.loads({changes!r}))
t0 = time.perf_counter()
ds = run(p)
wall = time.perf_counter() - t0
print(json.dumps([wall, int(ds.attrs["n_steps"]), float(ds.phase_area.sel(phase="NVP").values.ravel()[-1])]))
"""


def whole(root: Path, grid: int, until: float, changes: dict) -> tuple[float, int, float]:
    """(wall s, steps, NVP area at ``until`` nm^2) of the epitaxy of the tree at ``root``."""
    env = one_thread_env(root)
    code = CHILD.format(root=str(root), grid=grid, until=until, changes=json.dumps(changes))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root)
    if out.returncode:
        raise SystemExit(f"{root} with {changes}: {out.stderr.strip().splitlines()[-1]}")
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def fastest_within(rows: dict[str, tuple[float, int, float]], limit: float, share: float = 0.01) -> str | None:
    """The run with the smallest wall whose area is within ``share`` of ``limit`` (None if none)."""
    good = [name for name, (_, _, area) in rows.items() if abs(area / limit - 1.0) <= share]
    return min(good, key=lambda name: rows[name][0]) if good else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, required=True, help="checkout of the first version (0ce9345)")
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--at", type=float, default=12.0, help="simulated time compared [s]")
    ap.add_argument("--reference-dt", type=float, nargs="+", default=[0.05, 0.005, 0.0025, 0.00125], help="fixed steps of the reference [s]")
    ap.add_argument("--variant", action="append", default=[], help="key=value[,key=value]: this tree's parameters")
    args = ap.parse_args()
    dts = sorted(args.reference_dt, reverse=True)
    if len(dts) < 2 or abs(dts[-2] / dts[-1] - 2.0) > 1e-9:
        raise SystemExit(f"--reference-dt {' '.join(map(str, args.reference_dt))}: the two smallest must differ by 2x (Richardson)")
    variants = {"defaults": {}} | {v: parse_variant(v) for v in args.variant}
    tight = min(variants, key=lambda v: variants[v].get("time_tolerance", 1.0))
    if tight == "defaults":
        raise SystemExit("give a --variant with a time_tolerance below the default: this tree's limit")
    started = time.strftime("%Y-%m-%d %H:%M")
    reference = {f"dt {dt:g} s": whole(args.reference, args.grid, args.at, {"dt_max_s": dt, "dt_initial_s": min(dt, 1e-3)}) for dt in dts}
    current = {name: whole(HERE, args.grid, args.at, changes) for name, changes in variants.items()}
    ref_limit = 2.0 * reference[f"dt {dts[-1]:g} s"][2] - reference[f"dt {dts[-2]:g} s"][2]
    limits = {"reference": ref_limit, "this tree": current[tight][2]}
    print(f"whole epitaxy, grid {args.grid}, NVP area at {args.at:g} s; started {started}")
    print(f"{'tree':>10} {'run':>45} {'NVP nm^2':>10} {'vs limit':>9} {'wall s':>8} {'steps':>6}")
    for tree, rows in (("reference", reference), ("this tree", current)):
        for name, (wall, steps, area) in rows.items():
            print(f"{tree:>10} {name:>45} {area:10.3f} {area / limits[tree] - 1:9.2%} {wall:8.1f} {steps:6d}")
        print(f"{tree:>10} {'limit':>45} {limits[tree]:10.3f}")
    best_ref, best = fastest_within(reference, ref_limit), fastest_within({k: v for k, v in current.items() if k != tight}, limits["this tree"])
    if best_ref and best:
        print(f"within 1 %: reference {best_ref} {reference[best_ref][0]:.1f} s, this tree {best} {current[best][0]:.1f} s: "
              f"{reference[best_ref][0] / current[best][0]:.1f}x")
    else:
        print(f"within 1 %: reference {best_ref}, this tree {best} (none: widen the runs)")


if __name__ == "__main__":
    main()
