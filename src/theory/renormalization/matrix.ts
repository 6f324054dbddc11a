/**
 * Multi-output networks (y is P×m): the order parameter becomes an m×m symmetric positive-definite
 * matrix Q, and the renormalized kernel K ⊗ Q/λ1 (the natural generalisation of brief §3.3 to a
 * readout with m outputs sharing the hidden layer):
 *
 * ```
 * S(Q) = Tr Q − log det Q + (1/N1) log det(T·I + (K ⊗ Q)/λ1) + (1/N1) vec(y)ᵀ(T·I + (K ⊗ Q)/λ1)⁻¹ vec(y)
 * ```
 *
 * with vec(y) the row-major flattening of y (index μ·m + c), so (K⊗Q)_{(μ,c),(ν,c′)} = K_μν Q_cc′.
 *
 * **Block-diagonal evaluation.** In the eigenbasis of K the matrix K⊗Q is block diagonal with blocks
 * κ_k Q; diagonalising Q = V diag(q) Vᵀ too makes everything element-wise: with Ŷ = (UᵀY)V and
 * d_ka = T + κ_k q_a/λ1,
 * S = Σ_a (q_a − log q_a) + (1/N1) Σ_{k,a} [log d_ka + Ŷ_ka²/d_ka], O(P·m²) per evaluation, and the
 * matrix gradient (dS = Tr(G dQ))
 * G = V[diag(1 − 1/q_a + (1/N1)Σ_k (κ_k/λ1)/d_ka) − (1/N1)Σ_k (κ_k/λ1) z_k z_kᵀ]Vᵀ, z_ka = Ŷ_ka/d_ka.
 *
 * **Solver.** Newton's method on the m(m+1)/2 independent entries of Q, from Q = I, with the analytic
 * gradient and a Hessian by central differences of it; a step is halved until Q stays positive
 * definite and either S or |G| decreases (gradient descent when the Hessian is not positive definite).
 * Converged when max|G_ab| ≤ tol (default 1e-12). For m = 1 it reproduces the scalar saddle point.
 *
 * The predictor is the multi-output GP with kernel K⊗Q/λ1 and noise T: the mean of f(x0) ∈ ℝ^m is
 * (k0ᵀ ⊗ Q/λ1)(T + K⊗Q/λ1)⁻¹vec(y), its covariance (Q/λ1)K00 − Σ_k (k0ᵀu_k)²(Q/λ1)M_k⁻¹(Q/λ1),
 * M_k = T·I + κ_kQ/λ1. Losses average over points and outputs (variance = trace of the covariance / m).
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { backend, cholesky, choleskySolve, eigh } from "../../engine/linalg.js";
import { checkParams, type RenormParams } from "./action.js";
import type { RenormProblem } from "./problem.js";

interface QEig {
  q: Float64Array;
  V: Float64Array;
}

function eigQ(Q: Float64Array, m: number): QEig {
  const e = eigh(Q, m, { where: "order parameter Q", cache: false });
  return { q: e.values, V: e.vectors };
}

/** Ŷ = Ỹ V (P×m). */
function rotate(Yt: Float64Array, P: number, m: number, V: Float64Array): Float64Array {
  const out = new Float64Array(P * m);
  backend().gemm(false, false, P, m, m, 1, Yt, m, V, m, 0, out, m);
  return out;
}

function checkInputs(kappa: Float64Array, Yt: Float64Array, Q: Float64Array, m: number, where: string): number {
  if (!Number.isInteger(m) || m < 1) throw new InputError(`number of outputs m must be a positive integer, got ${m}`, where);
  const P = kappa.length;
  if (!(Yt instanceof Float64Array) || Yt.length !== P * m) throw new InputError(`Ỹ must have P×m = ${P}×${m} entries`, where);
  if (!(Q instanceof Float64Array) || Q.length !== m * m) throw new InputError(`Q must be an ${m}×${m} Float64Array`, where);
  return P;
}

/**
 * S(Q) for a symmetric m×m Q (row-major), from the spectrum κ of K and Ỹ = UᵀY (P×m). Returns +∞ when Q
 * is not positive definite. O(P·m²).
 */
