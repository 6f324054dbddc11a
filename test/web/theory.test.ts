/**
 * The browser's evaluation of the renormalization theory (web/src/theory.ts, dependency-free so that
 * a T change redraws without the server) against the library: Q* against solveSaddle, S and dS/dQ
 * against effectiveAction/actionGradient, and the predictor and losses against GPEigen.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { key, normal } from "../../src/engine/random.js";
import { deepKernels, GPEigen } from "../../src/kernels/index.js";
import { effectiveAction, actionGradient as libGradient, solveSaddle } from "../../src/theory/renormalization.js";
import { action, actionGradient, makeSpectrum, predict, solveQ, testLoss, trainLoss } from "../../web/src/theory.js";

function problem(seed: number, act: string, P: number, Pt: number, D: number, lambda0: number) {
  const X = normal(key(seed), P * D);
  const Xt = normal(key(seed + 1), Pt * D);
  const y = Float64Array.from(normal(key(seed + 2), P), (v, i) => Math.sign(X[i * D]) + 0.3 * v);
  const yt = Float64Array.from({ length: Pt }, (_, i) => Math.sign(Xt[i * D]));
  const K = deepKernels(act, X, P, D, { layers: 1, lambda0, Xtest: Xt, Pt }).nngp[1];
  const gp = GPEigen.fromKernel(K.train, P, y, { cache: false });
  const ts = gp.attachTest(K.cross, K.testDiag);
  const sp = makeSpectrum(P, Pt, gp.kappa, gp.yTilde, ts.B, ts.kDiag, yt);
  return { gp, ts, sp, yt };
}

const cases = [problem(1, "erf", 50, 15, 8, 1), problem(7, "relu", 80, 10, 30, 0.3), problem(21, "linear", 30, 8, 5, 2)];
const params = [
  { T: 1e-4, N1: 1, lambda1: 1 },
  { T: 0.01, N1: 20, lambda1: 1 },
  { T: 0.3, N1: 500, lambda1: 0.1 },
  { T: 5, N1: 3, lambda1: 10 },
  { T: 0.02, N1: 1e6, lambda1: 1 },
];

test("Q* in the browser equals the library's solveSaddle", () => {
  for (const { gp, sp } of cases) {
    for (const p of params) {
      const lib = solveSaddle(gp.kappa, gp.yTilde, p).Q;
      const web = solveQ(sp.kappa, sp.y2, p.T, p.N1, p.lambda1);
      assert.ok(Math.abs(web - lib) <= 1e-10 * lib, `T=${p.T} N1=${p.N1} λ1=${p.lambda1}: ${web} vs ${lib}`);
    }
  }
});

test("S(Q) and dS/dQ equal the library's", () => {
  for (const { gp, sp } of cases) {
    for (const p of params) {
      for (const Q of [0.2, 1, 3.7]) {
        const s = effectiveAction(gp.kappa, gp.yTilde, Q, p);
        assert.ok(Math.abs(action(sp.kappa, sp.y2, p.T, p.N1, p.lambda1, Q) - s) <= 1e-12 * Math.max(1, Math.abs(s)));
        const g = libGradient(gp.kappa, gp.yTilde, Q, p);
        assert.ok(Math.abs(actionGradient(sp.kappa, sp.y2, p.T, p.N1, p.lambda1, Q) - g) <= 1e-12 * Math.max(1, Math.abs(g)));
      }
    }
  }
});

test("test predictions and losses equal GPEigen's; the train loss equals GPEigen.trainLoss", () => {
  for (const { gp, ts, sp, yt } of cases) {
    for (const [T, s] of [
      [0.01, 1],
      [0.3, 4.2],
      [2, 0.05],
    ]) {
      const ref = gp.testLoss({ T, s, test: ts, yTest: yt });
      const L = testLoss(sp, T, s);
      assert.ok(Math.abs(L.bias2 - ref.bias2) <= 1e-11 * Math.max(1, ref.bias2));
      assert.ok(Math.abs(L.variance - ref.variance) <= 1e-11 * Math.max(1, ref.variance));
      const post = gp.posterior({ T, s, test: ts });
      const pr = predict(sp, T, s);
      for (let i = 0; i < sp.Pt; i++) {
        assert.ok(Math.abs(pr.mean[i] - post.mean[i]) <= 1e-11);
        assert.ok(Math.abs(pr.variance[i] - post.variance[i]) <= 1e-11);
      }
      const tr = gp.trainLoss({ T, s }).total;
      assert.ok(Math.abs(trainLoss(sp, T, s) - tr) <= 1e-11 * Math.max(1, tr));
    }
  }
});
