/**
 * The proportional-limit effective action of a one-hidden-layer Bayesian network and its saddle point
 * (paper a, brief §3.3–3.5), on the spectrum of the NNGP kernel.
 *
 * With K = U diag(κ) Uᵀ the train kernel, ỹ = Uᵀy, g_k = Q̄κ_k/λ1 and A = T·I + (Q̄/λ1)K:
 *
 * ```
 * S(Q̄)    = Q̄ − log Q̄ + (1/N1) Σ_k log(T + g_k) + (1/N1) Σ_k ỹ_k²/(T + g_k)              (§3.3)
 * dS/dQ̄   = 1 − 1/Q̄ + (1/N1) Σ_k (κ_k/λ1)/(T + g_k) − (1/N1) Σ_k ỹ_k² (κ_k/λ1)/(T + g_k)²  (§3.5, §4.1)
 * Q̄       = 1 + (1/N1) [ Σ_k ỹ_k² g_k/(T + g_k)² − Σ_k g_k/(T + g_k) ]                     (fixed-point form)
 * ```
 *
 * S carries no additive constant (the PRL code's −1 is dropped) and the data term has the prefactor
 * 1/N1 (deepbays, PRL 2024), not the NMI 2023 code's 1/(λ1 N1). Every evaluation is O(P).
 *
 * **Solver** ({@link solveSaddle}): Q̄* is the minimiser of S reached from the infinite-width value
 * Q̄ = 1 by a bracketed one-dimensional search on t = log Q̄ using the sign of dS/dQ̄: from t = 0 the
 * bracket is widened by steps of log 2 (doubling each time) in the descent direction until dS/dQ̄
 * changes sign, then Brent's method finds the root to |Δt| ≤ 1e-14. A root always exists because
 * dS/dQ̄ → −∞ as Q̄ → 0⁺ and dS/dQ̄ → 1 as Q̄ → ∞; the bracket [t_lo, t_hi] has dS < 0 at its lower and
 * dS > 0 at its upper end, so the root is a local minimum of S. N1 = ∞ (infinite width) gives Q̄ = 1.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { brentRoot } from "../../kernels/chaos.js";

/** The scalars of one theory point: likelihood temperature T, hidden width N1, readout prior precision λ1. */
export interface RenormParams {
  /** Likelihood temperature T > 0 (the noise variance of the equivalent GP). */
  T: number;
  /** Hidden-layer width N1 ≥ 1 (`Infinity`: the infinite-width NNGP limit, Q̄ = 1). */
  N1: number;
  /** Readout prior precision λ1 > 0 (v_i ~ N(0, 1/λ1)). */
  lambda1: number;
}

/** Throws an InputError unless T > 0, N1 ≥ 1 (or ∞) and λ1 > 0 are finite numbers. */
export function checkParams(p: RenormParams, where = "renormalization"): void {
  if (p === null || typeof p !== "object") throw new InputError("expected {T, N1, lambda1}", where);
  const { T, N1, lambda1 } = p;
  if (typeof T !== "number" || !Number.isFinite(T) || !(T > 0)) throw new InputError(`temperature T must be a finite number > 0, got ${T}`, where);
  if (typeof N1 !== "number" || Number.isNaN(N1) || !(N1 >= 1)) throw new InputError(`width N1 must be a number ≥ 1 (or Infinity), got ${N1}`, where);
  if (typeof lambda1 !== "number" || !Number.isFinite(lambda1) || !(lambda1 > 0)) {
    throw new InputError(`readout prior precision λ1 must be a finite number > 0, got ${lambda1}`, where);
  }
}

function checkSpectrum(kappa: Float64Array, yTilde: Float64Array, where: string): void {
  if (!(kappa instanceof Float64Array) || !(yTilde instanceof Float64Array)) throw new InputError("κ and ỹ must be Float64Arrays", where);
  if (kappa.length !== yTilde.length) throw new InputError(`κ has ${kappa.length} entries but ỹ has ${yTilde.length} (one output expected)`, where);
}

