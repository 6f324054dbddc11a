/**
 * Unadjusted Langevin algorithm (ULA), full batch, in the convention of the deepbays sampler
 * (paper (a) §4.3):
 *
 * ```
 * θ_g ← θ_g − η (∇_g L(θ) + T λ_g θ_g) + √(2ηT) ξ_g,     ξ ~ N(0, I)
 * ```
 *
 * = θ − ε∇U(θ) + √(2ε) ξ with ε = ηT on the potential U = L/T + Σλ|θ|²/2. One gradient evaluation
 * per step; the update and the noise are one fused pass per parameter group (native) with
 * ξ_j = normal(key, ·)[j] for flat index j.
 *
 * ULA is biased at finite η. For a Gaussian target U = ½(θ − m)ᵀA(θ − m) the chain is a Gaussian
 * AR(1) process θ' = θ − εA(θ − m) + √(2ε)ξ whose stationary law is N(m, S) with
 * S = (A − εA²/2)⁻¹ (solve S = (I − εA)S(I − εA) + 2εI with A, S commuting): along a prior
 * direction (A = λ) the variance is (1/λ)/(1 − ηTλ/2) instead of 1/λ. {@link ulaStationaryCovariance}
 * computes it; MALA and HMC remove the bias.
 *
 * @module
 */
import { NumericalError } from "../../engine/errors.js";
import { groupView } from "../mlp.js";
import { checkStep, isFiniteState, type Posterior, type Sampler, type SamplerState, type StepInfo } from "./posterior.js";

export interface UlaOptions {
  /** Step η (learning rate of the Langevin dynamics) > 0. */
  eta: number;
}

/** The ULA kernel for a posterior. */
export function ula(posterior: Posterior, opts: UlaOptions): Sampler {
  checkStep(opts.eta, "step size η", "ula");
  const eta = opts.eta;
  const T = posterior.T;
  const k = posterior.kernels;
  const noise = Math.sqrt(2 * eta * T);
  return {
    name: "ula",
    posterior,
    init: (position) => posterior.stateAt(position),
    step(state: SamplerState, key, out = posterior.newState()) {
      for (const g of posterior.active) {
        out.normSq[g.index] = k.update(
          g.size,
          groupView(out.position, g),
          1 - eta * T * g.lambda,
          groupView(state.position, g),
          -eta,
          groupView(state.grad, g),
          0,
          null,
          noise,
          key,
          g.offset,
        );
      }
      posterior.copyFixed(state, out);
      posterior.evaluate(out, true);
      const ok = isFiniteState(out);
      const info: StepInfo = { acceptanceRate: 1, isAccepted: true, isDivergent: !ok, energy: out.potential, numIntegrationSteps: 1 };
      return { state: out, info };
    },
  };
}

/**
 * The exact stationary covariance of ULA on the Gaussian target with precision matrix A (n×n,
 * row-major, symmetric positive definite) and step ε = ηT: S = (A − εA²/2)⁻¹. Requires ε‖A‖ < 2
 * (otherwise the chain is unstable). Returns S (n×n).
 */
export function ulaStationaryCovariance(A: Float64Array, n: number, epsilon: number): Float64Array {
  // M = A − (ε/2)·A² ; S = M⁻¹ via Gauss–Jordan (small n, tests and diagnostics).
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * A[k * n + j];
      M[i * n + j] = A[i * n + j] - 0.5 * epsilon * s;
    }
  }
  return invertSmall(M, n);
}

/** Inverse of a small dense matrix by Gauss–Jordan with partial pivoting. */
export function invertSmall(M: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(M);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (a[p * n + c] === 0) throw new NumericalError("invertSmall: singular matrix");
    if (p !== c) {
      for (let j = 0; j < n; j++) {
        [a[c * n + j], a[p * n + j]] = [a[p * n + j], a[c * n + j]];
        [inv[c * n + j], inv[p * n + j]] = [inv[p * n + j], inv[c * n + j]];
      }
    }
    const d = a[c * n + c];
    for (let j = 0; j < n; j++) {
      a[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        a[r * n + j] -= f * a[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}
