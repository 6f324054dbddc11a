/**
 * Gaussian-process regression with any kernel, built on one cached eigendecomposition of the train
 * kernel — the step every kernel-renormalization theory relies on.
 *
 * ## Model and conventions
 *
 * f ~ GP(0, s·K),  y^μ = f(x^μ) + ξ^μ,  ξ^μ ~ N(0, T) i.i.d.,  μ = 1 … P,
 *
 * with `s > 0` the kernel scale (Q̄/λ1 in the renormalization theory of paper a, 1 for a plain GP)
 * and `T ≥ 0` the noise variance (the temperature). Write A = s·K + T·I. For a test point x0 with
 * cross-kernel k = (K(x0, x^μ))_μ and prior variance k00 = K(x0, x0):
 *
 * ```
 * mean      ⟨f(x0)⟩   = s · kᵀ A⁻¹ y
 * variance  Var f(x0) = s · k00 − s² · kᵀ A⁻¹ k          ("function" variance)
 *           Var y(x0) = Var f(x0) + T                     ("observation" variance)
 * ```
 *
 * With K = U diag(κ) Uᵀ (computed once), ỹ = Uᵀy and B = kTest·U, every quantity is a diagonal
 * filter in the eigenbasis, so a new (T, s) costs O(Pt·P) and no new factorisation:
 * kᵀA⁻¹y = Σ_i b_i ỹ_i /(sκ_i + T) and kᵀA⁻¹k = Σ_i b_i² /(sκ_i + T).
 *
 * **Losses** are mean squared errors *without* a factor ½, averaged over points and over outputs:
 * `(1/(P·K)) Σ_μ Σ_k (ŷ^μ_k − y^μ_k)²`. The generalization error of the posterior (the expected
 * squared error of one posterior sample) splits as `bias² + variance`, with
 * bias² = (1/(Pt·K)) Σ (⟨f⟩ − y)² and variance = (1/Pt) Σ_μ Var f(x^μ) (function variance; add T for
 * the observation variance, option `varianceKind: "observation"`). On the train set the same split
 * gives the paper's ε_t = (1/P)[T² yᵀA⁻²y + T·Tr(sK A⁻¹)].
 *
 * **Multiple outputs** (y is P×K row-major) are K independent GPs sharing the kernel: the mean is
 * Pt×K, the variance (one per point) is shared by all outputs.
 *
 * ## Spectrum handling (documented choice)
 *
 * Let κ_max = max_i |κ_i|. Eigenvalues with |κ_i| ≤ rtol·κ_max (default rtol = 1e-12) and slightly
 * negative eigenvalues down to −psdTol·κ_max (default 1e-8, rounding of a PSD kernel) are **set to 0**
 * and reported in {@link GPDiagnostics}; an eigenvalue below −psdTol·κ_max means the kernel is not
 * positive semidefinite and raises a {@link NumericalError}.
 *
 * **T = 0 with a singular K uses the pseudo-inverse**: directions with sκ_i + T = 0 get weight 0, i.e.
 * the posterior interpolates the projection of y on range(K). This is the limit T → 0⁺ whenever the
 * joint (train + test) kernel is PSD (then the cross-kernel has no component on the null space), and
 * every result computed this way carries `pseudoInverse: true`. The log marginal likelihood has no
 * such limit (the density is degenerate) and throws a NumericalError asking for T > 0.
 *
 * @module
 */
import { firstNonFinite, InputError, NumericalError } from "../engine/errors.js";
import { backend, type CholeskyResult, checkSymmetric, cholesky, choleskyLogdet, choleskySolve, eigh } from "../engine/linalg.js";
import { type Key, normal } from "../engine/random.js";

const LOG_2PI = Math.log(2 * Math.PI);

// ---------------------------------------------------------------- validation helpers

function checkCount(n: number, name: string, where: string): void {
  if (!Number.isInteger(n) || n < 0) throw new InputError(`${name} must be a non-negative integer, got ${n}`, where);
}

function checkLength(a: ArrayLike<number> | undefined, expected: number, what: string, where: string): void {
  if (!a || typeof a.length !== "number") throw new InputError(`${what} is missing`, where);
  if (a.length !== expected) throw new InputError(`${what} has ${a.length} entries, expected ${expected}`, where);
}

function checkFiniteMatrix(a: ArrayLike<number>, cols: number, what: string, where: string): void {
  const i = firstNonFinite(a);
  if (i >= 0) {
    const c = Math.max(cols, 1);
    throw new InputError(`${what} has a non-finite value ${a[i]} at (${Math.floor(i / c)}, ${i % c})`, where);
  }
}

function checkTs(T: number, s: number, where: string): void {
  if (typeof T !== "number" || !Number.isFinite(T) || T < 0) throw new InputError(`temperature/noise variance T must be finite and ≥ 0, got ${T}`, where);
  if (typeof s !== "number" || !Number.isFinite(s) || s <= 0) throw new InputError(`kernel scale s must be finite and > 0, got ${s}`, where);
}

