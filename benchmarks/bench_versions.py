"""Step cost of this package against another checkout of it, side by side in one run.

Run:  git worktree add /tmp/nvp-ref <commit>   # e.g. 1a6d595, before the complete variational derivative
      python benchmarks/bench_versions.py --reference /tmp/nvp-ref [--grids 128] [--steps 4] [--rounds 3]

Each round times, in fresh subprocesses one after another, the "fast" and
"fast-faceted" steps of ``bench_epitaxy`` (the epitaxy state after nucleation,
fixed steps of dt_max_s, the scenario's sweeps) for this tree and for the
reference tree; ratios are taken within a round, so machine noise hits both
alike. BLAS threads are pinned to 1 in the children.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = """
import sys
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from bench_epitaxy import prepared, time_steps
sim, state = prepared({grid}, {setup!r})
print(time_steps(sim, state, {steps}))
"""


def step_seconds(root: Path, grid: int, setup: str, steps: int) -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(root))
    code = CHILD.format(root=str(root), grid=grid, setup=setup, steps=steps)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=root)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, required=True, help="a checkout of the version to compare with")
    ap.add_argument("--grids", type=int, nargs="+", default=[128])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not (args.reference / "phasefield").is_dir():
        sys.exit(f"--reference {args.reference}: no phasefield/ there; allowed: a checkout of nvp-growth")
    print(f"{'grid':>5} {'setup':>13} {'this ms':>9} {'ref ms':>9} {'this/ref':>9}")
    for grid in args.grids:
        for setup in ("fast", "fast-faceted"):
            ours, theirs, ratios = [], [], []
            for _ in range(args.rounds):
                a = step_seconds(HERE, grid, setup, args.steps)
                b = step_seconds(args.reference, grid, setup, args.steps)
                ours.append(a)
                theirs.append(b)
                ratios.append(a / b)
            print(
                f"{grid:>5} {setup:>13} {statistics.median(ours) * 1e3:9.1f} {statistics.median(theirs) * 1e3:9.1f} {statistics.median(ratios):9.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
