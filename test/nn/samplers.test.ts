/**
 * Samplers against mathematical facts:
 * - exactness on a model linear in its sampled weights (linear activation, first layer frozen, the
 *   readout v sampled): the posterior is N(m, Σ) with Σ⁻¹ = A = λ₁I + α₁²FᵀF/T, m = Σ α₁Fᵀy/T;
 *   MALA and HMC match m and Σ within 3 standard errors, ULA matches its own exact stationary law
 *   N(m, (A − εA²/2)⁻¹), ε = ηT, and visibly misses Σ along the stiffest direction;
 * - the virial identities of paper (a) §8.1 on small sampled networks;
 * - HMC with one leapfrog step is MALA; purity and determinism of the kernels; bad inputs.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InputError, NumericalError } from "../../src/engine/errors.js";
import { foldIn, key, normal, split } from "../../src/engine/random.js";
import { blockedError } from "../../src/metrics/chain.js";
import { availableKernels, type NNKernels } from "../../src/nn/kernels.js";
import { createMLP, groupView, initParams, type MLPSpec } from "../../src/nn/mlp.js";
import { ObservableRecorder } from "../../src/nn/observables.js";
import {
  checkSchedule,
  hmc,
  invertSmall,
  mala,
  Posterior,
  readCheckpoint,
  runChains,
  type Sampler,
  ula,
  ulaStationaryCovariance,
} from "../../src/nn/samplers/index.js";

const kernelSets = availableKernels();

/** The readout-only Gaussian problem: D → N linear features (W0 frozen) → 1. */
function gaussianProblem(kernels: NNKernels, T = 0.5, lam1 = 2) {
  const D = 2;
  const N = 3;
  const P = 6;
  const spec = createMLP({ inputDim: D, widths: [N], activation: "linear", lambdas: [1, lam1] });
  const [kx, ky, kt] = split(key(101), 3);
  const X = normal(kx, P * D);
  const y = normal(ky, P);
  const post = new Posterior(spec, { X, y, P }, { T, dtype: "f64", frozen: ["W0"], kernels });
  const theta0 = initParams(spec, kt, { dtype: "f64" });
  const W = groupView(theta0, spec.groups[0]);
  const a0 = spec.layers[0].multiplier;
  const a1 = spec.layers[1].multiplier;
  const F = new Float64Array(P * N);
  for (let m = 0; m < P; m++) for (let i = 0; i < N; i++) F[m * N + i] = a0 * (W[i * D] * X[m * D] + W[i * D + 1] * X[m * D + 1]);
  const A = new Float64Array(N * N);
  const b = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let m = 0; m < P; m++) s += F[m * N + i] * F[m * N + j];
      A[i * N + j] = (a1 * a1 * s) / T + (i === j ? lam1 : 0);
    }
    for (let m = 0; m < P; m++) b[i] += (a1 * F[m * N + i] * y[m]) / T;
  }
  const Sigma = invertSmall(A, N);
  const mean = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) mean[i] += Sigma[i * N + j] * b[j];
  return { spec, post, theta0, A, Sigma, mean, N, T };
}

/** Runs one chain, returning the readout draws (n × N) after `burn` steps. */
function drawReadout(s: Sampler, spec: MLPSpec, theta0: Float64Array | Float32Array, n: number, burn: number, seed: number) {
  const post = s.posterior;
  const v = spec.groups[1];
  let st = s.init(theta0.slice());
  let spare = post.newState();
  const out = new Float64Array(n * v.size);
  const k = key(seed);
  let acc = 0;
  for (let t = 0; t < burn + n; t++) {
    const r = s.step(st, foldIn(k, t), spare);
    acc += r.info.acceptanceRate;
    if (r.state === spare) {
      spare = st;
      st = r.state;
    }
    if (t >= burn) out.set(groupView(st.position, v), (t - burn) * v.size);
  }
  return { draws: out, acceptance: acc / (burn + n) };
}

/** Sample mean, covariance, and their batch-means standard errors (chain.ts). */
function moments(draws: Float64Array, N: number) {
  const n = draws.length / N;
  const comp = (i: number) => Float64Array.from({ length: n }, (_, t) => draws[t * N + i]);
  const mean = new Float64Array(N);
  const meanErr = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const be = blockedError(comp(i), 20);
    mean[i] = be.mean;
    meanErr[i] = be.error;
  }
  const cov = new Float64Array(N * N);
  const covErr = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const prod = Float64Array.from({ length: n }, (_, t) => (draws[t * N + i] - mean[i]) * (draws[t * N + j] - mean[j]));
      const be = blockedError(prod, 20);
      cov[i * N + j] = be.mean;
      covErr[i * N + j] = be.error;
    }
  }
  return { mean, meanErr, cov, covErr };
}

