/**
 * Forward–backward solver for the MAP kernels of every layer (brief §3.5–3.6, §4.3): the
 * stationary point of
 *
 *   S[C, C̃] = Σ_{l=2}^{L+1} N[ −C̃^(l):C^(l) + W_l(C̃^(l) | C^(l−1)) ] + ln N(Y; 0, C^(L+1) + κI),
 *
 * by damped fixed-point iteration:
 *   1. C̃^(L+1) ← G(C^(L+1))/N                         (readout boundary condition)
 *   2. C̃^(l−1) ← ∂W_l(C̃^(l) | C^(l−1))/∂C^(l−1)     (backward sweep, l = L+1 … 3)
 *   3. C_new^(l) ← g_l⟨φφᵀ⟩_l + g_b                     (forward sweep, l = 2 … L+1; layer l's tilted
 *                                                         measure uses the already-updated C^(l−1))
 *   4. C^(l) ← (1 − η)C^(l) + η C_new^(l)
 *   until max_l max|C_new^(l) − C^(l)| < tol.
 *
 * Backends of the tilted expectations: closed forms for linear φ (deepLinear.ts), a tensor
 * Gauss–Hermite grid (P ≤ 3–4, deterministic) or self-normalised importance sampling from N(0, C^(l−1))
 * with common random numbers (one fixed standard-normal matrix per layer, seeded). Every C^(l) and K
 * must stay positive definite (and, for linear φ, C⁻¹ − 2gC̃ ≻ 0): otherwise a NumericalError, never a
 * returned "solution". Non-convergence within maxIter is reported (converged: false, residual history),
 * or raised with `requireConvergence`.
 *
 * @module
 */
import { InputError, NumericalError } from "../../engine/errors.js";
import { foldIn, key as makeKey } from "../../engine/random.js";
import { inputCovariance, nngpStack } from "../../kernels/index.js";
import { linearBackward, linearForward, linearTilted, linearTiltedMoment } from "./deepLinear.js";
import { firstOrder } from "./linearResponse.js";
import { cholPD, invPD, logdetPD, maxAbsDiff, pinvPSD, psdEig } from "./mat.js";
import { type CriticalModel, checkData, inputKernel, likelihoodGradient, logLikelihood, nngpKernels, type ResolvedModel, resolveModel } from "./model.js";
import { type StandardSamples, standardSamples, tiltedLayerMC } from "./monteCarlo.js";
import type { FluctuationOptions } from "./prior.js";
import { mapPoints, standardPoints, tiltedLayer, tiltedTestExtension } from "./tilted.js";

/** Backend of the tilted expectations. */
/**
 * Backend of the tilted expectations: "monte-carlo" is the matrix-free GEMM importance sampler of
 * monteCarlo.ts (blocks of samples, online weights, exact-pair-moment control variate) for large P.
 */
export type MapBackend = "auto" | "gauss-hermite" | "importance" | "monte-carlo" | "linear";

/** Options of {@link solveMap}. */
export interface MapOptions {
  /** "auto" (default): linear closed forms for φ = x, Gauss–Hermite for P ≤ 3, importance sampling otherwise. */
  backend?: MapBackend;
  /** Gauss–Hermite nodes per dimension (default 80 for P = 2, 30 for P = 3, 14 for P = 4). */
  ghOrder?: number;
  /** Importance samples S per layer (default 100 000; monte-carlo backend: 10 000). */
  samples?: number;
  /** monte-carlo backend: use the exact Gaussian pair moments as a control variate (default true). */
  controlVariate?: boolean;
  /** monte-carlo backend: rows per GEMM block (default 1024). */
  block?: number;
  /** Seed of the common random numbers (default 0). */
  seed?: number;
  /** Damping η ∈ (0, 1] (default 0.5). */
  damping?: number;
  /** Stopping tolerance on max_l max|C_new − C| (default 1e-10). */
  tol?: number;
  /** Iteration cap (default 2000). */
  maxIter?: number;
  /** Starting point: the NNGP kernels (default) or the first-order solution. */
  init?: "gp" | "first-order";
  /** Options of V for the first-order start. */
  fluctuation?: FluctuationOptions;
  /** Test inputs (Pt×d row-major): the converged forward pass is extended to them (§3.10). */
  Xtest?: Float64Array;
  /** Throw a NumericalError (with the residual history) instead of returning converged: false. */
  requireConvergence?: boolean;
}

/** Kernels on the test points, per layer (index l − 1). */
export interface TestKernels {
  Pt: number;
  /** C^(l)_{*D} (Pt×P) at index l − 1, MAP. */
  cross: Float64Array[];
  /** C^(l)_{**} (diagonal, Pt) at index l − 1, MAP. */
  diag: Float64Array[];
  /** NNGP counterparts. */
  gpCross: Float64Array[];
  gpDiag: Float64Array[];
}