/** The three spectral sums of S and dS/dQ̄ at one Q̄ (internal, shared by the action, its derivative and the fixed-point map). */
function sums(kappa: Float64Array, yTilde: Float64Array, Q: number, T: number, lambda1: number) {
  let logdet = 0;
  let quad = 0;
  let tr = 0;
  let dquad = 0;
  let trG = 0;
  let quadG = 0;
  for (let k = 0; k < kappa.length; k++) {
    const a = kappa[k] / lambda1;
    const g = Q * a;
    const den = T + g;
    const y2 = yTilde[k] * yTilde[k];
    const inv = 1 / den;
    logdet += Math.log(den);
    quad += y2 * inv;
    tr += a * inv;
    dquad += y2 * a * inv * inv;
    trG += g * inv;
    quadG += y2 * g * inv * inv;
  }
  return { logdet, quad, tr, dquad, trG, quadG };
}

/**
 * The effective action S(Q̄) = Q̄ − log Q̄ + (1/N1)Σ_k log(T + Q̄κ_k/λ1) + (1/N1)Σ_k ỹ_k²/(T + Q̄κ_k/λ1)
 * (brief §3.3, spectral form, no additive constant). O(P).
 */
export function effectiveAction(kappa: Float64Array, yTilde: Float64Array, Q: number, p: RenormParams): number {
  const s = sums(kappa, yTilde, Q, p.T, p.lambda1);
  return Q - Math.log(Q) + (s.logdet + s.quad) / p.N1;
}

/** dS/dQ̄ = 1 − 1/Q̄ + (1/N1)Σ (κ/λ1)/(T + g) − (1/N1)Σ ỹ²(κ/λ1)/(T + g)², g = Q̄κ/λ1 (brief §4.1). O(P). */
export function actionGradient(kappa: Float64Array, yTilde: Float64Array, Q: number, p: RenormParams): number {
  const s = sums(kappa, yTilde, Q, p.T, p.lambda1);
  return 1 - 1 / Q + (s.tr - s.dquad) / p.N1;
}

/**
 * Right-hand side of the fixed-point form of the saddle-point equation (brief §3.5):
 * F(Q̄) = 1 + (1/N1)[Σ_k ỹ_k² g_k/(T + g_k)² − Σ_k g_k/(T + g_k)], g_k = Q̄κ_k/λ1. Q̄* = F(Q̄*). O(P).
 */
export function fixedPointMap(kappa: Float64Array, yTilde: Float64Array, Q: number, p: RenormParams): number {
  const s = sums(kappa, yTilde, Q, p.T, p.lambda1);
  return 1 + (s.quadG - s.trG) / p.N1;
}

/** Result of the saddle-point search. */
export interface SaddlePoint {
  /** The order parameter Q̄* (the kernel renormalization; K_R = (Q̄*·K)/λ1). */
  Q: number;
  /** S(Q̄*). */
  action: number;
  /** dS/dQ̄ at Q̄* (≈ 0). */
  gradient: number;
  /** Whether Brent's method met its tolerance (and |dS/dQ̄| is small). */
  converged: boolean;
  /** Evaluations of dS/dQ̄: bracketing steps plus Brent iterations. */
  iterations: number;
  /** Final bracket [Q̄_lo, Q̄_hi] of the root (dS < 0 at Q̄_lo, dS > 0 at Q̄_hi). */
  bracket: [number, number];
  /** The parameters of this point. */
  T: number;
  N1: number;
  lambda1: number;
}

/** Options of {@link solveSaddle}. */
export interface SaddleOptions {
  /** Absolute tolerance on t = log Q̄ (default 1e-14). */
  xtol?: number;
  /** Largest number of Brent iterations (default 200). */
  maxIter?: number;
  /** Name used in messages. */
  where?: string;
}

/**
 * Q̄* = the minimiser of S reached from Q̄ = 1: bracket expansion on t = log Q̄ in the descent
 * direction, then Brent's method on dS/dQ̄(e^t) (see the module doc). Reports S(Q̄*), dS/dQ̄(Q̄*), the
 * number of derivative evaluations and whether it converged. Throws InputError on bad parameters and
 * NumericalError if dS/dQ̄ is not finite (it never is for T > 0 and finite κ, ỹ).
 *
 * @param kappa eigenvalues κ_k ≥ 0 of the train kernel K.
 * @param yTilde ỹ = Uᵀy (one output).
 */