function outputsOf(y: Float64Array, P: number, what: string, where: string): number {
  if (!(y instanceof Float64Array)) throw new InputError(`${what} must be a Float64Array`, where);
  if (P === 0) {
    if (y.length !== 0) throw new InputError(`${what} has ${y.length} entries but P = 0`, where);
    return 1;
  }
  if (y.length === 0 || y.length % P !== 0) throw new InputError(`${what} has ${y.length} entries, expected P×K with P = ${P}`, where);
  checkFiniteMatrix(y, y.length / P, what, where);
  return y.length / P;
}

// ---------------------------------------------------------------- types

/** What the spectral step did to the train kernel's eigenvalues. */
export interface GPDiagnostics {
  /** Smallest eigenvalue of K as computed (before clipping). */
  minEigenvalue: number;
  /** Largest eigenvalue of K. */
  maxEigenvalue: number;
  /** Number of eigenvalues set to 0 (tiny positive ones and rounding negatives). */
  clipped: number;
  /** How many of the clipped eigenvalues were negative. */
  clippedNegative: number;
  /** Largest |κ| among the clipped negative eigenvalues (absolute; 0 if none). */
  clippedAmount: number;
  /** Absolute threshold rtol·κ_max below which |κ| counts as 0. */
  threshold: number;
  /** Number of eigenvalues kept (numerical rank of K). */
  rank: number;
  /** κ_max / κ_min after clipping (Infinity when K is singular). */
  conditionNumber: number;
  /** κ_max / (smallest kept eigenvalue): the conditioning of K on its range. */
  rangeConditionNumber: number;
}

/** Options of {@link GPEigen.fromKernel}. */
export interface GPEigenOptions {
  /** Name used in error messages (default "train kernel K"). */
  where?: string;
  /** Relative threshold below which |κ_i|/κ_max counts as 0 (default 1e-12). */
  rtol?: number;
  /** Negative eigenvalues down to −psdTol·κ_max are rounding and are clipped; below → NumericalError (default 1e-8). */
  psdTol?: number;
  /** Use the per-matrix eigendecomposition cache of `eigh` (default true). */
  cache?: boolean;
}

/** Temperature and scale of one posterior evaluation. */
export interface GPParams {
  /** Noise variance (temperature) T ≥ 0. */
  T: number;
  /** Kernel scale s > 0 (default 1). */
  s?: number;
}

/** "function": Var f(x); "observation": Var f(x) + T (the variance of a noisy observation). */
export type VarianceKind = "function" | "observation";

/** Posterior at the test points. */
export interface GPPosterior {
  /** Pt×K row-major posterior mean s·kᵀA⁻¹y. */
  mean: Float64Array;
  /** Pt posterior variances (function variance, plus T when varianceKind = "observation"), clipped at 0. */
  variance: Float64Array;
  /** Pt×Pt predictive covariance s·K_tt − s²·K_t A⁻¹ K_tᵀ (function covariance, + T·I for "observation"), when requested. */
  covariance?: Float64Array;
  /** Most negative variance before clipping at 0 (≥ 0 means nothing was clipped; small negatives are rounding). */
  minRawVariance: number;
  /** True when T = 0 and K is singular, so the pseudo-inverse (interpolation on range K) was used. */
  pseudoInverse: boolean;
  Pt: number;
  nOut: number;
}

/** Posterior at the training points. */
export interface GPTrainPosterior {
  /** P×K posterior mean s·K A⁻¹ y = U diag(sκ/(sκ+T)) ỹ. */
  mean: Float64Array;
  /** P×K residuals y − mean = U diag(T/(sκ+T)) ỹ (= T·A⁻¹y). */
  residual: Float64Array;
  /** P function variances: diag of s·K − s²K A⁻¹ K = Σ_i U_μi² · sκ_i T/(sκ_i + T) (plus T for "observation"). */
  variance: Float64Array;
  pseudoInverse: boolean;
}

/** A loss split into bias² and variance (mean squared error without ½, averaged over points and outputs). */
export interface GPLoss {
  /** (1/(P·K)) Σ (mean − y)². */
  bias2: number;
  /** (1/P) Σ_μ variance_μ (function variance, + T for "observation"). */
  variance: number;
  /** bias2 + variance: the expected squared error of one posterior sample. */
  total: number;
  /** bias² of each output: (1/P) Σ_μ (mean_k − y_k)². */
  bias2PerOutput: Float64Array;
  varianceKind: VarianceKind;
  pseudoInverse: boolean;
}

