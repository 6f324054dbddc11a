/**
 * The explorer's adapter to the kernel-renormalization theory of paper (a) (one hidden layer of width
 * N1, readout prior precision λ1, temperature T): everything the server needs from the theory, behind
 * one small interface. The theory itself is the library's `src/theory/renormalization`:
 *
 *   S(Q) = Q − log Q + (1/N1) Σ_i log(T + Qκ_i/λ1) + (1/N1) Σ_i ỹ_i²/(T + Qκ_i/λ1),
 *
 * with κ_i the eigenvalues of the NNGP kernel K and ỹ = Uᵀy; Q* is the minimiser of S reached from the
 * infinite-width value Q = 1 ({@link solveSaddle}), and the network's predictor is GP regression with
 * the renormalised kernel (Q* / λ1)·K and noise variance T — a {@link GPEigen} at scale s = Q* / λ1,
 * exactly as `RenormProblem.predict` evaluates it. The adapter exists because the explorer builds its
 * own cached kernels (class-ordered training points, quadrature settings for activations without a
 * closed form) and only needs the solver and the spectral predictor on top of them.
 *
 * The browser evaluates the same theory in web/src/theory.ts (same bracketing rule);
 * test/web/theory.test.ts checks that both agree.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import type { GPEigen, GPTestSet } from "../kernels/gp.js";
import { effectiveAction, solveSaddle } from "../theory/renormalization.js";

/** Spectral data of the theory: eigenvalues κ_i ≥ 0 of K and projections ỹ_i = (Uᵀy)_i (one output). */
export interface RenormSpectrum {
  kappa: Float64Array;
  yTilde: Float64Array;
}

/** The theory's control parameters. */
export interface RenormParams {
  /** Temperature (noise variance) T > 0. */
  T: number;
  /** Hidden-layer width N1 ≥ 1 (the theory is continuous in N1). */
  N1: number;
  /** Prior precision λ1 > 0 of the readout weights. */
  lambda1: number;
}

/** The solved order parameter. */
export interface OrderParameter {
  /** Q*, the minimiser of S reached from Q = 1. */
  Q: number;
  /** S(Q*). */
  S: number;
  /** dS/dQ at Q* (≈ 0). */
  gradient: number;
  /** Whether the root finder met its tolerance. */
  converged: boolean;
  /** Evaluations of dS/dQ. */
  evaluations: number;
}

/** Which implementation answers (reported by the API). */
export const theorySource = "src/theory/renormalization (solveSaddle; predictor: GPEigen at s = Q*/λ1)";

/** S(Q) at one theory point (the library's effectiveAction). O(P). */
export function action(spec: RenormSpectrum, p: RenormParams, Q: number): number {
  return effectiveAction(spec.kappa, spec.yTilde, Q, p);
}

/** Q* at (T, N1, λ1) by the library's solver; InputError on bad parameters. */
export function solveOrderParameter(spec: RenormSpectrum, p: RenormParams): OrderParameter {
  const r = solveSaddle(spec.kappa, spec.yTilde, p, { where: "renormalization theory" });
  return { Q: r.Q, S: r.action, gradient: r.gradient, converged: r.converged, evaluations: r.iterations };
}

/** The renormalised predictor at one (T, N1, λ1): test predictions and losses of GP((Q* / λ1)K, T). */
export interface RenormPrediction {
  order: OrderParameter;
  /** Kernel scale s = Q* / λ1. */
  scale: number;
  /** Posterior mean ⟨f(x0)⟩ at each test point. */
  mean: Float64Array;
  /** Posterior function variance at each test point. */
  variance: Float64Array;
  /** Test loss ε_g = bias² + variance (mean squared error without ½). */
  testLoss: number;
  bias2: number;
  testVariance: number;
  /** Training loss ε_t = bias² + variance at the training points. */
  trainLoss: number;
  /** The N1 → ∞ (plain NNGP, Q = 1) test loss at the same T and λ1. */
  gpLimitTestLoss: number;
}

/** Q* from a {@link GPEigen}'s spectrum, then GP regression with kernel (Q* / λ1)K and noise T at the attached test points. */
export function renormalizedPrediction(gp: GPEigen, test: GPTestSet, yTest: Float64Array, p: RenormParams): RenormPrediction {
  if (gp.nOut !== 1) throw new InputError(`the renormalization theory needs one output, the targets have ${gp.nOut}`, "renormalization theory");
  const order = solveOrderParameter({ kappa: gp.kappa, yTilde: gp.yTilde }, p);
  const scale = order.Q / p.lambda1;
  const loss = gp.testLoss({ T: p.T, s: scale, test, yTest });
  const train = gp.trainLoss({ T: p.T, s: scale });
  const gpLimit = gp.testLoss({ T: p.T, s: 1 / p.lambda1, test, yTest });
  return {
    order,
    scale,
    mean: loss.mean,
    variance: loss.pointVariance,
    testLoss: loss.total,
    bias2: loss.bias2,
    testVariance: loss.variance,
    trainLoss: train.total,
    gpLimitTestLoss: gpLimit.total,
  };
}
