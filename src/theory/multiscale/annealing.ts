/**
 * Algorithm 1 of paper d (brief §4.1): anneal the tree-level solution t(χ) from the NNGP upward in χ,
 * solving R(t) = (K̂(t) + κI)t − y = 0 by a damped Newton method warm-started at the previous χ.
 * A failed solve (no convergence, or the tilted measure becoming non-normalisable) shrinks the
 * log-χ step ÷3; a success grows it ×1.5. When the step falls below `minLogStep` the path is
 * declared to have no physical solution beyond the last converged χ and the failure is reported with
 * the χ at which it happened (never thrown).
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { backend, solve } from "../../engine/linalg.js";
import type { TiltProvider } from "./treeLevel.js";

/** Options of {@link annealTreeLevel}. */
export interface AnnealOptions {
  /** First χ of the path (default min(1e-3, first target)). */
  chiStart?: number;
  /** Initial log-step ln(χ_{i+1}/χ_i) (default ln 10). */
  initialLogStep?: number;
  /** Give up when the log-step falls below this (default 1e-6). */
  minLogStep?: number;
  /** Residual tolerance ‖R‖∞ ≤ tol·max(1, ‖y‖∞) (default 1e-12). */
  tol?: number;
  /** Newton iterations per χ (default 50). */
  maxNewton?: number;
  /** No annealing: solve each target directly from the NNGP start (to demonstrate why Algorithm 1 is needed). */
  direct?: boolean;
}

/** Converged tree level at one target χ. */
export interface TreePoint {
  chi: number;
  t: Float64Array;
  /** K̂ on train ∪ test (n×n). */
  Khat: Float64Array;
  /** ‖R(t)‖∞. */
  residual: number;
  newtonIterations: number;
  /** Precision-condition margin (> 0 ⇔ physical). */
  margin: number;
  /** Effective sample size of the tilted average (importance sampling only). */
  ess?: number;
}

/** A failed path: where and why. */
export interface AnnealFailure {
  /** χ at which no solution could be found. */
  chi: number;
  /** Last χ with a converged, physical solution (0 if none). */
  lastChi: number;
  reason: string;
}

/** Result of Algorithm 1. */
export interface AnnealResult {
  points: TreePoint[];
  /** Every accepted intermediate χ (the annealing path). */
  path: number[];
  /** Rejected steps (step-size reductions). */
  rejected: number;
  failure?: AnnealFailure;
}

interface NewtonResult {
  ok: boolean;
  t: Float64Array;
  residual: number;
  iterations: number;
  reason: string;
  eval?: ReturnType<TiltProvider>;
}

/**
 * Newton step J⁻¹R: the provider's structured solve if it has one; else Cholesky (dpotrf/dpotrs) when
 * the provider declares J SPD — half the flops of LU and much faster in OpenBLAS at P ~ 500 — else,
 * or if a pivot is non-positive in rounding, LU.
 */
function newtonStep(e: ReturnType<TiltProvider>, R: Float64Array, P: number): Float64Array {
  const structured = e.solveJacobian?.(R);
  if (structured) return structured;
  const J = e.J as Float64Array;
  if (e.jacobianSPD) {
    const blas = backend();
    const L = Float64Array.from(J);
    if (blas.potrf(P, L, P) === 0) {
      const x = Float64Array.from(R);
      blas.potrs(P, 1, L, P, x, 1);
      let finite = true;
      for (let a = 0; a < P; a++) if (!Number.isFinite(x[a])) finite = false;
      if (finite) return x;
    }
  }
  return solve(J, P, R, 1, "tree-level Jacobian");
}

