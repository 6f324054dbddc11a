/**
 * Paper (b) recipe, validation against sampling (brief §5.2, §6.3, §8.3, figure F-F): the MAP kernels
 * of the forward–backward equations against the posterior-mean hidden kernels of finite erf networks
 * sampled with HMC, across widths N at fixed α = P/N.
 *
 * Network and posterior, in the brief's conventions (§2): L = 2 hidden erf layers of width N,
 * W^(1) ~ N(0, g/d), W^(l) ~ N(0, g/N) (readout included), biases ~ N(0, g_b), Gaussian likelihood
 * of variance κ. As an {@link createMLP} network: "standard" parameterization (multipliers 1/√fan-in),
 * prior precisions λ = 1/g (weights) and 1/g_b (biases), likelihood temperature T = κ. The readout
 * is sampled explicitly (integrating it out, as the brief's §4.8 does, gives the same posterior over
 * the hidden weights).
 *
 * Measured per layer l = 2 … L+1 on the training points: C^(l) = (g/N)φ(h^(l−1))ᵀφ(h^(l−1)) + g_b,
 * averaged over (a) exact prior draws and (b) HMC draws (several chains from independent prior
 * draws). The adapted part ΔC_HMC = ⟨C⟩_post − ⟨C⟩_prior is compared with ΔC_MAP = C_MAP − C_GP
 * (and with the first-order δC = Cov_prior : G): relative error ‖ΔC_HMC − ΔC_MAP‖_F/‖ΔC_MAP‖_F, with
 * a delete-one-chain jackknife error bar and the noise floor √(Σ s.e.²)/‖ΔC_MAP‖_F that the sampling
 * error alone would produce. A prior-level check runs the same HMC with the likelihood switched off
 * (T huge): its kernel mean must equal the exact prior mean within the error bars.
 */
import { xor } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { backend } from "../../engine/linalg.js";
import { foldIn, type Key, split } from "../../engine/random.js";
import { createMLP, initParams, layerViews, type MLPSpec } from "../../nn/mlp.js";
import { hmc } from "../../nn/samplers/hmc.js";
import { Posterior } from "../../nn/samplers/posterior.js";
import { type FigureSpec, lineFigure, scatterFigure } from "../../report/figures.js";
import type { Cell, Table } from "../../report/tables.js";
import { type CriticalModel, firstOrder, solveMap, targetProjection } from "../../theory/critical/index.js";
import { defineRecipe, registerRecipe } from "../registry.js";

/** The network/posterior of one comparison (brief §8.3 defaults). */
export interface HmcStudySpec {
  N: number;
  P: number;
  d: number;
  /** Weight gain g (every layer) and bias variance g_b. */
  g: number;
  gb: number;
  kappa: number;
  /** Hidden layers L. */
  depth: number;
}

/** The erf MLP of the brief's model, with priors λ = 1/g, 1/g_b. */
export function criticalNetwork(s: HmcStudySpec): MLPSpec {
  return createMLP({
    inputDim: s.d,
    widths: new Array(s.depth).fill(s.N),
    activation: "erf",
    bias: s.gb > 0,
    lambdas: 1 / s.g,
    biasLambdas: s.gb > 0 ? 1 / s.gb : 1,
    param: "standard",
  });
}

/**
 * The random kernels C^(2) … C^(L+1) (index l − 2) of one parameter vector on the training inputs:
 * C^(l) = (g/N) Φ^(l−1) Φ^(l−1)ᵀ + g_b, Φ^(l−1) = φ(h^(l−1)) (P×N).
 */
