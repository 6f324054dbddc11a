#!/usr/bin/python3
"""NumPy side of the GP-regression benchmark (bench/gp.ts writes the inputs and runs this script).

Reads, from the folder given as the first argument (all raw little-endian float64, row-major):
  K.bin (P x P train kernel), Kt.bin (Pt x P cross-kernel), kd.bin (Pt prior variances),
  y.bin (P targets) and meta.json {"P", "Pt", "s", "T0", "temps"}.
and does exactly the work of featurelab's GPEigen:

  first solve   kap, U = np.linalg.eigh(K)            (dsyevd, values and vectors)
                kap[kap <= 1e-12 * max|kap|] = 0       (the same spectrum clipping, O(P))
                yt = U.T @ y                            (project the targets)
                B = Kt @ U;  B2 = B * B                 (attach the test points)
                d = 1 / (s*kap + T0)
                mean = B @ (s * yt * d);  var = s*kd - s^2 * (B2 @ d)
  per T         d, mean and var as above for each T in temps (no new factorisation)

Each phase is timed with time.perf_counter. Prints one JSON object on stdout and writes mean.bin and
var.bin (the posterior at T0) beside the inputs so bench/gp.ts can check both sides agree.

Usage: /usr/bin/python3 bench/numpy_gp.py DIR [--reps R]
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
from blasinfo import blas_info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    with open(os.path.join(args.dir, "meta.json")) as f:
        meta = json.load(f)
    P, Pt, s, T0, temps = meta["P"], meta["Pt"], float(meta["s"]), float(meta["T0"]), meta["temps"]
    load = lambda name, shape: np.fromfile(os.path.join(args.dir, name), dtype="<f8").reshape(shape)
    K = load("K.bin", (P, P))
    Kt = load("Kt.bin", (Pt, P))
    kd = load("kd.bin", (Pt,))
    y = load("y.bin", (P,))

    first, phases = [], {"eigh": [], "project": [], "attach": [], "posterior": []}
    mean = var = None
    for _ in range(args.reps):
        t0 = time.perf_counter()
        kap, U = np.linalg.eigh(K)
        kap = kap.copy()
        kap[kap <= 1e-12 * np.abs(kap).max()] = 0.0
        t1 = time.perf_counter()
        yt = U.T @ y
        t2 = time.perf_counter()
        B = Kt @ U
        B2 = B * B
        t3 = time.perf_counter()
        d = 1.0 / (s * kap + T0)
        mean = B @ (s * yt * d)
        var = s * kd - s * s * (B2 @ d)
        t4 = time.perf_counter()
        first.append((t4 - t0) * 1e3)
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k].append(v * 1e3)

    per_t = []
    for T in temps:
        t0 = time.perf_counter()
        d = 1.0 / (s * kap + T)
        m = B @ (s * yt * d)
        v = s * kd - s * s * (B2 @ d)
        per_t.append((time.perf_counter() - t0) * 1e3)
    del m, v

    mean.astype("<f8").tofile(os.path.join(args.dir, "mean.bin"))
    var.astype("<f8").tofile(os.path.join(args.dir, "var.bin"))
    out = {
        "first_ms": first,
        "phases_ms": {k: statistics.median(v) for k, v in phases.items()},
        "per_temperature_ms": per_t,
        "info": blas_info(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
