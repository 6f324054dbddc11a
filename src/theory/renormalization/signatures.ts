/**
 * The microscopic and collective signatures of feature learning at a saddle point (paper a,
 * brief §3.8–3.11), computed from the cached spectrum of a {@link RenormProblem}.
 *
 * With s = Q̄/λ1, d_k = 1/(T + sκ_k), A = T·I + sK = U diag(1/d) Uᵀ, m = A⁻¹y = U(d∘ỹ) and
 * B = A⁻¹ − m mᵀ:
 *
 * **Collective** (§3.10–3.11)
 * ```
 * ⟨Φ⟩ = K + (Q̄/(λ1N1)) K (m mᵀ − A⁻¹) K                                   (train block)
 * ⟨Φ(x0, x^μ)⟩ = [k0ᵀ(I + (Q̄/(λ1N1))(m mᵀ − A⁻¹)K)]_μ,  ⟨Φ(x0,x0)⟩ = K00 + (Q̄/(λ1N1))((k0ᵀm)² − k0ᵀA⁻¹k0)
 * N1(⟨d²⟩ − uᵀKu) = (Q̄/λ1)[(uᵀKm)² − uᵀKA⁻¹Ku]
 * ```
 * and every other class summary (pairwise distance, radii) from the same linear map, in O(P²)
 * without forming ⟨Φ⟩: for class vectors e, e′, N1·eᵀ(⟨Φ⟩ − K)e′ = s[(eᵀKm)(e′ᵀKm) − eᵀKA⁻¹Ke′] and
 * N1(⟨Φ_μμ⟩ − K_μμ) = s[(Km)_μ² − (KA⁻¹K)_μμ].
 *
 * **Microscopic** (§3.8–3.9)
 * ```
 * readout displacement  ⟨|v|²⟩/N1 − 1/λ1 = (Q̄ − 1)/λ1
 * Δ_full = −(Q̄/(λ1N1λ0²N0)) Xᵀ[B∘K′ + diag((B∘J)1_P)]X          (N0×N0)
 * Δ_code = −(Q̄/(λ1N1λ0²N0)) Xᵀ(B∘K′)X                              (deepbays FC_1HL_metric)
 * trace identity  Tr Δ = −(Q̄/(λ0λ1N1)) Σ_μν B_μν D_μν,  D_μν = C_μνK′_μν + ½(C_μμJ_μν + C_ννJ_νμ)
 * ```
 * Tr Δ_full satisfies the identity exactly; Δ_code does not for nonlinear σ. Which variant the paper
 * uses is [UNCONFIRMED] in the brief; both are returned, the full one is the default everywhere.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { backend, eigh } from "../../engine/linalg.js";
import { type ClassBlocks, type ClassSplit, classSplit, type ManifoldSummary, summaryFromBlocks } from "../../metrics/manifold.js";
import type { SaddlePoint } from "./action.js";
import type { RenormProblem } from "./problem.js";

/** Spectral state at a saddle point: s = Q̄/λ1, d_k = 1/(T + sκ_k), m̃ = d∘ỹ, and m = U m̃. */
export interface SpectralState {
  Q: number;
  s: number;
  T: number;
  N1: number;
  lambda1: number;
  d: Float64Array;
  mTilde: Float64Array;
  m: Float64Array;
}

/** The spectral state of a problem at (Q̄, T, N1, λ1) (one output). O(P²). */
export function spectralState(problem: RenormProblem, sp: Pick<SaddlePoint, "Q" | "T" | "N1" | "lambda1">): SpectralState {
  if (problem.nOut !== 1) throw new InputError(`signatures need one output, y has ${problem.nOut}`, problem.where);
  const P = problem.P;
  const s = sp.Q / sp.lambda1;
  const kappa = problem.kappa;
  const yT = problem.yTilde;
  const d = new Float64Array(P);
  const mTilde = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    d[k] = 1 / (sp.T + s * kappa[k]);
    mTilde[k] = yT[k] * d[k];
  }
  const m = new Float64Array(P);
  backend().gemv(false, P, P, 1, problem.U, P, mTilde, 0, m);
  return { Q: sp.Q, s, T: sp.T, N1: sp.N1, lambda1: sp.lambda1, d, mTilde, m };
}

