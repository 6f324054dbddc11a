/**
 * Parameter scans of the renormalization theory that reuse one eigendecomposition: temperature T,
 * width N1 (load α = P/N1), readout precision λ1 — and λ0, which changes the kernel and so needs a new
 * kernel and eigendecomposition per value (except that for a linear σ K scales as 1/λ0; the scan still
 * recomputes, which is exact and simple).
 *
 * Per grid point the saddle point costs O(P) per Brent iteration; the test predictions of all points
 * are two matrix products (Pt×P)·(P×n) through BLAS, and the class-manifold summaries need one
 * (P×P)·(P×n) product for the diagonal-sensitive summaries; everything else is O(P) per point.
 * The optional first-layer traces (Tr Δ_full through the trace identity, and Tr Δ_code) need two more
 * O(P³) products once and two (P×P)·(P×n) products.
 *
 * @module
 */
import { InputError } from "../../engine/errors.js";
import { backend } from "../../engine/linalg.js";
import { type ManifoldSummary, summaryFromBlocks } from "../../metrics/manifold.js";
import { checkParams, type RenormParams, solveSaddle } from "./action.js";
import type { RenormProblem } from "./problem.js";
import { blockShifts, type ClassSpectrum, classMeanSquares, classSpectrum, collectiveFromBlocks } from "./signatures.js";

/** Which parameter a scan varies. */
export type ScanParameter = "T" | "N1" | "lambda1" | "lambda0";

/** Options of the scans. */
export interface ScanOptions {
  /**
   * Labels for the class-manifold summaries (default: the ±1 training targets when they are binary;
   * `false` skips the collective part).
   */
  labels?: ArrayLike<number> | false;
  /** Also Tr Δ_full (trace identity) and Tr Δ_code at every point (two extra O(P³) products once). */
  micro?: boolean;
  /** Keep the test predictions of every point (n×Pt×m). Default false. */
  keepPredictions?: boolean;
}

/** Location of the maximum of a sampled curve. */
export interface Extremum {
  /** Grid index of the largest value. */
  index: number;
  /** Grid abscissa and value there. */
  x: number;
  value: number;
  /** Whether the maximum is strictly inside the grid (then it was refined). */
  interior: boolean;
  /** Vertex of the parabola through the three points around the maximum (in log x when `log`); = grid point at an edge. */
  refined: { x: number; value: number };
}

/** Losses of one predictor along a scan. */
export interface ScanLosses {
  /** ε_g (null entries without test targets). */
  testLoss: (number | null)[];
  bias2: (number | null)[];
  variance: (number | null)[];
  /** ε_t. */
  trainLoss: number[];
}

/** Result of a scan: one entry per grid point in every array. */
export interface RenormScan {
  parameter: ScanParameter;
  values: number[];
  T: number[];
  N1: number[];
  lambda1: number[];
  lambda0: number[];
  /** Q̄* and the solver's diagnostics. */
  Q: number[];
  action: number[];
  gradient: number[];
  converged: boolean[];
  iterations: number[];
  /** (Q̄ − 1)/λ1. */
  readoutDisplacement: number[];
  /** The renormalized predictor. */
  losses: ScanLosses;
  /** The infinite-width (Q̄ = 1) predictor at the same T, λ1. */
  infiniteWidth: ScanLosses;
  /** Test predictions (n×Pt×m) of the renormalized predictor, when `keepPredictions`. */
  ypred?: Float64Array[];
  /** Class-manifold summaries, when labels are available. */
  collective?: {
    prior: ManifoldSummary;
    /** N1 × (⟨·⟩ − prior) of the centroid d², the pairwise distance and the radii; separation: posterior ratio. */
    centroidShift: number[];
    pairwiseShift: number[];
    radiusAShift: number[];
    radiusBShift: number[];
    separation: number[];
    /** Maximum of N1(⟨d²⟩ − uᵀKu) along the scan (refined by a parabola in log of the scanned parameter). */
    maximum: Extremum;
  };
  /** First-layer traces, when `micro`. */
  micro?: { traceFull: number[]; traceCode: number[] };
}

/** n log-spaced values from lo to hi (inclusive; n = 1 gives [lo]). */
export function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi)))
    throw new InputError(`a log grid needs finite bounds > 0, got ${lo}, ${hi}`, "logGrid");
  if (!Number.isInteger(n) || n < 1) throw new InputError(`number of grid points must be a positive integer, got ${n}`, "logGrid");
  if (n === 1) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : i === 0 ? lo : Math.exp(a + ((b - a) * i) / (n - 1))));
}

