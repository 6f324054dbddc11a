/**
 * Matrix-free Monte-Carlo tilted expectations for large P (brief §4.4, "importance sampling with
 * common random numbers", organised around GEMMs). For layer l the tilted single-neuron measure is
 *
 *   p̃_l(h) ∝ N(h; 0, C^(l−1)) · exp{ g φ(h)ᵀ C̃^(l) φ(h) },   h ∈ ℝ^P,
 *
 * and with a fixed standard-normal S×P matrix Z (drawn once from an explicit key) the samples are the
 * rows of H = Z Fᵀ, C^(l−1) = FFᵀ. Per block of rows: Φ = φ(H), U = Φ C̃ (one GEMM each), the log
 * weights E_i = g Σ_α Φ_iα U_iα, and the weighted sums of Φᵀ diag(w) Φ, Φ′ᵀ diag(w) Φ′ and
 * (Φ′∘U)ᵀ diag(w) (Φ′∘U) (GEMMs). Nothing of size P⁴ (or even S·P², beyond one block) is stored;
 * memory is O(S·P) for Z plus O(block·P + P²). The weights are normalised online (running maximum
 * of E, accumulators rescaled when it grows), so exp never overflows.
 *
 * **Control variate** (default on). The plain estimator of ⟨φφᵀ⟩_l carries O(1/√S) noise of the
 * *untilted* average, which at moderate S is as large as the data-induced shift itself. Writing
 *
 *   ⟨f⟩_l = ⟨f⟩_C + [⟨f⟩_l − ⟨f⟩_C]
 *
 * with the exact Gaussian pair moments ⟨φφᵀ⟩_C, ⟨φ′φ′ᵀ⟩_C, ⟨φ″_αφ_γ⟩_C (closed forms for erf, 2-D
 * quadrature otherwise; `pairMoments`) and the bracket estimated on the same samples,
 * Σ_i (w_i − 1/S) f(h_i), removes that noise: the remaining error is proportional to the tilt. It is
 * applied to M = ⟨φφᵀ⟩, to ⟨φ′φ′ᵀ⟩ and to ⟨φ″_α u_α⟩ of the backward map (the 2g²⟨φ′uφ′u⟩ term is
 * already O(C̃²)). At C̃ = 0 the forward map is then exactly the NNGP map.
 *
 * A call computes either the forward moment M (`backward` false) or the backward map. Two modes,
 * same numbers up to rounding: *stored* (S·P ≤ `maxStored`, default 8·10⁶): the S×P feature arrays are
 * kept and weighted once the normaliser is known — GEMMs of S×P×P: 3 per forward call (samples, U,
 * M), 4 per backward call (samples, U, ⟨φ′φ′⟩, ⟨(φ′∘u)(φ′∘u)ᵀ⟩); *online* (larger S·P): O(block·P)
 * memory, the control variate's base sums need their own GEMMs (4 forward, 6 backward). Plus S·P
 * evaluations of φ, φ′ (and φ″).
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { backend } from "../../engine/linalg.js";
import { gaussianMatrix, type Key } from "../../engine/random.js";
import type { Activation } from "../../kernels/index.js";
import { psdFactor } from "./mat.js";
import { pairMoments } from "./model.js";

/** Options of the Monte-Carlo tilted backend. */
export interface MonteCarloOptions {
  /** Samples S (default 10 000). */
  samples?: number;
  /** Key of the common random numbers Z (required). */
  key?: Key;
  /** Rows per GEMM block (default 1024). */
  block?: number;
  /** Use the exact Gaussian pair moments as a control variate (default true). */
  controlVariate?: boolean;
}

/** The fixed standard-normal sample matrix of one layer. */
export interface StandardSamples {
  S: number;
  P: number;
  /** S×P row-major standard normals. */
  Z: Float64Array;
}

