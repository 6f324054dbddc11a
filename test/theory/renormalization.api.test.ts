/**
 * Scans, the matrix and deep forms' reductions and invariances, and input validation of the
 * renormalization theory.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { key, normal, split } from "../../src/engine/random.js";
import { parseActivation } from "../../src/kernels/index.js";
import {
  collectiveSignature,
  deepLinearGradient,
  deepLinearTheory,
  logGrid,
  matrixAction,
  matrixActionGradient,
  meanFeature,
  microscopicSignature,
  predictMatrix,
  RenormProblem,
  scanLambda0,
  scanLambda1,
  scanRenorm,
  scanTemperature,
  scanWidth,
  solveMatrixSaddle,
  solveSaddle,
} from "../../src/theory/renormalization.js";

function close(a: number, b: number, rtol: number, what: string, atol = 1e-14): void {
  const err = Math.abs(a - b);
  assert.ok(err <= rtol * Math.abs(b) + atol, `${what}: ${a} vs ${b} (|Δ| = ${err.toExponential(2)})`);
}

/** A small two-cluster task with a test set (seeded). */
function data(seed: number, P = 30, Pt = 7, N0 = 10, m = 1) {
  const [k1, k2, k3] = split(key(seed), 3);
  const mu = normal(k1, N0, 0, 0.4);
  const X = normal(k2, P * N0);
  const Xtest = normal(k3, Pt * N0);
  const y = new Float64Array(P * m);
  const yTest = new Float64Array(Pt * m);
  for (let i = 0; i < P; i++) {
    const s = i % 2 === 0 ? 1 : -1;
    for (let a = 0; a < N0; a++) X[i * N0 + a] += s * mu[a];
    y[i * m] = s;
    for (let c = 1; c < m; c++) y[i * m + c] = Math.sin(c * X[i * N0 + c]);
  }
  for (let i = 0; i < Pt; i++) {
    const s = i % 2 === 0 ? 1 : -1;
    for (let a = 0; a < N0; a++) Xtest[i * N0 + a] += s * mu[a];
    yTest[i * m] = s;
    for (let c = 1; c < m; c++) yTest[i * m + c] = Math.sin(c * Xtest[i * N0 + c]);
  }
  return { X, P, N0, y, Xtest, Pt, yTest };
}

