/**
 * Mean-field signal propagation and criticality (Poole et al. 2016; Schoenholz et al. 2017), in the
 * gain convention of paper b: a layer maps a variance q and a covariance to
 *
 * - variance map     V(q) = g_w·E[φ(√q z)²] + g_b,                         z ~ N(0, 1);
 * - covariance map   (q, q, q·c) ↦ g_w·E[φ(u)φ(v)] + g_b,  (u, v) ~ N(0, q[[1, c], [c, 1]]);
 * - correlation map  f(c) = (g_w·𝒦(q*, q*, q*c) + g_b)/q* at the variance fixed point q* = V(q*).
 *
 * Poole/Schoenholz write σ_w² = g_w and σ_b² = g_b. Derived quantities:
 *
 * - χ₁ = g_w·E[φ′(√q* z)²] = f′(1), the slope of the correlation map at c = 1: ordered phase χ₁ < 1
 *   (inputs become correlated, c* = 1 is stable), chaotic χ₁ > 1 (a fixed point c* < 1 is stable),
 *   edge of chaos χ₁ = 1;
 * - χ_q = V′(q*) = g_w·(E[φ′²] + E[φφ″]) (for kinked φ via the Stein form g_w·E[z φ φ′(√q z)]/√q,
 *   which needs only φ′);
 * - depth scales ξ_q = −1/ln χ_q and ξ_c = −1/ln χ_{c*} with χ_{c*} = f′(c*) the slope at the stable
 *   correlation fixed point (= χ₁ in the ordered phase, so ξ_c = −1/ln χ₁ there); ∞ at criticality.
 *
 * When q* = 0 (e.g. erf with g_b = 0 and g_w ≤ π/4) the slopes are the limits q → 0⁺ (evaluated at
 * q = 1e−100) and the correlation map, a 0/0 ratio there, is not defined (c* = null).
 *
 * Expectations use the closed forms of the activation when present, otherwise a Gauss–Legendre rule on
 * the two half-lines z < 0 and z > 0 (exact handling of a kink at 0, geometric convergence for
 * saturating φ), and the polar 2-D rule of `nngp.ts` for the covariance map.
 *
 * @module
 */
import { InputError } from "../engine/errors.js";
import { type Activation, toActivation } from "./activations.js";
import { gaussLegendre, type KernelEvalOptions, kernelFunction } from "./nngp.js";

const Q_ZERO_LIMIT = 1e-100;
const EPS = 2.220446049250313e-16;

/** E[F(√q z)], z ~ N(0, 1), by n-point Gauss–Legendre on each half-line [−12, 0], [0, 12] (tail < 1e−32). */
export function gaussExpect1d(F: (h: number) => number, q: number, n = 64): number {
  if (!Number.isFinite(q) || q < 0) throw new InputError(`variance must be a finite number ≥ 0, got ${q}`, "gaussExpect1d");
  if (q === 0) return F(0);
  const s = Math.sqrt(q);
  const { x, w } = gaussLegendre(n);
  const R = 12;
  const c = (0.5 * R) / Math.sqrt(2 * Math.PI);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const z = 0.5 * R * (x[k] + 1);
    acc += w[k] * Math.exp(-0.5 * z * z) * (F(s * z) + F(-s * z));
  }
  return c * acc;
}

/** Gaussian moments along the diagonal, closed form when available. */
interface DiagMoments {
  /** E[φ(√q z)²] */
  m0(q: number): number;
  /** E[φ′(√q z)²] */
  m1(q: number): number;
  /** E[φ′²] + E[φφ″] = d/dq E[φ(√q z)²] */
  mq(q: number): number;
  /** covariance map kernel 𝒦(a, b, c) */
  K(a: number, b: number, c: number): number;
  /** derivative kernel 𝒦′(a, b, c) */
  Kd(a: number, b: number, c: number): number;
}

