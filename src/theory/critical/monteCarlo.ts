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
 * kept and weighted once the normaliser is known. H = Z Fᵀ and Φ depend on C only and are cached per
 * sample set (`layerFeatures`), so a call whose C equals the previous one's skips the sample GEMM and
 * the φ pass (in the MAP iteration: every call but one per layer and iteration). Per call: U = ΦC̃ (a
 * GEMM of S×P×P), and each weighted sum Σ_i c_i x_i x_iᵀ as syrks (rows with c_i > 0 and c_i < 0
 * scaled by √|c_i| into two syrks, the second subtracted: half a GEMM's flops) — M forward,
 * ⟨φ′φ′ᵀ⟩ and ⟨(φ′∘u)(φ′∘u)ᵀ⟩ backward. *online* (larger S·P): O(block·P) memory, GEMMs throughout,
 * the control variate's base sums need their own (4 forward, 6 backward). erf and φ′ of erf run in the
 * addon when present (`critErf`, native/critical.cc; within an ulp of the TypeScript functions).
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { loadAddon } from "../../engine/linalg/backend.js";
import { backend, symmetrizeFromLower } from "../../engine/linalg.js";
import { gaussianMatrix, type Key } from "../../engine/random.js";
import type { Activation } from "../../kernels/index.js";
import { ACT_CODES, loadNNAddon } from "../../nn/native.js";
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
  const { S, P } = std;
  if (C.length !== P * P || Ct.length !== P * P) throw new InputError(`kernels must be ${P}×${P}`, "tilted expectations");
  const backward = !!opts.backward;
  const cv = opts.controlVariate ?? true;
  if (backward && act.d2phi === undefined)
    throw new InputError(`activation "${act.spec}" has no φ″: the backward map needs a smooth activation (erf, tanh, linear, …)`, "tilted expectations");
  const B = Math.max(1, Math.min(S, opts.block ?? 1024));
  if (!Number.isInteger(B)) throw new InputError(`block must be an integer ≥ 1, got ${opts.block}`, "tilted expectations");
  const what = opts.what ?? "C^(l−1)";
  // Stored mode: keep the S×P feature arrays (cached per sample set and C, see `layerFeatures`) and
  // weight them once the normaliser is known; else the online mode (block accumulators rescaled as
  // the running maximum of E grows). Same numbers up to rounding.
  const r =
    S * P <= (opts.maxStored ?? 8_000_000) ? storedSums(act, std, C, g, Ct, backward, cv, B, what) : onlineSums(act, std, C, g, Ct, backward, cv, B, what);
  const { Mhat, Khat, dhat, B3hat } = r;
  const ess = (r.Zs * r.Zs) / r.Z2;
  const logZ = r.mx + Math.log(r.Zs / S);
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

/**
 * The normalised estimates of one call ("hat": Σ (w_i − 1/S) f_i with the control variate, else
 * Σ w_i f_i; B3hat always Σ w_i f_i), with the normaliser Zs = Σ e^{E_i − mx}, Z2 = Σ e^{2(E_i − mx)}.
 */
interface MCSums {
  Mhat: Float64Array | null;
  Khat: Float64Array | null;
  dhat: Float64Array | null;
  B3hat: Float64Array | null;
  mx: number;
  Zs: number;
  Z2: number;
}

/**
 * The S×P features of one sample set under one C^(l−1), kept between calls: H = Z Fᵀ, Φ = φ(H) and,
 * once a backward call asked for them, Φ′ = φ′(H); plus scratch arrays of the backward map. They
 * depend on C only (not on C̃), so the MAP iteration reuses them: layer 2's C^(1) never changes,
 * and the backward map of layer l at iteration t + 1 sees the C^(l−1) the forward map of iteration t
 * produced. A call with a different C (compared
 * entry by entry) or activation recomputes them in place. Held per sample set in a WeakMap, so they
 * live as long as the StandardSamples object: up to five S×P arrays (H, Φ, and for the backward map
 * Φ′, φ′∘U, φ″∘U) besides Z itself.
 */
interface LayerFeatures {
  spec: string;
  C: Float64Array;
  H: Float64Array;
  Phi: Float64Array;
  Dp: Float64Array | null;
  /** Whether Dp holds φ′(H) of the current C (the array is kept across C changes). */
  dpValid: boolean;
  Q: Float64Array | null;
  X: Float64Array | null;
  Pos: Float64Array | null;
  Neg: Float64Array | null;
}

const featureCache = new WeakMap<StandardSamples, LayerFeatures>();

/** `critErf(n, s, H, F, D)` of native/critical.cc: F = erf(s·H), D = s(2/√π)e^{−(sH)²} (either may be null). */
type CritErf = (n: number, s: number, H: Float64Array, F: Float64Array | null, D: Float64Array | null) => void;

/** The row loops of native/critical.cc (bit-identical to the TypeScript loops they replace). */
interface CritLoops {
  /** E_i = g Σ_a Φ_ia U_ia (returns max E); with Dp: Q = Dp∘U, X = k2·H∘Q. */
  critRows(
    n: number,
    P: number,
    g: number,
    k2: number,
    Phi: Float64Array,
    U: Float64Array,
    E: Float64Array,
    Dp: Float64Array | null,
    H: Float64Array | null,
    Q: Float64Array | null,
    X: Float64Array | null,
  ): number;
  /** Rows with coef > 0 (×√coef) packed into Pos, coef < 0 (×√−coef) into Neg; returns [n+, n−]. */
  critGather(n: number, P: number, coef: Float64Array, Xs: Float64Array, Pos: Float64Array, Neg: Float64Array): [number, number];
}

let loops: CritLoops | null | undefined;
function nativeLoops(): CritLoops | null {
  if (loops === undefined) {
    const addon = process.env.FEATURELAB_BACKEND === "js" ? null : loadAddon();
    loops = addon && typeof addon.critRows === "function" && typeof addon.critGather === "function" ? (addon as unknown as CritLoops) : null;
  }
  return loops;
}

/**
 * The addon's erf kernel: critErf (native/critical.cc, libmvec's AVX2 erf/exp where present), else
 * the older nnAct of native/nn.cc; null without the addon or with FEATURELAB_BACKEND=js.
 */
let erfKernel: { crit: CritErf | null; nn: ReturnType<typeof loadNNAddon> } | null | undefined;
function nativeErf(): typeof erfKernel {
  if (erfKernel === undefined) {
    const addon = process.env.FEATURELAB_BACKEND === "js" ? null : loadAddon();
    const crit = addon && typeof addon.critErf === "function" ? (addon.critErf as CritErf) : null;
    const nn = crit ? null : loadNNAddon();
    erfKernel = crit || nn ? { crit, nn } : null;
  }
  return erfKernel;
}

/**
 * Phi = φ(H), Dp = φ′(H) (either may be null) on the first `rows`·P entries. erf runs natively when
 * the addon is there (C library / libmvec erf and exp, within an ulp of the TypeScript path).
 */
function evalAct(act: Activation, H: Float64Array, rows: number, P: number, Phi: Float64Array | null, Dp: Float64Array | null): void {
  const m = rows * P;
  const k = act.name === "erf" ? nativeErf() : null;
  const s = act.params.scale ?? 1;
  if (k?.crit) {
    k.crit(m, s, H, Phi, Dp);
    return;
  }
  if (k?.nn) {
    k.nn.nnAct(ACT_CODES.erf, s, rows, P, H, null, 0, Phi, Dp);
    return;
  }
  if (Phi) for (let i = 0; i < m; i++) Phi[i] = act.phi(H[i]);
  if (Dp) for (let i = 0; i < m; i++) Dp[i] = act.dphi(H[i]);
}

/** X = φ″(H) ∘ U on m entries (erf: φ″(h) = −2s²h φ′(h) from the stored φ′). */
function d2Times(act: Activation, H: Float64Array, Dp: Float64Array, U: Float64Array, X: Float64Array, m: number): void {
  if (act.name === "erf") {
    const s = act.params.scale ?? 1;
    const k = -2 * s * s;
    for (let i = 0; i < m; i++) X[i] = k * H[i] * Dp[i] * U[i];
    return;
  }
  const d2 = act.d2phi as (x: number) => number;
  for (let i = 0; i < m; i++) X[i] = d2(H[i]) * U[i];
}

function sameEntries(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The cached features of `std` under C (recomputed when C or the activation changed). */
function layerFeatures(act: Activation, std: StandardSamples, C: Float64Array, B: number, what: string): LayerFeatures {
  const { S, P, Z } = std;
  let f = featureCache.get(std);
  if (f && f.spec === act.spec && sameEntries(f.C, C)) return f;
  const F = psdFactor(C, P, what);
  if (!f) {
    f = {
      spec: act.spec,
      C: C.slice(),
      H: new Float64Array(S * P),
      Phi: new Float64Array(S * P),
      Dp: null,
      dpValid: false,
      Q: null,
      X: null,
      Pos: null,
      Neg: null,
    };
    featureCache.set(std, f);
  } else {
    f.spec = act.spec;
    f.C.set(C);
    f.dpValid = false;
  }
  const blas = backend();
  for (let r0 = 0; r0 < S; r0 += B) {
    const n = Math.min(B, S - r0);
    // H = Z_b Fᵀ (n×P).
    blas.gemm(false, true, n, P, P, 1, Z.subarray(r0 * P, (r0 + n) * P), P, F, P, 0, f.H.subarray(r0 * P, (r0 + n) * P), P);
  }
  evalAct(act, f.H, S, P, f.Phi, null);
  return f;
}

/** Stored mode: features from the cache, exponents E_i, then the weighted sums (syrk on √|coef_i| x_i). */
function storedSums(
  act: Activation,
  std: StandardSamples,
  C: Float64Array,
  g: number,
  Ct: Float64Array,
  backward: boolean,
  cv: boolean,
  B: number,
  what: string,
): MCSums {
  const { S, P } = std;
  const blas = backend();
  const f = layerFeatures(act, std, C, B, what);
  if (backward && !f.dpValid) {
    if (!f.Dp) f.Dp = new Float64Array(S * P);
    evalAct(act, f.H, S, P, null, f.Dp);
    f.dpValid = true;
  }
  if (backward) {
    if (!f.Q) f.Q = new Float64Array(S * P);
    if (!f.X) f.X = new Float64Array(S * P);
  }
  const { H, Phi, Dp, Q, X } = f;
  const U = new Float64Array(B * P);
  const EAll = new Float64Array(S);
  const k2 = act.name === "erf" ? -2 * (act.params.scale ?? 1) ** 2 : 0;
  const nl = nativeLoops();
  let mx = -Infinity;
  for (let r0 = 0; r0 < S; r0 += B) {
    const n = Math.min(B, S - r0);
    const m = n * P;
    const o0 = r0 * P;
    const Phib = Phi.subarray(o0, o0 + m);
    // U = Φ C̃ (C̃ symmetric).
    blas.gemm(false, false, n, P, P, 1, Phib, P, Ct, P, 0, U, P);
    let bmx = -Infinity;
    // E_i = g φ_iᵀu_i; backward: Q = φ′∘U and X = φ″∘U (erf: φ″ = −2s²hφ′, fused into one pass).
    const fused = backward && k2 !== 0 && Dp && Q && X;
    if (nl && (fused || !backward)) {
      const sub = (A: Float64Array | null) => (fused && A ? A.subarray(o0, o0 + m) : null);
      bmx = nl.critRows(n, P, g, k2, Phib, U, EAll.subarray(r0, r0 + n), sub(Dp), sub(H), sub(Q), sub(X));
    } else
      for (let i = 0; i < n; i++) {
        let e = 0;
        const o = i * P;
        if (fused) {
          const oo = o0 + o;
          for (let a = 0; a < P; a++) {
            const u = U[o + a];
            e += Phib[o + a] * u;
            const q = Dp[oo + a] * u;
            Q[oo + a] = q;
            X[oo + a] = k2 * H[oo + a] * q;
          }
        } else for (let a = 0; a < P; a++) e += Phib[o + a] * U[o + a];
        e *= g;
        EAll[r0 + i] = e;
        if (e > bmx) bmx = e;
      }
    if (!Number.isFinite(bmx)) throw new NumericalError("tilted measure: non-finite exponent gφᵀC̃φ (the conjugate kernel diverged)");
    if (bmx > mx) mx = bmx;
    if (backward && !fused && Dp && Q && X) {
      for (let i = 0; i < m; i++) Q[o0 + i] = Dp[o0 + i] * U[i];
      d2Times(act, H.subarray(o0, o0 + m), Dp.subarray(o0, o0 + m), U, X.subarray(o0, o0 + m), m);
    }
  }
  let Zs = 0;
  let Z2 = 0;
  const wn = new Float64Array(S);
  for (let i = 0; i < S; i++) {
    const w = Math.exp(EAll[i] - mx);
    wn[i] = w;
    Zs += w;
    Z2 += w * w;
  }
  for (let i = 0; i < S; i++) wn[i] /= Zs;
  const inv = 1 / S;
  const c = cv ? wn.map((w) => w - inv) : wn;
  // The gram passes gather rows in larger blocks (syrk is more efficient with a longer k).
  const G = Math.min(S, Math.max(B, 4096));
  if (!f.Pos || f.Pos.length < G * P) {
    f.Pos = new Float64Array(G * P);
    f.Neg = new Float64Array(G * P);
  }
  const Pos = f.Pos;
  const Neg = f.Neg as Float64Array;
  /**
   * Σ_i coef_i x_i x_iᵀ over the stored rows, full symmetric: per block the rows with coef_i > 0,
   * scaled by √coef_i, go into one syrk and those with coef_i < 0, scaled by √−coef_i, into another
   * (subtracted) — one syrk's worth of flops (half a GEMM) for signed weights.
   */
  const gram = (Xs: Float64Array, coef: Float64Array) => {
    const out = new Float64Array(P * P);
    for (let r0 = 0; r0 < S; r0 += G) {
      const n = Math.min(G, S - r0);
      let np = 0;
      let nm = 0;
      if (nl) [np, nm] = nl.critGather(n, P, coef.subarray(r0, r0 + n), Xs.subarray(r0 * P, (r0 + n) * P), Pos, Neg);
      else
        for (let i = 0; i < n; i++) {
          const ci = coef[r0 + i];
          if (ci === 0) continue;
          const sc = Math.sqrt(Math.abs(ci));
          const src = (r0 + i) * P;
          const dst = ci > 0 ? Pos : Neg;
          const o = (ci > 0 ? np++ : nm++) * P;
          for (let a = 0; a < P; a++) dst[o + a] = sc * Xs[src + a];
        }
      if (np > 0) blas.syrk(true, P, np, 1, Pos, P, 1, out, P);
      if (nm > 0) blas.syrk(true, P, nm, -1, Neg, P, 1, out, P);
    }
    symmetrizeFromLower(out, P);
    return out;
  };
  let Mhat: Float64Array | null = null;
  let Khat: Float64Array | null = null;
  let dhat: Float64Array | null = null;
  let B3hat: Float64Array | null = null;
  if (!backward) {
    Mhat = gram(Phi, c);
  } else if (Dp && Q && X) {
    Khat = gram(Dp, c);
    B3hat = gram(Q, wn);
    // dhat = Xᵀc.
    dhat = new Float64Array(P);
    blas.gemv(true, S, P, 1, X, P, c, 0, dhat);
  }
  return { Mhat, Khat, dhat, B3hat, mx, Zs, Z2 };
}

/** Online mode: O(block·P) memory, accumulators rescaled as the running maximum of E grows. */
function onlineSums(
  act: Activation,
  std: StandardSamples,
  C: Float64Array,
  g: number,
  Ct: Float64Array,
  backward: boolean,
  cv: boolean,
  B: number,
  what: string,
): MCSums {
  const { S, P, Z } = std;
  const blas = backend();
  const F = psdFactor(C, P, what);
  const H = new Float64Array(B * P);
  const Phi = new Float64Array(B * P);
  const U = new Float64Array(B * P);
  const Dp = backward ? new Float64Array(B * P) : null;
  const Q = backward ? new Float64Array(B * P) : null;
  const X = backward ? new Float64Array(B * P) : null;
  const A = new Float64Array(B * P);
  const E = new Float64Array(B);
  // Accumulators scaled by exp(−mx): tilted sums T*, and (control variate) base sums (1/S)Σ f.
  const TM = !backward ? new Float64Array(P * P) : null;
  const TK = backward ? new Float64Array(P * P) : null;
  const TB3 = backward ? new Float64Array(P * P) : null;
  const Td = backward ? new Float64Array(P) : null;
  const BM = cv && !backward ? new Float64Array(P * P) : null;
  const BK = cv && backward ? new Float64Array(P * P) : null;
  const Bd = cv && backward ? new Float64Array(P) : null;
  let mx = -Infinity;
  let Zs = 0; // Σ e^{E_i − mx}
  let Z2 = 0; // Σ e^{2(E_i − mx)}
  const scaleAll = (f: number) => {
    for (const arr of [TM, TK, TB3, Td]) if (arr) for (let i = 0; i < arr.length; i++) arr[i] *= f;
  };
  for (let r0 = 0; r0 < S; r0 += B) {
    const n = Math.min(B, S - r0);
    const m = n * P;
    // H = Z_b Fᵀ (n×P).
    blas.gemm(false, true, n, P, P, 1, Z.subarray(r0 * P, r0 * P + m), P, F, P, 0, H, P);
    evalAct(act, H, n, P, Phi, Dp);
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
    if (Dp && Q && X) {
      for (let i = 0; i < m; i++) Q[i] = Dp[i] * U[i];
      d2Times(act, H, Dp, U, X, m);
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
  const inv = 1 / Zs;
  const hat = (T: Float64Array | null, Bs: Float64Array | null) => (T ? T.map((v, i) => v * inv - (Bs ? Bs[i] : 0)) : null);
  return { Mhat: hat(TM, BM), Khat: hat(TK, BK), dhat: hat(Td, Bd), B3hat: hat(TB3, null), mx, Zs, Z2 };
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
