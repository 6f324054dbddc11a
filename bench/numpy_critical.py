#!/usr/bin/env python3
"""NumPy reference of the paper-b forward-backward MAP iteration with Monte-Carlo tilted expectations.

The same algorithm as src/theory/critical/mapSolver.ts with backend "monte-carlo"
(src/theory/critical/monteCarlo.ts), on the same inputs and the same common random numbers:

  C^(1) = (g/d) X X^T + g_b;  C_GP^(l) = g <phi phi^T>_{C^(l-1)} + g_b  (erf closed form)
  repeat:
    Ct^(L+1) = G(C^(L+1)) / N,  G = 1/2 [K^-1 Y Y^T K^-1 - K^-1],  K = C^(L+1) + kappa I
    backward l = L+1 ... 3:  Ct^(l-1) = g Ct^(l) o <phi' phi'^T>_l + g diag<phi''_a u_a>_l + 2 g^2 <(phi' o u)(phi' o u)^T>_l
    forward  l = 2 ... L+1:  C_new^(l) = g <phi phi^T>_l + g_b   (tilted measure on the damped C^(l-1))
                             C^(l) <- (1 - eta) C^(l) + eta C_new^(l)
  until max_l max |C_new^(l) - C^(l)| < tol,

where (erf of arrays: torch.erf on the NumPy buffer, zero-copy) <.>_l is self-normalised importance sampling from N(0, C^(l-1)) with h = Z L^T (Z: the
S x P standard normals of layer l, read from Z<l>.bin; L = chol(C^(l-1))), weights exp(g phi^T Ct phi),
and (cv = true) the exact Gaussian pair moments as a control variate. Samples are processed in blocks
of rows, as on our side.

Usage: numpy_critical.py DIR [--reps R]; DIR holds meta.json, X.bin, y.bin, Z2.bin ... Z<L+1>.bin
(float64, row-major). Prints JSON with the timings; writes C<l>.bin (the final kernels) to DIR.
"""
import json
import os
import sys
import time

import numpy as np
import torch  # only for erf of arrays (Debian's NumPy has no vectorised erf and SciPy is absent)


def erf(a):
    return torch.from_numpy(np.ascontiguousarray(a)).erf().numpy()


def pair_moments(C, need_d):
    """<phi phi>, <phi' phi'>, <phi'' phi> (matrix J2[a, c] = <phi''_a phi_c>) for erf under N(0, C)."""
    a = np.diag(C)
    A = 1.0 + 2.0 * a
    den = np.sqrt(np.outer(A, A))
    M = (2.0 / np.pi) * np.arcsin(np.clip(2.0 * C / den, -1.0, 1.0))
    if not need_d:
        return M, None, None
    delta = np.outer(A, A) - 4.0 * C * C
    Kp = (4.0 / np.pi) / np.sqrt(delta)
    J2 = -(8.0 * C / np.pi) / (A[:, None] * np.sqrt(delta))
    return M, Kp, J2


def tilted(Z, C, g, Ct, backward, cv, block):
    S, P = Z.shape
    L = np.linalg.cholesky(C)
    TM = np.zeros((P, P))
    TK = np.zeros((P, P)) if backward else None
    TB3 = np.zeros((P, P)) if backward else None
    Td = np.zeros(P) if backward else None
    BM = np.zeros((P, P)) if cv else None
    BK = np.zeros((P, P)) if (cv and backward) else None
    Bd = np.zeros(P) if (cv and backward) else None
    mx = -np.inf
    Zs = 0.0
    Z2 = 0.0
    for r0 in range(0, S, block):
        Zb = Z[r0:r0 + block]
        H = Zb @ L.T
        Phi = erf(H)
        U = Phi @ Ct
        E = g * np.einsum("ia,ia->i", Phi, U)
        bmx = E.max()
        if bmx > mx:
            if np.isfinite(mx):
                f = np.exp(mx - bmx)
                TM *= f
                if backward:
                    TK *= f
                    TB3 *= f
                    Td *= f
                Zs *= f
                Z2 *= f * f
            mx = bmx
        w = np.exp(E - mx)
        Zs += w.sum()
        Z2 += (w * w).sum()
        TM += Phi.T @ (w[:, None] * Phi)
        if cv:
            BM += (Phi.T @ Phi) / S
        if backward:
            Dp = (2.0 / np.sqrt(np.pi)) * np.exp(-H * H)
            x = (-2.0 * H * Dp) * U
            Td += w @ x
            if cv:
                Bd += x.sum(axis=0) / S
            TK += Dp.T @ (w[:, None] * Dp)
            if cv:
                BK += (Dp.T @ Dp) / S
            Q = Dp * U
            TB3 += Q.T @ (w[:, None] * Q)
    inv = 1.0 / Zs
    ess = Zs * Zs / Z2
    Mx, Kx, J2 = pair_moments(C, backward) if cv else (None, None, None)
    M = TM * inv
    if cv:
        M += Mx - BM
    M = 0.5 * (M + M.T)
    back = None
    if backward:
        Kp = TK * inv
        dg = Td * inv
        if cv:
            Kp += Kx - BK
            dg += (J2 * Ct).sum(axis=1) - Bd
        back = g * Ct * Kp + 2.0 * g * g * TB3 * inv
        back[np.diag_indices(P)] += g * dg
        back = 0.5 * (back + back.T)
    return M, back, ess