function moments(act: Activation, opts: KernelEvalOptions): DiagMoments {
  const n = opts.n ?? 64;
  const useClosed = (opts.method ?? "auto") !== "quadrature";
  const { phi, dphi } = act;
  const d2 = act.d2phi;
  const K = kernelFunction(act, "kernel", opts);
  // φ′ of a jumping activation is distributional: only a closed form can give 𝒦′ (else it is +∞).
  const Kd = act.smoothness !== "jump" ? kernelFunction(act, "dkernel", opts) : (act.dkernel ?? (() => Number.POSITIVE_INFINITY));
  const m0 =
    useClosed && act.kernel
      ? (q: number) => act.kernel!(q, q, q)
      : (q: number) =>
          gaussExpect1d(
            (h) => {
              const p = phi(h);
              return p * p;
            },
            q,
            n,
          );
  const m1 =
    (useClosed || act.smoothness === "jump") && act.dkernel
      ? (q: number) => act.dkernel!(q, q, q)
      : (q: number) =>
          gaussExpect1d(
            (h) => {
              const p = dphi(h);
              return p * p;
            },
            q,
            n,
          );
  let mq: (q: number) => number;
  if ((useClosed || act.smoothness !== "smooth") && act.dkernel && act.d2kernel) mq = (q) => act.dkernel!(q, q, q) + act.d2kernel!(q, q, q);
  else if (d2) mq = (q) => gaussExpect1d((h) => dphi(h) * dphi(h) + phi(h) * d2(h), q, n);
  else {
    // Stein: E[φ′² + φφ″] = E[z φ(√q z) φ′(√q z)]/√q — needs only φ′ (valid for kinks).
    mq = (q) => {
      const s = Math.sqrt(q);
      const { x, w } = gaussLegendre(n);
      const R = 12;
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const z = 0.5 * R * (x[k] + 1);
        acc += w[k] * Math.exp(-0.5 * z * z) * z * (phi(s * z) * dphi(s * z) - phi(-s * z) * dphi(-s * z));
      }
      return (acc * 0.5 * R) / Math.sqrt(2 * Math.PI) / s;
    };
  }
  return { m0, m1, mq, K, Kd };
}

function checkGain(gw: number, gb: number, where: string): void {
  if (typeof gw !== "number" || !Number.isFinite(gw) || gw < 0) throw new InputError(`gw must be a finite number ≥ 0, got ${gw}`, where);
  if (typeof gb !== "number" || !Number.isFinite(gb) || gb < 0) throw new InputError(`gb must be a finite number ≥ 0, got ${gb}`, where);
}

/** Result of a bracketed root search. */
interface RootResult {
  x: number;
  fx: number;
  iterations: number;
  converged: boolean;
}

/** Brent's method on a bracket [a, b] with f(a)·f(b) ≤ 0 (inverse quadratic interpolation, secant, bisection). */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: { fa?: number; fb?: number; xtol?: number; maxIter?: number } = {},
): RootResult {
  let fa = opts.fa ?? f(a);
  let fb = opts.fb ?? f(b);
  const xtol = opts.xtol ?? 0;
  const maxIter = opts.maxIter ?? 200;
  if (fa === 0) return { x: a, fx: 0, iterations: 0, converged: true };
  if (fb === 0) return { x: b, fx: 0, iterations: 0, converged: true };
  if (fa * fb > 0) throw new InputError(`root not bracketed: f(${a}) = ${fa}, f(${b}) = ${fb}`, "brentRoot");
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 1; it <= maxIter; it++) {
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * EPS * Math.abs(b) + 0.5 * xtol;
    const xm = 0.5 * (c - b);
    if (Math.abs(xm) <= tol1 || fb === 0) return { x: b, fx: fb, iterations: it, converged: true };
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb) && Number.isFinite(fa) && Number.isFinite(fb) && Number.isFinite(fc)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * xm * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = Math.abs(p);
      if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = xm;
        e = d;
      }
    } else {
      d = xm;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : xm > 0 ? tol1 : -tol1;
    fb = f(b);
  }
  return { x: b, fx: fb, iterations: maxIter, converged: false };
}

