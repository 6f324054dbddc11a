import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InputError, NumericalError } from "../../src/engine/errors.js";
import { cholesky, choleskyLogdet, choleskySolve } from "../../src/engine/linalg.js";
import { key, normal, split } from "../../src/engine/random.js";
import { GPEigen, gpRegression } from "../../src/kernels/gp.js";

/** assert a < b, with both values in the message (messageless assert.ok cannot locate TS source under tsx). */
function lt(a: number, b: number, what: string): void {
  assert.ok(a < b, `${what}: ${a} is not < ${b}`);
}

function le(a: number, b: number, what: string): void {
  assert.ok(a <= b, `${what}: ${a} is not ≤ ${b}`);
}

/** Row-major product A (m×k) · Bᵀ (n×k) → m×n, plain loops (independent of the backend). */
function mulT(A: Float64Array, m: number, k: number, B: Float64Array, n: number, scale = 1): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += A[i * k + l] * B[j * k + l];
      C[i * n + j] = s * scale;
    }
  }
  return C;
}

/**
 * A consistent joint kernel from random features Φ ((P+Pt)×M): K = ΦΦᵀ/M + ridge·I on train and test
 * (the ridge makes it full rank; with ridge = 0 and M < P it is rank M).
 */
function jointKernel(seed: number, P: number, Pt: number, M: number, ridge: number) {
  const N = P + Pt;
  const phi = normal(key(seed), N * M);
  const full = mulT(phi, N, M, phi, N, 1 / M);
  for (let i = 0; i < N; i++) full[i * N + i] += ridge;
  const K = new Float64Array(P * P);
  const kTest = new Float64Array(Pt * P);
  const kTT = new Float64Array(Pt * Pt);
  const kDiag = new Float64Array(Pt);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) K[i * P + j] = full[i * N + j];
  for (let r = 0; r < Pt; r++) {
    for (let j = 0; j < P; j++) kTest[r * P + j] = full[(P + r) * N + j];
    for (let c = 0; c < Pt; c++) kTT[r * Pt + c] = full[(P + r) * N + P + c];
    kDiag[r] = full[(P + r) * N + P + r];
  }
  return { K, kTest, kTT, kDiag, phi };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe("GPEigen vs direct Cholesky solve", () => {
  const P = 40;
  const Pt = 12;
  const { K, kTest, kTT, kDiag } = jointKernel(1, P, Pt, 30, 0.05);
  const y = normal(key(2), P);
  const gp = GPEigen.fromKernel(K, P, y);
  const test = gp.attachTest(kTest, kDiag, { kTestTest: kTT });

  for (const [T, s] of [
    [0.1, 2],
    [1e-3, 0.5],
    [3, 1],
  ] as const) {
    it(`agrees with gpRegression to 1e-10 at T = ${T}, s = ${s}`, () => {
      const ref = gpRegression({ Ktrain: K, P, y, kTest, kDiag, kTestTest: kTT, T, s });
      assert.equal(ref.jitter, 0);
      const post = gp.posterior({ T, s, test, covariance: true });
      const scale = Math.max(1, maxAbs(ref.mean));
      assert.ok(maxAbsDiff(post.mean, ref.mean) < 1e-10 * scale, `mean differs by ${maxAbsDiff(post.mean, ref.mean)}`);
      lt(maxAbsDiff(post.variance, ref.variance), 1e-10 * s * maxAbs(kDiag), "maxAbsDiff(post.variance, ref.variance)");
      lt(maxAbsDiff(post.covariance!, ref.covariance!), 1e-10 * s * maxAbs(kDiag), "maxAbsDiff(post.covariance!, ref.covariance!)");
      const train = gp.trainPosterior({ T, s });
      lt(maxAbsDiff(train.mean, ref.trainMean), 1e-10 * Math.max(1, maxAbs(y)), "maxAbsDiff(train.mean, ref.trainMean)");
      const lml = gp.logMarginalLikelihood({ T, s });
      assert.ok(Math.abs(lml - ref.logMarginalLikelihood) < 1e-10 * Math.max(1, Math.abs(lml)), `${lml} vs ${ref.logMarginalLikelihood}`);
      assert.equal(post.pseudoInverse, false);
    });
  }

  it("posterior covariance diagonal equals the variance, and 0 ≤ variance ≤ prior s·k00", () => {
    for (const T of [0, 1e-6, 0.1, 10]) {
      const s = 1.7;
      const post = gp.posterior({ T, s, test, covariance: true });
      for (let i = 0; i < Pt; i++) {
        lt(Math.abs(post.covariance![i * Pt + i] - post.variance[i]), 1e-12 * s * kDiag[i], "Math.abs(post.covariance![i * Pt + i] - post.variance[i])");
        assert.ok(post.variance[i] >= 0, "post.variance[i] >= 0");
        le(post.variance[i], s * kDiag[i] * (1 + 1e-14), "post.variance[i]");
      }
      const obs = gp.posterior({ T, s, test, varianceKind: "observation" });
      for (let i = 0; i < Pt; i++)
        lt(Math.abs(obs.variance[i] - (post.variance[i] + T)), 1e-14 * (1 + T), "Math.abs(obs.variance[i] - (post.variance[i] + T))");
    }
  });

  it("log marginal likelihood equals −½yᵀA⁻¹y − ½log det A − (P/2)log 2π from an independent Cholesky", () => {
    const T = 0.3;
    const s = 1.3;
    const A = new Float64Array(P * P);
    for (let i = 0; i < P * P; i++) A[i] = s * K[i];
    for (let i = 0; i < P; i++) A[i * P + i] += T;
    const c = cholesky(A, P, { jitter: 0 });
    const x = choleskySolve(c, y);
    let q = 0;
    for (let i = 0; i < P; i++) q += y[i] * x[i];
    const direct = -0.5 * q - 0.5 * choleskyLogdet(c) - 0.5 * P * Math.log(2 * Math.PI);
    lt(Math.abs(gp.logMarginalLikelihood({ T, s }) - direct), 1e-10 * Math.abs(direct), "Math.abs(gp.logMarginalLikelihood({ T, s }) - direct)");
  });
});