/**
 * The maximum of y over a grid x: the argmax, refined (when interior) by the vertex of the parabola
 * through it and its two neighbours, in log x when `log` (default true; needs x > 0).
 */
export function locateMaximum(x: ArrayLike<number>, y: ArrayLike<number>, opts: { log?: boolean } = {}): Extremum {
  const n = x.length;
  if (n === 0 || y.length !== n) throw new InputError(`need equally long non-empty x and y (got ${n}, ${y.length})`, "locateMaximum");
  const log = opts.log ?? true;
  let i = -1;
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(y[k])) continue;
    if (i < 0 || y[k] > y[i]) i = k;
  }
  if (i < 0) throw new InputError("no finite value to maximise", "locateMaximum");
  const base = { index: i, x: x[i], value: y[i] };
  if (i === 0 || i === n - 1 || !Number.isFinite(y[i - 1]) || !Number.isFinite(y[i + 1]))
    return { ...base, interior: false, refined: { x: x[i], value: y[i] } };
  const t = (v: number) => {
    if (log && !(v > 0)) throw new InputError(`log refinement needs x > 0, got ${v}`, "locateMaximum");
    return log ? Math.log(v) : v;
  };
  const [x0, x1, x2] = [t(x[i - 1]), t(x[i]), t(x[i + 1])];
  const [y0, y1, y2] = [y[i - 1], y[i], y[i + 1]];
  const den = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const A = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den;
  const B = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / den;
  const C = (x1 * x2 * (x1 - x2) * y0 + x2 * x0 * (x2 - x0) * y1 + x0 * x1 * (x0 - x1) * y2) / den;
  if (!(A < 0) || !Number.isFinite(A)) return { ...base, interior: true, refined: { x: x[i], value: y[i] } };
  let xv = -B / (2 * A);
  xv = Math.min(Math.max(xv, Math.min(x0, x2)), Math.max(x0, x2));
  const yv = C + xv * (B + A * xv);
  return { ...base, interior: true, refined: { x: log ? Math.exp(xv) : xv, value: yv } };
}

function emptyLosses(): ScanLosses {
  return { testLoss: [], bias2: [], variance: [], trainLoss: [] };
}

/**
 * Batched test losses of the GP with scales s_j and temperatures T_j at every point j: means through
 * one product (k0ᵀU)·W and variances through (k0ᵀU)²·D. Returns null losses without test targets.
 */
function batchedTest(
  problem: RenormProblem,
  s: number[],
  T: number[],
  keep: boolean,
): { testLoss: (number | null)[]; bias2: (number | null)[]; variance: (number | null)[]; ypred?: Float64Array[] } {
  const n = s.length;
  const test = problem.test;
  const nullArr = () => Array.from({ length: n }, () => null);
  if (!test || (!problem.yTest && !keep)) return { testLoss: nullArr(), bias2: nullArr(), variance: nullArr() };
  const P = problem.P;
  const Pt = problem.Pt;
  const m = problem.nOut;
  const kappa = problem.kappa;
  const yT = problem.yTilde;
  // W: P × (n·m), column j·m + c = s_j ỹ_{k,c} d_kj; Dm: P × n, d_kj
  const W = new Float64Array(P * n * m);
  const Dm = new Float64Array(P * n);
  for (let k = 0; k < P; k++) {
    for (let j = 0; j < n; j++) {
      const d = 1 / (T[j] + s[j] * kappa[k]);
      Dm[k * n + j] = d;
      for (let c = 0; c < m; c++) W[(k * n + j) * m + c] = s[j] * yT[k * m + c] * d;
    }
  }
  const mean = new Float64Array(Pt * n * m);
  const quad = new Float64Array(Pt * n);
  backend().gemm(false, false, Pt, n * m, P, 1, test.B, P, W, n * m, 0, mean, n * m);
  backend().gemm(false, false, Pt, n, P, 1, test.B2, P, Dm, n, 0, quad, n);
  const testLoss: (number | null)[] = [];
  const bias2: (number | null)[] = [];
  const variance: (number | null)[] = [];
  const ypred: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    let b = 0;
    let v = 0;
    const yp = keep ? new Float64Array(Pt * m) : null;
    for (let r = 0; r < Pt; r++) {
      const vr = s[j] * test.kDiag[r] - s[j] * s[j] * quad[r * n + j];
      v += Math.max(vr, 0);
      for (let c = 0; c < m; c++) {
        const mu = mean[(r * n + j) * m + c];
        if (yp) yp[r * m + c] = mu;
        if (problem.yTest) {
          const e = mu - problem.yTest[r * m + c];
          b += e * e;
        }
      }
    }
    if (yp) ypred.push(yp);
    if (problem.yTest) {
      b /= Pt * m;
      v /= Pt;
      bias2.push(b);
      variance.push(v);
      testLoss.push(b + v);
    } else {
      bias2.push(null);
      variance.push(null);
      testLoss.push(null);
    }
  }
  return keep ? { testLoss, bias2, variance, ypred } : { testLoss, bias2, variance };
}

