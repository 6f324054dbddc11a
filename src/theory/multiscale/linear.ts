/**
 * Closed forms for the two-layer LINEAR network (brief §3.6–3.9, §4.2): the scalar-Q tree level,
 * Li–Sompolinsky kernel rescaling, paper a's kernel-renormalization form, the one-loop correction,
 * the readin-weight covariance Σ_v and the L&S output variance.
 *
 * With K = U diag(k) Uᵀ (train block) and ŷ = Uᵀy:
 * - tree level: 1/Q = 1 − (χ/N) Σ_j k_j ŷ_j²/(Qk_j + κ)²  (unique root Q ∈ (1, ∞));
 * - L&S:        1/Q = 1 + (1/N) Σ_j k_j/(Qk_j + κ) − (χ/N) Σ_j k_j ŷ_j²/(Qk_j + κ)²;
 * - paper a:    the saddle point of paper a's action (src/theory/renormalization) with T = κ, N1 = N,
 *               λ1 = 1 and labels √χ·y — algebraically the L&S equation, solved by paper a's solver.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { eigh, type SymEig, solve } from "../../engine/linalg.js";
import { brentRoot } from "../../kernels/chaos.js";
import { solveSaddle } from "../renormalization/action.js";
import { block, dot, type MultiscaleKernels, matvec } from "./network.js";

/** Scalar-Q theories of the linear network (and the kernel-rescaling baselines for any φ). */
export type ScalarTheory = "tree" | "ls" | "paper-a";

/** Spectrum of the train kernel and the rotated labels ŷ = Uᵀy. */
export interface TrainSpectrum {
  eig: SymEig;
  /** Eigenvalues k_j ≥ 0 (negative rounding clipped to 0). */
  k: Float64Array;
  yhat: Float64Array;
}

/**
 * Eigendecomposition of the P×P train kernel and ŷ = Uᵀy. Eigenvalues below P·ε·k_max are rounding noise of
 * a rank-deficient K (P > D for linear networks) and are set to exactly 0: with a small κ, a spurious
 * k_j ≈ 1e−16 would otherwise enter the order-parameter equations through ŷ_j²k_j/(Qk_j + κ)² = O(1).
 */
export function trainSpectrum(Ktr: Float64Array, P: number, y: Float64Array): TrainSpectrum {
  const eig = eigh(Ktr, P, { where: "train kernel K" });
  const k = new Float64Array(P);
  const yhat = new Float64Array(P);
  const cut = P * Number.EPSILON * Math.max(0, eig.values[P - 1]);
  for (let j = 0; j < P; j++) {
    k[j] = eig.values[j] > cut ? eig.values[j] : 0;
    let s = 0;
    for (let i = 0; i < P; i++) s += eig.vectors[i * P + j] * y[i];
    yhat[j] = s;
  }
  return { eig, k, yhat };
}

/** The result of a scalar-Q solve. */
export interface ScalarQ {
  theory: ScalarTheory;
  Q: number;
  /** Residual of the Q equation at the root. */
  residual: number;
  /** Normalisability margin of the per-neuron tilt, 1 − (χ/N) tᵀKt (tree level: = 1/Q > 0). */
  margin: number;
  iterations: number;
}

function sums(sp: TrainSpectrum, Q: number, kappa: number) {
  let tr = 0;
  let quad = 0;
  for (let j = 0; j < sp.k.length; j++) {
    const den = Q * sp.k[j] + kappa;
    tr += sp.k[j] / den;
    quad += (sp.k[j] * sp.yhat[j] * sp.yhat[j]) / (den * den);
  }
  return { tr, quad };
}