describe("analytic limits and invariances", () => {
  const P = 30;
  const Pt = 8;
  const { K, kTest, kDiag } = jointKernel(3, P, Pt, 50, 0);
  const y = normal(key(4), P);
  const gp = GPEigen.fromKernel(K, P, y);
  const test = gp.attachTest(kTest, kDiag);

  it("T → ∞ gives mean → 0 and variance → prior s·k00", () => {
    const T = 1e12;
    const s = 2;
    const post = gp.posterior({ T, s, test });
    // |s kᵀA⁻¹y| ≤ s‖k‖‖y‖/T
    lt(maxAbs(post.mean), (s * 100 * Math.sqrt(P) * maxAbs(y)) / T, "maxAbs(post.mean)");
    for (let i = 0; i < Pt; i++) lt(Math.abs(post.variance[i] - s * kDiag[i]), 1e-9 * s * kDiag[i], "Math.abs(post.variance[i] - s * kDiag[i])");
    const tl = gp.trainLoss({ T, s });
    let yy = 0;
    for (let i = 0; i < P; i++) yy += y[i] * y[i];
    lt(Math.abs(tl.bias2 - yy / P), 1e-9 * (yy / P), "Math.abs(tl.bias2 - yy / P)");
  });

  it("T → 0 on a full-rank kernel interpolates the training data", () => {
    assert.equal(gp.diagnostics.rank, P);
    assert.ok(Number.isFinite(gp.diagnostics.conditionNumber), "Number.isFinite(gp.diagnostics.conditionNumber)");
    for (const T of [0, 1e-12]) {
      const tr = gp.trainPosterior({ T, s: 1.5 });
      assert.equal(tr.pseudoInverse, false);
      assert.ok(maxAbsDiff(tr.mean, y) < 1e-8 * maxAbs(y), `T=${T}: ${maxAbsDiff(tr.mean, y)}`);
      le(maxAbs(tr.variance), T + 1e-14, "maxAbs(tr.variance)");
      le(gp.trainLoss({ T, s: 1.5 }).total, 2 * T + 1e-14, "gp.trainLoss({ T, s: 1.5 }).total");
    }
    // test points placed at training points: mean = y there, variance ≈ 0
    const rows = [0, 7, 19];
    const kt = new Float64Array(rows.length * P);
    const kd = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      kt.set(K.subarray(r * P, (r + 1) * P), i * P);
      kd[i] = K[r * P + r];
    });
    const at = gp.attachTest(kt, kd);
    const post = gp.posterior({ T: 0, s: 1, test: at });
    rows.forEach((r, i) => {
      lt(Math.abs(post.mean[i] - y[r]), 1e-8, "Math.abs(post.mean[i] - y[r])");
      lt(post.variance[i], 1e-8 * kd[i], "post.variance[i]");
    });
  });

  it("the mean depends on (s, T) only through T/s, and the variance scales with s", () => {
    for (const c of [7, 0.01]) {
      const a = gp.posterior({ T: 0.2, s: 1.1, test });
      const b = gp.posterior({ T: 0.2 * c, s: 1.1 * c, test });
      lt(maxAbsDiff(a.mean, b.mean), 1e-12 * Math.max(1, maxAbs(a.mean)), "maxAbsDiff(a.mean, b.mean)");
      for (let i = 0; i < Pt; i++) lt(Math.abs(b.variance[i] - c * a.variance[i]), 1e-12 * c * 1.1 * kDiag[i], "Math.abs(b.variance[i] - c * a.variance[i])");
      const ta = gp.trainPosterior({ T: 0.2, s: 1.1 });
      const tb = gp.trainPosterior({ T: 0.2 * c, s: 1.1 * c });
      lt(maxAbsDiff(ta.mean, tb.mean), 1e-11 * maxAbs(y), "maxAbsDiff(ta.mean, tb.mean)");
    }
  });

  it("trainLoss = (1/P)[T²yᵀA⁻²y + T·Tr(sK A⁻¹)] and bias² = mean squared residual", () => {
    const T = 0.4;
    const s = 0.8;
    const A = new Float64Array(P * P);
    for (let i = 0; i < P * P; i++) A[i] = s * K[i];
    for (let i = 0; i < P; i++) A[i * P + i] += T;
    const c = cholesky(A, P, { jitter: 0 });
    const m = choleskySolve(c, y); // A⁻¹y
    let mm = 0;
    for (let i = 0; i < P; i++) mm += m[i] * m[i];
    const Ainv = choleskySolve(c, identity(P), P);
    let tr = 0; // Tr(sK A⁻¹)
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) tr += s * K[i * P + j] * Ainv[j * P + i];
    const direct = (T * T * mm + T * tr) / P;
    const tl = gp.trainLoss({ T, s });
    lt(Math.abs(tl.total - direct), 1e-12 * direct, "Math.abs(tl.total - direct)");
    const tp = gp.trainPosterior({ T, s });
    let r2 = 0;
    let v = 0;
    for (let i = 0; i < P; i++) {
      r2 += tp.residual[i] ** 2;
      v += tp.variance[i];
    }
    lt(Math.abs(tl.bias2 - r2 / P), 1e-12 * tl.bias2, "Math.abs(tl.bias2 - r2 / P)");
    lt(Math.abs(tl.variance - v / P), 1e-12 * tl.variance, "Math.abs(tl.variance - v / P)");
    const obs = gp.trainLoss({ T, s, varianceKind: "observation" });
    lt(Math.abs(obs.variance - (tl.variance + T)), 1e-15, "Math.abs(obs.variance - (tl.variance + T))");
  });

  it("testLoss = bias² + variance computed from the posterior", () => {
    const yTest = normal(key(5), Pt);
    const T = 0.05;
    const post = gp.posterior({ T, s: 1, test });
    const tl = gp.testLoss({ T, s: 1, test, yTest });
    let b = 0;
    let v = 0;
    for (let i = 0; i < Pt; i++) {
      b += (post.mean[i] - yTest[i]) ** 2;
      v += post.variance[i];
    }
    lt(Math.abs(tl.bias2 - b / Pt), 1e-14, "Math.abs(tl.bias2 - b / Pt)");
    lt(Math.abs(tl.variance - v / Pt), 1e-14, "Math.abs(tl.variance - v / Pt)");
    lt(Math.abs(tl.total - (b + v) / Pt), 1e-14, "Math.abs(tl.total - (b + v) / Pt)");
    const obs = gp.testLoss({ T, s: 1, test, yTest, varianceKind: "observation" });
    lt(Math.abs(obs.variance - (tl.variance + T)), 1e-14, "Math.abs(obs.variance - (tl.variance + T))");
    assert.equal(obs.varianceKind, "observation");
  });
});

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