function newton(provider: TiltProvider, y: Float64Array, kappa: number, chi: number, t0: Float64Array, P: number, tol: number, maxIt: number): NewtonResult {
  const resid = (t: Float64Array) => {
    const e = provider(t, chi);
    if (!e.normalisable) return { e, R: undefined as Float64Array | undefined, norm: Number.POSITIVE_INFINITY };
    const R = new Float64Array(P);
    let norm = 0;
    const Kt = e.KhatT;
    if (Kt) {
      for (let a = 0; a < P; a++) {
        const s = Kt[a] + kappa * t[a] - y[a];
        R[a] = s;
        norm = Math.max(norm, Math.abs(s));
      }
    } else {
      const Khat = e.Khat;
      if (!Khat) return { e, R: undefined as Float64Array | undefined, norm: Number.POSITIVE_INFINITY };
      const n = Math.round(Math.sqrt(Khat.length));
      for (let a = 0; a < P; a++) {
        let s = kappa * t[a] - y[a];
        for (let b = 0; b < P; b++) s += Khat[a * n + b] * t[b];
        R[a] = s;
        norm = Math.max(norm, Math.abs(s));
      }
    }
    return { e, R, norm };
  };
  let t: Float64Array = Float64Array.from(t0);
  let cur = resid(t);
  if (!cur.R)
    return { ok: false, t, residual: Number.POSITIVE_INFINITY, iterations: 0, reason: `tilted measure not normalisable at the start (margin ${cur.e.margin})` };
  for (let it = 0; it < maxIt; it++) {
    if (cur.norm <= tol) return { ok: true, t, residual: cur.norm, iterations: it, reason: "", eval: cur.e };
    let step: Float64Array;
    try {
      step = newtonStep(cur.e, cur.R as Float64Array, P);
    } catch {
      return { ok: false, t, residual: cur.norm, iterations: it, reason: "singular Jacobian" };
    }
    let lam = 1;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      const tn = Float64Array.from(t, (v, a) => v - lam * step[a]);
      const nx = resid(tn);
      if (nx.R && nx.norm < (1 - 1e-4 * lam) * cur.norm + 1e-300) {
        t = tn;
        cur = nx;
        accepted = true;
        break;
      }
      lam /= 2;
    }
    if (!accepted) {
      if (cur.norm <= tol * 1e3) return { ok: true, t, residual: cur.norm, iterations: it, reason: "", eval: cur.e };
      return { ok: false, t, residual: cur.norm, iterations: it, reason: "line search failed (no descent within the normalisable region)" };
    }
  }
  if (cur.norm <= tol) return { ok: true, t, residual: cur.norm, iterations: maxIt, reason: "", eval: cur.e };
  return { ok: false, t, residual: cur.norm, iterations: maxIt, reason: `Newton did not converge in ${maxIt} iterations (‖R‖∞ = ${cur.norm})` };
}

/**
 * Algorithm 1: tree-level solutions at every target χ (ascending), annealed from the NNGP start
 * t₀ = (K + κ)⁻¹y. `tNngp` is that start; `provider` evaluates the tilted average.
 */
export function annealTreeLevel(
  provider: TiltProvider,
  y: Float64Array,
  kappa: number,
  tNngp: Float64Array,
  chis: number[],
  opts: AnnealOptions = {},
): AnnealResult {
  const P = y.length;
  if (chis.length === 0) throw new InputError("no χ values given", "multiscale annealing");
  const targets = [...chis].sort((a, b) => a - b);
  for (const c of targets) if (!(c > 0) || !Number.isFinite(c)) throw new InputError(`every χ must be a finite number > 0, got ${c}`, "multiscale annealing");
  let ymax = 0;
  for (const v of y) ymax = Math.max(ymax, Math.abs(v));
  const tol = (opts.tol ?? 1e-12) * Math.max(1, ymax);
  const maxIt = opts.maxNewton ?? 50;
  const minLog = opts.minLogStep ?? 1e-6;
  const points: TreePoint[] = [];
  const path: number[] = [];
  let rejected = 0;
  const mkPoint = (chi: number, r: NewtonResult): TreePoint => {
    const e = r.eval as NonNullable<NewtonResult["eval"]>;
    return { chi, t: r.t, Khat: e.Khat as Float64Array, residual: r.residual, newtonIterations: r.iterations, margin: e.margin, ess: e.ess };
  };
  if (opts.direct) {
    for (const chi of targets) {
      const r = newton(provider, y, kappa, chi, tNngp, P, tol, maxIt);
      if (!r.ok) return { points, path, rejected, failure: { chi, lastChi: points.length ? points[points.length - 1].chi : 0, reason: r.reason } };
      points.push(mkPoint(chi, r));
      path.push(chi);
    }
    return { points, path, rejected };
  }
  let chi = Math.min(opts.chiStart ?? 1e-3, targets[0]);
  let t: Float64Array = Float64Array.from(tNngp);
  let logStep = opts.initialLogStep ?? Math.log(10);
  // first point from the NNGP start
  let r = newton(provider, y, kappa, chi, t, P, tol, maxIt);
  if (!r.ok) return { points, path, rejected, failure: { chi, lastChi: 0, reason: r.reason } };
  t = r.t;
  path.push(chi);
  let ti = 0;
  while (ti < targets.length && targets[ti] <= chi * (1 + 1e-15)) {
    points.push(mkPoint(targets[ti], r));
    ti++;
  }
  while (ti < targets.length) {
    const target = targets[ti];
    const next = Math.min(chi * Math.exp(logStep), target);
    r = newton(provider, y, kappa, next, t, P, tol, maxIt);
    if (r.ok && r.eval && r.eval.margin > 0) {
      chi = next;
      t = r.t;
      path.push(chi);
      logStep *= 1.5;
      if (next === target) {
        points.push(mkPoint(target, r));
        ti++;
      }
    } else {
      rejected++;
      logStep /= 3;
      if (logStep < minLog)
        return { points, path, rejected, failure: { chi: next, lastChi: chi, reason: r.reason || "non-physical solution (precision condition violated)" } };
    }
  }
  return { points, path, rejected };
}