def solve(meta, X, y, Zs):
    P, d, N, L = meta["P"], meta["d"], meta["N"], meta["L"]
    g, gb, kappa = meta["g"], meta["gb"], meta["kappa"]
    eta, tol, max_iter, cv, block = meta["eta"], meta["tol"], meta["maxIter"], meta["cv"], meta["block"]
    C = [(g / d) * X @ X.T + gb]
    for _ in range(L):
        M, _, _ = pair_moments(C[-1], False)
        C.append(g * M + gb)
    Ct = [np.zeros((P, P)) for _ in range(L + 1)]
    Y = y.reshape(P, 1)
    residuals = []
    converged = False
    it = 0
    ess = []
    for it in range(1, max_iter + 1):
        K = C[L] + kappa * np.eye(P)
        Ki = np.linalg.inv(K)
        a = Ki @ Y
        Ct[L] = 0.5 * (a @ a.T - Ki) / N
        for l in range(L + 1, 2, -1):
            _, back, _ = tilted(Zs[l], C[l - 2], g, Ct[l - 1], True, cv, block)
            Ct[l - 2] = back
        res = 0.0
        ess = []
        for l in range(2, L + 2):
            M, _, e = tilted(Zs[l], C[l - 2], g, Ct[l - 1], False, cv, block)
            ess.append(e)
            Cn = g * M + gb
            res = max(res, np.abs(Cn - C[l - 1]).max())
            C[l - 1] = (1 - eta) * C[l - 1] + eta * Cn
            if np.linalg.eigvalsh(C[l - 1])[0] < -1e-10 * max(1.0, np.abs(C[l - 1]).max()):
                raise RuntimeError(f"C^({l}) not PSD at iteration {it}")
        residuals.append(res)
        if res < tol:
            converged = True
            break
    return C, residuals, converged, it, ess


def main():
    d = sys.argv[1]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 1
    meta = json.load(open(os.path.join(d, "meta.json")))
    P, dd, S, L = meta["P"], meta["d"], meta["S"], meta["L"]
    X = np.fromfile(os.path.join(d, "X.bin"), dtype=np.float64).reshape(P, dd)
    y = np.fromfile(os.path.join(d, "y.bin"), dtype=np.float64)
    Zs = {l: np.fromfile(os.path.join(d, f"Z{l}.bin"), dtype=np.float64).reshape(S, P) for l in range(2, L + 2)}
    times = []
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = solve(meta, X, y, Zs)
        times.append(1000 * (time.perf_counter() - t0))
    C, residuals, converged, it, ess = out
    for l in range(2, L + 2):
        C[l - 1].astype(np.float64).tofile(os.path.join(d, f"C{l}.bin"))
    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info  # optional

        tp = threadpool_info()
        if tp:
            info["openblas"] = f"{tp[0].get('internal_api')} {tp[0].get('version')}"
            info["threads"] = tp[0].get("num_threads")
    except Exception:
        pass
    print(json.dumps({"ms": times, "iterations": it, "converged": converged, "residual": residuals[-1], "ess": ess, "info": info}))


if __name__ == "__main__":
    main()