describe("multiple outputs", () => {
  it("P×K targets give the same results as K separate single-output fits", () => {
    const P = 25;
    const Pt = 6;
    const nOut = 3;
    const { K, kTest, kDiag } = jointKernel(6, P, Pt, 40, 0.01);
    const Y = normal(key(7), P * nOut);
    const yTest = normal(key(8), Pt * nOut);
    const gp = GPEigen.fromKernel(K, P, Y);
    assert.equal(gp.nOut, nOut);
    const test = gp.attachTest(kTest, kDiag);
    const T = 0.07;
    const s = 1.4;
    const post = gp.posterior({ T, s, test });
    const loss = gp.testLoss({ T, s, test, yTest });
    const tl = gp.trainLoss({ T, s });
    let lmlSum = 0;
    let biasSum = 0;
    let trainBiasSum = 0;
    for (let k = 0; k < nOut; k++) {
      const yk = new Float64Array(P);
      for (let i = 0; i < P; i++) yk[i] = Y[i * nOut + k];
      const ytk = new Float64Array(Pt);
      for (let i = 0; i < Pt; i++) ytk[i] = yTest[i * nOut + k];
      const g1 = GPEigen.fromKernel(K, P, yk);
      const t1 = g1.attachTest(kTest, kDiag);
      const p1 = g1.posterior({ T, s, test: t1 });
      for (let i = 0; i < Pt; i++) lt(Math.abs(p1.mean[i] - post.mean[i * nOut + k]), 1e-13, "Math.abs(p1.mean[i] - post.mean[i * nOut + k])");
      lt(maxAbsDiff(p1.variance, post.variance), 1e-14, "maxAbsDiff(p1.variance, post.variance)");
      lmlSum += g1.logMarginalLikelihood({ T, s });
      biasSum += g1.testLoss({ T, s, test: t1, yTest: ytk }).bias2;
      trainBiasSum += g1.trainLoss({ T, s }).bias2;
      lt(
        Math.abs(loss.bias2PerOutput[k] - g1.testLoss({ T, s, test: t1, yTest: ytk }).bias2),
        1e-14,
        "Math.abs(loss.bias2PerOutput[k] - g1.testLoss({ T, s, test: t1, yTest: ytk }).bias2)",
      );
    }
    lt(Math.abs(gp.logMarginalLikelihood({ T, s }) - lmlSum), 1e-10 * Math.abs(lmlSum), "Math.abs(gp.logMarginalLikelihood({ T, s }) - lmlSum)");
    lt(Math.abs(loss.bias2 - biasSum / nOut), 1e-14, "Math.abs(loss.bias2 - biasSum / nOut)");
    lt(Math.abs(tl.bias2 - trainBiasSum / nOut), 1e-14, "Math.abs(tl.bias2 - trainBiasSum / nOut)");
    const ref = gpRegression({ Ktrain: K, P, y: Y, kTest, kDiag, T, s });
    lt(maxAbsDiff(ref.mean, post.mean), 1e-10, "maxAbsDiff(ref.mean, post.mean)");
  });
});

