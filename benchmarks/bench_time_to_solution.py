"""Time to solution: wall time and the answer reached, for several settings side by side in one run.

Run:  python benchmarks/bench_time_to_solution.py [--grid 64] [--interval 0.5] [--rounds 1]
          [--setup fast-faceted] [--variant time_tolerance=0.05] [--variant sweep_solve_fraction=0] ...

From the ``bench_epitaxy`` state (epitaxy held at 710 degC, one NVP nucleus planted
by the seeded nucleation model, ``--setup`` fast or fast-faceted), each variant
advances ``--interval`` simulated seconds with the package's own stepping (error
control, sweeps), in a fresh subprocess with one BLAS thread; variants are
interleaved round by round so machine noise hits all alike. Printed per variant
(medians over rounds): wall seconds, steps taken, the NVP area grown over the
interval, its deviation from the variant with the smallest ``time_tolerance``
(the reference, listed last), and wall time relative to the defaults. A variant
is ``key=value`` of scenario parameters (several joined by ``,``); "defaults" is
always run.

With ``--whole`` each variant is instead the whole scenario (``nvp-growth run epitaxy
--grid G``: heating ramp, seeded nucleation, facets) from t = 0, run to the last of
``--at`` (default 12 and 20 s) by :func:`phasefield.run` in a fresh subprocess; printed per
variant and time: the NVP area there, its deviation from the reference, the wall time and the
steps to reach it (the run's own ``wall_time_s`` and ``n_steps`` at that frame), and
the wall time relative to the defaults. With ``--at`` 12 20 the growth rate between the
two is printed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench_versions import interval_run, one_thread_env
from scenarios.epitaxy import EpitaxyParameters

HERE = Path(__file__).resolve().parents[1]


def parse_variant(text: str) -> dict:
    """'a=1,b=x' -> {'a': 1.0, 'b': 'x'} (numbers where they parse)."""
    out = {}
    for item in filter(None, text.split(",")):
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out


def run_variant(grid: int, setup: str, changes: dict, interval: float) -> tuple[float, int, float]:
    """(wall s, steps, NVP area grown nm^2) of one variant in a fresh subprocess (:func:`bench_versions.interval_run`)."""
    wall, before, after, start, end = interval_run(HERE, grid, setup, interval, changes)
    return wall, after - before, end - start


WHOLE_CHILD = """
import json, sys
from phasefield.model.overrides import apply_overrides
from scenarios.registry import get
scenario = get("epitaxy")
params = apply_overrides(scenario.parameters(), json.loads({overrides!r}))
rows = []
def on_frame(index, ds):  # the frame's own counters: wall time and steps to reach it
    rows.append((float(ds.time.values[-1]) if ds.time.size else 0.0, float(ds.phase_area.sel(phase="NVP").values.ravel()[-1]),
                 float(ds.attrs["wall_time_s"]), int(ds.attrs["n_steps"]), int(ds.attrs["n_rejected_steps"])))
scenario.run(params, None, on_frame=on_frame)
print(json.dumps(rows))
"""


def whole_run(grid: int, changes: dict, until: float) -> dict[float, tuple[float, float, int, int]]:
    """The whole epitaxy scenario to ``until`` s with ``changes`` in a fresh subprocess (one BLAS
    thread); per frame time: (NVP area nm^2, wall s, steps, rejected steps) to reach it."""
    env = one_thread_env(HERE)
    overrides = [f"grid={grid}", f"duration_s={until:g}"] + [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in changes.items()]
    code = WHOLE_CHILD.format(overrides=json.dumps(overrides))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=HERE)
    return {round(t, 6): tuple(rest) for t, *rest in json.loads(out.stdout.strip().splitlines()[-1])}


def compare_whole(args, variants: dict, reference: str) -> None:
    """Print NVP area, wall and steps at each time of ``args.at`` per variant (see the module docstring)."""
    at = sorted(args.at)
    rows = {}
    for name, changes in variants.items():
        frames = whole_run(args.grid, changes, at[-1])
        rows[name] = tuple(np.array([frames[round(t, 6)][i] for t in at]) for i in range(4))
        print(f"  done: {name} ({rows[name][1][-1]:.0f} s wall)", flush=True)
    ref = rows[reference][0]
    print(f"whole epitaxy, grid {args.grid}, from t = 0 (heating ramp, seeded nucleation, facets); reference: {reference}")
    head = f"{'variant':>40} {'t s':>5} {'NVP nm^2':>10} {'vs ref':>8} {'wall s':>8} {'steps':>6} {'rejected':>8} {'wall / defaults':>16}"
    print(head)
    for name in sorted(rows, key=lambda k: k == reference):
        area, wall, steps, rejected = rows[name]
        for i, t in enumerate(at):
            print(f"{name:>40} {t:5g} {area[i]:10.3f} {area[i] / ref[i] - 1:8.2%} {wall[i]:8.1f} {steps[i]:6d} {rejected[i]:8d} "
                  f"{wall[i] / rows['defaults'][1][i]:16.2f}")
        if len(at) == 2:
            rate, ref_rate = (area[1] - area[0]) / (at[1] - at[0]), (ref[1] - ref[0]) / (at[1] - at[0])
            print(f"{name:>40} growth rate {at[0]:g}-{at[1]:g} s: {rate:.3f} nm^2/s ({rate / ref_rate - 1:+.2%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--interval", type=float, default=0.5, help="simulated seconds [s]")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--setup", default="fast-faceted", choices=("fast", "fast-faceted"))
    ap.add_argument("--variant", action="append", default=[], help="key=value[,key=value]: scenario parameters")
    ap.add_argument("--whole", action="store_true", help="the whole scenario from t = 0 (see the module docstring)")
    ap.add_argument("--at", type=float, nargs="+", default=[12.0, 20.0], help="with --whole: times to compare [s]")
    args = ap.parse_args()
    variants = {"defaults": {}} | {v: parse_variant(v) for v in args.variant}
    default = EpitaxyParameters().time_tolerance
    reference = min(variants, key=lambda k: variants[k].get("time_tolerance", default))
    if args.whole:
        compare_whole(args, variants, reference)
        return
    results = {k: [] for k in variants}
    for _ in range(args.rounds):
        for name, changes in variants.items():
            results[name].append(run_variant(args.grid, args.setup, changes, args.interval))
    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in results.items()}
    ref_growth = med[reference][2]
    print(f"grid {args.grid}, {args.setup}, {args.interval} s after nucleation; reference: {reference}")
    print(f"{'variant':>40} {'wall s':>8} {'steps':>6} {'NVP grown nm^2':>15} {'vs reference':>13} {'wall / defaults':>16}")
    for name in sorted(med, key=lambda k: k == reference):
        wall, steps, grown = med[name]
        print(f"{name:>40} {wall:8.1f} {steps:6.0f} {grown:15.4f} {grown / ref_growth - 1:13.2%} {wall / med['defaults'][0]:16.2f}")


if __name__ == "__main__":
    main()
