#!/usr/bin/env python3
"""The reservoir model in numba, as a speed reference for `hetero reservoir`.

Same model, same statistics (mean storage, final storage, shortfall and
spill fractions), written the way a numba user would: @njit(parallel=True),
prange over paths, numba's own normal generator.  It is not bit-compatible
with hetero (different random stream); it is only for path-steps per second.

    NUMBA_NUM_THREADS=1 python3 reservoir_numba.py --paths 200000 --steps 1000

prints one JSON line: paths, steps, seconds (best of --repeat, after a
warm-up run that compiles), path_steps_per_s, the same per CPU second (for
a machine shared with other work), threads and the statistics.
Needs Debian's python3-numba (run with /usr/bin/python3).
"""
import argparse
import json
import time

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True)
def simulate(paths, steps, cap, mu, sigma, sbar, s0, seed):
    sums = np.empty(paths)
    final = np.empty(paths)
    nshort = np.empty(paths)
    nspill = np.empty(paths)
    np.random.seed(seed)
    for p in prange(paths):
        s = s0
        acc = 0.0
        ns = 0.0
        nsp = 0.0
        for _ in range(steps):
            w = min(s, sbar)
            if s < sbar:
                ns += 1.0
            inflow = max(mu + sigma * np.random.standard_normal(), 0.0)
            x = s - w + inflow
            if x > cap:
                nsp += 1.0
            s = min(x, cap)
            acc += s
        sums[p] = acc
        final[p] = s
        nshort[p] = ns
        nspill[p] = nsp
    return sums, final, nshort, nspill


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=200000)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--capacity", type=float, default=100.0)
    ap.add_argument("--inflow-mean", type=float, default=70.0)
    ap.add_argument("--inflow-sd", type=float, default=70.0)
    ap.add_argument("--release", type=float, default=70.0)
    ap.add_argument("--initial", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    s0 = a.capacity if a.initial is None else a.initial
    args = (a.capacity, a.inflow_mean, a.inflow_sd, a.release, s0, a.seed)
    simulate(64, 8, *args)  # compile
    best = best_cpu = float("inf")
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        sums, final, nshort, nspill = simulate(a.paths, a.steps, *args)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    T = a.steps
    print(json.dumps({
        "peer": "numba",
        "numba": numba.__version__,
        "threads": numba.get_num_threads(),
        "paths": a.paths,
        "steps": T,
        "seconds": best,
        "path_steps_per_s": a.paths * T / best,
        "cpu_seconds": best_cpu,   # on a shared machine: path-steps per CPU second
        "path_steps_per_cpu_s": a.paths * T / best_cpu,
        "mean_storage": float(sums.mean() / T),
        "final_storage_mean": float(final.mean()),
        "shortfall_fraction": float(nshort.mean() / T),
        "spill_fraction": float(nspill.mean() / T),
    }))


if __name__ == "__main__":
    main()