describe("posterior samples", () => {
  it("empirical mean and covariance of 4000 samples match the analytic ones within 4σ", () => {
    const P = 20;
    const Pt = 5;
    const { K, kTest, kTT, kDiag } = jointKernel(9, P, Pt, 40, 0.02);
    const y = normal(key(10), P);
    const gp = GPEigen.fromKernel(K, P, y);
    const test = gp.attachTest(kTest, kDiag, { kTestTest: kTT });
    const n = 4000;
    const T = 0.5;
    const s = 1.2;
    const [k1] = split(key(11), 1);
    const res = gp.sample({ T, s, test, key: k1, n });
    const post = gp.posterior({ T, s, test, covariance: true });
    const Sig = post.covariance!;
    assert.equal(res.samples.length, n * Pt);
    le(res.jitter, 1e-6 * s * maxAbs(kDiag), "res.jitter");
    const m = new Float64Array(Pt);
    for (let r = 0; r < n; r++) for (let i = 0; i < Pt; i++) m[i] += res.samples[r * Pt + i] / n;
    for (let i = 0; i < Pt; i++) {
      const se = Math.sqrt(Sig[i * Pt + i] / n);
      assert.ok(Math.abs(m[i] - post.mean[i]) < 4 * se, `mean ${i}: ${m[i]} vs ${post.mean[i]} (se ${se})`);
    }
    for (let i = 0; i < Pt; i++) {
      for (let j = 0; j <= i; j++) {
        let c = 0;
        for (let r = 0; r < n; r++) c += (res.samples[r * Pt + i] - post.mean[i]) * (res.samples[r * Pt + j] - post.mean[j]);
        c /= n;
        const se = Math.sqrt((Sig[i * Pt + i] * Sig[j * Pt + j] + Sig[i * Pt + j] ** 2) / n);
        assert.ok(Math.abs(c - Sig[i * Pt + j]) < 4 * se, `cov (${i},${j}): ${c} vs ${Sig[i * Pt + j]} (se ${se})`);
      }
    }
    // deterministic in the key
    const again = gp.sample({ T, s, test, key: k1, n: 3 });
    assert.deepEqual(Array.from(again.samples), Array.from(res.samples.subarray(0, 3 * Pt)));
  });
});