export function networkKernels(spec: MLPSpec, theta: Float64Array, X: Float64Array, P: number, g: number, gb: number): Float64Array[] {
  const blas = backend();
  const views = layerViews(spec, theta);
  const out: Float64Array[] = [];
  let A: Float64Array = X;
  for (let l = 0; l < spec.depth; l++) {
    const lay = spec.layers[l];
    const n = lay.fanOut;
    const Hh = new Float64Array(P * n);
    // H = α A Wᵀ (+ β b).
    blas.gemm(false, true, P, n, lay.fanIn, lay.multiplier, A, lay.fanIn, views[l].W, lay.fanIn, 0, Hh, n);
    const b = views[l].b;
    if (b) for (let i = 0; i < P; i++) for (let j = 0; j < n; j++) Hh[i * n + j] += spec.biasScale * b[j];
    for (let i = 0; i < Hh.length; i++) Hh[i] = spec.activation.phi(Hh[i]);
    const K = new Float64Array(P * P);
    blas.gemm(false, true, P, P, n, g / n, Hh, n, Hh, n, 0, K, P);
    for (let i = 0; i < K.length; i++) K[i] += gb;
    out.push(K);
    A = Hh;
  }
  return out;
}

/** Mean kernels of `draws` exact prior draws (per layer), with the per-entry standard error. */
export function priorKernelMean(s: HmcStudySpec, X: Float64Array, draws: number, k: Key): { mean: Float64Array[]; se: Float64Array[] } {
  const spec = criticalNetwork(s);
  const P = s.P;
  const sum = Array.from({ length: s.depth }, () => new Float64Array(P * P));
  const sq = Array.from({ length: s.depth }, () => new Float64Array(P * P));
  for (let r = 0; r < draws; r++) {
    const theta = initParams(spec, foldIn(k, r), { dtype: "f64", mode: "prior" }) as Float64Array;
    networkKernels(spec, theta, X, P, s.g, s.gb).forEach((K, l) => {
      for (let i = 0; i < K.length; i++) {
        sum[l][i] += K[i];
        sq[l][i] += K[i] * K[i];
      }
    });
  }
  const mean = sum.map((a) => a.map((v) => v / draws));
  const se = sq.map((a, l) => a.map((v, i) => Math.sqrt(Math.max(v / draws - mean[l][i] ** 2, 0) / (draws - 1))));
  return { mean, se };
}

/** HMC settings of one study. */
export interface HmcRun {
  chains: number;
  /** Transitions per chain (burn-in included), burn-in and recording interval. */
  steps: number;
  burnin: number;
  thin: number;
  /** Leapfrog step ε and steps per trajectory. */
  stepSize: number;
  leapfrog: number;
  /** Likelihood temperature (κ; a huge value switches the likelihood off for the prior-level check). */
  T: number;
  /**
   * Scale of the starting point relative to a prior draw (default 1). The prior-level check starts
   * over-dispersed (2), so only chains that actually move can reproduce the prior mean.
   */
  initScale?: number;
}

/** Per-chain posterior-mean kernels (per layer) and acceptance. */
export interface HmcKernels {
  /** chainMeans[c][l − 2]: chain c's mean of C^(l). */
  chainMeans: Float64Array[][];
  acceptance: number[];
  records: number;
  seconds: number;
}

/** Runs `run.chains` HMC chains (chain c: key foldIn(k, c); init: a prior draw) and averages the kernels. */
export function hmcKernels(s: HmcStudySpec, X: Float64Array, y: Float64Array, run: HmcRun, k: Key): HmcKernels {
  const t0 = performance.now();
  const spec = criticalNetwork(s);
  const P = s.P;
  const post = new Posterior(spec, { X, y, P }, { T: run.T, dtype: "f64" });
  const sampler = hmc(post, { stepSize: run.stepSize, numSteps: run.leapfrog });
  const chainMeans: Float64Array[][] = [];
  const acceptance: number[] = [];
  let records = 0;
  for (let c = 0; c < run.chains; c++) {
    const [kInit, kRun] = split(foldIn(k, c), 2);
    const start = initParams(spec, kInit, { dtype: "f64", mode: "prior" }) as Float64Array;
    if (run.initScale !== undefined && run.initScale !== 1) for (let i = 0; i < start.length; i++) start[i] *= run.initScale;
    let st = sampler.init(start);
    let spare = post.newState();
    const sum = Array.from({ length: s.depth }, () => new Float64Array(P * P));
    let acc = 0;
    let n = 0;
    for (let t = 0; t < run.steps; t++) {
      const r = sampler.step(st, foldIn(kRun, t), spare);
      acc += r.info.acceptanceRate;
      if (r.state !== st) {
        spare = st;
        st = r.state;
      }
      const done = t + 1;
      if (done > run.burnin && (done - run.burnin) % run.thin === 0) {
        networkKernels(spec, st.position as Float64Array, X, P, s.g, s.gb).forEach((K, l) => {
          for (let i = 0; i < K.length; i++) sum[l][i] += K[i];
        });
        n++;
      }
    }
    if (n === 0) throw new InputError(`no state recorded: ${run.steps} steps with burn-in ${run.burnin} and thinning ${run.thin}`, "critical-vs-hmc");
    chainMeans.push(sum.map((a) => a.map((v) => v / n)));
    acceptance.push(acc / run.steps);
    records = n;
  }
  return { chainMeans, acceptance, records, seconds: (performance.now() - t0) / 1000 };
}

