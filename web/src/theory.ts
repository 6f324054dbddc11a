/**
 * The renormalization theory evaluated in the browser, from the spectrum the server sends once per
 * (dataset, activation, λ0). Everything here is dependency-free TypeScript so that moving T, N1 or
 * λ1 redraws without a network round trip:
 *
 * - Q*(T, N1, λ1): the minimiser of S(Q) = Q − log Q + (1/N1) Σ_i log(T + Qκ_i/λ1) + (1/N1) Σ_i ỹ_i²/(T + Qκ_i/λ1)
 *   reached from Q = 1 — the bracketing rule of the library's solver (src/theory/renormalization),
 *   O(P) per evaluation of dS/dQ; test/web/theory.test.ts checks that both agree.
 * - The predictor: GP regression with kernel s·K, s = Q* / λ1, noise T. With B = K_test·U and
 *   d_i = 1/(sκ_i + T): mean = s·B·(d∘ỹ), Var f = s·k00 − s²·(B∘B)·d — O(Pt·P), one pass over B.
 *
 * @module
 */

/** The spectral data of one (dataset, activation, λ0). */
export interface Spectrum {
  P: number;
  Pt: number;
  /** Eigenvalues κ_i ≥ 0 of the train kernel. */
  kappa: Float64Array;
  /** ỹ = Uᵀy. */
  yTilde: Float64Array;
  /** ỹ∘ỹ. */
  y2: Float64Array;
  /** B = K_test·U, Pt×P row-major. */
  B: Float64Array;
  /** Prior variances K(x0, x0) at the test points. */
  kDiag: Float64Array;
  /** Test targets. */
  yTest: Float64Array;
}

/** Builds a {@link Spectrum} (precomputing ỹ²). */
export function makeSpectrum(
  P: number,
  Pt: number,
  kappa: Float64Array,
  yTilde: Float64Array,
  B: Float64Array,
  kDiag: Float64Array,
  yTest: Float64Array,
): Spectrum {
  const y2 = new Float64Array(P);
  for (let i = 0; i < P; i++) y2[i] = yTilde[i] * yTilde[i];
  return { P, Pt, kappa, yTilde, y2, B, kDiag, yTest };
}

/** S(Q) = Q − log Q + (1/N1) Σ_i [log(T + Qκ_i/λ1) + ỹ_i²/(T + Qκ_i/λ1)] (y2 = ỹ∘ỹ). O(P). */
export function action(kappa: Float64Array, y2: Float64Array, T: number, N1: number, lambda1: number, Q: number): number {
  let acc = 0;
  for (let i = 0; i < kappa.length; i++) {
    const d = T + (Q * kappa[i]) / lambda1;
    acc += Math.log(d) + y2[i] / d;
  }
  return Q - Math.log(Q) + acc / N1;
}

/** dS/dQ = 1 − 1/Q + (1/N1) Σ_i a_i/(T + Qa_i) − (1/N1) Σ_i ỹ_i² a_i/(T + Qa_i)², a_i = κ_i/λ1. O(P). */
export function actionGradient(kappa: Float64Array, y2: Float64Array, T: number, N1: number, lambda1: number, Q: number): number {
  let tr = 0;
  let dq = 0;
  for (let i = 0; i < kappa.length; i++) {
    const a = kappa[i] / lambda1;
    const inv = 1 / (T + Q * a);
    tr += a * inv;
    dq += y2[i] * a * inv * inv;
  }
  return 1 - 1 / Q + (tr - dq) / N1;
}

/**
 * Q* = the minimiser of S reached from the infinite-width value Q = 1, by the library's rule
 * (src/theory/renormalization solveSaddle): on t = log Q, step from t = 0 in the descent direction by
 * ln 2, 2 ln 2, 4 ln 2, … until dS/dQ changes sign, then refine the bracket (Illinois regula falsi, to
 * |Δt| ≤ 1e-13). NaN if no sign change is found (cannot happen for T, λ1 > 0 and N1 ≥ 1).
 */
export function solveQ(kappa: Float64Array, y2: Float64Array, T: number, N1: number, lambda1: number): number {
  const f = (t: number) => actionGradient(kappa, y2, T, N1, lambda1, Math.exp(t));
  const f0 = f(0);
  if (f0 === 0) return 1;
  const dir = f0 < 0 ? 1 : -1;
  let a = 0;
  let fa = f0;
  let step = Math.LN2;
  let b = a;
  let fb = fa;
  for (let i = 0; i < 200; i++) {
    b = a + dir * step;
    fb = f(b);
    if (Math.sign(fb) !== Math.sign(fa)) break;
    a = b;
    fa = fb;
    step *= 2;
    if (Math.abs(b) > 700) return Number.NaN;
  }
  if (Math.sign(fb) === Math.sign(fa) && fb !== 0) return Number.NaN;
  return Math.exp(illinois(f, a, b, fa, fb));
}