/** Posterior function samples at the test points. */
export interface GPSamples {
  /** n×Pt×K row-major: samples[(r·Pt + μ)·K + k]. */
  samples: Float64Array;
  n: number;
  Pt: number;
  nOut: number;
  /** Absolute diagonal jitter added to the predictive covariance before its Cholesky factorisation (0 if none). */
  jitter: number;
  /** The posterior mean and covariance that were sampled (covariance before jitter). */
  mean: Float64Array;
  covariance: Float64Array;
  pseudoInverse: boolean;
}

/**
 * Test points attached to a {@link GPEigen}: the projection B = kTest·U (Pt×P), its elementwise square,
 * the prior variances k00 and optionally the test–test kernel. Built by {@link GPEigen.attachTest}.
 */
export class GPTestSet {
  /** @internal */
  constructor(
    readonly owner: GPEigen,
    readonly Pt: number,
    /** B = kTest·U, Pt×P row-major. */
    readonly B: Float64Array,
    /** B∘B, Pt×P row-major. */
    readonly B2: Float64Array,
    /** Prior variances K(x0, x0), length Pt. */
    readonly kDiag: Float64Array,
    /** Test–test kernel K_tt, Pt×Pt (needed for the covariance and for sampling). */
    readonly kTestTest: Float64Array | undefined,
  ) {}
}

// ---------------------------------------------------------------- GPEigen

/**
 * GP regression on a cached eigendecomposition K = U diag(κ) Uᵀ of the P×P train kernel.
 *
 * Build once with {@link GPEigen.fromKernel}; then every (T, s) evaluation is a diagonal filter
 * 1/(sκ_i + T) in the eigenbasis: O(P·K) for losses and the marginal likelihood, O(Pt·P) at Pt attached
 * test points, O(P²) for train-set predictions. See the module documentation for the conventions.
 */
export class GPEigen {
  /** Eigenvalues after clipping (ascending, ≥ 0). */
  readonly kappa: Float64Array;
  /** ỹ = Uᵀy, P×K row-major. */
  readonly yTilde: Float64Array;
  private u2: Float64Array | null = null;

  private constructor(
    /** Number of training points. */
    readonly P: number,
    /** Number of outputs K (columns of y). */
    readonly nOut: number,
    /** Eigenvectors as the columns of a row-major P×P array (shared with the eigh cache: read-only). */
    readonly U: Float64Array,
    /** Training targets, P×K row-major (a copy). */
    readonly y: Float64Array,
    kappa: Float64Array,
    /** What clipping did to the spectrum. */
    readonly diagnostics: GPDiagnostics,
    /** Name used in messages. */
    readonly where: string,
  ) {
    this.kappa = kappa;
    this.yTilde = new Float64Array(P * nOut);
    if (P > 0) backend().gemm(true, false, P, nOut, P, 1, U, P, y, nOut, 0, this.yTilde, nOut);
  }

  /**
   * Eigendecomposes the train kernel once: K = U diag(κ) Uᵀ (ascending κ, via the cached `eigh`), clips
   * the spectrum (see module doc) and projects the targets, ỹ = Uᵀy.
   *
   * @param K P×P symmetric PSD train kernel, row-major (not modified).
   * @param P number of training points.
   * @param y targets, length P (one output) or P×K row-major.
   * @throws InputError on a non-finite or non-symmetric K, or a shape mismatch; NumericalError when K has
   *   an eigenvalue below −psdTol·κ_max.
   */
  static fromKernel(K: Float64Array, P: number, y: Float64Array, opts: GPEigenOptions = {}): GPEigen {
    const where = opts.where ?? "train kernel K";
    checkCount(P, "P", where);
    if (!(K instanceof Float64Array)) throw new InputError("kernel must be a Float64Array", where);
    checkLength(K, P * P, `kernel (${P}×${P})`, where);
    const nOut = outputsOf(y, P, "targets y", where);
    const rtol = opts.rtol ?? 1e-12;
    const psdTol = opts.psdTol ?? 1e-8;
    if (!(rtol >= 0 && rtol < 1)) throw new InputError(`rtol must be in [0, 1), got ${rtol}`, where);
    if (!(psdTol >= 0 && Number.isFinite(psdTol))) throw new InputError(`psdTol must be finite and ≥ 0, got ${psdTol}`, where);

    // eigh checks finiteness and symmetry (InputError naming `where` and the entry) unless served from its cache
    const eig = eigh(K, P, { where, cache: opts.cache ?? true });
    const raw = eig.values;
    let scale = 0;
    for (let i = 0; i < P; i++) scale = Math.max(scale, Math.abs(raw[i]));
    const threshold = rtol * scale;
    const kappa = new Float64Array(P);
    let clipped = 0;
    let clippedNegative = 0;
    let clippedAmount = 0;
    let minKept = Number.POSITIVE_INFINITY;
    for (let i = 0; i < P; i++) {
      const v = raw[i];
      if (v < -psdTol * scale) {
        throw new NumericalError(
          `${where} is not positive semidefinite: eigenvalue ${v.toExponential(3)} (relative ${(v / scale).toExponential(2)} of the largest, tolerance ${psdTol})`,
        );
      }
      if (v <= threshold) {
        clipped++;
        if (v < 0) {
          clippedNegative++;
          clippedAmount = Math.max(clippedAmount, -v);
        }
        kappa[i] = 0;
      } else {
        kappa[i] = v;
        minKept = Math.min(minKept, v);
      }
    }
    const maxEig = P > 0 ? raw[P - 1] : 0;
    const diagnostics: GPDiagnostics = {
      minEigenvalue: P > 0 ? raw[0] : 0,
      maxEigenvalue: maxEig,
      clipped,
      clippedNegative,
      clippedAmount,
      threshold,
      rank: P - clipped,
      conditionNumber: clipped > 0 || P === 0 ? Number.POSITIVE_INFINITY : maxEig / kappa[0],
      rangeConditionNumber: Number.isFinite(minKept) ? maxEig / minKept : Number.POSITIVE_INFINITY,
    };
    return new GPEigen(P, nOut, eig.vectors, Float64Array.from(y), kappa, diagnostics, where);
  }

