/**
 * A dataset prepared for the kernel-renormalization theory of paper a: the input covariance, the NNGP
 * kernel of the activation (train, test×train, test diagonal), one cached eigendecomposition of the
 * train kernel (through {@link GPEigen}), and lazily the derivative kernels K′ and J that the
 * microscopic observables need.
 *
 * Conventions (brief §2, §3.1): one hidden layer of width N1 without biases,
 * h_i(x) = W_i·x/√N0, f(x) = Σ_i v_i σ(h_i(x))/√N1, priors W_ia ~ N(0, 1/λ0), v_i ~ N(0, 1/λ1),
 * likelihood exp(−½Σ_μ(y^μ − f(x^μ))²/T). Hence
 *
 * ```
 * C_μν = x^μ·x^ν/(λ0 N0)        (inputCovariance with g_w = 1, g_b = 0, λ0)
 * K_μν = E[σ(h_μ)σ(h_ν)],  (h_μ, h_ν) ~ N(0, C restricted to μ, ν)
 * ```
 *
 * The predictor of the theory is GP regression with the renormalized kernel (Q̄/λ1)K and noise
 * variance T, so it is {@link GPEigen} at scale s = Q̄/λ1 (brief §3.7); the infinite-width (NNGP)
 * baseline is the same at Q̄ = 1.
 *
 * **Spectrum hygiene** (documented jitter): eigenvalues of K below 1e-12·κ_max and rounding negatives
 * are set to 0 by GPEigen (reported in `diagnostics`). With T > 0 every quantity stays finite; the
 * T → 0 limit is approached by small T > 0 (T = 0 is rejected: with a singular K the action and the
 * GP weights m = A⁻¹y diverge).
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { type Activation, applyKernel, GPEigen, type GPTestSet, inputCovariance, type KernelBlocks, toActivation } from "../../kernels/index.js";
import { actionGradient, checkParams, effectiveAction, type RenormParams, type SaddleOptions, type SaddlePoint, solveSaddle } from "./action.js";

/** Inputs of {@link RenormProblem.fromData}. */
export interface RenormDataInput {
  /** P×N0 row-major training inputs. */
  X: Float64Array;
  P: number;
  N0: number;
  /** Training targets, P (one output) or P×m row-major. */
  y: Float64Array;
  /** Pt×N0 row-major test inputs (optional). */
  Xtest?: Float64Array;
  Pt?: number;
  /** Test targets (Pt×m), needed for the test loss. */
  yTest?: Float64Array;
  /** Activation σ (default "erf", i.e. erf(h)). */
  act?: Activation | string;
  /** First-layer prior precision λ0 > 0 (default 1). */
  lambda0?: number;
  /** Relative eigenvalue threshold of the spectrum clipping (GPEigen's rtol, default 1e-12). */
  rtol?: number;
  /** Name used in messages (default "renormalization"). */
  where?: string;
}

/** Posterior predictive of the renormalized GP at one (Q̄, T, λ1). */
export interface RenormPrediction {
  /** Order parameter used (Q̄* or 1 for the infinite-width baseline). */
  Q: number;
  /** Kernel scale s = Q̄/λ1. */
  s: number;
  T: number;
  /** Test-point posterior means ⟨f(x0)⟩ = (Q̄/λ1)k0ᵀA⁻¹y, Pt×m row-major (empty without test points). */
  ypred: Float64Array;
  /** Test-point posterior variances Var f(x0) = (Q̄/λ1)[K00 − (Q̄/λ1)k0ᵀA⁻¹k0]. */
  pointVariance: Float64Array;
  /** ε_g = bias² + variance at the test points (null without test targets). */
  testLoss: number | null;
  /** (1/(Pt·m))Σ(y0 − ⟨f(x0)⟩)² (null without test targets). */
  bias2: number | null;
  /** (1/Pt)Σ Var f(x0) (null without test targets). */
  variance: number | null;
  /** ε_t = (1/P)[T²yᵀA⁻²y + T·Tr(GA⁻¹)], G = (Q̄/λ1)K. */
  trainLoss: number;
  trainBias2: number;
  trainVariance: number;
}

function checkFinite(a: Float64Array, what: string, where: string): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new InputError(`${what} has a non-finite value ${a[i]} at entry ${i}`, where);
}

/**
 * The kernels, spectrum and test projections of one dataset at one (σ, λ0): everything a theory point
 * (T, N1, λ1) reuses. Build with {@link RenormProblem.fromData}.
 */
