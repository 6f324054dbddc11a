/**
 * Deep **linear** networks: one order parameter per hidden layer (the back-propagating kernel
 * renormalization of Li & Sompolinsky 2021, in the conventions of paper a). This is the deep form we
 * can derive exactly; for deep *nonlinear* networks the brief gives no equations (the Pacelli et al.
 * 2023 deep form is not reproduced there), so it is not implemented.
 *
 * Network: h^(1) = W^(1)x/√N0, h^(ℓ) = W^(ℓ)h^(ℓ−1)/√N_{ℓ−1} (ℓ = 2…L), f = v·h^(L)/√N_L, linear σ, no
 * biases; priors W^(1) ~ N(0, 1/λ0), W^(ℓ) ~ N(0, 1/λ_{ℓ−1}), v ~ N(0, 1/λ_L); likelihood temperature T.
 * (L = 1 is the one-hidden-layer model with λ1 the readout precision.)
 *
 * **Derivation** [DERIVED, the steps of brief §3.4 applied layer by layer from the top]: integrating v
 * gives exp(−Σ_i(s̄·h_i^(L))²/(2λ_L N_L)); given h^(L−1), s̄·h_i^(L) is exactly Gaussian with variance
 * s̄ᵀC_L s̄, C_L = h^(L−1)h^(L−1)ᵀ/(λ_{L−1}N_{L−1}), and the W^(L) integral gives
 * (1 + s̄ᵀC_L s̄/(λ_L N_L))^{−N_L/2}. The order parameter Q_L = s̄ᵀC_L s̄/(λ_L N_L) and its conjugate Q̄_L
 * turn this into the field kernel (Q̄_L/λ_L)C_L — the same problem one layer down. Repeating to the
 * input and eliminating each Q_ℓ = 1/Q̄_ℓ − 1:
 *
 * ```
 * S({Q̄_ℓ}) = Σ_ℓ (N_ℓ/N_L)(Q̄_ℓ − log Q̄_ℓ) + (1/N_L) Σ_k [log(T + sκ_k) + ỹ_k²/(T + sκ_k)],
 * s = Π_ℓ Q̄_ℓ / Π_ℓ λ_ℓ   (ℓ = 1…L),   κ, ỹ from C = XXᵀ/(λ0 N0)
 * ```
 *
 * so the predictor is GP regression with kernel s·C (the kernel is renormalized by the product of the
 * layers' order parameters). Stationarity gives N_ℓ(Q̄_ℓ − 1) = −s G′(s) ≡ c for every ℓ, with
 * sG′(s) = Σ_k g_k/(T + g_k) − Σ_k ỹ_k² g_k/(T + g_k)², g_k = sκ_k: all layers share one number c and
 * Q̄_ℓ = 1 + c/N_ℓ. We solve the one-dimensional equation c + sG′(s(c)) = 0 on t = log(1 + c/N_min)
 * (the narrowest layer's log Q̄) by the bracket-and-Brent method of the scalar theory. For L = 1 this
 * is exactly the scalar saddle point of a linear network.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { brentRoot } from "../../kernels/chaos.js";
import type { RenormPrediction, RenormProblem } from "./problem.js";

/** Parameters of a deep linear theory point. */
export interface DeepLinearParams {
  /** Likelihood temperature T > 0. */
  T: number;
  /** Hidden widths N_1 … N_L (each ≥ 1, finite). */
  widths: number[];
  /** Prior precisions λ_1 … λ_L of W^(2) … W^(L) and of the readout v (the last one); λ0 enters C. */
  lambdas: number[];
}

function check(p: DeepLinearParams, where: string): void {
  if (p === null || typeof p !== "object") throw new InputError("expected {T, widths, lambdas}", where);
  if (!(typeof p.T === "number" && Number.isFinite(p.T) && p.T > 0)) throw new InputError(`temperature T must be a finite number > 0, got ${p.T}`, where);
  if (!Array.isArray(p.widths) || p.widths.length === 0) throw new InputError("widths must be a non-empty array (one per hidden layer)", where);
  if (!Array.isArray(p.lambdas) || p.lambdas.length !== p.widths.length)
    throw new InputError(`lambdas must have one entry per hidden layer (${p.widths.length})`, where);
  p.widths.forEach((n, i) => {
    if (!(typeof n === "number" && Number.isFinite(n) && n >= 1)) throw new InputError(`width N_${i + 1} must be a finite number ≥ 1, got ${n}`, where);
  });
  p.lambdas.forEach((l, i) => {
    if (!(typeof l === "number" && Number.isFinite(l) && l > 0)) throw new InputError(`λ_${i + 1} must be a finite number > 0, got ${l}`, where);
  });
}

function scaleOf(Q: number[], lambdas: number[]): number {
  let s = 1;
  for (let l = 0; l < Q.length; l++) s *= Q[l] / lambdas[l];
  return s;
}