export function matrixAction(kappa: Float64Array, Yt: Float64Array, Q: Float64Array, m: number, p: RenormParams): number {
  const P = checkInputs(kappa, Yt, Q, m, "matrix action");
  const { q, V } = eigQ(Q, m);
  for (let a = 0; a < m; a++) if (!(q[a] > 0)) return Number.POSITIVE_INFINITY;
  const Yh = rotate(Yt, P, m, V);
  let s = 0;
  for (let a = 0; a < m; a++) s += q[a] - Math.log(q[a]);
  if (p.N1 === Number.POSITIVE_INFINITY) return s;
  let data = 0;
  for (let k = 0; k < P; k++) {
    const kk = kappa[k] / p.lambda1;
    for (let a = 0; a < m; a++) {
      const d = p.T + kk * q[a];
      const y = Yh[k * m + a];
      data += Math.log(d) + (y * y) / d;
    }
  }
  return s + data / p.N1;
}

/** The matrix gradient G = ∂S/∂Q (symmetric m×m, dS = Tr(G dQ)); Q must be positive definite. O(P·m²). */
export function matrixActionGradient(kappa: Float64Array, Yt: Float64Array, Q: Float64Array, m: number, p: RenormParams): Float64Array {
  const P = checkInputs(kappa, Yt, Q, m, "matrix action gradient");
  const { q, V } = eigQ(Q, m);
  for (let a = 0; a < m; a++) if (!(q[a] > 0)) throw new InputError(`Q is not positive definite (eigenvalue ${q[a]})`, "matrix action gradient");
  const Yh = rotate(Yt, P, m, V);
  const Gh = new Float64Array(m * m);
  for (let a = 0; a < m; a++) Gh[a * m + a] = 1 - 1 / q[a];
  if (p.N1 !== Number.POSITIVE_INFINITY) {
    const inv = 1 / p.N1;
    const z = new Float64Array(m);
    for (let k = 0; k < P; k++) {
      const kk = kappa[k] / p.lambda1;
      if (kk === 0) continue;
      for (let a = 0; a < m; a++) {
        const d = p.T + kk * q[a];
        z[a] = Yh[k * m + a] / d;
        Gh[a * m + a] += (inv * kk) / d;
      }
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) Gh[a * m + b] -= inv * kk * z[a] * z[b];
    }
  }
  // G = V Gh Vᵀ
  const T1 = new Float64Array(m * m);
  const G = new Float64Array(m * m);
  backend().gemm(false, false, m, m, m, 1, V, m, Gh, m, 0, T1, m);
  backend().gemm(false, true, m, m, m, 1, T1, m, V, m, 0, G, m);
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) G[a * m + b] = G[b * m + a] = 0.5 * (G[a * m + b] + G[b * m + a]);
  return G;
}

/** Result of {@link solveMatrixSaddle}. */
export interface MatrixSaddlePoint {
  /** Q* (m×m, symmetric positive definite, row-major). */
  Q: Float64Array;
  m: number;
  /** Eigenvalues of Q* (ascending). */
  eigenvalues: Float64Array;
  action: number;
  /** max_ab |∂S/∂Q_ab| at Q*. */
  gradientNorm: number;
  converged: boolean;
  /** Newton iterations. */
  iterations: number;
  T: number;
  N1: number;
  lambda1: number;
}

function toTheta(Q: Float64Array, m: number): Float64Array {
  const th = new Float64Array((m * (m + 1)) / 2);
  let i = 0;
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) th[i++] = Q[a * m + b];
  return th;
}

function fromTheta(th: Float64Array, m: number): Float64Array {
  const Q = new Float64Array(m * m);
  let i = 0;
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      Q[a * m + b] = th[i];
      Q[b * m + a] = th[i];
      i++;
    }
  }
  return Q;
}

/** ∂S/∂θ for θ = (Q_ab, a ≤ b): G_aa on the diagonal, 2G_ab off it. */
function thetaGrad(G: Float64Array, m: number): Float64Array {
  const g = new Float64Array((m * (m + 1)) / 2);
  let i = 0;
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) g[i++] = a === b ? G[a * m + a] : 2 * G[a * m + b];
  return g;
}