/** F(Q) = 1/Q − 1 [− (1/N)Tr K(QK+κ)⁻¹] + (χ/N) yᵀ(QK+κ)⁻¹K(QK+κ)⁻¹y; the root is the order parameter. */
export function qEquation(theory: "tree" | "ls", sp: TrainSpectrum, Q: number, p: { chi: number; N: number; kappa: number }): number {
  const s = sums(sp, Q, p.kappa);
  const trace = theory === "ls" ? s.tr / p.N : 0;
  return 1 / Q - 1 - trace + (p.chi / p.N) * s.quad;
}

/**
 * Solves the scalar order-parameter equation of `theory` by bracketing + Brent on log Q.
 * Tree level has a unique root in (1, ∞) (brief §8.1.5); L&S a root in (0, ∞) (Q < 1 possible);
 * "paper-a" calls paper a's saddle-point solver. N = ∞ gives Q = 1.
 */
export function solveScalarQ(theory: ScalarTheory, sp: TrainSpectrum, p: { chi: number; N: number; kappa: number }): ScalarQ {
  const { chi, N, kappa } = p;
  const margin = (Q: number) => 1 - (chi / N) * sums(sp, Q, kappa).quad;
  if (!Number.isFinite(N)) return { theory, Q: 1, residual: 0, margin: 1, iterations: 0 };
  if (theory === "paper-a") {
    const ys = new Float64Array(sp.yhat.length);
    for (let j = 0; j < ys.length; j++) ys[j] = Math.sqrt(chi) * sp.yhat[j];
    const sd = solveSaddle(sp.k, ys, { T: kappa, N1: N, lambda1: 1 });
    return { theory, Q: sd.Q, residual: sd.gradient, margin: margin(sd.Q), iterations: sd.iterations };
  }
  const f = (l: number) => qEquation(theory, sp, Math.exp(l), p);
  // F(Q) → +∞ as Q → 0⁺ and → −1 as Q → ∞: bracket in log Q.
  let lo = theory === "tree" ? 0 : -1;
  let flo = f(lo);
  let it = 0;
  while (flo <= 0 && it < 200) {
    lo -= 2 ** Math.min(it, 10);
    flo = f(lo);
    it++;
  }
  let hi = 1;
  let fhi = f(hi);
  while (fhi >= 0 && it < 400) {
    hi += 2 ** Math.min(it, 10);
    fhi = f(hi);
    it++;
  }
  if (!(flo > 0 && fhi < 0)) throw new NumericalError(`could not bracket the ${theory} order parameter Q (F = ${flo}, ${fhi})`);
  const r = brentRoot(f, lo, hi, { fa: flo, fb: fhi, xtol: 1e-15, maxIter: 300 });
  const Q = Math.exp(r.x);
  return { theory, Q, residual: qEquation(theory, sp, Q, p), margin: margin(Q), iterations: it + r.iterations };
}

/**
 * Adapted kernel of the linear tree level on train ∪ test (brief §3.6):
 * K̂ = K + (χ/(NQ)) f̄ f̄ᵀ, f̄ the tree-level mean on the same points.
 */
export function adaptedKernelLinear(K: Float64Array, n: number, fbar: Float64Array, Q: number, chi: number, N: number): Float64Array {
  const Kh = Float64Array.from(K);
  const c = chi / (N * Q);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) Kh[a * n + b] += c * fbar[a] * fbar[b];
  return Kh;
}

/** Spectrum summary of the readin covariance Σ_v (D×D), eigenvalues reported × D/g_v. */
export interface SigmaVSpectrum {
  /** The rank(X) data-dependent eigenvalues × D/g_v (descending); the other D − rank(X) equal 1. */
  eigenvalues: Float64Array;
  /** Largest eigenvalue × D/g_v. */
  top: number;
  /** Mean of the other D − 1 eigenvalues × D/g_v (the "bulk"). */
  bulkMean: number;
  /** |ê_max · û|, û = Xᵀt/|Xᵀt| (overlap of the top eigenvector with the learned direction). */
  topOverlapU: number;
  /** Top eigenvector in input space (unit norm, length D). */
  topVector: Float64Array;
}