/** ‖A − B‖_F / ‖B‖_F. */
export function relFrob(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < B.length; i++) {
    num += (A[i] - B[i]) ** 2;
    den += B[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** ‖A‖_F. */
function frobNorm(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * A[i];
  return Math.sqrt(s);
}

/** Comparison of one layer's adapted part with a theory: estimate, jackknife s.e. over chains, noise floor. */
export interface LayerComparison {
  /** ‖ΔC_HMC − ΔC_theory‖_F / ‖ΔC_theory‖_F. */
  relError: number;
  /** Delete-one-chain jackknife standard error of relError. */
  relErrorSe: number;
  /** √(Σ_ij s.e.²_ij)/‖ΔC_theory‖_F: the relative error sampling noise alone produces. */
  noiseFloor: number;
}

/** Compares ΔC_HMC (chain means minus the prior mean) with a theory's ΔC, per the module's definitions. */
/** √max(r² − floor², 0): the relative error with the sampling-noise contribution removed (noise adds in quadrature). */
export function noiseSubtracted(c: LayerComparison): number {
  return Math.sqrt(Math.max(c.relError ** 2 - c.noiseFloor ** 2, 0));
}

export function compareAdapted(chainMeans: Float64Array[], priorMean: Float64Array, priorSe: Float64Array, dTheory: Float64Array): LayerComparison {
  const C = chainMeans.length;
  const n = priorMean.length;
  const mean = new Float64Array(n);
  for (const m of chainMeans) for (let i = 0; i < n; i++) mean[i] += m[i] / C;
  const delta = (mu: Float64Array) => mu.map((v, i) => v - priorMean[i]);
  const relError = relFrob(delta(mean), dTheory);
  const jk: number[] = [];
  for (let c = 0; c < C; c++) {
    const mu = new Float64Array(n);
    for (let k = 0; k < C; k++) if (k !== c) for (let i = 0; i < n; i++) mu[i] += chainMeans[k][i] / (C - 1);
    jk.push(relFrob(delta(mu), dTheory));
  }
  const jm = jk.reduce((a, b) => a + b, 0) / C;
  const chainVar = ((C - 1) / C) * jk.reduce((a, b) => a + (b - jm) ** 2, 0);
  // the prior baseline is an estimate too: propagate its s.e. linearly, ∂r/∂Δ_i = (Δ_i − ΔC_i)/(r‖ΔC‖²)
  const dm = delta(mean);
  const nt2 = frobNorm(dTheory) ** 2;
  let priorVar = 0;
  if (relError > 0 && nt2 > 0) for (let i = 0; i < n; i++) priorVar += ((dm[i] - dTheory[i]) / (relError * nt2)) ** 2 * priorSe[i] ** 2;
  const relErrorSe = Math.sqrt(chainVar + priorVar);
  let var2 = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const m of chainMeans) v += (m[i] - mean[i]) ** 2;
    var2 += v / (C - 1) / C + priorSe[i] ** 2;
  }
  return { relError, relErrorSe, noiseFloor: Math.sqrt(var2) / frobNorm(dTheory) };
}

