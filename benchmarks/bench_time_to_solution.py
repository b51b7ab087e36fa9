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
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench_versions import interval_run

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=64)
    ap.add_argument("--interval", type=float, default=0.5, help="simulated seconds [s]")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--setup", default="fast-faceted", choices=("fast", "fast-faceted"))
    ap.add_argument("--variant", action="append", default=[], help="key=value[,key=value]: scenario parameters")
    args = ap.parse_args()
    variants = {"defaults": {}} | {v: parse_variant(v) for v in args.variant}
    reference = min(variants, key=lambda k: variants[k].get("time_tolerance", 0.1))
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