/** U diag(w) Uᵀ (P×P, full) for a weight vector w ≥ 0 or of any sign. O(P³). */
function conjugate(U: Float64Array, P: number, w: Float64Array): Float64Array {
  const UW = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    const row = i * P;
    for (let k = 0; k < P; k++) UW[row + k] = U[row + k] * w[k];
  }
  const out = new Float64Array(P * P);
  backend().gemm(false, true, P, P, P, 1, UW, P, U, P, 0, out, P);
  for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) out[j * P + i] = out[i * P + j] = 0.5 * (out[i * P + j] + out[j * P + i]);
  return out;
}

/** A⁻¹ = U diag(d) Uᵀ and B = A⁻¹ − m mᵀ (P×P). O(P³). */
export function conjugateMatrices(problem: RenormProblem, st: SpectralState): { Ainv: Float64Array; B: Float64Array } {
  const P = problem.P;
  const Ainv = conjugate(problem.U, P, st.d);
  const B = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) B[i * P + j] = Ainv[i * P + j] - st.m[i] * st.m[j];
  return { Ainv, B };
}

// ------------------------------------------------------------------------------ collective

/** Posterior-averaged representation kernel ⟨Φ⟩ on the train and test blocks (brief §3.10). */
export interface FeatureKernel {
  P: number;
  Pt: number;
  /** P×P train block. */
  train: Float64Array;
  /** Pt×P test×train block. */
  cross: Float64Array;
  /** Pt test diagonal. */
  testDiag: Float64Array;
}

/**
 * ⟨Φ⟩ = K + (Q̄/(λ1N1))K(mmᵀ − A⁻¹)K on the train block, and its test rows and test diagonal (brief
 * §3.10; = deepbays FC_1HL_corrected corrK, corrK0X, corrK0). O(P³ + Pt·P²).
 */
export function featureKernel(problem: RenormProblem, sp: SaddlePoint): FeatureKernel {
  const st = spectralState(problem, sp);
  const P = problem.P;
  const U = problem.U;
  const kappa = problem.kappa;
  const c = st.N1 === Number.POSITIVE_INFINITY ? 0 : sp.Q / (sp.lambda1 * st.N1);
  // Km = U(κ∘m̃); KA⁻¹K = U diag(κ²d) Uᵀ
  const v = new Float64Array(P);
  const w = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    v[k] = kappa[k] * st.mTilde[k];
    w[k] = kappa[k] * kappa[k] * st.d[k];
  }
  const Km = new Float64Array(P);
  backend().gemv(false, P, P, 1, U, P, v, 0, Km);
  const KAK = conjugate(U, P, w);
  const train = Float64Array.from(problem.K.train);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) train[i * P + j] += c * (Km[i] * Km[j] - KAK[i * P + j]);
  const Pt = problem.Pt;
  const cross = new Float64Array(Pt * P);
  const testDiag = new Float64Array(Pt);
  if (problem.test && Pt > 0) {
    const Bt = problem.test.B; // k0ᵀU, Pt×P
    // k0ᵀA⁻¹K = Bt diag(dκ) Uᵀ
    const BtW = new Float64Array(Pt * P);
    const k0m = new Float64Array(Pt);
    for (let r = 0; r < Pt; r++) {
      let acc = 0;
      let q = 0;
      for (let k = 0; k < P; k++) {
        const b = Bt[r * P + k];
        BtW[r * P + k] = b * st.d[k] * kappa[k];
        acc += b * st.mTilde[k];
        q += b * b * st.d[k];
      }
      k0m[r] = acc;
      testDiag[r] = problem.K.testDiag[r] + c * (acc * acc - q);
    }
    const k0AK = new Float64Array(Pt * P);
    backend().gemm(false, true, Pt, P, P, 1, BtW, P, U, P, 0, k0AK, P);
    for (let r = 0; r < Pt; r++) {
      for (let j = 0; j < P; j++) cross[r * P + j] = problem.K.cross[r * P + j] + c * (k0m[r] * Km[j] - k0AK[r * P + j]);
    }
  }
  return { P, Pt, train, cross, testDiag };
}

