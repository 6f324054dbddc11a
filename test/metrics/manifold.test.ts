/** Sample-side estimators of the representation geometry and weight statistics (src/metrics/manifold.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { key, normal, split } from "../../src/engine/random.js";
import { applyKernel, inputCovariance, parseActivation } from "../../src/kernels/index.js";
import {
  centroidDistance,
  classContrast,
  classSplit,
  FeatureKernelAccumulator,
  MeanAccumulator,
  manifoldSummary,
  projection,
  representationKernel,
  WeightMomentAccumulator,
  weightSecondMoment,
} from "../../src/metrics/manifold.js";

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (|Δ| = ${Math.abs(a - b).toExponential(2)})`);
}

const P = 7;
const N1 = 5;
const labels = [1, -1, 1, 1, -1, -1, 1];
const A = normal(key(11), P * N1); // a: P×N1 activations

/** Squared Euclidean distance between rows (in feature space), divided by N1. */
function dist2(x: number[], y: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s / N1;
}
const row = (i: number) => Array.from(A.subarray(i * N1, (i + 1) * N1));
const centroid = (idx: number[]) => Array.from({ length: N1 }, (_, k) => idx.reduce((s, i) => s + A[i * N1 + k], 0) / idx.length);

describe("representation kernel and class-manifold summaries", () => {
  const Phi = representationKernel(A, P, N1);
  const iA = labels.flatMap((v, i) => (v > 0 ? [i] : []));
  const iB = labels.flatMap((v, i) => (v < 0 ? [i] : []));

  it("Φ = a aᵀ/N1 (P×P, rows of a are data points)", () => {
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        let s = 0;
        for (let k = 0; k < N1; k++) s += A[i * N1 + k] * A[j * N1 + k];
        close(Phi[i * P + j], s / N1, 1e-14, `Φ[${i},${j}]`);
      }
    }
  });

  it("d² = uᵀΦu = |c_A − c_B|²/N1, with u = 1_A/P_A − 1_B/P_B", () => {
    const u = classContrast(labels);
    close(
      u.reduce((s, v) => s + v, 0),
      0,
      1e-15,
      "Σu = 0",
    );
    close(centroidDistance(Phi, u), dist2(centroid(iA), centroid(iB)), 1e-13, "centroid distance");
  });

  it("pairwise distance, radii and separation agree with their geometric definitions", () => {
    const s = manifoldSummary(Phi, labels);
    let pw = 0;
    for (const i of iA) for (const j of iB) pw += dist2(row(i), row(j));
    close(s.pairwise, pw / (iA.length * iB.length), 1e-13, "pairwise");
    const cA = centroid(iA);
    const cB = centroid(iB);
    close(s.radiusA, iA.reduce((t, i) => t + dist2(row(i), cA), 0) / iA.length, 1e-13, "radius A");
    close(s.radiusB, iB.reduce((t, i) => t + dist2(row(i), cB), 0) / iB.length, 1e-13, "radius B");
    close(s.centroid, dist2(cA, cB), 1e-13, "centroid");
    close(s.separation, s.centroid / ((s.radiusA + s.radiusB) / 2), 1e-15, "separation");
    // the pairwise distance decomposes as centroid + radii
    close(s.pairwise, s.centroid + s.radiusA + s.radiusB, 1e-13, "pairwise = d² + R_A² + R_B²");
  });

  it("bad labels are InputErrors", () => {
    assert.throws(() => classSplit([1, 0, -1]), /neither/);
    assert.throws(() => classSplit([1, 1, 1]), /both classes/);
    assert.throws(() => classSplit([1, Number.NaN]), InputError);
    assert.throws(() => representationKernel(A, P, N1 + 1), InputError);
    const bad = Float64Array.from(A);
    bad[3] = Number.NaN;
    assert.throws(() => representationKernel(bad, P, N1), /non-finite/);
  });
});

