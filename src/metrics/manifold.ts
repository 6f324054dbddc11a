/**
 * Sample-side estimators of the representation geometry and of the first-layer weight statistics
 * (paper a, brief §3.9–3.11 and §5), on plain row-major arrays, so that a sampler loop can stream them.
 *
 * For one posterior sample of a one-hidden-layer network with hidden activations a_μi = σ(h_i(x^μ))
 * (the **P×N1** matrix a) and first-layer weights W (N1×N0):
 *
 * ```
 * Φ = a aᵀ / N1                          representation (feature) kernel, P×P
 * d² = uᵀ Φ u,  u = 1_𝒜/P_𝒜 − 1_ℬ/P_ℬ     squared class-centroid distance per neuron
 * M = Wᵀ W / N1                          single-unit weight second moment, N0×N0 (Δ = ⟨M⟩ − I/λ0)
 * ```
 *
 * Classes: 𝒜 = {μ : y_μ > 0}, ℬ = {μ : y_μ < 0} (±1 labels; a zero or non-finite label is an error).
 * Every summary of {@link ManifoldSummary} is linear in Φ except the normalized separation, so the
 * summary of the averaged ⟨Φ⟩ is the average of the per-sample summaries (the theory side,
 * `theory/renormalization`, reports the same summaries of its ⟨Φ⟩).
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { backend } from "../engine/linalg/backend.js";

/** The two classes of a binary task: membership mask (1 = class 𝒜, y > 0) and class sizes. */
export interface ClassSplit {
  /** inA[μ] = 1 when y_μ > 0 (class 𝒜), 0 when y_μ < 0 (class ℬ). */
  inA: Uint8Array;
  P: number;
  PA: number;
  PB: number;
}

/**
 * Splits P points by the sign of their label: 𝒜 = {y > 0}, ℬ = {y < 0}. Throws an InputError on a zero
 * or non-finite label or an empty class.
 */
export function classSplit(labels: ArrayLike<number>, where = "class split"): ClassSplit {
  const P = labels.length;
  if (P < 2) throw new InputError(`needs at least two labelled points, got ${P}`, where);
  const inA = new Uint8Array(P);
  let PA = 0;
  for (let i = 0; i < P; i++) {
    const v = labels[i];
    if (!Number.isFinite(v) || v === 0) throw new InputError(`label ${v} at point ${i} is neither > 0 (class A) nor < 0 (class B)`, where);
    if (v > 0) {
      inA[i] = 1;
      PA++;
    }
  }
  if (PA === 0 || PA === P) throw new InputError(`both classes must be present (class A: ${PA} points, class B: ${P - PA})`, where);
  return { inA, P, PA, PB: P - PA };
}

/** The class contrast u = 1_𝒜/P_𝒜 − 1_ℬ/P_ℬ (so that uᵀΦu = |c_𝒜 − c_ℬ|²/N1). */
export function classContrast(split: ClassSplit | ArrayLike<number>): Float64Array {
  const s = isSplit(split) ? split : classSplit(split);
  const u = new Float64Array(s.P);
  for (let i = 0; i < s.P; i++) u[i] = s.inA[i] ? 1 / s.PA : -1 / s.PB;
  return u;
}

function isSplit(x: ClassSplit | ArrayLike<number>): x is ClassSplit {
  return (x as ClassSplit).inA instanceof Uint8Array;
}

/**
 * Geometry of the two class manifolds in feature space, all from a kernel Φ (per-neuron normalisation:
 * distances are |·|²/N1 in feature space):
 *
 * - `centroid` d² = uᵀΦu = |c_𝒜 − c_ℬ|²/N1;
 * - `pairwise` = (1/(P_𝒜P_ℬ)) Σ_{μ∈𝒜,ν∈ℬ} (Φ_μμ + Φ_νν − 2Φ_μν), the mean inter-class squared distance;
 * - `radiusA` R_𝒜² = (1/P_𝒜)Σ_{μ∈𝒜}Φ_μμ − u_𝒜ᵀΦu_𝒜 (u_𝒜 = 1_𝒜/P_𝒜), likewise `radiusB`;
 * - `separation` = d²/((R_𝒜² + R_ℬ²)/2), a radius-normalized separation (not linear in Φ).
 */