/** Precomputed spectral traces for the first-layer traces along a scan. */
interface MicroPre {
  hdiag: Float64Array;
  ddiag: Float64Array;
  H: Float64Array;
  D: Float64Array;
}

function microPre(problem: RenormProblem): MicroPre {
  const P = problem.P;
  const C = problem.C.train;
  const Kp = problem.dkernel().train;
  const J = problem.d2kernel().train;
  const H = new Float64Array(P * P);
  const D = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      const ij = i * P + j;
      H[ij] = C[ij] * Kp[ij];
      D[ij] = H[ij] + 0.5 * (C[i * P + i] * J[ij] + C[j * P + j] * J[j * P + i]);
    }
  }
  const U = problem.U;
  const diagOf = (M: Float64Array) => {
    const MU = new Float64Array(P * P);
    backend().gemm(false, false, P, P, P, 1, M, P, U, P, 0, MU, P);
    const out = new Float64Array(P);
    for (let i = 0; i < P; i++) for (let k = 0; k < P; k++) out[k] += U[i * P + k] * MU[i * P + k];
    return out;
  };
  return { hdiag: diagOf(H), ddiag: diagOf(D), H, D };
}

/**
 * Solves and evaluates the theory at every point (same problem, so the same λ0 and kernel): Q̄*,
 * action and diagnostics, ε_g (bias², variance) and ε_t of the renormalized and of the infinite-width
 * predictor, the readout displacement, and (with labels) the class-manifold shifts; optionally the
 * first-layer traces. `parameter`/`values` label the scan.
 */