  /**
   * Spectral weights d_i = 1/(sκ_i + T), with d_i = 0 where sκ_i + T = 0 (T = 0 on the null space of K:
   * the pseudo-inverse). O(P).
   */
  spectralWeights(params: GPParams): { d: Float64Array; pseudoInverse: boolean } {
    const T = params.T;
    const s = params.s ?? 1;
    checkTs(T, s, this.where);
    const d = new Float64Array(this.P);
    let pseudoInverse = false;
    for (let i = 0; i < this.P; i++) {
      const a = s * this.kappa[i] + T;
      if (a > 0) d[i] = 1 / a;
      else pseudoInverse = true;
    }
    return { d, pseudoInverse };
  }

  /**
   * Attaches test points: precomputes B = kTest·U (one Pt×P×P gemm) and B∘B, so every later
   * {@link posterior} at these points costs O(Pt·P).
   *
   * @param kTest Pt×P cross-kernel K(x0, x^μ), row-major.
   * @param kDiag Pt prior variances K(x0, x0) (≥ 0).
   * @param opts.kTestTest Pt×Pt test–test kernel, needed for the full covariance and for sampling.
   */
  attachTest(kTest: Float64Array, kDiag: Float64Array, opts: { kTestTest?: Float64Array; where?: string } = {}): GPTestSet {
    const where = opts.where ?? "test kernel";
    const P = this.P;
    if (!(kDiag instanceof Float64Array)) throw new InputError("kDiag must be a Float64Array", where);
    const Pt = kDiag.length;
    if (!(kTest instanceof Float64Array)) throw new InputError("kTest must be a Float64Array", where);
    checkLength(kTest, Pt * P, `kTest (Pt×P = ${Pt}×${P}, Pt from kDiag)`, where);
    checkFiniteMatrix(kTest, P, "kTest", where);
    checkFiniteMatrix(kDiag, 1, "kDiag", where);
    for (let i = 0; i < Pt; i++) if (kDiag[i] < 0) throw new InputError(`kDiag[${i}] = ${kDiag[i]} is a negative prior variance`, where);
    let ktt: Float64Array | undefined;
    if (opts.kTestTest !== undefined) {
      ktt = opts.kTestTest;
      if (!(ktt instanceof Float64Array)) throw new InputError("kTestTest must be a Float64Array", where);
      checkLength(ktt, Pt * Pt, `kTestTest (${Pt}×${Pt})`, where);
      checkSymmetric(ktt, Pt, `${where} (kTestTest)`);
      for (let i = 0; i < Pt; i++) {
        const a = ktt[i * Pt + i];
        if (Math.abs(a - kDiag[i]) > 1e-10 * Math.max(Math.abs(a), Math.abs(kDiag[i]), 1e-300)) {
          throw new InputError(`kTestTest[${i},${i}] = ${a} differs from kDiag[${i}] = ${kDiag[i]}`, where);
        }
      }
      ktt = Float64Array.from(ktt);
    }
    const B = new Float64Array(Pt * P);
    if (Pt > 0 && P > 0) backend().gemm(false, false, Pt, P, P, 1, kTest, P, this.U, P, 0, B, P);
    const B2 = new Float64Array(Pt * P);
    for (let i = 0; i < B.length; i++) B2[i] = B[i] * B[i];
    return new GPTestSet(this, Pt, B, B2, Float64Array.from(kDiag), ktt);
  }

  private checkTest(test: GPTestSet | undefined): GPTestSet {
    if (!(test instanceof GPTestSet)) throw new InputError("test must be a GPTestSet from attachTest()", this.where);
    if (test.owner !== this) throw new InputError("this test set was attached to a different GPEigen", this.where);
    return test;
  }