describe("rank-deficient kernel K = ZZᵀ (Z is P×3)", () => {
  const P = 30;
  const Pt = 6;
  const r = 3;
  const { K, kTest, kTT, kDiag, phi } = jointKernel(12, P, Pt, r, 0);
  const y = normal(key(13), P);
  const gp = GPEigen.fromKernel(K, P, y);

  it("reports rank 3 and the clipped eigenvalues", () => {
    const dg = gp.diagnostics;
    assert.equal(dg.rank, r);
    assert.equal(dg.clipped, P - r);
    assert.equal(dg.conditionNumber, Number.POSITIVE_INFINITY);
    assert.ok(Number.isFinite(dg.rangeConditionNumber), "Number.isFinite(dg.rangeConditionNumber)");
    lt(dg.minEigenvalue, dg.threshold, "dg.minEigenvalue");
    assert.ok(dg.clippedAmount >= 0 && dg.clippedAmount <= 1e-8 * dg.maxEigenvalue, "dg.clippedAmount >= 0 && dg.clippedAmount <= 1e-8 * dg.maxEigenvalue");
    for (let i = 0; i < P - r; i++) assert.equal(gp.kappa[i], 0);
  });

  it("T = 0.01: finite output, variance in [0, prior], samples with reported jitter", () => {
    const test = gp.attachTest(kTest, kDiag, { kTestTest: kTT });
    const post = gp.posterior({ T: 0.01, s: 1, test, covariance: true });
    assert.equal(post.pseudoInverse, false);
    for (const v of [...post.mean, ...post.variance, ...post.covariance!]) assert.ok(Number.isFinite(v), "Number.isFinite(v)");
    for (let i = 0; i < Pt; i++)
      assert.ok(post.variance[i] >= 0 && post.variance[i] <= kDiag[i] * (1 + 1e-12), "post.variance[i] >= 0 && post.variance[i] <= kDiag[i] * (1 + 1e-12)");
    assert.ok(Number.isFinite(gp.logMarginalLikelihood({ T: 0.01 })), "Number.isFinite(gp.logMarginalLikelihood({ T: 0.01 }))");
    // Pt = 6 > rank 3: the predictive covariance is (numerically) singular, the sampler adds reported jitter
    const smp = gp.sample({ T: 0.01, s: 1, test, key: key(14), n: 10 });
    assert.ok(smp.jitter >= 0 && smp.jitter <= 1e-6 * maxAbs(kDiag), "smp.jitter >= 0 && smp.jitter <= 1e-6 * maxAbs(kDiag)");
    for (const v of smp.samples) assert.ok(Number.isFinite(v), "Number.isFinite(v)");
    const ref = gpRegression({ Ktrain: K, P, y, kTest, kDiag, T: 0.01 });
    lt(maxAbsDiff(ref.mean, post.mean), 1e-9, "maxAbsDiff(ref.mean, post.mean)");
  });

  it("T = 0 uses the pseudo-inverse: train mean = projection of y on range(Z), equal to the T → 0⁺ limit", () => {
    const test = gp.attachTest(kTest, kDiag);
    const post = gp.posterior({ T: 0, s: 1, test });
    assert.equal(post.pseudoInverse, true);
    for (const v of [...post.mean, ...post.variance]) assert.ok(Number.isFinite(v), "Number.isFinite(v)");
    const tr = gp.trainPosterior({ T: 0 });
    assert.equal(tr.pseudoInverse, true);
    // least-squares projection Z(ZᵀZ)⁻¹Zᵀy with Z = the first P rows of the features
    const Z = phi.subarray(0, P * r);
    const G = new Float64Array(r * r);
    const zy = new Float64Array(r);
    for (let a = 0; a < r; a++) {
      for (let b = 0; b < r; b++) for (let i = 0; i < P; i++) G[a * r + b] += Z[i * r + a] * Z[i * r + b];
      for (let i = 0; i < P; i++) zy[a] += Z[i * r + a] * y[i];
    }
    const coef = choleskySolve(cholesky(G, r, { jitter: 0 }), zy);
    const proj = new Float64Array(P);
    for (let i = 0; i < P; i++) for (let a = 0; a < r; a++) proj[i] += Z[i * r + a] * coef[a];
    assert.ok(maxAbsDiff(tr.mean, proj) < 1e-9, `${maxAbsDiff(tr.mean, proj)}`);
    // the test posterior is continuous at T = 0⁺ (not too small a T: rounding in the null directions of K
    // is amplified by 1/T, about 1e-15/T here)
    const near = gp.posterior({ T: 1e-8, s: 1, test });
    lt(maxAbsDiff(near.mean, post.mean), 1e-5, "maxAbsDiff(near.mean, post.mean)");
    lt(maxAbsDiff(near.variance, post.variance), 1e-6, "maxAbsDiff(near.variance, post.variance)");
    // train loss at T = 0 is the unexplained (null-space) part of y
    let res = 0;
    for (let i = 0; i < P; i++) res += (y[i] - proj[i]) ** 2;
    lt(Math.abs(gp.trainLoss({ T: 0 }).total - res / P), 1e-10, "Math.abs(gp.trainLoss({ T: 0 }).total - res / P)");
  });

  it("T = 0: the log marginal likelihood throws NumericalError; gpRegression regularises with reported jitter", () => {
    assert.throws(
      () => gp.logMarginalLikelihood({ T: 0 }),
      (e: unknown) => e instanceof NumericalError && /T > 0/.test((e as Error).message),
    );
    const ref = gpRegression({ Ktrain: K, P, y, kTest, kDiag, T: 0 });
    assert.ok(ref.jitter > 0, "ref.jitter > 0");
    for (const v of ref.mean) assert.ok(Number.isFinite(v), "Number.isFinite(v)");
  });
});

