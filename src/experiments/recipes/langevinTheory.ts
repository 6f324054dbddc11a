/**
 * Paper (a) / sampler issue, acceptance grid: the renormalized-kernel theory against Langevin
 * sampling of the finite one-hidden-layer erf network at N0 = N1 = P ∈ {100, 400} and
 * T ∈ {0.01, 0.1, 1} (recipe `langevin-vs-theory`; `langevin-vs-theory-mnist`: MNIST 0 vs 1, P = 100). Two observables decide: the posterior-averaged
 * test loss ε_g = bias² + variance and the order parameter Q̄ = λ1⟨|v|²⟩/N1 (raw estimator), each
 * within 2 standard errors of the theory (saddle point Q̄* and the renormalized GP predictor).
 *
 * One point reuses the pieces of the recipe `renorm-vs-sampling` (renormSampling.ts): the same
 * network (standard parameterization, no bias, priors N(0, 1/λ0), N(0, 1/λ1), likelihood exp(−L/T),
 * L = ½Σ(f − y)²), task builder, relaxation-time schedule and seeds; the observables come from
 * `ObservableRecorder` (src/nn/observables.ts) and the diagnostics (τ_int, ESS, split-R̂) from
 * src/metrics/chain.ts. The standard error of every sampled scalar is the larger of the 20-block
 * batch-means error per chain combined over chains (biased low when a block is not much longer than
 * τ_int — at T = 0.01 a block is about τ_int) and σ/√ESS with the multi-chain ESS; for the test loss
 * also the recorder's delete-one-block jackknife. This recipe fixes the grid N1 = N0 = P and the step:
 *
 * - **Task** (`task`): `"clusters"` (default) — the brief's two-cluster data (§6.3), x ~ N(±μ, I_N0),
 *   |μ|² = 0.02·N0, balanced ±1 labels, N0 = P, 200 test points: D = N0 by construction, as in
 *   `renorm-vs-sampling`. `"mnist"` — MNIST 0 vs 1 resized to √N0 × √N0 by area averaging
 *   (10×10 for N0 = 100, 20×20 for N0 = 400; the deepbays pipeline, brief §6.2), globally
 *   standardized with the training set's scalar mean and standard deviation, labels ±1, 100 test
 *   images per class from the test split.
 * - **Sampler**: MALA (default): the Langevin proposal of the convention
 *   Δθ = −η(∇L + Tλθ) + √(2ηT)ξ followed by a Metropolis test, exact for any η; ULA (the same move
 *   without the test) is selectable and carries the O(η) bias below.
 * - **Step**: η = min(ηmax, c_stiff/κ_max, c/T). c/T keeps ε = ηT (the step of the potential
 *   U = L/T + Σλ|θ|²/2) at c, which bounds ULA's O(η) bias: to first order in ε the stationary
 *   covariance of a Gaussian direction of curvature A is A⁻¹ + (ε/2)·I, whatever A, so
 *   ⟨|v|²⟩ gains ε·N1/2 and Q̄ gains ≈ ηTλ1/2 (reported per point for ULA: 2·10⁻³ at the default
 *   ε = 4·10⁻³, a fraction of an s.e. that MALA removes). c_stiff/κ_max,
 *   κ_max the top eigenvalue of the NNGP kernel K (≈ the top curvature of L in the readout, FᵀF/N1 ≈ K),
 *   keeps the stiffest data direction well inside ULA's stability region (ηκ_max < 2).
 * - **Schedule**: the slowest (prior-dominated) mode relaxes in τ = 1/(ηT·min λ) steps; each chain
 *   runs `relaxations`·τ steps, the first `burnin`·τ discarded, one record every `thin` steps.
 *   Chains start from a prior draw, which is already the stationary law of the prior-dominated
 *   directions.
 *
 * @module
 */
