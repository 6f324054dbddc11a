/**
 * Tree level (saddle point) = kernel adaptation (brief §3.5, §4.3): the tilted single-neuron average
 * K̂_ab = g_w ⟨φ(h_a)φ(h_b)⟩_t under N(h; 0, K^x_ext)·exp{(g_w χ/(2N)) (Σ_α t_α φ(h_α))²}, and the
 * residual R(t) = (K̂_tr,tr(t) + κI)t − y with its Jacobian
 * J = K̂ + κI + (g_w²χ/N) Cov_t((t·φ)φ_a, (t·φ)φ_c) (= χH of the one-loop module).
 *
 * Providers:
 * - {@link linearTilt}: exact Gaussian closed form, K̂ = K + (χ/N) K e eᵀK/(1 − (χ/N)tᵀKt) (e = t on train);
 * - {@link erfTilt}: Gauss–Hermite quadrature when train ∪ test is a single point, otherwise
 *   self-normalised importance sampling from the prior with common random numbers (seeded) and the
 *   v → −v symmetrisation; reports the effective sample size.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { expect1d } from "../../engine/quadrature.js";
import { key, normal } from "../../engine/random.js";
import { erf } from "../../engine/special.js";
import { dot, type MultiscaleKernels, matvec } from "./network.js";

/** The tilted average at one (t, χ). */
export interface TiltEvaluation {
  /** Whether the tilted measure is normalisable (positive-definite per-neuron precision). */
  normalisable: boolean;
  /** Margin of the precision condition (linear: 1 − (χ/N)tᵀKt; erf: 1, the tilt is bounded). */
  margin: number;
  /** Adapted kernel K̂ on train ∪ test (n×n); undefined when not normalisable. */
  Khat?: Float64Array;
  /** Jacobian ∂R/∂t (P×P); undefined when not normalisable. */
  J?: Float64Array;
  /** Effective sample size (importance sampling only). */
  ess?: number;
}

/** A tilted-average provider: K̂(t) and the Jacobian of R at scale χ. */
export type TiltProvider = (t: Float64Array, chi: number) => TiltEvaluation;

/** Exact provider for linear φ (Gaussian tilted measure). */
export function linearTilt(ker: MultiscaleKernels, N: number, kappa: number): TiltProvider {
  const { P, n, K, Ktr } = ker;
  return (t, chi) => {
    const w = matvec(Ktr, P, P, t);
    const m = 1 - (chi / N) * dot(t, w);
    if (!(m > 0)) return { normalisable: false, margin: m };
    const we = new Float64Array(n); // K_{·,tr} t on train ∪ test
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let b = 0; b < P; b++) s += K[a * n + b] * t[b];
      we[a] = s;
    }
    const c = chi / (N * m);
    const Khat = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) Khat[a * n + b] = K[a * n + b] + c * we[a] * we[b];
    const J = new Float64Array(P * P);
    const c2 = (2 * chi) / (N * m * m);
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) J[a * P + b] = Ktr[a * P + b] / m + c2 * w[a] * w[b] + (a === b ? kappa : 0);
    return { normalisable: true, margin: m, Khat, J };
  };
}

/** Options of {@link erfTilt}. */
export interface ErfTiltOptions {
  /** Importance samples (before symmetrisation; default 20000). */
  samples?: number;
  /** Seed of the common random numbers (default 0). */
  seed?: number;
  /** Gauss–Hermite order for the single-point case (default 400). */
  order?: number;
}

/** Provider for φ = erf (bounded tilt: always normalisable). */
export function erfTilt(ker: MultiscaleKernels, N: number, kappa: number, opts: ErfTiltOptions = {}): TiltProvider {
  const { P, n, D, Kx, Xext, gw } = ker;
  if (ker.act !== "erf") throw new InputError(`erfTilt needs erf kernels, got ${ker.act}`, "multiscale tree level");
  if (n === 1) {
    const order = opts.order ?? 400;
    const variance = Kx[0];
    return (t, chi) => {
      const c = (gw * chi) / (2 * N);
      const tilt = (h: number) => Math.exp(c * (t[0] * erf(h)) ** 2);
      const Z = expect1d(tilt, { variance, n: order });
      const m2 = expect1d((h) => erf(h) ** 2 * tilt(h), { variance, n: order }) / Z;
      const m4 = expect1d((h) => erf(h) ** 4 * tilt(h), { variance, n: order }) / Z;
      const Khat = Float64Array.of(gw * m2);
      const cov = t[0] * t[0] * (m4 - m2 * m2);
      const J = Float64Array.of(Khat[0] + kappa + ((gw * gw * chi) / N) * cov);
      return { normalisable: true, margin: 1, Khat, J };
    };
  }
  const S = opts.samples ?? 20000;
  const gvD = ker.gv / D;
  const v = normal(key(opts.seed ?? 0), S * D, 0, Math.sqrt(gvD));
  // φ(h) for every sample and point; the −v partner has φ → −φ (erf odd), which leaves (t·φ)² and φφᵀ unchanged,
  // so symmetrisation only matters for odd moments (none are used here) — the samples are used as they are.
  const Phi = new Float64Array(S * n);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < n; a++) {
      let h = 0;
      for (let k = 0; k < D; k++) h += Xext[a * D + k] * v[s * D + k];
      Phi[s * n + a] = erf(h);
    }
  }
  return (t, chi) => {
    const c = (gw * chi) / (2 * N);
    const psi = new Float64Array(S);
    let lmax = -Infinity;
    for (let s = 0; s < S; s++) {
      let p = 0;
      for (let a = 0; a < P; a++) p += t[a] * Phi[s * n + a];
      psi[s] = p;
      lmax = Math.max(lmax, c * p * p);
    }
    const w = new Float64Array(S);
    let W = 0;
    let W2 = 0;
    for (let s = 0; s < S; s++) {
      w[s] = Math.exp(c * psi[s] * psi[s] - lmax);
      W += w[s];
    }
    for (let s = 0; s < S; s++) {
      w[s] /= W;
      W2 += w[s] * w[s];
    }
    const Khat = new Float64Array(n * n);
    const mu = new Float64Array(P); // ⟨ψφ_a⟩
    for (let s = 0; s < S; s++) {
      const ws = w[s];
      const row = s * n;
      for (let a = 0; a < n; a++) {
        const pa = ws * Phi[row + a];
        for (let b = 0; b <= a; b++) Khat[a * n + b] += pa * Phi[row + b];
      }
      for (let a = 0; a < P; a++) mu[a] += ws * psi[s] * Phi[row + a];
    }
    for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) Khat[b * n + a] = Khat[a * n + b] = gw * Khat[a * n + b];
    const J = new Float64Array(P * P);
    const cj = (gw * gw * chi) / N;
    for (let s = 0; s < S; s++) {
      const ws = w[s] * psi[s] * psi[s];
      const row = s * n;
      for (let a = 0; a < P; a++) {
        const pa = ws * Phi[row + a];
        for (let b = 0; b <= a; b++) J[a * P + b] += pa * Phi[row + b];
      }
    }
    for (let a = 0; a < P; a++)
      for (let b = 0; b <= a; b++) {
        const cov = J[a * P + b] - mu[a] * mu[b];
        const val = Khat[a * n + b] + (a === b ? kappa : 0) + cj * cov;
        J[a * P + b] = J[b * P + a] = val;
      }
    return { normalisable: true, margin: 1, Khat, J, ess: 1 / W2 };
  };
}

/** Extracts the P×P train block of an n×n matrix. */
export function trainBlock(A: Float64Array, n: number, P: number): Float64Array {
  const B = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) B[a * P + b] = A[a * n + b];
  return B;
}