/** Options of the mean-field solvers. */
export interface ChaosOptions extends KernelEvalOptions {
  /** Starting variance q0 of the iteration whose limit is sought (default 1). */
  q0?: number;
  /** "root" (default): bracketed Brent root of V(q) − q in the direction the iteration moves; "iterate": plain iteration q ← V(q). */
  solver?: "root" | "iterate";
  /** Relative tolerance (default 1e−14). */
  tol?: number;
  /** Iteration cap of the "iterate" solver (default 100000). */
  maxIter?: number;
  /** |χ₁ − 1| below this counts as critical (default 1e−9). */
  criticalTol?: number;
}

/** A variance fixed point q* = V(q*). */
export interface VarianceFixedPoint {
  /** q*; Infinity when the variance diverges (V(q) > q for all q ≥ q0). */
  q: number;
  converged: boolean;
  /** Evaluations of V (root solver) or iterations (iterate solver). */
  iterations: number;
  /** |V(q*) − q*| (NaN when divergent). */
  residual: number;
  diverged: boolean;
  solver: "root" | "iterate";
}

/** The variance map V(q) = g_w·E[φ(√q z)²] + g_b. */
export function varianceMap(activation: Activation | string, gw: number, gb: number, q: number, opts: KernelEvalOptions = {}): number {
  checkGain(gw, gb, "varianceMap");
  if (!Number.isFinite(q) || q < 0) throw new InputError(`q must be a finite number ≥ 0, got ${q}`, "varianceMap");
  return gw * moments(toActivation(activation), opts).m0(q) + gb;
}

/** q^(0) = q0, q^(l+1) = V(q^(l)) for l < layers: the variance trajectory through depth. */
export function varianceTrajectory(
  activation: Activation | string,
  gw: number,
  gb: number,
  q0: number,
  layers: number,
  opts: KernelEvalOptions = {},
): Float64Array {
  checkGain(gw, gb, "varianceTrajectory");
  if (!Number.isFinite(q0) || q0 < 0) throw new InputError(`q0 must be a finite number ≥ 0, got ${q0}`, "varianceTrajectory");
  if (!Number.isInteger(layers) || layers < 0) throw new InputError(`layers must be an integer ≥ 0, got ${layers}`, "varianceTrajectory");
  const m = moments(toActivation(activation), opts);
  const out = new Float64Array(layers + 1);
  out[0] = q0;
  for (let l = 0; l < layers; l++) out[l + 1] = gw * m.m0(out[l]) + gb;
  return out;
}

/**
 * The fixed point q* = V(q*) reached by iterating the variance map from q0 (default 1). The root
 * solver brackets the first sign change of V(q) − q in the direction the iteration moves (doubling
 * upward, halving downward to 1e−30·q0, where q* = 0 is returned if V(0) = 0) and polishes with
 * Brent to machine precision. Divergence (V(q) > q up to 1e12·(1 + q0)) gives q = Infinity.
 */
export function varianceFixedPoint(activation: Activation | string, gw: number, gb: number, opts: ChaosOptions = {}): VarianceFixedPoint {
  checkGain(gw, gb, "varianceFixedPoint");
  const act = toActivation(activation);
  const m = moments(act, opts);
  return fixedPointWith(m, gw, gb, opts);
}