export function scanRenorm(
  problem: RenormProblem,
  points: RenormParams[],
  opts: ScanOptions & { parameter?: ScanParameter; values?: number[] } = {},
): RenormScan {
  if (problem.nOut !== 1) throw new InputError(`the scalar scan needs one output, y has ${problem.nOut}`, problem.where);
  if (!Array.isArray(points) || points.length === 0) throw new InputError("a scan needs at least one point", problem.where);
  for (const p of points) checkParams(p, problem.where);
  const n = points.length;
  const P = problem.P;
  const kappa = problem.kappa;
  const yT = problem.yTilde;
  const out: RenormScan = {
    parameter: opts.parameter ?? "T",
    values: opts.values ?? points.map((p) => p.T),
    T: points.map((p) => p.T),
    N1: points.map((p) => p.N1),
    lambda1: points.map((p) => p.lambda1),
    lambda0: points.map(() => problem.lambda0),
    Q: [],
    action: [],
    gradient: [],
    converged: [],
    iterations: [],
    readoutDisplacement: [],
    losses: emptyLosses(),
    infiniteWidth: emptyLosses(),
  };
  for (const p of points) {
    const sp = solveSaddle(kappa, yT, p, { where: problem.where });
    out.Q.push(sp.Q);
    out.action.push(sp.action);
    out.gradient.push(sp.gradient);
    out.converged.push(sp.converged);
    out.iterations.push(sp.iterations);
    out.readoutDisplacement.push((sp.Q - 1) / p.lambda1);
  }
  const s = out.Q.map((Q, j) => Q / points[j].lambda1);
  const s1 = points.map((p) => 1 / p.lambda1);
  const Ts = out.T;
  const rt = batchedTest(problem, s, Ts, opts.keepPredictions ?? false);
  const iw = batchedTest(problem, s1, Ts, false);
  Object.assign(out.losses, { testLoss: rt.testLoss, bias2: rt.bias2, variance: rt.variance });
  Object.assign(out.infiniteWidth, { testLoss: iw.testLoss, bias2: iw.bias2, variance: iw.variance });
  if (rt.ypred) out.ypred = rt.ypred;
  for (let j = 0; j < n; j++) {
    out.losses.trainLoss.push(problem.gp.trainLoss({ T: Ts[j], s: s[j] }).total);
    out.infiniteWidth.trainLoss.push(problem.gp.trainLoss({ T: Ts[j], s: s1[j] }).total);
  }
  // spectral states: d (P×n), m̃ (P×n)
  const needStates = opts.labels !== false || opts.micro;
  let dAll: Float64Array | null = null;
  let mtAll: Float64Array | null = null;
  if (needStates) {
    dAll = new Float64Array(P * n);
    mtAll = new Float64Array(P * n);
    for (let k = 0; k < P; k++) {
      for (let j = 0; j < n; j++) {
        const d = 1 / (Ts[j] + s[j] * kappa[k]);
        dAll[k * n + j] = d;
        mtAll[k * n + j] = yT[k] * d;
      }
    }
  }
  let cs: ClassSpectrum | null = null;
  if (opts.labels !== false) {
    const lab = opts.labels ?? problem.y;
    cs = tryClassSpectrum(problem, lab, opts.labels !== undefined);
  }
  if (cs && dAll && mtAll) {
    // Km for every point: U·(κ∘m̃)
    const V = new Float64Array(P * n);
    for (let k = 0; k < P; k++) for (let j = 0; j < n; j++) V[k * n + j] = kappa[k] * mtAll[k * n + j];
    const KmAll = new Float64Array(P * n);
    backend().gemm(false, false, P, n, P, 1, problem.U, P, V, n, 0, KmAll, n);
    const col = new Float64Array(P);
    const dj = new Float64Array(P);
    const mj = new Float64Array(P);
    const coll = {
      centroidShift: [] as number[],
      pairwiseShift: [] as number[],
      radiusAShift: [] as number[],
      radiusBShift: [] as number[],
      separation: [] as number[],
    };
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < P; k++) {
        col[k] = KmAll[k * n + j];
        dj[k] = dAll[k * n + j];
        mj[k] = mtAll[k * n + j];
      }
      const [ka, kb] = classMeanSquares(cs.split, col);
      const sig = collectiveFromBlocks(cs.prior, blockShifts(cs, kappa, s[j], dj, mj, ka, kb), points[j].N1);
      coll.centroidShift.push(sig.shift.centroid);
      coll.pairwiseShift.push(sig.shift.pairwise);
      coll.radiusAShift.push(sig.shift.radiusA);
      coll.radiusBShift.push(sig.shift.radiusB);
      coll.separation.push(sig.posterior.separation);
    }
    const positive = out.values.every((v) => v > 0);
    out.collective = { prior: summaryFromBlocks(cs.prior), ...coll, maximum: locateMaximum(out.values, coll.centroidShift, { log: positive }) };
  }
  if (opts.micro && dAll && mtAll) {
    const pre = microPre(problem);
    const mAll = new Float64Array(P * n);
    backend().gemm(false, false, P, n, P, 1, problem.U, P, mtAll, n, 0, mAll, n);
    const Hm = new Float64Array(P * n);
    const Dm = new Float64Array(P * n);
    backend().gemm(false, false, P, n, P, 1, pre.H, P, mAll, n, 0, Hm, n);
    backend().gemm(false, false, P, n, P, 1, pre.D, P, mAll, n, 0, Dm, n);
    const traceFull: number[] = [];
    const traceCode: number[] = [];
    for (let j = 0; j < n; j++) {
      const p = points[j];
      if (p.N1 === Number.POSITIVE_INFINITY) {
        traceFull.push(0);
        traceCode.push(0);
        continue;
      }
      let th = 0;
      let td = 0;
      let mh = 0;
      let md = 0;
      for (let k = 0; k < P; k++) {
        const d = dAll[k * n + j];
        th += pre.hdiag[k] * d;
        td += pre.ddiag[k] * d;
        const mk = mAll[k * n + j];
        mh += mk * Hm[k * n + j];
        md += mk * Dm[k * n + j];
      }
      const pref = -out.Q[j] / (problem.lambda0 * p.lambda1 * p.N1);
      traceFull.push(pref * (td - md));
      traceCode.push(pref * (th - mh));
    }
    out.micro = { traceFull, traceCode };
  }
  return out;
}

function tryClassSpectrum(problem: RenormProblem, labels: ArrayLike<number>, explicit: boolean): ClassSpectrum | null {
  if (explicit) return classSpectrum(problem, labels);
  // default labels: only when the training targets are two-signed and nonzero
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 0) pos++;
    else if (labels[i] < 0) neg++;
    else return null;
  }
  return pos > 0 && neg > 0 ? classSpectrum(problem, labels) : null;
}

