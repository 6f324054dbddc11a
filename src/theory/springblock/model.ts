/**
 * The spring–block chain of paper c (Shi, Pan & Dokmanić; brief §2.7, §3.4, §3.7, §4.5–4.6):
 * geometry, forces, energy, shape statistics of the extensions, and the analytic oracle states.
 *
 * L blocks at x_1..x_L between a wall x_0 = 0 and a fixed target x_{L+1} = y; L + 1 springs of
 * stiffness k with elongations d_ℓ = x_ℓ − x_{ℓ−1} (spring L + 1 is the pulling spring).
 *
 * ```
 * F_ℓ = k (d_{ℓ+1} − d_ℓ) = k (x_{ℓ+1} − 2x_ℓ + x_{ℓ−1})      elastic force on block ℓ
 * E   = (k/2) Σ_{ℓ=1}^{L+1} d_ℓ²                               elastic energy
 * Σ_ℓ F_ℓ = k (d_{L+1} − d_1)                                  force identity
 * ```
 *
 * The spring analogue of the load curve is 1 − x_ℓ (ℓ = 0..L, with y = 1): the "loads" are the
 * elongations d_1..d_L; c = d_1 − d_L and v = std(d_1..d_L) (ddof 0), the pulling spring excluded.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";

/** Springs d_1..d_{L+1} of positions x_1..x_L (x_0 = 0, x_{L+1} = y). */
export function springs(x: ArrayLike<number>, y = 1): Float64Array {
  const L = x.length;
  const d = new Float64Array(L + 1);
  let prev = 0;
  for (let l = 0; l < L; l++) {
    d[l] = x[l] - prev;
    prev = x[l];
  }
  d[L] = y - prev;
  return d;
}

/** Elastic forces F_ℓ = k (x_{ℓ+1} − 2x_ℓ + x_{ℓ−1}), ℓ = 1..L. */
export function forces(x: ArrayLike<number>, k: number, y = 1): Float64Array {
  const L = x.length;
  const F = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    const left = l === 0 ? 0 : x[l - 1];
    const right = l === L - 1 ? y : x[l + 1];
    F[l] = k * (right - 2 * x[l] + left);
  }
  return F;
}

/** Elastic energy E = (k/2) Σ d_ℓ². */
export function energy(x: ArrayLike<number>, k: number, y = 1): number {
  const d = springs(x, y);
  let e = 0;
  for (let i = 0; i < d.length; i++) e += d[i] * d[i];
  return 0.5 * k * e;
}

/** Shape class of the spring load curve (proposal; thresholds UNCONFIRMED). */
export type Shape = "concave" | "linear" | "convex";

/** Shape statistics of the extensions. */
export interface ShapeStats {
  /** c = d_1 − d_L (inner springs; > 0 convex, < 0 concave). */
  c: number;
  /** v = population std of d_1..d_L. */
  v: number;
  /** ĉ = c / |x_L| (x_L − x_0 plays the role of log D_0 − log D_L). */
  cHat: number;
  shape: Shape;
}

/**
 * c, v, ĉ and a shape label from positions: |ĉ| < linearTol (default 0.1) → "linear", else the sign
 * of ĉ (the same proposal as the DNN side's `loadCurveStats`; UNCONFIRMED as the paper's rule).
 */
export function shapeStats(x: ArrayLike<number>, y = 1, linearTol = 0.1): ShapeStats {
  const L = x.length;
  const d = springs(x, y).subarray(0, L);
  const c = d[0] - d[L - 1];
  let m = 0;
  for (let i = 0; i < L; i++) m += d[i];
  m /= L;
  let s = 0;
  for (let i = 0; i < L; i++) s += (d[i] - m) ** 2;
  const v = Math.sqrt(s / L);
  const span = x[L - 1];
  const cHat = span !== 0 ? c / Math.abs(span) : 0;
  return { c, v, cHat, shape: Math.abs(cHat) < linearTol ? "linear" : cHat > 0 ? "convex" : "concave" };
}

/** Frictionless equilibrium x_ℓ = ℓ y/(L+1): equal extensions, a linear load curve. */
export function frictionlessEquilibrium(L: number, y = 1): Float64Array {
  checkL(L);
  return Float64Array.from({ length: L }, (_, i) => ((i + 1) * y) / (L + 1));
}

/**
 * Closed-form noiseless stationary state of Model A with symmetric static friction μ (brief §3.7(2),
 * §4.5): the m springs nearest the pull are stretched, a, a − μ/k, …, a − (m−1)μ/k from the pull end
 * backwards, with m·a − (μ/k) m(m−1)/2 = y and m the smallest integer with 0 < a − (m−1)μ/k ≤ μ/k
 * (or m = L + 1); all other springs are 0. Returns positions x_1..x_L and springs d_1..d_{L+1}.
 */
export function frictionalStationaryState(L: number, mu: number, k = 1, y = 1): { x: Float64Array; d: Float64Array; stretched: number } {
  checkL(L);
  if (!(mu >= 0 && Number.isFinite(mu))) throw new InputError(`friction μ must be ≥ 0, got ${mu}`, "frictionalStationaryState");
  if (!(k > 0)) throw new InputError(`stiffness k must be > 0, got ${k}`, "frictionalStationaryState");
  const r = mu / k;
  let m = L + 1;
  let a = (y + (r * L * (L + 1)) / 2) / (L + 1);
  for (let mm = 1; mm <= L + 1; mm++) {
    const aa = (y + (r * mm * (mm - 1)) / 2) / mm;
    const left = aa - (mm - 1) * r;
    if (left > 0 && left <= r) {
      m = mm;
      a = aa;
      break;
    }
  }
  const d = new Float64Array(L + 1);
  for (let j = 0; j < m; j++) d[L - j] = a - j * r;
  const x = new Float64Array(L);
  let s = 0;
  for (let l = 0; l < L; l++) {
    s += d[l];
    x[l] = s;
  }
  return { x, d, stretched: m };
}

export function checkL(L: number, where = "spring-block"): void {
  if (!(Number.isInteger(L) && L >= 1 && L <= 100000)) throw new InputError(`number of blocks must be an integer in [1, 100000], got ${L}`, where);
}