function fixedPointWith(m: DiagMoments, gw: number, gb: number, opts: ChaosOptions): VarianceFixedPoint {
  const q0 = opts.q0 ?? 1;
  if (!Number.isFinite(q0) || q0 < 0) throw new InputError(`q0 must be a finite number ≥ 0, got ${q0}`, "varianceFixedPoint");
  const tol = opts.tol ?? 1e-14;
  const V = (q: number) => gw * m.m0(q) + gb;
  const solver = opts.solver ?? "root";
  if (solver === "iterate") {
    const maxIter = opts.maxIter ?? 100000;
    let q = q0;
    for (let it = 1; it <= maxIter; it++) {
      const qn = V(q);
      if (!Number.isFinite(qn) || qn > 1e300)
        return { q: Number.POSITIVE_INFINITY, converged: false, iterations: it, residual: Number.NaN, diverged: true, solver };
      if (Math.abs(qn - q) <= tol * Math.max(qn, 1e-300))
        return { q: qn, converged: true, iterations: it, residual: Math.abs(V(qn) - qn), diverged: false, solver };
      q = qn;
    }
    return { q, converged: false, iterations: maxIter, residual: Math.abs(V(q) - q), diverged: false, solver };
  }
  if (solver !== "root") throw new InputError(`unknown solver "${solver as string}" (root, iterate)`, "varianceFixedPoint");
  let evals = 0;
  const F = (q: number) => {
    evals++;
    return V(q) - q;
  };
  const f0 = F(q0);
  if (Math.abs(f0) <= tol * Math.max(q0, 1e-300)) return { q: q0, converged: true, iterations: evals, residual: Math.abs(f0), diverged: false, solver };
  let lo: number;
  let hi: number;
  let flo: number;
  let fhi: number;
  if (f0 > 0) {
    lo = q0;
    flo = f0;
    hi = q0;
    fhi = f0;
    const cap = 1e12 * (1 + q0);
    while (fhi > 0) {
      lo = hi;
      flo = fhi;
      hi = 2 * hi + 1;
      if (hi > cap) return { q: Number.POSITIVE_INFINITY, converged: false, iterations: evals, residual: Number.NaN, diverged: true, solver };
      fhi = F(hi);
      if (!Number.isFinite(fhi)) return { q: Number.POSITIVE_INFINITY, converged: false, iterations: evals, residual: Number.NaN, diverged: true, solver };
    }
  } else {
    hi = q0;
    fhi = f0;
    lo = q0;
    flo = f0;
    const floor = 1e-30 * Math.max(q0, 1e-300);
    while (flo < 0) {
      hi = lo;
      fhi = flo;
      lo = 0.5 * lo;
      if (lo < floor) {
        // No sign change down to ~0: the limit is q* = 0 if it is a fixed point, else the root is below the floor.
        const fz = F(0);
        if (fz <= 0) return { q: 0, converged: true, iterations: evals, residual: Math.abs(fz), diverged: false, solver };
        lo = 0;
        flo = fz;
        break;
      }
      flo = F(lo);
    }
  }
  const r = brentRoot(F, lo, hi, { fa: flo, fb: fhi });
  return { q: r.x, converged: r.converged, iterations: evals, residual: Math.abs(F(r.x)), diverged: false, solver };
}

/** Phase of a (g_w, g_b) point. */
export type Phase = "ordered" | "critical" | "chaotic" | "divergent";

/** Mean-field summary of one (activation, g_w, g_b) point. */
export interface MeanField {
  activation: string;
  gw: number;
  gb: number;
  fixedPoint: VarianceFixedPoint;
  /** q* (shorthand of fixedPoint.q). */
  qStar: number;
  /** χ₁ = g_w·E[φ′(√q* z)²]. */
  chi1: number;
  /** χ_q = g_w·(E[φ′²] + E[φφ″]) at q*. */
  chiQ: number;
  /** Stable fixed point c* of the correlation map (1 in the ordered phase), null when q* ∈ {0, ∞}. */
  cStar: number | null;
  /** Slope χ_{c*} = g_w·𝒦′(q*, q*, q*c*) of the correlation map at c* (= χ₁ when c* = 1). */
  chiCStar: number;
  /** ξ_q = −1/ln χ_q (Infinity at χ_q = 1). */
  xiQ: number;
  /** ξ_c = −1/ln χ_{c*} (Infinity at criticality). */
  xiC: number;
  phase: Phase;
}

function depth(chi: number): number {
  if (!Number.isFinite(chi)) return Number.NaN;
  if (chi === 1) return Number.POSITIVE_INFINITY;
  return -1 / Math.log(chi);
}

