/**
 * One call that evaluates every theory variant of paper d over a list of χ (what the CLI prints):
 * NNGP, MSA tree level (kernel adaptation, annealed), Li–Sompolinsky kernel rescaling (Pacelli-form
 * for nonlinear φ: the L&S equation with the nonlinear NNGP kernel), paper a's renormalization
 * solver, the linear one-loop correction, and (linear, finite N) the exact theory: the order-parameter
 * integral that L&S evaluates at its saddle point (exactLinear.ts).
 *
 * @module
 */
import { NumericalError } from "../../engine/errors.js";
import { type AnnealOptions, annealTreeLevel } from "./annealing.js";
import { alignment, kernelChange, relativeFrobenius } from "./directional.js";
import { exactLinear } from "./exactLinear.js";
import { lsVariance, oneLoopLinear, type ScalarTheory, sigmaVCoupling, sigmaVSpectrum, solveScalarQ, trainSpectrum } from "./linear.js";
import { block, checkChi, checkInput, type MultiscaleInput, type MultiscaleKernels, msaKernels, mse, nngpBaseline, rescaledGP } from "./network.js";
import { type ErfTiltOptions, erfTilt, linearTilt } from "./treeLevel.js";

/** Theory variants. */
export type TheoryName = "nngp" | "tree" | "ls" | "paper-a" | "one-loop" | "exact";

/** Per-theory observables at one χ. */
export interface TheoryResult {
  theory: TheoryName;
  /** Scalar order parameter (rescaling theories and linear tree level). */
  Q?: number;
  fTrain: Float64Array;
  fTest: Float64Array;
  trainMSE: number;
  testMSE?: number;
  /** Mean test output variance. */
  meanTestVariance?: number;
  /** Kernel–target alignment on train (and test when test targets exist) of the theory's kernel. */
  alignmentTrain?: number;
  alignmentTest?: number;
  /** K̂ − K on the training set, projected on the target. */
  kernelChange?: ReturnType<typeof kernelChange>;
  /** Relative Frobenius distance ‖K̂ − QK‖/‖K̂‖ on train ∪ test (adaptation vs rescaling). */
  distanceToRescaled?: number;
  /** Σ_v spectrum (linear): top × D/g_v, bulk mean × D/g_v, overlap with u = Xᵀt. */
  sigmaV?: { top: number; bulkMean: number; topOverlapU: number };
  /** Diagnostics: residual, margin 1 − (χ/N)tᵀKt, Newton iterations, effective sample size. */
  diagnostics?: Record<string, number | undefined>;
}

/** All theories at one χ. */
export interface ChiResult {
  chi: number;
  theories: TheoryResult[];
}

/** Result of {@link analyzeMultiscale}. */
export interface MultiscaleAnalysis {
  P: number;
  Ptest: number;
  D: number;
  N: number;
  kappa: number;
  act: string;
  results: ChiResult[];
  /** Reported when the annealed tree level has no physical solution beyond some χ. */
  treeFailure?: { chi: number; lastChi: number; reason: string };
  /** The annealing path (accepted χ values). */
  annealPath: number[];
  /** χ values at which the exact linear theory's quadrature failed (NumericalError), with the reason; the other theories are still reported there. */
  exactFailures: { chi: number; reason: string }[];
}

/** Options of {@link analyzeMultiscale}. */
export interface AnalyzeOptions {
  theories?: TheoryName[];
  anneal?: AnnealOptions;
  erf?: ErfTiltOptions;
}