/** ‖⟨C⟩_chains − ⟨C⟩_prior‖_F and its noise floor √(Σ_ij s.e.²_ij) (chain spread and prior draws). */
export function meanDifference(chainMeans: Float64Array[], priorMean: Float64Array, priorSe: Float64Array): { diff: number; floor: number } {
  const C = chainMeans.length;
  const n = priorMean.length;
  let d2 = 0;
  let var2 = 0;
  for (let i = 0; i < n; i++) {
    let mu = 0;
    for (const m of chainMeans) mu += m[i] / C;
    let v = 0;
    for (const m of chainMeans) v += (m[i] - mu) ** 2;
    var2 += v / (C - 1) / C + priorSe[i] ** 2;
    d2 += (mu - priorMean[i]) ** 2;
  }
  return { diff: Math.sqrt(d2), floor: Math.sqrt(var2) };
}

interface HmcConfig {
  /** Fixed ratio α = P/N; P = round(αN). */
  alpha: number;
  Ns: number[];
  d: number;
  g: number;
  gb: number;
  kappa: number;
  depth: number;
  chains: number;
  /** Transitions per chain for each N (same order as Ns), burn-in transitions, thinning. */
  steps: number[];
  burnin: number;
  thin: number;
  /** ε = eps8·√(8/P) (the stiffest direction, the readout on the constant mode, grows ∝ P); leapfrog steps. */
  eps8: number;
  leapfrog: number;
  priorDraws: number;
  /** MAP: Monte-Carlo samples (control variate on), two seeds for its own error; first order: V samples. */
  mapSamples: number;
  vSamples: number;
  tol: number;
  /** The prior-level check (likelihood off): its width and steps. */
  priorCheckN: number;
  priorCheckSteps: number;
}

interface PointOut {
  kind: "posterior" | "prior-check";
  N: number;
  P: number;
  /** Per random layer l = 2 … L+1. */
  map: LayerComparison[];
  firstOrder: LayerComparison[];
  /** ΔC:YYᵀ/‖YYᵀ‖² per layer: HMC (with s.e. over chains), MAP, first order. */
  projHmc: number[];
  projHmcSe: number[];
  projMap: number[];
  projFo: number[];
  /** ‖ΔC_MAP‖_F per layer (ΔC_MAP: mean of two seeds) and its own Monte-Carlo error ‖ΔC_MAP(seed 1) − ΔC_MAP(seed 2)‖/(2‖ΔC_MAP‖). */
  normMap: number[];
  mapMcError: number[];
  /** Prior mean minus NNGP, ‖·‖_F per layer (the O(1/N) offset). */
  priorOffset: number[];
  /** Prior-level check: ‖⟨C⟩_HMC − ⟨C⟩_prior‖_F and its noise floor √Σ s.e.², per layer. */
  priorCheckDiff: number[];
  priorCheckFloor: number[];
  acceptance: number;
  records: number;
  chains: number;
  mapConverged: boolean;
  mapIterations: number;
  mapEssFraction: number;
  hmcSeconds: number;
  /** Entry-wise ΔC of the readout layer, HMC and MAP (for the scatter). */
  scatterHmc: Float64Array;
  scatterMap: Float64Array;
}

function studyFor(c: HmcConfig, N: number): HmcStudySpec {
  return { N, P: Math.max(2, Math.round(c.alpha * N)), d: c.d, g: c.g, gb: c.gb, kappa: c.kappa, depth: c.depth };
}

/** The data of one P: x ~ N(0, I_d), y = sign(x₁x₂) (brief §6.2). */
function dataFor(recipeKey: Key, P: number, d: number) {
  const ds = xor({ P, D: d, key: foldIn(recipeKey, 1000 + P) });
  return { X: Float64Array.from(ds.X), y: Float64Array.from(ds.y) };
}

const L2 = (l: number, L: number) => (l === L + 1 ? `C^(${l}) readout` : `C^(${l}) hidden`);