describe("scans reuse the spectrum and agree with single-point solves", () => {
  const pr = RenormProblem.fromData({ ...data(1), act: "erf" });

  it("temperature, width and λ1 scans equal point-by-point solve/predict/collective", () => {
    const Ts = logGrid(1e-3, 5, 9);
    const N1s = [3, 10, 30, 100, Number.POSITIVE_INFINITY];
    const l1s = [0.3, 1, 3];
    const checks: [ReturnType<typeof scanTemperature>, { T: number; N1: number; lambda1: number }[]][] = [
      [scanTemperature(pr, Ts, { N1: 20, lambda1: 0.8 }, { keepPredictions: true }), Ts.map((T) => ({ T, N1: 20, lambda1: 0.8 }))],
      [scanWidth(pr, N1s, { T: 0.05, lambda1: 1 }, { keepPredictions: true }), N1s.map((N1) => ({ T: 0.05, N1, lambda1: 1 }))],
      [scanLambda1(pr, l1s, { T: 0.05, N1: 15 }, { keepPredictions: true }), l1s.map((lambda1) => ({ T: 0.05, N1: 15, lambda1 }))],
    ];
    for (const [scan, pts] of checks) {
      pts.forEach((p, j) => {
        const sp = pr.solve(p);
        close(scan.Q[j], sp.Q, 1e-14, `${scan.parameter} Q̄`);
        close(scan.action[j], sp.action, 1e-14, "S");
        const pred = pr.predict(sp.Q, p);
        close(scan.losses.testLoss[j]!, pred.testLoss!, 1e-11, "test loss");
        close(scan.losses.bias2[j]!, pred.bias2!, 1e-11, "bias²");
        close(scan.losses.variance[j]!, pred.variance!, 1e-11, "variance");
        close(scan.losses.trainLoss[j], pred.trainLoss, 1e-12, "train loss");
        for (let r = 0; r < pr.Pt; r++) close(scan.ypred![j][r], pred.ypred[r], 1e-11, "ypred");
        const iw = pr.predict(1, p);
        close(scan.infiniteWidth.testLoss[j]!, iw.testLoss!, 1e-11, "IW test loss");
        close(scan.infiniteWidth.trainLoss[j], iw.trainLoss, 1e-12, "IW train loss");
        close(scan.readoutDisplacement[j], (sp.Q - 1) / p.lambda1, 1e-14, "readout displacement");
        const col = collectiveSignature(pr, sp);
        close(scan.collective!.centroidShift[j], col.shift.centroid, 1e-10, "centroid shift", 1e-12);
        close(scan.collective!.pairwiseShift[j], col.shift.pairwise, 1e-10, "pairwise shift", 1e-12);
        close(scan.collective!.radiusBShift[j], col.shift.radiusB, 1e-10, "radius B shift", 1e-12);
        close(scan.collective!.separation[j], col.posterior.separation, 1e-10, "separation");
      });
    }
  });

  it("the scan's first-layer traces equal microscopicSignature's", () => {
    const pts = [
      { T: 0.01, N1: 12, lambda1: 1 },
      { T: 0.3, N1: 40, lambda1: 0.5 },
    ];
    const scan = scanRenorm(pr, pts, { micro: true });
    pts.forEach((p, j) => {
      const m = microscopicSignature(pr, pr.solve(p), { matrices: false, top: 0 });
      close(scan.micro!.traceFull[j], m.traceFull, 1e-9, "Tr Δ_full", 1e-13);
      close(scan.micro!.traceCode[j], m.traceCode, 1e-9, "Tr Δ_code", 1e-13);
      close(m.traceFull, m.traceIdentity, 1e-10, "identity", 1e-14);
    });
  });

  it("λ0 scan rebuilds the kernel: equals a problem built at each λ0", () => {
    const l0s = [0.5, 1, 2];
    const fixed = { T: 0.05, N1: 20, lambda1: 1 };
    const scan = scanLambda0(pr, l0s, fixed);
    l0s.forEach((l0, j) => {
      const q = RenormProblem.fromData({ ...data(1), act: "erf", lambda0: l0 });
      close(scan.Q[j], q.solve(fixed).Q, 1e-12, `Q̄ at λ0 = ${l0}`);
      assert.equal(scan.lambda0[j], l0);
    });
    assert.equal(scan.parameter, "lambda0");
    assert.equal(scan.collective!.centroidShift.length, 3);
  });

  it("labels: false skips the collective part; non-binary targets give none by default", () => {
    const s = scanTemperature(pr, [0.1], { N1: 10, lambda1: 1 }, { labels: false });
    assert.equal(s.collective, undefined);
    const d = data(2);
    const yr = Float64Array.from(d.y, (v, i) => v + 0.1 * i); // all positive for even i, mixed signs otherwise
    yr[0] = 0;
    const q = RenormProblem.fromData({ ...d, y: yr, act: "erf" });
    assert.equal(scanTemperature(q, [0.1], { N1: 10, lambda1: 1 }).collective, undefined);
    assert.throws(() => scanTemperature(q, [0.1], { N1: 10, lambda1: 1 }, { labels: yr }), InputError);
  });
});