function assertWithin(name: string, got: ArrayLike<number>, want: ArrayLike<number>, err: ArrayLike<number>, k = 3): void {
  for (let i = 0; i < got.length; i++) {
    const z = Math.abs(got[i] - want[i]) / err[i];
    assert.ok(z < k, `${name}[${i}]: ${got[i]} vs exact ${want[i]} (${z.toFixed(2)} standard errors of ${err[i]})`);
  }
}

describe("exactness on a Gaussian posterior (readout of a linear network, W0 frozen)", () => {
  it("MALA matches the exact mean and covariance within 3 standard errors", () => {
    const kern = kernelSets[0];
    const g = gaussianProblem(kern);
    const { draws, acceptance } = drawReadout(mala(g.post, { eta: 0.05 }), g.spec, g.theta0, 40000, 1000, 1);
    assert.ok(acceptance > 0.5 && acceptance < 1, `acceptance ${acceptance}`);
    const m = moments(draws, g.N);
    assertWithin("mean", m.mean, g.mean, m.meanErr);
    assertWithin("cov", m.cov, g.Sigma, m.covErr);
  });

  it("HMC matches the exact mean and covariance within 3 standard errors (both kernel sets)", () => {
    for (const kern of kernelSets) {
      const g = gaussianProblem(kern);
      const { draws, acceptance } = drawReadout(hmc(g.post, { eta: 0.02, numSteps: 5 }), g.spec, g.theta0, 10000, 200, 2);
      assert.ok(acceptance > 0.6, `acceptance ${acceptance}`);
      const m = moments(draws, g.N);
      assertWithin(`${kern.name} mean`, m.mean, g.mean, m.meanErr);
      assertWithin(`${kern.name} cov`, m.cov, g.Sigma, m.covErr);
    }
  });

  it("ULA matches its exact stationary law N(m, (A − εA²/2)⁻¹), biased against Σ = A⁻¹", () => {
    const g = gaussianProblem(kernelSets[0]);
    // eigen-direction of the largest curvature a_max: choose ε = ηT with ε·a_max = 1, where the ULA
    // variance is 1/(a(1 − εa/2)) = 2/a, twice the exact 1/a.
    let e = Float64Array.of(1, 1, 1);
    let amax = 0;
    for (let it = 0; it < 200; it++) {
      const Ae = new Float64Array(3);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) Ae[i] += g.A[i * 3 + j] * e[j];
      amax = Math.hypot(...Ae);
      e = Ae.map((x) => x / amax);
    }
    const eps = 1 / amax;
    const eta = eps / g.T;
    const S = ulaStationaryCovariance(g.A, 3, eps);
    const { draws } = drawReadout(ula(g.post, { eta }), g.spec, g.theta0, 40000, 500, 3);
    const m = moments(draws, 3);
    assertWithin("mean", m.mean, g.mean, m.meanErr);
    assertWithin("cov vs ULA law", m.cov, S, m.covErr);
    // the variance along e: ULA law 2/a_max, exact 1/a_max
    const proj = Float64Array.from(
      { length: 40000 },
      (_, t) => (draws[3 * t] - g.mean[0]) * e[0] + (draws[3 * t + 1] - g.mean[1]) * e[1] + (draws[3 * t + 2] - g.mean[2]) * e[2],
    );
    const v = blockedError(
      proj.map((x) => x * x),
      20,
    );
    assert.ok(Math.abs(v.mean - 2 / amax) < 3 * v.error, `ULA variance along the stiff direction ${v.mean} vs 2/a = ${2 / amax}`);
    assert.ok(Math.abs(v.mean - 1 / amax) > 10 * v.error, "the ULA bias is resolved");
    // along a prior direction (A = λ) the formula gives (1/λ)/(1 − ηTλ/2)
    const Sp = ulaStationaryCovariance(Float64Array.of(2), 1, 0.1);
    assert.ok(Math.abs(Sp[0] - 0.5 / (1 - (0.1 * 2) / 2)) < 1e-15);
  });
});