/**
 * Spectral projections of the class structure, computed once per (problem, labels): ẽ_𝒜 = Uᵀ1_𝒜/P_𝒜,
 * ẽ_ℬ, the class-averaged squared eigenvector entries w_𝒜,k = (1/P_𝒜)Σ_{μ∈𝒜}U_μk², and the prior
 * (infinite-width) class blocks of K. O(P²).
 */
export interface ClassSpectrum {
  split: ClassSplit;
  eA: Float64Array;
  eB: Float64Array;
  wA: Float64Array;
  wB: Float64Array;
  /** Class blocks of K (the prior geometry). */
  prior: ClassBlocks;
}

/** Builds the {@link ClassSpectrum} of a problem; labels default to the training targets (±1). */
export function classSpectrum(problem: RenormProblem, labels?: ArrayLike<number>): ClassSpectrum {
  const P = problem.P;
  const lab = labels ?? (problem.nOut === 1 ? problem.y : undefined);
  if (lab === undefined) throw new InputError("class labels are needed with several outputs", problem.where);
  if (lab.length !== P) throw new InputError(`labels have ${lab.length} entries, expected P = ${P}`, problem.where);
  const split = classSplit(lab, `${problem.where}: class labels`);
  const U = problem.U;
  const eA = new Float64Array(P);
  const eB = new Float64Array(P);
  const wA = new Float64Array(P);
  const wB = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    const row = i * P;
    const a = split.inA[i];
    const e = a ? eA : eB;
    const ww = a ? wA : wB;
    for (let k = 0; k < P; k++) {
      const x = U[row + k];
      e[k] += x;
      ww[k] += x * x;
    }
  }
  for (let k = 0; k < P; k++) {
    eA[k] /= split.PA;
    eB[k] /= split.PB;
    wA[k] /= split.PA;
    wB[k] /= split.PB;
  }
  const K = problem.K.train;
  let AA = 0;
  let BB = 0;
  let AB = 0;
  let diagA = 0;
  let diagB = 0;
  for (let i = 0; i < P; i++) {
    const a = split.inA[i];
    if (a) diagA += K[i * P + i];
    else diagB += K[i * P + i];
    for (let j = 0; j < P; j++) {
      const v = K[i * P + j];
      if (a && split.inA[j]) AA += v;
      else if (!a && !split.inA[j]) BB += v;
      else if (a) AB += v;
    }
  }
  const { PA, PB } = split;
  return { split, eA, eB, wA, wB, prior: { AA: AA / (PA * PA), BB: BB / (PB * PB), AB: AB / (PA * PB), diagA: diagA / PA, diagB: diagB / PB } };
}

/**
 * N1 × (class blocks of ⟨Φ⟩ − K) from spectral quantities: s = Q̄/λ1, d_k, m̃_k and the class-averaged
 * squared entries of Km (`kmDiagA`, `kmDiagB` = (1/P_c)Σ_{μ∈c}(Km)_μ²). O(P).
 * @internal shared with the scans.
 */
export function blockShifts(
  cs: ClassSpectrum,
  kappa: Float64Array,
  s: number,
  d: Float64Array,
  mTilde: Float64Array,
  kmDiagA: number,
  kmDiagB: number,
): ClassBlocks {
  let pa = 0;
  let pb = 0;
  let qaa = 0;
  let qbb = 0;
  let qab = 0;
  let ra = 0;
  let rb = 0;
  for (let k = 0; k < kappa.length; k++) {
    const kk = kappa[k];
    const km = kk * mTilde[k];
    pa += cs.eA[k] * km;
    pb += cs.eB[k] * km;
    const w = kk * kk * d[k];
    qaa += cs.eA[k] * cs.eA[k] * w;
    qbb += cs.eB[k] * cs.eB[k] * w;
    qab += cs.eA[k] * cs.eB[k] * w;
    ra += cs.wA[k] * w;
    rb += cs.wB[k] * w;
  }
  return { AA: s * (pa * pa - qaa), BB: s * (pb * pb - qbb), AB: s * (pa * pb - qab), diagA: s * (kmDiagA - ra), diagB: s * (kmDiagB - rb) };
}

/** Class-averaged (Km)_μ² from Km = U(κ∘m̃) (length P). @internal */
export function classMeanSquares(split: ClassSplit, Km: Float64Array): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < split.P; i++) {
    const v = Km[i] * Km[i];
    if (split.inA[i]) a += v;
    else b += v;
  }
  return [a / split.PA, b / split.PB];
}

