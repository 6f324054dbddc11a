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
import { backend, eigh, type SymEig } from "../../engine/linalg.js";
import { expect1d } from "../../engine/quadrature.js";
import { key, normal } from "../../engine/random.js";
import { erf } from "../../engine/special.js";
import { dot, type MultiscaleKernels } from "./network.js";

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
  /** K̂_tr,tr t (P), when the provider has it cheaper than forming K̂ (the residual is then O(P)). */
  KhatT?: Float64Array;
  /**
   * J is symmetric positive definite (K̂ + κI plus a covariance), so the Newton step may use Cholesky
   * instead of LU (with an LU fallback should the factorisation meet a non-positive pivot in rounding).
   */
  jacobianSPD?: boolean;
  /**
   * The Newton step J⁻¹R by a structured factorisation, when the provider has one; undefined when
   * that factorisation fails (the caller then factorises J itself).
   */
  solveJacobian?: (R: Float64Array) => Float64Array | undefined;
}

/** A tilted-average provider: K̂(t) and the Jacobian of R at scale χ. */
export type TiltProvider = (t: Float64Array, chi: number) => TiltEvaluation;

/**
 * Exact provider for linear φ (Gaussian tilted measure). With w = K_tr,tr t and m = 1 − (χ/N) tᵀw,
 * K̂_tr,tr t = w + (χ/(Nm)) w (wᵀt) = w/m, so the residual needs one matrix–vector product
 * (returned as `KhatT`; it is also better conditioned than forming K̂ first, whose rank-one term
 * grows like 1/m). K̂ (n×n) and J (P×P) are built only when read (K̂ once per reported point), not at
 * every line-search trial; the Newton step never forms J: it is
 * solved in the eigenbasis of K (one eigendecomposition per provider, shared through eigh's cache)
 * with a Sherman–Morrison rank-one correction, O(P²) per step instead of an O(P³) factorisation.
 */
export function linearTilt(ker: MultiscaleKernels, N: number, kappa: number): TiltProvider {
  const { P, n, K, Ktr } = ker;
  const blas = backend();
  let eig: SymEig | undefined;
  const spectrum = () => {
    eig ??= eigh(Ktr, P, { where: "train kernel K" });
    return eig;
  };
  return (t, chi) => {
    const w = new Float64Array(P);
    blas.gemv(false, P, P, 1, Ktr, P, t, 0, w);
    const m = 1 - (chi / N) * dot(t, w);
    if (!(m > 0)) return { normalisable: false, margin: m };
    const KhatT = new Float64Array(P);
    for (let a = 0; a < P; a++) KhatT[a] = w[a] / m;
    let Khat: Float64Array | undefined;
    let J: Float64Array | undefined;
    return {
      normalisable: true,
      margin: m,
      KhatT,
      jacobianSPD: true,
      // J = (1/m)[K + mκI + c w wᵀ] (c = 2χ/(Nm)), so J⁻¹R = m (K + mκI + c w wᵀ)⁻¹ R. With K = U diag(k) Uᵀ
      // (one eigendecomposition per provider) and d = k + mκ > 0, Sherman–Morrison gives, in the eigenbasis,
      // z = d⁻¹R̂ − d⁻¹ŵ · c ŵᵀd⁻¹R̂ / (1 + c ŵᵀd⁻¹ŵ) (R̂ = UᵀR, ŵ = Uᵀw): one P×2 GEMM and one matrix–vector product, no factorisation.
      solveJacobian: (R) => {
        let sp: SymEig;
        try {
          sp = spectrum();
        } catch {
          return undefined; // the caller factorises J instead
        }
        const { vectors: U, values: k } = sp;
        // [R̂ ŵ] = Uᵀ[R w] in one GEMM (one pass over U instead of two matrix–vector products)
        const Rw = new Float64Array(2 * P);
        for (let a = 0; a < P; a++) {
          Rw[2 * a] = R[a];
          Rw[2 * a + 1] = w[a];
        }
        const hat = new Float64Array(2 * P);
        blas.gemm(true, false, P, 2, P, 1, U, P, Rw, 2, 0, hat, 2);
        const Rh = new Float64Array(P);
        const c = (2 * chi) / (N * m);
        let wdR = 0;
        let wdw = 0;
        for (let j = 0; j < P; j++) {
          const id = 1 / (k[j] + m * kappa);
          const wj = hat[2 * j + 1];
          Rh[j] = hat[2 * j] * id;
          wdR += wj * Rh[j];
          wdw += wj * wj * id;
        }
        const g = (c * wdR) / (1 + c * wdw);
        for (let j = 0; j < P; j++) Rh[j] = m * (Rh[j] - (g * hat[2 * j + 1]) / (k[j] + m * kappa));
        const x = new Float64Array(P);
        blas.gemv(false, P, P, 1, U, P, Rh, 0, x);
        for (let a = 0; a < P; a++) if (!Number.isFinite(x[a])) return undefined;
        return x;
      },
      get Khat(): Float64Array {
        if (Khat) return Khat;
        const we = new Float64Array(n); // K_{·,tr} t on train ∪ test (= w on train)
        we.set(w);
        if (n > P) blas.gemv(false, n - P, P, 1, K.subarray(P * n), n, t, 0, we.subarray(P));
        const c = chi / (N * m);
        Khat = new Float64Array(n * n);
        for (let a = 0; a < n; a++) {
          const ca = c * we[a];
          const row = a * n;
          for (let b = 0; b < n; b++) Khat[row + b] = K[row + b] + ca * we[b];
        }
        return Khat;
      },
      get J(): Float64Array {
        if (J) return J;
        J = new Float64Array(P * P);
        const c2 = (2 * chi) / (N * m * m);
        const im = 1 / m;
        for (let a = 0; a < P; a++) {
          const ca = c2 * w[a];
          const row = a * P;
          for (let b = 0; b < P; b++) J[row + b] = Ktr[row + b] * im + ca * w[b];
          J[row + a] += kappa;
        }
        return J;
      },
    };
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
    return { normalisable: true, margin: 1, Khat, J, ess: 1 / W2, jacobianSPD: true };
  };
}

/** Extracts the P×P train block of an n×n matrix. */
export function trainBlock(A: Float64Array, n: number, P: number): Float64Array {
  const B = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) B[a * P + b] = A[a * n + b];
  return B;
}