import { type Dataset, mnistBinary } from "../../data/index.js";
import { InputError } from "../../engine/errors.js";
import { split } from "../../engine/random.js";
import { selectKernels } from "../../nn/kernels.js";
import { createMLP } from "../../nn/mlp.js";
import { conservativeError, ObservableRecorder, summarizeScalar } from "../../nn/observables.js";
import { checkSchedule, runChains } from "../../nn/samplers/chains.js";
import { Posterior } from "../../nn/samplers/posterior.js";
import { type FigureSpec, lineFigure } from "../../report/figures.js";
import type { Cell, Table } from "../../report/tables.js";
import { logGrid, type RenormProblem, scanTemperature, solveSaddle } from "../../theory/renormalization.js";
import { defineRecipe, registerRecipe } from "../registry.js";
import { problemOf } from "./renormalization.js";
import { clusterTask, type RenormSamplingConfig, schedule, seedOf } from "./renormSampling.js";

/** The two tasks: the brief's two-cluster data (§6.3) or MNIST 0 vs 1 at √N0 × √N0 pixels. */
export type LangevinTask = "clusters" | "mnist";

/** Configuration of the `langevin-vs-theory` recipe (plain JSON). N1 = N0 = P at every point. */
export interface LangevinTheoryConfig extends RenormSamplingConfig {
  task: LangevinTask;
  /** Stiffness bound c_stiff: η ≤ c_stiff/κ_max, κ_max the top eigenvalue of the NNGP kernel K. */
  etaStiff: number;
}

/**
 * A sampled scalar: the grand mean over chains and its standard error, the larger of two estimates —
 * 20-block batch means per chain combined over chains (`errorBlocks`; biased low when a block is not
 * much longer than τ_int) and σ/√ESS with σ² the pooled variance of the draws and ESS the multi-chain
 * (split-chain, Geyer) effective sample size of src/metrics/chain.ts (`errorEss`).
 */
export interface LvtValue {
  mean: number;
  error: number;
  errorBlocks: number;
  errorEss: number;
  /** τ_int in records (mean over chains), multi-chain ESS, split-R̂. */
  tau: number;
  ess: number;
  rhat: number;
}

/** What one point stores. */
export interface LangevinTheoryResult {
  task: LangevinTask;
  P: number;
  N0: number;
  N1: number;
  T: number;
  /** Top eigenvalue κ_max of the NNGP kernel K of the training set. */
  kappaMax: number;
  eta: number;
  steps: number;
  burnin: number;
  records: number;
  theory: { Q: number; testLoss: number; bias2: number; variance: number; trainLoss: number; converged: boolean };
  sampled: { Q: LvtValue; QRB: LvtValue; testLoss: LvtValue; trainLoss: LvtValue; bias2: number; variance: number; virialWorstZ: number };
  /** First-order ULA bias of the raw Q̄ estimator, ηTλ1/2 (0 for MALA/HMC). */
  ulaBiasQ: number;
  /** Theory curves over `theoryTemperatures`. */
  curve: { Q: number[]; testLoss: number[] };
  acceptance: number[];
  divergences: number[];
}

/** The quantities compared: the two of the acceptance criterion first, then two supplementary ones. */
export const LVT_QUANTITIES = [
  { key: "Q", label: "Q̄ = λ1⟨|v|²⟩/N1", acceptance: true },
  { key: "testLoss", label: "test loss ε_g", acceptance: true },
  { key: "QRB", label: "Q̄ (Rao–Blackwell)", acceptance: false },
  { key: "trainLoss", label: "train loss ε_t", acceptance: false },
] as const;

export type LvtKey = (typeof LVT_QUANTITIES)[number]["key"];

/** The theory value a sampled quantity is compared with. */
export function lvtTheory(r: LangevinTheoryResult, k: LvtKey): number {
  return k === "QRB" ? r.theory.Q : r.theory[k];
}

/** (sampled − theory)/s.e. of a quantity at a point. */
export function lvtZ(r: LangevinTheoryResult, k: LvtKey): number {
  const s = r.sampled[k];
  return (s.mean - lvtTheory(r, k)) / s.error;
}

