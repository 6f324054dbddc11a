/**
 * Posterior predictive from the MAP readout kernel (brief §3.10) and kernel-level observables
 * (brief §5.1): kernel–target alignment (uncentred, Cristianini et al. 2001; centred, Cortes et al.
 * 2012), the target projection δC : YYᵀ/‖YYᵀ‖², relative adaptation ‖δC‖/‖C_GP‖ and class-block contrast.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { choleskySolve } from "../../engine/linalg.js";
import { cholPD } from "./mat.js";

/** Result of {@link predict}. */
export interface Prediction {
  /** Training-set predictor f̄_D = Y − κK⁻¹Y (P×D). */
  trainMean: Float64Array;
  /** Test means f̄_* = C_{*D}K⁻¹Y (Pt×D). */
  testMean: Float64Array;
  /** Test function variances C_{**} − C_{*D}K⁻¹C_{D*} (Pt; add κ for noisy targets). */
  testVar: Float64Array;
  /** Mean squared errors (1/(P·D))Σ(f̄ − y)², and sign/argmax error rates, where targets are given. */
  trainMSE: number;
  trainError: number;
  testMSE?: number;
  testError?: number;
}

function yyT(Y: Float64Array, P: number, D: number): Float64Array {
  const T = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) for (let k = 0; k < D; k++) T[a * P + b] += Y[a * D + k] * Y[b * D + k];
  return T;
}

function errRate(F: Float64Array, Y: Float64Array, n: number, D: number): number {
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    if (D === 1) {
      if (Math.sign(F[i]) !== Math.sign(Y[i])) wrong++;
    } else {
      let af = 0;
      let ay = 0;
      for (let k = 1; k < D; k++) {
        if (F[i * D + k] > F[i * D + af]) af = k;
        if (Y[i * D + k] > Y[i * D + ay]) ay = k;
      }
      if (af !== ay) wrong++;
    }
  }
  return n > 0 ? wrong / n : Number.NaN;
}

function mse(F: Float64Array, Y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < F.length; i++) s += (F[i] - Y[i]) ** 2;
  return F.length > 0 ? s / F.length : Number.NaN;
}

/**
 * GP regression with a (MAP or NNGP) readout kernel: f̄_* = C_{*D}(C_{DD} + κI)⁻¹Y,
 * σ²_* = C_{**} − C_{*D}(C_{DD} + κI)⁻¹C_{D*}, f̄_D = Y − κ(C_{DD} + κI)⁻¹Y.
 */
export function predict(
  C: Float64Array,
  P: number,
  Y: Float64Array,
  D: number,
  kappa: number,
  test?: { cross: Float64Array; diag: Float64Array; Pt: number; Y?: Float64Array },
): Prediction {
  if (Y.length !== P * D) throw new InputError(`Y has ${Y.length} entries, expected ${P}×${D}`, "predict");
  const K = Float64Array.from(C);
  for (let i = 0; i < P; i++) K[i * P + i] += kappa;
  const ch = cholPD(K, P, "K = C + κI");
  const alpha = choleskySolve(ch, Y, D); // P×D
  const trainMean = Y.map((v, i) => v - kappa * alpha[i]);
  const out: Prediction = {
    trainMean,
    testMean: new Float64Array(0),
    testVar: new Float64Array(0),
    trainMSE: mse(trainMean, Y),
    trainError: errRate(trainMean, Y, P, D),
  };
  if (test) {
    const { Pt, cross, diag } = test;
    if (cross.length !== Pt * P || diag.length !== Pt)
      throw new InputError(`test blocks have wrong shapes (cross ${cross.length}, diag ${diag.length}) for Pt = ${Pt}, P = ${P}`, "predict");
    const mean = new Float64Array(Pt * D);
    const v = new Float64Array(Pt);
    const crossT = new Float64Array(P * Pt);
    for (let s = 0; s < Pt; s++) for (let a = 0; a < P; a++) crossT[a * Pt + s] = cross[s * P + a];
    const Z = choleskySolve(ch, crossT, Pt); // P×Pt
    for (let s = 0; s < Pt; s++) {
      for (let k = 0; k < D; k++) {
        let acc = 0;
        for (let a = 0; a < P; a++) acc += cross[s * P + a] * alpha[a * D + k];
        mean[s * D + k] = acc;
      }
      let q = 0;
      for (let a = 0; a < P; a++) q += cross[s * P + a] * Z[a * Pt + s];
      v[s] = diag[s] - q;
    }
    out.testMean = mean;
    out.testVar = v;
    if (test.Y) {
      out.testMSE = mse(mean, test.Y);
      out.testError = errRate(mean, test.Y, Pt, D);
    }
  }
  return out;
}