describe("spectrum clipping", () => {
  /** K = Q diag(λ) Qᵀ with a random orthogonal Q (Gram–Schmidt of a Gaussian matrix). */
  function withSpectrum(lams: number[], seed: number): Float64Array {
    const n = lams.length;
    const G = normal(key(seed), n * n);
    const Q = new Float64Array(n * n); // columns
    for (let j = 0; j < n; j++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = G[i * n + j];
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += v[i] * Q[i * n + p];
        for (let i = 0; i < n; i++) v[i] -= d * Q[i * n + p];
      }
      let nv = 0;
      for (let i = 0; i < n; i++) nv += v[i] * v[i];
      nv = Math.sqrt(nv);
      for (let i = 0; i < n; i++) Q[i * n + j] = v[i] / nv;
    }
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += Q[i * n + p] * lams[p] * Q[j * n + p];
        K[i * n + j] = s;
        K[j * n + i] = s;
      }
    }
    return K;
  }

  it("clips eigenvalues of −1e-12·max to 0 and reports them", () => {
    const lams = [3, 2, 1, 0.5, -3e-12, 0.25];
    const K = withSpectrum(lams, 15);
    const gp = GPEigen.fromKernel(K, 6, normal(key(16), 6));
    assert.equal(gp.diagnostics.clippedNegative, 1);
    lt(Math.abs(gp.diagnostics.clippedAmount - 3e-12), 1e-14, "Math.abs(gp.diagnostics.clippedAmount - 3e-12)");
    lt(Math.abs(gp.diagnostics.minEigenvalue + 3e-12), 1e-14, "Math.abs(gp.diagnostics.minEigenvalue + 3e-12)");
    assert.equal(gp.diagnostics.rank, 5);
    assert.equal(gp.kappa[0], 0);
    assert.ok(Number.isFinite(gp.logMarginalLikelihood({ T: 0.1 })), "Number.isFinite(gp.logMarginalLikelihood({ T: 0.1 }))");
  });

  it("a clearly indefinite kernel raises NumericalError", () => {
    const K = withSpectrum([1, 2, -0.1, 0.5], 17);
    assert.throws(() => GPEigen.fromKernel(K, 4, new Float64Array(4)), NumericalError);
  });
});

