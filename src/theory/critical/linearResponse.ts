/**
 * First-order (linear-response) solution of the forward–backward equations (brief §3.8, §4.6),
 * linearised around the NNGP kernels C_GP and C̃ = 0:
 *
 *   C̃^(L+1) = G(C_GP^(L+1))/N,   C̃^(l−1) = J^(l)ᵀ C̃^(l)                 (backward, adjoint Jacobian)
 *   δC^(1) = 0,                  δC^(l) = J^(l) δC^(l−1) + V^(l) : C̃^(l)   (forward)
 *
 * whose closed solution is δC^(l) = Cov_prior(C^(l), C^(L+1)) : G — kernel adaptation = prior
 * kernel fluctuations × likelihood gradient. Matrix-free (O(P²) per Jacobian, O(S·P²) per Monte-Carlo
 * V), so it also serves as the MAP solver's starting point for larger P.
 *
 * @module
 */
import {
  type CriticalModel,
  checkData,
  inputKernel,
  jacobianAdjointApply,
  jacobianApply,
  likelihoodGradient,
  nngpKernels,
  pairMoments,
  resolveModel,
} from "./model.js";
import { type FluctuationOptions, fluctuationApply, fluctuationMethod } from "./prior.js";

/** Result of {@link firstOrder}. */
export interface FirstOrderSolution {
  P: number;
  L: number;
  /** NNGP kernels C_GP^(l) at index l − 1 (l = 1 … L+1). */
  Cgp: Float64Array[];
  /** First-order shifts δC^(l) at index l − 1 (δC^(1) = 0). */
  dC: Float64Array[];
  /** First-order conjugate kernels C̃^(l) at index l − 1 (C̃^(1) unused, zero). */
  Ct: Float64Array[];
  /** The likelihood gradient G(C_GP^(L+1)) (without 1/N). */
  G: Float64Array;
  /** How V was evaluated. */
  method: string;
}

/** The first-order (linear-response) kernels δC^(l) and C̃^(l) of a model on (X, Y). */
export function firstOrder(
  model: CriticalModel,
  X: Float64Array,
  P: number,
  d: number,
  Y: Float64Array,
  D: number,
  opts: FluctuationOptions = {},
): FirstOrderSolution {
  const m = resolveModel(model);
  checkData(X, P, d, Y, D);
  const L = m.L;
  const Cgp = nngpKernels(m, inputKernel(X, P, d, m.g[0], m.gb), P);
  const method = fluctuationMethod(m.act, P, opts.method);
  const G = likelihoodGradient(Cgp[L], P, Y, D, m.kappa);
  const Ct: Float64Array[] = Array.from({ length: L + 1 }, () => new Float64Array(P * P));
  Ct[L] = G.map((v) => v / m.N);
  const pms = Array.from({ length: L }, (_, i) => pairMoments(m.act, Cgp[i], P)); // pms[l−2] at C_GP^(l−1)
  for (let l = L + 1; l >= 3; l--) Ct[l - 2] = jacobianAdjointApply(pms[l - 2], m.g[l - 1], Ct[l - 1], P);
  const dC: Float64Array[] = [new Float64Array(P * P)];
  for (let l = 2; l <= L + 1; l++) {
    const g = m.g[l - 1];
    const a = jacobianApply(pms[l - 2], g, dC[l - 2], P);
    const b = fluctuationApply(m.act, Cgp[l - 2], P, g, Ct[l - 1], { ...opts, method }, l);
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    dC.push(a);
  }
  return { P, L, Cgp, dC, Ct, G, method };
}
