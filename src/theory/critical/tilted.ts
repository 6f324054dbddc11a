/**
 * Tilted single-neuron expectations (brief §3.6, §4.4). Under layer l's tilted measure
 *
 *   p̃_l(h) ∝ N(h; 0, C^(l−1)) · exp{ g_l φ(h)ᵀ C̃^(l) φ(h) },   h ∈ ℝ^P,
 *
 * the forward map is C^(l) = g_l⟨φφᵀ⟩_l + g_b and the backward map is
 *
 *   C̃^(l−1)_{αβ} = g C̃_{αβ}⟨φ′_αφ′_β⟩ + g δ_{αβ}⟨φ″_α u_α⟩ + 2g²⟨φ′_α u_α φ′_β u_β⟩,   u = C̃φ.
 *
 * Every expectation is a weighted sum over a point set of N(0, C^(l−1)) ("base points"): a tensor
 * Gauss–Hermite grid (deterministic, P ≤ 4) or a fixed set of S Monte-Carlo samples h = Z Lᵀ
 * (importance sampling with common random numbers, Z drawn once from a seeded key). The tilt
 * multiplies the weights by exp(gφᵀC̃φ) (max-subtracted) and renormalises; the effective sample size
 * 1/Σw² is reported. The same point sets give W_l, the dense fluctuation tensor V and V : C̃.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { gaussHermite } from "../../engine/quadrature.js";
import { gaussianMatrix, type Key } from "../../engine/random.js";
import type { Activation } from "../../kernels/index.js";
import { pinvPSD, psdFactor } from "./mat.js";

/** Which quadrature of the P-dimensional tilted integral. */
export type TiltedBackend = "gauss-hermite" | "importance";

/** Options of {@link basePoints}. */
export interface PointOptions {
  backend: TiltedBackend;
  /** Gauss–Hermite nodes per dimension (default 80 for P ≤ 2, 30 for P = 3, 14 for P = 4). */
  ghOrder?: number;
  /** Number of samples S of the importance-sampling backend (default 100 000). */
  samples?: number;
  /** Key of the common random numbers Z (importance backend; required there). */
  key?: Key;
}

/** A weighted point set {h_i, w_i} representing N(0, C): Σ_i e^{logw0_i} f(h_i) ≈ E f(h). */
export interface PointSet {
  P: number;
  n: number;
  /** n×P row-major points. */
  H: Float64Array;
  /** Log base weights (sum of exp = 1). */
  logw0: Float64Array;
}

const MAX_GRID = 2_000_000;

/** Default Gauss–Hermite order for P dimensions. */
export function defaultGhOrder(P: number): number {
  return P <= 1 ? 120 : P === 2 ? 80 : P === 3 ? 30 : 14;
}

/** Standard-normal point set in P dimensions (z-space): a tensor GH grid or S samples from `key`. */
export function standardPoints(P: number, opts: PointOptions): { Z: Float64Array; logw0: Float64Array; n: number } {
  if (opts.backend === "gauss-hermite") {
    const q = opts.ghOrder ?? defaultGhOrder(P);
    const n = q ** P;
    if (!(n <= MAX_GRID))
      throw new InputError(`a ${q}^${P} Gauss–Hermite grid has ${n} points (> ${MAX_GRID}); use the importance backend for P = ${P}`, "tilted expectations");
    const { nodes, weights } = gaussHermite(q);
    const Z = new Float64Array(n * P);
    const logw0 = new Float64Array(n);
    const idx = new Int32Array(P);
    for (let i = 0; i < n; i++) {
      let lw = 0;
      for (let k = 0; k < P; k++) {
        Z[i * P + k] = nodes[idx[k]];
        lw += Math.log(weights[idx[k]]);
      }
      logw0[i] = lw;
      for (let k = P - 1; k >= 0; k--) {
        if (++idx[k] < q) break;
        idx[k] = 0;
      }
    }
    return { Z, logw0, n };
  }
  if (opts.backend === "importance") {
    if (opts.key === undefined) throw new InputError("the importance backend needs a key (seed)", "tilted expectations");
    const S = opts.samples ?? 100_000;
    if (!Number.isInteger(S) || S < 10) throw new InputError(`samples must be an integer ≥ 10, got ${S}`, "tilted expectations");
    const Z = gaussianMatrix(opts.key, S, P);
    return { Z, logw0: new Float64Array(S).fill(-Math.log(S)), n: S };
  }
  throw new InputError(`unknown tilted backend "${opts.backend as string}" (gauss-hermite, importance)`, "tilted expectations");
}

/**
 * Maps standard points to N(0, C): h_i = F z_i with C = FFᵀ — the Cholesky factor when C is positive
 * definite, else an eigen-factor (a singular but PSD C, e.g. an input kernel with P > d, is allowed;
 * a non-PSD C is a NumericalError).
 */
