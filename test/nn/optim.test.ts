import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { solve } from "../../src/engine/linalg.js";
import { key, normal } from "../../src/engine/random.js";
import { Linear, mseLoss, Sequential } from "../../src/nn/layers.js";
import { Adam, makeOptimizer, makeSchedule, parseSchedule, SGD } from "../../src/nn/optim.js";

/** L(w) = ½(3w₀² + ½w₁²) + w₀w₁, ∇L = (3w₀ + w₁, ½w₁ + w₀). */
const gradOf = (w: Float64Array) => Float64Array.from([3 * w[0] + w[1], 0.5 * w[1] + w[0]]);

describe("optimizers: hand-computed updates on a 2-parameter problem", () => {
  it("SGD: w ← w − η∇L; momentum buffer starts at the first gradient", () => {
    const w = Float64Array.from([1, -2]);
    const opt = new SGD({ lr: 0.1, momentum: 0.9 });
    // step 1: g = (1, 0) → b = g, w = (0.9, −2)
    opt.step(w, gradOf(w));
    assert.ok(Math.abs(w[0] - 0.9) < 1e-15 && Math.abs(w[1] + 2) < 1e-15);
    // step 2: g = (0.7, −0.1), b = 0.9·(1, 0) + g = (1.6, −0.1), w = (0.9 − 0.16, −2 + 0.01)
    opt.step(w, gradOf(w));
    assert.ok(Math.abs(w[0] - 0.74) < 1e-15 && Math.abs(w[1] + 1.99) < 1e-15);
  });
  it("Adam: the first step moves every coordinate by η·g/(|g| + ε)", () => {
    const w = Float64Array.from([1, -2]);
    const opt = new Adam({ lr: 0.1 });
    // g = (1, 0): m̂ = g, v̂ = g² → Δ = −0.1·1/(1 + 1e−8) and 0 for the zero gradient
    opt.step(w, gradOf(w));
    assert.ok(Math.abs(w[0] - (1 - 0.1 / (1 + 1e-8))) < 1e-15);
    assert.equal(w[1], -2);
    // step 2 by hand: g = (3w₀ − 2, −1 + w₀)
    const w0 = w[0];
    const g = [3 * w0 - 2, -1 + w0];
    const m = [0.9 * 0.1 * 1 + 0.1 * g[0], 0.1 * g[1]];
    const v = [0.999 * 0.001 * 1 + 0.001 * g[0] ** 2, 0.001 * g[1] ** 2];
    const bc1 = 1 - 0.9 ** 2;
    const bc2 = 1 - 0.999 ** 2;
    const expect = [
      w0 - (0.1 / bc1) * (m[0] / (Math.sqrt(v[0]) / Math.sqrt(bc2) + 1e-8)),
      -2 - (0.1 / bc1) * (m[1] / (Math.sqrt(v[1]) / Math.sqrt(bc2) + 1e-8)),
    ];
    opt.step(w, gradOf(w));
    assert.ok(Math.abs(w[0] - expect[0]) < 1e-14 && Math.abs(w[1] - expect[1]) < 1e-14);
  });
  it("five steps of SGD/Adam/AdamW variants reproduce PyTorch's trajectories", () => {
    // Fixture: test/fixtures/nn/optim_torch.json, written by test/fixtures/nn/gen_optim.py (torch 1.13, float64).
    const fx = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/nn/optim_torch.json"), "utf8"));
    for (const [name, c] of Object.entries(fx.cases) as [string, { options: Record<string, unknown>; trajectory: number[][] }][]) {
      const o = c.options as {
        lr: number;
        momentum?: number;
        nesterov?: boolean;
        weightDecay?: number;
        decoupled?: boolean;
        betas?: [number, number];
        eps?: number;
      };
      const opt = name.startsWith("sgd") ? new SGD(o) : new Adam(o);
      const w = Float64Array.from(fx.w0);
      c.trajectory.forEach((expected, t) => {
        opt.step(w, gradOf(w));
        for (let i = 0; i < 2; i++) assert.ok(Math.abs(w[i] - expected[i]) < 1e-12, `${name} step ${t + 1}: ${w[i]} vs ${expected[i]}`);
      });
    }
  });
  it("rejects bad settings", () => {
    assert.throws(() => new SGD({ lr: 0 }), InputError);
    assert.throws(() => new Adam({ lr: -1 }), InputError);
    assert.throws(() => new Adam({ lr: 1, betas: [1, 0.9] }), InputError);
    assert.throws(() => new SGD({ lr: 0.1, nesterov: true }), InputError);
    assert.throws(() => makeOptimizer({ name: "rmsprop" as "sgd", lr: 1 }), InputError);
  });
});

