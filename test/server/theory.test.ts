/**
 * The server's theory adapter (src/server/theory.ts): the renormalised predictor equals GP regression
 * with kernel (Q* / λ1)K and noise T computed independently by a Cholesky factorisation, Q* is a
 * stationary point of S, and the large-width limit has the analytic first-order correction.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { key, normal } from "../../src/engine/random.js";
import { deepKernels, GPEigen, gpRegression } from "../../src/kernels/index.js";
import { action, renormalizedPrediction, solveOrderParameter } from "../../src/server/theory.js";

const P = 40;
const Pt = 12;
const D = 6;
const X = normal(key(11), P * D);
const Xt = normal(key(12), Pt * D);
const w = normal(key(13), D);
const target = (x: Float64Array, n: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.tanh(x.subarray(i * D, (i + 1) * D).reduce((a, v, j) => a + v * w[j], 0) / Math.sqrt(D)));
const y = target(X, P);
const yt = target(Xt, Pt);
const K = deepKernels("erf", X, P, D, { layers: 1, lambda0: 0.7, Xtest: Xt, Pt }).nngp[1];
const gp = GPEigen.fromKernel(K.train, P, y, { cache: false });
const ts = gp.attachTest(K.cross, K.testDiag);

test("the renormalised predictor equals Cholesky GP regression with kernel (Q*/λ1)K and noise T", () => {
  for (const p of [
    { T: 0.05, N1: 10, lambda1: 1 },
    { T: 0.5, N1: 200, lambda1: 3 },
    { T: 1e-3, N1: 2, lambda1: 0.5 },
  ]) {
    const r = renormalizedPrediction(gp, ts, yt, p);
    const ref = gpRegression({ Ktrain: K.train, P, y, kTest: K.cross, kDiag: K.testDiag, T: p.T, s: r.order.Q / p.lambda1 });
    for (let i = 0; i < Pt; i++) {
      assert.ok(Math.abs(r.mean[i] - ref.mean[i]) < 1e-8, `mean ${i}: ${r.mean[i]} vs ${ref.mean[i]}`);
      assert.ok(Math.abs(r.variance[i] - Math.max(ref.variance[i], 0)) < 1e-8, `variance ${i}`);
    }
    let bias = 0;
    for (let i = 0; i < Pt; i++) bias += (ref.mean[i] - yt[i]) ** 2;
    assert.ok(Math.abs(r.bias2 - bias / Pt) < 1e-9);
    assert.ok(Math.abs(r.testLoss - r.bias2 - r.testVariance) < 1e-14);
  }
});

test("Q* is a stationary point and a local minimum of S", () => {
  const spec = { kappa: gp.kappa, yTilde: gp.yTilde };
  for (const p of [
    { T: 0.01, N1: 5, lambda1: 1 },
    { T: 1, N1: 50, lambda1: 0.2 },
  ]) {
    const o = solveOrderParameter(spec, p);
    const h = 1e-5 * o.Q;
    const dS = (action(spec, p, o.Q + h) - action(spec, p, o.Q - h)) / (2 * h);
    assert.ok(Math.abs(dS) < 1e-6, `dS/dQ = ${dS}`);
    assert.ok(action(spec, p, o.Q * 1.01) > o.S && action(spec, p, o.Q * 0.99) > o.S);
  }
});

test("large width: N1·(Q* − 1) → Σỹ²g/(T+g)² − Σg/(T+g) at g = κ/λ1", () => {
  const T = 0.1;
  const lambda1 = 2;
  let c = 0;
  for (let i = 0; i < P; i++) {
    const g = gp.kappa[i] / lambda1;
    c += (gp.yTilde[i] ** 2 * g) / (T + g) ** 2 - g / (T + g);
  }
  const N1 = 1e7;
  const Q = solveOrderParameter({ kappa: gp.kappa, yTilde: gp.yTilde }, { T, N1, lambda1 }).Q;
  assert.ok(Math.abs(N1 * (Q - 1) - c) < 1e-4 * Math.max(1, Math.abs(c)), `${N1 * (Q - 1)} vs ${c}`);
});

test("bad parameters are InputErrors", () => {
  const spec = { kappa: gp.kappa, yTilde: gp.yTilde };
  assert.throws(() => solveOrderParameter(spec, { T: 0, N1: 10, lambda1: 1 }), InputError);
  assert.throws(() => solveOrderParameter(spec, { T: 0.1, N1: 0.5, lambda1: 1 }), InputError);
  assert.throws(() => solveOrderParameter(spec, { T: 0.1, N1: 10, lambda1: Number.NaN }), InputError);
});