describe("HMC with one leapfrog step is MALA", () => {
  it("same proposal and the same acceptance probability (f64)", () => {
    const spec = createMLP({ inputDim: 3, widths: [5], activation: "tanh", bias: true });
    const [kx, ky] = split(key(5), 2);
    const post = new Posterior(spec, { X: normal(kx, 12), y: normal(ky, 4), P: 4 }, { T: 0.3, dtype: "f64", kernels: kernelSets[0] });
    const eta = 0.01;
    const m = mala(post, { eta });
    const h = hmc(post, { eta, numSteps: 1 });
    const s0 = m.init(initParams(spec, key(1), { dtype: "f64" }));
    for (let t = 0; t < 5; t++) {
      const k = foldIn(key(9), t);
      const a = m.step(s0, k);
      const b = h.step(s0, k);
      assert.ok(Math.abs(a.info.acceptanceRate - b.info.acceptanceRate) < 1e-9, `${a.info.acceptanceRate} vs ${b.info.acceptanceRate}`);
      assert.equal(a.info.isAccepted, b.info.isAccepted);
      if (a.info.isAccepted) for (let j = 0; j < spec.numParams; j++) assert.ok(Math.abs(a.state.position[j] - b.state.position[j]) < 1e-12);
    }
  });
});

describe("kernel purity and determinism", () => {
  it("step never modifies its input state; the same key gives the same result", () => {
    const spec = createMLP({ inputDim: 2, widths: [4], activation: "erf" });
    const post = new Posterior(spec, { X: normal(key(1), 10), y: normal(key(2), 5), P: 5 }, { T: 0.1, dtype: "f32" });
    for (const s of [ula(post, { eta: 0.01 }), mala(post, { eta: 0.01 }), hmc(post, { eta: 0.01, numSteps: 3 })]) {
      const st = s.init(initParams(spec, key(3)));
      const before = st.position.slice();
      const gBefore = st.grad.slice();
      const a = s.step(st, key(4));
      const b = s.step(st, key(4), post.newState());
      assert.deepEqual(st.position, before, s.name);
      assert.deepEqual(st.grad, gBefore, s.name);
      assert.deepEqual(a.state.position, b.state.position, s.name);
      assert.equal(a.info.acceptanceRate, b.info.acceptanceRate);
    }
  });
});

/** Runs `chains` HMC chains through runChains and returns the recorder. */
function sampleNet(spec: MLPSpec, T: number, steps: number, seed: number) {
  const P = 8;
  const [kx, ky] = split(key(seed), 2);
  const post = new Posterior(spec, { X: normal(kx, P * spec.inputDim), y: normal(ky, P), P }, { T, dtype: "f64" });
  const R = checkSchedule({ steps, burnin: 200, thin: 1, chains: 2 });
  const rec = new ObservableRecorder(post, {}, 2, R);
  const res = runChains(post, rec, { sampler: "hmc", eta: 0.05, leapfrog: 8, steps, burnin: 200, chains: 2, seed });
  return { rec, res, post };
}

describe("virial identities (paper (a) §8.1) on small sampled networks (HMC)", () => {
  it("(a) readout and (b) first layer: ⟨λ|θ_g|² + θ_g·∇_g L/T⟩ = |g| for erf", () => {
    const spec = createMLP({ inputDim: 4, widths: [6], activation: "erf", lambdas: [1, 2] });
    const { res } = sampleNet(spec, 0.2, 3000, 1);
    for (const g of ["W0", "W1"]) {
      const s = res.summary.scalars[`virial:${g}`];
      assert.ok(Math.abs(s.mean) < 3 * s.error, `virial ${g}: ${s.mean} ± ${s.error}`);
      assert.ok(s.error < 0.1 * (g === "W0" ? 24 : 6), `virial ${g} error bar ${s.error} is informative`);
    }
    assert.ok(res.diagnostics.acceptanceRate.every((a) => a > 0.5));
  });

  it("(c) λ0⟨|W|²⟩ − λ1⟨|v|²⟩ = N1(N0 − 1) for linear and ReLU networks", () => {
    for (const act of ["linear", "relu"]) {
      const N0 = 4;
      const N1 = 6;
      const spec = createMLP({ inputDim: N0, widths: [N1], activation: act, lambdas: [1.5, 0.8] });
      const { rec, res } = sampleNet(spec, 0.3, 3000, 2);
      const W0 = rec.series("W0sq"); // |W|²/N1
      const Q = rec.series("Q"); // λ1|v|²/N1
      const chains = W0.map((w, c) => Float64Array.from(w, (x, t) => N1 * (1.5 * x - Q[c][t])));
      let mean = 0;
      let err2 = 0;
      for (const ch of chains) {
        const be = blockedError(ch, 20);
        mean += be.mean / chains.length;
        err2 += be.error ** 2;
      }
      const err = Math.sqrt(err2) / chains.length;
      const want = N1 * (N0 - 1);
      assert.ok(Math.abs(mean - want) < 3 * err, `${act}: ${mean} ± ${err} vs ${want}`);
      assert.ok(err < 0.1 * want);
      void res;
    }
  });
});