  /**
   * Posterior at attached test points, for one (T, s), in O(Pt·P·K):
   * mean = s·B·diag(d)·ỹ and Var f = s·k00 − s²·(B∘B)·d with d_i = 1/(sκ_i + T).
   * With `covariance: true` (needs kTestTest) also Σ = s·K_tt − s²·B diag(d) Bᵀ (O(Pt²·P)).
   */
  posterior(opts: GPParams & { test: GPTestSet; covariance?: boolean; varianceKind?: VarianceKind }): GPPosterior {
    const test = this.checkTest(opts.test);
    const s = opts.s ?? 1;
    const T = opts.T;
    const { d, pseudoInverse } = this.spectralWeights({ T, s });
    const P = this.P;
    const K = this.nOut;
    const Pt = test.Pt;
    const kind = opts.varianceKind ?? "function";
    checkVarianceKind(kind, this.where);
    // mean = B · W, W_ik = s ỹ_ik d_i
    const W = new Float64Array(P * K);
    for (let i = 0; i < P; i++) {
      const f = s * d[i];
      for (let k = 0; k < K; k++) W[i * K + k] = f * this.yTilde[i * K + k];
    }
    const mean = new Float64Array(Pt * K);
    const variance = Float64Array.from(test.kDiag);
    if (Pt > 0 && P > 0) {
      if (K === 1) backend().gemv(false, Pt, P, 1, test.B, P, W, 0, mean);
      else backend().gemm(false, false, Pt, K, P, 1, test.B, P, W, K, 0, mean, K);
      // variance = s·k00 − s²·(B∘B)·d
      backend().gemv(false, Pt, P, -s * s, test.B2, P, d, s, variance);
    } else {
      for (let i = 0; i < Pt; i++) variance[i] *= s;
    }
    let minRawVariance = Number.POSITIVE_INFINITY;
    for (let i = 0; i < Pt; i++) {
      const v = variance[i];
      if (v < minRawVariance) minRawVariance = v;
      variance[i] = Math.max(v, 0) + (kind === "observation" ? T : 0);
    }
    if (Pt === 0) minRawVariance = 0;
    const out: GPPosterior = { mean, variance, minRawVariance, pseudoInverse, Pt, nOut: K };
    if (opts.covariance) out.covariance = this.covarianceOf(test, s, T, d, kind);
    return out;
  }

  private covarianceOf(test: GPTestSet, s: number, T: number, d: Float64Array, kind: VarianceKind): Float64Array {
    if (!test.kTestTest) throw new InputError("the predictive covariance needs the test–test kernel: attachTest(kTest, kDiag, { kTestTest })", this.where);
    const Pt = test.Pt;
    const P = this.P;
    const Sig = Float64Array.from(test.kTestTest);
    if (Pt > 0 && P > 0) {
      const C = new Float64Array(Pt * P);
      const sq = new Float64Array(P);
      for (let i = 0; i < P; i++) sq[i] = Math.sqrt(d[i]);
      for (let r = 0; r < Pt; r++) {
        const o = r * P;
        for (let i = 0; i < P; i++) C[o + i] = test.B[o + i] * sq[i];
      }
      backend().syrk(false, Pt, P, -s * s, C, P, s, Sig, Pt);
      for (let i = 0; i < Pt; i++) for (let j = 0; j < i; j++) Sig[j * Pt + i] = Sig[i * Pt + j];
    } else {
      for (let i = 0; i < Sig.length; i++) Sig[i] *= s;
    }
    if (kind === "observation") for (let i = 0; i < Pt; i++) Sig[i * Pt + i] += T;
    return Sig;
  }