describe("input validation", () => {
  const P = 5;
  const { K, kTest, kDiag } = jointKernel(18, P, 2, 8, 0.1);
  const y = normal(key(19), P);

  it("NaN or Inf in K → InputError naming the matrix and the entry", () => {
    const bad = Float64Array.from(K);
    bad[2 * P + 3] = Number.NaN;
    assert.throws(
      () => GPEigen.fromKernel(bad, P, y, { where: "NNGP kernel" }),
      (e: unknown) => e instanceof InputError && /NNGP kernel/.test((e as Error).message) && /\(2, 3\)/.test((e as Error).message),
    );
    const inf = Float64Array.from(K);
    inf[P + 1] = Number.POSITIVE_INFINITY;
    assert.throws(() => gpRegression({ Ktrain: inf, P, y, T: 0.1 }), InputError);
  });

  it("non-symmetric K, wrong shapes, bad T or s → InputError", () => {
    const ns = Float64Array.from(K);
    ns[1] += 0.5;
    assert.throws(
      () => GPEigen.fromKernel(ns, P, y),
      (e: unknown) => e instanceof InputError && /symmetric/.test((e as Error).message),
    );
    assert.throws(() => GPEigen.fromKernel(K, P + 1, y), InputError);
    assert.throws(() => GPEigen.fromKernel(K, P, new Float64Array(P + 2)), InputError);
    const yn = Float64Array.from(y);
    yn[0] = Number.NaN;
    assert.throws(() => GPEigen.fromKernel(K, P, yn), InputError);
    const gp = GPEigen.fromKernel(K, P, y);
    assert.throws(() => gp.attachTest(new Float64Array(3), kDiag), InputError);
    const kn = Float64Array.from(kTest);
    kn[4] = Number.NaN;
    assert.throws(
      () => gp.attachTest(kn, kDiag),
      (e: unknown) => e instanceof InputError && /\(0, 4\)/.test((e as Error).message),
    );
    const test = gp.attachTest(kTest, kDiag);
    assert.throws(() => gp.posterior({ T: -1, s: 1, test }), InputError);
    assert.throws(() => gp.posterior({ T: 0.1, s: 0, test }), InputError);
    assert.throws(() => gp.posterior({ T: Number.NaN, s: 1, test }), InputError);
    assert.throws(() => gp.logMarginalLikelihood({ T: 0.1, s: -2 }), InputError);
    assert.throws(() => gpRegression({ Ktrain: K, P, y, T: -0.1 }), InputError);
    assert.throws(
      () => gp.posterior({ T: 0.1, test, covariance: true }),
      (e: unknown) => e instanceof InputError && /kTestTest/.test((e as Error).message),
    );
    assert.throws(() => gp.testLoss({ T: 0.1, test, yTest: new Float64Array(5) }), InputError);
    const other = GPEigen.fromKernel(K, P, y);
    assert.throws(() => other.posterior({ T: 0.1, test }), InputError);
  });
});