/** X ↦ (X − m)/s with the scalar mean m and standard deviation s of the training inputs (deepbays' global standardization). */
function globalStandardize(train: Dataset, test: Dataset): { train: Dataset; test: Dataset } {
  const X = train.X;
  let m = 0;
  for (let i = 0; i < X.length; i++) m += X[i];
  m /= X.length;
  let v = 0;
  for (let i = 0; i < X.length; i++) v += (X[i] - m) ** 2;
  const s = Math.sqrt(v / X.length);
  if (!(s > 0)) throw new InputError("langevin-vs-theory: the MNIST training inputs are constant (zero standard deviation)");
  const note = `globally standardized: (x − ${m.toPrecision(6)})/${s.toPrecision(6)} (training-set mean and std)`;
  const map = (d: Dataset): Dataset => ({ ...d, X: d.X.map((x) => (x - m) / s), meta: { ...d.meta, notes: [...(d.meta.notes ?? []), note] } });
  return { train: map(train), test: map(test) };
}

/**
 * The training and test sets of size P with N0 = P inputs, drawn from `recipeKey` (shared by the
 * points of one P). MNIST needs P to be an even perfect square (√P × √P images, P/2 per class).
 */
export function lvtTask(
  task: LangevinTask,
  P: number,
  c: Pick<RenormSamplingConfig, "separation" | "testP">,
  recipeKey: Uint32Array,
): { train: Dataset; test: Dataset } {
  if (task === "clusters") return clusterTask(P, c.separation, c.testP, recipeKey);
  if (task !== "mnist") throw new InputError(`langevin-vs-theory: unknown task '${String(task)}' (clusters, mnist)`);
  const side = Math.round(Math.sqrt(P));
  if (side * side !== P || P % 2 !== 0) throw new InputError(`langevin-vs-theory: MNIST needs N0 = P an even perfect square (√P × √P images), got P = ${P}`);
  if (c.testP % 2 !== 0) throw new InputError(`langevin-vs-theory: MNIST needs an even number of test points, got ${c.testP}`);
  const [k1, k2] = split(recipeKey, 2);
  const train = mnistBinary({ classes: [0, 1], perClass: P / 2, size: [side, side], key: k1, split: "train" });
  const test = mnistBinary({ classes: [0, 1], perClass: c.testP / 2, size: [side, side], key: k2, split: "test" });
  return globalStandardize(train, test);
}

/** The theory problem (kernel eigendecomposition) of a task. */
export const lvtProblem = (d: { train: Dataset; test: Dataset }, c: Pick<RenormSamplingConfig, "act" | "lambda0">): RenormProblem => problemOf(d, c);

/** The step cap of a problem: ηmax' = min(ηmax, c_stiff/κ_max). */
export function stepCap(c: Pick<LangevinTheoryConfig, "etaMax" | "etaStiff">, kappaMax: number): number {
  return Math.min(c.etaMax, c.etaStiff / kappaMax);
}

/** Mean, standard error (the larger of batch means and σ/√ESS) and diagnostics of one scalar trace. */
export function lvtValue(chains: Float64Array[]): LvtValue {
  const sm = summarizeScalar(chains);
  const errorEss = (sm.sd ?? Number.NaN) / Math.sqrt(sm.ess);
  return { mean: sm.mean, error: conservativeError(sm), errorBlocks: sm.error, errorEss, tau: sm.tau, ess: sm.ess, rhat: sm.rhat };
}

/**
 * One grid point (N1 = N0 = P, temperature T): the saddle point and renormalized predictor, and
 * `c.chains` chains of `c.sampler` on the finite network with the step η = min(ηmax, c_stiff/κ_max,
 * c/T) and the relaxation-time schedule of `renorm-vs-sampling`. Deterministic for a given seed.
 */
