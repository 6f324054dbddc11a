/**
 * The target of every sampler: the Bayesian posterior of an MLP's parameters
 *
 * ```
 * p(θ | D) ∝ exp(−L(θ)/T) · Π_g N(θ_g; 0, I/λ_g),     L(θ) = ½ Σ_μ Σ_k (f_k(x^μ; θ) − y^μ_k)²
 * ```
 *
 * i.e. the potential (negative log density up to a constant) U(θ) = L(θ)/T + Σ_g λ_g |θ_g|²/2, with
 * T the likelihood temperature (the noise variance of a Gaussian likelihood) and λ_g the prior
 * precision of parameter group g (paper (a) §2.4). Groups can be frozen (held at their initial
 * values): the samplers then target the conditional posterior of the others.
 *
 * A {@link SamplerState} caches everything the samplers need at its position: L, ∇L (the data
 * term only, ∇U = ∇L/T + λθ), |θ_g|² per group and U. States are plain objects of typed arrays; the
 * samplers can write a step's result into a caller-provided state to avoid allocation.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import type { FloatArray } from "../../engine/linalg/types.js";
import type { Key } from "../../engine/random.js";
import type { KernelChoice, NNKernels } from "../kernels.js";
import { type DType, groupView, MLPEvaluator, type MLPSpec, type ParamGroup } from "../mlp.js";

/** Sampler state at one position θ. */
export interface SamplerState {
  /** θ (flat, see `mlp.ts`). */
  position: FloatArray;
  /** ∇L(θ) of the data loss (not divided by T; frozen groups 0). */
  grad: FloatArray;
  /** L(θ) = ½Σ(f − y)². */
  loss: number;
  /** |θ_g|² for every group g of the spec. */
  normSq: Float64Array;
  /** U(θ) = L/T + Σ_g λ_g|θ_g|²/2. */
  potential: number;
}

/** What one step reports (BlackJAX-style info record). */
export interface StepInfo {
  /** Metropolis acceptance probability min(1, e^{log α}) (1 for ULA). */
  acceptanceRate: number;
  isAccepted: boolean;
  /** A non-finite or exploding proposal (ULA: the chain itself became non-finite). */
  isDivergent: boolean;
  /** U at the returned state (HMC: the Hamiltonian U + |p|²/2 of the proposal). */
  energy: number;
  numIntegrationSteps: number;
}

/** A Markov kernel in BlackJAX style: `init(position) → state`, `step(state, key) → {state, info}`. */
export interface Sampler {
  readonly name: string;
  readonly posterior: Posterior;
  /** Evaluates the posterior at a position (the array is used as the state's position, not copied). */
  init(position: FloatArray): SamplerState;
  /**
   * One transition. Pure with respect to `state` (never modified); the result is written into `out`
   * when given (a state from {@link Posterior.newState}, distinct from `state`) else into a fresh
   * state. The returned `state` is `out` when the move is accepted and the input `state` otherwise.
   */
  step(state: SamplerState, key: Key, out?: SamplerState): { state: SamplerState; info: StepInfo };
}

export interface PosteriorOptions {
  /** Likelihood temperature T > 0. */
  T: number;
  dtype?: DType;
  kernels?: NNKernels | KernelChoice;
  /** Groups held fixed ("W0", …). */
  frozen?: readonly string[];
}

/** The posterior of an MLP on a training set, with its forward/backward engine. */
export class Posterior {
  readonly spec: MLPSpec;
  readonly T: number;
  readonly evaluator: MLPEvaluator;
  readonly kernels: NNKernels;
  readonly dtype: DType;
  /** Groups that are sampled. */
  readonly active: readonly ParamGroup[];
  /** Groups held fixed. */
  readonly fixed: readonly ParamGroup[];