describe("matrix order parameter", () => {
  it("m = 1 reduces to the scalar theory (Q*, S, predictor)", () => {
    const pr = RenormProblem.fromData({ ...data(3), act: "erf" });
    for (const p of [
      { T: 0.01, N1: 8, lambda1: 1 },
      { T: 0.5, N1: 30, lambda1: 0.4 },
    ]) {
      const sc = pr.solve(p);
      const mx = solveMatrixSaddle(pr.kappa, pr.yTilde, 1, p);
      assert.ok(mx.converged);
      close(mx.Q[0], sc.Q, 1e-11, "Q");
      close(mx.action, sc.action, 1e-12, "S");
      close(matrixActionGradient(pr.kappa, pr.yTilde, Float64Array.of(1.7), 1, p)[0], pr.actionGradient(1.7, p), 1e-12, "gradient");
      const a = predictMatrix(pr, mx.Q, p);
      const b = pr.predict(sc.Q, p);
      for (let r = 0; r < pr.Pt; r++) {
        close(a.ypred[r], b.ypred[r], 1e-10, "mean");
        close(a.pointVariance[r], b.pointVariance[r], 1e-10, "variance");
      }
      close(a.testLoss!, b.testLoss!, 1e-10, "test loss");
      close(a.trainLoss, b.trainLoss, 1e-10, "train loss");
    }
  });

  it("rotating the outputs (y → yR) rotates Q (Q → RᵀQR) and leaves S unchanged", () => {
    const d = data(4, 30, 5, 10, 2);
    const pr = RenormProblem.fromData({ ...d, act: "erf" });
    const p = { T: 0.05, N1: 12, lambda1: 1 };
    const a = solveMatrixSaddle(pr.kappa, pr.yTilde, 2, p);
    const th = 0.7;
    const R = [Math.cos(th), -Math.sin(th), Math.sin(th), Math.cos(th)];
    const yR = new Float64Array(d.y.length);
    for (let i = 0; i < d.P; i++) {
      for (let c = 0; c < 2; c++) yR[i * 2 + c] = d.y[i * 2] * R[c] + d.y[i * 2 + 1] * R[2 + c];
    }
    const q = RenormProblem.fromData({ ...d, y: yR, yTest: undefined, act: "erf" });
    const b = solveMatrixSaddle(q.kappa, q.yTilde, 2, p);
    close(b.action, a.action, 1e-11, "S invariant");
    // RᵀQR
    const RtQR = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) RtQR[i * 2 + j] += R[k * 2 + i] * a.Q[k * 2 + l] * R[l * 2 + j];
    for (let i = 0; i < 4; i++) close(b.Q[i], RtQR[i], 1e-8, `Q[${i}]`, 1e-10);
    // gradient by central differences of S
    const Q = Float64Array.of(1.3, 0.2, 0.2, 0.8);
    const G = matrixActionGradient(pr.kappa, pr.yTilde, Q, 2, p);
    const h = 1e-6;
    const Qp = Float64Array.from(Q);
    const Qm = Float64Array.from(Q);
    Qp[1] += h;
    Qp[2] += h;
    Qm[1] -= h;
    Qm[2] -= h;
    close(
      (matrixAction(pr.kappa, pr.yTilde, Qp, 2, p) - matrixAction(pr.kappa, pr.yTilde, Qm, 2, p)) / (2 * h),
      2 * G[1],
      1e-6,
      "off-diagonal derivative",
      1e-9,
    );
    assert.equal(matrixAction(pr.kappa, pr.yTilde, Float64Array.of(1, 2, 2, 1), 2, p), Number.POSITIVE_INFINITY, "indefinite Q");
  });

  it("independent outputs with decoupled targets: N1 = ∞ gives Q = I", () => {
    const d = data(5, 20, 3, 8, 2);
    const pr = RenormProblem.fromData({ ...d, act: "linear" });
    const sp = solveMatrixSaddle(pr.kappa, pr.yTilde, 2, { T: 0.1, N1: Number.POSITIVE_INFINITY, lambda1: 1 });
    for (let i = 0; i < 4; i++) close(sp.Q[i], i % 3 === 0 ? 1 : 0, 0, "Q = I", 1e-12);
  });
});

