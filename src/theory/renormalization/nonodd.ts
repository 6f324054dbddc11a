/**
 * Non-odd activations (ReLU, …): the two-order-parameter theory of brief §3.14 (deepbays
 * `FC_1HL_nonodd`, written there with (x, B)).
 *
 * For non-odd σ the readout sees a non-zero mean feature k̄_μ = E[σ(h^μ)], h^μ ~ N(0, C_μμ) (ReLU:
 * k̄_μ = √(C_μμ/(2π)) — the correct value; one deepbays revision has the precedence bug √(c/2·π)).
 * The fluctuating part K̃ = K − k̄k̄ᵀ of the kernel is renormalized by x (which plays the role of Q̄) and
 * the mean part by r = 1/(1 + B):
 *
 * ```
 * S(x, B) = −x·B + log(1 + B) + (1/N1) log det A + (1/N1) yᵀA⁻¹y
 * A       = T·I + (x/λ1)K − ((x − 1/(1+B))/λ1) k̄k̄ᵀ = T·I + (x/λ1)K̃ + (r/λ1) k̄k̄ᵀ
 * ```
 *
 * For an odd σ (k̄ = 0) the B-equation gives B = 1/x − 1 and S(x, B(x)) = S_§3.3(x) − 1: the scalar
 * theory (whose action omits that constant). The predictor is GP regression with the
 * rank-one-corrected kernel K_R = (x/λ1)K̃ + (r/λ1)k̄k̄ᵀ (test rows k_R0 = (x/λ1)(k0 − k̄0k̄) + (r/λ1)k̄0k̄,
 * K_R00 = (x/λ1)(K00 − k̄0²) + (r/λ1)k̄0²) and noise T.
 *
 * **Evaluation.** K̃ is eigendecomposed once, K̃ = U diag(κ̃) Uᵀ; with D_k = T + xκ̃_k/λ1, k̂ = Uᵀk̄,
 * ŷ = Uᵀy and ρ = r/λ1, the matrix determinant lemma and Sherman–Morrison give
 * log det A = Σ log D + log(1 + ρa) and yᵀA⁻¹y = c − ρb²/(1 + ρa) with a = k̂ᵀD⁻¹k̂, b = k̂ᵀD⁻¹ŷ,
 * c = ŷᵀD⁻¹ŷ: O(P) per evaluation, with analytic derivatives.
 *
 * **Solver.** Nested bracketed searches: for fixed x, B solves ∂S/∂B = 0, i.e.
 * x − r + (r²/N1)∂_rG = 0 (G = log det A + yᵀA⁻¹y), by bracket expansion and Brent on log r from r = x;
 * then x solves dS/dx = ∂S/∂x(x, B(x)) = 0 (envelope theorem) by the same method on log x from x = 1.
 * Needs N1 > 1 (for N1 = 1 the B-equation may have no root); N1 = ∞ gives x = 1, B = 0.
 * **Validation status:** the equations are those of the brief; they are checked here against an
 * independent NumPy implementation (dense matrices, a different solver), the odd-σ reduction and the
 * stationarity of S — not against sampling.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { backend } from "../../engine/linalg.js";
import { brentRoot } from "../../kernels/chaos.js";
import { type Activation, GPEigen, gaussExpect1d } from "../../kernels/index.js";
import { checkParams, type RenormParams } from "./action.js";
import type { RenormPrediction, RenormProblem } from "./problem.js";

/**
 * The mean feature E[σ(h)], h ~ N(0, a): 0 for odd σ; √(a/(2π)) for ReLU, (1 − α)√(a/(2π)) for leaky
 * ReLU, √(2a/π) for |x|, a for x², e^{−a/2} for cos; otherwise Gauss–Legendre quadrature (64 nodes per
 * half-line).
 */
export function meanFeature(act: Activation, a: number): number {
  if (!(a >= 0) || !Number.isFinite(a)) throw new InputError(`variance must be a finite number ≥ 0, got ${a}`, "meanFeature");
  if (act.odd) return 0;
  switch (act.name) {
    case "relu":
      return Math.sqrt(a / (2 * Math.PI));
    case "leaky-relu":
      return (1 - (act.params.slope ?? act.params.alpha ?? 0.01)) * Math.sqrt(a / (2 * Math.PI));
    case "abs":
      return Math.sqrt((2 * a) / Math.PI);
    case "quadratic":
      return a;
    case "cos":
      return Math.exp(-a / 2);
    default:
      return gaussExpect1d((h) => act.phi(h), a);
  }
}

