#!/usr/bin/python3
"""NumPy side of the data-loading benchmark (bench/data.ts runs this in the same invocation).

The work, as featurelab's mnistBinary does it: read the MNIST training IDX files (images, labels),
keep classes 0 and 1, draw 1000 examples per class at random, scale pixels to [0, 1] and
downsample 28x28 -> 10x10 by area averaging (non-integer ratio 2.8: each output pixel averages the
input area it covers, with fractional weights at the edges), labels -> +/-1.

Usage: /usr/bin/python3 bench/numpy_data.py IMAGES LABELS [--reps R]; prints JSON {seconds: [...]}.
"""
import json
import statistics
import sys
import time

import numpy as np


def area_matrix(n, m):
    """m x n matrix W with W[i, j] = overlap of output bin i with input pixel j, rows summing to 1."""
    W = np.zeros((m, n))
    scale = n / m
    for i in range(m):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(np.floor(lo)), int(np.ceil(hi))):
            W[i, j] = max(0.0, min(hi, j + 1) - max(lo, j))
    return W / scale


def load(images, labels, per_class=1000, size=10, seed=0):
    with open(labels, "rb") as f:
        lab = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    with open(images, "rb") as f:
        img = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    rng = np.random.default_rng(seed)
    idx = []
    for c in (0, 1):
        cand = np.flatnonzero(lab == c)
        idx.append(np.sort(rng.choice(cand, per_class, replace=False)))
    idx = np.sort(np.concatenate(idx))
    x = img[idx].astype(np.float64) / 255.0
    W = area_matrix(28, size)
    X = np.einsum("ij,pjk,lk->pil", W, x, W).reshape(len(idx), size * size)
    y = np.where(lab[idx] == 0, 1.0, -1.0)
    return X, y


def main():
    images, labels = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    times = []
    for r in range(reps + 1):
        t0 = time.perf_counter()
        X, y = load(images, labels, seed=r)
        dt = time.perf_counter() - t0
        if r > 0:
            times.append(dt)
    assert X.shape == (2000, 100) and abs(X.mean() - X.mean()) == 0
    print(json.dumps({"seconds": times, "median": statistics.median(times), "shape": list(X.shape)}))


if __name__ == "__main__":
    main()