/** The collective signature at one saddle point. */
export interface CollectiveSignature {
  /** Summaries of the prior (infinite-width) kernel K; d²_prior = prior.centroid = uᵀKu. */
  prior: ManifoldSummary;
  /** Summaries of ⟨Φ⟩ at this width N1 (prior + shift/N1; the separation is the ratio of posterior values). */
  posterior: ManifoldSummary;
  /**
   * N1 × (posterior − prior) of the linear summaries: `centroid` is N1(⟨d²⟩ − uᵀKu), the quantity whose
   * nonmonotonicity in T is the collective signature; `separation` is N1 × the change of the ratio.
   */
  shift: ManifoldSummary;
  /** The class blocks behind the summaries (prior and N1 × shift). */
  blocks: { prior: ClassBlocks; shift: ClassBlocks };
}

/** Combines prior blocks and N1-scaled shifts into a {@link CollectiveSignature}. @internal */
export function collectiveFromBlocks(prior: ClassBlocks, shift: ClassBlocks, N1: number): CollectiveSignature {
  const inv = N1 === Number.POSITIVE_INFINITY ? 0 : 1 / N1;
  const post: ClassBlocks = {
    AA: prior.AA + inv * shift.AA,
    BB: prior.BB + inv * shift.BB,
    AB: prior.AB + inv * shift.AB,
    diagA: prior.diagA + inv * shift.diagA,
    diagB: prior.diagB + inv * shift.diagB,
  };
  const p = summaryFromBlocks(prior);
  const q = summaryFromBlocks(post);
  const lin = summaryFromBlocks(shift);
  const sepShift = N1 === Number.POSITIVE_INFINITY ? derivativeSeparation(prior, shift) : (q.separation - p.separation) * N1;
  return { prior: p, posterior: q, shift: { ...lin, separation: sepShift }, blocks: { prior, shift } };
}

/** d/dε of the separation ratio along prior + ε·shift at ε = 0 (the N1 → ∞ limit of N1 × its change). */
function derivativeSeparation(prior: ClassBlocks, shift: ClassBlocks): number {
  const p = summaryFromBlocks(prior);
  const s = summaryFromBlocks(shift);
  const r = 0.5 * (p.radiusA + p.radiusB);
  const dr = 0.5 * (s.radiusA + s.radiusB);
  return s.centroid / r - (p.centroid * dr) / (r * r);
}

/**
 * The collective signature at a saddle point: class-manifold summaries of K and of ⟨Φ⟩, and N1 × their
 * shifts, for the classes of `labels` (default: the ±1 training targets). O(P²) given the spectrum.
 */
export function collectiveSignature(problem: RenormProblem, sp: SaddlePoint, labels?: ArrayLike<number> | ClassSpectrum): CollectiveSignature {
  const cs = isClassSpectrum(labels) ? labels : classSpectrum(problem, labels);
  const st = spectralState(problem, sp);
  const P = problem.P;
  const v = new Float64Array(P);
  for (let k = 0; k < P; k++) v[k] = problem.kappa[k] * st.mTilde[k];
  const Km = new Float64Array(P);
  backend().gemv(false, P, P, 1, problem.U, P, v, 0, Km);
  const [ka, kb] = classMeanSquares(cs.split, Km);
  const shift = blockShifts(cs, problem.kappa, st.s, st.d, st.mTilde, ka, kb);
  return collectiveFromBlocks(cs.prior, shift, sp.N1);
}

function isClassSpectrum(x: unknown): x is ClassSpectrum {
  return typeof x === "object" && x !== null && (x as ClassSpectrum).split !== undefined && (x as ClassSpectrum).eA instanceof Float64Array;
}

/**
 * The T → 0 limit of N1(⟨d²⟩ − uᵀKu) for an invertible K (brief §3.10): λ1(uᵀy)²/Q̄₀ − uᵀKu
 * (= 4λ1/Q̄₀ − uᵀKu for ±1 labels), with Q̄₀ = Q̄(T → 0).
 */