  /**
   * Train-set posterior: mean s·K A⁻¹y = U diag(g) ỹ with g_i = sκ_i/(sκ_i+T), residual y − mean =
   * U diag(1 − g) ỹ, and function variance Σ_i U_μi²·sκ_iT/(sκ_i+T). O(P²·K) (U∘U is built once, lazily).
   */
  trainPosterior(opts: GPParams & { varianceKind?: VarianceKind }): GPTrainPosterior {
    const s = opts.s ?? 1;
    const T = opts.T;
    const { d, pseudoInverse } = this.spectralWeights({ T, s });
    const kind = opts.varianceKind ?? "function";
    checkVarianceKind(kind, this.where);
    const P = this.P;
    const K = this.nOut;
    const W = new Float64Array(P * K);
    const h = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      const g = s * this.kappa[i] * d[i];
      h[i] = g * T;
      for (let k = 0; k < K; k++) W[i * K + k] = g * this.yTilde[i * K + k];
    }
    const mean = new Float64Array(P * K);
    const variance = new Float64Array(P);
    if (P > 0) {
      backend().gemm(false, false, P, K, P, 1, this.U, P, W, K, 0, mean, K);
      if (T > 0) backend().gemv(false, P, P, 1, this.uSquared(), P, h, 0, variance);
    }
    const residual = new Float64Array(P * K);
    for (let i = 0; i < P * K; i++) residual[i] = this.y[i] - mean[i];
    for (let i = 0; i < P; i++) variance[i] = Math.max(variance[i], 0) + (kind === "observation" ? T : 0);
    return { mean, residual, variance, pseudoInverse };
  }

  private uSquared(): Float64Array {
    if (!this.u2) {
      const U = this.U;
      const u2 = new Float64Array(U.length);
      for (let i = 0; i < U.length; i++) u2[i] = U[i] * U[i];
      this.u2 = u2;
    }
    return this.u2;
  }

  /**
   * Training loss ε_t = bias² + variance in O(P·K), from the spectrum alone:
   * bias² = (1/(P·K)) Σ_i (T d_i)² Σ_k ỹ_ik² (for T = 0: the null-space part of y), variance =
   * (1/P) Σ_i sκ_i T d_i (+ T for "observation"). With one output, total = (1/P)[T²yᵀA⁻²y + T·Tr(sK A⁻¹)].
   */
  trainLoss(opts: GPParams & { varianceKind?: VarianceKind }): GPLoss {
    const s = opts.s ?? 1;
    const T = opts.T;
    const { d, pseudoInverse } = this.spectralWeights({ T, s });
    const kind = opts.varianceKind ?? "function";
    checkVarianceKind(kind, this.where);
    const P = this.P;
    const K = this.nOut;
    const per = new Float64Array(K);
    let varSum = 0;
    for (let i = 0; i < P; i++) {
      const g = s * this.kappa[i] * d[i];
      const r = 1 - g;
      for (let k = 0; k < K; k++) {
        const v = r * this.yTilde[i * K + k];
        per[k] += v * v;
      }
      varSum += g * T;
    }
    return finishLoss(per, P, varSum, kind, T, pseudoInverse);
  }

  /**
   * Test loss at attached points with targets yTest (Pt×K): bias² = (1/(Pt·K)) Σ (mean − y)², variance =
   * (1/Pt) Σ Var (function, or + T for "observation"), total = bias² + variance. O(Pt·P·K).
   */
  testLoss(
    opts: GPParams & { test: GPTestSet; yTest: Float64Array; varianceKind?: VarianceKind },
  ): GPLoss & { mean: Float64Array; pointVariance: Float64Array } {
    const test = this.checkTest(opts.test);
    const K = this.nOut;
    const Pt = test.Pt;
    if (!(opts.yTest instanceof Float64Array)) throw new InputError("yTest must be a Float64Array", this.where);
    checkLength(opts.yTest, Pt * K, `yTest (Pt×K = ${Pt}×${K})`, this.where);
    checkFiniteMatrix(opts.yTest, K, "yTest", this.where);
    const kind = opts.varianceKind ?? "function";
    const post = this.posterior({ T: opts.T, s: opts.s, test, varianceKind: kind });
    const per = new Float64Array(K);
    let varSum = 0;
    for (let mu = 0; mu < Pt; mu++) {
      for (let k = 0; k < K; k++) {
        const e = post.mean[mu * K + k] - opts.yTest[mu * K + k];
        per[k] += e * e;
      }
      varSum += post.variance[mu];
    }
    // finishLoss adds T itself for "observation"; post.variance already includes it, so pass "function" and fix the label.
    const loss = finishLoss(per, Pt, varSum, "function", opts.T, post.pseudoInverse);
    return { ...loss, varianceKind: kind, mean: post.mean, pointVariance: post.variance };
  }

  /**
   * Log marginal likelihood (evidence) of the targets, summed over outputs, O(P·K):
   * log p(y) = −½ Σ_k Σ_i ỹ_ik²/(sκ_i + T) − (K/2) Σ_i log(sκ_i + T) − (P·K/2) log 2π.
   * @throws NumericalError when some sκ_i + T = 0 (T = 0 with a singular K): the density is degenerate; use T > 0.
   */
  logMarginalLikelihood(params: GPParams): number {
    const s = params.s ?? 1;
    const T = params.T;
    checkTs(T, s, this.where);
    const P = this.P;
    const K = this.nOut;
    let quad = 0;
    let logdet = 0;
    for (let i = 0; i < P; i++) {
      const a = s * this.kappa[i] + T;
      if (!(a > 0)) {
        throw new NumericalError(
          `${this.where}: log marginal likelihood is undefined at T = 0 because K is singular (rank ${this.diagnostics.rank} < P = ${P}); use T > 0`,
        );
      }
      logdet += Math.log(a);
      for (let k = 0; k < K; k++) {
        const v = this.yTilde[i * K + k];
        quad += (v * v) / a;
      }
    }
    return -0.5 * quad - 0.5 * K * logdet - 0.5 * P * K * LOG_2PI;
  }

  /**
   * Posterior function samples at attached test points (needs kTestTest): f_r = mean + L z_r with
   * L Lᵀ = Σ + δI the Cholesky factor of the predictive (function) covariance, z_r ~ N(0, I) from
   * `normal(key, n·K·Pt)`. The jitter δ starts at 0 and grows as ε·s·mean(k00), ε = 1e-12, 1e-11, …,
   * maxRelJitter (default 1e-6), and is reported. Outputs get independent draws.
   */
  sample(opts: GPParams & { test: GPTestSet; key: Key; n: number; maxRelJitter?: number }): GPSamples {
    const test = this.checkTest(opts.test);
    const s = opts.s ?? 1;
    const T = opts.T;
    const n = opts.n;
    checkCount(n, "number of samples n", this.where);
    const post = this.posterior({ T, s, test, covariance: true });
    const Sig = post.covariance as Float64Array;
    const Pt = test.Pt;
    const K = this.nOut;
    let meanPrior = 0;
    for (let i = 0; i < Pt; i++) meanPrior += test.kDiag[i];
    meanPrior = Pt > 0 ? (s * meanPrior) / Pt || s : s;
    const chol = choleskyWithJitter(Sig, Pt, meanPrior, opts.maxRelJitter ?? 1e-6, `${this.where}: predictive covariance`);
    const Z = normal(opts.key, n * K * Pt);
    // F[(r,k), μ] = Σ_ν Z[(r,k), ν] L[μ, ν]
    const F = new Float64Array(n * K * Pt);
    if (n * K > 0 && Pt > 0) backend().gemm(false, true, n * K, Pt, Pt, 1, Z, Pt, chol.L, Pt, 0, F, Pt);
    const samples = new Float64Array(n * Pt * K);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < K; k++) {
        const row = (r * K + k) * Pt;
        for (let mu = 0; mu < Pt; mu++) samples[(r * Pt + mu) * K + k] = post.mean[mu * K + k] + F[row + mu];
      }
    }
    return { samples, n, Pt, nOut: K, jitter: chol.jitter, mean: post.mean, covariance: Sig, pseudoInverse: post.pseudoInverse };
  }
}