/** Result of {@link solveMap}. */
export interface MapSolution {
  P: number;
  L: number;
  N: number;
  /** MAP kernels C^(l) at index l − 1 (l = 1 … L+1; C^(1) is the fixed input kernel). */
  C: Float64Array[];
  /** Conjugate kernels C̃^(l) at index l − 1 (index 0 unused, zero). */
  Ct: Float64Array[];
  /** NNGP kernels at index l − 1. */
  Cgp: Float64Array[];
  converged: boolean;
  iterations: number;
  /** max_l max|C_new − C| of every iteration. */
  residuals: number[];
  backend: Exclude<MapBackend, "auto">;
  /** The starting point actually used. */
  init: string;
  /** Smallest effective sample size per layer at the last iteration (importance/GH backends; null for linear). */
  ess: number[] | null;
  /** The action S at the final kernels (without −(PD/2) ln 2π); NaN when a log-determinant is undefined. */
  action: number;
  test?: TestKernels;
}

function resolveBackend(m: ResolvedModel, P: number, b: MapBackend = "auto"): Exclude<MapBackend, "auto"> {
  if (b === "auto") return m.linear ? "linear" : P <= 3 ? "gauss-hermite" : "importance";
  if (b === "linear" && !m.linear) throw new InputError(`the linear backend needs φ = linear, not ${m.act.spec}`, "MAP solver");
  if (!["gauss-hermite", "importance", "monte-carlo", "linear"].includes(b))
    throw new InputError(`unknown backend "${b}" (auto, gauss-hermite, importance, monte-carlo, linear)`, "MAP solver");
  return b;
}

/** One layer's forward (and optionally backward) map, with the backend's machinery. */
interface LayerOps {
  forward(l: number, Cprev: Float64Array, Ct: Float64Array): { C: Float64Array; ess: number };
  backward(l: number, Cprev: Float64Array, Ct: Float64Array): Float64Array;
  W(l: number, Cprev: Float64Array, Ct: Float64Array): number;
}

function layerOps(m: ResolvedModel, P: number, backend: Exclude<MapBackend, "auto">, opts: MapOptions): LayerOps {
  if (backend === "linear") {
    return {
      forward: (l, Cp, Ct) => ({ C: linearForward(Cp, Ct, P, m.g[l - 1], m.gb, l), ess: Number.NaN }),
      backward: (l, Cp, Ct) => linearBackward(Cp, Ct, P, m.g[l - 1], l),
      W: (l, Cp, Ct) => {
        // W = g_b 1ᵀC̃1 − ½ ln det(I − 2gC̃C) = g_b ΣC̃ − ½ ln det(I − 2g C^½C̃C^½).
        let s = 0;
        for (const v of Ct) s += v;
        return m.gb * s - 0.5 * linearTilted(Cp, Ct, P, m.g[l - 1], l).logdetB;
      },
    };
  }
  if (backend === "monte-carlo") {
    const zs = new Map<number, StandardSamples>();
    const std = (l: number) => {
      let s = zs.get(l);
      if (!s) {
        s = standardSamples(P, { samples: opts.samples, key: foldIn(makeKey(opts.seed ?? 0), l) });
        zs.set(l, s);
      }
      return s;
    };
    const mc = (l: number, Cp: Float64Array, Ct: Float64Array, backward: boolean) =>
      tiltedLayerMC(m.act, std(l), Cp, m.g[l - 1], Ct, { backward, controlVariate: opts.controlVariate, block: opts.block, what: `C^(${l - 1})` });
    return {
      forward: (l, Cp, Ct) => {
        const r = mc(l, Cp, Ct, false);
        return { C: r.M.map((v) => m.g[l - 1] * v + m.gb), ess: r.ess };
      },
      backward: (l, Cp, Ct) => mc(l, Cp, Ct, true).back as Float64Array,
      W: (l, Cp, Ct) => {
        let s = 0;
        for (const v of Ct) s += v;
        return m.gb * s + mc(l, Cp, Ct, false).logZ;
      },
    };
  }
  const base = new Map<number, ReturnType<typeof standardPoints>>();
  const std = (l: number) => {
    let s = base.get(l);
    if (!s) {
      s = standardPoints(P, { backend, ghOrder: opts.ghOrder, samples: opts.samples, key: foldIn(makeKey(opts.seed ?? 0), l) });
      base.set(l, s);
    }
    return s;
  };
  return {
    forward: (l, Cp, Ct) => {
      const r = tiltedLayer(m.act, mapPoints(std(l), Cp, P, `C^(${l - 1})`), m.g[l - 1], Ct);
      const C = r.M.map((v) => m.g[l - 1] * v + m.gb);
      return { C, ess: r.ess };
    },
    backward: (l, Cp, Ct) => tiltedLayer(m.act, mapPoints(std(l), Cp, P, `C^(${l - 1})`), m.g[l - 1], Ct, { backward: true }).back as Float64Array,
    W: (l, Cp, Ct) => {
      let s = 0;
      for (const v of Ct) s += v;
      return m.gb * s + tiltedLayer(m.act, mapPoints(std(l), Cp, P, `C^(${l - 1})`), m.g[l - 1], Ct).logZ;
    },
  };
}