export function mapPoints(std: { Z: Float64Array; logw0: Float64Array; n: number }, C: Float64Array, P: number, what: string): PointSet {
  const L = psdFactor(C, P, what);
  const H = new Float64Array(std.n * P);
  for (let i = 0; i < std.n; i++)
    for (let a = 0; a < P; a++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += L[a * P + k] * std.Z[i * P + k];
      H[i * P + a] = s;
    }
  return { P, n: std.n, H, logw0: std.logw0 };
}

/** φ, φ′ (and φ″ when available) at every point. */
interface Feats {
  phi: Float64Array;
  dphi: Float64Array;
  d2phi?: Float64Array;
}

function feats(act: Activation, ps: PointSet, second: boolean): Feats {
  const m = ps.n * ps.P;
  const phi = new Float64Array(m);
  const dphi = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    phi[i] = act.phi(ps.H[i]);
    dphi[i] = act.dphi(ps.H[i]);
  }
  let d2phi: Float64Array | undefined;
  if (second) {
    if (act.d2phi === undefined)
      throw new InputError(`activation "${act.spec}" has no φ″: the backward map needs a smooth activation (erf, tanh, linear, …)`, "tilted expectations");
    d2phi = new Float64Array(m);
    for (let i = 0; i < m; i++) d2phi[i] = act.d2phi(ps.H[i]);
  }
  return { phi, dphi, d2phi };
}

/** Result of {@link tiltedLayer}. */
export interface TiltedResult {
  /** ⟨φφᵀ⟩ under the tilted measure. */
  M: Float64Array;
  /** The backward map ∂W/∂C (only when asked). */
  back?: Float64Array;
  /** Effective sample size 1/Σw² (normalised weights). */
  ess: number;
  /** Normalised weights (for test-point extensions). */
  w: Float64Array;
  /** φ at every point (n×P). */
  phi: Float64Array;
  /** ln Σ_i w0_i exp(E_i) = ln⟨exp(gφᵀC̃φ)⟩_C. */
  logZ: number;
}

/**
 * Tilted moments of one layer: M = ⟨φφᵀ⟩_l and optionally the backward map
 * B = ∂W_l/∂C^(l−1) (brief §3.6), from a point set of N(0, C^(l−1)).
 */
export function tiltedLayer(act: Activation, ps: PointSet, g: number, Ct: Float64Array, opts: { backward?: boolean } = {}): TiltedResult {
  const { P, n } = ps;
  const f = feats(act, ps, !!opts.backward);
  const u = new Float64Array(n * P);
  const logw = new Float64Array(n);
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    let E = 0;
    for (let a = 0; a < P; a++) {
      let s = 0;
      for (let b = 0; b < P; b++) s += Ct[a * P + b] * f.phi[i * P + b];
      u[i * P + a] = s;
      E += f.phi[i * P + a] * s;
    }
    logw[i] = ps.logw0[i] + g * E;
    if (logw[i] > mx) mx = logw[i];
  }
  if (!Number.isFinite(mx)) throw new NumericalError("tilted measure: non-finite exponent gφᵀC̃φ (the conjugate kernel diverged)");
  let Zs = 0;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = Math.exp(logw[i] - mx);
    Zs += w[i];
  }
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    w[i] /= Zs;
    s2 += w[i] * w[i];
  }
  const M = new Float64Array(P * P);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    const o = i * P;
    for (let a = 0; a < P; a++) {
      const x = wi * f.phi[o + a];
      for (let b = a; b < P; b++) M[a * P + b] += x * f.phi[o + b];
    }
  }
  for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) M[a * P + b] = M[b * P + a];
  let back: Float64Array | undefined;
  if (opts.backward) {
    const d2 = f.d2phi as Float64Array;
    back = new Float64Array(P * P);
    const Kp = new Float64Array(P * P);
    const diag = new Float64Array(P);
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      const o = i * P;
      for (let a = 0; a < P; a++) {
        const da = f.dphi[o + a];
        const ga = da * u[o + a];
        diag[a] += wi * d2[o + a] * u[o + a];
        for (let b = a; b < P; b++) {
          const db = f.dphi[o + b];
          Kp[a * P + b] += wi * da * db;
          back[a * P + b] += wi * ga * db * u[o + b];
        }
      }
    }
    for (let a = 0; a < P; a++) {
      for (let b = a; b < P; b++) {
        const v = g * Ct[a * P + b] * Kp[a * P + b] + 2 * g * g * back[a * P + b] + (a === b ? g * diag[a] : 0);
        back[a * P + b] = v;
        back[b * P + a] = v;
      }
    }
  }
  return { M, back, ess: 1 / s2, w, phi: f.phi, logZ: mx + Math.log(Zs) };
}

/** The single-neuron cumulant generating function W(C̃ | C) = g_b Σ C̃ + ln⟨exp(gφᵀC̃φ)⟩_C (§3.4), on a point set of N(0, C). */
export function cumulantW(act: Activation, ps: PointSet, g: number, gb: number, Ct: Float64Array): number {
  let s = 0;
  for (let i = 0; i < Ct.length; i++) s += Ct[i];
  return gb * s + tiltedLayer(act, ps, g, Ct).logZ;
}