function checkVarianceKind(kind: string, where: string): void {
  if (kind !== "function" && kind !== "observation") throw new InputError(`varianceKind must be "function" or "observation", got ${kind}`, where);
}

function finishLoss(per: Float64Array, n: number, varSum: number, kind: VarianceKind, T: number, pseudoInverse: boolean): GPLoss {
  const K = per.length;
  let b = 0;
  for (let k = 0; k < K; k++) {
    per[k] = n > 0 ? per[k] / n : 0;
    b += per[k];
  }
  const bias2 = K > 0 ? b / K : 0;
  const variance = (n > 0 ? varSum / n : 0) + (kind === "observation" ? T : 0);
  return { bias2, variance, total: bias2 + variance, bias2PerOutput: per, varianceKind: kind, pseudoInverse };
}

/** Cholesky of a PSD matrix with jitter δ ∈ {0, ε·scale : ε = 1e-12, …, maxRel}, the first that works. */
function choleskyWithJitter(A: Float64Array, n: number, scale: number, maxRel: number, where: string): CholeskyResult {
  const tries = [0];
  for (let e = 1e-12; e <= maxRel * (1 + 1e-9); e *= 10) tries.push(e * scale);
  let last: unknown = null;
  for (const delta of tries) {
    try {
      return cholesky(A, n, { jitter: delta, trusted: true, where });
    } catch (err) {
      if (!(err instanceof NumericalError)) throw err;
      last = err;
    }
  }
  throw new NumericalError(
    `${where} is not positive semidefinite even with jitter ${(maxRel * scale).toExponential(2)}: ${(last as Error).message}; the test kernels may be inconsistent with the train kernel`,
  );
}

// ---------------------------------------------------------------- one-off Cholesky form

/** Inputs of {@link gpRegression}. */
export interface GPRegressionInput {
  /** P×P train kernel. */
  Ktrain: Float64Array;
  P: number;
  /** Targets, P or P×K row-major. */
  y: Float64Array;
  /** Pt×P cross-kernel (optional: without it only train quantities are returned). */
  kTest?: Float64Array;
  /** Pt prior variances K(x0, x0) (required with kTest). */
  kDiag?: Float64Array;
  /** Pt×Pt test–test kernel: when given, the predictive covariance is returned too. */
  kTestTest?: Float64Array;
  /** Noise variance T ≥ 0. */
  T: number;
  /** Kernel scale s > 0 (default 1). */
  s?: number;
  where?: string;
}