/** The action S[C, C̃] (brief §3.5) without the −(PD/2) ln 2π constant. */
function action(m: ResolvedModel, ops: LayerOps, C: Float64Array[], Ct: Float64Array[], P: number, Y: Float64Array, D: number): number {
  let s = logLikelihood(
    C[m.L],
    P,
    Y,
    D,
    m.kappa,
    (A) => logdetPD(A, P, "K"),
    (A) => invPD(A, P, "K"),
  );
  for (let l = 2; l <= m.L + 1; l++) {
    let dot = 0;
    for (let i = 0; i < P * P; i++) dot += Ct[l - 1][i] * C[l - 1][i];
    s += m.N * (-dot + ops.W(l, C[l - 2], Ct[l - 1]));
  }
  return s;
}

/**
 * Throws (as {@link psdEig}) unless A is positive semidefinite. A successful Cholesky factorisation
 * proves positive definiteness at a fraction of the eigendecomposition's cost; only when it fails is
 * the spectrum computed (A may still be PSD within psdEig's tolerance).
 */
function assertPSD(A: Float64Array, n: number, what: string): void {
  try {
    cholPD(A, n, what);
    return;
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e;
  }
  psdEig(A, n, what);
}

/**
 * MAP kernels of every layer by the forward–backward iteration (brief §4.3). X: P×d inputs; Y: P×D
 * targets. Throws InputError on bad input and NumericalError when a kernel leaves the positive-definite
 * cone; non-convergence is reported (or thrown with `requireConvergence`).
 */
export function solveMap(model: CriticalModel, X: Float64Array, P: number, d: number, Y: Float64Array, D: number, opts: MapOptions = {}): MapSolution {
  const m = resolveModel(model);
  checkData(X, P, d, Y, D);
  const eta = opts.damping ?? 0.5;
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 2000;
  if (!(eta > 0 && eta <= 1)) throw new InputError(`damping η must be in (0, 1], got ${eta}`, "MAP solver");
  if (!(tol > 0)) throw new InputError(`tol must be > 0, got ${tol}`, "MAP solver");
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) throw new InputError(`maxIter must be an integer ≥ 1, got ${maxIter}`, "MAP solver");
  const backend = resolveBackend(m, P, opts.backend);
  if (backend === "monte-carlo" && opts.Xtest !== undefined)
    throw new InputError("test points (Xtest) are not supported by the monte-carlo backend; use importance or gauss-hermite", "MAP solver");
  const ops = layerOps(m, P, backend, opts);
  const L = m.L;
  const Cgp = nngpKernels(m, inputKernel(X, P, d, m.g[0], m.gb), P);
  let C = Cgp.map((c) => Float64Array.from(c));
  let init = "gp";
  if (opts.init === "first-order") {
    const fo = firstOrder(model, X, P, d, Y, D, opts.fluctuation ?? { seed: opts.seed });
    const Cfo = Cgp.map((c, i) => c.map((v, j) => v + fo.dC[i][j]));
    try {
      for (let l = 2; l <= L + 1; l++) psdEig(Cfo[l - 1], P, `first-order C^(${l})`);
      C = Cfo;
      init = "first-order";
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      init = "gp (the first-order start was not positive definite)";
    }
  } else if (opts.init !== undefined && opts.init !== "gp")
    throw new InputError(`init must be "gp" or "first-order", got "${opts.init as string}"`, "MAP solver");
  const Ct: Float64Array[] = Array.from({ length: L + 1 }, () => new Float64Array(P * P));
  const residuals: number[] = [];
  let converged = false;
  let ess: number[] | null = null;
  let it = 0;
  for (it = 1; it <= maxIter; it++) {
    Ct[L] = likelihoodGradient(C[L], P, Y, D, m.kappa).map((v) => v / m.N);
    for (let l = L + 1; l >= 3; l--) Ct[l - 2] = ops.backward(l, C[l - 2], Ct[l - 1]);
    let res = 0;
    const essNow: number[] = [];
    for (let l = 2; l <= L + 1; l++) {
      const { C: Cn, ess: e } = ops.forward(l, C[l - 2], Ct[l - 1]);
      essNow.push(e);
      res = Math.max(res, maxAbsDiff(Cn, C[l - 1]));
      const cur = C[l - 1];
      for (let i = 0; i < cur.length; i++) cur[i] = (1 - eta) * cur[i] + eta * Cn[i];
      assertPSD(cur, P, `C^(${l}) at iteration ${it}`);
    }
    if (!Number.isFinite(res))
      throw new NumericalError(`MAP iteration ${it}: non-finite residual (diverged); residual history ${residuals.slice(-5).join(", ")}`);
    residuals.push(res);
    ess = backend === "linear" ? null : essNow;
    if (res < tol) {
      converged = true;
      break;
    }
  }
  const iterations = Math.min(it, maxIter);
  if (!converged && opts.requireConvergence)
    throw new NumericalError(
      `MAP solver did not converge in ${maxIter} iterations (tol ${tol}); residual history (last 5): ${residuals
        .slice(-5)
        .map((r) => r.toExponential(3))
        .join(", ")}`,
    );
  // Final conjugate kernels consistent with the final C.
  Ct[L] = likelihoodGradient(C[L], P, Y, D, m.kappa).map((v) => v / m.N);
  for (let l = L + 1; l >= 3; l--) Ct[l - 2] = ops.backward(l, C[l - 2], Ct[l - 1]);
  let S = Number.NaN;
  try {
    S = action(m, ops, C, Ct, P, Y, D);
  } catch (e) {
    if (!(e instanceof NumericalError)) throw e; // e.g. a singular kernel in a log-determinant: the action is reported as NaN
  }
  const sol: MapSolution = { P, L, N: m.N, C, Ct, Cgp, converged, iterations, residuals, backend, init, ess, action: S };
  if (opts.Xtest !== undefined) sol.test = extendToTest(m, backend, opts, X, P, d, opts.Xtest, C, Ct);
  return sol;
}