describe("bad inputs and divergence", () => {
  const spec = createMLP({ inputDim: 2, widths: [3], activation: "erf" });
  const d = { X: normal(key(1), 8), y: normal(key(2), 4), P: 4 };

  it("T ≤ 0, η ≤ 0, bad schedules are InputErrors", () => {
    assert.throws(() => new Posterior(spec, d, { T: 0 }), /temperature T must be finite and > 0/);
    assert.throws(() => new Posterior(spec, d, { T: -1 }), InputError);
    assert.throws(() => new Posterior(spec, d, { T: Number.NaN }), InputError);
    const post = new Posterior(spec, d, { T: 0.1 });
    assert.throws(() => ula(post, { eta: 0 }), /step size η must be finite and > 0/);
    assert.throws(() => mala(post, { eta: -1 }), InputError);
    assert.throws(() => hmc(post, { eta: 0.1, numSteps: 0 }), InputError);
    assert.throws(() => checkSchedule({ steps: 10, burnin: 10, chains: 1 }), /burnin/);
    assert.throws(() => checkSchedule({ steps: 10, burnin: 5, thin: 6, chains: 1 }), /no draw would be recorded/);
    assert.throws(() => checkSchedule({ steps: 10, burnin: 0, chains: 0 }), InputError);
    assert.throws(() => new Posterior(spec, d, { T: 1, frozen: ["W0", "W1"] }), /nothing to sample/);
  });

  it("a diverging ULA chain stops with the step number and saves its last finite state", () => {
    const dir = mkdtempSync(join(tmpdir(), "fl-div-"));
    try {
      const post = new Posterior(spec, d, { T: 1 });
      const rec = new ObservableRecorder(post, {}, 1, 10);
      const ck = join(dir, "run.ckpt");
      assert.throws(
        () => runChains(post, rec, { sampler: "ula", eta: 50, steps: 200, burnin: 190, chains: 1, seed: 1, checkpoint: ck, checkpointEvery: 1000 }),
        (e: unknown) => e instanceof NumericalError && /chain 0 diverged at step \d+/.test(e.message) && e.message.includes(`${ck}.diverged`),
      );
      assert.ok(existsSync(`${ck}.diverged`));
      const saved = readCheckpoint(`${ck}.diverged`);
      assert.equal(saved.header.chain, 0);
      assert.ok(Array.from(saved.buffers.position).every(Number.isFinite));
      // MALA/HMC reject instead: the same step size never produces a non-finite state
      const rec2 = new ObservableRecorder(post, {}, 1, 10);
      const r = runChains(post, rec2, { sampler: "mala", eta: 50, steps: 200, burnin: 190, chains: 1, seed: 1 });
      assert.ok(Number.isFinite(r.states[0].potential));
      assert.ok(r.diagnostics.acceptanceRate[0] < 0.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("runChains: over-dispersed starts", () => {
  it("odd-numbered chains start from the prior draw × overdisperse; even ones are unchanged; a bad factor is refused", () => {
    const spec = createMLP({ inputDim: 3, widths: [5], activation: "erf", lambdas: [1, 1] });
    const P = 6;
    const [kx, ky] = split(key(4), 2);
    const post = new Posterior(spec, { X: normal(kx, P * 3), y: normal(ky, P), P }, { T: 0.5, dtype: "f64" });
    const run = (overdisperse?: number) => {
      const rec = new ObservableRecorder(post, {}, 4, checkSchedule({ steps: 2, burnin: 1, chains: 4 }));
      // a vanishing step: the final state is the initial one to ~1e-9
      return runChains(post, rec, { sampler: "mala", eta: 1e-12, steps: 2, burnin: 1, chains: 4, seed: 9, overdisperse });
    };
    const plain = run();
    const od = run(1.35);
    for (let c = 0; c < 4; c++) {
      const a = plain.states[c].position;
      const b = od.states[c].position;
      const f = c % 2 === 1 ? 1.35 : 1;
      for (let j = 0; j < a.length; j++)
        assert.ok(Math.abs(b[j] - f * a[j]) < 1e-6 * (1 + Math.abs(a[j])), `chain ${c}, parameter ${j}: ${b[j]} vs ${f}·${a[j]}`);
    }
    assert.throws(() => run(0), /overdisperse must be a finite number > 0/);
  });
});