/** The saddle point of the two-order-parameter theory. */
export interface NonOddSaddlePoint {
  /** x (the analogue of Q̄: the renormalization of the fluctuating kernel K̃). */
  x: number;
  /** B (the conjugate variable), B = 1/r − 1. */
  B: number;
  /** r = 1/(1 + B): the renormalization of the mean part k̄k̄ᵀ. */
  r: number;
  /** S(x, B). */
  action: number;
  /** [∂S/∂x, ∂S/∂B] at the solution. */
  gradient: [number, number];
  converged: boolean;
  /** Outer (x) evaluations and the total of inner (B) Brent iterations. */
  iterations: number;
  innerIterations: number;
  T: number;
  N1: number;
  lambda1: number;
}

interface Sums {
  L: number;
  a: number;
  b: number;
  c: number;
  Lx: number;
  ax: number;
  bx: number;
  cx: number;
}

/**
 * The two-order-parameter theory of a {@link RenormProblem} with a non-odd activation (or any: for odd σ
 * it reduces to the scalar theory). Build with {@link NonOddRenorm.fromProblem}.
 */
export class NonOddRenorm {
  private constructor(
    readonly problem: RenormProblem,
    /** k̄ (P). */
    readonly kbar: Float64Array,
    /** k̄0 at the test points (Pt). */
    readonly kbarTest: Float64Array,
    /** Eigendecomposition of K̃ = K − k̄k̄ᵀ (with ỹ = Uᵀy). */
    readonly gpTilde: GPEigen,
    /** k̂ = Uᵀk̄. */
    readonly kHat: Float64Array,
    /** (k0 − k̄0k̄)ᵀU, Pt×P. */
    readonly testHat: Float64Array,
  ) {}

  /** Mean features, K̃ and its eigendecomposition, test projections. O(P³). */
  static fromProblem(problem: RenormProblem): NonOddRenorm {
    if (problem.nOut !== 1) throw new InputError(`the non-odd theory needs one output, y has ${problem.nOut}`, problem.where);
    const P = problem.P;
    const act = problem.act;
    const kbar = new Float64Array(P);
    for (let i = 0; i < P; i++) kbar[i] = meanFeature(act, problem.C.train[i * P + i]);
    const Pt = problem.Pt;
    const kbarTest = new Float64Array(Pt);
    for (let r = 0; r < Pt; r++) kbarTest[r] = meanFeature(act, problem.C.testDiag[r]);
    const Kt = new Float64Array(P * P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) Kt[i * P + j] = problem.K.train[i * P + j] - kbar[i] * kbar[j];
    const gpTilde = GPEigen.fromKernel(Kt, P, problem.y, { where: `${problem.where}: K − k̄k̄ᵀ`, cache: false });
    const U = gpTilde.U;
    const kHat = new Float64Array(P);
    backend().gemv(true, P, P, 1, U, P, kbar, 0, kHat);
    const testHat = new Float64Array(Pt * P);
    if (Pt > 0) {
      const cross = new Float64Array(Pt * P);
      for (let r = 0; r < Pt; r++) for (let j = 0; j < P; j++) cross[r * P + j] = problem.K.cross[r * P + j] - kbarTest[r] * kbar[j];
      backend().gemm(false, false, Pt, P, P, 1, cross, P, U, P, 0, testHat, P);
    }
    return new NonOddRenorm(problem, kbar, kbarTest, gpTilde, kHat, testHat);
  }

  private sums(x: number, p: RenormParams): Sums {
    const kt = this.gpTilde.kappa;
    const yh = this.gpTilde.yTilde;
    const kh = this.kHat;
    let L = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    let Lx = 0;
    let ax = 0;
    let bx = 0;
    let cx = 0;
    for (let k = 0; k < kt.length; k++) {
      const e = kt[k] / p.lambda1;
      const D = p.T + x * e;
      const inv = 1 / D;
      const inv2e = e * inv * inv;
      L += Math.log(D);
      a += kh[k] * kh[k] * inv;
      b += kh[k] * yh[k] * inv;
      c += yh[k] * yh[k] * inv;
      Lx += e * inv;
      ax -= kh[k] * kh[k] * inv2e;
      bx -= kh[k] * yh[k] * inv2e;
      cx -= yh[k] * yh[k] * inv2e;
    }
    return { L, a, b, c, Lx, ax, bx, cx };
  }

