/**
 * Hamiltonian Monte Carlo with an identity mass matrix and a leapfrog integrator, Metropolis
 * corrected (exact for the posterior).
 *
 * Hamiltonian H(θ, p) = U(θ) + |p|²/2 over the active groups, U = L/T + Σλ|θ|²/2. One step:
 * p ~ N(0, I) (normal(kMomentum, ·)[j] at flat index j), `numSteps` leapfrog steps of size h
 *
 * ```
 * p ← p − (h/2)∇U(θ);  repeat: θ ← θ + h p;  p ← p − h∇U(θ)  (the last momentum update is h/2)
 * ```
 *
 * and acceptance with probability min(1, e^{−ΔH}); `[kMomentum, kAccept] = split(key, 2)`. A
 * trajectory with a non-finite energy or ΔH > `divergenceThreshold` (default 1000) is rejected
 * and flagged divergent. Step size convention: by default h = √(2ηT), so that HMC with one leapfrog
 * step is exactly MALA with step η (both in ε = ηT = h²/2 units).
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import type { FloatArray } from "../../engine/linalg/types.js";
import { split, uniform } from "../../engine/random.js";
import { groupView } from "../mlp.js";
import { checkStep, isFiniteState, type Posterior, type Sampler, type SamplerState } from "./posterior.js";

export interface HmcOptions {
  /** Leapfrog step h directly; or give `eta` for h = √(2ηT). */
  stepSize?: number;
  eta?: number;
  /** Leapfrog steps per transition (default 10). */
  numSteps?: number;
  /** ΔH above which a trajectory counts as divergent (default 1000). */
  divergenceThreshold?: number;
}

/** The leapfrog step h implied by the options. */
export function hmcStepSize(posterior: Posterior, opts: HmcOptions): number {
  if (opts.stepSize !== undefined) {
    checkStep(opts.stepSize, "leapfrog step size", "hmc");
    return opts.stepSize;
  }
  checkStep(opts.eta as number, "step size η", "hmc");
  return Math.sqrt(2 * (opts.eta as number) * posterior.T);
}

/** The HMC kernel for a posterior. */
export function hmc(posterior: Posterior, opts: HmcOptions): Sampler {
  const h = hmcStepSize(posterior, opts);
  const L = opts.numSteps ?? 10;
  if (!Number.isInteger(L) || L < 1) throw new InputError(`numSteps must be an integer ≥ 1, got ${L}`, "hmc");
  const threshold = opts.divergenceThreshold ?? 1000;
  const T = posterior.T;
  const k = posterior.kernels;
  const n = posterior.spec.numParams;
  const p: FloatArray = posterior.dtype === "f32" ? new Float32Array(n) : new Float64Array(n);
  /** p ← p − s·∇U(θ) on the active groups. */
  const kick = (s: SamplerState, scale: number): void => {
    for (const g of posterior.active) {
      const pg = groupView(p, g);
      k.update(g.size, pg, 1, pg, -scale / T, groupView(s.grad, g), -scale * g.lambda, groupView(s.position, g), 0, null, 0);
    }
  };
  return {
    name: "hmc",
    posterior,
    init: (position) => posterior.stateAt(position),
    step(state, key, out = posterior.newState()) {
      const [kMom, kAcc] = split(key, 2);
      let kinetic0 = 0;
      for (const g of posterior.active) {
        const pg = groupView(p, g);
        kinetic0 += 0.5 * k.update(g.size, pg, 0, pg, 0, null, 0, null, 1, kMom, g.offset);
      }
      const H0 = state.potential + kinetic0;
      posterior.copyFixed(state, out);
      kick(state, h / 2);
      let src = state;
      let finite = true;
      for (let i = 0; i < L; i++) {
        for (const g of posterior.active) {
          out.normSq[g.index] = k.update(g.size, groupView(out.position, g), 1, groupView(src.position, g), h, groupView(p, g), 0, null, 0, null, 0);
        }
        posterior.evaluate(out, true);
        src = out;
        if (!isFiniteState(out)) {
          finite = false;
          break;
        }
        kick(out, i === L - 1 ? h / 2 : h);
      }
      const u = uniform(kAcc, 1)[0];
      let kinetic1 = 0;
      if (finite) for (const g of posterior.active) kinetic1 += 0.5 * k.normSq(g.size, 1, groupView(p, g), 0, null, 0, null);
      const H1 = out.potential + kinetic1;
      const dH = H1 - H0;
      const divergent = !finite || !Number.isFinite(dH) || dH > threshold;
      if (divergent) return { state, info: { acceptanceRate: 0, isAccepted: false, isDivergent: true, energy: H1, numIntegrationSteps: L } };
      const acceptanceRate = Math.min(1, Math.exp(-dH));
      const isAccepted = Math.log(u) < -dH;
      return { state: isAccepted ? out : state, info: { acceptanceRate, isAccepted, isDivergent: false, energy: H1, numIntegrationSteps: L } };
    },
  };
}