describe("accumulators", () => {
  it("MeanAccumulator: weighted mean and variance equal the two-pass formulas", () => {
    const xs = [
      [1, 2],
      [3, -1],
      [0.5, 4],
      [2, 2],
    ];
    const ws = [1, 2, 0.5, 1.5];
    const acc = new MeanAccumulator(2);
    xs.forEach((x, i) => {
      acc.add(x, ws[i]);
    });
    const W = ws.reduce((a, b) => a + b, 0);
    for (let k = 0; k < 2; k++) {
      const mu = xs.reduce((s, x, i) => s + ws[i] * x[k], 0) / W;
      const v = xs.reduce((s, x, i) => s + ws[i] * (x[k] - mu) ** 2, 0) / W;
      close(acc.mean()[k], mu, 1e-15, "mean");
      close(acc.variance()[k], v, 1e-14, "variance");
    }
    assert.equal(acc.count, 4);
    assert.throws(() => new MeanAccumulator(2).mean(), /no samples/);
    assert.throws(() => acc.add([1, Number.NaN]), /non-finite/);
    assert.throws(() => acc.add([1]), InputError);
  });

  it("FeatureKernelAccumulator: linear summaries of ⟨Φ⟩ = averages of per-sample summaries", () => {
    const acc = new FeatureKernelAccumulator(P, N1, labels);
    const ks = split(key(12), 4);
    for (const k of ks) acc.add(normal(k, P * N1));
    const s = acc.summary();
    const mean = (f: (x: (typeof acc.summaries)[number]) => number) => acc.summaries.reduce((t, x) => t + f(x), 0) / acc.count;
    close(
      s.centroid,
      mean((x) => x.centroid),
      1e-13,
      "centroid",
    );
    close(
      s.pairwise,
      mean((x) => x.pairwise),
      1e-13,
      "pairwise",
    );
    close(
      s.radiusA,
      mean((x) => x.radiusA),
      1e-13,
      "radius A",
    );
    close(s.centroid, acc.d2.reduce((a, b) => a + b, 0) / acc.count, 1e-13, "d² series");
  });

  it("WeightMomentAccumulator: ⟨WᵀW/N1⟩, Δ̂ = ⟨M⟩ − I/λ0, traces", () => {
    const n1 = 6;
    const n0 = 4;
    const acc = new WeightMomentAccumulator(n1, n0);
    const Ws = split(key(13), 3).map((k) => normal(k, n1 * n0));
    for (const W of Ws) acc.add(W);
    const M = acc.mean();
    for (let a = 0; a < n0; a++) {
      for (let b = 0; b < n0; b++) {
        let s = 0;
        for (const W of Ws) for (let i = 0; i < n1; i++) s += W[i * n0 + a] * W[i * n0 + b];
        close(M[a * n0 + b], s / (n1 * Ws.length), 1e-14, `M[${a},${b}]`);
      }
    }
    const D = acc.delta(2);
    for (let a = 0; a < n0; a++) close(D[a * n0 + a], M[a * n0 + a] - 0.5, 1e-15, "Δ̂ diagonal");
    const single = weightSecondMoment(Ws[0], n1, n0);
    let tr = 0;
    for (let a = 0; a < n0; a++) tr += single[a * n0 + a];
    close(acc.traces[0], tr, 1e-14, "Tr M of the first sample");
    close(projection(M, [1, 0, 0, 0]), M[0], 1e-15, "projection on a basis vector");
    close(projection(M, [2, 0, 0, 0]), M[0], 1e-15, "projection normalises e");
  });
});

describe("Monte Carlo consistency with the theory's conventions (prior samples)", () => {
  it("for W ~ N(0, 1/λ0): ⟨Φ⟩ → K = E[σ(h)σ(h′)] with h = Wx/√N0, and ⟨WᵀW/N1⟩ → I/λ0", () => {
    const p = 5;
    const n0 = 4;
    const n1 = 4000;
    const lambda0 = 2;
    const X = normal(key(14), p * n0);
    const act = parseActivation("erf");
    const K = applyKernel(act, "kernel", inputCovariance(X, p, n0, { lambda0 })).train;
    const feat = new FeatureKernelAccumulator(p, n1, [1, -1, 1, -1, 1]);
    const wacc = new WeightMomentAccumulator(n1, n0);
    for (const k of split(key(15), 5)) {
      const W = normal(k, n1 * n0, 0, 1 / Math.sqrt(lambda0));
      wacc.add(W);
      const a = new Float64Array(p * n1);
      for (let mu = 0; mu < p; mu++) {
        for (let i = 0; i < n1; i++) {
          let h = 0;
          for (let c = 0; c < n0; c++) h += W[i * n0 + c] * X[mu * n0 + c];
          a[mu * n1 + i] = act.phi(h / Math.sqrt(n0));
        }
      }
      feat.add(a);
    }
    const Phi = feat.mean();
    // 20 000 hidden units in total: standard error ≲ 0.005
    for (let i = 0; i < p * p; i++) close(Phi[i], K[i], 0.02, `⟨Φ⟩[${i}]`);
    const D = wacc.delta(lambda0);
    for (let i = 0; i < n0 * n0; i++) close(D[i], 0, 0.03, `Δ̂[${i}]`);
  });
});