  /** S(x, B) of brief §3.14. O(P). */
  action(x: number, B: number, p: RenormParams): number {
    checkParams(p, this.problem.where);
    if (!(x > 0) || !(B > -1)) throw new InputError(`need x > 0 and B > −1, got x = ${x}, B = ${B}`, this.problem.where);
    const r = 1 / (1 + B);
    const s = this.sums(x, p);
    const rho = r / p.lambda1;
    const den = 1 + rho * s.a;
    const G = s.L + Math.log(den) + s.c - (rho * s.b * s.b) / den;
    return -x * B + Math.log(1 + B) + G / p.N1;
  }

  /** [∂S/∂x, ∂S/∂B] at (x, B). O(P). */
  gradient(x: number, B: number, p: RenormParams): [number, number] {
    checkParams(p, this.problem.where);
    const r = 1 / (1 + B);
    const s = this.sums(x, p);
    const { Gx, Gr } = this.partials(s, r, p);
    return [-B + Gx / p.N1, -x + r - (r * r * Gr) / p.N1];
  }

  private partials(s: Sums, r: number, p: RenormParams): { Gx: number; Gr: number } {
    const rho = r / p.lambda1;
    const den = 1 + rho * s.a;
    const Gr = (s.a / den - (s.b * s.b) / (den * den)) / p.lambda1;
    const Gx = s.Lx + (rho * s.ax) / den + s.cx - (rho * (2 * s.b * s.bx * den - rho * s.b * s.b * s.ax)) / (den * den);
    return { Gx, Gr };
  }

  /** r*(x): the root of x − r + (r²/N1)∂_rG(x, r) = 0 (∂S/∂B = 0), bracketed from r = x. */
  private innerR(x: number, p: RenormParams, counter: { n: number }): number {
    const s = this.sums(x, p);
    const h = (t: number): number => {
      const r = Math.exp(t);
      const { Gr } = this.partials(s, r, p);
      counter.n++;
      return x - r + (r * r * Gr) / p.N1;
    };
    return Math.exp(bracketRoot(h, Math.log(x), `${this.problem.where}: B-equation (x = ${x})`));
  }

  /** The saddle point (x*, B*) by nested bracketed searches (module doc). */
  solve(p: RenormParams): NonOddSaddlePoint {
    const where = this.problem.where;
    checkParams(p, where);
    const base = { T: p.T, N1: p.N1, lambda1: p.lambda1 };
    if (p.N1 === Number.POSITIVE_INFINITY) {
      return { x: 1, B: 0, r: 1, action: 1, gradient: [0, 0], converged: true, iterations: 0, innerIterations: 0, ...base };
    }
    if (!(p.N1 > 1)) throw new InputError(`the non-odd theory needs a width N1 > 1, got ${p.N1}`, where);
    const counter = { n: 0 };
    let outer = 0;
    const F = (t: number): number => {
      const x = Math.exp(t);
      const r = this.innerR(x, p, counter);
      const s = this.sums(x, p);
      const { Gx } = this.partials(s, r, p);
      outer++;
      const v = -(1 / r - 1) + Gx / p.N1;
      if (!Number.isFinite(v)) throw new NumericalError(`${where}: dS/dx is not finite at x = ${x}`);
      return v;
    };
    const t = bracketRoot(F, 0, `${where}: x-equation`);
    const x = Math.exp(t);
    const r = this.innerR(x, p, counter);
    const B = 1 / r - 1;
    const gradient = this.gradient(x, B, p);
    const action = this.action(x, B, p);
    const converged = Math.abs(gradient[0]) < 1e-8 && Math.abs(gradient[1]) < 1e-8;
    return { x, B, r, action, gradient, converged, iterations: outer, innerIterations: counter.n, ...base };
  }