describe("deep linear networks", () => {
  const d = data(6);
  const pr = RenormProblem.fromData({ ...d, act: "linear", lambda0: 1.3 });

  it("L = 1 is the one-hidden-layer linear theory", () => {
    const p = { T: 0.07, N1: 17, lambda1: 0.9 };
    const sc = pr.solve(p);
    const { saddle, prediction } = deepLinearTheory(pr, { T: p.T, widths: [p.N1], lambdas: [p.lambda1] });
    close(saddle.Q[0], sc.Q, 1e-12, "Q̄");
    close(saddle.action, sc.action, 1e-12, "S");
    close(prediction.testLoss!, pr.predict(sc.Q, p).testLoss!, 1e-11, "test loss");
  });

  it("all layers share N_ℓ(Q̄_ℓ − 1); wide layers have Q̄ → 1; only Π λ_ℓ matters for s", () => {
    const a = deepLinearTheory(pr, { T: 0.05, widths: [10, 1e9, 25], lambdas: [1, 1, 1] }).saddle;
    close(10 * (a.Q[0] - 1), 25 * (a.Q[2] - 1), 1e-10, "shared c");
    close(a.Q[1], 1, 0, "very wide layer", 1e-7);
    // the two finite layers alone give the same s
    const b = deepLinearTheory(pr, { T: 0.05, widths: [10, 25], lambdas: [1, 1] }).saddle;
    close(a.s, b.s, 1e-6, "s");
    const c1 = deepLinearTheory(pr, { T: 0.05, widths: [10, 25], lambdas: [2, 0.5] }).saddle;
    close(c1.s, b.s, 1e-12, "λ-product invariance");
    for (const g of deepLinearGradient(pr.kappa, pr.yTilde, b.Q, { T: 0.05, widths: [10, 25], lambdas: [1, 1] })) assert.ok(Math.abs(g) < 1e-12);
  });

  it("rejects a nonlinear activation and bad parameters", () => {
    const q = RenormProblem.fromData({ ...d, act: "erf" });
    assert.throws(() => deepLinearTheory(q, { T: 0.1, widths: [10], lambdas: [1] }), /linear activation only/);
    assert.throws(() => deepLinearTheory(pr, { T: 0.1, widths: [10, 0.5], lambdas: [1, 1] }), InputError);
    assert.throws(() => deepLinearTheory(pr, { T: 0.1, widths: [10], lambdas: [1, 1] }), InputError);
  });
});

describe("non-odd mean features", () => {
  it("ReLU has the correct √(c/(2π)) mean (not the √(c/2·π) precedence bug); closed forms match quadrature", () => {
    const relu = parseActivation("relu");
    close(meanFeature(relu, 2), Math.sqrt(2 / (2 * Math.PI)), 1e-15, "relu");
    assert.ok(Math.abs(meanFeature(relu, 2) - Math.sqrt((2 / 2) * Math.PI)) > 1);
    // closed forms (kinked φ: the trapezoid reference is O(h²) accurate) and the quadrature fallback (smooth φ)
    for (const [name, a, tol] of [
      ["relu", 0.7, 1e-6],
      ["abs", 1.3, 1e-6],
      ["leaky-relu:0.2", 1.1, 1e-6],
      ["quadratic", 0.4, 1e-10],
      ["cos", 0.9, 1e-10],
      ["softplus", 0.8, 1e-10],
      ["gelu", 1.7, 1e-10],
    ] as const) {
      const act = parseActivation(name);
      close(
        meanFeature(act, a),
        gaussExpect1dRef((h: number) => act.phi(h), a),
        tol,
        name,
      );
    }
    assert.equal(meanFeature(parseActivation("erf"), 3), 0);
  });
});

/** E[F(√a z)] by the trapezoid rule on [−12, 12] with 20001 points (reference for smooth/kinked F). */
function gaussExpect1dRef(F: (h: number) => number, a: number): number {
  const n = 20001;
  const L = 12;
  const dz = (2 * L) / (n - 1);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const z = -L + i * dz;
    const w = i === 0 || i === n - 1 ? 0.5 : 1;
    s += w * Math.exp(-0.5 * z * z) * F(Math.sqrt(a) * z);
  }
  return (s * dz) / Math.sqrt(2 * Math.PI);
}

