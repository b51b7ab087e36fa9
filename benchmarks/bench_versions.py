"""Step cost of this package against another checkout of it, side by side in one run.

Run:  git worktree add /tmp/nvp-ref <commit>   # e.g. 1a6d595, before the complete variational derivative
      python benchmarks/bench_versions.py --reference /tmp/nvp-ref [--grids 128] [--steps 4] [--rounds 3]

Each round times, in fresh subprocesses one after another, the "fast" and
"fast-faceted" steps of ``bench_epitaxy`` (the epitaxy state after nucleation,
fixed steps of 2 ms converged by sweeps; mu CG iterations per solve counted) for this tree and for the
reference tree; ratios are taken within a round, so machine noise hits both
alike. BLAS threads are pinned to 1 in the children.

With ``--interval S`` it times instead the time to solution: S simulated
seconds from that state with each tree's own default stepping (error control,
sweeps, tolerances), printing wall seconds, steps taken and the NVP area
reached (so that a faster tree is seen to reach the same answer).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = """
import sys
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from bench_epitaxy import Counter, prepared, time_steps
sim, state = prepared({grid}, {setup!r})
count = Counter(sim.equations)
seconds, sweeps = time_steps(sim, state, {steps}, 2e-3)
print(seconds, sweeps, Counter.per_solve(count.mu))
"""

INTERVAL_CHILD = """
import json, sys, time
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from bench_epitaxy import prepared
sim, state = prepared({grid}, {setup!r}, **json.loads({changes!r}))
def nvp(state):  # grain measures as the package defines them (version-independent here)
    e2 = state.eta ** 2
    measures = (e2 / e2.sum(axis=0).clip(1e-12)).sum(axis=1)
    return float(measures[sim.grain_phase == 4].sum()) * sim.params.dx_nm ** 2
start, steps = nvp(state), state.n_steps
t0 = time.perf_counter()
state = sim.advance(state, state.time + {interval} / sim.units.time_s)
wall = time.perf_counter() - t0
print(wall, steps, state.n_steps, start, nvp(state))
"""


def one_thread_env(root: Path) -> dict[str, str]:
    """The environment of a benchmark child: one BLAS/OpenMP thread, ``root``'s tree importable first."""
    return dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(root))


def interval_run(root: Path, grid: int, setup: str, interval: float, changes: dict | None = None) -> tuple[float, int, int, float, float]:
    """``interval`` simulated seconds with the tree's default stepping (and the scenario parameters
    ``changes``, for trees whose ``bench_epitaxy.prepared`` takes them): (wall s, steps before,
    steps after, NVP area before, NVP area after [nm^2])."""
    env = one_thread_env(root)
    code = INTERVAL_CHILD.format(root=str(root), grid=grid, setup=setup, interval=interval, changes=json.dumps(changes or {}))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=root)
    wall, before, after, start, end = out.stdout.strip().splitlines()[-1].split()
    return float(wall), int(before), int(after), float(start), float(end)


def step_seconds(root: Path, grid: int, setup: str, steps: int) -> tuple[float, float, float]:
    """(wall s per step, sweeps per step, mu CG iterations per solve) of ``steps`` steps of 2 ms (the
    size the error control takes there) of ``bench_epitaxy``'s state after nucleation, in ``root``'s tree."""
    env = one_thread_env(root)
    code = CHILD.format(root=str(root), grid=grid, setup=setup, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=root)
    seconds, sweeps, mu_its = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(sweeps), float(mu_its)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, required=True, help="a checkout of the version to compare with")
    ap.add_argument("--grids", type=int, nargs="+", default=[128])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--interval", type=float, help="time to solution over this many simulated seconds instead of step cost")
    args = ap.parse_args()
    if not (args.reference / "phasefield").is_dir():
        sys.exit(f"--reference {args.reference}: no phasefield/ there; allowed: a checkout of nvp-growth")
    if args.interval is not None:
        compare_intervals(args)
        return
    print(f"{'grid':>5} {'setup':>13} {'this ms':>9} {'ref ms':>9} {'this/ref':>9} {'sweeps':>7} {'ref':>5} {'mu its':>7} {'ref':>5}")
    for grid in args.grids:
        for setup in ("fast", "fast-faceted"):
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(step_seconds(HERE, grid, setup, args.steps))
                theirs.append(step_seconds(args.reference, grid, setup, args.steps))
            ratio = statistics.median(x[0] / y[0] for x, y in zip(ours, theirs))
            (_, sa, ma), (_, sb, mb) = ours[0], theirs[0]  # the counts repeat round by round
            print(
                f"{grid:>5} {setup:>13} {statistics.median(x[0] for x in ours) * 1e3:9.1f} {statistics.median(y[0] for y in theirs) * 1e3:9.1f} "
                f"{ratio:9.2f} {sa:7.1f} {sb:5.1f} {ma:7.2f} {mb:5.2f}",
                flush=True,
            )


def compare_intervals(args) -> None:
    print(f"{'grid':>5} {'setup':>13} {'this s':>8} {'steps':>6} {'NVP nm2':>8} {'ref s':>8} {'steps':>6} {'NVP nm2':>8} {'this/ref':>9}")
    for grid in args.grids:
        for setup in ("fast", "fast-faceted"):
            for _ in range(args.rounds):
                a = interval_run(HERE, grid, setup, args.interval)
                b = interval_run(args.reference, grid, setup, args.interval)
                print(f"{grid:>5} {setup:>13} {a[0]:8.1f} {a[2]:6d} {a[4]:8.2f} {b[0]:8.1f} {b[2]:6d} {b[4]:8.2f} {a[0] / b[0]:9.2f}", flush=True)


if __name__ == "__main__":
    main()