export function centroidShiftZeroTemperature(problem: RenormProblem, Q0: number, lambda1: number, labels?: ArrayLike<number>): number {
  const lab = labels ?? problem.y;
  const split = classSplit(lab, problem.where);
  const P = problem.P;
  let uy = 0;
  for (let i = 0; i < P; i++) uy += (split.inA[i] ? 1 / split.PA : -1 / split.PB) * problem.y[i];
  const cs = classSpectrum(problem, lab);
  const d2prior = summaryFromBlocks(cs.prior).centroid;
  return (lambda1 * uy * uy) / Q0 - d2prior;
}

// ------------------------------------------------------------------------------ microscopic

/** Options of {@link microscopicSignature}. */
export interface MicroscopicOptions {
  /** Number of leading eigenpairs of Δ_full to return (by |eigenvalue|; default 5, 0 for none). */
  top?: number;
  /** Return the full N0×N0 matrices Δ_full and Δ_code (default true). */
  matrices?: boolean;
  /** Extra projection directions e (length N0 each): eᵀΔe/|e|² of both variants. */
  directions?: Float64Array[];
}

/** The microscopic signature at one saddle point. */
export interface MicroscopicSignature {
  Q: number;
  /** ⟨|v|²⟩/N1 = Q̄/λ1 (brief §3.8). */
  readoutNorm: number;
  /** (Q̄ − 1)/λ1: the readout displacement relative to infinite width. */
  readoutDisplacement: number;
  /** Tr Δ_full = ⟨|w_i|²⟩ − N0/λ0. */
  traceFull: number;
  /** Tr Δ_code. */
  traceCode: number;
  /** −(Q̄/(λ0λ1N1)) Σ B∘D: the trace identity's value (= traceFull exactly). */
  traceIdentity: number;
  /** Δ_full (N0×N0, row-major) when `matrices`. */
  deltaFull?: Float64Array;
  /** Δ_code (N0×N0) when `matrices`. */
  deltaCode?: Float64Array;
  /** eᵀΔe for e ∝ Xᵀm and e ∝ Xᵀy (unit vectors), full and code variants (§8.4). */
  projections: { Xm: { full: number; code: number }; Xy: { full: number; code: number }; extra: { full: number; code: number }[] };
  /** Spectrum of Δ_full: all eigenvalues (descending) and the `top` eigenvectors by |eigenvalue| (N0×top, columns). */
  spectrum: { values: Float64Array; top: { values: Float64Array; vectors: Float64Array; indices: Int32Array } };
  /** The unit directions used for the projections (length N0). */
  directions: { Xm: Float64Array; Xy: Float64Array };
  N0: number;
}

/**
 * Δ_full, Δ_code (brief §3.9), the readout displacement (§3.8), the trace identity, data-aligned
 * projections and the spectrum of Δ_full at a saddle point. Needs K′ and J (computed once per problem).
 * O(P³ + P²N0 + PN0² + N0³).
 */