/** The normalised correlation map f(c) = (g_w·𝒦(q, q, q·c) + g_b)/q (q defaults to q*). */
export function correlationMap(activation: Activation | string, gw: number, gb: number, c: number, opts: ChaosOptions & { q?: number } = {}): number {
  checkGain(gw, gb, "correlationMap");
  if (!Number.isFinite(c) || c < -1 || c > 1) throw new InputError(`correlation must be in [−1, 1], got ${c}`, "correlationMap");
  const act = toActivation(activation);
  const m = moments(act, opts);
  const q = opts.q ?? fixedPointWith(m, gw, gb, opts).q;
  if (!(q > 0) || !Number.isFinite(q)) throw new InputError(`the correlation map needs a finite variance q > 0, got ${q}`, "correlationMap");
  return (gw * m.K(q, q, q * c) + gb) / q;
}

function correlationFixedPoint(m: DiagMoments, gw: number, gb: number, q: number, chi1: number, critTol: number): { c: number; slope: number } {
  if (chi1 <= 1 + critTol) return { c: 1, slope: chi1 };
  const h = (c: number) => (gw * m.K(q, q, q * c) + gb) / q - c;
  const M = 64;
  let upper = 1 - 1e-6;
  let fu = h(upper);
  if (fu >= 0) return { c: 1, slope: chi1 };
  for (let k = 1; k <= M; k++) {
    const c = 1 - (2 * k) / M;
    const fc = h(c);
    if (fc >= 0) {
      const r = brentRoot(h, c, upper, { fa: fc, fb: fu });
      return { c: r.x, slope: gw * m.Kd(q, q, q * r.x) };
    }
    upper = c;
    fu = fc;
  }
  return { c: -1, slope: gw * m.Kd(q, q, -q) };
}

/** q*, χ₁, χ_q, c*, depth scales and phase of one (g_w, g_b) point (see the module doc). */
export function meanField(activation: Activation | string, gw: number, gb: number, opts: ChaosOptions = {}): MeanField {
  checkGain(gw, gb, "meanField");
  const act = toActivation(activation);
  const m = moments(act, opts);
  return meanFieldWith(act, m, gw, gb, opts);
}

function meanFieldWith(act: Activation, m: DiagMoments, gw: number, gb: number, opts: ChaosOptions): MeanField {
  const critTol = opts.criticalTol ?? 1e-9;
  const fp = fixedPointWith(m, gw, gb, opts);
  const base = { activation: act.spec, gw, gb, fixedPoint: fp, qStar: fp.q };
  if (fp.diverged) {
    return { ...base, chi1: Number.NaN, chiQ: Number.NaN, cStar: null, chiCStar: Number.NaN, xiQ: Number.NaN, xiC: Number.NaN, phase: "divergent" };
  }
  const qe = fp.q > 0 ? fp.q : Q_ZERO_LIMIT;
  const chi1 = gw * m.m1(qe);
  const chiQ = gw * m.mq(qe);
  const phase: Phase = Math.abs(chi1 - 1) <= critTol ? "critical" : chi1 < 1 ? "ordered" : "chaotic";
  let cStar: number | null = null;
  let chiCStar = chi1;
  if (fp.q > 0) {
    const r = correlationFixedPoint(m, gw, gb, fp.q, chi1, critTol);
    cStar = r.c;
    chiCStar = r.slope;
  }
  const xiC = phase === "critical" ? Number.POSITIVE_INFINITY : depth(chiCStar);
  return { ...base, chi1, chiQ, cStar, chiCStar, xiQ: depth(chiQ), xiC, phase };
}

/** Result of {@link criticalGain}. */
export interface CriticalPoint {
  gb: number;
  /** g_c: the weight gain with χ₁(g_c) = 1 at this g_b. */
  gw: number;
  /** q* at (g_c, g_b). */
  qStar: number;
  chi1: number;
  iterations: number;
  converged: boolean;
  /** How g_c was found (see {@link criticalGain}). */
  method: "parametric" | "scan";
}