export interface ManifoldSummary {
  centroid: number;
  pairwise: number;
  radiusA: number;
  radiusB: number;
  separation: number;
}

/** The five class-block averages every {@link ManifoldSummary} is built from (all linear in Φ). */
export interface ClassBlocks {
  /** u_𝒜ᵀΦu_𝒜 */
  AA: number;
  /** u_ℬᵀΦu_ℬ */
  BB: number;
  /** u_𝒜ᵀΦu_ℬ */
  AB: number;
  /** (1/P_𝒜)Σ_{μ∈𝒜}Φ_μμ */
  diagA: number;
  /** (1/P_ℬ)Σ_{μ∈ℬ}Φ_μμ */
  diagB: number;
}

/** The {@link ManifoldSummary} of a set of class-block averages. */
export function summaryFromBlocks(b: ClassBlocks): ManifoldSummary {
  const centroid = b.AA + b.BB - 2 * b.AB;
  const radiusA = b.diagA - b.AA;
  const radiusB = b.diagB - b.BB;
  return { centroid, pairwise: b.diagA + b.diagB - 2 * b.AB, radiusA, radiusB, separation: centroid / (0.5 * (radiusA + radiusB)) };
}

/** The class-block averages of a P×P kernel Φ (row-major). O(P²). */
export function classBlocks(Phi: Float64Array, split: ClassSplit): ClassBlocks {
  const { P, inA, PA, PB } = split;
  if (!(Phi instanceof Float64Array) || Phi.length !== P * P) throw new InputError(`Φ must be a Float64Array of ${P}×${P}`, "classBlocks");
  let AA = 0;
  let BB = 0;
  let AB = 0;
  let diagA = 0;
  let diagB = 0;
  for (let i = 0; i < P; i++) {
    const row = i * P;
    const a = inA[i];
    if (a) diagA += Phi[row + i];
    else diagB += Phi[row + i];
    for (let j = 0; j < P; j++) {
      const v = Phi[row + j];
      if (a && inA[j]) AA += v;
      else if (!a && !inA[j]) BB += v;
      else if (a) AB += v;
    }
  }
  return { AA: AA / (PA * PA), BB: BB / (PB * PB), AB: AB / (PA * PB), diagA: diagA / PA, diagB: diagB / PB };
}

/** All manifold summaries of one kernel Φ (P×P) for ±1 labels (or a precomputed split). O(P²). */
export function manifoldSummary(Phi: Float64Array, labels: ClassSplit | ArrayLike<number>): ManifoldSummary {
  return summaryFromBlocks(classBlocks(Phi, isSplit(labels) ? labels : classSplit(labels)));
}

/** d² = uᵀΦu for a P×P kernel and a contrast vector u. O(P²). */
export function centroidDistance(Phi: Float64Array, u: Float64Array): number {
  const P = u.length;
  if (!(Phi instanceof Float64Array) || Phi.length !== P * P) throw new InputError(`Φ must be a Float64Array of ${P}×${P}`, "centroidDistance");
  let s = 0;
  for (let i = 0; i < P; i++) {
    let r = 0;
    const row = i * P;
    for (let j = 0; j < P; j++) r += Phi[row + j] * u[j];
    s += u[i] * r;
  }
  return s;
}

function checkMatrix(a: Float64Array, rows: number, cols: number, what: string, where: string): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) throw new InputError(`bad shape ${rows}×${cols} for ${what}`, where);
  if (!(a instanceof Float64Array) || a.length !== rows * cols) throw new InputError(`${what} must be a Float64Array of ${rows}×${cols}`, where);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new InputError(`${what} has a non-finite value ${a[i]} at (${Math.floor(i / cols)}, ${i % cols})`, where);
  }
}

