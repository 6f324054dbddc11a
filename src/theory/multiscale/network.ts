/**
 * The χ-parameterised two-layer network of paper d (brief §2) and its NNGP baseline (§3.1–3.2).
 *
 * f(x) = Σ_i w_i φ(v_i·x), v_i ~ N(0, (g_v/D) I_D), w_i ~ N(0, g_w/(χN)); likelihood
 * exp{−(χ/(2κ)) Σ_α (y_α − f_α)²} (noise variance κ/χ). χ = 1 is standard scaling, χ = N mean-field.
 * With this convention the NNGP mean k(x)ᵀ(K + κ)⁻¹y does not depend on χ and the prior output
 * covariance is K/χ, K_ab = g_w E[φ(h_a)φ(h_b)], h ~ N(0, K^x), K^x_ab = (g_v/D) x_a·x_b.
 *
 * Matrices are row-major Float64Arrays; inputs are P×D (one example per row). "ext" is train ∪ test:
 * indices 0..P−1 are the training points, P..P+Pt−1 the test points.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { gram, solveSPD } from "../../engine/linalg.js";

/** Activations with closed-form NNGP kernels supported by the multiscale theory. */
export type MsaActivation = "linear" | "erf";

/** One multiscale problem: data, activation, gains, width and ridge κ (χ is chosen per evaluation). */
export interface MultiscaleInput {
  /** P×D training inputs (row-major). */
  X: Float64Array;
  P: number;
  D: number;
  /** Training targets y ∈ ℝ^P. */
  y: Float64Array;
  /** Pt×D test inputs (optional). */
  Xtest?: Float64Array;
  Ptest?: number;
  /** Test targets (optional; needed for test errors and test alignment). */
  ytest?: Float64Array;
  act: MsaActivation;
  /** Readin gain g_v (default 1): V_ij ~ N(0, g_v/D). */
  gv?: number;
  /** Readout gain g_w (default 1): w_i ~ N(0, g_w/(χN)). */
  gw?: number;
  /** Hidden width N (Infinity: the NNGP limit). */
  N: number;
  /** Ridge κ > 0 (noise variance κ/χ). */
  kappa: number;
}

/** The kernels of a problem on train ∪ test. */
export interface MultiscaleKernels {
  P: number;
  Pt: number;
  /** n = P + Pt. */
  n: number;
  D: number;
  /** Extended input kernel K^x (n×n). */
  Kx: Float64Array;
  /** Extended NNGP kernel K (n×n), including the factor g_w. */
  K: Float64Array;
  /** Train block K_tr,tr (P×P). */
  Ktr: Float64Array;
  /** Extended inputs (n×D), train rows first. */
  Xext: Float64Array;
  gv: number;
  gw: number;
  act: MsaActivation;
}

/** Validates a {@link MultiscaleInput} and returns it with defaults filled in; InputError names the field. */
export function checkInput(inp: MultiscaleInput, where = "multiscale"): Required<Omit<MultiscaleInput, "Xtest" | "ytest">> & MultiscaleInput {
  const { P, D } = inp;
  if (!Number.isInteger(P) || P < 1) throw new InputError(`P must be an integer ≥ 1, got ${P}`, where);
  if (!Number.isInteger(D) || D < 1) throw new InputError(`D must be an integer ≥ 1, got ${D}`, where);
  if (inp.X.length !== P * D) throw new InputError(`X has ${inp.X.length} entries, expected P×D = ${P * D}`, where);
  if (inp.y.length !== P) throw new InputError(`y has ${inp.y.length} entries, expected P = ${P}`, where);
  const Pt = inp.Ptest ?? (inp.Xtest ? inp.Xtest.length / D : 0);
  if (inp.Xtest && inp.Xtest.length !== Pt * D) throw new InputError(`Xtest has ${inp.Xtest.length} entries, expected Ptest×D = ${Pt * D}`, where);
  if (inp.ytest && inp.ytest.length !== Pt) throw new InputError(`ytest has ${inp.ytest.length} entries, expected Ptest = ${Pt}`, where);
  if (inp.act !== "linear" && inp.act !== "erf") throw new InputError(`activation must be linear or erf, got ${inp.act}`, where);
  const gv = inp.gv ?? 1;
  const gw = inp.gw ?? 1;
  if (!(gv > 0) || !Number.isFinite(gv)) throw new InputError(`g_v must be a finite number > 0, got ${gv}`, where);
  if (!(gw > 0) || !Number.isFinite(gw)) throw new InputError(`g_w must be a finite number > 0, got ${gw}`, where);
  if (!(inp.N >= 1)) throw new InputError(`width N must be ≥ 1 (or Infinity), got ${inp.N}`, where);
  if (!(inp.kappa > 0) || !Number.isFinite(inp.kappa)) throw new InputError(`κ must be a finite number > 0, got ${inp.kappa}`, where);
  for (const [name, a] of [
    ["X", inp.X],
    ["y", inp.y],
    ["Xtest", inp.Xtest],
    ["ytest", inp.ytest],
  ] as const) {
    if (a) for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new InputError(`${name}[${i}] is not finite`, where);
  }
  return { ...inp, Ptest: Pt, gv, gw };
}