/**
 * The critical weight gain g_c(g_b), where χ₁ = 1 at the variance fixed point.
 *
 * Primary method ("parametric"): on the critical line g_w·E[φ′(√q z)²] = 1 and q = V(q), so with
 * q* as the parameter g_c(q) = 1/E[φ′²] and g_b(q) = q − E[φ²]/E[φ′²] (paper b §3.3 for erf); solve
 * g_b(q) = g_b for q by Brent and check that iterating the variance map at (g_c, g_b) indeed lands on
 * q. This is well conditioned even where χ₁(g_w) − 1 only touches zero quadratically (tanh at
 * g_b = 0, where g_c = 1/φ′(0)² exactly). Fallback ("scan", e.g. ReLU whose g_b(q) ≡ 0): scan g_w
 * geometrically from `gwMin` (default 1e−3) to `gwMax` (default 1e4) for a sign change of
 * χ₁(g_w) − 1, then Brent; a divergent variance counts as the chaotic side.
 */
export function criticalGain(activation: Activation | string, gb: number, opts: ChaosOptions & { gwMin?: number; gwMax?: number } = {}): CriticalPoint {
  checkGain(1, gb, "criticalGain");
  const act = toActivation(activation);
  const m = moments(act, opts);
  const param = criticalParametric(m, gb, opts);
  if (param) return param;
  let evals = 0;
  const chiAt = (g: number): { chi: number; q: number } => {
    evals++;
    const fp = fixedPointWith(m, g, gb, opts);
    if (fp.diverged) return { chi: Number.NaN, q: Number.POSITIVE_INFINITY };
    return { chi: g * m.m1(fp.q > 0 ? fp.q : Q_ZERO_LIMIT), q: fp.q };
  };
  const gMin = opts.gwMin ?? 1e-3;
  const gMax = opts.gwMax ?? 1e4;
  let lo = gMin;
  let clo = chiAt(lo);
  if (!(clo.chi < 1)) throw new InputError(`χ₁ ≥ 1 (or a divergent variance) already at g_w = ${gMin}; lower gwMin`, "criticalGain");
  let hi = lo;
  let chi = clo;
  while (chi.chi < 1) {
    lo = hi;
    clo = chi;
    hi = hi * 1.25;
    if (hi > gMax) throw new InputError(`no critical gain below g_w = ${gMax} at g_b = ${gb} (χ₁ < 1 throughout)`, "criticalGain");
    chi = chiAt(hi);
  }
  if (Number.isNaN(chi.chi)) {
    // The variance diverges at hi: locate the divergence threshold by bisection. It is critical only if
    // χ₁ → 1 there (ReLU-like: χ₁ = g_w/2 whatever q*); otherwise the fixed point is lost (a saddle-node)
    // before χ₁ reaches 1.
    for (let it = 0; it < 200 && hi - lo > 4 * EPS * hi; it++) {
      const mid = 0.5 * (lo + hi);
      const c = chiAt(mid);
      if (Number.isNaN(c.chi)) hi = mid;
      else if (c.chi >= 1) {
        hi = mid;
        chi = c;
        break;
      } else {
        lo = mid;
        clo = c;
      }
    }
    if (Number.isNaN(chi.chi)) {
      // At the divergence threshold q* runs off to infinity (ReLU-like maps with a bias).
      if (Math.abs(clo.chi - 1) <= 1e-6)
        return { gb, gw: lo, qStar: Number.POSITIVE_INFINITY, chi1: clo.chi, iterations: evals, converged: true, method: "scan" };
      throw new InputError(
        `the variance fixed point is lost at g_w ≈ ${lo.toPrecision(8)} (g_b = ${gb}) while χ₁ = ${clo.chi.toPrecision(6)} < 1: no edge of chaos on this line`,
        "criticalGain",
      );
    }
  }
  const f = (g: number) => {
    const c = chiAt(g);
    return Number.isNaN(c.chi) ? 1 : c.chi - 1;
  };
  const r = brentRoot(f, lo, hi, { fa: clo.chi - 1, fb: chi.chi - 1, xtol: 1e-15 });
  const fin = chiAt(r.x);
  // ReLU-like maps with a bias (q ↦ (g_w/2)q + g_b) have no finite fixed point at g_c itself: q* → ∞ as
  // g_w → g_c from below. Report that limit rather than the huge value met just below g_c.
  const beyond = chiAt(r.x * (1 + 1e-6));
  const qStar = Number.isNaN(beyond.chi) ? Number.POSITIVE_INFINITY : fin.q;
  return { gb, gw: r.x, qStar, chi1: fin.chi, iterations: evals, converged: r.converged, method: "scan" };
}