/** Illinois (modified regula falsi) refinement of a sign change of g on [a, b]. */
function illinois(g: (u: number) => number, a: number, b: number, ga: number, gb: number): number {
  let side = 0;
  for (let it = 0; it < 200; it++) {
    const c = (a * gb - b * ga) / (gb - ga);
    const gc = g(c);
    if (gc === 0 || Math.abs(b - a) < 1e-13 * Math.max(1, Math.abs(c))) return c;
    if (gc < 0 === gb < 0) {
      b = c;
      gb = gc;
      if (side === -1) ga /= 2;
      side = -1;
    } else {
      a = c;
      ga = gc;
      if (side === 1) gb /= 2;
      side = 1;
    }
  }
  return (a + b) / 2;
}

/** Test-set summary of GP(s·K, T). */
export interface Losses {
  /** ε_g = bias² + variance. */
  loss: number;
  bias2: number;
  variance: number;
}

/** Test losses of GP(s·K, T) without materialising the predictions (O(Pt·P)). */
export function testLoss(sp: Spectrum, T: number, s: number, work?: { d: Float64Array; w: Float64Array }): Losses {
  const { P, Pt, kappa, yTilde, B, kDiag, yTest } = sp;
  const d = work?.d ?? new Float64Array(P);
  const w = work?.w ?? new Float64Array(P);
  for (let i = 0; i < P; i++) {
    const a = s * kappa[i] + T;
    d[i] = a > 0 ? 1 / a : 0;
    w[i] = s * yTilde[i] * d[i];
  }
  let bias = 0;
  let vsum = 0;
  const P4 = P - (P % 4);
  for (let r = 0; r < Pt; r++) {
    const o = r * P;
    // four independent accumulators per sum: the loop is latency-bound otherwise
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    let q3 = 0;
    let i = 0;
    for (; i < P4; i += 4) {
      const b0 = B[o + i];
      const b1 = B[o + i + 1];
      const b2 = B[o + i + 2];
      const b3 = B[o + i + 3];
      m0 += b0 * w[i];
      m1 += b1 * w[i + 1];
      m2 += b2 * w[i + 2];
      m3 += b3 * w[i + 3];
      q0 += b0 * b0 * d[i];
      q1 += b1 * b1 * d[i + 1];
      q2 += b2 * b2 * d[i + 2];
      q3 += b3 * b3 * d[i + 3];
    }
    for (; i < P; i++) {
      const b = B[o + i];
      m0 += b * w[i];
      q0 += b * b * d[i];
    }
    const m = m0 + m1 + (m2 + m3);
    const q = q0 + q1 + (q2 + q3);
    const e = m - yTest[r];
    bias += e * e;
    vsum += Math.max(s * kDiag[r] - s * s * q, 0);
  }
  const bias2 = Pt > 0 ? bias / Pt : 0;
  const variance = Pt > 0 ? vsum / Pt : 0;
  return { loss: bias2 + variance, bias2, variance };
}

/** Posterior means and function variances of GP(s·K, T) at the test points. */
export function predict(sp: Spectrum, T: number, s: number): { mean: Float64Array; variance: Float64Array } {
  const { P, Pt, kappa, yTilde, B, kDiag } = sp;
  const d = new Float64Array(P);
  const w = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    const a = s * kappa[i] + T;
    d[i] = a > 0 ? 1 / a : 0;
    w[i] = s * yTilde[i] * d[i];
  }
  const mean = new Float64Array(Pt);
  const variance = new Float64Array(Pt);
  for (let r = 0; r < Pt; r++) {
    const o = r * P;
    let m = 0;
    let q = 0;
    for (let i = 0; i < P; i++) {
      const b = B[o + i];
      m += b * w[i];
      q += b * b * d[i];
    }
    mean[r] = m;
    variance[r] = Math.max(s * kDiag[r] - s * s * q, 0);
  }
  return { mean, variance };
}

/** Training loss ε_t = (1/P)[Σ_i T²ỹ_i²/(sκ_i+T)² + Σ_i sκ_iT/(sκ_i+T)] (bias² + variance at the training points). */
export function trainLoss(sp: Spectrum, T: number, s: number): number {
  let acc = 0;
  for (let i = 0; i < sp.P; i++) {
    const a = s * sp.kappa[i] + T;
    acc += (T * T * sp.y2[i]) / (a * a) + (s * sp.kappa[i] * T) / a;
  }
  return acc / sp.P;
}

/** n log-spaced values from lo to hi. */
export function logspace(lo: number, hi: number, n: number): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}
