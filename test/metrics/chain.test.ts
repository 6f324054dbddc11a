import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError } from "../../src/engine/errors.js";
import { foldIn, key, normal } from "../../src/engine/random.js";
import {
  AcceptanceRate,
  autocorrelation,
  blockedError,
  blockingAnalysis,
  effectiveSampleSize,
  essChains,
  integratedAutocorrTime,
  RunningStats,
  Stream,
  splitRhat,
  summarizeChains,
} from "../../src/metrics/chain.js";

/** Stationary AR(1): x_t = ρ x_{t−1} + √(1−ρ²) ε_t, unit variance, τ_int = (1+ρ)/(1−ρ). */
function ar1(seed: number, n: number, rho: number, shift = 0): Float64Array {
  const e = normal(key(seed), n);
  const x = new Float64Array(n);
  const s = Math.sqrt(1 - rho * rho);
  x[0] = e[0];
  for (let t = 1; t < n; t++) x[t] = rho * x[t - 1] + s * e[t];
  if (shift) for (let t = 0; t < n; t++) x[t] += shift;
  return x;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe("RunningStats (Welford)", () => {
  it("matches the two-pass mean and unbiased variance, and merges exactly", () => {
    const x = normal(key(1), 1001, 3, 2);
    const r = new RunningStats();
    r.pushAll(x);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
    assert.ok(Math.abs(r.mean - m) < 1e-12);
    assert.ok(rel(r.variance, v) < 1e-12);
    const a = new RunningStats();
    const b = new RunningStats();
    a.pushAll(x.subarray(0, 400));
    b.pushAll(x.subarray(400));
    a.merge(b);
    assert.ok(Math.abs(a.mean - m) < 1e-12);
    assert.ok(rel(a.variance, v) < 1e-12);
    assert.equal(a.count, 1001);
  });
  it("is stable for a large offset", () => {
    const r = new RunningStats();
    for (const v of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) r.push(v);
    assert.ok(Math.abs(r.variance - 30) < 1e-6);
  });
});

describe("autocorrelation and τ_int", () => {
  it("ρ(t) of an AR(1) process ≈ ρ^t", () => {
    const x = ar1(2, 100000, 0.7);
    const r = autocorrelation(x, 5);
    assert.equal(r[0], 1);
    for (let t = 1; t <= 5; t++) assert.ok(Math.abs(r[t] - 0.7 ** t) < 0.02, `lag ${t}: ${r[t]}`);
  });
  for (const rho of [0.5, 0.9]) {
    const exact = (1 + rho) / (1 - rho);
    for (const method of ["sokal", "geyer"] as const) {
      it(`AR(1) ρ=${rho}: ${method} τ_int ≈ (1+ρ)/(1−ρ) = ${exact.toFixed(2)}`, () => {
        const x = ar1(10 + rho * 10, 200000, rho);
        const r = integratedAutocorrTime(x, { method });
        assert.ok(r.converged);
        assert.ok(rel(r.tau, exact) < 0.12, `τ=${r.tau}`);
      });
    }
  }
  it("i.i.d. draws: τ ≈ 1 and ESS ≈ n", () => {
    const x = normal(key(3), 50000);
    const tau = integratedAutocorrTime(x).tau;
    assert.ok(Math.abs(tau - 1) < 0.06, `τ=${tau}`);
    const ess = effectiveSampleSize(x, { method: "geyer" });
    assert.ok(rel(ess, 50000) < 0.1, `ESS=${ess}`);
  });
  it("a constant series has τ = 1", () => {
    assert.equal(integratedAutocorrTime(new Float64Array(10).fill(2)).tau, 1);
  });
  it("non-finite draws and short series are InputErrors", () => {
    assert.throws(() => integratedAutocorrTime([1, Number.NaN, 2]), InputError);
    assert.throws(() => integratedAutocorrTime([1]), InputError);
    assert.throws(() => blockedError([1, 2, 3], 20), InputError);
  });
});

describe("blocked errors", () => {
  it("batch means of i.i.d. draws ≈ σ/√n", () => {
    // Average the error estimate over several replicas (each has ≈ 1/√(2·19) ≈ 16% scatter).
    const n = 20000;
    let s = 0;
    const reps = 20;
    for (let r = 0; r < reps; r++) s += blockedError(normal(foldIn(key(4), r), n, 0, 2.5), 20).error;
    assert.ok(rel(s / reps, 2.5 / Math.sqrt(n)) < 0.08, `${s / reps}`);
  });
  it("batch means of AR(1) ≈ σ√(τ/n)", () => {
    const n = 200000;
    const rho = 0.8;
    const tau = (1 + rho) / (1 - rho);
    let s = 0;
    const reps = 10;
    for (let r = 0; r < reps; r++) s += blockedError(ar1(100 + r, n, rho), 20).error;
    assert.ok(rel(s / reps, Math.sqrt(tau / n)) < 0.1);
  });
  it("the automatic blocking analysis recovers σ√(τ/n) for AR(1) and σ/√n for i.i.d.", () => {
    const n = 1 << 17;
    const b = blockingAnalysis(ar1(5, n, 0.9));
    assert.ok(b.converged);
    assert.ok(rel(b.tau, 19) < 0.3, `τ=${b.tau} level=${b.level}`);
    const c = blockingAnalysis(normal(key(6), n));
    assert.ok(c.level <= 2, `level ${c.level}`);
    assert.ok(rel(c.error, 1 / Math.sqrt(n)) < 0.1);
  });
});

describe("split-R̂ and multi-chain ESS", () => {
  it("R̂ ≈ 1 for chains from the same process, > 1.1 for shifted chains", () => {
    const same = [0, 1, 2, 3].map((c) => ar1(20 + c, 4000, 0.5));
    const r = splitRhat(same);
    assert.ok(Math.abs(r - 1) < 0.01, `${r}`);
    const rr = splitRhat(same, { rankNormalize: true });
    assert.ok(Math.abs(rr - 1) < 0.01, `${rr}`);
    const shifted = [0, 1, 2, 3].map((c) => ar1(30 + c, 4000, 0.5, c === 0 ? 2 : 0));
    assert.ok(splitRhat(shifted) > 1.1);
    assert.ok(splitRhat(shifted, { rankNormalize: true }) > 1.1);
  });
  it("identical chains give R̂ = 1 exactly at the chain level; a trend within one chain is caught by the split", () => {
    const x = ar1(40, 2000, 0.3);
    const r = splitRhat([x, x]);
    assert.ok(r < 1.01);
    const trend = Float64Array.from({ length: 2000 }, (_, i) => i / 100);
    assert.ok(splitRhat([trend]) > 1.5);
  });
  it("ESS of i.i.d. chains ≈ total draws; of AR(1) ≈ total/τ", () => {
    const iid = [0, 1, 2, 3].map((c) => normal(key(50 + c), 5000));
    assert.ok(rel(essChains(iid), 20000) < 0.1);
    const rho = 0.8;
    const ch = [0, 1, 2, 3].map((c) => ar1(60 + c, 50000, rho));
    assert.ok(rel(essChains(ch), 200000 / 9) < 0.15);
    const s = summarizeChains(ch);
    assert.ok(s.rhat < 1.01 && s.rhatRank < 1.01);
    assert.ok(rel(s.error, Math.sqrt(9 / 200000)) < 0.1);
  });
});

describe("AcceptanceRate", () => {
  it("counts overall and windowed rates", () => {
    const a = new AcceptanceRate(4);
    for (const v of [true, true, false, false, false, false]) a.record(v);
    assert.equal(a.rate, 2 / 6);
    assert.equal(a.recentRate, 0);
    a.record(0.5);
    assert.equal(a.recentRate, 0.5 / 4);
    a.recordMany(3, 3);
    assert.equal(a.proposed, 10);
    assert.equal(a.accepted, 5.5);
    assert.throws(() => a.record(2), InputError);
  });
});

describe("Stream (vector observable)", () => {
  it("mean is exact, blocked error ≈ σ/√n (i.i.d.) and ≈ σ√(τ/n) (AR(1)), memory bounded", () => {
    const n = 100000;
    const a = normal(key(70), n);
    const b = ar1(71, n, 0.9);
    const st = new Stream(2, 20);
    const buf = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      buf[0] = a[i];
      buf[1] = 3 * b[i];
      st.push(buf);
    }
    const s = st.summary();
    const ma = a.reduce((p, q) => p + q, 0) / n;
    assert.ok(Math.abs(s.mean[0] - ma) < 1e-12);
    assert.ok(s.nBlocks >= 20 && s.nBlocks < 40);
    assert.ok(rel(s.error[0], 1 / Math.sqrt(n)) < 0.35, `${s.error[0]}`);
    assert.ok(rel(s.error[1], 3 * Math.sqrt(19 / n)) < 0.35, `${s.error[1]}`);
    assert.ok(rel(s.tau[1], 19) < 0.6);
  });
  it("block sums equal the batch-means computation on the same blocks", () => {
    const x = normal(key(72), 20 * 64);
    const st = new Stream(1, 10);
    for (const v of x) st.push([v]);
    // 1280 draws, cap 20 blocks: sizes double 1→2→…→64 so exactly 20 blocks of 64.
    const s = st.summary();
    assert.equal(s.blockSize, 64);
    assert.equal(s.nBlocks, 20);
    const be = blockedError(x, 20);
    assert.ok(Math.abs(s.error[0] - be.error) < 1e-12);
  });
  it("rejects bad draws", () => {
    const st = new Stream(2);
    assert.throws(() => st.push([1]), InputError);
    assert.throws(() => st.push([1, Number.NaN]), InputError);
  });
});