/** Φ = a aᵀ/N1 for the P×N1 activation matrix a of one sample (rows = data points). O(P²N1). */
export function representationKernel(a: Float64Array, P: number, N1: number): Float64Array {
  checkMatrix(a, P, N1, "activation matrix a (P×N1)", "representationKernel");
  return syrkFull(a, P, N1, 1 / N1, false);
}

/** M = WᵀW/N1 for the N1×N0 first-layer weight matrix of one sample. O(N1N0²). */
export function weightSecondMoment(W: Float64Array, N1: number, N0: number): Float64Array {
  checkMatrix(W, N1, N0, "weights W (N1×N0)", "weightSecondMoment");
  return syrkFull(W, N0, N1, 1 / N1, true);
}

/** out (n×n, full symmetric) = scale·A·Aᵀ (A n×k, trans = false) or scale·AᵀA (A k×n, trans = true). */
function syrkFull(A: Float64Array, n: number, k: number, scale: number, trans: boolean, out?: Float64Array, beta = 0): Float64Array {
  const C = out ?? new Float64Array(n * n);
  backend().syrk(trans, n, k, scale, A, trans ? n : k, beta, C, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) C[j * n + i] = C[i * n + j];
  return C;
}

/**
 * Running (weighted) mean of fixed-length vectors or matrices, with Welford's update for the
 * element-wise variance: add(x) per sample, mean() at the end.
 */
export class MeanAccumulator {
  private readonly sum: Float64Array;
  private readonly m2: Float64Array;
  private readonly mu: Float64Array;
  private w = 0;
  private n = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new InputError(`size must be a positive integer, got ${size}`, "MeanAccumulator");
    this.sum = new Float64Array(size);
    this.m2 = new Float64Array(size);
    this.mu = new Float64Array(size);
  }

  /** Adds one sample x (length `size`) with weight w > 0 (default 1). */
  add(x: ArrayLike<number>, weight = 1): void {
    if (x.length !== this.size) throw new InputError(`sample has ${x.length} entries, expected ${this.size}`, "MeanAccumulator");
    if (!(weight > 0 && Number.isFinite(weight))) throw new InputError(`weight must be a finite number > 0, got ${weight}`, "MeanAccumulator");
    const i0 = firstBad(x);
    if (i0 >= 0) throw new InputError(`sample has a non-finite value ${x[i0]} at entry ${i0}`, "MeanAccumulator");
    const w1 = this.w + weight;
    for (let i = 0; i < this.size; i++) {
      const d = x[i] - this.mu[i];
      this.mu[i] += (weight / w1) * d;
      this.m2[i] += weight * d * (x[i] - this.mu[i]);
      this.sum[i] += weight * x[i];
    }
    this.w = w1;
    this.n++;
  }

  /** Number of samples added. */
  get count(): number {
    return this.n;
  }

  /** Total weight. */
  get weight(): number {
    return this.w;
  }

  /** The weighted mean (a copy); throws when nothing was added. */
  mean(): Float64Array {
    if (this.n === 0) throw new InputError("no samples were added", "MeanAccumulator");
    return Float64Array.from(this.mu);
  }

  /** The weighted element-wise variance (population form, Σw(x − mean)²/Σw). */
  variance(): Float64Array {
    if (this.n === 0) throw new InputError("no samples were added", "MeanAccumulator");
    const v = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) v[i] = this.m2[i] / this.w;
    return v;
  }
}