export function solveSaddle(kappa: Float64Array, yTilde: Float64Array, p: RenormParams, opts: SaddleOptions = {}): SaddlePoint {
  const where = opts.where ?? "saddle point";
  checkParams(p, where);
  checkSpectrum(kappa, yTilde, where);
  const base = { T: p.T, N1: p.N1, lambda1: p.lambda1 };
  if (p.N1 === Number.POSITIVE_INFINITY) {
    return { Q: 1, action: 1, gradient: 0, converged: true, iterations: 0, bracket: [1, 1], ...base };
  }
  const f = (t: number): number => {
    const v = actionGradient(kappa, yTilde, Math.exp(t), p);
    if (!Number.isFinite(v)) throw new NumericalError(`${where}: dS/dQ̄ is not finite at Q̄ = ${Math.exp(t)} (T = ${p.T}, N1 = ${p.N1}, λ1 = ${p.lambda1})`);
    return v;
  };
  let evals = 1;
  const f0 = f(0);
  if (f0 === 0) {
    return { Q: 1, action: effectiveAction(kappa, yTilde, 1, p), gradient: 0, converged: true, iterations: 1, bracket: [1, 1], ...base };
  }
  // Expand from t = 0 in the descent direction (dS < 0 → Q̄* > 1, dS > 0 → Q̄* < 1).
  const dir = f0 < 0 ? 1 : -1;
  let a = 0;
  let fa = f0;
  let step = Math.LN2;
  let b = a;
  let fb = fa;
  for (let i = 0; i < 200; i++) {
    b = a + dir * step;
    fb = f(b);
    evals++;
    if (Math.sign(fb) !== Math.sign(fa)) break;
    a = b;
    fa = fb;
    step *= 2;
    if (Math.abs(b) > 700) throw new NumericalError(`${where}: no sign change of dS/dQ̄ for Q̄ in [e^-700, e^700]`);
  }
  if (Math.sign(fb) === Math.sign(fa) && fb !== 0) throw new NumericalError(`${where}: could not bracket the saddle point`);
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const flo = lo === a ? fa : fb;
  const fhi = hi === a ? fa : fb;
  const r = brentRoot(f, lo, hi, { fa: flo, fb: fhi, xtol: opts.xtol ?? 1e-14, maxIter: opts.maxIter ?? 200 });
  evals += r.iterations;
  const Q = Math.exp(r.x);
  const action = effectiveAction(kappa, yTilde, Q, p);
  if (!Number.isFinite(action)) throw new NumericalError(`${where}: the action is not finite at Q̄ = ${Q}`);
  return { Q, action, gradient: r.fx, converged: r.converged, iterations: evals, bracket: [Math.exp(lo), Math.exp(hi)], ...base };
}

/** Result of {@link solveFixedPoint}. */
export interface FixedPointResult {
  Q: number;
  iterations: number;
  converged: boolean;
  /** |F(Q̄) − Q̄| at the end. */
  residual: number;
}

/**
 * The damped fixed-point iteration Q̄ ← (1 − η)Q̄ + η·F(Q̄) of brief §4.1 (default η = ½, start Q̄ = 1,
 * tolerance |F(Q̄) − Q̄| ≤ tol = 1e-14). A consistency check of {@link solveSaddle} (they agree to 1e-10
 * where the iteration converges); the damping may have to be lowered when |F′(Q̄*)| is large.
 */
export function solveFixedPoint(
  kappa: Float64Array,
  yTilde: Float64Array,
  p: RenormParams,
  opts: { damping?: number; tol?: number; maxIter?: number; Q0?: number } = {},
): FixedPointResult {
  checkParams(p, "fixed point");
  checkSpectrum(kappa, yTilde, "fixed point");
  const eta = opts.damping ?? 0.5;
  if (!(eta > 0 && eta <= 1)) throw new InputError(`damping must be in (0, 1], got ${eta}`, "fixed point");
  const tol = opts.tol ?? 1e-14;
  const maxIter = opts.maxIter ?? 10000;
  let Q = opts.Q0 ?? 1;
  let residual = Number.POSITIVE_INFINITY;
  for (let it = 1; it <= maxIter; it++) {
    const F = fixedPointMap(kappa, yTilde, Q, p);
    residual = Math.abs(F - Q);
    if (residual <= tol * Math.max(1, Math.abs(Q))) return { Q: F, iterations: it, converged: true, residual };
    Q = Math.max((1 - eta) * Q + eta * F, 1e-300);
  }
  return { Q, iterations: maxIter, converged: false, residual };
}