export class RenormProblem {
  private dK: KernelBlocks | null = null;
  private jK: KernelBlocks | null = null;

  private constructor(
    /** The activation σ. */
    readonly act: Activation,
    readonly lambda0: number,
    /** Training inputs (P×N0, row-major). */
    readonly X: Float64Array,
    readonly P: number,
    readonly N0: number,
    /** Training targets (P×m). */
    readonly y: Float64Array,
    /** Number of outputs m. */
    readonly nOut: number,
    /** Test inputs (Pt×N0) or an empty array. */
    readonly Xtest: Float64Array,
    readonly Pt: number,
    /** Test targets (Pt×m) or null. */
    readonly yTest: Float64Array | null,
    /** Input covariance C = XXᵀ/(λ0 N0) (train, test×train, test diagonal). */
    readonly C: KernelBlocks,
    /** NNGP kernel K = E[σσ] on all blocks. */
    readonly K: KernelBlocks,
    /** Cached eigendecomposition of K.train with ỹ = Uᵀy. */
    readonly gp: GPEigen,
    /** Test projections (null without test points). */
    readonly test: GPTestSet | null,
    readonly where: string,
    private readonly rtol: number,
  ) {}

  /**
   * Computes C = XXᵀ/(λ0N0), K = E[σσ] (closed form where the activation has one, else quadrature), the
   * eigendecomposition K = U diag(κ) Uᵀ, ỹ = Uᵀy and, with test inputs, the projections k0ᵀU. O(P³).
   *
   * @throws InputError on empty or non-finite data, shape mismatches or λ0 ≤ 0.
   */
  static fromData(input: RenormDataInput): RenormProblem {
    const where = input.where ?? "renormalization";
    if (input === null || typeof input !== "object") throw new InputError("expected a data object", where);
    const { X, P, N0, y } = input;
    if (!Number.isInteger(P) || P < 1) throw new InputError(`the training set is empty or P is not a positive integer (P = ${P})`, where);
    if (!Number.isInteger(N0) || N0 < 1) throw new InputError(`input dimension N0 must be a positive integer, got ${N0}`, where);
    if (!(X instanceof Float64Array) || X.length !== P * N0) throw new InputError(`X must be a Float64Array of P×N0 = ${P}×${N0}`, where);
    if (!(y instanceof Float64Array) || y.length === 0 || y.length % P !== 0)
      throw new InputError(`y must be a Float64Array of P×m entries with P = ${P}`, where);
    checkFinite(X, "X", where);
    checkFinite(y, "y", where);
    const nOut = y.length / P;
    const lambda0 = input.lambda0 ?? 1;
    if (typeof lambda0 !== "number" || !Number.isFinite(lambda0) || !(lambda0 > 0))
      throw new InputError(`λ0 must be a finite number > 0, got ${lambda0}`, where);
    const act = toActivation(input.act ?? "erf");
    let Xtest: Float64Array = new Float64Array(0);
    let Pt = 0;
    let yTest: Float64Array | null = null;
    if (input.Xtest !== undefined) {
      Xtest = input.Xtest;
      if (!(Xtest instanceof Float64Array) || Xtest.length % N0 !== 0) throw new InputError(`Xtest must be a Float64Array of Pt×N0 with N0 = ${N0}`, where);
      Pt = input.Pt ?? Xtest.length / N0;
      if (Xtest.length !== Pt * N0) throw new InputError(`Xtest has ${Xtest.length} entries, expected ${Pt}×${N0}`, where);
      checkFinite(Xtest, "Xtest", where);
      if (input.yTest !== undefined) {
        yTest = input.yTest;
        if (!(yTest instanceof Float64Array) || yTest.length !== Pt * nOut) throw new InputError(`yTest must have Pt×m = ${Pt}×${nOut} entries`, where);
        checkFinite(yTest, "yTest", where);
      }
    }
    const C = inputCovariance(X, P, N0, { gw: 1, gb: 0, lambda0, Xtest: Pt > 0 ? Xtest : undefined, Pt });
    const K = applyKernel(act, "kernel", C, { trusted: true });
    checkFinite(K.train, "the NNGP kernel", where);
    const rtol = input.rtol ?? 1e-12;
    const gp = GPEigen.fromKernel(K.train, P, y, { where: `${where}: train kernel K`, rtol });
    const test = Pt > 0 ? gp.attachTest(K.cross, K.testDiag) : null;
    return new RenormProblem(act, lambda0, X, P, N0, Float64Array.from(y), nOut, Xtest, Pt, yTest, C, K, gp, test, where, rtol);
  }