/** Draws the S×P standard-normal matrix Z from `key` (the common random numbers of one layer). */
export function standardSamples(P: number, opts: MonteCarloOptions): StandardSamples {
  if (opts.key === undefined) throw new InputError("the monte-carlo backend needs a key (seed)", "tilted expectations");
  const S = opts.samples ?? 10_000;
  if (!Number.isInteger(S) || S < 10) throw new InputError(`samples must be an integer ≥ 10, got ${S}`, "tilted expectations");
  if (!Number.isInteger(P) || P < 1) throw new InputError(`P must be an integer ≥ 1, got ${P}`, "tilted expectations");
  return { S, P, Z: gaussianMatrix(opts.key, S, P) };
}

/** Result of {@link tiltedLayerMC}. */
export interface MonteCarloTilted {
  /** ⟨φφᵀ⟩ under the tilted measure (only computed by a forward call: zero in a backward call). */
  M: Float64Array;
  /** The backward map ∂W_l/∂C^(l−1) (only when asked). */
  back?: Float64Array;
  /** Effective sample size 1/Σw² (normalised weights). */
  ess: number;
  /** ln⟨exp(gφᵀC̃φ)⟩_C, estimated as ln((1/S)Σ_i e^{E_i}). */
  logZ: number;
}

/**
 * Tilted moments of one layer from the common random numbers `std` mapped to N(0, C) (C = C^(l−1)):
 * M = ⟨φφᵀ⟩_l and, with `backward`, B = ∂W_l/∂C^(l−1) =
 * gC̃∘⟨φ′φ′ᵀ⟩_l + g diag⟨φ″_α u_α⟩_l + 2g²⟨(φ′∘u)(φ′∘u)ᵀ⟩_l, u = C̃φ (brief §3.6).
 */