  /** The renormalized train kernel K_R = (x/λ1)K̃ + (r/λ1)k̄k̄ᵀ (P×P). */
  renormalizedKernel(x: number, r: number, lambda1: number): Float64Array {
    const P = this.problem.P;
    const K = this.problem.K.train;
    const out = new Float64Array(P * P);
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) {
        const kk = this.kbar[i] * this.kbar[j];
        out[i * P + j] = (x / lambda1) * (K[i * P + j] - kk) + (r / lambda1) * kk;
      }
    }
    return out;
  }

  /**
   * The GP predictor with the rank-one-corrected kernel K_R and noise T (Sherman–Morrison in the
   * eigenbasis of K̃; O(Pt·P)). (x, r) = (1, 1) gives the infinite-width NNGP predictor with kernel K/λ1.
   */
  predict(x: number, r: number, p: { T: number; lambda1: number }): RenormPrediction {
    const { T, lambda1 } = p;
    checkParams({ T, N1: 2, lambda1 }, this.problem.where);
    const P = this.problem.P;
    const kt = this.gpTilde.kappa;
    const yh = this.gpTilde.yTilde;
    const kh = this.kHat;
    const rho = r / lambda1;
    const Dinv = new Float64Array(P);
    let a = 0;
    let b = 0;
    let trD = 0;
    let trD2k = 0;
    for (let k = 0; k < P; k++) {
      Dinv[k] = 1 / (T + (x * kt[k]) / lambda1);
      a += kh[k] * kh[k] * Dinv[k];
      b += kh[k] * yh[k] * Dinv[k];
      trD += Dinv[k];
      trD2k += kh[k] * kh[k] * Dinv[k] * Dinv[k];
    }
    const den = 1 + rho * a;
    // w = Uᵀ A⁻¹ y
    const w = new Float64Array(P);
    let w2 = 0;
    for (let k = 0; k < P; k++) {
      w[k] = Dinv[k] * yh[k] - (rho * Dinv[k] * kh[k] * b) / den;
      w2 += w[k] * w[k];
    }
    const trAinv = trD - (rho * trD2k) / den;
    const trainBias2 = (T * T * w2) / P;
    const trainVariance = (T * (P - T * trAinv)) / P;
    const Pt = this.problem.Pt;
    const ypred = new Float64Array(Pt);
    const pointVariance = new Float64Array(Pt);
    let bsum = 0;
    let vsum = 0;
    const yTest = this.problem.yTest;
    for (let q = 0; q < Pt; q++) {
      let mean = 0;
      let bDb = 0;
      let bDk = 0;
      const k0 = this.kbarTest[q];
      for (let k = 0; k < P; k++) {
        const bh = (x / lambda1) * this.testHat[q * P + k] + rho * k0 * kh[k];
        mean += bh * w[k];
        bDb += bh * bh * Dinv[k];
        bDk += bh * Dinv[k] * kh[k];
      }
      const k00 = (x / lambda1) * (this.problem.K.testDiag[q] - k0 * k0) + rho * k0 * k0;
      const v = Math.max(k00 - (bDb - (rho * bDk * bDk) / den), 0);
      ypred[q] = mean;
      pointVariance[q] = v;
      vsum += v;
      if (yTest) bsum += (mean - yTest[q]) ** 2;
    }
    const hasLoss = yTest !== null && Pt > 0;
    return {
      Q: x,
      s: x / lambda1,
      T,
      ypred,
      pointVariance,
      testLoss: hasLoss ? (bsum + vsum) / Pt : null,
      bias2: hasLoss ? bsum / Pt : null,
      variance: hasLoss ? vsum / Pt : null,
      trainLoss: trainBias2 + trainVariance,
      trainBias2,
      trainVariance,
    };
  }
}

/**
 * A root of f(t) by expanding a bracket from t0 in the direction where f's sign says the root lies
 * (assuming f > 0 to the left and f < 0 to the right, or the reverse, detected from f(t0) and one step),
 * then Brent. Throws NumericalError when no sign change is found within |t − t0| ≤ 700.
 */
function bracketRoot(f: (t: number) => number, t0: number, where: string): number {
  const f0 = f(t0);
  if (f0 === 0) return t0;
  // try both directions, doubling the step
  let step = Math.LN2;
  let aL = t0;
  let fL = f0;
  let aR = t0;
  let fR = f0;
  for (let i = 0; i < 60; i++) {
    const tr = aR + step;
    const ftr = f(tr);
    if (Math.sign(ftr) !== Math.sign(fR)) return brentRoot(f, aR, tr, { fa: fR, fb: ftr, xtol: 1e-14 }).x;
    aR = tr;
    fR = ftr;
    const tl = aL - step;
    const ftl = f(tl);
    if (Math.sign(ftl) !== Math.sign(fL)) return brentRoot(f, tl, aL, { fa: ftl, fb: fL, xtol: 1e-14 }).x;
    aL = tl;
    fL = ftl;
    step *= 2;
    if (step > 700) break;
  }
  throw new NumericalError(`${where}: no sign change found (no stationary point)`);
}