/** Checks a scale χ > 0 (finite). */
export function checkChi(chi: number, where = "multiscale"): void {
  if (!(chi > 0) || !Number.isFinite(chi)) throw new InputError(`χ must be a finite number > 0, got ${chi}`, where);
}

/**
 * Input kernel K^x_ab = (g_v/D) x_a·x_b and NNGP kernel on train ∪ test (brief §3.1):
 * linear K = g_w K^x; erf K_ab = g_w (2/π) arcsin(2K^x_ab/√((1+2K^x_aa)(1+2K^x_bb))).
 */
export function msaKernels(input: MultiscaleInput): MultiscaleKernels {
  const inp = checkInput(input);
  const { P, D, gv, gw } = inp;
  const Pt = inp.Ptest;
  const n = P + Pt;
  const Xext = new Float64Array(n * D);
  Xext.set(inp.X, 0);
  if (inp.Xtest) Xext.set(inp.Xtest, P * D);
  const Kx = gram(Xext, n, D, gv / D); // BLAS dsyrk
  const K = new Float64Array(n * n);
  if (inp.act === "linear") {
    for (let i = 0; i < n * n; i++) K[i] = gw * Kx[i];
  } else {
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        const arg = (2 * Kx[a * n + b]) / Math.sqrt((1 + 2 * Kx[a * n + a]) * (1 + 2 * Kx[b * n + b]));
        K[a * n + b] = K[b * n + a] = gw * (2 / Math.PI) * Math.asin(Math.max(-1, Math.min(1, arg)));
      }
    }
  }
  return { P, Pt, n, D, Kx, K, Ktr: block(K, n, 0, P, 0, P), Xext, gv, gw, act: inp.act };
}

/** Copies rows r0..r1−1, columns c0..c1−1 of an n×n matrix. */
export function block(A: Float64Array, n: number, r0: number, r1: number, c0: number, c1: number): Float64Array {
  const m = c1 - c0;
  const B = new Float64Array((r1 - r0) * m);
  for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) B[(i - r0) * m + (j - c0)] = A[i * n + j];
  return B;
}

/** y = A x for A (rows×cols, row-major). */
export function matvec(A: Float64Array, rows: number, cols: number, x: Float64Array): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += A[i * cols + j] * x[j];
    y[i] = s;
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Mean squared error (1/n)Σ(a − b)² (no factor ½, docs/kernels.md). */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return a.length > 0 ? s / a.length : Number.NaN;
}

/** NNGP baseline (brief §3.2): t = (K + κ)⁻¹y, mean f̄ = K_{·,tr} t on train ∪ test, variance (1/χ)[K_** − k*ᵀ(K + κ)⁻¹k*]. */
export interface NngpBaseline {
  t: Float64Array;
  fTrain: Float64Array;
  fTest: Float64Array;
  /** Test output variance (χ-dependent: ∝ 1/χ). */
  varTest: Float64Array;
}

/** The NNGP baseline at scale χ (the mean is χ-independent; the variance scales as 1/χ). */
export function nngpBaseline(ker: MultiscaleKernels, y: Float64Array, kappa: number, chi: number): NngpBaseline {
  return rescaledGP(ker, y, 1, kappa, chi);
}

/**
 * GP with the rescaled kernel QK and prior covariance QK/χ: t = (QK + κ)⁻¹y, f̄ = Q K_{·,tr} t,
 * Var f_* = (1/χ)[Q K_** − Q² k*ᵀ(QK + κ)⁻¹k*] (brief §3.6, §3.9 first term).
 */
export function rescaledGP(ker: MultiscaleKernels, y: Float64Array, Q: number, kappa: number, chi: number): NngpBaseline {
  const { P, Pt, n, K, Ktr } = ker;
  const A = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) A[i] = Q * Ktr[i];
  for (let i = 0; i < P; i++) A[i * P + i] += kappa;
  const Kc = block(K, n, P, n, 0, P); // Pt×P
  const rhs = new Float64Array(P * (1 + Pt));
  for (let i = 0; i < P; i++) {
    rhs[i * (1 + Pt)] = y[i];
    for (let j = 0; j < Pt; j++) rhs[i * (1 + Pt) + 1 + j] = Kc[j * P + i];
  }
  const { x } = solveSPD(A, P, rhs, 1 + Pt, { where: "QK + κI", trusted: true });
  const t = new Float64Array(P);
  for (let i = 0; i < P; i++) t[i] = x[i * (1 + Pt)];
  const fTrain = new Float64Array(P);
  for (let i = 0; i < P; i++) fTrain[i] = y[i] - kappa * t[i];
  const fTest = new Float64Array(Pt);
  const varTest = new Float64Array(Pt);
  for (let j = 0; j < Pt; j++) {
    let m = 0;
    let q = 0;
    for (let i = 0; i < P; i++) {
      m += Kc[j * P + i] * t[i];
      q += Kc[j * P + i] * x[i * (1 + Pt) + 1 + j];
    }
    fTest[j] = Q * m;
    varTest[j] = (Q * K[(P + j) * n + P + j] - Q * Q * q) / chi;
  }
  return { t, fTrain, fTest, varTest };
}