export function langevinPoint(
  c: LangevinTheoryConfig,
  d: { train: Dataset; test: Dataset },
  T: number,
  seed: number,
  problem: RenormProblem = lvtProblem(d, c),
): LangevinTheoryResult {
  const { train, test } = d;
  const P = train.P;
  const N0 = train.D;
  const N1 = N0;
  let kappaMax = 0;
  for (const k of problem.kappa) kappaMax = Math.max(kappaMax, k);
  const sp = solveSaddle(problem.kappa, problem.yTilde, { T, N1, lambda1: c.lambda1 });
  const pr = problem.predict(sp.Q, { T, lambda1: c.lambda1 });
  const scan = scanTemperature(problem, c.theoryTemperatures, { N1, lambda1: c.lambda1 });

  const { eta, steps, burnin } = schedule({ ...c, etaMax: stepCap(c, kappaMax) }, T);
  const spec = createMLP({ inputDim: N0, widths: [N1], activation: c.act, lambdas: [c.lambda0, c.lambda1] });
  const post = new Posterior(spec, { X: train.X, y: train.y, P }, { T, dtype: c.dtype, kernels: selectKernels("auto") });
  const R = checkSchedule({ steps, burnin, thin: c.thin, chains: c.chains });
  const rec = new ObservableRecorder(post, { test: { X: test.X, y: test.y, P: test.P }, raoBlackwell: true }, c.chains, R);
  const run = runChains(post, rec, { sampler: c.sampler, eta, steps, burnin, thin: c.thin, chains: c.chains, seed });
  const t = run.summary.test;
  if (!t) throw new Error("langevin-vs-theory: the recorder returned no test summary");
  let virialWorstZ = 0;
  for (const [name, s] of Object.entries(run.summary.scalars))
    if (name.startsWith("virial:")) virialWorstZ = Math.max(virialWorstZ, Math.abs(s.mean) / s.error);
  const testLoss = lvtValue(rec.series("testLoss"));
  // the mean of the per-draw test MSE is the posterior-averaged bias² + variance; keep the larger of
  // its trace error and the recorder's delete-one-block jackknife
  testLoss.error = Math.max(testLoss.error, t.testLoss.error);
  return {
    task: c.task,
    P,
    N0,
    N1,
    T,
    kappaMax,
    eta,
    steps,
    burnin,
    records: R,
    theory: {
      Q: sp.Q,
      testLoss: pr.testLoss as number,
      bias2: pr.bias2 as number,
      variance: pr.variance as number,
      trainLoss: pr.trainLoss,
      converged: sp.converged,
    },
    sampled: {
      Q: lvtValue(rec.series("Q")),
      QRB: lvtValue(rec.series("QRB")),
      testLoss,
      trainLoss: lvtValue(rec.series("trainLoss")),
      bias2: t.bias2.mean,
      variance: t.variance.mean,
      virialWorstZ,
    },
    ulaBiasQ: c.sampler === "ula" ? (eta * T * c.lambda1) / 2 : 0,
    curve: { Q: scan.Q, testLoss: scan.losses.testLoss.map((v) => v ?? Number.NaN) },
    acceptance: run.diagnostics.acceptanceRate,
    divergences: run.diagnostics.divergences,
  };
}

const fmt = (v: number, d = 3) => Number(v.toPrecision(d)).toString();

