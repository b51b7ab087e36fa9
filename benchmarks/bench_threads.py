"""BLAS threads and a busy core: why ``phasefield.run`` limits BLAS/OpenMP to one thread.

Run:  python benchmarks/bench_threads.py [--grid 128] [--steps 6] [--rounds 3] [--dt-ms 2]

Times the epitaxy benchmark step (``bench_epitaxy.prepared``, fast backend, isotropic)
under ``threadpool_limits(1)`` and ``threadpool_limits(2)``, first as the machine is,
then with one busy-looping process per core but one (a loaded machine). Setups alternate
within a round and ratios are taken within a round. Start it from a shell without
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS set, or the libraries may have started with one
thread whatever threadpoolctl asks for.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics

from threadpoolctl import threadpool_info, threadpool_limits

from bench_epitaxy import prepared, time_steps


def _spin() -> None:
    while True:
        pass


def _round(grid: int, steps: int, dt_s: float) -> dict[int, float]:
    out = {}
    for threads in (1, 2):
        sim, state = prepared(grid, "fast")
        with threadpool_limits(limits=threads):
            out[threads] = time_steps(sim, state, steps, dt_s)[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=128)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dt-ms", type=float, default=2.0, help="fixed step, converged by sweeps (bench_epitaxy)")
    args = ap.parse_args()
    libs = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info())
    print(f"thread pools at start: {libs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'machine':>8} {'1 thread ms':>12} {'2 threads ms':>13} {'2 / 1':>6}")
    for label, busy in (("as is", 0), ("loaded", max(1, (os.cpu_count() or 2) - 1))):
        spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(busy)]
        for s in spinners:
            s.start()
        try:
            rounds = [_round(args.grid, args.steps, args.dt_ms * 1e-3) for _ in range(args.rounds)]
        finally:
            for s in spinners:
                s.terminate()
        one = statistics.median(r[1] for r in rounds)
        two = statistics.median(r[2] for r in rounds)
        ratio = statistics.median(r[2] / r[1] for r in rounds)
        print(f"{label:>8} {one * 1e3:12.1f} {two * 1e3:13.1f} {ratio:6.2f}", flush=True)


if __name__ == "__main__":
    main()