  constructor(spec: MLPSpec, train: { X: Float64Array | Float32Array; y: Float64Array | Float32Array; P: number }, opts: PosteriorOptions) {
    if (!(typeof opts.T === "number" && Number.isFinite(opts.T) && opts.T > 0))
      throw new InputError(`temperature T must be finite and > 0, got ${opts.T}`, "posterior");
    this.spec = spec;
    this.T = opts.T;
    this.evaluator = new MLPEvaluator(spec, train, { dtype: opts.dtype, kernels: opts.kernels, frozen: opts.frozen });
    this.kernels = this.evaluator.kernels;
    this.dtype = this.evaluator.dtype;
    this.active = spec.groups.filter((g) => this.evaluator.isTrainable(g));
    this.fixed = spec.groups.filter((g) => !this.evaluator.isTrainable(g));
    if (this.active.length === 0) throw new InputError("every parameter group is frozen: nothing to sample", "posterior");
  }

  /** A state with freshly allocated arrays (position zero, not evaluated). */
  newState(): SamplerState {
    const n = this.spec.numParams;
    const alloc = (): FloatArray => (this.dtype === "f32" ? new Float32Array(n) : new Float64Array(n));
    return { position: alloc(), grad: alloc(), loss: Number.NaN, normSq: new Float64Array(this.spec.groups.length), potential: Number.NaN };
  }

  /** U from a loss and the group norms. */
  potentialOf(loss: number, normSq: Float64Array): number {
    let e = loss / this.T;
    for (const g of this.spec.groups) e += 0.5 * g.lambda * normSq[g.index];
    return e;
  }

  /**
   * Evaluates L, ∇L and U at `s.position` into `s`. With `normsKnown` the caller has already set
   * `s.normSq` (the update kernels return |θ_g|²), otherwise they are recomputed.
   */
  evaluate(s: SamplerState, normsKnown = false): SamplerState {
    const k = this.kernels;
    s.loss = this.evaluator.lossGrad(s.position, s.grad);
    if (!normsKnown) {
      for (const g of this.spec.groups) {
        const v = groupView(s.position, g);
        s.normSq[g.index] = k.normSq(g.size, 1, v, 0, null, 0, null);
      }
    }
    s.potential = this.potentialOf(s.loss, s.normSq);
    return s;
  }

  /** A state at `position` (the array is adopted, not copied), evaluated. */
  stateAt(position: FloatArray): SamplerState {
    const s = this.newState();
    if (position.length !== this.spec.numParams)
      throw new InputError(`position has ${position.length} entries, the network has ${this.spec.numParams}`, "posterior");
    const want = this.dtype === "f32" ? Float32Array : Float64Array;
    if (!(position instanceof want)) throw new InputError(`position must be a ${want.name} (dtype ${this.dtype})`, "posterior");
    s.position = position;
    return this.evaluate(s);
  }

  /** Copies position, grad and scalars of `src` into `dst` (the fixed groups' position too). */
  copyState(src: SamplerState, dst: SamplerState): SamplerState {
    if (src === dst) return dst;
    dst.position.set(src.position);
    dst.grad.set(src.grad);
    dst.loss = src.loss;
    dst.normSq.set(src.normSq);
    dst.potential = src.potential;
    return dst;
  }

  /** Copies the fixed groups' positions and norms from `src` to `dst` (samplers move only active groups). */
  copyFixed(src: SamplerState, dst: SamplerState): void {
    if (src === dst) return;
    for (const g of this.fixed) {
      groupView(dst.position, g).set(groupView(src.position, g));
      dst.normSq[g.index] = src.normSq[g.index];
    }
  }
}

/** True when every number is finite. */
export function isFiniteState(s: SamplerState): boolean {
  if (!Number.isFinite(s.loss) || !Number.isFinite(s.potential)) return false;
  for (let i = 0; i < s.normSq.length; i++) if (!Number.isFinite(s.normSq[i])) return false;
  return true;
}

/** Validates a step size: a finite number > 0. */
export function checkStep(v: number, name: string, where: string): void {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) throw new InputError(`${name} must be finite and > 0, got ${v}`, where);
}
