#!/usr/bin/python3
"""NumPy side of the linear-algebra benchmark (bench/linalg.ts runs it in the same invocation).

Same protocol as src/engine/benchOps.ts:
  * seeded random inputs built outside the timed region (np.random.default_rng(seed); the matrices
    differ from the TypeScript side's but have the same distribution);
  * one warm-up call, which also estimates the cost t0 of a call;
  * reps = clamp(round(target / t0), min_reps, max_reps) calls, each timed alone;
  * the median is reported.
Timed calls: gemm  np.matmul(A, B, out=C)        (n x n, f64 or f32; GFLOP count 2n^3)
             cholesky np.linalg.cholesky(K)      (copies K, like our copy + potrf; n^3/3)
             eigh  np.linalg.eigh(K)             (values and vectors, dsyevd; seconds only)
with K = X X^T / n + I.

It also checks which BLAS NumPy really runs on: after a matmul it reads /proc/self/maps, finds the
mapped libopenblas and asks it (ctypes) for openblas_get_config(), the core name and thread count.
If NumPy runs on the reference BLAS instead, the comparison is meaningless and we say so.

Usage:
  /usr/bin/python3 bench/numpy_linalg.py --points '[{"op":"gemm","n":512,"dtype":"f64"}]'
  /usr/bin/python3 bench/numpy_linalg.py --serve      # one JSON point per stdin line → one JSON result per stdout line
  /usr/bin/python3 bench/numpy_linalg.py --info       # only the BLAS check
"""

import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np

SEED = 20240601


def blas_info():
    """Which BLAS library NumPy's matmul actually uses (from the process's memory map)."""
    a = np.ones((64, 64))
    _ = a @ a  # make sure the BLAS is loaded
    maps = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and (".so" in parts[5]):
                    maps.add(parts[5])
    except OSError:
        pass
    blas_libs = sorted(p for p in maps if any(s in os.path.basename(p) for s in ("blas", "lapack", "mkl", "blis")))
    openblas = [p for p in blas_libs if "openblas" in os.path.basename(p)]
    info = {
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "mapped_blas_libraries": blas_libs,
        "openblas": bool(openblas),
        "config": None,
        "corename": None,
        "threads": None,
    }
    if openblas:
        try:
            lib = ctypes.CDLL(openblas[0])
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["config"] = lib.openblas_get_config().decode()
            info["corename"] = lib.openblas_get_corename().decode()
            info["threads"] = int(lib.openblas_get_num_threads())
        except (OSError, AttributeError) as e:  # pragma: no cover - diagnostic only
            info["error"] = str(e)
    else:
        info["warning"] = "NumPy is not running on OpenBLAS (reference BLAS?) - the comparison is not meaningful"
    info["env"] = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    return info


def time_median(call, target=1.5, min_reps=3, max_reps=1000):
    t = time.perf_counter()
    call()
    t0 = max(time.perf_counter() - t, 1e-9)
    reps = min(max_reps, max(min_reps, round(target / t0)))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return {"seconds": statistics.median(times), "reps": reps, "min": min(times), "max": max(times), "samples": times}


def spd(n, rng):
    X = rng.standard_normal((n, n))
    K = X @ X.T / n
    K = 0.5 * (K + K.T)
    K[np.diag_indices(n)] += 1.0
    return K


def run_point(p):
    op, n = p["op"], int(p["n"])
    dtype = p.get("dtype", "f64")
    kw = {k: p[k] for k in ("target", "min_reps", "max_reps") if k in p}
    rng = np.random.default_rng(p.get("seed", SEED))
    if op == "gemm":
        dt = np.float64 if dtype == "f64" else np.float32
        A = rng.standard_normal((n, n)).astype(dt)
        B = rng.standard_normal((n, n)).astype(dt)
        C = np.empty((n, n), dtype=dt)
        r = time_median(lambda: np.matmul(A, B, out=C), **kw)
        gflops = 2 * n**3 / r["seconds"] / 1e9
    elif op == "cholesky":
        K = spd(n, rng)
        r = time_median(lambda: np.linalg.cholesky(K), **kw)
        gflops = n**3 / 3 / r["seconds"] / 1e9
    elif op == "eigh":
        K = spd(n, rng)
        r = time_median(lambda: np.linalg.eigh(K), **kw)
        gflops = None
    else:
        raise ValueError(f"unknown op {op!r}")
    return {"op": op, "n": n, "dtype": dtype, "gflops": gflops, **r}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--points", help="JSON list of {op, n, dtype?, target?, min_reps?, max_reps?}")
    g.add_argument("--serve", action="store_true", help="read one JSON point per line, answer one JSON line each")
    g.add_argument("--info", action="store_true", help="print only the BLAS check")
    a = ap.parse_args()
    info = blas_info()
    if a.info:
        print(json.dumps(info))
    elif a.points:
        print(json.dumps({"blas": info, "results": [run_point(p) for p in json.loads(a.points)]}))
    else:
        print(json.dumps({"blas": info}), flush=True)
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                out = run_point(json.loads(line))
            except Exception as e:  # report and keep serving
                out = {"error": f"{type(e).__name__}: {e}"}
            print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