export function microscopicSignature(problem: RenormProblem, sp: SaddlePoint, opts: MicroscopicOptions = {}): MicroscopicSignature {
  const P = problem.P;
  const N0 = problem.N0;
  const lambda0 = problem.lambda0;
  const { lambda1, N1, Q } = sp;
  const st = spectralState(problem, sp);
  const { B } = conjugateMatrices(problem, st);
  const Kp = problem.dkernel().train;
  const J = problem.d2kernel().train;
  const C = problem.C.train;
  const infinite = N1 === Number.POSITIVE_INFINITY;
  const coef = infinite ? 0 : Q / (lambda1 * N1 * lambda0 * lambda0 * N0);
  // M_code = B∘K′; M_full = M_code + diag((B∘J)1)
  const Mc = new Float64Array(P * P);
  const jdiag = new Float64Array(P);
  let sumBD = 0;
  for (let i = 0; i < P; i++) {
    const row = i * P;
    let acc = 0;
    for (let j = 0; j < P; j++) {
      const b = B[row + j];
      Mc[row + j] = b * Kp[row + j];
      acc += b * J[row + j];
      // D_ij = C_ij K′_ij + ½(C_ii J_ij + C_jj J_ji); Σ B_ij ½(C_ii J_ij + C_jj J_ji) = Σ B_ij C_ii J_ij (B symmetric)
      sumBD += b * (C[row + j] * Kp[row + j] + C[row + i] * J[row + j]);
    }
    jdiag[i] = acc;
  }
  const traceIdentity = infinite ? 0 : -(Q / (lambda0 * lambda1 * N1)) * sumBD;
  // Δ = −coef·Xᵀ M X
  const X = problem.X;
  const XtM = new Float64Array(N0 * P);
  backend().gemm(true, false, N0, P, P, 1, X, N0, Mc, P, 0, XtM, P);
  const deltaCode = new Float64Array(N0 * N0);
  backend().gemm(false, false, N0, N0, P, -coef, XtM, P, X, N0, 0, deltaCode, N0);
  // J part: −coef Σ_μ jdiag_μ x^μ x^μᵀ
  const Xs = new Float64Array(P * N0);
  for (let i = 0; i < P; i++) {
    const f = jdiag[i];
    for (let a = 0; a < N0; a++) Xs[i * N0 + a] = X[i * N0 + a] * f;
  }
  const deltaFull = Float64Array.from(deltaCode);
  backend().gemm(true, false, N0, N0, P, -coef, Xs, N0, X, N0, 1, deltaFull, N0);
  symmetrize(deltaCode, N0);
  symmetrize(deltaFull, N0);
  let traceFull = 0;
  let traceCode = 0;
  for (let a = 0; a < N0; a++) {
    traceFull += deltaFull[a * N0 + a];
    traceCode += deltaCode[a * N0 + a];
  }
  const Xm = unit(xtv(X, P, N0, st.m), "Xᵀm");
  const Xy = unit(xtv(X, P, N0, problem.y), "Xᵀy");
  const proj = (e: Float64Array) => ({ full: quadForm(deltaFull, e), code: quadForm(deltaCode, e) });
  const extra = (opts.directions ?? []).map((e, i) => {
    if (!(e instanceof Float64Array) || e.length !== N0) throw new InputError(`direction ${i} must be a Float64Array of length N0 = ${N0}`, problem.where);
    return proj(unit(e, `direction ${i}`));
  });
  const eig = eigh(deltaFull, N0, { where: `${problem.where}: Δ`, cache: false });
  const values = Float64Array.from(eig.values).reverse();
  const top = Math.min(Math.max(opts.top ?? 5, 0), N0);
  const order = Array.from({ length: N0 }, (_, i) => i).sort((a, b) => Math.abs(eig.values[b]) - Math.abs(eig.values[a]));
  const indices = Int32Array.from(order.slice(0, top));
  const topValues = new Float64Array(top);
  const topVectors = new Float64Array(N0 * top);
  for (let t = 0; t < top; t++) {
    const k = indices[t];
    topValues[t] = eig.values[k];
    for (let a = 0; a < N0; a++) topVectors[a * top + t] = eig.vectors[a * N0 + k];
  }
  for (const v of [traceFull, traceCode, traceIdentity])
    if (!Number.isFinite(v)) throw new NumericalError(`${problem.where}: Δ is not finite at Q̄ = ${Q}, T = ${sp.T}`);
  const out: MicroscopicSignature = {
    Q,
    readoutNorm: Q / lambda1,
    readoutDisplacement: (Q - 1) / lambda1,
    traceFull,
    traceCode,
    traceIdentity,
    projections: { Xm: proj(Xm), Xy: proj(Xy), extra },
    spectrum: { values, top: { values: topValues, vectors: topVectors, indices } },
    directions: { Xm, Xy },
    N0,
  };
  if (opts.matrices ?? true) {
    out.deltaFull = deltaFull;
    out.deltaCode = deltaCode;
  }
  return out;
}

function symmetrize(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
}

function xtv(X: Float64Array, P: number, N0: number, v: Float64Array): Float64Array {
  const out = new Float64Array(N0);
  backend().gemv(true, P, N0, 1, X, N0, v, 0, out);
  return out;
}

function unit(v: Float64Array, what: string): Float64Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (!(n > 0)) throw new NumericalError(`the projection direction ${what} is zero`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

function quadForm(M: Float64Array, e: Float64Array): number {
  const n = e.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let j = 0; j < n; j++) r += M[i * n + j] * e[j];
    s += e[i] * r;
  }
  return s;
}