function firstBad(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/**
 * Streams the representation kernel: add(a) with the P×N1 activation matrix of each posterior sample
 * accumulates Φ = aaᵀ/N1 and records the per-sample d² = uᵀΦu and summaries (for blocking error bars).
 */
export class FeatureKernelAccumulator {
  private readonly acc: MeanAccumulator;
  private readonly split: ClassSplit | null;
  private readonly u: Float64Array | null;
  /** Per-sample d² = uᵀΦu (empty without labels). */
  readonly d2: number[] = [];
  /** Per-sample summaries (empty without labels). */
  readonly summaries: ManifoldSummary[] = [];

  /** @param labels ±1 labels of the P points (optional: without them only ⟨Φ⟩ is accumulated). */
  constructor(
    readonly P: number,
    readonly N1: number,
    labels?: ArrayLike<number>,
  ) {
    if (!Number.isInteger(P) || P < 1 || !Number.isInteger(N1) || N1 < 1)
      throw new InputError(`P and N1 must be positive integers, got ${P}, ${N1}`, "FeatureKernelAccumulator");
    this.acc = new MeanAccumulator(P * P);
    if (labels !== undefined) {
      if (labels.length !== P) throw new InputError(`labels have ${labels.length} entries, expected P = ${P}`, "FeatureKernelAccumulator");
      this.split = classSplit(labels, "FeatureKernelAccumulator");
      this.u = classContrast(this.split);
    } else {
      this.split = null;
      this.u = null;
    }
  }

  /** Adds one sample's P×N1 activation matrix; returns its Φ. */
  add(a: Float64Array): Float64Array {
    const Phi = representationKernel(a, this.P, this.N1);
    this.acc.add(Phi);
    if (this.split && this.u) {
      this.d2.push(centroidDistance(Phi, this.u));
      this.summaries.push(manifoldSummary(Phi, this.split));
    }
    return Phi;
  }

  get count(): number {
    return this.acc.count;
  }

  /** ⟨Φ⟩ (P×P). */
  mean(): Float64Array {
    return this.acc.mean();
  }

  /** The summary of ⟨Φ⟩ (needs labels). */
  summary(): ManifoldSummary {
    if (!this.split) throw new InputError("no labels were given to the accumulator", "FeatureKernelAccumulator");
    return manifoldSummary(this.acc.mean(), this.split);
  }
}

/**
 * Streams the first-layer weight statistics: add(W) with each sample's N1×N0 weights accumulates
 * M = WᵀW/N1; delta(λ0) = ⟨M⟩ − I/λ0 is the sample estimate of Δ (brief §3.9), trace() its trace.
 */
export class WeightMomentAccumulator {
  private readonly acc: MeanAccumulator;
  /** Per-sample Tr M = |W|²_F/N1. */
  readonly traces: number[] = [];

  constructor(
    readonly N1: number,
    readonly N0: number,
  ) {
    if (!Number.isInteger(N1) || N1 < 1 || !Number.isInteger(N0) || N0 < 1)
      throw new InputError(`N1 and N0 must be positive integers, got ${N1}, ${N0}`, "WeightMomentAccumulator");
    this.acc = new MeanAccumulator(N0 * N0);
  }

  /** Adds one sample's N1×N0 weights; returns its M = WᵀW/N1. */
  add(W: Float64Array): Float64Array {
    const M = weightSecondMoment(W, this.N1, this.N0);
    this.acc.add(M);
    let t = 0;
    for (let i = 0; i < this.N0; i++) t += M[i * this.N0 + i];
    this.traces.push(t);
    return M;
  }

  get count(): number {
    return this.acc.count;
  }

  /** ⟨WᵀW/N1⟩ (N0×N0). */
  mean(): Float64Array {
    return this.acc.mean();
  }

  /** Δ̂ = ⟨WᵀW/N1⟩ − I/λ0. */
  delta(lambda0: number): Float64Array {
    if (!(lambda0 > 0 && Number.isFinite(lambda0))) throw new InputError(`λ0 must be a finite number > 0, got ${lambda0}`, "WeightMomentAccumulator");
    const D = this.acc.mean();
    for (let i = 0; i < this.N0; i++) D[i * this.N0 + i] -= 1 / lambda0;
    return D;
  }
}

/** eᵀMe/|e|² for a symmetric n×n matrix M and a direction e (normalised here). */
export function projection(M: Float64Array, e: ArrayLike<number>): number {
  const n = e.length;
  if (!(M instanceof Float64Array) || M.length !== n * n) throw new InputError(`matrix must be ${n}×${n}`, "projection");
  let nrm = 0;
  for (let i = 0; i < n; i++) nrm += e[i] * e[i];
  if (!(nrm > 0)) throw new InputError("projection direction is zero", "projection");
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < n; j++) r += M[i * n + j] * e[j];
    s += e[i] * r;
  }
  return s / nrm;
}
