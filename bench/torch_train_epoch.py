"""PyTorch side of bench/train_epoch.ts: the brief's network (paper C) trained for timed epochs.

Run by bench/train_epoch.ts with Debian's /usr/bin/python3 (python3-torch); not meant to be run by hand,
but it can be:

  /usr/bin/python3 bench/torch_train_epoch.py --dir DIR --n 2560 --d 100 --k 10 --width 100 --depth 7 \
      --alpha 0.1 --dropout 0.1 --lr 1e-3 --batch 0 --epochs 5 --warmup 2 [--parity STEPS]

DIR holds X.f32 (n×d float32, row-major), y.i32 (n int32 labels) and, for --parity, w0.f32 (the
initial parameters in nn.Sequential order, which is featurelab's flat parameter order). Prints one JSON
object: per-epoch wall times in ms (after the warm-up epochs), the versions and thread count, and with
--parity the full-batch losses of STEPS Adam steps from w0 with dropout off.

The network: BatchNorm1d(d); 7 × [Linear(d→w), BatchNorm1d(w), LeakyReLU(α), Dropout(p)];
Linear(w→k). Loss: softmax cross-entropy (mean). Adam(lr, betas (0.9, 0.999), eps 1e-8), float32.
An epoch: full batch (--batch 0: one step on all n images) or minibatches of --batch rows in a fresh
random order (torch.randperm + indexing; no DataLoader overhead), each step forward, loss, backward,
optimizer step, plus the training-accuracy count the authors' loop keeps.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn


def build(d, k, width, depth, alpha, p):
    layers = [nn.BatchNorm1d(d)]
    prev = d
    for _ in range(depth):
        layers += [nn.Linear(prev, width), nn.BatchNorm1d(width), nn.LeakyReLU(alpha)]
        if p > 0:
            layers.append(nn.Dropout(p))
        prev = width
    layers.append(nn.Linear(prev, k))
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--k", type=int, required=True)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--depth", type=int, default=7)
    ap.add_argument("--alpha", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parity", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    X = torch.from_numpy(np.fromfile(os.path.join(a.dir, "X.f32"), dtype=np.float32).reshape(a.n, a.d).copy())
    y = torch.from_numpy(np.fromfile(os.path.join(a.dir, "y.i32"), dtype=np.int32).astype(np.int64))
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "numpy": np.__version__}

    if a.parity > 0:
        model = build(a.d, a.k, a.width, a.depth, a.alpha, 0.0)
        w0 = torch.from_numpy(np.fromfile(os.path.join(a.dir, "w0.f32"), dtype=np.float32).copy())
        torch.nn.utils.vector_to_parameters(w0, model.parameters())
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        lossf = nn.CrossEntropyLoss()
        losses = []
        for _ in range(a.parity):
            opt.zero_grad()
            loss = lossf(model(X), y)
            losses.append(loss.item())
            loss.backward()
            opt.step()
        out["parityLosses"] = losses

    model = build(a.d, a.k, a.width, a.depth, a.alpha, a.dropout)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    lossf = nn.CrossEntropyLoss()
    B = a.batch if 0 < a.batch < a.n else a.n

    def epoch():
        idx = torch.randperm(a.n) if B < a.n else None
        correct = 0
        total = 0.0
        for s in range(0, a.n, B):
            if idx is None:
                xb, yb = X, y
            else:
                j = idx[s : s + B]
                xb, yb = X[j], y[j]
            opt.zero_grad()
            o = model(xb)
            loss = lossf(o, yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
            correct += (o.argmax(1) == yb).sum().item()
        return total / a.n

    for _ in range(a.warmup):
        epoch()
    times = []
    losses = []
    for _ in range(a.epochs):
        t = time.perf_counter()
        losses.append(epoch())
        times.append((time.perf_counter() - t) * 1000)
    out["timesMs"] = times
    out["losses"] = losses
    print(json.dumps(out))


if __name__ == "__main__":
    main()