describe("SGD on linear regression converges to the least-squares solution", () => {
  it("full-batch gradient descent on MSE → (XᵀX)⁻¹Xᵀy (with bias)", () => {
    const n = 40;
    const d = 3;
    const X = normal(key(1), n * d);
    const y = new Float64Array(n);
    const noise = normal(key(2), n, 0, 0.3);
    for (let i = 0; i < n; i++) y[i] = 1.5 * X[i * d] - 0.7 * X[i * d + 1] + 0.2 * X[i * d + 2] + 0.4 + noise[i];
    const net = new Sequential([new Linear(d, 1, { dtype: "f64", key: key(3) })]);
    const opt = new SGD({ lr: 0.2, momentum: 0.5 });
    for (let s = 0; s < 3000; s++) {
      const out = net.forward(X, n);
      const { grad } = mseLoss(out, n, 1, y);
      net.backward(grad, n);
      opt.step(net.values, net.grads);
    }
    // Normal equations with the bias column: A = [X 1].
    const A = new Float64Array(4 * 4);
    const b = new Float64Array(4);
    for (let i = 0; i < n; i++) {
      const row = [X[i * d], X[i * d + 1], X[i * d + 2], 1];
      for (let p = 0; p < 4; p++) {
        b[p] += row[p] * y[i];
        for (let q = 0; q < 4; q++) A[p * 4 + q] += row[p] * row[q];
      }
    }
    const beta = solve(A, 4, b);
    const got = Array.from(net.values); // weight (1×3) then bias
    for (let p = 0; p < 4; p++) assert.ok(Math.abs(got[p] - beta[p]) < 1e-8, `${got[p]} vs ${beta[p]}`);
  });
});

describe("learning-rate schedules", () => {
  it("constant, step, cosine and warmup", () => {
    const c = makeSchedule(0.1);
    assert.equal(c(5.5, 10), 0.1);
    const s = makeSchedule(0.1, { type: "step", stepSize: 10, gamma: 0.5 });
    assert.equal(s(9.9, 1), 0.1);
    assert.equal(s(10, 1), 0.05);
    assert.equal(s(25, 1), 0.025);
    const cos = makeSchedule(1, { type: "cosine", total: 10, minLr: 0.1 });
    assert.ok(Math.abs(cos(0, 1) - 1) < 1e-15);
    assert.ok(Math.abs(cos(5, 1) - 0.55) < 1e-15);
    assert.ok(Math.abs(cos(10, 1) - 0.1) < 1e-15);
    assert.ok(Math.abs(cos(20, 1) - 0.1) < 1e-15);
    const w = makeSchedule(1, { type: "constant", warmup: 2 });
    assert.ok(Math.abs(w(0, 4) - 0.125) < 1e-15);
    assert.ok(Math.abs(w(1, 4) - 0.625) < 1e-15);
    assert.equal(w(3, 4), 1);
    assert.deepEqual(parseSchedule("step:30:0.1+warmup:5", 100), { type: "step", stepSize: 30, gamma: 0.1, warmup: 5 });
    assert.deepEqual(parseSchedule("cosine", 100), { type: "cosine", total: 100, minLr: undefined, warmup: undefined });
    assert.throws(() => parseSchedule("linear", 10), InputError);
  });
});