/** Forward pass of the converged solution on the extended index set D ∪ T (brief §3.10); C̃ is zero off D×D. */
function extendToTest(
  m: ResolvedModel,
  backend: Exclude<MapBackend, "auto">,
  opts: MapOptions,
  X: Float64Array,
  P: number,
  d: number,
  Xtest: Float64Array,
  C: Float64Array[],
  Ct: Float64Array[],
): TestKernels {
  const inp = inputCovariance(X, P, d, { gw: m.g[0], gb: m.gb, Xtest });
  const Pt = inp.Pt;
  const gp = nngpStack(m.act, inp, { layers: m.L, gw: m.g.slice(1), gb: m.gb });
  const cross = [inp.cross];
  const diag = [inp.testDiag];
  for (let l = 2; l <= m.L + 1; l++) {
    const g = m.g[l - 1];
    const Cp = C[l - 2];
    let xc: Float64Array;
    let xd: Float64Array;
    if (backend === "linear") {
      const M = linearTiltedMoment(Cp, Ct[l - 1], P, g, l);
      const Ci = pinvPSD(Cp, P, `C^(${l - 1})`);
      const A = mm1(cross[l - 2], Ci, Pt, P); // Pt×P
      const AM = mm1(A, M, Pt, P);
      xc = AM;
      xd = new Float64Array(Pt);
      for (let s = 0; s < Pt; s++) {
        let q = 0;
        let r = 0;
        for (let a = 0; a < P; a++) {
          q += AM[s * P + a] * A[s * P + a];
          r += A[s * P + a] * cross[l - 2][s * P + a];
        }
        xd[s] = q + (diag[l - 2][s] - r);
      }
    } else {
      const std = standardPoints(P, {
        backend: backend as "gauss-hermite" | "importance",
        ghOrder: opts.ghOrder,
        samples: opts.samples,
        key: foldIn(makeKey(opts.seed ?? 0), l),
      });
      const ps = mapPoints(std, Cp, P, `C^(${l - 1})`);
      const tr = tiltedLayer(m.act, ps, g, Ct[l - 1]);
      const e = tiltedTestExtension(m.act, ps, tr, Cp, cross[l - 2], diag[l - 2], Pt);
      xc = e.cross;
      xd = e.diag;
    }
    cross.push(xc.map((v) => g * v + m.gb));
    diag.push(xd.map((v) => g * v + m.gb));
  }
  return { Pt, cross, diag, gpCross: gp.map((k) => k.cross), gpDiag: gp.map((k) => k.testDiag) };
}

/** (n×k)·(k×k). */
function mm1(A: Float64Array, B: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) for (let t = 0; t < k; t++) out[i * k + j] += A[i * k + t] * B[t * k + j];
  return out;
}