/** Evaluates the requested theories at every χ (ascending). */
export function analyzeMultiscale(input: MultiscaleInput, chis: number[], opts: AnalyzeOptions = {}): MultiscaleAnalysis {
  const inp = checkInput(input);
  for (const c of chis) checkChi(c);
  const ker = msaKernels(inp);
  const { P, Pt, n } = ker;
  const { N, kappa, y } = inp;
  const ytest = inp.ytest;
  const linear = ker.act === "linear";
  const theories = opts.theories ?? (linear ? ["nngp", "tree", "ls", "paper-a", "one-loop", "exact"] : ["nngp", "tree", "ls", "paper-a"]);
  const sorted = [...chis].sort((a, b) => a - b);
  const sp = trainSpectrum(ker.Ktr, P, y);
  const base = nngpBaseline(ker, y, kappa, 1);
  const yExt = new Float64Array(n);
  yExt.set(y);
  if (ytest) yExt.set(ytest, P);
  const Kte = block(ker.K, n, P, n, P, n);
  const finish = (r: TheoryResult, Kmodel?: Float64Array): TheoryResult => {
    r.trainMSE = mse(r.fTrain, y);
    if (ytest && Pt > 0) r.testMSE = mse(r.fTest, ytest);
    if (Kmodel) {
      r.alignmentTrain = alignment(block(Kmodel, n, 0, P, 0, P), P, y);
      if (ytest && Pt > 0) r.alignmentTest = alignment(block(Kmodel, n, P, n, P, n), Pt, ytest);
    }
    return r;
  };
  let anneal: ReturnType<typeof annealTreeLevel> | undefined;
  if (theories.includes("tree") && !(linear && !Number.isFinite(N))) {
    const provider = linear ? linearTilt(ker, N, kappa) : erfTilt(ker, N, kappa, opts.erf);
    anneal = Number.isFinite(N) ? annealTreeLevel(provider, y, kappa, base.t, sorted, opts.anneal) : undefined;
  }
  const results: ChiResult[] = [];
  const exactFailures: { chi: number; reason: string }[] = [];
  for (const chi of sorted) {
    const out: TheoryResult[] = [];
    const p = { chi, N, kappa };
    if (theories.includes("nngp")) {
      const g = nngpBaseline(ker, y, kappa, chi);
      out.push(finish({ theory: "nngp", Q: 1, fTrain: g.fTrain, fTest: g.fTest, trainMSE: 0, meanTestVariance: mean(g.varTest) }, ker.K));
    }
    let treeQ: number | undefined;
    let treeT: Float64Array | undefined;
    if (theories.includes("tree")) {
      const pt = anneal?.points.find((q) => q.chi === chi);
      if (!Number.isFinite(N)) {
        out.push(finish({ theory: "tree", Q: 1, fTrain: base.fTrain, fTest: base.fTest, trainMSE: 0 }, ker.K));
      } else if (pt) {
        const fExt = new Float64Array(n);
        for (let a = 0; a < n; a++) {
          let s = 0;
          for (let b = 0; b < P; b++) s += pt.Khat[a * n + b] * pt.t[b];
          fExt[a] = s;
        }
        const r: TheoryResult = { theory: "tree", fTrain: fExt.slice(0, P), fTest: fExt.slice(P), trainMSE: 0 };
        r.diagnostics = { residual: pt.residual, margin: pt.margin, newtonIterations: pt.newtonIterations, ess: pt.ess };
        r.kernelChange = kernelChange(block(pt.Khat, n, 0, P, 0, P), ker.Ktr, P, y);
        if (linear) {
          const sq = solveScalarQ("tree", sp, p);
          treeQ = sq.Q;
          treeT = pt.t;
          r.Q = sq.Q;
          const QK = Float64Array.from(ker.K, (v) => sq.Q * v);
          r.distanceToRescaled = relativeFrobenius(pt.Khat, QK);
          const s = sigmaVSpectrum(inp.X, P, inp.D, sigmaVCoupling("tree", ker.Ktr, P, pt.t, sq.Q, { ...p, gv: ker.gv, gw: ker.gw, D: inp.D }), pt.t);
          r.sigmaV = { top: s.top, bulkMean: s.bulkMean, topOverlapU: s.topOverlapU };
        }
        out.push(finish(r, pt.Khat));
      }
    }
    for (const th of ["ls", "paper-a"] as ScalarTheory[]) {
      if (!theories.includes(th as TheoryName)) continue;
      const sq = solveScalarQ(th, sp, p);
      const g = rescaledGP(ker, y, sq.Q, kappa, chi);
      const r: TheoryResult = {
        theory: th as TheoryName,
        Q: sq.Q,
        fTrain: g.fTrain,
        fTest: g.fTest,
        trainMSE: 0,
        diagnostics: { residual: sq.residual, iterations: sq.iterations },
      };
      if (linear && th === "ls") {
        try {
          r.meanTestVariance = Pt > 0 ? mean(lsVariance(ker, y, sq.Q, p).varTest) : undefined;
        } catch {
          r.meanTestVariance = Number.NaN;
        }
        const s = sigmaVSpectrum(inp.X, P, inp.D, sigmaVCoupling("ls", ker.Ktr, P, g.t, sq.Q, { ...p, gv: ker.gv, gw: ker.gw, D: inp.D }), g.t);
        r.sigmaV = { top: s.top, bulkMean: s.bulkMean, topOverlapU: s.topOverlapU };
      }
      out.push(finish(r, ker.K));
    }
    if (theories.includes("one-loop") && linear && Number.isFinite(N)) {
      const sq = treeQ ?? solveScalarQ("tree", sp, p).Q;
      const t = treeT ?? rescaledGP(ker, y, sq, kappa, chi).t;
      const ol = oneLoopLinear(ker, y, t, sq, p);
      out.push(finish({ theory: "one-loop", fTrain: ol.fTrain, fTest: ol.fTest, trainMSE: 0 }));
    }
    let ex: ReturnType<typeof exactLinear> | undefined;
    if (theories.includes("exact") && linear && Number.isFinite(N)) {
      try {
        ex = exactLinear(ker, y, p, { spectrum: sp });
      } catch (e) {
        if (!(e instanceof NumericalError)) throw e;
        exactFailures.push({ chi, reason: e.message });
      }
    }
    if (ex) {
      const r: TheoryResult = {
        theory: "exact",
        Q: ex.posterior.mean,
        fTrain: ex.fTrain,
        fTest: ex.fTest,
        trainMSE: 0,
        meanTestVariance: Pt > 0 ? mean(ex.varTest) : undefined,
        diagnostics: {
          Qsd: ex.posterior.sd,
          Qmode: ex.posterior.mode,
          nodes: ex.posterior.nodes.length,
          quadratureChange: ex.posterior.change,
          converged: ex.posterior.converged ? 1 : 0,
        },
      };
      const s = sigmaVSpectrum(inp.X, P, inp.D, ex.sigmaVCoupling, ex.t);
      r.sigmaV = { top: s.top, bulkMean: s.bulkMean, topOverlapU: s.topOverlapU };
      out.push(finish(r));
    }
    results.push({ chi, theories: out });
  }
  void Kte;
  void yExt;
  return { P, Ptest: Pt, D: inp.D, N, kappa, act: ker.act, results, treeFailure: anneal?.failure, annealPath: anneal?.path ?? [], exactFailures };
}

function mean(a: ArrayLike<number>): number | undefined {
  if (a.length === 0) return undefined;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export { type MultiscaleKernels, msaKernels };