describe("input validation", () => {
  const d = data(7);
  const pr = RenormProblem.fromData({ ...d, act: "erf" });

  it("T ≤ 0, NaN, width < 1, λ1 ≤ 0 are InputErrors naming the parameter", () => {
    assert.throws(() => pr.solve({ T: 0, N1: 10, lambda1: 1 }), /temperature T must be/);
    assert.throws(() => pr.solve({ T: -1, N1: 10, lambda1: 1 }), InputError);
    assert.throws(() => pr.solve({ T: Number.NaN, N1: 10, lambda1: 1 }), InputError);
    assert.throws(() => pr.solve({ T: 0.1, N1: 0.5, lambda1: 1 }), /width N1/);
    assert.throws(() => pr.solve({ T: 0.1, N1: Number.NaN, lambda1: 1 }), /width N1/);
    assert.throws(() => pr.solve({ T: 0.1, N1: 10, lambda1: 0 }), /λ1/);
    assert.throws(() => pr.predict(0, { T: 0.1, lambda1: 1 }), InputError);
    assert.throws(() => solveSaddle(new Float64Array(3), new Float64Array(2), { T: 1, N1: 2, lambda1: 1 }), InputError);
  });

  it("empty data, NaN inputs, shape mismatches and bad λ0 are InputErrors", () => {
    assert.throws(() => RenormProblem.fromData({ ...d, P: 0, X: new Float64Array(0), y: new Float64Array(0) }), /empty/);
    const Xn = Float64Array.from(d.X);
    Xn[5] = Number.NaN;
    assert.throws(() => RenormProblem.fromData({ ...d, X: Xn }), /non-finite/);
    const yn = Float64Array.from(d.y);
    yn[2] = Number.POSITIVE_INFINITY;
    assert.throws(() => RenormProblem.fromData({ ...d, y: yn }), /non-finite/);
    assert.throws(() => RenormProblem.fromData({ ...d, N0: 9 }), InputError);
    assert.throws(() => RenormProblem.fromData({ ...d, yTest: new Float64Array(2) }), InputError);
    assert.throws(() => RenormProblem.fromData({ ...d, lambda0: 0 }), /λ0/);
    assert.throws(() => RenormProblem.fromData({ ...d, act: "nope" }), /unknown activation/);
  });

  it("a singular kernel at small T stays finite (eigenvalues clipped to 0, reported), never NaN", () => {
    // duplicated inputs make K singular; with T → 0 the action and m = A⁻¹y stay finite for T > 0
    const P = 12;
    const N0 = 3;
    const X = normal(key(9), P * N0);
    for (let a = 0; a < N0; a++) X[1 * N0 + a] = X[0 * N0 + a];
    const y = Float64Array.from({ length: P }, (_, i) => (i % 2 === 0 ? 1 : -1)); // duplicate inputs with opposite labels
    const q = RenormProblem.fromData({ X, P, N0, y, Xtest: X.subarray(0, 2 * N0), yTest: y.subarray(0, 2), act: "erf" });
    assert.ok(q.gp.diagnostics.clipped >= 1, "K is singular");
    for (const T of [1e-2, 1e-6, 1e-10]) {
      const sp = q.solve({ T, N1: 10, lambda1: 1 });
      const pred = q.predict(sp.Q, { T, lambda1: 1 });
      for (const v of [sp.Q, sp.action, pred.testLoss!, pred.trainLoss, ...pred.ypred]) assert.ok(Number.isFinite(v), `finite at T = ${T}`);
      const c = collectiveSignature(q, sp);
      assert.ok(Number.isFinite(c.shift.centroid));
      const m = microscopicSignature(q, sp, { matrices: false });
      assert.ok(Number.isFinite(m.traceFull) && Number.isFinite(m.traceIdentity));
    }
  });

  it("several outputs need the matrix form for the scalar solver", () => {
    const q = RenormProblem.fromData({ ...data(8, 20, 3, 6, 2), act: "erf" });
    assert.throws(() => q.solve({ T: 0.1, N1: 5, lambda1: 1 }), /matrix order parameter/);
  });
});