registerRecipe(
  defineRecipe<HmcConfig, { N: number; kind: "posterior" | "prior-check" }, PointOut>({
    id: "critical-vs-hmc",
    paper: "b",
    title: "MAP kernels against HMC posterior-mean kernels of finite erf networks, across N at fixed α",
    claim:
      "The forward–backward equations give the maximum-a-posteriori kernels of every layer; the large-deviation treatment is exact in the proportional limit P = αN → ∞. So the adapted part of the posterior-mean kernels of finite networks, sampled with HMC, should match the MAP prediction, with a discrepancy that shrinks as N grows at fixed α.",
    config: (full) => ({
      alpha: 0.08,
      Ns: full ? [50, 100, 200, 400] : [50, 100, 200],
      d: 4,
      g: 1.5,
      gb: 0.05,
      kappa: 0.05,
      depth: 2,
      chains: full ? 6 : 4,
      steps: full ? [4000, 4000, 2500, 1200] : [1200, 1000, 600],
      burnin: full ? 300 : 150,
      thin: 2,
      eps8: 0.04,
      leapfrog: 40,
      priorDraws: full ? 10_000 : 3000,
      mapSamples: full ? 100_000 : 40_000,
      vSamples: full ? 200_000 : 50_000,
      tol: 1e-9,
      priorCheckN: 100,
      priorCheckSteps: full ? 1500 : 600,
    }),
    points: (c) => [
      ...c.Ns.map((N) => ({ id: `N=${N}`, params: { N, kind: "posterior" as const } })),
      { id: `prior-check-N=${c.priorCheckN}`, params: { N: c.priorCheckN, kind: "prior-check" as const } },
    ],
    compute({ N, kind }, ctx) {
      const c = ctx.config;
      const s = studyFor(c, N);
      const P = s.P;
      const L = s.depth;
      const { X, y } = dataFor(ctx.recipeKey, P, s.d);
      const [kPrior, kHmc, kMap] = split(foldIn(ctx.recipeKey, N), 3);
      const prior = priorKernelMean(s, X, c.priorDraws, kPrior);
      const model: CriticalModel = { activation: "erf", depth: L, width: N, gw: s.g, gb: s.gb, kappa: s.kappa };
      const idx = c.Ns.indexOf(N);
      const steps = kind === "prior-check" ? c.priorCheckSteps : c.steps[Math.max(idx, 0)];
      const run: HmcRun = {
        chains: c.chains,
        steps,
        burnin: c.burnin,
        thin: c.thin,
        stepSize: c.eps8 * Math.sqrt(8 / P),
        leapfrog: c.leapfrog,
        T: kind === "prior-check" ? 1e12 : s.kappa,
        initScale: kind === "prior-check" ? 2 : 1,
      };
      const h = hmcKernels(s, X, y, run, kind === "prior-check" ? foldIn(kHmc, 7) : kHmc);
      const layers = Array.from({ length: L }, (_, i) => i);
      if (kind === "prior-check") {
        const diff: number[] = [];
        const floor: number[] = [];
        for (const l of layers) {
          const r = meanDifference(
            h.chainMeans.map((m) => m[l]),
            prior.mean[l],
            prior.se[l],
          );
          diff.push(r.diff);
          floor.push(r.floor);
        }
        const nan = layers.map(() => Number.NaN);
        const none = { relError: Number.NaN, relErrorSe: Number.NaN, noiseFloor: Number.NaN };
        return {
          kind,
          N,
          P,
          map: layers.map(() => none),
          firstOrder: layers.map(() => none),
          projHmc: nan,
          projHmcSe: nan,
          projMap: nan,
          projFo: nan,
          normMap: nan,
          mapMcError: nan,
          priorOffset: nan,
          priorCheckDiff: diff,
          priorCheckFloor: floor,
          acceptance: h.acceptance.reduce((a, b) => a + b, 0) / h.acceptance.length,
          records: h.records,
          chains: c.chains,
          mapConverged: true,
          mapIterations: 0,
          mapEssFraction: Number.NaN,
          hmcSeconds: h.seconds,
          scatterHmc: new Float64Array(0),
          scatterMap: new Float64Array(0),
        };
      }
      const seeds = [kMap[0], kMap[1] + 1];
      const sols = seeds.map((seed) => solveMap(model, X, P, s.d, y, 1, { backend: "monte-carlo", samples: c.mapSamples, seed, tol: c.tol, maxIter: 500 }));
      const sol = sols[0];
      const fo = firstOrder(model, X, P, s.d, y, 1, { method: "monte-carlo", samples: c.vSamples, seed: kMap[1] });
      const out: PointOut = {
        kind,
        N,
        P,
        map: [],
        firstOrder: [],
        projHmc: [],
        projHmcSe: [],
        projMap: [],
        projFo: [],
        normMap: [],
        mapMcError: [],
        priorOffset: [],
        priorCheckDiff: layers.map(() => Number.NaN),
        priorCheckFloor: layers.map(() => Number.NaN),
        acceptance: h.acceptance.reduce((a, b) => a + b, 0) / h.acceptance.length,
        records: h.records,
        chains: c.chains,
        mapConverged: sols.every((q) => q.converged),
        mapIterations: Math.max(...sols.map((q) => q.iterations)),
        mapEssFraction: sol.ess ? Math.min(...sol.ess) / c.mapSamples : Number.NaN,
        hmcSeconds: h.seconds,
        scatterHmc: new Float64Array(0),
        scatterMap: new Float64Array(0),
      };
      for (const l of layers) {
        // ΔC_MAP: the average of the two seeds; its Monte-Carlo error ‖d1 − d2‖/2.
        const dMap1 = sol.C[l + 1].map((v, i) => v - sol.Cgp[l + 1][i]);
        const dMap2 = sols[1].C[l + 1].map((v, i) => v - sols[1].Cgp[l + 1][i]);
        const dMap = dMap1.map((v, i) => 0.5 * (v + dMap2[i]));
        const dFo = fo.dC[l + 1];
        const cm = h.chainMeans.map((m) => m[l]);
        out.map.push(compareAdapted(cm, prior.mean[l], prior.se[l], dMap));
        out.firstOrder.push(compareAdapted(cm, prior.mean[l], prior.se[l], dFo));
        const projs = cm.map((m) =>
          targetProjection(
            m.map((v, i) => v - prior.mean[l][i]),
            P,
            y,
          ),
        );
        const pm = projs.reduce((a, b) => a + b, 0) / projs.length;
        out.projHmc.push(pm);
        out.projHmcSe.push(Math.sqrt(projs.reduce((a, b) => a + (b - pm) ** 2, 0) / (projs.length - 1) / projs.length));
        out.projMap.push(targetProjection(dMap, P, y));
        out.projFo.push(targetProjection(dFo, P, y));
        out.normMap.push(frobNorm(dMap));
        out.mapMcError.push(frobNorm(dMap1.map((v, i) => v - dMap2[i])) / (2 * frobNorm(dMap)));
        out.priorOffset.push(frobNorm(prior.mean[l].map((v, i) => v - sol.Cgp[l + 1][i])));
        if (l === L - 1) {
          const mean = new Float64Array(P * P);
          for (const m of cm) for (let i = 0; i < mean.length; i++) mean[i] += (m[i] - prior.mean[l][i]) / cm.length;
          // Upper triangle only (the matrices are symmetric).
          const hs: number[] = [];
          const ms: number[] = [];
          for (let a = 0; a < P; a++)
            for (let b = a; b < P; b++) {
              hs.push(mean[a * P + b]);
              ms.push(dMap[a * P + b]);
            }
          out.scatterHmc = Float64Array.from(hs);
          out.scatterMap = Float64Array.from(ms);
        }
      }
      ctx.log(
        `N=${N} P=${P}: HMC ${h.seconds.toFixed(1)} s, acceptance ${out.acceptance.toFixed(3)}; MAP rel. error ${out.map.map((m) => m.relError.toFixed(3)).join(", ")}`,
      );
      return out;
    },
    summarize(results, c) {
      const L = c.depth;
      const layers = Array.from({ length: L }, (_, i) => i + 2);
      const post = results.filter((r) => r.result.kind === "posterior");
      const pc = results.find((r) => r.result.kind === "prior-check");
      const Ns = post.map((r) => r.params.N);
      const setup = `erf network, L = ${L} hidden layers, g = ${c.g} (every layer), g_b = ${c.gb}, κ = ${c.kappa}; x ~ N(0, I_${c.d}), y = sign(x₁x₂); α = P/N = ${c.alpha} (P = ${post.map((r) => r.result.P).join(", ")} for N = ${Ns.join(", ")}). HMC: ${c.chains} chains from prior draws, ${c.leapfrog} leapfrog steps of ε = ${c.eps8}·√(8/P), burn-in ${c.burnin}, every ${c.thin}th state recorded; prior baseline from ${c.priorDraws} exact prior draws. MAP: Monte-Carlo tilted backend, S = ${c.mapSamples} with control variate`;
      const figures: FigureSpec[] = [];
      const tables: Table[] = [];
      const series = layers.flatMap((l, i) => [
        {
          name: `${L2(l, L)}, MAP`,
          x: Ns,
          y: post.map((r) => r.result.map[i].relError),
          yErr: post.map((r) => r.result.map[i].relErrorSe),
          color: L2(l, L),
          dash: "MAP",
          mark: "line+points" as const,
        },
        {
          name: `${L2(l, L)}, first order`,
          x: Ns,
          y: post.map((r) => r.result.firstOrder[i].relError),
          color: L2(l, L),
          dash: "first order",
        },
        {
          name: `${L2(l, L)}, sampling-noise floor`,
          x: Ns,
          y: post.map((r) => r.result.map[i].noiseFloor),
          color: L2(l, L),
          dash: "noise floor",
        },
      ]);
      figures.push(
        lineFigure({
          id: "relerror-vs-width",
          title: "Theory against HMC: relative error of the adapted kernels as N grows at fixed α",
          caption: `‖ΔC_HMC − ΔC_theory‖_F/‖ΔC_theory‖_F per layer (colour) against the width N at fixed α = ${c.alpha}: MAP (solid, with delete-one-chain jackknife error bars), first order δC = Cov_prior : G (dashed), and the noise floor √(Σ s.e.²)/‖ΔC_MAP‖ that the finite HMC and prior samples alone produce (dotted). ΔC_HMC = ⟨C⟩_HMC − ⟨C⟩_prior, ΔC_MAP = C_MAP − C_GP. ${setup}.`,
          claim:
            "The MAP (large-deviation) kernels become exact in the proportional limit: the discrepancy with the sampled posterior shrinks as N grows at fixed α.",
          x: { label: "width N", log: true },
          y: { label: "relative error of ΔC", zero: true },
          series,
          colorTitle: "kernel",
          dashTitle: "curve",
        }),
      );
      const show = post.find((r) => r.params.N === 100) ?? post[0];
      if (show)
        figures.push(
          scatterFigure({
            id: "scatter-readout",
            title: `Adapted readout kernel, MAP against HMC (N = ${show.params.N})`,
            caption: `Entries (upper triangle) of ΔC^(${L + 1}) = C^(${L + 1}) − C_prior^(${L + 1}) of the readout kernel at N = ${show.params.N}, P = ${show.result.P}: HMC posterior mean minus exact prior mean (y) against C_MAP − C_GP (x), with the diagonal y = x. ${setup}.`,
            claim: "The forward–backward MAP kernels predict the data-induced shift of the posterior-mean kernel entry by entry.",
            x: { label: "ΔC_MAP entry" },
            y: { label: "ΔC_HMC entry" },
            groups: [{ name: `N = ${show.params.N}`, x: show.result.scatterMap, y: show.result.scatterHmc }],
          }),
        );
      const rows: Cell[][] = [];
      for (const r of post) {
        const v = r.result;
        layers.forEach((l, i) => {
          rows.push([
            r.params.N,
            v.P,
            L2(l, L),
            v.normMap[i],
            v.map[i].relError,
            v.map[i].relErrorSe,
            v.map[i].noiseFloor,
            noiseSubtracted(v.map[i]),
            v.firstOrder[i].relError,
            noiseSubtracted(v.firstOrder[i]),
            v.projHmc[i],
            v.projHmcSe[i],
            v.projMap[i],
            v.projFo[i],
            v.mapMcError[i],
            v.priorOffset[i],
          ]);
        });
      }
      tables.push({
        title: "Adapted kernels: MAP and first order against HMC, per width and layer",
        caption: `Per N and layer: ‖ΔC_MAP‖_F; the relative error ‖ΔC_HMC − ΔC_MAP‖/‖ΔC_MAP‖ with its jackknife s.e. over chains and the sampling-noise floor (an error at the floor means agreement within sampling error) and the noise-subtracted error √max(r² − floor², 0) (noise adds in quadrature); the same for first order; the target projection ΔC:YYᵀ/‖YYᵀ‖² of HMC (± s.e. over chains), MAP and first order; the MAP's own Monte-Carlo error (two seeds); and ‖⟨C⟩_prior − C_GP‖_F, the O(1/N) prior-mean offset that the sampled prior baseline removes. ${setup}.`,
        columns: [
          "N",
          "P",
          "kernel",
          "‖ΔC_MAP‖",
          "rel. err. MAP",
          "± s.e.",
          "noise floor",
          "MAP noise-subtracted",
          "rel. err. 1st ord.",
          "1st ord. noise-subtracted",
          "proj. HMC",
          "± s.e.",
          "proj. MAP",
          "proj. 1st ord.",
          "MAP MC err.",
          "‖C_prior − C_GP‖",
        ],
        rows,
        kind: "data",
      });
      tables.push({
        title: "Sampler and solver diagnostics",
        caption:
          "Per point: HMC mean acceptance, chains × records per chain, HMC wall time; MAP convergence (both seeds), iterations, smallest ESS/S of the tilted sampler.",
        columns: ["point", "acceptance", "chains", "records/chain", "HMC s", "MAP converged", "MAP iterations", "min ESS/S"],
        rows: results.map((r) => [
          r.id,
          r.result.acceptance,
          r.result.chains,
          r.result.records,
          r.result.hmcSeconds,
          r.result.kind === "posterior" ? (r.result.mapConverged ? "yes" : "no") : "—",
          r.result.mapIterations,
          r.result.mapEssFraction,
        ]),
        kind: "data",
      });
      if (pc)
        tables.push({
          title: `Prior-level check (likelihood off, N = ${pc.params.N}, P = ${pc.result.P})`,
          caption:
            "HMC with temperature T = 10¹² samples the prior: its mean kernel must equal the mean of exact prior draws. Columns: ‖⟨C⟩_HMC − ⟨C⟩_prior‖_F and the noise floor √(Σ s.e.²) of that difference; a ratio ≲ 1.5 means agreement (checks that network, kernels and prior follow one convention). The chains start over-dispersed (2× a prior draw), so only chains that moved reproduce the prior mean; the acceptance rate is shown beside.",
          columns: ["kernel", "‖⟨C⟩_HMC − ⟨C⟩_prior‖", "noise floor", "ratio", "HMC acceptance"],
          rows: layers.map((l, i) => [
            L2(l, L),
            pc.result.priorCheckDiff[i],
            pc.result.priorCheckFloor[i],
            pc.result.priorCheckDiff[i] / pc.result.priorCheckFloor[i],
            pc.result.acceptance,
          ]),
          kind: "data",
        });
      const numbers: Record<string, Cell> = { alpha: c.alpha };
      for (const r of post)
        layers.forEach((l, i) => {
          numbers[`relErrMAP_N${r.params.N}_C${l}`] = r.result.map[i].relError;
          numbers[`relErrMAPse_N${r.params.N}_C${l}`] = r.result.map[i].relErrorSe;
          numbers[`noiseFloor_N${r.params.N}_C${l}`] = r.result.map[i].noiseFloor;
          numbers[`relErrMAPnoiseSubtracted_N${r.params.N}_C${l}`] = noiseSubtracted(r.result.map[i]);
        });
      if (pc)
        layers.forEach((l, i) => {
          numbers[`priorCheckRatio_C${l}`] = pc.result.priorCheckDiff[i] / pc.result.priorCheckFloor[i];
        });
      return { numbers, tables, figures };
    },
  }),
);