/** Result of {@link gpRegression}. */
export interface GPRegressionResult {
  /** Pt×K posterior mean s·kᵀA⁻¹y (empty without kTest). */
  mean: Float64Array;
  /** Pt function variances s·k00 − s²·kᵀA⁻¹k (not clipped). */
  variance: Float64Array;
  /** Pt×Pt predictive covariance, when kTestTest was given. */
  covariance?: Float64Array;
  /** α = A⁻¹y (P×K), A = sK + TI (+ jitter). */
  alpha: Float64Array;
  /** P×K train-set mean s·Kα. */
  trainMean: Float64Array;
  /** log p(y) = −½ Σ_k y_kᵀα_k − (K/2) log det A − (P·K/2) log 2π. */
  logMarginalLikelihood: number;
  /** Absolute jitter added to A's diagonal by the adaptive Cholesky (0 if none). */
  jitter: number;
  attempts: number;
}

/**
 * One-off GP regression by a Cholesky factorisation of A = s·K + T·I (adaptive jitter, reported; no
 * eigendecomposition): mean = s·kᵀA⁻¹y, variance = s·k00 − s²·kᵀA⁻¹k. For many (T, s) on one kernel use
 * {@link GPEigen}. With T = 0 and a singular K the jitter regularises A instead of the pseudo-inverse.
 */
export function gpRegression(input: GPRegressionInput): GPRegressionResult {
  const where = input.where ?? "train kernel K";
  const { Ktrain, P, y, T } = input;
  const s = input.s ?? 1;
  checkCount(P, "P", where);
  checkTs(T, s, where);
  if (!(Ktrain instanceof Float64Array)) throw new InputError("Ktrain must be a Float64Array", where);
  checkLength(Ktrain, P * P, `kernel (${P}×${P})`, where);
  checkSymmetric(Ktrain, P, where);
  const K = outputsOf(y, P, "targets y", where);
  const A = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) A[i] = s * Ktrain[i];
  for (let i = 0; i < P; i++) A[i * P + i] += T;
  const chol = cholesky(A, P, { where: `${where}: s·K + T·I`, trusted: true });
  const alpha = choleskySolve(chol, y, K);
  const trainMean = new Float64Array(P * K);
  if (P > 0) backend().gemm(false, false, P, K, P, s, Ktrain, P, alpha, K, 0, trainMean, K);
  let quad = 0;
  for (let i = 0; i < P * K; i++) quad += y[i] * alpha[i];
  const lml = -0.5 * quad - 0.5 * K * choleskyLogdet(chol) - 0.5 * P * K * LOG_2PI;
  const result: GPRegressionResult = {
    mean: new Float64Array(0),
    variance: new Float64Array(0),
    alpha,
    trainMean,
    logMarginalLikelihood: lml,
    jitter: chol.jitter,
    attempts: chol.attempts,
  };
  if (input.kTest === undefined) return result;
  const kTest = input.kTest;
  const kDiag = input.kDiag;
  if (!(kDiag instanceof Float64Array)) throw new InputError("kDiag (Pt prior variances) is required with kTest", where);
  const Pt = kDiag.length;
  if (!(kTest instanceof Float64Array)) throw new InputError("kTest must be a Float64Array", where);
  checkLength(kTest, Pt * P, `kTest (Pt×P = ${Pt}×${P}, Pt from kDiag)`, where);
  checkFiniteMatrix(kTest, P, "kTest", where);
  checkFiniteMatrix(kDiag, 1, "kDiag", where);
  const mean = new Float64Array(Pt * K);
  if (Pt > 0 && P > 0) backend().gemm(false, false, Pt, K, P, s, kTest, P, alpha, K, 0, mean, K);
  // X = A⁻¹ kTestᵀ (P×Pt)
  const kT = new Float64Array(P * Pt);
  for (let r = 0; r < Pt; r++) for (let i = 0; i < P; i++) kT[i * Pt + r] = kTest[r * P + i];
  const X = Pt > 0 ? choleskySolve(chol, kT, Pt) : kT;
  const variance = new Float64Array(Pt);
  for (let r = 0; r < Pt; r++) {
    let q = 0;
    for (let i = 0; i < P; i++) q += kTest[r * P + i] * X[i * Pt + r];
    variance[r] = s * kDiag[r] - s * s * q;
  }
  result.mean = mean;
  result.variance = variance;
  if (input.kTestTest !== undefined) {
    const ktt = input.kTestTest;
    if (!(ktt instanceof Float64Array)) throw new InputError("kTestTest must be a Float64Array", where);
    checkLength(ktt, Pt * Pt, `kTestTest (${Pt}×${Pt})`, where);
    checkSymmetric(ktt, Pt, `${where} (kTestTest)`);
    const cov = new Float64Array(Pt * Pt);
    for (let i = 0; i < Pt * Pt; i++) cov[i] = s * ktt[i];
    if (Pt > 0 && P > 0) backend().gemm(false, false, Pt, Pt, P, -s * s, kTest, P, X, Pt, 1, cov, Pt);
    result.covariance = cov;
  }
  return result;
}
