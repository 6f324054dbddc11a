#!/usr/bin/python3
"""NumPy side of the multiscale benchmark (bench/multiscale.ts writes the inputs and runs this script).

Reads, from the folder given as the first argument (raw little-endian float64, row-major):
  X.bin (P x D inputs), y.bin (P targets) and meta.json
  {"P", "D", "N", "kappa", "gv", "gw", "chis", "chiStart", "initialLogStep", "minLogStep", "tol", "maxNewton"}
and solves featurelab's annealed tree level (paper d, Algorithm 1, linear network, exact tilted average;
src/theory/multiscale/{network,treeLevel,annealing}.ts) with the same equations, the same step schedule and
the same structured Newton step as featurelab:

  kernels      K = g_w (g_v/D) X X^T                      (no test points: n = P); K = U diag(k) U^T once
  NNGP start   t0 = (K + kappa I)^-1 y
  tilt(t, chi) w = K t;  m = 1 - (chi/N) t.w  (not normalisable when m <= 0)
               Khat t = w/m   (Khat = K + (chi/(N m)) w w^T, never formed)
               J = (1/m)[K + m kappa I + c w w^T], c = 2 chi/(N m)
  Newton       R = w/m + kappa t - y; step = J^-1 R in the eigenbasis of K with a Sherman-Morrison
               rank-one correction; backtracking lam = 1, 1/2, ... (30 halvings)
               accepted when |R(t - lam step)|_inf < (1 - 1e-4 lam)|R(t)|_inf; converged when |R|_inf <= tol
  annealing    chi from chiStart, log-step initialLogStep, x1.5 after a success, /3 after a failure,
               clipped to the next target; failure when the log-step falls below minLogStep

Prints one JSON object on stdout (times in ms, the accepted path length, rejected steps, Newton
iterations, BLAS info) and writes t.bin (targets x P: the solution t at each target chi) beside the
inputs so bench/multiscale.ts can check that both sides agree.

Usage: /usr/bin/python3 bench/numpy_multiscale.py DIR [--reps R]
"""

import argparse
import json
import math
import os
import time

import numpy as np
from blasinfo import blas_info


def tilt(K, kappa, N, t, chi):
    """Exact linear tilted average: (normalisable, margin, w = K t)."""
    w = K @ t
    m = 1.0 - (chi / N) * float(t @ w)
    return m > 0, m, w


def newton(K, kappa, N, y, chi, t0, tol, max_it, stats, eig):
    """Damped Newton on R(t) = Khat t + kappa t - y, with Khat t = w/m (Khat = K + (chi/(N m)) w w^T)."""

    def resid(t):
        stats["tilt_calls"] += 1
        ok, m, w = tilt(K, kappa, N, t, chi)
        if not ok:
            return None, math.inf, m, w
        R = w / m + kappa * t - y
        return R, float(np.abs(R).max()), m, w

    k, U = eig

    def step_of(R, m, w):
        # J = (1/m)[K + m kappa I + c w w^T], c = 2 chi/(N m): eigenbasis of K + Sherman-Morrison.
        c = (2.0 * chi) / (N * m)
        d = k + m * kappa
        Rh = (U.T @ R) / d
        wh = U.T @ w
        g = c * float(wh @ Rh) / (1.0 + c * float(wh @ (wh / d)))
        return U @ (m * (Rh - g * wh / d))

    t = t0.copy()
    R, norm, m, w = resid(t)
    if R is None:
        return False, t, m
    for _ in range(max_it):
        if norm <= tol:
            return True, t, m
        stats["newton"] += 1
        step = step_of(R, m, w)
        if not np.all(np.isfinite(step)):
            return False, t, m
        lam = 1.0
        accepted = False
        for _ls in range(30):
            tn = t - lam * step
            Rn, nn, mn, wn = resid(tn)
            if Rn is not None and nn < (1 - 1e-4 * lam) * norm + 1e-300:
                t, R, norm, m, w = tn, Rn, nn, mn, wn
                accepted = True
                break
            lam /= 2
        if not accepted:
            return norm <= tol * 1e3, t, m
    return norm <= tol, t, m


def anneal(K, kappa, N, y, t_nngp, targets, meta, stats, eig):
    tol = meta["tol"] * max(1.0, float(np.abs(y).max()))
    max_it = meta["maxNewton"]
    min_log = meta["minLogStep"]
    chi = min(meta["chiStart"], targets[0])
    log_step = meta["initialLogStep"]
    points = []
    path = []
    rejected = 0
    ok, t, m = newton(K, kappa, N, y, chi, t_nngp, tol, max_it, stats, eig)
    if not ok:
        raise RuntimeError(f"no solution at the first chi = {chi}")
    path.append(chi)
    ti = 0
    while ti < len(targets) and targets[ti] <= chi * (1 + 1e-15):
        points.append(t.copy())
        ti += 1
    while ti < len(targets):
        target = targets[ti]
        nxt = min(chi * math.exp(log_step), target)
        ok, tn, m = newton(K, kappa, N, y, nxt, t, tol, max_it, stats, eig)
        if ok and m > 0:
            chi = nxt
            t = tn
            path.append(chi)
            log_step *= 1.5
            if nxt == target:
                points.append(t.copy())
                ti += 1
        else:
            rejected += 1
            log_step /= 3
            if log_step < min_log:
                raise RuntimeError(f"no physical solution at chi = {nxt} (last chi = {chi})")
    return points, path, rejected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=1)
    args = ap.parse_args()
    with open(os.path.join(args.dir, "meta.json")) as f:
        meta = json.load(f)
    P, D, N, kappa = meta["P"], meta["D"], float(meta["N"]), float(meta["kappa"])
    gv, gw = float(meta["gv"]), float(meta["gw"])
    targets = sorted(float(c) for c in meta["chis"])
    load = lambda name, shape: np.fromfile(os.path.join(args.dir, name), dtype="<f8").reshape(shape)
    X = load("X.bin", (P, D))
    y = load("y.bin", (P,))

    ms = []
    result = None
    for _ in range(args.reps):
        stats = {"tilt_calls": 0, "newton": 0}
        t0 = time.perf_counter()
        K = (gw * gv / D) * (X @ X.T)
        A = K.copy()
        A[np.diag_indices_from(A)] += kappa
        t_nngp = np.linalg.solve(A, y)
        eig = np.linalg.eigh(K)  # once: every Newton step is solved in this basis
        points, path, rejected = anneal(K, kappa, N, y, t_nngp, targets, meta, stats, eig)
        ms.append((time.perf_counter() - t0) * 1e3)
        result = (points, path, rejected, stats)

    points, path, rejected, stats = result
    np.asarray(points, dtype="<f8").tofile(os.path.join(args.dir, "t.bin"))
    out = {
        "anneal_ms": ms,
        "path": len(path),
        "rejected": rejected,
        "newton_iterations": stats["newton"],
        "tilt_calls": stats["tilt_calls"],
        "info": blas_info(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