export function tiltedLayerMC(
  act: Activation,
  std: StandardSamples,
  C: Float64Array,
  g: number,
  Ct: Float64Array,
  opts: { backward?: boolean; controlVariate?: boolean; block?: number; what?: string; maxStored?: number } = {},
): MonteCarloTilted {
  const { S, P, Z } = std;
  if (C.length !== P * P || Ct.length !== P * P) throw new InputError(`kernels must be ${P}×${P}`, "tilted expectations");
  const backward = !!opts.backward;
  const cv = opts.controlVariate ?? true;
  if (backward && act.d2phi === undefined)
    throw new InputError(`activation "${act.spec}" has no φ″: the backward map needs a smooth activation (erf, tanh, linear, …)`, "tilted expectations");
  const B = Math.max(1, Math.min(S, opts.block ?? 1024));
  if (!Number.isInteger(B)) throw new InputError(`block must be an integer ≥ 1, got ${opts.block}`, "tilted expectations");
  const blas = backend();
  const F = psdFactor(C, P, opts.what ?? "C^(l−1)");
  // Stored mode: keep the S×P feature arrays and weight them once at the end (fewer GEMMs); else the
  // online mode (block accumulators rescaled as the running maximum of E grows). Same numbers.
  const stored = S * P <= (opts.maxStored ?? 8_000_000);
  const full = (on: boolean) => (on ? new Float64Array(S * P) : null);
  const H = new Float64Array(B * P);
  const PhiAll = full(stored && !backward);
  const DpAll = full(stored && backward);
  const QAll = full(stored && backward);
  const XAll = full(stored && backward);
  const EAll = stored ? new Float64Array(S) : null;
  const PhiB = new Float64Array(B * P);
  const U = new Float64Array(B * P);
  const DpB = backward ? new Float64Array(B * P) : null;
  const QB = backward ? new Float64Array(B * P) : null;
  const XB = backward ? new Float64Array(B * P) : null;
  const A = new Float64Array(B * P);
  const E = new Float64Array(B);
  // Online accumulators, scaled by exp(−mx): tilted sums T*, and (control variate) base sums (1/S)Σ f.
  const online = !stored;
  const TM = online && !backward ? new Float64Array(P * P) : null;
  const TK = online && backward ? new Float64Array(P * P) : null;
  const TB3 = online && backward ? new Float64Array(P * P) : null;
  const Td = online && backward ? new Float64Array(P) : null;
  const BM = online && cv && !backward ? new Float64Array(P * P) : null;
  const BK = online && cv && backward ? new Float64Array(P * P) : null;
  const Bd = online && cv && backward ? new Float64Array(P) : null;
  let mx = -Infinity;
  let Zs = 0; // Σ e^{E_i − mx}
  let Z2 = 0; // Σ e^{2(E_i − mx)}
  const scaleAll = (f: number) => {
    for (const arr of [TM, TK, TB3, Td]) if (arr) for (let i = 0; i < arr.length; i++) arr[i] *= f;
  };
  const d2 = act.d2phi;
  for (let r0 = 0; r0 < S; r0 += B) {
    const n = Math.min(B, S - r0);
    const m = n * P;
    const Zb = Z.subarray(r0 * P, r0 * P + m);
    const Phi = PhiAll ? PhiAll.subarray(r0 * P, r0 * P + m) : PhiB;
    const Dp = DpAll ? DpAll.subarray(r0 * P, r0 * P + m) : DpB;
    const Q = QAll ? QAll.subarray(r0 * P, r0 * P + m) : QB;
    const X = XAll ? XAll.subarray(r0 * P, r0 * P + m) : XB;
    // H = Z_b Fᵀ (n×P).
    blas.gemm(false, true, n, P, P, 1, Zb, P, F, P, 0, H, P);
    for (let i = 0; i < m; i++) {
      const h = H[i];
      Phi[i] = act.phi(h);
      if (Dp) Dp[i] = act.dphi(h);
    }
    // U = Φ C̃ (C̃ symmetric).
    blas.gemm(false, false, n, P, P, 1, Phi, P, Ct, P, 0, U, P);
    let bmx = -Infinity;
    for (let i = 0; i < n; i++) {
      let e = 0;
      const o = i * P;
      for (let a = 0; a < P; a++) e += Phi[o + a] * U[o + a];
      e *= g;
      E[i] = e;
      if (e > bmx) bmx = e;
    }
    if (!Number.isFinite(bmx)) throw new NumericalError("tilted measure: non-finite exponent gφᵀC̃φ (the conjugate kernel diverged)");
    if (backward && Dp && Q && X && d2) {
      for (let i = 0; i < m; i++) {
        X[i] = d2(H[i]) * U[i];
        Q[i] = Dp[i] * U[i];
      }
    }
    if (EAll) {
      EAll.set(E.subarray(0, n), r0);
      if (bmx > mx) mx = bmx;
      continue;
    }
    if (bmx > mx) {
      if (Number.isFinite(mx)) {
        const f = Math.exp(mx - bmx);
        scaleAll(f);
        Zs *= f;
        Z2 *= f * f;
      }
      mx = bmx;
    }
    for (let i = 0; i < n; i++) {
      const w = Math.exp(E[i] - mx);
      E[i] = w;
      Zs += w;
      Z2 += w * w;
    }
    // Tilted sums: A = diag(w)Φ; TM += Φᵀ A.
    if (TM) {
      rowScale(A, Phi, E, n, P);
      blas.gemm(true, false, P, P, n, 1, Phi, P, A, P, 1, TM, P);
      if (BM) blas.gemm(true, false, P, P, n, 1 / S, Phi, P, Phi, P, 1, BM, P);
    }
    if (Dp && Q && X && TK && TB3 && Td) {
      for (let i = 0; i < n; i++) {
        const w = E[i];
        const o = i * P;
        for (let a = 0; a < P; a++) {
          Td[a] += w * X[o + a];
          if (Bd) Bd[a] += X[o + a] / S;
        }
      }
      rowScale(A, Dp, E, n, P);
      blas.gemm(true, false, P, P, n, 1, Dp, P, A, P, 1, TK, P);
      if (BK) blas.gemm(true, false, P, P, n, 1 / S, Dp, P, Dp, P, 1, BK, P);
      rowScale(A, Q, E, n, P);
      blas.gemm(true, false, P, P, n, 1, Q, P, A, P, 1, TB3, P);
    }
  }
  // Normalised estimates: with the control variate, "hat" = Σ (w_i − 1/S) f_i; else Σ w_i f_i.
  let Mhat: Float64Array | null = null;
  let Khat: Float64Array | null = null;
  let dhat: Float64Array | null = null;
  let B3hat: Float64Array | null = null;
  if (EAll) {
    const wn = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      const w = Math.exp(EAll[i] - mx);
      wn[i] = w;
      Zs += w;
      Z2 += w * w;
    }
    const c = new Float64Array(S);
    for (let i = 0; i < S; i++) {
      wn[i] /= Zs;
      c[i] = cv ? wn[i] - 1 / S : wn[i];
    }
    /** Σ_i coef_i x_iᵀ x_i over the stored rows, blockwise. */
    const weighted = (Xs: Float64Array, coef: Float64Array) => {
      const out = new Float64Array(P * P);
      for (let r0 = 0; r0 < S; r0 += B) {
        const n = Math.min(B, S - r0);
        const Xb = Xs.subarray(r0 * P, (r0 + n) * P);
        rowScale(A, Xb, coef.subarray(r0, r0 + n), n, P);
        blas.gemm(true, false, P, P, n, 1, Xb, P, A, P, 1, out, P);
      }
      return out;
    };
    if (PhiAll) Mhat = weighted(PhiAll, c);
    if (DpAll && QAll && XAll) {
      Khat = weighted(DpAll, c);
      B3hat = weighted(QAll, wn);
      dhat = new Float64Array(P);
      for (let i = 0; i < S; i++) for (let a = 0; a < P; a++) dhat[a] += c[i] * XAll[i * P + a];
    }
  } else {
    const inv = 1 / Zs;
    const hat = (T: Float64Array | null, Bs: Float64Array | null) => (T ? T.map((v, i) => v * inv - (Bs ? Bs[i] : 0)) : null);
    Mhat = hat(TM, BM);
    Khat = hat(TK, BK);
    dhat = hat(Td, Bd);
    B3hat = hat(TB3, null);
  }
  const ess = (Zs * Zs) / Z2;
  const logZ = mx + Math.log(Zs / S);
  const exact = cv ? pairMoments(act, C, P, { d: backward }) : null;
  const M = new Float64Array(P * P);
  if (Mhat) {
    for (let i = 0; i < M.length; i++) M[i] = Mhat[i] + (exact ? exact.M[i] : 0);
    symm(M, P);
  }
  let back: Float64Array | undefined;
  if (backward && Khat && B3hat && dhat) {
    const Kp = Khat;
    const dg = dhat;
    if (exact) {
      for (let i = 0; i < Kp.length; i++) Kp[i] += exact.Kp[i];
      // Exact base value of ⟨φ″_α u_α⟩ = Σ_γ C̃_αγ ⟨φ″_α φ_γ⟩.
      for (let a = 0; a < P; a++) {
        let s = 0;
        for (let c = 0; c < P; c++) s += exact.J2[a * P + c] * Ct[a * P + c];
        dg[a] += s;
      }
    }
    back = new Float64Array(P * P);
    for (let i = 0; i < back.length; i++) back[i] = g * Ct[i] * Kp[i] + 2 * g * g * B3hat[i];
    for (let a = 0; a < P; a++) back[a * P + a] += g * dg[a];
    symm(back, P);
  }
  return { M, back, ess, logZ };
}

/** A = diag(w) X for an n×P block. */
function rowScale(A: Float64Array, X: Float64Array, w: Float64Array, n: number, P: number): void {
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    const o = i * P;
    for (let a = 0; a < P; a++) A[o + a] = wi * X[o + a];
  }
}

/** (A + Aᵀ)/2 in place. */
function symm(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
}