function criticalParametric(m: DiagMoments, gb: number, opts: ChaosOptions): CriticalPoint | null {
  let evals = 0;
  const G = (q: number) => {
    evals++;
    const qe = q > 0 ? q : Q_ZERO_LIMIT;
    return q - m.m0(q) / m.m1(qe) - gb;
  };
  const g0 = G(0);
  if (!Number.isFinite(g0) || g0 > 0) return null;
  let q = 0;
  if (g0 < 0) {
    let lo = 0;
    let flo = g0;
    let hi = 1e-3;
    let fhi = G(hi);
    while (!(fhi > 0)) {
      if (!Number.isFinite(fhi) || hi > 1e8) return null;
      lo = hi;
      flo = fhi;
      hi *= 2;
      fhi = G(hi);
    }
    if (fhi === 0) q = hi;
    else q = brentRoot(G, lo, hi, { fa: flo, fb: fhi }).x;
  }
  const gc = 1 / m.m1(q > 0 ? q : Q_ZERO_LIMIT);
  if (!Number.isFinite(gc) || gc <= 0) return null;
  // The fixed point reached by iteration at (g_c, g_b) must be this q (else the parametrisation
  // picked an unstable or unreachable branch).
  const fp = fixedPointWith(m, gc, gb, { ...opts, q0: opts.q0 ?? 1 });
  if (fp.diverged || Math.abs(fp.q - q) > 1e-6 * Math.max(q, 1e-3)) return null;
  const chi1 = gc * m.m1(q > 0 ? q : Q_ZERO_LIMIT);
  return { gb, gw: gc, qStar: q, chi1, iterations: evals, converged: true, method: "parametric" };
}

/** The critical line g_c(g_b) for each g_b (see {@link criticalGain}). */
export function criticalLine(
  activation: Activation | string,
  gbValues: readonly number[],
  opts: ChaosOptions & { gwMin?: number; gwMax?: number } = {},
): CriticalPoint[] {
  const act = toActivation(activation);
  return gbValues.map((gb) => criticalGain(act, gb, opts));
}

/** Result of {@link phaseDiagram}: row-major over (g_b index, g_w index). */
export interface PhaseDiagram {
  activation: string;
  gw: number[];
  gb: number[];
  /** points[i][j] at (gb[i], gw[j]). */
  points: MeanField[][];
  /** The critical line at each g_b of the grid (null where none lies in the search range). */
  criticalLine: (CriticalPoint | null)[];
}

/** Mean-field quantities over a (g_w, g_b) grid plus the critical line g_c(g_b) at the grid's g_b values. */
export function phaseDiagram(
  activation: Activation | string,
  gwValues: readonly number[],
  gbValues: readonly number[],
  opts: ChaosOptions & { gwMin?: number; gwMax?: number; withCriticalLine?: boolean } = {},
): PhaseDiagram {
  const act = toActivation(activation);
  const m = moments(act, opts);
  for (const g of gwValues) checkGain(g, 0, "phaseDiagram");
  for (const g of gbValues) checkGain(0, g, "phaseDiagram");
  const points = gbValues.map((gb) => gwValues.map((gw) => meanFieldWith(act, m, gw, gb, opts)));
  const line =
    opts.withCriticalLine === false
      ? gbValues.map(() => null)
      : gbValues.map((gb) => {
          try {
            return criticalGain(act, gb, opts);
          } catch (e) {
            if (e instanceof InputError) return null;
            throw e;
          }
        });
  return { activation: act.spec, gw: [...gwValues], gb: [...gbValues], points, criticalLine: line };
}