/**
 * Dense fluctuation tensor V_{αβ,γδ} = g²[⟨φ_αφ_βφ_γφ_δ⟩ − ⟨φ_αφ_β⟩⟨φ_γφ_δ⟩] under N(0, C) (§3.4),
 * as a P²×P² row-major matrix, from a point set (GH grid: deterministic; samples: Monte Carlo).
 */
export function fluctuationDense(act: Activation, ps: PointSet, g: number): Float64Array {
  const { P, n } = ps;
  const m = P * P;
  const V = new Float64Array(m * m);
  const mean = new Float64Array(m);
  const f = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const wi = Math.exp(ps.logw0[i]);
    if (wi === 0) continue;
    for (let a = 0; a < P; a++) {
      const pa = act.phi(ps.H[i * P + a]);
      for (let b = 0; b < P; b++) f[a * P + b] = pa * act.phi(ps.H[i * P + b]);
    }
    for (let r = 0; r < m; r++) {
      const x = wi * f[r];
      mean[r] += x;
      for (let c = r; c < m; c++) V[r * m + c] += x * f[c];
    }
  }
  const g2 = g * g;
  for (let r = 0; r < m; r++)
    for (let c = r; c < m; c++) {
      const v = g2 * (V[r * m + c] - mean[r] * mean[c]);
      V[r * m + c] = v;
      V[c * m + r] = v;
    }
  return V;
}

/** Wick closed form for φ(x) = x: V_{αβ,γδ} = g²(C_αγC_βδ + C_αδC_βγ). */
export function fluctuationWick(C: Float64Array, P: number, g: number): Float64Array {
  const m = P * P;
  const V = new Float64Array(m * m);
  const g2 = g * g;
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++)
      for (let c = 0; c < P; c++) for (let d = 0; d < P; d++) V[(a * P + b) * m + c * P + d] = g2 * (C[a * P + c] * C[b * P + d] + C[a * P + d] * C[b * P + c]);
  return V;
}

/** Dense P²×P² matrix times a P×P matrix (as a vector): (V : C̃)_{αβ} = Σ_{γδ} V_{αβ,γδ} C̃_{γδ}. */
export function contract(V: Float64Array, Ct: Float64Array, P: number): Float64Array {
  const m = P * P;
  const out = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let c = 0; c < m; c++) s += V[r * m + c] * Ct[c];
    out[r] = s;
  }
  return out;
}

/**
 * Extends a layer's tilted forward map to test points (§3.10): with h_* | h_D ~ N(A h_D, s²),
 * A = C_{*D}C_{DD}⁻¹, s² = C_{**} − A C_{D*}, returns ⟨φ(h_*)φ(h_α)⟩_l (Pt×P) and ⟨φ(h_*)²⟩_l (Pt);
 * the inner Gaussian integral over h_* uses a 1-D Gauss–Hermite rule of `inner` nodes.
 */
export function tiltedTestExtension(
  act: Activation,
  ps: PointSet,
  tr: TiltedResult,
  CDD: Float64Array,
  cross: Float64Array,
  testDiag: Float64Array,
  Pt: number,
  inner = 64,
): { cross: Float64Array; diag: Float64Array } {
  const { P, n } = ps;
  const Ci = pinvPSD(CDD, P, "train block of the previous kernel");
  const { nodes, weights } = gaussHermite(inner);
  const outC = new Float64Array(Pt * P);
  const outD = new Float64Array(Pt);
  for (let s = 0; s < Pt; s++) {
    // A = C_{*D} C_DD⁺, q = A C_{D*}.
    const A = new Float64Array(P);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) A[a] += cross[s * P + b] * Ci[b * P + a];
    let q = 0;
    for (let a = 0; a < P; a++) q += A[a] * cross[s * P + a];
    const s2 = testDiag[s] - q;
    if (s2 < -1e-10 * Math.max(1, testDiag[s]))
      throw new NumericalError(`test point ${s}: the extended kernel is not positive semidefinite (conditional variance ${s2})`);
    const sd = Math.sqrt(Math.max(s2, 0));
    for (let i = 0; i < n; i++) {
      const wi = tr.w[i];
      if (wi === 0) continue;
      let mu = 0;
      for (let a = 0; a < P; a++) mu += A[a] * ps.H[i * P + a];
      let e1 = 0;
      let e2 = 0;
      for (let j = 0; j < inner; j++) {
        const v = act.phi(mu + sd * nodes[j]);
        e1 += weights[j] * v;
        e2 += weights[j] * v * v;
      }
      for (let a = 0; a < P; a++) outC[s * P + a] += wi * e1 * tr.phi[i * P + a];
      outD[s] += wi * e2;
    }
  }
  return { cross: outC, diag: outD };
}
