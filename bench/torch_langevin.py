#!/usr/bin/python3
"""PyTorch reference for bench/langevin.ts: one full-batch Langevin (ULA) step of a one-hidden-layer
network f(x) = a1 * v . erf(a0 * W x), a0 = 1/sqrt(D), a1 = 1/sqrt(N), on P synthetic points, f32.

One timed step (the same work as featurelab's ULA step, src/nn/samplers/timing.ts):
  forward  H = a0 X W^T, F = erf(H), f = a1 F v, r = f - y, L = 0.5 |r|^2
  backward (two variants, the faster one is the reference):
    "manual":   gv = a1 F^T r, dH = a1 (r v^T) * (2/sqrt(pi)) exp(-H^2), gW = a0 dH^T X
    "autograd": L.backward()
  update   theta <- theta - eta (grad + T lam theta) + sqrt(2 eta T) * torch.randn_like(theta)
No allocation is avoided artificially beyond what each variant naturally does (in-place parameter
updates; the manual variant reuses nothing else). torch.set_num_threads(THREADS) (default 2).

Usage: torch_langevin.py P D N [steps] [warmup] [threads] [variant]   -> one JSON line on stdout
  variant: manual | autograd | both (default both)
"""
import json
import math
import resource
import sys
import time

import torch


def main():
    P, D, N = (int(a) for a in sys.argv[1:4])
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    variant = sys.argv[7] if len(sys.argv) > 7 else "both"
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(20240601)
    X = torch.randn(P, D, generator=g, dtype=torch.float32)
    y = torch.sign(torch.randn(P, generator=g, dtype=torch.float32))
    T, eta, lam = 0.01, 1e-4, 1.0
    a0, a1 = 1 / math.sqrt(D), 1 / math.sqrt(N)
    c = 2 / math.sqrt(math.pi)
    noise = math.sqrt(2 * eta * T)
    out = {"P": P, "D": D, "N": N, "threads": torch.get_num_threads(), "torch": torch.__version__,
           "config": torch.__config__.parallel_info().splitlines()[0:3]}

    def run(kind):
        W = torch.randn(N, D, generator=g, dtype=torch.float32)
        v = torch.randn(N, generator=g, dtype=torch.float32)
        if kind == "autograd":
            W.requires_grad_(True)
            v.requires_grad_(True)
        times = []
        for t in range(warmup + steps):
            t0 = time.perf_counter()
            if kind == "manual":
                with torch.no_grad():
                    H = torch.mm(X, W.t()).mul_(a0)
                    F = torch.erf(H)
                    f = torch.mv(F, v).mul_(a1)
                    r = f - y
                    loss = 0.5 * torch.dot(r, r)
                    gv = torch.mv(F.t(), r).mul_(a1)
                    dH = H.square_().neg_().exp_().mul_(c).mul_(torch.outer(r, v)).mul_(a1)
                    gW = torch.mm(dH.t(), X).mul_(a0)
                    W.mul_(1 - eta * T * lam).add_(gW, alpha=-eta).add_(torch.randn(W.shape), alpha=noise)
                    v.mul_(1 - eta * T * lam).add_(gv, alpha=-eta).add_(torch.randn(v.shape), alpha=noise)
            else:
                f = torch.mv(torch.erf(torch.mm(X, W.t()) * a0), v) * a1
                loss = 0.5 * torch.sum((f - y) ** 2)
                loss.backward()
                with torch.no_grad():
                    W.mul_(1 - eta * T * lam).add_(W.grad, alpha=-eta).add_(torch.randn(W.shape), alpha=noise)
                    v.mul_(1 - eta * T * lam).add_(v.grad, alpha=-eta).add_(torch.randn(v.shape), alpha=noise)
                    W.grad = None
                    v.grad = None
            float(loss)  # synchronise (CPU: already done)
            dt = (time.perf_counter() - t0) * 1e3
            if t >= warmup:
                times.append(dt)
        times.sort()
        m = len(times) // 2
        med = times[m] if len(times) % 2 else 0.5 * (times[m - 1] + times[m])
        return {"msPerStep": med, "times": times}

    kinds = ["manual", "autograd"] if variant == "both" else [variant]
    for k in kinds:
        out[k] = run(k)
    out["msPerStep"] = min(out[k]["msPerStep"] for k in kinds)
    out["best"] = min(kinds, key=lambda k: out[k]["msPerStep"])
    out["maxRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