/**
 * Σ_v = (g_v/D)[I_D + Xᵀ M X] for a symmetric P×P M, via the P×P problem G^{1/2} M G^{1/2}, G = XXᵀ.
 * Tree level (brief §3.6): M = Q (g_v g_w χ/(DN)) t tᵀ — one outlier (g_v/D)Q along Xᵀt.
 * L&S (brief §3.8): M = (g_v g_w Q/(DN)) (χ t tᵀ − (QK + κ)⁻¹).
 */
export function sigmaVSpectrum(X: Float64Array, P: number, D: number, M: Float64Array, t: Float64Array): SigmaVSpectrum {
  const G = new Float64Array(P * P);
  for (let a = 0; a < P; a++) for (let b = 0; b <= a; b++) G[a * P + b] = G[b * P + a] = dot(X.subarray(a * D, a * D + D), X.subarray(b * D, b * D + D));
  const eg = eigh(G, P, { where: "Gram matrix XXᵀ", cache: false });
  const gmax = eg.values[P - 1];
  const cols: number[] = []; // range of G (eigenvalues > 1e-12·max)
  for (let j = 0; j < P; j++) if (eg.values[j] > 1e-12 * gmax) cols.push(j);
  const r = cols.length;
  const U = eg.vectors;
  // W = U_r diag(√g_r) (P×r); B_r = Wᵀ M W (r×r)
  const W = new Float64Array(P * r);
  for (let a = 0; a < P; a++) for (let j = 0; j < r; j++) W[a * r + j] = U[a * P + cols[j]] * Math.sqrt(eg.values[cols[j]]);
  const MW = new Float64Array(P * r);
  for (let a = 0; a < P; a++)
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let c = 0; c < P; c++) s += M[a * P + c] * W[c * r + j];
      MW[a * r + j] = s;
    }
  const B = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let a = 0; a < P; a++) s += W[a * r + i] * MW[a * r + j];
      B[i * r + j] = B[j * r + i] = s;
    }
  const eb = eigh(B, r, { where: "Σ_v reduced matrix", cache: false });
  const eigenvalues = new Float64Array(r);
  for (let j = 0; j < r; j++) eigenvalues[j] = 1 + eb.values[r - 1 - j];
  const trivial = D - r; // eigenvalues exactly 1 (directions orthogonal to the span of the inputs)
  const top = Math.max(r > 0 ? eigenvalues[0] : 1, trivial > 0 ? 1 : Number.NEGATIVE_INFINITY);
  const sumAll = eigenvalues.reduce((s, v) => s + v, 0) + trivial;
  // top eigenvector v = Xᵀ U_r diag(1/√g_r) e
  const c = new Float64Array(P);
  for (let a = 0; a < P; a++) for (let j = 0; j < r; j++) c[a] += (U[a * P + cols[j]] / Math.sqrt(eg.values[cols[j]])) * eb.vectors[j * r + r - 1];
  const topVector = new Float64Array(D);
  for (let a = 0; a < P; a++) for (let k = 0; k < D; k++) topVector[k] += X[a * D + k] * c[a];
  const nv = Math.hypot(...topVector);
  for (let k = 0; k < D; k++) topVector[k] /= nv || 1;
  const u = new Float64Array(D);
  for (let a = 0; a < P; a++) for (let k = 0; k < D; k++) u[k] += X[a * D + k] * t[a];
  const nu = Math.hypot(...u);
  return {
    eigenvalues,
    top,
    bulkMean: D > 1 ? (sumAll - top) / (D - 1) : Number.NaN,
    topOverlapU: nu > 0 ? Math.abs(dot(u, topVector)) / nu : Number.NaN,
    topVector,
  };
}