/** The recipe of one task (`Ps(full)` the training-set sizes). */
function lvtRecipe(o: { id: string; title: string; claim: string; task: LangevinTask; Ps: (full: boolean) => number[] }) {
  return defineRecipe<LangevinTheoryConfig, { P: number; T: number }, LangevinTheoryResult>({
    id: o.id,
    paper: "a",
    title: o.title,
    claim: o.claim,
    config: (full) => ({
      task: o.task,
      Ps: o.Ps(full),
      widthRatios: [1],
      temperatures: [0.01, 0.1, 1],
      theoryTemperatures: logGrid(3e-3, 3, 31),
      separation: 0.02,
      testP: 200,
      lambda0: 1,
      lambda1: 1,
      act: "erf",
      // MALA: the Langevin proposal plus a Metropolis test, so that ε = ηT = 4·10⁻³ carries no O(η)
      // bias (ULA would shift Q̄ by ηTλ1/2 = 2·10⁻³); acceptance 0.88–0.97 measured at P = 400.
      sampler: "mala",
      etaMax: 0.04,
      etaStiff: 0.25,
      etaT: 4e-3,
      relaxations: full ? 16 : 12,
      burnin: 4,
      thin: 20,
      chains: 4,
      dtype: "f32",
      sigmas: 2,
    }),
    // hottest first within each P: the coldest point is by far the longest (τ ∝ 1/(ηT))
    points: (c) =>
      c.Ps.flatMap((P) =>
        c.temperatures
          .slice()
          .sort((a, b) => b - a)
          .map((T) => ({ id: `P=${P},T=${T}`, params: { P, T } })),
      ),
    compute({ P, T }, ctx) {
      const c = ctx.config;
      const d = ctx.memo(`task-${P}`, () => lvtTask(c.task, P, c, ctx.recipeKey));
      const prob = ctx.memo(`problem-${P}`, () => lvtProblem(d, c));
      return langevinPoint(c, d, T, seedOf(ctx.key), prob);
    },
    summarize(results, c) {
      const numbers: Record<string, Cell> = {};
      const tables: Table[] = [];
      const figures: FigureSpec[] = [];
      const rs = results.map((r) => r.result);
      const taskText =
        c.task === "clusters"
          ? `two Gaussian clusters (brief §6.3, separation ${c.separation}), N0 = P`
          : "MNIST 0 vs 1 at √N0 × √N0 pixels, globally standardized";
      // ------------------------------------------------------------ the comparison (acceptance) table
      const rows: Cell[][] = [];
      let accN = 0;
      let accOk = 0;
      let worst = 0;
      let worstWhat = "";
      for (const r of rs) {
        for (const q of LVT_QUANTITIES) {
          const s = r.sampled[q.key];
          const th = lvtTheory(r, q.key);
          const z = lvtZ(r, q.key);
          const ok = Math.abs(z) <= c.sigmas;
          rows.push([r.P, r.T, q.label + (q.acceptance ? "" : " (suppl.)"), th, s.mean, s.error, z, ok ? "yes" : "no"]);
          if (q.acceptance) {
            accN++;
            if (ok) accOk++;
            if (Math.abs(z) > worst) {
              worst = Math.abs(z);
              worstWhat = `${q.key} at P=${r.P}, T=${r.T}`;
            }
          }
        }
      }
      numbers.task = c.task;
      numbers.acceptanceRowsAgreeing = `${accOk} of ${accN}`;
      numbers.worstAcceptanceZ = worst;
      numbers.worstAcceptanceRow = worstWhat;
      for (const q of LVT_QUANTITIES) {
        const ok = rs.filter((r) => Math.abs(lvtZ(r, q.key)) <= c.sigmas).length;
        numbers[`${q.key}Agreeing`] = `${ok} of ${rs.length}`;
      }
      numbers.maxRhatQ = Math.max(...rs.map((r) => r.sampled.Q.rhat));
      numbers.minEssQ = Math.min(...rs.map((r) => r.sampled.Q.ess));
      numbers.totalSeconds = results.reduce((a, r) => a + r.seconds, 0);
      tables.push({
        title: `Theory against ${c.sampler.toUpperCase()} sampling at N0 = N1 = P (agreement: |z| ≤ ${c.sigmas})`,
        caption: `Task: ${taskText}; erf, λ0 = ${c.lambda0}, λ1 = ${c.lambda1}. Theory: saddle point Q̄* of the effective action and the renormalized GP predictor (proportional limit). Sampled: ${c.chains} chains of ${c.sampler.toUpperCase()} (η = min(${c.etaMax}, ${c.etaStiff}/κ_max, ${c.etaT}/T), ${c.relaxations} relaxation times τ = 1/(ηT·min λ) per chain, ${c.burnin}τ burn-in, every ${c.thin}th step recorded), ${c.dtype}; s.e.: the larger of 20-block batch means per chain combined over chains (test loss: also the delete-one-block jackknife) and σ/√ESS (multi-chain ESS). z = (sampled − theory)/s.e. The first two quantities are the acceptance criterion; the Rao–Blackwellised Q̄ and the training loss are supplementary.`,
        columns: ["P = N0 = N1", "T", "quantity", "theory", "sampled", "± s.e.", "z", `within ${c.sigmas} s.e.`],
        rows,
        kind: "comparison",
      });
      // ------------------------------------------------------------ diagnostics
      tables.push({
        title: "Sampling runs: step, schedule and chain diagnostics",
        caption:
          "Per point: κ_max (top eigenvalue of the NNGP kernel), the step η and ηκ_max, steps and burn-in per chain, records per chain, τ_int of the raw Q̄ in steps, its multi-chain ESS and split-R̂, its two error estimates (20-block batch means; σ/√ESS — the table uses the larger), split-R̂ of the Rao–Blackwellised Q̄ and of the test loss, the first-order ULA bias of Q̄ (ηTλ1/2, 0 for MALA), the largest |virial residual|/s.e. (an exact identity of the finite network: ≲ 2–3 expected), the lowest acceptance (1 for ULA), whether the theory's saddle-point solve converged (a z against an unconverged Q̄* would mean nothing), and the wall-clock seconds of the point.",
        columns: [
          "P",
          "T",
          "κ_max",
          "η",
          "ηκ_max",
          "steps",
          "burn-in",
          "records",
          "τ_int(Q̄) [steps]",
          "ESS(Q̄)",
          "R̂(Q̄)",
          "s.e.(Q̄) blocks",
          "s.e.(Q̄) σ/√ESS",
          "R̂(Q̄ RB)",
          "R̂(ε_g)",
          "ULA bias of Q̄",
          "max |virial|/s.e.",
          "acceptance",
          "saddle converged",
          "seconds",
        ],
        rows: results.map(({ result: r, seconds }) => [
          r.P,
          r.T,
          r.kappaMax,
          r.eta,
          r.eta * r.kappaMax,
          r.steps,
          r.burnin,
          r.records,
          r.sampled.Q.tau * c.thin,
          r.sampled.Q.ess,
          r.sampled.Q.rhat,
          r.sampled.Q.errorBlocks,
          r.sampled.Q.errorEss,
          r.sampled.QRB.rhat,
          r.sampled.testLoss.rhat,
          r.ulaBiasQ,
          r.sampled.virialWorstZ,
          Math.min(...r.acceptance),
          r.theory.converged ? "yes" : "NO",
          seconds,
        ]),
        kind: "data",
      });
      // ------------------------------------------------------------ figures
      const Ps = [...new Set(rs.map((r) => r.P))].sort((a, b) => a - b);
      const multiP = Ps.length > 1;
      const seriesOf = (key: "Q" | "testLoss") =>
        Ps.flatMap((P) => {
          const pts = rs.filter((r) => r.P === P).sort((a, b) => a.T - b.T);
          const panel = multiP ? { panel: `P = N0 = N1 = ${P}` } : {};
          return [
            { name: `theory, P=${P}`, x: c.theoryTemperatures, y: pts[0].curve[key], color: `P = ${P}`, dash: "theory", ...panel },
            {
              name: `sampled, P=${P}`,
              x: pts.map((r) => r.T),
              y: pts.map((r) => r.sampled[key].mean),
              yErr: pts.map((r) => r.sampled[key].error),
              mark: "points" as const,
              color: `P = ${P}`,
              ...panel,
            },
          ];
        });
      const sizes = `${taskText}, erf, N1 = N0 = P ∈ {${Ps.join(", ")}}, ${c.chains} ${c.sampler.toUpperCase()} chains`;
      figures.push(
        lineFigure({
          id: "q-vs-t",
          title: "Order parameter λ1⟨|v|²⟩/N1: theory against Langevin sampling",
          caption: `Saddle point Q̄* of the effective action (lines) and the raw sampled λ1⟨|v|²⟩/N1 (points, ± 1 s.e.) against T; ${sizes}.`,
          claim: "The readout norm of the finite network equals the saddle point Q̄* within the sampling error.",
          x: { label: "temperature T", log: true },
          y: { label: "Q̄ = λ1⟨|v|²⟩/N1" },
          series: seriesOf("Q"),
          colorTitle: "size",
          dashTitle: "source",
        }),
        lineFigure({
          id: "test-loss-vs-t",
          title: "Test loss: theory against Langevin sampling",
          caption: `Posterior-averaged test loss ε_g = bias² + variance on ${c.testP} test points: renormalized GP predictor (lines) and sampled networks (points, ± 1 s.e.); ${sizes}.`,
          claim: "The finite network predicts like GP regression with the NNGP kernel rescaled by Q̄*.",
          x: { label: "temperature T", log: true },
          y: { label: "test loss ε_g" },
          series: seriesOf("testLoss"),
          colorTitle: "size",
          dashTitle: "source",
        }),
      );
      const Tmin = Math.min(...c.temperatures);
      const Tmax = Math.max(...c.temperatures);
      figures.push(
        lineFigure({
          id: "z-scores",
          title: "Deviation from the theory in standard errors",
          caption: `z = (sampled − theory)/s.e. of every quantity at every point (${sizes}); the dashed lines are ±${c.sigmas}, the acceptance band. Supplementary quantities (Rao–Blackwellised Q̄, train loss) have much smaller error bars and so resolve smaller deviations.`,
          claim: "Sampled and theory values differ by less than the sampling error.",
          x: { label: "temperature T", log: true },
          y: { label: "z" },
          series: [
            ...LVT_QUANTITIES.flatMap((q) =>
              Ps.map((P) => {
                const pts = rs.filter((r) => r.P === P).sort((a, b) => a.T - b.T);
                return {
                  name: `${q.key}, P=${P}`,
                  x: pts.map((r) => r.T),
                  y: pts.map((r) => lvtZ(r, q.key)),
                  mark: "line+points" as const,
                  color: q.label,
                  dash: `P = ${P}`,
                };
              }),
            ),
            { name: `+${c.sigmas}`, x: [Tmin, Tmax], y: [c.sigmas, c.sigmas], color: "band", dash: `±${c.sigmas}` },
            { name: `−${c.sigmas}`, x: [Tmin, Tmax], y: [-c.sigmas, -c.sigmas], color: "band", dash: `±${c.sigmas}` },
          ],
          colorTitle: "quantity",
          dashTitle: "size",
        }),
      );
      const notes = rs.map((r) => `P=${r.P}, T=${r.T}: η = ${fmt(r.eta)}, τ_int(Q̄) = ${fmt(r.sampled.Q.tau * c.thin)} steps`).join("; ");
      numbers.schedule = notes;
      return { numbers, tables, figures };
    },
  });
}