  /** The same data at another λ0 (a new kernel and eigendecomposition: O(P³)). */
  withLambda0(lambda0: number): RenormProblem {
    return RenormProblem.fromData({
      X: this.X,
      P: this.P,
      N0: this.N0,
      y: this.y,
      Xtest: this.Pt > 0 ? this.Xtest : undefined,
      Pt: this.Pt,
      yTest: this.yTest ?? undefined,
      act: this.act,
      lambda0,
      rtol: this.rtol,
      where: this.where,
    });
  }

  /** Eigenvalues κ_k of K (ascending, clipped ≥ 0). */
  get kappa(): Float64Array {
    return this.gp.kappa;
  }

  /** ỹ = Uᵀy (P×m). */
  get yTilde(): Float64Array {
    return this.gp.yTilde;
  }

  /** Eigenvectors of K as the columns of a row-major P×P array (read-only). */
  get U(): Float64Array {
    return this.gp.U;
  }

  /** K′ = E[σ′σ′] on all blocks (computed once, on first use). */
  dkernel(): KernelBlocks {
    if (!this.dK) this.dK = applyKernel(this.act, "dkernel", this.C, { trusted: true });
    return this.dK;
  }

  /** J = E[σ″(h_μ)σ(h_ν)] (σ″ on the row point; not symmetric), computed once, on first use. */
  d2kernel(): KernelBlocks {
    if (!this.jK) this.jK = applyKernel(this.act, "d2kernel", this.C, { trusted: true });
    return this.jK;
  }

  private requireScalar(what: string): void {
    if (this.nOut !== 1)
      throw new InputError(`${what} needs one output, but y has ${this.nOut} columns; use the matrix order parameter (solveMatrixSaddle)`, this.where);
  }

  /** S(Q̄) at a theory point (one output). O(P). */
  action(Q: number, p: RenormParams): number {
    this.requireScalar("the scalar action");
    checkParams(p, this.where);
    return effectiveAction(this.kappa, this.yTilde, Q, p);
  }

  /** dS/dQ̄ at a theory point (one output). O(P). */
  actionGradient(Q: number, p: RenormParams): number {
    this.requireScalar("the scalar action");
    checkParams(p, this.where);
    return actionGradient(this.kappa, this.yTilde, Q, p);
  }

  /** The saddle point Q̄* at (T, N1, λ1) (see {@link solveSaddle}). O(P) per iteration. */
  solve(p: RenormParams, opts: SaddleOptions = {}): SaddlePoint {
    this.requireScalar("the scalar saddle point");
    return solveSaddle(this.kappa, this.yTilde, p, { where: this.where, ...opts });
  }

  /**
   * The GP-form posterior predictive with kernel (Q̄/λ1)K and noise T (brief §3.7): test means and
   * variances, ε_g = bias² + variance, ε_t. With `Q = 1` it is the infinite-width NNGP baseline.
   * O(Pt·P) given the cached spectrum.
   */
  predict(Q: number, p: { T: number; lambda1: number }): RenormPrediction {
    const { T, lambda1 } = p;
    checkParams({ T, N1: 1, lambda1 }, this.where);
    if (!(Q > 0 && Number.isFinite(Q))) throw new InputError(`order parameter Q̄ must be a finite number > 0, got ${Q}`, this.where);
    const s = Q / lambda1;
    const tr = this.gp.trainLoss({ T, s });
    let ypred: Float64Array = new Float64Array(0);
    let pointVariance: Float64Array = new Float64Array(0);
    let testLoss: number | null = null;
    let bias2: number | null = null;
    let variance: number | null = null;
    if (this.test) {
      if (this.yTest) {
        const tl = this.gp.testLoss({ T, s, test: this.test, yTest: this.yTest });
        ypred = tl.mean;
        pointVariance = tl.pointVariance;
        testLoss = tl.total;
        bias2 = tl.bias2;
        variance = tl.variance;
      } else {
        const post = this.gp.posterior({ T, s, test: this.test });
        ypred = post.mean;
        pointVariance = post.variance;
      }
    }
    const out: RenormPrediction = {
      Q,
      s,
      T,
      ypred,
      pointVariance,
      testLoss,
      bias2,
      variance,
      trainLoss: tr.total,
      trainBias2: tr.bias2,
      trainVariance: tr.variance,
    };
    for (const v of [tr.total, testLoss ?? 0])
      if (!Number.isFinite(v)) throw new NumericalError(`${this.where}: the predictor is not finite at Q̄ = ${Q}, T = ${T}`);
    return out;
  }
}