function isPD(Q: Float64Array, m: number): boolean {
  try {
    cholesky(Q, m, { jitter: 0, trusted: true });
    return true;
  } catch {
    return false;
  }
}

function maxAbs(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]));
  return s;
}

/**
 * The matrix saddle point Q* (see the module doc): Newton on the entries of Q from Q0 (default I).
 *
 * @param kappa eigenvalues of K; @param Yt Ỹ = UᵀY (P×m).
 */
export function solveMatrixSaddle(
  kappa: Float64Array,
  Yt: Float64Array,
  m: number,
  p: RenormParams,
  opts: { tol?: number; maxIter?: number; Q0?: Float64Array; where?: string } = {},
): MatrixSaddlePoint {
  const where = opts.where ?? "matrix saddle point";
  checkParams(p, where);
  const tol = opts.tol ?? 1e-12;
  const maxIter = opts.maxIter ?? 200;
  let Q = opts.Q0 ? Float64Array.from(opts.Q0) : identity(m);
  checkInputs(kappa, Yt, Q, m, where);
  if (!isPD(Q, m)) throw new InputError("the starting Q0 is not positive definite", where);
  const nth = (m * (m + 1)) / 2;
  const gradTheta = (th: Float64Array) => thetaGrad(matrixActionGradient(kappa, Yt, fromTheta(th, m), m, p), m);
  let th = toTheta(Q, m);
  let S = matrixAction(kappa, Yt, Q, m, p);
  let G = matrixActionGradient(kappa, Yt, Q, m, p);
  let it = 0;
  let converged = maxAbs(G) <= tol;
  while (!converged && it < maxIter) {
    it++;
    const g = thetaGrad(G, m);
    // Hessian by central differences of the analytic gradient
    const H = new Float64Array(nth * nth);
    let qscale = 0;
    for (let a = 0; a < m; a++) qscale = Math.max(qscale, Math.abs(Q[a * m + a]));
    const h = 1e-5 * Math.max(qscale, 1e-3);
    for (let j = 0; j < nth; j++) {
      const tp = Float64Array.from(th);
      const tm = Float64Array.from(th);
      tp[j] += h;
      tm[j] -= h;
      let gp: Float64Array;
      let gm: Float64Array;
      try {
        gp = gradTheta(tp);
        gm = gradTheta(tm);
      } catch {
        gp = g;
        gm = g;
      }
      for (let i = 0; i < nth; i++) H[i * nth + j] = (gp[i] - gm[i]) / (2 * h);
    }
    for (let i = 0; i < nth; i++) for (let j = 0; j < i; j++) H[i * nth + j] = H[j * nth + i] = 0.5 * (H[i * nth + j] + H[j * nth + i]);
    let dir: Float64Array;
    try {
      const c = cholesky(H, nth, { jitter: 0, trusted: true });
      dir = choleskySolve(c, g, 1);
      for (let i = 0; i < nth; i++) dir[i] = -dir[i];
    } catch {
      dir = new Float64Array(nth);
      for (let i = 0; i < nth; i++) dir[i] = -g[i];
    }
    let alpha = 1;
    let accepted = false;
    const gn = maxAbs(G);
    for (let ls = 0; ls < 60; ls++) {
      const tn = new Float64Array(nth);
      for (let i = 0; i < nth; i++) tn[i] = th[i] + alpha * dir[i];
      const Qn = fromTheta(tn, m);
      if (isPD(Qn, m)) {
        const Sn = matrixAction(kappa, Yt, Qn, m, p);
        const Gn = matrixActionGradient(kappa, Yt, Qn, m, p);
        if (Number.isFinite(Sn) && (Sn < S || maxAbs(Gn) < gn)) {
          th = tn;
          Q = Qn;
          S = Sn;
          G = Gn;
          accepted = true;
          break;
        }
      }
      alpha *= 0.5;
    }
    if (!accepted) break;
    converged = maxAbs(G) <= tol;
  }
  if (!Number.isFinite(S)) throw new NumericalError(`${where}: the action is not finite`);
  const { q } = eigQ(Q, m);
  return { Q, m, eigenvalues: q, action: S, gradientNorm: maxAbs(G), converged, iterations: it, T: p.T, N1: p.N1, lambda1: p.lambda1 };
}