/** The P×P matrix M of Σ_v = (g_v/D)[I + XᵀMX] for tree level or L&S (see {@link sigmaVSpectrum}). */
export function sigmaVCoupling(
  kind: "tree" | "ls",
  Ktr: Float64Array,
  P: number,
  t: Float64Array,
  Q: number,
  p: { chi: number; N: number; kappa: number; gv: number; gw: number; D: number },
): Float64Array {
  const M = new Float64Array(P * P);
  const c = (p.gv * p.gw * Q) / (p.D * p.N);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) M[a * P + b] = c * p.chi * t[a] * t[b];
  if (kind === "ls") {
    const A = new Float64Array(P * P);
    for (let i = 0; i < P * P; i++) A[i] = Q * Ktr[i];
    for (let i = 0; i < P; i++) A[i * P + i] += p.kappa;
    const I = new Float64Array(P * P);
    for (let i = 0; i < P; i++) I[i * P + i] = 1;
    const Ainv = solve(A, P, I, P, "QK + κI");
    for (let i = 0; i < P * P; i++) M[i] -= c * Ainv[i];
  }
  return M;
}

/** One-loop correction of the linear network around the tree-level saddle (brief §3.7). */
export interface OneLoopLinear {
  /** δτ (P). */
  dtau: Float64Array;
  /** One-loop training mean y − κt − (κ/χ)δτ. */
  fTrain: Float64Array;
  /** One-loop test mean m* + ∇m*·δτ − ½ Σ ∂²m* G. */
  fTest: Float64Array;
}

/**
 * One-loop (linear): H = (QK + κ)/χ + (2Q²/(χ²N)) k_τ k_τᵀ, G = H⁻¹, k_τ = Kτ, τ = χt,
 * δτ = (Q²/(χ²N)) G[2KGk_τ + k_τ Tr(KG) + (4Q/(χN)) k_τ (k_τᵀGk_τ)], ⟨f_α⟩ = y_α − κt_α − (κ/χ)δτ_α.
 * Test mean from m*(τ) = (1/χ) k*ᵀτ/(1 − τᵀKτ/(χN)) (the linear tilted average), expanded to one loop.
 */
export function oneLoopLinear(
  ker: MultiscaleKernels,
  y: Float64Array,
  t: Float64Array,
  Q: number,
  p: { chi: number; N: number; kappa: number },
): OneLoopLinear {
  const { P, Pt, n, K, Ktr } = ker;
  const { chi, N, kappa } = p;
  const tau = Float64Array.from(t, (v) => chi * v);
  const ktau = matvec(Ktr, P, P, tau);
  const H = new Float64Array(P * P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) H[a * P + b] = (Q * Ktr[a * P + b] + (a === b ? kappa : 0)) / chi + ((2 * Q * Q) / (chi * chi * N)) * ktau[a] * ktau[b];
  const I = new Float64Array(P * P);
  for (let i = 0; i < P; i++) I[i * P + i] = 1;
  const G = solve(H, P, I, P, "one-loop Hessian H");
  const Gk = matvec(G, P, P, ktau);
  const KGk = matvec(Ktr, P, P, Gk);
  let trKG = 0;
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) trKG += Ktr[a * P + b] * G[b * P + a];
  const kGk = dot(ktau, Gk);
  const v = new Float64Array(P);
  for (let a = 0; a < P; a++) v[a] = 2 * KGk[a] + ktau[a] * trKG + ((4 * Q) / (chi * N)) * ktau[a] * kGk;
  const dtau = matvec(G, P, P, v);
  for (let a = 0; a < P; a++) dtau[a] *= (Q * Q) / (chi * chi * N);
  const fTrain = new Float64Array(P);
  for (let a = 0; a < P; a++) fTrain[a] = y[a] - kappa * t[a] - (kappa / chi) * dtau[a];
  const fTest = new Float64Array(Pt);
  const s = dot(tau, ktau) / (chi * N);
  const g = 1 / (1 - s);
  const ds = Float64Array.from(ktau, (x) => (2 * x) / (chi * N));
  const Kc = block(K, n, P, n, 0, P);
  for (let j = 0; j < Pt; j++) {
    const ks = Kc.subarray(j * P, j * P + P);
    const a = dot(ks, tau);
    const m = (a * g) / chi;
    let grad = 0;
    for (let b = 0; b < P; b++) grad += ((ks[b] * g + a * g * g * ds[b]) / chi) * dtau[b];
    let hess = 0;
    for (let b = 0; b < P; b++)
      for (let c = 0; c < P; c++) {
        const h = (g * g * (ks[b] * ds[c] + ds[b] * ks[c]) + 2 * a * g * g * g * ds[b] * ds[c] + a * g * g * ((2 * Ktr[b * P + c]) / (chi * N))) / chi;
        hess += h * G[b * P + c];
      }
    fTest[j] = m + grad - 0.5 * hess;
  }
  return { dtau, fTrain, fTest };
}

