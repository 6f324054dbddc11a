/**
 * Metropolis-adjusted Langevin algorithm (MALA): the ULA move of `ula.ts` as a proposal, corrected
 * by a Metropolis–Hastings test so that the chain targets the posterior exactly.
 *
 * With ε = ηT and ∇U = ∇L/T + λθ, the proposal is θ' = θ − ε∇U(θ) + √(2ε)ξ (per group
 * θ'_g = (1 − ηTλ_g)θ_g − η∇_g L + √(2ηT)ξ_g, the same arithmetic as ULA), with density
 * q(θ'|θ) ∝ exp(−|θ' − θ + ε∇U(θ)|²/(4ε)), and
 *
 * ```
 * log α = −U(θ') + U(θ) − |θ − θ' + ε∇U(θ')|²/(4ε) + |θ' − θ + ε∇U(θ)|²/(4ε),
 * ```
 *
 * accepted when log u < log α, u ~ U[0, 1). Keys: `[kProposal, kAccept] = split(key, 2)`; the noise
 * is normal(kProposal, ·)[j] at flat index j, u = uniform(kAccept, 1)[0]. A non-finite proposal is
 * rejected and flagged divergent.
 *
 * @module
 */
import { split, uniform } from "../../engine/random.js";
import { groupView } from "../mlp.js";
import { checkStep, isFiniteState, type Posterior, type Sampler, type SamplerState } from "./posterior.js";

export interface MalaOptions {
  /** Step η > 0 (the Langevin step; the proposal variance is 2ηT per coordinate). */
  eta: number;
}

/** The MALA kernel for a posterior. */
export function mala(posterior: Posterior, opts: MalaOptions): Sampler {
  checkStep(opts.eta, "step size η", "mala");
  const eta = opts.eta;
  const T = posterior.T;
  const eps = eta * T;
  const k = posterior.kernels;
  const noise = Math.sqrt(2 * eps);
  /** Σ_g |b_g − (1 − ελ_g)a_g + η∇_g L(a)|² = |b − a + ε∇U(a)|² over the active groups. */
  const transitionSq = (a: SamplerState, b: SamplerState): number => {
    let s = 0;
    for (const g of posterior.active) {
      s += k.normSq(g.size, 1, groupView(b.position, g), -(1 - eps * g.lambda), groupView(a.position, g), eta, groupView(a.grad, g));
    }
    return s;
  };
  return {
    name: "mala",
    posterior,
    init: (position) => posterior.stateAt(position),
    step(state, key, out = posterior.newState()) {
      const [kProp, kAcc] = split(key, 2);
      for (const g of posterior.active) {
        out.normSq[g.index] = k.update(
          g.size,
          groupView(out.position, g),
          1 - eps * g.lambda,
          groupView(state.position, g),
          -eta,
          groupView(state.grad, g),
          0,
          null,
          noise,
          kProp,
          g.offset,
        );
      }
      posterior.copyFixed(state, out);
      posterior.evaluate(out, true);
      const u = uniform(kAcc, 1)[0];
      if (!isFiniteState(out)) {
        return { state, info: { acceptanceRate: 0, isAccepted: false, isDivergent: true, energy: state.potential, numIntegrationSteps: 1 } };
      }
      const logAlpha = -out.potential + state.potential - transitionSq(out, state) / (4 * eps) + transitionSq(state, out) / (4 * eps);
      const acceptanceRate = Number.isFinite(logAlpha) ? Math.min(1, Math.exp(logAlpha)) : 0;
      const isAccepted = Math.log(u) < logAlpha;
      const next = isAccepted ? out : state;
      return { state: next, info: { acceptanceRate, isAccepted, isDivergent: !Number.isFinite(logAlpha), energy: next.potential, numIntegrationSteps: 1 } };
    },
  };
}