/** The deep-linear action S({Q̄_ℓ}) (module doc), normalised by the last width N_L. O(P). */
export function deepLinearAction(kappa: Float64Array, yTilde: Float64Array, Q: number[], p: DeepLinearParams): number {
  check(p, "deep linear action");
  if (Q.length !== p.widths.length) throw new InputError(`need ${p.widths.length} order parameters, got ${Q.length}`, "deep linear action");
  const NL = p.widths[p.widths.length - 1];
  let S = 0;
  for (let l = 0; l < Q.length; l++) S += (p.widths[l] / NL) * (Q[l] - Math.log(Q[l]));
  const s = scaleOf(Q, p.lambdas);
  let data = 0;
  for (let k = 0; k < kappa.length; k++) {
    const d = p.T + s * kappa[k];
    data += Math.log(d) + (yTilde[k] * yTilde[k]) / d;
  }
  return S + data / NL;
}

/** ∂S/∂Q̄_ℓ = (N_ℓ/N_L)(1 − 1/Q̄_ℓ) + (s/(Q̄_ℓ N_L)) G′(s). O(P). */
export function deepLinearGradient(kappa: Float64Array, yTilde: Float64Array, Q: number[], p: DeepLinearParams): number[] {
  check(p, "deep linear gradient");
  const NL = p.widths[p.widths.length - 1];
  const s = scaleOf(Q, p.lambdas);
  const sGp = sGprime(kappa, yTilde, s, p.T);
  return Q.map((q, l) => (p.widths[l] / NL) * (1 - 1 / q) + sGp / (q * NL));
}

/** sG′(s) = Σ g/(T + g) − Σ ỹ² g/(T + g)², g = sκ. */
function sGprime(kappa: Float64Array, yTilde: Float64Array, s: number, T: number): number {
  let a = 0;
  for (let k = 0; k < kappa.length; k++) {
    const g = s * kappa[k];
    const inv = 1 / (T + g);
    a += g * inv - yTilde[k] * yTilde[k] * g * inv * inv;
  }
  return a;
}

/** The deep linear saddle point. */
export interface DeepLinearSaddlePoint {
  /** Q̄_1 … Q̄_L. */
  Q: number[];
  /** The shared c = N_ℓ(Q̄_ℓ − 1). */
  c: number;
  /** Kernel scale s = Π Q̄_ℓ/Π λ_ℓ: the predictor is GP regression with kernel s·C. */
  s: number;
  action: number;
  /** ∂S/∂Q̄_ℓ at the solution. */
  gradient: number[];
  converged: boolean;
  iterations: number;
  T: number;
}

/** Solves the deep linear saddle point (module doc). */
export function solveDeepLinear(kappa: Float64Array, yTilde: Float64Array, p: DeepLinearParams): DeepLinearSaddlePoint {
  const where = "deep linear saddle point";
  check(p, where);
  if (!(kappa instanceof Float64Array) || !(yTilde instanceof Float64Array) || kappa.length !== yTilde.length)
    throw new InputError("κ and ỹ must be Float64Arrays of equal length", where);
  const Nmin = Math.min(...p.widths);
  const Qof = (c: number) => p.widths.map((N) => 1 + c / N);
  let evals = 0;
  const F = (t: number): number => {
    const c = Nmin * Math.expm1(t);
    const s = scaleOf(Qof(c), p.lambdas);
    evals++;
    const v = (c + sGprime(kappa, yTilde, s, p.T)) / Nmin;
    if (!Number.isFinite(v)) throw new NumericalError(`${where}: the stationarity equation is not finite at c = ${c}`);
    return v;
  };
  const f0 = F(0);
  let t = 0;
  let converged = true;
  if (f0 !== 0) {
    const dir = f0 < 0 ? 1 : -1;
    let a = 0;
    let fa = f0;
    let step = Math.LN2;
    let b = 0;
    let fb = f0;
    for (let i = 0; i < 200; i++) {
      b = a + dir * step;
      fb = F(b);
      if (Math.sign(fb) !== Math.sign(fa)) break;
      a = b;
      fa = fb;
      step *= 2;
      if (Math.abs(b) > 700) throw new NumericalError(`${where}: could not bracket the saddle point`);
    }
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const r = brentRoot(F, lo, hi, { fa: lo === a ? fa : fb, fb: hi === a ? fa : fb, xtol: 1e-14 });
    t = r.x;
    converged = r.converged;
  }
  const c = Nmin * Math.expm1(t);
  const Q = Qof(c);
  const s = scaleOf(Q, p.lambdas);
  return { Q, c, s, action: deepLinearAction(kappa, yTilde, Q, p), gradient: deepLinearGradient(kappa, yTilde, Q, p), converged, iterations: evals, T: p.T };
}

/**
 * The deep linear theory of a {@link RenormProblem} built with the linear activation (so K = C): the
 * saddle point and the GP predictor with kernel s·C. Throws an InputError for another activation.
 */
export function deepLinearTheory(problem: RenormProblem, p: DeepLinearParams): { saddle: DeepLinearSaddlePoint; prediction: RenormPrediction } {
  if (problem.act.name !== "linear")
    throw new InputError(`the deep theory is implemented for the linear activation only, got ${problem.act.spec}`, problem.where);
  if (problem.nOut !== 1) throw new InputError(`the deep linear theory needs one output, y has ${problem.nOut}`, problem.where);
  const saddle = solveDeepLinear(problem.kappa, problem.yTilde, p);
  return { saddle, prediction: problem.predict(saddle.s, { T: p.T, lambda1: 1 }) };
}