/** Uncentred kernel–target alignment A(C, Y) = C : YYᵀ / (‖C‖_F ‖YYᵀ‖_F) (= YᵀCY/(‖C‖_F‖Y‖²) for D = 1). */
export function kernelTargetAlignment(C: Float64Array, P: number, Y: Float64Array, D = 1): number {
  const T = yyT(Y, P, D);
  let num = 0;
  let nc = 0;
  let nt = 0;
  for (let i = 0; i < P * P; i++) {
    num += C[i] * T[i];
    nc += C[i] * C[i];
    nt += T[i] * T[i];
  }
  return num / Math.sqrt(nc * nt);
}

function centre(A: Float64Array, P: number): Float64Array {
  const r = new Float64Array(P);
  const c = new Float64Array(P);
  let t = 0;
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      r[a] += A[a * P + b] / P;
      c[b] += A[a * P + b] / P;
      t += A[a * P + b] / (P * P);
    }
  const out = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) out[a * P + b] = A[a * P + b] - r[a] - c[b] + t;
  return out;
}

/** Centred KTA A_c = ⟨HCH, HYYᵀH⟩_F / (‖HCH‖_F ‖HYYᵀH‖_F), H = I − 11ᵀ/P. */
export function centredKernelTargetAlignment(C: Float64Array, P: number, Y: Float64Array, D = 1): number {
  return alignmentOf(centre(C, P), centre(yyT(Y, P, D), P));
}

function alignmentOf(A: Float64Array, B: Float64Array): number {
  let num = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < A.length; i++) {
    num += A[i] * B[i];
    na += A[i] * A[i];
    nb += B[i] * B[i];
  }
  return num / Math.sqrt(na * nb);
}

/** Target projection of an adaptation: δC : YYᵀ / ‖YYᵀ‖²_F. */
export function targetProjection(dC: Float64Array, P: number, Y: Float64Array, D = 1): number {
  const T = yyT(Y, P, D);
  let num = 0;
  let nt = 0;
  for (let i = 0; i < P * P; i++) {
    num += dC[i] * T[i];
    nt += T[i] * T[i];
  }
  return num / nt;
}

/** Relative adaptation ‖C − C_GP‖_F / ‖C_GP‖_F. */
export function relativeAdaptation(C: Float64Array, Cgp: Float64Array): number {
  let a = 0;
  let b = 0;
  for (let i = 0; i < C.length; i++) {
    a += (C[i] - Cgp[i]) ** 2;
    b += Cgp[i] ** 2;
  }
  return Math.sqrt(a / b);
}

/** Class-block contrast for ±1 (D = 1) targets: mean C_{αβ} over same-sign pairs α ≠ β minus the mean over opposite-sign pairs (NaN if a set is empty). */
export function classBlockContrast(C: Float64Array, P: number, Y: Float64Array): number {
  let s = 0;
  let ns = 0;
  let o = 0;
  let no = 0;
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      if (a === b) continue;
      if (Math.sign(Y[a]) === Math.sign(Y[b])) {
        s += C[a * P + b];
        ns++;
      } else {
        o += C[a * P + b];
        no++;
      }
    }
  return ns > 0 && no > 0 ? s / ns - o / no : Number.NaN;
}