registerRecipe(
  lvtRecipe({
    id: "langevin-vs-theory",
    title: "Langevin sampling of N0 = N1 = P erf networks against the renormalized-kernel theory",
    claim:
      "For the Bayesian one-hidden-layer erf network with N0 = N1 = P, the Langevin-sampled test loss and order parameter λ1⟨|v|²⟩/N1 agree with the proportional-limit theory (GP regression with the NNGP kernel rescaled by the saddle point Q̄*) within 2 standard errors, from T = 1 down to T = 0.01.",
    task: "clusters",
    Ps: (full) => (full ? [100, 400] : [100]),
  }),
);

registerRecipe(
  lvtRecipe({
    id: "langevin-vs-theory-mnist",
    title: "Langevin sampling against the renormalized-kernel theory on MNIST 0 vs 1 (10×10 pixels, N0 = N1 = P = 100)",
    claim:
      "On real data (MNIST 0 vs 1 resized to 10×10, N0 = 100, N1 = P = 100), the Langevin-sampled test loss and order parameter λ1⟨|v|²⟩/N1 agree with the proportional-limit theory within 2 standard errors, from T = 1 down to T = 0.01. (P = 400 is not run: docs/nn.md gives its cost.)",
    task: "mnist",
    Ps: () => [100],
  }),
);
