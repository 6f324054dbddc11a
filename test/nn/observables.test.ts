/**
 * Observables: kernel–target alignment, scalar summaries, the bias²/variance decomposition of the
 * test loss, and exact values when the relevant parameters are frozen (the first-layer second
 * moment, the hidden kernel and the Rao–Blackwellised Q of a Gaussian readout posterior).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { key, normal, split } from "../../src/engine/random.js";
import { createMLP, groupView } from "../../src/nn/mlp.js";
import { kernelTargetAlignment, ObservableRecorder, summarizeScalar } from "../../src/nn/observables.js";
import { checkSchedule, invertSmall, Posterior, runChains } from "../../src/nn/samplers/index.js";

describe("kernelTargetAlignment", () => {
  it("is 1 for Φ ∝ yyᵀ, 1/√P for Φ = I with y = ±1, and scale invariant", () => {
    const y = Float64Array.of(1, -1, 1, 1);
    const yy = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) yy[i * 4 + j] = 3 * y[i] * y[j];
    assert.ok(Math.abs(kernelTargetAlignment(yy, y, 4, 1) - 1) < 1e-15);
    const I = new Float64Array(16);
    for (let i = 0; i < 4; i++) I[i * 5] = 2;
    assert.ok(Math.abs(kernelTargetAlignment(I, y, 4, 1) - 0.5) < 1e-15);
  });
});

describe("summarizeScalar", () => {
  it("i.i.d. draws: error ≈ σ/√n, τ ≈ 1, R̂ ≈ 1; a constant series has error 0", () => {
    const n = 4000;
    const chains = [normal(key(1), n), normal(key(2), n)];
    const s = summarizeScalar(chains);
    const naive = 1 / Math.sqrt(2 * n);
    assert.ok(Math.abs(s.mean) < 4 * naive);
    assert.ok(s.error > 0.7 * naive && s.error < 1.3 * naive, `error ${s.error} vs ${naive}`);
    assert.ok(Math.abs(s.tau - 1) < 0.2, `tau ${s.tau}`);
    assert.ok(Math.abs(s.rhat - 1) < 0.01);
    const c = summarizeScalar([new Float64Array(50).fill(2), new Float64Array(50).fill(2)]);
    assert.equal(c.mean, 2);
    assert.equal(c.error, 0);
  });
});

function setup(frozen: string[], opts: { weightCov?: boolean; kernels?: "train" | "test"; raoBlackwell?: boolean } = {}, chains = 2) {
  const D = 3;
  const N = 5;
  const P = 7;
  const spec = createMLP({ inputDim: D, widths: [N], activation: "erf", lambdas: [1, 2] });
  const [kx, ky, tx, ty] = split(key(23), 4);
  const X = normal(kx, P * D);
  const y = normal(ky, P);
  const post = new Posterior(spec, { X, y, P }, { T: 0.4, dtype: "f64", frozen });
  const test = { X: normal(tx, 4 * D), y: normal(ty, 4), P: 4 };
  const run = { sampler: "hmc" as const, eta: 0.02, leapfrog: 5, steps: 1200, burnin: 200, thin: 2, chains, seed: 3 };
  const rec = new ObservableRecorder(post, { test, ...opts }, chains, checkSchedule(run));
  const res = runChains(post, rec, run);
  return { spec, post, rec, res, X, y, P, D, N, test };
}

describe("ObservableRecorder", () => {
  it("test loss = bias² + variance = the mean of the per-draw test MSE", () => {
    const { res, rec } = setup([]);
    const t = res.summary.test;
    assert.ok(t);
    assert.ok(Math.abs(t.testLoss.mean - (t.bias2.mean + t.variance.mean)) < 1e-14);
    const tr = rec.series("testLoss");
    let s = 0;
    for (const c of tr) for (const v of c) s += v;
    const n = tr[0].length * tr.length;
    assert.ok(Math.abs(s / n - t.testLoss.mean) < 1e-12 * t.testLoss.mean, `${s / n} vs ${t.testLoss.mean}`);
    assert.ok(t.testLoss.error > 0 && t.bias2.error > 0 && t.variance.error > 0);
    for (let i = 0; i < t.ypred.length; i++) assert.ok(t.ypredVariance[i] > 0 && t.ypredError[i] > 0);
    assert.equal(res.summary.scalars.trainLoss.n, 500);
  });

  it("with W0 frozen: M = W0ᵀW0/N1 and Φ = F Fᵀ/N1 exactly, and Q_RB = λ1 E|v|²/N1 of the Gaussian readout posterior", () => {
    const { spec, post, res, X, y, P, D, N } = setup(["W0"], { weightCov: true, kernels: "train", raoBlackwell: true }, 1);
    const theta = res.states[0].position;
    const W = groupView(theta, spec.groups[0]);
    const wc = res.summary.weightCov;
    assert.ok(wc);
    for (let a = 0; a < D; a++) {
      for (let b = 0; b < D; b++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += W[i * D + a] * W[i * D + b];
        assert.ok(Math.abs(wc.mean[a * D + b] - s / N) < 1e-13, `M[${a},${b}]`);
      }
    }
    // features F = erf(α0 X Wᵀ)
    const a0 = spec.layers[0].multiplier;
    const F = new Float64Array(P * N);
    for (let m = 0; m < P; m++) {
      for (let i = 0; i < N; i++) {
        let h = 0;
        for (let d = 0; d < D; d++) h += W[i * D + d] * X[m * D + d];
        F[m * N + i] = spec.activation.phi(a0 * h);
      }
    }
    const K = res.summary.kernels?.[0];
    assert.ok(K);
    for (let m = 0; m < P; m++) {
      for (let n = 0; n < P; n++) {
        let s = 0;
        for (let i = 0; i < N; i++) s += F[m * N + i] * F[n * N + i];
        assert.ok(Math.abs(K.mean[m * P + n] - s / N) < 1e-13, `Φ[${m},${n}]`);
      }
    }
    // exact E|v|² = |m|² + tr Σ with Σ⁻¹ = λ1 I + α1² FᵀF/T, m = Σ α1 Fᵀy/T
    const a1 = spec.layers[1].multiplier;
    const lam = 2;
    const A = new Float64Array(N * N);
    const b = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let m = 0; m < P; m++) s += F[m * N + i] * F[m * N + j];
        A[i * N + j] = (a1 * a1 * s) / post.T + (i === j ? lam : 0);
      }
      for (let m = 0; m < P; m++) b[i] += (a1 * F[m * N + i] * y[m]) / post.T;
    }
    const S = invertSmall(A, N);
    let ev2 = 0;
    for (let i = 0; i < N; i++) {
      let mi = 0;
      for (let j = 0; j < N; j++) mi += S[i * N + j] * b[j];
      ev2 += mi * mi + S[i * N + i];
    }
    const qrb = res.summary.scalars.QRB;
    assert.ok(Math.abs(qrb.mean - (lam * ev2) / N) < 1e-10, `Q_RB ${qrb.mean} vs ${(lam * ev2) / N}`);
    assert.ok(qrb.error < 1e-12, "Q_RB is constant when W0 is fixed");
    // and the plain estimator agrees within its error bar
    const q = res.summary.scalars.Q;
    assert.ok(Math.abs(q.mean - qrb.mean) < 3 * q.error, `Q ${q.mean} ± ${q.error} vs Q_RB ${qrb.mean}`);
  });

  it("Rao–Blackwellised Q agrees with λ1⟨|v|²⟩/N1 and has a smaller per-draw variance", () => {
    const { res, rec } = setup([], { raoBlackwell: true });
    const q = res.summary.scalars.Q;
    const qrb = res.summary.scalars.QRB;
    assert.ok(Math.abs(q.mean - qrb.mean) < 3 * Math.hypot(q.error, qrb.error), `${q.mean} ± ${q.error} vs ${qrb.mean} ± ${qrb.error}`);
    const varOf = (xs: Float64Array[]) => {
      let s = 0;
      let s2 = 0;
      let n = 0;
      for (const c of xs) {
        for (const x of c) {
          s += x;
          s2 += x * x;
          n++;
        }
      }
      return s2 / n - (s / n) ** 2;
    };
    assert.ok(varOf(rec.series("QRB")) < varOf(rec.series("Q")), "conditioning reduces the variance");
  });

  it("records are deterministic given the seed", () => {
    const a = setup([]).res.summary;
    const b = setup([]).res.summary;
    assert.deepEqual(a, b);
  });
});