/**
 * L&S output variance (brief §3.9), any χ:
 * Var f* = (1/χ)[QK** − Q²k*ᵀ(QK+κ)⁻¹k*] + (2Q²/N)(κ k*ᵀ(QK+κ)⁻²y)²/(1 − 2Q²G_λλ/N),
 * G_λλ = ½Tr[(KA)²] − χ yᵀAKAKAy, A = (QK+κ)⁻¹. Returns the variance per test point and the denominator.
 */
export function lsVariance(
  ker: MultiscaleKernels,
  y: Float64Array,
  Q: number,
  p: { chi: number; N: number; kappa: number },
): { varTest: Float64Array; denominator: number } {
  const { P, Pt, n, K, Ktr } = ker;
  const { chi, N, kappa } = p;
  const A0 = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) A0[i] = Q * Ktr[i];
  for (let i = 0; i < P; i++) A0[i * P + i] += kappa;
  const I = new Float64Array(P * P);
  for (let i = 0; i < P; i++) I[i * P + i] = 1;
  const A = solve(A0, P, I, P, "QK + κI");
  const KA = new Float64Array(P * P);
  for (let a = 0; a < P; a++)
    for (let b = 0; b < P; b++) {
      let s = 0;
      for (let c = 0; c < P; c++) s += Ktr[a * P + c] * A[c * P + b];
      KA[a * P + b] = s;
    }
  let tr2 = 0;
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) tr2 += KA[a * P + b] * KA[b * P + a];
  const Ay = matvec(A, P, P, y);
  const KAy = matvec(Ktr, P, P, Ay);
  const AKAy = matvec(A, P, P, KAy);
  const KAKAy = matvec(Ktr, P, P, AKAy);
  const Gll = 0.5 * tr2 - chi * dot(Ay, KAKAy); // yᵀAKAKAy
  const den = Number.isFinite(N) ? 1 - (2 * Q * Q * Gll) / N : 1;
  const A2y = matvec(A, P, P, Ay);
  const varTest = new Float64Array(Pt);
  const Kc = block(K, n, P, n, 0, P);
  for (let j = 0; j < Pt; j++) {
    const ks = Kc.subarray(j * P, j * P + P);
    const Ak = matvec(A, P, P, ks);
    const gp = (Q * K[(P + j) * n + P + j] - Q * Q * dot(ks, Ak)) / chi;
    const z = kappa * dot(ks, A2y);
    varTest[j] = gp + (Number.isFinite(N) ? (((2 * Q * Q) / N) * z * z) / den : 0);
  }
  if (!(den > 0)) throw new NumericalError(`L&S variance: kernel-scale fluctuation denominator 1 − 2Q²G_λλ/N = ${den} ≤ 0 (no stable solution)`);
  return { varTest, denominator: den };
}

/** Throws InputError unless the kernels are those of a linear network. */
export function requireLinear(ker: MultiscaleKernels, what: string): void {
  if (ker.act !== "linear") throw new InputError(`${what} is only available for linear networks (act = linear), got ${ker.act}`, "multiscale");
}