function identity(m: number): Float64Array {
  const I = new Float64Array(m * m);
  for (let a = 0; a < m; a++) I[a * m + a] = 1;
  return I;
}

/** Posterior predictive of the multi-output renormalized GP. */
export interface MatrixPrediction {
  /** Pt×m test means. */
  ypred: Float64Array;
  /** Pt×m per-output test variances (diagonal of the m×m covariance of f(x0)). */
  pointVariance: Float64Array;
  testLoss: number | null;
  bias2: number | null;
  variance: number | null;
  trainLoss: number;
  trainBias2: number;
  trainVariance: number;
}

/**
 * The multi-output GP predictor with kernel K⊗Q/λ1 and noise T at a symmetric PD Q (Q = I: the
 * infinite-width baseline). Losses are mean squared errors averaged over points and outputs. O(Pt·P·m).
 */
export function predictMatrix(problem: RenormProblem, Q: Float64Array, p: { T: number; lambda1: number }): MatrixPrediction {
  const m = problem.nOut;
  const P = problem.P;
  checkParams({ T: p.T, N1: 1, lambda1: p.lambda1 }, problem.where);
  checkInputs(problem.kappa, problem.yTilde, Q, m, problem.where);
  const { q, V } = eigQ(Q, m);
  for (let a = 0; a < m; a++) if (!(q[a] > 0)) throw new InputError(`Q is not positive definite (eigenvalue ${q[a]})`, problem.where);
  const Yh = rotate(problem.yTilde, P, m, V);
  const kappa = problem.kappa;
  const { T, lambda1 } = p;
  // train: residual coefficients T·Ŷ/d, variance Σ g T/d
  let tb = 0;
  let tv = 0;
  const Wm = new Float64Array(P * m);
  const Dq = new Float64Array(P * m);
  for (let k = 0; k < P; k++) {
    for (let a = 0; a < m; a++) {
      const g = (kappa[k] * q[a]) / lambda1;
      const d = T + g;
      const r = (T * Yh[k * m + a]) / d;
      tb += r * r;
      tv += (g * T) / d;
      Wm[k * m + a] = ((q[a] / lambda1) * Yh[k * m + a]) / d;
      Dq[k * m + a] = 1 / d;
    }
  }
  const out: MatrixPrediction = {
    ypred: new Float64Array(0),
    pointVariance: new Float64Array(0),
    testLoss: null,
    bias2: null,
    variance: null,
    trainLoss: (tb + tv) / (P * m),
    trainBias2: tb / (P * m),
    trainVariance: tv / (P * m),
  };
  const test = problem.test;
  if (test) {
    const Pt = problem.Pt;
    const muHat = new Float64Array(Pt * m);
    const quad = new Float64Array(Pt * m);
    backend().gemm(false, false, Pt, m, P, 1, test.B, P, Wm, m, 0, muHat, m);
    backend().gemm(false, false, Pt, m, P, 1, test.B2, P, Dq, m, 0, quad, m);
    const ypred = new Float64Array(Pt * m);
    backend().gemm(false, true, Pt, m, m, 1, muHat, m, V, m, 0, ypred, m);
    const cHat = new Float64Array(Pt * m);
    let vsum = 0;
    for (let r = 0; r < Pt; r++) {
      for (let a = 0; a < m; a++) {
        const sa = q[a] / lambda1;
        const c = Math.max(sa * test.kDiag[r] - sa * sa * quad[r * m + a], 0);
        cHat[r * m + a] = c;
        vsum += c;
      }
    }
    const V2 = new Float64Array(m * m);
    for (let i = 0; i < m * m; i++) V2[i] = V[i] * V[i];
    const pv = new Float64Array(Pt * m);
    backend().gemm(false, true, Pt, m, m, 1, cHat, m, V2, m, 0, pv, m);
    out.ypred = ypred;
    out.pointVariance = pv;
    if (problem.yTest) {
      let b = 0;
      for (let i = 0; i < Pt * m; i++) {
        const e = ypred[i] - problem.yTest[i];
        b += e * e;
      }
      out.bias2 = b / (Pt * m);
      out.variance = vsum / (Pt * m);
      out.testLoss = out.bias2 + out.variance;
    }
  }
  return out;
}