/** Temperature scan at fixed N1, λ1 (see {@link scanRenorm}). */
export function scanTemperature(problem: RenormProblem, Ts: number[], fixed: { N1: number; lambda1: number }, opts: ScanOptions = {}): RenormScan {
  return scanRenorm(
    problem,
    Ts.map((T) => ({ T, N1: fixed.N1, lambda1: fixed.lambda1 })),
    { ...opts, parameter: "T", values: Ts.slice() },
  );
}

/** Width scan at fixed T, λ1 (α = P/N1; see {@link scanRenorm}). */
export function scanWidth(problem: RenormProblem, N1s: number[], fixed: { T: number; lambda1: number }, opts: ScanOptions = {}): RenormScan {
  return scanRenorm(
    problem,
    N1s.map((N1) => ({ T: fixed.T, N1, lambda1: fixed.lambda1 })),
    { ...opts, parameter: "N1", values: N1s.slice() },
  );
}

/** λ1 scan at fixed T, N1 (see {@link scanRenorm}). */
export function scanLambda1(problem: RenormProblem, l1s: number[], fixed: { T: number; N1: number }, opts: ScanOptions = {}): RenormScan {
  return scanRenorm(
    problem,
    l1s.map((lambda1) => ({ T: fixed.T, N1: fixed.N1, lambda1 })),
    { ...opts, parameter: "lambda1", values: l1s.slice() },
  );
}

/**
 * λ0 scan at fixed T, N1, λ1: a new kernel and eigendecomposition per value (O(P³) each), then the
 * same evaluation as {@link scanRenorm}; the results are concatenated.
 */
export function scanLambda0(problem: RenormProblem, l0s: number[], fixed: RenormParams, opts: ScanOptions = {}): RenormScan {
  if (!Array.isArray(l0s) || l0s.length === 0) throw new InputError("a scan needs at least one λ0", problem.where);
  const parts = l0s.map((l0) =>
    scanRenorm(l0 === problem.lambda0 ? problem : problem.withLambda0(l0), [fixed], { ...opts, parameter: "lambda0", values: [l0] }),
  );
  return concatScans(parts, "lambda0", l0s);
}

function concatScans(parts: RenormScan[], parameter: ScanParameter, values: number[]): RenormScan {
  const cat = <T>(f: (r: RenormScan) => T[]): T[] => parts.flatMap(f);
  const catL = (f: (r: RenormScan) => ScanLosses): ScanLosses => ({
    testLoss: cat((r) => f(r).testLoss),
    bias2: cat((r) => f(r).bias2),
    variance: cat((r) => f(r).variance),
    trainLoss: cat((r) => f(r).trainLoss),
  });
  const out: RenormScan = {
    parameter,
    values: values.slice(),
    T: cat((r) => r.T),
    N1: cat((r) => r.N1),
    lambda1: cat((r) => r.lambda1),
    lambda0: cat((r) => r.lambda0),
    Q: cat((r) => r.Q),
    action: cat((r) => r.action),
    gradient: cat((r) => r.gradient),
    converged: cat((r) => r.converged),
    iterations: cat((r) => r.iterations),
    readoutDisplacement: cat((r) => r.readoutDisplacement),
    losses: catL((r) => r.losses),
    infiniteWidth: catL((r) => r.infiniteWidth),
  };
  if (parts.every((r) => r.ypred)) out.ypred = cat((r) => r.ypred as Float64Array[]);
  if (parts.every((r) => r.collective)) {
    const c = (f: (x: NonNullable<RenormScan["collective"]>) => number[]) => cat((r) => f(r.collective!));
    const centroidShift = c((x) => x.centroidShift);
    out.collective = {
      // the prior geometry changes with λ0: report the first point's and keep the shifts per point
      prior: parts[0].collective!.prior,
      centroidShift,
      pairwiseShift: c((x) => x.pairwiseShift),
      radiusAShift: c((x) => x.radiusAShift),
      radiusBShift: c((x) => x.radiusBShift),
      separation: c((x) => x.separation),
      maximum: locateMaximum(values, centroidShift),
    };
  }
  if (parts.every((r) => r.micro)) out.micro = { traceFull: cat((r) => r.micro!.traceFull), traceCode: cat((r) => r.micro!.traceCode) };
  return out;
}
